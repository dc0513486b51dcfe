#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "discovery/http_transport.h"

namespace ec::discovery {

struct CurlTransportOptions {
  // Larger responses fail with RESOURCE_EXHAUSTED instead of growing memory
  // without bound; a real search/all page is 0.5-2 MB.
  size_t max_response_bytes = size_t{64} << 20;
  std::string user_agent = "enterprise-catalog-discovery-client";
};

// libcurl with one easy handle for the transport's lifetime, so consecutive
// requests to the same host reuse one keep-alive connection. Follows no
// redirects (a 3xx is returned as a response), installs no signal handlers,
// accepts only http and https. Thread-compatible.
std::unique_ptr<HttpTransport> NewCurlTransport(
    CurlTransportOptions options = {});

}  // namespace ec::discovery
