#include "common/page_token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/limits.h"
#include "gtest/gtest.h"

namespace ec {
namespace {

constexpr char kScope[] = "ListCatalogContent|catalog=1234";
constexpr char kOtherScope[] = "ListCatalogContent|catalog=5678";
constexpr char kSecret[] = "0123456789abcdef-test-secret";
constexpr char kInvalidMessage[] = "page_token is invalid for this request";
constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t kMacBytes = 16;
constexpr char kVersion = '\x02';

std::string RawBytes(const std::string& token) {
  std::string raw;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(token, &raw)) << token;
  return raw;
}

// The message the codec authenticates: version | len(scope) ":" scope |
// position.
std::string MacInput(const std::string& scope, const std::string& position) {
  return absl::StrCat(std::string(1, kVersion), scope.size(), ":", scope,
                      position);
}

std::string HmacSha256(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EXPECT_NE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(data.data()),
                 data.size(), digest, &size),
            nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Sha256(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

// Raw md5, as the old v1 layout used it.
std::string Md5(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

// A token laid out like the codec's, with `mac` (truncated) as its MAC.
std::string HandMadeToken(char version, const std::string& position,
                          const std::string& mac) {
  return absl::WebSafeBase64Escape(absl::StrCat(
      std::string(1, version), position, mac.substr(0, kMacBytes)));
}

void ExpectInvalid(const absl::StatusOr<std::string>& decoded,
                   const std::string& message_part = kInvalidMessage) {
  ASSERT_FALSE(decoded.ok())
      << "decoded to \"" << absl::CEscape(*decoded) << "\"";
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, message_part,
                      std::string(decoded.status().message()));
}

class PageTokenTest : public ::testing::Test {
 protected:
  const common::PageTokenCodec codec_{kSecret};
};

TEST_F(PageTokenTest, RoundTrips) {
  const std::string binary("\0\xff\x01pos\0", 7);
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes += static_cast<char>(c);
  for (const std::string& position :
       {std::string("course-v1:edX+DemoX+1T2024"), std::string(), binary,
        all_bytes, std::string(1, '\0')}) {
    const std::string token = codec_.Encode(kScope, position);
    absl::StatusOr<std::string> decoded = codec_.Decode(token, kScope);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, position);
  }
}

TEST_F(PageTokenTest, RoundTripsWithEmptyAndBinaryScope) {
  const std::string binary_scope("a\0b|\xff", 5);
  for (const std::string& scope : {std::string(), binary_scope}) {
    absl::StatusOr<std::string> decoded =
        codec_.Decode(codec_.Encode(scope, "pos"), scope);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, "pos");
  }
}

TEST_F(PageTokenTest, IsDeterministic) {
  EXPECT_EQ(codec_.Encode(kScope, "abc"), codec_.Encode(kScope, "abc"));
  EXPECT_EQ(common::PageTokenCodec(kSecret).Encode(kScope, "abc"),
            codec_.Encode(kScope, "abc"));
}

TEST_F(PageTokenTest, IsUnpaddedBase64Url) {
  for (size_t length = 0; length < 12; ++length) {
    // 0xfb and 0xff bytes would be '+' and '/' in standard base64.
    for (char fill : {'\xfb', '\xff'}) {
      const std::string token =
          codec_.Encode(kScope, std::string(length, fill));
      EXPECT_EQ(token.find_first_not_of(kAlphabet), std::string::npos) << token;
    }
  }
}

TEST_F(PageTokenTest, LayoutIsVersionPositionMac) {
  const std::string raw = RawBytes(codec_.Encode(kScope, "abc"));
  ASSERT_EQ(raw.size(), 1u + 3u + kMacBytes);
  EXPECT_EQ(raw[0], kVersion);
  EXPECT_EQ(raw.substr(1, 3), "abc");
  EXPECT_EQ(raw.substr(4),
            HmacSha256(kSecret, MacInput(kScope, "abc")).substr(0, kMacBytes));
}

TEST_F(PageTokenTest, RejectsOtherScope) {
  const std::string token = codec_.Encode(kScope, "abc");
  ExpectInvalid(codec_.Decode(token, kOtherScope));
  ExpectInvalid(codec_.Decode(token, ""));
  ExpectInvalid(codec_.Decode(token, absl::StrCat(kScope, " ")));
}

