// NotifyContentChanged in the core: validation, who may call it, what it
// asks of the queue and how the answer is mapped, and its audit line. On the
// fakes with an injected clock; what the PostgreSQL queue flags and queues
// is tests/storage/pg/'s.
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/page_token.h"
#include "common/uuid.h"
#include "core/catalog_core.h"
#include "domain/canonical_json.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "tests/fakes/fake_catalog_store.h"
#include "tests/fakes/fake_content_source.h"
#include "tests/fakes/fake_refresh_queue.h"

namespace ec::core {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using storage::JobKind;
using storage::JobReason;
using storage::JobState;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr common::Micros kT0 = 1767225600LL * 1'000'000;  // 2026-01-01
constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";
constexpr char kProgram[] = "0d6c8477-ed80-444d-8ab7-63e11080d161";
constexpr char kRun[] = "course-v1:edX+A+1T2026";

domain::CanonicalFilter Filter(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok());
  auto filter = domain::CanonicalizeFilter(s);
  EXPECT_TRUE(filter.ok()) << filter.status();
  return filter.ok() ? *filter : domain::CanonicalFilter{};
}

domain::ContentRecord Program(const std::string& uuid) {
  domain::ContentRecord rec;
  rec.content_key = rec.content_uuid = uuid;
  rec.content_type = "program";
  rec.title = "Program";
  rec.json_metadata = R"({"uuid":")" + uuid + R"(","content_type":"program"})";
  return rec;
}

// A run known only from its course's course_runs.
domain::ContentRecord DerivedRun(const std::string& key,
                                 const std::string& course) {
  domain::ContentRecord rec;
  rec.content_key = key;
  rec.content_type = "courserun";
  rec.parent_content_key = course;
  rec.title = "Run";
  rec.json_metadata = R"({"key":")" + key + R"("})";
  rec.derived = true;
  return rec;
}

std::vector<domain::ContentRecord> Concat(
    std::vector<domain::ContentRecord> a,
    const std::vector<domain::ContentRecord>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

v1::NotifyContentChangedRequest Request(const std::vector<std::string>& keys) {
  v1::NotifyContentChangedRequest request;
  for (const std::string& key : keys) request.add_content_keys(key);
  return request;
}

class NotifyContentChangedTest : public ::testing::Test {
 protected:
  NotifyContentChangedTest()
      : core_(&store_, &queue_, Policy(),
              common::PageTokenCodec::WithRandomSecret(),
              [this] { return now_; }) {}

  static domain::RefreshPolicy Policy() {
    domain::RefreshPolicy policy;
    policy.max_attempts = 4;
    return policy;
  }

  // A catalog on `filter`'s query, whose members are `records`; returns
  // the query's uuid.
  std::string CatalogWith(const std::string& filter,
                          const std::vector<domain::ContentRecord>& records) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "Catalog";
    c.enterprise_uuid = kEnterprise;
    c.filter = Filter(filter);
    c.enabled_course_modes = {"verified"};
    auto row = store_.CreateCatalog(c);
    EXPECT_TRUE(row.ok()) << row.status();
    auto query_id = store_.QueryIdOf(row->uuid);
    EXPECT_TRUE(query_id.ok());
    EXPECT_TRUE(store_.ReplaceQueryContent(*query_id, records).ok());
    return row->catalog_query_uuid;
  }

  // The crawl jobs of the query with uuid `query`.
  std::vector<storage::RefreshJobRow> CrawlsOf(const std::string& query) {
    std::vector<storage::RefreshJobRow> out;
    for (const storage::RefreshJobRow& job : queue_.Jobs()) {
      if (job.kind == JobKind::kCrawl && job.catalog_query_uuid == query) {
        out.push_back(job);
      }
    }
    return out;
  }

  std::vector<storage::RefreshJobRow> FullJobs() {
    std::vector<storage::RefreshJobRow> out;
    for (const storage::RefreshJobRow& job : queue_.Jobs()) {
      if (job.kind == JobKind::kFull) out.push_back(job);
    }
    return out;
  }

  static auth::Principal Operator() {
    return auth::Principal::FromRoles(
        "platform", {std::string(auth::kOperatorRole) + ":*"});
  }

  common::Micros now_ = kT0;
  fakes::FakeCatalogStore store_;
  fakes::FakeRefreshQueue queue_{&store_};
  CatalogCore core_;
};

