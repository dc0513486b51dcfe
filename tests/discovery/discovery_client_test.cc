#include "discovery/discovery_client.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "discovery/discovery_client_testing.h"
#include "discovery/http_transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace ec::discovery {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using std::chrono::milliseconds;

constexpr char kSecret[] = "s3cr&t=+/ x";
constexpr char kSearchPrefix[] =
    "https://discovery.test/api/v1/search/all/"
    "?exclude_expired_course_run=True&include_learner_pathways=True";
constexpr char kTokenUrl[] = "https://lms.test/oauth2/access_token";

HttpResponse Respond(int status, std::string body,
                     std::vector<std::pair<std::string, std::string>> headers =
                         {{"content-type", "application/json"}}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

std::string PageBody(int64_t count, const Json& next,
                     const std::vector<Json>& results) {
  return Json{{"count", count},
              {"next", next},
              {"previous", nullptr},
              {"facets", Json::object()},
              {"results", results}}
      .dump();
}

std::string NextUrl(int page) {
  return absl::StrCat("https://discovery.test/api/v1/search/all/?page=", page,
                      "&page_size=100");
}

Json Course(const std::string& key, const std::vector<std::string>& runs) {
  Json course_runs = Json::array();
  for (const std::string& run : runs) {
    course_runs.push_back({{"key", run}, {"title", "Run " + run}});
  }
  return {{"aggregation_key", "course:" + key},
          {"content_type", "course"},
          {"key", key},
          {"title", "Course " + key},
          {"course_runs", course_runs}};
}

Json CourseRun(const std::string& course, const std::string& key) {
  return {{"aggregation_key", "courserun:" + course},
          {"content_type", "courserun"},
          {"key", key},
          {"title", "Run " + key}};
}

Json Program(const std::string& uuid) {
  return {{"aggregation_key", "program:" + uuid},
          {"content_type", "program"},
          {"uuid", uuid},
          {"title", "Program"}};
}

Json Person() {
  return {{"aggregation_key", "person:5e1a"},
          {"content_type", "person"},
          {"uuid", "5e1a7a2c-0000-4000-8000-000000000001"}};
}

// Everything the scripted transport saw and will answer. Shared with the
// test because the client owns the transport.
struct Script {
  std::vector<HttpRequest> requests;
  std::deque<absl::StatusOr<HttpResponse>> token_responses;
  std::deque<absl::StatusOr<HttpResponse>> search_responses;
  int tokens_issued = 0;
  int token_lifetime_seconds = 3600;
  bool throw_on_search = false;

  std::vector<HttpRequest> SearchRequests() const {
    std::vector<HttpRequest> out;
    for (const HttpRequest& request : requests) {
      if (request.url != kTokenUrl) out.push_back(request);
    }
    return out;
  }
  std::vector<HttpRequest> TokenRequests() const {
    std::vector<HttpRequest> out;
    for (const HttpRequest& request : requests) {
      if (request.url == kTokenUrl) out.push_back(request);
    }
    return out;
  }
};

// A fake at the HTTP edge: token requests get fresh tokens ("tok-1",
// "tok-2", ...) unless scripted otherwise; search requests take the next
// scripted answer and fail loudly when the script runs out.
class ScriptedTransport final : public HttpTransport {
 public:
  explicit ScriptedTransport(std::shared_ptr<Script> script)
      : script_(std::move(script)) {}

  absl::StatusOr<HttpResponse> Post(const HttpRequest& request) override {
    script_->requests.push_back(request);
    if (request.url == kTokenUrl) {
      if (!script_->token_responses.empty()) {
        absl::StatusOr<HttpResponse> response =
            std::move(script_->token_responses.front());
        script_->token_responses.pop_front();
        return response;
      }
      ++script_->tokens_issued;
      return Respond(200, Json{{"access_token",
                                absl::StrCat("tok-", script_->tokens_issued)},
                               {"expires_in", script_->token_lifetime_seconds},
                               {"token_type", "JWT"}}
                              .dump());
    }
    if (script_->throw_on_search) throw std::runtime_error("boom");
    if (script_->search_responses.empty()) {
      return absl::InternalError("test script has no more search responses");
    }
    absl::StatusOr<HttpResponse> response =
        std::move(script_->search_responses.front());
    script_->search_responses.pop_front();
    return response;
  }

 private:
  std::shared_ptr<Script> script_;
};

class DiscoveryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.discovery_url = "https://discovery.test/api/v1/";
    config_.oauth_url = "https://lms.test";
    config_.client_id = "catalog-worker";
    config_.client_secret = kSecret;
    config_.page_size = 100;
    config_.max_attempts = 5;
    config_.backoff_base = milliseconds(1000);
    config_.backoff_max = milliseconds(30000);
    config_.retry_after_max = milliseconds(120000);

    previous_logger_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    logger->set_level(spdlog::level::trace);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }

  void TearDown() override {
    spdlog::set_default_logger(previous_logger_);
    // The captured lines explain most failures.
    if (HasFailure() || getenv("EC_SHOW_LOGS") != nullptr) {
      std::cerr << "captured logs:\n" << Logs();
    }
  }

  std::unique_ptr<ContentSource> MakeClient(uint64_t seed = 42) {
    return NewDiscoveryClientForTest(
        config_, std::make_unique<ScriptedTransport>(script_),
        [this](milliseconds delay) {
          sleeps_.push_back(delay);
          return sleeper_result_;
        },
        [this] { return now_; }, seed);
  }

  void AddPage(int64_t count, const Json& next,
               const std::vector<Json>& results) {
    script_->search_responses.push_back(
        Respond(200, PageBody(count, next, results)));
  }

  void AddSearch(absl::StatusOr<HttpResponse> response) {
    script_->search_responses.push_back(std::move(response));
  }

  std::string Logs() const { return log_.str(); }

  DiscoveryConfig config_;
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
  std::vector<milliseconds> sleeps_;
  absl::Status sleeper_result_ = absl::OkStatus();
  Clock::time_point now_ = Clock::time_point() + std::chrono::hours(1000);
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

