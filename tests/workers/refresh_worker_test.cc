// The refresh worker's decisions on the fakes, with an injected clock: what
// a job's attempt leaves behind for every way a crawl can end. The real
// discovery client, HTTP and PostgreSQL are
// tests/e2e/refresh_pipeline_test.cc's.
#include "workers/refresh_worker.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "google/protobuf/util/json_util.h"
#include "tests/fakes/fake_catalog_store.h"
#include "tests/fakes/fake_content_source.h"
#include "tests/fakes/fake_refresh_queue.h"

namespace ec::workers {
namespace {

using storage::JobState;
using ::testing::HasSubstr;

constexpr common::Micros kSecond = 1'000'000;
constexpr common::Micros kHour = 3600 * kSecond;
constexpr common::Micros kT0 = 1767225600LL * kSecond;  // 2026-01-01
constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";

std::vector<std::string> Keys(int n, const std::string& prefix = "edX+C") {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(prefix + std::to_string(i));
  return keys;
}

// A crawl that returned `keys` as courses, counted as discovery would.
fakes::ScriptedCrawl Crawl(const std::vector<std::string>& keys) {
  fakes::ScriptedCrawl crawl;
  crawl.records = fakes::CourseRecords(keys);
  crawl.stats.pages = 1;
  crawl.stats.results = static_cast<int64_t>(keys.size());
  crawl.stats.reported_count = static_cast<int64_t>(keys.size());
  crawl.stats.last_count = crawl.stats.reported_count;
  crawl.stats.distinct = crawl.stats.results;
  return crawl;
}

class RefreshWorkerTest : public ::testing::Test {
 protected:
  RefreshWorkerTest() : queue_(&store_) {
    config_.threads = 1;
    config_.lease = std::chrono::seconds(60);
    config_.policy.max_attempts = 3;
    config_.policy.retry_base = std::chrono::seconds(60);
    config_.policy.retry_max = std::chrono::seconds(600);
    config_.owner = "test";
    worker_ = std::make_unique<RefreshWorker>(&queue_, nullptr,
                                              source_.Factory(), config_,
                                              [this] { return now_.load(); });
  }

  // A catalog on a filter of its own, with a job queued for its query.
  std::string Catalog(const std::string& filter_json) {
    google::protobuf::Struct filter;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(filter_json, &filter).ok());
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "t";
    c.enterprise_uuid = kEnterprise;
    c.filter = *domain::CanonicalizeFilter(filter);
    EXPECT_TRUE(store_.CreateCatalog(c).ok());
    return c.uuid;
  }

  // With `force`, approves the query's held crawl, as RefreshCatalog does.
  storage::RefreshJobRow Enqueue(const std::string& catalog,
                                 bool force = false) {
    std::optional<storage::RemovalApproval> approval;
    if (force) {
      auto target = queue_.RefreshStateOf(catalog);
      EXPECT_TRUE(target.ok() && target->held.has_value());
      if (target.ok()) approval = target->held;
    }
    auto job = queue_.EnqueueForCatalog(catalog, storage::JobReason::kRequested,
                                        approval, config_.policy.max_attempts,
                                        now_.load());
    EXPECT_TRUE(job.ok()) << job.status();
    return job->job;
  }

  storage::RefreshJobRow RunOnce() {
    auto ran = worker_->RunOnce();
    EXPECT_TRUE(ran.ok()) << ran.status();
    EXPECT_TRUE(ran.ok() && ran->has_value()) << "no job ran";
    return ran.ok() && ran->has_value() ? **ran : storage::RefreshJobRow{};
  }

  int64_t Members(const std::string& catalog) {
    auto row = store_.GetCatalog(catalog);
    EXPECT_TRUE(row.ok());
    return row.ok() ? row->content_count : -1;
  }

  std::atomic<common::Micros> now_{kT0};
  fakes::FakeCatalogStore store_;
  fakes::FakeRefreshQueue queue_;
  fakes::FakeContentSource source_;
  WorkerConfig config_;
  std::unique_ptr<RefreshWorker> worker_;
};

TEST_F(RefreshWorkerTest, NothingDueMeansNothingRuns) {
  auto ran = worker_->RunOnce();
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_FALSE(ran->has_value());
}

TEST_F(RefreshWorkerTest, ACompleteCrawlIsAppliedAndTheJobSucceeds) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  Enqueue(catalog);
  source_.Push(Crawl(Keys(3)));
  const storage::RefreshJobRow job = RunOnce();
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(job.counts.members_after, 3);
  EXPECT_EQ(job.counts.members_added, 3);
  EXPECT_EQ(job.counts.content_inserted, 3);
  EXPECT_EQ(job.counts.items_seen, 3);
  EXPECT_EQ(Members(catalog), 3);
  // The query's canonical filter is what was crawled.
  EXPECT_THAT(source_.Filters(),
              ::testing::ElementsAre(R"({"content_type": "course"})"));
}

