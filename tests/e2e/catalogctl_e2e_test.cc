// catalogctl end to end: the real binary against a live in-process server
// (JWT authentication on, refresh queue on, real PostgreSQL). Every
// subcommand, the exit codes, refresh --wait, and retries across a server
// that is not up yet.
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "server/catalog_server.h"
#include "tests/support/test_env.h"
#include "tests/support/test_tokens.h"

extern char** environ;

namespace ec {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kEnterpriseA[] = "a1a1a1a1-0000-4000-8000-00000000000a";
constexpr char kEnterpriseB[] = "b2b2b2b2-0000-4000-8000-00000000000b";
constexpr char kNoSuchUuid[] = "00000000-0000-4000-8000-000000000000";

// `text` as JSON; null (which no expectation below equals) if it is not
// JSON, so that a bad output fails the test instead of throwing.
Json ParseJson(const std::string& text) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json() : parsed;
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  Json out_json() const { return ParseJson(out); }
  Json err_json() const { return ParseJson(err); }
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempFile(const std::string& contents = "") {
  char path[] = "/tmp/ec-ctl-e2e-XXXXXX";
  const int fd = mkstemp(path);
  if (!contents.empty()) {
    EXPECT_EQ(write(fd, contents.data(), contents.size()),
              static_cast<ssize_t>(contents.size()));
  }
  close(fd);
  return path;
}

// A catalogctl process. posix_spawn rather than fork: this process runs the
// server's threads, and a forked child of a threaded process may only call
// async-signal-safe functions before exec.
class Ctl {
 public:
  // Starts catalogctl with `args` in an environment holding no
  // ENTERPRISE_CATALOG_* variable but those in `env`, reading `stdin_text`.
  Ctl(const std::vector<std::string>& args, const std::vector<std::string>& env,
      const std::string& stdin_text = "")
      : in_(TempFile(stdin_text)), out_(TempFile()), err_(TempFile()) {
    std::vector<std::string> argv = {EC_CATALOGCTL};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> envp;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "ENTERPRISE_CATALOG_", 19) != 0) envp.push_back(*e);
    }
    envp.insert(envp.end(), env.begin(), env.end());
    std::vector<char*> argv_c;
    for (auto& a : argv) argv_c.push_back(a.data());
    argv_c.push_back(nullptr);
    std::vector<char*> envp_c;
    for (auto& e : envp) envp_c.push_back(e.data());
    envp_c.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in_.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY, 0);
    const int error = posix_spawn(&pid_, argv_c[0], &actions, nullptr,
                                  argv_c.data(), envp_c.data());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      ADD_FAILURE() << "posix_spawn: " << std::strerror(error);
      pid_ = -1;
    }
  }

  ~Ctl() {
    if (pid_ > 0) Wait();
    unlink(in_.c_str());
    unlink(out_.c_str());
    unlink(err_.c_str());
  }

  RunResult Wait() {
    RunResult result;
    if (pid_ <= 0) return result;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    result.exit_code =
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = ReadAll(out_);
    result.err = ReadAll(err_);
    return result;
  }

 private:
  std::string in_;
  std::string out_;
  std::string err_;
  pid_t pid_ = -1;
};

// A loopback port that was free a moment ago, for a server started later.
int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Operator() {
  testing::TokenSpec spec;
  spec.roles = {"enterprise_openedx_operator:*"};
  return testing::Hs256Token(spec);
}

std::string LearnerOf(const std::string& enterprise) {
  testing::TokenSpec spec;
  spec.roles = {"enterprise_learner:" + enterprise};
  return testing::Hs256Token(spec);
}

server::ServerOptions TestServerOptions(const std::string& address) {
  server::ServerOptions options;
  options.address = address;
  options.rpc_threads = 2;
  options.shutdown_grace = std::chrono::seconds(2);
  options.auth.jwt = testing::TestJwtConfig();
  // One attempt per job, so that one failed crawl FAILs the job.
  options.refresh.max_attempts = 1;
  // Each refresh here is meant to queue a job (RefreshCatalog's repeat
  // answer is CatalogCoreRefreshTest's).
  options.refresh.min_request_interval = std::chrono::milliseconds(0);
  return options;
}

