// The refresh job queue against a real PostgreSQL: one active job per
// query, leases that fence dead workers, retries with backoff, the
// guardrail, the scheduler, and the catalog triggers. Time is injected.
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

using storage::JobReason;
using storage::JobState;
using storage::Micros;

constexpr Micros kSecond = 1000000;
constexpr Micros kHour = 3600 * kSecond;
// 2026-01-01T00:00:00Z: an arbitrary fixed "now" for the injected clock.
constexpr Micros kT0 = 1767225600LL * kSecond;
constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";

using testing::Filter;

std::vector<std::string> CourseDocs(int n, const std::string& prefix = "C") {
  std::vector<std::string> docs;
  for (int i = 0; i < n; ++i) {
    docs.push_back(testing::CourseDoc("edX+" + prefix + std::to_string(i),
                                      "Course " + std::to_string(i)));
  }
  return docs;
}

class QueueTest : public testing::SharedStoreTest<4> {
 protected:
  storage::CatalogStore& store() { return *env_->store(); }
  storage::RefreshQueue& queue() { return *env_->queue(); }

  storage::CatalogRow Create(const std::string& filter_json,
                             const std::string& enterprise = kEnterprise) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "Catalog";
    c.enterprise_uuid = enterprise;
    c.filter = Filter(filter_json);
    c.enabled_course_modes = {"verified"};
    auto row = store().CreateCatalog(c);
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? *row : storage::CatalogRow{};
  }

  // With `force`, approves the query's held crawl, as RefreshCatalog does.
  storage::EnqueueResult Enqueue(const storage::CatalogRow& catalog,
                                 Micros now = kT0, bool force = false,
                                 int max_attempts = 3) {
    std::optional<storage::RemovalApproval> approval;
    if (force) {
      auto target = queue().RefreshStateOf(catalog.uuid);
      EXPECT_TRUE(target.ok()) << target.status();
      if (target.ok()) approval = target->held;
      EXPECT_TRUE(approval.has_value()) << "nothing held to force";
    }
    auto r = queue().EnqueueForCatalog(catalog.uuid, JobReason::kRequested,
                                       approval, max_attempts, now);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : storage::EnqueueResult{};
  }

  std::optional<storage::LeasedJob> Lease(Micros now,
                                          const std::string& owner = "w1",
                                          Micros lease = 10 * kSecond) {
    auto r = queue().Lease(owner, lease, now);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }

  storage::RefreshJobRow Complete(const storage::LeasedJob& lease,
                                  const std::vector<std::string>& docs,
                                  Micros now) {
    auto r = queue().CompleteWithCrawl(lease, testing::Records(docs), {},
                                       domain::GuardrailPolicy{}, now);
    EXPECT_TRUE(r.ok()) << r.status();
    // A crawl that changed courses queues the full-metadata job
    // (FullJobIsQueuedOnceByCrawlsThatChangeCourses); these tests are about
    // crawl jobs, so it is taken out of their way.
    EXPECT_TRUE(env_->Exec("DELETE FROM refresh_job WHERE kind = 'full'").ok());
    return r.ok() ? *r : storage::RefreshJobRow{};
  }

  // Fills the catalog's query with `n` courses through a job.
  void Fill(const storage::CatalogRow& catalog, int n, Micros now = kT0) {
    Enqueue(catalog, now);
    auto lease = Lease(now);
    ASSERT_TRUE(lease.has_value());
    EXPECT_EQ(Complete(*lease, CourseDocs(n), now).state, JobState::kSucceeded);
  }

  int64_t Int(const std::string& sql) {
    auto v = env_->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status() << " " << sql;
    return v.ok() ? *v : -1;
  }

  int64_t Members(const storage::CatalogRow& catalog) {
    return Int(
        "SELECT count(*) FROM catalog_query_content qc JOIN "
        "enterprise_catalog c ON c.catalog_query_id = qc.catalog_query_id "
        "WHERE c.uuid = '" +
        catalog.uuid + "'");
  }
};