TEST_F(RefreshWorkerTest, AFailedCrawlBacksOffThenFailsAndKeepsTheData) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  Enqueue(catalog);
  source_.Push(Crawl(Keys(2)));
  ASSERT_EQ(RunOnce().state, JobState::kSucceeded);

  Enqueue(catalog);
  fakes::ScriptedCrawl down;
  down.status = absl::UnavailableError("discovery is down");
  source_.SetFallback(down);
  storage::RefreshJobRow job = RunOnce();
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_THAT(job.last_error, HasSubstr("UNAVAILABLE: discovery is down"));
  // Equal jitter over the base delay: between half of it and all of it.
  EXPECT_GE(job.run_after, now_.load() + 30 * kSecond);
  EXPECT_LE(job.run_after, now_.load() + 60 * kSecond);
  // Not due yet: nothing runs.
  auto idle = worker_->RunOnce();
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(idle->has_value());

  for (int attempt = 2; attempt <= config_.policy.max_attempts; ++attempt) {
    now_ += kHour;
    job = RunOnce();
    EXPECT_EQ(job.attempts, attempt);
  }
  EXPECT_EQ(job.state, JobState::kFailed);
  ASSERT_TRUE(job.finished.has_value());
  EXPECT_EQ(Members(catalog), 2);
}

TEST_F(RefreshWorkerTest, AnIncompleteCrawlIsNotApplied) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  Enqueue(catalog);
  fakes::ScriptedCrawl partial = Crawl(Keys(3));
  partial.stats.reported_count = partial.stats.last_count = 5;  // two unseen
  source_.Push(partial);
  const storage::RefreshJobRow job = RunOnce();
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_THAT(job.last_error, HasSubstr("DATA_LOSS"));
  EXPECT_EQ(Members(catalog), 0);
}

// Issue 14, defect 9: an exception in a crawl fails that attempt (retried
// later) instead of ending the worker process.
TEST_F(RefreshWorkerTest, AnExceptionFailsTheAttemptNotTheWorker) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  Enqueue(catalog);
  fakes::ScriptedCrawl throwing = Crawl(Keys(3));
  throwing.during = [] { throw std::runtime_error("parser bug"); };
  source_.Push(throwing);
  const storage::RefreshJobRow failed = RunOnce();
  EXPECT_EQ(failed.state, JobState::kQueued);
  EXPECT_THAT(failed.last_error, HasSubstr("unexpected exception: parser bug"));
  EXPECT_EQ(Members(catalog), 0);
  now_ += kHour;
  source_.Push(Crawl(Keys(3)));
  EXPECT_EQ(RunOnce().state, JobState::kSucceeded);
  EXPECT_EQ(Members(catalog), 3);
}

TEST_F(RefreshWorkerTest, ACrawlWithARepeatedResultIsNotApplied) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  Enqueue(catalog);
  source_.Push(Crawl(Keys(3)));
  ASSERT_EQ(RunOnce().state, JobState::kSucceeded);
  // Two of the three courses and a person seen twice, for a count of 4: as
  // many results as counted, yet one course was never seen.
  Enqueue(catalog);
  fakes::ScriptedCrawl repeat = Crawl(Keys(2));
  repeat.stats.reported_count = repeat.stats.last_count = 4;
  repeat.stats.results = 4;
  repeat.stats.distinct = 3;
  repeat.stats.repeated = 1;
  repeat.stats.first_repeat = "a:person:1";
  source_.Push(repeat);
  const storage::RefreshJobRow job = RunOnce();
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_THAT(job.last_error, HasSubstr("DATA_LOSS"));
  EXPECT_THAT(job.last_error, HasSubstr("a:person:1"));
  EXPECT_EQ(Members(catalog), 3);
}

