#include "storage/pg/pg_refresh_queue.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "storage/pg/content_writer.h"
#include "storage/pg/pg_util.h"

namespace ec::storage::pg {
namespace {

// Columns a statement returns after the job's own (JobFromRow) start here.
constexpr int kJobColumnCount = 27;

JobState StateFromName(std::string_view name) {
  if (name == "queued") return JobState::kQueued;
  if (name == "running") return JobState::kRunning;
  if (name == "succeeded") return JobState::kSucceeded;
  if (name == "held") return JobState::kHeld;
  return JobState::kFailed;
}

JobReason ReasonFromName(std::string_view name) {
  if (name == "created") return JobReason::kCreated;
  if (name == "updated") return JobReason::kUpdated;
  if (name == "scheduled") return JobReason::kScheduled;
  return JobReason::kRequested;
}

// The job columns of get_job.sql, which every job statement returns first.
RefreshJobRow JobFromRow(const pqxx::row& r) {
  RefreshJobRow j;
  j.id = r[0].as<int64_t>();
  j.uuid = r[1].as<std::string>();
  j.catalog_query_id = r[2].as<int64_t>();
  j.catalog_query_uuid = r[3].as<std::string>();
  j.state = StateFromName(r[4].c_str());
  j.reason = ReasonFromName(r[5].c_str());
  j.force = r[6].as<bool>();
  j.attempts = r[7].as<int>();
  j.max_attempts = r[8].as<int>();
  j.created = r[9].as<Micros>();
  j.run_after = r[10].as<Micros>();
  if (!r[11].is_null()) j.started = r[11].as<Micros>();
  if (!r[12].is_null()) j.finished = r[12].as<Micros>();
  j.lease_owner = r[13].as<std::string>();
  j.last_error = r[14].as<std::string>();
  RefreshCounts& c = j.counts;
  int64_t* fields[] = {
      &c.pages,           &c.discovery_requests, &c.discovery_retries,
      &c.items_seen,      &c.members_before,     &c.members_after,
      &c.members_added,   &c.members_removed,    &c.content_inserted,
      &c.content_updated, &c.content_unchanged,  &c.duration_ms};
  for (int i = 0; i < 12; ++i) *fields[i] = r[15 + i].as<int64_t>();
  return j;
}

absl::Status LeaseLost(const LeasedJob& lease) {
  return absl::AbortedError(
      absl::StrCat("lease on refresh job ", lease.job.uuid,
                   " was lost (expired and taken by another worker, or the "
                   "job was deleted)"));
}

// Binds the twelve figures after `args`: the statements that record them
// (fail_attempt.sql, finish_job.sql) take them last, in refresh_job's order.
template <typename... Args>
pqxx::result ExecWithCounts(pqxx::transaction_base& tx, const char* statement,
                            const RefreshCounts& c, Args&&... args) {
  return tx.exec_prepared(
      statement, std::forward<Args>(args)..., c.pages, c.discovery_requests,
      c.discovery_retries, c.items_seen, c.members_before, c.members_after,
      c.members_added, c.members_removed, c.content_inserted, c.content_updated,
      c.content_unchanged, c.duration_ms);
}

}  // namespace

absl::StatusOr<EnqueueResult> PgRefreshQueue::EnqueueForCatalog(
    std::string_view catalog_uuid, JobReason reason, bool force,
    int max_attempts, Micros now) {
  return pool_->WithConnection(
      "queueing refresh job", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<EnqueueResult> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r = tx.exec_prepared(
            "enqueue_for_catalog", common::NewUuidV4(),
            std::string(catalog_uuid), std::string(JobReasonName(reason)),
            force, max_attempts, now);
        if (r.empty()) {
          return absl::NotFoundError(absl::StrCat(
              "catalog ", std::string(catalog_uuid), " not found"));
        }
        return EnqueueResult{JobFromRow(r[0]),
                             r[0][kJobColumnCount].as<bool>()};
      });
}

absl::StatusOr<RefreshJobRow> PgRefreshQueue::GetJob(
    std::string_view job_uuid) {
  return pool_->WithConnection(
      "reading refresh job", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<RefreshJobRow> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r =
            tx.exec_prepared("get_job", std::string(job_uuid));
        if (r.empty()) {
          return absl::NotFoundError(absl::StrCat(
              "refresh job ", std::string(job_uuid), " not found"));
        }
        RefreshJobRow job = JobFromRow(r[0]);
        auto enterprises = ParseJsonTextArray(r[0][kJobColumnCount].c_str());
        if (!enterprises.ok()) return enterprises.status();
        job.enterprise_uuids = std::move(*enterprises);
        return job;
      });
}

absl::StatusOr<std::optional<LeasedJob>> PgRefreshQueue::Lease(
    std::string_view owner, Micros lease_duration, Micros now) {
  return pool_->WithConnection(
      "leasing refresh job", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<std::optional<LeasedJob>> {
        pqxx::nontransaction tx(conn);
        const std::string token = common::NewUuidV4();
        const pqxx::result r = tx.exec_prepared(
            "lease_job", token, std::string(owner), now, now + lease_duration);
        if (r.empty()) return std::optional<LeasedJob>();
        LeasedJob lease;
        lease.job = JobFromRow(r[0]);
        lease.lease_token = token;
        lease.lease_expires = now + lease_duration;
        lease.content_filter = r[0][kJobColumnCount].as<std::string>();
        lease.took_over_expired_lease =
            std::string_view(r[0][kJobColumnCount + 1].c_str()) == "running";
        lease.previous_owner = r[0][kJobColumnCount + 2].as<std::string>();
        return std::optional<LeasedJob>(std::move(lease));
      });
}

