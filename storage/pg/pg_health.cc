#include "storage/pg/pg_health.h"

#include <algorithm>
#include <string>

#include "storage/pg/pg_util.h"
#include "storage/pg/statements.h"

namespace ec::storage::pg {

absl::StatusOr<pqxx::connection*> PgHealthProbe::Connection() {
  if (conn_ != nullptr && conn_->is_open()) return conn_.get();
  conn_.reset();
  auto opened = PgPool::Connect(config_);
  if (!opened.ok()) return opened.status();
  try {
    PrepareStatements(**opened);
  } catch (const std::exception& e) {
    return StatusFromException(e, "preparing statements");
  }
  conn_ = std::move(*opened);
  return conn_.get();
}

absl::Status PgHealthProbe::Ping() {
  auto conn = Connection();
  if (!conn.ok()) return conn.status();
  try {
    pqxx::nontransaction tx(**conn);
    tx.exec_prepared1("health_ping");
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
    const pqxx::result r =
        tx.exec_prepared("health_query_ages", std::max(worst, 1), now);
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
    const pqxx::row q = tx.exec_prepared1("health_job_counts");
    out.jobs_queued = q[0].as<int64_t>();
    out.jobs_running = q[1].as<int64_t>();
    const pqxx::row f = tx.exec_prepared1("freshness");
    out.full_in_use = f[3].as<int64_t>();
    out.full_never_fetched = f[4].as<int64_t>();
    if (!f[5].is_null()) {
      out.full_oldest_age_seconds =
          static_cast<double>(std::max<int64_t>(0, now - f[5].as<int64_t>())) /
          1e6;
    }
    return out;
  } catch (const std::exception& e) {
    conn_.reset();
    return StatusFromException(e, "sampling freshness");
  }
}

}  // namespace ec::storage::pg