class CatalogctlTest : public testing::SharedStoreTest<> {
 protected:
  static void SetUpTestSuite() {
    SharedStoreTest::SetUpTestSuite();
    if (env_ == nullptr) return;
    auto server = server::CatalogServer::Start(TestServerOptions("127.0.0.1:0"),
                                               env_->store(), env_->queue());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    SharedStoreTest::TearDownTestSuite();
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    SharedStoreTest::SetUp();
    token_ = Operator();
  }

  std::string Address() const {
    return "127.0.0.1:" + std::to_string(server_->port());
  }

  // catalogctl against the suite's server with `token` (none if empty) in
  // $ENTERPRISE_CATALOG_TOKEN.
  RunResult Run(const std::vector<std::string>& args,
                std::optional<std::string> token = std::nullopt,
                const std::string& stdin_text = "") {
    std::vector<std::string> env = {"ENTERPRISE_CATALOG_ADDRESS=" + Address()};
    const std::string t = token.value_or(token_);
    if (!t.empty()) env.push_back("ENTERPRISE_CATALOG_TOKEN=" + t);
    return Ctl(args, env, stdin_text).Wait();
  }

  // Runs a command that must succeed and returns its JSON output.
  Json Ok(const std::vector<std::string>& args) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    Json out = r.out_json();
    EXPECT_TRUE(out.is_object()) << r.out;
    return out;
  }

  Json CreateCatalog(const std::string& title, const std::string& filter,
                     const std::string& enterprise = kEnterpriseA) {
    return Ok({"create-catalog", "--title", title, "--enterprise-uuid",
               enterprise, "--filter", filter});
  }

  // Content as the refresh workers would deliver it.
  void Load(const Json& catalog, const std::vector<std::string>& docs) {
    auto id =
        env_->QueryInt("SELECT id FROM catalog_query WHERE uuid = '" +
                       catalog["catalog_query_uuid"].get<std::string>() + "'");
    ASSERT_TRUE(id.ok()) << id.status();
    auto r = env_->store()->ReplaceQueryContent(*id, testing::Records(docs));
    ASSERT_TRUE(r.ok()) << r.status();
  }

  // Takes the runnable crawl job, as a worker would, waiting up to 10 s
  // for one to be queued. The full-metadata job a completed crawl queues is
  // not this test's business, and is dropped.
  storage::LeasedJob LeaseJob() {
    for (int i = 0; i < 200; ++i) {
      EXPECT_TRUE(
          env_->Exec("DELETE FROM refresh_job WHERE kind = 'full'").ok());
      auto lease = env_->queue()->Lease("test-worker", 60'000'000,
                                        common::SystemNowMicros());
      if (!lease.ok()) {
        ADD_FAILURE() << lease.status();
        break;
      }
      if (lease->has_value()) return **lease;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "no refresh job was queued";
    return storage::LeasedJob{};
  }

  static server::CatalogServer* server_;
  std::string token_;
};

server::CatalogServer* CatalogctlTest::server_ = nullptr;

