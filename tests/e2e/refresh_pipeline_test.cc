// The refresh pipeline end to end: the real discovery client over HTTP to
// the discovery stand-in, the real worker, the real PostgreSQL. The clock
// the queue and scheduler see is injected; HTTP and the database are real.
#include "tests/e2e/refresh_fixture.h"

namespace ec::e2e_refresh {
namespace {

namespace v1 = ::enterprise_catalog::v1;

TEST_F(RefreshTest, ThreeCatalogsTwoFiltersMeanTwoCrawls) {
  const v1::Catalog a = Create(kCourses);
  const v1::Catalog b = Create(kPrograms);
  const v1::Catalog c = Create(kCourses);  // shares a's query
  EXPECT_EQ(a.catalog_query_uuid(), c.catalog_query_uuid());
  const auto jobs = Drain();
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& job : jobs) EXPECT_EQ(job.state, JobState::kSucceeded);
  const stub::StubStats stats = stub_->stats();
  EXPECT_EQ(stats.crawls, 2);
  ASSERT_EQ(stats.crawls_by_body.size(), 2u);
  for (const auto& [body, crawls] : stats.crawls_by_body) {
    EXPECT_EQ(crawls, 1) << body;
  }
  EXPECT_EQ(Members(a), kCourseMembers);
  EXPECT_EQ(Members(c), kCourseMembers);
  EXPECT_EQ(Members(b), 10);
  // Course runs that discovery lists only inside their course are stored
  // with their parent, so run-level contains works for a course catalog.
  const std::string run =
      env_->QueryText(
              "SELECT content_key FROM content_metadata WHERE derived "
              "ORDER BY content_key LIMIT 1")
          .value_or("");
  ASSERT_FALSE(run.empty());
  v1::ContainsContentItemsRequest contains;
  contains.set_catalog_uuid(a.uuid());
  contains.add_content_keys(run);
  v1::ContainsContentItemsResponse response;
  ASSERT_TRUE(core_->ContainsContentItems(kOperator, contains, &response).ok());
  EXPECT_TRUE(response.contains_all()) << run;
}

TEST_F(RefreshTest, OutcomesReachTheMetrics) {
  metrics::RefreshMetrics& m = metrics::RefreshMetrics::Get();
  const double succeeded = m.JobsTotal("succeeded");
  const double retried = m.JobsTotal("retry");
  const double added = m.ItemsTotal("added");
  const double search_ok = m.DiscoveryRequestsTotal("search", "2xx");
  const double search_5xx = m.DiscoveryRequestsTotal("search", "5xx");
  const double token_ok = m.DiscoveryRequestsTotal("token", "2xx");

  const v1::Catalog a = Create(kCourses);
  ASSERT_EQ(Drain().size(), 1u);
  EXPECT_EQ(m.JobsTotal("succeeded") - succeeded, 1);
  EXPECT_EQ(m.ItemsTotal("added") - added, kCourseMembers);
  EXPECT_EQ(m.DiscoveryRequestsTotal("search", "2xx") - search_ok, 5);
  EXPECT_EQ(m.DiscoveryRequestsTotal("token", "2xx") - token_ok, 1);

  // Every attempt at page 2 fails: the job is retried later.
  FaultRule fault;
  fault.kind = FaultKind::kStatus;
  fault.status = 503;
  fault.page = 2;
  fault.times = discovery_.max_attempts;
  stub_->AddFault(fault);
  Advance(kHour);
  Refresh(a);
  EXPECT_EQ(RunOne().state, JobState::kQueued);
  EXPECT_EQ(m.JobsTotal("retry") - retried, 1);
  EXPECT_EQ(m.DiscoveryRequestsTotal("search", "5xx") - search_5xx,
            discovery_.max_attempts);

  // The freshness sample sees the query's age on the pipeline's clock.
  storage::pg::PgHealthProbe probe(env_->config());
  auto sample = probe.Sample(5, now_.load());
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->queries_in_use, 1);
  EXPECT_EQ(sample->never_refreshed, 0);
  EXPECT_NEAR(sample->oldest_age_seconds, 3600, 1);
  ASSERT_EQ(sample->worst.size(), 1u);
  EXPECT_EQ(sample->jobs_queued, 1);
}

