// Course and course run documents (§3.1, §3.2).
#include <algorithm>
#include <optional>
#include <utility>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/documents.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {
namespace {

double EstimatedHours(const RunModel& r) {
  const int effort = r.min_effort + r.max_effort;
  return effort != 0 && r.weeks != 0 ? effort / 2.0 * r.weeks : 0;
}

NestedRun BuildNestedRun(const CourseModel& c, const RunModel& r,
                         const Tables& t) {
  NestedRun n;
  n.key = r.key;
  JsonWriter w;
  w.Open();
  w.Key("key").Str(r.key);
  w.Key("enrollment_start").Date(r.enrollment_start);
  w.Key("enrollment_end").Date(r.enrollment_end);
  w.Key("go_live_date").Date(r.go_live);
  w.Key("start").Date(r.start);
  w.Key("end").Date(r.end);
  w.Key("modified").Date(r.modified);
  w.Key("availability").Str(r.availability);
  w.Key("status").Str(r.status);
  w.Key("pacing_type").Str(r.pacing_type);
  w.Key("enrollment_mode").StrOrNull(r.type_legacy);
  w.Key("min_effort").Int(r.min_effort);
  w.Key("max_effort").Int(r.max_effort);
  w.Key("weeks_to_complete").Int(r.weeks);
  const double hours = EstimatedHours(r);
  if (hours == 0) {
    w.Key("estimated_hours").Int(0);
  } else {
    w.Key("estimated_hours").Float(hours);
  }
  if (r.price) {
    w.Key("first_enrollable_paid_seat_price").Int(*r.price);
  } else {
    w.Key("first_enrollable_paid_seat_price").Float(0.0);
  }
  w.Key("is_enrollable").Bool(r.enrollable);
  w.Key("restriction_type").StrOrNull(r.restriction_type);
  if (c.fixed_price) {
    w.Key("fixed_price_usd").Float(*c.fixed_price);
  } else {
    w.Key("fixed_price_usd").Null();
  }
  n.json = std::move(w.str());

  JsonWriter d;
  d.Literal(",\"staff\":[");
  bool first = true;
  for (const int p : r.staff) {
    if (!first) d.Literal(",");
    first = false;
    d.Literal(t.person_minimal_json[static_cast<size_t>(p)]);
  }
  d.Literal("],\"content_language\":");
  d.Str(kVocabLanguages[r.language].code);
  n.detail_json = std::move(d.str());

  n.end = r.end;
  n.restriction_type = r.restriction_type;
  n.status = r.status;
  n.pacing_type = r.pacing_type;
  n.availability = r.availability;
  n.title = c.title;
  n.language = std::string(kVocabLanguages[r.language].name);
  n.seat_types = r.seat_types;
  n.enrollable = r.enrollable;
  n.marketable = r.marketable;
  return n;
}

}  // namespace

