// /api/v1/courses/ documents (CourseWithProgramsSerializer, reference §4):
// the course, its runs with their seats, its entitlements and the programs
// that hold it.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string_view>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/documents.h"
#include "tools/discovery_stub/full_documents.h"
#include "tools/discovery_stub/rng.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {
namespace {

bool External(const CourseModel& c) { return c.product_source != "edx"; }

bool Marketable(const RunModel& r) {
  return r.status == "published" && r.marketable && !r.hidden &&
         !r.seat_types.empty();
}

bool MarketableExternal(const CourseModel& c, const RunModel& r) {
  return External(c) ? r.status == "published" && !r.hidden : Marketable(r);
}

bool Paid(std::string_view seat) {
  return seat == "verified" || seat == "professional" || seat == "credit";
}

std::string LanguageCode(std::string_view name) {
  for (const VocabLanguage& l : kVocabLanguages) {
    if (l.name == name) return std::string(l.code);
  }
  return "en-us";
}

// The courserun document's transcript languages.
std::vector<std::string> Transcripts(const RunModel& r) {
  const std::string language(kVocabLanguages[r.language].name);
  std::vector<std::string> names = {language};
  if (r.spanish_transcript && language != "Spanish")
    names.emplace_back("Spanish");
  return names;
}

void WriteImage(JsonWriter* w, std::string_view key, std::string_view url) {
  w->Key(key).Open();
  w->Key("src").Str(url);
  w->Key("description").Null();
  w->Key("height").Null();
  w->Key("width").Null();
  w->Close();
}

void WriteSeats(const CourseModel& c, const RunModel& r, Rng* rng,
                JsonWriter* w) {
  w->Key("seats").OpenArray();
  bool first_paid = true;
  for (const std::string& type : r.seat_types) {
    const bool paid = Paid(type);
    w->Open();
    w->Key("type").Str(type);
    w->Key("price").Str(paid ? Money(r.list_price) : "0.00");
    w->Key("currency").Str("USD");
    if (type == "verified" && r.end) {
      w->Key("upgrade_deadline").Str(FormatDate(*r.end - 10 * kSecondsPerDay));
    } else {
      w->Key("upgrade_deadline").Null();
    }
    w->Key("upgrade_deadline_override").Null();
    if (type == "credit") {
      w->Key("credit_provider").Str(AsciiLower(kVocabOrgs[c.org].key));
      w->Key("credit_hours").Int(3);
    } else {
      w->Key("credit_provider").Null();
      w->Key("credit_hours").Null();
    }
    // The first paid seat's SKU is the courserun document's
    // first_enrollable_paid_seat_sku.
    const std::string sku = paid && first_paid ? r.sku : rng->HexUpper(7);
    w->Key("sku").Str(sku);
    if (paid) {
      w->Key("bulk_sku").Str(rng->HexUpper(7));
    } else {
      w->Key("bulk_sku").Null();
    }
    if (paid) first_paid = false;
    w->Close();
  }
  w->CloseArray();
}

std::string RunMarketingUrl(const CourseModel& c, const RunModel& r) {
  return Cat("https://www.edx.org/course/", Slugify(c.title),
             "?index=product&queryID=", r.uuid.substr(0, 8));
}

void WriteFixedPrice(const CourseModel& c, JsonWriter* w) {
  if (c.fixed_price) {
    w->Key("fixed_price_usd").Str(Money(*c.fixed_price));
  } else {
    w->Key("fixed_price_usd").Null();
  }
}

// One run: MinimalCourseRunSerializer's fields, then with `full` the rest
// of CourseRunSerializer's.
void WriteRun(const Dataset& dataset, const Document& course, const RunModel& r,
              bool full, JsonWriter* w) {
  const CourseModel& c = *course.course_model;
  Rng rng = KeyedRng(dataset.spec().seed, r.key);
  w->Open();
  w->Key("key").Str(r.key);
  w->Key("uuid").Str(r.uuid);
  w->Key("title").Str(c.title);
  w->Key("external_key").Null();
  WriteFixedPrice(c, w);
  WriteImage(w, "image", c.image_url);
  w->Key("short_description").Str(c.short_description);
  w->Key("marketing_url").Str(RunMarketingUrl(c, r));
  WriteSeats(c, r, &rng, w);
  w->Key("start").Date(r.start);
  w->Key("end").Date(r.end);
  w->Key("go_live_date").Date(r.go_live);
  w->Key("enrollment_start").Date(r.enrollment_start);
  w->Key("enrollment_end").Date(r.enrollment_end);
  w->Key("weeks_to_complete").Int(r.weeks);
  w->Key("pacing_type").Str(r.pacing_type);
  w->Key("type").StrOrNull(r.type_legacy);
  w->Key("restriction_type").StrOrNull(r.restriction_type);
  w->Key("run_type").Str(NamedUuid(Cat("run-type:", r.type_legacy)));
  w->Key("status").Str(r.status);
  w->Key("is_enrollable").Bool(r.enrollable);
  w->Key("is_marketable").Bool(Marketable(r));
  w->Key("is_marketable_external").Bool(MarketableExternal(c, r));
  w->Key("availability").Str(r.availability);
  if (External(c)) {
    w->Key("variant_id").Str(rng.Uuid());
  } else {
    w->Key("variant_id").Null();
  }
  if (!full) {
    w->Close();
    return;
  }
  const std::vector<std::string> transcripts = Transcripts(r);
  std::vector<std::string> transcript_codes;
  for (const std::string& t : transcripts)
    transcript_codes.push_back(LanguageCode(t));
  const Tables& t = dataset.tables();
  w->Key("course").Str(c.key);
  // The course's, as discovery's CourseRun.full_description falls back to.
  w->Key("full_description").Str(FullDescription(course));
  w->Key("announcement").Null();
  w->Key("video").Null();
  w->Key("content_language").Str(kVocabLanguages[r.language].code);
  w->Key("license").Str("");
  w->Key("outcome").Str(c.outcome);
  w->Key("transcript_languages").StrArray(transcript_codes);
  w->Key("instructors").OpenArray().CloseArray();
  w->Key("staff").OpenArray();
  for (const int p : r.staff)
    w->Raw(t.person_minimal_json[static_cast<size_t>(p)]);
  w->CloseArray();
  w->Key("min_effort").Int(r.min_effort);
  w->Key("max_effort").Int(r.max_effort);
  w->Key("modified").Date(r.modified);
  w->Key("level_type").StrOrNull(c.level_type);
  w->Key("mobile_available").Bool(r.mobile);
  w->Key("hidden").Bool(r.hidden);
  w->Key("reporting_type").Str("mooc");
  w->Key("eligible_for_financial_aid").Bool(!External(c));
  w->Key("first_enrollable_paid_seat_price").OptInt(r.price);
  w->Key("has_ofac_restrictions").Bool(false);
  w->Key("ofac_comment").Str("");
  const int enrollments = rng.Int(0, 250000);
  w->Key("enrollment_count").Int(enrollments);
  w->Key("recent_enrollment_count").Int(enrollments / rng.Int(5, 40));
  w->Key("expected_program_type").Null();
  w->Key("expected_program_name").Str("");
  w->Key("course_uuid").Str(c.uuid);
  const int effort = r.min_effort + r.max_effort;
  if (effort == 0 || r.weeks == 0) {
    w->Key("estimated_hours").Int(0);
  } else {
    w->Key("estimated_hours").Float(effort / 2.0 * r.weeks);
  }
  w->Key("content_language_search_facet_name")
      .Str(kVocabLanguages[r.language].name);
  if (c.subscription_inclusion) {
    w->Key("enterprise_subscription_inclusion").Bool(*c.subscription_inclusion);
  } else {
    w->Key("enterprise_subscription_inclusion").Null();
  }
  w->Key("transcript_languages_search_facet_names").StrArray(transcripts);
  w->Key("ai_languages").Null();
  w->Close();
}

// Exec-ed courses sell a paid-executive-education entitlement at their
// fixed price; verified and professional courses one of that mode at the
// price of their latest run with such a seat.
void WriteEntitlements(const Dataset& dataset, const CourseModel& c,
                       JsonWriter* w) {
  Rng rng = KeyedRng(dataset.spec().seed, Cat("entitlement:", c.key));
  w->Key("entitlements").OpenArray();
  std::string mode;
  std::optional<double> price;
  if (c.course_type == "executive-education-2u") {
    mode = "paid-executive-education";
    price = c.fixed_price.value_or(0);
  } else if (c.course_type == "verified-audit" ||
             c.course_type == "credit-verified-audit" ||
             c.course_type == "professional") {
    mode = c.course_type == "professional" ? "professional" : "verified";
    for (const RunModel& r : c.runs) {
      if (std::find(r.seat_types.begin(), r.seat_types.end(), mode) !=
          r.seat_types.end()) {
        price = r.list_price;
      }
    }
  }
  if (price) {
    w->Open();
    w->Key("mode").Str(mode);
    w->Key("price").Str(Money(*price));
    w->Key("currency").Str("USD");
    w->Key("sku").Str(rng.HexUpper(7));
    w->Key("expires").Null();
    w->Close();
  }
  w->CloseArray();
}

// The first run that is marketable, enrollable, unrestricted and current or
// upcoming; nullptr if none.
const RunModel* AdvertisedRun(const CourseModel& c,
                              const std::vector<const RunModel*>& runs) {
  for (const RunModel* r : runs) {
    if (MarketableExternal(c, *r) && r->enrollable &&
        r->restriction_type.empty() && r->availability != "Archived") {
      return r;
    }
  }
  return nullptr;
}

std::string_view ProductSourceName(std::string_view slug) {
  if (slug == "edx") return "edX";
  if (slug == "2u") return "2U";
  if (slug == "emeritus") return "Emeritus";
  return slug;
}

void WriteSubjects(const CourseModel& c, JsonWriter* w) {
  w->Key("subjects").OpenArray();
  for (const int s : c.subjects) {
    const VocabSubject& subject = kVocabSubjects[s];
    const std::string slug = Slugify(subject.name);
    w->Open();
    w->Key("name").Str(subject.name);
    w->Key("subtitle").Str(Cat("Learn about ", subject.name, "."));
    w->Key("description")
        .Str(Cat("<p>Courses in ", subject.name, " from leading schools.</p>"));
    w->Key("banner_image_url")
        .Str(Cat("https://prod-discovery.edx-cdn.org/media/subjects/", slug,
                 "-banner.jpg"));
    w->Key("card_image_url")
        .Str(Cat("https://prod-discovery.edx-cdn.org/media/subjects/", slug,
                 "-card.jpg"));
    w->Key("slug").Str(slug);
    w->Key("uuid").Str(subject.uuid);
    w->Close();
  }
  w->CloseArray();
}

void WriteAdditionalMetadata(const Dataset& dataset, const CourseModel& c,
                             const RunModel* advertised, JsonWriter* w) {
  if (!External(c)) {
    w->Key("additional_metadata").Null();
    return;
  }
  Rng rng = KeyedRng(dataset.spec().seed, Cat("additional:", c.key));
  const std::string slug = Slugify(c.title);
  w->Key("additional_metadata").Open();
  w->Key("external_url")
      .Str(Cat("https://www.", c.product_source, ".example/course/", slug));
  w->Key("external_identifier").Str(rng.HexUpper(8));
  w->Key("lead_capture_form_url").Str("");
  w->Key("organic_url").Str(Cat("https://www.edx.org/learn/", slug));
  w->Key("facts").OpenArray().CloseArray();
  w->Key("certificate_info").Null();
  w->Key("start_date")
      .Date(advertised ? std::optional(advertised->start) : std::nullopt);
  w->Key("end_date").Date(advertised ? advertised->end : std::nullopt);
  w->Key("registration_deadline")
      .Date(advertised ? advertised->enrollment_end : std::nullopt);
  w->Key("variant_id").Str(rng.Uuid());
  w->Key("course_term_override").Null();
  w->Key("product_status").Str("published");
  w->Key("external_course_marketing_type").StrOrNull(c.marketing_type);
  w->Key("product_meta").Null();
  w->Close();
}

}  // namespace