// gmock prints Debian's absl::string_view char by char; a std::string reads
// better in failures.
std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

std::vector<std::string> Keys(const CrawlResult& result) {
  std::vector<std::string> keys;
  for (const domain::ContentRecord& record : result.records) {
    keys.push_back(record.content_key + (record.derived ? " (derived)" : ""));
  }
  return keys;
}

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
  EXPECT_EQ(result.records[0].json_metadata,
            R"({"title":"T","key":"a+b","aggregation_key":"course:a+b",)"
            R"("content_type":"course"})");
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

TEST_F(DiscoveryClientTest, OauthUrlAppendRule) {
  EXPECT_EQ(TokenEndpointUrl("https://lms.test"), kTokenUrl);
  EXPECT_EQ(TokenEndpointUrl("https://lms.test/"), kTokenUrl);
  EXPECT_EQ(TokenEndpointUrl("https://lms.test/oauth2"), kTokenUrl);
  EXPECT_EQ(TokenEndpointUrl("https://lms.test/oauth2/"), kTokenUrl);
  EXPECT_EQ(TokenEndpointUrl("https://lms.test/oauth2/access_token"),
            kTokenUrl);
  EXPECT_EQ(TokenEndpointUrl("https://lms.test/oauth2/access_token/"),
            kTokenUrl);
  EXPECT_EQ(SearchAllUrl("https://d.test/api/v1/"),
            "https://d.test/api/v1/search/all/");
  EXPECT_EQ(SearchAllUrl("https://d.test/api/v1"),
            "https://d.test/api/v1/search/all/");
}

TEST_F(DiscoveryClientTest, ClientPostsToTheDerivedTokenUrl) {
  for (const char* oauth_url : {"https://lms.test", "https://lms.test/oauth2/",
                                "https://lms.test/oauth2/access_token"}) {
    config_.oauth_url = oauth_url;
    script_ = std::make_shared<Script>();
    AddPage(0, nullptr, {});
    CrawlResult result;
    ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok()) << oauth_url;
    EXPECT_EQ(script_->TokenRequests().size(), 1u) << oauth_url;
  }
}

