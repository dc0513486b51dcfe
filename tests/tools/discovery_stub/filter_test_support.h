#pragma once

// FilterTest: the filter tests' oracle. It indexes the documents the stub
// serves, as discovery's Elasticsearch documents would hold them, so that a
// filter's expected result follows from the served JSON alone.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/stub_test_support.h"

namespace ec::stub {

struct IndexedDoc {
  nlohmann::json doc;
  std::string key, type;
  std::map<std::string, std::vector<std::string>> terms;
  std::vector<double> price, start, end, end_date;
};

// A served date as Unix seconds.
double ParseTime(const nlohmann::json& value);

// Builds the index from `everything` (all documents, course level_type
// included). Run documents do not serialize status or hidden: status comes
// from the course's nested runs, hidden from `hidden_runs` (the dataset).
std::vector<IndexedDoc> BuildIndex(const nlohmann::json& everything,
                                   const Keys& hidden_runs);

// Whether `d` holds `value` (any of `values`) in `field`.
bool Has(const IndexedDoc& d, const std::string& field,
         const std::string& value);
bool HasAny(const IndexedDoc& d, const std::string& field,
            const std::vector<std::string>& values);
bool AnyValue(const std::vector<double>& values,
              const std::function<bool(double)>& pred);

class FilterTest : public StubTest {
 protected:
  void SetUp() override {
    StubTest::SetUp();
    Keys hidden_runs;
    const std::shared_ptr<const Dataset> data = stub_->dataset();
    for (const auto& doc : data->docs()) {
      const auto& hidden = doc->terms[static_cast<size_t>(TermField::kHidden)];
      if (doc->type == ContentType::kCourseRun && !hidden.empty() &&
          hidden[0] == "true") {
        hidden_runs.insert(doc->key);
      }
    }
    ASSERT_FALSE(hidden_runs.empty());
    index_ = BuildIndex(PostJson(kEverything, R"({"detail_fields": "1"})"),
                        hidden_runs);
    ASSERT_GT(index_.size(), 400u);
  }

  // The stub's answer for `body` equals the docs `pred` selects, which must
  // be neither none nor all of them (unless `allow_trivial`).
  void ExpectFilter(const std::string& body,
                    const std::function<bool(const IndexedDoc&)>& pred,
                    bool allow_trivial = false) {
    Keys expected;
    for (const IndexedDoc& d : index_) {
      if (pred(d)) expected.insert(d.key);
    }
    if (!allow_trivial) {
      EXPECT_FALSE(expected.empty()) << "vacuous case: " << body;
      EXPECT_LT(expected.size(), index_.size()) << "trivial case: " << body;
    }
    const Keys got = Filter(body);
    std::string missing, unexpected;
    for (const auto& k : expected) {
      if (!got.contains(k)) missing += " " + k;
    }
    for (const auto& k : got) {
      if (!expected.contains(k)) unexpected += " " + k;
    }
    EXPECT_TRUE(missing.empty() && unexpected.empty())
        << body << "\n  missing:" << missing << "\n  unexpected:" << unexpected;
  }

  // A value some document holds in `field`, the n-th distinct one.
  std::string Sample(const std::string& field, const std::string& type,
                     size_t n = 0) {
    std::vector<std::string> values;
    for (const IndexedDoc& d : index_) {
      if (d.type != type) continue;
      auto it = d.terms.find(field);
      if (it == d.terms.end()) continue;
      for (const auto& v : it->second) {
        if (std::find(values.begin(), values.end(), v) == values.end())
          values.push_back(v);
      }
    }
    EXPECT_GT(values.size(), n) << field;
    return values.size() > n ? values[n] : "";
  }

  std::vector<IndexedDoc> index_;
};

}  // namespace ec::stub