TEST_F(NotifyContentChangedTest, InvalidKeysAreRejectedWithTheFieldAndLimit) {
  std::vector<std::string> too_many;
  for (int i = 0; i < 1001; ++i)
    too_many.push_back("edX+C" + std::to_string(i));
  const struct {
    std::vector<std::string> keys;
    std::string message;
  } cases[] = {
      {{}, "content_keys must list at least one content key"},
      {too_many, "content_keys has 1001 keys; the limit is 1000 per request"},
      {{"edX+A", ""}, "content_keys[1] is empty"},
      {{std::string(256, 'k')},
       "content_keys[0] is 256 bytes; the limit is 255 bytes"},
      {{std::string("edX+A\0B", 7)},
       "content_keys[0] contains a NUL character, which no key can hold"},
  };
  for (const auto& c : cases) {
    v1::NotifyContentChangedResponse out;
    const absl::Status status =
        core_.NotifyContentChanged(Operator(), Request(c.keys), &out);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_EQ(status.message(), c.message);
  }
  // Exactly at the limits is fine.
  too_many.pop_back();
  too_many.back() = std::string(255, 'k');
  v1::NotifyContentChangedResponse out;
  EXPECT_TRUE(
      core_.NotifyContentChanged(Operator(), Request(too_many), &out).ok());
  EXPECT_EQ(out.unknown_keys_size(), 1000);
  EXPECT_THAT(queue_.Jobs(), IsEmpty());
}

TEST_F(NotifyContentChangedTest, KeysAreCheckedBeforeTheRole) {
  const auth::Principal learner = auth::Principal::FromRoles(
      "l", {std::string(auth::kLearnerRole) + ":" + kEnterprise});
  v1::NotifyContentChangedResponse out;
  EXPECT_EQ(core_.NotifyContentChanged(learner, Request({}), &out).code(),
            absl::StatusCode::kInvalidArgument);
  const absl::Status refused =
      core_.NotifyContentChanged(learner, Request({"edX+A"}), &out);
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.message(),
            "caller l may not report content changes; that needs "
            "enterprise_openedx_operator:* or enterprise_catalog_service:*");
}

