#include "tools/discovery_stub/dataset.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ec::stub {
namespace {

DatasetSpec SmallSpec() {
  DatasetSpec spec;
  spec.seed = 42;
  spec.courses = 80;
  spec.runs = 200;
  spec.programs = 10;
  spec.pathways = 4;
  spec.persons = 8;
  spec.min_doc_bytes = 2000;
  spec.max_doc_bytes = 6000;
  return spec;
}

std::map<std::string, std::string> RenderAll(const Dataset& data,
                                             RenderOptions options = {}) {
  std::map<std::string, std::string> out;
  options.now = data.now();
  for (const auto& doc : data.docs()) {
    std::string json;
    RenderDocument(*doc, options, &json);
    EXPECT_TRUE(out.emplace(doc->key, std::move(json)).second) << doc->key;
  }
  return out;
}

TEST(DatasetTest, SameSeedSameBytesOtherSeedOtherBytes) {
  const auto a = RenderAll(*Dataset::Generate(SmallSpec()));
  const auto b = RenderAll(*Dataset::Generate(SmallSpec()));
  EXPECT_EQ(a, b);
  DatasetSpec other = SmallSpec();
  other.seed = 43;
  EXPECT_NE(a, RenderAll(*Dataset::Generate(other)));
}

TEST(DatasetTest, EveryRenderingIsValidJsonWithTheDocumentsKeys) {
  const auto data = Dataset::Generate(SmallSpec());
  RenderOptions all_flags;
  all_flags.exclude_expired = true;
  all_flags.detail_fields = true;
  all_flags.include_restricted = {"custom-b2b-enterprise", "custom-b2c"};
  for (const RenderOptions& options : {RenderOptions{}, all_flags}) {
    for (const auto& [key, json] : RenderAll(*data, options)) {
      const nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
      ASSERT_FALSE(doc.is_discarded()) << json;
      const std::string type = doc.at("content_type");
      const std::string agg = doc.at("aggregation_key");
      EXPECT_EQ(agg.substr(0, agg.find(':')), type);
      if (type == "course" || type == "courserun") {
        EXPECT_EQ(doc.at("key"), key);
      } else {
        EXPECT_EQ(doc.at("uuid"), key);
      }
      if (type == "course") {
        EXPECT_EQ(doc.contains("level_type"), options.detail_fields);
        EXPECT_EQ(agg, "course:" + key);
      }
      if (type == "courserun") {
        // courserun:<course key>, and the run key extends the course key.
        const std::string course_key = agg.substr(sizeof("courserun:") - 1);
        EXPECT_EQ(key.rfind("course-v1:" + course_key + "+", 0), 0u) << key;
      }
    }
  }
}

TEST(DatasetTest, CountsAndRealisticValues) {
  const DatasetSpec spec = SmallSpec();
  const auto data = Dataset::Generate(spec);
  std::map<ContentType, int> by_type;
  int nested_runs = 0, restricted = 0, expired = 0;
  std::set<std::string> partners, orgs;
  for (const auto& doc : data->docs()) {
    ++by_type[doc->type];
    nested_runs += static_cast<int>(doc->runs.size());
    if (doc->type == ContentType::kCourseRun) {
      if (!doc->restriction_type.empty()) ++restricted;
      const auto& ends = doc->numbers[static_cast<size_t>(NumField::kEnd)];
      if (!ends.empty() && ends[0] < static_cast<double>(data->now()))
        ++expired;
    }
    for (const auto& p : doc->terms[static_cast<size_t>(TermField::kPartner)]) {
      partners.insert(p);
    }
    for (const auto& o : doc->terms[static_cast<size_t>(TermField::kOrg)])
      orgs.insert(o);
  }
  EXPECT_EQ(by_type[ContentType::kCourse], spec.courses);
  EXPECT_EQ(nested_runs, spec.runs);
  // Runs of a non-marketable type are only nested, never top-level.
  EXPECT_LE(by_type[ContentType::kCourseRun], spec.runs);
  EXPECT_GE(by_type[ContentType::kCourseRun], spec.runs * 9 / 10);
  EXPECT_EQ(by_type[ContentType::kProgram], spec.programs);
  EXPECT_EQ(by_type[ContentType::kLearnerPathway], spec.pathways);
  EXPECT_EQ(by_type[ContentType::kPerson], spec.persons);
  EXPECT_GT(restricted, 0);
  EXPECT_GT(expired, 0);
  EXPECT_TRUE(partners.contains("edx"));
  EXPECT_TRUE(orgs.contains("harvardx"));
  EXPECT_TRUE(orgs.contains("mitx"));
}

TEST(DatasetTest, DocumentSizesFollowTheSpec) {
  DatasetSpec spec = SmallSpec();
  spec.min_doc_bytes = 5000;
  spec.max_doc_bytes = 25000;
  const auto data = Dataset::Generate(spec);
  int within = 0, total = 0;
  for (const auto& [key, json] : RenderAll(*data)) {
    ++total;
    // Padding is cut at a word boundary, so a document can fall a word short.
    EXPECT_GE(json.size(), 5000u - 32) << key;
    if (json.size() >= 5000 - 32 && json.size() <= 25000) ++within;
  }
  EXPECT_GE(within * 100, total * 98) << within << " of " << total;
}

TEST(DatasetTest, LargeSpecGeneratesQuickly) {
  DatasetSpec spec;
  spec.courses = 5000;
  spec.runs = 12000;
  spec.programs = 500;
  spec.pathways = 40;
  spec.persons = 1000;
  const auto start = std::chrono::steady_clock::now();
  const auto data = Dataset::Generate(spec);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("large spec: %zu documents in %.2f s\n", data->docs().size(),
              seconds);
  EXPECT_EQ(data->docs().size() > 17000, true);
  EXPECT_LT(seconds, 10.0);  // about 1 s on the project VM; generous for load
}

TEST(DatasetTest, WithMutatedChangesExactlyTheReturnedDocuments) {
  const auto before = Dataset::Generate(SmallSpec());
  std::vector<std::string> keys;
  const auto after = before->WithMutated(0.1, 7, &keys);
  ASSERT_FALSE(keys.empty());
  const std::set<std::string> changed(keys.begin(), keys.end());
  RenderOptions all_flags;
  all_flags.exclude_expired = true;
  all_flags.detail_fields = true;
  all_flags.include_restricted = {"custom-b2b-enterprise", "custom-b2c"};
  for (const RenderOptions& options : {RenderOptions{}, all_flags}) {
    const auto a = RenderAll(*before, options);
    const auto b = RenderAll(*after, options);
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [key, json] : a) {
      EXPECT_EQ(json != b.at(key), changed.contains(key)) << key;
    }
  }
  // Nothing a filter reads changed.
  for (size_t i = 0; i < before->docs().size(); ++i) {
    EXPECT_EQ(before->docs()[i]->terms, after->docs()[i]->terms);
    EXPECT_EQ(before->docs()[i]->numbers, after->docs()[i]->numbers);
  }
  std::vector<std::string> again;
  before->WithMutated(0.1, 7, &again);
  EXPECT_EQ(again, keys);
  // Mutating again bumps the revision once more.
  std::vector<std::string> second;
  const auto twice = after->WithMutated(0.1, 7, &second);
  EXPECT_EQ(second, keys);
  EXPECT_NE(RenderAll(*twice).at(keys[0]), RenderAll(*after).at(keys[0]));
}

TEST(DatasetTest, WithRemovedDropsCoursesWithTheirRuns) {
  const auto before = Dataset::Generate(SmallSpec());
  std::vector<std::string> keys;
  const auto after = before->WithRemoved(0.2, 3, &keys);
  const std::set<std::string> removed(keys.begin(), keys.end());
  std::set<std::string> remaining;
  for (const auto& doc : after->docs()) {
    remaining.insert(doc->key);
    EXPECT_FALSE(removed.contains(doc->key)) << doc->key;
    for (const NestedRun& r : doc->runs) {
      EXPECT_FALSE(removed.contains(r.key)) << r.key << " still nested";
    }
  }
  for (const auto& doc : before->docs()) {
    if (!removed.contains(doc->key)) {
      EXPECT_TRUE(remaining.contains(doc->key)) << doc->key;
    }
  }
  EXPECT_LT(after->docs().size(), before->docs().size());
}

}  // namespace
}  // namespace ec::stub
