// Filters (§2.2, §2.3), checked against an index built from the served JSON
// (filter_test_support.h).
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/filter_test_support.h"
#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/dates.h"

namespace ec::stub {
namespace {

using nlohmann::json;

TEST_F(FilterTest, ContentTypeAndAggregationKey) {
  ExpectFilter(R"({"content_type": ["course", "program"]})",
               [](const IndexedDoc& d) {
                 return d.type == "course" || d.type == "program";
               });
  const std::string a = Sample("aggregation_key", "course", 0);
  const std::string b = Sample("aggregation_key", "courserun", 3);
  ExpectFilter(
      json({{"aggregation_key", {a, b}}}).dump(), [&](const IndexedDoc& d) {
        return Has(d, "aggregation_key", a) || Has(d, "aggregation_key", b);
      });
  ExpectFilter(
      json({{"content_type", "course"}, {"aggregation_key__exclude", {a}}})
          .dump(),
      [&](const IndexedDoc& d) {
        return d.type == "course" && !Has(d, "aggregation_key", a);
      });
  // Case-sensitive.
  ExpectFilter(
      json({{"aggregation_key", AsciiLower(a)}}).dump(),
      [](const IndexedDoc&) { return false; }, /*allow_trivial=*/true);
}

TEST_F(FilterTest, AndAcrossKeysOrWithinAKey) {
  ExpectFilter(
      R"({"content_type": "course", "level_type": ["Advanced", "Intermediate"]})",
      [](const IndexedDoc& d) {
        return d.type == "course" &&
               HasAny(d, "level_type", {"Advanced", "Intermediate"});
      });
  // The default enterprise filter (§2.5 worked example): status and
  // availability may come from different runs.
  ExpectFilter(kDefaultFilter, [](const IndexedDoc& d) {
    return d.type == "course" && Has(d, "partner", "edx") &&
           HasAny(d, "level_type",
                  {"Introductory", "Intermediate", "Advanced"}) &&
           HasAny(d, "availability",
                  {"Current", "Starting Soon", "Upcoming"}) &&
           Has(d, "status", "published");
  });
}

TEST_F(FilterTest, LowerCaseFieldsMatchWholeStringsCaseInsensitively) {
  ExpectFilter(R"({"partner": "EDX"})",
               [](const IndexedDoc& d) { return Has(d, "partner", "edx"); });
  ExpectFilter(R"({"partner": "mitxpro"})", [](const IndexedDoc& d) {
    return Has(d, "partner", "mitxpro");
  });
  ExpectFilter(R"({"org": ["MITx", "delftx"]})", [](const IndexedDoc& d) {
    return HasAny(d, "org", {"mitx", "delftx"});
  });
  ExpectFilter(R"({"org": "mit"})", [](const IndexedDoc&) { return false; },
               true);
  // __exclude: documents without the field (programs, persons, courses
  // without visible runs) pass.
  ExpectFilter(R"({"org__exclude": ["HarvardX", "MITx"]})",
               [](const IndexedDoc& d) {
                 return !HasAny(d, "org", {"harvardx", "mitx"});
               });
  ExpectFilter(R"({"authoring_organizations": "HARVARDX: Harvard University"})",
               [](const IndexedDoc& d) {
                 return Has(d, "authoring_organizations",
                            "harvardx: harvard university");
               });
  ExpectFilter(
      R"({"authoring_organizations__exclude": "harvardx: harvard university",
                   "content_type": "program"})",
      [](const IndexedDoc& d) {
        return d.type == "program" && !Has(d, "authoring_organizations",
                                           "harvardx: harvard university");
      });
  ExpectFilter(R"({"type": "Verified"})",
               [](const IndexedDoc& d) { return Has(d, "type", "verified"); });
  ExpectFilter(
      R"({"enrollment_mode": ["PROFESSIONAL CERTIFICATE", "audit"]})",
      [](const IndexedDoc& d) {
        return HasAny(d, "type", {"professional certificate", "audit"});
      });
}

