#pragma once

#include "common/settings.h"
#include "storage/pg/membership_feed.h"
#include "storage/pg/pg_pool.h"
#include "storage/pg/read_replica.h"

namespace ec::storage::pg {

// The database settings (ENTERPRISE_CATALOG_DATABASE_URL, DB_*) of the
// server's connection pool; the refresh workers' pool copies them.
common::SettingsGroup<PgConfig> DatabaseSettings();

// Whether a serving process keeps the membership index, and how its feed
// reloads (MembershipFeedOptions; its database is the process's).
struct MembershipIndexConfig {
  bool enabled = true;
  MembershipFeedOptions feed;
};
common::SettingsGroup<MembershipIndexConfig> MembershipIndexSettings();

// The optional read replica of the metadata RPCs (ReadReplicaOptions; its
// pool's other settings are the server's).
common::SettingsGroup<ReadReplicaOptions> ReadReplicaSettings();

}  // namespace ec::storage::pg
