#pragma once

#include "common/settings.h"
#include "metrics/http_endpoint.h"

namespace ec::metrics {

// Where /metrics, /healthz and /readyz are served.
common::SettingsGroup<EndpointConfig> MetricsSettings();

}  // namespace ec::metrics
