#include "common/uuid.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"

namespace ec::common {
namespace {

constexpr size_t kUuidTextSize = 36;

bool IsDashPosition(size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

}  // namespace

std::optional<std::string> NormalizeUuid(std::string_view text) {
  if (text.size() != kUuidTextSize) return std::nullopt;
  std::string normalized(kUuidTextSize, '-');
  for (size_t i = 0; i < kUuidTextSize; ++i) {
    const char c = text[i];
    if (IsDashPosition(i)) {
      if (c != '-') return std::nullopt;
    } else {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
        return std::nullopt;
      }
      normalized[i] = absl::ascii_tolower(static_cast<unsigned char>(c));
    }
  }
  return normalized;
}

std::string NewUuidV4() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // Without a working CSPRNG every id we hand out could collide; no caller
    // can recover from that, so stop rather than risk duplicate ids.
    std::fputs("fatal: OpenSSL RAND_bytes failed; cannot generate uuids\n",
               stderr);
    std::abort();
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(kUuidTextSize);
  for (size_t i = 0; i < sizeof(bytes); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0f];
  }
  return text;
}

}  // namespace ec::common
