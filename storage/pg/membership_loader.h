#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// One query as a notification asks for it (index_query.sql): what
// MembershipSnapshot::WithQuery takes.
struct QueryMembers {
  int64_t version = 0;
  std::vector<std::string> member_keys;
  // (key, parent key) of the members and of the members' runs.
  std::vector<std::pair<std::string, std::string>> links;
};

// NOT_FOUND when the query no longer exists.
absl::StatusOr<QueryMembers> LoadQueryMembers(PgPool& pool, int64_t query_id);

// The same on a connection of the caller's (the membership feed's own, which
// has the statements prepared). These throw libpqxx's exceptions: the
// caller turns them into statuses.
std::shared_ptr<const index::MembershipSnapshot> ReadMembershipSnapshot(
    pqxx::connection& conn);
// nullopt when the query no longer exists.
std::optional<QueryMembers> ReadQueryMembers(pqxx::connection& conn,
                                             int64_t query_id);

}  // namespace ec::storage::pg
