#include "workers/refresh_worker.h"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "metrics/metrics.h"

namespace ec::workers {
namespace {

constexpr char kComponent[] = "refresh";

std::string DefaultOwner() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] != '\0' ? host : "worker", ":", getpid());
}

storage::RefreshCounts CountsFromCrawl(const discovery::CrawlStats& stats,
                                       int64_t duration_us) {
  storage::RefreshCounts c;
  c.pages = stats.pages;
  c.discovery_requests = stats.requests;
  c.discovery_retries = stats.retries;
  c.items_seen = stats.results;
  c.duration_ms = duration_us / 1000;
  return c;
}

}  // namespace

RefreshWorker::RefreshWorker(storage::RefreshQueue* queue,
                             storage::FullMetadataStore* full_metadata,
                             SourceFactory factory, WorkerConfig config,
                             common::Clock clock)
    : queue_(queue),
      full_metadata_(full_metadata),
      factory_(std::move(factory)),
      config_([&] {
        if (config.owner.empty()) config.owner = DefaultOwner();
        return std::move(config);
      }()),
      clock_(std::move(clock)) {}

RefreshWorker::~RefreshWorker() { Stop(); }

nlohmann::json RefreshWorker::JobFields(const storage::LeasedJob& lease) {
  return {{"job_uuid", lease.job.uuid},
          {"kind", std::string(storage::JobKindName(lease.job.kind))},
          {"query_uuid", lease.job.catalog_query_uuid},
          {"reason", std::string(storage::JobReasonName(lease.job.reason))},
          {"attempt", lease.job.attempts},
          {"max_attempts", lease.job.max_attempts},
          {"force", lease.job.force}};
}

RefreshWorker::Slot& RefreshWorker::SlotFor(int index) {
  while (static_cast<int>(slots_.size()) <= index) {
    auto slot = std::make_unique<Slot>();
    slot->index = static_cast<int>(slots_.size());
    Slot* raw = slot.get();
    // The crawl's backoff waits end early on Stop and keep the lease alive,
    // since a page can be retried for longer than a lease lasts.
    slot->source =
        factory_([this, raw](std::chrono::milliseconds d) -> absl::Status {
          const auto deadline = std::chrono::steady_clock::now() + d;
          while (true) {
            absl::Status alive = KeepAlive(*raw);
            if (!alive.ok()) return alive;
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return absl::OkStatus();
            if (WaitForStop(std::min(left, config_.lease / 3))) {
              return absl::CancelledError("worker is stopping");
            }
          }
        });
    slots_.push_back(std::move(slot));
  }
  return *slots_[index];
}

absl::StatusOr<std::optional<storage::RefreshJobRow>> RefreshWorker::RunOnce() {
  return RunOne(SlotFor(0));
}

bool RefreshWorker::WaitForStop(std::chrono::milliseconds d) {
  absl::MutexLock lock(&mu_);
  auto stopping = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  return mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::FromChrono(d));
}

absl::Status RefreshWorker::KeepAlive(Slot& slot) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("worker is stopping");
  }
  if (!slot.lease) return absl::OkStatus();
  const int64_t now = clock_();
  if (now - slot.last_heartbeat < common::ToMicros(config_.lease) / 3) {
    return absl::OkStatus();
  }
  absl::Status beat =
      queue_->Heartbeat(*slot.lease, now + common::ToMicros(config_.lease));
  if (beat.ok()) {
    slot.last_heartbeat = now;
    slot.lease->lease_expires = now + common::ToMicros(config_.lease);
    return beat;
  }
  // A database hiccup is survivable while the lease still runs; a lost
  // lease is not.
  if (beat.code() != absl::StatusCode::kAborted &&
      now < slot.lease->lease_expires) {
    common::LogWarn(kComponent, "lease heartbeat failed; will retry",
                    {{"job_uuid", slot.lease->job.uuid},
                     {"error", std::string(beat.message())}});
    return absl::OkStatus();
  }
  return beat;
}

