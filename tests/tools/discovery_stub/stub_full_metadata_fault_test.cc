// Injected faults and request counters of /api/v1/courses/ and
// /api/v1/programs/.
#include <chrono>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/full_metadata_test_support.h"

namespace ec::stub {
namespace {

using nlohmann::json;

constexpr char kPage1[] = "/api/v1/courses/?ordering=key&limit=10";
constexpr char kPage2[] = "/api/v1/courses/?ordering=key&limit=10&offset=10";
constexpr char kPage3[] = "/api/v1/courses/?ordering=key&limit=10&offset=20";

FaultRule CoursesRule(FaultKind kind) {
  FaultRule rule;
  rule.target = FaultTarget::kCourses;
  rule.kind = kind;
  rule.times = 1;
  return rule;
}

TEST_F(FullMetadataTest, StatusHtmlTruncatedAndDropFaultsOnCourses) {
  FaultRule status = CoursesRule(FaultKind::kStatus);
  status.status = 503;
  status.page = 2;  // offset / limit + 1
  status.retry_after_seconds = 4;
  stub_->AddFault(status);
  EXPECT_EQ(Post("page=2").status, 200);  // search is another target
  EXPECT_EQ(Get("/api/v1/programs/?limit=10&offset=10").status, 200);
  EXPECT_EQ(Get(kPage1).status, 200);
  const HttpResponse unavailable = Get(kPage2);
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.Header("Retry-After"), "4");
  EXPECT_TRUE(json::parse(unavailable.body).contains("detail"));
  EXPECT_EQ(Get(kPage2).status, 200);  // times: 1

  stub_->AddFault(CoursesRule(FaultKind::kHtml200));
  const HttpResponse html = Get(kPage1);
  EXPECT_EQ(html.status, 200);
  EXPECT_EQ(html.Header("Content-Type").rfind("text/html", 0), 0u);
  EXPECT_TRUE(json::parse(html.body, nullptr, false).is_discarded());

  stub_->AddFault(CoursesRule(FaultKind::kTruncatedJson));
  const HttpResponse cut = Get(kPage1);
  const HttpResponse whole = Get(kPage1);
  EXPECT_EQ(cut.status, 200);
  EXPECT_EQ(cut.body.size(), whole.body.size() / 2);
  EXPECT_EQ(whole.body.rfind(cut.body, 0), 0u);
  EXPECT_TRUE(json::parse(cut.body, nullptr, false).is_discarded());
  EXPECT_FALSE(json::parse(whole.body, nullptr, false).is_discarded());

  FaultRule drop = CoursesRule(FaultKind::kDropConnection);
  drop.target = FaultTarget::kPrograms;
  stub_->AddFault(drop);
  auto dropped = client_->Send("GET", "/api/v1/programs/", "",
                               {{"Authorization", "JWT " + token_}});
  EXPECT_FALSE(dropped.ok());
  EXPECT_EQ(Get("/api/v1/programs/").status, 200);  // reconnected

  const StubStats stats = stub_->stats();
  EXPECT_EQ(stats.faults_fired, 4);
  EXPECT_EQ(stats.courses_requests, 6);
  EXPECT_EQ(stats.courses_ok, 3);  // not the 503, the HTML, the cut page
  EXPECT_EQ(stats.programs_requests, 3);
  EXPECT_EQ(stats.programs_ok, 2);
}

TEST_F(FullMetadataTest, CountSwingFaultOnCourses) {
  const json whole = GetJson(kPage2);
  FaultRule swing = CoursesRule(FaultKind::kCountSwing);
  swing.page = 2;
  swing.items = -4;
  stub_->AddFault(swing);
  const json swung = GetJson(kPage2);
  EXPECT_EQ(swung["count"], whole["count"].get<int64_t>() - 4);
  EXPECT_EQ(swung["results"], whole["results"]);
  EXPECT_EQ(swung["next"], whole["next"]);
  EXPECT_EQ(swung["previous"], whole["previous"]);
  EXPECT_EQ(GetJson(kPage2)["count"], whole["count"]);  // times: 1
  EXPECT_EQ(stub_->stats().courses_ok, 3);
}

TEST_F(FullMetadataTest, LatencyFaultOnCourses) {
  FaultRule slow = CoursesRule(FaultKind::kLatency);
  slow.latency_ms = 250;
  stub_->AddFault(slow);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(GetJson(kPage1)["results"].size(), 10u);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(250));
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(Get(kPage1).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(250));
}

