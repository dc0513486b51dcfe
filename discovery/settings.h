#pragma once

#include "common/settings.h"
#include "discovery/discovery_client.h"

namespace ec::discovery {

// How the workers reach course-discovery and the LMS token endpoint.
common::SettingsGroup<DiscoveryConfig> DiscoverySettings();

}  // namespace ec::discovery
