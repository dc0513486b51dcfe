#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"

namespace ec::auth {

// How caller tokens are checked. At least one of `hs256_secret` and
// `jwks_file` must be set.
struct JwtConfig {
  // Shared secret for HS256 tokens (the platform's JWT_SECRET_KEY).
  std::string hs256_secret;
  // A JWKS file (RFC 7517: {"keys": [{"kty": "RSA", "kid", "n", "e"}]}) for
  // RS256 tokens, the key chosen by the token's `kid`. Re-read when a token
  // names a kid it does not hold (key rotation), at most every 30 s, and
  // every 5 minutes regardless (key removal).
  std::string jwks_file;
  // Accepted `iss` values; the token's must be one of them.
  std::vector<std::string> issuers;
  // The token's `aud` (a string, or an array) must contain this.
  std::string audience;
  // Tolerated clock difference for exp and nbf.
  std::chrono::seconds leeway{30};
};

// What a verified token says about its caller.
struct VerifiedToken {
  // `preferred_username`, else `username`, else `sub`, else `user_id`.
  std::string subject;
  // The `roles` claim ("role:context" strings); missing means none.
  std::vector<std::string> roles;
  // `exp`, seconds since the epoch.
  int64_t expires = 0;
};

// Verifies JWTs with libjwt: HS256 against the shared secret, RS256 against
// the JWKS key named by `kid`; any other algorithm (including "none") and any
// algorithm/key mismatch is refused before a signature is checked. Then
// checks iss, aud, exp (required) and nbf. Verified tokens are remembered
// (exact bytes) until they expire, for at most 5 minutes, and forgotten when
// the key set changes. Thread-safe.
class JwtVerifier {
 public:
  // INVALID_ARGUMENT naming the setting if the config is unusable (no key,
  // unreadable or malformed JWKS, no issuer or audience).
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> Create(
      const JwtConfig& config, common::Clock clock = common::SystemClock());

  virtual ~JwtVerifier() = default;

  // UNAUTHENTICATED with a message fit for the caller (which check failed,
  // never key material) for anything but a valid token.
  virtual absl::StatusOr<VerifiedToken> Verify(std::string_view token) = 0;
};

// Signs a token (development and tests): HS256 with `secret`, or RS256 with a
// PEM private key and `kid`. `claims_json` is the payload object.
absl::StatusOr<std::string> SignHs256(std::string_view claims_json,
                                      std::string_view secret);
absl::StatusOr<std::string> SignRs256(std::string_view claims_json,
                                      std::string_view private_key_pem,
                                      std::string_view kid);

}  // namespace ec::auth
