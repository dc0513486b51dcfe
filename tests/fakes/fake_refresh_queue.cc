#include "tests/fakes/fake_refresh_queue.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/uuid.h"

namespace ec::fakes {
namespace {

using storage::JobState;

bool Active(const storage::RefreshJobRow& job) {
  return job.state == JobState::kQueued || job.state == JobState::kRunning;
}

absl::Status LeaseLost(const storage::LeasedJob& lease) {
  return absl::AbortedError(
      absl::StrCat("lease on refresh job ", lease.job.uuid,
                   " was lost (expired and taken by another worker, or the "
                   "job was deleted)"));
}

void ClearLease(storage::RefreshJobRow& row) { row.lease_owner.clear(); }

}  // namespace

void FakeRefreshQueue::FailEveryCall(absl::Status status) {
  absl::MutexLock lock(&mu_);
  injected_ = std::move(status);
}

storage::RefreshJobRow FakeRefreshQueue::Read(const Job& job) const {
  return job.row;
}

FakeRefreshQueue::Job& FakeRefreshQueue::AddJob(
    storage::JobKind kind, int64_t query_id, std::string query_uuid,
    storage::JobReason reason, int max_attempts, storage::Micros now) {
  Job job;
  job.row.id = next_id_++;
  job.row.uuid = common::NewUuidV4();
  job.row.kind = kind;
  job.row.catalog_query_id = query_id;
  job.row.catalog_query_uuid = std::move(query_uuid);
  job.row.state = JobState::kQueued;
  job.row.reason = reason;
  job.row.max_attempts = max_attempts;
  job.row.created = job.row.run_after = now;
  const int64_t id = job.row.id;
  return jobs_.emplace(id, std::move(job)).first->second;
}

FakeRefreshQueue::Job* FakeRefreshQueue::ActiveJob(storage::JobKind kind,
                                                   int64_t query_id) {
  for (auto& [id, job] : jobs_) {
    if (job.row.kind == kind && job.row.catalog_query_id == query_id &&
        Active(job.row)) {
      return &job;
    }
  }
  return nullptr;
}

FakeRefreshQueue::Job* FakeRefreshQueue::Held(const storage::LeasedJob& lease) {
  const auto it = jobs_.find(lease.job.id);
  if (it == jobs_.end() || it->second.token != lease.lease_token ||
      it->second.row.state != JobState::kRunning) {
    return nullptr;
  }
  return &it->second;
}

absl::StatusOr<storage::EnqueueResult> FakeRefreshQueue::EnqueueForCatalog(
    std::string_view catalog_uuid, storage::JobReason reason,
    std::optional<storage::RemovalApproval> approval, int max_attempts,
    storage::Micros now) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  auto query_id = store_->QueryIdOf(catalog_uuid);
  if (!query_id.ok()) return query_id.status();
  if (Job* job = ActiveJob(storage::JobKind::kCrawl, *query_id)) {
    // A request joins the active job; an explicit request also pulls a
    // backed-off retry forward, since someone is waiting for it.
    if (approval && job->row.state == JobState::kQueued) {
      job->row.force = true;
      job->approved_removals = approval->removals;
    }
    if (job->row.state == JobState::kQueued &&
        reason == storage::JobReason::kRequested) {
      job->row.run_after = std::min(job->row.run_after, now);
    }
    return storage::EnqueueResult{Read(*job), false};
  }
  Job& job = AddJob(storage::JobKind::kCrawl, *query_id,
                    store_->Query(*query_id)->uuid, reason, max_attempts, now);
  job.row.force = approval.has_value();
  if (approval) job.approved_removals = approval->removals;
  return storage::EnqueueResult{Read(job), true};
}