TEST_F(PageTokenTest, ScopeAndPositionDoNotRunTogether) {
  // Without the length prefix, ("ab", "c") and ("a", "bc") would MAC the same
  // bytes; a token must not carry over from one to the other.
  const std::string raw = RawBytes(codec_.Encode("ab", "c"));
  const std::string mac = raw.substr(raw.size() - kMacBytes);
  ExpectInvalid(codec_.Decode(HandMadeToken(kVersion, "bc", mac), "a"));
}

TEST_F(PageTokenTest, RejectsTokenOfAnotherSecret) {
  const common::PageTokenCodec other("another-secret-of-enough-bytes");
  const std::string forged = other.Encode(kScope, "abc");
  ExpectInvalid(codec_.Decode(forged, kScope));
  // And the other way round.
  ExpectInvalid(other.Decode(codec_.Encode(kScope, "abc"), kScope));
}

TEST_F(PageTokenTest, RandomSecretCodecsAreIndependent) {
  const common::PageTokenCodec a = common::PageTokenCodec::WithRandomSecret();
  const common::PageTokenCodec b = common::PageTokenCodec::WithRandomSecret();
  const std::string token = a.Encode(kScope, "abc");
  absl::StatusOr<std::string> decoded = a.Decode(token, kScope);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, "abc");
  ExpectInvalid(b.Decode(token, kScope));
  ExpectInvalid(codec_.Decode(token, kScope));
}

TEST_F(PageTokenTest, RejectsHandMintedTokens) {
  // What a caller could compute without the secret: plain hashes of the MAC
  // input (for any scope they like), an HMAC under an empty or guessed key,
  // the old v1 layout (md5 scope prefix), a zero MAC.
  const std::string input = MacInput(kOtherScope, "abc");
  for (const std::string& mac :
       {Sha256(input), HmacSha256("", input), HmacSha256("secret", input),
        Md5(input), std::string(kMacBytes, '\0')}) {
    ExpectInvalid(
        codec_.Decode(HandMadeToken(kVersion, "abc", mac), kOtherScope));
  }
  const std::string v1 = absl::WebSafeBase64Escape(
      absl::StrCat("\x01", Md5(kScope).substr(0, 8), "abc"));
  ExpectInvalid(codec_.Decode(v1, kScope));
}

TEST_F(PageTokenTest, RejectsEveryFlippedBit) {
  const std::string raw = RawBytes(codec_.Encode(kScope, "course:edX+DemoX"));
  for (size_t i = 0; i < raw.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string altered = raw;
      altered[i] = static_cast<char>(altered[i] ^ (1 << bit));
      SCOPED_TRACE(absl::StrCat("byte ", i, " bit ", bit));
      ExpectInvalid(codec_.Decode(absl::WebSafeBase64Escape(altered), kScope));
    }
  }
}

TEST_F(PageTokenTest, RejectsEveryChangedCharacter) {
  // Also covers the unused low bits of the last character: a lenient decoder
  // would read the altered text as the same bytes.
  for (const char* position : {"x", "xy", "xyz"}) {
    const std::string token = codec_.Encode(kScope, position);
    for (size_t i = 0; i < token.size(); ++i) {
      for (const char c : std::string(kAlphabet)) {
        if (c == token[i]) continue;
        std::string altered = token;
        altered[i] = c;
        SCOPED_TRACE(absl::StrCat(token, " -> ", altered));
        ExpectInvalid(codec_.Decode(altered, kScope));
      }
    }
  }
}

TEST_F(PageTokenTest, RejectsNonCanonicalEncoding) {
  // 1 + 1 + 16 = 18 raw bytes -> 24 characters, 1 + 2 + 16 = 19 -> 26: the
  // last character of the latter carries 2 unused low bits. A decoder that
  // ignores them accepts several texts as one token, so a token would not be
  // the only spelling of itself.
  const std::string token = codec_.Encode(kScope, "xy");
  ASSERT_EQ(token.size(), 26u);
  const std::string alphabet(kAlphabet);
  const size_t last = alphabet.find(token.back());
  ASSERT_EQ(last % 4, 0u) << token;
  for (size_t low_bits = 1; low_bits < 4; ++low_bits) {
    std::string altered = token;
    altered.back() = alphabet[last | low_bits];
    SCOPED_TRACE(altered);
    ExpectInvalid(codec_.Decode(altered, kScope));
  }
}

