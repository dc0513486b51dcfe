// The discovery client's full-metadata calls, FetchCourses and
// FetchPrograms, over the scripted transport: the GET they send, batching,
// limit/offset paging, the retry rules they share with search/all, what a
// failure keeps, and the guards against endless paging.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"
#include "tests/discovery/discovery_client_fixture.h"

namespace ec::discovery {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;

constexpr char kCoursesUrl[] = "https://discovery.test/api/v1/courses/";
constexpr char kProgramsUrl[] = "https://discovery.test/api/v1/programs/";

// A /api/v1/courses/ result, trimmed to what the tests look at.
Json FullCourse(const std::string& key) {
  return {
      {"key", key},
      {"uuid", "0b1c" + key},
      {"title", "Course " + key},
      {"modified", "2024-05-01T10:00:00.000000Z"},
      {"course_runs", Json::array({{{"key", "course-v1:" + key + "+1T"}}})}};
}

Json FullProgram(const std::string& uuid) {
  return {{"uuid", uuid}, {"title", "Program"}, {"courses", Json::array()}};
}

// DRF's LimitOffsetPagination envelope.
std::string OffsetBody(int64_t count, const Json& next,
                       const std::vector<Json>& results) {
  return Json{{"count", count},
              {"next", next},
              {"previous", nullptr},
              {"results", results}}
      .dump();
}

std::string NextOffsetUrl(int64_t offset) {
  return absl::StrCat(kCoursesUrl, "?keys=a&limit=200&offset=", offset);
}

// The ids a courses/ or programs/ URL asks for, decoded.
std::vector<std::string> RequestedIds(const std::string& url) {
  const size_t start = url.find('=') + 1;
  const std::string encoded = url.substr(start, url.find('&') - start);
  std::string decoded;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%') {
      decoded += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), 0, 16));
      i += 2;
    } else {
      decoded += encoded[i] == '+' ? ' ' : encoded[i];
    }
  }
  return absl::StrSplit(decoded, ',');
}

std::vector<std::string> DocumentIds(const FullFetchResult& result,
                                     const char* member) {
  std::vector<std::string> ids;
  for (const nlohmann::ordered_json& document : result.documents) {
    ids.push_back(document.at(member).get<std::string>());
  }
  return ids;
}

std::vector<std::string> NumberedKeys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(absl::StrCat("edX+C", 1000 + i));
  return keys;
}

class DiscoveryClientFullTest : public DiscoveryClientTest {
 protected:
  void AddOffsetPage(int64_t count, const Json& next,
                     const std::vector<Json>& results) {
    AddSearch(Respond(200, OffsetBody(count, next, results)));
  }

  // One page answering every key of `keys` (a whole batch).
  void AddBatch(const std::vector<std::string>& keys, size_t begin,
                size_t end) {
    std::vector<Json> results;
    for (size_t i = begin; i < end; ++i) results.push_back(FullCourse(keys[i]));
    AddOffsetPage(static_cast<int64_t>(results.size()), nullptr, results);
  }
};

