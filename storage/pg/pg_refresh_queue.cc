#include "storage/pg/pg_refresh_queue.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "storage/pg/content_writer.h"
#include "storage/pg/job_rows.h"
#include "storage/pg/pg_util.h"
#include "storage/pg/table_stats.h"

namespace ec::storage::pg {

namespace {

// enqueue_for_catalog.sql; nullopt when it queued nothing (no such catalog,
// or `answered_since` is set and the latest crawl answers the request).
std::optional<EnqueueResult> Enqueue(pqxx::connection& conn,
                                     std::string_view catalog_uuid,
                                     JobReason reason,
                                     std::optional<int64_t> approved,
                                     int max_attempts, Micros now,
                                     std::optional<Micros> answered_since) {
  pqxx::nontransaction tx(conn);
  const pqxx::result r = tx.exec_prepared(
      "enqueue_for_catalog", common::NewUuidV4(), std::string(catalog_uuid),
      std::string(JobReasonName(reason)), approved, max_attempts, now,
      answered_since);
  if (r.empty()) return std::nullopt;
  return EnqueueResult{JobFromRow(r[0]), r[0][kJobColumnCount].as<bool>()};
}

absl::Status CatalogNotFound(std::string_view catalog_uuid) {
  return absl::NotFoundError(
      absl::StrCat("catalog ", std::string(catalog_uuid), " not found"));
}

}  // namespace

absl::StatusOr<EnqueueResult> PgRefreshQueue::EnqueueForCatalog(
    std::string_view catalog_uuid, JobReason reason,
    std::optional<RemovalApproval> approval, int max_attempts, Micros now) {
  const std::optional<int64_t> approved =
      approval ? std::optional<int64_t>(approval->removals) : std::nullopt;
  return pool_->WithConnection(
      "queueing refresh job", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<EnqueueResult> {
        std::optional<EnqueueResult> queued =
            Enqueue(conn, catalog_uuid, reason, approved, max_attempts, now,
                    std::nullopt);
        if (!queued) return CatalogNotFound(catalog_uuid);
        return *std::move(queued);
      });
}

absl::StatusOr<EnqueueResult> PgRefreshQueue::RequestRefresh(
    std::string_view catalog_uuid, Micros answered_since, int max_attempts,
    Micros now) {
  absl::StatusOr<std::optional<EnqueueResult>> queued = pool_->WithConnection(
      "queueing refresh job", Idempotent::kNo,
      [&](pqxx::connection& conn)
          -> absl::StatusOr<std::optional<EnqueueResult>> {
        return Enqueue(conn, catalog_uuid, JobReason::kRequested, std::nullopt,
                       max_attempts, now, answered_since);
      });
  if (!queued.ok()) return queued.status();
  if (queued->has_value()) return **std::move(queued);
  // Nothing queued: an unknown catalog, or a recent crawl that answers.
  absl::StatusOr<QueryRefreshState> state = RefreshStateOf(catalog_uuid);
  if (!state.ok()) return state.status();
  if (state->latest_job_uuid.empty()) return CatalogNotFound(catalog_uuid);
  absl::StatusOr<RefreshJobRow> latest = GetJob(state->latest_job_uuid);
  if (!latest.ok()) return latest.status();
  return EnqueueResult{*std::move(latest), false};
}

absl::StatusOr<QueryRefreshState> PgRefreshQueue::RefreshStateOf(
    std::string_view catalog_uuid) {
  return pool_->WithConnection(
      "reading held refresh", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<QueryRefreshState> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r =
            tx.exec_prepared("refresh_state_of", std::string(catalog_uuid));
        if (r.empty()) return CatalogNotFound(catalog_uuid);
        QueryRefreshState target;
        if (!r[0][0].is_null()) {
          target.active_job_uuid = r[0][0].c_str();
          target.active_state = StateFromName(r[0][1].c_str());
        }
        if (!r[0][2].is_null()) {
          target.latest_job_uuid = r[0][2].c_str();
          target.latest_state = StateFromName(r[0][3].c_str());
          target.latest_finished =
              r[0][4].is_null() ? 0 : r[0][4].as<int64_t>();
          if (target.latest_state == JobState::kHeld && !r[0][5].is_null()) {
            target.held =
                RemovalApproval{r[0][5].as<int64_t>(), target.latest_job_uuid};
          }
        }
        auto enterprises = ParseJsonTextArray(r[0][6].c_str());
        if (!enterprises.ok()) return enterprises.status();
        target.enterprise_uuids = std::move(*enterprises);
        return target;
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
        // Dead last attempts first: no lease may take them over, and the
        // scheduler may be off everywhere, so every worker's poll ends them.
        tx.exec_prepared("expire_last_attempts", now);
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
  std::optional<ReplaceResult> written;
  auto finished = pool_->WithConnection(
      "applying crawl", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<RefreshJobRow> {
        pqxx::work tx(conn);
        // Job first, then query: the only lock order used on these rows
        // (lock_leased_job.sql).
        const pqxx::result job = tx.exec_prepared(
            "lock_leased_job", lease.job.id, lease.lease_token);
        if (job.empty()) return LeaseLost(lease);
        if (job[0][1].is_null()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "refresh job ", lease.job.uuid,
              " is the full-metadata pass, not a crawl of a query"));
        }
        const std::optional<int64_t> approved =
            job[0][0].is_null()
                ? std::nullopt
                : std::optional<int64_t>(job[0][0].as<int64_t>());
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
            guardrail, counts.members_before, would_remove, approved);
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
          written = applied;
          // Changed courses and programs want their full documents.
          tx.exec_prepared("queue_full_if_wanted",
                           std::string(JobReasonName(JobReason::kCrawled)),
                           lease.job.max_attempts, now);
        }
        const pqxx::result done = ExecWithCounts(
            tx, "finish_job", counts, lease.job.id, state, now, note);
        tx.commit();
        return JobFromRow(done[0]);
      });
  if (finished.ok() && written.has_value()) {
    AnalyzeAfterWrite(*pool_, *written, "crawl");
  }
  return finished;
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
        out.full_job_queued =
            tx.exec_prepared("schedule_full", stale_before, cooldown_before,
                             now, max_attempts)
                .affected_rows() > 0;
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
        out.full_in_use = r[3].as<int64_t>();
        out.full_never_fetched = r[4].as<int64_t>();
        if (!r[5].is_null()) out.oldest_full_fetch = r[5].as<Micros>();
        return out;
      });
}

