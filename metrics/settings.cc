#include "metrics/settings.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ec::metrics {

common::SettingsGroup<EndpointConfig> MetricsSettings() {
  common::Setting<EndpointConfig> address{
      "metrics-address", "ENTERPRISE_CATALOG_METRICS_ADDRESS",
      "host:port for Prometheus /metrics and the /healthz and /readyz probes "
      "(serve, work, all); \"off\" disables",
      "host:port or off"};
  address.parse = [](EndpointConfig& c, const std::string& v) -> absl::Status {
    if (v == "off") {
      c.address.clear();
      return absl::OkStatus();
    }
    const size_t colon = v.rfind(':');
    int port = -1;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(v.substr(colon + 1), &port) || port < 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected host:port or off, got \"", v, "\""));
    }
    c.address = v;
    return absl::OkStatus();
  };
  address.show = [](const EndpointConfig& c) {
    return c.address.empty() ? std::string("off") : c.address;
  };
  return {"Metrics and probes", {address}};
}

}  // namespace ec::metrics
