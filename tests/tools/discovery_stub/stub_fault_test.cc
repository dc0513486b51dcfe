// Injected faults, on search pages and on the token endpoint.
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/stub_test_support.h"
#include "tools/discovery_stub/http_client.h"

namespace ec::stub {
namespace {

using nlohmann::json;

TEST_F(StubTest, StatusFaultOnOnePageFiresTimesThenClears) {
  FaultRule rule;
  rule.kind = FaultKind::kStatus;
  rule.status = 503;
  rule.page = 2;
  rule.times = 2;
  rule.retry_after_seconds = 7;
  stub_->AddFault(rule);
  EXPECT_EQ(Post("page=1").status, 200);
  for (int i = 0; i < 2; ++i) {
    const HttpResponse r = Post("page=2");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.Header("Retry-After"), "7");
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    EXPECT_TRUE(json::parse(r.body).contains("detail"));
  }
  EXPECT_EQ(Post("page=2").status, 200);
  EXPECT_EQ(stub_->stats().faults_fired, 2);

  stub_->ClearFaults();
  rule.status = 429;
  rule.page = 0;
  rule.times = 1;
  rule.retry_after_seconds = 30;
  stub_->AddFault(rule);
  const HttpResponse throttled = Post("page=3");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(json::parse(throttled.body)["detail"],
            "Request was throttled. Expected available in 30 seconds.");
}

TEST_F(StubTest, HtmlAndTruncatedJsonFaults) {
  FaultRule html;
  html.kind = FaultKind::kHtml200;
  html.times = 1;
  stub_->AddFault(html);
  const HttpResponse page = Post("page_size=50");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("Content-Type").rfind("text/html", 0), 0u);
  EXPECT_TRUE(json::parse(page.body, nullptr, false).is_discarded());

  FaultRule truncated;
  truncated.kind = FaultKind::kTruncatedJson;
  truncated.times = 1;
  stub_->AddFault(truncated);
  // An error page is not a page to cut: the rule waits for a real one.
  EXPECT_EQ(json::parse(Post("page=9999").body)["detail"], "Invalid page.");
  const HttpResponse cut = Post("page_size=50");
  const HttpResponse whole = Post("page_size=50");
  EXPECT_EQ(cut.status, 200);
  EXPECT_EQ(cut.Header("Content-Length"), std::to_string(cut.body.size()));
  EXPECT_EQ(cut.body.size(), whole.body.size() / 2);
  EXPECT_EQ(whole.body.rfind(cut.body, 0), 0u) << "a prefix of the real page";
  EXPECT_TRUE(json::parse(cut.body, nullptr, false).is_discarded());
  EXPECT_FALSE(json::parse(whole.body, nullptr, false).is_discarded());
  const StubStats stats = stub_->stats();
  EXPECT_EQ(stats.search_ok, 1);  // only the whole page
  EXPECT_EQ(stats.responses_by_status.at(200), 3);
  EXPECT_EQ(stats.faults_fired, 2);
}

TEST_F(StubTest, DropConnectionFaultClosesWithoutAnswer) {
  FaultRule drop;
  drop.kind = FaultKind::kDropConnection;
  drop.page = 1;
  drop.times = 1;
  stub_->AddFault(drop);
  auto r = client_->Send("POST", "/api/v1/search/all/?page=1", "{}",
                         {{"Authorization", "JWT " + token_}});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Post("page=1").status, 200);  // the client reconnects
  EXPECT_EQ(client_->connections_opened(), 2);
  EXPECT_EQ(stub_->stats().responses_by_status.at(0), 1);
}

