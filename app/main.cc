// enterprise-catalog: one binary, one subcommand per role.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "app/config.h"
#include "app/import.h"
#include "app/monitor.h"
#include "auth/jwt_verifier.h"
#include "common/clock.h"
#include "common/log.h"
#include "index/live_membership.h"
#include "metrics/http_endpoint.h"
#include "server/catalog_server.h"
#include "storage/pg/membership_feed.h"
#include "storage/pg/migrate.h"
#include "storage/pg/pg_storage.h"
#include "storage/pg/read_replica.h"
#include "workers/refresh_worker.h"

namespace ec::app {
namespace {

constexpr char kUsage[] =
    "usage: enterprise-catalog COMMAND [flags]\n"
    "\n"
    "Commands:\n"
    "  serve    apply pending migrations (unless --migrate-on-start=false) "
    "and\n"
    "           serve the gRPC API until SIGTERM/SIGINT\n"
    "  work     run the refresh workers and scheduler until SIGTERM/SIGINT\n"
    "  all      serve and work in one process (the quickstart)\n"
    "  migrate  apply pending schema migrations and exit\n"
    "  import   load catalogs and content from a JSON file (--file PATH)\n"
    "  mint-token  print an HS256 token signed with the configured\n"
    "           ENTERPRISE_CATALOG_JWT_SECRET, issuer and audience, for\n"
    "           development (--roles 'enterprise_openedx_operator:*')\n"
    "  help     show this text (help --markdown: the settings as Markdown)\n"
    "\n";

int Fail(const absl::Status& status, std::string_view what) {
  common::LogError("main", std::string(what),
                   {{"error", std::string(status.message())},
                    {"code", absl::StatusCodeToString(status.code())}});
  std::cerr << "enterprise-catalog: " << what << ": " << status.message()
            << "\n";
  return 1;
}

absl::Status RequireDatabase(const Config& config) {
  if (config.database.url.empty()) {
    return absl::InvalidArgumentError(
        "no database configured: set ENTERPRISE_CATALOG_DATABASE_URL or "
        "--database-url (e.g. postgresql://user@host:5432/enterprise_catalog)");
  }
  return absl::OkStatus();
}

int RunMigrate(const Config& config) {
  auto result = storage::pg::Migrate(config.database);
  if (!result.ok()) return Fail(result.status(), "migration failed");
  common::LogInfo("main", "schema up to date",
                  {{"from_version", result->from_version},
                   {"to_version", result->to_version},
                   {"applied", result->applied}});
  return 0;
}

int RunImport(const Config& config) {
  if (config.process.import_file.empty()) {
    return Fail(absl::InvalidArgumentError("--file PATH is required"),
                "import");
  }
  auto opened = storage::pg::PgStorage::Open(config.database);
  if (!opened.ok()) return Fail(opened.status(), "database setup failed");
  storage::pg::PgCatalogStore* const store = (*opened)->store();
  core::CatalogCore core(
      store, nullptr, {}, common::PageTokenCodec::WithRandomSecret(),
      common::SystemClock(),
      core::CatalogFieldsConfig{(*opened)->customers(), config.server.urls});
  auto summary = ImportFile(config.process.import_file, &core, store);
  if (!summary.ok()) return Fail(summary.status(), "import failed");
  common::LogInfo("main", "import done",
                  {{"file", config.process.import_file},
                   {"customers_written", summary->customers_written},
                   {"catalogs_created", summary->catalogs_created},
                   {"catalogs_existing", summary->catalogs_existing},
                   {"queries_loaded", summary->queries_loaded},
                   {"documents", summary->documents}});
  return 0;
}

int RunMintToken(const Config& config) {
  if (config.server.auth.jwt.hs256_secret.empty() ||
      config.server.auth.jwt.issuers.empty() ||
      config.server.auth.jwt.audience.empty()) {
    return Fail(absl::InvalidArgumentError(
                    "set ENTERPRISE_CATALOG_JWT_SECRET, "
                    "ENTERPRISE_CATALOG_JWT_ISSUER and "
                    "ENTERPRISE_CATALOG_JWT_AUDIENCE (as the server has them)"),
                "mint-token");
  }
  if (config.process.token_roles.empty()) {
    return Fail(absl::InvalidArgumentError(
                    "--roles is required, e.g. --roles "
                    "'enterprise_catalog_admin:<enterprise uuid>'"),
                "mint-token");
  }
  const int64_t now = common::SystemNowMicros() / 1'000'000;
  const nlohmann::json claims = {
      {"iss", config.server.auth.jwt.issuers.front()},
      {"aud", config.server.auth.jwt.audience},
      {"iat", now},
      {"exp", now + config.process.token_ttl.count()},
      {"preferred_username", config.process.token_subject},
      {"roles", config.process.token_roles}};
  auto token =
      auth::SignHs256(claims.dump(), config.server.auth.jwt.hs256_secret);
  if (!token.ok()) return Fail(token.status(), "mint-token");
  std::cout << *token << "\n";
  return 0;
}

// `serve`, `work` or `all`: runs until SIGTERM/SIGINT, then stops taking
// calls and jobs, drains what is in flight, and exits 0.
int RunService(const Config& config, const sigset_t& stop_signals, bool serve,
               bool work) {
  if (config.process.migrate_on_start) {
    if (int rc = RunMigrate(config); rc != 0) return rc;
  }
  std::unique_ptr<storage::pg::PgStorage> server_storage;
  std::unique_ptr<index::LiveMembership> membership;
  std::unique_ptr<storage::pg::MembershipFeed> membership_feed;
  std::unique_ptr<storage::pg::ReadReplica> read_replica;
  std::unique_ptr<server::CatalogServer> server;
  if (serve) {
    if (config.server.auth.disabled) {
      common::LogWarn(
          "main",
          "AUTHENTICATION IS DISABLED (ENTERPRISE_CATALOG_AUTH_DISABLED): "
          "every caller is treated as an operator; never do this outside "
          "local development");
    }
    if (config.server.page_token_secret.empty()) {
      common::LogWarn(
          "main",
          "ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET is not set: page tokens "
          "are signed with a per-process secret and page only on this "
          "replica");
    }
    auto opened = storage::pg::PgStorage::Open(config.database);
    if (!opened.ok()) return Fail(opened.status(), "database setup failed");
    server_storage = std::move(*opened);
    if (config.membership_index.enabled) {
      // Loads on its own thread: until it is in, contains calls ask
      // PostgreSQL and /readyz says not ready.
      membership = std::make_unique<index::LiveMembership>();
      membership_feed = std::make_unique<storage::pg::MembershipFeed>(
          config.membership_index.feed, membership.get());
      membership_feed->Start();
    }
    if (!config.read_replica.database.url.empty()) {
      // Metadata reads go to the primary until it has measured the
      // replica's staleness.
      auto replica = storage::pg::ReadReplica::Open(
          config.read_replica, server_storage->store(), server_storage->pool());
      if (!replica.ok()) return Fail(replica.status(), "read replica setup");
      read_replica = std::move(*replica);
      read_replica->Start();
    }
    auto started = server::CatalogServer::Start(
        config.server, server_storage->store(), server_storage->queue(),
        server_storage->customers(), membership.get(), read_replica.get());
    if (!started.ok()) return Fail(started.status(), "server start failed");
    server = std::move(*started);
    common::LogInfo(
        "main", "serving",
        {{"address", config.server.address},
         {"tls",
          config.server.tls.cert_file.empty()
              ? "off"
              : (config.server.tls.client_ca_file.empty() ? "on" : "mutual")},
         {"auth", config.server.auth.disabled ? "disabled" : "jwt"},
         {"port", server->port()},
         {"db_pool_size", config.database.pool_size},
         {"read_replica", read_replica ? "on" : "off"},
         {"rpc_threads", config.server.rpc_threads}});
  }
  // The workers get their own connections: a long crawl transaction must
  // never hold a connection an RPC is waiting for.
  std::unique_ptr<storage::pg::PgStorage> worker_storage;
  std::unique_ptr<workers::RefreshWorker> worker;
  if (work) {
    storage::pg::PgConfig db = config.database;
    db.pool_size = config.refresh.threads + 1;
    db.name = "worker";
    db.statement_timeout = config.refresh.db_statement_timeout;
    auto opened = storage::pg::PgStorage::Open(db);
    if (!opened.ok()) return Fail(opened.status(), "database setup failed");
    worker_storage = std::move(*opened);
    const discovery::DiscoveryConfig discovery_config = config.discovery;
    worker = std::make_unique<workers::RefreshWorker>(
        worker_storage->queue(), worker_storage->full_metadata(),
        [discovery_config](discovery::Sleeper sleeper) {
          return discovery::NewDiscoveryClient(discovery_config,
                                               std::move(sleeper));
        },
        config.refresh);
    worker->Start();
  }
  // One monitor per process: it tells gRPC health checking and /readyz
  // whether the database answers, and samples data freshness.
  MonitorOptions monitor_options;
  monitor_options.database = config.database;
  monitor_options.check_interval = config.process.health_check_interval;
  monitor_options.sample_interval = config.process.freshness_sample_interval;
  server::CatalogServer* const health_target = server.get();
  ServiceMonitor monitor(monitor_options, [health_target](bool up) {
    if (health_target != nullptr) health_target->SetDatabaseHealthy(up);
  });
  monitor.Start();
  std::unique_ptr<metrics::HttpEndpoint> endpoint;
  if (!config.metrics.address.empty()) {
    auto started = metrics::HttpEndpoint::Start(
        config.metrics.address,
        {.live = [] { return true; },
         .ready =
             [&monitor, &membership_feed] {
               return monitor.ready() &&
                      (membership_feed == nullptr || membership_feed->loaded());
             }});
    if (!started.ok()) return Fail(started.status(), "metrics endpoint");
    endpoint = std::move(*started);
    common::LogInfo("main", "metrics serving",
                    {{"address", config.metrics.address},
                     {"port", endpoint->port()},
                     {"paths", "/metrics /healthz /readyz"}});
  }
  // Whoever started us may be waiting for these lines (the ports).
  common::FlushLogs();
  int signal = 0;
  sigwait(&stop_signals, &signal);
  common::LogInfo("main", "stop signal received", {{"signal", signal}});
  // Readiness drops first, so that load balancers stop sending calls while
  // the ones in flight finish.
  monitor.SetDraining();
  if (server) server->Shutdown();
  if (membership_feed) membership_feed->Stop();
  if (read_replica) read_replica->Stop();
  if (worker) worker->Stop();
  endpoint.reset();
  monitor.Stop();
  common::LogInfo("main", "exiting");
  common::FlushLogs();
  return 0;
}

int Main(int argc, char** argv) {
  // Block the stop signals before any thread exists, so that every thread
  // inherits the mask and only the main thread's sigwait receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Debian builds Abseil without NDEBUG, so every absl::Mutex (gRPC's
  // included) records its lock order in a global graph for deadlock
  // detection: about 4 % of the machine under contains load in the h2load
  // profile (GraphCycles, Mutex::Lock, their spin lock), for a check that
  // only aborts. The tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage << ConfigHelp();
    return args.empty() ? 64 : 0;
  }
  // help --markdown: the settings as docs/configuration.md has them.
  if (args[0] == "help") {
    const bool markdown = args.size() == 2 && args[1] == "--markdown";
    if (args.size() > 1 && !markdown) {
      std::cerr << "enterprise-catalog: help takes only --markdown\n";
      return 64;
    }
    std::cout << (markdown ? ConfigMarkdown() : kUsage + ConfigHelp());
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  auto parsed = ParseConfig(args);
  if (!parsed.ok()) {
    std::cerr << "enterprise-catalog: " << parsed.status().message() << "\n";
    return 64;
  }
  if (parsed->help) {
    std::cout << kUsage << ConfigHelp();
    return 0;
  }
  if (!parsed->positional.empty()) {
    std::cerr << "enterprise-catalog: unexpected argument \""
              << parsed->positional[0] << "\"\n";
    return 64;
  }
  const Config& config = parsed->config;
  if (absl::Status st = common::InitJsonLogging(config.process.log_level);
      !st.ok()) {
    std::cerr << "enterprise-catalog: " << st.message() << "\n";
    return 64;
  }
  if (command == "mint-token") return RunMintToken(config);
  if (command != "serve" && command != "migrate" && command != "import" &&
      command != "work" && command != "all") {
    std::cerr << "enterprise-catalog: unknown command \"" << command << "\"\n"
              << kUsage;
    return 64;
  }
  if (absl::Status st = RequireDatabase(config); !st.ok()) {
    std::cerr << "enterprise-catalog: " << st.message() << "\n";
    return 64;
  }
  const bool work = command == "work" || command == "all";
  if (command == "serve" || command == "all") {
    if (absl::Status st = server::ValidateTransport(config.server.tls);
        !st.ok()) {
      std::cerr << "enterprise-catalog: " << st.message() << "\n";
      return 64;
    }
  }
  if (work) {
    if (absl::Status st = ValidateWorkerConfig(config); !st.ok()) {
      std::cerr << "enterprise-catalog: " << st.message() << "\n";
      return 64;
    }
  }
  if (command == "migrate") return RunMigrate(config);
  if (command == "import") return RunImport(config);
  return RunService(config, stop_signals, command != "work", work);
}

}  // namespace
}  // namespace ec::app

int main(int argc, char** argv) {
  const int rc = ec::app::Main(argc, argv);
  // Writes out buffered log lines and stops spdlog's flusher thread.
  spdlog::shutdown();
  return rc;
}
