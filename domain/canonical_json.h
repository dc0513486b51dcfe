#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"

namespace ec::domain {

// A content filter in the canonical form shared with the Django service.
struct CanonicalFilter {
  // Python json.dumps(filter, sort_keys=True) output.
  std::string json;
  // Lower-case hex md5 of `json`: the catalog query's content_filter_hash.
  std::string hash;
};

// Renders `value` byte-for-byte like Python's json.dumps(value,
// sort_keys=True): keys sorted recursively by code point, list order kept,
// ", " and ": " separators, non-ASCII and control characters escaped as
// lower-case \uXXXX (astral characters as surrogate pairs). Numbers that are
// integral and within +-2^53 are written as integers (a JSON 5 arrives in a
// Struct as the double 5.0, but Django saw the int 5); others as Python's
// float repr. Fails with INVALID_ARGUMENT on NaN/Infinity, NUL characters,
// invalid UTF-8 or nesting deeper than `max_depth`.
absl::StatusOr<std::string> PythonJsonDumps(
    const google::protobuf::Value& value, int max_depth);

// Canonicalizes and hashes a catalog's content filter, enforcing the filter
// limits (kMaxFilterDepth, kMaxFilterBytes). INVALID_ARGUMENT names the limit.
absl::StatusOr<CanonicalFilter> CanonicalizeFilter(
    const google::protobuf::Struct& filter);

// Appends Python's repr() of a finite float: the shortest digits that
// round-trip, positional for decimal exponents in [-4, 16) ("301.0",
// "0.0001"), scientific otherwise ("1e+16", "1e-05").
void AppendPythonFloat(double number, std::string& out);

// Lower-case hex md5 of `data`.
std::string Md5Hex(std::string_view data);

}  // namespace ec::domain