absl::StatusOr<storage::EnqueueResult> FakeRefreshQueue::RequestRefresh(
    std::string_view catalog_uuid, storage::Micros answered_since,
    int max_attempts, storage::Micros now) {
  absl::StatusOr<storage::QueryRefreshState> state =
      RefreshStateOf(catalog_uuid);
  if (!state.ok()) return state.status();
  // Two steps here: the fake's tests do not race a finishing crawl.
  if (state->active_job_uuid.empty() &&
      state->latest_state == JobState::kSucceeded &&
      !state->latest_job_uuid.empty() &&
      state->latest_finished >= answered_since) {
    absl::StatusOr<storage::RefreshJobRow> latest =
        GetJob(state->latest_job_uuid);
    if (!latest.ok()) return latest.status();
    return storage::EnqueueResult{*std::move(latest), false};
  }
  return EnqueueForCatalog(catalog_uuid, storage::JobReason::kRequested,
                           std::nullopt, max_attempts, now);
}

absl::StatusOr<storage::QueryRefreshState> FakeRefreshQueue::RefreshStateOf(
    std::string_view catalog_uuid) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  auto query_id = store_->QueryIdOf(catalog_uuid);
  if (!query_id.ok()) return query_id.status();
  storage::QueryRefreshState target;
  const Job* latest = nullptr;
  for (const auto& [id, job] : jobs_) {
    if (job.row.kind != storage::JobKind::kCrawl ||
        job.row.catalog_query_id != *query_id) {
      continue;
    }
    if (job.row.state == JobState::kRunning ||
        job.row.state == JobState::kQueued) {
      target.active_job_uuid = job.row.uuid;
      target.active_state = job.row.state;
    }
    if (job.row.finished &&
        (latest == nullptr || *job.row.finished >= *latest->row.finished)) {
      latest = &job;
    }
  }
  if (latest != nullptr) {
    target.latest_job_uuid = latest->row.uuid;
    target.latest_state = latest->row.state;
    target.latest_finished = *latest->row.finished;
  }
  if (latest != nullptr && latest->row.state == JobState::kHeld) {
    target.held = storage::RemovalApproval{latest->row.counts.members_removed,
                                           latest->row.uuid};
  }
  target.enterprise_uuids = store_->EnterprisesOf(*query_id);
  return target;
}

absl::StatusOr<storage::RefreshJobRow> FakeRefreshQueue::GetJob(
    std::string_view job_uuid) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  for (const auto& [id, job] : jobs_) {
    if (job.row.uuid != job_uuid) continue;
    storage::RefreshJobRow row = Read(job);
    row.enterprise_uuids = store_->EnterprisesOf(row.catalog_query_id);
    return row;
  }
  return absl::NotFoundError(
      absl::StrCat("refresh job ", std::string(job_uuid), " not found"));
}

absl::StatusOr<std::optional<storage::LeasedJob>> FakeRefreshQueue::Lease(
    std::string_view owner, storage::Micros lease_duration,
    storage::Micros now) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  Job* next = nullptr;
  for (auto& [id, job] : jobs_) {
    const bool due =
        job.row.state == JobState::kQueued && job.row.run_after <= now;
    const bool orphaned = job.row.state == JobState::kRunning &&
                          job.lease_expires < now &&
                          job.row.attempts < job.row.max_attempts;
    if (!due && !orphaned) continue;
    if (next == nullptr || std::tie(job.row.run_after, job.row.id) <
                               std::tie(next->row.run_after, next->row.id)) {
      next = &job;
    }
  }
  if (next == nullptr) return std::optional<storage::LeasedJob>();
  storage::LeasedJob lease;
  lease.took_over_expired_lease = next->row.state == JobState::kRunning;
  lease.previous_owner = next->row.lease_owner;
  next->row.state = JobState::kRunning;
  next->row.attempts += 1;
  next->row.started = now;
  next->row.lease_owner = std::string(owner);
  next->token = common::NewUuidV4();
  next->lease_expires = now + lease_duration;
  lease.job = Read(*next);
  lease.lease_token = next->token;
  lease.lease_expires = next->lease_expires;
  auto query = store_->Query(next->row.catalog_query_id);
  if (query.ok()) lease.content_filter = query->content_filter;
  return std::optional<storage::LeasedJob>(std::move(lease));
}

