#include "auth/jwt_verifier.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/json_depth.h"
#include "nlohmann/json.hpp"

namespace ec::auth {
namespace {

using Json = nlohmann::json;

// Far above any real token (the platform's carry a few dozen roles), and
// low enough that parsing a hostile one costs nothing.
constexpr size_t kMaxTokenBytes = 16 * 1024;
constexpr int kMaxJsonDepth = 8;
constexpr size_t kMaxRoles = 1000;
constexpr int kMinRsaBits = 2048;
constexpr int64_t kJwksReloadMicros = 30'000'000;
constexpr int64_t kJwksRefreshMicros = 300'000'000;
constexpr int64_t kCacheSeconds = 300;
constexpr size_t kCacheEntries = 10000;

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid token: ", why));
}

bool IsBase64UrlText(std::string_view text) {
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return !text.empty();
}

// Decodes one base64url JSON segment into an object; nullopt if it is not.
std::optional<Json> DecodeSegment(std::string_view segment) {
  std::string text;
  if (!IsBase64UrlText(segment) ||
      !absl::WebSafeBase64Unescape(
          absl::string_view(segment.data(), segment.size()), &text) ||
      common::NestsDeeperThan(text, kMaxJsonDepth)) {
    return std::nullopt;
  }
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  return json;
}

std::optional<std::string> DecodeBase64UrlBytes(const Json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  std::string bytes;
  if (!IsBase64UrlText(text) || !absl::WebSafeBase64Unescape(text, &bytes)) {
    return std::nullopt;
  }
  return bytes;
}

// An RSA public key from its JWK modulus and exponent, as PEM (what libjwt
// takes).
absl::StatusOr<std::string> RsaPublicPem(const std::string& n,
                                         const std::string& e) {
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  BIO* bio = BIO_new(BIO_s_mem());
  absl::StatusOr<std::string> result =
      absl::InvalidArgumentError("not a usable RSA public key");
  if (bn_n != nullptr && bn_e != nullptr && BN_num_bits(bn_n) < kMinRsaBits) {
    result = absl::InvalidArgumentError(
        absl::StrCat("RSA key is ", BN_num_bits(bn_n), " bits; at least ",
                     kMinRsaBits, " are required"));
  } else if (bn_n != nullptr && bn_e != nullptr && build != nullptr &&
             ctx != nullptr && bio != nullptr &&
             OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
             OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1 &&
             (params = OSSL_PARAM_BLD_to_param(build)) != nullptr &&
             EVP_PKEY_fromdata_init(ctx) == 1 &&
             EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1 &&
             PEM_write_bio_PUBKEY(bio, key) == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    result = std::string(data, static_cast<size_t>(size));
  }
  BIO_free(bio);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  BN_free(bn_e);
  BN_free(bn_n);
  return result;
}

using KeySet = std::map<std::string, std::string, std::less<>>;  // kid -> PEM

absl::StatusOr<KeySet> LoadJwks(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("ENTERPRISE_CATALOG_JWKS_FILE: cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  const Json jwks = Json::parse(text.str(), nullptr, false);
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ENTERPRISE_CATALOG_JWKS_FILE: ", path,
                     " is not a JWKS document ({\"keys\": [...]})"));
  }
  KeySet keys;
  for (const Json& jwk : jwks["keys"]) {
    // Only RSA signing keys for RS256; others (encryption keys, EC keys for
    // algorithms we do not accept) are skipped rather than refused, so a
    // shared JWKS can carry them.
    if (!jwk.is_object() || jwk.value("kty", "") != "RSA") continue;
    if (jwk.contains("use") && jwk["use"] != "sig") continue;
    if (jwk.contains("alg") && jwk["alg"] != "RS256") continue;
    const std::string kid = jwk.value("kid", "");
    const auto n = DecodeBase64UrlBytes(jwk.value("n", Json()));
    const auto e = DecodeBase64UrlBytes(jwk.value("e", Json()));
    if (!n || !e) {
      return absl::InvalidArgumentError(
          absl::StrCat("ENTERPRISE_CATALOG_JWKS_FILE: key \"", kid,
                       "\" lacks a base64url n or e"));
    }
    auto pem = RsaPublicPem(*n, *e);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ENTERPRISE_CATALOG_JWKS_FILE: key \"", kid,
                       "\": ", pem.status().message()));
    }
    keys[kid] = std::move(*pem);
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ENTERPRISE_CATALOG_JWKS_FILE: ", path, " holds no RSA signing key"));
  }
  return keys;
}

