#include "domain/content_merge.h"

#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

// Cases marked "Django:" are the inputs and expectations of the Django
// service's own tests (catalog/tests/test_models.py, api/tests/test_tasks.py,
// catalog/tests/test_content_metadata_utils.py).
namespace ec {
namespace {

using domain::Json;

Json Parse(std::string_view text) { return Json::parse(text); }

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

TEST(PythonTruthyTest, MatchesPython) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"null", false},
      {"false", false},
      {"true", true},
      {"0", false},
      {"-0", false},
      {"0.0", false},
      {"-0.0", false},
      {"1", true},
      {"-1", true},
      {"0.5", true},
      {"1e-300", true},
      {"\"\"", false},
      {"\" \"", true},
      {"\"0\"", true},
      {"\"0.00\"", true},
      {"\"false\"", true},
      {"[]", false},
      {"[null]", true},
      {"{}", false},
      {"{\"a\":null}", true},
      {"18446744073709551615", true},
  };
  for (const auto& [text, truthy] : cases) {
    EXPECT_EQ(domain::PythonTruthy(Parse(text)), truthy) << text;
  }
  EXPECT_FALSE(domain::PythonTruthy(Json()));
}

TEST(StripPythonWhitespaceTest, StripsUnicodeWhitespace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"  a b  ", "a b"},
      {"\t\n\v\f\ra\r\n", "a"},
      {"\x1c\x1d\x1e\x1f"
       "a\x1f",
       "a"},
      {"\xc2\xa0"
       "a\xc2\x85",
       "a"},  // U+00A0, U+0085
      {"\xe3\x80\x80"
       "a\xe2\x80\x8a",
       "a"},  // U+3000, U+200A
      {"\xe2\x80\xa8\xe2\x80\xa9"
       "a\xe2\x80\xaf",
       "a"},  // U+2028/9, U+202F
      {"\xe1\x9a\x80"
       "a\xe2\x81\x9f",
       "a"},  // U+1680, U+205F
      {"\xe2\x80\x8b"
       "a",
       "\xe2\x80\x8b"
       "a"},  // U+200B is not space
      {"\xc2\xa1", "\xc2\xa1"},
      {"   ", ""},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_EQ(domain::StripPythonWhitespace(text), expected) << text;
  }
}

TEST(CourseFieldsFromSearchTest, IsDjangosPluckListThenModified) {
  EXPECT_EQ(
      std::vector<std::string_view>(std::begin(domain::kCourseFieldsFromSearch),
                                    std::end(domain::kCourseFieldsFromSearch)),
      (std::vector<std::string_view>{"aggregation_key", "content_type",
                                     "seat_types", "end_date", "course_ends",
                                     "languages", "modified"}));
}

struct ModifiedCase {
  std::string name;
  std::string stored;  // JSON value of stored "modified", or "" for absent
  std::string entry;   // JSON value of entry "modified", or "" for absent
  bool same;
};

Json WithModified(const std::string& modified) {
  Json document = Parse(R"({"title": "t"})");
  if (!modified.empty()) document["modified"] = Parse(modified);
  return document;
}