absl::StatusOr<ContentChangeNotice> PgRefreshQueue::NotifyContentChanged(
    const std::vector<std::string>& content_keys, int max_attempts,
    Micros now) {
  const std::string asked = ToPgTextArray(content_keys);
  return pool_->WithConnection(
      "recording content change", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<ContentChangeNotice> {
        pqxx::work tx(conn);
        ContentChangeNotice out;
        std::vector<std::string> targets;
        for (const auto& row :
             tx.exec_prepared("resolve_changed_content", asked)) {
          if (row[1].is_null()) {
            out.unknown_keys.push_back(row[0].as<std::string>());
          } else {
            targets.push_back(row[1].as<std::string>());
          }
        }
        if (!targets.empty()) {
          // The job before the content rows: the order the full pass locks
          // them in.
          const pqxx::result job = tx.exec_prepared(
              "enqueue_full", common::NewUuidV4(),
              std::string(JobReasonName(JobReason::kPublished)), max_attempts,
              now);
          for (const auto& row :
               tx.exec_prepared("flag_full_wanted", ToPgTextArray(targets))) {
            out.queued_keys.push_back(row[0].as<std::string>());
          }
          if (!out.queued_keys.empty()) out.full_job = JobFromRow(job[0]);
        }
        std::vector<std::string> members = content_keys;
        members.insert(members.end(), targets.begin(), targets.end());
        out.crawls_queued = static_cast<int64_t>(
            tx.exec_prepared("enqueue_crawls_containing",
                             ToPgTextArray(members), max_attempts, now)
                .affected_rows());
        if (out.queued_keys.empty() && out.crawls_queued == 0) {
          // Nothing to fetch: do not leave a job queued for nothing.
          tx.abort();
          ContentChangeNotice none;
          none.unknown_keys = std::move(out.unknown_keys);
          return none;
        }
        tx.commit();
        std::sort(out.queued_keys.begin(), out.queued_keys.end());
        std::sort(out.unknown_keys.begin(), out.unknown_keys.end());
        return out;
      });
}

}  // namespace ec::storage::pg
