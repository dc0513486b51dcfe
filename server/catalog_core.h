#pragma once

#include "absl/status/status.h"
#include "enterprise_catalog/v1/catalog_service.pb.h"
#include "storage/catalog_store.h"

namespace ec {

namespace v1 = ::enterprise_catalog::v1;

// The service's behaviour, free of any transport: validates requests,
// applies the catalog rules, and fills responses from the store. Every
// method blocks on the database; call it from a worker thread. Statuses use
// the canonical codes so the gRPC adapter maps them one to one.
class CatalogCore {
 public:
  // Does not take ownership; `store` must outlive the core. Thread-safe.
  explicit CatalogCore(storage::CatalogStore* store) : store_(store) {}

  absl::Status CreateCatalog(const v1::CreateCatalogRequest& request,
                             v1::Catalog* response);
  absl::Status GetCatalog(const v1::GetCatalogRequest& request,
                          v1::Catalog* response);
  absl::Status ListCatalogs(const v1::ListCatalogsRequest& request,
                            v1::ListCatalogsResponse* response);
  absl::Status UpdateCatalog(const v1::UpdateCatalogRequest& request,
                             v1::Catalog* response);
  absl::Status DeleteCatalog(const v1::DeleteCatalogRequest& request,
                             v1::DeleteCatalogResponse* response);
  absl::Status ContainsContentItems(
      const v1::ContainsContentItemsRequest& request,
      v1::ContainsContentItemsResponse* response);
  absl::Status CustomerContainsContentItems(
      const v1::CustomerContainsContentItemsRequest& request,
      v1::CustomerContainsContentItemsResponse* response);
  absl::Status GetCatalogMetadata(const v1::GetCatalogMetadataRequest& request,
                                  v1::GetCatalogMetadataResponse* response);
  absl::Status GetContentMetadata(const v1::GetContentMetadataRequest& request,
                                  v1::GetContentMetadataResponse* response);

 private:
  storage::CatalogStore* store_;
};

}  // namespace ec
