#include "storage/pg/migrate.h"

#include <string>

#include "common/log.h"
#include "storage/pg/item_facts.h"
#include "storage/pg/pg_util.h"

namespace ec::storage::pg {
namespace {

// Arbitrary constant shared by every replica ("ECMIGRAT" in ASCII).
constexpr int64_t kMigrationLockKey = 0x45434d4947524154;
// 0005_item_facts.sql: the migration that adds the stored item facts.
constexpr int kItemFactsVersion = 5;

int CurrentVersion(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return tx.exec1("SELECT COALESCE(max(version), 0) FROM schema_migrations")[0]
      .as<int>();
}

}  // namespace

absl::StatusOr<MigrateResult> Migrate(
    pqxx::connection& conn, const std::vector<Migration>& migrations) {
  MigrateResult result;
  bool locked = false;
  try {
    {
      pqxx::nontransaction tx(conn);
      // Migrations may legitimately run longer than request statements, and
      // the lock wait for another replica's migration must not time out.
      tx.exec0("SET statement_timeout = 0");
      tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
      locked = true;
      tx.exec0(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY,"
          " name text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
    }
    result.from_version = CurrentVersion(conn);
    result.to_version = result.from_version;
    for (const Migration& m : migrations) {
      if (m.version <= result.from_version) continue;
      pqxx::work tx(conn);
      tx.exec0(m.sql);
      tx.exec_params0(
          "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
          m.version, m.name);
      tx.commit();
      result.applied.push_back(m.version);
      result.to_version = m.version;
      common::LogInfo("storage", "applied migration",
                      {{"version", m.version}, {"name", m.name}});
    }
    // Rows written before the item facts existed (or by an older binary
    // during a rolling deploy) get them now; readers parse such rows'
    // documents until then, so serving never waits for this.
    if (result.to_version >= kItemFactsVersion) {
      if (const int64_t n = BackfillItemFacts(conn); n > 0) {
        common::LogInfo("storage", "computed stored item facts", {{"rows", n}});
      }
    }
    if (!migrations.empty() &&
        result.from_version > migrations.back().version) {
      // A newer release migrated the schema; migrations only add, so this
      // binary can keep serving during a rolling deploy.
      common::LogWarn("storage", "database schema is newer than this binary",
                      {{"database_version", result.from_version},
                       {"binary_version", migrations.back().version}});
    }
    pqxx::nontransaction tx(conn);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
  } catch (const std::exception& e) {
    if (locked) {
      try {
        pqxx::nontransaction tx(conn);
        tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
      } catch (const std::exception&) {
        // The session lock dies with the connection anyway.
      }
    }
    return StatusFromException(e, "migrating the schema");
  }
  return result;
}

absl::StatusOr<MigrateResult> Migrate(const PgConfig& config) {
  auto conn = PgPool::Connect(config);
  if (!conn.ok()) return conn.status();
  return Migrate(**conn, EmbeddedMigrations());
}

}  // namespace ec::storage::pg