TEST_F(CatalogctlTest, EverySubcommandAgainstALiveServer) {
  // create-catalog, with every kind of flag.
  Json created = Ok({"create-catalog", "--title", "Python", "--enterprise-uuid",
                     kEnterpriseA, "--enterprise-name", "Acme", "--filter",
                     R"({"content_type": "course", "search_all": "python"})",
                     "--course-mode", "verified", "--course-mode", "audit",
                     "--publish-audit-enrollment-urls"});
  const std::string uuid = created.value("uuid", "");
  ASSERT_FALSE(uuid.empty()) << created.dump();
  EXPECT_EQ(created["enterprise_name"], "Acme");
  EXPECT_EQ(created["enabled_course_modes"],
            Json::array({"verified", "audit"}));
  EXPECT_EQ(created["publish_audit_enrollment_urls"], true);
  Load(created,
       {testing::CourseDoc("edX+DemoX", "Demo", {"course-v1:edX+DemoX+1T2026"}),
        testing::CourseDoc("HarvardX+CS50P", "CS50P")});

  // The METHOD JSON form still works, and shares the server with the flags.
  RunResult legacy =
      Run({"CreateCatalog",
           R"({"catalog": {"title": "Other", "enterprise_uuid": ")" +
               std::string(kEnterpriseA) +
               R"(", "content_filter": {"content_type": "program"}}})"});
  ASSERT_EQ(legacy.exit_code, 0) << legacy.err;
  const std::string other = legacy.out_json().value("uuid", "");

  Json got = Ok({"get-catalog", "--uuid", uuid});
  EXPECT_EQ(got["title"], "Python");
  EXPECT_EQ(got["content_count"], "2");

  Json page = Ok(
      {"list-catalogs", "--enterprise-uuid", kEnterpriseA, "--page-size", "1"});
  ASSERT_EQ(page["catalogs"].size(), 1u);
  EXPECT_EQ(page["catalogs"][0]["uuid"], uuid);
  const std::string next = page.value("next_page_token", "");
  ASSERT_FALSE(next.empty());
  page = Ok({"list-catalogs", "--enterprise-uuid", kEnterpriseA, "--page-size",
             "1", "--page-token", next});
  ASSERT_EQ(page["catalogs"].size(), 1u);
  EXPECT_EQ(page["catalogs"][0]["uuid"], other);

  // The mask is the flags given: the enterprise name stays.
  Json updated = Ok({"update-catalog", "--uuid", uuid, "--title", "Python 2",
                     "--publish-audit-enrollment-urls=false"});
  EXPECT_EQ(updated["title"], "Python 2");
  EXPECT_EQ(updated["publish_audit_enrollment_urls"], false);
  EXPECT_EQ(updated["enterprise_name"], "Acme");

  Json contains = Ok({"contains", "--catalog-uuid", uuid, "--key", "edX+DemoX",
                      "--key", "no+such+course"});
  EXPECT_EQ(contains["contains_any"], true);
  EXPECT_EQ(contains["contains_all"], false);
  ASSERT_EQ(contains["results"].size(), 2u);
  EXPECT_EQ(contains["results"][0]["contained"], true);
  EXPECT_EQ(contains["results"][1]["contained"], false);
  // The RPC's name in kebab case is an alias.
  EXPECT_EQ(Ok({"contains-content-items", "--catalog-uuid", uuid, "--key",
                "HarvardX+CS50P"})["contains_all"],
            true);

  Json customer = Ok({"customer-contains", "--enterprise-uuid", kEnterpriseA,
                      "--key", "course-v1:edX+DemoX+1T2026"});
  EXPECT_EQ(customer["catalog_uuids"], Json::array({uuid}));

  Json metadata = Ok({"catalog-metadata", "--catalog-uuid", uuid, "--page-size",
                      "1", "--type", "course"});
  ASSERT_EQ(metadata["items"].size(), 1u);
  EXPECT_EQ(metadata["items"][0]["content_type"], "course");
  EXPECT_EQ(metadata["total_count"], "2");
  EXPECT_FALSE(metadata.value("next_page_token", "").empty());
  metadata = Ok({"catalog-metadata", "--catalog-uuid", uuid, "--key",
                 "edX+DemoX", "--type", "course"});
  ASSERT_EQ(metadata["items"].size(), 1u);
  EXPECT_EQ(metadata["items"][0]["content_key"], "edX+DemoX");

  Json content =
      Ok({"content-metadata", "--key", "edX+DemoX", "--key", "no+such+course"});
  ASSERT_EQ(content["items"].size(), 1u);
  EXPECT_EQ(content["items"][0]["title"], "Demo");
  EXPECT_EQ(content["not_found_keys"], Json::array({"no+such+course"}));

  // Creating the catalog queued a job; a refresh joins it, and so does a
  // repeat, which is why the client may retry RefreshCatalog.
  Json job = Ok({"refresh", "--catalog-uuid", uuid});
  const std::string job_uuid = job.value("uuid", "");
  ASSERT_FALSE(job_uuid.empty()) << job.dump();
  EXPECT_EQ(job["state"], "QUEUED");
  EXPECT_EQ(job["force"], false);
  Json again = Ok({"refresh", "--catalog-uuid", uuid});
  EXPECT_EQ(again["uuid"], job_uuid);
  // Force approves a HELD job's removals; nothing is held here.
  RunResult forced = Run({"refresh", "--catalog-uuid", uuid, "--force"});
  EXPECT_EQ(forced.exit_code, 9) << forced.err;
  EXPECT_THAT(forced.err_json().value("message", ""),
              HasSubstr("nothing is held"));
  Json polled = Ok({"get-refresh-job", "--job-uuid", job_uuid});
  EXPECT_EQ(polled["uuid"], job_uuid);
  EXPECT_EQ(polled["state"], "QUEUED");

  // A publish event: the stored course's full document is fetched again,
  // and the one query holding it is crawled, by joining the job above.
  Json notified = Ok({"notify-content-changed", "--content-key", "edX+DemoX",
                      "--content-key", "no+such+course"});
  EXPECT_EQ(notified["queued_keys"], Json::array({"edX+DemoX"}));
  EXPECT_EQ(notified["unknown_keys"], Json::array({"no+such+course"}));
  EXPECT_EQ(notified["crawls_queued"], "1");
  EXPECT_EQ(notified["full_job"]["kind"], "FULL_METADATA");
  EXPECT_EQ(notified["full_job"]["catalog_query_uuid"], "");
  EXPECT_EQ(Ok({"get-refresh-job", "--job-uuid", job_uuid})["state"], "QUEUED");

  EXPECT_EQ(Ok({"delete-catalog", "--uuid", other}), Json::object());
  RunResult gone = Run({"get-catalog", "--uuid", other});
  EXPECT_EQ(gone.exit_code, 5) << gone.out;
}