TEST(SameDiscoveryModifiedTest, ComparesInstants) {
  const std::vector<ModifiedCase> cases = {
      // Django: TestShouldSkipCourseUpdate, the six course rows (the two
      // program rows test the caller's content-type gate).
      {"course_unchanged_modified", R"("2024-01-01T00:00:00Z")",
       R"("2024-01-01T00:00:00Z")", true},
      {"course_changed_modified", R"("2024-01-01T00:00:00Z")",
       R"("2024-02-01T00:00:00Z")", false},
      {"course_no_existing_modified", "", R"("2024-02-01T00:00:00Z")", false},
      {"course_no_new_modified", R"("2024-01-01T00:00:00Z")", "", false},
      {"course_tz_format_diff", R"("2024-10-21T20:31:23.006470Z")",
       R"("2024-10-21T20:31:23.006470+00:00")", true},
      {"course_tz_format_no_micro", R"("2024-10-21T20:31:23Z")",
       R"("2024-10-21T20:31:23+00:00")", true},
      // Instants, not text.
      {"offsets name the same instant", R"("2024-01-01T02:30:00+02:30")",
       R"("2024-01-01T00:00:00Z")", true},
      {"negative offset", R"("2023-12-31T19:00:00-05:00")",
       R"("2024-01-01T00:00:00+00:00")", true},
      {"offset with seconds and fraction",
       R"("2024-01-01T00:00:01.5+00:00:01.5")", R"("2024-01-01T00:00:00Z")",
       true},
      {"offset hours only", R"("2024-01-01T05:00:00+05")",
       R"("2024-01-01T00:00:00Z")", true},
      {"-00:00 is UTC", R"("2024-01-01T00:00:00-00:00")",
       R"("2024-01-01T00:00:00Z")", true},
      {"fraction digits", R"("2024-01-01T00:00:00.5Z")",
       R"("2024-01-01T00:00:00.500000Z")", true},
      {"comma fraction", R"("2024-01-01T00:00:00,25Z")",
       R"("2024-01-01T00:00:00.25Z")", true},
      {"digits past microseconds are dropped",
       R"("2024-01-01T00:00:00.1234567Z")", R"("2024-01-01T00:00:00.123456Z")",
       true},
      {"microseconds differ", R"("2024-01-01T00:00:00.000001Z")",
       R"("2024-01-01T00:00:00Z")", false},
      {"surrounding whitespace", R"(" 2024-01-01T00:00:00Z\n")",
       R"("2024-01-01T00:00:00+00:00")", true},
      {"space separator", R"("2024-01-01 00:00:00Z")",
       R"("2024-01-01T00:00:00Z")", true},
      {"minutes only", R"("2024-01-01T10:30")", R"("2024-01-01T10:30:00")",
       true},
      {"hours only", R"("2024-01-01T10")", R"("2024-01-01T10:00:00")", true},
      {"date is naive midnight", R"("2024-01-01")", R"("2024-01-01T00:00:00")",
       true},
      {"naive equals naive", R"("2024-01-01T00:00:00")",
       R"("2024-01-01T00:00:00")", true},
      // Aware and naive never compare equal (Python: False, no error).
      {"aware vs naive", R"("2024-01-01T00:00:00Z")",
       R"("2024-01-01T00:00:00")", false},
      {"date vs aware midnight", R"("2024-01-01")", R"("2024-01-01T00:00:00Z")",
       false},
      {"leap day", R"("2024-02-29T00:00:00Z")", R"("2024-02-29T00:00:00Z")",
       true},
      {"day after leap day differs", R"("2024-03-01T00:00:00Z")",
       R"("2024-02-29T00:00:00Z")", false},
      {"year boundary", R"("1999-12-31T23:59:59.999999-00:00")",
       R"("2000-01-01T00:00:00Z")", false},
      {"midnight crossing offset", R"("1999-12-31T23:00:00-01:00")",
       R"("2000-01-01T00:00:00Z")", true},
      // Unparsable on either side: never the same.
      {"invalid day", R"("2023-02-29T00:00:00Z")", R"("2023-02-29T00:00:00Z")",
       false},
      {"month 13", R"("2024-13-01")", R"("2024-13-01")", false},
      {"year 0", R"("0000-01-01")", R"("0000-01-01")", false},
      {"hour 24", R"("2024-01-01T24:00:00")", R"("2024-01-01T24:00:00")",
       false},
      {"second 60", R"("2024-01-01T00:00:60Z")", R"("2024-01-01T00:00:60Z")",
       false},
      {"offset of 24 hours", R"("2024-01-01T00:00:00+24:00")",
       R"("2024-01-01T00:00:00+24:00")", false},
      {"empty fraction", R"("2024-01-01T00:00:00.Z")",
       R"("2024-01-01T00:00:00Z")", true},
      {"empty time", R"("2024-01-01T")", R"("2024-01-01T")", false},
      {"basic format", R"("20240101")", R"("20240101")", false},
      {"garbage", R"("yesterday")", R"("yesterday")", false},
      {"empty strings", R"("")", R"("")", false},
      {"lower-case z", R"("2024-01-01T00:00:00z")", R"("2024-01-01T00:00:00z")",
       false},
      {"non-strings", "1704067200", "1704067200", false},
      {"nulls", "null", "null", false},
  };
  for (const ModifiedCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(domain::SameDiscoveryModified(WithModified(c.stored),
                                            WithModified(c.entry)),
              c.same);
    // Symmetric.
    EXPECT_EQ(domain::SameDiscoveryModified(WithModified(c.entry),
                                            WithModified(c.stored)),
              c.same);
  }
  EXPECT_FALSE(domain::SameDiscoveryModified(Parse("null"), Parse("[]")));
}

