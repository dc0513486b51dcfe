// discovery-stub: the course-discovery stand-in as a process, for the
// quickstart and manual testing. Serves until SIGTERM/SIGINT.
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/stub_server.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

constexpr char kUsage[] =
    "usage: discovery-stub [flags]\n"
    "\n"
    "A course-discovery stand-in: POST /oauth2/access_token,\n"
    "GET|POST /api/v1/search/all/, GET /api/v1/courses/ and\n"
    "GET /api/v1/programs/ over a generated catalog, plus /_stub/\n"
    "control endpoints (see tools/discovery_stub/README.md). Prints\n"
    "{\"listening\": \"http://HOST:PORT\"} once ready; runs until SIGTERM or\n"
    "SIGINT.\n"
    "\n"
    "Flags (--flag VALUE or --flag=VALUE):\n"
    "  --host HOST                  listen address (127.0.0.1)\n"
    "  --port N                     0 picks a free port (0)\n"
    "  --seed N                     dataset seed (1)\n"
    "  --courses N                  (200)\n"
    "  --runs N                     course runs in total (480)\n"
    "  --programs N                 (20)\n"
    "  --pathways N                 learner pathways (5)\n"
    "  --persons N                  (10)\n"
    "  --min-doc-bytes N            smallest document JSON (5000)\n"
    "  --max-doc-bytes N            largest document JSON (25000)\n"
    "  --client-id ID               OAuth client id "
    "(enterprise-catalog-worker)\n"
    "  --client-secret SECRET       (enterprise-catalog-secret)\n"
    "  --token-lifetime-seconds N   expires_in of issued tokens (3600)\n"
    "  --threads N                  server threads (4)\n"
    "  --max-result-window N        pages past N results answer 500 (0 = off)\n"
    "  --count-cap N                count saturates at N (0 = off)\n"
    "  --verbose                    log one JSON line per request to stderr\n"
    "  --help                       show this text\n";

int Usage(std::string_view error) {
  std::cerr << "discovery-stub: " << error << "\n\n" << kUsage;
  return 64;
}

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  uint64_t value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return false;
  if constexpr (!std::is_same_v<T, uint64_t>) {
    if (value > 1'000'000'000) return false;
  }
  *out = static_cast<T>(value);
  return true;
}

int Run(int argc, char** argv) {
  DiscoveryStub::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--verbose") {
      options.verbose = true;
      continue;
    }
    if (arg.substr(0, 2) != "--")
      return Usage(Cat("unexpected argument ", arg));
    std::string_view name = arg;
    std::optional<std::string_view> value;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    }
    if (!value) return Usage(Cat(name, " needs a value"));
    bool ok = true;
    DatasetSpec& d = options.dataset;
    if (name == "--host") {
      options.host = std::string(*value);
    } else if (name == "--port") {
      ok = ParseNumber(*value, &options.port) && options.port <= 65535;
    } else if (name == "--seed") {
      ok = ParseNumber(*value, &d.seed);
    } else if (name == "--courses") {
      ok = ParseNumber(*value, &d.courses);
    } else if (name == "--runs") {
      ok = ParseNumber(*value, &d.runs);
    } else if (name == "--programs") {
      ok = ParseNumber(*value, &d.programs);
    } else if (name == "--pathways") {
      ok = ParseNumber(*value, &d.pathways);
    } else if (name == "--persons") {
      ok = ParseNumber(*value, &d.persons);
    } else if (name == "--min-doc-bytes") {
      ok = ParseNumber(*value, &d.min_doc_bytes);
    } else if (name == "--max-doc-bytes") {
      ok = ParseNumber(*value, &d.max_doc_bytes);
    } else if (name == "--client-id") {
      options.client_id = std::string(*value);
    } else if (name == "--client-secret") {
      options.client_secret = std::string(*value);
    } else if (name == "--token-lifetime-seconds") {
      ok = ParseNumber(*value, &options.token_lifetime_seconds);
    } else if (name == "--threads") {
      ok = ParseNumber(*value, &options.threads) && options.threads > 0;
    } else if (name == "--max-result-window") {
      ok = ParseNumber(*value, &options.max_result_window);
    } else if (name == "--count-cap") {
      ok = ParseNumber(*value, &options.count_cap);
    } else {
      return Usage(Cat("unknown flag ", name));
    }
    if (!ok) return Usage(Cat("bad value for ", name, ": ", *value));
  }
  if (options.dataset.max_doc_bytes < options.dataset.min_doc_bytes) {
    return Usage("--max-doc-bytes is smaller than --min-doc-bytes");
  }

  // Block the stop signals before any thread starts, so only sigwait sees
  // them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<DiscoveryStub>> stub =
      DiscoveryStub::Start(options);
  if (!stub.ok()) {
    std::cerr << "discovery-stub: " << stub.status().message() << "\n";
    return 1;
  }
  // One line, flushed: the quickstart waits for it.
  std::cout << "{\"listening\": " << nlohmann::json((*stub)->base_url()).dump()
            << "}" << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*stub)->Stop();
  return 0;
}

}  // namespace
}  // namespace ec::stub

int main(int argc, char** argv) { return ec::stub::Run(argc, argv); }
