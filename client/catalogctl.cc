// catalogctl: calls one EnterpriseCatalogService RPC, given as a subcommand
// with flags (get-catalog --uuid U) or as METHOD and a JSON request, and
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
#include <thread>
#include <vector>

#include <grpcpp/support/status.h>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/catalog_client.h"
#include "client/catalogctl_commands.h"

namespace ec::client {
namespace {

// sysexits.h's EX_USAGE and EX_SOFTWARE: above the gRPC codes (1..16), so a
// script can tell "you called me wrong" from any RPC outcome.
constexpr int kExitUsage = 64;
constexpr int kExitSoftware = 70;

// --retries: enough to ride out a restart, few enough that a dead server is
// reported within the deadline's order of magnitude.
constexpr int kMaxRetries = 10;

constexpr std::string_view kUsage =
    R"usage(Usage: catalogctl [OPTIONS] COMMAND [FLAGS]
       catalogctl [OPTIONS] METHOD [REQUEST_JSON|-]
       catalogctl help [COMMAND]
       catalogctl methods

Calls one RPC of enterprise_catalog.v1.EnterpriseCatalogService.

COMMAND is a subcommand with flags for the request's fields ('catalogctl help
COMMAND' lists them); --json JSON (or "-" for stdin) supplies other fields.
METHOD is the RPC's name (e.g. GetCatalog) with the whole request as
REQUEST_JSON (default "{}"; "-" reads it from stdin). Requests use the proto3
JSON mapping: lowerCamelCase or original names, unknown fields rejected.

Commands:
)usage";

constexpr std::string_view kOptions =
    R"usage(
Options (before or after COMMAND):
  --address HOST:PORT  server address (default: $ENTERPRISE_CATALOG_ADDRESS,
                       else 127.0.0.1:50051)
  --timeout SECONDS    deadline of the call, retries included; may be
                       fractional (default 10)
  --retries N          retries of a failed idempotent call (reads, refresh,
                       notify-content-changed and upsert-enterprise-customer)
                       after UNAVAILABLE, with exponential backoff; 0 to 10
                       (default 3). Catalog create, update and delete are
                       never retried.
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
  -h, --help           show this help (after COMMAND: the command's help)

Output: the response as JSON on stdout, exit 0. On RPC failure
{"code": "NOT_FOUND", "message": "..."} on stderr and the exit status is the
numeric gRPC code (1-16); a missing or rejected token is UNAUTHENTICATED (16).
Usage errors, including an invalid request or an unreadable file, exit 64.

Examples:
  catalogctl get-catalog --uuid 7d0b4a1e-2c3f-4b5a-9e8d-1f2a3b4c5d6e
  catalogctl GetCatalog '{"uuid": "7d0b4a1e-2c3f-4b5a-9e8d-1f2a3b4c5d6e"}'

  export ENTERPRISE_CATALOG_TOKEN="$(cat ~/.config/catalog/token)"
  catalogctl --address catalog.example.com:443 --tls \
      list-catalogs --enterprise-uuid 6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24

  catalogctl --token-file token.jwt --ca-file ca.pem --cert-file client.pem \
      --key-file client.key refresh --catalog-uuid C --wait
)usage";

void PrintUsage() { std::cout << kUsage << CommandList() << kOptions; }

struct Args {
  ClientOptions options;
  // METHOD form: the RPC and its request (nullopt: "{}").
  std::string method;
  std::optional<std::string> request;
  // COMMAND form.
  Invocation invocation;
};

int UsageError(std::string_view message, const CommandSpec* command = nullptr) {
  std::cerr << "catalogctl: " << message << "\n"
            << "Try 'catalogctl "
            << (command == nullptr ? std::string("--help")
                                   : "help " + std::string(command->name))
            << "'.\n";
  return kExitUsage;
}

// `catalogctl help [COMMAND]`, `catalogctl [COMMAND] --help`.
int PrintHelp(const std::vector<std::string>& topics) {
  if (topics.empty()) {
    PrintUsage();
    return 0;
  }
  if (topics.size() > 1) return UsageError("help takes one COMMAND");
  const CommandSpec* command = FindCommand(topics[0]);
  if (command == nullptr) {
    return UsageError("no command or method \"" + topics[0] + "\"");
  }
  std::cout << CommandHelp(*command);
  return 0;
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
  ClientOptions& options = args->options;
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
  // Set once the first positional argument names a subcommand; its flags are
  // then accepted among the options.
  Invocation& invocation = args->invocation;
  bool help = false;
  bool options_done = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    // A lone "-" is the stdin request, not an option.
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      if (positional.empty()) {
        invocation.command = FindCommand(arg);
        // An RPC name keeps the METHOD JSON form; only subcommand names and
        // aliases select flags.
        if (invocation.command != nullptr &&
            invocation.command->method == arg) {
          invocation.command = nullptr;
        }
      }
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      help = true;
      continue;
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
    if (auto value = OptionValue("--retries", argv, i, &missing)) {
      int retries = 0;
      if (missing || !absl::SimpleAtoi(*value, &retries) || retries < 0 ||
          retries > kMaxRetries) {
        return UsageError("--retries needs a number from 0 to 10");
      }
      options.retry.max_attempts = retries + 1;
      continue;
    }
    if (invocation.command != nullptr) {
      absl::StatusOr<bool> parsed = ParseCommandFlag(argv, &i, &invocation);
      if (!parsed.ok()) {
        return UsageError(std::string(parsed.status().message()),
                          invocation.command);
      }
      if (*parsed) continue;
    }
    // Not the value after '=': it may be a secret given to a misspelt option.
    return UsageError("unknown option " + arg.substr(0, arg.find('=')),
                      invocation.command);
  }

