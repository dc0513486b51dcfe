// The embedded statements (storage/pg/sql/) against the migrated schema:
// each one parses and plans, including those that only a rare path or
// another binary's test executes.
#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ec
