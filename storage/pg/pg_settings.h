#pragma once

#include "common/settings.h"
#include "storage/pg/pg_pool.h"

namespace ec::storage::pg {

// The database settings (ENTERPRISE_CATALOG_DATABASE_URL, DB_*) of the
// server's connection pool; the refresh workers' pool copies them.
common::SettingsGroup<PgConfig> DatabaseSettings();

}  // namespace ec::storage::pg
