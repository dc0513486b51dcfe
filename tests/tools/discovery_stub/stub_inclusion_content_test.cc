// The content enterprise-catalog's inclusion rule rejects or singles out
// (/work/shared/reference/django-rules.md §1) in the generated catalog:
// course types "empty" and "bootcamp-2u", product source "emeritus", and
// executive-education-2u courses.
#include <map>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/full_metadata_test_support.h"
#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/params.h"

namespace ec::stub {
namespace {

using nlohmann::json;

// The inclusion rule's cases (django-rules.md §1) exist in the default
// dataset and in the quickstart's (deploy/sample/quickstart-discovery-
// stub.flags), and filters find them.
TEST(InclusionContentTest, InclusionRuleContentInDefaultAndQuickstart) {
  DatasetSpec quickstart;
  quickstart.seed = 42;
  quickstart.courses = 300;
  quickstart.runs = 700;
  quickstart.programs = 30;
  quickstart.pathways = 5;
  quickstart.persons = 20;
  for (const DatasetSpec& spec : {DatasetSpec(), quickstart}) {
    std::map<std::string, int> types, sources;
    int courses = 0;
    const std::shared_ptr<const Dataset> data = Dataset::Generate(spec);
    for (const auto& doc : data->docs()) {
      if (doc->type != ContentType::kCourse) continue;
      ++courses;
      for (const auto& t :
           doc->terms[static_cast<size_t>(TermField::kCourseType)]) {
        ++types[t];
      }
      for (const auto& s :
           doc->terms[static_cast<size_t>(TermField::kProductSource)]) {
        ++sources[s];
      }
    }
    ASSERT_EQ(courses, spec.courses);
    const int three_percent = (spec.courses * 3 + 50) / 100;
    EXPECT_EQ(types["empty"], three_percent) << spec.seed;
    EXPECT_EQ(sources["emeritus"], three_percent) << spec.seed;
    EXPECT_GE(types["bootcamp-2u"], 1) << spec.seed;
    EXPECT_GE(types["executive-education-2u"], 1 + three_percent) << spec.seed;
    EXPECT_EQ(sources["edx"] + sources["2u"] + sources["emeritus"], courses);
  }
}

TEST_F(FullMetadataTest, FiltersFindTheInclusionRuleContent) {
  const Keys emeritus = Filter(R"({"product_source": "emeritus"})");
  const Keys empty = Filter(R"({"course_type": "empty"})");
  const Keys bootcamp = Filter(R"({"course_type": "bootcamp-2u"})");
  EXPECT_EQ(emeritus.size(), 5u);  // round(3% of 150)
  EXPECT_EQ(empty.size(), 5u);
  EXPECT_FALSE(bootcamp.empty());
  for (const std::string& key : emeritus) {
    const json c = GetJson("/api/v1/courses/?keys=" + QuotePlus(key));
    if (!OnSite(key)) continue;
    EXPECT_EQ(c["results"][0]["product_source"]["slug"], "emeritus");
    EXPECT_EQ(c["results"][0]["course_type"], "executive-education-2u");
  }
  const Keys not_empty =
      Filter(R"({"content_type": "course", "course_type__exclude": "empty"})");
  EXPECT_EQ(not_empty.size(), 150u - empty.size());
  for (const std::string& key : empty) EXPECT_FALSE(not_empty.contains(key));
}

}  // namespace
}  // namespace ec::stub
