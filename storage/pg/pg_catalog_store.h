#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "storage/catalog_store.h"
#include "storage/pg/pg_pool.h"
#include "storage/pg/pg_util.h"
#include "storage/refresh_queue.h"

namespace ec::storage::pg {

// CatalogStore and RefreshQueue on PostgreSQL (one class, so a crawl's
// content and its job's completion commit in one transaction). Every
// statement is prepared; reads run outside explicit transactions
// (autocommit, half the latency of BEGIN/COMMIT), and each read RPC is one
// round trip. The queue methods live in pg_refresh_queue.cc.
class PgCatalogStore final : public CatalogStore, public RefreshQueue {
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
  absl::StatusOr<ContainedResult> ContainedKeys(
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
      const domain::CanonicalFilter& filter) override;
  absl::StatusOr<ReplaceResult> ReplaceQueryContent(
      int64_t query_id,
      const std::vector<domain::ContentRecord>& records) override;

  absl::StatusOr<EnqueueResult> EnqueueForCatalog(std::string_view catalog_uuid,
                                                  JobReason reason, bool force,
                                                  int max_attempts,
                                                  Micros now) override;
  absl::StatusOr<RefreshJobRow> GetJob(std::string_view job_uuid) override;
  absl::StatusOr<std::optional<LeasedJob>> Lease(std::string_view owner,
                                                 Micros lease_duration,
                                                 Micros now) override;
  absl::Status Heartbeat(const LeasedJob& lease, Micros new_expiry) override;
  absl::Status Release(const LeasedJob& lease, Micros now) override;
  absl::StatusOr<RefreshJobRow> FailAttempt(const LeasedJob& lease,
                                            std::string_view error,
                                            const RefreshCounts& counts,
                                            Micros retry_at,
                                            Micros now) override;
  absl::StatusOr<RefreshJobRow> CompleteWithCrawl(
      const LeasedJob& lease, const std::vector<domain::ContentRecord>& records,
      const RefreshCounts& counts, const domain::GuardrailPolicy& guardrail,
      Micros now) override;
  absl::StatusOr<ScheduleResult> Schedule(Micros stale_before,
                                          Micros cooldown_before,
                                          Micros prune_before, int max_attempts,
                                          Micros now) override;
  absl::StatusOr<Freshness> GetFreshness() override;

 private:
  explicit PgCatalogStore(std::unique_ptr<PgPool> pool)
      : pool_(std::move(pool)) {}

  // Runs `fn` on a pooled connection, turning libpqxx exceptions into
  // statuses. Reads pass `idempotent` so that a connection that died while
  // idle (database restart) costs one retry instead of a failed call.
  template <typename Fn>
  std::invoke_result_t<Fn, pqxx::connection&> WithConnection(
      std::string_view what, bool idempotent, Fn&& fn) {
    const int attempts = idempotent ? 2 : 1;
    absl::Status last;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      auto lease = pool_->Acquire();
      if (!lease.ok()) return lease.status();
      try {
        return fn(lease->conn());
      } catch (const std::exception& e) {
        last = StatusFromException(e, what);
        pool_->RecordError(last);
        if (!IsConnectionLoss(last)) return last;
        lease->MarkBroken();
      }
    }
    return last;
  }

  std::unique_ptr<PgPool> pool_;
};

}  // namespace ec::storage::pg
