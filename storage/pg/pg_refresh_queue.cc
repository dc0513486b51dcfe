// RefreshQueue on PostgreSQL: the refresh_job table (migration 0002).

#include <string>

#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "storage/pg/pg_catalog_store.h"
#include "storage/pg/pg_internal.h"
#include "storage/pg/pg_util.h"

namespace ec::storage::pg {
namespace {

constexpr char kJobColumns[] =
    "j.id, j.uuid::text, j.catalog_query_id, "
    "(SELECT q.uuid::text FROM catalog_query q WHERE q.id = "
    "j.catalog_query_id), "
    "j.state, j.reason, j.force, j.attempts, j.max_attempts, " EC_US(
        "j.created") ", " EC_US("j.run_after") ", " EC_US(
        "j.started") ", " EC_US("j.finished") ", "
                                              "COALESCE(j.lease_owner, ''), "
                                              "j.last_error, j.pages, "
                                              "j.discovery_requests, "
                                              "j.discovery_retries, "
                                              "j.items_seen, j.members_before, "
                                              "j.members_after, "
                                              "j.members_added, "
                                              "j.members_removed, "
                                              "j.content_inserted, "
                                              "j.content_updated, "
                                              "j.content_unchanged, "
                                              "j.duration_ms ";
constexpr int kJobColumnCount = 27;

// Assigns the twelve figures from $first on.
std::string SetCounts(int first) {
  const char* names[] = {
      "pages",           "discovery_requests", "discovery_retries",
      "items_seen",      "members_before",     "members_after",
      "members_added",   "members_removed",    "content_inserted",
      "content_updated", "content_unchanged",  "duration_ms"};
  std::string out;
  for (int i = 0; i < 12; ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", names[i], " = $", first + i,
                    "::bigint");
  }
  return out;
}

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

}  // namespace