absl::Status FakeRefreshQueue::Heartbeat(const storage::LeasedJob& lease,
                                         storage::Micros new_expiry) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  Job* job = Held(lease);
  if (job == nullptr) return LeaseLost(lease);
  job->lease_expires = new_expiry;
  return absl::OkStatus();
}

absl::Status FakeRefreshQueue::Release(const storage::LeasedJob& lease,
                                       storage::Micros now) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  Job* job = Held(lease);
  if (job == nullptr) return LeaseLost(lease);
  job->row.state = JobState::kQueued;
  job->row.attempts = std::max(job->row.attempts - 1, 0);
  job->row.run_after = now;
  job->token.clear();
  ClearLease(job->row);
  return absl::OkStatus();
}

absl::StatusOr<storage::RefreshJobRow> FakeRefreshQueue::FailAttempt(
    const storage::LeasedJob& lease, std::string_view error,
    const storage::RefreshCounts& counts, storage::Micros retry_at,
    storage::Micros now) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  Job* job = Held(lease);
  if (job == nullptr) return LeaseLost(lease);
  const bool last = job->row.attempts >= job->row.max_attempts;
  job->row.state = last ? JobState::kFailed : JobState::kQueued;
  job->row.finished = last ? std::optional<storage::Micros>(now) : std::nullopt;
  job->row.run_after = retry_at;
  job->row.last_error = std::string(error);
  job->row.counts = counts;
  job->token.clear();
  ClearLease(job->row);
  return Read(*job);
}

absl::StatusOr<storage::RefreshJobRow> FakeRefreshQueue::CompleteWithCrawl(
    const storage::LeasedJob& lease,
    const std::vector<domain::ContentRecord>& records,
    const storage::RefreshCounts& crawl_counts,
    const domain::GuardrailPolicy& guardrail, storage::Micros now) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  Job* job = Held(lease);
  if (job == nullptr) return LeaseLost(lease);
  const int64_t query_id = job->row.catalog_query_id;
  auto query = store_->Query(query_id);
  if (!query.ok()) {
    return absl::NotFoundError(
        absl::StrCat("catalog query ", query_id, " was deleted"));
  }
  storage::RefreshCounts counts = crawl_counts;
  counts.members_before = query->refreshed ? query->members : 0;
  const int64_t would_remove = store_->WouldRemove(query_id, records);
  const domain::GuardrailDecision guard = domain::DecideGuardrail(
      guardrail, counts.members_before, would_remove, job->approved_removals);
  if (guard.held) {
    const domain::UniqueContent unique(records);
    counts.members_after = counts.members_before;
    counts.members_removed = would_remove;
    counts.members_added = static_cast<int64_t>(unique.members.size()) -
                           (counts.members_before - would_remove);
  } else {
    const storage::ReplaceResult applied =
        store_->Apply(query_id, records, now);
    counts.members_after = applied.members;
    counts.members_added = applied.members_added;
    counts.members_removed = applied.members_removed;
    counts.content_inserted = applied.content_inserted;
    counts.content_updated = applied.content_updated;
    counts.content_unchanged = applied.content_unchanged;
  }
  job->row.state = guard.held ? JobState::kHeld : JobState::kSucceeded;
  job->row.finished = now;
  job->row.last_error = guard.note;
  job->row.counts = counts;
  job->token.clear();
  ClearLease(job->row);
  return Read(*job);
}

