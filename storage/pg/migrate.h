#pragma once

#include <vector>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "storage/pg/pg_pool.h"

namespace ec::storage::pg {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// The migrations compiled into this binary, ascending by version
// (storage/pg/migrations/NNNN_name.sql, embedded by embed_sql.cmake).
const std::vector<Migration>& EmbeddedMigrations();

struct MigrateResult {
  int from_version = 0;
  int to_version = 0;
  std::vector<int> applied;
};

// Applies every migration newer than the database's version, each in its own
// transaction, under a session advisory lock so that several replicas
// starting at once apply each migration exactly once.
absl::StatusOr<MigrateResult> Migrate(pqxx::connection& conn,
                                      const std::vector<Migration>& migrations);

// Same, on a dedicated connection opened from `config`.
absl::StatusOr<MigrateResult> Migrate(const PgConfig& config);

}  // namespace ec::storage::pg
