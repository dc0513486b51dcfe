// The membership index loaded from PostgreSQL answers exactly what the
// database answers: thousands of random contains requests compared with
// the store's own statements (contained_keys.sql, catalogs_containing_any.sql),
// before and after the catalogs' content is refreshed, whether the snapshot
// after is loaded whole or has each changed query swapped in. And every change
// that can change those answers is announced on ec_membership.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "common/uuid.h"
#include "metrics/metrics.h"
#include "storage/pg/membership_feed.h"
#include "storage/pg/membership_loader.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

constexpr char kEnterprise1[] = "11111111-1111-4111-8111-111111111111";
constexpr char kEnterprise2[] = "22222222-2222-4222-8222-222222222222";
constexpr int kCourses = 300;

std::string Course(int i) { return "edX+D" + std::to_string(i); }
std::string NestedRun(int i, int j) {
  return "course-v1:edX+D" + std::to_string(i) + "+N" + std::to_string(j);
}
std::string StandaloneRun(int i) {
  return "course-v1:edX+D" + std::to_string(i) + "+S";
}

class MembershipIndexTest : public testing::SharedStoreTest<> {
 protected:
  storage::CatalogStore& store() { return *env_->store(); }

  storage::CatalogRow Create(const std::string& filter_json,
                             const std::string& enterprise) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "Catalog";
    c.enterprise_uuid = enterprise;
    c.filter = testing::Filter(filter_json);
    c.enabled_course_modes = {"verified"};
    auto row = store().CreateCatalog(c);
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? *row : storage::CatalogRow{};
  }

  // A random part of the content: each course (with its two nested runs)
  // and each standalone run kept with probability `share`.
  void Load(const storage::CatalogRow& catalog, double share) {
    std::bernoulli_distribution keep(share);
    std::vector<std::string> docs;
    for (int i = 0; i < kCourses; ++i) {
      if (keep(rng_)) {
        docs.push_back(testing::CourseDoc(Course(i), "Course",
                                          {NestedRun(i, 0), NestedRun(i, 1)}));
      }
      if (i % 2 == 0 && keep(rng_)) {
        docs.push_back(testing::RunDoc(StandaloneRun(i), Course(i)));
      }
    }
    auto id = env_->QueryInt(
        "SELECT catalog_query_id FROM enterprise_catalog WHERE uuid = '" +
        catalog.uuid + "'");
    ASSERT_TRUE(id.ok()) << id.status();
    ASSERT_TRUE(store().ReplaceQueryContent(*id, testing::Records(docs)).ok());
  }

  // 1 to 10 keys: courses, nested and standalone runs, and unknown keys.
  std::vector<std::string> RandomKeys() {
    std::uniform_int_distribution<int> count(1, 10), kind(0, 3),
        course(0, kCourses + 20);
    std::vector<std::string> keys;
    for (int n = count(rng_); n > 0; --n) {
      const int i = course(rng_);
      switch (kind(rng_)) {
        case 0:
          keys.push_back(Course(i));
          break;
        case 1:
          keys.push_back(NestedRun(i, i % 2));
          break;
        case 2:
          keys.push_back(StandaloneRun(i));
          break;
        default:
          keys.push_back("course-v1:Nobody+" + std::to_string(i));
      }
    }
    return keys;
  }

  // Compares `requests` random requests on every catalog and enterprise.
  std::shared_ptr<const index::MembershipSnapshot> LoadAll() {
    auto snapshot = storage::pg::LoadMembershipSnapshot(*env_->pool());
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return snapshot.ok() ? *snapshot : nullptr;
  }

  // `snapshot` with every query of `catalogs` reloaded as a notification
  // would have it (LoadQueryMembers, WithQuery).
  std::shared_ptr<const index::MembershipSnapshot> ReloadQueries(
      std::shared_ptr<const index::MembershipSnapshot> snapshot,
      const std::vector<storage::CatalogRow>& catalogs) {
    for (const auto& catalog : catalogs) {
      auto id = env_->QueryInt(
          "SELECT catalog_query_id FROM enterprise_catalog WHERE uuid = '" +
          catalog.uuid + "'");
      EXPECT_TRUE(id.ok()) << id.status();
      auto query = storage::pg::LoadQueryMembers(*env_->pool(), *id);
      EXPECT_TRUE(query.ok()) << query.status();
      auto next = snapshot->WithQuery(*id, query->version, query->member_keys,
                                      query->links);
      // Two catalogs share a query: its second reload is a late one.
      if (next != nullptr) snapshot = std::move(next);
    }
    return snapshot;
  }

  void ExpectSameAnswers(const index::MembershipSnapshot& index,
                         const std::vector<storage::CatalogRow>& catalogs,
                         int requests) {
    int contained = 0;
    for (int r = 0; r < requests; ++r) {
      const std::vector<std::string> keys = RandomKeys();
      for (const auto& catalog : catalogs) {
        auto db = store().ContainedKeys(catalog.uuid, keys);
        ASSERT_TRUE(db.ok()) << db.status();
        auto mem = index.ContainedKeys(catalog.uuid, keys);
        ASSERT_TRUE(mem.has_value()) << catalog.uuid;
        EXPECT_EQ(mem->enterprise_uuid, db->enterprise_uuid);
        EXPECT_EQ(std::set<std::string>(mem->keys.begin(), mem->keys.end()),
                  std::set<std::string>(db->keys.begin(), db->keys.end()))
            << "catalog " << catalog.uuid << " request " << r;
        contained += static_cast<int>(mem->keys.size());
      }
      for (const char* enterprise : {kEnterprise1, kEnterprise2}) {
        auto db = store().CatalogsContainingAny(enterprise, keys);
        ASSERT_TRUE(db.ok()) << db.status();
        auto mem = index.CatalogsContainingAny(enterprise, keys);
        // An enterprise without catalogs is left to the database.
        if (!mem) {
          EXPECT_THAT(*db, ::testing::IsEmpty());
          continue;
        }
        EXPECT_EQ(*mem, *db) << "enterprise " << enterprise << " request " << r;
      }
    }
    // The comparison saw both answers, not only "no".
    EXPECT_GT(contained, requests);
    EXPECT_FALSE(
        index.ContainedKeys(common::NewUuidV4(), {Course(1)}).has_value());
  }

  // Polls `done` for up to 20 s.
  static bool WaitFor(const std::function<bool()>& done) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  std::shared_ptr<const index::MembershipSnapshot> CaughtUpSnapshot(
      const index::LiveMembership& live) {
    return env_->WaitForMembership(live);
  }

  std::mt19937 rng_{20261202};
};

