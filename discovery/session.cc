#include "discovery/session.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "discovery/responses.h"
#include "metrics/metrics.h"
#include "nlohmann/json.hpp"

namespace ec::discovery {

using std::chrono::milliseconds;

// Why an attempt did not produce a value, and whether another may.
struct DiscoverySession::Failure {
  enum class Kind {
    kTransient,     // connection, timeout, 5xx, 408, 429
    kBadBody,       // a 2xx whose body is not what the endpoint promises
    kUnauthorized,  // the endpoint said 401: the token was refused
  };
  Kind kind = Kind::kTransient;
  std::string cause;
  int http_status = 0;  // 0 when no response arrived
  std::string transport_code;
  std::optional<milliseconds> retry_after;
};

namespace {

using Failure = DiscoverySession::Failure;

constexpr std::string_view kComponent = "discovery";
// Same margin as edx-rest-api-client: a token about to expire could die in
// flight.
constexpr auto kTokenExpiryMargin = std::chrono::seconds(5);
// Bounds expires_in so a silly value cannot overflow the clock arithmetic.
constexpr double kMaxTokenLifetimeSeconds = 30.0 * 24 * 3600;
// The metrics' endpoint label of the token endpoint.
constexpr std::string_view kToken = "token";

absl::Status Exhausted(const std::string& what, int attempts,
                       const Failure& last) {
  const std::string message = absl::StrCat(
      what, ": failed after ", attempts,
      attempts == 1 ? " attempt" : " attempts", "; last: ", last.cause);
  switch (last.kind) {
    case Failure::Kind::kBadBody:
      return absl::DataLossError(message);
    case Failure::Kind::kUnauthorized:
      return absl::UnauthenticatedError(message);
    case Failure::Kind::kTransient:
      break;
  }
  return absl::UnavailableError(message);
}

Failure TransportFailure(const absl::Status& status) {
  Failure failure;
  failure.kind = Failure::Kind::kTransient;
  failure.cause = std::string(status.message());
  failure.transport_code = absl::StatusCodeToString(status.code());
  return failure;
}

void LogRetry(std::string_view what, const nlohmann::json& log_fields,
              int attempt, const Failure& failure, milliseconds delay) {
  nlohmann::json fields = {{"request", std::string(what)},
                           {"attempt", attempt},
                           {"error", failure.cause},
                           {"delay_ms", delay.count()}};
  fields.update(log_fields);
  if (failure.http_status != 0) fields["http_status"] = failure.http_status;
  if (!failure.transport_code.empty()) {
    fields["transport_code"] = failure.transport_code;
  }
  if (failure.retry_after.has_value()) {
    fields["retry_after_ms"] = failure.retry_after->count();
  }
  common::LogWarn(kComponent, "request failed; retrying", fields);
}

}  // namespace

DiscoverySession::DiscoverySession(const DiscoveryConfig& config,
                                   std::unique_ptr<HttpTransport> transport,
                                   Sleeper sleeper,
                                   std::function<Clock::time_point()> now,
                                   uint64_t jitter_seed)
    : config_(config),
      transport_(std::move(transport)),
      sleeper_(std::move(sleeper)),
      now_(now ? std::move(now) : [] { return Clock::now(); }),
      jitter_(jitter_seed),
      token_url_(TokenEndpointUrl(config.oauth_url)) {}

absl::StatusOr<SearchPage> DiscoverySession::Fetch(
    const PageRequest& page_request, const RequestCounters& counters) {
  const std::string& what = page_request.what;
  HttpRequest request;
  request.url = page_request.url;
  request.body = page_request.body;
  request.connect_timeout = config_.connect_timeout;
  request.timeout = config_.request_timeout;

  std::optional<Failure> last;
  bool token_refreshed = false;
  int attempt = 0;
  while (attempt < config_.max_attempts) {
    ++attempt;
    if (last.has_value()) {
      ++*counters.retries;
      metrics::RefreshMetrics::Get().DiscoveryRetry(page_request.endpoint);
      // A refused token is fixed by fetching another, not by waiting.
      if (last->kind == Failure::Kind::kUnauthorized) {
        LogRetry(what, page_request.log_fields, attempt - 1, *last,
                 milliseconds(0));
      } else {
        const milliseconds delay = Backoff(attempt - 1, last->retry_after);
        LogRetry(what, page_request.log_fields, attempt - 1, *last, delay);
        EC_RETURN_IF_ERROR(Sleep(delay));
      }
    }
    absl::StatusOr<std::string> token =
        EnsureToken(page_request.log_fields, counters.token_requests);
    if (!token.ok()) {
      if (aborted_by_caller_) return token.status();
      return absl::Status(token.status().code(),
                          absl::StrCat(what, ": ", token.status().message()));
    }
    request.headers = {{"Authorization", absl::StrCat("JWT ", *token)}};
    request.headers.insert(request.headers.end(), page_request.headers.begin(),
                           page_request.headers.end());
    ++*counters.requests;
    std::optional<HttpResponse> response;
    EC_ASSIGN_OR_RETURN(response, Send(page_request.method, request, what,
                                       page_request.endpoint, &last));
    if (!response.has_value()) continue;
    const int http = response->status;
    Failure failure;
    failure.http_status = http;
    if (IsSuccess(http)) {
      absl::StatusOr<SearchPage> page = page_request.parse(response->body);
      metrics::RefreshMetrics::Get().DiscoveryRequest(
          page_request.endpoint, page.ok() ? "2xx" : "bad_body");
      if (page.ok()) return page;
      failure.kind = Failure::Kind::kBadBody;
      failure.cause = absl::StrCat(
          "HTTP ", http, ", invalid envelope: ", page.status().message(),
          "; content type \"",
          SanitizeForMessage(response->Header("content-type"), 64), "\", ",
          BodyPrefix(response->body));
    } else if (http == 401) {
      token_.reset();
      failure.kind = Failure::Kind::kUnauthorized;
      failure.cause =
          absl::StrCat("HTTP 401, ", DescribeErrorBody(response->body));
      if (token_refreshed) {
        return absl::UnauthenticatedError(absl::StrCat(
            what, ": ", failure.cause, " even with a freshly fetched token"));
      }
      token_refreshed = true;
    } else if (IsRetryableHttpStatus(http)) {
      failure.kind = Failure::Kind::kTransient;
      failure.cause =
          absl::StrCat("HTTP ", http, ", ", DescribeErrorBody(response->body));
      failure.retry_after = ParseRetryAfter(response->Header("retry-after"));
    } else {
      // The request itself is wrong (or the URL is); repeating it cannot
      // help, and a 404 "Invalid page." must not read as an empty page.
      const std::string message =
          absl::StrCat(what, ": HTTP ", http, " (not retried), ",
                       DescribeErrorBody(response->body));
      if (http == 400) return absl::InvalidArgumentError(message);
      return absl::FailedPreconditionError(message);
    }
    last = std::move(failure);
  }
  return Exhausted(what, attempt, *last);
}

// The cached token, or a fresh one when it is missing or about to expire.
absl::StatusOr<std::string> DiscoverySession::EnsureToken(
    const nlohmann::json& log_fields, int64_t* token_requests) {
  if (token_.has_value() && now_() < token_->refresh_at) {
    return token_->value;
  }
  token_.reset();
  const std::string what = absl::StrCat("token endpoint ", token_url_);
  HttpRequest request;
  request.url = token_url_;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = absl::StrCat(
      "grant_type=client_credentials&client_id=", FormEncode(config_.client_id),
      "&client_secret=", FormEncode(config_.client_secret), "&token_type=jwt");
  request.connect_timeout = config_.connect_timeout;
  request.timeout = config_.request_timeout;

  std::optional<Failure> last;
  int attempt = 0;
  while (attempt < config_.max_attempts) {
    ++attempt;
    if (last.has_value()) {
      metrics::RefreshMetrics::Get().DiscoveryRetry(kToken);
      const milliseconds delay = Backoff(attempt - 1, last->retry_after);
      LogRetry("token endpoint", log_fields, attempt - 1, *last, delay);
      EC_RETURN_IF_ERROR(Sleep(delay));
    }
    ++*token_requests;
    // Lifetime counts from before the request, as edx-rest-api-client
    // does: the token may have been minted at any point during it.
    const Clock::time_point sent_at = now_();
    std::optional<HttpResponse> response;
    EC_ASSIGN_OR_RETURN(response,
                        Send(HttpMethod::kPost, request, what, kToken, &last));
    if (!response.has_value()) continue;
    const int http = response->status;
    Failure failure;
    failure.http_status = http;
    if (IsSuccess(http)) {
      absl::StatusOr<Token> token = ParseTokenResponse(response->body);
      metrics::RefreshMetrics::Get().DiscoveryRequest(
          kToken, token.ok() ? "2xx" : "bad_body");
      if (token.ok()) {
        const double seconds =
            std::min(token->expires_in_seconds, kMaxTokenLifetimeSeconds);
        const auto lifetime = std::chrono::duration_cast<milliseconds>(
            std::chrono::duration<double>(seconds));
        token_ = CachedToken{std::move(token->value),
                             sent_at + lifetime - kTokenExpiryMargin};
        return token_->value;
      }
      failure.kind = Failure::Kind::kBadBody;
      failure.cause =
          absl::StrCat("HTTP ", http,
                       ", invalid token response: ", token.status().message());
    } else if (IsRetryableHttpStatus(http)) {
      failure.kind = Failure::Kind::kTransient;
      failure.cause =
          absl::StrCat("HTTP ", http, DescribeTokenError(response->body));
      failure.retry_after = ParseRetryAfter(response->Header("retry-after"));
    } else if (http == 400 || http == 401 || http == 403) {
      return absl::UnauthenticatedError(
          absl::StrCat(what, ": client credentials refused, HTTP ", http,
                       DescribeTokenError(response->body)));
    } else {
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": HTTP ", http, " (not retried)",
                       DescribeTokenError(response->body)));
    }
    last = std::move(failure);
  }
  return Exhausted(what, attempt, *last);
}