void PrepareRefreshQueue(pqxx::connection& c) {
  const std::string cols = kJobColumns;
  // A request joins the active job; an explicit request also pulls a
  // backed-off retry forward, since someone is waiting for it.
  c.prepare("enqueue_for_catalog",
            "INSERT INTO refresh_job AS j (uuid, catalog_query_id, state, "
            "reason, force, max_attempts, created, run_after) "
            "SELECT $1::uuid, c.catalog_query_id, 'queued', $3, $4::boolean, "
            "$5::int, " EC_TS("$6") ", " EC_TS("$6") " "
            "FROM enterprise_catalog c WHERE c.uuid = $2::uuid "
            "ON CONFLICT (catalog_query_id) "
            "  WHERE state IN ('queued', 'running') "
            "DO UPDATE SET force = j.force OR EXCLUDED.force, "
            "run_after = CASE WHEN j.state = 'queued' AND EXCLUDED.reason = "
            "'requested' THEN LEAST(j.run_after, EXCLUDED.run_after) "
            "ELSE j.run_after END "
            "RETURNING " +
                cols + ", j.uuid = $1::uuid");
  c.prepare(
      "get_job",
      "SELECT " + cols +
          ", array_to_json(ARRAY(SELECT DISTINCT c.enterprise_uuid::text "
          "FROM enterprise_catalog c "
          "WHERE c.catalog_query_id = j.catalog_query_id ORDER BY 1))::text "
          "FROM refresh_job j WHERE j.uuid = $1::uuid");
  // Queued and due, or running under a lease that expired before its last
  // allowed attempt (the scheduler fails the ones at their last attempt).
  c.prepare("lease_job",
            "WITH next AS ("
            "  SELECT id, state AS prev_state, lease_owner AS prev_owner "
            "  FROM refresh_job "
            "  WHERE (state = 'queued' AND run_after <= " EC_TS("$3") ") "
            "     OR (state = 'running' AND lease_expires < " EC_TS("$3") " "
            "         AND attempts < max_attempts) "
            "  ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
            "UPDATE refresh_job j SET state = 'running', "
            "attempts = j.attempts + 1, started = " EC_TS("$3") ", "
            "lease_token = $1::uuid, lease_owner = $2, "
            "lease_expires = " EC_TS("$4") " "
            "FROM next WHERE j.id = next.id "
            "RETURNING " +
                cols +
                ", (SELECT q.content_filter FROM catalog_query q "
                "   WHERE q.id = j.catalog_query_id), "
                "next.prev_state, COALESCE(next.prev_owner, '')");
  c.prepare("heartbeat_job",
            "UPDATE refresh_job SET lease_expires = " EC_TS("$3") " "
            "WHERE id = $1 AND lease_token = $2::uuid AND state = 'running'");
  c.prepare("release_job",
            "UPDATE refresh_job SET state = 'queued', "
            "attempts = GREATEST(attempts - 1, 0), "
            "run_after = " EC_TS("$3") ", lease_token = NULL, "
            "lease_owner = NULL, lease_expires = NULL "
            "WHERE id = $1 AND lease_token = $2::uuid AND state = 'running'");
  c.prepare("fail_attempt",
            "UPDATE refresh_job j SET "
            "state = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' "
            "ELSE 'queued' END, "
            "finished = CASE WHEN j.attempts >= j.max_attempts THEN " EC_TS(
                "$5") " ELSE NULL END, "
                      "run_after = " EC_TS("$4") ", last_error = $3, "
                                                 "lease_token = NULL, "
                                                 "lease_owner = NULL, "
                                                 "lease_expires = NULL, " +
                SetCounts(6) +
                " WHERE j.id = $1 AND j.lease_token = $2::uuid "
                "AND j.state = 'running' RETURNING " +
                cols);
  c.prepare("lock_leased_job",
            "SELECT force, catalog_query_id FROM refresh_job "
            "WHERE id = $1 AND lease_token = $2::uuid AND state = 'running' "
            "FOR UPDATE");
  c.prepare("lock_query_count",
            "SELECT content_count FROM catalog_query WHERE id = $1 "
            "FOR UPDATE");
  c.prepare("count_removed",
            "SELECT count(*) FROM catalog_query_content "
            "WHERE catalog_query_id = $1 "
            "AND content_key NOT IN (SELECT unnest($2::text[]))");
  c.prepare("finish_job",
            "UPDATE refresh_job j SET state = $2, finished = " EC_TS(
                "$3") ", last_error = $4, lease_token = NULL, "
                      "lease_owner = NULL, lease_expires = NULL, " +
                SetCounts(5) + " WHERE j.id = $1 RETURNING " + cols);
  c.prepare("schedule_stale",
            "INSERT INTO refresh_job (uuid, catalog_query_id, state, reason, "
            "max_attempts, created, run_after) "
            "SELECT gen_random_uuid(), q.id, 'queued', 'scheduled', $4::int, "
            "" EC_TS("$3") ", " EC_TS("$3") " FROM catalog_query q "
            "WHERE EXISTS (SELECT 1 FROM enterprise_catalog c "
            "              WHERE c.catalog_query_id = q.id) "
            "AND (q.content_refreshed IS NULL "
            "     OR q.content_refreshed < " EC_TS("$1") ") "
            "AND NOT EXISTS (SELECT 1 FROM refresh_job j "
            "  WHERE j.catalog_query_id = q.id "
            "  AND j.state IN ('failed', 'held') "
            "  AND j.finished >= " EC_TS("$2") ") "
            "ORDER BY q.content_refreshed NULLS FIRST, q.id "
            "ON CONFLICT (catalog_query_id) "
            "  WHERE state IN ('queued', 'running') DO NOTHING");
  c.prepare("expire_last_attempts",
            "UPDATE refresh_job SET state = 'failed', "
            "finished = " EC_TS("$1") ", "
            "last_error = 'the lease of ' || COALESCE(lease_owner, '?') || "
            "' expired during the last allowed attempt (' || attempts || "
            "' of ' || max_attempts || '); the worker stopped or died', "
            "lease_token = NULL, lease_owner = NULL, lease_expires = NULL "
            "WHERE state = 'running' AND lease_expires < " EC_TS("$1") " "
            "AND attempts >= max_attempts");
  c.prepare("prune_jobs",
            "DELETE FROM refresh_job WHERE finished < " EC_TS("$1") " "
            "AND state IN ('succeeded', 'failed', 'held')");
  c.prepare("freshness",
            "SELECT count(*), count(*) FILTER (WHERE content_refreshed IS "
            "NULL), " EC_US("min(content_refreshed)") " "
            "FROM catalog_query q WHERE EXISTS (SELECT 1 FROM "
            "enterprise_catalog c WHERE c.catalog_query_id = q.id)");
}

