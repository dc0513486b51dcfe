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
    R"usage(Usage: catalogctl [OPTIONS] METHOD [REQUEST_JSON|-]
       catalogctl methods
       catalogctl --help

Calls METHOD of enterprise_catalog.v1.EnterpriseCatalogService with
REQUEST_JSON (default "{}"; "-" reads it from stdin). Request fields use the
proto3 JSON mapping: lowerCamelCase or original names, unknown fields rejected.

Options:
  --address HOST:PORT  server address (default: $ENTERPRISE_CATALOG_ADDRESS,
                       else 127.0.0.1:50051)
  --timeout SECONDS    RPC deadline, may be fractional (default 10)
  --token TOKEN        caller token, sent as "authorization: JWT TOKEN"
                       (default: $ENTERPRISE_CATALOG_TOKEN). A token on the
                       command line is visible to other local users (ps,
                       /proc); prefer the variable or --token-file.
  --token-file PATH    read the token from PATH (trailing whitespace dropped)
  --tls                use TLS, verifying the server with the system roots
  --ca-file PATH       PEM roots to verify the server with; implies --tls
                       (default: $ENTERPRISE_CATALOG_CA_FILE)
  --cert-file PATH     client certificate chain (PEM) for mutual TLS; needs
                       --key-file, implies --tls
                       (default: $ENTERPRISE_CATALOG_CLIENT_CERT_FILE)
  --key-file PATH      client private key (PEM) for mutual TLS
                       (default: $ENTERPRISE_CATALOG_CLIENT_KEY_FILE)
  --server-name NAME   expect NAME in the server's certificate instead of the
                       host in --address (for IP addresses and tests); TLS only
  -h, --help           show this help

Output: the response as JSON on stdout, exit 0. On RPC failure
{"code": "NOT_FOUND", "message": "..."} on stderr and the exit status is the
numeric gRPC code (1-16); a missing or rejected token is UNAUTHENTICATED (16).
Usage errors, including an invalid request or an unreadable file, exit 64.

Examples:
  catalogctl GetCatalog '{"uuid": "7d0b4a1e-2c3f-4b5a-9e8d-1f2a3b4c5d6e"}'

  export ENTERPRISE_CATALOG_TOKEN="$(cat ~/.config/catalog/token)"
  catalogctl --address catalog.example.com:443 --tls \
      ListCatalogs '{"enterprise_uuid": "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24"}'

  catalogctl --token-file token.jwt --ca-file ca.pem --cert-file client.pem \
      --key-file client.key GetCatalog '{"uuid": "..."}'
)usage";

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

// Sets *out to the environment variable `name` if it is set and not empty.
void EnvDefault(const char* name, std::string* out) {
  if (const char* env = std::getenv(name); env != nullptr && *env != '\0') {
    *out = env;
  }
}

// Returns an exit status if the program should stop (help, usage error).
std::optional<int> ParseArgs(const std::vector<std::string>& argv, Args* args) {
  ec::client::ClientOptions& options = args->options;
  EnvDefault("ENTERPRISE_CATALOG_ADDRESS", &options.address);
  EnvDefault("ENTERPRISE_CATALOG_TOKEN", &options.token);
  EnvDefault("ENTERPRISE_CATALOG_CA_FILE", &options.ca_file);
  EnvDefault("ENTERPRISE_CATALOG_CLIENT_CERT_FILE", &options.cert_file);
  EnvDefault("ENTERPRISE_CATALOG_CLIENT_KEY_FILE", &options.key_file);
  bool token_flag = false;
  std::string token_file;
  // Options whose value is a non-empty string stored as is.
  const struct {
    std::string_view name;
    std::string* target;
    std::string_view error;
  } kStringOptions[] = {
      {"--address", &options.address, "--address needs HOST:PORT"},
      {"--token", &options.token, "--token needs TOKEN"},
      {"--token-file", &token_file, "--token-file needs PATH"},
      {"--ca-file", &options.ca_file, "--ca-file needs PATH"},
      {"--cert-file", &options.cert_file, "--cert-file needs PATH"},
      {"--key-file", &options.key_file, "--key-file needs PATH"},
      {"--server-name", &options.server_name_override,
       "--server-name needs NAME"},
  };
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
    if (arg == "--tls") {
      options.tls = true;
      continue;
    }
    bool missing = false;
    bool matched = false;
    for (const auto& option : kStringOptions) {
      if (auto value = OptionValue(option.name, argv, i, &missing)) {
        if (missing || value->empty()) return UsageError(option.error);
        *option.target = *std::move(value);
        if (option.target == &options.token) token_flag = true;
        matched = true;
        break;
      }
    }
    if (matched) continue;
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
    // Not the value after '=': it may be a secret given to a misspelt option.
    return UsageError("unknown option " + arg.substr(0, arg.find('=')));
  }

  if (!token_file.empty()) {
    if (token_flag) {
      return UsageError("give --token or --token-file, not both");
    }
    absl::StatusOr<std::string> token = ec::client::ReadTokenFile(token_file);
    if (!token.ok()) return UsageError(std::string(token.status().message()));
    options.token = *std::move(token);
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return UsageError(
        "--cert-file and --key-file must be given together (defaults: "
        "$ENTERPRISE_CATALOG_CLIENT_CERT_FILE, "
        "$ENTERPRISE_CATALOG_CLIENT_KEY_FILE)");
  }
  if (!options.server_name_override.empty() && !ec::client::UsesTls(options)) {
    return UsageError("--server-name needs TLS (--tls or --ca-file)");
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

  // Before any command, so that a bad certificate or key file is reported
  // however catalogctl is called. The channel connects only on first use.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      ec::client::MakeChannel(args.options);
  if (!channel.ok()) {
    if (channel.status().code() == absl::StatusCode::kInvalidArgument) {
      return UsageError(std::string(channel.status().message()));
    }
    std::cerr << "catalogctl: " << channel.status() << "\n";
    return kExitSoftware;
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

  grpc::Status rpc_status;
  absl::StatusOr<std::string> response = ec::client::InvokeJson(
      **channel, args.method, request, args.options, &rpc_status);
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
