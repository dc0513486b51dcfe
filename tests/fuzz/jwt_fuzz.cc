// Caller tokens: ec::auth::JwtVerifier (HS256, fixed secret, fixed clock).
//
// Each input is tried three ways, so the fuzzer reaches past the signature
// check as well as in front of it:
//   1. as a token, verbatim;
//   2. as a claims object, signed with the real secret (ec::auth::SignHs256);
//   3. as a JOSE header, over fixed valid claims, signed with the real
//      secret.
// Properties, beyond "no crash, no sanitizer report, no exception":
//   - refusals are UNAUTHENTICATED and never quote the secret;
//   - Verify returns OK only for a token whose signature is the HS256 MAC of
//     its header.payload under the real secret (checked independently here
//     with OpenSSL), whose header says alg HS256, and whose claims carry the
//     configured issuer and audience and an exp that has not passed.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "auth/jwt_verifier.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_seeds.h"

namespace {

using Json = nlohmann::json;

// Inputs larger than this are only tried verbatim (the verifier refuses
// tokens over 16 KiB anyway).
constexpr size_t kMaxDerivedInput = 4096;

ec::auth::JwtVerifier& Verifier() {
  static ec::auth::JwtVerifier* verifier = [] {
    ec::auth::JwtConfig config;
    config.hs256_secret = ec::fuzz::kJwtSecret;
    config.issuers = {ec::fuzz::kJwtIssuer};
    config.audience = ec::fuzz::kJwtAudience;
    config.leeway = std::chrono::seconds(ec::fuzz::kJwtLeewaySeconds);
    absl::StatusOr<std::unique_ptr<ec::auth::JwtVerifier>> created =
        ec::auth::JwtVerifier::Create(
            config, [] { return ec::fuzz::kJwtNowSeconds * 1000000; });
    EC_FUZZ_CHECK(created.ok(), "cannot create the verifier");
    return created->release();
  }();
  return *verifier;
}

std::string Base64Url(std::string_view bytes) {
  return absl::WebSafeBase64Escape(
      absl::string_view(bytes.data(), bytes.size()));
}

// The JWS HS256 signature of `signing_input` ("header.payload").
std::string Hs256Signature(std::string_view signing_input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  const std::string_view secret = ec::fuzz::kJwtSecret;
  EC_FUZZ_CHECK(
      HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()),
           signing_input.size(), mac, &mac_size) != nullptr,
      "HMAC failed");
  return Base64Url(
      std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

std::string SignedToken(std::string_view header_json,
                        std::string_view claims_json) {
  std::string token = Base64Url(header_json) + "." + Base64Url(claims_json);
  return token + "." + Hs256Signature(token);
}

Json DecodeSegment(std::string_view segment) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(
          absl::string_view(segment.data(), segment.size()), &text)) {
    return Json();
  }
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

bool HasAudience(const Json& aud) {
  if (aud.is_string()) return aud == ec::fuzz::kJwtAudience;
  if (!aud.is_array()) return false;
  for (const Json& entry : aud) {
    if (entry == ec::fuzz::kJwtAudience) return true;
  }
  return false;
}

void CheckVerify(std::string_view token) {
  const absl::StatusOr<ec::auth::VerifiedToken> verified =
      Verifier().Verify(token);
  if (!verified.ok()) {
    EC_FUZZ_CHECK(
        verified.status().code() == absl::StatusCode::kUnauthenticated,
        "a refused token must be UNAUTHENTICATED");
    EC_FUZZ_CHECK(verified.status().message().find(ec::fuzz::kJwtSecret) ==
                      absl::string_view::npos,
                  "an error message quotes the secret");
    return;
  }
  // Accepted: it must be genuinely signed and say what the config requires.
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.rfind('.');
  EC_FUZZ_CHECK(dot1 != std::string_view::npos && dot2 != dot1,
                "accepted a token that is not header.payload.signature");
  EC_FUZZ_CHECK(token.substr(dot2 + 1) == Hs256Signature(token.substr(0, dot2)),
                "accepted a token not signed with the secret");
  const Json header = DecodeSegment(token.substr(0, dot1));
  EC_FUZZ_CHECK(
      header.is_object() && header.contains("alg") && header["alg"] == "HS256",
      "accepted a token whose header does not say HS256");
  const Json claims = DecodeSegment(token.substr(dot1 + 1, dot2 - dot1 - 1));
  EC_FUZZ_CHECK(claims.is_object(), "accepted a token without claims");
  EC_FUZZ_CHECK(claims.contains("iss") && claims["iss"] == ec::fuzz::kJwtIssuer,
                "accepted a token of another issuer");
  EC_FUZZ_CHECK(claims.contains("aud") && HasAudience(claims["aud"]),
                "accepted a token for another audience");
  EC_FUZZ_CHECK(claims.contains("exp") && claims["exp"].is_number() &&
                    claims["exp"].get<double>() + ec::fuzz::kJwtLeewaySeconds >=
                        static_cast<double>(ec::fuzz::kJwtNowSeconds),
                "accepted a token without exp or past it");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // 1. Verbatim: with random bytes OK is never expected, and the check in
  // CheckVerify aborts unless the MAC is right.
  CheckVerify(input);
  if (size > kMaxDerivedInput) return 0;

  // 2. As claims, genuinely signed.
  const absl::StatusOr<std::string> signed_claims =
      ec::auth::SignHs256(input, ec::fuzz::kJwtSecret);
  if (signed_claims.ok()) CheckVerify(*signed_claims);

  // 3. As the header of a genuinely signed token with valid claims.
  static const std::string* const kValidClaims = new std::string(Json{
      {"iss", ec::fuzz::kJwtIssuer},
      {"aud", ec::fuzz::kJwtAudience},
      {"exp", ec::fuzz::kJwtNowSeconds + 3600},
      {"preferred_username", "fuzz-user"}}.dump());
  CheckVerify(SignedToken(input, *kValidClaims));
  return 0;
}
