// Two real `enterprise-catalog work` processes on one database and one
// discovery stand-in: the one holding a job is SIGKILLed mid-crawl, and the
// other finishes the job once the lease expires.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/canonical_json.h"
#include "common/uuid.h"
#include "google/protobuf/util/json_util.h"
#include "tests/discovery_stub/stub_server.h"
#include "tests/support/test_env.h"

extern char** environ;

namespace ec {
namespace {

using ::testing::HasSubstr;

// A child process that is killed if the test ends first.
class Child {
 public:
  Child(const std::vector<std::string>& argv,
        const std::vector<std::string>& extra_env) {
    std::vector<std::string> env(extra_env);
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(),
                    envp.data()) != 0) {
      pid_ = -1;
    }
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  pid_t pid() const { return pid_; }
  // Waits for exit; returns the exit code, or 128 + signal.
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
};

TEST(WorkerProcessTest, KilledWorkersJobIsFinishedByAnother) {
  auto env = testing::StoreEnv::Create(2);
  ASSERT_TRUE(env.ok()) << env.status();
  storage::PgCatalogStore* store = (*env)->store();

  stub::DiscoveryStub::Options options;
  options.dataset.seed = 11;
  options.dataset.courses = 100;
  options.dataset.runs = 150;
  options.dataset.programs = 5;
  options.dataset.min_doc_bytes = 600;
  options.dataset.max_doc_bytes = 1200;
  auto discovery = stub::DiscoveryStub::Start(options);
  ASSERT_TRUE(discovery.ok()) << discovery.status();
  // Ten pages of 10 at 300 ms each: a 3-second crawl to kill in the middle.
  stub::FaultRule slow;
  slow.kind = stub::FaultKind::kLatency;
  slow.latency_ms = 300;
  (*discovery)->AddFault(slow);

  const std::vector<std::string> worker_env = {
      "ENTERPRISE_CATALOG_DATABASE_URL=" + (*env)->dsn(),
      "ENTERPRISE_CATALOG_DISCOVERY_URL=" + (*discovery)->discovery_url(),
      "ENTERPRISE_CATALOG_OAUTH_URL=" + (*discovery)->base_url(),
      "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID=" + options.client_id,
      "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET=" + options.client_secret,
      "ENTERPRISE_CATALOG_DISCOVERY_PAGE_SIZE=10",
      "ENTERPRISE_CATALOG_REFRESH_THREADS=1",
      "ENTERPRISE_CATALOG_REFRESH_LEASE_SECONDS=2",
      "ENTERPRISE_CATALOG_REFRESH_POLL_MS=100",
      "ENTERPRISE_CATALOG_LOG_LEVEL=warn",
  };
  Child a({EC_BINARY, "work"}, worker_env);
  Child b({EC_BINARY, "work"}, worker_env);
  ASSERT_GT(a.pid(), 0);
  ASSERT_GT(b.pid(), 0);

  // A catalog and its job, on the real clock the processes use.
  storage::NewCatalog catalog;
  catalog.uuid = NewUuidV4();
  catalog.title = "Killed mid-crawl";
  catalog.enterprise_uuid = "11111111-1111-4111-8111-111111111111";
  google::protobuf::Struct filter;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"content_type": "course"})", &filter)
                  .ok());
  catalog.filter = *CanonicalizeFilter(filter);
  catalog.enabled_course_modes = {"verified"};
  ASSERT_TRUE(store->CreateCatalog(catalog).ok());
  auto job = store->EnqueueForCatalog(
      catalog.uuid, storage::JobReason::kRequested, false, 3,
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  ASSERT_TRUE(job.ok()) << job.status();

  // Wait until one of them is a few pages into the crawl.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string owner;
  while (std::chrono::steady_clock::now() < deadline) {
    auto read = store->GetJob(job->job.uuid);
    ASSERT_TRUE(read.ok());
    if (read->state == storage::JobState::kRunning &&
        (*discovery)->stats().search_ok >= 3) {
      owner = read->lease_owner;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(owner.empty()) << "no worker started the job";
  Child* holder =
      owner.find(":" + std::to_string(a.pid()) + "/") != std::string::npos ? &a
                                                                           : &b;
  Child* survivor = holder == &a ? &b : &a;
  ASSERT_NE(owner.find(":" + std::to_string(holder->pid()) + "/"),
            std::string::npos)
      << owner;
  kill(holder->pid(), SIGKILL);
  EXPECT_EQ(holder->Wait(), 128 + SIGKILL);

  storage::RefreshJobRow final_job;
  while (std::chrono::steady_clock::now() <
         deadline + std::chrono::seconds(20)) {
    auto read = store->GetJob(job->job.uuid);
    ASSERT_TRUE(read.ok());
    final_job = *read;
    if (final_job.state == storage::JobState::kSucceeded) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(final_job.state, storage::JobState::kSucceeded)
      << final_job.last_error;
  EXPECT_EQ(final_job.attempts, 2);
  EXPECT_EQ(final_job.counts.members_after, 100);
  // The crawl started twice: once by each worker.
  EXPECT_EQ((*discovery)->stats().crawls, 2);

  kill(survivor->pid(), SIGTERM);
  EXPECT_EQ(survivor->Wait(), 0);
}

}  // namespace
}  // namespace ec
