// The discovery client's failures: which answers are retried, the backoff
// and Retry-After, bad envelopes, and how a crawl that cannot finish fails.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/discovery/discovery_client_fixture.h"

namespace ec::discovery {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

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

}  // namespace
}  // namespace ec::discovery