TEST_F(QueueTest, ConcurrentRequestsForOneQueryMakeOneJob) {
  // Two catalogs share the filter, so they share the query and its job.
  auto a = Create(R"({"content_type": "course"})");
  auto b = Create(R"({"content_type": "course"})");
  std::vector<std::string> uuids(16);
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto r = env_->queue()->EnqueueForCatalog(
          (i % 2 ? a : b).uuid, JobReason::kRequested, std::nullopt, 3, kT0);
      ASSERT_TRUE(r.ok()) << r.status();
      uuids[i] = r->job.uuid;
      if (r->created) ++created;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(std::set<std::string>(uuids.begin(), uuids.end()).size(), 1u);
  EXPECT_EQ(Int("SELECT count(*) FROM refresh_job"), 1);
}

TEST_F(QueueTest, UnknownCatalogIsNotFound) {
  auto r = queue().EnqueueForCatalog(common::NewUuidV4(), JobReason::kRequested,
                                     std::nullopt, 3, kT0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(queue().GetJob(common::NewUuidV4()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(QueueTest, ARepeatedRequestIsAnsweredByTheCrawlThatJustSucceeded) {
  auto a = Create(R"({"content_type": "course"})");
  Fill(a, 3, kT0);
  auto state = queue().RefreshStateOf(a.uuid);
  ASSERT_TRUE(state.ok()) << state.status();
  const std::string filled = state->latest_job_uuid;
  ASSERT_FALSE(filled.empty());

  // Finished at kT0: a request allowing answers since then gets that job.
  auto answered = queue().RequestRefresh(a.uuid, kT0, 3, kT0 + kSecond);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_FALSE(answered->created);
  EXPECT_EQ(answered->job.uuid, filled);
  EXPECT_EQ(answered->job.state, JobState::kSucceeded);
  EXPECT_EQ(Int("SELECT count(*) FROM refresh_job"), 1);

  // Older than the allowed age: a new job, which the next request joins.
  auto queued = queue().RequestRefresh(a.uuid, kT0 + 1, 3, kT0 + kSecond);
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_TRUE(queued->created);
  EXPECT_EQ(queued->job.reason, JobReason::kRequested);
  auto joined = queue().RequestRefresh(a.uuid, kT0, 3, kT0 + kSecond);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_FALSE(joined->created);
  EXPECT_EQ(joined->job.uuid, queued->job.uuid);

  EXPECT_EQ(
      queue().RequestRefresh(common::NewUuidV4(), kT0, 3, kT0).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(QueueTest, GetJobNamesTheEnterprisesUsingItsQuery) {
  // Who may watch a job: every enterprise with a catalog on its query.
  const std::string other = "99999999-9999-4999-8999-999999999999";
  auto a = Create(R"({"content_type": "course"})");
  Create(R"({"content_type": "course"})", other);
  Create(R"({"content_type": "course"})", other);
  Create(R"({"content_type": "program"})",
         "77777777-7777-4777-8777-777777777777");
  const auto job = Enqueue(a).job;
  auto read = queue().GetJob(job.uuid);
  ASSERT_TRUE(read.ok()) << read.status();
  std::vector<std::string> expected = {kEnterprise, other};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(read->enterprise_uuids, expected);
}

TEST_F(QueueTest, DatabaseRefusesASecondActiveJobForAQuery) {
  auto a = Create(R"({"content_type": "course"})");
  Enqueue(a);
  // Bypassing the store: the constraint itself holds the line.
  EXPECT_FALSE(env_->Exec("INSERT INTO refresh_job (uuid, catalog_query_id, "
                          "state, reason, max_attempts, created, run_after) "
                          "SELECT gen_random_uuid(), catalog_query_id, "
                          "'queued', 'requested', 3, now(), now() FROM "
                          "enterprise_catalog")
                   .ok());
}

TEST_F(QueueTest, OnlyOneWorkerGetsAJob) {
  auto a = Create(R"({"content_type": "course"})");
  Enqueue(a);
  std::atomic<int> got{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto r = env_->queue()->Lease(absl::StrCat("w", i), 10 * kSecond, kT0);
      ASSERT_TRUE(r.ok()) << r.status();
      if (r->has_value()) ++got;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(got.load(), 1);
}

TEST_F(QueueTest, ExpiredLeaseIsTakenOverAndTheOldHolderIsFenced) {
  auto a = Create(R"({"content_type": "course"})");
  Fill(a, 3);
  const std::string job = Enqueue(a, kT0 + kHour).job.uuid;
  auto first = Lease(kT0 + kHour, "dead-worker");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->job.uuid, job);
  EXPECT_EQ(first->job.attempts, 1);
  // Within the lease nobody else gets it.
  EXPECT_FALSE(Lease(kT0 + kHour + 5 * kSecond, "w2").has_value());
  // After it, another worker takes it over.
  auto second = Lease(kT0 + kHour + 11 * kSecond, "w2");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->job.uuid, job);
  EXPECT_TRUE(second->took_over_expired_lease);
  EXPECT_EQ(second->previous_owner, "dead-worker");
  EXPECT_EQ(second->job.attempts, 2);
  // The first worker wakes up: every write with its token is refused and
  // changes nothing.
  EXPECT_EQ(queue().Heartbeat(*first, kT0 + 2 * kHour).code(),
            absl::StatusCode::kAborted);
  auto late = queue().CompleteWithCrawl(*first, testing::Records(CourseDocs(1)),
                                        {}, {}, kT0 + kHour + 12 * kSecond);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Members(a), 3);
  EXPECT_EQ(
      queue()
          .FailAttempt(*first, "late", {}, kT0 + 2 * kHour, kT0 + 2 * kHour)
          .status()
          .code(),
      absl::StatusCode::kAborted);
  // The new holder finishes it.
  EXPECT_EQ(Complete(*second, CourseDocs(4), kT0 + kHour + 20 * kSecond).state,
            JobState::kSucceeded);
  EXPECT_EQ(Members(a), 4);
}

TEST_F(QueueTest, HeartbeatKeepsTheLease) {
  auto a = Create(R"({"content_type": "course"})");
  Enqueue(a);
  auto lease = Lease(kT0);
  ASSERT_TRUE(lease.has_value());
  ASSERT_TRUE(queue().Heartbeat(*lease, kT0 + 30 * kSecond).ok());
  EXPECT_FALSE(Lease(kT0 + 20 * kSecond, "w2").has_value());
  EXPECT_TRUE(Lease(kT0 + 31 * kSecond, "w2").has_value());
}

TEST_F(QueueTest, FailedAttemptsBackOffThenFailAndDataStays) {
  auto a = Create(R"({"content_type": "course"})");
  Fill(a, 5);
  const std::string job = Enqueue(a, kT0 + kHour, false, 2).job.uuid;
  auto lease = Lease(kT0 + kHour);
  ASSERT_TRUE(lease.has_value());
  auto failed = queue().FailAttempt(*lease, "UNAVAILABLE: page 3", {},
                                    kT0 + kHour + 60 * kSecond, kT0 + kHour);
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->state, JobState::kQueued);
  EXPECT_EQ(failed->last_error, "UNAVAILABLE: page 3");
  EXPECT_FALSE(failed->finished.has_value());
  // Not before its backoff ends.
  EXPECT_FALSE(Lease(kT0 + kHour + 59 * kSecond).has_value());
  auto again = Lease(kT0 + kHour + 61 * kSecond);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->job.attempts, 2);
  auto final_fail =
      queue().FailAttempt(*again, "UNAVAILABLE: still down", {},
                          kT0 + 2 * kHour, kT0 + kHour + kHour / 2);
  ASSERT_TRUE(final_fail.ok());
  EXPECT_EQ(final_fail->state, JobState::kFailed);
  EXPECT_TRUE(final_fail->finished.has_value());
  auto read = queue().GetJob(job);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->state, JobState::kFailed);
  EXPECT_EQ(read->attempts, 2);
  EXPECT_EQ(Members(a), 5);
  // A failed job is no longer active: a new request makes a new job.
  EXPECT_TRUE(Enqueue(a, kT0 + 3 * kHour).created);
}

TEST_F(QueueTest, ExplicitRequestPullsABackedOffRetryForward) {
  auto a = Create(R"({"content_type": "course"})");
  Enqueue(a);
  auto lease = Lease(kT0);
  ASSERT_TRUE(lease.has_value());
  ASSERT_TRUE(
      queue().FailAttempt(*lease, "x", {}, kT0 + kHour, kT0 + kSecond).ok());
  auto joined = Enqueue(a, kT0 + 2 * kSecond);
  EXPECT_FALSE(joined.created);
  EXPECT_EQ(joined.job.run_after, kT0 + 2 * kSecond);
}

TEST_F(QueueTest, ReleaseDoesNotCountTheAttempt) {
  auto a = Create(R"({"content_type": "course"})");
  Enqueue(a);
  auto lease = Lease(kT0);
  ASSERT_TRUE(lease.has_value());
  ASSERT_TRUE(queue().Release(*lease, kT0 + kSecond).ok());
  auto again = Lease(kT0 + kSecond, "w2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->job.attempts, 1);
  EXPECT_FALSE(again->took_over_expired_lease);
}

TEST_F(QueueTest, CompleteAppliesAndRecordsCounts) {
  auto a = Create(R"({"content_type": "course"})");
  Fill(a, 3);
  Enqueue(a, kT0 + kHour);
  auto lease = Lease(kT0 + kHour);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->content_filter, R"({"content_type": "course"})");
  // C0 unchanged, C1 changed, C2 gone, N0 new.
  // C1 gains an end date, one of the search/all fields a stored course
  // takes (django-rules.md §2).
  std::string changed = testing::CourseDoc("edX+C1", "Course 1");
  changed.insert(1, R"("end_date":"2030-01-01T00:00:00Z",)");
  std::vector<std::string> docs = {testing::CourseDoc("edX+C0", "Course 0"),
                                   changed,
                                   testing::CourseDoc("edX+N0", "New")};
  storage::RefreshCounts crawl;
  crawl.pages = 1;
  crawl.items_seen = 3;
  auto done = queue().CompleteWithCrawl(*lease, testing::Records(docs), crawl,
                                        {}, kT0 + kHour + kSecond);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, JobState::kSucceeded);
  EXPECT_EQ(done->counts.pages, 1);
  EXPECT_EQ(done->counts.members_before, 3);
  EXPECT_EQ(done->counts.members_after, 3);
  EXPECT_EQ(done->counts.members_added, 1);
  EXPECT_EQ(done->counts.members_removed, 1);
  EXPECT_EQ(done->counts.content_inserted, 1);
  EXPECT_EQ(done->counts.content_updated, 1);
  EXPECT_EQ(done->counts.content_unchanged, 1);
  auto row = store().GetCatalog(a.uuid);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->content_refreshed, kT0 + kHour + kSecond);
  // Content no query uses is unlinked, not deleted.
  EXPECT_EQ(Int("SELECT count(*) FROM content_metadata WHERE content_key = "
                "'edX+C2'"),
            1);
}

