// End-to-end through the real binaries: enterprise-catalog migrate/import/
// serve as a child process, called by catalogctl and the generated stub, and
// stopped with SIGTERM.
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/pg_test_db.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_tokens.h"

namespace ec {
namespace {

using ec::testing::CommandResult;
using ec::testing::RunCommand;
using ::testing::HasSubstr;
namespace v1 = ::enterprise_catalog::v1;

// From deploy/sample/sample-data.json.
constexpr char kAllEdx[] = "1e4b7a2c-5d8f-4a3e-b6c9-0f2d4a6c8e11";
constexpr char kPython[] = "2f5c8b3d-6e9a-4b4f-8c7d-1a3e5b7d9f22";
constexpr char kEnterpriseA[] = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::PgTestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    db_env_ = "ENTERPRISE_CATALOG_DATABASE_URL=" + db_->dsn();
    testing::TokenSpec spec;
    spec.roles = {"enterprise_openedx_operator:*"};
    token_ = testing::Hs256Token(spec);
    token_env_ = "ENTERPRISE_CATALOG_TOKEN=" + token_;
  }

  // The server's auth and transport settings, as a deployment without a
  // mesh-less TLS setup would have them.
  static std::vector<std::string> ServerEnv() {
    return {
        "ENTERPRISE_CATALOG_PLAINTEXT=true",
        std::string("ENTERPRISE_CATALOG_JWT_SECRET=") + testing::kTestSecret,
        std::string("ENTERPRISE_CATALOG_JWT_ISSUER=") + testing::kTestIssuer,
        std::string("ENTERPRISE_CATALOG_JWT_AUDIENCE=") +
            testing::kTestAudience};
  }

  // Starts `serve` on a free port and waits for its "serving" log line. The
  // server is killed when the test ends, if it is still running; KEEPLOG=1
  // keeps its log file.
  int StartServer(std::vector<std::string> env = ServerEnv()) {
    env.insert(env.begin(), db_env_);
    server_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{EC_BINARY, "serve", "--grpc-address",
                                 "127.0.0.1:0", "--metrics-address",
                                 "127.0.0.1:0", "--shutdown-grace-seconds", "5",
                                 "--log-level", "debug"},
        env, testing::ChildOutput::kLogFile);
    const std::string port = server_->WaitForLogMatch(
        testing::kServingPortPattern, std::chrono::seconds(10));
    if (port.empty()) {
      ADD_FAILURE() << "server did not report its port:\n" << server_->log();
      return 0;
    }
    return std::stoi(port);
  }

  // Sends SIGTERM and returns the exit code.
  int StopServer() {
    server_->Signal(SIGTERM);
    return server_->Wait();
  }

  CommandResult Ctl(int port, const std::string& method,
                    const std::string& request, bool with_token = true) {
    return RunCommand({EC_CATALOGCTL, "--address",
                       "127.0.0.1:" + std::to_string(port), method, request},
                      {with_token ? token_env_ : "ENTERPRISE_CATALOG_TOKEN="});
  }

  std::unique_ptr<testing::PgTestDatabase> db_;
  std::string db_env_;
  std::string token_;
  std::string token_env_;
  std::unique_ptr<testing::ChildProcess> server_;
};

