// The membership index at the size issue 15 names: 1,000 catalog queries of
// 2,000 members (2 million membership rows) over 200,000 content rows (half
// of them runs of the other half), 1,000 catalogs of 50 enterprises. Seeds a
// throwaway database with plain SQL (no crawl), then loads the snapshot
// three times and reports the load time, the snapshot's bytes (per
// membership row and in all), the process's resident memory, and the cost
// of a 10-key contains and a 10-key customer contains answered from it.
// Then runs a MembershipFeed on that database and reports how long a
// committed change takes to be answered from its snapshot: 200 times, one
// query's members are replaced (a statement as a crawl's apply makes), and
// the time from COMMIT returning to the new version being installed is
// taken (p50, p99, max).
//
//   EC_TEST_PG_DSN=... ec_index_bench      (scripts/bench.sh index)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <algorithm>
#include <thread>

#include "index/live_membership.h"
#include "storage/pg/membership_feed.h"
#include "storage/pg/membership_loader.h"
#include "tests/support/test_env.h"

namespace ec::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kQueries = 1000;
constexpr int kMembersPerQuery = 2000;
constexpr int kCourses = 100000;  // each with one run: 200,000 content rows
constexpr int kEnterprises = 50;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "ec_index_bench: %s\n", message.c_str());
  std::exit(1);
}

// Member i of query q: a window of the content that moves with q, half
// courses and half runs, so queries overlap as real filters do.
const char* kSeed = R"sql(
INSERT INTO content_metadata (content_key, content_type, parent_content_key,
                              json_metadata, document_hash)
SELECT 'BenchX+C' || i, 'course', NULL, '{}', md5(i::text)
FROM generate_series(0, $COURSES - 1) i
UNION ALL
SELECT 'course-v1:BenchX+C' || i || '+1T2026', 'courserun', 'BenchX+C' || i,
       '{}', md5(i::text)
FROM generate_series(0, $COURSES - 1) i;
INSERT INTO catalog_query (uuid, content_filter, content_filter_hash)
SELECT gen_random_uuid(), '{"q": ' || q || '}', md5(q::text)
FROM generate_series(0, $QUERIES - 1) q;
INSERT INTO catalog_query_content (catalog_query_id, content_key)
SELECT cq.id,
       CASE WHEN m % 2 = 0
            THEN 'BenchX+C' || ((q * 97 + m) % $COURSES)
            ELSE 'course-v1:BenchX+C' || ((q * 97 + m) % $COURSES) || '+1T2026'
       END
FROM generate_series(0, $QUERIES - 1) q
JOIN catalog_query cq ON cq.content_filter_hash = md5(q::text)
CROSS JOIN generate_series(0, $MEMBERS - 1) m;
INSERT INTO enterprise_catalog (uuid, title, enterprise_uuid, catalog_query_id,
                                enabled_course_modes)
SELECT gen_random_uuid(), 'Catalog ' || cq.id,
       ('00000000-0000-4000-8000-' || lpad((cq.id % $ENTERPRISES)::text, 12, '0'))::uuid,
       cq.id, '{verified}'
FROM catalog_query cq;
ANALYZE;
)sql";

std::string Replace(std::string text, const std::string& from, int value) {
  for (size_t at; (at = text.find(from)) != std::string::npos;) {
    text.replace(at, from.size(), std::to_string(value));
  }
  return text;
}

long MaxRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Commit-to-installed latency of a feed following `env`'s database.
int NotificationLatency(testing::StoreEnv& env) {
  index::LiveMembership live;
  storage::pg::MembershipFeedOptions options;
  options.database = env.config();
  options.full_reload_interval = std::chrono::milliseconds(0);
  storage::pg::MembershipFeed feed(options, &live);
  feed.Start();
  while (live.Current() == nullptr) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto query = env.QueryInt("SELECT min(id) FROM catalog_query");
  if (!query.ok()) Die(std::string(query.status().message()));
  {
    const auto start = Clock::now();
    auto members = storage::pg::LoadQueryMembers(*env.pool(), *query);
    if (!members.ok()) Die(std::string(members.status().message()));
    const auto read = Clock::now();
    auto next = live.Current()->WithQuery(*query, members->version + 1,
                                          members->member_keys, members->links);
    std::printf(
        "one query's reload: read %.2f ms (%zu members, %zu links), swap "
        "%.2f ms\n",
        std::chrono::duration<double, std::milli>(read - start).count(),
        members->member_keys.size(), members->links.size(),
        std::chrono::duration<double, std::milli>(Clock::now() - read).count());
  }
  constexpr int kChanges = 200;
  std::vector<double> ms;
  for (int i = 0; i < kChanges; ++i) {
    // Alternately drop and restore one member: two statements' worth of
    // versions over the run, each change committed on its own.
    const std::string key = "BenchX+C" + std::to_string(i % 50);
    const std::string sql =
        i % 2 == 0
            ? "DELETE FROM catalog_query_content WHERE catalog_query_id = " +
                  std::to_string(*query) + " AND content_key = '" + key + "'"
            : "INSERT INTO catalog_query_content VALUES (" +
                  std::to_string(*query) + ", '" + "BenchX+C" +
                  std::to_string((i - 1) % 50) + "') ON CONFLICT DO NOTHING";
    if (absl::Status s = env.Exec(sql); !s.ok()) {
      Die(std::string(s.message()));
    }
    const auto committed = Clock::now();
    auto version =
        env.QueryInt("SELECT members_version FROM catalog_query WHERE id = " +
                     std::to_string(*query));
    if (!version.ok()) Die(std::string(version.status().message()));
    // Polled every 100 µs: a spinning reader would take the core the
    // feed and PostgreSQL need on a 2-core machine.
    while (live.Current() == nullptr ||
           live.Current()->QueryVersion(*query) < *version) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - committed)
            .count());
  }
  feed.Stop();
  std::sort(ms.begin(), ms.end());
  std::printf(
      "notification to installed snapshot (%d commits, 2M-row index): p50 "
      "%.2f ms, p99 %.2f ms, max %.2f ms\n",
      kChanges, ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back());
  return 0;
}

