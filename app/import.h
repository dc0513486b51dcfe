#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "core/catalog_core.h"
#include "storage/catalog_store.h"

namespace ec::app {

struct ImportSummary {
  int customers_written = 0;
  int catalogs_created = 0;
  int catalogs_existing = 0;
  int queries_loaded = 0;
  int64_t documents = 0;
};

// Loads a seed file: {"enterprise_customers": [EnterpriseCustomer JSON...],
// "catalogs": [Catalog JSON...], "query_results": [{"content_filter": {...},
// "results": [search/all documents...]}]}, every member optional.
// Customers are upserted and catalogs go through the same validation as
// UpsertEnterpriseCustomer and CreateCatalog (existing catalog uuids are
// left alone, so importing twice is harmless); each query's results replace
// that query's content exactly as a refresh would.
absl::StatusOr<ImportSummary> ImportFile(const std::string& path,
                                         core::CatalogCore* core,
                                         storage::CatalogStore* store);

}  // namespace ec::app
