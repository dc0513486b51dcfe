// POST /oauth2/access_token (reference §1.1): client credentials in, a
// JWT-shaped token out.
#include <optional>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/params.h"
#include "tools/discovery_stub/stub_server_impl.h"

namespace ec::stub {

namespace http = boost::beast::http;

ServerReply DiscoveryStub::Impl::HandleToken(const ServerRequest& req) {
  {
    std::lock_guard lock(stats_mu);
    ++stats.token_requests;
  }
  ServerReply reply;
  if (req.method() != http::verb::post) {
    reply.response = MethodNotAllowed(req);
    return reply;
  }
  const FaultInjector::Decision faults =
      SelectFaults(FaultTarget::kToken, std::nullopt, req.body(), false);
  reply.delay_ms = faults.delay_ms;
  if (faults.outcome) {
    switch (faults.outcome->kind) {
      case FaultKind::kStatus:
        reply.response =
            FaultStatusResponse(*faults.outcome, req.version(), true);
        return reply;
      case FaultKind::kHtml200:
        reply.response = HtmlResponse(req.version());
        return reply;
      case FaultKind::kDropConnection:
        reply.drop = true;
        return reply;
      default:
        break;
    }
  }
  reply.response = TokenAnswer(req);
  if (faults.outcome && faults.outcome->kind == FaultKind::kTruncatedJson) {
    Truncate(&reply.response);
  }
  return reply;
}

ServerResponse DiscoveryStub::Impl::TokenAnswer(const ServerRequest& req) {
  const QueryParams form = ParseQueryString(req.body());
  const std::string* grant = form.Get("grant_type");
  const std::string* id = form.Get("client_id");
  const std::string* secret = form.Get("client_secret");
  if (grant == nullptr || *grant != "client_credentials") {
    return JsonResponse(400, R"({"error":"unsupported_grant_type"})",
                        req.version());
  }
  if (id == nullptr || secret == nullptr || *id != options.client_id ||
      *secret != options.client_secret) {
    return JsonResponse(401, R"({"error":"invalid_client"})", req.version());
  }
  return JsonResponse(
      200,
      nlohmann::json({{"access_token", token_issuer.Issue()},
                      {"expires_in", options.token_lifetime_seconds},
                      {"token_type", "JWT"},
                      {"scope", "read write email profile"}})
          .dump(),
      req.version());
}

}  // namespace ec::stub
