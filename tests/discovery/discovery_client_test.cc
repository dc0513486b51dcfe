// The discovery client over a scripted transport: paging, the request it
// sends, what it keeps of each page, and its limits.
#include <string>
#include <vector>

#include "absl/status/status.h"
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
using ::testing::StartsWith;

TEST_F(DiscoveryClientTest, PagesUntilNextIsNullKeepingRecordOrder) {
  AddPage(5, NextUrl(2),
          {Course("edX+DemoX",
                  {"course-v1:edX+DemoX+1T", "course-v1:edX+DemoX+2T"}),
           Program("11111111-2222-4333-8444-555555555555")});
  AddPage(5, NextUrl(3), {CourseRun("MITx+6.00", "course-v1:MITx+6.00+3T")});
  AddPage(5, nullptr, {Program("66666666-7777-4888-9999-aaaaaaaaaaaa")});
  std::vector<int64_t> observed_pages;

  CrawlResult result;
  ASSERT_TRUE(MakeClient()
                  ->Crawl(R"({"content_type":"course"})",
                          [&](const CrawlStats& stats) {
                            observed_pages.push_back(stats.pages);
                            return absl::OkStatus();
                          },
                          &result)
                  .ok());

  EXPECT_THAT(Keys(result),
              ElementsAre("edX+DemoX", "course-v1:edX+DemoX+1T (derived)",
                          "course-v1:edX+DemoX+2T (derived)",
                          "11111111-2222-4333-8444-555555555555",
                          "course-v1:MITx+6.00+3T",
                          "66666666-7777-4888-9999-aaaaaaaaaaaa"));
  EXPECT_EQ(result.records[1].parent_content_key, "edX+DemoX");
  EXPECT_EQ(result.records[4].parent_content_key, "MITx+6.00");
  EXPECT_THAT(observed_pages, ElementsAre(1, 2, 3));
  EXPECT_EQ(result.stats.pages, 3);
  EXPECT_EQ(result.stats.requests, 3);
  EXPECT_EQ(result.stats.retries, 0);
  EXPECT_EQ(result.stats.token_requests, 1);
  EXPECT_EQ(result.stats.results, 4);
  EXPECT_EQ(result.stats.skipped, 0);
  EXPECT_EQ(result.stats.reported_count, 5);
  const auto bytes = static_cast<int64_t>(
      PageBody(5, NextUrl(2),
               {Course("edX+DemoX",
                       {"course-v1:edX+DemoX+1T", "course-v1:edX+DemoX+2T"}),
                Program("11111111-2222-4333-8444-555555555555")})
          .size() +
      PageBody(5, NextUrl(3),
               {CourseRun("MITx+6.00", "course-v1:MITx+6.00+3T")})
          .size() +
      PageBody(5, nullptr, {Program("66666666-7777-4888-9999-aaaaaaaaaaaa")})
          .size());
  EXPECT_EQ(result.stats.bytes, bytes);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(DiscoveryClientTest, KeepsDiscoveryMemberOrderInMetadata) {
  AddSearch(Respond(
      200, R"({"count":1,"next":null,"results":[{"title":"T","key":"a+b",)"
           R"("aggregation_key":"course:a+b","content_type":"course"}]})"));
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  ASSERT_EQ(result.records.size(), 1u);
  // domain may append members of its own (normalized_metadata); those sent
  // come first, in discovery's order.
  EXPECT_THAT(result.records[0].json_metadata,
              StartsWith(R"({"title":"T","key":"a+b","aggregation_key":)"
                         R"("course:a+b","content_type":"course")"));
}

TEST_F(DiscoveryClientTest, SendsExactQueryStringHeadersAndBody) {
  config_.page_size = 50;
  const std::string filter =
      R"({"content_type": ["course","program"], "partner":"edx" })";
  AddPage(2, NextUrl(2), {Program("11111111-2222-4333-8444-555555555555")});
  AddPage(2, "", {Program("66666666-7777-4888-9999-aaaaaaaaaaaa")});

  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl(filter, nullptr, &result).ok());

  const std::vector<HttpRequest> searches = script_->SearchRequests();
  ASSERT_EQ(searches.size(), 2u);
  EXPECT_EQ(searches[0].url,
            absl::StrCat(kSearchPrefix, "&page_size=50&page=1"));
  EXPECT_EQ(searches[1].url,
            absl::StrCat(kSearchPrefix, "&page_size=50&page=2"));
  for (const HttpRequest& request : searches) {
    EXPECT_THAT(request.headers,
                ElementsAre(Pair("Authorization", "JWT tok-1"),
                            Pair("Content-Type", "application/json"),
                            Pair("Accept", "application/json")));
    EXPECT_EQ(request.body, filter);
    EXPECT_EQ(request.timeout, config_.request_timeout);
    EXPECT_EQ(request.connect_timeout, config_.connect_timeout);
  }

  const std::vector<HttpRequest> tokens = script_->TokenRequests();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].body,
            "grant_type=client_credentials&client_id=catalog-worker"
            "&client_secret=s3cr%26t%3D%2B%2F+x&token_type=jwt");
  EXPECT_THAT(
      tokens[0].headers,
      ElementsAre(Pair("Content-Type", "application/x-www-form-urlencoded"),
                  Pair("Accept", "application/json")));
}

