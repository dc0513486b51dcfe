// The stand-in over HTTP: OAuth, authentication, the envelope and paging.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/stub_test_support.h"

namespace ec::stub {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// OAuth and authentication.

TEST_F(StubTest, TokenEndpointIssuesUniqueJwtsForGoodCredentials) {
  auto r = client_->Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=enterprise-catalog-worker&"
      "client_secret=enterprise-catalog-secret&token_type=jwt",
      {}, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_EQ(body["token_type"], "JWT");
  EXPECT_EQ(body["scope"], "read write email profile");
  const std::string token = body["access_token"];
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
  EXPECT_NE(token, token_);
  EXPECT_EQ(stub_->stats().token_requests, 2);
}

TEST_F(StubTest, TokenEndpointRejectsBadCredentials) {
  auto r = client_->Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=enterprise-catalog-worker&"
      "client_secret=wrong",
      {}, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"error":"invalid_client"})"));
  r = client_->Send("POST", "/oauth2/access_token", "grant_type=password", {},
                    "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
}

TEST_F(StubTest, SearchRequiresAnIssuedUnexpiredJwt) {
  const json not_provided = {
      {"detail", "Authentication credentials were not provided."}};
  for (const auto& headers :
       std::vector<std::vector<std::pair<std::string, std::string>>>{
           {},
           {{"Authorization", "JWT not-a-token"}},
           {{"Authorization", "Bearer " + token_}}}) {
    auto r = client_->Send("POST", "/api/v1/search/all/", "{}", headers);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(json::parse(r->body), not_provided);
    EXPECT_EQ(r->Header("WWW-Authenticate"), R"(JWT realm="api")");
  }
  EXPECT_EQ(Post("").status, 200);

  DiscoveryStub::Options options = SmallOptions();
  options.token_lifetime_seconds = 0;  // expired as soon as issued
  Restart(options);
  const HttpResponse expired = Post("");
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(json::parse(expired.body)["detail"], "Signature has expired.");
}

// ---------------------------------------------------------------------------
// Envelope and paging (§1.4, §1.5).

TEST_F(StubTest, EnvelopeAndLinksFollowDrf) {
  // Links depend on the URL only; a broad body gives several pages.
  const std::string body = R"({"content_type": ["course", "courserun"]})";
  const HttpResponse first = Post(std::string(kCatalogQuery) + "&page=1", body);
  ASSERT_EQ(first.status, 200);
  // Compact JSON, keys in DRF's order.
  EXPECT_EQ(first.body.rfind("{\"count\":", 0), 0u);
  const json page1 = json::parse(first.body);
  EXPECT_EQ(first.body.find("\"facets\":{},\"results\":["),
            first.body.find("\"facets\""));
  EXPECT_EQ(page1["facets"], json::object());
  const int count = page1["count"];
  ASSERT_GT(count, 100);
  EXPECT_EQ(page1["results"].size(), 100u);
  EXPECT_TRUE(page1["previous"].is_null());
  const std::string base = "http://127.0.0.1:" + std::to_string(stub_->port()) +
                           "/api/v1/search/all/";
  // From the URL query only, sorted, page replaced.
  EXPECT_EQ(
      page1["next"],
      base +
          "?exclude_expired_course_run=True&include_learner_pathways=True&"
          "ordering=aggregation_key%2Cstart&page=2&page_size=100");

  const json page2 = PostJson(std::string(kCatalogQuery) + "&page=2", body);
  EXPECT_EQ(
      page2["previous"],
      base +
          "?exclude_expired_course_run=True&include_learner_pathways=True&"
          "ordering=aggregation_key%2Cstart&page_size=100");
  const int last = (count + 99) / 100;
  const json last_page = PostJson(
      std::string(kCatalogQuery) + "&page=" + std::to_string(last), body);
  EXPECT_TRUE(last_page["next"].is_null());
  EXPECT_EQ(last_page["results"].size(),
            static_cast<size_t>(count - (last - 1) * 100));
  if (last >= 3) {
    EXPECT_EQ(
        last_page["previous"],
        base +
            "?exclude_expired_course_run=True&include_learner_pathways=True&"
            "ordering=aggregation_key%2Cstart&page=" +
            std::to_string(last - 1) + "&page_size=100");
  }
  EXPECT_EQ(PostJson(std::string(kCatalogQuery) + "&page=last", body),
            last_page);

  for (const std::string& page : std::vector<std::string>{
           std::to_string(last + 1), "0", "-1", "abc", "1.0"}) {
    const HttpResponse r =
        Post(std::string(kCatalogQuery) + "&page=" + page, body);
    EXPECT_EQ(r.status, 404) << page;
    EXPECT_EQ(json::parse(r.body), json::parse(R"({"detail":"Invalid page."})"))
        << page;
  }
}