TEST_F(DiscoveryClientTest, ReusesTokenAcrossPagesAndCrawls) {
  auto client = MakeClient();
  for (int crawl = 0; crawl < 2; ++crawl) {
    AddPage(2, NextUrl(2), {Program("11111111-2222-4333-8444-555555555555")});
    AddPage(2, nullptr, {Program("66666666-7777-4888-9999-aaaaaaaaaaaa")});
    CrawlResult result;
    ASSERT_TRUE(client->Crawl("{}", nullptr, &result).ok());
    EXPECT_EQ(result.stats.token_requests, crawl == 0 ? 1 : 0);
  }
  EXPECT_EQ(script_->TokenRequests().size(), 1u);
  for (const HttpRequest& request : script_->SearchRequests()) {
    EXPECT_EQ(request.headers[0].second, "JWT tok-1");
  }
}

TEST_F(DiscoveryClientTest, RefetchesTokenFiveSecondsBeforeExpiry) {
  script_->token_lifetime_seconds = 60;
  auto client = MakeClient();
  CrawlResult result;
  AddPage(0, nullptr, {});
  ASSERT_TRUE(client->Crawl("{}", nullptr, &result).ok());

  now_ += std::chrono::seconds(54);
  AddPage(0, nullptr, {});
  ASSERT_TRUE(client->Crawl("{}", nullptr, &result).ok());
  EXPECT_EQ(result.stats.token_requests, 0);

  now_ += std::chrono::seconds(2);  // 56 s: inside the 5 s margin.
  AddPage(0, nullptr, {});
  ASSERT_TRUE(client->Crawl("{}", nullptr, &result).ok());
  EXPECT_EQ(result.stats.token_requests, 1);

  const std::vector<HttpRequest> searches = script_->SearchRequests();
  ASSERT_EQ(searches.size(), 3u);
  EXPECT_EQ(searches[1].headers[0].second, "JWT tok-1");
  EXPECT_EQ(searches[2].headers[0].second, "JWT tok-2");
}

TEST_F(DiscoveryClientTest, Unauthorized401RefreshesTokenAndRetriesOnce) {
  AddSearch(Respond(401, R"({"detail":"Invalid token."})"));
  AddPage(1, nullptr, {Program("11111111-2222-4333-8444-555555555555")});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.stats.token_requests, 2);
  EXPECT_EQ(result.stats.requests, 2);
  EXPECT_EQ(result.stats.retries, 1);
  EXPECT_TRUE(sleeps_.empty());
  const std::vector<HttpRequest> searches = script_->SearchRequests();
  EXPECT_EQ(searches[0].headers[0].second, "JWT tok-1");
  EXPECT_EQ(searches[1].headers[0].second, "JWT tok-2");
}

TEST_F(DiscoveryClientTest, Persistent401IsUnauthenticated) {
  AddSearch(Respond(401, R"({"detail":"Invalid token."})"));
  AddSearch(Respond(401, R"({"detail":"Invalid token."})"));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_THAT(Message(status), HasSubstr("page 1"));
  EXPECT_THAT(Message(status), HasSubstr("Invalid token."));
  EXPECT_EQ(result.stats.requests, 2);
  EXPECT_EQ(result.stats.token_requests, 2);
  EXPECT_THAT(Logs(), Not(HasSubstr("tok-")));
  EXPECT_THAT(Message(status), Not(HasSubstr("tok-")));
}

TEST_F(DiscoveryClientTest, ServerErrorsAreRetriedThenSucceed) {
  AddSearch(Respond(503, "<html>Service Unavailable</html>",
                    {{"content-type", "text/html"}}));
  AddSearch(absl::UnavailableError("connection reset by peer"));
  AddSearch(absl::DeadlineExceededError("timed out after 15000 ms"));
  AddPage(1, nullptr, {Program("11111111-2222-4333-8444-555555555555")});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.stats.requests, 4);
  EXPECT_EQ(result.stats.retries, 3);
  EXPECT_EQ(sleeps_.size(), 3u);
  // Each retry is logged with page, attempt, cause and delay.
  const std::string logs = Logs();
  EXPECT_THAT(logs, HasSubstr(R"("page":1)"));
  EXPECT_THAT(logs, HasSubstr(R"("attempt":1)"));
  EXPECT_THAT(logs, HasSubstr(R"("http_status":503)"));
  EXPECT_THAT(logs, HasSubstr(R"("transport_code":"UNAVAILABLE")"));
  EXPECT_THAT(logs, HasSubstr(R"("transport_code":"DEADLINE_EXCEEDED")"));
  EXPECT_THAT(logs, HasSubstr(R"("delay_ms":)"));
}

