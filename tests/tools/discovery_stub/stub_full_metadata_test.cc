// /api/v1/courses/ and /api/v1/programs/ as the full-metadata pass calls
// them, search/all's include_modified, and the mutations' effect on them.
// Their faults and counters are in stub_full_metadata_fault_test.cc, the
// inclusion-rule content of the catalog in stub_inclusion_content_test.cc.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/full_metadata_test_support.h"
#include "tools/discovery_stub/params.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

using nlohmann::json;

TEST_F(FullMetadataTest, CoursesAgreeWithSearchAllForEveryCourse) {
  const auto search = SearchAll(kEverything, R"({"content_type": "course"})");
  const auto run_docs =
      SearchAll(kEverything, R"({"content_type": "courserun"})");
  const auto full = Courses(kAllRuns);
  size_t courses = 0, runs = 0, runs_with_doc = 0;
  for (const auto& [key, doc] : search) {
    // Only the site partner's courses (edx, not mitxpro).
    ASSERT_EQ(full.contains(key), OnSite(key)) << key;
    if (!OnSite(key)) continue;
    ++courses;
    const json& c = full.at(key);
    EXPECT_EQ(c["uuid"], doc["uuid"]) << key;
    EXPECT_EQ(c["title"], doc["title"]) << key;
    EXPECT_EQ(c["course_type"], doc["course_type"]) << key;
    EXPECT_EQ(c["product_source"]["slug"], doc["product_source"]) << key;
    EXPECT_EQ(c["full_description"], doc["full_description"]) << key;
    EXPECT_EQ(c["short_description"], doc["short_description"]) << key;
    EXPECT_EQ(c["card_image_url"], doc["card_image_url"]) << key;
    EXPECT_EQ(c["image"]["src"], doc["image_url"]) << key;
    EXPECT_EQ(c["skill_names"], doc["skill_names"]) << key;
    std::vector<std::string> subjects;
    for (const json& s : c["subjects"]) subjects.push_back(s["name"]);
    EXPECT_EQ(json(subjects), doc["subjects"]) << key;
    // Every run (restricted and hidden ones asked for), in the same order.
    ASSERT_EQ(c["course_runs"].size(), doc["course_runs"].size()) << key;
    for (size_t i = 0; i < c["course_runs"].size(); ++i) {
      const json& fr = c["course_runs"][i];
      const json& sr = doc["course_runs"][i];
      ++runs;
      for (const char* field :
           {"key", "start", "end", "enrollment_start", "enrollment_end",
            "go_live_date", "status", "availability", "pacing_type", "modified",
            "is_enrollable", "restriction_type", "weeks_to_complete",
            "min_effort", "max_effort", "estimated_hours"}) {
        EXPECT_EQ(fr[field], sr[field]) << fr["key"] << " " << field;
      }
      // search/all writes the fixed price as a float, DRF as a decimal.
      if (sr["fixed_price_usd"].is_null()) {
        EXPECT_TRUE(fr["fixed_price_usd"].is_null()) << fr["key"];
      } else {
        EXPECT_EQ(std::stod(fr["fixed_price_usd"].get<std::string>()),
                  sr["fixed_price_usd"].get<double>())
            << fr["key"];
      }
      EXPECT_EQ(fr["course"], key);
      EXPECT_EQ(fr["full_description"], doc["full_description"]);
      if (!run_docs.contains(fr["key"])) continue;
      ++runs_with_doc;
      const json& rd = run_docs.at(fr["key"]);
      EXPECT_EQ(fr["marketing_url"], rd["marketing_url"]);
      EXPECT_EQ(fr["first_enrollable_paid_seat_price"],
                rd["first_enrollable_paid_seat_price"]);
      EXPECT_EQ(fr["type"], rd["type"]);
      std::vector<std::string> seat_types;
      bool sku_found = false;
      for (const json& seat : fr["seats"]) {
        seat_types.push_back(seat["type"]);
        sku_found =
            sku_found || seat["sku"] == rd["first_enrollable_paid_seat_sku"];
        EXPECT_EQ(seat["currency"], "USD");
        EXPECT_EQ(seat["price"].get<std::string>().find('.'),
                  seat["price"].get<std::string>().size() - 3);
      }
      EXPECT_EQ(json(seat_types), rd["seat_types"]) << fr["key"];
      EXPECT_TRUE(rd["first_enrollable_paid_seat_sku"].is_null() || sku_found)
          << fr["key"];
      const std::string url = rd["marketing_url"];
      EXPECT_EQ(url.substr(0, url.find('?')), c["marketing_url"]);
    }
  }
  EXPECT_EQ(courses, full.size());
  EXPECT_GT(courses, 100u);
  EXPECT_GT(runs, 300u);
  EXPECT_GT(runs_with_doc, 250u);
}

