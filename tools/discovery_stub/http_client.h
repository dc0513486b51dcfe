#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace ec::stub {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // The header's value, or "" when absent.
  std::string Header(std::string_view name) const;
};

// A minimal blocking HTTP/1.1 client over one persistent connection, for
// tests against the stub. Reconnects after the server closes the connection
// or a request fails. Thread-compatible.
class HttpClient {
 public:
  HttpClient(std::string host, int port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request. `target` is the path and query. A non-empty body is
  // sent with `content_type`. UNAVAILABLE when the connection fails or is
  // closed before a complete response arrives.
  absl::StatusOr<HttpResponse> Send(
      std::string_view method, std::string_view target,
      std::string_view body = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      std::string_view content_type = "application/json");

  // TCP connections opened so far (1 while keep-alive holds).
  int connections_opened() const { return connections_opened_; }

 private:
  struct State;
  std::string host_;
  int port_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<State> state_;
  int connections_opened_ = 0;
};

}  // namespace ec::stub