TEST_F(DiscoveryClientTest, TooManyRequestsHonoursRetryAfter) {
  AddSearch(Respond(429,
                    R"({"detail":"Request was throttled. Expected available )"
                    R"(in 7 seconds."})",
                    {{"retry-after", "7"}}));
  AddPage(0, nullptr, {});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  ASSERT_EQ(sleeps_.size(), 1u);
  // Jitter for the first retry is at most backoff_base (1 s), so Retry-After
  // decides.
  EXPECT_EQ(sleeps_[0], milliseconds(7000));
  EXPECT_THAT(Logs(), HasSubstr(R"("retry_after_ms":7000)"));
}

TEST_F(DiscoveryClientTest, RetryAfterIsCappedByRetryAfterMax) {
  config_.retry_after_max = milliseconds(20000);
  AddSearch(Respond(429, "{}", {{"retry-after", "3600"}}));
  AddSearch(
      Respond(503, "", {{"retry-after", "Fri, 31 Dec 2099 23:59:59 GMT"}}));
  AddPage(0, nullptr, {});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(20000), milliseconds(20000)));
}

int64_t Cap(int retry, int64_t base, int64_t max) {
  int64_t cap = base;
  for (int i = 1; i < retry; ++i) cap = std::min(cap * 2, max);
  return std::min(cap, max);
}

TEST_F(DiscoveryClientTest, BackoffGrowsExponentiallyWithFullJitter) {
  config_.max_attempts = 8;
  config_.backoff_base = milliseconds(100);
  config_.backoff_max = milliseconds(1000);
  std::vector<std::set<int64_t>> seen(7);
  std::vector<int64_t> largest(7, 0);
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    script_ = std::make_shared<Script>();
    sleeps_.clear();
    for (int i = 0; i < 8; ++i) AddSearch(Respond(502, "Bad Gateway"));
    CrawlResult result;
    const absl::Status status = MakeClient(seed)->Crawl("{}", nullptr, &result);
    ASSERT_EQ(status.code(), absl::StatusCode::kUnavailable);
    ASSERT_EQ(sleeps_.size(), 7u);
    for (int retry = 1; retry <= 7; ++retry) {
      const int64_t delay = sleeps_[retry - 1].count();
      const int64_t cap = Cap(retry, 100, 1000);
      EXPECT_GE(delay, 0);
      EXPECT_LE(delay, cap) << "retry " << retry << " seed " << seed;
      seen[retry - 1].insert(delay);
      largest[retry - 1] = std::max(largest[retry - 1], delay);
    }
  }
  for (int retry = 1; retry <= 7; ++retry) {
    // Jitter: delays vary between seeds.
    EXPECT_GT(seen[retry - 1].size(), 5u) << "retry " << retry;
    // Growth: the window doubles each time until backoff_max.
    EXPECT_GT(largest[retry - 1], Cap(retry, 100, 1000) / 2)
        << "retry " << retry;
  }
  EXPECT_GT(largest[4], 800);  // Windows of retries 5+ are 1000 (capped).
}