TEST_F(MembershipIndexTest, AnswersAsTheDatabaseDoesBeforeAndAfterRefreshes) {
  std::vector<storage::CatalogRow> catalogs = {
      Create(R"({"content_type": "course"})", kEnterprise1),
      Create(R"({"content_type": "courserun"})", kEnterprise1),
      Create(R"({"org": "edX"})", kEnterprise1),
      // The same filter as the first: one query, two catalogs.
      Create(R"({"content_type": "course"})", kEnterprise2),
      Create(R"({"org": "MITx"})", kEnterprise2)};
  Load(catalogs[0], 0.5);
  Load(catalogs[1], 0.3);
  Load(catalogs[2], 0.8);
  // catalogs[4] stays empty.
  const auto first = LoadAll();
  ASSERT_NE(first, nullptr);
  ExpectSameAnswers(*first, catalogs, 1000);

  // Every query refreshed with other content: a full load follows, and so
  // does the first snapshot with each query reloaded as notified.
  Load(catalogs[0], 0.2);
  Load(catalogs[1], 0.6);
  Load(catalogs[2], 0.1);
  Load(catalogs[4], 0.4);
  const auto full = LoadAll();
  ASSERT_NE(full, nullptr);
  ExpectSameAnswers(*full, catalogs, 600);
  const auto swapped = ReloadQueries(first, catalogs);
  ExpectSameAnswers(*swapped, catalogs, 600);
  EXPECT_EQ(swapped->membership_rows(), full->membership_rows());
}