// Sends `request`. A transport error that a retry may fix is recorded in
// `*last` and yields no response; any other is returned, named by `what`.
// Counts the request in the metrics, except a 2xx: whether that was a good
// answer is for the caller's parser to say.
absl::StatusOr<std::optional<HttpResponse>> DiscoverySession::Send(
    HttpMethod method, const HttpRequest& request, std::string_view what,
    std::string_view endpoint, std::optional<Failure>* last) {
  absl::StatusOr<HttpResponse> response = method == HttpMethod::kPost
                                              ? transport_->Post(request)
                                              : transport_->Get(request);
  if (response.ok()) {
    if (!IsSuccess(response->status)) {
      metrics::RefreshMetrics::Get().DiscoveryRequest(
          endpoint, HttpStatusClass(response->status));
    }
    return std::optional<HttpResponse>(std::move(*response));
  }
  metrics::RefreshMetrics::Get().DiscoveryRequest(
      endpoint,
      absl::IsDeadlineExceeded(response.status()) ? "timeout" : "connection");
  if (!IsRetryableTransportError(response.status())) {
    return absl::Status(
        response.status().code(),
        absl::StrCat(std::string(what), ": ", response.status().message()));
  }
  *last = TransportFailure(response.status());
  return std::optional<HttpResponse>();
}

// Full jitter over an exponentially growing cap; a larger Retry-After wins,
// up to retry_after_max.
milliseconds DiscoverySession::Backoff(
    int retry, std::optional<milliseconds> retry_after) {
  const int64_t max = config_.backoff_max.count();
  int64_t cap = std::min(config_.backoff_base.count(), max);
  for (int i = 1; i < retry && cap < max; ++i) {
    cap = cap > max / 2 ? max : cap * 2;
  }
  std::uniform_int_distribution<int64_t> distribution(0, cap);
  milliseconds delay(distribution(jitter_));
  if (retry_after.has_value()) {
    delay = std::max(delay, std::min(*retry_after, config_.retry_after_max));
  }
  return delay;
}

absl::Status DiscoverySession::Sleep(milliseconds delay) {
  absl::Status status = absl::OkStatus();
  if (sleeper_) {
    status = sleeper_(delay);
  } else {
    std::this_thread::sleep_for(delay);
  }
  if (!status.ok()) aborted_by_caller_ = true;
  return status;
}

}  // namespace ec::discovery