TEST_F(RefreshTest, AJobWhoseLeaseExpiredIsTakenOverAndCounted) {
  const double expired = metrics::RefreshMetrics::Get().LeasesExpiredTotal();
  const v1::Catalog a = Create(kCourses);
  // A worker that leased the job and died: its lease runs out.
  auto dead = env_->queue()->Lease("dead-worker", 30 * kSecond, now_.load());
  ASSERT_TRUE(dead.ok() && dead->has_value()) << dead.status();
  Advance(31 * kSecond);
  const storage::RefreshJobRow job = RunOne();
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(Members(a), kCourseMembers);
  EXPECT_EQ(metrics::RefreshMetrics::Get().LeasesExpiredTotal() - expired, 1);
}

TEST_F(RefreshTest, ConcurrentRefreshRequestsJoinOneJob) {
  const v1::Catalog a = Create(kCourses);
  Drain();
  // Past the minimum interval between requested crawls of a query.
  Advance(kHour);
  std::vector<std::string> uuids(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] { uuids[i] = Refresh(a).uuid(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(uuids.begin(), uuids.end()).size(), 1u);
  stub_->ResetStats();
  EXPECT_EQ(Drain().size(), 1u);
  EXPECT_EQ(stub_->stats().crawls, 1);
}

TEST_F(RefreshTest, FailureAtPageThreeOfFiveChangesNothingThenRetries) {
  const v1::Catalog a = Create(kCourses);
  ASSERT_EQ(Drain().size(), 1u);
  ASSERT_EQ(Members(a), kCourseMembers);
  const auto first_job = env_->queue()->GetJob(
      env_->QueryText("SELECT uuid::text FROM refresh_job").value_or(""));
  ASSERT_TRUE(first_job.ok());
  EXPECT_EQ(first_job->counts.pages, 5);

  // Discovery has moved on: a re-crawl would change and remove content.
  stub_->MutateFraction(0.1, 1);
  const auto removed = stub_->RemoveFraction(0.05, 2);
  ASSERT_FALSE(removed.empty());
  Advance(kHour);
  const std::string before = Snapshot();
  // Page 3 fails for every attempt the client makes in this crawl.
  FaultRule fault;
  fault.kind = FaultKind::kStatus;
  fault.status = 502;
  fault.page = 3;
  fault.times = discovery_.max_attempts;
  stub_->AddFault(fault);

  const std::string job_uuid = Refresh(a).uuid();
  const storage::RefreshJobRow failed = RunOne();
  EXPECT_EQ(failed.uuid, job_uuid);
  EXPECT_EQ(failed.state, JobState::kQueued);  // to be retried
  EXPECT_EQ(failed.attempts, 1);
  EXPECT_THAT(failed.last_error, HasSubstr("UNAVAILABLE"));
  EXPECT_GT(failed.run_after, now_.load());
  EXPECT_EQ(stub_->stats().responses_by_status[502], discovery_.max_attempts);
  // Nothing changed, and the old data is still served.
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(MetadataTotal(a), kCourseMembers);
  // Not due yet.
  auto early = worker().RunOnce();
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value());

  Advance(failed.run_after - now_.load() + kSecond);
  const storage::RefreshJobRow retried = RunOne();
  EXPECT_EQ(retried.uuid, job_uuid);
  EXPECT_EQ(retried.state, JobState::kSucceeded);
  EXPECT_EQ(retried.attempts, 2);
  // What is left, but what the inclusion rules exclude.
  const auto courses = static_cast<int64_t>(stub_->document_count("course")) -
                       retried.counts.items_excluded;
  EXPECT_LT(courses, kCourseMembers);
  EXPECT_EQ(Members(a), courses);
  EXPECT_EQ(MetadataTotal(a), courses);
}

TEST_F(RefreshTest, ServerErrorThenSuccessIsRetriedWithinTheCrawl) {
  const v1::Catalog a = Create(kCourses);
  FaultRule fault;
  fault.kind = FaultKind::kStatus;
  fault.status = 500;
  fault.page = 2;
  fault.times = 1;
  stub_->AddFault(fault);
  FaultRule drop;
  drop.kind = FaultKind::kDropConnection;
  drop.page = 4;
  drop.times = 1;
  stub_->AddFault(drop);
  const auto jobs = Drain();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, JobState::kSucceeded);
  EXPECT_EQ(jobs[0].attempts, 1);
  // The 500 is a retry of ours. A connection dropped before the response is
  // retried by libcurl itself when the connection was a reused keep-alive
  // one, so it may not show as a retry here; the stub saw both faults.
  EXPECT_GE(jobs[0].counts.discovery_retries, 1);
  EXPECT_EQ(jobs[0].counts.pages, 5);
  EXPECT_EQ(stub_->stats().faults_fired, 2);
  EXPECT_EQ(Members(a), kCourseMembers);
}

