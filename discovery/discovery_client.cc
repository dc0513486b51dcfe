#include "discovery/discovery_client.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "discovery/curl_transport.h"
#include "discovery/discovery_client_testing.h"
#include "discovery/http_transport.h"
#include "discovery/responses.h"
#include "discovery/search_page.h"
#include "discovery/session.h"
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

// The metrics' endpoint label of search/all.
constexpr std::string_view kSearch = "search";

// One of the endpoints a full fetch reads. (C strings: Debian's Abseil has
// its own string_view, which StrCat would not take from a std::string_view.)
struct FullEndpoint {
  // Path under the API root, metrics label and name in messages.
  const char* name;
  // The query parameter that carries the comma-joined ids.
  const char* id_parameter;
  // Further query parameters, after "limit", as enterprise-catalog sends
  // them.
  const char* extra_query;
  // The member a document is known by.
  const char* id_member;
};
constexpr FullEndpoint kCourses{"courses", "keys", "", "key"};
constexpr FullEndpoint kPrograms{"programs", "uuids", "&extended=True", "uuid"};

// Where a full fetch was when it stopped, for the failure log line.
struct FullFetchCursor {
  int64_t batch = 0;  // 1-based; 0 before the first
  int64_t batches = 0;
  int64_t offset = 0;
};

// Runs `call`, turning an exception (allocation failures and the like,
// nothing the caller can act on beyond failing) into INTERNAL, so that none
// escapes the client.
template <typename Call>
absl::Status CatchAll(Call&& call) {
  try {
    return call();
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("discovery client: unexpected exception: ", e.what()));
  } catch (...) {
    return absl::InternalError("discovery client: unexpected exception");
  }
}

// What a kept record costs in memory: its strings and itself (the
// allocator's rounding and the key index are left out).
int64_t KeptBytes(const domain::ContentRecord& record) {
  return static_cast<int64_t>(
      sizeof(record) + record.content_key.size() + record.content_type.size() +
      record.content_uuid.size() + record.parent_content_key.size() +
      record.title.size() + record.json_metadata.size());
}

bool HasNonEmptyString(const Json& document, const char* member) {
  const auto found = document.find(member);
  return found != document.end() && found->is_string() &&
         !found->get_ref<const std::string&>().empty();
}

std::string EndpointUrl(const std::string& discovery_url, const char* path) {
  std::string url = discovery_url;
  if (url.empty() || url.back() != '/') url += '/';
  return absl::StrCat(url, path, "/");
}

class DiscoveryClient final : public ContentSource {
 public:
  DiscoveryClient(const DiscoveryConfig& config,
                  std::unique_ptr<HttpTransport> transport, Sleeper sleeper,
                  std::function<Clock::time_point()> now, uint64_t jitter_seed)
      : config_(config),
        session_(config, std::move(transport), std::move(sleeper),
                 std::move(now), jitter_seed),
        search_url_(SearchAllUrl(config.discovery_url)) {}

  absl::Status Crawl(const std::string& content_filter_json,
                     const PageObserver& on_page, CrawlResult* out) override {
    out->records.clear();
    out->stats = CrawlStats{};
    StartCall();
    const absl::Status status =
        CatchAll([&] { return CrawlPages(content_filter_json, on_page, out); });
    if (status.ok()) return status;
    out->records.clear();
    out->records.shrink_to_fit();
    if (status.code() == absl::StatusCode::kResourceExhausted) {
      metrics::RefreshMetrics::Get().CrawlOverLimit();
    }
    // A caller's own abort (shutdown, lost lease) is not a discovery fault.
    if (!AbortedByCaller()) {
      common::LogError(kComponent, "crawl failed",
                       {{"code", absl::StatusCodeToString(status.code())},
                        {"error", std::string(status.message())},
                        {"pages", out->stats.pages},
                        {"kept_bytes", out->stats.kept_bytes},
                        {"requests", out->stats.requests},
                        {"retries", out->stats.retries},
                        {"token_requests", out->stats.token_requests}});
    }
    return status;
  }

