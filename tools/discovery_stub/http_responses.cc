#include "tools/discovery_stub/http_responses.h"

#include <utility>

#include "boost/beast/http/status.hpp"
#include "nlohmann/json.hpp"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/tokens.h"

namespace ec::stub {

namespace http = boost::beast::http;

namespace {

std::string StatusDetail(const FaultRule& rule) {
  switch (rule.status) {
    case 400:
      return "Bad request.";
    case 401:
      return std::string(kCredentialsNotProvided);
    case 403:
      return "You do not have permission to perform this action.";
    case 404:
      return "Not found.";
    case 429:
      return Cat("Request was throttled. Expected available in ",
                 rule.retry_after_seconds >= 0 ? rule.retry_after_seconds : 60,
                 " seconds.");
    case 500:
      return "A server error occurred.";
    default: {
      const std::string_view reason =
          http::obsolete_reason(static_cast<http::status>(rule.status));
      return reason.empty() ? Cat("Error ", rule.status) : std::string(reason);
    }
  }
}

}  // namespace

ServerResponse JsonResponse(int status, std::string body, unsigned version) {
  ServerResponse res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::vary, "Accept");
  res.body() = std::move(body);
  return res;
}

std::string Detail(std::string_view detail) {
  return nlohmann::json({{"detail", detail}}).dump();
}

ServerResponse MethodNotAllowed(const ServerRequest& req) {
  return JsonResponse(405,
                      Detail(Cat("Method \"", std::string(req.method_string()),
                                 "\" not allowed.")),
                      req.version());
}

ServerResponse FaultStatusResponse(const FaultRule& rule, unsigned version,
                                   bool token) {
  ServerResponse res =
      JsonResponse(rule.status,
                   token && rule.status == 401 ? R"({"error":"invalid_client"})"
                                               : Detail(StatusDetail(rule)),
                   version);
  if (rule.retry_after_seconds >= 0) {
    res.set(http::field::retry_after, std::to_string(rule.retry_after_seconds));
  }
  if (!token && rule.status == 401) {
    res.set(http::field::www_authenticate, R"(JWT realm="api")");
  }
  return res;
}

ServerResponse HtmlResponse(unsigned version) {
  ServerResponse res{http::status::ok, version};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.body() =
      "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
      "<body><center><h1>502 Bad Gateway</h1></center><hr>"
      "<center>nginx</center></body></html>\n";
  return res;
}

void Truncate(ServerResponse* res) {
  std::string& body = res->body();
  body.resize(body.size() / 2);
}

}  // namespace ec::stub
