// GET|POST /api/v1/search/all/: authentication, then search.h's plan and
// page, with the injected faults applied on the way out.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include "tools/discovery_stub/stub_server_impl.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {

namespace http = boost::beast::http;

ServerReply DiscoveryStub::Impl::HandleSearch(const ServerRequest& req,
                                              std::string_view path,
                                              std::string_view raw_query) {
  {
    std::lock_guard lock(stats_mu);
    ++stats.search_requests;
  }
  ServerReply reply = ComputeSearch(req, path, raw_query);
  std::lock_guard lock(stats_mu);
  ++stats.responses_by_status[reply.drop ? 0
                                         : static_cast<int>(
                                               reply.response.result_int())];
  return reply;
}

ServerReply DiscoveryStub::Impl::ComputeSearch(const ServerRequest& req,
                                               std::string_view path,
                                               std::string_view raw_query) {
  ServerReply reply;
  if (req.method() != http::verb::post && req.method() != http::verb::get) {
    reply.response = MethodNotAllowed(req);
    return reply;
  }
  if (const std::string auth =
          token_issuer.Check(req[http::field::authorization]);
      !auth.empty()) {
    reply.response = JsonResponse(401, Detail(auth), req.version());
    reply.response.set(http::field::www_authenticate, R"(JWT realm="api")");
    return reply;
  }
  const std::shared_ptr<const Searcher> snapshot = Snapshot();
  SearchRequest request;
  request.method = req.method() == http::verb::get ? "GET" : "POST";
  request.path = std::string(path);
  request.raw_query = std::string(raw_query);
  request.body = req.body();
  request.host = std::string(req[http::field::host]);
  if (request.host.empty()) request.host = Cat(options.host, ":", port);
  SearchLimits limits;
  limits.max_result_window = options.max_result_window;
  limits.count_cap = options.count_cap;
  SearchPlan plan = PlanSearch(*snapshot, request, limits);

  const std::optional<int64_t> page = plan.status == 200
                                          ? std::optional<int64_t>(plan.page)
                                          : RequestedPage(plan.params);
  const std::string_view body = request.method == "POST"
                                    ? std::string_view(req.body())
                                    : std::string_view();
  const FaultInjector::Decision faults =
      SelectFaults(FaultTarget::kSearch, page, body, plan.status == 200);
  reply.delay_ms = faults.delay_ms;
  // kLatency never decides an outcome, so it stands for "no fault" here.
  const FaultKind kind =
      faults.outcome ? faults.outcome->kind : FaultKind::kLatency;
  if (kind == FaultKind::kStatus) {
    reply.response = FaultStatusResponse(*faults.outcome, req.version(), false);
    return reply;
  }
  if (kind == FaultKind::kHtml200) {
    reply.response = HtmlResponse(req.version());
    return reply;
  }
  if (kind == FaultKind::kDropConnection) {
    reply.drop = true;
    return reply;
  }
  if (plan.status != 200) {
    reply.response = JsonResponse(plan.status, plan.error_body, req.version());
    return reply;
  }
  std::vector<uint32_t> items(
      plan.matches->begin() + static_cast<std::ptrdiff_t>(plan.begin),
      plan.matches->begin() + static_cast<std::ptrdiff_t>(plan.end));
  if (kind == FaultKind::kDuplicateItems) {
    // An unstable sort: this page starts with the previous page's tail, so
    // those repeat and the ones they displace are never seen.
    const size_t k =
        std::min({static_cast<size_t>(std::max(0, faults.outcome->items)),
                  items.size(), plan.begin});
    for (size_t i = 0; i < k; ++i)
      items[i] = (*plan.matches)[plan.begin - k + i];
  } else if (kind == FaultKind::kMissingItems) {
    const size_t k = std::min(
        static_cast<size_t>(std::max(0, faults.outcome->items)), items.size());
    items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(k));
  }
  if (kind == FaultKind::kCountSwing) {
    // The index changed between two requests: this page counts another
    // total, while its slice and links are those of the real one.
    plan.count = static_cast<size_t>(std::max<int64_t>(
        0, static_cast<int64_t>(plan.count) + faults.outcome->items));
  }
  reply.response = JsonResponse(200, RenderSearchPage(*snapshot, plan, items),
                                req.version());
  if (kind == FaultKind::kTruncatedJson) {
    Truncate(&reply.response);
    return reply;
  }
  std::lock_guard lock(stats_mu);
  ++stats.search_ok;
  if (plan.page == 1) {
    ++stats.crawls;
    ++stats.crawls_by_body[std::string(body)];
  }
  return reply;
}

}  // namespace ec::stub