struct MergeCase {
  std::string name;
  std::string stored;
  std::string entry;
  std::string entry_type;
  std::string expected;  // compact JSON, member order checked
  bool changed;
};

TEST(MergeSearchEntryTest, Cases) {
  const std::vector<MergeCase> cases = {
      // Django: test_contentmetadata_update_from_discovery, second pass: a
      // trimmed course gets its aggregation_key back.
      {"course regains aggregation_key",
       R"({"key": "edX+testX", "title": "test course"})",
       R"({"aggregation_key": "course:edX+testX", "key": "edX+testX",
           "title": "test course"})",
       "course",
       R"({"key":"edX+testX","title":"test course",)"
       R"("aggregation_key":"course:edX+testX"})",
       true},
      // Only the plucked members, and only truthy ones.
      {"course takes truthy plucked members only",
       R"({"title": "old", "seat_types": ["verified"], "end_date": "2025",
           "subjects": [{"name": "Math"}]})",
       R"({"title": "new", "seat_types": [], "end_date": null,
           "languages": ["English"], "course_ends": "Future",
           "subjects": [], "modified": "2024-06-15T10:30:00Z",
           "content_type": "course", "aggregation_key": ""})",
       "course",
       R"({"title":"old","seat_types":["verified"],"end_date":"2025",)"
       R"("subjects":[{"name":"Math"}],"content_type":"course",)"
       R"("course_ends":"Future","languages":["English"],)"
       R"("modified":"2024-06-15T10:30:00Z"})",
       true},
      {"new members follow the pluck order, not the entry's", R"({})",
       R"({"modified": "m", "languages": ["en"], "aggregation_key": "course:x"})",
       "course",
       R"({"aggregation_key":"course:x","languages":["en"],"modified":"m"})",
       true},
      {"existing members keep their position",
       R"({"a": 1, "seat_types": ["audit"], "b": 2})",
       R"({"seat_types": ["verified"]})", "course",
       R"({"a":1,"seat_types":["verified"],"b":2})", true},
      {"nothing truthy: untouched", R"({"a": 1})",
       R"({"seat_types": [], "end_date": null, "modified": "", "title": "x"})",
       "course", R"({"a":1})", false},
      {"same values: unchanged", R"({"seat_types": ["a"], "modified": "m"})",
       R"({"seat_types": ["a"], "modified": "m"})", "course",
       R"({"seat_types":["a"],"modified":"m"})", false},
      // Any other type: the whole entry, falsy values included, keys never
      // deleted.
      {"run takes the whole entry",
       R"({"key": "r", "end": "2025", "extra": true})",
       R"({"end": null, "title": "", "key": "r"})", "courserun",
       R"({"key":"r","end":null,"extra":true,"title":""})", true},
      {"program takes the whole entry", R"({"uuid": "p", "title": "old"})",
       R"({"title": "new", "aggregation_key": "program:p"})", "program",
       R"({"uuid":"p","title":"new","aggregation_key":"program:p"})", true},
      {"empty type is not course", R"({"a": 1})", R"({"b": null})", "",
       R"({"a":1,"b":null})", true},
      {"type match is exact", R"({"a": 1})", R"({"b": null})", "Course",
       R"({"a":1,"b":null})", true},
      {"identical entry: unchanged", R"({"a": 1, "b": [1, {"c": 2}]})",
       R"({"b": [1, {"c": 2}], "a": 1})", "program",
       R"({"a":1,"b":[1,{"c":2}]})", false},
      // Changes are judged on the serialization.
      {"int to float is a change", R"({"p": 1})", R"({"p": 1.0})", "program",
       R"({"p":1.0})", true},
      {"reordered object is a change", R"({"o": {"a": 1, "b": 2}})",
       R"({"o": {"b": 2, "a": 1}})", "program", R"({"o":{"b":2,"a":1}})", true},
      {"-0.0 vs 0.0 is a change", R"({"p": 0.0})", R"({"p": -0.0})", "program",
       R"({"p":-0.0})", true},
      {"huge unsigned vs -1 is a change", R"({"p": -1})",
       R"({"p": 18446744073709551615})", "program",
       R"({"p":18446744073709551615})", true},
      // Shapes Django cannot have.
      {"non-object entry merges nothing", R"({"a": 1})", R"([["a", 2]])",
       "program", R"({"a":1})", false},
      {"null stored becomes an object", "null", R"({"a": 1})", "program",
       R"({"a":1})", true},
      {"null stored stays null when nothing merges", "null",
       R"({"seat_types": []})", "course", "null", false},
  };
  for (const MergeCase& c : cases) {
    SCOPED_TRACE(c.name);
    Json stored = Parse(c.stored);
    const Json entry = Parse(c.entry);
    EXPECT_EQ(domain::MergeSearchEntry(stored, entry, c.entry_type), c.changed);
    EXPECT_EQ(stored.dump(), c.expected);
  }
}

