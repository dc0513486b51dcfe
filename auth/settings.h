#pragma once

#include "auth/authenticator.h"
#include "common/settings.h"

namespace ec::auth {

// Who may call: JWT secrets and keys, issuers, audience, leeway, and the
// development-only switch that turns authentication off.
common::SettingsGroup<AuthConfig> AuthSettings();

}  // namespace ec::auth
