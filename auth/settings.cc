#include "auth/settings.h"

#include "absl/strings/str_join.h"

namespace ec::auth {

common::SettingsGroup<AuthConfig> AuthSettings() {
  using common::StringSetting;

  common::Setting<AuthConfig> issuers{
      "jwt-issuer", "ENTERPRISE_CATALOG_JWT_ISSUER",
      "accepted token issuers (iss), comma-separated", "comma-separated list"};
  issuers.parse = [](AuthConfig& c, const std::string& v) {
    c.jwt.issuers = common::SplitList(v);
    return absl::OkStatus();
  };
  issuers.show = [](const AuthConfig& c) {
    return absl::StrJoin(c.jwt.issuers, ",");
  };
  issuers.unset_note = "(required with auth)";

  return {
      "Authentication (serve, all)",
      {
          common::BoolSetting<AuthConfig>(
              "auth-disabled", "ENTERPRISE_CATALOG_AUTH_DISABLED",
              "LOCAL DEVELOPMENT ONLY: accept every call without a token, as "
              "an operator",
              &AuthConfig::disabled),
          StringSetting<AuthConfig>(
              "jwt-secret", "ENTERPRISE_CATALOG_JWT_SECRET",
              "shared secret for HS256 caller tokens (the platform's JWT "
              "secret)",
              [](auto& c) -> auto& { return c.jwt.hs256_secret; }),
          StringSetting<AuthConfig>(
              "jwks-file", "ENTERPRISE_CATALOG_JWKS_FILE",
              "JWKS file with the RSA keys for RS256 caller tokens (by kid)",
              [](auto& c) -> auto& { return c.jwt.jwks_file; }),
          issuers,
          StringSetting<AuthConfig>(
              "jwt-audience", "ENTERPRISE_CATALOG_JWT_AUDIENCE",
              "the audience (aud) tokens must name",
              [](auto& c) -> auto& { return c.jwt.audience; },
              "(required with auth)"),
          common::DurationSetting<std::chrono::seconds, AuthConfig>(
              "jwt-leeway-seconds", "ENTERPRISE_CATALOG_JWT_LEEWAY_SECONDS",
              "tolerated clock skew for token exp and nbf",
              [](auto& c) -> auto& { return c.jwt.leeway; }, 0, 600),
      }};
}

}  // namespace ec::auth