TEST_F(FullMetadataTest, DefaultRunsLeaveOutHiddenAndRestrictedRuns) {
  const auto all = Courses(kAllRuns);
  const auto served = Courses("");
  const auto b2c = Courses("include_restricted=custom-b2c");
  ASSERT_EQ(all.size(), served.size());
  int left_out = 0;
  for (const auto& [key, c] : all) {
    std::vector<std::string> expected, expected_b2c;
    for (const json& r : c["course_runs"]) {
      const bool hidden = r["hidden"];
      const bool restricted = !r["restriction_type"].is_null();
      if (!hidden && !restricted) expected.push_back(r["key"]);
      if (!hidden && (!restricted || r["restriction_type"] == "custom-b2c")) {
        expected_b2c.push_back(r["key"]);
      }
    }
    left_out += static_cast<int>(c["course_runs"].size() - expected.size());
    EXPECT_EQ(served.at(key)["course_runs"].size(), expected.size()) << key;
    EXPECT_EQ(served.at(key)["course_run_keys"], json(expected)) << key;
    EXPECT_EQ(b2c.at(key)["course_run_keys"], json(expected_b2c)) << key;
  }
  EXPECT_GT(left_out, 10);
}

TEST_F(FullMetadataTest, AdvertisedRunEntitlementsAndExternalCourses) {
  int advertised = 0, exec_ed = 0, emeritus = 0, verified = 0;
  for (const auto& [key, c] : Courses("")) {
    if (!c["advertised_course_run_uuid"].is_null()) {
      ++advertised;
      int matches = 0;
      for (const json& r : c["course_runs"]) {
        if (r["uuid"] != c["advertised_course_run_uuid"]) continue;
        ++matches;
        EXPECT_TRUE(r["is_enrollable"].get<bool>()) << key;
        EXPECT_NE(r["availability"], "Archived") << key;
      }
      EXPECT_EQ(matches, 1) << key;
    }
    const json& entitlements = c["entitlements"];
    if (c["course_type"] == "executive-education-2u") {
      ++exec_ed;
      ASSERT_EQ(entitlements.size(), 1u) << key;
      EXPECT_EQ(entitlements[0]["mode"], "paid-executive-education");
      EXPECT_FALSE(entitlements[0]["sku"].get<std::string>().empty());
      for (const json& r : c["course_runs"]) {
        EXPECT_EQ(r["fixed_price_usd"], entitlements[0]["price"]) << key;
      }
      EXPECT_TRUE(c["additional_metadata"].is_object()) << key;
      if (c["product_source"]["slug"] == "emeritus") ++emeritus;
    } else if (c["course_type"] == "verified-audit" && !entitlements.empty()) {
      ++verified;
      EXPECT_EQ(entitlements[0]["mode"], "verified");
      EXPECT_EQ(entitlements[0]["currency"], "USD");
    }
    EXPECT_EQ(c["owners"].size(), 1u);
    EXPECT_EQ(c["owners"][0]["key"], key.substr(0, key.find('+')));
  }
  EXPECT_GT(advertised, 50);
  EXPECT_GT(exec_ed, 0);
  EXPECT_GT(emeritus, 0);
  EXPECT_GT(verified, 20);
}

TEST_F(FullMetadataTest, NestedProgramsAgreeWithProgramsEndpoint) {
  const auto full = Courses("");
  const json programs = GetJson("/api/v1/programs/?limit=1000&extended=True");
  ASSERT_GT(programs["results"].size(), 3u);
  std::map<std::string, std::set<std::string>> programs_of;
  for (const json& p : programs["results"]) {
    if (p["status"] == "deleted") continue;
    for (const json& c : p["courses"]) {
      programs_of[c["key"]].insert(p["uuid"].get<std::string>());
    }
  }
  int nested = 0;
  for (const auto& [key, c] : full) {
    std::set<std::string> site_programs;
    for (const json& p : c["programs"]) {
      ++nested;
      EXPECT_EQ(p["marketing_url"].get<std::string>().substr(
                    p["marketing_url"].get<std::string>().rfind('/') + 1),
                p["marketing_slug"]);
      EXPECT_GE(p["number_of_courses"].get<int>(), 1);
      EXPECT_FALSE(p["type_attrs"]["slug"].get<std::string>().empty());
      for (const json& q : programs["results"]) {
        if (q["uuid"] == p["uuid"]) {
          site_programs.insert(p["uuid"].get<std::string>());
          EXPECT_EQ(p["title"], q["title"]);
          EXPECT_EQ(p["type"], q["type"]);
          EXPECT_EQ(p["type_attrs"], q["type_attrs"]);
        }
      }
    }
    EXPECT_EQ(site_programs, programs_of[key]) << key;
  }
  EXPECT_GT(nested, 10);
}

