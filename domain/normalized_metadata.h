#pragma once

#include "nlohmann/json.hpp"

namespace ec::domain {

// Ordered, so documents keep discovery's member order when re-serialized
// (Django stores them the same way: dicts keep insertion order).
using Json = nlohmann::ordered_json;

// The "normalized_metadata" Django computes for a course, or for one of its
// runs (django-rules.md §4; Django's NormalizedContentMetadataSerializer).
// Exactly these members, in this order:
//
//   start_date, end_date, enroll_by_date, enroll_start_date, content_price
//
// The run used is `*run` when `run` is non-null and `*run` is a non-empty
// object; otherwise the course's advertised run: the first object in
// course["course_runs"] whose "uuid" equals (Python ==) the course's
// "advertised_course_run_uuid". With no advertised uuid, a run without a uuid
// matches (Python's None == None), so search/all's nested runs do match.
//
// - start_date / end_date / enroll_start_date: the run's "start", "end" and
//   "enrollment_start", verbatim (discovery's text, not reformatted); null
//   when absent or when there is no run.
// - enroll_by_date: for executive-education-2u courses (course_type, exact)
//   the run's "enrollment_end" verbatim. Otherwise the least, as a string
//   (Python compares code points; UTF-8 bytes order the same), of the
//   non-empty strings among the best seat's deadline
//   (upgrade_deadline_override if truthy, else upgrade_deadline) and the
//   run's enrollment_end; null when neither is one. The best seat is the
//   first seat of the lowest rank: verified, professional,
//   no-id-professional, unpaid-executive-education, audit, anything else.
// - content_price: always a JSON float (dumps as 50.0, 0.0, 2900.0). First
//   match: the run's fixed_price_usd if truthy (the string "0.00" is truthy:
//   0.0); for exec-ed courses the first entitlement with a truthy price and
//   mode "paid-executive-education" (even with no run); the run's
//   first_enrollable_paid_seat_price if truthy; else 0.0. Strings are read
//   as Python's float() reads them (surrounding whitespace, underscores
//   between digits, exponent; underflow gives 0.0).
//
// Where Django would raise and abort the whole batch, this never throws and
// chooses instead (a hostile document changes at most its own result):
// - a `course` that is not an object is read as {};
// - course_runs, seats or entitlements that are not arrays, and elements of
//   them that are not objects, are ignored (Django: TypeError or
//   AttributeError);
// - a truthy `*run` that is not an object falls back to the advertised run;
// - a seat without a string "type" ranks as "anything else" (Django:
//   KeyError when "type" is missing);
// - a price that float() would reject (unparsable text, a list, an object),
//   or that would be inf or nan (Python: "inf", "1e999"), does not match:
//   the next rule (or, for entitlements, the next entitlement) is tried;
// - enroll_by_date ignores a truthy deadline that is not a string (Python
//   would return it when it is the only candidate, or raise comparing it to
//   a string).
// Python's float() also reads non-ASCII decimal digits; those are unparsable
// here. Discovery sends none of these shapes.
Json NormalizedMetadata(const Json& course, const Json* run);

// Steps 4 and 5 of Django's full course update (django-rules.md §3): sets
// course["normalized_metadata"] = NormalizedMetadata(course, nullptr) and
// course["normalized_metadata_by_run"] = {run["key"]: NormalizedMetadata(
// course, &run)} over course["course_runs"]. Existing members keep their
// position, new ones are appended. A duplicate run key keeps its first
// position and its last value (as Python's dict.update). Runs that are not
// objects or have no string "key" are skipped, and course_runs that is not
// an array gives {} (Django raises on both). No-op if `course` is not an
// object.
// §4's advertised run: the first course_runs element whose "uuid" equals the
// course's "advertised_course_run_uuid" by Python's == (so with no advertised
// uuid, the first run without one). Null when there is none. Shared with the
// per-catalog rules (catalog_item_fields.h), which read the same run.
const Json* AdvertisedRun(const Json& course);

void AddNormalizedMetadata(Json& course);

}  // namespace ec::domain
