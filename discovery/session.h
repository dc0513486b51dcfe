#pragma once

// The one request loop behind every discovery call (search/all pages,
// courses/ and programs/ pages): the cached OAuth2 token, retries with
// backoff and Retry-After, the 401 refresh, the metrics and the retry logs.
// Internal to this folder; discovery_client.h documents the behaviour.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "discovery/discovery_client.h"
#include "discovery/http_transport.h"
#include "discovery/search_page.h"
#include "nlohmann/json.hpp"

namespace ec::discovery {

enum class HttpMethod { kGet, kPost };

// Where a request's costs are added; every pointer must be set.
struct RequestCounters {
  int64_t* requests = nullptr;        // to the endpoint, retries included
  int64_t* retries = nullptr;         // to the endpoint, retries only
  int64_t* token_requests = nullptr;  // to the token endpoint
};

// One page to fetch: sent until a 2xx body passes `parse`, or until it is
// clear that it never will.
struct PageRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url;
  std::string body;  // POST only
  // Sent after the Authorization header, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  // Names the page in errors and logs, e.g. "search/all page 3".
  std::string what;
  // The metrics' endpoint label.
  std::string_view endpoint;
  // Where the page is, for the retry log lines, e.g. {"page": 3}.
  nlohmann::json log_fields = nlohmann::json::object();
  absl::StatusOr<SearchPage> (*parse)(std::string_view body) = nullptr;
};

// Thread-compatible, like the client that owns it.
class DiscoverySession {
 public:
  using Clock = std::chrono::steady_clock;

  // Null `now` means the steady clock; null `sleeper` a plain sleep.
  DiscoverySession(const DiscoveryConfig& config,
                   std::unique_ptr<HttpTransport> transport, Sleeper sleeper,
                   std::function<Clock::time_point()> now,
                   uint64_t jitter_seed);

  // The page, or how it failed, as discovery_client.h lists the codes;
  // every message starts with `request.what`.
  absl::StatusOr<SearchPage> Fetch(const PageRequest& request,
                                   const RequestCounters& counters);

  // Whether the last failure was the Sleeper's (a shutdown), which is the
  // caller's own doing rather than a discovery fault worth logging.
  bool aborted_by_caller() const { return aborted_by_caller_; }
  void ClearAborted() { aborted_by_caller_ = false; }

  // Why an attempt failed (session.cc).
  struct Failure;

 private:
  struct CachedToken {
    std::string value;
    Clock::time_point refresh_at;
  };

  absl::StatusOr<std::string> EnsureToken(const nlohmann::json& log_fields,
                                          int64_t* token_requests);
  absl::StatusOr<std::optional<HttpResponse>> Send(
      HttpMethod method, const HttpRequest& request, std::string_view what,
      std::string_view endpoint, std::optional<Failure>* last);
  std::chrono::milliseconds Backoff(
      int retry, std::optional<std::chrono::milliseconds> retry_after);
  absl::Status Sleep(std::chrono::milliseconds delay);

  const DiscoveryConfig config_;
  const std::unique_ptr<HttpTransport> transport_;
  const Sleeper sleeper_;
  const std::function<Clock::time_point()> now_;
  std::mt19937_64 jitter_;
  const std::string token_url_;
  std::optional<CachedToken> token_;
  bool aborted_by_caller_ = false;
};

}  // namespace ec::discovery
