#pragma once

// search/all over one dataset snapshot. The Searcher (search.cc) filters
// (filter.h) and ranks (ranking.h) and caches the result of each query;
// PlanSearch and RenderSearchPage (search_page.cc) page it and render the
// envelope. The Searcher also holds the snapshot's CatalogIndex, which
// /api/v1/courses/ and /api/v1/programs/ read.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "tools/discovery_stub/catalog_index.h"
#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/params.h"

namespace ec::stub {

// Answers search/all queries over one immutable Dataset, caching the
// filtered and sorted result list of each distinct query. Thread-safe.
class Searcher {
 public:
  using Matches = std::vector<uint32_t>;  // indices into dataset().docs()

  explicit Searcher(std::shared_ptr<const Dataset> dataset);

  const Dataset& dataset() const { return *dataset_; }
  const std::shared_ptr<const Dataset>& dataset_ptr() const { return dataset_; }
  // Lookups for /api/v1/courses/ and /api/v1/programs/.
  const CatalogIndex& catalog() const { return catalog_; }

  // Every matching document in response order (§2, §1.4 `ordering`, then the
  // stand-in's tiebreak: content key ascending). `params` are the merged
  // request parameters; page and page_size are ignored.
  std::shared_ptr<const Matches> Match(const QueryParams& params) const;

 private:
  Matches Compute(const QueryParams& params) const;

  std::shared_ptr<const Dataset> dataset_;
  CatalogIndex catalog_;
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const Matches>>
      cache_ ABSL_GUARDED_BY(mu_);
};

// One search/all request as received.
struct SearchRequest {
  std::string method = "POST";  // "GET" or "POST"
  std::string path = "/api/v1/search/all/";
  std::string raw_query;  // URL query string without '?'
  std::string body;
  std::string host = "127.0.0.1";  // Host header, for next/previous
};

// Real-service limits a test can switch on; 0 disables each.
struct SearchLimits {
  // Elasticsearch's max_result_window: a page reaching past it fails with
  // HTTP 500 (discovery sets 15000).
  int max_result_window = 0;
  // `count` saturates here (ES 7 hits.total without track_total_hits:
  // 10000) while paging stays exact.
  int count_cap = 0;
};

// A planned response: an error, or which slice of the matches to render.
struct SearchPlan {
  int status = 200;
  std::string error_body;  // for status != 200

  QueryParams params;  // merged URL + body parameters
  int64_t page = 0;    // resolved page number (valid pages only)
  int64_t page_size = 20;
  size_t count = 0;
  std::shared_ptr<const Searcher::Matches> matches;
  size_t begin = 0, end = 0;   // the page's slice of *matches
  std::string next, previous;  // "" = null
};

// Parses the request, filters (cached), sorts and paginates like
// AggregateSearchViewSet. Errors: 400 for a body that is not a JSON object,
// 404 {"detail":"Invalid page."}, 500 past `limits.max_result_window`.
SearchPlan PlanSearch(const Searcher& searcher, const SearchRequest& request,
                      const SearchLimits& limits);

// The page number `raw_query` asks for, read the same way PlanSearch reads
// it but without the body; nullopt when absent or not an integer.
std::optional<int64_t> RequestedPage(const QueryParams& params);

// Renders the envelope {"count","next","previous","facets":{},"results"} for
// `items` (indices into the dataset, in ranking order), regrouped by content
// type in order of first appearance.
std::string RenderSearchPage(const Searcher& searcher, const SearchPlan& plan,
                             const std::vector<uint32_t>& items);

// DRF's next/previous link: `path` with `raw_query` re-encoded sorted, and
// page set to `page` (removed when `page` is 0).
std::string PageLink(std::string_view host, std::string_view path,
                     std::string_view raw_query, int64_t page);

}  // namespace ec::stub
