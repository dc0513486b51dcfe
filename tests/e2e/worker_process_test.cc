// Two real `enterprise-catalog work` processes on one database and one
// discovery stand-in: the one holding a job is SIGKILLed mid-crawl, and the
// other finishes the job once the lease expires.
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/child_process.h"
#include "tests/support/test_env.h"
#include "tests/support/test_tokens.h"
#include "tools/discovery_stub/stub_server.h"

namespace ec {
namespace {

using ec::testing::ChildProcess;
using ::testing::HasSubstr;

// The discovery stand-in with every response 300 ms late: pages of 10 make a
// crawl of several seconds, to interrupt in the middle.
absl::StatusOr<std::unique_ptr<stub::DiscoveryStub>> StartSlowDiscovery(
    const stub::DiscoveryStub::Options& options) {
  auto discovery = stub::DiscoveryStub::Start(options);
  if (discovery.ok()) {
    stub::FaultRule slow;
    slow.kind = stub::FaultKind::kLatency;
    slow.latency_ms = 300;
    (*discovery)->AddFault(slow);
  }
  return discovery;
}

// The settings of an `enterprise-catalog work` process that crawls
// `discovery` (started with `options`) one page of 10 at a time.
std::vector<std::string> WorkerEnv(
    const testing::StoreEnv& env, const stub::DiscoveryStub& discovery,
    const stub::DiscoveryStub::Options& options) {
  return {
      "ENTERPRISE_CATALOG_DATABASE_URL=" + env.dsn(),
      "ENTERPRISE_CATALOG_DISCOVERY_URL=" + discovery.discovery_url(),
      "ENTERPRISE_CATALOG_OAUTH_URL=" + discovery.base_url(),
      "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID=" + options.client_id,
      "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET=" + options.client_secret,
      "ENTERPRISE_CATALOG_DISCOVERY_PAGE_SIZE=10",
      "ENTERPRISE_CATALOG_REFRESH_THREADS=1",
      "ENTERPRISE_CATALOG_REFRESH_POLL_MS=100",
      "ENTERPRISE_CATALOG_LOG_LEVEL=warn",
      // Processes on one machine: each its own metrics port.
      "ENTERPRISE_CATALOG_METRICS_ADDRESS=127.0.0.1:0",
  };
}

// A catalog of courses and a requested refresh job for it, on the real clock
// the worker processes use. Returns the job's uuid.
absl::StatusOr<std::string> CreateCatalogAndJob(
    testing::StoreEnv& env, const std::string& title,
    const std::vector<std::string>& enabled_course_modes = {}) {
  storage::NewCatalog catalog;
  catalog.uuid = common::NewUuidV4();
  catalog.title = title;
  catalog.enterprise_uuid = "11111111-1111-4111-8111-111111111111";
  catalog.filter = testing::Filter(R"({"content_type": "course"})");
  catalog.enabled_course_modes = enabled_course_modes;
  if (auto created = env.store()->CreateCatalog(catalog); !created.ok()) {
    return created.status();
  }
  auto job = env.queue()->EnqueueForCatalog(
      catalog.uuid, storage::JobReason::kRequested, std::nullopt, 3,
      common::SystemNowMicros());
  if (!job.ok()) return job.status();
  return job->job.uuid;
}

// Waits until the job is running and `discovery` has answered at least
// `pages` search pages, polling until `deadline`. Returns the job's lease
// owner then, or "" if that did not happen in time.
absl::StatusOr<std::string> WaitUntilRunning(
    storage::RefreshQueue& queue, const stub::DiscoveryStub& discovery,
    const std::string& job_uuid, int pages,
    std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    auto read = queue.GetJob(job_uuid);
    if (!read.ok()) return read.status();
    if (read->state == storage::JobState::kRunning &&
        discovery.stats().search_ok >= pages) {
      return read->lease_owner;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

TEST(WorkerProcessTest, KilledWorkersJobIsFinishedByAnother) {
  auto env = testing::StoreEnv::Create(2);
  ASSERT_TRUE(env.ok()) << env.status();
  storage::pg::PgRefreshQueue* queue = (*env)->queue();

  stub::DiscoveryStub::Options options;
  options.dataset.seed = 11;
  options.dataset.courses = 100;
  options.dataset.runs = 150;
  options.dataset.programs = 5;
  options.dataset.min_doc_bytes = 600;
  options.dataset.max_doc_bytes = 1200;
  // Ten pages of 10 at 300 ms each: a 3-second crawl to kill in the middle.
  auto discovery = StartSlowDiscovery(options);
  ASSERT_TRUE(discovery.ok()) << discovery.status();

  std::vector<std::string> worker_env = WorkerEnv(**env, **discovery, options);
  worker_env.push_back("ENTERPRISE_CATALOG_REFRESH_LEASE_SECONDS=2");
  ChildProcess a({EC_BINARY, "work"}, worker_env);
  ChildProcess b({EC_BINARY, "work"}, worker_env);
  ASSERT_GT(a.pid(), 0);
  ASSERT_GT(b.pid(), 0);

  const auto job = CreateCatalogAndJob(**env, "Killed mid-crawl", {"verified"});
  ASSERT_TRUE(job.ok()) << job.status();

  // Wait until one of them is a few pages into the crawl.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const auto owner = WaitUntilRunning(*queue, **discovery, *job, 3, deadline);
  ASSERT_TRUE(owner.ok()) << owner.status();
  ASSERT_FALSE(owner->empty()) << "no worker started the job";
  ChildProcess* holder =
      owner->find(":" + std::to_string(a.pid()) + "/") != std::string::npos
          ? &a
          : &b;
  ChildProcess* survivor = holder == &a ? &b : &a;
  ASSERT_NE(owner->find(":" + std::to_string(holder->pid()) + "/"),
            std::string::npos)
      << *owner;
  holder->Signal(SIGKILL);
  EXPECT_EQ(holder->Wait(), 128 + SIGKILL);

  storage::RefreshJobRow final_job;
  while (std::chrono::steady_clock::now() <
         deadline + std::chrono::seconds(20)) {
    auto read = queue->GetJob(*job);
    ASSERT_TRUE(read.ok());
    final_job = *read;
    if (final_job.state == storage::JobState::kSucceeded) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(final_job.state, storage::JobState::kSucceeded)
      << final_job.last_error;
  EXPECT_EQ(final_job.attempts, 2);
  EXPECT_EQ(final_job.counts.members_after,
            100 - final_job.counts.items_excluded);
  // The crawl started twice: once by each worker.
  EXPECT_EQ((*discovery)->stats().crawls, 2);

  survivor->Signal(SIGTERM);
  EXPECT_EQ(survivor->Wait(), 0);
}

// Kubernetes stops a worker pod with SIGTERM: the crawl in progress is
// abandoned, its lease released at once (not left to expire), and the
// process exits 0, so another worker takes the job without waiting.
TEST(WorkerProcessTest, SigtermMidCrawlReleasesTheLeaseAndExitsZero) {
  auto env = testing::StoreEnv::Create(1);
  ASSERT_TRUE(env.ok()) << env.status();
  storage::pg::PgRefreshQueue* queue = (*env)->queue();
  stub::DiscoveryStub::Options options;
  options.dataset.seed = 12;
  options.dataset.courses = 100;
  options.dataset.runs = 100;
  auto discovery = StartSlowDiscovery(options);
  ASSERT_TRUE(discovery.ok()) << discovery.status();
  ChildProcess worker({EC_BINARY, "work"},
                      WorkerEnv(**env, **discovery, options));
  ASSERT_GT(worker.pid(), 0);

  const auto job = CreateCatalogAndJob(**env, "Stopped mid-crawl");
  ASSERT_TRUE(job.ok()) << job.status();
  const auto owner = WaitUntilRunning(
      *queue, **discovery, *job, 2,
      std::chrono::steady_clock::now() + std::chrono::seconds(20));
  ASSERT_TRUE(owner.ok()) << owner.status();
  ASSERT_FALSE(owner->empty()) << "the worker never started the job";

  const auto signalled = std::chrono::steady_clock::now();
  worker.Signal(SIGTERM);
  EXPECT_EQ(worker.Wait(), 0);
  // Well inside the lease (60 s) and a pod's termination grace period.
  EXPECT_LT(std::chrono::steady_clock::now() - signalled,
            std::chrono::seconds(5));
  auto after = queue->GetJob(*job);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->state, storage::JobState::kQueued);
  EXPECT_EQ(after->lease_owner, "");
  // The abandoned attempt is not counted against the job.
  EXPECT_EQ(after->attempts, 0);
  EXPECT_EQ(after->counts.members_after, 0);
}

// The quickstart's shape: `enterprise-catalog all` (server and workers in one
// process) against the stand-in, driven only through gRPC.
TEST(WorkerProcessTest, AllCommandFillsACatalogAndReportsTheJob) {
  namespace v1 = ::enterprise_catalog::v1;
  auto env = testing::StoreEnv::Create(1);
  ASSERT_TRUE(env.ok()) << env.status();
  stub::DiscoveryStub::Options options;
  options.dataset.seed = 5;
  options.dataset.courses = 60;
  options.dataset.runs = 120;
  options.dataset.programs = 6;
  options.dataset.min_doc_bytes = 600;
  options.dataset.max_doc_bytes = 1200;
  auto discovery = stub::DiscoveryStub::Start(options);
  ASSERT_TRUE(discovery.ok()) << discovery.status();
  // A port that was free a moment ago (the server binds it right after).
  const std::string address =
      "127.0.0.1:" + std::to_string(testing::FreePort());
  ChildProcess all(
      {EC_BINARY, "all"},
      {"ENTERPRISE_CATALOG_DATABASE_URL=" + (*env)->dsn(),
       "ENTERPRISE_CATALOG_GRPC_ADDRESS=" + address,
       "ENTERPRISE_CATALOG_DISCOVERY_URL=" + (*discovery)->discovery_url(),
       "ENTERPRISE_CATALOG_OAUTH_URL=" + (*discovery)->base_url(),
       "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID=" + options.client_id,
       "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET=" + options.client_secret,
       "ENTERPRISE_CATALOG_REFRESH_POLL_MS=50",
       "ENTERPRISE_CATALOG_METRICS_ADDRESS=127.0.0.1:0",
       "ENTERPRISE_CATALOG_PLAINTEXT=true",
       std::string("ENTERPRISE_CATALOG_JWT_SECRET=") + testing::kTestSecret,
       std::string("ENTERPRISE_CATALOG_JWT_ISSUER=") + testing::kTestIssuer,
       std::string("ENTERPRISE_CATALOG_JWT_AUDIENCE=") + testing::kTestAudience,
       "ENTERPRISE_CATALOG_LOG_LEVEL=warn"});
  ASSERT_GT(all.pid(), 0);
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                        std::chrono::seconds(20)));
  auto rpc = v1::EnterpriseCatalogService::NewStub(channel);
  // An admin of the catalog's enterprise: enough to create, refresh, watch
  // the job and read the content.
  testing::TokenSpec admin;
  admin.roles = {
      "enterprise_catalog_admin:11111111-1111-4111-8111-111111111111"};
  const std::string token = testing::Hs256Token(admin);
  auto context = [&token] {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "JWT " + token);
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
    return ctx;
  };