TEST_F(QueueTest, GuardrailHoldsADrasticShrinkAndForceAppliesIt) {
  auto a = Create(R"({"content_type": "course"})");
  Fill(a, 100);
  const std::string before =
      env_->QueryText(
              "SELECT string_agg(content_key || document_hash, ',' ORDER BY "
              "content_key) FROM content_metadata")
          .value_or("");
  Enqueue(a, kT0 + kHour);
  auto lease = Lease(kT0 + kHour);
  ASSERT_TRUE(lease.has_value());
  // 90 of 100 would go; and one survivor's document changed.
  std::vector<std::string> docs = CourseDocs(10);
  docs[0] = testing::CourseDoc("edX+C0", "Changed");
  auto held = queue().CompleteWithCrawl(*lease, testing::Records(docs), {}, {},
                                        kT0 + kHour);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->state, JobState::kHeld);
  EXPECT_EQ(held->counts.members_before, 100);
  EXPECT_EQ(held->counts.members_removed, 90);
  EXPECT_EQ(held->counts.members_after, 100);
  EXPECT_THAT(held->last_error, ::testing::HasSubstr("force"));
  // Nothing changed: not the membership, not a document, not the stamp.
  EXPECT_EQ(Members(a), 100);
  EXPECT_EQ(env_->QueryText("SELECT string_agg(content_key || document_hash, "
                            "',' ORDER BY content_key) FROM content_metadata")
                .value_or("x"),
            before);
  EXPECT_EQ(store().GetCatalog(a.uuid)->content_refreshed, kT0);

  // What force would approve: exactly the held crawl's 90 removals.
  auto target = queue().RefreshStateOf(a.uuid);
  ASSERT_TRUE(target.ok()) << target.status();
  ASSERT_TRUE(target->held.has_value());
  EXPECT_EQ(target->held->removals, 90);
  EXPECT_EQ(target->held->held_job_uuid, held->uuid);
  EXPECT_EQ(target->active_job_uuid, "");
  EXPECT_EQ(target->enterprise_uuids,
            std::vector<std::string>{a.enterprise_uuid});

  // Issue 14, defect 5: the forced crawl finds discovery shrunk further (95
  // would go, not the 90 reviewed): held again, nothing changed.
  auto forced = Enqueue(a, kT0 + 2 * kHour, /*force=*/true);
  EXPECT_TRUE(forced.created);
  EXPECT_TRUE(forced.job.force);
  auto lease2 = Lease(kT0 + 2 * kHour);
  ASSERT_TRUE(lease2.has_value());
  const storage::RefreshJobRow worse =
      Complete(*lease2, CourseDocs(5), kT0 + 2 * kHour);
  EXPECT_EQ(worse.state, JobState::kHeld);
  EXPECT_THAT(worse.last_error,
              ::testing::HasSubstr("more than the 90 approved"));
  EXPECT_EQ(Members(a), 100);

  // Approving those 95 applies a crawl removing up to 95: the 90 again.
  Enqueue(a, kT0 + 3 * kHour, /*force=*/true);
  auto lease3 = Lease(kT0 + 3 * kHour);
  ASSERT_TRUE(lease3.has_value());
  EXPECT_EQ(Complete(*lease3, docs, kT0 + 3 * kHour).state,
            JobState::kSucceeded);
  EXPECT_EQ(Members(a), 10);
}

