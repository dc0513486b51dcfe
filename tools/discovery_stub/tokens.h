#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"

namespace ec::stub {

// DRF's 401 detail for a missing, malformed or unknown credential.
inline constexpr std::string_view kCredentialsNotProvided =
    "Authentication credentials were not provided.";

// The tokens of POST /oauth2/access_token: JWT-shaped, unique per issue,
// remembered with their expiry so that search requests can be checked.
// Signatures are salted per process, so no two stub runs issue the same
// token. Thread-safe.
class TokenIssuer {
 public:
  TokenIssuer(std::string client_id, int lifetime_seconds);

  // A new token for the client, valid for the lifetime from now.
  std::string Issue();

  // "" when `authorization` ("JWT <token>") names an issued token that has
  // not expired; else the 401 detail: kCredentialsNotProvided, or
  // "Signature has expired.".
  std::string Check(std::string_view authorization);

 private:
  using Clock = std::chrono::steady_clock;

  const std::string client_id_;
  const int lifetime_seconds_;
  const uint64_t salt_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, Clock::time_point> expiry_
      ABSL_GUARDED_BY(mu_);
  uint64_t serial_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ec::stub