absl::StatusOr<storage::ScheduleResult> FakeRefreshQueue::Schedule(
    storage::Micros stale_before, storage::Micros cooldown_before,
    storage::Micros prune_before, int max_attempts, storage::Micros now) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  storage::ScheduleResult out;
  for (auto& [id, job] : jobs_) {
    if (job.row.state == JobState::kRunning && job.lease_expires < now &&
        job.row.attempts >= job.row.max_attempts) {
      job.row.state = JobState::kFailed;
      job.row.finished = now;
      job.row.last_error = absl::StrCat(
          "the lease of ", job.row.lease_owner,
          " expired during the last allowed attempt (", job.row.attempts,
          " of ", job.row.max_attempts, "); the worker stopped or died");
      job.token.clear();
      ClearLease(job.row);
      ++out.jobs_expired_failed;
    }
  }
  for (const int64_t query_id : store_->QueryIds()) {
    auto query = store_->Query(query_id);
    if (!query.ok() || !query->in_use) continue;
    if (query->refreshed && *query->refreshed >= stale_before) continue;
    bool blocked = false;
    for (const auto& [id, job] : jobs_) {
      if (job.row.kind != storage::JobKind::kCrawl ||
          job.row.catalog_query_id != query_id) {
        continue;
      }
      const bool cooling = (job.row.state == JobState::kFailed ||
                            job.row.state == JobState::kHeld) &&
                           job.row.finished &&
                           *job.row.finished >= cooldown_before;
      if (Active(job.row) || cooling) blocked = true;
    }
    if (blocked) continue;
    AddJob(storage::JobKind::kCrawl, query_id, query->uuid,
           storage::JobReason::kScheduled, max_attempts, now);
    ++out.jobs_created;
  }
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    const auto& row = it->second.row;
    if (!Active(row) && row.finished && *row.finished < prune_before) {
      it = jobs_.erase(it);
      ++out.jobs_pruned;
    } else {
      ++it;
    }
  }
  return out;
}

absl::StatusOr<storage::Freshness> FakeRefreshQueue::GetFreshness() {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  storage::Freshness out;
  for (const int64_t query_id : store_->QueryIds()) {
    auto query = store_->Query(query_id);
    if (!query.ok() || !query->in_use) continue;
    ++out.queries_in_use;
    if (!query->refreshed) {
      ++out.never_refreshed;
    } else if (!out.oldest_refreshed ||
               *query->refreshed < *out.oldest_refreshed) {
      out.oldest_refreshed = query->refreshed;
    }
  }
  return out;
}

absl::StatusOr<storage::ContentChangeNotice>
FakeRefreshQueue::NotifyContentChanged(
    const std::vector<std::string>& content_keys, int max_attempts,
    storage::Micros now) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  FakeCatalogStore::PublishTargets targets =
      store_->PublishTargetsOf(content_keys);
  storage::ContentChangeNotice notice;
  notice.queued_keys.assign(targets.full_keys.begin(), targets.full_keys.end());
  notice.unknown_keys = std::move(targets.unknown_keys);
  for (const int64_t query_id : targets.in_use_queries) {
    // Joined like an explicit request: someone is waiting for the content.
    if (Job* job = ActiveJob(storage::JobKind::kCrawl, query_id)) {
      if (job->row.state == JobState::kQueued) {
        job->row.run_after = std::min(job->row.run_after, now);
      }
    } else {
      AddJob(storage::JobKind::kCrawl, query_id, store_->Query(query_id)->uuid,
             storage::JobReason::kPublished, max_attempts, now);
    }
    ++notice.crawls_queued;
  }
  if (notice.queued_keys.empty()) return notice;
  flagged_.insert(targets.full_keys.begin(), targets.full_keys.end());
  Job* full = ActiveJob(storage::JobKind::kFull, 0);
  if (full == nullptr) {
    full = &AddJob(storage::JobKind::kFull, 0, "",
                   storage::JobReason::kPublished, max_attempts, now);
  } else if (full->row.state == JobState::kQueued) {
    full->row.run_after = std::min(full->row.run_after, now);
  }
  notice.full_job = Read(*full);
  return notice;
}

std::vector<std::string> FakeRefreshQueue::FlaggedForFullFetch() const {
  absl::MutexLock lock(&mu_);
  return {flagged_.begin(), flagged_.end()};
}

std::vector<storage::RefreshJobRow> FakeRefreshQueue::Jobs() const {
  absl::MutexLock lock(&mu_);
  std::vector<storage::RefreshJobRow> rows;
  for (const auto& [id, job] : jobs_) rows.push_back(Read(job));
  return rows;
}

void FakeRefreshQueue::StealLease(std::string_view job_uuid) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, job] : jobs_) {
    if (job.row.uuid == job_uuid) {
      job.token = common::NewUuidV4();
      job.row.lease_owner = "thief";
    }
  }
}

}  // namespace ec::fakes