TEST_F(CatalogctlTest, JsonFillsTheFieldsFlagsDoNotCover) {
  const std::string a =
      CreateCatalog("A", R"({"a": 1})")["uuid"].get<std::string>();
  CreateCatalog("B", R"({"b": 1})", kEnterpriseB);

  Json got = Ok({"get-catalog", "--json", R"({"uuid": ")" + a + R"("})"});
  EXPECT_EQ(got["title"], "A");
  // From stdin.
  RunResult from_stdin = Run({"get-catalog", "--json", "-"}, std::nullopt,
                             R"({"uuid": ")" + a + R"("})");
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out_json()["uuid"], a);
  // A flag overrides the field, whichever JSON spelling it has.
  Json list = Ok({"list-catalogs", "--json",
                  R"({"enterpriseUuid": ")" + std::string(kEnterpriseB) +
                      R"(", "pageSize": 5})",
                  "--enterprise-uuid", kEnterpriseA});
  ASSERT_EQ(list["catalogs"].size(), 1u);
  EXPECT_EQ(list["catalogs"][0]["uuid"], a);
  // An explicit --update-mask wins over the one the flags imply.
  Json updated =
      Ok({"update-catalog", "--uuid", a, "--title", "Not applied",
          "--enterprise-name", "Applied", "--update-mask", "enterprise_name"});
  EXPECT_EQ(updated["title"], "A");
  EXPECT_EQ(updated["enterprise_name"], "Applied");
}

