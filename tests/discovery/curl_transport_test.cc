#include "discovery/curl_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "discovery/discovery_client.h"
#include "discovery/http_transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ec::discovery {
namespace {

using std::chrono::milliseconds;

struct ReceivedRequest {
  std::string method;
  std::string target;
  // Lower-cased names.
  std::map<std::string, std::string> headers;
  std::string body;
};

// What the server does with one request: send `raw` (a complete HTTP
// response), then optionally close; or send nothing at all.
struct Reply {
  std::string raw;
  bool close_after = false;
  bool hang = false;
};

std::string HttpReply(int status, std::string_view body,
                      std::string_view extra_headers = "") {
  return absl::StrCat(
      "HTTP/1.1 ", status, " X\r\nContent-Length: ", body.size(), "\r\n",
      absl::string_view(extra_headers.data(), extra_headers.size()), "\r\n",
      absl::string_view(body.data(), body.size()));
}

// A minimal HTTP/1.1 server on 127.0.0.1, port chosen by the kernel, with
// keep-alive, so tests can count the TCP connections a client opens. One
// thread polls the listener and every connection; handlers run on it.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<Reply(const ReceivedRequest&)> handler)
      : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(listen_fd_, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)),
              0);
    EXPECT_EQ(listen(listen_fd_, 16), 0);
    socklen_t length = sizeof(address);
    EXPECT_EQ(
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length),
        0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Run(); });
  }

  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    for (const Connection& connection : connections_) close(connection.fd);
    close(listen_fd_);
  }

  std::string Url(std::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", port_,
                        absl::string_view(path.data(), path.size()));
  }
  int accepted() const { return accepted_.load(); }
  std::vector<ReceivedRequest> requests() {
    absl::MutexLock lock(&mutex_);
    return requests_;
  }

 private:
  struct Connection {
    int fd;
    std::string buffer;
    bool hung = false;
  };

  void Run() {
    while (!stop_) {
      std::vector<pollfd> fds;
      fds.push_back({listen_fd_, POLLIN, 0});
      for (const Connection& connection : connections_) {
        fds.push_back({connection.fd, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) {
          ++accepted_;
          connections_.push_back({fd, "", false});
        }
      }
      std::vector<Connection> alive;
      for (size_t i = 1; i < fds.size(); ++i) {
        Connection& connection = connections_[i - 1];
        bool keep = true;
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
          keep = Serve(connection);
        }
        if (keep) {
          alive.push_back(std::move(connection));
        } else {
          close(connection.fd);
        }
      }
      // Connections accepted in this round were not in `fds`.
      for (size_t i = fds.size() - 1; i < connections_.size(); ++i) {
        alive.push_back(std::move(connections_[i]));
      }
      connections_ = std::move(alive);
    }
  }

  // Reads what arrived and answers every complete request. False when the
  // connection is finished.
  bool Serve(Connection& connection) {
    char chunk[4096];
    const ssize_t n = recv(connection.fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    connection.buffer.append(chunk, static_cast<size_t>(n));
    while (!connection.hung) {
      const size_t header_end = connection.buffer.find("\r\n\r\n");
      if (header_end == std::string::npos) return true;
      ReceivedRequest request;
      const std::string head = connection.buffer.substr(0, header_end);
      size_t line_end = head.find("\r\n");
      const std::string request_line = head.substr(0, line_end);
      const size_t space1 = request_line.find(' ');
      const size_t space2 = request_line.find(' ', space1 + 1);
      request.method = request_line.substr(0, space1);
      request.target = request_line.substr(space1 + 1, space2 - space1 - 1);
      while (line_end != std::string::npos) {
        const size_t start = line_end + 2;
        line_end = head.find("\r\n", start);
        const std::string line = head.substr(start, line_end - start);
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        request.headers[absl::AsciiStrToLower(line.substr(0, colon))] =
            std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
      size_t content_length = 0;
      if (request.headers.count("content-length") > 0 &&
          !absl::SimpleAtoi(request.headers["content-length"],
                            &content_length)) {
        return false;
      }
      if (connection.buffer.size() < header_end + 4 + content_length) {
        return true;
      }
      request.body = connection.buffer.substr(header_end + 4, content_length);
      connection.buffer.erase(0, header_end + 4 + content_length);
      {
        absl::MutexLock lock(&mutex_);
        requests_.push_back(request);
      }
      const Reply reply = handler_(request);
      if (reply.hang) {
        connection.hung = true;
        return true;
      }
      size_t sent = 0;
      while (sent < reply.raw.size()) {
        const ssize_t written = send(connection.fd, reply.raw.data() + sent,
                                     reply.raw.size() - sent, MSG_NOSIGNAL);
        if (written <= 0) return false;
        sent += static_cast<size_t>(written);
      }
      if (reply.close_after) return false;
    }
    return true;
  }

  std::function<Reply(const ReceivedRequest&)> handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<Connection> connections_;  // Server thread only.
  absl::Mutex mutex_;
  std::vector<ReceivedRequest> requests_ ABSL_GUARDED_BY(mutex_);
};

HttpRequest MakeRequest(std::string url, std::string body) {
  HttpRequest request;
  request.url = std::move(url);
  request.headers = {{"Authorization", "JWT abc"},
                     {"Content-Type", "application/json"}};
  request.body = std::move(body);
  request.connect_timeout = milliseconds(2000);
  request.timeout = milliseconds(5000);
  return request;
}

TEST(CurlTransportTest, ReusesOneConnectionForConsecutiveRequests) {
  LoopbackServer server([](const ReceivedRequest& request) {
    return Reply{HttpReply(200, absl::StrCat("echo:", request.body),
                           "Content-Type: application/json\r\n")};
  });
  auto transport = NewCurlTransport();
  for (const char* body : {R"({"a":1})", R"({"b":2})"}) {
    absl::StatusOr<HttpResponse> response = transport->Post(
        MakeRequest(server.Url("/api/v1/search/all/?page=1"), body));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, absl::StrCat("echo:", body));
    EXPECT_EQ(response->Header("content-type"), "application/json");
  }
  EXPECT_EQ(server.accepted(), 1);

  const std::vector<ReceivedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/v1/search/all/?page=1");
  EXPECT_EQ(requests[0].headers.at("authorization"), "JWT abc");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(requests[0].headers.count("expect"), 0u);
  EXPECT_EQ(requests[0].body, R"({"a":1})");
  EXPECT_EQ(requests[1].body, R"({"b":2})");
}

