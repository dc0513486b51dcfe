// The embedded statements (storage/pg/sql/) against the migrated schema:
// each one parses and plans, including those that only a rare path or
// another binary's test executes.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <pqxx/pqxx>

#include "storage/pg/statements.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

TEST(StatementsTest, EveryStatementPreparesOnTheMigratedSchema) {
  const auto& statements = storage::pg::EmbeddedStatements();
  ASSERT_FALSE(statements.empty());
  std::set<std::string> names;
  for (const auto& statement : statements) {
    EXPECT_TRUE(names.insert(statement.name).second) << statement.name;
    EXPECT_TRUE(std::string_view(statement.sql).starts_with("--"))
        << statement.name << " has no header comment";
  }

  auto env = testing::StoreEnv::Create(1);
  ASSERT_TRUE(env.ok()) << env.status();
  pqxx::connection conn((*env)->dsn());
  storage::pg::PrepareStatements(conn);
  for (const auto& statement : statements) {
    try {
      conn.prepare_now(statement.name);
    } catch (const std::exception& e) {
      ADD_FAILURE() << statement.name << ": " << e.what();
    }
  }
}

// Statements that fill the same row type spell out the same columns (each
// file is whole, so it can be pasted into psql). The server's description of
// each prepared statement keeps the copies from drifting apart: the readers
// (JobFromRow, CatalogFromRow, QueryFromRow, ContentFromRow) take the columns
// by position.
TEST(StatementsTest, StatementsOfOneRowTypeReturnTheSameColumns) {
  auto env = testing::StoreEnv::Create(1);
  ASSERT_TRUE(env.ok()) << env.status();
  // libpq directly: libpqxx 6 does not describe a prepared statement.
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(
      PQconnectdb((*env)->dsn().c_str()), &PQfinish);
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  std::map<std::string, std::vector<Oid>> described;
  for (const auto& statement : storage::pg::EmbeddedStatements()) {
    std::unique_ptr<PGresult, decltype(&PQclear)> prepared(
        PQprepare(conn.get(), statement.name, statement.sql, 0, nullptr),
        &PQclear);
    ASSERT_EQ(PQresultStatus(prepared.get()), PGRES_COMMAND_OK)
        << statement.name << ": " << PQerrorMessage(conn.get());
    std::unique_ptr<PGresult, decltype(&PQclear)> description(
        PQdescribePrepared(conn.get(), statement.name), &PQclear);
    std::vector<Oid>& types = described[statement.name];
    for (int i = 0; i < PQnfields(description.get()); ++i) {
      types.push_back(PQftype(description.get(), i));
    }
  }
  // `count` result types of `name` from column `first`.
  auto types = [&](const std::string& name, size_t first, size_t count) {
    const std::vector<Oid>& all = described[name];
    if (all.size() < first + count) return std::vector<Oid>();
    return std::vector<Oid>(all.begin() + first, all.begin() + first + count);
  };
  constexpr size_t kJobColumns = 27;  // pg_refresh_queue.cc's JobFromRow
  const std::vector<Oid> job = types("get_job", 0, kJobColumns);
  ASSERT_EQ(job.size(), kJobColumns);
  for (const char* name :
       {"enqueue_for_catalog", "lease_job", "fail_attempt", "finish_job"}) {
    EXPECT_EQ(types(name, 0, kJobColumns), job) << name;
  }
  constexpr size_t kCatalogColumns = 13;  // CatalogFromRow
  const std::vector<Oid> catalog = types("get_catalog", 0, kCatalogColumns);
  ASSERT_EQ(catalog.size(), kCatalogColumns);
  for (const char* name : {"list_catalogs", "list_enterprise_catalogs"}) {
    EXPECT_EQ(types(name, 0, kCatalogColumns), catalog) << name;
  }
  constexpr size_t kQueryColumns = 6;  // QueryFromRow
  const std::vector<Oid> query =
      types("get_catalog_query_by_uuid", 0, kQueryColumns);
  ASSERT_EQ(query.size(), kQueryColumns);
  EXPECT_EQ(types("get_catalog_query_by_hash", 0, kQueryColumns), query);
  constexpr size_t kContentColumns = 7;  // ContentFromRow
  const std::vector<Oid> content =
      types("content_by_identifiers", 1, kContentColumns);
  ASSERT_EQ(content.size(), kContentColumns);
  EXPECT_EQ(types("content_by_keys", 0, kContentColumns), content);
  // The catalog-scoped reads: the scope (ScopeFromRow), then served_item
  // rows (ServedItemFromRow), which start with ContentFromRow's columns.
  constexpr size_t kScopeColumns = 10;
  constexpr size_t kServedItemColumns = 15;
  const std::vector<Oid> scope =
      types("customer_content_metadata", 0, kScopeColumns);
  ASSERT_EQ(scope.size(), kScopeColumns);
  const std::vector<Oid> item =
      types("customer_content_metadata", kScopeColumns, kServedItemColumns);
  ASSERT_EQ(item.size(), kServedItemColumns);
  EXPECT_EQ(std::vector<Oid>(item.begin(), item.begin() + kContentColumns),
            content);
  for (const char* name : {"metadata_page", "metadata_page_filtered"}) {
    EXPECT_EQ(types(name, 0, kScopeColumns), scope) << name;
    // After the total count.
    EXPECT_EQ(types(name, kScopeColumns + 1, kServedItemColumns), item) << name;
    EXPECT_EQ(described[name].size(), kScopeColumns + 1 + kServedItemColumns)
        << name;
  }
  EXPECT_EQ(types("diff_catalog_content", 0, kScopeColumns), scope);
}

}  // namespace
}  // namespace ec
