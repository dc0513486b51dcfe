#include "domain/content.h"

#include <algorithm>
#include <string>

#include "common/limits.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ec {
namespace {

void ExpectInvalid(
    const absl::StatusOr<std::vector<domain::ContentRecord>>& records,
    const std::string& message_part) {
  ASSERT_FALSE(records.ok()) << "parsed " << records->size() << " records";
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, message_part,
                      std::string(records.status().message()));
}

// Parses `json` both ways a document arrives: as text, and already parsed
// by a crawl's page parser. Both must give the same records.
std::vector<domain::ContentRecord> ParseOk(std::string_view json) {
  absl::StatusOr<std::vector<domain::ContentRecord>> records =
      domain::ParseDiscoveryDocument(json);
  EXPECT_TRUE(records.ok()) << records.status();
  if (!records.ok()) return {};
  const absl::StatusOr<std::vector<domain::ContentRecord>> from_object =
      domain::DiscoveryDocumentRecords(nlohmann::ordered_json::parse(json));
  EXPECT_TRUE(from_object.ok()) << from_object.status();
  if (from_object.ok()) {
    EXPECT_EQ(from_object->size(), records->size());
    for (size_t i = 0; i < std::min(records->size(), from_object->size());
         ++i) {
      const domain::ContentRecord& a = (*records)[i];
      const domain::ContentRecord& b = (*from_object)[i];
      EXPECT_EQ(a.content_key, b.content_key);
      EXPECT_EQ(a.content_type, b.content_type);
      EXPECT_EQ(a.content_uuid, b.content_uuid);
      EXPECT_EQ(a.parent_content_key, b.parent_content_key);
      EXPECT_EQ(a.title, b.title);
      EXPECT_EQ(a.json_metadata, b.json_metadata);
      EXPECT_EQ(a.derived, b.derived);
    }
  }
  return *records;
}

TEST(IsKnownContentTypeTest, AcceptsOnlyTheFourTypes) {
  for (const char* type :
       {"course", "courserun", "program", "learnerpathway"}) {
    EXPECT_TRUE(domain::IsKnownContentType(type)) << type;
  }
  for (const char* type : {"", "Course", "courses", "video", "course "}) {
    EXPECT_FALSE(domain::IsKnownContentType(type)) << type;
  }
}

