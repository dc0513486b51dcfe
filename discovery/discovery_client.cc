#include "discovery/discovery_client.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/json_depth.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "discovery/curl_transport.h"
#include "discovery/discovery_client_testing.h"
#include "discovery/http_transport.h"
#include "discovery/responses.h"
#include "discovery/search_page.h"
#include "domain/content.h"
#include "metrics/metrics.h"
#include "nlohmann/json.hpp"

namespace ec::discovery {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
// The same JSON type as ParseSearchPage's (member order kept).
using Json = nlohmann::ordered_json;

constexpr std::string_view kComponent = "discovery";
// Same margin as edx-rest-api-client: a token about to expire could die in
// flight.
constexpr auto kTokenExpiryMargin = std::chrono::seconds(5);
// Bounds expires_in so a silly value cannot overflow the clock arithmetic.
constexpr double kMaxTokenLifetimeSeconds = 30.0 * 24 * 3600;

// The metrics' endpoint labels.
constexpr std::string_view kSearch = "search";
constexpr std::string_view kToken = "token";

// Why an attempt did not produce a value, and whether another may.
struct Failure {
  enum class Kind {
    kTransient,     // connection, timeout, 5xx, 408, 429
    kBadBody,       // a 2xx whose body is not what the endpoint promises
    kUnauthorized,  // search/all said 401: the token was refused
  };
  Kind kind = Kind::kTransient;
  std::string cause;
  int http_status = 0;  // 0 when no response arrived
  std::string transport_code;
  std::optional<milliseconds> retry_after;
};

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

class DiscoveryClient final : public ContentSource {
 public:
  DiscoveryClient(const DiscoveryConfig& config,
                  std::unique_ptr<HttpTransport> transport, Sleeper sleeper,
                  std::function<Clock::time_point()> now, uint64_t jitter_seed)
      : config_(config),
        transport_(std::move(transport)),
        sleeper_(std::move(sleeper)),
        now_(now ? std::move(now) : [] { return Clock::now(); }),
        jitter_(jitter_seed),
        token_url_(TokenEndpointUrl(config.oauth_url)),
        search_url_(SearchAllUrl(config.discovery_url)) {}

  absl::Status Crawl(const std::string& content_filter_json,
                     const PageObserver& on_page, CrawlResult* out) override {
    out->records.clear();
    out->stats = CrawlStats{};
    aborted_by_caller_ = false;
    absl::Status status;
    try {
      status = CrawlPages(content_filter_json, on_page, out);
    } catch (const std::exception& e) {
      // Allocation failures and the like; nothing the caller can act on
      // beyond failing the crawl.
      status = absl::InternalError(
          absl::StrCat("discovery client: unexpected exception: ", e.what()));
    } catch (...) {
      status = absl::InternalError("discovery client: unexpected exception");
    }
    if (status.ok()) return status;
    out->records.clear();
    out->records.shrink_to_fit();
    // A caller's own abort (shutdown, lost lease) is not a discovery fault.
    if (!aborted_by_caller_) {
      common::LogError(kComponent, "crawl failed",
                       {{"code", absl::StatusCodeToString(status.code())},
                        {"error", std::string(status.message())},
                        {"pages", out->stats.pages},
                        {"requests", out->stats.requests},
                        {"retries", out->stats.retries},
                        {"token_requests", out->stats.token_requests}});
    }
    return status;
  }

