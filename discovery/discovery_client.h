#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "domain/content.h"
#include "nlohmann/json.hpp"

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
  // Plain http:// to a host that is not loopback sends the client secret
  // and the bearer token in clear: refused unless this is set (a private
  // network such as docker-compose's).
  bool allow_plain_http = false;
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
  // A crawl, or one FetchCourses/FetchPrograms call, stops with an error
  // rather than fetch more pages than this.
  int max_pages = 2000;
  // What one crawl may keep in memory: the bytes of its records, each
  // content key once (a full catalog keeps about 250 MB). Past it the crawl
  // stops with RESOURCE_EXHAUSTED rather than grow until the worker is
  // killed; a worker's peak is about threads x (this + a few pages).
  int64_t crawl_max_bytes = int64_t{320} << 20;
  // Largest response body (decoded) of any request; larger ones fail with
  // RESOURCE_EXHAUSTED, not retried. A search/all page of 100 is 0.5-2 MB,
  // a courses/ page of 50 full courses up to about 8 MB.
  int64_t max_response_bytes = int64_t{16} << 20;
  // Keys (or uuids) per courses/ or programs/ request: the URL carries them
  // all, and enterprise-catalog sends 50 (DISCOVERY_COURSE_KEY_BATCH_SIZE).
  int full_batch_size = 50;
  // "limit" of a courses/ or programs/ page (DISCOVERY_OFFSET_SIZE). A full
  // course can be 150 KB, so a page stays well under the 64 MiB cap.
  int full_page_limit = 200;
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
  // "count" of the first page whose count differed from the first page's
  // (count_changed_page), else of the last page fetched: a count that swings
  // on a middle page and comes back is still a change.
  int64_t last_count = 0;
  int64_t count_changed_page = 0;  // 0: every page had the first's count
  // Distinct result identities (domain::ResultIdentity), storable or not; a
  // result without one counts as distinct.
  int64_t distinct = 0;
  int64_t repeated = 0;      // results whose identity an earlier one had
  std::string first_repeat;  // the first such identity
  int64_t bytes = 0;         // response bytes of successful pages
  // Bytes held by `records` (strings and the records themselves), checked
  // against crawl_max_bytes after each page.
  int64_t kept_bytes = 0;
};

struct CrawlResult {
  // Every storable record of every page, one per content key, in the order
  // the keys were first seen: each result's own record, then the derived
  // records of a course's nested course_runs (see ParseDiscoveryDocument).
  // Of two records with one key, domain::Supersedes says which is kept.
  std::vector<domain::ContentRecord> records;
  CrawlStats stats;
};

// What one FetchCourses or FetchPrograms call cost and saw; filled even on
// failure.
struct FullFetchStats {
  int64_t requests = 0;  // HTTP requests to courses/ or programs/ (retries too)
  int64_t retries = 0;   // of those, the ones that were retries
  int64_t pages = 0;     // pages fetched successfully
  int64_t token_requests = 0;  // requests to the token endpoint
  int64_t results = 0;         // result objects received
  int64_t skipped = 0;         // results without a non-empty string key/uuid
  int64_t bytes = 0;           // response bytes of successful pages
};

struct FullFetchResult {
  // The full course (or program) objects as discovery sent them, member
  // order kept, in answer order: batch after batch, page after page.
  std::vector<nlohmann::ordered_json> documents;
  FullFetchStats stats;
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

  // GET courses/?keys=...&ordering=key&limit=L&offset=N for `keys` (course
  // keys, sent as given): batches of at most full_batch_size keys, each
  // followed through its limit/offset pages while "next" is set. documents:
  // every returned course object that has a non-empty string "key" (others
  // are counted in stats.skipped), in answer order.
  // Returns OK only if every request succeeded. On failure `out->documents`
  // keeps the documents of the batches that completed entirely (a caller
  // may apply them; a partial batch is dropped) and the status names the
  // batch and offset that failed.
  virtual absl::Status FetchCourses(const std::vector<std::string>& keys,
                                    FullFetchResult* out) = 0;
  // GET programs/?uuids=...&ordering=key&limit=L&extended=True&offset=N, by
  // the same rules; documents must have a non-empty string "uuid".
  virtual absl::Status FetchPrograms(const std::vector<std::string>& uuids,
                                     FullFetchResult* out) = 0;
};