TEST_F(PageTokenTest, RejectsTruncatedAndExtendedTokens) {
  const std::string token = codec_.Encode(kScope, "course:edX+DemoX");
  for (size_t length = 0; length < token.size(); ++length) {
    SCOPED_TRACE(length);
    ExpectInvalid(codec_.Decode(token.substr(0, length), kScope));
  }
  for (const char* suffix : {"A", "AA", "AAA", "AAAA"}) {
    ExpectInvalid(codec_.Decode(token + suffix, kScope));
  }
  // Raw shorter than version byte plus MAC.
  const std::string raw = RawBytes(token);
  ExpectInvalid(codec_.Decode(
      absl::WebSafeBase64Escape(raw.substr(0, kMacBytes)), kScope));
  ExpectInvalid(codec_.Decode(
      absl::WebSafeBase64Escape(raw.substr(raw.size() - kMacBytes)), kScope));
}

TEST_F(PageTokenTest, RejectsWrongVersion) {
  // Even with a MAC that is right for every other byte.
  for (char version : {'\x00', '\x01', '\x03', '\xff'}) {
    const std::string input = absl::StrCat(
        std::string(1, version), sizeof(kScope) - 1, ":", kScope, "abc");
    ExpectInvalid(codec_.Decode(
        HandMadeToken(version, "abc", HmacSha256(kSecret, input)), kScope));
  }
}

TEST_F(PageTokenTest, RejectsCharactersOutsideBase64Url) {
  const std::string token = codec_.Encode(kScope, "abcd");
  for (const std::string& bad :
       // StrCat, not operator+: GCC 12 warns falsely (-Wrestrict) on
       // "literal" + std::string at -O3.
       {absl::StrCat(token, "="), absl::StrCat(token, "=="),
        absl::StrCat("+", token.substr(1)), absl::StrCat("/", token.substr(1)),
        absl::StrCat(token.substr(0, 4), " ", token.substr(4)),
        absl::StrCat(token, "\n"), absl::StrCat(" ", token),
        absl::StrCat(token.substr(0, 3), ".", token.substr(4)),
        absl::StrCat(token.substr(0, 3), std::string(1, '\0'),
                     token.substr(4))}) {
    ExpectInvalid(codec_.Decode(bad, kScope));
  }
}

TEST_F(PageTokenTest, RejectsEmptyAndGarbage) {
  for (const std::string& bad :
       {std::string(), std::string("A"), std::string("AAAA"),
        std::string("not a token"), std::string(40, 'A')}) {
    ExpectInvalid(codec_.Decode(bad, kScope));
  }
}

TEST_F(PageTokenTest, FailuresLookTheSame) {
  // Scope mismatch, forgery and garbage give one message, so probing cannot
  // tell which check failed.
  const std::string token = codec_.Encode(kScope, "abc");
  std::string corrupted = token;
  corrupted[2] = corrupted[2] == 'A' ? 'B' : 'A';
  const absl::Status other_scope = codec_.Decode(token, kOtherScope).status();
  EXPECT_EQ(codec_.Decode(corrupted, kScope).status(), other_scope);
  EXPECT_EQ(codec_.Decode("!!", kScope).status(), other_scope);
  EXPECT_EQ(codec_.Decode("", kScope).status(), other_scope);
  EXPECT_EQ(common::PageTokenCodec("another-secret-of-enough-bytes")
                .Decode(token, kScope)
                .status(),
            other_scope);
}

TEST_F(PageTokenTest, LengthLimit) {
  // 768 raw bytes (version, 751 position bytes, MAC) encode to exactly 1024
  // characters.
  const std::string at_limit = codec_.Encode(kScope, std::string(751, 'p'));
  ASSERT_EQ(at_limit.size(), common::kMaxPageTokenBytes);
  absl::StatusOr<std::string> decoded = codec_.Decode(at_limit, kScope);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, std::string(751, 'p'));

  const std::string over = codec_.Encode(kScope, std::string(752, 'p'));
  ASSERT_EQ(over.size(), common::kMaxPageTokenBytes + 2);
  ExpectInvalid(codec_.Decode(over, kScope),
                "page_token is 1026 bytes; the limit is 1024 bytes");
  ExpectInvalid(codec_.Decode(std::string(5000, 'A'), kScope),
                "page_token is 5000 bytes; the limit is 1024 bytes");
  // The limit is checked first, before any decoding.
  ExpectInvalid(codec_.Decode(std::string(1025, '!'), kScope),
                "page_token is 1025 bytes; the limit is 1024 bytes");
}

TEST(PageTokenDeathTest, ShortSecretAborts) {
  EXPECT_DEATH(common::PageTokenCodec(std::string(15, 'k')), "");
}

}  // namespace
}  // namespace ec