TEST(MergeSearchEntryTest, MergingTwiceChangesNothingTheSecondTime) {
  Json stored = Parse(R"({"key": "k"})");
  const Json entry =
      Parse(R"({"aggregation_key": "course:k", "seat_types": ["verified"],
                "modified": "2024-01-01T00:00:00Z"})");
  EXPECT_TRUE(domain::MergeSearchEntry(stored, entry, "course"));
  EXPECT_FALSE(domain::MergeSearchEntry(stored, entry, "course"));
  EXPECT_FALSE(domain::MergeSearchEntry(stored, stored, "program"));
}

// A course row as stored before the full pass: search/all's document.
Json SearchAllCourse(const std::string& key) {
  Json course = Parse(R"({"aggregation_key": "", "key": "",
    "title": "Fake Content Title", "seat_types": ["verified"],
    "end_date": "2030-01-01T00:00:00Z", "languages": ["English"],
    "subjects": ["Computer Science"],
    "normalized_metadata": {"enroll_by_date": "2026-01-26T23:59:59Z"}})");
  course["aggregation_key"] = Cat({"course:", key});
  course["key"] = key;
  return course;
}

TEST(MergeFullCourseTest, DjangoUpdateFullMetadata) {
  const std::string program_key = "02f5edeb-6604-4131-bf45-acd8df91e1f9";
  const Json program_data = Parse(
      R"({"uuid": "02f5edeb-6604-4131-bf45-acd8df91e1f9",
          "full_program_only_field": "test_1"})");

  // Course 1: no programs.
  Json stored1 = SearchAllCourse("edX+fakeX");
  const Json full1 = Parse(R"({"key": "edX+fakeX",
    "full_course_only_field": "test_1", "programs": []})");
  EXPECT_TRUE(domain::MergeFullCourse(stored1, full1).empty());
  EXPECT_EQ(stored1["aggregation_key"], "course:edX+fakeX");
  EXPECT_EQ(stored1["full_course_only_field"], "test_1");
  EXPECT_EQ(stored1["programs"].dump(), "[]");

  // Course 2: one program, which comes back tagged and is tagged in place.
  Json stored2 = SearchAllCourse("edX+testX");
  Json full2 = Parse(R"({"key": "edX+testX",
    "full_course_only_field": "test_2", "programs": [],
    "advertised_course_run_uuid": "run-2",
    "course_runs": [{"uuid": "run-2", "key": "course-v1:edX+testX+1",
      "start": "2023-03-01T00:00:00Z", "end": "2023-03-01T00:00:00Z",
      "first_enrollable_paid_seat_price": null,
      "seats": [{"type": "verified",
                 "upgrade_deadline": "2023-03-15T00:00:00Z"}],
      "enrollment_start": "2023-02-01T00:00:00Z"}]})");
  full2["programs"].push_back(program_data);
  const std::vector<Json> programs = domain::MergeFullCourse(stored2, full2);
  const std::string tagged =
      R"({"uuid":"02f5edeb-6604-4131-bf45-acd8df91e1f9",)"
      R"("full_program_only_field":"test_1",)"
      R"("aggregation_key":"program:02f5edeb-6604-4131-bf45-acd8df91e1f9",)"
      R"("content_type":"program"})";
  ASSERT_EQ(programs.size(), 1u);
  EXPECT_EQ(programs[0].dump(), tagged);
  EXPECT_EQ(stored2["programs"].dump(), Cat({"[", tagged, "]"}));
  EXPECT_EQ(stored2["aggregation_key"], "course:edX+testX");
  EXPECT_EQ(stored2["full_course_only_field"], "test_2");
  const std::string normalized2 =
      R"({"start_date":"2023-03-01T00:00:00Z",)"
      R"("end_date":"2023-03-01T00:00:00Z",)"
      R"("enroll_by_date":"2023-03-15T00:00:00Z",)"
      R"("enroll_start_date":"2023-02-01T00:00:00Z","content_price":0.0})";
  EXPECT_EQ(stored2["normalized_metadata"].dump(), normalized2);
  EXPECT_EQ(stored2["normalized_metadata_by_run"].dump(),
            Cat({R"({"course-v1:edX+testX+1":)", normalized2, "}"}));

  // Course 3: the verified seat's deadline, not the earlier professional's.
  Json stored3 = SearchAllCourse("edX+fooX");
  const Json full3 = Parse(R"({"key": "edX+fooX", "programs": [],
    "course_runs": [{"key": "course-v1:edX+fooX+1", "uuid": "run-3",
      "start": "2023-03-01T00:00:00Z", "end": "2023-03-01T00:00:00Z",
      "first_enrollable_paid_seat_price": 90,
      "seats": [{"type": "verified",
                 "upgrade_deadline": "2023-02-01T00:00:00Z"},
                {"type": "professional",
                 "upgrade_deadline": "2022-02-01T00:00:00Z"}],
      "enrollment_start": "2023-02-01T00:00:00Z"}],
    "advertised_course_run_uuid": "run-3"})");
  EXPECT_TRUE(domain::MergeFullCourse(stored3, full3).empty());
  EXPECT_EQ(stored3["normalized_metadata"]["enroll_by_date"],
            "2023-02-01T00:00:00Z");
  EXPECT_EQ(stored3["normalized_metadata"]["content_price"].dump(), "90.0");

  // Course 4: no advertised run.
  Json stored4 = SearchAllCourse("edX+superDuperFakeX");
  stored4["advertised_course_run_uuid"] = nullptr;
  const Json full4 = Parse(R"({"key": "edX+superDuperFakeX",
    "full_course_only_field": "test_4", "programs": [], "course_runs": []})");
  EXPECT_TRUE(domain::MergeFullCourse(stored4, full4).empty());
  EXPECT_EQ(stored4["normalized_metadata"].dump(),
            R"({"start_date":null,"end_date":null,"enroll_by_date":null,)"
            R"("enroll_start_date":null,"content_price":0.0})");
  EXPECT_EQ(stored4["normalized_metadata_by_run"].dump(), "{}");
}

