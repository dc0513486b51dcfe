#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ec::common {

// Parses a uuid in the 8-4-4-4-12 hex form (either case) and returns it in
// lower case; nullopt if malformed.
std::optional<std::string> NormalizeUuid(std::string_view text);

// A random (version 4) uuid in lower case. Thread-safe.
std::string NewUuidV4();

}  // namespace ec::common
