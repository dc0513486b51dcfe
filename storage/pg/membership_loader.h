#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "index/membership_index.h"
#include "storage/pg/pg_pool.h"

namespace ec::storage::pg {

// Reads the whole membership index from the database: content rows (key and
// parent), membership rows and catalogs, one statement each, the large ones
// through a cursor fetched in batches of 20,000 rows, all in one REPEATABLE
// READ transaction so that they are of one moment. UNAVAILABLE and the like
// from the pool as for any statement.
absl::StatusOr<std::shared_ptr<const index::MembershipSnapshot>>
LoadMembershipSnapshot(PgPool& pool);

}  // namespace ec::storage::pg