TEST_F(FullMetadataTest, ProgramsAgreeWithSearchAll) {
  const auto search = SearchAll(kEverything, R"({"content_type": "program"})");
  std::vector<std::string> uuids;
  for (const auto& [uuid, doc] : search) uuids.push_back(uuid);
  uuids.push_back("00000000-0000-4000-8000-000000000000");  // unknown
  const json page = GetJson("/api/v1/programs/?uuids=" + Encoded(uuids) +
                            "&ordering=key&limit=200&extended=True");
  std::map<std::string, json> got;
  for (const json& p : page["results"]) got[p["uuid"]] = p;
  int site = 0;
  for (const auto& [uuid, doc] : search) {
    ASSERT_EQ(got.contains(uuid), doc["partner"] == "edx") << uuid;
    if (!got.contains(uuid)) continue;
    ++site;
    const json& p = got.at(uuid);
    for (const char* field : {"title", "subtitle", "type", "marketing_url",
                              "status", "hidden", "card_image_url"}) {
      EXPECT_EQ(p[field], doc[field]) << uuid << " " << field;
    }
    std::vector<std::string> org_uuids;
    for (const json& o : p["authoring_organizations"])
      org_uuids.push_back(o["uuid"]);
    EXPECT_EQ(json(org_uuids), doc["authoring_organization_uuids"]);
    EXPECT_EQ(p["is_program_eligible_for_one_click_purchase"],
              doc["is_program_eligible_for_one_click_purchase"]);
    EXPECT_FALSE(p["courses"].empty()) << uuid;
    for (const json& c : p["courses"]) {
      EXPECT_FALSE(c.contains("full_description"));  // minimal courses
      for (const json& r : c["course_runs"]) {
        EXPECT_FALSE(r.contains("staff"));  // minimal runs
        EXPECT_TRUE(r.contains("seats"));
      }
    }
  }
  EXPECT_EQ(page["count"], site);
  EXPECT_GT(site, 5);
  EXPECT_TRUE(page["next"].is_null());
}

TEST_F(FullMetadataTest, LimitOffsetPagingFollowsNext) {
  std::vector<std::string> expected;
  for (const auto& [key, c] : Courses("")) expected.push_back(key);
  ASSERT_GT(expected.size(), 40u);
  std::vector<std::string> got;
  std::string url = "/api/v1/courses/?ordering=key&limit=7";
  const std::string base = stub_->base_url();
  int pages = 0;
  json previous_link;
  while (!url.empty()) {
    const json page = GetJson(url);
    EXPECT_EQ(page["count"], expected.size());
    ASSERT_LE(page["results"].size(), 7u);
    for (const json& c : page["results"]) got.push_back(c["key"]);
    if (pages == 0) {
      EXPECT_TRUE(page["previous"].is_null());
    }
    if (pages == 1) {
      EXPECT_EQ(page["previous"],
                base + "/api/v1/courses/?limit=7&ordering=key");
    }
    if (pages == 2) {
      EXPECT_EQ(page["previous"],
                base + "/api/v1/courses/?limit=7&offset=7&ordering=key");
    }
    ++pages;
    if (page["next"].is_null()) break;
    url = page["next"].get<std::string>().substr(base.size());
  }
  EXPECT_EQ(got, expected);  // every course once, by key
  EXPECT_EQ(pages, static_cast<int>((expected.size() + 6) / 7));
  EXPECT_EQ(GetJson("/api/v1/courses/?limit=7")["next"],
            base + "/api/v1/courses/?limit=7&offset=7");
  // The default limit is 20, and 0, negative or junk limits fall back to it.
  for (const char* limit : {"", "&limit=0", "&limit=-3", "&limit=x"}) {
    EXPECT_EQ(
        GetJson(std::string("/api/v1/courses/?ordering=key") + limit)["results"]
            .size(),
        20u)
        << limit;
  }
  // Past the end: no results, no next, a previous.
  const json beyond = GetJson("/api/v1/courses/?limit=5&offset=100000");
  EXPECT_TRUE(beyond["results"].empty());
  EXPECT_TRUE(beyond["next"].is_null());
  EXPECT_EQ(beyond["previous"], base + "/api/v1/courses/?limit=5&offset=99995");
  // -key reverses the order.
  const json reversed = GetJson("/api/v1/courses/?ordering=-key&limit=3");
  EXPECT_EQ(reversed["results"][0]["key"], expected.back());
}