namespace {

// Binds the twelve figures after `args`.
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

absl::StatusOr<EnqueueResult> PgCatalogStore::EnqueueForCatalog(
    std::string_view catalog_uuid, JobReason reason, bool force,
    int max_attempts, Micros now) {
  return WithConnection(
      "queueing refresh job", false,
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

absl::StatusOr<RefreshJobRow> PgCatalogStore::GetJob(
    std::string_view job_uuid) {
  return WithConnection(
      "reading refresh job", true,
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

absl::StatusOr<std::optional<LeasedJob>> PgCatalogStore::Lease(
    std::string_view owner, Micros lease_duration, Micros now) {
  return WithConnection(
      "leasing refresh job", false,
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

absl::Status PgCatalogStore::Heartbeat(const LeasedJob& lease,
                                       Micros new_expiry) {
  return WithConnection("extending lease", false,
                        [&](pqxx::connection& conn) -> absl::Status {
                          pqxx::nontransaction tx(conn);
                          if (tx.exec_prepared("heartbeat_job", lease.job.id,
                                               lease.lease_token, new_expiry)
                                  .affected_rows() == 0) {
                            return LeaseLost(lease);
                          }
                          return absl::OkStatus();
                        });
}

absl::Status PgCatalogStore::Release(const LeasedJob& lease, Micros now) {
  return WithConnection("releasing lease", false,
                        [&](pqxx::connection& conn) -> absl::Status {
                          pqxx::nontransaction tx(conn);
                          if (tx.exec_prepared("release_job", lease.job.id,
                                               lease.lease_token, now)
                                  .affected_rows() == 0) {
                            return LeaseLost(lease);
                          }
                          return absl::OkStatus();
                        });
}

absl::StatusOr<RefreshJobRow> PgCatalogStore::FailAttempt(
    const LeasedJob& lease, std::string_view error, const RefreshCounts& counts,
    Micros retry_at, Micros now) {
  return WithConnection(
      "recording failed attempt", false,
      [&](pqxx::connection& conn) -> absl::StatusOr<RefreshJobRow> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r = ExecWithCounts(
            tx, "fail_attempt", counts, lease.job.id, lease.lease_token,
            std::string(error), retry_at, now);
        if (r.empty()) return LeaseLost(lease);
        return JobFromRow(r[0]);
      });
}

absl::StatusOr<RefreshJobRow> PgCatalogStore::CompleteWithCrawl(
    const LeasedJob& lease, const std::vector<domain::ContentRecord>& records,
    const RefreshCounts& crawl_counts, const domain::GuardrailPolicy& guardrail,
    Micros now) {
  const UniqueRecords unique(records);
  return WithConnection(
      "applying crawl", false,
      [&](pqxx::connection& conn) -> absl::StatusOr<RefreshJobRow> {
        pqxx::work tx(conn);
        // Job first, then query: the only lock order used on these rows.
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
        const int64_t would_remove =
            tx.exec_prepared1("count_removed", query_id, unique.member_array)[0]
                .as<int64_t>();
        const int64_t new_members = static_cast<int64_t>(unique.members.size());
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
          const ReplaceResult applied =
              ApplyContentIn(tx, query_id, unique, now);
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

absl::StatusOr<ScheduleResult> PgCatalogStore::Schedule(Micros stale_before,
                                                        Micros cooldown_before,
                                                        Micros prune_before,
                                                        int max_attempts,
                                                        Micros now) {
  return WithConnection(
      "scheduling refreshes", false,
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

absl::StatusOr<Freshness> PgCatalogStore::GetFreshness() {
  return WithConnection(
      "reading freshness", true,
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
