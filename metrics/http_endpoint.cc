#include "metrics/http_endpoint.h"

#include <CivetServer.h>
#include <civetweb.h>
#include <prometheus/exposer.h>

#include <cstring>
#include <exception>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "metrics/metrics.h"

namespace ec::metrics {
namespace {

// civetweb calls begin_request with only the connection; its user data is
// the exposer's own server object. The probes are therefore found by the
// port the request arrived on.
struct ProbeTable {
  absl::Mutex mu;
  absl::flat_hash_map<int, Probes> by_port ABSL_GUARDED_BY(mu);
};

ProbeTable& Table() {
  static auto* table = new ProbeTable();
  return *table;
}

void Reply(mg_connection* conn, bool ok) {
  const char* body = ok ? "ok\n" : "unavailable\n";
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
            "Cache-Control: no-store\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n%s",
            ok ? 200 : 503, ok ? "OK" : "Service Unavailable", strlen(body),
            body);
}

// Returns 1 when the request was answered here, 0 to let the exposer
// (/metrics) or civetweb (404) handle it.
int BeginRequest(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  if (info == nullptr || info->local_uri == nullptr) return 0;
  const std::string_view uri = info->local_uri;
  const bool healthz = uri == "/healthz";
  if (!healthz && uri != "/readyz") return 0;
  std::function<bool()> probe;
  {
    ProbeTable& table = Table();
    absl::MutexLock lock(&table.mu);
    auto it = table.by_port.find(info->server_port);
    // Not registered yet: the endpoint is still starting.
    if (it != table.by_port.end()) {
      probe = healthz ? it->second.live : it->second.ready;
    }
  }
  Reply(conn, probe && probe());
  return 1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(
    const std::string& address, Probes probes) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", address,
                     "\" is not host:port (e.g. 0.0.0.0:9464)"));
  }
  static const CivetCallbacks callbacks = [] {
    CivetCallbacks c;  // zeroed by its constructor
    c.begin_request = &BeginRequest;
    return c;
  }();
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint());
  try {
    // civetweb serves one connection per thread, from the first byte of the
    // request to the last of the answer. Eight threads, and at most 2 s for
    // any read or write, so that a few clients that connect and then send
    // or read slowly (or not at all) cannot keep the kubelet's probes from
    // being answered: with civetweb's defaults (30 s) two such clients
    // pinned the port and the pod was restarted as dead (issue 14).
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", address, "num_threads",
                                 absl::StrCat(kThreads), "request_timeout_ms",
                                 absl::StrCat(kIoTimeoutMs)},
        &callbacks);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address));
  }
  endpoint->port_ = ports.front();
  endpoint->exposer_->RegisterCollectable(Registry());
  ProbeTable& table = Table();
  absl::MutexLock lock(&table.mu);
  table.by_port[endpoint->port_] = std::move(probes);
  return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
  {
    ProbeTable& table = Table();
    absl::MutexLock lock(&table.mu);
    table.by_port.erase(port_);
  }
  // Stops civetweb's threads before the probes' captures go away.
  exposer_.reset();
}

}  // namespace ec::metrics