namespace {

// A uniform draw in [0, 1] for the retry jitter.
double Jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

absl::StatusOr<std::optional<storage::RefreshJobRow>> RefreshWorker::RunOne(
    Slot& slot) {
  const std::string owner = absl::StrCat(config_.owner, "/", slot.index);
  const int64_t leased_at = clock_();
  auto leased =
      queue_->Lease(owner, common::ToMicros(config_.lease), leased_at);
  if (!leased.ok()) return leased.status();
  if (!leased->has_value()) return std::optional<storage::RefreshJobRow>();
  slot.lease = std::move(**leased);
  slot.last_heartbeat = leased_at;
  struct ClearLease {
    Slot& s;
    ~ClearLease() { s.lease.reset(); }
  } clear{slot};
  if (slot.lease->took_over_expired_lease) {
    metrics::RefreshMetrics::Get().LeaseTakenOver();
    nlohmann::json fields = JobFields(*slot.lease);
    fields["took_over_from"] = slot.lease->previous_owner;
    common::LogWarn(kComponent, "lease expired; taking the job over", fields);
  }
  // Nothing below should throw (statuses cross modules), but an exception
  // that escaped a crawl thread would end the process, and the job would
  // wait for its lease to expire: fail this attempt instead.
  std::string thrown;
  try {
    if (slot.lease->job.kind == storage::JobKind::kFull) {
      return RunFullPass(slot);
    }
    return RunCrawl(slot);
  } catch (const std::exception& e) {
    thrown = e.what();
  } catch (...) {
    thrown = "not a std::exception";
  }
  return EndFailedAttempt(
      slot, absl::InternalError(absl::StrCat("unexpected exception: ", thrown)),
      storage::RefreshCounts{}, JobFields(*slot.lease), 0);
}

bool RefreshWorker::Stopping() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::StatusOr<std::optional<storage::RefreshJobRow>>
RefreshWorker::EndFailedAttempt(Slot& slot, const absl::Status& status,
                                const storage::RefreshCounts& counts,
                                nlohmann::json fields, int64_t duration_ms) {
  const storage::LeasedJob& lease = *slot.lease;
  const std::string end = lease.job.kind == storage::JobKind::kFull
                              ? "full pass end: "
                              : "crawl end: ";
  auto finished = [&](std::string_view outcome) {
    metrics::RefreshMetrics::Get().JobFinished(
        outcome, static_cast<double>(duration_ms) / 1e3);
  };
  fields["duration_ms"] = duration_ms;
  fields["error"] = std::string(status.message());
  fields["code"] = absl::StatusCodeToString(status.code());
  if (status.code() == absl::StatusCode::kAborted) {
    finished("lease_lost");
    common::LogWarn(kComponent, end + "lease lost, result discarded", fields);
    return std::optional<storage::RefreshJobRow>();
  }
  if (Stopping() && status.code() == absl::StatusCode::kCancelled) {
    finished("stopped");
    const absl::Status released = queue_->Release(lease, clock_());
    fields["released"] = released.ok();
    common::LogInfo(kComponent, end + "abandoned for shutdown", fields);
    return std::optional<storage::RefreshJobRow>();
  }
  const int64_t now = clock_();
  auto failed = queue_->FailAttempt(
      lease,
      absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                   status.message()),
      counts,
      now + domain::RetryDelay(config_.policy, lease.job.attempts, Jitter()),
      now);
  if (!failed.ok()) return failed.status();
  finished(failed->state == storage::JobState::kQueued ? "retry" : "failed");
  fields["state"] = std::string(storage::JobStateName(failed->state));
  if (failed->state == storage::JobState::kQueued) {
    fields["retry_in_ms"] = (failed->run_after - now) / 1000;
  }
  common::LogWarn(kComponent, end + "failed, stored data unchanged", fields);
  return std::optional<storage::RefreshJobRow>(std::move(*failed));
}

absl::StatusOr<std::optional<storage::RefreshJobRow>> RefreshWorker::RunCrawl(
    Slot& slot) {
  const storage::LeasedJob& lease = *slot.lease;
  nlohmann::json fields = JobFields(lease);
  fields["content_filter"] = lease.content_filter;
  common::LogInfo(kComponent, "crawl start", fields);
  fields.erase("content_filter");

  const auto started = std::chrono::steady_clock::now();
  auto elapsed_us = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now() - started)
        .count();
  };
  auto finished = [&](std::string_view outcome) {
    metrics::RefreshMetrics::Get().JobFinished(
        outcome, static_cast<double>(elapsed_us()) / 1e6);
  };
  discovery::CrawlResult crawl;
  absl::Status status = slot.source->Crawl(
      lease.content_filter,
      [&](const discovery::CrawlStats&) { return KeepAlive(slot); }, &crawl);
  storage::RefreshCounts counts = CountsFromCrawl(crawl.stats, elapsed_us());
  fields.update({{"pages", counts.pages},
                 {"items_seen", counts.items_seen},
                 {"items_skipped", crawl.stats.skipped},
                 {"results_distinct", crawl.stats.distinct},
                 {"results_repeated", crawl.stats.repeated},
                 {"kept_bytes", crawl.stats.kept_bytes},
                 {"response_bytes", crawl.stats.bytes},
                 {"discovery_count", crawl.stats.reported_count},
                 {"discovery_requests", counts.discovery_requests},
                 {"discovery_retries", counts.discovery_retries},
                 {"token_requests", crawl.stats.token_requests}});

  const discovery::CrawlStats& s = crawl.stats;
  // Every result counts, excluded and unstorable ones too: discovery
  // counted them.
  const domain::CrawlFigures figures{.reported_count = s.reported_count,
                                     .last_count = s.last_count,
                                     .count_changed_page = s.count_changed_page,
                                     .results = s.results,
                                     .distinct = s.distinct,
                                     .repeated = s.repeated,
                                     .first_repeat = s.first_repeat};
  if (status.ok()) status = domain::CheckCrawlComplete(figures);
  domain::GuardrailPolicy guardrail = config_.policy.guardrail;
  guardrail.unproven = domain::WhyCompletenessUnproven(figures);
  if (!guardrail.unproven.empty()) fields["unproven"] = guardrail.unproven;
  if (status.ok()) {
    std::vector<std::string> reasons;
    counts.items_excluded = domain::RemoveExcluded(config_.policy.inclusion,
                                                   &crawl.records, &reasons);
    fields["items_excluded"] = counts.items_excluded;
    if (!reasons.empty()) fields["excluded_examples"] = reasons;
    metrics::ContentMetrics::Get().ItemsExcluded(counts.items_excluded);
  }
  if (status.ok()) status = KeepAlive(slot);
  if (status.ok()) {
    auto done = queue_->CompleteWithCrawl(lease, crawl.records, counts,
                                          guardrail, clock_());
    if (done.ok()) {
      const storage::RefreshCounts& c = done->counts;
      fields.update({{"state", std::string(storage::JobStateName(done->state))},
                     {"members_before", c.members_before},
                     {"members_after", c.members_after},
                     {"added", c.members_added},
                     {"removed", c.members_removed},
                     {"inserted", c.content_inserted},
                     {"changed", c.content_updated},
                     {"unchanged", c.content_unchanged},
                     {"duration_ms", elapsed_us() / 1000}});
      if (done->state == storage::JobState::kHeld) {
        finished("held");
        metrics::RefreshMetrics::Get().GuardrailHold();
        fields["held_reason"] = done->last_error;
        common::LogWarn(kComponent, "crawl end: change held by guardrail",
                        fields);
      } else {
        finished("succeeded");
        metrics::RefreshMetrics::Get().ItemsApplied(
            c.members_added, c.members_removed, c.content_updated,
            c.content_unchanged);
        common::LogInfo(kComponent, "crawl end", fields);
      }
      return std::optional<storage::RefreshJobRow>(std::move(*done));
    }
    status = done.status();
  }
  return EndFailedAttempt(slot, status, counts, std::move(fields),
                          elapsed_us() / 1000);
}