TEST_F(ProcessTest, QuickstartFlowServesTheSampleCatalog) {
  CommandResult migrate = RunCommand({EC_BINARY, "migrate"}, {db_env_});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_THAT(migrate.err, HasSubstr(R"("msg":"schema up to date")"));
  CommandResult import =
      RunCommand({EC_BINARY, "import", "--file", EC_SAMPLE_DATA}, {db_env_});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  EXPECT_THAT(import.err, HasSubstr(R"("catalogs_created":3)"));
  EXPECT_THAT(import.err, HasSubstr(R"("customers_written":2)"));
  // Importing again changes nothing and still succeeds.
  import =
      RunCommand({EC_BINARY, "import", "--file", EC_SAMPLE_DATA}, {db_env_});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  EXPECT_THAT(import.err, HasSubstr(R"("catalogs_existing":3)"));

  const int port = StartServer();
  ASSERT_GT(port, 0);

  // The generated C++ stub against the live process.
  auto stub = v1::EnterpriseCatalogService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "JWT " + token_);
  v1::ContainsContentItemsRequest req;
  req.set_catalog_uuid(kAllEdx);
  req.add_content_keys("edX+DemoX");
  req.add_content_keys("course-v1:edX+DemoX+1T2026");  // nested-only run
  req.add_content_keys("no+such+course");
  v1::ContainsContentItemsResponse resp;
  grpc::Status s = stub->ContainsContentItems(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.results_size(), 3);
  EXPECT_TRUE(resp.results(0).contained());
  EXPECT_TRUE(resp.results(1).contained());
  EXPECT_FALSE(resp.results(2).contained());

  // catalogctl: JSON out, exit code = gRPC status code.
  CommandResult ok = Ctl(port, "CustomerContainsContentItems",
                         std::string(R"({"enterprise_uuid":")") + kEnterpriseA +
                             R"(","content_keys":["IBM+PY0101EN"]})");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr(kPython));
  CommandResult meta = Ctl(
      port, "GetCatalogMetadata",
      std::string(R"({"catalog_uuid":")") + kPython + R"(","page_size":2})");
  EXPECT_EQ(meta.exit_code, 0) << meta.err;
  EXPECT_THAT(meta.out, HasSubstr(R"("total_count": "3")"));
  EXPECT_THAT(meta.out, HasSubstr("next_page_token"));
  // The imported customer has the learner portal on: items enroll there
  // (the devstack's portal URL by default).
  EXPECT_THAT(
      meta.out,
      HasSubstr(
          R"("enrollment_url": "http://localhost:8734/acme-learning/course/)"));
  CommandResult item = Ctl(
      port, "GetCustomerContentMetadata",
      std::string(R"({"enterprise_uuid":")") + kEnterpriseA +
          R"(","content_identifier":"course-v1:IBM+PY0101EN+2T2026","coerce_to_parent_course":true})");
  EXPECT_EQ(item.exit_code, 0) << item.err;
  EXPECT_THAT(item.out, HasSubstr(R"("content_key": "IBM+PY0101EN")"));
  CommandResult missing = Ctl(
      port, "GetCatalog", R"({"uuid":"00000000-0000-4000-8000-000000000000"})");
  EXPECT_EQ(missing.exit_code, 5) << missing.out;  // NOT_FOUND
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  CommandResult invalid = Ctl(port, "GetCatalog", R"({"uuid":"nope"})");
  EXPECT_EQ(invalid.exit_code, 3);  // INVALID_ARGUMENT
  CommandResult anonymous =
      Ctl(port, "GetCatalog", std::string(R"({"uuid":")") + kPython + R"("})",
          /*with_token=*/false);
  EXPECT_EQ(anonymous.exit_code, 16) << anonymous.out;  // UNAUTHENTICATED
  EXPECT_THAT(anonymous.err, HasSubstr("UNAUTHENTICATED"));

  EXPECT_EQ(StopServer(), 0);
  const std::string log = server_->log();
  EXPECT_THAT(log, HasSubstr(R"("msg":"draining")"));
  EXPECT_THAT(log, HasSubstr(R"("msg":"stopped")"));
}

TEST_F(ProcessTest, SigtermDrainsInFlightCallsAndRefusesNewOnes) {
  ASSERT_EQ(
      RunCommand({EC_BINARY, "import", "--file", EC_SAMPLE_DATA}, {db_env_})
          .exit_code,
      1)
      << "import must refuse an unmigrated database";
  ASSERT_EQ(RunCommand({EC_BINARY, "migrate"}, {db_env_}).exit_code, 0);
  ASSERT_EQ(
      RunCommand({EC_BINARY, "import", "--file", EC_SAMPLE_DATA}, {db_env_})
          .exit_code,
      0);
  const int port = StartServer();
  ASSERT_GT(port, 0);
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::EnterpriseCatalogService::NewStub(channel);
  auto call = [&stub, this]() {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "JWT " + token_);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::GetCatalogMetadataRequest req;
    req.set_catalog_uuid(kAllEdx);
    v1::GetCatalogMetadataResponse resp;
    return stub->GetCatalogMetadata(&ctx, req, &resp);
  };

  // Load from clients that stop at their first UNAVAILABLE, as a client
  // that moves to another replica does.
  std::atomic<int> ok{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        grpc::Status s = call();
        if (s.ok()) {
          ++ok;
          continue;
        }
        if (s.error_code() != grpc::StatusCode::UNAVAILABLE) {
          ++unexpected;
          ADD_FAILURE() << "status during drain: " << s.error_code() << " "
                        << s.error_message();
        }
        return;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // Two calls held inside the database (reads wait behind this lock) are in
  // flight when SIGTERM arrives; they must complete, not be cut off.
  pqxx::connection blocker(db_->dsn());
  pqxx::work lock_tx(blocker);
  lock_tx.exec0("LOCK TABLE enterprise_catalog IN ACCESS EXCLUSIVE MODE");
  std::vector<std::future<grpc::Status>> held;
  for (int i = 0; i < 2; ++i)
    held.push_back(std::async(std::launch::async, call));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_->Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  grpc::Status during = call();
  EXPECT_EQ(during.error_code(), grpc::StatusCode::UNAVAILABLE)
      << during.error_message();
  lock_tx.commit();
  for (auto& h : held) {
    grpc::Status s = h.get();
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  }
  EXPECT_EQ(StopServer(), 0);
  for (auto& c : clients) c.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(unexpected.load(), 0);
}

TEST_F(ProcessTest, BadConfigurationNamesTheSetting) {
  CommandResult r =
      RunCommand({EC_BINARY, "serve"}, {"ENTERPRISE_CATALOG_DATABASE_URL="});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("ENTERPRISE_CATALOG_DATABASE_URL"));
  r = RunCommand({EC_BINARY, "serve"},
                 {db_env_, "ENTERPRISE_CATALOG_DB_POOL_SIZE=zero"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("ENTERPRISE_CATALOG_DB_POOL_SIZE"));
  r = RunCommand({EC_BINARY, "serve", "--grpc-adress", "x:1"}, {db_env_});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("--grpc-adress"));
  r = RunCommand({EC_BINARY, "migrate"},
                 {"ENTERPRISE_CATALOG_DATABASE_URL=postgresql://postgres@/"
                  "x?host=/nonexistent-ec&port=1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("database unreachable"));
  r = RunCommand({EC_BINARY, "help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("ENTERPRISE_CATALOG_GRPC_ADDRESS"));
  // Plaintext only when asked for.
  r = RunCommand({EC_BINARY, "serve"}, {db_env_});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("ENTERPRISE_CATALOG_PLAINTEXT=true"));
  r = RunCommand({EC_BINARY, "serve"},
                 {db_env_, "ENTERPRISE_CATALOG_TLS_CERT_FILE=/x.pem"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("ENTERPRISE_CATALOG_TLS_KEY_FILE"));
  // Authentication on by default: no key configured is a start failure.
  r = RunCommand({EC_BINARY, "serve", "--grpc-address", "127.0.0.1:0"},
                 {db_env_, "ENTERPRISE_CATALOG_PLAINTEXT=true"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("ENTERPRISE_CATALOG_JWT_SECRET"));
  r = RunCommand({EC_BINARY, "serve"},
                 {db_env_, "ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET=short"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET"));
}

TEST_F(ProcessTest, ServesMutualTlsToCatalogctl) {
  ASSERT_EQ(RunCommand({EC_BINARY, "migrate"}, {db_env_}).exit_code, 0);
  ASSERT_EQ(
      RunCommand({EC_BINARY, "import", "--file", EC_SAMPLE_DATA}, {db_env_})
          .exit_code,
      0);
  auto pki = testing::MakeTestPki();
  ASSERT_TRUE(pki.ok()) << pki.status();
  char dir_template[] = "/tmp/ec-e2e-tls-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  ASSERT_TRUE(testing::WriteTestPki(*pki, dir).ok());
  std::vector<std::string> env = ServerEnv();
  env.erase(env.begin());  // not plaintext
  env.push_back("ENTERPRISE_CATALOG_TLS_CERT_FILE=" + dir + "/server.pem");
  env.push_back("ENTERPRISE_CATALOG_TLS_KEY_FILE=" + dir + "/server.key");
  env.push_back("ENTERPRISE_CATALOG_TLS_CLIENT_CA_FILE=" + dir + "/ca.pem");
  const int port = StartServer(env);
  ASSERT_GT(port, 0);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  const std::string request = std::string(R"({"uuid":")") + kPython + R"("})";
  CommandResult ok =
      RunCommand({EC_CATALOGCTL, "--address", address, "--ca-file",
                  dir + "/ca.pem", "--cert-file", dir + "/client.pem",
                  "--key-file", dir + "/client.key", "GetCatalog", request},
                 {token_env_});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr(kPython));
  // Without a client certificate the handshake fails.
  CommandResult no_cert =
      RunCommand({EC_CATALOGCTL, "--address", address, "--ca-file",
                  dir + "/ca.pem", "GetCatalog", request},
                 {token_env_});
  EXPECT_EQ(no_cert.exit_code, 14) << no_cert.out;  // UNAVAILABLE
  EXPECT_EQ(StopServer(), 0);
  EXPECT_THAT(server_->log(), HasSubstr(R"("tls":"mutual")"));
  std::system(("rm -rf " + dir).c_str());
}

TEST_F(ProcessTest, MintTokenMakesATokenTheServerAccepts) {
  std::vector<std::string> env = ServerEnv();
  env.push_back("ENTERPRISE_CATALOG_TOKEN_ROLES=enterprise_learner:" +
                std::string(kEnterpriseA));
  CommandResult minted =
      RunCommand({EC_BINARY, "mint-token", "--subject", "dev"}, env);
  ASSERT_EQ(minted.exit_code, 0) << minted.err;
  const std::string token = minted.out.substr(0, minted.out.find('\n'));
  ASSERT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
  auth::JwtConfig config = testing::TestJwtConfig();
  auto verifier = auth::JwtVerifier::Create(config);
  ASSERT_TRUE(verifier.ok());
  auto verified = (*verifier)->Verify(token);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "dev");
  EXPECT_EQ(verified->roles,
            std::vector<std::string>{"enterprise_learner:" +
                                     std::string(kEnterpriseA)});
  // Without roles it explains what to pass.
  CommandResult bare = RunCommand({EC_BINARY, "mint-token"}, ServerEnv());
  EXPECT_EQ(bare.exit_code, 1);
  EXPECT_THAT(bare.err, HasSubstr("--roles"));
}

}  // namespace
}  // namespace ec
