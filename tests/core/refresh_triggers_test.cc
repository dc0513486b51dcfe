// When the core queues a refresh: a catalog created or moved onto a query
// whose data is stale (by the refresh policy the workers share), joining the
// job already there; RefreshCatalog and GetRefreshJob. On the fakes with an
// injected clock; the queue's SQL is tests/storage/pg/'s.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/page_token.h"
#include "common/uuid.h"
#include "core/catalog_core.h"
#include "google/protobuf/util/json_util.h"
#include "tests/fakes/fake_catalog_store.h"
#include "tests/fakes/fake_content_source.h"
#include "tests/fakes/fake_refresh_queue.h"

namespace ec::core {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using storage::JobReason;
using storage::JobState;

constexpr common::Micros kT0 = 1767225600LL * 1'000'000;  // 2026-01-01
constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";

class CatalogCoreRefreshTest : public ::testing::Test {
 protected:
  int CountJobs(std::optional<JobState> state = std::nullopt,
                std::optional<JobReason> reason = std::nullopt) {
    int n = 0;
    for (const storage::RefreshJobRow& job : queue_.Jobs()) {
      if ((!state || job.state == *state) &&
          (!reason || job.reason == *reason)) {
        ++n;
      }
    }
    return n;
  }

  // A catalog of `enterprise` on the {"content_type": "course"} filter.
  static v1::CreateCatalogRequest CourseCatalog(const std::string& enterprise) {
    v1::CreateCatalogRequest req;
    req.mutable_catalog()->set_title("t");
    req.mutable_catalog()->set_enterprise_uuid(enterprise);
    (*req.mutable_catalog()
          ->mutable_content_filter()
          ->mutable_fields())["content_type"]
        .set_string_value("course");
    return req;
  }

  common::Micros now_ = kT0;
  fakes::FakeCatalogStore store_;
  fakes::FakeRefreshQueue queue_{&store_};
};

TEST_F(CatalogCoreRefreshTest, CatalogChangesQueueARefreshWhenDataIsNotFresh) {
  domain::RefreshPolicy policy;
  policy.max_age = std::chrono::hours(12);
  policy.max_attempts = 4;
  CatalogCore core(&store_, &queue_, policy,
                   common::PageTokenCodec::WithRandomSecret(),
                   [this] { return now_; });
  const auth::Principal admin = auth::Principal::FromRoles(
      "admin", {std::string("enterprise_catalog_admin:") + kEnterprise});

  v1::CreateCatalogRequest create;
  create.mutable_catalog()->set_title("t");
  create.mutable_catalog()->set_enterprise_uuid(kEnterprise);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"content_type": "course"})",
                  create.mutable_catalog()->mutable_content_filter())
                  .ok());
  v1::Catalog first;
  ASSERT_TRUE(core.CreateCatalog(admin, create, &first).ok());
  ASSERT_EQ(CountJobs(std::nullopt, JobReason::kCreated), 1);
  EXPECT_EQ(queue_.Jobs()[0].max_attempts, 4);
  // A second catalog on the same (not yet fetched) query joins that job.
  v1::Catalog second;
  ASSERT_TRUE(core.CreateCatalog(admin, create, &second).ok());
  EXPECT_EQ(CountJobs(), 1);

  // Once the query is fresh, a new catalog on it queues nothing.
  auto lease = queue_.Lease("test", 60'000'000, now_);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  ASSERT_TRUE(queue_
                  .CompleteWithCrawl(**lease, fakes::CourseRecords({"edX+C1"}),
                                     {}, domain::GuardrailPolicy{}, now_)
                  .ok());
  v1::Catalog third;
  ASSERT_TRUE(core.CreateCatalog(admin, create, &third).ok());
  EXPECT_EQ(CountJobs(JobState::kQueued), 0);
  // ...until its data is older than the policy's max age.
  now_ += 13LL * 3600 * 1'000'000;
  v1::Catalog fourth;
  ASSERT_TRUE(core.CreateCatalog(admin, create, &fourth).ok());
  EXPECT_EQ(CountJobs(JobState::kQueued, JobReason::kCreated), 1);

  // Moving a catalog to a new filter queues that query's first crawl.
  v1::UpdateCatalogRequest update;
  update.mutable_catalog()->set_uuid(third.uuid());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"content_type": "program"})",
                  update.mutable_catalog()->mutable_content_filter())
                  .ok());
  update.mutable_update_mask()->add_paths("content_filter");
  v1::Catalog updated;
  ASSERT_TRUE(core.UpdateCatalog(admin, update, &updated).ok());
  EXPECT_EQ(CountJobs(JobState::kQueued, JobReason::kUpdated), 1);

  // RefreshCatalog returns the job; GetRefreshJob reads it back.
  v1::RefreshCatalogRequest refresh;
  refresh.set_catalog_uuid(updated.uuid());
  v1::RefreshJob job;
  ASSERT_TRUE(core.RefreshCatalog(admin, refresh, &job).ok());
  EXPECT_EQ(job.state(), v1::RefreshJob::QUEUED);
  EXPECT_EQ(job.reason(), v1::RefreshJob::CATALOG_UPDATED);
  EXPECT_EQ(job.catalog_query_uuid(), updated.catalog_query_uuid());
  v1::GetRefreshJobRequest get;
  get.set_job_uuid(job.uuid());
  v1::RefreshJob read;
  ASSERT_TRUE(core.GetRefreshJob(admin, get, &read).ok());
  EXPECT_EQ(read.uuid(), job.uuid());
  get.set_job_uuid("not-a-uuid");
  EXPECT_EQ(core.GetRefreshJob(admin, get, &read).code(),
            absl::StatusCode::kInvalidArgument);
  refresh.set_catalog_uuid(common::NewUuidV4());
  EXPECT_EQ(core.RefreshCatalog(admin, refresh, &job).code(),
            absl::StatusCode::kNotFound);
}