  if (help) {
    if (invocation.command != nullptr) {
      std::cout << CommandHelp(*invocation.command);
      return 0;
    }
    return PrintHelp(positional.empty() || positional[0] != "help"
                         ? std::vector<std::string>()
                         : std::vector<std::string>(positional.begin() + 1,
                                                    positional.end()));
  }
  if (!positional.empty() && positional[0] == "help") {
    return PrintHelp(
        std::vector<std::string>(positional.begin() + 1, positional.end()));
  }

  if (!token_file.empty()) {
    if (token_flag) {
      return UsageError("give --token or --token-file, not both");
    }
    absl::StatusOr<std::string> token = ReadTokenFile(token_file);
    if (!token.ok()) return UsageError(std::string(token.status().message()));
    options.token = *std::move(token);
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return UsageError(
        "--cert-file and --key-file must be given together (defaults: "
        "$ENTERPRISE_CATALOG_CLIENT_CERT_FILE, "
        "$ENTERPRISE_CATALOG_CLIENT_KEY_FILE)");
  }
  if (!options.server_name_override.empty() && !UsesTls(options)) {
    return UsageError("--server-name needs TLS (--tls or --ca-file)");
  }

  if (positional.empty()) return UsageError("missing COMMAND or METHOD");
  if (invocation.command != nullptr) {
    if (positional.size() > 1) {
      return UsageError("unexpected argument " + positional[1] +
                            " (request fields are flags or --json)",
                        invocation.command);
    }
    args->method = std::string(invocation.command->method);
    return std::nullopt;
  }
  if (positional.size() > 2) {
    return UsageError("unexpected argument " + positional[2]);
  }
  args->method = positional[0];
  if (positional.size() == 2) args->request = positional[1];
  return std::nullopt;
}

std::string ReadStdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin),
                     std::istreambuf_iterator<char>());
}

// Server messages are not guaranteed UTF-8; never let that abort the report.
void PrintError(absl::StatusCode code, std::string_view message) {
  const std::string quoted =
      nlohmann::json(std::string(message))
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::cerr << "{\"code\": \"" << absl::StatusCodeToString(code)
            << "\", \"message\": " << quoted << "}\n";
}

void PrintRpcError(const grpc::Status& status) {
  PrintError(static_cast<absl::StatusCode>(status.error_code()),
             status.error_message());
}

void PrintJson(const std::string& json) {
  std::cout << json;
  if (json.empty() || json.back() != '\n') std::cout << "\n";
}

// Outcome of one RPC made from its JSON request: the exit status and, on
// success, the response JSON (not yet printed).
struct CallResult {
  int exit_status = 0;
  std::string response;
};