TEST_F(NotifyContentChangedTest, QueuesTheFullFetchAndTheCrawlsThatHoldIt) {
  const std::string a = CatalogWith(
      R"({"q": "a"})",
      Concat(fakes::CourseRecords({"edX+A"}), {DerivedRun(kRun, "edX+A")}));
  const std::string b =
      CatalogWith(R"({"q": "b"})",
                  Concat(fakes::CourseRecords({"edX+B"}), {Program(kProgram)}));
  const std::string c =
      CatalogWith(R"({"q": "c"})", fakes::CourseRecords({"edX+C"}));
  // A query no catalog uses any more still holds edX+A: no crawl for it.
  auto unused = store_.EnsureCatalogQuery(Filter(R"({"q": "unused"})"));
  ASSERT_TRUE(unused.ok());
  ASSERT_TRUE(
      store_.ReplaceQueryContent(unused->id, fakes::CourseRecords({"edX+A"}))
          .ok());

  std::map<int64_t, int64_t> members_before;
  for (const int64_t id : store_.QueryIds()) {
    members_before[id] = store_.Query(id)->members;
  }

  // The run stands for its course; the duplicate counts once.
  v1::NotifyContentChangedResponse out;
  ASSERT_TRUE(core_
                  .NotifyContentChanged(
                      Operator(),
                      Request({kRun, "no+such+course", kProgram, "edX+A",
                               "no+such+course", "another+missing"}),
                      &out)
                  .ok());
  EXPECT_THAT(out.queued_keys(), ElementsAre(kProgram, "edX+A"));
  EXPECT_THAT(out.unknown_keys(),
              ElementsAre("no+such+course", "another+missing"));
  EXPECT_EQ(out.crawls_queued(), 2);
  ASSERT_TRUE(out.has_full_job());
  const v1::RefreshJob& full = out.full_job();
  EXPECT_EQ(full.kind(), v1::RefreshJob::FULL_METADATA);
  EXPECT_EQ(full.catalog_query_uuid(), "");
  EXPECT_EQ(full.state(), v1::RefreshJob::QUEUED);
  EXPECT_EQ(full.reason(), v1::RefreshJob::PUBLISHED);
  EXPECT_EQ(full.max_attempts(), 4);
  EXPECT_EQ(full.next_attempt(),
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(kT0));

  ASSERT_EQ(CrawlsOf(a).size(), 1u);
  EXPECT_EQ(CrawlsOf(a)[0].reason, JobReason::kPublished);
  EXPECT_EQ(CrawlsOf(a)[0].max_attempts, 4);
  ASSERT_EQ(CrawlsOf(b).size(), 1u);
  EXPECT_THAT(CrawlsOf(c), IsEmpty());
  EXPECT_THAT(CrawlsOf(unused->uuid), IsEmpty());
  ASSERT_EQ(FullJobs().size(), 1u);
  EXPECT_EQ(FullJobs()[0].uuid, full.uuid());
  EXPECT_THAT(queue_.FlaggedForFullFetch(), ElementsAre(kProgram, "edX+A"));

  // Nothing was deleted to make way for the new documents.
  auto stored = store_.GetContentMetadata(
      storage::ContentLookup{{"edX+A", kRun, kProgram}, {}, false});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 3u);
  for (const int64_t id : store_.QueryIds()) {
    EXPECT_EQ(store_.Query(id)->members, members_before.at(id)) << id;
  }
}

TEST_F(NotifyContentChangedTest, ARepeatJoinsTheSameJobs) {
  const std::string a =
      CatalogWith(R"({"q": "a"})", fakes::CourseRecords({"edX+A"}));
  v1::NotifyContentChangedResponse first;
  ASSERT_TRUE(
      core_.NotifyContentChanged(Operator(), Request({"edX+A"}), &first).ok());
  const size_t jobs = queue_.Jobs().size();
  ASSERT_EQ(jobs, 2u);

  now_ += 1'000'000;
  v1::NotifyContentChangedResponse again;
  ASSERT_TRUE(
      core_.NotifyContentChanged(Operator(), Request({"edX+A"}), &again).ok());
  EXPECT_EQ(again.full_job().uuid(), first.full_job().uuid());
  EXPECT_EQ(again.crawls_queued(), 1);
  EXPECT_EQ(queue_.Jobs().size(), jobs);
  EXPECT_EQ(CrawlsOf(a).size(), 1u);
}

TEST_F(NotifyContentChangedTest, ABackedOffCrawlIsPulledForward) {
  const std::string a =
      CatalogWith(R"({"q": "a"})", fakes::CourseRecords({"edX+A"}));
  const storage::Micros retry_at = kT0 + 3'600'000'000;
  {
    // A refresh that failed once and waits for its retry.
    auto queued = queue_.Schedule(kT0 + 1, kT0, 0, 3, kT0);
    ASSERT_TRUE(queued.ok());
    auto lease = queue_.Lease("w", 60'000'000, kT0);
    ASSERT_TRUE(lease.ok() && lease->has_value());
    ASSERT_TRUE(
        queue_.FailAttempt(**lease, "discovery down", {}, retry_at, kT0).ok());
  }
  ASSERT_EQ(CrawlsOf(a).size(), 1u);
  ASSERT_EQ(CrawlsOf(a)[0].run_after, retry_at);

  now_ = kT0 + 60'000'000;
  v1::NotifyContentChangedResponse out;
  ASSERT_TRUE(
      core_.NotifyContentChanged(Operator(), Request({"edX+A"}), &out).ok());
  EXPECT_EQ(out.crawls_queued(), 1);
  ASSERT_EQ(CrawlsOf(a).size(), 1u);
  EXPECT_EQ(CrawlsOf(a)[0].run_after, now_);
  EXPECT_EQ(CrawlsOf(a)[0].reason, JobReason::kScheduled);
}

