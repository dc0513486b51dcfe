// Dataset changes, stats, the control endpoints, connections, concurrency
// and the discovery-stub binary.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/stub_test_support.h"
#include "tools/discovery_stub/http_client.h"

namespace ec::stub {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Dataset changes.

TEST_F(StubTest, MutateFractionChangesExactlyTheReturnedKeys) {
  const std::string query = std::string(
      "include_learner_pathways=True&exclude_expired_course_run="
      "True&page_size=100000");
  auto snapshot = [&] {
    std::map<std::string, std::string> docs;
    const json page = PostJson(query);
    for (const json& r : page["results"]) docs[ContentKey(r)] = r.dump();
    return docs;
  };
  const auto before = snapshot();
  const Keys default_filter_before = Filter(kDefaultFilter);
  const std::vector<std::string> keys = stub_->MutateFraction(0.1, 7);
  const auto after = snapshot();
  ASSERT_EQ(keys.size(),
            static_cast<size_t>(std::llround(
                0.1 * static_cast<double>(stub_->document_count()))));
  const Keys changed(keys.begin(), keys.end());
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [key, doc] : before) {
    ASSERT_TRUE(after.contains(key)) << key;
    EXPECT_EQ(doc != after.at(key), changed.contains(key)) << key;
  }
  EXPECT_EQ(Filter(kDefaultFilter), default_filter_before);
  EXPECT_EQ(before.size(), stub_->document_count());
}

TEST_F(StubTest, RemoveFractionRemovesTheReturnedKeys) {
  const size_t before = stub_->document_count();
  const std::vector<std::string> keys = stub_->RemoveFraction(0.25, 3);
  ASSERT_FALSE(keys.empty());
  const json all = PostJson(kEverything);
  std::set<std::string> present;
  for (const json& r : all["results"]) {
    present.insert(ContentKey(r));
    if (r["content_type"] == "course") {
      for (const json& run : r["course_runs"]) present.insert(run["key"]);
    }
  }
  for (const auto& k : keys) EXPECT_FALSE(present.contains(k)) << k;
  EXPECT_LT(stub_->document_count(), before);
}

// ---------------------------------------------------------------------------
// Stats, control endpoints, connections, the binary.

TEST_F(StubTest, StatsCountRequestsCrawlsAndStatuses) {
  stub_->ResetStats();
  const std::string body_a = R"({"content_type": "course"})";
  const std::string body_b = R"({"content_type":"courserun"})";
  EXPECT_EQ(Post("page=1", body_a).status, 200);
  EXPECT_EQ(Post("page=2", body_a).status, 200);
  EXPECT_EQ(Post("", body_b).status, 200);  // no page = page 1
  EXPECT_EQ(Post("page=999", body_b).status, 404);
  auto r = client_->Send("POST", "/api/v1/search/all/", "{}");  // no token
  ASSERT_TRUE(r.ok());
  FetchToken(client_.get(), options_);
  const StubStats stats = stub_->stats();
  EXPECT_EQ(stats.token_requests, 1);
  EXPECT_EQ(stats.search_requests, 5);
  EXPECT_EQ(stats.search_ok, 3);
  EXPECT_EQ(stats.crawls, 2);
  EXPECT_EQ(stats.crawls_by_body,
            (std::map<std::string, int64_t>{{body_a, 1}, {body_b, 1}}));
  EXPECT_EQ(stats.responses_by_status,
            (std::map<int, int64_t>{{200, 3}, {401, 1}, {404, 1}}));
  EXPECT_EQ(stats.faults_fired, 0);
}