TEST(MergeFullCourseTest, MemberOrderFollowsDictUpdate) {
  Json stored = Parse(R"({"key": "k", "title": "search title",
    "seat_types": ["verified"], "normalized_metadata": null,
    "course_runs": []})");
  const Json full = Parse(R"({"uuid": "u", "title": "full title",
    "course_runs": [{"key": "r", "start": "s"}], "key": "k"})");
  EXPECT_TRUE(domain::MergeFullCourse(stored, full).empty());
  const std::string normalized =
      R"({"start_date":"s","end_date":null,"enroll_by_date":null,)"
      R"("enroll_start_date":null,"content_price":0.0})";
  EXPECT_EQ(stored.dump(),
            Cat({R"({"key":"k","title":"full title","seat_types":["verified"],)"
                 R"("normalized_metadata":)",
                 normalized,
                 R"(,"course_runs":[{"key":"r","start":"s"}],"uuid":"u",)"
                 R"("normalized_metadata_by_run":{"r":)",
                 normalized, "}}"}));
}

struct SubjectsCase {
  std::string name;
  std::string stored_subjects;  // "" for absent
  std::string full_subjects;    // "" for absent
  std::string expected;         // "" for absent
};

TEST(MergeFullCourseTest, SubjectsGuard) {
  const std::vector<SubjectsCase> cases = {
      {"empty list keeps the old subjects", R"(["Math"])", "[]", R"(["Math"])"},
      {"null keeps the old subjects", R"(["Math"])", "null", R"(["Math"])"},
      {"missing keeps the old subjects", R"(["Math"])", "", R"(["Math"])"},
      {"new subjects replace the old", R"(["Math"])",
       R"([{"name": "Physics"}])", R"([{"name":"Physics"}])"},
      {"no old subjects: empty list stored", "", "[]", "[]"},
      {"falsy old subjects are not restored", "[]", "null", "null"},
      {"empty string is falsy too", R"(["Math"])", R"("")", R"(["Math"])"},
      {"neither", "", "", ""},
  };
  for (const SubjectsCase& c : cases) {
    SCOPED_TRACE(c.name);
    Json stored = Parse(R"({"key": "k", "subjects": null, "title": "t"})");
    if (c.stored_subjects.empty()) {
      stored.erase("subjects");
    } else {
      stored["subjects"] = Parse(c.stored_subjects);
    }
    Json full = Parse(R"({"key": "k"})");
    if (!c.full_subjects.empty()) full["subjects"] = Parse(c.full_subjects);
    domain::MergeFullCourse(stored, full);
    if (c.expected.empty()) {
      EXPECT_FALSE(stored.contains("subjects"));
    } else {
      ASSERT_TRUE(stored.contains("subjects"));
      EXPECT_EQ(stored["subjects"].dump(), c.expected);
    }
    // Only subjects is guarded; its position is the stored one.
    if (!c.stored_subjects.empty()) {
      EXPECT_EQ(std::next(stored.begin()).key(), "subjects");
    }
  }
}

