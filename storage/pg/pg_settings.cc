#include "storage/pg/pg_settings.h"

namespace ec::storage::pg {

common::SettingsGroup<PgConfig> DatabaseSettings() {
  using std::chrono::milliseconds;
  return {
      "Database",
      {
          common::StringSetting<PgConfig>(
              "database-url", "ENTERPRISE_CATALOG_DATABASE_URL",
              "PostgreSQL connection URI or libpq keyword string",
              &PgConfig::url, "(required)"),
          common::IntegerSetting<PgConfig>(
              "db-pool-size", "ENTERPRISE_CATALOG_DB_POOL_SIZE",
              "database connections of the server (and, by default, its RPC "
              "threads); 2-4 suit 2 cores",
              &PgConfig::pool_size, 1, 64),
          common::DurationSetting<milliseconds, PgConfig>(
              "db-statement-timeout-ms",
              "ENTERPRISE_CATALOG_DB_STATEMENT_TIMEOUT_MS",
              "server-side limit on each SQL statement",
              &PgConfig::statement_timeout, 1, 3600000),
          common::DurationSetting<milliseconds, PgConfig>(
              "db-connect-timeout-ms",
              "ENTERPRISE_CATALOG_DB_CONNECT_TIMEOUT_MS",
              "limit on opening a database connection",
              &PgConfig::connect_timeout, 1000, 600000),
      }};
}

common::SettingsGroup<MembershipIndexConfig> MembershipIndexSettings() {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  return {
      "Membership index",
      {
          common::BoolSetting<MembershipIndexConfig>(
              "membership-index", "ENTERPRISE_CATALOG_MEMBERSHIP_INDEX",
              "serve and all answer the contains RPCs from memory, kept "
              "current by LISTEN/NOTIFY (false: every call asks PostgreSQL)",
              &MembershipIndexConfig::enabled),
          common::DurationSetting<seconds, MembershipIndexConfig>(
              "membership-index-reload-seconds",
              "ENTERPRISE_CATALOG_MEMBERSHIP_INDEX_RELOAD_SECONDS",
              "full reload of the index besides notifications (0: never)",
              [](auto& c) -> auto& { return c.feed.full_reload_interval; }, 0,
              7 * 24 * 3600),
          common::DurationSetting<milliseconds, MembershipIndexConfig>(
              "membership-index-retry-ms",
              "ENTERPRISE_CATALOG_MEMBERSHIP_INDEX_RETRY_MS",
              "wait before reconnecting after the index's connection or a "
              "load failed",
              [](auto& c) -> auto& { return c.feed.retry_backoff; }, 10,
              600000),
      }};
}

common::SettingsGroup<ReadReplicaOptions> ReadReplicaSettings() {
  using std::chrono::milliseconds;
  return {"Read replica",
          {
              common::StringSetting<ReadReplicaOptions>(
                  "read-database-url", "ENTERPRISE_CATALOG_READ_DATABASE_URL",
                  "a streaming replica (hot standby) of the database: the "
                  "metadata RPCs read from it while it is fresh enough, the "
                  "primary otherwise (empty: everything on the primary)",
                  [](auto& c) -> auto& { return c.database.url; }, "(none)"),
              common::DurationSetting<milliseconds, ReadReplicaOptions>(
                  "read-max-staleness-ms",
                  "ENTERPRISE_CATALOG_READ_MAX_STALENESS_MS",
                  "metadata reads go to the primary while the replica may miss "
                  "commits older than this",
                  &ReadReplicaOptions::max_staleness, 100, 3600000),
              common::DurationSetting<milliseconds, ReadReplicaOptions>(
                  "read-replica-check-ms",
                  "ENTERPRISE_CATALOG_READ_REPLICA_CHECK_MS",
                  "how often the replica's staleness is measured",
                  &ReadReplicaOptions::check_interval, 50, 60000),
          }};
}

}  // namespace ec::storage::pg
