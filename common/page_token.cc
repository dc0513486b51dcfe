#include "common/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/limits.h"

namespace ec::common {
namespace {

// Bumped if the token layout changes, so old tokens fail cleanly instead of
// being misread. Layout: version byte, position, MAC.
constexpr char kTokenVersion = 2;
// 128 bits of HMAC-SHA256: far beyond guessing, and keeps tokens short.
constexpr size_t kMacBytes = 16;
constexpr size_t kMinSecretBytes = 16;

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

absl::Status Invalid() {
  return absl::InvalidArgumentError(
      "page_token is invalid for this request; pass next_page_token back "
      "unchanged with the same request fields, or restart paging without it");
}

}  // namespace

PageTokenCodec::PageTokenCodec(std::string secret)
    : secret_(std::move(secret)) {
  // A short secret is a configuration error caught at start (config
  // validation); reaching here with one is a programming error.
  if (secret_.size() < kMinSecretBytes) std::abort();
}

PageTokenCodec PageTokenCodec::WithRandomSecret() {
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 1) {
    std::abort();  // no entropy: nothing safe to fall back to
  }
  return PageTokenCodec(std::move(secret));
}

std::string PageTokenCodec::Mac(std::string_view scope,
                                std::string_view position) const {
  // Length-prefixing the scope keeps (scope, position) pairs unambiguous.
  std::string message =
      absl::StrCat(absl::string_view(&kTokenVersion, 1), scope.size(), ":",
                   absl::string_view(scope.data(), scope.size()),
                   absl::string_view(position.data(), position.size()));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  // HMAC-SHA256 cannot fail short of memory exhaustion; an empty MAC never
  // matches a decoded one, so failure fails closed.
  if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
           reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), digest, &digest_size) == nullptr ||
      digest_size < kMacBytes) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(digest), kMacBytes);
}

std::string PageTokenCodec::Encode(std::string_view scope,
                                   std::string_view position) const {
  std::string raw;
  raw.reserve(1 + position.size() + kMacBytes);
  raw += kTokenVersion;
  raw.append(position);
  raw += Mac(scope, position);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::string> PageTokenCodec::Decode(
    std::string_view token, std::string_view scope) const {
  if (token.size() > kMaxPageTokenBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token is ", token.size(), " bytes; the limit is ",
                     kMaxPageTokenBytes, " bytes"));
  }
  for (char c : token) {
    if (!IsBase64UrlChar(c)) return Invalid();
  }
  std::string raw;
  // Debian's Abseil keeps its own string_view type, so convert explicitly.
  if (token.empty() ||
      !absl::WebSafeBase64Unescape(
          absl::string_view(token.data(), token.size()), &raw)) {
    return Invalid();
  }
  // Only the canonical encoding: stray low bits in the last character would
  // otherwise give one position several accepted spellings.
  if (absl::WebSafeBase64Escape(raw) != token) return Invalid();
  if (raw.size() < 1 + kMacBytes || raw[0] != kTokenVersion) return Invalid();
  std::string_view position(raw);
  position.remove_prefix(1);
  position.remove_suffix(kMacBytes);
  const std::string expected = Mac(scope, position);
  if (expected.size() != kMacBytes ||
      CRYPTO_memcmp(expected.data(), raw.data() + raw.size() - kMacBytes,
                    kMacBytes) != 0) {
    return Invalid();
  }
  return std::string(position);
}

}  // namespace ec::common