TEST_F(FullMetadataTest, MissingAndDuplicateItemFaultsOnCourses) {
  std::vector<std::string> ranking;
  for (const auto& [key, c] : Courses("")) ranking.push_back(key);
  auto slice = [&](size_t from, size_t to) {
    return std::vector<std::string>(ranking.begin() + from,
                                    ranking.begin() + to);
  };
  FaultRule missing = CoursesRule(FaultKind::kMissingItems);
  missing.page = 2;
  missing.items = 3;
  stub_->AddFault(missing);
  EXPECT_EQ(OrderedKeysOf(GetJson(kPage1)), slice(0, 10));
  const json page2 = GetJson(kPage2);
  EXPECT_EQ(OrderedKeysOf(page2), slice(13, 20));
  EXPECT_EQ(page2["count"], ranking.size());
  EXPECT_FALSE(page2["next"].is_null());
  EXPECT_EQ(OrderedKeysOf(GetJson(kPage2)), slice(10, 20));

  FaultRule duplicate = CoursesRule(FaultKind::kDuplicateItems);
  duplicate.items = 2;
  duplicate.page = 0;
  stub_->AddFault(duplicate);
  // Not on the first page, which has no page before it.
  EXPECT_EQ(OrderedKeysOf(GetJson(kPage1)), slice(0, 10));
  std::vector<std::string> expected = slice(18, 20);
  for (const std::string& k : slice(22, 30)) expected.push_back(k);
  EXPECT_EQ(OrderedKeysOf(GetJson(kPage3)), expected);
  EXPECT_EQ(OrderedKeysOf(GetJson(kPage3)), slice(20, 30));

  FaultRule programs = CoursesRule(FaultKind::kMissingItems);
  programs.target = FaultTarget::kPrograms;
  programs.items = 1;
  stub_->AddFault(programs);
  const size_t all = GetJson("/api/v1/programs/?limit=100")["results"].size();
  EXPECT_EQ(GetJson("/api/v1/programs/?limit=100")["results"].size(), all + 1);
  EXPECT_EQ(stub_->stats().faults_fired, 3);
}

TEST_F(FullMetadataTest, FaultRulesForCoursesFromJsonAndByQuery) {
  const std::vector<std::string> keys = [&] {
    std::vector<std::string> k;
    for (const auto& [key, c] : Courses("")) k.push_back(key);
    return k;
  }();
  // body_contains matches the decoded query of these GET endpoints.
  HttpResponse r = Control("POST", "/_stub/faults",
                           json({{"target", "courses"},
                                 {"kind", "status"},
                                 {"status", 500},
                                 {"body_contains", keys[5]}})
                               .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Get("/api/v1/courses/?keys=" + Encoded({keys[4]})).status, 200);
  EXPECT_EQ(Get("/api/v1/courses/?keys=" + Encoded({keys[4], keys[5]})).status,
            500);
  r = Control(
      "POST", "/_stub/faults",
      R"({"target":"programs","kind":"status","status":429,"times":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Get("/api/v1/programs/").status, 429);
  EXPECT_EQ(
      Control("POST", "/_stub/faults", R"({"target":"course","kind":"status"})")
          .status,
      400);
  const auto rule = FaultRuleFromJson(
      R"({"target":"programs","kind":"duplicate_items","items":2,"page":3})");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->target, FaultTarget::kPrograms);
  EXPECT_EQ(rule->kind, FaultKind::kDuplicateItems);
  EXPECT_EQ(FaultRuleFromJson(R"({"target":"courses"})")->target,
            FaultTarget::kCourses);
}

TEST_F(FullMetadataTest, CountersCountRequestsIdentifiersAndAnswers) {
  const auto all = Courses("");
  stub_->ResetStats();
  std::vector<std::string> keys;
  for (const auto& [key, c] : all) keys.push_back(key);
  EXPECT_EQ(Get("/api/v1/courses/?keys=" +
                Encoded({keys[0], keys[1], keys[2], "nope"}))
                .status,
            200);
  EXPECT_EQ(Get("/api/v1/courses/?keys=" + Encoded({keys[3]}) +
                "&uuids=" + all.at(keys[3])["uuid"].get<std::string>())
                .status,
            200);
  EXPECT_EQ(
      Get("/api/v1/courses/?keys=" + Encoded({keys[0], keys[1]}), "").status,
      401);
  EXPECT_EQ(Get("/api/v1/courses/").status, 200);
  EXPECT_EQ(Get("/api/v1/programs/?uuids=a,b,c&extended=True").status, 200);
  EXPECT_EQ(Get("/api/v1/programs/?uuids=d", "").status, 401);
  const StubStats stats = stub_->stats();
  EXPECT_EQ(stats.courses_requests, 4);
  EXPECT_EQ(stats.course_keys_requested, 4 + 2 + 2);
  EXPECT_EQ(stats.courses_ok, 3);
  EXPECT_EQ(stats.programs_requests, 2);
  EXPECT_EQ(stats.program_uuids_requested, 4);
  EXPECT_EQ(stats.programs_ok, 1);
  EXPECT_EQ(stats.search_requests, 0);
  EXPECT_TRUE(stats.responses_by_status.empty());  // search only

  const json j = json::parse(Control("GET", "/_stub/stats").body);
  EXPECT_EQ(j["courses_requests"], 4);
  EXPECT_EQ(j["course_keys_requested"], 8);
  EXPECT_EQ(j["courses_ok"], 3);
  EXPECT_EQ(j["programs_requests"], 2);
  EXPECT_EQ(j["program_uuids_requested"], 4);
  EXPECT_EQ(j["programs_ok"], 1);
  EXPECT_EQ(json::parse(StatsToJson(stats)), j);
  stub_->ResetStats();
  EXPECT_EQ(stub_->stats().courses_requests, 0);
}

}  // namespace
}  // namespace ec::stub
