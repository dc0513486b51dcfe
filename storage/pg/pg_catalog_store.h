#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/catalog_store.h"
#include "storage/pg/pg_pool.h"

namespace ec::storage::pg {

// CatalogStore on PostgreSQL. Every statement is prepared (sql/*.sql);
// reads run outside explicit transactions (autocommit, half the latency of
// BEGIN/COMMIT), and each read RPC is one round trip. PgStorage (pg_storage.h)
// builds one beside the refresh queue on a shared pool.
class PgCatalogStore final : public CatalogStore {
 public:
  // Does not take ownership; `pool` must outlive the store, and its
  // connections must have the embedded statements (PgPool's default).
  explicit PgCatalogStore(PgPool* pool) : pool_(pool) {}

  absl::StatusOr<CatalogRow> CreateCatalog(const NewCatalog& catalog) override;
  absl::StatusOr<CatalogRow> GetCatalog(std::string_view uuid) override;
  absl::StatusOr<CatalogPage> ListCatalogs(
      const ListCatalogsQuery& query) override;
  absl::StatusOr<CatalogRow> UpdateCatalog(
      const CatalogUpdate& update) override;
  absl::Status DeleteCatalog(std::string_view uuid,
                             std::string_view enterprise_uuid) override;
  absl::StatusOr<ContainedResult> ContainedKeys(
      std::string_view catalog_uuid,
      const std::vector<std::string>& keys) override;
  absl::StatusOr<std::vector<std::string>> CatalogsContainingAny(
      std::string_view enterprise_uuid,
      const std::vector<std::string>& keys) override;
  absl::StatusOr<MetadataPage> GetCatalogMetadata(
      const MetadataQuery& query) override;
  absl::StatusOr<std::vector<ContentMatch>> GetContentMetadata(
      const ContentLookup& lookup) override;
  absl::StatusOr<CustomerItem> GetCustomerContentMetadata(
      const CustomerContentQuery& query) override;
  absl::StatusOr<CatalogDiff> DiffCatalogContent(
      std::string_view catalog_uuid,
      const std::vector<std::string>& keys) override;
  absl::StatusOr<CatalogQueryRow> GetCatalogQuery(
      const CatalogQueryLookup& lookup) override;
  absl::StatusOr<CatalogQueryRef> EnsureCatalogQuery(
      const domain::CanonicalFilter& filter) override;
  absl::StatusOr<ReplaceResult> ReplaceQueryContent(
      int64_t query_id,
      const std::vector<domain::ContentRecord>& records) override;

 private:
  PgPool* const pool_;
};

}  // namespace ec::storage::pg