TEST(MergeFullCourseTest, ForceIncludedCourseIsShownAsCurrent) {
  // Django: test_transform_course_metadata_to_visible, applied after the
  // merge to a course whose flag the /courses/ document does not carry.
  Json stored = Parse(R"({"key": "k", "enterprise_force_included": "yes"})");
  const Json full = Parse(R"({"key": "k", "advertised_course_run_uuid": "a",
    "course_runs": [
      {"uuid": "a", "key": "r1", "status": "unpublished",
       "availability": "Coming Soon"},
      {"uuid": "b", "key": "r2", "status": "archived"},
      "not a run"],
    "course_run_statuses": ["unpublished", "archived"]})");
  domain::MergeFullCourse(stored, full);
  EXPECT_EQ(stored["enterprise_force_included"].dump(), "true");
  EXPECT_EQ(stored["course_runs"].dump(),
            R"([{"uuid":"a","key":"r1","status":"published",)"
            R"("availability":"Current"},{"uuid":"b","key":"r2",)"
            R"("status":"published","availability":"Current"},"not a run"])");
  EXPECT_EQ(stored["course_run_statuses"].dump(),
            R"(["published","published"])");

  // Without runs, the statuses are empty; Django raises on course_runs null.
  for (const char* runs : {"[]", "null", "{}"}) {
    SCOPED_TRACE(runs);
    Json forced = Parse(R"({"enterprise_force_included": true})");
    Json full_runs = Parse(R"({"key": "k"})");
    full_runs["course_runs"] = Parse(runs);
    domain::MergeFullCourse(forced, full_runs);
    EXPECT_EQ(forced["course_run_statuses"].dump(), "[]");
    EXPECT_EQ(forced["course_runs"].dump(), runs);
  }

  for (const char* flag : {"false", "null", "0", "\"\""}) {
    SCOPED_TRACE(flag);
    Json not_forced = Parse(R"({"key": "k"})");
    not_forced["enterprise_force_included"] = Parse(flag);
    domain::MergeFullCourse(not_forced, full);
    EXPECT_EQ(not_forced["enterprise_force_included"].dump(), flag);
    EXPECT_EQ(not_forced["course_runs"][0]["status"], "unpublished");
    EXPECT_EQ(not_forced["course_run_statuses"].dump(),
              R"(["unpublished","archived"])");
  }
}

