#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "discovery/discovery_client.h"
#include "discovery/http_transport.h"

namespace ec::discovery {

// NewDiscoveryClient with its edges replaced, for tests that script faults:
// `transport` carries every request, `now` drives token expiry (null means
// the steady clock) and `jitter_seed` makes the backoff jitter repeatable.
// A null `sleeper` means a plain sleep, as in production.
std::unique_ptr<ContentSource> NewDiscoveryClientForTest(
    const DiscoveryConfig& config, std::unique_ptr<HttpTransport> transport,
    Sleeper sleeper, std::function<std::chrono::steady_clock::time_point()> now,
    uint64_t jitter_seed);

}  // namespace ec::discovery
