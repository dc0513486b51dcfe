// The metadata reads on a real streaming replica: a hot standby that CTest
// makes of the test cluster with pg_basebackup -R (the pg_replica fixture,
// scripts/pg-cluster.sh replica). Replay is paused and resumed on it to show
// what a caller sees while it lags: answers at most max_staleness old, then
// the primary's, never an error and never NOT_FOUND for a catalog the
// primary has. Time is a fake clock, so the bound is exact, not raced.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "common/uuid.h"
#include "metrics/metrics.h"
#include "storage/pg/read_replica.h"
#include "tests/support/pg_test_db.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";
constexpr common::Micros kSecond = 1'000'000;

class ReadReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto replica_admin = testing::ReadReplicaAdminDsn();
    ASSERT_TRUE(replica_admin.ok()) << replica_admin.status();
    replica_admin_ = *replica_admin;
    auto env = testing::StoreEnv::Create();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto name = env_->QueryText("SELECT current_database()");
    ASSERT_TRUE(name.ok()) << name.status();
    replica_dsn_ = testing::DsnWithDatabase(replica_admin_, *name);
    // The database was created on the primary a moment ago; wait for the
    // replica to replay its creation and the migrations.
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    for (;;) {
      try {
        pqxx::connection conn(replica_dsn_);
        pqxx::nontransaction tx(conn);
        if (tx.exec1("SELECT count(*) FROM pg_tables WHERE tablename = "
                     "'enterprise_catalog'")[0]
                .as<int>() == 1) {
          break;
        }
      } catch (const std::exception&) {
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "the replica never got database " << *name;
      std::this_thread::sleep_for(milliseconds(50));
    }
  }

  void TearDown() override {
    // Whatever a test did, leave the replica replaying.
    if (!replica_admin_.empty()) {
      EXPECT_TRUE(testing::ExecSql(replica_admin_,
                                   "SELECT pg_wal_replay_resume() WHERE "
                                   "pg_is_wal_replay_paused()")
                      .ok());
    }
  }

  // A replica router on `url`, measured only when a test says so
  // (MeasureOnce), on the test's clock.
  std::unique_ptr<storage::pg::ReadReplica> Router(const std::string& url) {
    storage::pg::ReadReplicaOptions options;
    options.database = env_->config();
    options.database.url = url;
    options.max_staleness = seconds(1);
    auto router = storage::pg::ReadReplica::Open(
        options, env_->store(), env_->pool(), [this] { return now_; });
    EXPECT_TRUE(router.ok()) << router.status();
    return router.ok() ? std::move(*router) : nullptr;
  }

  // Measures until the replica has replayed everything the primary had
  // written when the measure began: staleness 0, the test's clock moving
  // 1 ms between measures and not during one.
  void MeasureUntilCaughtUp(storage::pg::ReadReplica& router) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    for (;;) {
      now_ += 1'000;
      router.MeasureOnce();
      if (router.staleness() == std::chrono::microseconds(0)) return;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "the replica did not catch up";
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  storage::CatalogRow CreateCatalog(const std::string& title) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = title;
    c.enterprise_uuid = kEnterprise;
    c.filter = testing::Filter(R"({"title": ")" + title + R"("})");
    c.enabled_course_modes = {"verified"};
    auto row = env_->store()->CreateCatalog(c);
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? *row : storage::CatalogRow{};
  }

  // Makes the catalog's content one course titled `course_title`, its key
  // made of the title (a stored document is shared by every catalog).
  void SetContent(const storage::CatalogRow& catalog,
                  const std::string& course_title) {
    auto id = env_->QueryInt(
        "SELECT catalog_query_id FROM enterprise_catalog WHERE uuid = '" +
        catalog.uuid + "'");
    ASSERT_TRUE(id.ok()) << id.status();
    ASSERT_TRUE(env_->store()
                    ->ReplaceQueryContent(
                        *id, testing::Records({testing::CourseDoc(
                                 "edX+" + course_title, course_title)}))
                    .ok());
  }

  // The title of the catalog's one course as `reads` serves it, or the
  // status's message.
  static std::string CourseTitle(storage::MetadataReader& reads,
                                 const storage::CatalogRow& catalog) {
    storage::MetadataQuery query;
    query.catalog_uuid = catalog.uuid;
    auto page = reads.GetCatalogMetadata(query);
    if (!page.ok()) return std::string(page.status().ToString());
    if (page->items.size() != 1) {
      return "items: " + std::to_string(page->items.size());
    }
    return page->items[0].title;
  }

  std::unique_ptr<testing::StoreEnv> env_;
  std::string replica_admin_;
  std::string replica_dsn_;
  common::Micros now_ = 1'000 * kSecond;
};

TEST_F(ReadReplicaTest, ServesTheReplicaOnlyOnceItsStalenessIsKnown) {
  const storage::CatalogRow catalog = CreateCatalog("One");
  SetContent(catalog, "Before");
  auto router = Router(replica_dsn_);
  ASSERT_NE(router, nullptr);
  metrics::ReplicaMetrics& m = metrics::ReplicaMetrics::Get();

  // Not measured yet: the primary answers.
  EXPECT_FALSE(router->serving());
  EXPECT_EQ(router->staleness(), std::nullopt);
  const double not_serving = m.FallbacksTotal("not_serving");
  EXPECT_EQ(CourseTitle(*router, catalog), "Before");
  EXPECT_EQ(m.FallbacksTotal("not_serving"), not_serving + 1);

  MeasureUntilCaughtUp(*router);
  EXPECT_TRUE(router->serving());
  EXPECT_EQ(m.Serving(), 1);
  const double from_replica = m.ReadsTotal(true);
  EXPECT_EQ(CourseTitle(*router, catalog), "Before");
  EXPECT_EQ(m.ReadsTotal(true), from_replica + 1);
}