TEST_F(CatalogctlTest, ExitCodesFollowTheGrpcStatus) {
  const std::string uuid =
      CreateCatalog("A", R"({"a": 1})")["uuid"].get<std::string>();

  RunResult not_found = Run({"get-catalog", "--uuid", kNoSuchUuid});
  EXPECT_EQ(not_found.exit_code, 5);
  EXPECT_EQ(not_found.out, "");
  EXPECT_EQ(not_found.err_json()["code"], "NOT_FOUND") << not_found.err;
  EXPECT_THAT(not_found.err_json().value("message", ""),
              HasSubstr(kNoSuchUuid));

  RunResult anonymous = Run({"get-catalog", "--uuid", uuid}, "");
  EXPECT_EQ(anonymous.exit_code, 16);
  EXPECT_EQ(anonymous.err_json()["code"], "UNAUTHENTICATED");
  RunResult forged = Run({"get-catalog", "--uuid", uuid},
                         testing::Hs256Token({}, "another-secret-long-enough"));
  EXPECT_EQ(forged.exit_code, 16);

  RunResult invalid = Run({"get-catalog", "--uuid", "not-a-uuid"});
  EXPECT_EQ(invalid.exit_code, 3);
  EXPECT_EQ(invalid.err_json()["code"], "INVALID_ARGUMENT");

  RunResult denied = Run({"create-catalog", "--title", "T", "--enterprise-uuid",
                          kEnterpriseA, "--filter", R"({"a": 2})"},
                         LearnerOf(kEnterpriseA));
  EXPECT_EQ(denied.exit_code, 7);
  EXPECT_EQ(denied.err_json()["code"], "PERMISSION_DENIED");

  RunResult exists =
      Run({"create-catalog", "--uuid", uuid, "--title", "T",
           "--enterprise-uuid", kEnterpriseA, "--filter", R"({"a": 1})"});
  EXPECT_EQ(exists.exit_code, 6);

  // Usage errors: 64, no RPC, a plain message naming the problem.
  const std::vector<std::pair<std::vector<std::string>, std::string>> usage = {
      {{"get-catalog"}, "--uuid"},
      {{"get-catalog", "--uuid"}, "--uuid needs a value"},
      {{"get-catalog", "--uuid", uuid, "--title", "x"}, "--title"},
      {{"get-catalog", "--uuid", uuid, "extra"}, "extra"},
      {{"get-catalog", "--json", "[1]"}, "JSON object"},
      {{"create-catalog", "--title", "T", "--enterprise-uuid", kEnterpriseA,
        "--filter", "{nope"},
       "--filter needs valid JSON"},
      {{"list-catalogs", "--page-size", "ten"}, "--page-size"},
      {{"list-catalogs", "--json", R"({"no_such_field": 1})"}, "no_such_field"},
      {{"refresh", "--catalog-uuid", uuid, "--force=maybe"}, "--force"},
      {{"contains", "--catalog-uuid", uuid, "--wait"}, "--wait"},
      {{"notify-content-changed"}, "--content-key"},
      {{"--retries", "11", "get-catalog", "--uuid", uuid}, "--retries"},
      {{"no-such-command"}, "no-such-command"},
      {{"help", "no-such-command"}, "no-such-command"},
  };
  for (const auto& [args, message] : usage) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 64) << args[0] << " " << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(message)) << args[0];
    EXPECT_EQ(r.out, "");
  }

  // Help is not an error.
  RunResult help = Run({"help", "contains"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--catalog-uuid UUID"));
  EXPECT_THAT(help.out, HasSubstr("ContainsContentItems"));
  RunResult flag_help = Run({"refresh", "--help"});
  EXPECT_EQ(flag_help.exit_code, 0);
  EXPECT_THAT(flag_help.out, HasSubstr("--wait-timeout"));
  RunResult main_help = Run({"--help"});
  EXPECT_EQ(main_help.exit_code, 0);
  EXPECT_THAT(main_help.out, HasSubstr("get-refresh-job"));
  EXPECT_THAT(main_help.out, HasSubstr("notify-content-changed"));
  EXPECT_THAT(main_help.out, HasSubstr("--retries"));

  // Nothing listening: UNAVAILABLE, after the retries.
  Ctl down({"--address", "127.0.0.1:" + std::to_string(UnusedPort()),
            "--retries", "1", "get-catalog", "--uuid", uuid},
           {"ENTERPRISE_CATALOG_TOKEN=" + token_});
  RunResult unavailable = down.Wait();
  EXPECT_EQ(unavailable.exit_code, 14);
  EXPECT_EQ(unavailable.err_json()["code"], "UNAVAILABLE");
}

TEST_F(CatalogctlTest, RefreshWaitTimesOutWhileNoWorkerTakesTheJob) {
  const std::string uuid =
      CreateCatalog("A", R"({"a": 1})")["uuid"].get<std::string>();
  const auto start = std::chrono::steady_clock::now();
  RunResult r = Run({"refresh", "--catalog-uuid", uuid, "--wait",
                     "--wait-timeout", "1", "--poll-interval", "0.2"});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 4) << r.err;  // DEADLINE_EXCEEDED
  EXPECT_EQ(r.out_json()["state"], "QUEUED") << r.out;
  EXPECT_EQ(r.err_json()["code"], "DEADLINE_EXCEEDED") << r.err;
  EXPECT_THAT(r.err_json().value("message", ""), HasSubstr("QUEUED"));
  EXPECT_GE(took, std::chrono::seconds(1));
  EXPECT_LT(took, std::chrono::seconds(8));
}