// Issue 14, defect 5: force was OR-ed into a running job, approving a crawl
// nobody had reviewed. An approval joins a queued job only.
TEST_F(QueueTest, AnApprovalNeverJoinsARunningJob) {
  auto a = Create(R"({"content_type": "course"})");
  Enqueue(a);
  auto running = Lease(kT0);
  ASSERT_TRUE(running.has_value());
  const storage::RemovalApproval approval{
      3, "00000000-0000-4000-8000-000000000009"};
  auto joined = queue().EnqueueForCatalog(a.uuid, JobReason::kRequested,
                                          approval, 3, kT0 + kSecond);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_FALSE(joined->created);
  EXPECT_EQ(joined->job.uuid, running->job.uuid);
  EXPECT_FALSE(joined->job.force);
  auto target = queue().RefreshStateOf(a.uuid);
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->active_job_uuid, running->job.uuid);
  EXPECT_FALSE(target->held.has_value());
}

TEST_F(QueueTest, GuardrailHoldsEmptyingAndIgnoresModestChanges) {
  auto small = Create(R"({"content_type": "course", "org": "small"})");
  Fill(small, 50);
  Enqueue(small, kT0 + kHour);
  auto lease = Lease(kT0 + kHour);
  ASSERT_TRUE(lease.has_value());
  // An empty result (discovery briefly answering count: 0) would empty the
  // query: held, however small (issue 14, defect 3).
  EXPECT_EQ(Complete(*lease, {}, kT0 + kHour).state, JobState::kHeld);
  EXPECT_EQ(Members(small), 50);
  // 50 items is not more than the floor of 50: shrinking to one applies.
  Enqueue(small, kT0 + kHour + 1, /*force=*/false);
  auto again = Lease(kT0 + kHour + 1);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(Complete(*again, CourseDocs(1), kT0 + kHour + 1).state,
            JobState::kSucceeded);
  EXPECT_EQ(Members(small), 1);

  auto big = Create(R"({"content_type": "course", "org": "big"})");
  Fill(big, 100, kT0 + 2 * kHour);
  Enqueue(big, kT0 + 3 * kHour);
  auto lease2 = Lease(kT0 + 3 * kHour);
  ASSERT_TRUE(lease2.has_value());
  // Removing 80 of 100 is exactly the allowed share, not more.
  EXPECT_EQ(Complete(*lease2, CourseDocs(20), kT0 + 3 * kHour).state,
            JobState::kSucceeded);
  EXPECT_EQ(Members(big), 20);
}

