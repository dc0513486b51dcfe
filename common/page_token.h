#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ec {

// Opaque keyset-pagination tokens. A token carries the position after which
// the next page starts, bound to a `scope`: a string the caller builds from
// everything that defines the result set (RPC name, catalog uuid, filters).
// A token presented with another scope, or altered, is rejected, so a token
// for one catalog or filter cannot page through another.
std::string EncodePageToken(std::string_view scope, std::string_view position);

// Returns the position. INVALID_ARGUMENT for malformed tokens, tokens longer
// than kMaxPageTokenBytes, or a scope mismatch.
absl::StatusOr<std::string> DecodePageToken(std::string_view token,
                                            std::string_view scope);

}  // namespace ec