TEST_F(RefreshTest, TooManyRequestsHonoursRetryAfter) {
  const v1::Catalog a = Create(kCourses);
  FaultRule fault;
  fault.kind = FaultKind::kStatus;
  fault.status = 429;
  fault.retry_after_seconds = 1;
  fault.page = 2;
  fault.times = 1;
  stub_->AddFault(fault);
  const auto started = std::chrono::steady_clock::now();
  const auto jobs = Drain();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, JobState::kSucceeded);
  EXPECT_EQ(Members(a), kCourseMembers);
  // The client asked to wait at least the server's Retry-After (our backoff
  // alone would be at most 20 ms), and did.
  std::chrono::milliseconds longest{0};
  for (auto d : sleeps_) longest = std::max(longest, d);
  EXPECT_GE(longest, std::chrono::milliseconds(1000));
  EXPECT_GE(elapsed, std::chrono::milliseconds(1000));
  EXPECT_EQ(stub_->stats().responses_by_status[429], 1);
}

// A body that is not the JSON envelope is a failure, never "no results".
class BadBodyTest : public RefreshTest,
                    public ::testing::WithParamInterface<FaultRule> {};

TEST_P(BadBodyTest, FailsTheAttemptAndChangesNothing) {
  const v1::Catalog a = Create(kCourses);
  ASSERT_EQ(Drain().size(), 1u);
  stub_->MutateFraction(0.2, 3);
  stub_->RemoveFraction(0.1, 4);
  Advance(kHour);
  const std::string before = Snapshot();
  stub_->AddFault(GetParam());
  // A new worker: its client has no cached token, so a token endpoint
  // fault is met.
  auto fresh = NewWorker();
  Refresh(a);
  const auto jobs = Drain(*fresh);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, JobState::kQueued);
  EXPECT_FALSE(jobs[0].last_error.empty());
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(MetadataTotal(a), kCourseMembers);

  // Discovery recovers: the retry applies the new data.
  stub_->ClearFaults();
  Advance(jobs[0].run_after - now_.load() + kSecond);
  const auto retried = Drain(*fresh);
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(retried[0].state, JobState::kSucceeded);
  EXPECT_LT(stub_->document_count("course"), 100u);
  EXPECT_EQ(Members(a), static_cast<int64_t>(stub_->document_count("course")) -
                            retried[0].counts.items_excluded);
}

FaultRule Rule(FaultTarget target, FaultKind kind, int page, int status = 0) {
  FaultRule r;
  r.target = target;
  r.kind = kind;
  r.page = page;
  r.status = status;
  r.times = -1;
  return r;
}

INSTANTIATE_TEST_SUITE_P(
    Faults, BadBodyTest,
    ::testing::Values(Rule(FaultTarget::kSearch, FaultKind::kHtml200, 2),
                      Rule(FaultTarget::kSearch, FaultKind::kTruncatedJson, 4),
                      Rule(FaultTarget::kSearch, FaultKind::kStatus, 1, 503),
                      Rule(FaultTarget::kToken, FaultKind::kStatus, 0, 503),
                      Rule(FaultTarget::kToken, FaultKind::kStatus, 0, 401)),
    [](const ::testing::TestParamInfo<FaultRule>& param_info) {
      const FaultRule& r = param_info.param;
      std::string name = r.target == FaultTarget::kToken ? "Token" : "Search";
      switch (r.kind) {
        case FaultKind::kHtml200:
          return name + "Html200";
        case FaultKind::kTruncatedJson:
          return name + "TruncatedJson";
        default:
          return name + "Status" + std::to_string(r.status);
      }
    });