TEST_F(QueueTest, SchedulerQueuesStaleInUseQueriesOnly) {
  auto fresh = Create(R"({"content_type": "course", "org": "fresh"})");
  auto stale = Create(R"({"content_type": "course", "org": "stale"})");
  auto never = Create(R"({"content_type": "course", "org": "never"})");
  Fill(stale, 2, kT0);
  Fill(fresh, 2, kT0 + 10 * kHour);
  // A query no catalog uses any more is not crawled.
  auto orphan = Create(R"({"content_type": "course", "org": "orphan"})");
  ASSERT_TRUE(store().DeleteCatalog(orphan.uuid, orphan.enterprise_uuid).ok());

  const Micros now = kT0 + 13 * kHour;
  auto pass = queue().Schedule(now - 12 * kHour, now - kHour, now - 100 * kHour,
                               3, now);
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->jobs_created, 2);
  EXPECT_EQ(Int("SELECT count(*) FROM refresh_job WHERE state = 'queued' AND "
                "reason = 'scheduled' AND kind = 'crawl'"),
            2);
  // The in-use courses have no full documents yet: the full pass is queued.
  EXPECT_TRUE(pass->full_job_queued);
  // Idempotent: a second pass (or a second worker process) adds nothing.
  auto again = queue().Schedule(now - 12 * kHour, now - kHour,
                                now - 100 * kHour, 3, now);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->jobs_created, 0);
  (void)never;
}