TEST(ParseDiscoveryDocumentTest, CourseWithNestedRuns) {
  const std::vector<domain::ContentRecord> records = ParseOk(R"json(
    {"title": "Demo Course", "key": "edX+DemoX",
     "aggregation_key": "course:edX+DemoX",
     "uuid": "0A1B2C3D-4E5F-6789-ABCD-EF0123456789",
     "course_runs": [
       {"key": "course-v1:edX+DemoX+1T2024", "title": "Demo 2024",
        "uuid": "11111111-2222-3333-4444-555555555555"},
       {"uuid": "not-a-uuid", "key": "course-v1:edX+DemoX+2T2024"},
       "not an object",
       {"title": "no key"},
       {"key": 5},
       {"key": ""}
     ]})json");
  ASSERT_EQ(records.size(), 3u);

  const domain::ContentRecord& course = records[0];
  EXPECT_EQ(course.content_type, "course");
  EXPECT_EQ(course.content_key, "edX+DemoX");
  EXPECT_EQ(course.content_uuid, "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
  EXPECT_EQ(course.parent_content_key, "");
  EXPECT_EQ(course.title, "Demo Course");
  EXPECT_FALSE(course.derived);
  // Compact, in the order discovery sent the members, then the normalized
  // metadata a course is stored with (its rules: normalized_metadata_test).
  EXPECT_TRUE(course.json_metadata.starts_with(
      R"json({"title":"Demo Course","key":"edX+DemoX","aggregation_key":"course:edX+DemoX","uuid":"0A1B2C3D-4E5F-6789-ABCD-EF0123456789","course_runs":[{"key":"course-v1:edX+DemoX+1T2024","title":"Demo 2024","uuid":"11111111-2222-3333-4444-555555555555"},{"uuid":"not-a-uuid","key":"course-v1:edX+DemoX+2T2024"},"not an object",{"title":"no key"},{"key":5},{"key":""}],"normalized_metadata":{"start_date":null,)json"))
      << course.json_metadata;
  EXPECT_NE(
      course.json_metadata.find(
          R"json("normalized_metadata_by_run":{"course-v1:edX+DemoX+1T2024":{)json"),
      std::string::npos)
      << course.json_metadata;

  const domain::ContentRecord& first_run = records[1];
  EXPECT_EQ(first_run.content_type, "courserun");
  EXPECT_EQ(first_run.content_key, "course-v1:edX+DemoX+1T2024");
  EXPECT_EQ(first_run.content_uuid, "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(first_run.parent_content_key, "edX+DemoX");
  EXPECT_EQ(first_run.title, "Demo 2024");
  EXPECT_TRUE(first_run.derived);
  EXPECT_EQ(
      first_run.json_metadata,
      R"json({"key":"course-v1:edX+DemoX+1T2024","title":"Demo 2024","uuid":"11111111-2222-3333-4444-555555555555"})json");

  const domain::ContentRecord& second_run = records[2];
  EXPECT_EQ(second_run.content_type, "courserun");
  EXPECT_EQ(second_run.content_key, "course-v1:edX+DemoX+2T2024");
  EXPECT_EQ(second_run.content_uuid, "");
  EXPECT_EQ(second_run.parent_content_key, "edX+DemoX");
  EXPECT_EQ(second_run.title, "Demo Course");
  EXPECT_TRUE(second_run.derived);
  EXPECT_EQ(
      second_run.json_metadata,
      R"json({"uuid":"not-a-uuid","key":"course-v1:edX+DemoX+2T2024"})json");
}

TEST(ParseDiscoveryDocumentTest, CourseRunDocument) {
  const std::vector<domain::ContentRecord> records = ParseOk(R"json(
    {"aggregation_key": "courserun:edX+DemoX", "content_type": "courserun",
     "key": "course-v1:edX+DemoX+1T2024", "title": "Demo",
     "course_runs": [{"key": "ignored"}]})json");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].content_type, "courserun");
  EXPECT_EQ(records[0].content_key, "course-v1:edX+DemoX+1T2024");
  EXPECT_EQ(records[0].parent_content_key, "edX+DemoX");
  EXPECT_EQ(records[0].content_uuid, "");
  EXPECT_FALSE(records[0].derived);
}

TEST(ParseDiscoveryDocumentTest, ProgramKeyedByUuid) {
  const std::vector<domain::ContentRecord> records = ParseOk(R"json(
    {"aggregation_key": "program:AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE",
     "uuid": "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE", "title": "Prog",
     "key": ""})json");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].content_type, "program");
  // The key is the uuid exactly as discovery wrote it.
  EXPECT_EQ(records[0].content_key, "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE");
  EXPECT_EQ(records[0].content_uuid, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  EXPECT_EQ(records[0].parent_content_key, "");
  EXPECT_EQ(records[0].title, "Prog");
}

TEST(ParseDiscoveryDocumentTest, LearnerPathwayUsesContentTypeAndName) {
  const std::vector<domain::ContentRecord> records = ParseOk(R"json(
    {"content_type": "learnerpathway",
     "uuid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "title": null,
     "name": "Pathway"})json");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].content_type, "learnerpathway");
  EXPECT_EQ(records[0].content_key, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  EXPECT_EQ(records[0].title, "Pathway");
}

TEST(ParseDiscoveryDocumentTest, AggregationKeyWinsOverContentType) {
  const std::vector<domain::ContentRecord> records = ParseOk(
      R"({"aggregation_key": "program:x", "content_type": "course", "key": "k"})");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].content_type, "program");
}

TEST(ParseDiscoveryDocumentTest, AggregationKeyWithoutColonFallsBack) {
  const std::vector<domain::ContentRecord> records = ParseOk(
      R"({"aggregation_key": "course", "content_type": "course", "key": "k"})");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].content_type, "course");
  EXPECT_EQ(records[0].title, "");
}

TEST(ParseDiscoveryDocumentTest, KeepsUnicodeUnescaped) {
  const std::vector<domain::ContentRecord> records = ParseOk(
      R"({"content_type": "course", "key": "k", "title": "Caf\u00e9 😀"})");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].title, "Caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_TRUE(records[0].json_metadata.starts_with(
      "{\"content_type\":\"course\",\"key\":\"k\",\"title\":\"Caf\xc3\xa9 "
      "\xf0\x9f\x98\x80\","))
      << records[0].json_metadata;
}

TEST(ParseDiscoveryDocumentTest, RejectsUnknownOrMissingType) {
  ExpectInvalid(domain::ParseDiscoveryDocument(R"({"key": "k"})"),
                "expected one of course, courserun, program, learnerpathway");
  ExpectInvalid(domain::ParseDiscoveryDocument(
                    R"({"key": "k", "aggregation_key": "video:k"})"),
                "content type \"video\"");
  ExpectInvalid(
      domain::ParseDiscoveryDocument(R"({"key": "k", "content_type": 3})"),
      "expected one of");
}

TEST(ParseDiscoveryDocumentTest, RejectsMissingKey) {
  for (const char* doc :
       {R"({"content_type": "course"})",
        R"({"content_type": "course", "key": "", "uuid": ""})",
        R"({"content_type": "course", "key": null, "uuid": 7})"}) {
    ExpectInvalid(domain::ParseDiscoveryDocument(doc), "\"key\" nor \"uuid\"");
  }
}

std::string CourseWithKey(const std::string& key) {
  return R"({"content_type": "course", "key": ")" + key + "\"}";
}

TEST(ParseDiscoveryDocumentTest, KeyLengthLimit) {
  const std::string at_limit(common::kMaxContentKeyBytes, 'k');
  const std::vector<domain::ContentRecord> records =
      ParseOk(CourseWithKey(at_limit));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].content_key, at_limit);

  ExpectInvalid(domain::ParseDiscoveryDocument(CourseWithKey(at_limit + "k")),
                "content key is 256 bytes; the limit is 255 bytes");
}