TEST_F(FilterTest, KeyIsATokenPhraseAndKeyRawIsExact) {
  // A course's key phrase also matches its runs (course-v1:<key>+<term>).
  const std::string course = Sample("key.raw", "course", 5);
  auto phrase = [](const std::string& value) {
    return [tokens = StandardTokens(value)](const IndexedDoc& d) {
      return (d.type == "course" || d.type == "courserun") &&
             ContainsPhrase(StandardTokens(d.key), tokens);
    };
  };
  ExpectFilter(json({{"key", {course}}}).dump(), phrase(course));
  const Keys with_runs = Filter(json({{"key", {course}}}).dump());
  EXPECT_GT(with_runs.size(), 1u)
      << "expected the course and its runs for " << course;
  const std::string other = Sample("key.raw", "course", 9);
  ExpectFilter(
      json({{"content_type", "course"}, {"key", {course, other}}}).dump(),
      [&](const IndexedDoc& d) {
        return d.type == "course" && (phrase(course)(d) || phrase(other)(d));
      });
  // Case-insensitive, and a prefix of a token does not match.
  ExpectFilter(json({{"key", AsciiLower(course)}}).dump(), phrase(course));
  ExpectFilter(json({{"key", course.substr(0, course.size() - 1)}}).dump(),
               phrase(course.substr(0, course.size() - 1)), true);
  ExpectFilter(json({{"key.raw", {course}}}).dump(),
               [&](const IndexedDoc& d) { return d.key == course; });
  ExpectFilter(
      json({{"content_type", "course"}, {"key.raw__exclude", course}}).dump(),
      [&](const IndexedDoc& d) {
        return d.type == "course" && d.key != course;
      });
  // key__exclude is not an allowed lookup: ignored.
  ExpectFilter(
      json({{"content_type", "course"}, {"key__exclude", course}}).dump(),
      [&](const IndexedDoc& d) { return d.type == "course"; });
}

TEST_F(FilterTest, CourseLevelFieldsMatchAnyVisibleRun) {
  ExpectFilter(R"({"status": "published"})", [](const IndexedDoc& d) {
    return Has(d, "status", "published");
  });
  ExpectFilter(R"({"status": ["unpublished", "active"]})",
               [](const IndexedDoc& d) {
                 return HasAny(d, "status", {"unpublished", "active"});
               });
  ExpectFilter(R"({"availability": ["Current", "Upcoming"]})",
               [](const IndexedDoc& d) {
                 return HasAny(d, "availability", {"Current", "Upcoming"});
               });
  ExpectFilter(R"({"content_type": "course", "availability": "Archived"})",
               [](const IndexedDoc& d) {
                 return d.type == "course" &&
                        Has(d, "availability", "Archived");
               });
  ExpectFilter(R"({"languages": "Spanish"})", [](const IndexedDoc& d) {
    return Has(d, "languages", "Spanish");
  });
}

TEST_F(FilterTest, KeywordFields) {
  for (const std::string field :
       {"level_type", "course_type", "product_source", "pacing_type", "number",
        "course_ends", "external_course_marketing_type", "skill_names",
        "authoring_organization_uuids", "subject_uuids"}) {
    const std::string type = field == "pacing_type" || field == "number" ||
                                     field == "authoring_organization_uuids"
                                 ? "courserun"
                                 : "course";
    const std::string value = Sample(field, type, 1);
    ExpectFilter(json({{field, value}}).dump(),
                 [&](const IndexedDoc& d) { return Has(d, field, value); });
    ExpectFilter(json({{field + "__terms", value}}).dump(),
                 [&](const IndexedDoc& d) { return Has(d, field, value); });
  }
  ExpectFilter(
      R"({"course_type__exclude": ["verified-audit"], "content_type": "course"})",
      [](const IndexedDoc& d) {
        return d.type == "course" && !Has(d, "course_type", "verified-audit");
      });
  // "a__b" in __terms is split into an OR.
  ExpectFilter(R"({"course_type__terms": "audit__professional"})",
               [](const IndexedDoc& d) {
                 return HasAny(d, "course_type", {"audit", "professional"});
               });
}

TEST_F(FilterTest, BooleansAcceptOnlyLowerCaseTrueFalse) {
  for (const std::string field :
       {"hidden", "published", "active", "has_enrollable_seats",
        "enterprise_subscription_inclusion"}) {
    for (const std::string value : {"true", "false"}) {
      ExpectFilter(json({{field, value}}).dump(),
                   [&](const IndexedDoc& d) { return Has(d, field, value); });
    }
    // A JSON boolean arrives as "True": Elasticsearch cannot parse it.
    ExpectFilter(
        json({{field, true}}).dump(), [](const IndexedDoc&) { return false; },
        true);
    ExpectFilter(
        json({{field, {"true", "True"}}}).dump(),
        [](const IndexedDoc&) { return false; }, true);
  }
}

