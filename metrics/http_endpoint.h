#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
}

namespace ec::metrics {

// What the Kubernetes probes ask. Both are called on the HTTP server's
// threads and must be quick (read a flag, never touch the database).
struct Probes {
  // Liveness (/healthz): false only if the process is wedged and a restart
  // would help. A database outage is not that.
  std::function<bool()> live;
  // Readiness (/readyz): whether to send traffic here now (the database
  // answers and the process is not draining).
  std::function<bool()> ready;
};

// Where the metrics port listens (ENTERPRISE_CATALOG_METRICS_ADDRESS).
struct EndpointConfig {
  // host:port; empty: no endpoint.
  std::string address = "0.0.0.0:9464";
};

// The metrics port: prometheus-cpp's pull exposer serving the process
// registry on /metrics, plus /healthz and /readyz answered from `probes`
// (200 "ok" or 503 "unavailable"). The probes share the port so that one
// port is opened for everything that is not the API.
class HttpEndpoint {
 public:
  // Connections served at once, and the longest any one read or write of a
  // request may block (a connection that sends nothing is closed after it).
  static constexpr int kThreads = 8;
  static constexpr int kIoTimeoutMs = 2000;

  // `address` is host:port; port 0 picks a free one. UNAVAILABLE if it
  // cannot be bound, INVALID_ARGUMENT if it is not host:port.
  static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(
      const std::string& address, Probes probes);
  ~HttpEndpoint();

  int port() const { return port_; }

 private:
  HttpEndpoint() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace ec::metrics
