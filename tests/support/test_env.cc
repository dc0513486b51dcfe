#include "tests/support/test_env.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "storage/pg/migrate.h"

namespace ec::testing {

absl::StatusOr<std::unique_ptr<StoreEnv>> StoreEnv::Create(int pool_size) {
  std::unique_ptr<StoreEnv> env(new StoreEnv());
  env->pool_size_ = pool_size;
  auto db = PgTestDatabase::Create();
  if (!db.ok()) return db.status();
  env->db_ = std::move(*db);
  auto migrated = storage::pg::Migrate(env->config());
  if (!migrated.ok()) return migrated.status();
  auto storage = storage::pg::PgStorage::Open(env->config());
  if (!storage.ok()) return storage.status();
  env->storage_ = std::move(*storage);
  return env;
}

storage::pg::PgConfig StoreEnv::config() const {
  storage::pg::PgConfig config;
  config.url = db_->dsn();
  config.pool_size = pool_size_;
  return config;
}

absl::Status StoreEnv::Truncate() {
  return Exec(
      "TRUNCATE refresh_job, catalog_query_content, course_program, "
      "enterprise_catalog, enterprise_customer, catalog_query, "
      "content_metadata");
}

absl::Status StoreEnv::Exec(const std::string& sql) {
  try {
    pqxx::connection conn(db_->dsn());
    pqxx::nontransaction tx(conn);
    tx.exec0(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

absl::StatusOr<int64_t> StoreEnv::QueryInt(const std::string& sql) {
  try {
    pqxx::connection conn(db_->dsn());
    pqxx::nontransaction tx(conn);
    return tx.exec1(sql)[0].as<int64_t>();
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

absl::StatusOr<std::string> StoreEnv::QueryText(const std::string& sql) {
  try {
    pqxx::connection conn(db_->dsn());
    pqxx::nontransaction tx(conn);
    return tx.exec1(sql)[0].as<std::string>();
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

storage::pg::PgConfig UnreachableDatabaseConfig() {
  storage::pg::PgConfig config;
  config.url =
      "postgresql://postgres@/nodb?host=/nonexistent-ec-socket-dir&port=1";
  config.pool_size = 1;
  return config;
}

absl::StatusOr<std::vector<storage::ContentRow>> ContentRows(
    storage::CatalogStore& store, const std::vector<std::string>& keys) {
  storage::ContentLookup lookup;
  lookup.keys = keys;
  auto matches = store.GetContentMetadata(lookup);
  if (!matches.ok()) return matches.status();
  std::vector<storage::ContentRow> rows;
  for (auto& match : *matches) rows.push_back(std::move(match.row));
  return rows;
}

std::string CourseDoc(const std::string& key, const std::string& title,
                      const std::vector<std::string>& nested_run_keys) {
  nlohmann::ordered_json doc = {
      {"aggregation_key", "course:" + key},
      {"content_type", "course"},
      {"key", key},
      {"title", title},
      {"uuid", "da1b2400-322b-459b-97b0-0c557f05d017"},
      {"short_description", "About " + title},
      {"course_runs", nlohmann::ordered_json::array()}};
  for (const auto& run : nested_run_keys) {
    doc["course_runs"].push_back({{"key", run},
                                  {"status", "published"},
                                  {"is_enrollable", true},
                                  {"start", "2026-01-01T05:00:00Z"}});
  }
  return doc.dump();
}

std::string RunDoc(const std::string& run_key, const std::string& course_key,
                   const std::string& title) {
  return nlohmann::ordered_json{{"aggregation_key", "courserun:" + course_key},
                                {"content_type", "courserun"},
                                {"key", run_key},
                                {"title", title},
                                {"availability", "Current"}}
      .dump();
}

std::string ProgramDoc(const std::string& uuid, const std::string& title) {
  return nlohmann::ordered_json{{"aggregation_key", "program:" + uuid},
                                {"content_type", "program"},
                                {"uuid", uuid},
                                {"title", title},
                                {"type", "MicroMasters"}}
      .dump();
}

std::string PathwayDoc(const std::string& uuid, const std::string& title) {
  return nlohmann::ordered_json{{"aggregation_key", "learnerpathway:" + uuid},
                                {"content_type", "learnerpathway"},
                                {"uuid", uuid},
                                {"name", title},
                                {"steps", nlohmann::ordered_json::array()}}
      .dump();
}

std::vector<domain::ContentRecord> Records(
    const std::vector<std::string>& docs) {
  std::vector<domain::ContentRecord> out;
  for (const auto& doc : docs) {
    auto parsed = domain::ParseDiscoveryDocument(doc);
    EXPECT_TRUE(parsed.ok()) << parsed.status() << " for " << doc;
    if (!parsed.ok()) continue;
    for (auto& rec : *parsed) out.push_back(std::move(rec));
  }
  return out;
}

domain::CanonicalFilter Filter(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok())
      << json;
  auto canonical = domain::CanonicalizeFilter(s);
  EXPECT_TRUE(canonical.ok()) << canonical.status();
  return canonical.ok() ? *canonical : domain::CanonicalFilter{};
}

absl::StatusOr<bool> StoreEnv::MembershipCaughtUp(
    const index::MembershipSnapshot& snapshot) {
  return pool()->WithConnection(
      "checking the membership index", storage::pg::Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<bool> {
        pqxx::nontransaction tx(conn);
        const pqxx::result rows = tx.exec(
            "SELECT c.uuid::text, c.enterprise_uuid::text, q.id, "
            "q.members_version FROM enterprise_catalog c "
            "JOIN catalog_query q ON q.id = c.catalog_query_id");
        if (rows.size() != snapshot.catalogs()) return false;
        for (const auto& row : rows) {
          if (snapshot.EnterpriseOf(row[0].c_str()) != row[1].c_str() ||
              snapshot.QueryVersion(row[2].as<int64_t>()) <
                  row[3].as<int64_t>()) {
            return false;
          }
        }
        return true;
      });
}

std::shared_ptr<const index::MembershipSnapshot> StoreEnv::WaitForMembership(
    const index::LiveMembership& live) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto snapshot = live.Current();
    if (snapshot != nullptr) {
      absl::StatusOr<bool> caught_up = MembershipCaughtUp(*snapshot);
      if (!caught_up.ok()) {
        ADD_FAILURE() << caught_up.status();
        return nullptr;
      }
      if (*caught_up) return snapshot;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "the membership index did not catch up with the database";
  return nullptr;
}

}  // namespace ec::testing
