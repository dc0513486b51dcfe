#include "tests/support/test_tokens.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/escaping.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"

namespace ec::testing {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "test_tokens: " << what << "\n";
  std::abort();
}

std::string Base64UrlOf(const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  return absl::WebSafeBase64Escape(bytes);
}

}  // namespace

RsaTestKey MakeRsaKey(const std::string& kid, int bits) {
  EVP_PKEY* key =
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (key == nullptr) Die("RSA keygen failed");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  RsaTestKey out;
  out.kid = kid;
  out.private_pem.assign(data, static_cast<size_t>(size));
  BIO_free(bio);
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    Die("cannot read RSA parameters");
  }
  out.public_jwk_json =
      nlohmann::json{{"kty", "RSA"},        {"use", "sig"},
                     {"alg", "RS256"},      {"kid", kid},
                     {"n", Base64UrlOf(n)}, {"e", Base64UrlOf(e)}}
          .dump();
  BN_free(n);
  BN_free(e);
  EVP_PKEY_free(key);
  return out;
}

std::string JwksJson(const std::vector<RsaTestKey>& keys) {
  nlohmann::json jwks = {{"keys", nlohmann::json::array()}};
  for (const RsaTestKey& key : keys) {
    jwks["keys"].push_back(nlohmann::json::parse(key.public_jwk_json));
  }
  return jwks.dump();
}

std::string ClaimsJson(const TokenSpec& spec) {
  const int64_t now = common::SystemNowMicros() / 1'000'000;
  nlohmann::json claims = {{"iss", spec.issuer},
                           {"aud", spec.audience},
                           {"iat", now},
                           {"exp", now + spec.expires_in_seconds},
                           {"preferred_username", spec.subject},
                           {"roles", spec.roles}};
  if (spec.not_before_in_seconds) {
    claims["nbf"] = now + *spec.not_before_in_seconds;
  }
  return claims.dump();
}

std::string Hs256Token(const TokenSpec& spec, const std::string& secret) {
  auto token = auth::SignHs256(ClaimsJson(spec), secret);
  if (!token.ok()) Die(std::string(token.status().message()));
  return *token;
}

std::string Rs256Token(const TokenSpec& spec, const RsaTestKey& key) {
  auto token = auth::SignRs256(ClaimsJson(spec), key.private_pem, key.kid);
  if (!token.ok()) Die(std::string(token.status().message()));
  return *token;
}

auth::JwtConfig TestJwtConfig() {
  auth::JwtConfig config;
  config.hs256_secret = kTestSecret;
  config.issuers = {kTestIssuer};
  config.audience = kTestAudience;
  return config;
}

}  // namespace ec::testing
