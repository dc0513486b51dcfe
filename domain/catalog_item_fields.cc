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
  return catalog.prepared.has_value() ? catalog.prepared->utm_source
                                      : DjangoSlugify(catalog.enterprise_name);
}

// get_enterprise_utm_context(name), plus audit for enrollment URLs: the
// parameters every URL of the catalog carries.
std::vector<std::pair<std::string, std::string>> BaseParams(
    const CatalogContext& catalog, bool with_audit) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"utm_medium", "enterprise"}};
  if (!catalog.enterprise_name.empty()) {
    params.emplace_back("utm_source", UtmSource(catalog));
  }
  if (with_audit && catalog.publish_audit_enrollment_urls) {
    params.emplace_back("audit", "true");
  }
  return params;
}

// UpdateQueryParameters(url, the catalog's parameters [+ (name, value)]).
// A prepared catalog appends them to a URL that splits to itself: sorted,
// audit < catalog, course_run_key, sku < utm_medium < utm_source, so the
// one item parameter sits between the prepared prefix and suffix.
std::string WithParams(std::string url, const CatalogContext& catalog,
                       bool with_audit, std::string_view name = {},
                       std::string_view value = {}) {
  if (catalog.prepared.has_value() && SplitsToItself(url)) {
    const CatalogContext::Prepared& p = *catalog.prepared;
    url.reserve(url.size() + p.audit_prefix.size() + p.utm_suffix.size() +
                name.size() + 3 * value.size() + 3);
    url.push_back('?');
    if (with_audit) url.append(p.audit_prefix);
    if (!name.empty()) {
      url.append(name);
      url.push_back('=');
      AppendQuotePlus(value, url);
      url.push_back('&');
    }
    url.append(p.utm_suffix);
    return url;
  }
  std::vector<std::pair<std::string, std::string>> params =
      BaseParams(catalog, with_audit);
  if (!name.empty()) params.emplace_back(name, value);
  return UpdateQueryParameters(url, params);
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
  const bool portal = customer.enable_learner_portal;
  // absl's string_view: StrCat takes no std::string_view in this Abseil.
  const absl::string_view slug =
      customer.slug.has_value() ? absl::string_view(*customer.slug) : "None";

  if (item.exec_ed) {
    if (portal) {
      return WithParams(
          absl::StrCat(settings.learner_portal_base_url, "/", slug,
                       "/executive-education-2u/course/", item.content_key),
          catalog, true);
    }
    if (!item.exec_ed_sku.has_value()) return std::nullopt;
    const std::string next =
        WithParams(absl::StrCat(settings.ecommerce_base_url,
                                "/executive-education-2u/checkout"),
                   catalog, true, "sku", *item.exec_ed_sku);
    return absl::StrCat(
        UrlJoin(
            settings.lms_base_url,
            absl::StrCat("/enterprise/proxy-login/?enterprise_slug=", slug)),
        "&next=", next);
  }

  if (portal) {
    if (!item.parent_content_key.empty()) {
      return WithParams(absl::StrCat(settings.learner_portal_base_url, "/",
                                     slug, "/course/", item.parent_content_key),
                        catalog, true, "course_run_key", item.content_key);
    }
    return WithParams(absl::StrCat(settings.learner_portal_base_url, "/", slug,
                                   "/course/", item.content_key),
                      catalog, true);
  }

  absl::string_view run_key = item.content_key;
  if (item.parent_content_key.empty() && item.advertised_run_key.has_value()) {
    run_key = *item.advertised_run_key;
  }
  return WithParams(
      absl::StrCat(settings.lms_base_url, "/enterprise/",
                   catalog.enterprise_uuid, "/course/", run_key, "/enroll/"),
      catalog, true, "catalog", catalog.catalog_uuid);
}

CatalogContext PrepareCatalogContext(CatalogContext catalog) {
  CatalogContext::Prepared p;
  p.utm_source = DjangoSlugify(catalog.enterprise_name);
  p.audit_prefix = catalog.publish_audit_enrollment_urls ? "audit=true&" : "";
  p.utm_suffix = "utm_medium=enterprise";
  if (!catalog.enterprise_name.empty()) {
    p.utm_suffix.append("&utm_source=");
    AppendQuotePlus(p.utm_source, p.utm_suffix);
  }
  catalog.prepared = std::move(p);
  return catalog;
}

std::vector<std::pair<std::string, std::string>> CourseRunEnrollmentUrls(
    const ItemFacts& item, const std::vector<std::string>& nested_runs,
    const CatalogContext& catalog, const CustomerContext& customer,
    const UrlSettings& settings) {
  std::vector<std::pair<std::string, std::string>> urls;
  if (item.content_type != kCourse || item.exec_ed) return urls;
  ItemFacts run;
  run.content_type = std::string(kCourseRun);
  run.parent_content_key = item.content_key;
  urls.reserve(nested_runs.size());
  for (const std::string& run_key : nested_runs) {
    run.content_key = run_key;
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
  return WithParams(*item.marketing_url, catalog, false);
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
