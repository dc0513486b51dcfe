#include "domain/canonical_json.h"

#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/limits.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace ec {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

google::protobuf::Struct ParseStruct(std::string_view json) {
  Struct result;
  const auto status =
      google::protobuf::util::JsonStringToMessage(std::string(json), &result);
  EXPECT_TRUE(status.ok()) << status.ToString() << " parsing " << json;
  return result;
}

Value StringValue(std::string text) {
  Value value;
  value.set_string_value(std::move(text));
  return value;
}

Value NumberValue(double number) {
  Value value;
  value.set_number_value(number);
  return value;
}

Struct OneField(const std::string& key, Value value) {
  Struct result;
  (*result.mutable_fields())[key] = std::move(value);
  return result;
}

std::string Dumps(const Value& value, int max_depth = common::kMaxFilterDepth) {
  absl::StatusOr<std::string> dumped =
      domain::PythonJsonDumps(value, max_depth);
  EXPECT_TRUE(dumped.ok()) << dumped.status();
  return dumped.ok() ? *dumped : std::string();
}

// Expected outputs and hashes below were produced by CPython 3:
//   out = json.dumps(json.loads(input), sort_keys=True)
//   hashlib.md5(out.encode()).hexdigest()
// Inputs avoid integral floats such as 5.0 (Python keeps those as floats,
// while a Struct cannot tell them from ints; see IntegralDoubles below).
struct PythonVector {
  const char* input;
  const char* expected_json;
  const char* expected_md5;
};

constexpr PythonVector kPythonVectors[] = {
    {R"json({"content_type": ["political", "unit", "market"]})json",
     R"json({"content_type": ["political", "unit", "market"]})json",
     "35584b583415a5bd4e51cc70d898a0eb"},
    {R"json({"content_type": "courserun"})json",
     R"json({"content_type": "courserun"})json",
     "58652973bc814f1a8df3942010c57c84"},
    {R"json({"b": {"z": 1, "a": [3, 2, {"y": null, "x": true}]}, "a": false})json",
     R"json({"a": false, "b": {"a": [3, 2, {"x": true, "y": null}], "z": 1}})json",
     "5f661245a32368d81425e022dce9d1f9"},
    {R"json({"title": "café"})json", R"json({"title": "caf\u00e9"})json",
     "72fd88a732577fe0bb4412602444cf2b"},
    {R"json({"emoji": "😀"})json", R"json({"emoji": "\ud83d\ude00"})json",
     "bff41ce28240183c03220af3cb526baf"},
    {R"json({"é": 1, "z": 2, "Z": 3, "a": 4, "_": 5, "ä": 6, "😀": 7, "ｚ": 8, "aa": 9, "A": 10, "": 11})json",
     R"json({"": 11, "A": 10, "Z": 3, "_": 5, "a": 4, "aa": 9, "z": 2, "\u00e4": 6, "\u00e9": 1, "\uff5a": 8, "\ud83d\ude00": 7})json",
     "2f4404dc10cb7f95eda84de7d3d59001"},
    {R"json({"s": "a\u0001b\u001fc\u007fd\n\r\t\b\f e"})json",
     R"json({"s": "a\u0001b\u001fc\u007fd\n\r\t\b\f e"})json",
     "6cddd2b51ea76e0aa2e5e530334611dc"},
    {R"json({"q": "\"quoted\" \\ back/slash", "k\"ey\\": "v"})json",
     R"json({"k\"ey\\": "v", "q": "\"quoted\" \\ back/slash"})json",
     "98b9f0065e4ec22d9a5d702a500d2cd5"},
    {R"json({"u": "\u2028 \u00a0 \uffff \udbff\udfff \u0080"})json",
     R"json({"u": "\u2028 \u00a0 \uffff \udbff\udfff \u0080"})json",
     "8bce94fcdb9c0d0dac607bce8e2e0b27"},
    {R"json({"f": [0.1, 1e-07, 1e16, 123.456, 1e22, 1.5, -2.5, 1e-05, 0.0001, 1.5e-05, 1.2345678901234567e+20, -1e-07, 0.30000000000000004]})json",
     R"json({"f": [0.1, 1e-07, 1e+16, 123.456, 1e+22, 1.5, -2.5, 1e-05, 0.0001, 1.5e-05, 1.2345678901234567e+20, -1e-07, 0.30000000000000004]})json",
     "3423222dc114019316c9abcf04caf673"},
    {R"json({"f": [2.2250738585072014e-308, 5e-324, 1.7976931348623157e+308, 9007199254740994.0, 1234567890123456.7, 12345678901234.5, 0.001, 123456789.123, 1.5e16, 1e100, -1e-100]})json",
     R"json({"f": [2.2250738585072014e-308, 5e-324, 1.7976931348623157e+308, 9007199254740994.0, 1234567890123456.8, 12345678901234.5, 0.001, 123456789.123, 1.5e+16, 1e+100, -1e-100]})json",
     "691fb2c3a6da5285175f623b36b69624"},
    {R"json({"i": [0, 5, -5, 42, 1000000, 9007199254740992, -9007199254740992, 1234567890123]})json",
     R"json({"i": [0, 5, -5, 42, 1000000, 9007199254740992, -9007199254740992, 1234567890123]})json",
     "ffb804c611da9f95efaec12321091be8"},
    {R"json({"a": {}, "b": [], "c": "", "d": [[]], "e": [{}]})json",
     R"json({"a": {}, "b": [], "c": "", "d": [[]], "e": [{}]})json",
     "6ad48006db709f7f68c25e7b465a1b91"},
    {R"json({})json", R"json({})json", "99914b932bd37a50b983c5e7c90ae93b"},
    {R"json({"mixed": [1, "two", null, true, false, 2.5, {"k": []}]})json",
     R"json({"mixed": [1, "two", null, true, false, 2.5, {"k": []}]})json",
     "e7664b75312fd40ad78f5c1414a00aa5"},
    {R"json({"enterprise": {"aggregation_key": ["course:edX+DemoX"], "level_type": ["Introductory", "Advanced"], "partner": "edx", "availability": ["Current", "Starting Soon"]}})json",
     R"json({"enterprise": {"aggregation_key": ["course:edX+DemoX"], "availability": ["Current", "Starting Soon"], "level_type": ["Introductory", "Advanced"], "partner": "edx"}})json",
     "facc2a7339b71f7aaf692c7d4659dcc5"},
};

