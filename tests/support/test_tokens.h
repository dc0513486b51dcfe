#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/jwt_verifier.h"

namespace ec::testing {

inline constexpr char kTestIssuer[] = "https://lms.test/oauth2";
inline constexpr char kTestAudience[] = "enterprise-catalog";
inline constexpr char kTestSecret[] = "test-hs256-secret-that-is-long-enough";

// An RSA key pair for RS256 tests.
struct RsaTestKey {
  std::string kid;
  std::string private_pem;
  std::string public_jwk_json;  // one JWKS entry
};
RsaTestKey MakeRsaKey(const std::string& kid, int bits = 2048);
// {"keys": [...]} for the keys.
std::string JwksJson(const std::vector<RsaTestKey>& keys);

// A token's claims, relative to now.
struct TokenSpec {
  std::string subject = "tester";
  std::vector<std::string> roles;
  std::string issuer = kTestIssuer;
  std::string audience = kTestAudience;
  int64_t expires_in_seconds = 3600;
  std::optional<int64_t> not_before_in_seconds;
};
std::string ClaimsJson(const TokenSpec& spec);

// HS256 under `secret`; aborts the test binary on failure (a broken helper).
std::string Hs256Token(const TokenSpec& spec,
                       const std::string& secret = kTestSecret);
std::string Rs256Token(const TokenSpec& spec, const RsaTestKey& key);

// The verifier configuration matching the defaults above (HS256 only).
auth::JwtConfig TestJwtConfig();

}  // namespace ec::testing
