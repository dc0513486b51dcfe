// Two of everything on one PostgreSQL (issue 15): two `serve` processes,
// each answering the contains RPCs from its own membership index, and two
// `work` processes crawling the discovery stand-in. A catalog created on one
// server is answered by the other at once, a crawl applied by either worker
// is visible on both within a second, a worker killed in the middle of a
// crawl and a server restarted under traffic leave both servers correct.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/child_process.h"
#include "tests/support/test_env.h"
#include "tests/support/test_tokens.h"
#include "tools/discovery_stub/stub_server.h"

namespace ec {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using ec::testing::ChildProcess;
using Clock = std::chrono::steady_clock;

constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";

// One `serve` process and a stub on it.
struct Server {
  std::string address;
  std::unique_ptr<ChildProcess> process;
  std::unique_ptr<v1::EnterpriseCatalogService::Stub> stub;
};

class TwoOfEverythingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = testing::StoreEnv::Create(2);
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    options_.dataset.seed = 15;
    options_.dataset.courses = 100;
    options_.dataset.runs = 150;
    options_.dataset.programs = 4;
    options_.dataset.min_doc_bytes = 600;
    options_.dataset.max_doc_bytes = 1200;
    auto discovery = stub::DiscoveryStub::Start(options_);
    ASSERT_TRUE(discovery.ok()) << discovery.status();
    discovery_ = std::move(*discovery);
    // Pages of 10, each 200 ms late: a crawl of about two seconds, long
    // enough to kill a worker in the middle of it.
    stub::FaultRule slow;
    slow.kind = stub::FaultKind::kLatency;
    slow.latency_ms = 200;
    discovery_->AddFault(slow);
    testing::TokenSpec admin;
    admin.roles = {std::string("enterprise_catalog_admin:") + kEnterprise};
    token_ = testing::Hs256Token(admin);
  }

  std::vector<std::string> CommonEnv() const {
    return {
        "ENTERPRISE_CATALOG_DATABASE_URL=" + env_->dsn(),
        "ENTERPRISE_CATALOG_METRICS_ADDRESS=127.0.0.1:0",
        "ENTERPRISE_CATALOG_PLAINTEXT=true",
        std::string("ENTERPRISE_CATALOG_JWT_SECRET=") + testing::kTestSecret,
        std::string("ENTERPRISE_CATALOG_JWT_ISSUER=") + testing::kTestIssuer,
        std::string("ENTERPRISE_CATALOG_JWT_AUDIENCE=") +
            testing::kTestAudience,
        "ENTERPRISE_CATALOG_CALL_LOG_LEVEL=debug",
        "ENTERPRISE_CATALOG_LOG_LEVEL=info"};
  }

  // Starts (or restarts) `server` on its address and waits until its index
  // is loaded.
  void StartServer(Server& server) {
    if (server.address.empty()) {
      server.address = "127.0.0.1:" + std::to_string(testing::FreePort());
    }
    std::vector<std::string> env = CommonEnv();
    env.push_back("ENTERPRISE_CATALOG_GRPC_ADDRESS=" + server.address);
    server.process = std::make_unique<ChildProcess>(
        std::vector<std::string>{EC_BINARY, "serve"}, env,
        testing::ChildOutput::kLogFile);
    ASSERT_GT(server.process->pid(), 0);
    ASSERT_NE(
        server.process->WaitForLogMatch(R"("msg":"membership index loaded")",
                                        std::chrono::seconds(20)),
        "")
        << server.process->log();
    auto channel =
        grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials());
    ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                          std::chrono::seconds(20)));
    // Kept across restarts (its channel reconnects), so that callers on
    // other threads never see it change.
    if (server.stub == nullptr) {
      server.stub = v1::EnterpriseCatalogService::NewStub(channel);
    }
  }

  std::unique_ptr<ChildProcess> StartWorker() {
    std::vector<std::string> env = CommonEnv();
    env.insert(
        env.end(),
        {"ENTERPRISE_CATALOG_DISCOVERY_URL=" + discovery_->discovery_url(),
         "ENTERPRISE_CATALOG_OAUTH_URL=" + discovery_->base_url(),
         "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID=" + options_.client_id,
         "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET=" + options_.client_secret,
         "ENTERPRISE_CATALOG_DISCOVERY_PAGE_SIZE=10",
         "ENTERPRISE_CATALOG_REFRESH_THREADS=1",
         "ENTERPRISE_CATALOG_REFRESH_POLL_MS=50",
         "ENTERPRISE_CATALOG_REFRESH_LEASE_SECONDS=2"});
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{EC_BINARY, "work"}, env);
  }

  std::unique_ptr<grpc::ClientContext> Ctx() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "JWT " + token_);
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
    return ctx;
  }

  // What the database answers for `keys` in `catalog`, as a server would.
  std::vector<bool> Expected(const std::string& catalog,
                             const std::vector<std::string>& keys) {
    auto contained = env_->store()->ContainedKeys(catalog, keys);
    EXPECT_TRUE(contained.ok()) << contained.status();
    std::vector<bool> out;
    for (const std::string& key : keys) {
      out.push_back(
          contained.ok() &&
          std::count(contained->keys.begin(), contained->keys.end(), key) > 0);
    }
    return out;
  }

  // `server`'s answer, or the status it failed with.
  grpc::Status Ask(const Server& server, const std::string& catalog,
                   const std::vector<std::string>& keys,
                   std::vector<bool>* answer) const {
    v1::ContainsContentItemsRequest request;
    request.set_catalog_uuid(catalog);
    for (const std::string& key : keys) request.add_content_keys(key);
    v1::ContainsContentItemsResponse response;
    const grpc::Status status =
        server.stub->ContainsContentItems(Ctx().get(), request, &response);
    answer->clear();
    for (const auto& result : response.results()) {
      answer->push_back(result.contained());
    }
    return status;
  }

  // Some members of `catalog`'s query and two keys of nothing.
  std::vector<std::string> SomeKeys(const std::string& catalog) {
    std::vector<std::string> keys = {"course-v1:Nobody+Nothing+1", "Nobody+2"};
    for (int i = 0; i < 8; ++i) {
      auto key = env_->QueryText(
          "SELECT qc.content_key FROM catalog_query_content qc "
          "JOIN enterprise_catalog c ON c.catalog_query_id = "
          "qc.catalog_query_id WHERE c.uuid = '" +
          catalog + "' ORDER BY qc.content_key OFFSET " +
          std::to_string(i * 7) + " LIMIT 1");
      if (key.ok()) keys.push_back(*key);
    }
    return keys;
  }

  std::unique_ptr<testing::StoreEnv> env_;
  stub::DiscoveryStub::Options options_;
  std::unique_ptr<stub::DiscoveryStub> discovery_;
  std::string token_;
};

