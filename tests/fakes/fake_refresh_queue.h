#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/refresh_queue.h"
#include "tests/fakes/fake_catalog_store.h"

namespace ec::fakes {

// storage::RefreshQueue in memory over a FakeCatalogStore: the states,
// leases, fencing tokens, one active job per query, backoff and scheduler
// rules of the refresh_job table, and the guardrail through the same
// domain::DecideGuardrail the PostgreSQL queue calls. Thread-safe.
class FakeRefreshQueue final : public storage::RefreshQueue {
 public:
  // Does not take ownership; `store` must outlive the queue.
  explicit FakeRefreshQueue(FakeCatalogStore* store) : store_(store) {}

  absl::StatusOr<storage::EnqueueResult> EnqueueForCatalog(
      std::string_view catalog_uuid, storage::JobReason reason,
      std::optional<storage::RemovalApproval> approval, int max_attempts,
      storage::Micros now) override;
  absl::StatusOr<storage::EnqueueResult> RequestRefresh(
      std::string_view catalog_uuid, storage::Micros answered_since,
      int max_attempts, storage::Micros now) override;
  absl::StatusOr<storage::QueryRefreshState> RefreshStateOf(
      std::string_view catalog_uuid) override;
  absl::StatusOr<storage::RefreshJobRow> GetJob(
      std::string_view job_uuid) override;
  absl::StatusOr<std::optional<storage::LeasedJob>> Lease(
      std::string_view owner, storage::Micros lease_duration,
      storage::Micros now) override;
  absl::Status Heartbeat(const storage::LeasedJob& lease,
                         storage::Micros new_expiry) override;
  absl::Status Release(const storage::LeasedJob& lease,
                       storage::Micros now) override;
  absl::StatusOr<storage::RefreshJobRow> FailAttempt(
      const storage::LeasedJob& lease, std::string_view error,
      const storage::RefreshCounts& counts, storage::Micros retry_at,
      storage::Micros now) override;
  absl::StatusOr<storage::RefreshJobRow> CompleteWithCrawl(
      const storage::LeasedJob& lease,
      const std::vector<domain::ContentRecord>& records,
      const storage::RefreshCounts& counts,
      const domain::GuardrailPolicy& guardrail, storage::Micros now) override;
  absl::StatusOr<storage::ScheduleResult> Schedule(
      storage::Micros stale_before, storage::Micros cooldown_before,
      storage::Micros prune_before, int max_attempts,
      storage::Micros now) override;
  absl::StatusOr<storage::Freshness> GetFreshness() override;
  // Stored courses and programs are flagged for a full re-fetch (see
  // FlaggedForFullFetch); the crawls join active jobs as EnqueueForCatalog
  // does, and the full job is the one active full job, joined likewise.
  absl::StatusOr<storage::ContentChangeNotice> NotifyContentChanged(
      const std::vector<std::string>& content_keys, int max_attempts,
      storage::Micros now) override;

  // Every job, oldest first (for assertions).
  std::vector<storage::RefreshJobRow> Jobs() const;
  // Takes the job's lease away, as another worker would after it expired:
  // the holder's next call with its token fails ABORTED.
  void StealLease(std::string_view job_uuid);
  // Content NotifyContentChanged flagged for a full re-fetch, sorted.
  std::vector<std::string> FlaggedForFullFetch() const;
  // Fault injection: every call fails with `status` until cleared with OK.
  void FailEveryCall(absl::Status status);

 private:
  struct Job {
    storage::RefreshJobRow row;
    std::string token;  // "" when not leased
    storage::Micros lease_expires = 0;
    std::optional<int64_t> approved_removals;  // set by a forced request
  };

  // The running job `lease` names, if its token still holds it.
  Job* Held(const storage::LeasedJob& lease) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  storage::RefreshJobRow Read(const Job& job) const;
  // A new queued job (query 0 and "" for a full job).
  Job& AddJob(storage::JobKind kind, int64_t query_id, std::string query_uuid,
              storage::JobReason reason, int max_attempts, storage::Micros now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The queued or running job of `kind` for `query_id`, if any.
  Job* ActiveJob(storage::JobKind kind, int64_t query_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FakeCatalogStore* const store_;
  mutable absl::Mutex mu_;
  absl::Status injected_ ABSL_GUARDED_BY(mu_);
  // By id: insertion order is creation order.
  std::map<int64_t, Job> jobs_ ABSL_GUARDED_BY(mu_);
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::set<std::string> flagged_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ec::fakes