// What a process listening on ec_membership hears (0008_membership_notify.sql).
class Listener : public pqxx::notification_receiver {
 public:
  explicit Listener(pqxx::connection& conn)
      : pqxx::notification_receiver(conn, "ec_membership") {}
  void operator()(const std::string& payload, int) override {
    payloads.push_back(payload);
  }
  std::vector<std::string> payloads;
};

// Every notification delivered by now (each write below has committed, so
// its notifications are already on the way).
std::vector<std::string> Drain(pqxx::connection& conn, Listener& listener) {
  listener.payloads.clear();
  while (conn.await_notification(0, 200000) > 0) {
  }
  return listener.payloads;
}

TEST_F(MembershipIndexTest, MemberAndCatalogChangesAreAnnouncedWithVersions) {
  pqxx::connection conn(env_->dsn());
  Listener listener(conn);
  auto catalog = Create(R"({"content_type": "course"})", kEnterprise1);
  const auto created = Drain(conn, listener);
  EXPECT_THAT(created, ::testing::ElementsAre("catalog:" + catalog.uuid));
  auto id = env_->QueryInt(
      "SELECT catalog_query_id FROM enterprise_catalog WHERE uuid = '" +
      catalog.uuid + "'");
  ASSERT_TRUE(id.ok());
  const std::string query = "query:" + std::to_string(*id) + ":";

  auto load = [&](const std::vector<std::string>& keys) {
    std::vector<std::string> docs;
    for (const auto& key : keys) docs.push_back(testing::CourseDoc(key, "C"));
    ASSERT_TRUE(store().ReplaceQueryContent(*id, testing::Records(docs)).ok());
  };
  // Members added: one statement, one version.
  load({"edX+A", "edX+B"});
  EXPECT_THAT(Drain(conn, listener), ::testing::ElementsAre(query + "1"));
  // Nothing changed: nothing announced.
  load({"edX+A", "edX+B"});
  EXPECT_THAT(Drain(conn, listener), ::testing::IsEmpty());
  // One added and one removed: two statements, two versions, in order.
  load({"edX+A", "edX+C"});
  EXPECT_THAT(Drain(conn, listener),
              ::testing::UnorderedElementsAre(query + "2", query + "3"));
  auto version =
      env_->QueryInt("SELECT members_version FROM catalog_query WHERE id = " +
                     std::to_string(*id));
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 3);
  // A load reads the version with the members, so a notification it has
  // already seen is dropped.
  auto snapshot = storage::pg::LoadMembershipSnapshot(*env_->pool());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->QueryVersion(*id), 3);
  EXPECT_EQ((*snapshot)->WithQuery(*id, 3, {}, {}), nullptr);

  // A new title is not announced; a move to another query is.
  storage::CatalogUpdate retitle;
  retitle.uuid = catalog.uuid;
  retitle.enterprise_uuid = kEnterprise1;
  retitle.title = "Renamed";
  ASSERT_TRUE(store().UpdateCatalog(retitle).ok());
  EXPECT_THAT(Drain(conn, listener), ::testing::IsEmpty());
  storage::CatalogUpdate move = retitle;
  move.title.reset();
  move.filter = testing::Filter(R"({"content_type": "courserun"})");
  ASSERT_TRUE(store().UpdateCatalog(move).ok());
  EXPECT_THAT(Drain(conn, listener),
              ::testing::ElementsAre("catalog:" + catalog.uuid));
  ASSERT_TRUE(store().DeleteCatalog(catalog.uuid, kEnterprise1).ok());
  EXPECT_THAT(Drain(conn, listener),
              ::testing::ElementsAre("catalog:" + catalog.uuid));
}

