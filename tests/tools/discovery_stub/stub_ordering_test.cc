// Ranking, ordering, the regrouping of pages and the serialization flags.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/filter_test_support.h"
#include "tests/tools/discovery_stub/stub_test_support.h"
#include "tools/discovery_stub/http_client.h"

namespace ec::stub {
namespace {

using nlohmann::json;

TEST_F(FilterTest, RankingIsStartDescAggregationKeyAscKeyAsc) {
  // With page_size=1 every page is one document, so pages give the ranking.
  std::vector<std::string> ranking;
  for (int page = 1;; ++page) {
    const json p = PostJson(
        "include_learner_pathways=true&page_size=1&page=" +
            std::to_string(page),
        R"({"content_type": ["course", "courserun", "program", "learnerpathway", "person"]})");
    ranking.push_back(ContentKey(p["results"][0]));
    if (p["next"].is_null()) break;
  }
  std::map<std::string, const IndexedDoc*> by_key;
  for (const IndexedDoc& d : index_) by_key[d.key] = &d;
  std::optional<double> previous_start;
  for (size_t i = 0; i + 1 < ranking.size(); ++i) {
    const IndexedDoc& a = *by_key.at(ranking[i]);
    const IndexedDoc& b = *by_key.at(ranking[i + 1]);
    if (a.type == "program" || b.type == "program")
      continue;  // start not in the JSON
    auto max_start = [](const IndexedDoc& d) -> std::optional<double> {
      if (d.start.empty()) return std::nullopt;
      return *std::max_element(d.start.begin(), d.start.end());
    };
    const auto sa = max_start(a), sb = max_start(b);
    ASSERT_TRUE(sa || !sb) << "missing start sorts last: " << a.key
                           << " before " << b.key;
    if (sa && sb && *sa != *sb) {
      EXPECT_GT(*sa, *sb) << a.key << " before " << b.key;
      continue;
    }
    if (sa.has_value() != sb.has_value()) continue;
    const std::string aa = a.terms.at("aggregation_key")[0],
                      ba = b.terms.at("aggregation_key")[0];
    EXPECT_LE(aa, ba) << a.key << " before " << b.key;
    if (aa == ba) {
      EXPECT_LT(a.key, b.key);
    }
  }
  EXPECT_EQ(ranking, *stub_->MatchingKeys("include_learner_pathways=true",
                                          R"({"content_type": ["course",
                         "courserun", "program", "learnerpathway", "person"]})"));
}

TEST_F(StubTest, OrderingParameterAndDeterminism) {
  // The comma-joined value enterprise-catalog sends is not a valid ordering,
  // so the default applies; a valid one is honoured.
  EXPECT_EQ(*stub_->MatchingKeys("ordering=aggregation_key%2Cstart", "{}"),
            *stub_->MatchingKeys("", "{}"));
  const std::vector<std::string> by_agg =
      *stub_->MatchingKeys("ordering=aggregation_key", "{}");
  EXPECT_NE(by_agg, *stub_->MatchingKeys("", "{}"));
  const std::shared_ptr<const Dataset> data = stub_->dataset();
  std::map<std::string, std::string> agg;
  for (const auto& d : data->docs()) agg[d->key] = d->aggregation_key;
  for (size_t i = 0; i + 1 < by_agg.size(); ++i) {
    EXPECT_LE(agg[by_agg[i]], agg[by_agg[i + 1]]);
  }
  // Same request, same bytes; and another stub with the same seed agrees.
  const std::string body =
      Post(std::string(kCatalogQuery) + "&page=2", kDefaultFilter).body;
  EXPECT_EQ(body,
            Post(std::string(kCatalogQuery) + "&page=2", kDefaultFilter).body);
  auto twin = DiscoveryStub::Start(SmallOptions());
  ASSERT_TRUE(twin.ok());
  HttpClient twin_client("127.0.0.1", (*twin)->port());
  const std::string twin_token = FetchToken(&twin_client, SmallOptions());
  auto r = twin_client.Send(
      "POST", "/api/v1/search/all/?" + std::string(kCatalogQuery) + "&page=2",
      kDefaultFilter, {{"Authorization", "JWT " + twin_token}});
  ASSERT_TRUE(r.ok());
  std::string expected = body;
  const std::string mine = std::to_string(stub_->port()),
                    theirs = std::to_string((*twin)->port());
  for (size_t pos;
       (pos = expected.find("127.0.0.1:" + mine)) != std::string::npos;) {
    expected.replace(pos, mine.size() + 10, "127.0.0.1:" + theirs);
  }
  EXPECT_EQ(r->body, expected);
}

TEST_F(StubTest, EachPageIsRegroupedByContentType) {
  const std::vector<std::string> ranking = *stub_->MatchingKeys("", "{}");
  std::map<std::string, std::string> type_of;
  const std::shared_ptr<const Dataset> data = stub_->dataset();
  for (const auto& d : data->docs()) {
    type_of[d->key] = std::string(ContentTypeName(d->type));
  }
  int mixed_pages = 0;
  for (int page = 1; page <= 6; ++page) {
    const std::vector<std::string> got =
        OrderedKeysOf(PostJson("page_size=40&page=" + std::to_string(page)));
    const std::vector<std::string> slice(
        ranking.begin() + (page - 1) * 40,
        ranking.begin() + std::min<size_t>(page * 40, ranking.size()));
    // Same documents; grouped by type in order of first appearance, stable.
    std::vector<std::string> expected;
    std::vector<std::string> order;
    for (const auto& k : slice) {
      if (std::find(order.begin(), order.end(), type_of[k]) == order.end())
        order.push_back(type_of[k]);
    }
    for (const auto& t : order) {
      for (const auto& k : slice) {
        if (type_of[k] == t) expected.push_back(k);
      }
    }
    EXPECT_EQ(got, expected) << "page " << page;
    if (order.size() > 1 && expected != slice) ++mixed_pages;
  }
  EXPECT_GT(mixed_pages, 0) << "no page exercised the regrouping";
}

TEST_F(StubTest, ExcludeExpiredCourseRunShapesNestedRuns) {
  const double now = static_cast<double>(kDefaultDatasetNow);
  auto nested = [&](const std::string& query, const std::string& body) {
    std::map<std::string, std::vector<json>> out;
    const json page = PostJson(query, body);
    for (const json& r : page["results"]) {
      if (r["content_type"] == "course") out[r["key"]] = r["course_runs"];
    }
    return out;
  };
  const auto all = nested("page_size=1000", R"({"content_type": "course"})");
  const auto flagged = nested("page_size=1000&exclude_expired_course_run=1",
                              R"({"content_type": "course"})");
  // Any non-empty value enables it, even "false".
  EXPECT_EQ(flagged, nested("page_size=1000&exclude_expired_course_run=false",
                            R"({"content_type": "course"})"));
  const auto flagged_published =
      nested("page_size=1000&exclude_expired_course_run=1",
             R"({"content_type": "course", "status": "published"})");
  int expired_published_kept = 0, expired_dropped = 0;
  for (const auto& [key, runs] : all) {
    std::set<std::string> kept, kept_published;
    for (const json& r : flagged.at(key)) kept.insert(r["key"]);
    if (flagged_published.contains(key)) {
      for (const json& r : flagged_published.at(key))
        kept_published.insert(r["key"]);
    }
    for (const json& r : runs) {
      const bool expired = !r["end"].is_null() && ParseTime(r["end"]) <= now;
      EXPECT_EQ(kept.contains(r["key"]), !expired) << r["key"];
      if (expired) ++expired_dropped;
      if (flagged_published.contains(key)) {
        // should_include_course_run: a "status" parameter equal to the run's
        // status keeps an expired run.
        EXPECT_EQ(kept_published.contains(r["key"]),
                  !expired || r["status"] == "published");
        if (expired && r["status"] == "published") ++expired_published_kept;
      }
    }
  }
  EXPECT_GT(expired_dropped, 0);
  EXPECT_GT(expired_published_kept, 0);
}

}  // namespace
}  // namespace ec::stub
