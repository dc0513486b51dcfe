#include "common/uuid.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace ec {
namespace {

TEST(NormalizeUuidTest, LowerCasesValidUuids) {
  EXPECT_EQ(common::NormalizeUuid("0A1B2C3D-4E5F-6789-ABCD-EF0123456789"),
            "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
  EXPECT_EQ(common::NormalizeUuid("0a1b2c3d-4E5f-6789-aBcD-ef0123456789"),
            "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
  EXPECT_EQ(common::NormalizeUuid("00000000-0000-0000-0000-000000000000"),
            "00000000-0000-0000-0000-000000000000");
}

TEST(NormalizeUuidTest, RejectsOtherForms) {
  const char* const kInvalid[] = {
      "",
      "0a1b2c3d4e5f6789abcdef0123456789",        // no dashes
      "{0a1b2c3d-4e5f-6789-abcd-ef0123456789}",  // braces
      "urn:uuid:0a1b2c3d-4e5f-6789-abcd-ef0123456789",
      "0a1b2c3d-4e5f-6789-abcd-ef012345678",    // short
      "0a1b2c3d-4e5f-6789-abcd-ef01234567890",  // long
      "0a1b2c3-d4e5f-6789-abcd-ef0123456789",   // dash misplaced
      "0a1b2c3d-4e5f-6789-abcd_ef0123456789",   // wrong separator
      "0a1b2c3g-4e5f-6789-abcd-ef0123456789",   // non-hex
      " 0a1b2c3d-4e5f-6789-abcd-ef012345678",   // leading space
      "0a1b2c3d-4e5f-6789-abcd-ef012345678 ",   // trailing space
      "+a1b2c3d-4e5f-6789-abcd-ef0123456789",
  };
  for (const char* text : kInvalid) {
    EXPECT_EQ(common::NormalizeUuid(text), std::nullopt) << text;
  }
  EXPECT_EQ(common::NormalizeUuid(
                std::string_view("0a1b2c3d-4e5f-6789-abcd-ef01234567\0a", 36)),
            std::nullopt);
}

TEST(NewUuidV4Test, IsCanonicalVersion4) {
  for (int i = 0; i < 100; ++i) {
    const std::string uuid = common::NewUuidV4();
    ASSERT_EQ(common::NormalizeUuid(uuid), uuid) << "not canonical lower case";
    EXPECT_EQ(uuid[14], '4') << uuid;
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
  }
}

TEST(NewUuidV4Test, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(seen.insert(common::NewUuidV4()).second);
  }
}

}  // namespace
}  // namespace ec