class PythonVectorTest : public ::testing::TestWithParam<PythonVector> {};

TEST_P(PythonVectorTest, CanonicalizeFilterMatchesPython) {
  const PythonVector& vector = GetParam();
  absl::StatusOr<domain::CanonicalFilter> filter =
      domain::CanonicalizeFilter(ParseStruct(vector.input));
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->json, vector.expected_json);
  EXPECT_EQ(filter->hash, vector.expected_md5);
}

TEST_P(PythonVectorTest, PythonJsonDumpsMatchesPython) {
  const PythonVector& vector = GetParam();
  Value value;
  *value.mutable_struct_value() = ParseStruct(vector.input);
  EXPECT_EQ(Dumps(value), vector.expected_json);
}

INSTANTIATE_TEST_SUITE_P(CPython, PythonVectorTest,
                         ::testing::ValuesIn(kPythonVectors));

// The two hashes the Django service stores for its most common filters, with
// the Structs built directly rather than through a JSON parser.
TEST(CanonicalizeFilterTest, KnownDjangoHashes) {
  Struct list_filter;
  auto* types =
      (*list_filter.mutable_fields())["content_type"].mutable_list_value();
  for (const char* type : {"political", "unit", "market"}) {
    types->add_values()->set_string_value(type);
  }
  absl::StatusOr<domain::CanonicalFilter> list_result =
      domain::CanonicalizeFilter(list_filter);
  ASSERT_TRUE(list_result.ok()) << list_result.status();
  EXPECT_EQ(list_result->hash, "35584b583415a5bd4e51cc70d898a0eb");

  absl::StatusOr<domain::CanonicalFilter> string_result =
      domain::CanonicalizeFilter(
          OneField("content_type", StringValue("courserun")));
  ASSERT_TRUE(string_result.ok()) << string_result.status();
  EXPECT_EQ(string_result->json, R"({"content_type": "courserun"})");
  EXPECT_EQ(string_result->hash, "58652973bc814f1a8df3942010c57c84");
}

TEST(CanonicalizeFilterTest, KeyInsertionOrderDoesNotMatter) {
  Struct forward;
  Struct backward;
  for (int i = 0; i < 50; ++i) {
    (*forward.mutable_fields())[absl::StrCat("k", i)].set_number_value(i);
    (*backward.mutable_fields())[absl::StrCat("k", 49 - i)].set_number_value(
        49 - i);
  }
  absl::StatusOr<domain::CanonicalFilter> a =
      domain::CanonicalizeFilter(forward);
  absl::StatusOr<domain::CanonicalFilter> b =
      domain::CanonicalizeFilter(backward);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->json, b->json);
  EXPECT_EQ(a->hash, b->hash);
  EXPECT_EQ(a->json.substr(0, 22), R"({"k0": 0, "k1": 1, "k1)");
}

