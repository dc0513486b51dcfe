#include "tools/discovery_stub/http_client.h"

#include <optional>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpResponse::Header(std::string_view name) const {
  auto it = headers.find(AsciiLower(name));
  return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::State {
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, int port,
                       std::chrono::milliseconds timeout)
    : host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      state_(std::make_unique<State>()) {}

HttpClient::~HttpClient() = default;

absl::StatusOr<HttpResponse> HttpClient::Send(
    std::string_view method, std::string_view target, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view content_type) {
  State& s = *state_;
  beast::error_code ec;
  // Async operations driven to completion here, so tcp_stream's timeout
  // applies and a hung server fails the test instead of blocking it.
  auto run = [&] {
    s.io.restart();
    s.io.run();
  };
  if (!s.stream) {
    tcp::resolver resolver(s.io);
    const auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
    if (ec) return absl::UnavailableError(ec.message());
    s.stream.emplace(s.io);
    s.stream->expires_after(timeout_);
    s.stream->async_connect(
        endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      s.stream.reset();
      return absl::UnavailableError(Cat("connect: ", ec.message()));
    }
    s.buffer.clear();
    ++connections_opened_;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target,
                                       11};
  req.set(http::field::host, Cat(host_, ":", port_));
  req.set(http::field::user_agent, "ec-stub-test");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = std::string(body);
  }
  req.keep_alive(true);
  req.prepare_payload();

  auto fail = [&](std::string_view what) {
    s.stream.reset();
    return absl::UnavailableError(Cat(what, ": ", ec.message()));
  };
  s.stream->expires_after(timeout_);
  http::async_write(*s.stream, req,
                    [&](beast::error_code e, size_t) { ec = e; });
  run();
  if (ec) return fail("write");
  http::response_parser<http::string_body> parser;
  parser.body_limit(size_t{1} << 30);
  s.stream->expires_after(timeout_);
  http::async_read(*s.stream, s.buffer, parser,
                   [&](beast::error_code e, size_t) { ec = e; });
  run();
  if (ec) return fail("read");
  http::response<http::string_body> res = parser.release();
  HttpResponse out;
  out.status = res.result_int();
  for (const auto& field : res) {
    out.headers[AsciiLower(std::string(field.name_string()))] =
        std::string(field.value());
  }
  out.body = std::move(res.body());
  if (!res.keep_alive()) s.stream.reset();
  return out;
}

}  // namespace ec::stub
