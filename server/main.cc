// enterprise-catalog: one binary, one subcommand per role.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "common/log.h"
#include "server/catalog_server.h"
#include "server/config.h"
#include "server/import.h"
#include "storage/migrate.h"
#include "storage/pg_catalog_store.h"

namespace ec {
namespace {

constexpr char kUsage[] =
    "usage: enterprise-catalog COMMAND [flags]\n"
    "\n"
    "Commands:\n"
    "  serve    apply pending migrations (unless --migrate-on-start=false) "
    "and\n"
    "           serve the gRPC API until SIGTERM/SIGINT\n"
    "  migrate  apply pending schema migrations and exit\n"
    "  import   load catalogs and content from a JSON file (--file PATH)\n"
    "  help     show this text\n"
    "\n";

int Fail(const absl::Status& status, std::string_view what) {
  LogError("main", std::string(what),
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
  auto result = storage::Migrate(config.database);
  if (!result.ok()) return Fail(result.status(), "migration failed");
  LogInfo("main", "schema up to date",
          {{"from_version", result->from_version},
           {"to_version", result->to_version},
           {"applied", result->applied}});
  return 0;
}

int RunImport(const Config& config) {
  if (config.import_file.empty()) {
    return Fail(absl::InvalidArgumentError("--file PATH is required"),
                "import");
  }
  auto store = storage::PgCatalogStore::Create(config.database);
  if (!store.ok()) return Fail(store.status(), "database setup failed");
  CatalogCore core(store->get());
  auto summary = ImportFile(config.import_file, &core, store->get());
  if (!summary.ok()) return Fail(summary.status(), "import failed");
  LogInfo("main", "import done",
          {{"file", config.import_file},
           {"catalogs_created", summary->catalogs_created},
           {"catalogs_existing", summary->catalogs_existing},
           {"queries_loaded", summary->queries_loaded},
           {"documents", summary->documents}});
  return 0;
}

int RunServe(const Config& config, const sigset_t& stop_signals) {
  if (config.migrate_on_start) {
    if (int rc = RunMigrate(config); rc != 0) return rc;
  }
  auto store = storage::PgCatalogStore::Create(config.database);
  if (!store.ok()) return Fail(store.status(), "database setup failed");
  ServerOptions options;
  options.address = config.grpc_address;
  options.worker_threads = config.worker_threads;
  options.max_receive_message_bytes = config.max_receive_message_bytes;
  options.shutdown_grace = config.shutdown_grace;
  auto server = CatalogServer::Start(options, store->get());
  if (!server.ok()) return Fail(server.status(), "server start failed");
  LogInfo("main", "serving",
          {{"address", config.grpc_address},
           {"port", (*server)->port()},
           {"db_pool_size", config.database.pool_size},
           {"worker_threads", config.worker_threads}});
  int signal = 0;
  sigwait(&stop_signals, &signal);
  LogInfo("main", "stop signal received", {{"signal", signal}});
  (*server)->Shutdown();
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

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" ||
      args[0] == "-h") {
    std::cout << kUsage << ConfigHelp();
    return args.empty() ? 64 : 0;
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
  if (absl::Status st = InitJsonLogging(config.log_level); !st.ok()) {
    std::cerr << "enterprise-catalog: " << st.message() << "\n";
    return 64;
  }
  if (command != "serve" && command != "migrate" && command != "import") {
    std::cerr << "enterprise-catalog: unknown command \"" << command << "\"\n"
              << kUsage;
    return 64;
  }
  if (absl::Status st = RequireDatabase(config); !st.ok()) {
    std::cerr << "enterprise-catalog: " << st.message() << "\n";
    return 64;
  }
  if (command == "migrate") return RunMigrate(config);
  if (command == "import") return RunImport(config);
  return RunServe(config, stop_signals);
}

}  // namespace
}  // namespace ec

int main(int argc, char** argv) { return ec::Main(argc, argv); }