TEST_F(QueueTest, SchedulerCoolsDownAfterFailureAndFailsDeadLastAttempts) {
  auto a = Create(R"({"content_type": "course"})");
  Enqueue(a, kT0, false, 1);
  auto lease = Lease(kT0);
  ASSERT_TRUE(lease.has_value());
  ASSERT_TRUE(queue().FailAttempt(*lease, "down", {}, kT0, kT0).ok());
  // Failed 10 minutes ago, cooldown 15 minutes: left alone.
  Micros now = kT0 + 10 * 60 * kSecond;
  auto pass = queue().Schedule(now, now - 15 * 60 * kSecond, 0, 1, now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->jobs_created, 0);
  now = kT0 + 16 * 60 * kSecond;
  pass = queue().Schedule(now, now - 15 * 60 * kSecond, 0, 1, now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->jobs_created, 1);

  // That job's only attempt dies with its worker: once the lease expires
  // the scheduler marks it failed instead of leaving it running forever.
  auto dying = Lease(now);
  ASSERT_TRUE(dying.has_value());
  pass = queue().Schedule(0, 0, 0, 1, now + 11 * kSecond);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->jobs_expired_failed, 1);
  auto job = queue().GetJob(dying->job.uuid);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_THAT(job->last_error, ::testing::HasSubstr("expired"));
}

// Issue 14, defect 9: with the scheduler off everywhere, a job whose last
// attempt died stayed running forever and blocked its query. Any worker's
// lease now ends it.
TEST_F(QueueTest, ADeadLastAttemptEndsWithoutTheScheduler) {
  auto a = Create(R"({"content_type": "course"})");
  Enqueue(a, kT0, false, 1);
  auto dying = Lease(kT0);
  ASSERT_TRUE(dying.has_value());
  EXPECT_FALSE(Lease(kT0 + 11 * kSecond, "w2").has_value());
  auto job = queue().GetJob(dying->job.uuid);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_THAT(job->last_error, ::testing::HasSubstr("expired"));
  // The query is free again: a new refresh is a new job.
  const auto next = Enqueue(a, kT0 + 12 * kSecond, false, 1).job;
  EXPECT_NE(next.uuid, dying->job.uuid);
  EXPECT_EQ(next.state, JobState::kQueued);
}

TEST_F(QueueTest, SchedulerPrunesOldFinishedJobs) {
  auto a = Create(R"({"content_type": "course"})");
  Fill(a, 1, kT0);
  auto pass = queue().Schedule(0, 0, kT0 + kSecond, 3, kT0 + 200 * kHour);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->jobs_pruned, 1);
  EXPECT_EQ(Int("SELECT count(*) FROM refresh_job WHERE kind = 'crawl'"), 0);
}

