#include "tools/discovery_stub/tokens.h"

#include <random>
#include <utility>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/rng.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

std::string Base64Url(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(data[i]) << 16) |
                       (static_cast<uint8_t>(data[i + 1]) << 8) |
                       static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    const uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == data.size()) {
    const uint32_t n = (static_cast<uint8_t>(data[i]) << 16) |
                       (static_cast<uint8_t>(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

uint64_t RandomSalt() {
  return std::random_device{}() ^
         (static_cast<uint64_t>(std::random_device{}()) << 32) ^
         static_cast<uint64_t>(
             std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace

TokenIssuer::TokenIssuer(std::string client_id, int lifetime_seconds)
    : client_id_(std::move(client_id)),
      lifetime_seconds_(lifetime_seconds),
      salt_(RandomSalt()) {}

std::string TokenIssuer::Issue() {
  std::lock_guard lock(mu_);
  const uint64_t serial = ++serial_;
  const auto now_wall = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const std::string header = Base64Url(R"({"alg":"HS256","typ":"JWT"})");
  const std::string payload = Base64Url(
      nlohmann::json({{"iss", "discovery-stub"},
                      {"aud", "openedx"},
                      {"sub", client_id_},
                      {"preferred_username", client_id_},
                      {"iat", now_wall},
                      {"exp", now_wall + lifetime_seconds_},
                      {"jti", Cat(serial)},
                      {"scopes", {"read", "write", "email", "profile"}},
                      {"administrator", false}})
          .dump());
  // Not a real signature: 32 bytes unique to this process and serial.
  Rng signer(salt_ ^ (serial * 0x9e3779b97f4a7c15ULL));
  std::string signature;
  for (int i = 0; i < 4; ++i) {
    const uint64_t word = signer.Next();
    signature.append(reinterpret_cast<const char*>(&word), sizeof(word));
  }
  std::string token = Cat(header, ".", payload, ".", Base64Url(signature));
  const Clock::time_point now = Clock::now();
  if (expiry_.size() > 100000) {
    // Forget tokens long expired; recent ones still answer "expired".
    absl::erase_if(expiry_, [&](const auto& entry) {
      return entry.second + std::chrono::hours(1) < now;
    });
  }
  expiry_[token] = now + std::chrono::seconds(lifetime_seconds_);
  return token;
}

std::string TokenIssuer::Check(std::string_view authorization) {
  constexpr std::string_view kScheme = "JWT ";
  if (authorization.size() <= kScheme.size() ||
      authorization.substr(0, kScheme.size()) != kScheme) {
    return std::string(kCredentialsNotProvided);
  }
  const std::string token(authorization.substr(kScheme.size()));
  std::lock_guard lock(mu_);
  auto it = expiry_.find(token);
  if (it == expiry_.end()) return std::string(kCredentialsNotProvided);
  if (it->second <= Clock::now()) return "Signature has expired.";
  return "";
}

}  // namespace ec::stub
