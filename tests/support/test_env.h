#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/canonical_json.h"
#include "domain/content.h"
#include "gtest/gtest.h"
#include "index/live_membership.h"
#include "storage/pg/pg_storage.h"
#include "tests/support/pg_test_db.h"

namespace ec::testing {

// A throwaway, migrated database with the PostgreSQL storage on it: the
// catalog store and the refresh queue, sharing one pool as in the server.
class StoreEnv {
 public:
  static absl::StatusOr<std::unique_ptr<StoreEnv>> Create(int pool_size = 2);

  storage::pg::PgCatalogStore* store() { return storage_->store(); }
  storage::pg::PgRefreshQueue* queue() { return storage_->queue(); }
  storage::pg::PgFullMetadataStore* full_metadata() {
    return storage_->full_metadata();
  }
  storage::pg::PgCustomerStore* customers() { return storage_->customers(); }
  storage::pg::PgPool* pool() { return storage_->pool(); }
  const std::string& dsn() const { return db_->dsn(); }
  storage::pg::PgConfig config() const;

  // Empties every table (between tests sharing one database).
  absl::Status Truncate();
  // Runs one statement outside the store, for setup and assertions.
  absl::Status Exec(const std::string& sql);
  absl::StatusOr<int64_t> QueryInt(const std::string& sql);
  absl::StatusOr<std::string> QueryText(const std::string& sql);

  // Whether `snapshot` holds every catalog the database has, on its query
  // and enterprise, each query at its members_version or later, and no
  // other catalog.
  absl::StatusOr<bool> MembershipCaughtUp(
      const index::MembershipSnapshot& snapshot);
  // `live`'s snapshot once it has caught up (polled for up to 20 s), or
  // nullptr with a test failure.
  std::shared_ptr<const index::MembershipSnapshot> WaitForMembership(
      const index::LiveMembership& live);

 private:
  StoreEnv() = default;
  std::unique_ptr<PgTestDatabase> db_;
  std::unique_ptr<storage::pg::PgStorage> storage_;
  int pool_size_ = 2;
};

// A suite whose tests share one migrated database (created when the suite
// starts, dropped when it ends), each test starting from empty tables.
template <int kPoolSize = 2>
class SharedStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto env = StoreEnv::Create(kPoolSize);
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = env->release();
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(env_, nullptr);
    ASSERT_TRUE(env_->Truncate().ok());
  }

  static inline StoreEnv* env_ = nullptr;
};

// A configuration whose database cannot be reached (no such socket).
storage::pg::PgConfig UnreachableDatabaseConfig();

// Discovery search/all documents, shaped like the real ones, for tests.
// The stored rows of `keys` (GetContentMetadata by keys alone), in no
// particular order.
absl::StatusOr<std::vector<storage::ContentRow>> ContentRows(
    storage::CatalogStore& store, const std::vector<std::string>& keys);

std::string CourseDoc(const std::string& key, const std::string& title,
                      const std::vector<std::string>& nested_run_keys = {});
std::string RunDoc(const std::string& run_key, const std::string& course_key,
                   const std::string& title = "A run");
std::string ProgramDoc(const std::string& uuid, const std::string& title);
std::string PathwayDoc(const std::string& uuid, const std::string& title);

// Canonicalizes a JSON filter, failing the test on error.
domain::CanonicalFilter Filter(const std::string& json);

// Parses documents into records (with nested runs), failing the test on error.
std::vector<domain::ContentRecord> Records(
    const std::vector<std::string>& docs);

}  // namespace ec::testing
