#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace ec::client {

// OK if `token` can travel as an HTTP/2 header value. gRPC aborts the
// process on a value it cannot send, so a token from a file, an option or a
// provider is checked before any call carries it. Internal to the client
// library (MakeChannel and ReadTokenFile are declared in catalog_client.h).
absl::Status CheckToken(std::string_view token);

}  // namespace ec::client