std::shared_ptr<Document> BuildCourse(
    const std::shared_ptr<const CourseModel>& model, const Tables& t,
    int64_t now) {
  const CourseModel& c = *model;
  auto doc = std::make_shared<Document>();
  doc->type = ContentType::kCourse;
  doc->key = c.key;
  doc->aggregation_key = Cat("course:", c.key);
  doc->course_model = model;
  doc->modified = c.modified;
  doc->padding = c.padding;
  doc->title = c.title;
  doc->short_description = c.short_description;

  // Course-level values derived from runs: visible runs are those of a
  // marketable type that are not restricted (filter_visible_runs).
  std::vector<std::string> statuses, availabilities, languages;
  std::optional<int64_t> end_date;
  std::optional<int> price;
  bool any_visible = false;
  for (const RunModel& r : c.runs) {
    if (r.status == "published" && r.restriction_type.empty() && r.end) {
      end_date = std::max(end_date.value_or(*r.end), *r.end);
    }
    if (!r.marketable || !r.restriction_type.empty()) continue;
    any_visible = true;
    AddUnique(&statuses, r.status);
    AddUnique(&availabilities, r.availability);
    AddUnique(&languages, std::string(kVocabLanguages[r.language].name));
    NumValues(doc.get(), NumField::kStart)
        .push_back(static_cast<double>(r.start));
    if (r.end)
      NumValues(doc.get(), NumField::kEnd)
          .push_back(static_cast<double>(*r.end));
    doc->min_start = std::min(doc->min_start.value_or(r.start), r.start);
    doc->max_start = std::max(doc->max_start.value_or(r.start), r.start);
    if (!price && r.price && r.enrollable) price = r.price;
  }
  const std::string course_ends =
      end_date && *end_date < now ? "Past" : "Future";

  const VocabOrg& org = kVocabOrgs[c.org];
  std::vector<std::string> organizations = {OrgLabel(c.org)};
  if (c.sponsor >= 0) organizations.push_back(OrgLabel(c.sponsor));
  std::vector<std::string> subject_names, subject_uuids;
  for (const int s : c.subjects) {
    subject_names.emplace_back(kVocabSubjects[s].name);
    subject_uuids.emplace_back(kVocabSubjects[s].uuid);
  }

  SetCommonTerms(doc.get(), org.partner);
  if (any_visible) SetTerm(doc.get(), TermField::kOrg, AsciiLower(org.key));
  SetTerm(doc.get(), TermField::kKeyRaw, c.key);
  SetTerm(doc.get(), TermField::kStatus, statuses);
  SetTerm(doc.get(), TermField::kAvailability, availabilities);
  if (!c.level_type.empty())
    SetTerm(doc.get(), TermField::kLevelType, c.level_type);
  SetTerm(doc.get(), TermField::kAuthoringOrganizations,
          AsciiLower(OrgLabel(c.org)));
  SetTerm(doc.get(), TermField::kSubjectUuids, subject_uuids);
  SetTerm(doc.get(), TermField::kCourseType, c.course_type);
  SetTerm(doc.get(), TermField::kProductSource, c.product_source);
  if (!c.marketing_type.empty()) {
    SetTerm(doc.get(), TermField::kExternalCourseMarketingType,
            c.marketing_type);
  }
  if (c.subscription_inclusion) {
    SetTerm(doc.get(), TermField::kEnterpriseSubscriptionInclusion,
            BoolTerm(*c.subscription_inclusion));
  }
  SetTerm(doc.get(), TermField::kCourseEnds, course_ends);
  SetTerm(doc.get(), TermField::kLanguages, languages);
  SetTerm(doc.get(), TermField::kSkillNames, SkillNames(c.skills));
  if (price) {
    NumValues(doc.get(), NumField::kFirstEnrollablePaidSeatPrice)
        .push_back(*price);
  }
  if (end_date) {
    NumValues(doc.get(), NumField::kEndDate)
        .push_back(static_cast<double>(*end_date));
  }
  doc->key_tokens = StandardTokens(c.key);
  doc->search_text =
      Cat(c.short_description, " ", c.level_type, " ", Join(organizations, " "),
          " ", Join(subject_names, " "));

  JsonWriter w;
  w.Open();
  w.Key("aggregation_key").Str(doc->aggregation_key);
  w.Key("content_type").Str("course");
  w.Key("full_description").Literal("\"<p>").Marker().Literal("</p>\"");
  w.Key("key").Str(c.key);
  w.Key("short_description").Str(c.short_description);
  w.Key("title").Str(c.title);
  w.Key("card_image_url").StrOrNull(c.card_image_url);
  w.Key("image_url").Str(c.image_url);
  w.Key("course_runs").Marker();
  w.Key("uuid").Str(c.uuid);
  w.Key("seat_types").Marker();
  w.Key("skill_names").StrArray(SkillNames(c.skills));
  WriteSkills(&w, c.skills, t, /*short_form=*/false);
  w.Key("end_date").Date(end_date);
  w.Key("course_ends").Str(course_ends);
  w.Key("subjects").StrArray(subject_names);
  w.Key("languages").Marker();
  w.Key("organizations").StrArray(organizations).Marker();
  w.Key("course_type").Str(c.course_type);
  w.Key("course_length").StrOrNull(c.course_length);
  if (c.subscription_inclusion) {
    w.Key("enterprise_subscription_inclusion").Bool(*c.subscription_inclusion);
  } else {
    w.Key("enterprise_subscription_inclusion").Null();
  }
  w.Key("external_course_marketing_type").StrOrNull(c.marketing_type);
  w.Key("product_source").Str(c.product_source);
  w.Close();
  std::vector<std::string> parts = SplitAtMarkers(w.str());
  doc->head = std::move(parts[0]);

  JsonWriter detail;
  detail.Literal(",\"outcome\":").Str(c.outcome);
  detail.Literal(",\"level_type\":").StrOrNull(c.level_type);
  doc->course_parts = {std::move(parts[1]),     std::move(parts[2]),
                       std::move(parts[3]),     std::move(parts[4]),
                       std::move(detail.str()), std::move(parts[5])};
  for (const RunModel& r : c.runs) doc->runs.push_back(BuildNestedRun(c, r, t));
  return doc;
}