int Main() {
  auto env = testing::StoreEnv::Create(1);
  if (!env.ok()) Die(env.status().ToString());
  std::string seed = Replace(kSeed, "$COURSES", kCourses);
  seed = Replace(seed, "$QUERIES", kQueries);
  seed = Replace(seed, "$MEMBERS", kMembersPerQuery);
  seed = Replace(seed, "$ENTERPRISES", kEnterprises);
  auto t0 = Clock::now();
  if (auto s = (*env)->Exec(seed); !s.ok()) Die(s.ToString());
  std::printf("seeded in %.1f s\n",
              std::chrono::duration<double>(Clock::now() - t0).count());

  const long rss_before = MaxRssKb();
  std::shared_ptr<const index::MembershipSnapshot> snapshot;
  for (int i = 0; i < 3; ++i) {
    snapshot.reset();
    t0 = Clock::now();
    auto loaded = storage::pg::LoadMembershipSnapshot(*(*env)->pool());
    if (!loaded.ok()) Die(loaded.status().ToString());
    snapshot = *std::move(loaded);
    std::printf("load %d: %.2f s\n", i + 1,
                std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const size_t bytes = snapshot->MemoryBytes();
  std::printf(
      "%zu content keys, %zu membership rows, %zu catalogs\n"
      "snapshot: %.1f MB, %.1f bytes per membership row (keys included)\n"
      "peak resident memory: %.1f MB before loading, %.1f MB after\n",
      snapshot->content_keys(), snapshot->membership_rows(),
      snapshot->catalogs(), bytes / 1e6,
      static_cast<double>(bytes) / snapshot->membership_rows(),
      rss_before / 1e3, MaxRssKb() / 1e3);

  // 10-key requests: 5 keys of the first query's window, 5 unknown.
  const std::vector<std::string> catalogs = [&] {
    std::vector<std::string> uuids;
    auto text = (*env)->QueryText(
        "SELECT string_agg(uuid::text, ',' ORDER BY created) "
        "FROM enterprise_catalog");
    if (!text.ok()) Die(text.status().ToString());
    for (size_t at = 0; at < text->size(); at += 37) {
      uuids.push_back(text->substr(at, 36));
    }
    return uuids;
  }();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> course(0, kCourses - 1);
  constexpr int kCalls = 200000;
  std::vector<std::vector<std::string>> requests(1000);
  for (auto& keys : requests) {
    for (int k = 0; k < 5; ++k) {
      keys.push_back("BenchX+C" + std::to_string(course(rng)));
      keys.push_back("course-v1:Nobody+" + std::to_string(course(rng)));
    }
  }
  size_t hits = 0;
  t0 = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    auto r = snapshot->ContainedKeys(catalogs[i % catalogs.size()],
                                     requests[i % requests.size()]);
    hits += r->keys.size();
  }
  const double contains_us =
      std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
      kCalls;
  t0 = Clock::now();
  for (int i = 0; i < kCalls / 10; ++i) {
    const std::string enterprise =
        "00000000-0000-4000-8000-" +
        std::string(12 - std::to_string(i % kEnterprises).size(), '0') +
        std::to_string(i % kEnterprises);
    auto r = snapshot->CatalogsContainingAny(enterprise,
                                             requests[i % requests.size()]);
    hits += r.has_value() ? r->size() : 0;
  }
  const double customer_us =
      std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
      (kCalls / 10);
  std::printf(
      "10-key contains from memory: %.2f µs a call; 10-key customer "
      "contains (%zu catalogs an enterprise): %.2f µs a call (%zu hits)\n",
      contains_us, catalogs.size() / kEnterprises, customer_us, hits);
  return NotificationLatency(**env);
}

}  // namespace
}  // namespace ec::bench

int main() { return ec::bench::Main(); }
