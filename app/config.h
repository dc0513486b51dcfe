#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "discovery/discovery_client.h"
#include "metrics/http_endpoint.h"
#include "server/catalog_server.h"
#include "storage/pg/pg_pool.h"
#include "storage/pg/pg_settings.h"
#include "workers/refresh_worker.h"

namespace ec::app {

// The process's own settings: logging, start-up, the monitor, and the
// operands of the one-shot commands.
struct ProcessConfig {
  std::string log_level = "info";
  // serve, work and all apply pending schema migrations before starting.
  bool migrate_on_start = true;
  // How often the database is asked whether it answers (gRPC health,
  // /readyz), and how often freshness and queue depth are sampled.
  std::chrono::milliseconds health_check_interval{5000};
  std::chrono::milliseconds freshness_sample_interval{std::chrono::seconds(30)};
  // `import`: the file to load.
  std::string import_file;
  // `mint-token`: the development token's roles, subject and lifetime.
  std::vector<std::string> token_roles;
  std::string token_subject = "developer";
  std::chrono::seconds token_ttl{3600};
};

// Everything the process is configured with: each module's fragment, joined
// here and parsed once at start from ENTERPRISE_CATALOG_* environment
// variables and --flags (flags win).
struct Config {
  storage::pg::PgConfig database;
  // Its feed's database is `database` (set after parsing).
  storage::pg::MembershipIndexConfig membership_index;
  // Its pool's settings other than the url are `database`'s (set after
  // parsing).
  storage::pg::ReadReplicaOptions read_replica;
  // Its `auth` is the auth fragment; its `refresh` is set from
  // refresh.policy after parsing, so the core and the workers share one.
  server::ServerOptions server;
  workers::WorkerConfig refresh;
  discovery::DiscoveryConfig discovery;
  metrics::EndpointConfig metrics;
  ProcessConfig process;
};

// OK if the settings the refresh workers need are present and consistent;
// otherwise names the first one at fault.
absl::Status ValidateWorkerConfig(const Config& config);

struct ParsedArgs {
  Config config;
  // Positional arguments left after flags (the subcommand's operands).
  std::vector<std::string> positional;
  bool help = false;
  // --markdown with help: the settings as docs/configuration.md has them.
  bool markdown = false;
};

// Parses environment then `args` (without the program name and subcommand).
// Errors name the offending flag or variable and the expected form. Joins
// the fragments: rpc_threads 0 becomes the pool size, and the server gets
// the workers' refresh policy.
absl::StatusOr<ParsedArgs> ParseConfig(const std::vector<std::string>& args);

// The settings table (flag, variable, default, meaning) for help output.
std::string ConfigHelp();

// The same table in Markdown, one section per module: the generated part of
// docs/configuration.md (a test keeps the two equal).
std::string ConfigMarkdown();

}  // namespace ec::app