Rng KeyedRng(uint64_t seed, std::string_view key) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return Rng(h ^ (seed * 0x9e3779b97f4a7c15ULL));
}

std::string Money(double amount) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", amount);
  return buf;
}

std::string NamedUuid(std::string_view name) {
  return KeyedRng(0, name).Uuid();
}

std::string FullDescription(const Document& doc) {
  std::string out = Cat("<p>", doc.padding);
  if (doc.revision > 0) Append(&out, " [revision ", doc.revision, "]");
  out.append("</p>");
  return out;
}

std::vector<const RunModel*> ServedRuns(const CourseModel& c,
                                        const FullRenderOptions& options) {
  std::vector<const RunModel*> runs;
  for (const RunModel& r : c.runs) {
    if (r.hidden && !options.include_hidden) continue;
    if (!r.restriction_type.empty() &&
        std::find(options.include_restricted.begin(),
                  options.include_restricted.end(),
                  r.restriction_type) == options.include_restricted.end()) {
      continue;
    }
    runs.push_back(&r);
  }
  return runs;
}

void WriteMinimalCourseFields(const Dataset& dataset, const Document& course,
                              const FullRenderOptions& options, bool full,
                              JsonWriter* w) {
  const CourseModel& c = *course.course_model;
  const std::vector<const RunModel*> runs = ServedRuns(c, options);
  w->Key("key").Str(c.key);
  w->Key("uuid").Str(c.uuid);
  w->Key("title").Str(c.title);
  w->Key("course_runs").OpenArray();
  for (const RunModel* r : runs) WriteRun(dataset, course, *r, full, w);
  w->CloseArray();
  WriteEntitlements(dataset, c, w);
  w->Key("owners").OpenArray();
  w->Raw(dataset.tables().org_json[static_cast<size_t>(c.org)]);
  w->CloseArray();
  WriteImage(w, "image", c.image_url);
  w->Key("short_description").Str(c.short_description);
  w->Key("type").Str(NamedUuid(Cat("course-type:", c.course_type)));
  w->Key("url_slug").Str(Slugify(c.title));
  w->Key("course_type").Str(c.course_type);
  if (c.subscription_inclusion) {
    w->Key("enterprise_subscription_inclusion").Bool(*c.subscription_inclusion);
  } else {
    w->Key("enterprise_subscription_inclusion").Null();
  }
  w->Key("excluded_from_seo").Bool(false);
  w->Key("excluded_from_search").Bool(false);
  std::vector<std::string> statuses;
  for (const RunModel* r : runs) AddUnique(&statuses, r->status);
  std::sort(statuses.begin(), statuses.end());
  w->Key("course_run_statuses").StrArray(statuses);
}