  absl::Status FetchCourses(const std::vector<std::string>& keys,
                            FullFetchResult* out) override {
    return FetchFull(kCourses, keys, out);
  }

  absl::Status FetchPrograms(const std::vector<std::string>& uuids,
                             FullFetchResult* out) override {
    return FetchFull(kPrograms, uuids, out);
  }

 private:
  void StartCall() {
    aborted_by_caller_ = false;
    session_.ClearAborted();
  }

  bool AbortedByCaller() const {
    return aborted_by_caller_ || session_.aborted_by_caller();
  }

  absl::Status CrawlPages(const std::string& content_filter_json,
                          const PageObserver& on_page, CrawlResult* out) {
    EC_RETURN_IF_ERROR(ValidateDiscoveryConfig(config_));
    CrawlStats& stats = out->stats;
    const RequestCounters counters{&stats.requests, &stats.retries,
                                   &stats.token_requests};
    absl::flat_hash_set<std::string> seen;
    // Content key -> its record's index in out->records.
    absl::flat_hash_map<std::string, size_t> kept;
    for (int page_number = 1;; ++page_number) {
      EC_ASSIGN_OR_RETURN(
          SearchPage page,
          session_.Fetch(SearchPageRequest(content_filter_json, page_number),
                         counters));
      if (page_number == 1) stats.reported_count = page.count;
      if (stats.count_changed_page == 0) {
        stats.last_count = page.count;
        if (page.count != stats.reported_count) {
          stats.count_changed_page = page_number;
        }
      }
      ++stats.pages;
      stats.bytes += page.bytes;
      stats.results += static_cast<int64_t>(page.documents.size());
      for (const Json& document : page.documents) {
        if (std::optional<std::string> id = domain::ResultIdentity(document);
            !id.has_value() || seen.insert(*id).second) {
          ++stats.distinct;
        } else if (stats.repeated++ == 0) {
          stats.first_repeat = std::move(*id);
        }
        absl::StatusOr<std::vector<domain::ContentRecord>> records =
            domain::DiscoveryDocumentRecords(document);
        if (!records.ok()) {
          ++stats.skipped;
          continue;
        }
        for (domain::ContentRecord& record : *records) {
          Keep(std::move(record), &kept, out);
        }
      }
      if (stats.kept_bytes > config_.crawl_max_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "search/all page ", page_number, ": the crawl keeps ",
            stats.kept_bytes, " bytes of documents, over its budget of ",
            config_.crawl_max_bytes,
            " (ENTERPRISE_CATALOG_DISCOVERY_CRAWL_MAX_MB); the filter "
            "matches more content than one refresh thread may hold"));
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

  // Adds `record` to the crawl's records unless a record of its key is
  // already kept and is not superseded by it (domain::Supersedes).
  static void Keep(domain::ContentRecord record,
                   absl::flat_hash_map<std::string, size_t>* kept,
                   CrawlResult* out) {
    CrawlStats& stats = out->stats;
    const auto [it, inserted] =
        kept->try_emplace(record.content_key, out->records.size());
    if (inserted) {
      stats.kept_bytes += KeptBytes(record);
      out->records.push_back(std::move(record));
      return;
    }
    domain::ContentRecord& held = out->records[it->second];
    if (!domain::Supersedes(record, held)) return;
    stats.kept_bytes += KeptBytes(record) - KeptBytes(held);
    held = std::move(record);
  }

  PageRequest SearchPageRequest(const std::string& content_filter_json,
                                int page_number) const {
    PageRequest request;
    request.method = HttpMethod::kPost;
    // include_modified: course results then carry "modified", which the
    // service keeps to tell changed documents from unchanged ones.
    request.url = absl::StrCat(
        search_url_,
        "?exclude_expired_course_run=True&include_learner_pathways=True"
        "&include_modified=true&page_size=",
        config_.page_size, "&page=", page_number);
    request.body = content_filter_json;
    request.headers = {{"Content-Type", "application/json"},
                       {"Accept", "application/json"}};
    request.what = absl::StrCat("search/all page ", page_number);
    request.endpoint = kSearch;
    request.log_fields = {{"page", page_number}};
    request.parse = &ParseSearchPage;
    return request;
  }

  absl::Status FetchFull(const FullEndpoint& endpoint,
                         const std::vector<std::string>& ids,
                         FullFetchResult* out) {
    out->documents.clear();
    out->stats = FullFetchStats{};
    StartCall();
    FullFetchCursor cursor;
    const absl::Status status =
        CatchAll([&] { return FetchBatches(endpoint, ids, out, &cursor); });
    if (status.ok() || AbortedByCaller()) return status;
    const FullFetchStats& stats = out->stats;
    common::LogError(kComponent, "full fetch failed",
                     {{"endpoint", endpoint.name},
                      {"batch", cursor.batch},
                      {"batches", cursor.batches},
                      {"offset", cursor.offset},
                      {"code", absl::StatusCodeToString(status.code())},
                      {"error", std::string(status.message())},
                      {"documents_kept", out->documents.size()},
                      {"pages", stats.pages},
                      {"requests", stats.requests},
                      {"retries", stats.retries},
                      {"token_requests", stats.token_requests},
                      {"results", stats.results},
                      {"skipped", stats.skipped}});
    return status;
  }

  // Batch after batch; a batch's documents join `out` only once all of its
  // pages are in, so a failure leaves whole batches only.
  absl::Status FetchBatches(const FullEndpoint& endpoint,
                            const std::vector<std::string>& ids,
                            FullFetchResult* out, FullFetchCursor* cursor) {
    EC_RETURN_IF_ERROR(ValidateDiscoveryConfig(config_));
    FullFetchStats& stats = out->stats;
    const RequestCounters counters{&stats.requests, &stats.retries,
                                   &stats.token_requests};
    const auto batch_size = static_cast<size_t>(config_.full_batch_size);
    cursor->batches =
        static_cast<int64_t>((ids.size() + batch_size - 1) / batch_size);
    const std::string base_url =
        EndpointUrl(config_.discovery_url, endpoint.name);
    std::vector<Json> batch_documents;
    for (size_t begin = 0; begin < ids.size(); begin += batch_size) {
      ++cursor->batch;
      const auto first = ids.begin() + static_cast<std::ptrdiff_t>(begin);
      const auto last = ids.begin() + static_cast<std::ptrdiff_t>(std::min(
                                          ids.size(), begin + batch_size));
      // Comma-joined, then encoded whole (the comma too), as requests
      // encodes a params dict.
      const std::string encoded_ids =
          FormEncode(absl::StrJoin(first, last, ","));
      batch_documents.clear();
      for (int64_t offset = 0;; offset += config_.full_page_limit) {
        cursor->offset = offset;
        PageRequest request;
        request.method = HttpMethod::kGet;
        request.url =
            absl::StrCat(base_url, "?", endpoint.id_parameter, "=", encoded_ids,
                         "&ordering=key&limit=", config_.full_page_limit,
                         endpoint.extra_query, "&offset=", offset);
        request.headers = {{"Accept", "application/json"}};
        request.what = absl::StrCat(endpoint.name, " batch ", cursor->batch,
                                    "/", cursor->batches, " offset ", offset);
        request.endpoint = endpoint.name;
        request.log_fields = {{"batch", cursor->batch}, {"offset", offset}};
        request.parse = &ParseLimitOffsetPage;
        if (stats.pages >= config_.max_pages) {
          return absl::ResourceExhaustedError(absl::StrCat(
              request.what, ": not fetched; ", stats.pages,
              " pages already and max_pages is ", config_.max_pages));
        }
        EC_ASSIGN_OR_RETURN(SearchPage page, session_.Fetch(request, counters));
        ++stats.pages;
        stats.bytes += page.bytes;
        stats.results += static_cast<int64_t>(page.documents.size());
        const bool empty = page.documents.empty();
        for (Json& document : page.documents) {
          if (HasNonEmptyString(document, endpoint.id_member)) {
            batch_documents.push_back(std::move(document));
          } else {
            ++stats.skipped;
          }
        }
        if (!page.has_next) break;
        if (empty) {
          // A server that keeps saying "more" without sending any would
          // keep us paging for nothing; this page is not what DRF sends.
          return absl::DataLossError(absl::StrCat(
              request.what,
              ": \"next\" is set but the page has no results; not followed"));
        }
      }
      out->documents.insert(out->documents.end(),
                            std::make_move_iterator(batch_documents.begin()),
                            std::make_move_iterator(batch_documents.end()));
    }
    if (stats.skipped > 0) {
      common::Log(spdlog::level::debug, kComponent,
                  "skipped results without an id",
                  {{"endpoint", endpoint.name},
                   {"skipped", stats.skipped},
                   {"results", stats.results}});
    }
    return absl::OkStatus();
  }

  const DiscoveryConfig config_;
  DiscoverySession session_;
  const std::string search_url_;
  // Set when the PageObserver ended the crawl.
  bool aborted_by_caller_ = false;
};

bool IsHttpUrl(const std::string& url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// http:// to a host other than localhost, 127.0.0.0/8 or [::1].
bool IsPlainHttpOffLoopback(const std::string& url) {
  constexpr std::string_view kHttp = "http://";
  if (!url.starts_with(kHttp)) return false;
  std::string_view authority = std::string_view(url).substr(kHttp.size());
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  if (host.starts_with("[")) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  const bool ipv4_loopback =
      host.starts_with("127.") &&
      host.find_first_not_of("0123456789.") == std::string_view::npos;
  return !(host == "localhost" || host == "[::1]" || ipv4_loopback);
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
  if (!config.allow_plain_http &&
      (IsPlainHttpOffLoopback(config.discovery_url) ||
       IsPlainHttpOffLoopback(config.oauth_url))) {
    return invalid(
        "plain http:// to a host that is not loopback would send the OAuth "
        "client secret and tokens in clear: use https://, or set "
        "ENTERPRISE_CATALOG_DISCOVERY_ALLOW_PLAIN_HTTP=true on a private "
        "network");
  }
  if (config.client_id.empty()) return invalid("client_id is empty");
  if (config.page_size < 1) return invalid("page_size must be at least 1");
  if (config.max_attempts < 1) {
    return invalid("max_attempts must be at least 1");
  }
  if (config.max_pages < 1) return invalid("max_pages must be at least 1");
  if (config.full_batch_size < 1) {
    return invalid("full_batch_size must be at least 1");
  }
  if (config.full_page_limit < 1) {
    return invalid("full_page_limit must be at least 1");
  }
  if (config.crawl_max_bytes < 1 || config.max_response_bytes < 1) {
    return invalid("crawl_max_bytes and max_response_bytes must be positive");
  }
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
  return EndpointUrl(discovery_url, "search/all");
}

std::unique_ptr<ContentSource> NewDiscoveryClient(const DiscoveryConfig& config,
                                                  Sleeper sleeper) {
  std::random_device entropy;
  const uint64_t seed = (static_cast<uint64_t>(entropy()) << 32) ^ entropy();
  CurlTransportOptions transport;
  transport.max_response_bytes =
      static_cast<size_t>(std::max<int64_t>(config.max_response_bytes, 1));
  return std::make_unique<DiscoveryClient>(
      config, NewCurlTransport(std::move(transport)), std::move(sleeper),
      nullptr, seed);
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
