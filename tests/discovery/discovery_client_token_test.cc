// The discovery client's OAuth2 client credentials: the token URL rule,
// token reuse and expiry, 401s, refused credentials, and never leaking a
// token or the secret.
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

}  // namespace
}  // namespace ec::discovery
