#include "storage/pg/membership_loader.h"

#include <cstdint>
#include <string>

#include "storage/pg/statements.h"

namespace ec::storage::pg {
namespace {

// Rows a cursor fetches per round trip.
constexpr int kFetchRows = 20000;

}  // namespace

std::shared_ptr<const index::MembershipSnapshot> ReadMembershipSnapshot(
    pqxx::connection& conn) {
  pqxx::transaction<pqxx::isolation_level::repeatable_read,
                    pqxx::readwrite_policy::read_only>
      tx(conn);
  index::MembershipSnapshot::Builder builder;
  // A cursor per table, fetched in batches: client memory stays bounded
  // whatever the tables hold.
  pqxx::icursorstream content(tx, StatementSql("index_content"),
                              "index_content", kFetchRows);
  for (pqxx::result batch; content >> batch;) {
    for (const auto& row : batch) {
      builder.AddContent(std::string_view(row[0].c_str(), row[0].size()),
                         std::string_view(row[1].c_str(), row[1].size()));
    }
  }
  pqxx::icursorstream members(tx, StatementSql("index_members"),
                              "index_members", kFetchRows);
  for (pqxx::result batch; members >> batch;) {
    for (const auto& row : batch) {
      builder.AddMember(row[0].as<int64_t>(),
                        std::string_view(row[1].c_str(), row[1].size()));
    }
  }
  for (const auto& row : tx.exec_prepared("index_query_versions")) {
    builder.SetQueryVersion(row[0].as<int64_t>(), row[1].as<int64_t>());
  }
  // In creation order, which COPY of the table would not give.
  const pqxx::result catalogs = tx.exec_prepared("index_catalogs");
  for (const auto& c : catalogs) {
    builder.AddCatalog(c[0].as<std::string>(), c[1].as<std::string>(),
                       c[2].as<int64_t>());
  }
  tx.commit();
  return std::move(builder).Build();
}

std::optional<QueryMembers> ReadQueryMembers(pqxx::connection& conn,
                                             int64_t query_id) {
  pqxx::nontransaction tx(conn);
  const pqxx::result r = tx.exec_prepared("index_query", query_id);
  if (r.empty()) return std::nullopt;
  QueryMembers out;
  out.version = r[0][0].as<int64_t>();
  for (const auto& row : r) {
    if (row[1].is_null()) break;  // no members
    std::string key = row[1].as<std::string>();
    out.links.emplace_back(key, row[2].as<std::string>());
    if (row[3].as<bool>()) out.member_keys.push_back(std::move(key));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const index::MembershipSnapshot>>
LoadMembershipSnapshot(PgPool& pool) {
  return pool.WithConnection(
      "loading the membership index", Idempotent::kYes,
      [&](pqxx::connection& conn)
          -> absl::StatusOr<std::shared_ptr<const index::MembershipSnapshot>> {
        return ReadMembershipSnapshot(conn);
      });
}

absl::StatusOr<QueryMembers> LoadQueryMembers(PgPool& pool, int64_t query_id) {
  return pool.WithConnection(
      "loading a query of the membership index", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<QueryMembers> {
        std::optional<QueryMembers> members = ReadQueryMembers(conn, query_id);
        if (!members) {
          return absl::NotFoundError("catalog query " +
                                     std::to_string(query_id) + " not found");
        }
        return *std::move(members);
      });
}

}  // namespace ec::storage::pg