void RenderFullCourse(const Dataset& dataset, const CatalogIndex& index,
                      const Document& course, const FullRenderOptions& options,
                      std::string* out) {
  const CourseModel& c = *course.course_model;
  const Tables& t = dataset.tables();
  const std::vector<const RunModel*> runs = ServedRuns(c, options);
  const RunModel* advertised = AdvertisedRun(c, runs);
  Rng rng = KeyedRng(dataset.spec().seed, Cat("course:", c.key));
  const std::string slug = Slugify(c.title);
  JsonWriter w;
  w.Open();
  WriteMinimalCourseFields(dataset, course, options, /*full=*/true, &w);
  w.Key("full_description").Str(FullDescription(course));
  w.Key("level_type").StrOrNull(c.level_type);
  WriteSubjects(c, &w);
  w.Key("prerequisites").OpenArray().CloseArray();
  w.Key("prerequisites_raw").Str("");
  w.Key("expected_learning_items").OpenArray().CloseArray();
  w.Key("video").Null();
  w.Key("sponsors").OpenArray();
  if (c.sponsor >= 0) w.Raw(t.org_json[static_cast<size_t>(c.sponsor)]);
  w.CloseArray();
  w.Key("modified").Date(course.modified);
  w.Key("marketing_url").Str(Cat("https://www.edx.org/course/", slug));
  w.Key("syllabus_raw").Str("");
  w.Key("outcome").Str(c.outcome);
  WriteImage(&w, "original_image", c.image_url);
  w.Key("card_image_url").StrOrNull(c.card_image_url);
  w.Key("canonical_course_run_key")
      .StrOrNull(runs.empty() ? "" : runs.back()->key);
  w.Key("extra_description").Null();
  w.Key("additional_information").Str("");
  WriteAdditionalMetadata(dataset, c, advertised, &w);
  w.Key("faq").Str("");
  w.Key("learner_testimonials").Str("");
  const int enrollments = rng.Int(0, 900000);
  w.Key("enrollment_count").Int(enrollments);
  w.Key("recent_enrollment_count").Int(enrollments / rng.Int(5, 40));
  w.Key("topics").OpenArray().CloseArray();
  w.Key("key_for_reruns").Str("");
  w.Key("url_slug_history").StrArray({slug});
  w.Key("url_redirects").OpenArray().CloseArray();
  w.Key("editors").OpenArray().CloseArray();
  w.Key("collaborators").OpenArray().CloseArray();
  w.Key("skill_names").StrArray(SkillNames(c.skills));
  WriteSkills(&w, c.skills, t, /*short_form=*/false);
  w.Key("organization_short_code_override").Str("");
  w.Key("organization_logo_override_url").Null();
  w.Key("geolocation").Null();
  w.Key("location_restriction").Null();
  w.Key("in_year_value").Null();
  w.Key("product_source").Open();
  w.Key("name").Str(ProductSourceName(c.product_source));
  w.Key("slug").Str(c.product_source);
  w.Key("description")
      .Str(Cat(ProductSourceName(c.product_source), " product source"));
  w.Close();
  w.Key("data_modified_timestamp").Date(course.modified);
  w.Key("watchers").OpenArray().CloseArray();
  w.Key("programs").OpenArray();
  for (const uint32_t p : index.ProgramsOf(c.key)) {
    const ProgramModel& program = *dataset.docs()[p]->program_model;
    // include_deleted_programs is off: deleted programs are left out.
    if (program.status != "deleted") WriteNestedProgram(index, program, &w);
  }
  w.CloseArray();
  std::vector<std::string> run_keys;
  for (const RunModel* r : runs) run_keys.push_back(r->key);
  w.Key("course_run_keys").StrArray(run_keys);
  w.Key("editable").Bool(false);
  w.Key("advertised_course_run_uuid")
      .StrOrNull(advertised ? advertised->uuid : "");
  w.Close();
  out->append(w.str());
}

}  // namespace ec::stub
