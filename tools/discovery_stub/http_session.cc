// The server's connections: accepting, one coroutine per connection
// reading requests and writing answers (HTTP/1.1 keep-alive), and routing
// each request to its endpoint.
#include <chrono>
#include <cstdio>
#include <exception>
#include <utility>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "nlohmann/json.hpp"
#include "tools/discovery_stub/stub_server_impl.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kSearchPath = "/api/v1/search/all/";
constexpr std::string_view kTokenPath = "/oauth2/access_token";
constexpr std::string_view kCoursesPath = "/api/v1/courses/";
constexpr std::string_view kProgramsPath = "/api/v1/programs/";
constexpr size_t kMaxRequestBody = size_t{64} << 20;

}  // namespace

ServerReply DiscoveryStub::Impl::Handle(const ServerRequest& req) {
  const std::string_view target = req.target();
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view raw_query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  try {
    if (path == kSearchPath) return HandleSearch(req, path, raw_query);
    if (path == kCoursesPath) {
      return HandleList(req, /*programs=*/false, path, raw_query);
    }
    if (path == kProgramsPath) {
      return HandleList(req, /*programs=*/true, path, raw_query);
    }
    if (path == kTokenPath || path == Cat(kTokenPath, "/")) {
      return HandleToken(req);
    }
    if (path.substr(0, 7) == "/_stub/") return HandleControl(req, path);
    ServerReply reply;
    reply.response = JsonResponse(404, Detail("Not found."), req.version());
    return reply;
  } catch (const std::exception& e) {
    ServerReply reply;
    reply.response = JsonResponse(500, Detail(e.what()), req.version());
    return reply;
  }
}

asio::awaitable<void> DiscoveryStub::Impl::Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBody);
    auto [read_error, read_bytes] = co_await http::async_read(
        stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (read_error) break;
    ServerRequest req = parser.release();
    const Clock::time_point started = Clock::now();
    ServerReply reply = Handle(req);
    if (reply.delay_ms > 0) {
      asio::steady_timer timer(stream.get_executor());
      timer.expires_after(std::chrono::milliseconds(reply.delay_ms));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (options.verbose) {
      const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                          Clock::now() - started)
                          .count() /
                      1000.0;
      std::fprintf(
          stderr, "%s\n",
          nlohmann::json(
              {{"method", std::string(req.method_string())},
               {"target", std::string(req.target())},
               {"status", reply.drop ? 0 : reply.response.result_int()},
               {"bytes", reply.response.body().size()},
               {"ms", ms}})
              .dump()
              .c_str());
    }
    if (reply.drop) {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream.socket().close(ignored);
      co_return;
    }
    ServerResponse& res = reply.response;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [write_error, written] = co_await http::async_write(
        stream, res, asio::as_tuple(asio::use_awaitable));
    if (write_error || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> DiscoveryStub::Impl::Listen() {
  for (;;) {
    auto [error, socket] =
        co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
    if (error) {
      if (error == asio::error::operation_aborted || !acceptor->is_open())
        co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(io->get_executor(), Session(std::move(socket)),
                   asio::detached);
  }
}

}  // namespace ec::stub