// Waits out a backoff. Returns non-OK to abandon the wait (shutdown), which
// aborts the crawl with that status. Null means a plain sleep.
using Sleeper = std::function<absl::Status(std::chrono::milliseconds)>;

// The real thing: libcurl with connection reuse, OAuth2 client credentials.
// Crawl, FetchCourses and FetchPrograms share the token cache, the
// connection and the rules below ("the endpoint" is search/all, courses/ or
// programs/; "a page" is a search/all page or one batch's offset).
//
// Retried (up to max_attempts per page and per token request, with the
// backoff above): connection failures and timeouts, HTTP 5xx, 408 and 429,
// and 2xx bodies that are not a valid envelope (HTML, truncated JSON,
// {"detail": ...}, wrong member types), which are never taken as results.
// A 401 from the endpoint drops the cached token and retries at once with a
// fresh one, once per page; the retry uses up one of the page's attempts.
//
// How a call fails (every message names the page, e.g. "search/all page 3"
// or "courses batch 2/3 offset 200", or the token endpoint, and never
// contains the token or the client secret):
//   UNAVAILABLE          attempts used up; the last failure was transient
//                        (connection, timeout, 5xx, 408, 429).
//   DATA_LOSS            attempts used up; the last failure was a 2xx body
//                        that is not a valid envelope or token response. Also
//                        a courses/ or programs/ page with "next" set but no
//                        results (following it could loop forever).
//   UNAUTHENTICATED      the token endpoint answered 400, 401 or 403 (client
//                        credentials refused), or the endpoint answered 401
//                        even with a freshly fetched token (or on the page's
//                        last attempt).
//   FAILED_PRECONDITION  the token endpoint answered another 4xx or a 3xx;
//                        the endpoint answered 3xx or a 4xx other than 400,
//                        401, 408 and 429 (e.g. 403, 404 "Invalid page.").
//   INVALID_ARGUMENT     the endpoint answered 400 (filter or keys
//                        rejected); or the config is invalid (see
//                        ValidateDiscoveryConfig).
//   RESOURCE_EXHAUSTED   more than max_pages pages in one call; a crawl
//                        whose records outgrow crawl_max_bytes; or a
//                        response larger than max_response_bytes, which is
//                        not retried. A crawl counts these in
//                        refresh_crawls_over_limit_total.
//   (transport's code)   a transport failure retrying cannot fix, e.g. a
//                        malformed URL or a rejected TLS certificate.
//   INTERNAL             an exception (e.g. out of memory); none escapes.
//   anything else        as returned by the Sleeper or the PageObserver.
// On a failed crawl `out->records` is empty; on a failed full fetch
// `out->documents` holds the completed batches; `out->stats` is filled in.
std::unique_ptr<ContentSource> NewDiscoveryClient(const DiscoveryConfig& config,
                                                  Sleeper sleeper = nullptr);

// INVALID_ARGUMENT naming the first unusable setting: URLs that are not
// http:// or https://, an empty client id, non-positive page_size,
// max_attempts, max_pages, full_batch_size, full_page_limit,
// crawl_max_bytes, max_response_bytes or timeouts, negative backoffs. Every
// call checks this too, before any request.
absl::Status ValidateDiscoveryConfig(const DiscoveryConfig& config);

// The token endpoint for `oauth_url`, by edx-rest-api-client's rule: trailing
// slashes dropped, then "/access_token" appended to ".../oauth2", nothing
// appended to ".../access_token", "/oauth2/access_token" appended otherwise.
std::string TokenEndpointUrl(const std::string& oauth_url);

// `discovery_url` joined with "search/all/" (no query string).
std::string SearchAllUrl(const std::string& discovery_url);

}  // namespace ec::discovery