TEST_F(DiscoveryClientFullTest, CoursesRequestEncodesKeysLikePython) {
  const std::string body =
      R"({"count":1,"next":null,"previous":null,)"
      R"("results":[{"title":"T","key":"edX+DemoX","modified":"2024"}]})";
  AddSearch(Respond(200, body));
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()
                  ->FetchCourses(
                      {"edX+DemoX", "course-v1:MITx+6.00x+1T", "a b/c~d_e.f-g"},
                      &result)
                  .ok());

  const std::vector<HttpRequest> requests = script_->SearchRequests();
  ASSERT_EQ(requests.size(), 1u);
  // urlencode({"keys": ",".join(keys)}): the comma is encoded too.
  EXPECT_EQ(requests[0].url,
            absl::StrCat(kCoursesUrl,
                         "?keys=edX%2BDemoX%2Ccourse-v1%3AMITx%2B6.00x%2B1T"
                         "%2Ca+b%2Fc~d_e.f-g&ordering=key&limit=200&offset=0"));
  EXPECT_THAT(script_->methods, ElementsAre("POST", "GET"));
  EXPECT_THAT(requests[0].headers,
              ElementsAre(Pair("Authorization", "JWT tok-1"),
                          Pair("Accept", "application/json")));
  EXPECT_TRUE(requests[0].body.empty());
  EXPECT_EQ(requests[0].timeout, config_.request_timeout);
  EXPECT_EQ(requests[0].connect_timeout, config_.connect_timeout);
  // The document as discovery sent it, member order kept.
  ASSERT_THAT(result.documents, SizeIs(1));
  EXPECT_EQ(result.documents[0].dump(),
            R"({"title":"T","key":"edX+DemoX","modified":"2024"})");
  EXPECT_EQ(result.stats.requests, 1);
  EXPECT_EQ(result.stats.pages, 1);
  EXPECT_EQ(result.stats.retries, 0);
  EXPECT_EQ(result.stats.token_requests, 1);
  EXPECT_EQ(result.stats.results, 1);
  EXPECT_EQ(result.stats.skipped, 0);
  EXPECT_EQ(result.stats.bytes, static_cast<int64_t>(body.size()));
}

TEST_F(DiscoveryClientFullTest, ProgramsRequestAsksForExtendedPrograms) {
  config_.full_page_limit = 7;
  config_.discovery_url = "https://discovery.test/api/v1";
  AddOffsetPage(2, nullptr,
                {FullProgram("11111111-2222-4333-8444-555555555555"),
                 FullProgram("66666666-7777-4888-9999-aaaaaaaaaaaa")});
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()
                  ->FetchPrograms({"11111111-2222-4333-8444-555555555555",
                                   "66666666-7777-4888-9999-aaaaaaaaaaaa"},
                                  &result)
                  .ok());
  ASSERT_EQ(script_->SearchRequests().size(), 1u);
  EXPECT_EQ(script_->SearchRequests()[0].url,
            absl::StrCat(kProgramsUrl,
                         "?uuids=11111111-2222-4333-8444-555555555555"
                         "%2C66666666-7777-4888-9999-aaaaaaaaaaaa"
                         "&ordering=key&limit=7&extended=True&offset=0"));
  EXPECT_THAT(DocumentIds(result, "uuid"),
              ElementsAre("11111111-2222-4333-8444-555555555555",
                          "66666666-7777-4888-9999-aaaaaaaaaaaa"));
}

TEST_F(DiscoveryClientFullTest, SplitsKeysIntoBatchesOfFullBatchSize) {
  const std::vector<std::string> keys = NumberedKeys(120);
  AddBatch(keys, 0, 50);
  AddBatch(keys, 50, 100);
  AddBatch(keys, 100, 120);
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()->FetchCourses(keys, &result).ok());

  const std::vector<HttpRequest> requests = script_->SearchRequests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(RequestedIds(requests[0].url),
            std::vector<std::string>(keys.begin(), keys.begin() + 50));
  EXPECT_EQ(RequestedIds(requests[1].url),
            std::vector<std::string>(keys.begin() + 50, keys.begin() + 100));
  EXPECT_EQ(RequestedIds(requests[2].url),
            std::vector<std::string>(keys.begin() + 100, keys.end()));
  for (const HttpRequest& request : requests) {
    EXPECT_THAT(request.url, HasSubstr("&offset=0"));
  }
  EXPECT_EQ(DocumentIds(result, "key"), keys);
  EXPECT_EQ(result.stats.requests, 3);
  EXPECT_EQ(result.stats.pages, 3);
  EXPECT_EQ(result.stats.results, 120);
  EXPECT_EQ(result.stats.token_requests, 1);
}

TEST_F(DiscoveryClientFullTest, ConfiguredBatchSizeIsUsed) {
  config_.full_batch_size = 2;
  AddOffsetPage(2, nullptr, {FullCourse("a+1"), FullCourse("a+2")});
  AddOffsetPage(1, nullptr, {FullCourse("a+3")});
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()->FetchCourses({"a+1", "a+2", "a+3"}, &result).ok());
  const std::vector<HttpRequest> requests = script_->SearchRequests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_THAT(RequestedIds(requests[0].url), ElementsAre("a+1", "a+2"));
  EXPECT_THAT(RequestedIds(requests[1].url), ElementsAre("a+3"));
}