// Issue 14, defect 2: the figures of the completeness check count every
// result by identity, storable or not, so a repeated person is a repeat.
TEST_F(DiscoveryClientTest, CountsDistinctAndRepeatedResultsOfEveryKind) {
  AddPage(5, NextUrl(2), {Course("edX+DemoX", {}), Person()});
  // Page 2 repeats the person (an unstable sort) where a course stood, and
  // the count has moved.
  AddPage(6, nullptr,
          {Person(), Course("MITx+6.00", {}),
           Json{{"content_type", "course"}, {"title", "no identity"}}});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_EQ(result.stats.results, 5);
  EXPECT_EQ(result.stats.distinct, 4);  // the result without one counts
  EXPECT_EQ(result.stats.repeated, 1);
  EXPECT_EQ(result.stats.first_repeat,
            "u:5e1a7a2c-0000-4000-8000-000000000001");
  EXPECT_EQ(result.stats.reported_count, 5);
  EXPECT_EQ(result.stats.last_count, 6);
}

// Issue 14: a count that swings on a middle page and comes back by the last
// one is still a change; only the first and last counts used to be kept, and
// such a crawl was applied.
TEST_F(DiscoveryClientTest, ACountThatSwingsOnAMiddlePageIsKept) {
  AddPage(3, NextUrl(2), {Course("edX+A", {})});
  AddPage(8, NextUrl(3), {Course("edX+B", {})});
  AddPage(3, nullptr, {Course("edX+C", {})});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_EQ(result.stats.reported_count, 3);
  EXPECT_EQ(result.stats.last_count, 8);
  EXPECT_EQ(result.stats.count_changed_page, 2);
}

TEST_F(DiscoveryClientTest, ToleratesDiscoveryUrlWithoutTrailingSlash) {
  config_.discovery_url = "https://discovery.test/api/v1";
  AddPage(0, nullptr, {});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  ASSERT_EQ(script_->SearchRequests().size(), 1u);
  EXPECT_EQ(script_->SearchRequests()[0].url,
            absl::StrCat(kSearchPrefix, "&page_size=100&page=1"));
  EXPECT_THAT(result.records, IsEmpty());
  EXPECT_EQ(result.stats.pages, 1);
}

TEST_F(DiscoveryClientTest, CountsSkippedResults) {
  AddPage(4, nullptr,
          {Person(), Course("edX+DemoX", {}),
           Json{{"content_type", "course"}, {"title", "no key"}},
           Json{{"aggregation_key", "course:x"},
                {"content_type", "course"},
                {"key", std::string(300, 'k')}}});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_THAT(Keys(result), ElementsAre("edX+DemoX"));
  EXPECT_EQ(result.stats.results, 4);
  EXPECT_EQ(result.stats.skipped, 3);
  // One summary line with the count, none per document.
  EXPECT_THAT(Logs(), HasSubstr(R"("skipped":3)"));
  EXPECT_THAT(Logs(), Not(HasSubstr("person")));
}

TEST_F(DiscoveryClientTest, StopsPastMaxPages) {
  config_.max_pages = 2;
  AddPage(9, NextUrl(2), {Program("11111111-2222-4333-8444-555555555555")});
  AddPage(9, NextUrl(3), {Program("66666666-7777-4888-9999-aaaaaaaaaaaa")});
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_THAT(Message(status), HasSubstr("max_pages is 2"));
  EXPECT_EQ(result.stats.pages, 2);
  EXPECT_EQ(result.stats.requests, 2);
  EXPECT_THAT(result.records, IsEmpty());
}

