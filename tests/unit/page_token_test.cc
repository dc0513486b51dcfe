#include "common/page_token.h"

#include <string>

#include "absl/strings/escaping.h"
#include "common/canonical_json.h"
#include "common/limits.h"
#include "gtest/gtest.h"

namespace ec {
namespace {

constexpr char kScope[] = "ListCatalogContent|catalog=1234";

std::string RawBytes(const std::string& token) {
  std::string raw;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(token, &raw)) << token;
  return raw;
}

std::string ScopePrefix(const std::string& scope) {
  std::string bytes;
  bytes = absl::HexStringToBytes(Md5Hex(scope).substr(0, 16));
  return bytes;
}

void ExpectInvalid(const absl::StatusOr<std::string>& decoded,
                   const std::string& message_part) {
  ASSERT_FALSE(decoded.ok()) << "decoded to " << *decoded;
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, message_part,
                      std::string(decoded.status().message()));
}

TEST(PageTokenTest, RoundTrips) {
  const std::string binary("\0\xff\x01pos", 6);
  for (const std::string& position :
       {std::string("course-v1:edX+DemoX+1T2024"), std::string(), binary}) {
    const std::string token = EncodePageToken(kScope, position);
    absl::StatusOr<std::string> decoded = DecodePageToken(token, kScope);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, position);
  }
}

TEST(PageTokenTest, IsUnpaddedBase64Url) {
  for (size_t length = 0; length < 12; ++length) {
    // 0xfb and 0xff bytes would be '+' and '/' in standard base64.
    const std::string token =
        EncodePageToken(kScope, std::string(length, '\xfb'));
    for (char c : token) {
      EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                  c == '_')
          << token;
    }
  }
}

TEST(PageTokenTest, LayoutIsVersionScopePrefixPosition) {
  const std::string raw = RawBytes(EncodePageToken(kScope, "abc"));
  ASSERT_EQ(raw.size(), 1u + 8u + 3u);
  EXPECT_EQ(raw[0], '\x01');
  EXPECT_EQ(raw.substr(1, 8), ScopePrefix(kScope));
  EXPECT_EQ(raw.substr(9), "abc");
}

TEST(PageTokenTest, RejectsOtherScope) {
  const std::string token = EncodePageToken(kScope, "abc");
  ExpectInvalid(DecodePageToken(token, "ListCatalogContent|catalog=5678"),
                "page_token was issued for a different request; restart "
                "paging without it");
}

TEST(PageTokenTest, RejectsEmptyToken) {
  ExpectInvalid(DecodePageToken("", kScope), "page_token is malformed");
}

TEST(PageTokenTest, RejectsCharactersOutsideBase64Url) {
  const std::string token = EncodePageToken(kScope, "abcd");
  for (const std::string& bad :
       {token + "=", "+" + token.substr(1), "/" + token.substr(1),
        token.substr(0, 4) + " " + token.substr(4), token + "\n",
        token.substr(0, 3) + "." + token.substr(4)}) {
    ExpectInvalid(DecodePageToken(bad, kScope), "page_token is malformed");
  }
}

TEST(PageTokenTest, RejectsNonCanonicalEncoding) {
  // 10 raw bytes leave 4 unused low bits in the last character; setting one
  // yields a string lenient decoders accept as the same bytes.
  const std::string token = EncodePageToken(kScope, "x");
  ASSERT_EQ(token.size(), 14u);
  std::string altered = token;
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  altered.back() = alphabet[alphabet.find(token.back()) | 1];
  ASSERT_NE(altered, token);
  ExpectInvalid(DecodePageToken(altered, kScope), "page_token is malformed");
  // 13 characters: a length no base64 text can have.
  ExpectInvalid(DecodePageToken(token.substr(0, 13), kScope),
                "page_token is malformed");
}

TEST(PageTokenTest, RejectsWrongVersionAndTruncation) {
  const std::string raw = RawBytes(EncodePageToken(kScope, "abc"));
  std::string wrong_version = raw;
  wrong_version[0] = '\x02';
  ExpectInvalid(
      DecodePageToken(absl::WebSafeBase64Escape(wrong_version), kScope),
      "page_token is malformed");
  // Shorter than version byte plus scope prefix.
  ExpectInvalid(
      DecodePageToken(absl::WebSafeBase64Escape(raw.substr(0, 8)), kScope),
      "page_token is malformed");
}

TEST(PageTokenTest, RejectsAlteredScopePrefix) {
  std::string raw = RawBytes(EncodePageToken(kScope, "abc"));
  raw[3] = static_cast<char>(raw[3] ^ 0x01);
  ExpectInvalid(DecodePageToken(absl::WebSafeBase64Escape(raw), kScope),
                "different request");
}

TEST(PageTokenTest, LengthLimit) {
  // 9 header bytes plus 759 position bytes encode to exactly 1024 chars.
  const std::string at_limit = EncodePageToken(kScope, std::string(759, 'p'));
  ASSERT_EQ(at_limit.size(), kMaxPageTokenBytes);
  EXPECT_TRUE(DecodePageToken(at_limit, kScope).ok());

  const std::string over = EncodePageToken(kScope, std::string(760, 'p'));
  ASSERT_GT(over.size(), kMaxPageTokenBytes);
  ExpectInvalid(DecodePageToken(over, kScope), "the limit is 1024 bytes");
  ExpectInvalid(DecodePageToken(std::string(5000, 'A'), kScope),
                "page_token is 5000 bytes; the limit is 1024 bytes");
}

}  // namespace
}  // namespace ec
