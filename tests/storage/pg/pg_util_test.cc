#include "storage/pg/pg_util.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

namespace ec::storage {
namespace {

TEST(PgArrayTest, EncodesEveryElementQuotedAndEscaped) {
  EXPECT_EQ(storage::pg::ToPgTextArray({}), "{}");
  EXPECT_EQ(storage::pg::ToPgTextArray({"a", "b c"}), R"({"a","b c"})");
  EXPECT_EQ(
      storage::pg::ToPgTextArray({R"(q"uote)", R"(back\slash)", "{,}", "NULL"}),
      R"({"q\"uote","back\\slash","{,}","NULL"})");
  EXPECT_EQ(storage::pg::ToPgBoolArray({true, false}), "{t,f}");
}

TEST(PgArrayTest, ParsesArrayToJsonOutput) {
  // As array_to_json prints them (round trips through the database are in
  // tests/storage/pg/hostile_*_pgtest.cc).
  auto parsed = storage::pg::ParseJsonTextArray(
      R"(["plain","q\"uote","back\\slash","'",";","{,}",null,"caf\u00e9"])");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(*parsed,
              ::testing::ElementsAre("plain", R"(q"uote)", R"(back\slash)", "'",
                                     ";", "{,}", "", "caf\xc3\xa9"));
  EXPECT_TRUE(storage::pg::ParseJsonTextArray("[]").ok());
  EXPECT_FALSE(storage::pg::ParseJsonTextArray("{verified}").ok());
  EXPECT_FALSE(storage::pg::ParseJsonTextArray("[1]").ok());
}

TEST(PgErrorTest, MapsExceptionsToCanonicalCodes) {
  EXPECT_EQ(
      storage::pg::StatusFromException(pqxx::broken_connection("gone"), "x")
          .code(),
      absl::StatusCode::kUnavailable);
  EXPECT_EQ(storage::pg::StatusFromException(
                pqxx::unique_violation("dup", "", "23505"), "x")
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(storage::pg::StatusFromException(
                pqxx::sql_error("timeout", "", "57014"), "x")
                .code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(storage::pg::StatusFromException(
                pqxx::sql_error("shutdown", "", "57P01"), "x")
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(storage::pg::StatusFromException(
                pqxx::sql_error("deadlock", "", "40P01"), "x")
                .code(),
            absl::StatusCode::kAborted);
  const absl::Status other = storage::pg::StatusFromException(
      pqxx::sql_error("boom", "", "42P01"), "reading");
  EXPECT_EQ(other.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(other.message()), ::testing::HasSubstr("42P01"));
  EXPECT_THAT(std::string(other.message()), ::testing::StartsWith("reading: "));
}

}  // namespace
}  // namespace ec::storage