// Issue 14, defect 6: a crawl keeps each content key once. A run seen
// nested in its course and then as a result of its own is kept once, as the
// full document; one nested in two courses is kept as first seen.
TEST_F(DiscoveryClientTest, KeepsEachContentKeyOnce) {
  AddPage(3, NextUrl(2),
          {Course("edX+DemoX", {"course-v1:edX+DemoX+1T"}),
           Course("edX+DemoY", {"course-v1:edX+DemoX+1T"})});
  AddPage(3, nullptr, {CourseRun("edX+DemoX", "course-v1:edX+DemoX+1T")});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_THAT(Keys(result),
              ElementsAre("edX+DemoX", "course-v1:edX+DemoX+1T", "edX+DemoY"));
  EXPECT_EQ(result.records[1].parent_content_key, "edX+DemoX");
  int64_t kept = 0;
  for (const domain::ContentRecord& record : result.records) {
    kept += static_cast<int64_t>(sizeof(record) + record.json_metadata.size());
  }
  EXPECT_GE(result.stats.kept_bytes, kept);
  EXPECT_LT(result.stats.kept_bytes, kept + 1000);
}

// Issue 14, defect 6: a crawl whose documents outgrow the budget stops with
// RESOURCE_EXHAUSTED after the page that crossed it (it used to keep every
// page until the worker was killed), keeps nothing, and is counted.
TEST_F(DiscoveryClientTest, StopsWhenItsDocumentsOutgrowTheBudget) {
  Json big = Program("11111111-2222-4333-8444-555555555555");
  big["overview"] = std::string(40000, 'x');
  Json bigger = Program("66666666-7777-4888-9999-aaaaaaaaaaaa");
  bigger["overview"] = std::string(40000, 'y');
  config_.crawl_max_bytes = 64 << 10;
  AddPage(3, NextUrl(2), {big});
  AddPage(3, NextUrl(3), {bigger});
  AddPage(3, nullptr, {Program("0a0a0a0a-7777-4888-9999-aaaaaaaaaaaa")});
  const double over_before =
      metrics::RefreshMetrics::Get().CrawlsOverLimitTotal();
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_THAT(Message(status), HasSubstr("search/all page 2: the crawl keeps"));
  EXPECT_THAT(Message(status), HasSubstr("over its budget of 65536"));
  EXPECT_EQ(result.stats.pages, 2);
  EXPECT_GT(result.stats.kept_bytes, 80000);
  EXPECT_THAT(result.records, IsEmpty());
  EXPECT_EQ(metrics::RefreshMetrics::Get().CrawlsOverLimitTotal(),
            over_before + 1);
  EXPECT_THAT(Logs(), HasSubstr("RESOURCE_EXHAUSTED"));
}

TEST_F(DiscoveryClientTest, InvalidConfigFailsBeforeAnyRequest) {
  config_.page_size = 0;
  CrawlResult result;
  absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(Message(status), HasSubstr("page_size"));
  config_.page_size = 100;
  config_.discovery_url = "ftp://discovery.test/";
  EXPECT_EQ(ValidateDiscoveryConfig(config_).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(script_->requests.empty());
}

// Issue 14, defect 9: the client secret never goes over plain http to
// another host unless the operator says so.
TEST_F(DiscoveryClientTest, PlainHttpOffLoopbackIsRefusedUnlessAllowed) {
  for (const char* url :
       {"http://discovery.internal/api/v1/", "http://10.0.0.7:8000/",
        "http://user@127.evil.example/", "http://[2001:db8::1]:80/"}) {
    config_.discovery_url = url;
    const absl::Status status = ValidateDiscoveryConfig(config_);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(Message(status), HasSubstr("ALLOW_PLAIN_HTTP")) << url;
  }
  config_.discovery_url = "https://discovery.test/api/v1/";
  config_.oauth_url = "http://lms.internal";
  EXPECT_FALSE(ValidateDiscoveryConfig(config_).ok());
  config_.allow_plain_http = true;
  EXPECT_TRUE(ValidateDiscoveryConfig(config_).ok());
  config_.allow_plain_http = false;
  for (const char* url : {"http://127.0.0.1:18381", "http://localhost/",
                          "http://[::1]:8080/x", "https://lms.internal"}) {
    config_.oauth_url = url;
    EXPECT_TRUE(ValidateDiscoveryConfig(config_).ok()) << url;
  }
}

TEST_F(DiscoveryClientTest, ExceptionsDoNotEscape) {
  script_->throw_on_search = true;
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
}

TEST_F(DiscoveryClientTest, ResultsFromAPreviousCrawlAreCleared) {
  auto client = MakeClient();
  AddPage(1, nullptr, {Program("11111111-2222-4333-8444-555555555555")});
  CrawlResult result;
  ASSERT_TRUE(client->Crawl("{}", nullptr, &result).ok());
  ASSERT_EQ(result.records.size(), 1u);
  AddPage(0, nullptr, {});
  ASSERT_TRUE(client->Crawl("{}", nullptr, &result).ok());
  EXPECT_THAT(result.records, IsEmpty());
  EXPECT_EQ(result.stats.pages, 1);
  EXPECT_EQ(result.stats.token_requests, 0);
}

}  // namespace
}  // namespace ec::discovery
