#include "app/config.h"

#include <cstdlib>
#include <functional>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

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

template <typename Getter>
Setter IntRefSetter(Getter get, int min, int max) {
  return [=](Config& c, const std::string& v) -> absl::Status {
    int parsed = 0;
    if (!absl::SimpleAtoi(v, &parsed) || parsed < min || parsed > max) {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected an integer in [", min, ", ", max, "], got \"", v, "\""));
    }
    get(c) = parsed;
    return absl::OkStatus();
  };
}

template <typename Getter>
Setter StringSetter(Getter get) {
  return [=](Config& c, const std::string& v) -> absl::Status {
    get(c) = v;
    return absl::OkStatus();
  };
}

// http(s)://host... with nothing that a URL cannot hold.
template <typename Getter>
Setter UrlSetter(Getter get) {
  return [=](Config& c, const std::string& v) -> absl::Status {
    if ((v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) ||
        v.find_first_of(" \t\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected an http:// or https:// URL, got \"", v, "\""));
    }
    get(c) = v;
    return absl::OkStatus();
  };
}

using std::chrono::milliseconds;
using std::chrono::seconds;

absl::StatusOr<bool> ParseBool(const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("expected true or false, got \"", v, "\""));
}

template <typename Getter>
Setter BoolSetter(Getter get) {
  return [=](Config& c, const std::string& v) -> absl::Status {
    auto b = ParseBool(v);
    if (!b.ok()) return b.status();
    get(c) = *b;
    return absl::OkStatus();
  };
}

