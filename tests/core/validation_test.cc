#include "core/validation.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ec {
namespace {

using ::testing::HasSubstr;

google::protobuf::RepeatedPtrField<std::string> Keys(int n, size_t size = 5) {
  google::protobuf::RepeatedPtrField<std::string> keys;
  for (int i = 0; i < n; ++i) *keys.Add() = std::string(size, 'k');
  return keys;
}

TEST(ValidationTest, UuidsAreNormalizedOrRejected) {
  auto ok = core::RequireUuid("uuid", "ABCDEF12-3456-4789-8ABC-DEF123456789");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "abcdef12-3456-4789-8abc-def123456789");
  EXPECT_THAT(core::RequireUuid("catalog_uuid", "").status().message(),
              HasSubstr("catalog_uuid is required"));
  for (const char* bad : {"abcdef123456478989abcdef123456789",
                          "abcdef12-3456-4789-8abc-def12345678",
                          "zbcdef12-3456-4789-8abc-def123456789",
                          " abcdef12-3456-4789-8abc-def123456789"}) {
    auto r = core::RequireUuid("uuid", bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  // The echo of a huge bad value is bounded.
  auto huge = core::RequireUuid("uuid", std::string(100000, 'x'));
  EXPECT_LT(huge.status().message().size(), 300u);
}

TEST(ValidationTest, ContentKeyLimits) {
  EXPECT_TRUE(
      core::ValidateContentKeys("content_keys", Keys(1000, 255), false).ok());
  EXPECT_THAT(
      core::ValidateContentKeys("content_keys", Keys(1001), false).message(),
      HasSubstr("the limit is 1000"));
  EXPECT_THAT(
      core::ValidateContentKeys("content_keys", Keys(1, 256), false).message(),
      HasSubstr("the limit is 255 bytes"));
  EXPECT_THAT(
      core::ValidateContentKeys("content_keys", Keys(0), false).message(),
      HasSubstr("at least one"));
  EXPECT_TRUE(core::ValidateContentKeys("content_keys", Keys(0), true).ok());
  EXPECT_THAT(
      core::ValidateContentKeys("content_keys", Keys(1, 0), true).message(),
      HasSubstr("content_keys[0] is empty"));
  auto nul = Keys(2);
  nul[1] = std::string("a\0b", 3);
  EXPECT_THAT(core::ValidateContentKeys("content_keys", nul, false).message(),
              HasSubstr("content_keys[1] contains a NUL"));
}

TEST(ValidationTest, PageSizes) {
  EXPECT_EQ(*core::ResolvePageSize(0), 100);
  EXPECT_EQ(*core::ResolvePageSize(1), 1);
  EXPECT_EQ(*core::ResolvePageSize(1000), 1000);
  EXPECT_EQ(core::ResolvePageSize(1001).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(core::ResolvePageSize(-5).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidationTest, Text) {
  EXPECT_TRUE(core::ValidateText("title", "ok", 255, true).ok());
  EXPECT_TRUE(core::ValidateText("enterprise_name", "", 255, false).ok());
  EXPECT_THAT(core::ValidateText("title", "", 255, true).message(),
              HasSubstr("title is required"));
  EXPECT_THAT(
      core::ValidateText("title", std::string(256, 'x'), 255, true).message(),
      HasSubstr("256 bytes; the limit is 255"));
}

}  // namespace
}  // namespace ec