absl::StatusOr<storage::ScheduleResult> RefreshWorker::ScheduleOnce() {
  const int64_t now = clock_();
  const domain::ScheduleBounds bounds =
      domain::ScheduleBoundsAt(config_.policy, now);
  auto result =
      queue_->Schedule(bounds.stale_before, bounds.cooldown_before,
                       bounds.prune_before, config_.policy.max_attempts, now);
  if (result.ok() &&
      (result->jobs_created > 0 || result->jobs_expired_failed > 0 ||
       result->jobs_pruned > 0)) {
    common::LogInfo(kComponent, "scheduler pass",
                    {{"jobs_queued", result->jobs_created},
                     {"jobs_failed_lease_expired", result->jobs_expired_failed},
                     {"jobs_pruned", result->jobs_pruned}});
  }
  return result;
}

void RefreshWorker::CrawlLoop(Slot* slot) {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::StatusOr<std::optional<storage::RefreshJobRow>> ran;
    try {
      ran = RunOne(*slot);
    } catch (const std::exception& e) {
      // Leasing or failing the attempt threw: the job's lease expires and
      // another attempt takes it over.
      ran =
          absl::InternalError(absl::StrCat("unexpected exception: ", e.what()));
    }
    if (!ran.ok()) {
      common::LogWarn(kComponent, "refresh queue unavailable",
                      {{"error", std::string(ran.status().message())}});
    }
    // Straight on to the next job while there are jobs.
    if (ran.ok() && ran->has_value()) continue;
    if (WaitForStop(config_.poll_interval)) return;
  }
}

void RefreshWorker::ScheduleLoop() {
  std::mt19937_64 rng{std::random_device{}()};
  while (true) {
    auto result = ScheduleOnce();
    if (!result.ok()) {
      common::LogWarn(kComponent, "scheduler pass failed",
                      {{"error", std::string(result.status().message())}});
    }
    // Jitter keeps several worker processes from scheduling in lockstep.
    std::uniform_int_distribution<int64_t> jitter(
        0, config_.schedule_interval.count() / 5);
    if (WaitForStop(config_.schedule_interval +
                    std::chrono::milliseconds(jitter(rng)))) {
      return;
    }
  }
}

void RefreshWorker::Start() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  for (int i = 0; i < config_.threads; ++i) SlotFor(i);
  for (int i = 0; i < config_.threads; ++i) {
    threads_.emplace_back([this, i] { CrawlLoop(slots_[i].get()); });
  }
  if (config_.scheduler) threads_.emplace_back([this] { ScheduleLoop(); });
  metrics::RefreshMetrics::Get().SetRefreshThreads(config_.threads);
  common::LogInfo(
      kComponent, "workers started",
      {{"owner", config_.owner},
       {"threads", config_.threads},
       {"scheduler", config_.scheduler},
       {"max_age_s",
        std::chrono::duration_cast<std::chrono::seconds>(config_.policy.max_age)
            .count()}});
}

void RefreshWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
  if (!threads_.empty()) metrics::RefreshMetrics::Get().SetRefreshThreads(0);
  if (!threads_.empty()) common::LogInfo(kComponent, "workers stopped", {});
  threads_.clear();
}

}  // namespace ec::workers