TEST_F(QueueTest, FreshnessReportsInUseQueries) {
  auto a = Create(R"({"content_type": "course", "org": "a"})");
  Create(R"({"content_type": "course", "org": "b"})");
  Fill(a, 1, kT0 + 5 * kHour);
  auto f = queue().GetFreshness();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->queries_in_use, 2);
  EXPECT_EQ(f->never_refreshed, 1);
  EXPECT_EQ(f->oldest_refreshed, kT0 + 5 * kHour);
}

}  // namespace
TEST_F(QueueTest, FullJobIsQueuedOnceByCrawlsThatChangeCourses) {
  auto a = Create(R"({"content_type": "course"})");
  auto b = Create(R"({"content_type": "course", "org": "edX"})");
  Enqueue(a);
  Enqueue(b);
  auto first = Lease(kT0);
  auto second = Lease(kT0, "w2");
  ASSERT_TRUE(first.has_value() && second.has_value());
  ASSERT_TRUE(queue()
                  .CompleteWithCrawl(*first, testing::Records(CourseDocs(3)),
                                     {}, domain::GuardrailPolicy{}, kT0)
                  .ok());
  // Same courses from another query: the job queued by the first is joined.
  ASSERT_TRUE(queue()
                  .CompleteWithCrawl(*second, testing::Records(CourseDocs(3)),
                                     {}, domain::GuardrailPolicy{}, kT0)
                  .ok());
  EXPECT_EQ(Int("SELECT count(*) FROM refresh_job WHERE kind = 'full'"), 1);
  EXPECT_EQ(Int("SELECT count(*) FROM content_metadata WHERE full_wanted"), 3);
  auto full = Lease(kT0, "w3");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->job.kind, storage::JobKind::kFull);
  EXPECT_EQ(full->job.reason, JobReason::kCrawled);
  EXPECT_EQ(full->job.catalog_query_uuid, "");
  // A crawl result cannot complete a full job.
  EXPECT_FALSE(queue()
                   .CompleteWithCrawl(*full, testing::Records(CourseDocs(1)),
                                      {}, domain::GuardrailPolicy{}, kT0)
                   .ok());
}

// A freshly filled table is planned as the empty table the planner last saw
// until something analyzes it (autovacuum only on its next round, a minute
// later): an applied crawl that changed at least autovacuum's analyze
// threshold of a table's rows analyzes it itself (tables_to_analyze.sql).
// An analyze of a table this small reads every row, so reltuples is exact.
TEST_F(QueueTest, AnAppliedCrawlAnalyzesTheTablesItChangedEnough) {
  const char* kTables[] = {"content_metadata", "catalog_query_content"};
  for (const char* table : kTables) {
    ASSERT_TRUE(env_->Exec(std::string("ALTER TABLE ") + table +
                           " SET (autovacuum_enabled = false)")
                    .ok());
  }
  auto planned_rows = [&](const std::string& table) {
    return Int("SELECT reltuples::bigint FROM pg_class WHERE oid = '" + table +
               "'::regclass");
  };
  auto rows = [&](const std::string& table) {
    return Int("SELECT count(*) FROM " + table);
  };
  auto crawl = [&](const storage::CatalogRow& catalog,
                   const std::vector<std::string>& docs, Micros now) {
    Enqueue(catalog, now);
    auto lease = Lease(now);
    ASSERT_TRUE(lease.has_value());
    EXPECT_EQ(Complete(*lease, docs, now).state, JobState::kSucceeded);
  };
  auto catalog = Create(R"({"content_type": "course"})");
  // Truncated tables: never analyzed since (reltuples -1).
  EXPECT_EQ(planned_rows("content_metadata"), -1);

  // 200 new rows in each table, past the threshold of 50 for an
  // unanalyzed table: both analyzed.
  crawl(catalog, CourseDocs(200), kT0);
  EXPECT_EQ(planned_rows("content_metadata"), 200);
  EXPECT_EQ(planned_rows("catalog_query_content"), 200);

  // 5 more, under 50 + 10 % of 200: left to autovacuum.
  crawl(catalog, CourseDocs(205), kT0 + kHour);
  EXPECT_EQ(rows("content_metadata"), 205);
  EXPECT_EQ(planned_rows("content_metadata"), 200);
  EXPECT_EQ(planned_rows("catalog_query_content"), 200);

  // 100 more (over 50 + 10 % of 200): analyzed again.
  crawl(catalog, CourseDocs(305), kT0 + 2 * kHour);
  EXPECT_EQ(planned_rows("content_metadata"), 305);
  EXPECT_EQ(planned_rows("catalog_query_content"), 305);

  // Only members change (the same documents, now under a second query):
  // only the membership table is analyzed.
  crawl(Create(R"({"content_type": "course", "org": "edX"})"), CourseDocs(305),
        kT0 + 3 * kHour);
  EXPECT_EQ(planned_rows("catalog_query_content"), 610);
  EXPECT_EQ(planned_rows("content_metadata"), 305);

  for (const char* table : kTables) {
    ASSERT_TRUE(env_->Exec(std::string("ALTER TABLE ") + table +
                           " RESET (autovacuum_enabled)")
                    .ok());
  }
}

}  // namespace ec