 private:
  absl::Status CrawlPages(const std::string& content_filter_json,
                          const PageObserver& on_page, CrawlResult* out) {
    EC_RETURN_IF_ERROR(ValidateDiscoveryConfig(config_));
    CrawlStats& stats = out->stats;
    for (int page_number = 1;; ++page_number) {
      EC_ASSIGN_OR_RETURN(SearchPage page,
                          FetchPage(content_filter_json, page_number, &stats));
      if (page_number == 1) stats.reported_count = page.count;
      ++stats.pages;
      stats.bytes += page.bytes;
      stats.results += static_cast<int64_t>(page.documents.size());
      for (const Json& document : page.documents) {
        absl::StatusOr<std::vector<domain::ContentRecord>> records =
            domain::DiscoveryDocumentRecords(document);
        if (!records.ok()) {
          ++stats.skipped;
          continue;
        }
        for (domain::ContentRecord& record : *records) {
          out->records.push_back(std::move(record));
        }
      }
      if (on_page) {
        if (absl::Status status = on_page(stats); !status.ok()) {
          aborted_by_caller_ = true;
          return status;
        }
      }
      if (!page.has_next) break;
      if (page_number >= config_.max_pages) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "search/all page ", page_number,
            " still has a next page; max_pages is ", config_.max_pages));
      }
    }
    if (stats.skipped > 0) {
      // Persons and key-less documents are normal for broad filters; one
      // line per crawl is enough.
      common::Log(spdlog::level::debug, kComponent,
                  "skipped unstorable results",
                  {{"skipped", stats.skipped}, {"results", stats.results}});
    }
    return absl::OkStatus();
  }

  absl::StatusOr<SearchPage> FetchPage(const std::string& content_filter_json,
                                       int page_number, CrawlStats* stats) {
    const std::string what = absl::StrCat("search/all page ", page_number);
    HttpRequest request;
    request.url = absl::StrCat(
        search_url_,
        "?exclude_expired_course_run=True&include_learner_pathways=True"
        "&page_size=",
        config_.page_size, "&page=", page_number);
    request.body = content_filter_json;
    request.connect_timeout = config_.connect_timeout;
    request.timeout = config_.request_timeout;

    std::optional<Failure> last;
    bool token_refreshed = false;
    int attempt = 0;
    while (attempt < config_.max_attempts) {
      ++attempt;
      if (last.has_value()) {
        ++stats->retries;
        metrics::RefreshMetrics::Get().DiscoveryRetry(kSearch);
        // A refused token is fixed by fetching another, not by waiting.
        if (last->kind == Failure::Kind::kUnauthorized) {
          LogRetry(what, page_number, attempt - 1, *last, milliseconds(0));
        } else {
          const milliseconds delay = Backoff(attempt - 1, last->retry_after);
          LogRetry(what, page_number, attempt - 1, *last, delay);
          EC_RETURN_IF_ERROR(Sleep(delay));
        }
      }
      absl::StatusOr<std::string> token = EnsureToken(page_number, stats);
      if (!token.ok()) {
        if (aborted_by_caller_) return token.status();
        return absl::Status(token.status().code(),
                            absl::StrCat(what, ": ", token.status().message()));
      }
      request.headers = {{"Authorization", absl::StrCat("JWT ", *token)},
                         {"Content-Type", "application/json"},
                         {"Accept", "application/json"}};
      ++stats->requests;
      std::optional<HttpResponse> response;
      EC_ASSIGN_OR_RETURN(response, Send(request, what, kSearch, &last));
      if (!response.has_value()) continue;
      const int http = response->status;
      Failure failure;
      failure.http_status = http;
      if (IsSuccess(http)) {
        absl::StatusOr<SearchPage> page = ParseSearchPage(response->body);
        metrics::RefreshMetrics::Get().DiscoveryRequest(
            kSearch, page.ok() ? "2xx" : "bad_body");
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
        failure.cause = absl::StrCat("HTTP ", http, ", ",
                                     DescribeErrorBody(response->body));
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
  absl::StatusOr<std::string> EnsureToken(int page_number, CrawlStats* stats) {
    if (token_.has_value() && now_() < token_->refresh_at) {
      return token_->value;
    }
    token_.reset();
    const std::string what = absl::StrCat("token endpoint ", token_url_);
    HttpRequest request;
    request.url = token_url_;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"}};
    request.body =
        absl::StrCat("grant_type=client_credentials&client_id=",
                     FormEncode(config_.client_id),
                     "&client_secret=", FormEncode(config_.client_secret),
                     "&token_type=jwt");
    request.connect_timeout = config_.connect_timeout;
    request.timeout = config_.request_timeout;

    std::optional<Failure> last;
    int attempt = 0;
    while (attempt < config_.max_attempts) {
      ++attempt;
      if (last.has_value()) {
        metrics::RefreshMetrics::Get().DiscoveryRetry(kToken);
        const milliseconds delay = Backoff(attempt - 1, last->retry_after);
        LogRetry("token endpoint", page_number, attempt - 1, *last, delay);
        EC_RETURN_IF_ERROR(Sleep(delay));
      }
      ++stats->token_requests;
      // Lifetime counts from before the request, as edx-rest-api-client
      // does: the token may have been minted at any point during it.
      const Clock::time_point sent_at = now_();
      std::optional<HttpResponse> response;
      EC_ASSIGN_OR_RETURN(response, Send(request, what, kToken, &last));
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
        failure.cause = absl::StrCat(
            "HTTP ", http,
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

  // Posts `request`. A transport error that a retry may fix is recorded in
  // `*last` and yields no response; any other is returned, named by `what`.
  // Counts the request in the metrics, except a 2xx: whether that was a
  // good answer is for the caller's parser to say.
  absl::StatusOr<std::optional<HttpResponse>> Send(
      const HttpRequest& request, std::string_view what,
      std::string_view endpoint, std::optional<Failure>* last) {
    absl::StatusOr<HttpResponse> response = transport_->Post(request);
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

  // Full jitter over an exponentially growing cap; a larger Retry-After
  // wins, up to retry_after_max.
  milliseconds Backoff(int retry, std::optional<milliseconds> retry_after) {
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

  absl::Status Sleep(milliseconds delay) {
    absl::Status status = absl::OkStatus();
    if (sleeper_) {
      status = sleeper_(delay);
    } else {
      std::this_thread::sleep_for(delay);
    }
    if (!status.ok()) aborted_by_caller_ = true;
    return status;
  }

  static void LogRetry(std::string_view what, int page_number, int attempt,
                       const Failure& failure, milliseconds delay) {
    nlohmann::json fields = {{"request", std::string(what)},
                             {"page", page_number},
                             {"attempt", attempt},
                             {"error", failure.cause},
                             {"delay_ms", delay.count()}};
    if (failure.http_status != 0) fields["http_status"] = failure.http_status;
    if (!failure.transport_code.empty()) {
      fields["transport_code"] = failure.transport_code;
    }
    if (failure.retry_after.has_value()) {
      fields["retry_after_ms"] = failure.retry_after->count();
    }
    common::LogWarn(kComponent, "request failed; retrying", fields);
  }

  struct CachedToken {
    std::string value;
    Clock::time_point refresh_at;
  };

  const DiscoveryConfig config_;
  const std::unique_ptr<HttpTransport> transport_;
  const Sleeper sleeper_;
  const std::function<Clock::time_point()> now_;
  std::mt19937_64 jitter_;
  const std::string token_url_;
  const std::string search_url_;
  std::optional<CachedToken> token_;
  // Set when the Sleeper or the PageObserver ended the crawl.
  bool aborted_by_caller_ = false;
};

bool IsHttpUrl(const std::string& url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

}  // namespace

absl::Status ValidateDiscoveryConfig(const DiscoveryConfig& config) {
  const auto invalid = [](const char* why) {
    return absl::InvalidArgumentError(absl::StrCat("discovery config: ", why));
  };
  if (!IsHttpUrl(config.discovery_url)) {
    return invalid("discovery_url must be an http:// or https:// URL");
  }
  if (!IsHttpUrl(config.oauth_url)) {
    return invalid("oauth_url must be an http:// or https:// URL");
  }
  if (config.client_id.empty()) return invalid("client_id is empty");
  if (config.page_size < 1) return invalid("page_size must be at least 1");
  if (config.max_attempts < 1) {
    return invalid("max_attempts must be at least 1");
  }
  if (config.max_pages < 1) return invalid("max_pages must be at least 1");
  if (config.connect_timeout <= milliseconds(0) ||
      config.request_timeout <= milliseconds(0)) {
    return invalid("connect_timeout and request_timeout must be positive");
  }
  if (config.backoff_base < milliseconds(0) ||
      config.backoff_max < milliseconds(0) ||
      config.retry_after_max < milliseconds(0)) {
    return invalid(
        "backoff_base, backoff_max and retry_after_max must not be negative");
  }
  return absl::OkStatus();
}

std::string TokenEndpointUrl(const std::string& oauth_url) {
  std::string url = oauth_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with("/access_token")) return url;
  if (url.ends_with("/oauth2")) return url + "/access_token";
  return url + "/oauth2/access_token";
}

std::string SearchAllUrl(const std::string& discovery_url) {
  std::string url = discovery_url;
  if (url.empty() || url.back() != '/') url += '/';
  return url + "search/all/";
}

std::unique_ptr<ContentSource> NewDiscoveryClient(const DiscoveryConfig& config,
                                                  Sleeper sleeper) {
  std::random_device entropy;
  const uint64_t seed = (static_cast<uint64_t>(entropy()) << 32) ^ entropy();
  return std::make_unique<DiscoveryClient>(config, NewCurlTransport(),
                                           std::move(sleeper), nullptr, seed);
}

std::unique_ptr<ContentSource> NewDiscoveryClientForTest(
    const DiscoveryConfig& config, std::unique_ptr<HttpTransport> transport,
    Sleeper sleeper, std::function<Clock::time_point()> now,
    uint64_t jitter_seed) {
  return std::make_unique<DiscoveryClient>(config, std::move(transport),
                                           std::move(sleeper), std::move(now),
                                           jitter_seed);
}

}  // namespace ec::discovery
