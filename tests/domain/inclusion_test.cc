// Django's _should_allow_metadata (django-rules.md §1), on the facts a
// parsed search/all document carries, and the crawl filter built on it.
#include "domain/inclusion.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "domain/content.h"
#include "nlohmann/json.hpp"

namespace ec::domain {
namespace {

using Json = nlohmann::ordered_json;

// The facts of a document given as JSON text.
InclusionFacts Facts(const std::string& json) {
  return InclusionFactsOf(Json::parse(json));
}

bool Allowed(const std::string& json) {
  return !ExclusionReason(Facts(json), InclusionRules()).has_value();
}

struct Case {
  const char* name;
  const char* document;
  bool allowed;
};

class InclusionRuleTest : public testing::TestWithParam<Case> {};

TEST_P(InclusionRuleTest, MatchesDjango) {
  EXPECT_EQ(Allowed(GetParam().document), GetParam().allowed)
      << GetParam().document;
}

INSTANTIATE_TEST_SUITE_P(
    Django, InclusionRuleTest,
    testing::Values(
        // test_product_source_content_inclusion_logic: 'edX', {'slug':'2u'},
        // None are stored; 'emeritus' is not.
        Case{"edX_any_case",
             R"({"aggregation_key":"course:a","product_source":"edX"})", true},
        Case{"slug_2u",
             R"({"aggregation_key":"course:a","product_source":{"slug":"2u"}})",
             true},
        Case{"none", R"({"aggregation_key":"course:a","product_source":null})",
             true},
        Case{"absent", R"({"aggregation_key":"course:a"})", true},
        Case{"emeritus",
             R"({"aggregation_key":"course:a","product_source":"emeritus"})",
             false},
        // '' is not None, so it is checked, and blocked.
        Case{"empty_string",
             R"({"aggregation_key":"course:a","product_source":""})", false},
        Case{"slug_null",
             R"({"aggregation_key":"course:a","product_source":{"slug":null}})",
             true},
        Case{"slug_missing",
             R"({"aggregation_key":"course:a","product_source":{"name":"x"}})",
             true},
        Case{
            "slug_emeritus",
            R"({"aggregation_key":"course:a","product_source":{"slug":"Emeritus"}})",
            false},
        // Django raises on these; here they are excluded.
        Case{"number", R"({"aggregation_key":"course:a","product_source":5})",
             false},
        Case{"slug_number",
             R"({"aggregation_key":"course:a","product_source":{"slug":5}})",
             false},
        // The product source applies to every type.
        Case{"program_emeritus",
             R"({"aggregation_key":"program:u","product_source":"emeritus"})",
             false},
        Case{"run_emeritus",
             R"({"aggregation_key":"courserun:a","product_source":"emeritus"})",
             false},
        // Course types: exact and case-sensitive, courses only.
        Case{"verified_audit",
             R"({"aggregation_key":"course:a","course_type":"verified-audit"})",
             true},
        Case{
            "exec_ed",
            R"({"aggregation_key":"course:a","course_type":"executive-education-2u"})",
            true},
        Case{"bootcamp",
             R"({"aggregation_key":"course:a","course_type":"bootcamp-2u"})",
             false},
        Case{"empty_type",
             R"({"aggregation_key":"course:a","course_type":"empty"})", false},
        Case{"blank_type", R"({"aggregation_key":"course:a","course_type":""})",
             false},
        Case{"upper_type",
             R"({"aggregation_key":"course:a","course_type":"Verified-Audit"})",
             false},
        Case{"null_type",
             R"({"aggregation_key":"course:a","course_type":null})", true},
        Case{"number_type", R"({"aggregation_key":"course:a","course_type":3})",
             false},
        // The type comes from aggregation_key, not content_type.
        Case{"run_bootcamp",
             R"({"aggregation_key":"courserun:a","course_type":"bootcamp-2u"})",
             true},
        Case{"typed_by_field_only",
             R"({"content_type":"course","course_type":"bootcamp-2u"})", true},
        Case{"program_bootcamp",
             R"({"aggregation_key":"program:u","course_type":"bootcamp-2u"})",
             true}),
    [](const testing::TestParamInfo<Case>& param_info) {
      return param_info.param.name;
    });

TEST(InclusionTest, ReasonsNameTheFieldAndTheValue) {
  const auto why = ExclusionReason(Facts(R"({"aggregation_key":"course:a",
                              "course_type":"bootcamp-2u"})"),
                                   InclusionRules());
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "course_type \"bootcamp-2u\" is not allowed");
}

TEST(InclusionTest, AllowListsAreConfiguration) {
  InclusionRules rules;
  rules.product_sources.push_back("emeritus");
  EXPECT_FALSE(ExclusionReason(Facts(R"({"aggregation_key":"course:a",
                              "product_source":"Emeritus"})"),
                               rules)
                   .has_value());
  rules.course_types = {"verified"};
  EXPECT_TRUE(ExclusionReason(Facts(R"({"aggregation_key":"course:a",
                                       "course_type":"audit"})"),
                              rules)
                  .has_value());
}

TEST(InclusionTest, AnExcludedCourseTakesItsNestedRunsAlong) {
  auto records = ParseDiscoveryDocument(
      R"({"aggregation_key":"course:edX+Boot","key":"edX+Boot",
          "course_type":"bootcamp-2u",
          "course_runs":[{"key":"course-v1:edX+Boot+1"},
                         {"key":"course-v1:edX+Boot+2"}]})");
  ASSERT_TRUE(records.ok()) << records.status();
  auto kept = ParseDiscoveryDocument(
      R"({"aggregation_key":"course:edX+Ok","key":"edX+Ok",
          "course_type":"verified-audit",
          "course_runs":[{"key":"course-v1:edX+Ok+1"}]})");
  ASSERT_TRUE(kept.ok()) << kept.status();
  records->insert(records->end(), kept->begin(), kept->end());
  ASSERT_EQ(records->size(), 5u);

  std::vector<std::string> reasons;
  // The course is one excluded document; its runs go with it uncounted.
  EXPECT_EQ(RemoveExcluded(InclusionRules(), &*records, &reasons), 1);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].content_key, "edX+Ok");
  EXPECT_EQ((*records)[1].content_key, "course-v1:edX+Ok+1");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], "edX+Boot: course_type \"bootcamp-2u\" is not allowed");
}

}  // namespace
}  // namespace ec::domain