// Comma-separated, blanks dropped.
std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(v, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

const std::vector<Setting>& Settings() {
  static const auto* settings =
      new std::vector<Setting>{
          {"database-url", "ENTERPRISE_CATALOG_DATABASE_URL", "(required)",
           "PostgreSQL connection URI or libpq keyword string",
           [](Config& c, const std::string& v) {
             c.database.url = v;
             return absl::OkStatus();
           }},
          {"grpc-address", "ENTERPRISE_CATALOG_GRPC_ADDRESS", "0.0.0.0:50051",
           "host:port the gRPC server listens on (port 0 picks a free "
           "port)",
           [](Config& c, const std::string& v) {
             if (v.empty() || v.find(':') == std::string::npos) {
               return absl::InvalidArgumentError(
                   absl::StrCat("expected host:port, got \"", v, "\""));
             }
             c.grpc_address = v;
             return absl::OkStatus();
           }},
          {"db-pool-size", "ENTERPRISE_CATALOG_DB_POOL_SIZE", "4",
           "database connections (and RPC worker threads); 2-4 suit 2 "
           "cores",
           [](Config& c, const std::string& v) {
             int n = 0;
             if (!absl::SimpleAtoi(v, &n) || n < 1 || n > 64) {
               return absl::InvalidArgumentError(absl::StrCat(
                   "expected an integer in [1, 64], got \"", v, "\""));
             }
             c.database.pool_size = n;
             return absl::OkStatus();
           }},
          {"db-statement-timeout-ms",
           "ENTERPRISE_CATALOG_DB_STATEMENT_TIMEOUT_MS", "5000",
           "server-side limit on each SQL statement",
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
          {"shutdown-grace-seconds",
           "ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS", "15",
           "on SIGTERM, how long in-flight calls may finish",
           DurationSetter<std::chrono::seconds>(
               [](Config& c) -> std::chrono::seconds& {
                 return c.shutdown_grace;
               },
               0, 3600)},
          {"migrate-on-start", "ENTERPRISE_CATALOG_MIGRATE_ON_START", "true",
           "serve applies pending schema migrations before listening",
           BoolSetter([](Config& c) -> bool& { return c.migrate_on_start; })},
          {"auth-disabled", "ENTERPRISE_CATALOG_AUTH_DISABLED", "false",
           "LOCAL DEVELOPMENT ONLY: accept every call without a token, as "
           "an "
           "operator",
           BoolSetter([](Config& c) -> bool& { return c.auth.disabled; })},
          {"jwt-secret", "ENTERPRISE_CATALOG_JWT_SECRET", "",
           "shared secret for HS256 caller tokens (the platform's JWT "
           "secret)",
           StringSetter([](Config& c) -> std::string& {
             return c.auth.jwt.hs256_secret;
           })},
          {"jwks-file", "ENTERPRISE_CATALOG_JWKS_FILE", "",
           "JWKS file with the RSA keys for RS256 caller tokens (by kid)",
           StringSetter(
               [](Config& c) -> std::string& { return c.auth.jwt.jwks_file; })},
          {"jwt-issuer", "ENTERPRISE_CATALOG_JWT_ISSUER",
           "(required with auth)",
           "accepted token issuers (iss), comma-separated",
           [](Config& c, const std::string& v) {
             c.auth.jwt.issuers = SplitList(v);
             return absl::OkStatus();
           }},
          {"jwt-audience", "ENTERPRISE_CATALOG_JWT_AUDIENCE",
           "(required with auth)", "the audience (aud) tokens must name",
           StringSetter(
               [](Config& c) -> std::string& { return c.auth.jwt.audience; })},
          {"jwt-leeway-seconds", "ENTERPRISE_CATALOG_JWT_LEEWAY_SECONDS", "30",
           "tolerated clock skew for token exp and nbf",
           DurationSetter<seconds>(
               [](Config& c) -> seconds& { return c.auth.jwt.leeway; }, 0,
               600)},
          {"page-token-secret", "ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET",
           "(random per process)",
           "signs page tokens; set the same value (16+ bytes) on every "
           "replica",
           [](Config& c, const std::string& v) -> absl::Status {
             if (v.size() < 16) {
               return absl::InvalidArgumentError(
                   absl::StrCat("must be at least 16 bytes, got ", v.size()));
             }
             c.page_token_secret = v;
             return absl::OkStatus();
           }},
          {"tls-cert-file", "ENTERPRISE_CATALOG_TLS_CERT_FILE", "",
           "PEM certificate chain for the gRPC port (enables TLS)",
           StringSetter(
               [](Config& c) -> std::string& { return c.tls_cert_file; })},
          {"tls-key-file", "ENTERPRISE_CATALOG_TLS_KEY_FILE", "",
           "PEM private key for the certificate",
           StringSetter(
               [](Config& c) -> std::string& { return c.tls_key_file; })},
          {"tls-client-ca-file", "ENTERPRISE_CATALOG_TLS_CLIENT_CA_FILE", "",
           "PEM CA bundle; set to require client certificates it signed "
           "(mTLS)",
           StringSetter(
               [](Config& c) -> std::string& { return c.tls_client_ca_file; })},
          {"plaintext", "ENTERPRISE_CATALOG_PLAINTEXT", "false",
           "serve gRPC without TLS (behind a mesh or on loopback); "
           "required "
           "when no TLS certificate is set",
           BoolSetter([](Config& c) -> bool& { return c.plaintext; })},
          {"reflection", "ENTERPRISE_CATALOG_REFLECTION", "true",
           "serve gRPC reflection (no token needed; exposes the API schema "
           "only)",
           BoolSetter([](Config& c) -> bool& { return c.reflection; })},
          {"roles", "ENTERPRISE_CATALOG_TOKEN_ROLES",
           "", "mint-token: comma-separated role:context entries",
           [](Config& c, const std::string& v) {
             c.token_roles = SplitList(v);
             return absl::OkStatus();
           }},
          {"subject", "ENTERPRISE_CATALOG_TOKEN_SUBJECT", "developer",
           "mint-token: the token's preferred_username",
           StringSetter(
               [](Config& c) -> std::string& { return c.token_subject; })},
          {"ttl-seconds", "ENTERPRISE_CATALOG_TOKEN_TTL_SECONDS", "3600",
           "mint-token: lifetime",
           DurationSetter<seconds>(
               [](Config& c) -> seconds& { return c.token_ttl; }, 1,
               30 * 24 * 3600)},
          {"log-level", "ENTERPRISE_CATALOG_LOG_LEVEL", "info",
           "trace, debug, info, warn, error, critical, "
           "off",
           [](Config& c, const std::string& v) -> absl::Status {
             static const char* kLevels[] = {
                 "trace", "debug", "info", "warn", "error", "critical", "off"};
             for (const char* level : kLevels) {
               if (v == level) {
                 c.log_level = v;
                 return absl::OkStatus();
               }
             }
             return absl::InvalidArgumentError(
                 absl::StrCat("expected trace, debug, info, warn, "
                              "error, critical or off, got "
                              "\"",
                              v, "\""));
           }},
          {"call-log-level", "ENTERPRISE_CATALOG_CALL_LOG_LEVEL", "info",
           "level of the one line per RPC (method, request id, code, "
           "duration); server faults log at warn regardless",
           [](Config& c, const std::string& v) -> absl::Status {
             for (const char* level : {"trace", "debug", "info", "warn"}) {
               if (v == level) {
                 c.call_log_level = v;
                 return absl::OkStatus();
               }
             }
             return absl::InvalidArgumentError(absl::StrCat(
                 "expected trace, debug, info or warn, got \"", v, "\""));
           }},
          {"metrics-address", "ENTERPRISE_CATALOG_METRICS_ADDRESS",
           "0.0.0.0:9464",
           "host:port for Prometheus /metrics and the /healthz and /readyz "
           "probes (serve, work, all); \"off\" disables",
           [](Config& c, const std::string& v) -> absl::Status {
             if (v == "off") {
               c.metrics_address.clear();
               return absl::OkStatus();
             }
             const size_t colon = v.rfind(':');
             int port = -1;
             if (colon == std::string::npos ||
                 !absl::SimpleAtoi(v.substr(colon + 1), &port) || port < 0 ||
                 port > 65535) {
               return absl::InvalidArgumentError(
                   absl::StrCat("expected host:port or off, got \"", v, "\""));
             }
             c.metrics_address = v;
             return absl::OkStatus();
           }},
          {"health-check-interval-ms",
           "ENTERPRISE_CATALOG_HEALTH_CHECK_INTERVAL_MS", "5000",
           "how often the database is checked for gRPC health and /readyz",
           DurationSetter<milliseconds>(
               [](Config& c)
                   -> milliseconds& { return c.health_check_interval; },
               100, 600000)},
          {"freshness-sample-seconds",
           "ENTERPRISE_CATALOG_FRESHNESS_SAMPLE_SECONDS", "30",
           "how often data age and queue depth are read for the metrics",
           DurationSetter<seconds>(
               [](Config& c) -> milliseconds& {
                 return c.freshness_sample_interval;
               },
               1, 3600)},
          {"file", "ENTERPRISE_CATALOG_IMPORT_FILE",
           "", "import: the JSON file to load",
           [](Config& c, const std::string& v) {
             c.import_file = v;
             return absl::OkStatus();
           }},
          {"discovery-url", "ENTERPRISE_CATALOG_DISCOVERY_URL",
           "(required: work, all)",
           "course-discovery API root, e.g. "
           "https://discovery.example.com/api/v1/",
           UrlSetter([](Config& c) -> std::string& {
             return c.discovery.discovery_url;
           })},
          {"oauth-url", "ENTERPRISE_CATALOG_OAUTH_URL", "(required: work, all)",
           "OAuth2 token endpoint base (the LMS); /oauth2/access_token is "
           "appended",
           UrlSetter([](Config& c) -> std::string& {
             return c.discovery.oauth_url;
           })},
          {"oauth-client-id", "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID",
           "(required: work, all)",
           "OAuth2 client-credentials id of the worker's service user",
           StringSetter([](Config& c) -> std::string& {
             return c.discovery.client_id;
           })},
          {"oauth-client-secret", "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET",
           "(required: work, all)",
           "OAuth2 client secret (prefer the environment variable: flags "
           "show in "
           "ps)",
           StringSetter([](Config& c) -> std::string& {
             return c.discovery.client_secret;
           })},
          {"discovery-page-size", "ENTERPRISE_CATALOG_DISCOVERY_PAGE_SIZE",
           "100", "results per search/all page",
           IntRefSetter([](Config& c) -> int& { return c.discovery.page_size; },
                        1, 1000)},
          {"discovery-timeout-ms", "ENTERPRISE_CATALOG_DISCOVERY_TIMEOUT_MS",
           "15000", "limit on one discovery request (one page)",
           DurationSetter<milliseconds>(
               [](Config& c) -> milliseconds& {
                 return c.discovery.request_timeout;
               },
               100, 600000)},
          {"discovery-connect-timeout-ms",
           "ENTERPRISE_CATALOG_DISCOVERY_CONNECT_TIMEOUT_MS", "3000",
           "limit on opening a connection to discovery",
           DurationSetter<milliseconds>(
               [](Config& c) -> milliseconds& {
                 return c.discovery.connect_timeout;
               },
               100, 60000)},
          {"discovery-max-attempts",
           "ENTERPRISE_CATALOG_DISCOVERY_MAX_ATTEMPTS", "5",
           "attempts per page on connection errors, timeouts, 5xx, 429 and "
           "bad "
           "bodies",
           IntRefSetter(
               [](Config& c) -> int& { return c.discovery.max_attempts; }, 1,
               20)},
          {"discovery-backoff-ms", "ENTERPRISE_CATALOG_DISCOVERY_BACKOFF_MS",
           "1000",
           "first retry delay of a page (doubles per retry, with jitter)",
           DurationSetter<milliseconds>(
               [](Config& c) -> milliseconds& {
                 return c.discovery.backoff_base;
               },
               0, 600000)},
          {"discovery-backoff-max-ms",
           "ENTERPRISE_CATALOG_DISCOVERY_BACKOFF_MAX_MS", "30000",
           "longest retry delay of a page (Retry-After may ask for more, "
           "up to 120 "
           "s)",
           DurationSetter<milliseconds>(
               [](Config& c) -> milliseconds& {
                 return c.discovery.backoff_max;
               },
               0, 3600000)},
          {"refresh-threads", "ENTERPRISE_CATALOG_REFRESH_THREADS", "2",
           "crawl threads per work process",
           IntRefSetter([](Config& c) -> int& { return c.workers.threads; }, 1,
                        64)},
          {"refresh-lease-seconds", "ENTERPRISE_CATALOG_REFRESH_LEASE_SECONDS",
           "60",
           "a job's lease; a dead worker's job is taken over after this "
           "long",
           DurationSetter<seconds>(
               [](Config& c) -> milliseconds& { return c.workers.lease; }, 1,
               3600)},
          {"refresh-poll-ms", "ENTERPRISE_CATALOG_REFRESH_POLL_MS", "1000",
           "how often an idle worker looks for a due job",
           DurationSetter<milliseconds>(
               [](Config& c) -> milliseconds& {
                 return c.workers.poll_interval;
               },
               10, 600000)},
          {"refresh-max-attempts", "ENTERPRISE_CATALOG_REFRESH_MAX_ATTEMPTS",
           "5", "attempts per refresh job before it is marked failed",
           IntRefSetter(
               [](Config& c) -> int& { return c.workers.max_attempts; }, 1,
               100)},
          {"refresh-retry-base-seconds",
           "ENTERPRISE_CATALOG_REFRESH_RETRY_BASE_SECONDS", "30",
           "delay before a failed job's second attempt (doubles per "
           "attempt, with "
           "jitter)",
           DurationSetter<seconds>(
               [](Config& c) -> milliseconds& { return c.workers.retry_base; },
               0, 86400)},
          {"refresh-retry-max-seconds",
           "ENTERPRISE_CATALOG_REFRESH_RETRY_MAX_SECONDS", "900",
           "longest delay between a job's attempts",
           DurationSetter<seconds>(
               [](Config& c) -> milliseconds& { return c.workers.retry_max; },
               0, 86400)},
          {"refresh-max-age-seconds",
           "ENTERPRISE_CATALOG_REFRESH_MAX_AGE_SECONDS", "43200",
           "queries whose data is older than this are re-crawled (must "
           "leave room "
           "for retries within 24 h)",
           DurationSetter<seconds>(
               [](Config& c) -> milliseconds& { return c.workers.max_age; }, 60,
               82800)},
          {"refresh-schedule-interval-seconds",
           "ENTERPRISE_CATALOG_REFRESH_SCHEDULE_INTERVAL_SECONDS", "60",
           "how often the scheduler looks for stale queries",
           DurationSetter<seconds>(
               [](Config& c) -> milliseconds& {
                 return c.workers.schedule_interval;
               },
               1, 3600)},
          {"refresh-failure-cooldown-seconds",
           "ENTERPRISE_CATALOG_REFRESH_FAILURE_COOLDOWN_SECONDS", "900",
           "the scheduler leaves a query whose last job failed or was held "
           "alone "
           "this long",
           DurationSetter<seconds>(
               [](Config& c) -> milliseconds& {
                 return c.workers.failure_cooldown;
               },
               0, 86400)},
          {"refresh-job-retention-hours",
           "ENTERPRISE_CATALOG_REFRESH_JOB_RETENTION_HOURS", "168",
           "finished refresh jobs are deleted after this long",
           DurationSetter<std::chrono::hours>(
               [](Config& c) -> milliseconds& {
                 return c.workers.job_retention;
               },
               1, 24 * 365)},
          {"refresh-scheduler", "ENTERPRISE_CATALOG_REFRESH_SCHEDULER", "true",
           "run the scheduler in this work process (safe in several at "
           "once)",
           BoolSetter([](Config& c) -> bool& { return c.workers.scheduler; })},
          {"guardrail-max-removal-percent",
           "ENTERPRISE_CATALOG_GUARDRAIL_MAX_REMOVAL_PERCENT", "80",
           "hold a crawl that would remove more than this share of a "
           "query's items",
           [](Config& c, const std::string& v) -> absl::Status {
             int n = 0;
             if (!absl::SimpleAtoi(v, &n) || n < 0 || n > 100) {
               return absl::InvalidArgumentError(absl::StrCat(
                   "expected an integer in [0, 100], got \"", v, "\""));
             }
             c.workers.guardrail.max_removal_share = n / 100.0;
             return absl::OkStatus();
           }},
          {"guardrail-min-items", "ENTERPRISE_CATALOG_GUARDRAIL_MIN_ITEMS",
           "50",
           "the guardrail only applies to queries with more items than "
           "this",
           [](Config& c, const std::string& v) -> absl::Status {
             int n = 0;
             if (!absl::SimpleAtoi(v, &n) || n < 0) {
               return absl::InvalidArgumentError(absl::StrCat(
                   "expected a non-negative integer, got \"", v, "\""));
             }
             c.workers.guardrail.min_members = n;
             return absl::OkStatus();
           }},
          {"worker-db-statement-timeout-ms",
           "ENTERPRISE_CATALOG_WORKER_DB_STATEMENT_TIMEOUT_MS", "60000",
           "statement limit on the workers' database connections",
           DurationSetter<milliseconds>(
               [](Config& c) -> milliseconds& {
                 return c.worker_statement_timeout;
               },
               1000, 3600000)},
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

absl::Status ValidateWorkerConfig(const Config& config) {
  const struct {
    const std::string& value;
    const char* env;
  } required[] = {
      {config.discovery.discovery_url, "ENTERPRISE_CATALOG_DISCOVERY_URL"},
      {config.discovery.oauth_url, "ENTERPRISE_CATALOG_OAUTH_URL"},
      {config.discovery.client_id, "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID"},
      {config.discovery.client_secret,
       "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET"},
  };
  for (const auto& r : required) {
    if (r.value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(r.env, " is required by the refresh workers"));
    }
  }
  if (config.workers.retry_max < config.workers.retry_base) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_REFRESH_RETRY_MAX_SECONDS must not be below "
        "ENTERPRISE_CATALOG_REFRESH_RETRY_BASE_SECONDS");
  }
  return absl::OkStatus();
}

absl::Status ValidateServerConfig(const Config& config) {
  const bool tls =
      !config.tls_cert_file.empty() || !config.tls_key_file.empty();
  if (tls && (config.tls_cert_file.empty() || config.tls_key_file.empty())) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_TLS_CERT_FILE and ENTERPRISE_CATALOG_TLS_KEY_FILE "
        "must be set together");
  }
  if (!config.tls_client_ca_file.empty() && !tls) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_TLS_CLIENT_CA_FILE (mutual TLS) needs "
        "ENTERPRISE_CATALOG_TLS_CERT_FILE and ENTERPRISE_CATALOG_TLS_KEY_FILE");
  }
  if (tls && config.plaintext) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_PLAINTEXT=true contradicts the TLS certificate "
        "settings; set one or the other");
  }
  if (!tls && !config.plaintext) {
    return absl::InvalidArgumentError(
        "no TLS certificate: set ENTERPRISE_CATALOG_TLS_CERT_FILE and "
        "ENTERPRISE_CATALOG_TLS_KEY_FILE, or ENTERPRISE_CATALOG_PLAINTEXT=true "
        "to serve without TLS (behind a service mesh, or on loopback)");
  }
  return absl::OkStatus();
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
