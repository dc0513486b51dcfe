#pragma once

#include <chrono>

#include "absl/status/status.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "common/page_token.h"
#include "enterprise_catalog/v1/catalog_service.pb.h"
#include "storage/catalog_store.h"
#include "storage/refresh_queue.h"

namespace ec {

namespace v1 = ::enterprise_catalog::v1;

// When catalogs trigger refreshes, and what a refresh job may cost.
struct RefreshPolicy {
  // A catalog created (or moved) onto a query whose data is older than
  // this, or never fetched, queues a refresh.
  std::chrono::seconds max_age{std::chrono::hours(12)};
  int max_attempts = 5;
  Clock clock = SystemClock();
};

// The service's behaviour, free of any transport: validates requests,
// authorizes the caller, applies the catalog rules, and fills responses from
// the store. Every method blocks on the database; call it from a worker
// thread. Statuses use the canonical codes so the gRPC adapter maps them one
// to one.
//
// Authorization: a catalog the caller may not read answers exactly as one
// that does not exist (NOT_FOUND, same message), so no caller learns which
// catalog uuids exist in other enterprises. A catalog the caller may read
// but not change answers PERMISSION_DENIED to a change. Where the caller
// names an enterprise (create, list, customer contains), a foreign one is
// PERMISSION_DENIED: that reveals nothing the caller did not send.
class CatalogCore {
 public:
  // Does not take ownership; `store` and `queue` must outlive the core.
  // Without a queue, catalog changes queue nothing and the refresh RPCs
  // answer UNIMPLEMENTED. `page_tokens` signs pagination tokens. Thread-safe.
  CatalogCore(storage::CatalogStore* store, storage::RefreshQueue* queue,
              RefreshPolicy policy, PageTokenCodec page_tokens)
      : store_(store),
        queue_(queue),
        policy_(std::move(policy)),
        page_tokens_(std::move(page_tokens)) {}

  absl::Status CreateCatalog(const auth::Principal& caller,
                             const v1::CreateCatalogRequest& request,
                             v1::Catalog* response);
  absl::Status GetCatalog(const auth::Principal& caller,
                          const v1::GetCatalogRequest& request,
                          v1::Catalog* response);
  absl::Status ListCatalogs(const auth::Principal& caller,
                            const v1::ListCatalogsRequest& request,
                            v1::ListCatalogsResponse* response);
  absl::Status UpdateCatalog(const auth::Principal& caller,
                             const v1::UpdateCatalogRequest& request,
                             v1::Catalog* response);
  absl::Status DeleteCatalog(const auth::Principal& caller,
                             const v1::DeleteCatalogRequest& request,
                             v1::DeleteCatalogResponse* response);
  absl::Status ContainsContentItems(
      const auth::Principal& caller,
      const v1::ContainsContentItemsRequest& request,
      v1::ContainsContentItemsResponse* response);
  absl::Status CustomerContainsContentItems(
      const auth::Principal& caller,
      const v1::CustomerContainsContentItemsRequest& request,
      v1::CustomerContainsContentItemsResponse* response);
  absl::Status GetCatalogMetadata(const auth::Principal& caller,
                                  const v1::GetCatalogMetadataRequest& request,
                                  v1::GetCatalogMetadataResponse* response);
  absl::Status GetContentMetadata(const auth::Principal& caller,
                                  const v1::GetContentMetadataRequest& request,
                                  v1::GetContentMetadataResponse* response);
  absl::Status RefreshCatalog(const auth::Principal& caller,
                              const v1::RefreshCatalogRequest& request,
                              v1::RefreshJob* response);
  absl::Status GetRefreshJob(const auth::Principal& caller,
                             const v1::GetRefreshJobRequest& request,
                             v1::RefreshJob* response);

 private:
  // Queues a refresh if the catalog's query has no fresh data. Failure is
  // logged, not returned: the change itself is committed, and the
  // scheduler's next pass queues the refresh anyway.
  void RefreshIfStale(const storage::CatalogRow& row,
                      storage::JobReason reason);

  // The catalog, if the caller may read it; NOT_FOUND otherwise.
  absl::StatusOr<storage::CatalogRow> ReadableCatalog(
      const auth::Principal& caller, const std::string& uuid);
  // The catalog, if the caller may change it.
  absl::StatusOr<storage::CatalogRow> AdministeredCatalog(
      const auth::Principal& caller, const std::string& uuid);

  storage::CatalogStore* store_;
  storage::RefreshQueue* queue_;
  RefreshPolicy policy_;
  PageTokenCodec page_tokens_;
};

}  // namespace ec