TEST_F(CatalogctlTest, RefreshWaitReportsHowTheJobEnded) {
  const std::vector<std::string> two = {testing::CourseDoc("edX+One", "One"),
                                        testing::CourseDoc("edX+Two", "Two")};
  const std::string uuid =
      CreateCatalog("A", R"({"a": 1})")["uuid"].get<std::string>();
  // Finish the job that creating the catalog queued, so that the next job is
  // the one catalogctl's refresh queues: leasing waits for it.
  ASSERT_TRUE(env_->queue()
                  ->CompleteWithCrawl(LeaseJob(), testing::Records(two), {}, {},
                                      common::SystemNowMicros())
                  .ok());
  auto start = [&] {
    return std::make_unique<Ctl>(
        std::vector<std::string>{"refresh", "--catalog-uuid", uuid, "--wait",
                                 "--wait-timeout", "30", "--poll-interval",
                                 "0.1"},
        std::vector<std::string>{"ENTERPRISE_CATALOG_ADDRESS=" + Address(),
                                 "ENTERPRISE_CATALOG_TOKEN=" + token_});
  };

  // SUCCEEDED: exit 0 and the finished job.
  auto waiting = start();
  ASSERT_TRUE(env_->queue()
                  ->CompleteWithCrawl(LeaseJob(), testing::Records(two), {}, {},
                                      common::SystemNowMicros())
                  .ok());
  RunResult done = waiting->Wait();
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(done.out_json()["state"], "SUCCEEDED") << done.out;
  EXPECT_EQ(done.out_json()["reason"], "REQUESTED") << done.out;
  EXPECT_EQ(done.err, "");

  // HELD (a guardrail that holds any removal): 9, FAILED_PRECONDITION.
  waiting = start();
  domain::GuardrailPolicy strict;
  strict.max_removal_share = 0;
  strict.min_members = 0;
  ASSERT_TRUE(env_->queue()
                  ->CompleteWithCrawl(
                      LeaseJob(),
                      testing::Records({testing::CourseDoc("edX+One", "One")}),
                      {}, strict, common::SystemNowMicros())
                  .ok());
  RunResult held = waiting->Wait();
  EXPECT_EQ(held.exit_code, 9) << held.err;
  EXPECT_EQ(held.out_json()["state"], "HELD") << held.out;
  EXPECT_EQ(held.err_json()["code"], "FAILED_PRECONDITION") << held.err;
  EXPECT_THAT(held.err_json().value("message", ""), HasSubstr("--force"));

  // FAILED (the server allows one attempt per job): 10, ABORTED, with the
  // job's last error.
  waiting = start();
  ASSERT_TRUE(env_->queue()
                  ->FailAttempt(LeaseJob(), "discovery said 503", {},
                                common::SystemNowMicros(),
                                common::SystemNowMicros())
                  .ok());
  RunResult failed = waiting->Wait();
  EXPECT_EQ(failed.exit_code, 10) << failed.err;
  EXPECT_EQ(failed.out_json()["state"], "FAILED") << failed.out;
  EXPECT_EQ(failed.err_json()["code"], "ABORTED") << failed.err;
  EXPECT_THAT(failed.err_json().value("message", ""),
              HasSubstr("discovery said 503"));
}

TEST_F(CatalogctlTest, ReadsRetryUntilTheServerIsUpAndWritesDoNot) {
  const std::string uuid =
      CreateCatalog("A", R"({"a": 1})")["uuid"].get<std::string>();
  const int port = UnusedPort();
  ASSERT_GT(port, 0);
  const std::vector<std::string> env = {
      "ENTERPRISE_CATALOG_ADDRESS=127.0.0.1:" + std::to_string(port),
      "ENTERPRISE_CATALOG_TOKEN=" + token_};

  // Both start while nothing listens on the port; the server comes up a
  // second later. A retried delete would reach it and succeed.
  Ctl read(
      {"--retries", "10", "--timeout", "30", "get-catalog", "--uuid", uuid},
      env);
  Ctl write(
      {"--retries", "10", "--timeout", "30", "delete-catalog", "--uuid", uuid},
      env);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto late = server::CatalogServer::Start(
      TestServerOptions("127.0.0.1:" + std::to_string(port)), env_->store(),
      env_->queue());
  ASSERT_TRUE(late.ok()) << late.status();

  RunResult write_result = write.Wait();
  EXPECT_EQ(write_result.exit_code, 14) << "a delete must not be retried";
  EXPECT_EQ(write_result.err_json()["code"], "UNAVAILABLE");
  RunResult read_result = read.Wait();
  EXPECT_EQ(read_result.exit_code, 0) << read_result.err;
  EXPECT_EQ(read_result.out_json()["uuid"], uuid);
  // The delete never reached the server.
  EXPECT_EQ(Ok({"get-catalog", "--uuid", uuid})["uuid"], uuid);
}

}  // namespace
}  // namespace ec
