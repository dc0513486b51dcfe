#pragma once

#include <string_view>

namespace ec::common {

// True if JSON `text` opens more than `limit` nested objects or arrays.
// A linear scan that never recurses, so it can guard parsers and dumpers
// that do against hostile input.
bool NestsDeeperThan(std::string_view text, int limit);

}  // namespace ec::common