TEST_F(RefreshTest, InconsistentPagesAreNotApplied) {
  // Discovery's unstable sort: page 2 repeats items of page 1, so others
  // are never seen. Applying that would drop content that still exists.
  const v1::Catalog a = Create(kCourses);
  ASSERT_EQ(Drain().size(), 1u);
  Advance(kHour);
  const std::string before = Snapshot();
  FaultRule dup;
  dup.kind = FaultKind::kDuplicateItems;
  dup.page = 2;
  dup.items = 3;
  dup.times = discovery_.max_attempts;
  stub_->AddFault(dup);
  Refresh(a);
  const storage::RefreshJobRow failed = RunOne();
  EXPECT_EQ(failed.state, JobState::kQueued);
  EXPECT_THAT(failed.last_error, HasSubstr("unstable"));
  EXPECT_EQ(Snapshot(), before);

  FaultRule missing;
  missing.kind = FaultKind::kMissingItems;
  missing.page = 3;
  missing.items = 2;
  missing.times = 1;
  stub_->ClearFaults();
  stub_->AddFault(missing);
  Advance(failed.run_after - now_.load() + kSecond);
  const storage::RefreshJobRow again = RunOne();
  EXPECT_EQ(again.state, JobState::kQueued);
  EXPECT_EQ(Snapshot(), before);

  Advance(again.run_after - now_.load() + kSecond);
  EXPECT_EQ(RunOne().state, JobState::kSucceeded);
  EXPECT_EQ(Members(a), kCourseMembers);
}

TEST_F(RefreshTest, OnePercentChangedRewritesOnlyThoseRows) {
  stub::DatasetSpec spec = DefaultDataset();
  spec.courses = 1000;
  spec.runs = 2000;
  StartStub(spec);
  discovery_.page_size = 100;
  const v1::Catalog a = Create(kCourses);
  const auto first = Drain();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].state, JobState::kSucceeded);
  EXPECT_EQ(first[0].counts.members_after,
            1000 - first[0].counts.items_excluded);

  const std::vector<std::string> changed = stub_->MutateFraction(0.01, 9);
  std::set<std::string> changed_courses;
  for (const std::string& key : changed) {
    if (Int("SELECT count(*) FROM content_metadata WHERE content_key = '" +
            key + "' AND content_type = 'course'") == 1) {
      changed_courses.insert(key);
    }
  }
  ASSERT_FALSE(changed_courses.empty());
  ASSERT_TRUE(env_->Exec("CREATE TEMP TABLE IF NOT EXISTS t(x int)").ok());
  const std::string mark =
      env_->QueryText("SELECT clock_timestamp()::text").value_or("");
  Advance(kHour);
  Refresh(a);
  const storage::RefreshJobRow second = RunOne();
  ASSERT_EQ(second.state, JobState::kSucceeded);
  EXPECT_EQ(second.counts.content_updated,
            static_cast<int64_t>(changed_courses.size()));
  EXPECT_EQ(second.counts.content_inserted, 0);
  EXPECT_EQ(second.counts.members_added, 0);
  EXPECT_EQ(second.counts.members_removed, 0);
  // Only those rows were written: count them in the table itself.
  auto rewritten = env_->QueryText(
      "SELECT string_agg(content_key, ',' ORDER BY content_key) FROM "
      "content_metadata WHERE modified > '" +
      mark + "'");
  ASSERT_TRUE(rewritten.ok());
  std::string expected;
  for (const std::string& key : changed_courses) {
    expected += (expected.empty() ? "" : ",") + key;
  }
  EXPECT_EQ(*rewritten, expected);
}

TEST_F(RefreshTest, GuardrailHoldsADrasticShrinkUntilForced) {
  metrics::RefreshMetrics& m = metrics::RefreshMetrics::Get();
  const double holds = m.GuardrailHoldsTotal();
  const double held_jobs = m.JobsTotal("held");
  const v1::Catalog a = Create(kCourses);
  ASSERT_EQ(Drain().size(), 1u);
  stub_->RemoveFraction(0.9, 5);
  Advance(kHour);
  const std::string before = Snapshot();
  const std::string job_uuid = Refresh(a).uuid();
  const storage::RefreshJobRow held = RunOne();
  EXPECT_EQ(held.uuid, job_uuid);
  EXPECT_EQ(held.state, JobState::kHeld);
  const auto left = static_cast<int64_t>(stub_->document_count("course"));
  ASSERT_LT(left, 20);
  EXPECT_EQ(held.counts.members_before, kCourseMembers);
  EXPECT_EQ(held.counts.members_removed,
            kCourseMembers - (left - held.counts.items_excluded));
  EXPECT_EQ(Snapshot(), before);
  v1::GetRefreshJobRequest get;
  get.set_job_uuid(job_uuid);
  v1::RefreshJob reported;
  ASSERT_TRUE(core_->GetRefreshJob(kOperator, get, &reported).ok());
  EXPECT_EQ(reported.state(), v1::RefreshJob::HELD);
  EXPECT_THAT(reported.last_error(), HasSubstr("guardrail"));
  EXPECT_EQ(reported.counts().members_removed(),
            kCourseMembers - (left - held.counts.items_excluded));
  EXPECT_EQ(m.GuardrailHoldsTotal() - holds, 1);
  EXPECT_EQ(m.JobsTotal("held") - held_jobs, 1);

  const v1::RefreshJob forced = Refresh(a, /*force=*/true);
  EXPECT_NE(forced.uuid(), job_uuid);
  EXPECT_TRUE(forced.force());
  const storage::RefreshJobRow applied = RunOne();
  EXPECT_EQ(applied.state, JobState::kSucceeded);
  EXPECT_EQ(Members(a), left);
}

