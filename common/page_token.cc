#include "common/page_token.h"

#include <openssl/evp.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/limits.h"

namespace ec {
namespace {

// Bumped if the token layout changes, so old tokens fail cleanly instead of
// being misread.
constexpr char kTokenVersion = 1;
constexpr size_t kScopePrefixBytes = 8;
constexpr size_t kHeaderBytes = 1 + kScopePrefixBytes;

// The first bytes of md5(scope). False if md5 is unavailable (FIPS-only
// OpenSSL configurations).
bool ScopePrefix(std::string_view scope, char (&prefix)[kScopePrefixBytes]) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(scope.data(), scope.size(), digest, &digest_size, EVP_md5(),
                 nullptr) != 1 ||
      digest_size < kScopePrefixBytes) {
    return false;
  }
  std::memcpy(prefix, digest, kScopePrefixBytes);
  return true;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

absl::Status Malformed() {
  return absl::InvalidArgumentError(
      "page_token is malformed; pass next_page_token back unchanged, or "
      "restart paging without it");
}

}  // namespace

std::string EncodePageToken(std::string_view scope, std::string_view position) {
  // Without md5 the zero prefix is still encoded, but DecodePageToken then
  // refuses every token, so paging fails closed rather than unbound.
  char prefix[kScopePrefixBytes] = {};
  ScopePrefix(scope, prefix);
  std::string raw;
  raw.reserve(kHeaderBytes + position.size());
  raw += kTokenVersion;
  raw.append(prefix, kScopePrefixBytes);
  raw.append(position);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::string> DecodePageToken(std::string_view token,
                                            std::string_view scope) {
  if (token.size() > kMaxPageTokenBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token is ", token.size(), " bytes; the limit is ",
                     kMaxPageTokenBytes, " bytes"));
  }
  for (char c : token) {
    if (!IsBase64UrlChar(c)) return Malformed();
  }
  std::string raw;
  // Debian's Abseil keeps its own string_view type, so convert explicitly.
  if (token.empty() ||
      !absl::WebSafeBase64Unescape(
          absl::string_view(token.data(), token.size()), &raw)) {
    return Malformed();
  }
  // Only the canonical encoding is accepted, so each position has exactly
  // one token (stray low bits in the last character are not ignored).
  if (absl::WebSafeBase64Escape(raw) != token) return Malformed();
  if (raw.size() < kHeaderBytes || raw[0] != kTokenVersion) return Malformed();
  char expected[kScopePrefixBytes];
  if (!ScopePrefix(scope, expected)) {
    return absl::InternalError(
        "md5 is unavailable in this OpenSSL configuration; page tokens cannot "
        "be checked");
  }
  if (std::memcmp(raw.data() + 1, expected, kScopePrefixBytes) != 0) {
    return absl::InvalidArgumentError(
        "page_token was issued for a different request; restart paging "
        "without it");
  }
  return raw.substr(kHeaderBytes);
}

}  // namespace ec