TEST_F(DiscoveryClientTest, ExhaustedAttemptsFailWithStats) {
  config_.max_attempts = 3;
  AddPage(2, NextUrl(2), {Program("11111111-2222-4333-8444-555555555555")});
  AddSearch(Respond(502, "<html>Bad Gateway</html>"));
  AddSearch(Respond(500, R"({"detail":"Server Error"})"));
  AddSearch(Respond(504, "Gateway\r\nTimeout"));
  std::vector<int64_t> observed;
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl(
      "{}",
      [&](const CrawlStats& stats) {
        observed.push_back(stats.pages);
        return absl::OkStatus();
      },
      &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(Message(status), HasSubstr("page 2"));
  EXPECT_THAT(Message(status), HasSubstr("3 attempts"));
  EXPECT_THAT(Message(status), HasSubstr("HTTP 504"));
  // Control characters of the body are escaped in the message.
  EXPECT_THAT(Message(status), HasSubstr(R"(Gateway\x0d\x0aTimeout)"));
  EXPECT_THAT(result.records, IsEmpty());
  EXPECT_EQ(result.stats.pages, 1);
  EXPECT_EQ(result.stats.requests, 4);
  EXPECT_EQ(result.stats.retries, 2);
  EXPECT_EQ(result.stats.results, 1);
  EXPECT_EQ(sleeps_.size(), 2u);
  EXPECT_THAT(observed, ElementsAre(1));
  EXPECT_THAT(Logs(), HasSubstr("crawl failed"));
}

TEST_F(DiscoveryClientTest, TransportErrorsExhaustedAreUnavailable) {
  config_.max_attempts = 2;
  AddSearch(absl::UnavailableError("Failed to connect: Connection refused"));
  AddSearch(absl::DeadlineExceededError("Operation timed out"));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(Message(status), HasSubstr("Operation timed out"));
  EXPECT_EQ(result.stats.requests, 2);
}

TEST_F(DiscoveryClientTest, NonRetryableTransportErrorFailsAtOnce) {
  AddSearch(absl::ResourceExhaustedError("response body exceeds 67108864"));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(result.stats.requests, 1);
  EXPECT_TRUE(sleeps_.empty());
}

struct BadEnvelope {
  std::string name;
  std::string body;
  std::string reason;  // expected in the error message
};

class InvalidEnvelopeTest : public DiscoveryClientTest,
                            public ::testing::WithParamInterface<BadEnvelope> {
};

TEST_P(InvalidEnvelopeTest, IsRetriedAndNeverTakenAsResults) {
  config_.max_attempts = 2;
  AddSearch(Respond(200, GetParam().body, {{"content-type", "text/html"}}));
  AddSearch(Respond(200, GetParam().body, {{"content-type", "text/html"}}));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(Message(status), HasSubstr("HTTP 200"));
  EXPECT_THAT(Message(status), HasSubstr(GetParam().reason));
  EXPECT_THAT(result.records, IsEmpty());
  EXPECT_EQ(result.stats.pages, 0);
  EXPECT_EQ(result.stats.results, 0);
  EXPECT_EQ(result.stats.requests, 2);
  EXPECT_EQ(result.stats.retries, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, InvalidEnvelopeTest,
    ::testing::Values(
        BadEnvelope{"Html", "<html><body>Bad gateway</body></html>",
                    "not valid JSON"},
        BadEnvelope{"HtmlPrefixQuoted", "<html><body>Bad gateway</body></html>",
                    "<html><body>"},
        BadEnvelope{"Truncated",
                    R"({"count": 2, "next": null, "results": [{"key": "a)",
                    "not valid JSON"},
        BadEnvelope{"Empty", "", "empty body"},
        BadEnvelope{"Detail", R"({"detail": "Invalid page."})",
                    "no \"count\" but detail \"Invalid page.\""},
        BadEnvelope{"ResultsNotArray",
                    R"({"count": 1, "next": null, "results": {"key": "a"}})",
                    "\"results\" is not an array"},
        BadEnvelope{"ResultNotObject",
                    R"({"count": 1, "next": null, "results": [1]})",
                    "results[0] is not an object"},
        BadEnvelope{"CountMissing", R"({"next": null, "results": []})",
                    "no \"count\""},
        BadEnvelope{"CountNegative",
                    R"({"count": -1, "next": null, "results": []})",
                    "\"count\" is not a non-negative integer"},
        BadEnvelope{"CountString",
                    R"({"count": "3", "next": null, "results": []})",
                    "\"count\" is not a non-negative integer"},
        BadEnvelope{"CountFloat",
                    R"({"count": 1.5, "next": null, "results": []})",
                    "\"count\" is not a non-negative integer"},
        BadEnvelope{"ResultsMissing", R"({"count": 0, "next": null})",
                    "no \"results\""},
        BadEnvelope{"NextMissing", R"({"count": 0, "results": []})",
                    "no \"next\""},
        BadEnvelope{"NextNumber", R"({"count": 0, "next": 2, "results": []})",
                    "\"next\" is neither null nor a string"},
        BadEnvelope{"TopLevelArray", "[]", "not a JSON object"},
        BadEnvelope{"DeepNesting", std::string(100000, '['),
                    "nests deeper than"}),
    [](const ::testing::TestParamInfo<BadEnvelope>& param_info) {
      return param_info.param.name;
    });

TEST_F(DiscoveryClientTest, InvalidEnvelopeThenValidPageSucceeds) {
  AddSearch(Respond(200, "<html>maintenance</html>"));
  AddPage(1, nullptr, {Program("11111111-2222-4333-8444-555555555555")});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.stats.retries, 1);
}