TEST_F(NotifyContentChangedTest, NothingStoredQueuesNothing) {
  CatalogWith(R"({"q": "a"})", fakes::CourseRecords({"edX+A"}));
  v1::NotifyContentChangedResponse out;
  ASSERT_TRUE(core_
                  .NotifyContentChanged(Operator(),
                                        Request({"edX+New", "edX+Newer"}), &out)
                  .ok());
  EXPECT_THAT(out.queued_keys(), IsEmpty());
  EXPECT_THAT(out.unknown_keys(), ElementsAre("edX+New", "edX+Newer"));
  EXPECT_EQ(out.crawls_queued(), 0);
  EXPECT_FALSE(out.has_full_job());
  EXPECT_THAT(queue_.Jobs(), IsEmpty());
}

TEST_F(NotifyContentChangedTest, QueueFailuresAndAMissingQueueAreReported) {
  CatalogWith(R"({"q": "a"})", fakes::CourseRecords({"edX+A"}));
  queue_.FailEveryCall(absl::UnavailableError("database is down"));
  v1::NotifyContentChangedResponse out;
  const absl::Status down =
      core_.NotifyContentChanged(Operator(), Request({"edX+A"}), &out);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(down.message(), "database is down");
  EXPECT_FALSE(out.has_full_job());

  CatalogCore without_queue(&store_, nullptr, Policy(),
                            common::PageTokenCodec::WithRandomSecret());
  EXPECT_EQ(
      without_queue.NotifyContentChanged(Operator(), Request({"edX+A"}), &out)
          .code(),
      absl::StatusCode::kUnimplemented);
}

TEST_F(NotifyContentChangedTest, EveryAttemptIsAudited) {
  CatalogWith(R"({"q": "a"})", fakes::CourseRecords({"edX+A"}));
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "audit-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  logger->set_pattern("{%v}");
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);

  v1::NotifyContentChangedResponse out;
  const absl::Status ok =
      core_.NotifyContentChanged(Operator(), Request({"edX+A", "x"}), &out);
  const auth::Principal admin = auth::Principal::FromRoles(
      "admin", {std::string(auth::kCatalogAdminRole) + ":*"});
  v1::NotifyContentChangedResponse refused_out;
  const absl::Status refused =
      core_.NotifyContentChanged(admin, Request({"edX+A"}), &refused_out);
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(ok.ok()) << ok;
  ASSERT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);

  std::vector<std::string> audit;
  std::istringstream lines(captured.str());
  for (std::string line; std::getline(lines, line);) {
    if (line.find(R"("component":"audit")") != std::string::npos) {
      audit.push_back(line);
    }
  }
  ASSERT_EQ(audit.size(), 2u) << captured.str();
  EXPECT_THAT(audit[0], HasSubstr(R"("action":"NotifyContentChanged")"));
  EXPECT_THAT(audit[0], HasSubstr(R"("subject":"platform")"));
  EXPECT_THAT(audit[0], HasSubstr(R"("result":"OK")"));
  EXPECT_THAT(audit[0],
              HasSubstr(R"("job_uuid":")" + out.full_job().uuid() + "\""));
  EXPECT_THAT(audit[0], HasSubstr(R"("content_key_count":2)"));
  EXPECT_THAT(audit[0], HasSubstr(R"("content_keys":["edX+A","x"])"));
  EXPECT_THAT(audit[0], HasSubstr(R"("crawls_queued":1)"));
  EXPECT_THAT(audit[1], HasSubstr(R"("subject":"admin")"));
  EXPECT_THAT(audit[1], HasSubstr(R"("result":"PERMISSION_DENIED")"));
  EXPECT_THAT(audit[1], HasSubstr(R"("error":"caller admin may not report)"));
}

}  // namespace
}  // namespace ec::core
