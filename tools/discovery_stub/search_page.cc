// Paging and the response envelope of search/all (§1.4, §1.5): the
// request-facing half of search.h; search.cc holds the Searcher.
#include "tools/discovery_stub/search.h"

#include <algorithm>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

bool IsTruthy(const std::string* value) {
  return value != nullptr && !value->empty();
}

std::optional<int64_t> ParsePythonInt(std::string_view text) {
  text = Strip(text);
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 15) return std::nullopt;
  int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

std::string DetailBody(std::string_view detail) {
  return nlohmann::json({{"detail", detail}}).dump();
}

}  // namespace

std::optional<int64_t> RequestedPage(const QueryParams& params) {
  const std::string* page = params.Get("page");
  if (page == nullptr) return 1;
  return ParsePythonInt(*page);
}

std::string PageLink(std::string_view host, std::string_view path,
                     std::string_view raw_query, int64_t page) {
  QueryParams params = ParseQueryString(raw_query);
  if (page == 0) {
    params.Remove("page");
  } else {
    params.Set("page", Cat(page));
  }
  const std::string query = EncodeSorted(params);
  return Cat("http://", host, path, query.empty() ? "" : "?", query);
}

SearchPlan PlanSearch(const Searcher& searcher, const SearchRequest& request,
                      const SearchLimits& limits) {
  SearchPlan plan;
  plan.params = ParseQueryString(request.raw_query);
  if (request.method == "POST") {
    if (absl::Status s = MergeJsonBody(request.body, &plan.params); !s.ok()) {
      plan.status = 400;
      plan.error_body = DetailBody(Cat("JSON parse error - ", s.message()));
      return plan;
    }
  }
  QueryParams filter_params = plan.params;
  if (request.method == "GET" && !plan.params.Has("partner")) {
    // On GET only, a missing partner means the site's partner.
    filter_params.Append("partner", std::string(kSitePartner));
  }
  plan.matches = searcher.Match(filter_params);
  plan.count = plan.matches->size();

  if (const std::string* size = plan.params.Get("page_size")) {
    const std::optional<int64_t> parsed = ParsePythonInt(*size);
    if (parsed && *parsed > 0) plan.page_size = *parsed;
  }
  const auto page_size = static_cast<size_t>(plan.page_size);
  const int64_t num_pages =
      plan.count == 0
          ? 1
          : static_cast<int64_t>((plan.count + page_size - 1) / page_size);
  std::optional<int64_t> page;
  if (const std::string* raw = plan.params.Get("page");
      raw != nullptr && *raw == "last") {
    page = num_pages;
  } else {
    page = RequestedPage(plan.params);
  }
  if (!page || *page < 1 || *page > num_pages) {
    plan.status = 404;
    plan.error_body = DetailBody("Invalid page.");
    return plan;
  }
  plan.page = *page;
  if (limits.max_result_window > 0 &&
      plan.page * plan.page_size > limits.max_result_window) {
    plan.status = 500;
    plan.error_body = DetailBody(Cat(
        "Result window is too large, from + size must be less than or equal "
        "to: [",
        limits.max_result_window, "]"));
    return plan;
  }
  plan.begin =
      std::min(plan.count, static_cast<size_t>(plan.page - 1) * page_size);
  plan.end = std::min(plan.count, plan.begin + page_size);
  if (plan.page < num_pages) {
    plan.next =
        PageLink(request.host, request.path, request.raw_query, plan.page + 1);
  }
  if (plan.page > 1) {
    plan.previous = PageLink(request.host, request.path, request.raw_query,
                             plan.page == 2 ? 0 : plan.page - 1);
  }
  if (limits.count_cap > 0) {
    plan.count = std::min(plan.count, static_cast<size_t>(limits.count_cap));
  }
  return plan;
}

std::string RenderSearchPage(const Searcher& searcher, const SearchPlan& plan,
                             const std::vector<uint32_t>& items) {
  const Dataset& dataset = searcher.dataset();
  RenderOptions options;
  options.now = dataset.now();
  options.exclude_expired =
      IsTruthy(plan.params.Get("exclude_expired_course_run"));
  options.detail_fields = IsTruthy(plan.params.Get("detail_fields"));
  const std::string* include_modified = plan.params.Get("include_modified");
  options.include_modified =
      include_modified != nullptr && AsciiLower(*include_modified) == "true";
  if (const std::string* v = plan.params.Get("include_restricted")) {
    for (const std::string& t : Split(*v, ",")) {
      options.include_restricted.emplace_back(Strip(t));
    }
  }
  options.params = &plan.params;

  // AggregateSearchListSerializer regroups the page by document type, in
  // order of first appearance, stable within a type.
  std::vector<ContentType> type_order;
  for (const uint32_t i : items) {
    const ContentType t = dataset.docs()[i]->type;
    if (std::find(type_order.begin(), type_order.end(), t) ==
        type_order.end()) {
      type_order.push_back(t);
    }
  }
  auto link = [](const std::string& url) {
    return url.empty() ? std::string("null") : nlohmann::json(url).dump();
  };
  std::string out = Cat(
      "{\"count\":", plan.count, ",\"next\":", link(plan.next),
      ",\"previous\":", link(plan.previous), ",\"facets\":{},\"results\":[");
  bool first = true;
  for (const ContentType t : type_order) {
    for (const uint32_t i : items) {
      const Document& doc = *dataset.docs()[i];
      if (doc.type != t) continue;
      if (!first) out.push_back(',');
      first = false;
      RenderDocument(doc, options, &out);
    }
  }
  out.append("]}");
  return out;
}

}  // namespace ec::stub