TEST_F(FullMetadataTest, KeysAndUuidsFilters) {
  const auto all = Courses("");
  std::vector<std::string> keys;
  for (const auto& [key, c] : all) keys.push_back(key);
  const std::string a = keys[3], b = keys[17], c = keys[40];
  // Encoded as the client encodes them (%2B, %3A, %2C), with unknown keys.
  const std::vector<std::string> asked = {c, "course-v1:edX+Nope+1T2020", a,
                                          "no+such", b};
  const json page = GetJson("/api/v1/courses/?keys=" + Encoded(asked) +
                            "&ordering=key&limit=200");
  EXPECT_EQ(page["count"], 3);
  EXPECT_EQ(OrderedKeysOf(page), (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(page["results"][0], all.at(a));
  // A literal comma separates as well as %2C; a raw '+' decodes to a space.
  const std::string raw_a = QuotePlus(a);
  EXPECT_EQ(
      GetJson("/api/v1/courses/?keys=" + raw_a + "," + QuotePlus(b))["count"],
      2);
  EXPECT_EQ(GetJson("/api/v1/courses/?keys=" + a)["count"], 0);
  // uuids, alone and with keys (both must hold).
  const std::string uuid_b = all.at(b)["uuid"];
  EXPECT_EQ(OrderedKeysOf(GetJson("/api/v1/courses/?uuids=" + uuid_b)),
            std::vector<std::string>{b});
  EXPECT_EQ(GetJson("/api/v1/courses/?keys=" + Encoded({a, b}) +
                    "&uuids=" + uuid_b)["count"],
            1);
  // An empty value is no filter.
  EXPECT_EQ(GetJson("/api/v1/courses/?keys=")["count"], all.size());
  // A mitxpro course is not on the site.
  for (const auto& [key, doc] : SearchAll(
           kEverything, R"({"content_type": "course", "org": "MITxPRO"})")) {
    EXPECT_EQ(GetJson("/api/v1/courses/?keys=" + QuotePlus(key))["count"], 0);
  }
}

TEST_F(FullMetadataTest, AuthenticationAndMethods) {
  for (const char* path : {"/api/v1/courses/?limit=1", "/api/v1/programs/"}) {
    const HttpResponse missing = Get(path, "");
    EXPECT_EQ(missing.status, 401) << path;
    EXPECT_EQ(missing.Header("WWW-Authenticate"), R"(JWT realm="api")");
    EXPECT_EQ(json::parse(missing.body)["detail"],
              "Authentication credentials were not provided.");
    EXPECT_EQ(Get(path, "JWT not-a-token").status, 401) << path;
    EXPECT_EQ(Get(path, "Bearer " + token_).status, 401) << path;
    EXPECT_EQ(Get(path).status, 200) << path;
    auto post =
        client_->Send("POST", path, "{}", {{"Authorization", "JWT " + token_}});
    ASSERT_TRUE(post.ok());
    EXPECT_EQ(post->status, 405) << path;
  }
}

TEST_F(FullMetadataTest, IncludeModifiedMatchesCoursesModified) {
  const auto full = Courses("");
  for (const char* flag : {"include_modified=True", "include_modified=true"}) {
    const auto search = SearchAll(Cat(kEverything, "&", flag),
                                  R"({"content_type": ["course", "program"]})");
    int courses = 0;
    for (const auto& [key, doc] : search) {
      if (doc["content_type"] != "course") {
        EXPECT_FALSE(doc.contains("modified")) << key;
        continue;
      }
      ASSERT_TRUE(doc.contains("modified")) << key;
      EXPECT_FALSE(doc.contains("outcome")) << key;  // not detail_fields
      if (OnSite(key)) {
        EXPECT_EQ(doc["modified"], full.at(key)["modified"]) << key;
        ++courses;
      }
    }
    EXPECT_GT(courses, 100);
  }
  for (const char* flag : {"", "&include_modified=1", "&include_modified=no"}) {
    for (const auto& [key, doc] :
         SearchAll(Cat(kEverything, flag), R"({"content_type": "course"})")) {
      EXPECT_FALSE(doc.contains("modified")) << key << flag;
    }
  }
  // detail_fields carries the same value.
  for (const auto& [key, doc] :
       SearchAll(kEverything,
                 R"({"content_type": "course", "detail_fields": "1"})")) {
    if (OnSite(key)) {
      EXPECT_EQ(doc.value("modified", json()), full.at(key)["modified"]);
    }
  }
}

TEST_F(FullMetadataTest, MutateFractionChangesCoursesAndProgramsToo) {
  const auto courses_before = Courses("");
  const json programs_before = GetJson("/api/v1/programs/?limit=1000");
  const Keys members = Filter(kDefaultFilter);
  const std::vector<std::string> changed = stub_->MutateFraction(0.3, 5);
  const Keys changed_set(changed.begin(), changed.end());
  const auto courses_after = Courses("");
  const auto search = SearchAll(Cat(kEverything, "&include_modified=true"),
                                R"({"content_type": ["course", "program"]})");
  int changed_courses = 0;
  for (const auto& [key, before] : courses_before) {
    const json& after = courses_after.at(key);
    EXPECT_EQ(after["modified"], search.at(key).value("modified", json()))
        << key;
    EXPECT_EQ(after["full_description"], search.at(key)["full_description"]);
    if (!changed_set.contains(key)) {
      EXPECT_EQ(after, before) << key;
      continue;
    }
    ++changed_courses;
    EXPECT_NE(after["full_description"], before["full_description"]) << key;
    EXPECT_GT(after["modified"].get<std::string>(),
              before["modified"].get<std::string>())
        << key;
    EXPECT_EQ(after["course_runs"].size(), before["course_runs"].size());
  }
  EXPECT_GT(changed_courses, 10);
  int changed_programs = 0;
  const json programs_after = GetJson("/api/v1/programs/?limit=1000");
  ASSERT_EQ(programs_after["count"], programs_before["count"]);
  for (size_t i = 0; i < programs_after["results"].size(); ++i) {
    const json& after = programs_after["results"][i];
    const std::string uuid = after["uuid"];
    EXPECT_EQ(after["subtitle"], search.at(uuid)["subtitle"]) << uuid;
    EXPECT_EQ(after["subtitle"] != programs_before["results"][i]["subtitle"],
              changed_set.contains(uuid))
        << uuid;
    changed_programs += changed_set.contains(uuid) ? 1 : 0;
  }
  EXPECT_GT(changed_programs, 0);
  EXPECT_EQ(Filter(kDefaultFilter), members);
  // A second mutation moves modified again.
  stub_->MutateFraction(0.3, 5);
  const std::string key = *std::find_if(
      changed.begin(), changed.end(),
      [&](const std::string& k) { return courses_before.contains(k); });
  EXPECT_GT(Courses("").at(key)["modified"].get<std::string>(),
            courses_after.at(key)["modified"].get<std::string>());
}

TEST_F(FullMetadataTest, MutateCoursesChangesExactlyThoseCourses) {
  const auto before = Courses("");
  const auto search_before =
      SearchAll(kEverything, R"({"content_type": "course"})");
  const Keys members = Filter(kDefaultFilter);
  std::vector<std::string> keys;
  for (const auto& [key, c] : before) keys.push_back(key);
  const std::string a = keys[2], b = keys[9];
  const std::vector<std::string> got = stub_->MutateCourses(
      {b, "no+such", a, "course-v1:" + a.substr(0) + "+1T2026"});
  EXPECT_EQ(got, (std::vector<std::string>{a, b}));
  const auto after = Courses("");
  const auto search_after = SearchAll(Cat(kEverything, "&include_modified=1"),
                                      R"({"content_type": "course"})");
  for (const auto& [key, c] : before) {
    const bool mutated = key == a || key == b;
    EXPECT_EQ(after.at(key) != c, mutated) << key;
    EXPECT_EQ(search_after.at(key) != search_before.at(key), mutated) << key;
    if (mutated) {
      EXPECT_GT(after.at(key)["modified"].get<std::string>(),
                c["modified"].get<std::string>());
      EXPECT_NE(after.at(key)["full_description"], c["full_description"]);
    }
  }
  EXPECT_EQ(Filter(kDefaultFilter), members);
  // The control endpoint: a JSON list, or {"keys": [...]}.
  HttpResponse r =
      Control("POST", "/_stub/mutate_courses", json({a, "nope"}).dump());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["keys"], json({a}));
  r = Control("POST", "/_stub/mutate_courses", json({{"keys", {b}}}).dump());
  EXPECT_EQ(json::parse(r.body)["keys"], json({b}));
  EXPECT_NE(Courses("").at(a)["full_description"],
            after.at(a)["full_description"]);
  EXPECT_EQ(
      Control("POST", "/_stub/mutate_courses", R"({"fraction": 1})").status,
      400);
  EXPECT_EQ(Control("POST", "/_stub/mutate_courses", "[1, 2]").status, 400);
}

}  // namespace
}  // namespace ec::stub
