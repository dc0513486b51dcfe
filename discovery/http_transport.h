#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace ec::discovery {

struct HttpRequest {
  std::string url;
  // Sent in order, as "Name: value".
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent by Post only; Get ignores it.
  std::string body;
  std::chrono::milliseconds connect_timeout{3000};
  // Whole exchange: connect, send, wait and receive.
  std::chrono::milliseconds timeout{15000};
};

struct HttpResponse {
  int status = 0;
  // Names lower-cased, values trimmed, in arrival order (final response
  // only, not an interim 100 Continue).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The last value of header `lower_name` (which must be lower-case), or ""
  // when absent.
  std::string_view Header(std::string_view lower_name) const {
    std::string_view value;
    for (const auto& [name, header_value] : headers) {
      if (name == lower_name) value = header_value;
    }
    return value;
  }
};

// One HTTP exchange per call. Any response the server completes is a value,
// whatever its status; only failures to get one are errors:
//   UNAVAILABLE        connection refused or reset, DNS, TLS handshake, a
//                      malformed or truncated response (worth retrying);
//   DEADLINE_EXCEEDED  connect or whole-request timeout (worth retrying);
//   RESOURCE_EXHAUSTED response larger than the transport's cap;
//   INVALID_ARGUMENT / FAILED_PRECONDITION / INTERNAL  bad URL, certificate
//                      rejected, local failures (not worth retrying).
// Post and Get share this error model and the connection.
// Thread-compatible: implementations may hold one connection.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual absl::StatusOr<HttpResponse> Post(const HttpRequest& request) = 0;
  virtual absl::StatusOr<HttpResponse> Get(const HttpRequest& request) = 0;
};

}  // namespace ec::discovery