TEST(ParseDiscoveryDocumentTest, NestedRunKeyLengthLimit) {
  const std::string doc = R"({"content_type": "course", "key": "c",
      "course_runs": [{"key": "ok"}, {"key": ")" +
                          std::string(common::kMaxContentKeyBytes + 1, 'r') +
                          "\"}]}";
  ExpectInvalid(domain::ParseDiscoveryDocument(doc),
                "course_runs[1] key is 256 bytes; the limit is 255 bytes");
}

TEST(ParseDiscoveryDocumentTest, ParentKeyLengthLimit) {
  const std::string doc = R"({"aggregation_key": "courserun:)" +
                          std::string(common::kMaxContentKeyBytes + 1, 'c') +
                          R"(", "key": "run"})";
  ExpectInvalid(domain::ParseDiscoveryDocument(doc), "the limit is 255 bytes");
}

TEST(ParseDiscoveryDocumentTest, RejectsNulCharacters) {
  ExpectInvalid(domain::ParseDiscoveryDocument(CourseWithKey("a\\u0000b")),
                "NUL character");
  // Anywhere in the document, since it is stored whole.
  ExpectInvalid(domain::ParseDiscoveryDocument(
                    R"({"content_type": "course", "key": "k",
                        "extra": {"deep": ["x\u0000"]}})"),
                "NUL character");
  ExpectInvalid(domain::ParseDiscoveryDocument(
                    R"({"content_type": "course", "key": "k", "a\u0000": 1})"),
                "NUL character");
}

TEST(ParseDiscoveryDocumentTest, RejectsNonObjects) {
  for (const char* doc : {"[]", "\"course\"", "42", "null"}) {
    ExpectInvalid(domain::ParseDiscoveryDocument(doc), "not a JSON object");
  }
}

TEST(ParseDiscoveryDocumentTest, RejectsInvalidJson) {
  for (const std::string& doc :
       {std::string(), std::string("{"), std::string("{\"key\": }"),
        CourseWithKey("k") + " trailing",
        std::string("{\"content_type\": \"course\", \"key\": \"\xff\"}")}) {
    ExpectInvalid(domain::ParseDiscoveryDocument(doc), "not valid JSON");
  }
}

TEST(ParseDiscoveryDocumentTest, RejectsDeepNestingWithoutCrashing) {
  const std::string doc = R"({"content_type": "course", "key": "k", "x": )" +
                          std::string(100000, '[') + std::string(100000, ']') +
                          "}";
  ExpectInvalid(domain::ParseDiscoveryDocument(doc), "nests deeper than");
  // Brackets inside strings do not count.
  const std::vector<domain::ContentRecord> records =
      ParseOk(R"({"content_type": "course", "key": "k", "x": ")" +
              std::string(1000, '[') + "\"}");
  EXPECT_EQ(records.size(), 1u);
}

TEST(ResultIdentityTest, KeyThenUuidThenAggregationKey) {
  auto id = [](std::string_view json) {
    return domain::ResultIdentity(nlohmann::ordered_json::parse(json));
  };
  // Runs of one course share their aggregation_key, never their key.
  EXPECT_EQ(
      id(R"({"aggregation_key": "courserun:A", "uuid": "u", "key": "k"})"),
      "k:k");
  EXPECT_EQ(id(R"({"aggregation_key": "person:1", "uuid": "u", "key": ""})"),
            "u:u");
  EXPECT_EQ(id(R"({"aggregation_key": "person:1", "uuid": 7})"), "a:person:1");
  EXPECT_EQ(id(R"({"title": "nothing to tell it by"})"), std::nullopt);
  EXPECT_EQ(id("[1]"), std::nullopt);
}

}  // namespace
}  // namespace ec

namespace ec {
namespace {

domain::ContentRecord Record(const std::string& key, bool derived,
                             const std::string& json) {
  domain::ContentRecord r;
  r.content_key = key;
  r.derived = derived;
  r.json_metadata = json;
  return r;
}

TEST(UniqueContentTest, OneRecordPerKeyFullDocumentsWinAndOnlyTheyAreMembers) {
  const std::vector<domain::ContentRecord> records = {
      Record("run:b", true, "nested"), Record("course:a", false, "first"),
      Record("run:b", false, "full"),  Record("course:a", false, "second"),
      Record("run:c", true, "nested"), Record("run:c", true, "again")};
  const domain::UniqueContent unique(records);
  ASSERT_EQ(unique.by_key.size(), 3u);
  EXPECT_EQ(unique.by_key.at("course:a")->json_metadata, "first");
  EXPECT_EQ(unique.by_key.at("run:b")->json_metadata, "full");
  EXPECT_EQ(unique.by_key.at("run:c")->json_metadata, "nested");
  EXPECT_EQ(unique.members,
            (std::vector<std::string>{"course:a", "run:b"}));  // sorted
}

}  // namespace
}  // namespace ec