// A JWT NumericDate (seconds since the epoch, RFC 7519 allows fractions),
// bounded to years 1970..9999 so that the arithmetic on it cannot overflow.
std::optional<int64_t> NumericDate(const Json& value) {
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(kMax)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (value.is_number_integer()) {
    const int64_t v = value.get<int64_t>();
    if (v < 0 || v > kMax) return std::nullopt;
    return v;
  }
  if (value.is_number_float()) {
    const double v = value.get<double>();
    // NaN fails both comparisons.
    if (!(v >= 0 && v <= static_cast<double>(kMax))) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  return std::nullopt;
}

std::string SubjectOf(const Json& claims) {
  for (const char* name : {"preferred_username", "username", "sub"}) {
    auto it = claims.find(name);
    if (it != claims.end() && it->is_string() &&
        !it->get_ref<const std::string&>().empty()) {
      return it->get<std::string>();
    }
  }
  auto it = claims.find("user_id");
  if (it != claims.end() && it->is_number_integer()) {
    return absl::StrCat("user_id:", it->get<int64_t>());
  }
  return "unknown";
}

// libjwt owns what it allocates; these free it on every path.
struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

class LibJwtVerifier final : public JwtVerifier {
 public:
  LibJwtVerifier(JwtConfig config, common::Clock clock, KeySet keys)
      : config_(std::move(config)),
        clock_(std::move(clock)),
        keys_(std::make_shared<const KeySet>(std::move(keys))) {}

  absl::StatusOr<VerifiedToken> Verify(std::string_view token) override;

 private:
  // A caller sends the same token with every call for its lifetime, and
  // libjwt re-reads the PEM key on every RS256 check (about 0.4 ms here, as
  // much as the RPC itself), so verified tokens are remembered: exact token
  // bytes, until exp (with leeway) but at most kCacheSeconds, so that a key
  // removed from the JWKS stops being honoured soon after.
  struct Cached {
    VerifiedToken token;
    int64_t valid_until_micros;
  };
  std::optional<VerifiedToken> FromCache(std::string_view token, int64_t now);
  void Remember(std::string_view token, const VerifiedToken& verified,
                int64_t now);
  absl::StatusOr<VerifiedToken> VerifyUncached(std::string_view token,
                                               int64_t now_micros);

  // The PEM for `kid`, re-reading the JWKS file (rate-limited) when the kid
  // is unknown, so rotated keys are picked up without a restart.
  std::shared_ptr<const KeySet> Keys(std::string_view kid);

  const JwtConfig config_;
  const common::Clock clock_;
  absl::Mutex mu_;
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
  int64_t last_reload_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(cache_mu_);
};

std::optional<VerifiedToken> LibJwtVerifier::FromCache(std::string_view token,
                                                       int64_t now) {
  absl::MutexLock lock(&cache_mu_);
  auto it = cache_.find(absl::string_view(token.data(), token.size()));
  if (it == cache_.end()) return std::nullopt;
  if (it->second.valid_until_micros < now) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.token;
}

void LibJwtVerifier::Remember(std::string_view token,
                              const VerifiedToken& verified, int64_t now) {
  const int64_t until =
      std::min((verified.expires + config_.leeway.count()) * 1'000'000,
               now + kCacheSeconds * 1'000'000);
  absl::MutexLock lock(&cache_mu_);
  // Dropping everything when full is crude but bounded, and a full cache
  // refills from live callers within one token check each.
  if (cache_.size() >= kCacheEntries) cache_.clear();
  cache_[std::string(token)] = Cached{verified, until};
}

std::shared_ptr<const KeySet> LibJwtVerifier::Keys(std::string_view kid) {
  absl::MutexLock lock(&mu_);
  if (config_.jwks_file.empty()) return keys_;
  // Re-read on an unknown kid (a new key), at most every 30 s, and in any
  // case every 5 minutes (so a key removed from the file stops verifying).
  const int64_t now = clock_();
  const int64_t since = now - last_reload_;
  const bool known = keys_->count(kid) > 0;
  if (known ? since < kJwksRefreshMicros : since < kJwksReloadMicros) {
    return keys_;
  }
  last_reload_ = now;
  auto reloaded = LoadJwks(config_.jwks_file);
  // A broken file mid-rotation keeps the keys we have.
  if (reloaded.ok() && *reloaded != *keys_) {
    keys_ = std::make_shared<const KeySet>(std::move(*reloaded));
    // Tokens remembered under the old keys are checked again.
    absl::MutexLock cache_lock(&cache_mu_);
    cache_.clear();
  }
  return keys_;
}

absl::StatusOr<VerifiedToken> LibJwtVerifier::Verify(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return Unauthenticated("too long");
  const int64_t now = clock_();
  if (auto cached = FromCache(token, now)) return *std::move(cached);
  auto verified = VerifyUncached(token, now);
  if (verified.ok()) Remember(token, *verified, now);
  return verified;
}

absl::StatusOr<VerifiedToken> LibJwtVerifier::VerifyUncached(
    std::string_view token, int64_t now_micros) {
  const size_t dot1 = token.find('.');
  const size_t dot2 =
      dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos ||
      token.find('.', dot2 + 1) != std::string_view::npos) {
    return Unauthenticated(
        "not a JWS compact token (header.payload.signature)");
  }
  const auto header = DecodeSegment(token.substr(0, dot1));
  const auto claims = DecodeSegment(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!header || !claims || !IsBase64UrlText(token.substr(dot2 + 1))) {
    return Unauthenticated("malformed header, payload or signature");
  }
  // The algorithm decides the key, and the key's type is fixed by the
  // algorithm: an RS256 public key is never used as an HMAC secret.
  const auto alg_it = header->find("alg");
  const std::string alg = alg_it != header->end() && alg_it->is_string()
                              ? alg_it->get<std::string>()
                              : std::string();
  std::string key;
  jwt_alg_t expected_alg;
  std::shared_ptr<const KeySet> keys;
  if (alg == "HS256" && !config_.hs256_secret.empty()) {
    expected_alg = JWT_ALG_HS256;
    key = config_.hs256_secret;
  } else if (alg == "RS256" && !config_.jwks_file.empty()) {
    expected_alg = JWT_ALG_RS256;
    const auto kid_it = header->find("kid");
    const std::string kid = kid_it != header->end() && kid_it->is_string()
                                ? kid_it->get<std::string>()
                                : std::string();
    keys = Keys(kid);
    auto it = keys->find(kid);
    // A token without kid is accepted only when there is one key to mean.
    if (it == keys->end() && kid.empty() && keys->size() == 1) {
      it = keys->begin();
    }
    if (it == keys->end()) return Unauthenticated("unknown signing key (kid)");
    key = it->second;
  } else {
    return Unauthenticated(absl::StrCat("algorithm \"", alg.substr(0, 16),
                                        "\" is not accepted here"));
  }
  jwt_t* raw = nullptr;
  const std::string token_text(token);
  const int rc = jwt_decode(&raw, token_text.c_str(),
                            reinterpret_cast<const unsigned char*>(key.data()),
                            static_cast<int>(key.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || jwt == nullptr || jwt_get_alg(jwt.get()) != expected_alg) {
    return Unauthenticated("signature does not verify");
  }

  // Signed by a key we trust; now whether it is meant for us, and now.
  const int64_t now = now_micros / 1'000'000;
  const int64_t leeway = config_.leeway.count();
  const auto exp = claims->find("exp");
  if (exp == claims->end()) return Unauthenticated("no exp claim");
  const std::optional<int64_t> expires = NumericDate(*exp);
  if (!expires) return Unauthenticated("exp is not a date");
  VerifiedToken out;
  out.expires = *expires;
  if (now > out.expires + leeway) return Unauthenticated("expired");
  if (const auto nbf = claims->find("nbf"); nbf != claims->end()) {
    const std::optional<int64_t> not_before = NumericDate(*nbf);
    if (!not_before) return Unauthenticated("nbf is not a date");
    if (now + leeway < *not_before) {
      return Unauthenticated("not valid yet (nbf)");
    }
  }
  const auto iss = claims->find("iss");
  if (iss == claims->end() || !iss->is_string() ||
      std::find(config_.issuers.begin(), config_.issuers.end(),
                iss->get_ref<const std::string&>()) == config_.issuers.end()) {
    return Unauthenticated("issuer is not accepted");
  }
  const auto aud = claims->find("aud");
  bool audience_ok = false;
  if (aud != claims->end() && aud->is_string()) {
    audience_ok = *aud == config_.audience;
  } else if (aud != claims->end() && aud->is_array()) {
    for (const Json& a : *aud)
      audience_ok = audience_ok || a == config_.audience;
  }
  if (!audience_ok) return Unauthenticated("audience is not this service");
  const auto roles = claims->find("roles");
  if (roles != claims->end() && roles->is_array()) {
    for (const Json& role : *roles) {
      if (out.roles.size() == kMaxRoles) break;
      if (role.is_string()) out.roles.push_back(role.get<std::string>());
    }
  }
  out.subject = SubjectOf(*claims);
  return out;
}

absl::StatusOr<std::string> Sign(std::string_view claims_json, jwt_alg_t alg,
                                 std::string_view key, std::string_view kid) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  const std::string claims(claims_json);
  if (jwt_add_grants_json(jwt.get(), claims.c_str()) != 0) {
    return absl::InvalidArgumentError("claims are not a JSON object");
  }
  if (!kid.empty() &&
      jwt_add_header(jwt.get(), "kid", std::string(kid).c_str()) != 0) {
    return absl::InternalError("cannot set kid");
  }
  if (jwt_set_alg(jwt.get(), alg,
                  reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())) != 0) {
    return absl::InvalidArgumentError("unusable signing key");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) {
    return absl::InvalidArgumentError("signing failed (is the key valid?)");
  }
  std::string out(encoded);
  std::free(encoded);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(
    const JwtConfig& config, common::Clock clock) {
  if (config.hs256_secret.empty() && config.jwks_file.empty()) {
    return absl::InvalidArgumentError(
        "set ENTERPRISE_CATALOG_JWT_SECRET and/or ENTERPRISE_CATALOG_JWKS_FILE "
        "(or ENTERPRISE_CATALOG_AUTH_DISABLED=true for local development)");
  }
  if (config.issuers.empty()) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_JWT_ISSUER is required when authentication is on");
  }
  if (config.audience.empty()) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_JWT_AUDIENCE is required when authentication is "
        "on");
  }
  KeySet keys;
  if (!config.jwks_file.empty()) {
    auto loaded = LoadJwks(config.jwks_file);
    if (!loaded.ok()) return loaded.status();
    keys = std::move(*loaded);
  }
  return std::unique_ptr<JwtVerifier>(
      new LibJwtVerifier(config, std::move(clock), std::move(keys)));
}

absl::StatusOr<std::string> SignHs256(std::string_view claims_json,
                                      std::string_view secret) {
  return Sign(claims_json, JWT_ALG_HS256, secret, "");
}

absl::StatusOr<std::string> SignRs256(std::string_view claims_json,
                                      std::string_view private_key_pem,
                                      std::string_view kid) {
  return Sign(claims_json, JWT_ALG_RS256, private_key_pem, kid);
}

}  // namespace ec::auth
