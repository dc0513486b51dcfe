#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/content.h"

namespace ec::domain {

// Django's allow lists (catalog/constants.py); the defaults of the
// ENTERPRISE_CATALOG_CONTENT_*_ALLOW_LIST settings. bootcamp-2u and empty
// course types and the emeritus product source are left out on purpose
// there, and so here.
struct InclusionRules {
  // Compared lower-cased (Django lower-cases the document's value only, so
  // entries here are lower-case).
  std::vector<std::string> product_sources = {"2u", "edx"};
  // Compared exactly (case-sensitive), as Django does.
  std::vector<std::string> course_types = {"audit",
                                           "professional",
                                           "verified-audit",
                                           "credit-verified-audit",
                                           "masters",
                                           "masters-verified-audit",
                                           "verified",
                                           "spoc-verified-audit",
                                           "honor",
                                           "verified-honor",
                                           "credit-verified-honor",
                                           "executive-education-2u"};
};

// Why a catalog must not contain a document (django-rules.md §1,
// _should_allow_metadata), or nullopt when it may. Applies to every record
// of a crawl and to the programs nested in a full course; a course run known
// only from its course carries its course's facts and shares its verdict.
// Where Django raises (a product_source that is neither a string, an object
// nor null), the document is excluded instead, with the reason.
std::optional<std::string> ExclusionReason(const InclusionFacts& facts,
                                           const InclusionRules& rules);

// Removes the records the rules exclude from `records` (order kept) and
// returns how many top-level documents were excluded (derived runs are not
// counted: they go with their course). `reasons` gets up to `max_reasons`
// "key: reason" lines for the crawl's log line.
int64_t RemoveExcluded(const InclusionRules& rules,
                       std::vector<ContentRecord>* records,
                       std::vector<std::string>* reasons,
                       size_t max_reasons = 10);

}  // namespace ec::domain