TEST_F(RefreshTest, NoInUseQueryIsEverOlderThanADayWhileDiscoveryIsUp) {
  Create(kCourses);
  Create(kPrograms);
  Create(R"({"content_type": "course", "org": "MITx"})");
  const v1::Catalog gone = Create(R"({"content_type": "learnerpathway"})");
  stub_->ResetStats();
  Micros worst_age = 0;
  // Three simulated days in 20-minute steps: the scheduler runs, the
  // worker runs what is due; a catalog is added and one deleted on the way.
  for (int step = 0; step < 3 * 72; ++step) {
    if (step == 30) Create(R"({"content_type": "courserun"})");
    if (step == 40) {
      v1::DeleteCatalogRequest del;
      del.set_uuid(gone.uuid());
      v1::DeleteCatalogResponse resp;
      ASSERT_TRUE(core_->DeleteCatalog(kOperator, del, &resp).ok());
    }
    ASSERT_TRUE(worker().ScheduleOnce().ok());
    Drain();
    auto fresh = env_->queue()->GetFreshness();
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(fresh->never_refreshed, 0) << "step " << step;
    ASSERT_TRUE(fresh->oldest_refreshed.has_value());
    worst_age = std::max(worst_age, now_.load() - *fresh->oldest_refreshed);
    Advance(20 * 60 * kSecond);
  }
  EXPECT_LE(worst_age, 13 * kHour);
  // Queries are re-crawled about every 12 h, not every pass: 3 days is
  // about 6-7 crawls each for 3 queries, 5 for the late one, 1-ish for the
  // deleted one.
  const int64_t crawls = stub_->stats().crawls;
  EXPECT_GE(crawls, 20);
  EXPECT_LE(crawls, 30);
}

TEST_F(RefreshTest, TwoWorkerThreadsShareTheQueue) {
  config_.threads = 2;
  config_.poll_interval = std::chrono::milliseconds(20);
  config_.scheduler = false;
  std::vector<v1::Catalog> catalogs;
  for (const char* org :
       {"HarvardX", "MITx", "edX", "DelftX", "IBM", "UCBerkeleyX"}) {
    catalogs.push_back(Create(
        std::string(R"({"content_type": "course", "org": ")") + org + "\"}"));
  }
  auto w = NewWorker();
  w->Start();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Int("SELECT count(*) FROM refresh_job WHERE state = 'succeeded'") <
             6 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  w->Stop();
  EXPECT_EQ(Int("SELECT count(*) FROM refresh_job WHERE state = 'succeeded'"),
            6);
  const stub::StubStats stats = stub_->stats();
  EXPECT_EQ(stats.crawls_by_body.size(), 6u);
  for (const auto& [body, n] : stats.crawls_by_body) EXPECT_EQ(n, 1) << body;
  EXPECT_EQ(Int("SELECT count(DISTINCT lease_owner) FROM refresh_job"), 0);
}

TEST_F(RefreshTest, StoppingMidCrawlReleasesTheJob) {
  config_.threads = 1;
  config_.poll_interval = std::chrono::milliseconds(20);
  config_.scheduler = false;
  FaultRule slow;
  slow.kind = FaultKind::kLatency;
  slow.latency_ms = 300;
  stub_->AddFault(slow);
  const v1::Catalog a = Create(kCourses);
  auto w = NewWorker();
  w->Start();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Int("SELECT count(*) FROM refresh_job WHERE state = 'running'") == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  w->Stop();
  EXPECT_EQ(Int("SELECT count(*) FROM refresh_job WHERE state = 'queued' AND "
                "attempts = 0 AND lease_token IS NULL"),
            1);
  EXPECT_EQ(Members(a), 0);
}

}  // namespace
}  // namespace ec::e2e_refresh