TEST_F(StubTest, ControlEndpoints) {
  HttpResponse r = Control(
      "POST", "/_stub/faults",
      R"({"target":"search","kind":"status","page":3,"status":500,"times":1})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Post("page=3").status, 500);
  EXPECT_EQ(Control("POST", "/_stub/faults", R"({"kind":"nonsense"})").status,
            400);
  EXPECT_EQ(Control("POST", "/_stub/faults", R"({"kind":"status","colour":1})")
                .status,
            400);
  EXPECT_EQ(Control("POST", "/_stub/faults",
                    R"({"kind":"latency","latency_ms":1,"rate":0.5,
      "body_contains":"x","items":2,"retry_after_seconds":1,"target":"token"})")
                .status,
            200);
  EXPECT_EQ(Control("DELETE", "/_stub/faults").status, 200);
  json stats = json::parse(Control("GET", "/_stub/stats").body);
  EXPECT_EQ(stats["search_requests"], 1);
  EXPECT_EQ(stats["responses_by_status"]["500"], 1);
  EXPECT_EQ(stats["faults_fired"], 1);
  EXPECT_EQ(Control("POST", "/_stub/reset_stats").status, 200);
  stats = json::parse(Control("GET", "/_stub/stats").body);
  EXPECT_EQ(stats["search_requests"], 0);
  const json counts = json::parse(Control("GET", "/_stub/count").body);
  EXPECT_EQ(counts["document_count"], stub_->document_count());
  EXPECT_EQ(counts["by_type"]["course"], 150);
  const json mutated = json::parse(
      Control("POST", "/_stub/mutate", R"({"fraction":0.01,"seed":7})").body);
  EXPECT_EQ(mutated["keys"].size(),
            static_cast<size_t>(std::llround(
                0.01 * static_cast<double>(stub_->document_count()))));
  const json removed = json::parse(
      Control("POST", "/_stub/remove", R"({"fraction":0.5,"seed":7})").body);
  EXPECT_GT(removed["keys"].size(), 0u);
  EXPECT_LT(stub_->document_count(), counts["document_count"].get<size_t>());
  EXPECT_EQ(Control("POST", "/_stub/mutate", "{}").status, 400);
  EXPECT_EQ(Control("GET", "/nowhere").status, 404);
}

TEST_F(StubTest, ConnectionsAreReused) {
  HttpClient client("127.0.0.1", stub_->port());
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Send("POST", "page_size=100", "{}", &client).status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 1);
  // Also after errors that are HTTP answers.
  ASSERT_EQ(Send("POST", "page=9999", "{}", &client).status, 404);
  ASSERT_EQ(Send("POST", "", "[", &client).status, 400);
  ASSERT_EQ(Send("POST", "", "{}", &client).status, 200);
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(StubTest, ConcurrentRequestsWhileTheDatasetChanges) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, done{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      HttpClient client("127.0.0.1", stub_->port());
      for (int i = 0; !stop || i < 20; ++i) {
        auto r = client.Send("POST",
                             "/api/v1/search/all/?page_size=50&page=" +
                                 std::to_string(1 + (i + t) % 4),
                             t == 0 ? "{}" : R"({"content_type": "courserun"})",
                             {{"Authorization", "JWT " + token_}});
        if (!r.ok() || r->status != 200 ||
            json::parse(r->body, nullptr, false).is_discarded()) {
          ++bad;
        }
        ++done;
      }
    });
  }
  for (int round = 0; round < 10; ++round) {
    stub_->MutateFraction(0.05, static_cast<uint64_t>(round));
    FaultRule slow;
    slow.kind = FaultKind::kLatency;
    slow.latency_ms = 1;
    slow.times = 2;
    stub_->AddFault(slow);
    (void)stub_->stats();
    (void)stub_->document_count();
    if (round == 5) stub_->RemoveFraction(0.1, 5);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GE(done, 60);
  EXPECT_EQ(stub_->stats().search_requests, done);
}

TEST(DiscoveryStubBinaryTest, PrintsListeningLineServesAndStopsOnSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(EC_DISCOVERY_STUB_BINARY, EC_DISCOVERY_STUB_BINARY, "--port", "0",
          "--courses", "30", "--runs", "60", "--min-doc-bytes=0",
          "--max-doc-bytes", "0", "--token-lifetime-seconds", "120",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  const json listening = json::parse(line, nullptr, false);
  ASSERT_TRUE(listening.is_object()) << line;
  EXPECT_EQ(line.rfind("{\"listening\": \"http://127.0.0.1:", 0), 0u) << line;
  const std::string url = listening["listening"];
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  HttpClient client("127.0.0.1", port);
  DiscoveryStub::Options options;
  const std::string token = FetchToken(&client, options);
  auto token_response = client.Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=" + options.client_id +
          "&client_secret=" + options.client_secret,
      {}, "application/x-www-form-urlencoded");
  ASSERT_TRUE(token_response.ok());
  EXPECT_EQ(json::parse(token_response->body)["expires_in"], 120);
  auto r = client.Send("POST", "/api/v1/search/all/?page_size=1000",
                       R"({"content_type":"course"})",
                       {{"Authorization", "JWT " + token}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::parse(r->body)["count"], 30);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace ec::stub
