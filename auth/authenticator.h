#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/jwt_verifier.h"
#include "auth/principal.h"

namespace ec::auth {

struct AuthConfig {
  // Local development only: every call is treated as an operator's. The
  // server logs a warning at start when set.
  bool disabled = false;
  JwtConfig jwt;
};

// Turns a call's `authorization` metadata into a Principal. Thread-safe.
class Authenticator {
 public:
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(
      const AuthConfig& config, common::Clock clock = common::SystemClock());

  bool disabled() const { return verifier_ == nullptr; }

  // `header` is the authorization value ("JWT <token>" or "Bearer <token>"),
  // absent if the caller sent none. UNAUTHENTICATED when missing or invalid.
  absl::StatusOr<Principal> Authenticate(
      std::optional<std::string_view> header) const;

 private:
  explicit Authenticator(std::unique_ptr<JwtVerifier> verifier)
      : verifier_(std::move(verifier)) {}

  std::unique_ptr<JwtVerifier> verifier_;  // null: authentication disabled
};

}  // namespace ec::auth