TEST(Md5HexTest, KnownDigests) {
  EXPECT_EQ(domain::Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(domain::Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(domain::Md5Hex(std::string("a\0b", 3)),
            "70350f6027bce3713f6b76473084309b");
}

TEST(PythonJsonDumpsTest, TopLevelScalarsAndLists) {
  Value list;
  for (double n : {3.0, 1.0, 2.0}) {
    list.mutable_list_value()->add_values()->set_number_value(n);
  }
  EXPECT_EQ(Dumps(list), "[3, 1, 2]");
  EXPECT_EQ(Dumps(StringValue("caf\xc3\xa9")), R"("caf\u00e9")");
  EXPECT_EQ(Dumps(NumberValue(2.5)), "2.5");
  Value null_value;
  null_value.set_null_value(google::protobuf::NULL_VALUE);
  EXPECT_EQ(Dumps(null_value), "null");
  Value true_value;
  true_value.set_bool_value(true);
  EXPECT_EQ(Dumps(true_value), "true");
  Value false_value;
  false_value.set_bool_value(false);
  EXPECT_EQ(Dumps(false_value), "false");
  Value empty_list;
  empty_list.mutable_list_value();
  EXPECT_EQ(Dumps(empty_list), "[]");
}

TEST(PythonJsonDumpsTest, UnsetValueIsNull) {
  EXPECT_EQ(Dumps(Value()), "null");
  Value object;
  (*object.mutable_struct_value()->mutable_fields())["a"];
  EXPECT_EQ(Dumps(object), R"({"a": null})");
}

// A JSON 5 reaches us as the double 5.0, but Django parsed the int 5.
TEST(PythonJsonDumpsTest, IntegralDoublesPrintAsIntegers) {
  EXPECT_EQ(Dumps(NumberValue(5.0)), "5");
  EXPECT_EQ(Dumps(NumberValue(-0.0)), "0");
  EXPECT_EQ(Dumps(NumberValue(-7.0)), "-7");
  EXPECT_EQ(Dumps(NumberValue(1e15)), "1000000000000000");
  EXPECT_EQ(Dumps(NumberValue(9007199254740992.0)), "9007199254740992");
  EXPECT_EQ(Dumps(NumberValue(-9007199254740992.0)), "-9007199254740992");
  // Past 2^53 the value may not be the integer that was sent, so it is
  // written as Python writes the float.
  EXPECT_EQ(Dumps(NumberValue(9007199254740994.0)), "9007199254740994.0");
  EXPECT_EQ(Dumps(NumberValue(1e16)), "1e+16");
  EXPECT_EQ(Dumps(NumberValue(-1e22)), "-1e+22");
}

TEST(PythonJsonDumpsTest, FloatReprBoundaries) {
  EXPECT_EQ(Dumps(NumberValue(0.0001)), "0.0001");
  EXPECT_EQ(Dumps(NumberValue(0.00012)), "0.00012");
  EXPECT_EQ(Dumps(NumberValue(0.00001)), "1e-05");
  EXPECT_EQ(Dumps(NumberValue(-0.000015)), "-1.5e-05");
  EXPECT_EQ(Dumps(NumberValue(1234567890123456.7)), "1234567890123456.8");
  EXPECT_EQ(Dumps(NumberValue(1e-300)), "1e-300");
  EXPECT_EQ(Dumps(NumberValue(0.5)), "0.5");
}

TEST(PythonJsonDumpsTest, RawControlBytesAreEscaped) {
  EXPECT_EQ(Dumps(StringValue("\x01\x1f\x7f\x20~")),
            R"("\u0001\u001f\u007f ~")");
  EXPECT_EQ(Dumps(StringValue("\"\\/\n\r\t\b\f")), R"("\"\\/\n\r\t\b\f")");
  EXPECT_EQ(Dumps(StringValue("\xf4\x8f\xbf\xbf")), R"("\udbff\udfff")");
}

TEST(PythonJsonDumpsTest, RejectsNanAndInfinity) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    absl::StatusOr<std::string> dumped =
        domain::PythonJsonDumps(NumberValue(bad), common::kMaxFilterDepth);
    ASSERT_FALSE(dumped.ok());
    EXPECT_EQ(dumped.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_PRED_FORMAT2(::testing::IsSubstring, "NaN",
                        std::string(dumped.status().message()));
  }
}

TEST(CanonicalizeFilterTest, RejectsNanNestedInFilter) {
  Value list;
  list.mutable_list_value()->add_values()->set_number_value(
      std::numeric_limits<double>::quiet_NaN());
  absl::StatusOr<domain::CanonicalFilter> filter =
      domain::CanonicalizeFilter(OneField("price", list));
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "content_filter contains NaN or Infinity",
                      std::string(filter.status().message()));
}

TEST(CanonicalizeFilterTest, RejectsNulInValuesAndKeys) {
  const std::string with_nul("a\0b", 3);
  for (const Struct& filter :
       {OneField("k", StringValue(with_nul)), OneField(with_nul, Value())}) {
    absl::StatusOr<domain::CanonicalFilter> result =
        domain::CanonicalizeFilter(filter);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().message(),
              "content_filter contains a NUL character, which cannot be "
              "stored");
  }
}

