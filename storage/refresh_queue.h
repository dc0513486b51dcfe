#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/content.h"
#include "domain/refresh_policy.h"
#include "storage/types.h"

namespace ec::storage {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kHeld };
// kPublished: a publish event (NotifyContentChanged); kCrawled: a crawl
// changed content whose full documents are now wanted (full jobs only).
enum class JobReason {
  kCreated,
  kUpdated,
  kRequested,
  kScheduled,
  kPublished,
  kCrawled
};
// A crawl of one catalog query, or the full-metadata pass (one at a time for
// the whole service; see full_metadata_store.h).
enum class JobKind { kCrawl, kFull };

std::string_view JobStateName(JobState state);
std::string_view JobReasonName(JobReason reason);
std::string_view JobKindName(JobKind kind);

struct RefreshCounts {
  int64_t pages = 0;
  int64_t discovery_requests = 0;
  int64_t discovery_retries = 0;
  int64_t items_seen = 0;
  int64_t members_before = 0;
  int64_t members_after = 0;
  int64_t members_added = 0;
  int64_t members_removed = 0;
  int64_t content_inserted = 0;
  int64_t content_updated = 0;
  int64_t content_unchanged = 0;
  int64_t duration_ms = 0;
  // Results the inclusion rules kept out of the query (crawls only).
  int64_t items_excluded = 0;
};

struct RefreshJobRow {
  int64_t id = 0;
  std::string uuid;
  JobKind kind = JobKind::kCrawl;
  // 0 and "" for a full job.
  int64_t catalog_query_id = 0;
  std::string catalog_query_uuid;
  JobState state = JobState::kQueued;
  JobReason reason = JobReason::kRequested;
  bool force = false;
  int attempts = 0;
  int max_attempts = 0;
  Micros created = 0;
  Micros run_after = 0;
  std::optional<Micros> started;
  std::optional<Micros> finished;
  std::string lease_owner;
  std::string last_error;
  RefreshCounts counts;
  // Enterprises whose catalogs use the job's query, sorted (GetJob only):
  // who may watch the job.
  std::vector<std::string> enterprise_uuids;
};

// A job a worker holds. The token fences it: once the lease has expired and
// another worker has taken the job, every call with the old token fails
// ABORTED and changes nothing.
struct LeasedJob {
  RefreshJobRow job;
  std::string lease_token;
  Micros lease_expires = 0;
  // The canonical filter text to send to discovery ("" for a full job).
  std::string content_filter;
  // The job was running under another worker whose lease expired.
  bool took_over_expired_lease = false;
  std::string previous_owner;
};

// What a forced refresh approves: the removals of the query's latest
// crawl, which the guardrail held and an admin reviewed. The job it queues
// applies a crawl only if that removes no more members than this.
struct RemovalApproval {
  int64_t removals = 0;
  std::string held_job_uuid;
};

// Where the refresh of a catalog's query stands (RefreshStateOf).
struct QueryRefreshState {
  std::string active_job_uuid;  // its queued or running job; "" if none
  JobState active_state = JobState::kQueued;
  // Its latest finished crawl job; "" if none.
  std::string latest_job_uuid;
  JobState latest_state = JobState::kSucceeded;
  Micros latest_finished = 0;
  std::optional<RemovalApproval> held;  // set when that job was held
  // The enterprises whose catalogs use the query: an approval changes
  // what all of them are served.
  std::vector<std::string> enterprise_uuids;
};

struct EnqueueResult {
  RefreshJobRow job;
  // False when the request joined the job already queued or running.
  bool created = false;
};

struct ScheduleResult {
  int64_t jobs_created = 0;
  // Running jobs whose lease expired after their last allowed attempt,
  // now marked failed.
  int64_t jobs_expired_failed = 0;
  int64_t jobs_pruned = 0;
  // The full-metadata job was queued (in-use content's full data is stale).
  bool full_job_queued = false;
};

// Freshness of the queries that catalogs use.
struct Freshness {
  int64_t queries_in_use = 0;
  int64_t never_refreshed = 0;
  // Oldest last-successful-refresh among refreshed in-use queries.
  std::optional<Micros> oldest_refreshed;
  // Full documents of the courses and programs those queries contain.
  int64_t full_in_use = 0;
  int64_t full_never_fetched = 0;
  // Oldest last full fetch among them, a never-fetched one counting from
  // its creation (nullopt when there are none).
  std::optional<Micros> oldest_full_fetch;
};

// What NotifyContentChanged did.
struct ContentChangeNotice {
  // Courses and programs whose full documents will be fetched again (a run
  // key stands for its course), sorted.
  std::vector<std::string> queued_keys;
  // Keys of no stored content: they arrive with a query's next crawl.
  std::vector<std::string> unknown_keys;
  // Crawls queued (or pulled forward) for the in-use queries that contain
  // the content.
  int64_t crawls_queued = 0;
  // The full-metadata job that fetches them; absent when nothing is queued.
  std::optional<RefreshJobRow> full_job;
};