TEST_F(DiscoveryClientFullTest, FollowsLimitOffsetPagesWhileNextIsSet) {
  config_.full_page_limit = 2;
  AddOffsetPage(5, NextOffsetUrl(2), {FullCourse("a+1"), FullCourse("a+2")});
  AddOffsetPage(5, NextOffsetUrl(4), {FullCourse("a+3"), FullCourse("a+4")});
  AddOffsetPage(5, nullptr, {FullCourse("a+5")});
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()
                  ->FetchCourses({"a+1", "a+2", "a+3", "a+4", "a+5"}, &result)
                  .ok());
  const std::vector<HttpRequest> requests = script_->SearchRequests();
  ASSERT_EQ(requests.size(), 3u);
  const std::string keys = "?keys=a%2B1%2Ca%2B2%2Ca%2B3%2Ca%2B4%2Ca%2B5";
  EXPECT_EQ(requests[0].url,
            absl::StrCat(kCoursesUrl, keys, "&ordering=key&limit=2&offset=0"));
  EXPECT_EQ(requests[1].url,
            absl::StrCat(kCoursesUrl, keys, "&ordering=key&limit=2&offset=2"));
  EXPECT_EQ(requests[2].url,
            absl::StrCat(kCoursesUrl, keys, "&ordering=key&limit=2&offset=4"));
  EXPECT_THAT(DocumentIds(result, "key"),
              ElementsAre("a+1", "a+2", "a+3", "a+4", "a+5"));
  EXPECT_EQ(result.stats.pages, 3);
  EXPECT_EQ(result.stats.requests, 3);
}

TEST_F(DiscoveryClientFullTest, RetriesServerErrorsHtmlAndTruncatedBodies) {
  const double server_errors_before =
      metrics::RefreshMetrics::Get().DiscoveryRequestsTotal("courses", "5xx");
  const double bad_bodies_before =
      metrics::RefreshMetrics::Get().DiscoveryRequestsTotal("courses",
                                                            "bad_body");
  AddSearch(Respond(503, "<html>Service Unavailable</html>",
                    {{"content-type", "text/html"}}));
  AddSearch(Respond(200, "<html>maintenance</html>",
                    {{"content-type", "text/html"}}));
  AddSearch(Respond(200, R"({"count": 1, "next": null, "results": [{"ke)"));
  AddSearch(absl::UnavailableError("connection reset by peer"));
  AddOffsetPage(1, nullptr, {FullCourse("edX+DemoX")});
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()->FetchCourses({"edX+DemoX"}, &result).ok());
  EXPECT_THAT(DocumentIds(result, "key"), ElementsAre("edX+DemoX"));
  EXPECT_EQ(result.stats.requests, 5);
  EXPECT_EQ(result.stats.retries, 4);
  EXPECT_EQ(result.stats.pages, 1);
  EXPECT_EQ(sleeps_.size(), 4u);
  EXPECT_EQ(
      metrics::RefreshMetrics::Get().DiscoveryRequestsTotal("courses", "5xx"),
      server_errors_before + 1);
  EXPECT_EQ(metrics::RefreshMetrics::Get().DiscoveryRequestsTotal("courses",
                                                                  "bad_body"),
            bad_bodies_before + 2);
  // Retry lines say where in the fetch they are.
  EXPECT_THAT(Logs(), HasSubstr(R"("batch":1)"));
  EXPECT_THAT(Logs(), HasSubstr(R"("offset":0)"));
  EXPECT_THAT(Logs(), HasSubstr(R"("request":"courses batch 1/1 offset 0")"));
}

TEST_F(DiscoveryClientFullTest, HonoursRetryAfter) {
  AddSearch(Respond(429, R"({"detail":"throttled"})", {{"retry-after", "9"}}));
  AddOffsetPage(0, nullptr, {});
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()->FetchPrograms({"u"}, &result).ok());
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(9000)));
}