TEST(PythonJsonDumpsTest, RejectsInvalidUtf8) {
  const char* const kInvalid[] = {
      "\xff",              // never valid
      "\x80",              // lone continuation byte
      "\xc0\x80",          // overlong NUL
      "\xe0\x80\x80",      // overlong
      "\xed\xa0\x80",      // UTF-16 surrogate
      "\xe2\x82",          // truncated
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "a\xc3(",            // bad continuation
  };
  for (const char* bad : kInvalid) {
    SCOPED_TRACE(testing::PrintToString(bad));
    absl::StatusOr<std::string> as_value =
        domain::PythonJsonDumps(StringValue(bad), common::kMaxFilterDepth);
    ASSERT_FALSE(as_value.ok());
    EXPECT_EQ(as_value.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_PRED_FORMAT2(::testing::IsSubstring, "UTF-8",
                        std::string(as_value.status().message()));

    absl::StatusOr<domain::CanonicalFilter> as_key =
        domain::CanonicalizeFilter(OneField(bad, NumberValue(1)));
    ASSERT_FALSE(as_key.ok());
    EXPECT_EQ(as_key.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

// Builds {"a": {"a": ... {"a": 1}}} with `depth` objects.
Struct NestedStruct(int depth) {
  Struct root;
  Struct* current = &root;
  for (int i = 1; i < depth; ++i) {
    current = (*current->mutable_fields())["a"].mutable_struct_value();
  }
  (*current->mutable_fields())["a"].set_number_value(1);
  return root;
}

TEST(CanonicalizeFilterTest, DepthLimitCountsTopLevelAsOne) {
  absl::StatusOr<domain::CanonicalFilter> at_limit =
      domain::CanonicalizeFilter(NestedStruct(common::kMaxFilterDepth));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status();

  absl::StatusOr<domain::CanonicalFilter> too_deep =
      domain::CanonicalizeFilter(NestedStruct(common::kMaxFilterDepth + 1));
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(too_deep.status().message(),
            "content_filter nests deeper than 32 levels");
}

TEST(CanonicalizeFilterTest, ListsCountTowardsDepth) {
  // One struct holding 31 nested lists is 32 levels; one more is too many.
  auto build = [](int lists) {
    Struct root;
    Value* current = &(*root.mutable_fields())["a"];
    for (int i = 0; i < lists; ++i) {
      current = current->mutable_list_value()->add_values();
    }
    current->set_string_value("leaf");
    return root;
  };
  EXPECT_TRUE(
      domain::CanonicalizeFilter(build(common::kMaxFilterDepth - 1)).ok());
  absl::StatusOr<domain::CanonicalFilter> too_deep =
      domain::CanonicalizeFilter(build(common::kMaxFilterDepth));
  ASSERT_FALSE(too_deep.ok());
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "32 levels",
                      std::string(too_deep.status().message()));
}

TEST(PythonJsonDumpsTest, HonoursMaxDepthArgument) {
  Value shallow;
  *shallow.mutable_struct_value() = NestedStruct(2);
  EXPECT_TRUE(domain::PythonJsonDumps(shallow, 2).ok());
  absl::StatusOr<std::string> too_deep = domain::PythonJsonDumps(shallow, 1);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "deeper than 1 levels",
                      std::string(too_deep.status().message()));
}

TEST(CanonicalizeFilterTest, SizeLimitIsOnCanonicalText) {
  // {"a": "xxx..."} has 9 bytes of framing around the string.
  const size_t framing = 9;
  absl::StatusOr<domain::CanonicalFilter> at_limit = domain::CanonicalizeFilter(
      OneField("a", StringValue(
                        std::string(common::kMaxFilterBytes - framing, 'x'))));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status();
  EXPECT_EQ(at_limit->json.size(), common::kMaxFilterBytes);

  absl::StatusOr<domain::CanonicalFilter> over = domain::CanonicalizeFilter(
      OneField("a", StringValue(std::string(
                        common::kMaxFilterBytes - framing + 1, 'x'))));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(over.status().message(),
            "content_filter is 65537 bytes once canonicalized; the limit is "
            "65536 bytes (64 KiB)");
}

TEST(CanonicalizeFilterTest, SizeLimitCountsEscapes) {
  // 20000 two-byte characters are 40000 bytes of UTF-8 but 120000 once each
  // becomes \u00e9.
  std::string accents;
  for (int i = 0; i < 20000; ++i) accents += "\xc3\xa9";
  absl::StatusOr<domain::CanonicalFilter> over =
      domain::CanonicalizeFilter(OneField("a", StringValue(accents)));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "is 120009 bytes once canonicalized; the limit is "
                      "65536 bytes",
                      std::string(over.status().message()));
}

}  // namespace
}  // namespace ec
