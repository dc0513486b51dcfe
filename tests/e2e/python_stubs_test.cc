// The Python client path: scripts/gen-python-stubs.sh generates the stubs
// with Debian's python3-grpc-tools, and tests/python/catalog_client_test.py
// (Debian's python3-grpcio) drives a real `enterprise-catalog all` process,
// with JWT auth, whose workers crawl the in-process discovery stand-in.
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "tests/support/child_process.h"
#include "tests/support/test_env.h"
#include "tests/support/test_tokens.h"
#include "tools/discovery_stub/stub_server.h"

namespace ec {
namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kScript[] = EC_SOURCE_DIR "/scripts/gen-python-stubs.sh";
constexpr char kPythonTest[] =
    EC_SOURCE_DIR "/tests/python/catalog_client_test.py";

using ec::testing::CommandResult;
using ec::testing::RunCommand;

class TempDir {
 public:
  TempDir() {
    char path[] = "/tmp/ec-pystubs-XXXXXX";
    if (mkdtemp(path) != nullptr) path_ = path;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(PythonStubsTest, GeneratedStubsDriveALiveServer) {
  // No skipping: CI installs these, and a missing package must show up as a
  // failure rather than as a test that silently passed.
  CommandResult probe =
      RunCommand({kPython, "-c", "import grpc, google.protobuf"}, {},
                 std::chrono::seconds(60));
  ASSERT_EQ(probe.exit_code, 0)
      << kPython
      << " cannot import grpc: install python3-grpcio (apt-get install "
         "python3-grpcio python3-protobuf python3-grpc-tools)\n"
      << probe.out << probe.err;

  auto env = testing::StoreEnv::Create(1);
  ASSERT_TRUE(env.ok()) << env.status();
  stub::DiscoveryStub::Options options;
  options.dataset.seed = 23;
  options.dataset.courses = 20;
  options.dataset.runs = 30;
  options.dataset.programs = 12;
  options.dataset.pathways = 2;
  options.dataset.persons = 2;
  options.dataset.min_doc_bytes = 600;
  options.dataset.max_doc_bytes = 1200;
  auto discovery = stub::DiscoveryStub::Start(options);
  ASSERT_TRUE(discovery.ok()) << discovery.status();

  // The catalog filter is {"content_type": "program"}: every program is in,
  // and a course (which discovery has too) is out.
  const auto programs =
      static_cast<int>((*discovery)->document_count("program"));
  ASSERT_GE(programs, 3);
  std::string key_in, key_out;
  for (const auto& doc : (*discovery)->dataset()->docs()) {
    if (key_in.empty() && doc->type == stub::ContentType::kProgram) {
      key_in = doc->key;
    }
    if (key_out.empty() && doc->type == stub::ContentType::kCourse) {
      key_out = doc->key;
    }
  }
  ASSERT_FALSE(key_in.empty());
  ASSERT_FALSE(key_out.empty());

  // `enterprise-catalog all` on a port it picks, logging to a file; killed if
  // the test ends first.
  testing::ChildProcess server(
      {EC_BINARY, "all"},
      {"ENTERPRISE_CATALOG_DATABASE_URL=" + (*env)->dsn(),
       "ENTERPRISE_CATALOG_GRPC_ADDRESS=127.0.0.1:0",
       "ENTERPRISE_CATALOG_DISCOVERY_URL=" + (*discovery)->discovery_url(),
       "ENTERPRISE_CATALOG_OAUTH_URL=" + (*discovery)->base_url(),
       "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID=" + options.client_id,
       "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET=" + options.client_secret,
       "ENTERPRISE_CATALOG_REFRESH_POLL_MS=50",
       "ENTERPRISE_CATALOG_PLAINTEXT=true",
       "ENTERPRISE_CATALOG_METRICS_ADDRESS=127.0.0.1:0",
       std::string("ENTERPRISE_CATALOG_JWT_SECRET=") + testing::kTestSecret,
       std::string("ENTERPRISE_CATALOG_JWT_ISSUER=") + testing::kTestIssuer,
       std::string("ENTERPRISE_CATALOG_JWT_AUDIENCE=") + testing::kTestAudience,
       "ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET=python-stubs-test-page-secret",
       "ENTERPRISE_CATALOG_LOG_LEVEL=info"},
      testing::ChildOutput::kLogFile);
  const int port = std::atoi(server
                                 .WaitForLogMatch(testing::kServingPortPattern,
                                                  std::chrono::seconds(20))
                                 .c_str());
  ASSERT_GT(port, 0) << "the server did not report its port:\n" << server.log();

  // Both ways the script can write the message modules (see its header):
  // grpc_tools' own protoc, and Debian's protoc with grpc_tools for the
  // service module only.
  for (const std::string mode : {"grpc_tools", "protoc"}) {
    SCOPED_TRACE("EC_PY_STUBS_MESSAGES=" + mode);
    TempDir stubs;
    ASSERT_FALSE(stubs.path().empty());
    CommandResult gen =
        RunCommand({"/bin/bash", kScript, stubs.path()},
                   {"EC_PY_STUBS_MESSAGES=" + mode, "PYTHON=/usr/bin/python3"},
                   std::chrono::seconds(120));
    ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
    ASSERT_TRUE(std::filesystem::exists(
        stubs.path() + "/enterprise_catalog/v1/catalog_service_pb2_grpc.py"))
        << gen.out << gen.err;

    // Each run has its own enterprise, so that CustomerContainsContentItems
    // sees only that run's catalog; its admin may do everything the test
    // does.
    const std::string enterprise = common::NewUuidV4();
    testing::TokenSpec admin;
    admin.roles = {"enterprise_catalog_admin:" + enterprise};
    CommandResult test = RunCommand(
        {kPython, kPythonTest},
        {"PYTHONPATH=" + stubs.path(), "PYTHONDONTWRITEBYTECODE=1",
         "ENTERPRISE_CATALOG_ADDRESS=127.0.0.1:" + std::to_string(port),
         "ENTERPRISE_CATALOG_TOKEN=" + testing::Hs256Token(admin),
         "EC_TEST_ENTERPRISE_UUID=" + enterprise,
         R"(EC_TEST_CONTENT_FILTER={"content_type": "program"})",
         "EC_TEST_EXPECTED_COUNT=" + std::to_string(programs),
         "EC_TEST_KEY_IN=" + key_in, "EC_TEST_KEY_OUT=" + key_out,
         "EC_TEST_REFRESH_TIMEOUT=60"},
        std::chrono::seconds(180));
    const std::string output = test.out + test.err;
    EXPECT_EQ(test.exit_code, 0) << output << "\nserver log:\n" << server.log();
    // The unittest summary, so that a run that found no tests cannot pass.
    EXPECT_TRUE(std::regex_search(output, std::regex(R"(Ran [1-9]\d* tests?)")))
        << output;
  }

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.log();
}

}  // namespace
}  // namespace ec