TEST_F(ReadReplicaTest, WhileTheReplicaLagsAnswersAreBoundedThenThePrimarys) {
  const storage::CatalogRow catalog = CreateCatalog("Lagging");
  SetContent(catalog, "Before");
  auto router = Router(replica_dsn_);
  ASSERT_NE(router, nullptr);
  MeasureUntilCaughtUp(*router);
  ASSERT_EQ(CourseTitle(*router, catalog), "Before");
  metrics::ReplicaMetrics& m = metrics::ReplicaMetrics::Get();

  ASSERT_TRUE(
      testing::ExecSql(replica_admin_, "SELECT pg_wal_replay_pause()").ok());
  SetContent(catalog, "After");
  const storage::CatalogRow created = CreateCatalog("Created");
  SetContent(created, "New");

  // 0.6 s later the replica, which has replayed nothing since, is within
  // the 1 s bound: it still serves, and serves the old title.
  now_ += 600'000;
  router->MeasureOnce();
  ASSERT_TRUE(router->staleness().has_value());
  EXPECT_EQ(*router->staleness(), std::chrono::microseconds(600'000));
  EXPECT_TRUE(router->serving());
  EXPECT_EQ(CourseTitle(*router, catalog), "Before");
  // A catalog the replica has not seen is the primary's answer, not
  // NOT_FOUND.
  const double not_found = m.FallbacksTotal("not_found");
  EXPECT_EQ(CourseTitle(*router, created), "New");
  EXPECT_EQ(m.FallbacksTotal("not_found"), not_found + 1);

  // Past the bound, every read is the primary's.
  now_ += 500'000;
  router->MeasureOnce();
  EXPECT_EQ(*router->staleness(), std::chrono::microseconds(1'100'000));
  EXPECT_FALSE(router->serving());
  EXPECT_EQ(m.Serving(), 0);
  EXPECT_EQ(CourseTitle(*router, catalog), "After");

  // Replay resumes: the replica catches up and serves the new data.
  ASSERT_TRUE(
      testing::ExecSql(replica_admin_, "SELECT pg_wal_replay_resume()").ok());
  MeasureUntilCaughtUp(*router);
  EXPECT_TRUE(router->serving());
  const double from_replica = m.ReadsTotal(true);
  EXPECT_EQ(CourseTitle(*router, catalog), "After");
  EXPECT_EQ(CourseTitle(*router, created), "New");
  EXPECT_EQ(m.ReadsTotal(true), from_replica + 2);
}

TEST_F(ReadReplicaTest, AReplicaThatGoesAwayCostsNoError) {
  const char* script = std::getenv("EC_TEST_PG_CLUSTER_SCRIPT");
  const char* state = std::getenv("EC_TEST_PG_REPLICA_STATE");
  ASSERT_TRUE(script != nullptr && state != nullptr)
      << "run through ctest (EC_TEST_PG_CLUSTER_SCRIPT, "
         "EC_TEST_PG_REPLICA_STATE)";
  const std::string cluster = std::string("bash ") + script + " ";
  const storage::CatalogRow catalog = CreateCatalog("Failing");
  SetContent(catalog, "Only");
  auto router = Router(replica_dsn_);
  ASSERT_NE(router, nullptr);
  MeasureUntilCaughtUp(*router);
  ASSERT_TRUE(router->serving());
  metrics::ReplicaMetrics& m = metrics::ReplicaMetrics::Get();

  // The replica stops between two measures: the next read fails there and
  // is answered by the primary.
  ASSERT_EQ(std::system((cluster + "stop " + state + " 2>/dev/null").c_str()),
            0);
  const double errors = m.FallbacksTotal("error");
  EXPECT_EQ(CourseTitle(*router, catalog), "Only");
  EXPECT_EQ(m.FallbacksTotal("error"), errors + 1);
  // The next measure notices; reads stop trying the replica.
  router->MeasureOnce();
  EXPECT_FALSE(router->serving());
  EXPECT_EQ(router->staleness(), std::nullopt);
  EXPECT_EQ(CourseTitle(*router, catalog), "Only");

  // Back (still a standby: standby.signal stays): trusted again once
  // measured.
  ASSERT_EQ(
      std::system(
          (cluster + "start " + state + " --fast >/dev/null 2>&1").c_str()),
      0);
  MeasureUntilCaughtUp(*router);
  EXPECT_TRUE(router->serving());
  EXPECT_EQ(CourseTitle(*router, catalog), "Only");
}

TEST_F(ReadReplicaTest, TheReadUrlMustBeAStandbyOfThePrimary) {
  const storage::CatalogRow catalog = CreateCatalog("Primary");
  SetContent(catalog, "Here");
  // The primary itself as the "replica": same system identifier, not a
  // standby. Never trusted (a promoted copy would look the same).
  auto router = Router(env_->dsn());
  ASSERT_NE(router, nullptr);
  router->MeasureOnce();
  EXPECT_FALSE(router->serving());
  EXPECT_EQ(router->staleness(), std::nullopt);
  EXPECT_EQ(CourseTitle(*router, catalog), "Here");
}

TEST_F(ReadReplicaTest, AnUnreachableReplicaCostsNoError) {
  const storage::CatalogRow catalog = CreateCatalog("Unreachable");
  SetContent(catalog, "Still");
  auto router = Router(
      "postgresql://postgres@/postgres?host=/nonexistent-ec-replica&port=1");
  ASSERT_NE(router, nullptr);
  router->MeasureOnce();
  EXPECT_FALSE(router->serving());
  EXPECT_EQ(CourseTitle(*router, catalog), "Still");
}

}  // namespace
}  // namespace ec