// Issue 14, defect 5: force approves the reviewed result of a HELD job, is
// never OR-ed into a running one, and reaches other enterprises sharing
// the filter only in an operator's hands.
TEST_F(CatalogCoreRefreshTest,
       ForceApprovesOnlyAHeldResultItsCallerMayApprove) {
  CatalogCore core(&store_, &queue_, domain::RefreshPolicy{},
                   common::PageTokenCodec::WithRandomSecret(),
                   [this] { return now_; });
  constexpr char kOther[] = "22222222-2222-4222-8222-222222222222";
  const auth::Principal admin = auth::Principal::FromRoles(
      "admin", {std::string("enterprise_catalog_admin:") + kEnterprise});
  const auth::Principal other_admin = auth::Principal::FromRoles(
      "other", {std::string("enterprise_catalog_admin:") + kOther});
  const auth::Principal operator_ =
      auth::Principal::FromRoles("ops", {"enterprise_openedx_operator:*"});
  auto create = [&](const char* enterprise) {
    v1::Catalog out;
    EXPECT_TRUE(
        core.CreateCatalog(operator_, CourseCatalog(enterprise), &out).ok());
    return out.uuid();
  };
  const std::string mine = create(kEnterprise);
  v1::RefreshCatalogRequest force;
  force.set_catalog_uuid(mine);
  force.set_force(true);
  v1::RefreshJob job;

  // The creation's job runs: force does not join it.
  auto lease = queue_.Lease("w", 60'000'000, now_);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  absl::Status running = core.RefreshCatalog(admin, force, &job);
  EXPECT_EQ(running.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(running.message()), ::testing::HasSubstr("running"));
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.push_back("edX+C" + std::to_string(i));
  ASSERT_TRUE(queue_
                  .CompleteWithCrawl(**lease, fakes::CourseRecords(keys), {},
                                     domain::GuardrailPolicy{}, now_)
                  .ok());
  // Nothing held: nothing to approve.
  EXPECT_EQ(core.RefreshCatalog(admin, force, &job).code(),
            absl::StatusCode::kFailedPrecondition);

  // A crawl that would drop 90 of 100 is held (a request past the minimum
  // interval between requested crawls).
  now_ += 120'000'000;
  v1::RefreshCatalogRequest plain;
  plain.set_catalog_uuid(mine);
  ASSERT_TRUE(core.RefreshCatalog(admin, plain, &job).ok());
  lease = queue_.Lease("w", 60'000'000, now_);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  keys.resize(10);
  auto held = queue_.CompleteWithCrawl(**lease, fakes::CourseRecords(keys), {},
                                       domain::GuardrailPolicy{}, now_);
  ASSERT_TRUE(held.ok() && held->state == JobState::kHeld);

  // Another enterprise's catalog shares the filter: its admin's approval
  // would not do for the first enterprise, nor the first's for it.
  const std::string theirs = create(kOther);
  EXPECT_EQ(core.RefreshCatalog(admin, force, &job).code(),
            absl::StatusCode::kPermissionDenied);
  v1::RefreshCatalogRequest their_force = force;
  their_force.set_catalog_uuid(theirs);
  EXPECT_EQ(core.RefreshCatalog(other_admin, their_force, &job).code(),
            absl::StatusCode::kPermissionDenied);
  // The operator approves the 90 reviewed removals.
  ASSERT_TRUE(core.RefreshCatalog(operator_, force, &job).ok());
  EXPECT_TRUE(job.force());
  EXPECT_EQ(job.state(), v1::RefreshJob::QUEUED);
}