TEST_F(TwoOfEverythingTest, BothServersStayCorrectThroughCrawlsAndKills) {
  Server a;
  Server b;
  StartServer(a);
  StartServer(b);
  std::unique_ptr<ChildProcess> workers[2] = {StartWorker(), StartWorker()};
  ASSERT_GT(workers[0]->pid(), 0);
  ASSERT_GT(workers[1]->pid(), 0);

  // Created on A, answered by B at once: B's index does not know the
  // catalog yet, so B asks the database rather than say NOT_FOUND.
  v1::CreateCatalogRequest create;
  create.mutable_catalog()->set_title("Courses");
  create.mutable_catalog()->set_enterprise_uuid(kEnterprise);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"content_type": "course"})",
                  create.mutable_catalog()->mutable_content_filter())
                  .ok());
  v1::Catalog catalog;
  ASSERT_TRUE(a.stub->CreateCatalog(Ctx().get(), create, &catalog).ok());
  const std::vector<std::string> unknown = {"edX+Nothing", "course-v1:x+y+z"};
  std::vector<bool> answer;
  const grpc::Status at_once = Ask(b, catalog.uuid(), unknown, &answer);
  ASSERT_TRUE(at_once.ok()) << at_once.error_message();
  EXPECT_EQ(answer, Expected(catalog.uuid(), unknown));

  // Its first crawl: the worker that holds it is killed a few pages in, and
  // the other one finishes it once the lease has expired.
  v1::RefreshCatalogRequest refresh;
  refresh.set_catalog_uuid(catalog.uuid());
  v1::RefreshJob job;
  ASSERT_TRUE(a.stub->RefreshCatalog(Ctx().get(), refresh, &job).ok());
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::string owner;
  while (owner.empty() && Clock::now() < deadline) {
    auto read = env_->queue()->GetJob(job.uuid());
    ASSERT_TRUE(read.ok()) << read.status();
    if (read->state == storage::JobState::kRunning &&
        discovery_->stats().search_ok >= 3) {
      owner = read->lease_owner;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(owner.empty()) << "no worker started the crawl";
  const int holder = owner.find(":" + std::to_string(workers[0]->pid()) +
                                "/") != std::string::npos
                         ? 0
                         : 1;
  workers[holder]->Signal(SIGKILL);
  EXPECT_EQ(workers[holder]->Wait(), 128 + SIGKILL);

  storage::RefreshJobRow finished;
  while (Clock::now() < deadline) {
    auto read = env_->queue()->GetJob(job.uuid());
    ASSERT_TRUE(read.ok()) << read.status();
    finished = *read;
    if (finished.state == storage::JobState::kSucceeded) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(finished.state, storage::JobState::kSucceeded)
      << finished.last_error;
  EXPECT_EQ(finished.attempts, 2);

  // Visible on both servers within a second of the job's success (counted
  // from the database reads that say what to expect, which follow it).
  const std::vector<std::string> keys = SomeKeys(catalog.uuid());
  ASSERT_EQ(keys.size(), 10u);
  const std::vector<bool> expected = Expected(catalog.uuid(), keys);
  ASSERT_EQ(std::count(expected.begin(), expected.end(), true), 8);
  const auto applied = Clock::now();
  for (Server* server : {&a, &b}) {
    std::vector<bool> seen;
    do {
      ASSERT_TRUE(Ask(*server, catalog.uuid(), keys, &seen).ok());
      if (seen == expected) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } while (Clock::now() < applied + std::chrono::seconds(1));
    EXPECT_EQ(seen, expected)
        << "not visible within 1 s on " << server->address;
  }

  // B restarted while clients call both. No answer may be wrong: A answers
  // every call right, and B answers right or fails the call as a server
  // going away does (UNAVAILABLE, or CANCELLED for a call its shutdown cut),
  // and is right again once it is back.
  std::atomic<bool> stop{false};
  std::atomic<int> right_b{0};
  std::mutex mu;
  std::vector<std::string> wrong;
  std::thread traffic([&] {
    std::vector<bool> seen;
    while (!stop.load()) {
      for (Server* server : {&a, &b}) {
        const grpc::Status status = Ask(*server, catalog.uuid(), keys, &seen);
        if (status.ok() && seen == expected) {
          if (server == &b) ++right_b;
          continue;
        }
        const bool going_away =
            status.error_code() == grpc::StatusCode::UNAVAILABLE ||
            status.error_code() == grpc::StatusCode::CANCELLED;
        if (server == &b && going_away) continue;
        std::lock_guard<std::mutex> lock(mu);
        wrong.push_back(server->address + ": code " +
                        std::to_string(status.error_code()) + " " +
                        status.error_message() +
                        (status.ok() ? " (a different answer)" : ""));
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  b.process->Signal(SIGTERM);
  EXPECT_EQ(b.process->Wait(), 0);
  const int before_restart = right_b.load();
  StartServer(b);
  // The clients' channel to B reconnects with gRPC's backoff (a second or
  // more after refused connections): wait for B's first right answer.
  const auto back = Clock::now() + std::chrono::seconds(30);
  while (right_b.load() == before_restart && Clock::now() < back) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  traffic.join();
  EXPECT_THAT(wrong, ::testing::IsEmpty());
  EXPECT_GT(before_restart, 0);
  EXPECT_GT(right_b.load(), before_restart);

  workers[1 - holder]->Signal(SIGTERM);
  EXPECT_EQ(workers[1 - holder]->Wait(), 0);
}

}  // namespace
}  // namespace ec
