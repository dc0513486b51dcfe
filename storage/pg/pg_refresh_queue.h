#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/pg/pg_pool.h"
#include "storage/refresh_queue.h"

namespace ec::storage::pg {

// RefreshQueue on PostgreSQL: the refresh_job table (migration 0002), with
// FOR UPDATE SKIP LOCKED leasing and lease tokens that fence dead workers.
// CompleteWithCrawl writes the crawl's content (ContentWriter) and finishes
// the job in one transaction. PgStorage (pg_storage.h) builds one beside
// the catalog store on a shared pool.
class PgRefreshQueue final : public RefreshQueue {
 public:
  // Does not take ownership; `pool` must outlive the queue, and its
  // connections must have the embedded statements (PgPool's default).
  explicit PgRefreshQueue(PgPool* pool) : pool_(pool) {}

  absl::StatusOr<EnqueueResult> EnqueueForCatalog(
      std::string_view catalog_uuid, JobReason reason,
      std::optional<RemovalApproval> approval, int max_attempts,
      Micros now) override;
  absl::StatusOr<EnqueueResult> RequestRefresh(std::string_view catalog_uuid,
                                               Micros answered_since,
                                               int max_attempts,
                                               Micros now) override;
  absl::StatusOr<QueryRefreshState> RefreshStateOf(
      std::string_view catalog_uuid) override;
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
  absl::StatusOr<ContentChangeNotice> NotifyContentChanged(
      const std::vector<std::string>& content_keys, int max_attempts,
      Micros now) override;

 private:
  PgPool* const pool_;
};

}  // namespace ec::storage::pg
