// Content filters: JSON text -> google.protobuf.Struct (as the gRPC JSON
// gateway and catalogctl produce it) -> ec::domain::CanonicalizeFilter.
//
// Properties, beyond "no crash, no sanitizer report":
//   - a successful canonicalization fits kMaxFilterBytes and its hash is the
//     32 lower-hex md5 of its json;
//   - it is idempotent: the canonical json parses back into a Struct whose
//     canonicalization is byte-identical (same json, same hash). A filter
//     stored canonical must keep its content_filter_hash when re-read.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "domain/canonical_json.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

bool IsLowerHex(const std::string& text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  google::protobuf::Struct filter;
  if (!google::protobuf::util::JsonStringToMessage(input, &filter).ok()) {
    return 0;
  }
  const absl::StatusOr<ec::domain::CanonicalFilter> first =
      ec::domain::CanonicalizeFilter(filter);
  if (!first.ok()) {
    EC_FUZZ_CHECK(first.status().code() == absl::StatusCode::kInvalidArgument,
                  "a refused filter must be INVALID_ARGUMENT");
    return 0;
  }
  EC_FUZZ_CHECK(first->hash.size() == 32 && IsLowerHex(first->hash),
                "hash is not 32 lower-case hex characters");
  EC_FUZZ_CHECK(first->hash == ec::domain::Md5Hex(first->json),
                "hash is not the md5 of the canonical json");
  EC_FUZZ_CHECK(first->json.size() <= ec::common::kMaxFilterBytes,
                "canonical json exceeds common::kMaxFilterBytes");
  EC_FUZZ_CHECK(!first->json.empty() && first->json.front() == '{' &&
                    first->json.back() == '}',
                "canonical json of a Struct is not an object");

  google::protobuf::Struct reparsed;
  EC_FUZZ_CHECK(
      google::protobuf::util::JsonStringToMessage(first->json, &reparsed).ok(),
      "canonical json does not parse back into a Struct");
  const absl::StatusOr<ec::domain::CanonicalFilter> second =
      ec::domain::CanonicalizeFilter(reparsed);
  EC_FUZZ_CHECK(second.ok(), "canonical json is refused when re-read");
  EC_FUZZ_CHECK(second->json == first->json,
                "canonicalization is not idempotent (json differs)");
  EC_FUZZ_CHECK(second->hash == first->hash,
                "canonicalization is not idempotent (hash differs)");
  return 0;
}