TEST(CurlTransportTest, GetSendsNoBodyAndSharesTheConnectionWithPost) {
  LoopbackServer server([](const ReceivedRequest& request) {
    return Reply{HttpReply(200, absl::StrCat(request.method, ":", request.body),
                           "Content-Type: application/json\r\n")};
  });
  auto transport = NewCurlTransport();
  HttpRequest get = MakeRequest(
      server.Url("/api/v1/courses/?keys=a%2Bb%2Cc&offset=0"), "ignored");
  get.headers = {{"Authorization", "JWT abc"}, {"Accept", "application/json"}};
  absl::StatusOr<HttpResponse> response = transport->Get(get);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "GET:");
  response = transport->Post(MakeRequest(server.Url("/post"), R"({"a":1})"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, R"(POST:{"a":1})");
  // A GET after a POST must not inherit the POST's method or body.
  response = transport->Get(get);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "GET:");
  EXPECT_EQ(server.accepted(), 1);

  const std::vector<ReceivedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/api/v1/courses/?keys=a%2Bb%2Cc&offset=0");
  EXPECT_EQ(requests[0].headers.at("authorization"), "JWT abc");
  EXPECT_EQ(requests[0].headers.count("content-length"), 0u);
  EXPECT_EQ(requests[2].method, "GET");
  EXPECT_EQ(requests[2].headers.count("content-length"), 0u);
}

