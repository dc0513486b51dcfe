#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "storage/pg/pg_pool.h"
#include "storage/types.h"

namespace ec::storage::pg {

// What the periodic health sample reads.
struct HealthSample {
  int64_t queries_in_use = 0;
  int64_t never_refreshed = 0;
  // Age of the oldest in-use query's data: since its last successful
  // refresh, or since its creation if it never had one. 0 with no queries.
  double oldest_age_seconds = 0;
  struct Query {
    std::string content_filter_hash;
    double age_seconds = 0;
  };
  // The stalest in-use queries, oldest first.
  std::vector<Query> worst;
  int64_t jobs_queued = 0;
  int64_t jobs_running = 0;
  // Full documents of in-use courses and programs (freshness.sql): how
  // many, how many never fetched, and the age of the oldest (a never-fetched
  // one counts from its creation; 0 with none).
  int64_t full_in_use = 0;
  int64_t full_never_fetched = 0;
  double full_oldest_age_seconds = 0;
};

// The process's own view of the database, on a dedicated connection: the
// health check must answer "does the database answer" even when every pool
// connection is busy with slow calls, and must never make a call wait.
// Not thread-safe; one monitor thread uses it.
class PgHealthProbe {
 public:
  // Connects lazily; the statement timeout should be short (a health check
  // that hangs is a failed one).
  explicit PgHealthProbe(PgConfig config) : config_(std::move(config)) {}

  // SELECT 1, reconnecting first if the last call failed. UNAVAILABLE or
  // DEADLINE_EXCEEDED when the database does not answer.
  absl::Status Ping();

  // Freshness and queue figures as of `now` (the refresh pipeline's clock).
  absl::StatusOr<HealthSample> Sample(int worst, Micros now);

 private:
  absl::StatusOr<pqxx::connection*> Connection();

  const PgConfig config_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace ec::storage::pg