// Issue 14, defect 9: explicit refreshes had no minimum interval per query,
// so a caller in a loop made this service crawl discovery in a loop.
TEST_F(CatalogCoreRefreshTest, ARepeatedRequestGetsTheJustFinishedJob) {
  domain::RefreshPolicy policy;
  policy.min_request_interval = std::chrono::minutes(1);
  CatalogCore core(&store_, &queue_, policy,
                   common::PageTokenCodec::WithRandomSecret(),
                   [this] { return now_; });
  const auth::Principal admin = auth::Principal::FromRoles(
      "admin", {std::string("enterprise_catalog_admin:") + kEnterprise});
  v1::Catalog catalog;
  ASSERT_TRUE(
      core.CreateCatalog(admin, CourseCatalog(kEnterprise), &catalog).ok());
  v1::RefreshCatalogRequest refresh;
  refresh.set_catalog_uuid(catalog.uuid());
  v1::RefreshJob job;
  // While the creation's job is queued, a request joins it.
  ASSERT_TRUE(core.RefreshCatalog(admin, refresh, &job).ok());
  ASSERT_EQ(CountJobs(), 1);
  auto lease = queue_.Lease("w", 60'000'000, now_);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  ASSERT_TRUE(queue_
                  .CompleteWithCrawl(**lease, fakes::CourseRecords({"edX+C1"}),
                                     {}, domain::GuardrailPolicy{}, now_)
                  .ok());
  // Thirty seconds later: that job again, no new crawl.
  now_ += 30'000'000;
  ASSERT_TRUE(core.RefreshCatalog(admin, refresh, &job).ok());
  EXPECT_EQ(job.uuid(), (*lease)->job.uuid);
  EXPECT_EQ(job.state(), v1::RefreshJob::SUCCEEDED);
  EXPECT_EQ(CountJobs(), 1);
  // Past the interval: a new crawl.
  now_ += 31'000'000;
  ASSERT_TRUE(core.RefreshCatalog(admin, refresh, &job).ok());
  EXPECT_EQ(job.state(), v1::RefreshJob::QUEUED);
  EXPECT_EQ(CountJobs(), 2);
}

TEST_F(CatalogCoreRefreshTest, AQueueOutageDoesNotFailTheChange) {
  CatalogCore core(&store_, &queue_, domain::RefreshPolicy{},
                   common::PageTokenCodec::WithRandomSecret(),
                   [this] { return now_; });
  const auth::Principal admin = auth::Principal::FromRoles(
      "admin", {std::string("enterprise_catalog_admin:") + kEnterprise});
  queue_.FailEveryCall(absl::UnavailableError("queue down"));
  v1::CreateCatalogRequest create;
  create.mutable_catalog()->set_title("t");
  create.mutable_catalog()->set_enterprise_uuid(kEnterprise);
  (*create.mutable_catalog()
        ->mutable_content_filter()
        ->mutable_fields())["content_type"]
      .set_string_value("course");
  v1::Catalog created;
  // The catalog is committed; the scheduler's next pass queues the refresh.
  EXPECT_TRUE(core.CreateCatalog(admin, create, &created).ok());
  EXPECT_TRUE(store_.GetCatalog(created.uuid()).ok());
}

}  // namespace
}  // namespace ec::core
