#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/authenticator.h"
#include "discovery/discovery_client.h"
#include "storage/pg/pg_pool.h"
#include "workers/refresh_worker.h"

namespace ec {

// Everything the process is configured with, parsed once at start from
// ENTERPRISE_CATALOG_* environment variables and --flags (flags win).
struct Config {
  storage::PgConfig database;
  std::string grpc_address = "0.0.0.0:50051";
  // Threads that run blocking database work for RPCs; one per connection so
  // that a worker never waits for a connection.
  int worker_threads = 0;  // 0: same as database.pool_size
  int max_receive_message_bytes = 4 * 1024 * 1024;
  std::chrono::seconds shutdown_grace{15};
  bool migrate_on_start = true;
  std::string log_level = "info";
  // The per-RPC log line's level (see ServerOptions::call_log_level).
  std::string call_log_level = "info";
  // Prometheus metrics and the Kubernetes probes; empty: not served.
  std::string metrics_address = "0.0.0.0:9464";
  std::chrono::milliseconds health_check_interval{5000};
  std::chrono::milliseconds freshness_sample_interval{30000};
  // `import` only.
  std::string import_file;
  // `work` and `all`: how to reach discovery, and how the workers run.
  discovery::DiscoveryConfig discovery;
  workers::WorkerConfig workers;
  // Workers apply a whole crawl in one transaction, in statements far larger
  // than an RPC's, so their connections get their own statement limit.
  std::chrono::milliseconds worker_statement_timeout{60000};
  // `serve` and `all`: who may call, and over what.
  auth::AuthConfig auth;
  std::string page_token_secret;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Without TLS files the server refuses to start unless this is set.
  bool plaintext = false;
  bool reflection = true;
  // `mint-token` only: the development token's roles and lifetime.
  std::vector<std::string> token_roles;
  std::string token_subject = "developer";
  std::chrono::seconds token_ttl{3600};
};

// OK if the gRPC port's transport settings are consistent: TLS files
// complete, or plaintext asked for explicitly. Names the setting otherwise.
absl::Status ValidateServerConfig(const Config& config);

// OK if the settings the refresh workers need are present; otherwise names
// the first one missing.
absl::Status ValidateWorkerConfig(const Config& config);

struct ParsedArgs {
  Config config;
  // Positional arguments left after flags (the subcommand's operands).
  std::vector<std::string> positional;
  bool help = false;
};

// Parses environment then `args` (without the program name and subcommand).
// Errors name the offending flag or variable and the expected form.
absl::StatusOr<ParsedArgs> ParseConfig(const std::vector<std::string>& args);

// The settings table (flag, variable, default, meaning) for --help output.
std::string ConfigHelp();

}  // namespace ec
