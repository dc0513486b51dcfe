// catalogctl: calls one EnterpriseCatalogService RPC with a JSON request and
// prints the JSON response. Meant for operators, the quickstart and shell
// scripts, hence the machine-readable stderr and exit codes.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/support/status.h>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "client/catalog_client.h"

namespace {

// sysexits.h's EX_USAGE and EX_SOFTWARE: above the gRPC codes (1..16), so a
// script can tell "you called me wrong" from any RPC outcome.
constexpr int kExitUsage = 64;
constexpr int kExitSoftware = 70;

constexpr std::string_view kUsage =
    R"(Usage: catalogctl [--address HOST:PORT] [--timeout SECONDS] METHOD [REQUEST_JSON|-]
       catalogctl methods
       catalogctl --help

Calls METHOD of enterprise_catalog.v1.EnterpriseCatalogService with
REQUEST_JSON (default "{}"; "-" reads it from stdin). Request fields use the
proto3 JSON mapping: lowerCamelCase or original names, unknown fields rejected.

Options:
  --address HOST:PORT  server address (default: $ENTERPRISE_CATALOG_ADDRESS,
                       else 127.0.0.1:50051)
  --timeout SECONDS    RPC deadline, may be fractional (default 10)
  -h, --help           show this help

Output: the response as JSON on stdout, exit 0. On RPC failure
{"code": "NOT_FOUND", "message": "..."} on stderr and the exit status is the
numeric gRPC code (1-16). Usage errors, including an invalid request, exit 64.

Example:
  catalogctl GetCatalog '{"uuid": "7d0b4a1e-2c3f-4b5a-9e8d-1f2a3b4c5d6e"}'
)";

struct Args {
  ec::client::ClientOptions options;
  std::string method;
  std::optional<std::string> request;
};

int UsageError(std::string_view message) {
  std::cerr << "catalogctl: " << message << "\n"
            << "Try 'catalogctl --help'.\n";
  return kExitUsage;
}

// Accepts both "--name VALUE" and "--name=VALUE". Returns nullopt if `arg` is
// not this option; sets *missing if the value is absent.
std::optional<std::string> OptionValue(std::string_view name,
                                       const std::vector<std::string>& argv,
                                       size_t& i, bool* missing) {
  std::string_view arg = argv[i];
  if (arg == name) {
    if (i + 1 >= argv.size()) {
      *missing = true;
      return std::string();
    }
    return argv[++i];
  }
  if (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
      arg[name.size()] == '=') {
    return std::string(arg.substr(name.size() + 1));
  }
  return std::nullopt;
}

// Returns an exit status if the program should stop (help, usage error).
std::optional<int> ParseArgs(const std::vector<std::string>& argv, Args* args) {
  if (const char* env = std::getenv("ENTERPRISE_CATALOG_ADDRESS");
      env != nullptr && *env != '\0') {
    args->options.address = env;
  }
  std::vector<std::string> positional;
  bool options_done = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    // A lone "-" is the stdin request, not an option.
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    bool missing = false;
    if (auto value = OptionValue("--address", argv, i, &missing)) {
      if (missing || value->empty()) {
        return UsageError("--address needs HOST:PORT");
      }
      args->options.address = *value;
      continue;
    }
    if (auto value = OptionValue("--timeout", argv, i, &missing)) {
      double seconds = 0;
      if (missing || !absl::SimpleAtod(*value, &seconds) ||
          !std::isfinite(seconds) || seconds <= 0 || seconds > 86400) {
        return UsageError("--timeout needs a number of seconds in (0, 86400]");
      }
      args->options.timeout = std::chrono::milliseconds(
          std::max<long long>(1, std::llround(seconds * 1000)));
      continue;
    }
    return UsageError("unknown option " + arg);
  }

  if (positional.empty()) return UsageError("missing METHOD");
  if (positional.size() > 2) {
    return UsageError("unexpected argument " + positional[2]);
  }
  args->method = positional[0];
  if (positional.size() == 2) args->request = positional[1];
  return std::nullopt;
}

void PrintRpcError(const grpc::Status& status) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  // Server messages are not guaranteed UTF-8; never let that abort the report.
  const std::string message =
      nlohmann::json(status.error_message())
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::cerr << "{\"code\": \"" << absl::StatusCodeToString(code)
            << "\", \"message\": " << message << "}\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args_vector(argv, argv + argc);
  Args args;
  if (std::optional<int> exit_status = ParseArgs(args_vector, &args)) {
    return *exit_status;
  }

  if (args.method == "methods") {
    if (args.request.has_value()) {
      return UsageError("'methods' takes no argument");
    }
    for (std::string_view name : ec::client::MethodNames()) {
      std::cout << name << "\n";
    }
    return 0;
  }

  std::string request = args.request.value_or("{}");
  if (request == "-") {
    request.assign(std::istreambuf_iterator<char>(std::cin),
                   std::istreambuf_iterator<char>());
  }

  std::shared_ptr<grpc::Channel> channel =
      ec::client::MakeChannel(args.options);
  grpc::Status rpc_status;
  absl::StatusOr<std::string> response = ec::client::InvokeJson(
      *channel, args.method, request, args.options.timeout, &rpc_status);
  if (response.ok()) {
    std::cout << *response;
    if (response->empty() || response->back() != '\n') std::cout << "\n";
    return 0;
  }
  if (!rpc_status.ok()) {
    PrintRpcError(rpc_status);
    return static_cast<int>(rpc_status.error_code());
  }
  // No RPC was made: an unknown method or a request that is not valid JSON
  // for the method are mistakes in the invocation.
  if (response.status().code() == absl::StatusCode::kInvalidArgument) {
    return UsageError(std::string(response.status().message()));
  }
  std::cerr << "catalogctl: " << response.status() << "\n";
  return kExitSoftware;
}
