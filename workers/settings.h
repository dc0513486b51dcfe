#pragma once

#include "common/settings.h"
#include "workers/refresh_worker.h"

namespace ec::workers {

// The refresh pipeline's settings (ENTERPRISE_CATALOG_REFRESH_*, GUARDRAIL_*):
// how the workers run, and the refresh policy they share with the core.
common::SettingsGroup<WorkerConfig> RefreshSettings();

}  // namespace ec::workers
