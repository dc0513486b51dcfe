#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "domain/content.h"

namespace ec::discovery {

// How the workers reach course-discovery. Parsed once from
// ENTERPRISE_CATALOG_DISCOVERY_* / OAUTH_* settings.
struct DiscoveryConfig {
  // API root, e.g. "https://discovery.example.com/api/v1/"; "search/all/" is
  // appended (a missing trailing slash is tolerated).
  std::string discovery_url;
  // Token endpoint base, e.g. "https://lms.example.com"; "/oauth2/access_token"
  // is appended unless the URL already ends in "/oauth2" or "/access_token"
  // (edx-rest-api-client's rule).
  std::string oauth_url;
  std::string client_id;
  std::string client_secret;
  int page_size = 100;
  std::chrono::milliseconds connect_timeout{3000};
  // Whole-request limit for one page (or one token request).
  std::chrono::milliseconds request_timeout{15000};
  // Attempts per page (and per token request), first try included.
  int max_attempts = 5;
  // Backoff before retry n (n = 1, 2, ...): uniform random in
  // [0, min(backoff_max, backoff_base * 2^(n-1))] ("full jitter"), or the
  // server's Retry-After when it is larger (capped at retry_after_max).
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds retry_after_max{120000};
  // A crawl stops with an error rather than follow more pages than this.
  int max_pages = 2000;
};

// What one crawl cost and saw; filled even when the crawl fails.
struct CrawlStats {
  int64_t pages = 0;           // pages fetched successfully
  int64_t requests = 0;        // HTTP requests to search/all (retries included)
  int64_t retries = 0;         // search/all requests that were retries
  int64_t token_requests = 0;  // requests to the token endpoint
  int64_t results = 0;         // result documents received (duplicates too)
  int64_t skipped = 0;         // results not storable (persons, no key, ...)
  int64_t reported_count = 0;  // "count" of the first page
  int64_t bytes = 0;           // response bytes of successful pages
};

struct CrawlResult {
  // Every storable record of every page, in page order: each result's own
  // record, then the derived records of a course's nested course_runs (see
  // ParseDiscoveryDocument). Duplicates across pages are kept; the store
  // de-duplicates.
  std::vector<domain::ContentRecord> records;
  CrawlStats stats;
};

// Called after each successful page with the stats so far. A non-OK status
// aborts the crawl with that status (the worker lost its lease, or is
// shutting down). Also the place where the worker extends its lease.
using PageObserver = std::function<absl::Status(const CrawlStats&)>;

// Fetches the complete result set of one content filter. Thread-compatible:
// one instance per refresh thread (it holds a connection and a token cache).
class ContentSource {
 public:
  virtual ~ContentSource() = default;
  // `content_filter_json` is the JSON object sent as the POST body. Returns
  // OK only if every page succeeded; on error `out->stats` still says what
  // was spent. Never returns partial results as success.
  virtual absl::Status Crawl(const std::string& content_filter_json,
                             const PageObserver& on_page, CrawlResult* out) = 0;
};

// Waits out a backoff. Returns non-OK to abandon the wait (shutdown), which
// aborts the crawl with that status. Null means a plain sleep.
using Sleeper = std::function<absl::Status(std::chrono::milliseconds)>;

// The real thing: libcurl with connection reuse, OAuth2 client credentials.
//
// Retried (up to max_attempts per page and per token request, with the
// backoff above): connection failures and timeouts, HTTP 5xx, 408 and 429,
// and 2xx bodies that are not a valid envelope (HTML, truncated JSON,
// {"detail": ...}, wrong member types), which are never taken as results.
// A 401 from search/all drops the cached token and retries at once with a
// fresh one, once per page; the retry uses up one of the page's attempts.
//
// How a crawl fails (every message names the page or the token endpoint and
// never contains the token or the client secret):
//   UNAVAILABLE          attempts used up; the last failure was transient
//                        (connection, timeout, 5xx, 408, 429).
//   DATA_LOSS            attempts used up; the last failure was a 2xx body
//                        that is not a valid envelope or token response.
//   UNAUTHENTICATED      the token endpoint answered 400, 401 or 403 (client
//                        credentials refused), or search/all answered 401
//                        even with a freshly fetched token (or on the page's
//                        last attempt).
//   FAILED_PRECONDITION  the token endpoint answered another 4xx or a 3xx;
//                        search/all answered 3xx or a 4xx other than 400,
//                        401, 408 and 429 (e.g. 403, 404 "Invalid page.").
//   INVALID_ARGUMENT     search/all answered 400 (filter rejected); or the
//                        config is invalid (see ValidateDiscoveryConfig).
//   RESOURCE_EXHAUSTED   more than max_pages pages; or a response larger than
//                        the transport's cap (64 MiB), which is not retried.
//   (transport's code)   a transport failure retrying cannot fix, e.g. a
//                        malformed URL or a rejected TLS certificate.
//   anything else        as returned by the Sleeper or the PageObserver.
// On failure `out->records` is empty and `out->stats` is filled in.
std::unique_ptr<ContentSource> NewDiscoveryClient(const DiscoveryConfig& config,
                                                  Sleeper sleeper = nullptr);

// INVALID_ARGUMENT naming the first unusable setting: URLs that are not
// http:// or https://, an empty client id, non-positive page_size,
// max_attempts, max_pages or timeouts, negative backoffs. Crawl checks this
// too, before any request.
absl::Status ValidateDiscoveryConfig(const DiscoveryConfig& config);

// The token endpoint for `oauth_url`, by edx-rest-api-client's rule: trailing
// slashes dropped, then "/access_token" appended to ".../oauth2", nothing
// appended to ".../access_token", "/oauth2/access_token" appended otherwise.
std::string TokenEndpointUrl(const std::string& oauth_url);

// `discovery_url` joined with "search/all/" (no query string).
std::string SearchAllUrl(const std::string& discovery_url);

}  // namespace ec::discovery