std::shared_ptr<Document> BuildRun(
    const CourseModel& c, const RunModel& r,
    const std::vector<std::string>& program_types, const Tables& t,
    int64_t now) {
  auto doc = std::make_shared<Document>();
  doc->type = ContentType::kCourseRun;
  doc->key = r.key;
  doc->aggregation_key = Cat("courserun:", c.key);
  doc->restriction_type = r.restriction_type;
  doc->min_start = r.start;
  doc->max_start = r.start;
  doc->title = c.title;
  doc->short_description = c.short_description;
  const VocabOrg& org = kVocabOrgs[c.org];
  std::vector<std::string> subject_uuids, subject_names;
  for (const int s : c.subjects) {
    subject_uuids.emplace_back(kVocabSubjects[s].uuid);
    subject_names.emplace_back(kVocabSubjects[s].name);
  }
  std::vector<std::string> staff_uuids;
  for (const int p : r.staff) {
    staff_uuids.push_back(t.person_uuid[static_cast<size_t>(p)]);
  }
  const std::string language(kVocabLanguages[r.language].name);
  std::vector<std::string> transcripts = {language};
  if (r.spanish_transcript && language != "Spanish") {
    transcripts.emplace_back("Spanish");
  }
  const bool has_enrollable_seats = !r.Ended(now) && !r.seat_types.empty();

  SetCommonTerms(doc.get(), org.partner);
  SetTerm(doc.get(), TermField::kOrg, AsciiLower(org.key));
  SetTerm(doc.get(), TermField::kKeyRaw, r.key);
  SetTerm(doc.get(), TermField::kStatus, r.status);
  SetTerm(doc.get(), TermField::kAvailability, r.availability);
  if (!c.level_type.empty())
    SetTerm(doc.get(), TermField::kLevelType, c.level_type);
  SetTerm(doc.get(), TermField::kAuthoringOrganizations,
          AsciiLower(OrgLabel(c.org)));
  SetTerm(doc.get(), TermField::kAuthoringOrganizationUuids,
          std::string(org.uuid));
  SetTerm(doc.get(), TermField::kSubjectUuids, subject_uuids);
  SetTerm(doc.get(), TermField::kPacingType, r.pacing_type);
  SetTerm(doc.get(), TermField::kNumber, c.number);
  if (!r.type_legacy.empty())
    SetTerm(doc.get(), TermField::kType, r.type_legacy);
  SetTerm(doc.get(), TermField::kIsActive, BoolTerm(!r.Ended(now)));
  SetTerm(doc.get(), TermField::kHasEnrollableSeats,
          BoolTerm(has_enrollable_seats));
  SetTerm(doc.get(), TermField::kHidden, BoolTerm(r.hidden));
  SetTerm(doc.get(), TermField::kPublished, BoolTerm(r.status == "published"));
  SetTerm(doc.get(), TermField::kSkillNames, SkillNames(c.skills));
  if (r.price)
    NumValues(doc.get(), NumField::kFirstEnrollablePaidSeatPrice)
        .push_back(*r.price);
  NumValues(doc.get(), NumField::kStart)
      .push_back(static_cast<double>(r.start));
  if (r.end)
    NumValues(doc.get(), NumField::kEnd).push_back(static_cast<double>(*r.end));
  doc->key_tokens = StandardTokens(r.key);
  doc->search_text =
      Cat(c.short_description, " ", c.level_type, " ", OrgLabel(c.org), " ",
          Join(subject_names, " "), " ", r.pacing_type, " ", language);

  JsonWriter w;
  w.Open();
  w.Key("aggregation_key").Str(doc->aggregation_key);
  w.Key("content_type").Str("courserun");
  w.Key("authoring_organization_uuids").StrArray({std::string(org.uuid)});
  w.Key("availability").Str(r.availability);
  w.Key("end").Date(r.end);
  w.Key("enrollment_end").Date(r.enrollment_end);
  w.Key("enrollment_start").Date(r.enrollment_start);
  w.Key("first_enrollable_paid_seat_sku").StrOrNull(r.price ? r.sku : "");
  w.Key("first_enrollable_paid_seat_price").OptInt(r.price);
  w.Key("full_description").Literal("\"<p>").Marker().Literal("</p>\"");
  if (r.go_live) {
    w.Key("go_live_date").Str(FormatDate(*r.go_live, /*offset_suffix=*/true));
  } else {
    w.Key("go_live_date").Null();
  }
  w.Key("has_enrollable_seats").Bool(has_enrollable_seats);
  w.Key("image_url").Str(c.image_url);
  w.Key("is_enrollable").Bool(r.enrollable);
  w.Key("key").Str(r.key);
  w.Key("language").Str(language);
  w.Key("level_type").StrOrNull(c.level_type);
  w.Key("logo_image_urls").StrArray({LogoUrl(c.org)});
  w.Key("marketing_url")
      .Str(Cat("https://www.edx.org/course/", Slugify(c.title),
               "?index=product&queryID=", r.uuid.substr(0, 8)));
  w.Key("max_effort").Int(r.max_effort);
  w.Key("min_effort").Int(r.min_effort);
  w.Key("mobile_available").Bool(r.mobile);
  w.Key("number").Str(c.number);
  w.Key("org").Str(org.key);
  w.Key("pacing_type").Str(r.pacing_type);
  w.Key("partner").Str(org.partner);
  w.Key("program_types").StrArray(program_types);
  w.Key("published").Bool(r.status == "published");
  w.Key("seat_types").StrArray(r.seat_types);
  w.Key("skill_names").StrArray(SkillNames(c.skills));
  WriteSkills(&w, c.skills, t, /*short_form=*/false);
  w.Key("short_description").Str(c.short_description);
  w.Key("staff_uuids").StrArray(staff_uuids);
  w.Key("start").Date(r.start);
  w.Key("subject_uuids").StrArray(subject_uuids);
  w.Key("title").Str(c.title);
  w.Key("transcript_languages").StrArray(transcripts);
  w.Key("type").StrOrNull(r.type_legacy);
  w.Key("weeks_to_complete").Int(r.weeks);
  w.Key("restriction_type").StrOrNull(r.restriction_type);
  if (c.fixed_price) {
    w.Key("fixed_price_usd").Float(*c.fixed_price);
  } else {
    w.Key("fixed_price_usd").Null();
  }
  w.Close();
  SetHeadTail(doc.get(), w.str());
  return doc;
}

}  // namespace ec::stub
