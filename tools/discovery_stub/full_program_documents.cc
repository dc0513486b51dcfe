// /api/v1/programs/?extended=True documents (MinimalExtendedProgramSerializer,
// reference §4), and the program dicts a /api/v1/courses/ course nests.
#include <algorithm>
#include <optional>
#include <string_view>

#include "tools/discovery_stub/documents.h"
#include "tools/discovery_stub/full_documents.h"
#include "tools/discovery_stub/rng.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {
namespace {

std::string MarketingSlug(const ProgramModel& p) {
  const size_t slash = p.marketing_url.rfind('/');
  return slash == std::string::npos ? p.marketing_url
                                    : p.marketing_url.substr(slash + 1);
}

void WriteTypeAttrs(const ProgramModel& p, JsonWriter* w) {
  w->Key("type_attrs").Open();
  w->Key("uuid").Str(NamedUuid(Cat("program-type:", p.type)));
  w->Key("slug").Str(Slugify(p.type));
  w->Key("coaching_supported").Bool(false);
  w->Close();
}

// The courses of `p` still in the dataset, in the program's order.
std::vector<const Document*> LiveCourses(const Dataset& dataset,
                                         const CatalogIndex& index,
                                         const ProgramModel& p) {
  std::vector<const Document*> courses;
  for (const std::string& key : p.course_keys) {
    if (const uint32_t* i = index.CourseByKey(key)) {
      courses.push_back(dataset.docs()[*i].get());
    }
  }
  return courses;
}

void WriteBannerImage(const ProgramModel& p, JsonWriter* w) {
  struct Variation {
    std::string_view name;
    int width, height;
  };
  static constexpr Variation kVariations[] = {{"large", 1440, 480},
                                              {"medium", 726, 242},
                                              {"small", 435, 145},
                                              {"x-small", 348, 116}};
  w->Key("banner_image").Open();
  for (const Variation& v : kVariations) {
    w->Key(v.name).Open();
    w->Key("url").Str(
        Cat("https://prod-discovery.edx-cdn.org/media/programs/banner_images/",
            p.uuid, ".", v.name, ".jpg"));
    w->Key("width").Int(v.width);
    w->Key("height").Int(v.height);
    w->Close();
  }
  w->Close();
}

}  // namespace

void WriteNestedProgram(const CatalogIndex& index, const ProgramModel& p,
                        JsonWriter* w) {
  int courses = 0;
  for (const std::string& key : p.course_keys) {
    if (index.CourseByKey(key) != nullptr) ++courses;
  }
  w->Open();
  w->Key("uuid").Str(p.uuid);
  w->Key("title").Str(p.title);
  w->Key("type").Str(p.type);
  WriteTypeAttrs(p, w);
  w->Key("marketing_slug").Str(MarketingSlug(p));
  w->Key("marketing_url").Str(p.marketing_url);
  w->Key("number_of_courses").Int(courses);
  w->Close();
}

void RenderExtendedProgram(const Dataset& dataset, const CatalogIndex& index,
                           const Document& program,
                           const FullRenderOptions& options, std::string* out) {
  const ProgramModel& p = *program.program_model;
  const Tables& t = dataset.tables();
  const std::vector<const Document*> courses = LiveCourses(dataset, index, p);
  Rng rng = KeyedRng(dataset.spec().seed, Cat("program:", p.uuid));
  const bool degree = p.type == "Masters";
  const bool on_edx = kVocabOrgs[p.org].partner == kSitePartner;

  JsonWriter w;
  w.Open();
  w.Key("uuid").Str(p.uuid);
  w.Key("title").Str(p.title);
  std::string subtitle = p.subtitle;
  if (program.revision > 0) {
    Append(&subtitle, " [revision ", program.revision, "]");
  }
  w.Key("subtitle").Str(subtitle);
  w.Key("type").Str(p.type);
  WriteTypeAttrs(p, &w);
  w.Key("status").Str(p.status);
  w.Key("marketing_slug").Str(MarketingSlug(p));
  w.Key("marketing_url").Str(p.marketing_url);
  WriteBannerImage(p, &w);
  w.Key("hidden").Bool(p.hidden);
  w.Key("courses").OpenArray();
  std::vector<std::string> statuses;
  std::vector<int> prices;
  for (const Document* course : courses) {
    w.Open();
    WriteMinimalCourseFields(dataset, *course, options, /*full=*/false, &w);
    w.Close();
    std::optional<int> price;
    for (const RunModel* r : ServedRuns(*course->course_model, options)) {
      AddUnique(&statuses, r->status);
      if (r->price) price = std::min(price.value_or(*r->price), *r->price);
    }
    if (price) prices.push_back(*price);
  }
  w.CloseArray();
  std::sort(statuses.begin(), statuses.end());
  std::vector<int> orgs = {p.org};
  if (p.second_org >= 0 && p.second_org != p.org) orgs.push_back(p.second_org);
  w.Key("authoring_organizations").OpenArray();
  for (const int o : orgs) w.Raw(t.org_minimal_json[static_cast<size_t>(o)]);
  w.CloseArray();
  w.Key("card_image_url").Str(p.card_image_url);
  w.Key("is_program_eligible_for_one_click_purchase").Bool(!degree);
  if (degree) {
    w.Key("degree").Open();
    w.Key("apply_url").Str(Cat("https://www.edx.org/masters/apply/", p.uuid));
    w.Key("overall_ranking").Str("");
    w.Key("lead_capture_list_name").Str("Master_Degree_Leads");
    w.Key("campus_image").Null();
    w.Key("costs").OpenArray().CloseArray();
    w.Key("deadlines").OpenArray().CloseArray();
    w.Close();
  } else {
    w.Key("degree").Null();
  }
  w.Key("curricula").OpenArray().CloseArray();
  w.Key("marketing_hook").Str("");
  w.Key("total_hours_of_effort").Null();
  w.Key("recent_enrollment_count").Int(rng.Int(0, 20000));
  w.Key("organization_short_code_override").Str("");
  w.Key("organization_logo_override_url").Null();
  w.Key("primary_subject_override").Null();
  w.Key("level_type_override").Null();
  w.Key("language_override").Null();
  w.Key("labels").OpenArray().CloseArray();
  w.Key("taxi_form").Null();
  w.Key("program_duration_override").Null();
  w.Key("data_modified_timestamp")
      .Date(dataset.now() - rng.Range(1, 400) * 86400);
  w.Key("excluded_from_search").Bool(false);
  w.Key("excluded_from_seo").Bool(false);
  w.Key("has_ofac_restrictions").Bool(false);
  w.Key("ofac_comment").Str("");
  w.Key("course_run_statuses").StrArray(statuses);
  w.Key("expected_learning_items").OpenArray().CloseArray();
  w.Key("price_ranges").OpenArray();
  if (!prices.empty()) {
    int total = 0;
    for (const int price : prices) total += price;
    w.Open();
    w.Key("currency").Str("USD");
    w.Key("min").Float(*std::min_element(prices.begin(), prices.end()));
    w.Key("max").Float(*std::max_element(prices.begin(), prices.end()));
    w.Key("total").Float(total);
    w.Close();
  }
  w.CloseArray();
  w.Key("subscription_eligible")
      .Bool(on_edx && !degree && p.status == "active" && rng.Chance(0.6));
  w.Key("subscription_prices").OpenArray().CloseArray();
  w.Close();
  out->append(w.str());
}

}  // namespace ec::stub