TEST(CurlTransportTest, GetReportsErrorsLikePost) {
  LoopbackServer server([](const ReceivedRequest&) {
    return Reply{HttpReply(503, "busy", "Retry-After: 3\r\n")};
  });
  auto transport = NewCurlTransport();
  absl::StatusOr<HttpResponse> response =
      transport->Get(MakeRequest(server.Url("/"), ""));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->Header("retry-after"), "3");
  HttpRequest injected = MakeRequest(server.Url("/"), "");
  injected.headers.push_back({"Accept", "a\nX-Evil: 1"});
  EXPECT_EQ(transport->Get(injected).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CurlTransportTest, LargeBodyIsSentWithoutWaitingForContinue) {
  LoopbackServer server([](const ReceivedRequest& request) {
    return Reply{HttpReply(200, std::to_string(request.body.size()))};
  });
  auto transport = NewCurlTransport();
  const std::string body(200000, 'x');
  absl::StatusOr<HttpResponse> response =
      transport->Post(MakeRequest(server.Url("/"), body));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "200000");
}

TEST(CurlTransportTest, ReturnsErrorStatusesWithHeaders) {
  LoopbackServer server([](const ReceivedRequest&) {
    return Reply{
        HttpReply(429, R"({"detail":"throttled"})", "Retry-After:  7 \r\n")};
  });
  auto transport = NewCurlTransport();
  absl::StatusOr<HttpResponse> response =
      transport->Post(MakeRequest(server.Url("/"), "{}"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(response->Header("retry-after"), "7");
  EXPECT_EQ(response->body, R"({"detail":"throttled"})");
}

TEST(CurlTransportTest, DoesNotFollowRedirects) {
  LoopbackServer server([](const ReceivedRequest&) {
    return Reply{HttpReply(302, "", "Location: /elsewhere\r\n")};
  });
  auto transport = NewCurlTransport();
  absl::StatusOr<HttpResponse> response =
      transport->Post(MakeRequest(server.Url("/"), "{}"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(CurlTransportTest, TimesOutWhenTheServerNeverAnswers) {
  LoopbackServer server([](const ReceivedRequest&) {
    return Reply{"", false, true};
  });
  auto transport = NewCurlTransport();
  HttpRequest request = MakeRequest(server.Url("/"), "{}");
  request.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<HttpResponse> response = transport->Post(request);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded)
      << response.status();
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(CurlTransportTest, RefusedConnectionIsUnavailable) {
  // A port that was just bound and released has no listener.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  close(fd);

  auto transport = NewCurlTransport();
  absl::StatusOr<HttpResponse> response = transport->Post(
      MakeRequest(absl::StrCat("http://127.0.0.1:", port, "/"), "{}"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
}

TEST(CurlTransportTest, CapsResponseSize) {
  LoopbackServer with_length([](const ReceivedRequest&) {
    return Reply{HttpReply(200, std::string(4096, 'a'))};
  });
  // No Content-Length: the cap must hold while the body streams in.
  LoopbackServer streamed([](const ReceivedRequest&) {
    return Reply{absl::StrCat("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
                              std::string(100000, 'b')),
                 true};
  });
  CurlTransportOptions options;
  options.max_response_bytes = 1024;
  auto transport = NewCurlTransport(options);
  for (LoopbackServer* server : {&with_length, &streamed}) {
    absl::StatusOr<HttpResponse> response =
        transport->Post(MakeRequest(server->Url("/"), "{}"));
    EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted)
        << response.status();
  }
}

TEST(CurlTransportTest, RejectsHeaderInjection) {
  auto transport = NewCurlTransport();
  HttpRequest request = MakeRequest("http://127.0.0.1:9/", "{}");
  request.headers.push_back({"Authorization", "JWT a\r\nX-Evil: 1"});
  EXPECT_EQ(transport->Post(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CurlTransportTest, DiscoveryClientCrawlsOverOneConnection) {
  LoopbackServer server([](const ReceivedRequest& request) {
    using Json = nlohmann::json;
    if (request.target == "/oauth2/access_token") {
      return Reply{HttpReply(
          200,
          R"({"access_token":"t0k","expires_in":3600,"token_type":"JWT"})")};
    }
    if (request.headers.count("authorization") == 0 ||
        request.headers.at("authorization") != "JWT t0k") {
      return Reply{HttpReply(401, R"({"detail":"no"})")};
    }
    const bool first = request.target.ends_with("&page=1");
    const Json page = {
        {"count", 2},
        {"next", first ? Json("http://x/?page=2") : Json(nullptr)},
        {"previous", nullptr},
        {"results",
         {{{"aggregation_key", "course:edX+DemoX"},
           {"content_type", "course"},
           {"key", first ? "edX+DemoX" : "edX+Other"},
           {"course_runs", Json::array()}}}}};
    return Reply{HttpReply(200, page.dump())};
  });

  DiscoveryConfig config;
  config.discovery_url = server.Url("/api/v1/");
  config.oauth_url = server.Url("");
  config.client_id = "id";
  config.client_secret = "secret";
  config.page_size = 1;
  auto client = NewDiscoveryClient(config, [](milliseconds) {
    return absl::FailedPreconditionError("no retries expected");
  });
  CrawlResult result;
  ASSERT_TRUE(
      client->Crawl(R"({"content_type":"course"})", nullptr, &result).ok());
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(result.records[0].content_key, "edX+DemoX");
  EXPECT_EQ(result.records[1].content_key, "edX+Other");
  EXPECT_EQ(result.stats.token_requests, 1);
  EXPECT_EQ(result.stats.requests, 2);
  EXPECT_EQ(server.accepted(), 1);

  const std::vector<ReceivedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target, "/oauth2/access_token");
  EXPECT_EQ(requests[0].headers.at("content-type"),
            "application/x-www-form-urlencoded");
  EXPECT_EQ(requests[0].body,
            "grant_type=client_credentials&client_id=id&client_secret=secret"
            "&token_type=jwt");
  EXPECT_EQ(requests[1].target,
            "/api/v1/search/all/?exclude_expired_course_run=True"
            "&include_learner_pathways=True&include_modified=true"
            "&page_size=1&page=1");
  EXPECT_EQ(requests[2].target,
            "/api/v1/search/all/?exclude_expired_course_run=True"
            "&include_learner_pathways=True&include_modified=true"
            "&page_size=1&page=2");
  EXPECT_EQ(requests[1].body, R"({"content_type":"course"})");
}

TEST(CurlTransportTest, DiscoveryClientFetchesCoursesOverHttp) {
  LoopbackServer server([](const ReceivedRequest& request) {
    if (request.target == "/oauth2/access_token") {
      return Reply{HttpReply(
          200,
          R"({"access_token":"t0k","expires_in":3600,"token_type":"JWT"})")};
    }
    const bool first = request.target.ends_with("&offset=0");
    return Reply{HttpReply(
        200, absl::StrCat(R"({"count":2,"next":)",
                          first ? R"("http://x/?offset=1")" : "null",
                          R"(,"previous":null,"results":[{"key":")",
                          first ? "edX+DemoX" : "course-v1:a", R"("}]})"))};
  });
  DiscoveryConfig config;
  config.discovery_url = server.Url("/api/v1/");
  config.oauth_url = server.Url("");
  config.client_id = "id";
  config.full_page_limit = 1;
  auto client = NewDiscoveryClient(config, [](milliseconds) {
    return absl::FailedPreconditionError("no retries expected");
  });
  FullFetchResult result;
  ASSERT_TRUE(client->FetchCourses({"edX+DemoX", "course-v1:a"}, &result).ok());
  ASSERT_EQ(result.documents.size(), 2u);
  EXPECT_EQ(result.documents[1]["key"], "course-v1:a");

  const std::vector<ReceivedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].target,
            "/api/v1/courses/?keys=edX%2BDemoX%2Ccourse-v1%3Aa"
            "&ordering=key&limit=1&offset=0");
  EXPECT_EQ(requests[2].target,
            "/api/v1/courses/?keys=edX%2BDemoX%2Ccourse-v1%3Aa"
            "&ordering=key&limit=1&offset=1");
  EXPECT_EQ(requests[2].headers.at("authorization"), "JWT t0k");
  EXPECT_EQ(server.accepted(), 1);
}

}  // namespace
}  // namespace ec::discovery
