// The Python client path: scripts/gen-python-stubs.sh generates the stubs
// with Debian's python3-grpc-tools, and tests/python/catalog_client_test.py
// (Debian's python3-grpcio) drives a real `enterprise-catalog all` process,
// with JWT auth, whose workers crawl the in-process discovery stand-in.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "tests/discovery_stub/stub_server.h"
#include "tests/support/test_env.h"
#include "tests/support/test_tokens.h"

extern char** environ;

namespace ec {
namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kScript[] = EC_SOURCE_DIR "/scripts/gen-python-stubs.sh";
constexpr char kPythonTest[] =
    EC_SOURCE_DIR "/tests/python/catalog_client_test.py";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The current environment with `extra` in front (getenv takes the first).
std::vector<std::string> EnvWith(const std::vector<std::string>& extra) {
  std::vector<std::string> env(extra);
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

// Forks and execs `argv` in its own process group, with stdout and stderr
// going to `output_path`. Returns the pid, or -1.
pid_t Spawn(const std::vector<std::string>& argv,
            const std::vector<std::string>& extra_env,
            const std::string& output_path) {
  std::vector<std::string> env = EnvWith(extra_env);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    const int fd =
        open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) _exit(126);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  return pid;
}

int ExitCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct RunResult {
  int exit_code = -1;  // -2: timed out (and killed)
  std::string output;  // stdout and stderr, interleaved
};

// Runs a command to completion, killing its process group after `timeout`.
RunResult RunCommand(const std::vector<std::string>& argv,
                     const std::vector<std::string>& extra_env,
                     std::chrono::seconds timeout) {
  char path[] = "/tmp/ec-pystubs-out-XXXXXX";
  close(mkstemp(path));
  RunResult result;
  const pid_t pid = Spawn(argv, extra_env, path);
  if (pid < 0) {
    unlink(path);
    result.output = "fork failed";
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.exit_code = status == -1 ? -2 : ExitCode(status);
  result.output = ReadAll(path);
  unlink(path);
  return result;
}

// `enterprise-catalog all` on a port it picks, logging to a file; killed if
// the test ends first.
class Server {
 public:
  explicit Server(const std::vector<std::string>& extra_env) {
    char path[] = "/tmp/ec-pystubs-server-XXXXXX";
    close(mkstemp(path));
    log_path_ = path;
    pid_ = Spawn({EC_BINARY, "all"}, extra_env, log_path_);
  }
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    unlink(log_path_.c_str());
  }
  // Waits for the "serving" log line; returns the port, or 0.
  int WaitForPort() {
    const std::regex port_re(R"("msg":"serving".*"port":(\d+))");
    for (int i = 0; i < 400 && pid_ > 0; ++i) {
      std::smatch m;
      const std::string log = ReadAll(log_path_);
      if (std::regex_search(log, m, port_re)) return std::stoi(m[1]);
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }
  // SIGTERM, then the exit code.
  int Stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return ExitCode(status);
  }
  std::string log() const { return ReadAll(log_path_); }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

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
  RunResult probe = RunCommand({kPython, "-c", "import grpc, google.protobuf"},
                               {}, std::chrono::seconds(60));
  ASSERT_EQ(probe.exit_code, 0)
      << kPython
      << " cannot import grpc: install python3-grpcio (apt-get install "
         "python3-grpcio python3-protobuf python3-grpc-tools)\n"
      << probe.output;

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

  Server server(
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
       "ENTERPRISE_CATALOG_LOG_LEVEL=info"});
  const int port = server.WaitForPort();
  ASSERT_GT(port, 0) << "the server did not report its port:\n" << server.log();

  // Both ways the script can write the message modules (see its header):
  // grpc_tools' own protoc, and Debian's protoc with grpc_tools for the
  // service module only.
  for (const std::string mode : {"grpc_tools", "protoc"}) {
    SCOPED_TRACE("EC_PY_STUBS_MESSAGES=" + mode);
    TempDir stubs;
    ASSERT_FALSE(stubs.path().empty());
    RunResult gen =
        RunCommand({"/bin/bash", kScript, stubs.path()},
                   {"EC_PY_STUBS_MESSAGES=" + mode, "PYTHON=/usr/bin/python3"},
                   std::chrono::seconds(120));
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    ASSERT_TRUE(std::filesystem::exists(
        stubs.path() + "/enterprise_catalog/v1/catalog_service_pb2_grpc.py"))
        << gen.output;

    // Each run has its own enterprise, so that CustomerContainsContentItems
    // sees only that run's catalog; its admin may do everything the test
    // does.
    const std::string enterprise = NewUuidV4();
    testing::TokenSpec admin;
    admin.roles = {"enterprise_catalog_admin:" + enterprise};
    RunResult test = RunCommand(
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
    EXPECT_EQ(test.exit_code, 0) << test.output << "\nserver log:\n"
                                 << server.log();
    // The unittest summary, so that a run that found no tests cannot pass.
    EXPECT_TRUE(
        std::regex_search(test.output, std::regex(R"(Ran [1-9]\d* tests?)")))
        << test.output;
  }

  EXPECT_EQ(server.Stop(), 0) << server.log();
}

}  // namespace
}  // namespace ec
