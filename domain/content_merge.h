#pragma once

#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace ec::domain {

// Same alias as domain/normalized_metadata.h (redeclaring it is allowed).
using Json = nlohmann::ordered_json;

// How Django's refresh turns what discovery returns into the stored JSON of
// rows that already exist (django-rules.md §2 and §3). Every function here
// works in place on one document, keeps the member order Python's dict
// would (existing members keep their position, new ones are appended, none
// is ever removed), and never throws: where Django would raise and abort the
// batch, the header comment says what happens instead.

// Python truthiness of a JSON value: null, false, 0, 0.0, "", [] and {} are
// falsy; everything else is truthy.
bool PythonTruthy(const Json& value);

// `text` without the leading and trailing characters Python's str.strip()
// removes (every Unicode whitespace character, given as UTF-8).
std::string_view StripPythonWhitespace(std::string_view text);

// The members an existing course row takes from a search/all entry, in the
// order Django adds them: COURSE_FIELDS_TO_PLUCK_FROM_SEARCH_ALL, then
// "modified" (the 2U fork's staleness stamp).
inline constexpr std::string_view kCourseFieldsFromSearch[] = {
    "aggregation_key", "content_type", "seat_types", "end_date",
    "course_ends",     "languages",    "modified"};

// Django's _should_skip_course_update, given the stored course document and
// the search/all entry: true when both "modified" members are strings that
// parse and name the same instant, so the row is left alone (not even
// re-stamped) but stays a member of the query. The caller applies it to rows
// stored as courses only.
//
// Parsing follows Django: strip whitespace, a trailing "Z" becomes
// "+00:00", then Python 3.12's datetime.fromisoformat for the forms
// discovery writes: "YYYY-MM-DD", optionally followed by one separator
// character (normally "T") and "HH", "HH:MM", "HH:MM:SS" or
// "HH:MM:SS.fraction" ("." or ","; any number of digits, even none; digits
// past the sixth are dropped), and an optional offset "+HH", "+HH:MM",
// "+HH:MM:SS" or "+HH:MM:SS.ffffff" (or "-"). Aware times compare as instants;
// an aware and a naive time are never equal. Forms fromisoformat also reads but
// discovery never writes (basic "YYYYMMDD", week dates, "HHMM" times,
// non-ASCII separators) count as unparsable here: the row is updated, which
// is the safe direction.
bool SameDiscoveryModified(const Json& stored, const Json& entry);

// Whether a full document (/api/v1/courses/ or /programs/) is older than the
// stored document: both have a "modified" that parses (as above), both aware
// or both naive, and the full document's is earlier. A full pass that fetched
// a course before a crawl stored a newer version of it must not merge it.
bool FullDocumentPredates(const Json& stored, const Json& full);

// Merges a search/all entry into the stored document of an existing row
// (Django's _get_defaults_from_metadata + _update_existing_content_metadata).
// `entry_type` is the type from the entry's aggregation_key prefix:
// - "course": only the kCourseFieldsFromSearch members whose entry value is
//   truthy are set (falsy values such as seat_types: [] never clobber);
// - any other type: every member of the entry is set (shallow dict.update).
// Returns true if the document changed (a member was added, or took a value
// that serializes differently). An `entry` that is not an object merges
// nothing; a `stored` that is not an object becomes one when something is
// merged into it (Django cannot hold such a row).
bool MergeSearchEntry(Json& stored, const Json& entry,
                      std::string_view entry_type);

// Django's full course update of one stored course document with its
// /api/v1/courses/ document (django-rules.md §3, steps 1-5, 7 and 8):
// 1-3. stored.update(full_course), except that a truthy stored "subjects"
//      survives a falsy or missing new one;
// 4-5. AddNormalizedMetadata;
// 7.   if "enterprise_force_included" is truthy it becomes true, every run
//      gets status "published" and availability "Current", and
//      "course_run_statuses" becomes ["published"] per run;
// 8.   each object in stored["programs"] that came from full_course
//      ["programs"] gains "aggregation_key": "program:<uuid>" and
//      "content_type": "program".
// Returns copies of the step-8 program entries, in order, for the caller to
// upsert as program rows. Step 6 (course reviews: reviews_count and
// avg_course_rating) needs discovery's review data and is the caller's; in
// Django it runs between steps 5 and 7.
//
// Where Django would raise, instead: a `full_course` that is not an object
// changes nothing and returns {}; a `stored` that is not an object is
// replaced by {} first; step 7 skips runs that are not objects and treats
// course_runs that is not an array as no runs; step 8 ignores
// full_course["programs"] that is not an array, and leaves unchanged (and
// does not return) entries that are not objects or have no string "uuid"
// (Django: KeyError, or "program:None" for a null uuid).
std::vector<Json> MergeFullCourse(Json& stored, const Json& full_course);

// Django's full program update: stored.update(full_program), the
// /api/v1/programs/ document. Returns true if the document changed. A
// `full_program` that is not an object changes nothing; a `stored` that is
// not an object becomes one when something is merged into it.
bool MergeFullProgram(Json& stored, const Json& full_program);

}  // namespace ec::domain
