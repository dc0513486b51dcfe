#include "server/config.h"

#include <cstdlib>
#include <functional>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ec {
namespace {

using Setter = std::function<absl::Status(Config&, const std::string&)>;

struct Setting {
  const char* flag;  // without "--"
  const char* env;
  const char* default_text;
  const char* help;
  Setter set;
};

Setter IntSetter(int Config::*field, int min, int max) {
  return [=](Config& c, const std::string& v) -> absl::Status {
    int parsed = 0;
    if (!absl::SimpleAtoi(v, &parsed) || parsed < min || parsed > max) {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected an integer in [", min, ", ", max, "], got \"", v, "\""));
    }
    c.*field = parsed;
    return absl::OkStatus();
  };
}

template <typename Duration, typename Getter>
Setter DurationSetter(Getter get, int64_t min, int64_t max) {
  return [=](Config& c, const std::string& v) -> absl::Status {
    int64_t parsed = 0;
    if (!absl::SimpleAtoi(v, &parsed) || parsed < min || parsed > max) {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected an integer in [", min, ", ", max, "], got \"", v, "\""));
    }
    get(c) = Duration(parsed);
    return absl::OkStatus();
  };
}

absl::StatusOr<bool> ParseBool(const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("expected true or false, got \"", v, "\""));
}

const std::vector<Setting>& Settings() {
  static const auto* settings = new std::vector<Setting>{
      {"database-url", "ENTERPRISE_CATALOG_DATABASE_URL", "(required)",
       "PostgreSQL connection URI or libpq keyword string",
       [](Config& c, const std::string& v) {
         c.database.url = v;
         return absl::OkStatus();
       }},
      {"grpc-address", "ENTERPRISE_CATALOG_GRPC_ADDRESS", "0.0.0.0:50051",
       "host:port the gRPC server listens on (port 0 picks a free port)",
       [](Config& c, const std::string& v) {
         if (v.empty() || v.find(':') == std::string::npos) {
           return absl::InvalidArgumentError(
               absl::StrCat("expected host:port, got \"", v, "\""));
         }
         c.grpc_address = v;
         return absl::OkStatus();
       }},
      {"db-pool-size", "ENTERPRISE_CATALOG_DB_POOL_SIZE", "4",
       "database connections (and RPC worker threads); 2-4 suit 2 cores",
       [](Config& c, const std::string& v) {
         int n = 0;
         if (!absl::SimpleAtoi(v, &n) || n < 1 || n > 64) {
           return absl::InvalidArgumentError(
               absl::StrCat("expected an integer in [1, 64], got \"", v, "\""));
         }
         c.database.pool_size = n;
         return absl::OkStatus();
       }},
      {"db-statement-timeout-ms", "ENTERPRISE_CATALOG_DB_STATEMENT_TIMEOUT_MS",
       "5000", "server-side limit on each SQL statement",
       DurationSetter<std::chrono::milliseconds>(
           [](Config& c) -> std::chrono::milliseconds& {
             return c.database.statement_timeout;
           },
           1, 3600000)},
      {"db-connect-timeout-ms", "ENTERPRISE_CATALOG_DB_CONNECT_TIMEOUT_MS",
       "3000", "limit on opening a database connection",
       DurationSetter<std::chrono::milliseconds>(
           [](Config& c) -> std::chrono::milliseconds& {
             return c.database.connect_timeout;
           },
           1000, 600000)},
      {"worker-threads", "ENTERPRISE_CATALOG_WORKER_THREADS", "0",
       "threads for blocking RPC work; 0 means db-pool-size",
       IntSetter(&Config::worker_threads, 0, 256)},
      {"max-receive-message-bytes",
       "ENTERPRISE_CATALOG_MAX_RECEIVE_MESSAGE_BYTES", "4194304",
       "largest request the server accepts",
       IntSetter(&Config::max_receive_message_bytes, 1024,
                 std::numeric_limits<int>::max())},
      {"shutdown-grace-seconds", "ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS",
       "15", "on SIGTERM, how long in-flight calls may finish",
       DurationSetter<std::chrono::seconds>(
           [](Config& c) -> std::chrono::seconds& { return c.shutdown_grace; },
           0, 3600)},
      {"migrate-on-start", "ENTERPRISE_CATALOG_MIGRATE_ON_START", "true",
       "serve applies pending schema migrations before listening",
       [](Config& c, const std::string& v) -> absl::Status {
         auto b = ParseBool(v);
         if (!b.ok()) return b.status();
         c.migrate_on_start = *b;
         return absl::OkStatus();
       }},
      {"log-level", "ENTERPRISE_CATALOG_LOG_LEVEL", "info",
       "trace, debug (one line per RPC), info, warn, error, critical, off",
       [](Config& c, const std::string& v) -> absl::Status {
         static const char* kLevels[] = {"trace", "debug",    "info", "warn",
                                         "error", "critical", "off"};
         for (const char* level : kLevels) {
           if (v == level) {
             c.log_level = v;
             return absl::OkStatus();
           }
         }
         return absl::InvalidArgumentError(absl::StrCat(
             "expected trace, debug, info, warn, error, critical or off, got "
             "\"",
             v, "\""));
       }},
      {"file", "ENTERPRISE_CATALOG_IMPORT_FILE", "",
       "import: the JSON file to load",
       [](Config& c, const std::string& v) {
         c.import_file = v;
         return absl::OkStatus();
       }},
  };
  return *settings;
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseConfig(const std::vector<std::string>& args) {
  ParsedArgs out;
  for (const Setting& s : Settings()) {
    if (const char* v = std::getenv(s.env); v != nullptr && *v != '\0') {
      if (absl::Status st = s.set(out.config, v); !st.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("environment variable ", s.env, ": ", st.message()));
      }
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      out.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    const Setting* setting = nullptr;
    for (const Setting& s : Settings()) {
      if (name == s.flag) setting = &s;
    }
    if (setting == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
      value = args[++i];
    }
    if (absl::Status st = setting->set(out.config, value); !st.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, ": ", st.message()));
    }
  }
  if (out.config.worker_threads == 0) {
    out.config.worker_threads = out.config.database.pool_size;
  }
  return out;
}

std::string ConfigHelp() {
  std::string out = "Settings (flag / environment variable, default):\n";
  for (const Setting& s : Settings()) {
    absl::StrAppend(&out, "  --", s.flag, " / ", s.env, " [", s.default_text,
                    "]\n      ", s.help, "\n");
  }
  return out;
}

}  // namespace ec
