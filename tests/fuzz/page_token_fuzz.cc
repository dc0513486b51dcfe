// Page tokens: ec::PageTokenCodec with a fixed secret.
//
// Properties, beyond "no crash, no sanitizer report":
//   - Decode(input, scope) of arbitrary bytes is refused with
//     INVALID_ARGUMENT, unless the input is byte for byte a token the codec
//     itself produces (Encode(scope, decoded) == input): no forged, altered
//     or alternatively spelled token is accepted;
//   - Encode(scope, p) then Decode gives p back for a scope and position
//     cut from the input (while the token fits kMaxPageTokenBytes; beyond it
//     Decode refuses), the token is unpadded base64url, and the same token is
//     refused under a different scope.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "common/page_token.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_seeds.h"

namespace {

using ec::fuzz::kPageTokenScope;

const ec::common::PageTokenCodec& Codec() {
  static const ec::common::PageTokenCodec* codec =
      new ec::common::PageTokenCodec(ec::fuzz::kPageTokenSecret);
  return *codec;
}

bool IsBase64Url(std::string_view text) {
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

void CheckArbitraryToken(std::string_view token, std::string_view scope) {
  const absl::StatusOr<std::string> decoded = Codec().Decode(token, scope);
  if (!decoded.ok()) {
    EC_FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument,
                  "a refused token must be INVALID_ARGUMENT");
    return;
  }
  EC_FUZZ_CHECK(Codec().Encode(scope, *decoded) == token,
                "accepted a token the codec did not produce");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The input as a token, for the seeds' scope and for the empty one.
  CheckArbitraryToken(input, kPageTokenScope);
  CheckArbitraryToken(input, "");

  // Round trip: the first byte says how much of the rest is the scope.
  const size_t scope_size = size == 0 ? 0 : data[0] % (size);
  const std::string_view rest = size == 0 ? input : input.substr(1);
  const std::string_view scope = rest.substr(0, scope_size);
  const std::string_view position = rest.substr(scope.size());
  const std::string token = Codec().Encode(scope, position);
  EC_FUZZ_CHECK(!token.empty() && IsBase64Url(token),
                "token is not unpadded base64url");
  const absl::StatusOr<std::string> decoded = Codec().Decode(token, scope);
  if (token.size() > ec::common::kMaxPageTokenBytes) {
    EC_FUZZ_CHECK(!decoded.ok() && decoded.status().code() ==
                                       absl::StatusCode::kInvalidArgument,
                  "a token over common::kMaxPageTokenBytes was not refused");
    return 0;
  }
  EC_FUZZ_CHECK(decoded.ok(), "the codec refused its own token");
  EC_FUZZ_CHECK(*decoded == position, "round trip changed the position");
  const std::string other_scope = std::string(scope) + "|x";
  EC_FUZZ_CHECK(!Codec().Decode(token, other_scope).ok(),
                "a token was accepted for another scope");
  return 0;
}