TEST_F(DiscoveryClientFullTest, ExhaustedRetriesKeepCompletedBatchesOnly) {
  config_.max_attempts = 2;
  config_.full_batch_size = 2;
  config_.full_page_limit = 1;
  // Batch 1 completes over two pages; batch 2 gets one page, then fails.
  AddOffsetPage(2, NextOffsetUrl(1), {FullCourse("a+1")});
  AddOffsetPage(2, nullptr, {FullCourse("a+2")});
  AddOffsetPage(2, NextOffsetUrl(1), {FullCourse("a+3")});
  AddSearch(Respond(502, "<html>Bad Gateway</html>"));
  AddSearch(absl::DeadlineExceededError("Operation timed out"));
  FullFetchResult result;
  const absl::Status status =
      MakeClient()->FetchCourses({"a+1", "a+2", "a+3", "a+4", "a+5"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(Message(status), HasSubstr("courses batch 2/3 offset 1"));
  EXPECT_THAT(Message(status), HasSubstr("2 attempts"));
  EXPECT_THAT(Message(status), HasSubstr("Operation timed out"));
  EXPECT_THAT(DocumentIds(result, "key"), ElementsAre("a+1", "a+2"));
  EXPECT_EQ(result.stats.pages, 3);
  EXPECT_EQ(result.stats.requests, 5);
  EXPECT_EQ(result.stats.retries, 1);
  EXPECT_EQ(result.stats.results, 3);
  // One failure line with the figures.
  const std::string logs = Logs();
  EXPECT_THAT(logs, HasSubstr("full fetch failed"));
  EXPECT_THAT(logs, HasSubstr(R"("endpoint":"courses")"));
  EXPECT_THAT(logs, HasSubstr(R"("batch":2)"));
  EXPECT_THAT(logs, HasSubstr(R"("batches":3)"));
  EXPECT_THAT(logs, HasSubstr(R"("documents_kept":2)"));
  EXPECT_THAT(logs, HasSubstr(R"("code":"UNAVAILABLE")"));
}

TEST_F(DiscoveryClientFullTest, PersistentBadBodiesAreDataLoss) {
  config_.max_attempts = 3;
  config_.full_batch_size = 1;
  AddOffsetPage(1, nullptr, {FullProgram("u1")});
  for (int i = 0; i < 3; ++i) {
    AddSearch(
        Respond(200, "<html>oops</html>", {{"content-type", "text/html"}}));
  }
  FullFetchResult result;
  const absl::Status status =
      MakeClient()->FetchPrograms({"u1", "u2", "u3"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(Message(status), HasSubstr("programs batch 2/3 offset 0"));
  EXPECT_THAT(Message(status), HasSubstr("not valid JSON"));
  EXPECT_THAT(Message(status), HasSubstr("<html>oops</html>"));
  EXPECT_THAT(DocumentIds(result, "uuid"), ElementsAre("u1"));
  EXPECT_EQ(result.stats.requests, 4);
}

TEST_F(DiscoveryClientFullTest, LongBodiesAreQuotedOnlyAsAShortPrefix) {
  config_.max_attempts = 1;
  const std::string body = "<html>" + std::string(5000, 'x') + "SECRET-TAIL";
  AddSearch(Respond(200, body));
  FullFetchResult result;
  const absl::Status status = MakeClient()->FetchCourses({"a+1"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(Message(status), Not(HasSubstr("SECRET-TAIL")));
  EXPECT_LT(status.message().size(), 600u);
}

TEST_F(DiscoveryClientFullTest, Unauthorized401RefreshesTheSharedToken) {
  auto client = MakeClient();
  AddPage(0, nullptr, {});
  CrawlResult crawl;
  ASSERT_TRUE(client->Crawl("{}", nullptr, &crawl).ok());
  AddSearch(Respond(401, R"({"detail":"Invalid token."})"));
  AddOffsetPage(1, nullptr, {FullCourse("edX+DemoX")});
  FullFetchResult result;
  ASSERT_TRUE(client->FetchCourses({"edX+DemoX"}, &result).ok());
  EXPECT_EQ(result.stats.token_requests, 1);
  EXPECT_EQ(result.stats.requests, 2);
  EXPECT_EQ(result.stats.retries, 1);
  EXPECT_TRUE(sleeps_.empty());
  const std::vector<HttpRequest> requests = script_->SearchRequests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].headers[0].second, "JWT tok-1");
  EXPECT_EQ(requests[2].headers[0].second, "JWT tok-2");
}

TEST_F(DiscoveryClientFullTest, Persistent401IsUnauthenticatedAndLeaksNothing) {
  AddSearch(Respond(401, R"({"detail":"Invalid token."})"));
  AddSearch(Respond(401, R"({"detail":"Invalid token."})"));
  FullFetchResult result;
  const absl::Status status = MakeClient()->FetchPrograms({"u1"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_THAT(Message(status), HasSubstr("programs batch 1/1 offset 0"));
  for (const std::string& secret : {std::string("tok-"), std::string("s3cr")}) {
    EXPECT_THAT(Message(status), Not(HasSubstr(secret)));
    EXPECT_THAT(Logs(), Not(HasSubstr(secret)));
  }
}

TEST_F(DiscoveryClientFullTest, NotFoundAndBadRequestAreNotRetried) {
  AddSearch(Respond(404, R"({"detail":"Not found."})"));
  FullFetchResult result;
  absl::Status status = MakeClient()->FetchCourses({"a+1"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(Message(status), HasSubstr("HTTP 404 (not retried)"));
  AddSearch(Respond(400, R"({"detail":"bad keys"})"));
  status = MakeClient()->FetchCourses({"a+1"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(result.stats.requests, 1);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(DiscoveryClientFullTest, SkipsDocumentsWithoutAnId) {
  AddOffsetPage(
      5, nullptr,
      {FullCourse("a+1"), Json{{"title", "no key"}}, Json{{"key", ""}},
       Json{{"key", 5}}, Json{{"uuid", "only-a-uuid"}}, FullCourse("a+2")});
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()->FetchCourses({"a+1", "a+2"}, &result).ok());
  EXPECT_THAT(DocumentIds(result, "key"), ElementsAre("a+1", "a+2"));
  EXPECT_EQ(result.stats.results, 6);
  EXPECT_EQ(result.stats.skipped, 4);

  AddOffsetPage(2, nullptr, {FullProgram("u1"), FullCourse("a+1")});
  ASSERT_TRUE(MakeClient()->FetchPrograms({"u1"}, &result).ok());
  EXPECT_THAT(DocumentIds(result, "uuid"), ElementsAre("u1", "0b1ca+1"));
  EXPECT_EQ(result.stats.skipped, 0);
  AddOffsetPage(1, nullptr, {Json{{"key", "a+1"}}});
  ASSERT_TRUE(MakeClient()->FetchPrograms({"u1"}, &result).ok());
  EXPECT_THAT(result.documents, IsEmpty());
  EXPECT_EQ(result.stats.skipped, 1);
}

TEST_F(DiscoveryClientFullTest, NextWithoutResultsStopsWithDataLoss) {
  config_.full_batch_size = 1;
  AddOffsetPage(1, nullptr, {FullCourse("a+1")});
  AddOffsetPage(9, NextOffsetUrl(200), {});
  FullFetchResult result;
  const absl::Status status =
      MakeClient()->FetchCourses({"a+1", "a+2"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(Message(status), HasSubstr("courses batch 2/2 offset 0"));
  EXPECT_THAT(Message(status), HasSubstr("no results"));
  EXPECT_EQ(script_->SearchRequests().size(), 2u);
  EXPECT_THAT(DocumentIds(result, "key"), ElementsAre("a+1"));
}

TEST_F(DiscoveryClientFullTest, PagesBeyondMaxPagesAreNotFetched) {
  config_.max_pages = 2;
  config_.full_batch_size = 1;
  AddOffsetPage(1, nullptr, {FullCourse("a+1")});
  AddOffsetPage(1, nullptr, {FullCourse("a+2")});
  FullFetchResult result;
  const absl::Status status =
      MakeClient()->FetchCourses({"a+1", "a+2", "a+3"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_THAT(Message(status), HasSubstr("courses batch 3/3 offset 0"));
  EXPECT_THAT(Message(status), HasSubstr("max_pages is 2"));
  EXPECT_EQ(script_->SearchRequests().size(), 2u);
  EXPECT_THAT(DocumentIds(result, "key"), ElementsAre("a+1", "a+2"));

  // Within one batch too: a server that always has a next page.
  script_ = std::make_shared<Script>();
  AddOffsetPage(9, NextOffsetUrl(200), {FullCourse("a+1")});
  AddOffsetPage(9, NextOffsetUrl(400), {FullCourse("a+1")});
  EXPECT_EQ(MakeClient()->FetchCourses({"a+1"}, &result).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.documents, IsEmpty());
}

TEST_F(DiscoveryClientFullTest, NoIdsMeansNoRequests) {
  FullFetchResult result;
  ASSERT_TRUE(MakeClient()->FetchCourses({}, &result).ok());
  ASSERT_TRUE(MakeClient()->FetchPrograms({}, &result).ok());
  EXPECT_TRUE(script_->requests.empty());
  EXPECT_THAT(result.documents, IsEmpty());
  EXPECT_EQ(result.stats.requests, 0);
}

TEST_F(DiscoveryClientFullTest, InvalidConfigFailsBeforeAnyRequest) {
  FullFetchResult result;
  config_.full_batch_size = 0;
  absl::Status status = MakeClient()->FetchCourses({"a+1"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(Message(status), HasSubstr("full_batch_size must be at least 1"));
  config_.full_batch_size = 50;
  config_.full_page_limit = 0;
  status = MakeClient()->FetchPrograms({"u1"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(Message(status), HasSubstr("full_page_limit must be at least 1"));
  EXPECT_TRUE(script_->requests.empty());
}

TEST_F(DiscoveryClientFullTest, ExceptionsDoNotEscape) {
  script_->throw_on_search = true;
  FullFetchResult result;
  const absl::Status status = MakeClient()->FetchPrograms({"u1"}, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
}

TEST_F(DiscoveryClientFullTest, SleeperErrorAbortsWithoutAFailureLine) {
  config_.full_batch_size = 1;
  sleeper_result_ = absl::CancelledError("shutting down");
  AddOffsetPage(1, nullptr, {FullCourse("a+1")});
  AddSearch(Respond(503, ""));
  FullFetchResult result;
  const absl::Status status =
      MakeClient()->FetchCourses({"a+1", "a+2"}, &result);
  EXPECT_EQ(status, absl::CancelledError("shutting down"));
  EXPECT_THAT(DocumentIds(result, "key"), ElementsAre("a+1"));
  EXPECT_THAT(Logs(), Not(HasSubstr("full fetch failed")));
}

TEST_F(DiscoveryClientFullTest, ResultsOfAPreviousCallAreCleared) {
  auto client = MakeClient();
  AddOffsetPage(1, nullptr, {FullCourse("a+1")});
  FullFetchResult result;
  ASSERT_TRUE(client->FetchCourses({"a+1"}, &result).ok());
  ASSERT_THAT(result.documents, SizeIs(1));
  AddOffsetPage(0, nullptr, {});
  ASSERT_TRUE(client->FetchCourses({"a+9"}, &result).ok());
  EXPECT_THAT(result.documents, IsEmpty());
  EXPECT_EQ(result.stats.token_requests, 0);
  EXPECT_EQ(result.stats.pages, 1);
}

TEST_F(DiscoveryClientFullTest, SearchAllAsksForModified) {
  AddPage(0, nullptr, {});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  ASSERT_EQ(script_->SearchRequests().size(), 1u);
  EXPECT_EQ(script_->SearchRequests()[0].url,
            "https://discovery.test/api/v1/search/all/"
            "?exclude_expired_course_run=True&include_learner_pathways=True"
            "&include_modified=true&page_size=100&page=1");
  EXPECT_THAT(script_->methods, ElementsAre("POST", "POST"));
}

}  // namespace
}  // namespace ec::discovery
