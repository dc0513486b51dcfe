// The metrics port under clients that hold connections open: the probes
// must still be answered (issue 14, defect 8).
#include "metrics/http_endpoint.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ec::metrics {
namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// The status of GET `path`, or 0 when there was no answer within 10 s.
long Get(int port, const std::string& path) {
  CURL* curl = curl_easy_init();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_easy_cleanup(curl);
  return status;
}

// A client that connects and sends the start of a request, then nothing.
int SlowClient(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const std::string start = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  if (send(fd, start.data(), start.size(), MSG_NOSIGNAL) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(HttpEndpointTest, ProbesAreAnsweredWhileClientsHoldConnectionsOpen) {
  auto endpoint = HttpEndpoint::Start(
      "127.0.0.1:0", Probes{[] { return true; }, [] { return false; }});
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const int port = (*endpoint)->port();
  // More idle clients than threads: each is cut off after kIoTimeoutMs, so
  // the probes wait at most a few of those, not civetweb's default 30 s.
  std::vector<int> slow;
  for (int i = 0; i < HttpEndpoint::kThreads + 4; ++i) {
    const int fd = SlowClient(port);
    ASSERT_GE(fd, 0);
    slow.push_back(fd);
  }
  EXPECT_EQ(Get(port, "/healthz"), 200);
  EXPECT_EQ(Get(port, "/readyz"), 503);
  EXPECT_EQ(Get(port, "/metrics"), 200);
  for (int fd : slow) close(fd);
}

}  // namespace
}  // namespace ec::metrics