  v1::CreateCatalogRequest create;
  create.mutable_catalog()->set_title("Programs");
  create.mutable_catalog()->set_enterprise_uuid(
      "11111111-1111-4111-8111-111111111111");
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"content_type": "program"})",
                  create.mutable_catalog()->mutable_content_filter())
                  .ok());
  v1::Catalog catalog;
  ASSERT_TRUE(rpc->CreateCatalog(context().get(), create, &catalog).ok());

  // Creating the catalog queued its first crawl; RefreshCatalog joins it.
  v1::RefreshCatalogRequest refresh;
  refresh.set_catalog_uuid(catalog.uuid());
  v1::RefreshJob job;
  ASSERT_TRUE(rpc->RefreshCatalog(context().get(), refresh, &job).ok());
  EXPECT_EQ(job.reason(), v1::RefreshJob::CATALOG_CREATED);
  v1::GetRefreshJobRequest get;
  get.set_job_uuid(job.uuid());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (job.state() != v1::RefreshJob::SUCCEEDED &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(rpc->GetRefreshJob(context().get(), get, &job).ok());
  }
  ASSERT_EQ(job.state(), v1::RefreshJob::SUCCEEDED) << job.last_error();
  EXPECT_EQ(job.counts().members_after(), 6);
  EXPECT_TRUE(job.has_finished());

  v1::GetCatalogMetadataRequest metadata;
  metadata.set_catalog_uuid(catalog.uuid());
  v1::GetCatalogMetadataResponse page;
  ASSERT_TRUE(rpc->GetCatalogMetadata(context().get(), metadata, &page).ok());
  EXPECT_EQ(page.total_count(), 6);
  ASSERT_EQ(page.items_size(), 6);
  EXPECT_EQ(page.items(0).content_type(), "program");

  // Errors a caller can act on.
  get.set_job_uuid("123e4567-e89b-42d3-a456-426614174000");
  EXPECT_EQ(rpc->GetRefreshJob(context().get(), get, &job).error_code(),
            grpc::StatusCode::NOT_FOUND);
  refresh.set_catalog_uuid("nope");
  EXPECT_EQ(rpc->RefreshCatalog(context().get(), refresh, &job).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  all.Signal(SIGTERM);
  EXPECT_EQ(all.Wait(), 0);
}

}  // namespace
}  // namespace ec