TEST_F(StubTest, LatencyFaultDelaysThenAnswers) {
  FaultRule slow;
  slow.kind = FaultKind::kLatency;
  slow.latency_ms = 300;
  slow.times = 1;
  stub_->AddFault(slow);
  const auto start = std::chrono::steady_clock::now();
  const json page = PostJson("page_size=5");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_EQ(page["results"].size(), 5u);
  // Other connections are served meanwhile (the delay is a timer).
  stub_->AddFault(slow);
  HttpClient other("127.0.0.1", stub_->port());
  std::thread slow_request([&] { Post("page_size=5"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto fast_start = std::chrono::steady_clock::now();
  EXPECT_EQ(Send("POST", "page_size=5", "{}", &other).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - fast_start,
            std::chrono::milliseconds(250));
  slow_request.join();
}

TEST_F(StubTest, DuplicateAndMissingItemFaults) {
  const std::vector<std::string> ranking = *stub_->MatchingKeys("", "{}");
  auto page_keys = [&](int page) {
    return Keys(ranking.begin() + (page - 1) * 20, ranking.begin() + page * 20);
  };
  FaultRule dup;
  dup.kind = FaultKind::kDuplicateItems;
  dup.page = 2;
  dup.items = 3;
  dup.times = 1;
  stub_->AddFault(dup);
  const Keys got = KeysOf(PostJson("page=2"));
  Keys expected = page_keys(2);
  for (int i = 0; i < 3; ++i)
    expected.erase(ranking[20 + static_cast<size_t>(i)]);
  for (int i = 17; i < 20; ++i)
    expected.insert(ranking[static_cast<size_t>(i)]);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(KeysOf(PostJson("page=2")), page_keys(2));  // fired once

  FaultRule missing;
  missing.kind = FaultKind::kMissingItems;
  missing.page = 3;
  missing.items = 4;
  missing.times = 1;
  stub_->AddFault(missing);
  const json page3 = PostJson("page=3");
  EXPECT_EQ(page3["results"].size(), 16u);
  EXPECT_EQ(page3["count"], ranking.size());
  Keys expected3 = page_keys(3);
  for (int i = 40; i < 44; ++i)
    expected3.erase(ranking[static_cast<size_t>(i)]);
  EXPECT_EQ(KeysOf(page3), expected3);
  // A duplicate rule cannot apply to page 1 (there is no page before it).
  dup.page = 0;
  stub_->AddFault(dup);
  EXPECT_EQ(KeysOf(PostJson("page=1")), page_keys(1));
  EXPECT_EQ(stub_->stats().faults_fired, 2);
}

// The index changing between two requests shows only in "count": the
// slice and the links stay those of the real page, so a client that pages
// by `next` alone would not notice.
TEST_F(StubTest, CountSwingFaultChangesOnlyTheCount) {
  const json whole = PostJson("page=2&page_size=5");
  const int64_t count = whole["count"].get<int64_t>();
  ASSERT_GT(count, 10);
  auto rule = FaultRuleFromJson(
      R"({"kind":"count_swing","page":2,"items":7,"times":1})");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->kind, FaultKind::kCountSwing);
  stub_->AddFault(*rule);
  // Another page is not this rule's.
  EXPECT_EQ(PostJson("page=1&page_size=5")["count"], count);
  const json grown = PostJson("page=2&page_size=5");
  EXPECT_EQ(grown["count"], count + 7);
  EXPECT_EQ(OrderedKeysOf(grown), OrderedKeysOf(whole));
  EXPECT_EQ(grown["next"], whole["next"]);
  EXPECT_EQ(grown["previous"], whole["previous"]);
  EXPECT_EQ(PostJson("page=2&page_size=5")["count"], count);  // fired once

  // A shrink below nothing is an empty count, not a negative one.
  rule->items = -1000000;
  stub_->AddFault(*rule);
  const json shrunk = PostJson("page=2&page_size=5");
  EXPECT_EQ(shrunk["count"], 0);
  EXPECT_EQ(OrderedKeysOf(shrunk), OrderedKeysOf(whole));

  // An error page has no count to swing: the rule waits for a real page.
  rule->items = 3;
  rule->page = 0;
  stub_->AddFault(*rule);
  EXPECT_EQ(json::parse(Post("page=9999").body)["detail"], "Invalid page.");
  EXPECT_EQ(PostJson("page=2&page_size=5")["count"], count + 3);
  // Nor does a token answer.
  FaultRule token_rule = *rule;
  token_rule.target = FaultTarget::kToken;
  token_rule.times = -1;
  stub_->AddFault(token_rule);
  EXPECT_FALSE(FetchToken(client_.get(), options_).empty());

  const StubStats stats = stub_->stats();
  EXPECT_EQ(stats.faults_fired, 3);
  // Every swung page is still a well-formed page.
  EXPECT_EQ(stats.search_ok, 6);
}

TEST_F(StubTest, RateAndBodyFilterAreDeterministic) {
  auto pattern = [&] {
    FaultRule flaky;
    flaky.kind = FaultKind::kStatus;
    flaky.status = 502;
    flaky.rate = 0.5;
    stub_->ClearFaults();
    stub_->AddFault(flaky);
    std::string out;
    for (int i = 0; i < 100; ++i)
      out += Post("page_size=1").status == 200 ? '.' : 'x';
    return out;
  };
  const std::string first = pattern();
  const auto fired = std::count(first.begin(), first.end(), 'x');
  EXPECT_GT(fired, 25);
  EXPECT_LT(fired, 75);
  Restart(SmallOptions());
  EXPECT_EQ(pattern(), first);

  stub_->ClearFaults();
  FaultRule only_runs;
  only_runs.kind = FaultKind::kStatus;
  only_runs.status = 500;
  only_runs.body_contains = "courserun";
  stub_->AddFault(only_runs);
  EXPECT_EQ(Post("", R"({"content_type": "course"})").status, 200);
  EXPECT_EQ(Post("", R"({"content_type": "courserun"})").status, 500);
}

TEST_F(StubTest, TokenFaults) {
  auto token_status = [&]() -> int {
    auto r = client_->Send(
        "POST", "/oauth2/access_token",
        "grant_type=client_credentials&client_id=enterprise-catalog-worker&"
        "client_secret=enterprise-catalog-secret",
        {}, "application/x-www-form-urlencoded");
    return r.ok() ? r->status : -1;
  };
  FaultRule rule;
  rule.target = FaultTarget::kToken;
  rule.times = 1;
  rule.status = 500;
  stub_->AddFault(rule);
  EXPECT_EQ(token_status(), 500);
  rule.kind = FaultKind::kDropConnection;
  stub_->AddFault(rule);
  EXPECT_EQ(token_status(), -1);
  rule.kind = FaultKind::kHtml200;
  stub_->AddFault(rule);
  EXPECT_EQ(token_status(), 200);
  rule.kind = FaultKind::kTruncatedJson;
  stub_->AddFault(rule);
  auto cut = client_->Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=enterprise-catalog-worker&"
      "client_secret=enterprise-catalog-secret",
      {}, "application/x-www-form-urlencoded");
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->status, 200);
  EXPECT_TRUE(json::parse(cut->body, nullptr, false).is_discarded())
      << cut->body;
  rule.kind = FaultKind::kLatency;
  rule.latency_ms = 100;
  stub_->AddFault(rule);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(token_status(), 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(100));
  // Search was never affected.
  EXPECT_EQ(Post("").status, 200);
  EXPECT_EQ(stub_->stats().faults_fired, 5);
}

}  // namespace
}  // namespace ec::stub
