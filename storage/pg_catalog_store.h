#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "storage/catalog_store.h"
#include "storage/pg_pool.h"

namespace ec::storage {

// CatalogStore on PostgreSQL. Every statement is prepared; reads run outside
// explicit transactions (autocommit, half the latency of BEGIN/COMMIT), and
// each read RPC is one round trip.
class PgCatalogStore final : public CatalogStore {
 public:
  // Connections open lazily; Create does not touch the database.
  static absl::StatusOr<std::unique_ptr<PgCatalogStore>> Create(
      PgConfig config);

  absl::StatusOr<CatalogRow> CreateCatalog(const NewCatalog& catalog) override;
  absl::StatusOr<CatalogRow> GetCatalog(std::string_view uuid) override;
  absl::StatusOr<CatalogPage> ListCatalogs(
      const ListCatalogsQuery& query) override;
  absl::StatusOr<CatalogRow> UpdateCatalog(
      const CatalogUpdate& update) override;
  absl::Status DeleteCatalog(std::string_view uuid) override;
  absl::StatusOr<std::vector<std::string>> ContainedKeys(
      std::string_view catalog_uuid,
      const std::vector<std::string>& keys) override;
  absl::StatusOr<std::vector<std::string>> CatalogsContainingAny(
      std::string_view enterprise_uuid,
      const std::vector<std::string>& keys) override;
  absl::StatusOr<MetadataPage> GetCatalogMetadata(
      const MetadataQuery& query) override;
  absl::StatusOr<std::vector<ContentRow>> GetContentMetadata(
      const std::vector<std::string>& keys) override;
  absl::StatusOr<CatalogQueryRef> EnsureCatalogQuery(
      const CanonicalFilter& filter) override;
  absl::StatusOr<ReplaceResult> ReplaceQueryContent(
      int64_t query_id, const std::vector<ContentRecord>& records) override;

 private:
  explicit PgCatalogStore(std::unique_ptr<PgPool> pool)
      : pool_(std::move(pool)) {}

  // Runs `fn` on a pooled connection, turning libpqxx exceptions into
  // statuses. Reads pass `idempotent` so that a connection that died while
  // idle (database restart) costs one retry instead of a failed call.
  template <typename Fn>
  std::invoke_result_t<Fn, pqxx::connection&> WithConnection(
      std::string_view what, bool idempotent, Fn&& fn);

  std::unique_ptr<PgPool> pool_;
};

}  // namespace ec::storage
