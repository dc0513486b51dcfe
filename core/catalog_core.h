#pragma once

#include <chrono>

#include "absl/status/status.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "common/page_token.h"
#include "domain/catalog_item_fields.h"
#include "domain/refresh_policy.h"
#include "enterprise_catalog/v1/catalog_service.pb.h"
#include "index/live_membership.h"
#include "storage/catalog_store.h"
#include "storage/customer_store.h"
#include "storage/refresh_queue.h"

namespace ec::core {

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
// What the per-catalog item fields and the customer RPCs need besides the
// catalog store. Without customers, the customer RPCs answer UNIMPLEMENTED
// and every customer reads as unknown (Django's "{}").
struct CatalogFieldsConfig {
  storage::CustomerStore* customers = nullptr;
  domain::UrlSettings urls;
};

// The membership index the contains RPCs answer from when they can
// (index/live_membership.h); nullptr: always from the store.
using Membership = const index::LiveMembership*;

class CatalogCore {
 public:
  // Does not take ownership; `store`, `queue` and `metadata_reads` must
  // outlive the core. The metadata RPCs read through `metadata_reads` (a
  // read replica, storage/pg/read_replica.h), the store when it is null.
  // Without a queue, catalog changes queue nothing and the refresh RPCs
  // (NotifyContentChanged included) answer UNIMPLEMENTED. `policy` says when a
  // catalog change queues a refresh (the workers share it); `page_tokens` signs
  // pagination tokens. Thread-safe.
  CatalogCore(storage::CatalogStore* store, storage::RefreshQueue* queue,
              domain::RefreshPolicy policy, common::PageTokenCodec page_tokens,
              common::Clock clock = common::SystemClock(),
              CatalogFieldsConfig fields = {}, Membership membership = nullptr,
              storage::MetadataReader* metadata_reads = nullptr)
      : store_(store),
        metadata_reads_(metadata_reads != nullptr ? metadata_reads : store),
        queue_(queue),
        policy_(std::move(policy)),
        page_tokens_(std::move(page_tokens)),
        clock_(std::move(clock)),
        customers_(fields.customers),
        urls_(std::move(fields.urls)),
        membership_(membership) {}

  absl::Status CreateCatalog(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::CreateCatalogRequest& request,
      ::enterprise_catalog::v1::Catalog* response);
  absl::Status GetCatalog(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::GetCatalogRequest& request,
      ::enterprise_catalog::v1::Catalog* response);
  absl::Status ListCatalogs(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::ListCatalogsRequest& request,
      ::enterprise_catalog::v1::ListCatalogsResponse* response);
  absl::Status UpdateCatalog(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::UpdateCatalogRequest& request,
      ::enterprise_catalog::v1::Catalog* response);
  absl::Status DeleteCatalog(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::DeleteCatalogRequest& request,
      ::enterprise_catalog::v1::DeleteCatalogResponse* response);
  absl::Status ContainsContentItems(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::ContainsContentItemsRequest& request,
      ::enterprise_catalog::v1::ContainsContentItemsResponse* response);
  absl::Status CustomerContainsContentItems(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::CustomerContainsContentItemsRequest&
          request,
      ::enterprise_catalog::v1::CustomerContainsContentItemsResponse* response);
  // The two above from the membership index, without I/O, so that a
  // caller may run them on a thread that must not block: nullopt when they
  // cannot answer so (no index, not trusted now, or it does not know the
  // catalog or enterprise yet); the caller then runs the method above, which
  // asks the store. Invalid requests are answered here too.
  std::optional<absl::Status> ContainsContentItemsFromMemory(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::ContainsContentItemsRequest& request,
      ::enterprise_catalog::v1::ContainsContentItemsResponse* response) const;
  std::optional<absl::Status> CustomerContainsContentItemsFromMemory(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::CustomerContainsContentItemsRequest&
          request,
      ::enterprise_catalog::v1::CustomerContainsContentItemsResponse* response)
      const;
  absl::Status GetCatalogMetadata(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::GetCatalogMetadataRequest& request,
      ::enterprise_catalog::v1::GetCatalogMetadataResponse* response);
  absl::Status GetContentMetadata(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::GetContentMetadataRequest& request,
      ::enterprise_catalog::v1::GetContentMetadataResponse* response);
  absl::Status RefreshCatalog(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::RefreshCatalogRequest& request,
      ::enterprise_catalog::v1::RefreshJob* response);
  absl::Status GetRefreshJob(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::GetRefreshJobRequest& request,
      ::enterprise_catalog::v1::RefreshJob* response);
  // A publish event from the platform: the queue flags the stored courses
  // and programs for a full re-fetch and queues a crawl of every in-use
  // query containing them. Operator and service roles only.
  absl::Status NotifyContentChanged(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::NotifyContentChangedRequest& request,
      ::enterprise_catalog::v1::NotifyContentChangedResponse* response);

  // A catalog query by uuid or filter hash. Queries are shared across
  // enterprises, so only the roles that see every enterprise may read them.
  absl::Status GetCatalogQuery(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::GetCatalogQueryRequest& request,
      ::enterprise_catalog::v1::CatalogQuery* response);
  // CreateCatalog's canonical text and hash of a filter. Reads nothing and
  // reveals nothing the caller did not send, so any caller may.
  absl::Status HashContentFilter(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::HashContentFilterRequest& request,
      ::enterprise_catalog::v1::HashContentFilterResponse* response);

  // Enterprise customers as the platform writes them: operator and service
  // roles write; those roles and the enterprise's admins read.
  absl::Status UpsertEnterpriseCustomer(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::UpsertEnterpriseCustomerRequest& request,
      ::enterprise_catalog::v1::EnterpriseCustomer* response);
  absl::Status GetEnterpriseCustomer(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::GetEnterpriseCustomerRequest& request,
      ::enterprise_catalog::v1::EnterpriseCustomer* response);
  // One item for a customer by key or uuid, served by the customer's oldest
  // catalog containing it. Anyone who may read the enterprise's catalogs.
  absl::Status GetCustomerContentMetadata(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::GetCustomerContentMetadataRequest&
          request,
      ::enterprise_catalog::v1::GetCustomerContentMetadataResponse* response);
  // An integrated channel's keys against a catalog (generate_diff).
  absl::Status DiffCatalogContent(
      const auth::Principal& caller,
      const ::enterprise_catalog::v1::DiffCatalogContentRequest& request,
      ::enterprise_catalog::v1::DiffCatalogContentResponse* response);

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
  // What RefreshCatalog's force approves: FAILED_PRECONDITION when a crawl
  // of the query runs or nothing is held, PERMISSION_DENIED when catalogs of
  // an enterprise the caller does not administer share the query.
  absl::StatusOr<storage::RemovalApproval> HeldRemovalsToApprove(
      const auth::Principal& caller, const std::string& catalog_uuid);

  storage::CatalogStore* store_;
  // The metadata RPCs' reads: `store_`, or a read replica in front of it.
  storage::MetadataReader* const metadata_reads_;
  storage::RefreshQueue* queue_;
  const domain::RefreshPolicy policy_;
  const common::PageTokenCodec page_tokens_;
  const common::Clock clock_;
  storage::CustomerStore* const customers_;
  const domain::UrlSettings urls_;
  const Membership membership_;
};

}  // namespace ec::core
