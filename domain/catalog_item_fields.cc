#include "domain/catalog_item_fields.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/content_merge.h"
#include "domain/normalized_metadata.h"
#include "domain/python_url.h"
#include "domain/slugify.h"

namespace ec::domain {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kCourse = "course";
constexpr std::string_view kCourseRun = "courserun";
constexpr std::string_view kExecEdCourseType = "executive-education-2u";
constexpr std::string_view kPaidExecEdMode = "paid-executive-education";

const Json* Member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> StringMember(const Json& object, const char* key) {
  const Json* member = Member(object, key);
  if (member == nullptr || !member->is_string()) return std::nullopt;
  return member->get<std::string>();
}

bool TruthyMember(const Json& object, const char* key) {
  const Json* member = Member(object, key);
  return member != nullptr && PythonTruthy(*member);
}

std::optional<std::string> AdvertisedRunKey(const Json& doc) {
  const Json* run = AdvertisedRun(doc);
  if (run == nullptr) return std::nullopt;
  return StringMember(*run, "key");
}

bool IsRunActive(const Json& run) {
  if (!run.is_object() || !TruthyMember(run, "is_enrollable")) return false;
  if (TruthyMember(run, "is_marketable_external")) return true;
  std::string status = StringMember(run, "status").value_or("");
  // Only ASCII letters matter: no non-ASCII character lower-cases to one
  // letter of "published".
  for (char& c : status) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return status == "published" && TruthyMember(run, "is_marketable");
}

std::string UtmSource(const CatalogContext& catalog) {
  return catalog.utm_source.has_value()
             ? *catalog.utm_source
             : DjangoSlugify(catalog.enterprise_name);
}

// get_enterprise_utm_context(name) plus audit: the parameters every URL
// starts with.
std::vector<std::pair<std::string, std::string>> BaseParams(
    const CatalogContext& catalog) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"utm_medium", "enterprise"}};
  if (!catalog.enterprise_name.empty()) {
    params.emplace_back("utm_source", UtmSource(catalog));
  }
  if (catalog.publish_audit_enrollment_urls) {
    params.emplace_back("audit", "true");
  }
  return params;
}

std::string SlugText(const CustomerContext& customer) {
  return customer.slug.value_or("None");
}

}  // namespace

ItemFacts ItemFactsFromDocument(std::string_view content_key,
                                std::string_view content_type,
                                std::string_view parent_content_key,
                                const Json& doc) {
  ItemFacts facts;
  facts.content_key = std::string(content_key);
  facts.content_type = std::string(content_type);
  facts.parent_content_key = std::string(parent_content_key);
  facts.json_key = StringMember(doc, "key").value_or("");
  const bool is_course = content_type == kCourse;
  facts.exec_ed =
      is_course && StringMember(doc, "course_type") == kExecEdCourseType;
  facts.advertised_run_key = AdvertisedRunKey(doc);

  if (const Json* entitlements = Member(doc, "entitlements");
      entitlements != nullptr && entitlements->is_array()) {
    bool matched = false;
    std::optional<std::string> sku;
    for (const Json& entitlement : *entitlements) {
      if (!entitlement.is_object()) continue;
      const Json* mode = Member(entitlement, "mode");
      if (mode == nullptr) {
        facts.exec_ed_entitlement_without_mode = true;
        continue;
      }
      if (mode->is_string() &&
          mode->get_ref<const std::string&>() == kPaidExecEdMode) {
        matched = true;
        sku = StringMember(entitlement, "sku");
      }
    }
    if (matched && sku.has_value() && !sku->empty()) facts.exec_ed_sku = sku;
  }

  if (std::optional<std::string> url = StringMember(doc, "marketing_url");
      url.has_value() && !url->empty()) {
    facts.marketing_url = std::move(url);
  }

  if (is_course) {
    bool active = false;
    const Json* runs = Member(doc, "course_runs");
    if (runs != nullptr && runs->is_array()) {
      for (const Json& run : *runs) {
        active = active || IsRunActive(run);
        if (std::optional<std::string> key = StringMember(run, "key")) {
          facts.run_keys.push_back(std::move(*key));
        }
      }
    }
    facts.active = active;
  }
  return facts;
}