TEST(MergeFullCourseTest, ProgramsFromTheFullCourseOnly) {
  Json stored = Parse(R"({"key": "k",
    "programs": [{"uuid": "old", "title": "kept untagged"}]})");
  const Json full = Parse(R"({"key": "k", "programs": [
    {"uuid": "p1", "content_type": "x", "title": "one"},
    {"title": "no uuid"},
    {"uuid": 5},
    {"uuid": null},
    "p2",
    {"uuid": "p3", "aggregation_key": "program:stale"}]})");
  const std::vector<Json> programs = domain::MergeFullCourse(stored, full);
  ASSERT_EQ(programs.size(), 2u);
  // Existing members keep their position; new ones are appended.
  EXPECT_EQ(programs[0].dump(),
            R"({"uuid":"p1","content_type":"program","title":"one",)"
            R"("aggregation_key":"program:p1"})");
  EXPECT_EQ(programs[1].dump(),
            R"({"uuid":"p3","aggregation_key":"program:p3",)"
            R"("content_type":"program"})");
  EXPECT_EQ(stored["programs"].dump(),
            Cat({"[", programs[0].dump(),
                 R"(,{"title":"no uuid"},{"uuid":5},{"uuid":null},"p2",)",
                 programs[1].dump(), "]"}));

  // No programs in the full document: the stored ones are left alone.
  Json untouched = Parse(R"({"key": "k", "programs": [{"uuid": "old"}]})");
  for (const char* full_programs : {"", "null", "{\"uuid\": \"x\"}"}) {
    SCOPED_TRACE(full_programs);
    Json full_course = Parse(R"({"key": "k"})");
    if (*full_programs != '\0') {
      full_course["programs"] = Parse(full_programs);
    }
    Json copy = untouched;
    EXPECT_TRUE(domain::MergeFullCourse(copy, full_course).empty());
    if (*full_programs == '\0') {
      EXPECT_EQ(copy["programs"].dump(), R"([{"uuid":"old"}])");
    }
  }
}

TEST(MergeFullCourseTest, NonObjects) {
  Json stored = Parse(R"({"key": "k"})");
  for (const char* full : {"null", "[]", "\"course\"", "1"}) {
    SCOPED_TRACE(full);
    EXPECT_TRUE(domain::MergeFullCourse(stored, Parse(full)).empty());
    EXPECT_EQ(stored.dump(), R"({"key":"k"})");
  }
  Json null_stored;
  EXPECT_TRUE(
      domain::MergeFullCourse(null_stored, Parse(R"({"key": "k"})")).empty());
  EXPECT_EQ(null_stored["key"], "k");
  EXPECT_TRUE(null_stored.contains("normalized_metadata"));
}

TEST(MergeFullProgramTest, DjangoUpdateFullMetadataProgram) {
  // Django: test_update_full_metadata_program: stored JSON updated with the
  // /programs/ document.
  const std::string stored_text =
      R"({"aggregation_key":"program:02f5edeb-6604-4131-bf45-acd8df91e1f9",)"
      R"("uuid":"02f5edeb-6604-4131-bf45-acd8df91e1f9",)"
      R"("title":"Fake Content Title","content_type":"program",)"
      R"("type":"MicroMasters","status":"active"})";
  Json stored = Parse(stored_text);
  const Json full = Parse(R"({"uuid": "02f5edeb-6604-4131-bf45-acd8df91e1f9",
    "full_program_only_field": "test_1", "status": "retired"})");
  EXPECT_TRUE(domain::MergeFullProgram(stored, full));
  EXPECT_EQ(
      stored.dump(),
      R"({"aggregation_key":"program:02f5edeb-6604-4131-bf45-acd8df91e1f9",)"
      R"("uuid":"02f5edeb-6604-4131-bf45-acd8df91e1f9",)"
      R"("title":"Fake Content Title","content_type":"program",)"
      R"("type":"MicroMasters","status":"retired",)"
      R"("full_program_only_field":"test_1"})");
  EXPECT_FALSE(domain::MergeFullProgram(stored, full));
  EXPECT_FALSE(domain::MergeFullProgram(stored, Parse("{}")));
  EXPECT_FALSE(domain::MergeFullProgram(stored, Parse("[1]")));
  Json null_stored;
  EXPECT_TRUE(domain::MergeFullProgram(null_stored, full));
  EXPECT_EQ(null_stored, full);
}

}  // namespace
}  // namespace ec