TEST_F(DiscoveryClientTest, TruncatedLaterPageLeavesNoPartialResults) {
  config_.max_attempts = 1;
  AddPage(2, NextUrl(2), {Program("11111111-2222-4333-8444-555555555555")});
  AddSearch(Respond(200, R"({"count": 2, "next": null, "results": [{)"));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(Message(status), HasSubstr("page 2"));
  EXPECT_THAT(result.records, IsEmpty());
  EXPECT_EQ(result.stats.pages, 1);
}

TEST_F(DiscoveryClientTest, NotFoundOnPage3FailsWithoutRetry) {
  AddPage(250, NextUrl(2), {Program("11111111-2222-4333-8444-555555555555")});
  AddPage(250, NextUrl(3), {Program("66666666-7777-4888-9999-aaaaaaaaaaaa")});
  AddSearch(Respond(404, R"({"detail":"Invalid page."})"));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(Message(status), HasSubstr("page 3"));
  EXPECT_THAT(Message(status), HasSubstr("HTTP 404"));
  EXPECT_THAT(Message(status), HasSubstr("Invalid page."));
  EXPECT_THAT(result.records, IsEmpty());
  EXPECT_EQ(result.stats.pages, 2);
  EXPECT_EQ(result.stats.requests, 3);
  EXPECT_EQ(result.stats.retries, 0);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(DiscoveryClientTest, BadRequestIsInvalidArgumentAndForbiddenIsNot) {
  AddSearch(Respond(400, R"({"detail":"bad filter"})"));
  CrawlResult result;
  absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(Message(status), HasSubstr("bad filter"));
  EXPECT_EQ(result.stats.requests, 1);

  AddSearch(Respond(403, "Forbidden", {{"content-type", "text/plain"}}));
  status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(Message(status), HasSubstr("Forbidden"));
  EXPECT_EQ(result.stats.requests, 1);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(DiscoveryClientTest, OnPageErrorAbortsAtOnce) {
  AddPage(2, NextUrl(2), {Program("11111111-2222-4333-8444-555555555555")});
  AddPage(2, nullptr, {Program("66666666-7777-4888-9999-aaaaaaaaaaaa")});
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl(
      "{}", [](const CrawlStats&) { return absl::AbortedError("lease lost"); },
      &result);
  EXPECT_EQ(status, absl::AbortedError("lease lost"));
  EXPECT_EQ(result.stats.requests, 1);
  EXPECT_EQ(result.stats.pages, 1);
  EXPECT_THAT(result.records, IsEmpty());
}

TEST_F(DiscoveryClientTest, SleeperErrorAbortsTheCrawl) {
  sleeper_result_ = absl::CancelledError("shutting down");
  AddSearch(Respond(503, ""));
  AddPage(0, nullptr, {});
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status, absl::CancelledError("shutting down"));
  EXPECT_EQ(result.stats.requests, 1);
  EXPECT_EQ(sleeps_.size(), 1u);
  EXPECT_THAT(Logs(), Not(HasSubstr("crawl failed")));
}

TEST_F(DiscoveryClientTest, SleeperErrorDuringTokenRetryAbortsTheCrawl) {
  sleeper_result_ = absl::CancelledError("shutting down");
  script_->token_responses.push_back(Respond(500, ""));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status, absl::CancelledError("shutting down"));
  EXPECT_EQ(result.stats.token_requests, 1);
  EXPECT_EQ(result.stats.requests, 0);
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

TEST_F(DiscoveryClientTest, TokenEndpointRefusingCredentialsIsNotRetried) {
  script_->token_responses.push_back(
      Respond(401, R"({"error":"invalid_client","error_description":"nope"})"));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_THAT(Message(status), HasSubstr("invalid_client"));
  EXPECT_THAT(Message(status), HasSubstr(kTokenUrl));
  EXPECT_EQ(result.stats.token_requests, 1);
  EXPECT_EQ(result.stats.requests, 0);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_THAT(Message(status), Not(HasSubstr(kSecret)));
  EXPECT_THAT(Logs(), Not(HasSubstr("s3cr")));
}

TEST_F(DiscoveryClientTest, TokenEndpointNotFoundIsFailedPrecondition) {
  script_->token_responses.push_back(Respond(404, "<html>Not found</html>"));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(result.stats.token_requests, 1);
}

TEST_F(DiscoveryClientTest, TokenRequestIsRetriedLikePages) {
  script_->token_responses.push_back(Respond(503, ""));
  script_->token_responses.push_back(Respond(429, "", {{"retry-after", "3"}}));
  script_->token_responses.push_back(absl::UnavailableError("refused"));
  AddPage(0, nullptr, {});
  CrawlResult result;
  ASSERT_TRUE(MakeClient()->Crawl("{}", nullptr, &result).ok());
  EXPECT_EQ(result.stats.token_requests, 4);
  EXPECT_EQ(result.stats.requests, 1);
  EXPECT_EQ(result.stats.retries, 0);
  ASSERT_EQ(sleeps_.size(), 3u);
  EXPECT_GE(sleeps_[1], milliseconds(3000));
  EXPECT_EQ(script_->SearchRequests()[0].headers[0].second, "JWT tok-1");
}

TEST_F(DiscoveryClientTest, MalformedTokenResponsesNeverLeakTheToken) {
  config_.max_attempts = 3;
  script_->token_responses.push_back(
      Respond(200, R"({"access_token":"leaky-token-1","expires_in":"3600"})"));
  script_->token_responses.push_back(
      Respond(200, R"({"access_token":"leaky-token-2"})"));
  script_->token_responses.push_back(
      Respond(200, R"({"access_token":"leaky token-3","expires_in":3600})"));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(Message(status), HasSubstr("page 1"));
  EXPECT_THAT(Message(status), HasSubstr("not allowed in a header"));
  EXPECT_EQ(result.stats.token_requests, 3);
  EXPECT_EQ(result.stats.requests, 0);
  EXPECT_THAT(Message(status), Not(HasSubstr("leaky")));
  EXPECT_THAT(Logs(), Not(HasSubstr("leaky")));
  EXPECT_THAT(Logs(), HasSubstr("expires_in"));
}

TEST_F(DiscoveryClientTest, TokenAndSecretNeverLogged) {
  // Walk the noisy paths: token retry, 401 refresh, 5xx retry, a failure.
  config_.max_attempts = 3;
  script_->token_responses.push_back(Respond(500, ""));
  AddSearch(Respond(401, R"({"detail":"expired"})"));
  AddSearch(Respond(502, ""));
  AddSearch(Respond(502, ""));
  CrawlResult result;
  const absl::Status status = MakeClient()->Crawl("{}", nullptr, &result);
  EXPECT_FALSE(status.ok());
  const std::string logs = Logs();
  EXPECT_THAT(logs, HasSubstr("retrying"));
  for (const std::string& secret :
       {std::string("tok-1"), std::string("tok-2"), std::string(kSecret),
        std::string("s3cr")}) {
    EXPECT_THAT(logs, Not(HasSubstr(secret)));
    EXPECT_THAT(Message(status), Not(HasSubstr(secret)));
  }
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