std::optional<std::string> EnrollmentUrl(const ItemFacts& item,
                                         const CatalogContext& catalog,
                                         const CustomerContext& customer,
                                         const UrlSettings& settings) {
  if (item.content_type != kCourse && item.content_type != kCourseRun) {
    return std::nullopt;
  }
  if (item.content_key.empty()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> params = BaseParams(catalog);
  const bool portal = customer.enable_learner_portal;
  const std::string slug = SlugText(customer);

  if (item.exec_ed) {
    if (portal) {
      return UpdateQueryParameters(
          absl::StrCat(settings.learner_portal_base_url, "/", slug,
                       "/executive-education-2u/course/", item.content_key),
          params);
    }
    if (!item.exec_ed_sku.has_value()) return std::nullopt;
    params.emplace_back("sku", *item.exec_ed_sku);
    const std::string next =
        UpdateQueryParameters(absl::StrCat(settings.ecommerce_base_url,
                                           "/executive-education-2u/checkout"),
                              params);
    return absl::StrCat(
        UrlJoin(
            settings.lms_base_url,
            absl::StrCat("/enterprise/proxy-login/?enterprise_slug=", slug)),
        "&next=", next);
  }

  if (portal) {
    std::string course_key = item.content_key;
    if (!item.parent_content_key.empty()) {
      course_key = item.parent_content_key;
      params.emplace_back("course_run_key", item.content_key);
    }
    return UpdateQueryParameters(
        absl::StrCat(settings.learner_portal_base_url, "/", slug, "/course/",
                     course_key),
        params);
  }

  params.emplace_back("catalog", catalog.catalog_uuid);
  std::string run_key = item.content_key;
  if (item.parent_content_key.empty() && item.advertised_run_key.has_value()) {
    run_key = *item.advertised_run_key;
  }
  return UpdateQueryParameters(
      absl::StrCat(settings.lms_base_url, "/enterprise/",
                   catalog.enterprise_uuid, "/course/", run_key, "/enroll/"),
      params);
}

CatalogContext PrepareCatalogContext(CatalogContext catalog) {
  catalog.utm_source = DjangoSlugify(catalog.enterprise_name);
  return catalog;
}

std::vector<std::pair<std::string, std::string>> CourseRunEnrollmentUrls(
    const ItemFacts& item, const std::vector<std::string>& nested_runs,
    const CatalogContext& catalog, const CustomerContext& customer,
    const UrlSettings& settings) {
  std::vector<std::pair<std::string, std::string>> urls;
  if (item.content_type != kCourse || item.exec_ed) return urls;
  for (const std::string& run_key : nested_runs) {
    ItemFacts run;
    run.content_key = run_key;
    run.content_type = std::string(kCourseRun);
    run.parent_content_key = item.content_key;
    if (std::optional<std::string> url =
            EnrollmentUrl(run, catalog, customer, settings)) {
      urls.emplace_back(run_key, std::move(*url));
    }
  }
  std::sort(urls.begin(), urls.end());
  urls.erase(std::unique(urls.begin(), urls.end(),
                         [](const auto& a, const auto& b) {
                           return a.first == b.first;
                         }),
             urls.end());
  return urls;
}

std::optional<std::string> CatalogMarketingUrl(const ItemFacts& item,
                                               const CatalogContext& catalog) {
  if (!item.marketing_url.has_value()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> params = {
      {"utm_medium", "enterprise"}};
  if (!catalog.enterprise_name.empty()) {
    params.emplace_back("utm_source", UtmSource(catalog));
  }
  return UpdateQueryParameters(*item.marketing_url, params);
}

std::optional<std::string> XapiActivityId(const ItemFacts& item,
                                          const UrlSettings& settings) {
  if (item.content_type != kCourse && item.content_type != kCourseRun) {
    return std::nullopt;
  }
  if (item.json_key.empty()) return std::nullopt;
  return absl::StrCat(settings.lms_base_url, "/xapi/activities/",
                      item.content_type, "/", item.json_key);
}

}  // namespace ec::domain