TEST_F(RefreshWorkerTest, ACrawlPastASaturatedCountAddsButRemovesOnlyForced) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  Enqueue(catalog);
  fakes::ScriptedCrawl big = Crawl(Keys(10001));
  big.stats.reported_count = big.stats.last_count = 10000;  // saturated
  source_.Push(big);
  ASSERT_EQ(RunOnce().state, JobState::kSucceeded);  // only additions
  EXPECT_EQ(Members(catalog), 10001);

  Enqueue(catalog);
  fakes::ScriptedCrawl smaller = Crawl(Keys(10000));
  smaller.stats.reported_count = smaller.stats.last_count = 10000;
  source_.Push(smaller);
  const storage::RefreshJobRow held = RunOnce();
  EXPECT_EQ(held.state, JobState::kHeld);
  EXPECT_THAT(held.last_error, HasSubstr("count stops at 10000"));
  EXPECT_EQ(Members(catalog), 10001);

  Enqueue(catalog, /*force=*/true);
  source_.Push(smaller);
  EXPECT_EQ(RunOnce().state, JobState::kSucceeded);
  EXPECT_EQ(Members(catalog), 10000);
}

TEST_F(RefreshWorkerTest, TheGuardrailHoldsADrasticShrinkUntilForced) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  Enqueue(catalog);
  source_.Push(Crawl(Keys(100)));
  ASSERT_EQ(RunOnce().state, JobState::kSucceeded);

  Enqueue(catalog);
  source_.Push(Crawl(Keys(10)));
  const storage::RefreshJobRow held = RunOnce();
  EXPECT_EQ(held.state, JobState::kHeld);
  EXPECT_EQ(held.counts.members_removed, 90);
  EXPECT_THAT(held.last_error, HasSubstr("would remove 90 of 100"));
  EXPECT_EQ(Members(catalog), 100);

  Enqueue(catalog, /*force=*/true);
  source_.Push(Crawl(Keys(10)));
  const storage::RefreshJobRow forced = RunOnce();
  EXPECT_EQ(forced.state, JobState::kSucceeded);
  EXPECT_EQ(Members(catalog), 10);
}

TEST_F(RefreshWorkerTest, ALostLeaseDiscardsTheResult) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  const storage::RefreshJobRow queued = Enqueue(catalog);
  fakes::ScriptedCrawl crawl = Crawl(Keys(4));
  crawl.during = [&] { queue_.StealLease(queued.uuid); };
  source_.Push(crawl);
  auto ran = worker_->RunOnce();
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_FALSE(ran->has_value());
  EXPECT_EQ(Members(catalog), 0);
}

TEST_F(RefreshWorkerTest, StoppingMidCrawlReleasesTheJobUncounted) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  const storage::RefreshJobRow queued = Enqueue(catalog);
  fakes::ScriptedCrawl crawl = Crawl(Keys(4));
  crawl.pages = 3;
  crawl.during = [&] { worker_->Stop(); };
  source_.Push(crawl);
  auto ran = worker_->RunOnce();
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_FALSE(ran->has_value());
  auto job = queue_.GetJob(queued.uuid);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kQueued);
  EXPECT_EQ(job->attempts, 0);
  EXPECT_EQ(Members(catalog), 0);
}

TEST_F(RefreshWorkerTest, TheSchedulerQueuesStaleQueriesOnly) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  auto pass = worker_->ScheduleOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->jobs_created, 1);  // never refreshed
  source_.Push(Crawl(Keys(1)));
  ASSERT_EQ(RunOnce().state, JobState::kSucceeded);

  now_ += kHour;
  pass = worker_->ScheduleOnce();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->jobs_created, 0);  // fresh
  now_ += 12 * kHour;
  pass = worker_->ScheduleOnce();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->jobs_created, 1);  // older than max_age
}

TEST_F(RefreshWorkerTest, ADatabaseOutageIsReturnedNotRecorded) {
  const std::string catalog = Catalog(R"({"content_type": "course"})");
  Enqueue(catalog);
  queue_.FailEveryCall(absl::UnavailableError("database down"));
  auto ran = worker_->RunOnce();
  EXPECT_EQ(ran.status().code(), absl::StatusCode::kUnavailable);
  queue_.FailEveryCall(absl::OkStatus());
  source_.Push(Crawl(Keys(1)));
  EXPECT_EQ(RunOnce().state, JobState::kSucceeded);
}

}  // namespace
}  // namespace ec::workers