TEST_F(StubTest, PagesCoverTheResultExactlyOnce) {
  const size_t total = PostJson(kEverything)["count"];
  std::vector<std::string> crawled;
  for (int page = 1;; ++page) {
    const json p = PostJson(
        "include_learner_pathways=true&include_restricted=custom-b2c,"
        "custom-b2b-enterprise&page_size=37&page=" +
        std::to_string(page));
    for (const auto& k : OrderedKeysOf(p)) crawled.push_back(k);
    if (p["next"].is_null()) break;
  }
  EXPECT_EQ(crawled.size(), total);
  EXPECT_EQ(Keys(crawled.begin(), crawled.end()).size(), total);
}

TEST_F(StubTest, PageSizeDefaultsToTwentyAndEmptyResultsHaveOnePage) {
  EXPECT_EQ(PostJson("")["results"].size(), 20u);
  EXPECT_EQ(PostJson("page_size=0")["results"].size(), 20u);
  EXPECT_EQ(PostJson("page_size=abc")["results"].size(), 20u);
  EXPECT_EQ(PostJson("page_size=-5")["results"].size(), 20u);
  EXPECT_EQ(PostJson("page_size=3")["results"].size(), 3u);
  const json empty = PostJson("page=1", R"({"key.raw": "no+such+course"})");
  EXPECT_EQ(
      empty,
      json::parse(
          R"({"count":0,"next":null,"previous":null,"facets":{},"results":[]})"));
  EXPECT_EQ(Post("page=2", R"({"key.raw": "no+such+course"})").status, 404);
}

TEST_F(StubTest, BodyIsMergedIntoQueryParameters) {
  // A one-element list is its element; URL and body parameters are ANDed.
  EXPECT_EQ(
      KeysOf(PostJson("content_type=course&page_size=1000")),
      KeysOf(PostJson("page_size=1000", R"({"content_type": ["course"]})")));
  // The body's page wins over the URL's (QueryDict.get takes the last value),
  // but next/previous come from the URL alone.
  const json page = PostJson("page_size=5&page=1", R"({"page": 3})");
  EXPECT_EQ(page["previous"],
            "http://127.0.0.1:" + std::to_string(stub_->port()) +
                "/api/v1/search/all/?page=2&page_size=5");
  EXPECT_EQ(OrderedKeysOf(page), OrderedKeysOf(PostJson("page_size=5&page=3")));
  // Control flags can come in the body; JSON true becomes "True".
  auto has_pathway = [](const json& p) {
    for (const json& r : p["results"]) {
      if (r["content_type"] == "learnerpathway") return true;
    }
    return false;
  };
  EXPECT_FALSE(has_pathway(PostJson("page_size=1000")));
  EXPECT_TRUE(has_pathway(
      PostJson("page_size=1000", R"({"include_learner_pathways": true})")));
  EXPECT_TRUE(
      has_pathway(PostJson("page_size=1000&include_learner_pathways=TRUE")));
  EXPECT_FALSE(
      has_pathway(PostJson("page_size=1000&include_learner_pathways=1")));
  EXPECT_FALSE(has_pathway(
      PostJson("page_size=1000", R"({"include_learner_pathways": "false"})")));
  // A body that is not a JSON object is a client error.
  EXPECT_EQ(Post("", "[1, 2]").status, 400);
}

TEST_F(StubTest, GetWithoutPartnerMeansTheSitePartnerButPostDoesNot) {
  const Keys post = KeysOf(PostJson("content_type=course&page_size=1000"));
  const Keys get = KeysOf(
      json::parse(Send("GET", "content_type=course&page_size=1000").body));
  const Keys get_mitxpro = KeysOf(json::parse(
      Send("GET", "content_type=course&page_size=1000&partner=mitxpro").body));
  ASSERT_FALSE(get_mitxpro.empty());
  EXPECT_LT(get.size(), post.size());
  EXPECT_EQ(get.size() + get_mitxpro.size(), post.size());
  for (const auto& k : get_mitxpro) EXPECT_EQ(k.rfind("MITxPRO+", 0), 0u) << k;
}

}  // namespace
}  // namespace ec::stub
