#include "tools/discovery_stub/params.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/discovery_stub/pyrepr.h"

namespace ec::stub {
namespace {

using Items = std::vector<QueryParams::Item>;

TEST(ParseQueryStringTest, DecodesLikeParseQsl) {
  const QueryParams p = ParseQueryString("a=1&b=x+y&c=%2C%zz&a=2&flag&&empty=");
  EXPECT_EQ(p.items(), (Items{{"a", "1"},
                              {"b", "x y"},
                              {"c", ",%zz"},
                              {"a", "2"},
                              {"flag", ""},
                              {"empty", ""}}));
  EXPECT_EQ(*p.Get("a"), "2");  // QueryDict.get: last value
  EXPECT_EQ(p.GetList("a").size(), 2u);
  EXPECT_EQ(p.Get("missing"), nullptr);
}

TEST(EncodeSortedTest, SortsKeysKeepsValueOrderAndQuotesPlus) {
  const QueryParams p = ParseQueryString(
      "page_size=100&ordering=aggregation_key%2Cstart&exclude_expired_course_"
      "run="
      "True&include_learner_pathways=True&z=b&z=a&s=a+b~c");
  EXPECT_EQ(EncodeSorted(p),
            "exclude_expired_course_run=True&include_learner_pathways=True&"
            "ordering=aggregation_key%2Cstart&page_size=100&s=a+b~c&z=b&z=a");
  EXPECT_EQ(QuotePlus("a b/c:d+e"), "a+b%2Fc%3Ad%2Be");
}

TEST(MergeJsonBodyTest, FollowsUpdateQueryParamsWithBodyData) {
  QueryParams p = ParseQueryString("page=1");
  ASSERT_TRUE(MergeJsonBody(R"({"content_type": ["course"],
      "level_type": ["Introductory", "Advanced"], "flag": true, "off": false,
      "none": null, "n": 5, "f": 301.0, "restricted_runs_allowed": {"course:X": ["r"]},
      "nested": [[1, "a"]], "page": 3})",
                            &p)
                  .ok());
  EXPECT_EQ(p.items(), (Items{{"page", "1"},
                              {"content_type", "course"},
                              {"level_type", "Introductory"},
                              {"level_type", "Advanced"},
                              {"flag", "True"},
                              {"off", "False"},
                              {"none", "None"},
                              {"n", "5"},
                              {"f", "301.0"},
                              {"restricted_runs_allowed", "course:X"},
                              {"nested", "1"},
                              {"nested", "a"},
                              {"page", "3"}}));
  EXPECT_EQ(*p.Get("page"), "3");  // the body wins for single values
}

TEST(MergeJsonBodyTest, AcceptsEmptyRejectsNonObjects) {
  QueryParams p;
  EXPECT_TRUE(MergeJsonBody("", &p).ok());
  EXPECT_TRUE(MergeJsonBody("  \n", &p).ok());
  EXPECT_TRUE(p.items().empty());
  EXPECT_FALSE(MergeJsonBody("[1]", &p).ok());
  EXPECT_FALSE(MergeJsonBody("{", &p).ok());
}

TEST(PyReprTest, FloatsAndNestedValuesPrintLikePython) {
  EXPECT_EQ(PyFloatRepr(301.0), "301.0");
  EXPECT_EQ(PyFloatRepr(0.1), "0.1");
  EXPECT_EQ(PyFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PyFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PyFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PyFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(PyFloatRepr(-2.5), "-2.5");
  EXPECT_EQ(PyStr(nlohmann::ordered_json::parse(
                R"([1, "a'b", true, null, {"k": 2.5}])")),
            R"([1, "a'b", True, None, {'k': 2.5}])");
}

}  // namespace
}  // namespace ec::stub
