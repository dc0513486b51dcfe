#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace ec::domain {

// The per-catalog fields Django adds to a stored item when it serves it
// (django-rules.md §5, §6): enrollment_url, the utm-tagged marketing_url,
// xapi_activity_id and a course's active flag. They depend on the catalog,
// its customer and the settings, so they are computed per request, but only
// from ItemFacts, which are read once from the document when the item is
// written and stored with it: a request never parses the document again.

// What the per-catalog rules read from a stored item.
struct ItemFacts {
  std::string content_key;         // the row's content_key
  std::string content_type;        // the row's type: course, courserun, ...
  std::string parent_content_key;  // "" when the row has none
  // The document's "key" when it is a string, else "" (xapi_activity_id).
  std::string json_key;
  // Type course and course_type exactly "executive-education-2u".
  bool exec_ed = false;
  // The "key" of the advertised run (§4, with the None == None quirk: a
  // course without advertised_course_run_uuid takes its first run without a
  // uuid), when that run exists and its key is a string.
  std::optional<std::string> advertised_run_key;
  // The sku of the LAST entitlement whose mode is "paid-executive-education",
  // when that sku is a non-empty string (Django takes the last one's
  // .get('sku') even when it is missing, and a falsy sku means no URL).
  std::optional<std::string> exec_ed_sku;
  // An entitlement object had no "mode": Django's sku loop raises KeyError
  // there (a 500 for the whole page, LP-off exec-ed courses only). This
  // skips such entitlements and records the fact, so a caller that must fail
  // like Django can; EnrollmentUrl itself ignores it.
  bool exec_ed_entitlement_without_mode = false;
  // "marketing_url" when it is a non-empty string. Django would raise on a
  // truthy non-string; here such a value is left as stored.
  std::optional<std::string> marketing_url;
  // Courses only: whether any run in course_runs is active (§6): is_enrollable
  // and ((status, lower-cased, == "published" and is_marketable) or
  // is_marketable_external), each read for Python truthiness. Missing
  // course_runs is []; where Django raises (course_runs not a list, a run
  // not an object, a truthy non-string status) the list, the run or the
  // status counts as inactive/unpublished.
  std::optional<bool> active;
  // Courses only: the string "key" of each course_runs entry, in document
  // order (nested run enrichment matches run rows against them).
  std::vector<std::string> run_keys;
};

// ItemFacts of the row (content_key, content_type, parent_content_key) whose
// stored document is `doc`. Never throws; a non-object `doc` reads as {}.
ItemFacts ItemFactsFromDocument(std::string_view content_key,
                                std::string_view content_type,
                                std::string_view parent_content_key,
                                const nlohmann::ordered_json& doc);

// The catalog columns the URLs use.
struct CatalogContext {
  std::string catalog_uuid;
  std::string enterprise_uuid;
  std::string enterprise_name;  // the catalog's enterprise_name column
  bool publish_audit_enrollment_urls = false;
  // The catalog's parameters encoded once, for a caller serving many items
  // (PrepareCatalogContext); without them every URL computes its own.
  struct Prepared {
    std::string utm_source;    // DjangoSlugify(enterprise_name)
    std::string audit_prefix;  // "audit=true&" or ""
    std::string utm_suffix;    // "utm_medium=enterprise[&utm_source=...]"
  };
  std::optional<Prepared> prepared;
};

// `catalog` with its parameters encoded once, for serving many items: the
// URLs are the same, built by appending instead of by
// UpdateQueryParameters wherever that gives the same text (SplitsToItself).
CatalogContext PrepareCatalogContext(CatalogContext catalog);

// The LMS enterprise-customer record Django reads (results[0]). An unknown
// customer (no results, Django's {}) is the default: learner portal off,
// slug "".
struct CustomerContext {
  bool enable_learner_portal = false;  // Python truthiness of the member
  // nullopt is a JSON null slug, which Django writes as "None".
  std::optional<std::string> slug = std::string();
};

// Settings the URLs start from. ecommerce_base_url is used verbatim, so a
// trailing '/' gives "//" in the checkout path as it does in Django.
struct UrlSettings {
  std::string lms_base_url;
  std::string learner_portal_base_url;
  std::string ecommerce_base_url;
};

// EnterpriseCatalog.get_content_enrollment_url (§5); nullopt is Django's
// None. Only course and courserun rows with a non-empty key get one.
// Parameters: utm_medium=enterprise, utm_source=DjangoSlugify(name) when the
// catalog's enterprise_name is non-empty (even if it slugifies to ""),
// audit=true when publish_audit_enrollment_urls, plus one of sku,
// course_run_key or catalog; all sorted by name (UpdateQueryParameters).
// - exec-ed, portal on: {LP}/{slug}/executive-education-2u/course/{key};
// - exec-ed, portal off: no sku gives nullopt; otherwise
//   UrlJoin(LMS, "/enterprise/proxy-login/?enterprise_slug={slug}") +
//   "&next=" + {ECOMMERCE}/executive-education-2u/checkout?{params+sku},
//   with neither slug nor next encoded;
// - portal on: {LP}/{slug}/course/{parent or key}, with course_run_key={key}
//   when parent_content_key is non-empty;
// - portal off: {LMS}/enterprise/{enterprise_uuid}/course/{run}/enroll/ with
//   catalog={catalog_uuid}, where run is the key, or, for a row without a
//   parent, its advertised run's key when it has one.
// Django raises KeyError for an advertised run without "key"; this uses the
// row's key instead.
std::optional<std::string> EnrollmentUrl(const ItemFacts& item,
                                         const CatalogContext& catalog,
                                         const CustomerContext& customer,
                                         const UrlSettings& settings);

// The marketing_url a catalog serves (§6 step 4): the stored one through
// UpdateQueryParameters with utm_medium=enterprise and, when the catalog's
// enterprise_name is non-empty, utm_source=DjangoSlugify(name) (so an
// existing utm_source survives an empty name). nullopt when the item has no
// marketing_url: the stored value, if any, is served unchanged.
std::optional<std::string> CatalogMarketingUrl(const ItemFacts& item,
                                               const CatalogContext& catalog);

// Nested run enrichment (§6, _augment_serialized_runs_for_course): for a
// course that is not exec-ed, the enrollment URL of each of `nested_runs`,
// built as for that run's own row: (run key, URL) pairs sorted by run key.
// `nested_runs` are the keys of the course's nested runs (item.run_keys,
// which the caller matches) that have a row of their own. Empty for any
// other item.
std::vector<std::pair<std::string, std::string>> CourseRunEnrollmentUrls(
    const ItemFacts& item, const std::vector<std::string>& nested_runs,
    const CatalogContext& catalog, const CustomerContext& customer,
    const UrlSettings& settings);

// xapi_activity_id (§6 step 5): {LMS}/xapi/activities/{content_type}/{key},
// unencoded, where key is the document's "key". nullopt (JSON null) when
// that key is empty or missing; also nullopt for types other than course
// and courserun, which Django gives no such member at all.
std::optional<std::string> XapiActivityId(const ItemFacts& item,
                                          const UrlSettings& settings);

}  // namespace ec::domain
