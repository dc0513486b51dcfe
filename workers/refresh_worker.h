#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "discovery/discovery_client.h"
#include "domain/refresh_policy.h"
#include "storage/full_metadata_store.h"
#include "storage/refresh_queue.h"

namespace ec::workers {

// How this process runs the refresh pipeline; parsed once from the
// ENTERPRISE_CATALOG_REFRESH_* settings (workers/settings.cc). What the
// pipeline decides (staleness, retries, completeness, the guardrail) is
// `policy`, shared with the core.
struct WorkerConfig {
  // Refresh threads in this process (each with its own discovery client).
  int threads = 2;
  // A job's lease; extended every third of it while the crawl runs, so a
  // worker that dies loses the job after at most this long.
  std::chrono::milliseconds lease{60000};
  // How often an idle worker looks for a due job.
  std::chrono::milliseconds poll_interval{1000};
  // The scheduler queues a job for every query in use whose data is stale
  // (policy.max_age), every schedule_interval (with jitter).
  bool scheduler = true;
  std::chrono::milliseconds schedule_interval{60000};
  // Workers apply a whole crawl in one transaction, in statements far
  // larger than an RPC's, so their connections get their own limit.
  std::chrono::milliseconds db_statement_timeout{60000};
  domain::RefreshPolicy policy;
  // Names this process in leases and logs; default host:pid.
  std::string owner;
};

// Makes one discovery client per refresh thread. The sleeper it is given
// wakes up early when the worker stops and keeps the lease alive.
using SourceFactory = std::function<std::unique_ptr<discovery::ContentSource>(
    discovery::Sleeper)>;

// Leases refresh jobs and runs them: a crawl of one query (discovery's
// search/all, applied as the query's new content), or the full-metadata pass
// (the full documents of changed, new or stale courses and programs, merged
// into the stored ones; full_pass.cc). Several workers (threads or
// processes) can share one database: the queue hands each job to one of
// them, and a worker that dies loses its lease.
class RefreshWorker {
 public:
  // `queue` and `full_metadata` must outlive the worker. Without
  // `full_metadata` (tests of crawls only) a full job fails at once.
  RefreshWorker(storage::RefreshQueue* queue,
                storage::FullMetadataStore* full_metadata,
                SourceFactory factory, WorkerConfig config,
                common::Clock clock = common::SystemClock());
  ~RefreshWorker();
  RefreshWorker(const RefreshWorker&) = delete;
  RefreshWorker& operator=(const RefreshWorker&) = delete;

  // Leases one due job and runs it to the end of this attempt, on the
  // calling thread. Returns the job as the attempt left it, or nullopt when
  // no job was due. Errors are the database's (the job's own failures are
  // recorded on the job, not returned).
  absl::StatusOr<std::optional<storage::RefreshJobRow>> RunOnce();

  // One scheduler pass (see RefreshQueue::Schedule).
  absl::StatusOr<storage::ScheduleResult> ScheduleOnce();

  // Starts `threads` refresh threads and, if enabled, the scheduler thread.
  void Start();
  // Stops the threads: waits end at once, and a crawl in progress is
  // abandoned with its lease released, so another worker can take the job
  // immediately. Returns when every thread has exited.
  void Stop();

  const WorkerConfig& config() const { return config_; }

 private:
  // Per refresh thread: its discovery client and the job it holds.
  struct Slot {
    int index = 0;
    std::unique_ptr<discovery::ContentSource> source;
    std::optional<storage::LeasedJob> lease;
    int64_t last_heartbeat = 0;
  };

  absl::StatusOr<std::optional<storage::RefreshJobRow>> RunOne(Slot& slot);
  // A crawl job (refresh_worker.cc) and the full-metadata job
  // (full_pass.cc), from a lease to the end of the attempt.
  absl::StatusOr<std::optional<storage::RefreshJobRow>> RunCrawl(Slot& slot);
  absl::StatusOr<std::optional<storage::RefreshJobRow>> RunFullPass(Slot& slot);
  // The end of an attempt that did not complete: a lost lease discards it,
  // a shutdown releases the job, anything else is a failed attempt (retried
  // with backoff). `fields` is the attempt's log line.
  absl::StatusOr<std::optional<storage::RefreshJobRow>> EndFailedAttempt(
      Slot& slot, const absl::Status& status,
      const storage::RefreshCounts& counts, nlohmann::json fields,
      int64_t duration_ms);
  bool Stopping();
  // The fields every log line about a job starts with.
  static nlohmann::json JobFields(const storage::LeasedJob& lease);
  // Extends the lease if a third of it has passed. ABORTED if it was lost,
  // CANCELLED when stopping.
  absl::Status KeepAlive(Slot& slot);
  // Waits up to `d`, returning early (true) if the worker is stopping.
  bool WaitForStop(std::chrono::milliseconds d);
  void CrawlLoop(Slot* slot);
  void ScheduleLoop();
  Slot& SlotFor(int index);

  storage::RefreshQueue* const queue_;
  storage::FullMetadataStore* const full_metadata_;
  const SourceFactory factory_;
  const WorkerConfig config_;
  const common::Clock clock_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> threads_;
};

}  // namespace ec::workers