// The refresh job queue. Every time is the caller's clock (microseconds
// since the epoch), so tests can run days of schedule in seconds.
class RefreshQueue {
 public:
  virtual ~RefreshQueue() = default;

  // Queues a job for the catalog's query, or joins the queued or running one
  // (an explicit request also pulls a backed-off job's next attempt forward
  // to now). An `approval` makes the job forced; it joins a queued job only
  // (a running crawl is not what was reviewed: the answer is that job,
  // unforced). NOT_FOUND for an unknown catalog.
  virtual absl::StatusOr<EnqueueResult> EnqueueForCatalog(
      std::string_view catalog_uuid, JobReason reason,
      std::optional<RemovalApproval> approval, int max_attempts,
      Micros now) = 0;
  // A plain explicit request (RefreshCatalog without force): as
  // EnqueueForCatalog with reason REQUESTED, except that when the query has
  // no active job and its latest crawl succeeded at or after
  // `answered_since`, the answer is that job (created false) and nothing is
  // queued. Checked and queued in one statement, so a crawl finishing
  // between a caller's read and its request does not queue another.
  // NOT_FOUND for an unknown catalog.
  virtual absl::StatusOr<EnqueueResult> RequestRefresh(
      std::string_view catalog_uuid, Micros answered_since, int max_attempts,
      Micros now) = 0;
  // Where the refresh of the catalog's query stands: what a forced request
  // would approve, and whether a plain one was just answered. NOT_FOUND
  // for an unknown catalog.
  virtual absl::StatusOr<QueryRefreshState> RefreshStateOf(
      std::string_view catalog_uuid) = 0;
  virtual absl::StatusOr<RefreshJobRow> GetJob(std::string_view job_uuid) = 0;

  // Takes the oldest runnable job: queued and due, or running with an
  // expired lease (its worker died). Skips rows other workers have locked.
  virtual absl::StatusOr<std::optional<LeasedJob>> Lease(std::string_view owner,
                                                         Micros lease_duration,
                                                         Micros now) = 0;
  // Extends the lease to `new_expiry`. ABORTED if the lease was lost.
  virtual absl::Status Heartbeat(const LeasedJob& lease, Micros new_expiry) = 0;
  // Gives the job back without counting the attempt (worker shutdown).
  virtual absl::Status Release(const LeasedJob& lease, Micros now) = 0;
  // Records a failed attempt: queued again at `retry_at`, or failed when it
  // was the last allowed attempt. Stored content is not touched.
  virtual absl::StatusOr<RefreshJobRow> FailAttempt(const LeasedJob& lease,
                                                    std::string_view error,
                                                    const RefreshCounts& counts,
                                                    Micros retry_at,
                                                    Micros now) = 0;
  // Applies a complete crawl and finishes the job, in one transaction:
  // content upserted where changed, membership changed as a diff, query
  // stamped refreshed at `now`, job SUCCEEDED. If the guardrail trips (and
  // the job is not forced) nothing is changed and the job is HELD.
  // `counts` carries the crawl's figures; the store fills in the rest.
  virtual absl::StatusOr<RefreshJobRow> CompleteWithCrawl(
      const LeasedJob& lease, const std::vector<domain::ContentRecord>& records,
      const RefreshCounts& counts, const domain::GuardrailPolicy& guardrail,
      Micros now) = 0;

  // The scheduler's pass: a job for every query in use by a catalog whose
  // data is missing or older than `stale_before`, unless a job for it
  // failed or was held after `cooldown_before`; the full-metadata job when
  // in-use content's full data is missing, wanted or older than
  // `stale_before` (same cooldown); expired leases at their last attempt
  // are failed; finished jobs older than `prune_before` deleted.
  virtual absl::StatusOr<ScheduleResult> Schedule(Micros stale_before,
                                                  Micros cooldown_before,
                                                  Micros prune_before,
                                                  int max_attempts,
                                                  Micros now) = 0;
  virtual absl::StatusOr<Freshness> GetFreshness() = 0;

  // A publish event: flags the stored courses and programs among
  // `content_keys` (runs stand for their course) for a full re-fetch, queues
  // the full-metadata job (or pulls the queued one forward to `now`), and
  // queues a crawl of every in-use query that contains them. Nothing is
  // deleted or changed in the documents themselves.
  virtual absl::StatusOr<ContentChangeNotice> NotifyContentChanged(
      const std::vector<std::string>& content_keys, int max_attempts,
      Micros now) = 0;
};

}  // namespace ec::storage