absl::Status PgRefreshQueue::Heartbeat(const LeasedJob& lease,
                                       Micros new_expiry) {
  return pool_->WithConnection(
      "extending lease", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::Status {
        pqxx::nontransaction tx(conn);
        if (tx.exec_prepared("heartbeat_job", lease.job.id, lease.lease_token,
                             new_expiry)
                .affected_rows() == 0) {
          return LeaseLost(lease);
        }
        return absl::OkStatus();
      });
}

absl::Status PgRefreshQueue::Release(const LeasedJob& lease, Micros now) {
  return pool_->WithConnection(
      "releasing lease", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::Status {
        pqxx::nontransaction tx(conn);
        if (tx.exec_prepared("release_job", lease.job.id, lease.lease_token,
                             now)
                .affected_rows() == 0) {
          return LeaseLost(lease);
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<RefreshJobRow> PgRefreshQueue::FailAttempt(
    const LeasedJob& lease, std::string_view error, const RefreshCounts& counts,
    Micros retry_at, Micros now) {
  return pool_->WithConnection(
      "recording failed attempt", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<RefreshJobRow> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r = ExecWithCounts(
            tx, "fail_attempt", counts, lease.job.id, lease.lease_token,
            std::string(error), retry_at, now);
        if (r.empty()) return LeaseLost(lease);
        return JobFromRow(r[0]);
      });
}

absl::StatusOr<RefreshJobRow> PgRefreshQueue::CompleteWithCrawl(
    const LeasedJob& lease, const std::vector<domain::ContentRecord>& records,
    const RefreshCounts& crawl_counts, const domain::GuardrailPolicy& guardrail,
    Micros now) {
  const ContentWriter writer(records);
  return pool_->WithConnection(
      "applying crawl", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<RefreshJobRow> {
        pqxx::work tx(conn);
        // Job first, then query: the only lock order used on these rows
        // (lock_leased_job.sql).
        const pqxx::result job = tx.exec_prepared(
            "lock_leased_job", lease.job.id, lease.lease_token);
        if (job.empty()) return LeaseLost(lease);
        const bool force = job[0][0].as<bool>();
        const int64_t query_id = job[0][1].as<int64_t>();
        const pqxx::result query =
            tx.exec_prepared("lock_query_count", query_id);
        if (query.empty()) {
          return absl::NotFoundError(
              absl::StrCat("catalog query ", query_id, " was deleted"));
        }
        RefreshCounts counts = crawl_counts;
        counts.members_before = query[0][0].as<int64_t>();
        const int64_t would_remove = writer.CountRemoved(tx, query_id);
        const int64_t new_members = writer.member_count();
        const domain::GuardrailDecision guard = domain::DecideGuardrail(
            guardrail, counts.members_before, would_remove, force);
        std::string state = "succeeded";
        std::string note;
        if (guard.held) {
          state = "held";
          counts.members_after = counts.members_before;
          counts.members_removed = would_remove;
          counts.members_added =
              new_members - (counts.members_before - would_remove);
          note = guard.note;
        } else {
          const ReplaceResult applied = writer.Write(tx, query_id, now);
          counts.members_after = applied.members;
          counts.members_added = applied.members_added;
          counts.members_removed = applied.members_removed;
          counts.content_inserted = applied.content_inserted;
          counts.content_updated = applied.content_updated;
          counts.content_unchanged = applied.content_unchanged;
        }
        const pqxx::result done = ExecWithCounts(
            tx, "finish_job", counts, lease.job.id, state, now, note);
        tx.commit();
        return JobFromRow(done[0]);
      });
}

absl::StatusOr<ScheduleResult> PgRefreshQueue::Schedule(Micros stale_before,
                                                        Micros cooldown_before,
                                                        Micros prune_before,
                                                        int max_attempts,
                                                        Micros now) {
  return pool_->WithConnection(
      "scheduling refreshes", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<ScheduleResult> {
        pqxx::nontransaction tx(conn);
        ScheduleResult out;
        out.jobs_expired_failed = static_cast<int64_t>(
            tx.exec_prepared("expire_last_attempts", now).affected_rows());
        out.jobs_created = static_cast<int64_t>(
            tx.exec_prepared("schedule_stale", stale_before, cooldown_before,
                             now, max_attempts)
                .affected_rows());
        out.jobs_pruned = static_cast<int64_t>(
            tx.exec_prepared("prune_jobs", prune_before).affected_rows());
        return out;
      });
}

absl::StatusOr<Freshness> PgRefreshQueue::GetFreshness() {
  return pool_->WithConnection(
      "reading freshness", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<Freshness> {
        pqxx::nontransaction tx(conn);
        const pqxx::row r = tx.exec_prepared1("freshness");
        Freshness out;
        out.queries_in_use = r[0].as<int64_t>();
        out.never_refreshed = r[1].as<int64_t>();
        if (!r[2].is_null()) out.oldest_refreshed = r[2].as<Micros>();
        return out;
      });
}

}  // namespace ec::storage::pg