// Calls `method` and reports a failure (stderr, exit status) as catalogctl
// does for every RPC.
CallResult Call(grpc::Channel& channel, const std::string& method,
                const std::string& request, const ClientOptions& options,
                const CommandSpec* command) {
  grpc::Status rpc_status;
  absl::StatusOr<std::string> response =
      InvokeJson(channel, method, request, options, &rpc_status);
  if (response.ok()) return {0, *std::move(response)};
  if (!rpc_status.ok()) {
    PrintRpcError(rpc_status);
    return {static_cast<int>(rpc_status.error_code()), ""};
  }
  // No RPC was made: an unknown method or a request that is not valid JSON
  // for the method are mistakes in the invocation.
  if (response.status().code() == absl::StatusCode::kInvalidArgument) {
    return {UsageError(std::string(response.status().message()), command), ""};
  }
  std::cerr << "catalogctl: " << response.status() << "\n";
  return {kExitSoftware, ""};
}

// refresh --wait: polls the job in `job_json` until it ends or the wait
// times out, then prints the job's last state. A job that did not succeed is
// reported as a gRPC code too, so that scripts need not parse the state.
int WaitForJob(grpc::Channel& channel, std::string job_json,
               const ClientOptions& options, const Invocation& invocation) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point give_up = Clock::now() + invocation.wait_timeout;
  while (true) {
    const nlohmann::json job =
        nlohmann::json::parse(job_json, nullptr, /*allow_exceptions=*/false);
    if (!job.is_object() || !job.value("uuid", nlohmann::json()).is_string()) {
      std::cerr << "catalogctl: unexpected refresh job JSON\n";
      return kExitSoftware;
    }
    const std::string uuid = job["uuid"].get<std::string>();
    const std::string state = job.value("state", "");
    const std::string last_error = job.value("last_error", "");
    if (state == "SUCCEEDED") {
      PrintJson(job_json);
      return 0;
    }
    if (state == "FAILED" || state == "HELD") {
      PrintJson(job_json);
      const bool held = state == "HELD";
      PrintError(
          held ? absl::StatusCode::kFailedPrecondition
               : absl::StatusCode::kAborted,
          "refresh job " + uuid + (held ? " is HELD: " : " FAILED: ") +
              last_error +
              (held ? " (check the change, then refresh with --force)" : ""));
      return static_cast<int>(held ? absl::StatusCode::kFailedPrecondition
                                   : absl::StatusCode::kAborted);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up - Clock::now());
    if (left <= std::chrono::milliseconds(0)) {
      PrintJson(job_json);
      PrintError(
          absl::StatusCode::kDeadlineExceeded,
          absl::StrCat("refresh job ", uuid, " is still ", state, " after ",
                       invocation.wait_timeout.count() / 1000.0,
                       " s (--wait-timeout)"));
      return static_cast<int>(absl::StatusCode::kDeadlineExceeded);
    }
    std::this_thread::sleep_for(std::min(invocation.poll_interval, left));
    CallResult polled =
        Call(channel, "GetRefreshJob",
             nlohmann::json({{"job_uuid", uuid}}).dump(), options, nullptr);
    if (polled.exit_status != 0) return polled.exit_status;
    job_json = std::move(polled.response);
  }
}

int Main(int argc, char** argv) {
  const std::vector<std::string> args_vector(argv, argv + argc);
  Args args;
  if (std::optional<int> exit_status = ParseArgs(args_vector, &args)) {
    return *exit_status;
  }

  // Before any command, so that a bad certificate or key file is reported
  // however catalogctl is called. The channel connects only on first use.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeChannel(args.options);
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
    for (std::string_view name : MethodNames()) {
      std::cout << name << "\n";
    }
    return 0;
  }

  const Invocation& invocation = args.invocation;
  std::string request;
  if (invocation.command != nullptr) {
    std::string base = invocation.json.value_or("");
    if (base == "-") base = ReadStdin();
    absl::StatusOr<std::string> built = BuildRequest(invocation, base);
    if (!built.ok()) {
      return UsageError(std::string(built.status().message()),
                        invocation.command);
    }
    request = *std::move(built);
  } else {
    request = args.request.value_or("{}");
    if (request == "-") request = ReadStdin();
  }

  CallResult result =
      Call(**channel, args.method, request, args.options, invocation.command);
  if (result.exit_status != 0) return result.exit_status;
  if (invocation.wait) {
    return WaitForJob(**channel, std::move(result.response), args.options,
                      invocation);
  }
  PrintJson(result.response);
  return 0;
}

}  // namespace
}  // namespace ec::client

int main(int argc, char** argv) { return ec::client::Main(argc, argv); }
