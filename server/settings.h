#pragma once

#include "common/settings.h"
#include "server/catalog_server.h"

namespace ec::server {

// The gRPC port's settings: address, RPC threads, limits, TLS, reflection,
// page tokens and the per-call log line. Authentication is auth's fragment.
common::SettingsGroup<ServerOptions> ServerSettings();

}  // namespace ec::server
