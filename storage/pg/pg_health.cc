#include "storage/pg/pg_health.h"

#include "storage/pg/pg_internal.h"
#include "storage/pg/pg_util.h"

namespace ec::storage::pg {

absl::StatusOr<pqxx::connection*> PgHealthProbe::Connection() {
  if (conn_ != nullptr && conn_->is_open()) return conn_.get();
  conn_.reset();
  auto opened = PgPool::Connect(config_);
  if (!opened.ok()) return opened.status();
  conn_ = std::move(*opened);
  return conn_.get();
}

absl::Status PgHealthProbe::Ping() {
  auto conn = Connection();
  if (!conn.ok()) return conn.status();
  try {
    pqxx::nontransaction tx(**conn);
    tx.exec1("SELECT 1");
    return absl::OkStatus();
  } catch (const std::exception& e) {
    conn_.reset();
    return StatusFromException(e, "database health check");
  }
}

absl::StatusOr<HealthSample> PgHealthProbe::Sample(int worst, Micros now) {
  auto conn = Connection();
  if (!conn.ok()) return conn.status();
  try {
    pqxx::nontransaction tx(**conn);
    HealthSample out;
    // Queries no catalog uses are never refreshed, so they do not count.
    const pqxx::result r = tx.exec_params(
        "WITH q AS (SELECT content_filter_hash, content_refreshed IS NULL AS "
        "never, " EC_US("coalesce(content_refreshed, created)") " AS since "
        "FROM catalog_query q WHERE EXISTS (SELECT 1 FROM enterprise_catalog "
        "c WHERE c.catalog_query_id = q.id)) "
        "SELECT content_filter_hash, greatest(0, $2::bigint - since), "
        "count(*) OVER (), count(*) FILTER (WHERE never) OVER () "
        "FROM q ORDER BY since, content_filter_hash LIMIT $1",
        std::max(worst, 1), now);
    for (const auto& row : r) {
      const double age = static_cast<double>(row[1].as<int64_t>()) / 1e6;
      if (out.worst.empty()) {
        out.queries_in_use = row[2].as<int64_t>();
        out.never_refreshed = row[3].as<int64_t>();
        out.oldest_age_seconds = age;
      }
      if (static_cast<int>(out.worst.size()) < worst) {
        out.worst.push_back({row[0].as<std::string>(), age});
      }
    }
    const pqxx::row q = tx.exec1(
        "SELECT count(*) FILTER (WHERE state = 'queued'), count(*) FILTER "
        "(WHERE state = 'running') FROM refresh_job");
    out.jobs_queued = q[0].as<int64_t>();
    out.jobs_running = q[1].as<int64_t>();
    return out;
  } catch (const std::exception& e) {
    conn_.reset();
    return StatusFromException(e, "sampling freshness");
  }
}

}  // namespace ec::storage::pg