TEST_F(FilterTest, NumericAndDateRanges) {
  auto price = [&](const std::function<bool(double)>& pred) {
    return [pred](const IndexedDoc& d) { return AnyValue(d.price, pred); };
  };
  ExpectFilter(R"({"first_enrollable_paid_seat_price__lte": "301"})",
               price([](double p) { return p <= 301; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__lt": "299"})",
               price([](double p) { return p < 299; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__gt": "299"})",
               price([](double p) { return p > 299; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__gte": "299"})",
               price([](double p) { return p >= 299; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price": ["99", "299"]})",
               price([](double p) { return p == 99 || p == 299; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__range": "100__300"})",
               price([](double p) { return p >= 100 && p <= 300; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__lte": "cheap"})",
               [](const IndexedDoc&) { return false; }, true);
  const double y2026 = *ParseEsDate("2026-01-01", kDefaultDatasetNow);
  // Programs hold a start too, but it is not in their JSON.
  ExpectFilter(
      R"({"start__gte": "2026-01-01", "content_type": ["course", "courserun"]})",
      [&](const IndexedDoc& d) {
        return AnyValue(d.start, [&](double s) { return s >= y2026; });
      });
  ExpectFilter(
      R"({"start__lt": "2024-06-01T12:00:00Z", "content_type": "courserun"})",
      [&](const IndexedDoc& d) {
        return d.type == "courserun" && AnyValue(d.start, [&](double s) {
                 return s < *ParseEsDate("2024-06-01T12:00:00Z",
                                         kDefaultDatasetNow);
               });
      });
  const double now = static_cast<double>(kDefaultDatasetNow);
  ExpectFilter(R"({"end__lt": "now", "content_type": ["course", "courserun"]})",
               [&](const IndexedDoc& d) {
                 return AnyValue(d.end, [&](double e) { return e < now; });
               });
  ExpectFilter(R"({"end_date__gt": "now-30d"})", [&](const IndexedDoc& d) {
    return AnyValue(d.end_date, [&](double e) { return e > now - 30 * 86400; });
  });
}

TEST_F(FilterTest, UnknownKeysAndLookupsAreIgnored) {
  const Keys courses = Filter(R"({"content_type": "course"})");
  EXPECT_EQ(
      Filter(
          R"({"content_type": "course", "enterprise_force_include_aggregation_keys":
      ["course:x"], "aggregation__key": "y", "org__exempt": "MITx", "search_all": "python",
      "restricted_runs_allowed": {"course:X": ["r"]}, "level_type__exclude": "Advanced",
      "status": "  ", "uuid": "abc", "title": "x"})"),
      courses);
  // skills is a nested field: a term filter on it matches nothing.
  EXPECT_TRUE(
      Filter(R"js({"skills": "Python (Programming Language)"})js").empty());
}

TEST_F(FilterTest, LearnerPathwaysOnlyOnRequestRestrictedRunsOnlyByName) {
  auto types = [&](const std::string& query) {
    std::map<std::string, int> out;
    const json page = PostJson(query);
    for (const json& r : page["results"]) ++out[r["content_type"]];
    return out;
  };
  EXPECT_EQ(types("page_size=100000")["learnerpathway"], 0);
  EXPECT_EQ(
      types("page_size=100000&include_learner_pathways=True")["learnerpathway"],
      options_.dataset.pathways);
  auto restricted = [&](const std::string& query) {
    std::set<std::string> out;
    const json page =
        PostJson(query, R"({"content_type": ["courserun", "course"]})");
    for (const json& r : page["results"]) {
      if (r["content_type"] == "courserun" &&
          !r["restriction_type"].is_null()) {
        out.insert(r["restriction_type"]);
      }
      if (r["content_type"] == "course") {
        for (const json& run : r["course_runs"]) {
          if (!run["restriction_type"].is_null())
            out.insert("nested:" + run["restriction_type"].get<std::string>());
        }
      }
    }
    return out;
  };
  EXPECT_EQ(restricted("page_size=100000"), std::set<std::string>{});
  EXPECT_EQ(
      restricted("page_size=100000&include_restricted=custom-b2b-enterprise"),
      (std::set<std::string>{"custom-b2b-enterprise",
                             "nested:custom-b2b-enterprise"}));
  EXPECT_EQ(restricted("page_size=100000&include_restricted=custom-b2b-"
                       "enterprise,custom-b2c"),
            (std::set<std::string>{"custom-b2b-enterprise", "custom-b2c",
                                   "nested:custom-b2b-enterprise",
                                   "nested:custom-b2c"}));
}

}  // namespace
}  // namespace ec::stub