TEST_F(MembershipIndexTest, TheFeedFollowsEveryChangeAndResyncsAfterALoss) {
  std::vector<storage::CatalogRow> catalogs = {
      Create(R"({"content_type": "course"})", kEnterprise1),
      Create(R"({"org": "edX"})", kEnterprise1)};
  Load(catalogs[0], 0.5);
  index::LiveMembership live;
  storage::pg::MembershipFeedOptions options;
  options.database.url = env_->dsn();
  options.retry_backoff = std::chrono::milliseconds(50);
  options.full_reload_interval = std::chrono::milliseconds(0);
  storage::pg::MembershipFeed feed(options, &live);
  EXPECT_EQ(live.Current(), nullptr);
  feed.Start();
  auto snapshot = CaughtUpSnapshot(live);
  ASSERT_NE(snapshot, nullptr);
  EXPECT_TRUE(feed.loaded());
  ExpectSameAnswers(*snapshot, catalogs, 200);

  // Catalogs created (one on a shared query), content refreshed: applied
  // from the notifications, without another full load.
  catalogs.push_back(Create(R"({"content_type": "course"})", kEnterprise2));
  catalogs.push_back(Create(R"({"org": "MITx"})", kEnterprise2));
  Load(catalogs[1], 0.7);
  Load(catalogs[3], 0.4);
  Load(catalogs[0], 0.3);
  snapshot = CaughtUpSnapshot(live);
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(feed.full_loads(), 1);
  EXPECT_GT(feed.batches_applied(), 0);
  ExpectSameAnswers(*snapshot, catalogs, 300);

  // A catalog moved to another filter and enterprise 2's first deleted.
  storage::CatalogUpdate move;
  move.uuid = catalogs[1].uuid;
  move.enterprise_uuid = kEnterprise1;
  move.filter = testing::Filter(R"({"org": "MITx"})");
  ASSERT_TRUE(store().UpdateCatalog(move).ok());
  ASSERT_TRUE(store().DeleteCatalog(catalogs[2].uuid, kEnterprise2).ok());
  const std::string deleted = catalogs[2].uuid;
  catalogs.erase(catalogs.begin() + 2);
  snapshot = CaughtUpSnapshot(live);
  ASSERT_NE(snapshot, nullptr);
  EXPECT_FALSE(snapshot->ContainedKeys(deleted, {Course(1)}).has_value());
  ExpectSameAnswers(*snapshot, catalogs, 300);

  // The connection is lost: memory is not answered from until a new
  // connection has loaded it whole, and a change made meanwhile is in.
  const double lost = metrics::IndexMetrics::Get().ListenerLostTotal();
  auto terminated = env_->QueryInt(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE datname = current_database() AND application_name = '" +
      std::string(storage::pg::kMembershipFeedApplicationName) + "'");
  ASSERT_TRUE(terminated.ok()) << terminated.status();
  ASSERT_EQ(*terminated, 1);
  Load(catalogs[2], 0.6);
  ASSERT_TRUE(WaitFor([&] { return feed.full_loads() >= 2; }));
  EXPECT_EQ(metrics::IndexMetrics::Get().ListenerLostTotal(), lost + 1);
  snapshot = CaughtUpSnapshot(live);
  ASSERT_NE(snapshot, nullptr);
  ExpectSameAnswers(*snapshot, catalogs, 300);

  // Emptied by TRUNCATE, which no row trigger sees: a full load again.
  const int64_t loads = feed.full_loads();
  ASSERT_TRUE(env_->Truncate().ok());
  ASSERT_TRUE(WaitFor([&] { return feed.full_loads() > loads; }));
  snapshot = CaughtUpSnapshot(live);
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(snapshot->catalogs(), 0u);
  EXPECT_EQ(snapshot->membership_rows(), 0u);

  feed.Stop();
  EXPECT_EQ(live.Current(), nullptr);
}

}  // namespace
}  // namespace ec
