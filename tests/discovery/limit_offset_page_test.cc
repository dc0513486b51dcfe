// ParseLimitOffsetPage: the courses/ and programs/ envelope (DRF's
// LimitOffsetPagination), refused like a search/all page when it is not one.
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "discovery/search_page.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ec::discovery {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

// gmock prints Debian's absl::string_view char by char.
std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

struct BadOffsetEnvelope {
  std::string name;
  std::string body;
  std::string reason;
};

class InvalidOffsetEnvelopeTest
    : public ::testing::TestWithParam<BadOffsetEnvelope> {};

TEST_P(InvalidOffsetEnvelopeTest, IsRefusedWithoutThrowing) {
  const absl::StatusOr<SearchPage> page = ParseLimitOffsetPage(GetParam().body);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(page.status()), HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, InvalidOffsetEnvelopeTest,
    ::testing::Values(
        BadOffsetEnvelope{"Html", "<html>Bad gateway</html>", "not valid JSON"},
        BadOffsetEnvelope{"Truncated", R"({"count":1,"next":null,"results":[)",
                          "not valid JSON"},
        BadOffsetEnvelope{"Detail", R"({"detail":"Not found."})",
                          "detail \"Not found.\""},
        BadOffsetEnvelope{
            "NextNumber",
            R"({"count":0,"next":1,"previous":null,"results":[]})",
            "\"next\" is neither null nor a string"},
        BadOffsetEnvelope{
            "PreviousObject",
            R"({"count":0,"next":null,"previous":{},"results":[]})",
            "\"previous\" is neither null nor a string"},
        BadOffsetEnvelope{"ResultNotObject",
                          R"({"count":1,"next":null,"results":["k"]})",
                          "results[0] is not an object"},
        BadOffsetEnvelope{"DeepNesting", std::string(100000, '['),
                          "nests deeper than"}),
    [](const ::testing::TestParamInfo<BadOffsetEnvelope>& param_info) {
      return param_info.param.name;
    });

TEST(LimitOffsetPageTest, AcceptsTheEnvelopeWithOrWithoutPrevious) {
  absl::StatusOr<SearchPage> page = ParseLimitOffsetPage(
      R"({"count":3,"next":"https://d/?offset=2","previous":null,)"
      R"("results":[{"key":"a"},{"key":"b"}]})");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->count, 3);
  EXPECT_TRUE(page->has_next);
  EXPECT_THAT(page->documents, SizeIs(2));
  page = ParseLimitOffsetPage(R"({"count":0,"next":"","results":[]})");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_FALSE(page->has_next);
}

}  // namespace
}  // namespace ec::discovery
