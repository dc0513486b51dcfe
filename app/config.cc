#include "app/config.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "auth/settings.h"
#include "common/settings.h"
#include "discovery/discovery_client.h"
#include "discovery/settings.h"
#include "metrics/settings.h"
#include "server/settings.h"
#include "storage/pg/pg_settings.h"
#include "workers/settings.h"

namespace ec::app {
namespace {

using Group = common::SettingsGroup<Config>;
using Setting = common::Setting<Config>;

Group ProcessSettings() {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  return {
      "Process",
      {
          common::ChoiceSetting<Config>(
              "log-level", "ENTERPRISE_CATALOG_LOG_LEVEL",
              "the lowest level of log line written",
              [](auto& c) -> auto& { return c.process.log_level; },
              {"trace", "debug", "info", "warn", "error", "critical", "off"}),
          common::BoolSetting<Config>(
              "migrate-on-start", "ENTERPRISE_CATALOG_MIGRATE_ON_START",
              "serve, work and all apply pending schema migrations first",
              [](auto& c) -> auto& { return c.process.migrate_on_start; }),
          common::DurationSetting<milliseconds, Config>(
              "health-check-interval-ms",
              "ENTERPRISE_CATALOG_HEALTH_CHECK_INTERVAL_MS",
              "how often the database is checked for gRPC health and /readyz",
              [](auto& c) -> auto& { return c.process.health_check_interval; },
              100, 600000),
          common::DurationSetting<seconds, Config>(
              "freshness-sample-seconds",
              "ENTERPRISE_CATALOG_FRESHNESS_SAMPLE_SECONDS",
              "how often data age and queue depth are read for the metrics",
              [](auto& c) -> auto& {
                return c.process.freshness_sample_interval;
              },
              1, 3600),
      }};
}

Group CommandSettings() {
  Setting roles{"roles", "ENTERPRISE_CATALOG_TOKEN_ROLES",
                "mint-token: the token's roles",
                "comma-separated role:context"};
  roles.parse = [](Config& c, const std::string& v) {
    c.process.token_roles = common::SplitList(v);
    return absl::OkStatus();
  };
  roles.show = [](const Config& c) {
    return absl::StrJoin(c.process.token_roles, ",");
  };
  return {"Commands",
          {
              common::StringSetting<Config>(
                  "file", "ENTERPRISE_CATALOG_IMPORT_FILE",
                  "import: the JSON file to load",
                  [](auto& c) -> auto& { return c.process.import_file; }),
              roles,
              common::StringSetting<Config>(
                  "subject", "ENTERPRISE_CATALOG_TOKEN_SUBJECT",
                  "mint-token: the token's preferred_username",
                  [](auto& c) -> auto& { return c.process.token_subject; }),
              common::DurationSetting<std::chrono::seconds, Config>(
                  "ttl-seconds", "ENTERPRISE_CATALOG_TOKEN_TTL_SECONDS",
                  "mint-token: lifetime",
                  [](auto& c) -> auto& { return c.process.token_ttl; }, 1,
                  30 * 24 * 3600),
          }};
}

// Every setting of the process, by module, in help order.
const std::vector<Group>& Groups() {
  static const auto* groups = new std::vector<Group>{
      common::Lift<Config>(storage::pg::DatabaseSettings(), &Config::database),
      common::Lift<Config>(server::ServerSettings(), &Config::server),
      common::Lift<Config>(storage::pg::MembershipIndexSettings(),
                           &Config::membership_index),
      common::Lift<Config>(storage::pg::ReadReplicaSettings(),
                           &Config::read_replica),
      common::Lift<Config>(
          auth::AuthSettings(), [](auto& c) -> auto& { return c.server.auth; }),
      common::Lift<Config>(workers::RefreshSettings(), &Config::refresh),
      common::Lift<Config>(discovery::DiscoverySettings(), &Config::discovery),
      common::Lift<Config>(metrics::MetricsSettings(), &Config::metrics),
      ProcessSettings(),
      CommandSettings(),
  };
  return *groups;
}

const Setting* FindFlag(const std::string& name) {
  for (const Group& group : Groups()) {
    for (const Setting& s : group.settings) {
      if (name == s.flag) return &s;
      for (const std::string& alias : s.flag_aliases) {
        if (name == alias) return &s;
      }
    }
  }
  return nullptr;
}

// The value of the first of `names` set (non-empty) in the environment.
const char* FromEnvironment(const Setting& s, std::string* which) {
  std::vector<std::string> names = {s.env};
  names.insert(names.end(), s.env_aliases.begin(), s.env_aliases.end());
  for (const std::string& name : names) {
    if (const char* v = std::getenv(name.c_str()); v != nullptr && *v != '\0') {
      *which = name;
      return v;
    }
  }
  return nullptr;
}

std::string Aliases(const Setting& s, bool markdown) {
  std::vector<std::string> names;
  for (const std::string& f : s.flag_aliases) {
    names.push_back(markdown ? absl::StrCat("`--", f, "`")
                             : absl::StrCat("--", f));
  }
  for (const std::string& e : s.env_aliases) {
    names.push_back(markdown ? absl::StrCat("`", e, "`") : e);
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseConfig(const std::vector<std::string>& args) {
  ParsedArgs out;
  for (const Group& group : Groups()) {
    for (const Setting& s : group.settings) {
      std::string name;
      if (const char* v = FromEnvironment(s, &name); v != nullptr) {
        if (absl::Status st = s.parse(out.config, v); !st.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("environment variable ", name, ": ", st.message()));
        }
      }
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg == "--markdown") {
      out.markdown = true;
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
    const Setting* setting = FindFlag(name);
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
    if (absl::Status st = setting->parse(out.config, value); !st.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, ": ", st.message()));
    }
  }
  Config& c = out.config;
  if (c.server.rpc_threads == 0) c.server.rpc_threads = c.database.pool_size;
  c.server.refresh = c.refresh.policy;
  c.membership_index.feed.database = c.database;
  c.membership_index.feed.database.name = "index";
  std::string read_url = std::move(c.read_replica.database.url);
  c.read_replica.database = c.database;
  c.read_replica.database.url = std::move(read_url);
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
  if (absl::Status discovery =
          discovery::ValidateDiscoveryConfig(config.discovery);
      !discovery.ok()) {
    return discovery;
  }
  if (config.refresh.policy.retry_max < config.refresh.policy.retry_base) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_REFRESH_RETRY_MAX_SECONDS must not be below "
        "ENTERPRISE_CATALOG_REFRESH_RETRY_BASE_SECONDS");
  }
  return absl::OkStatus();
}

std::string ConfigHelp() {
  std::string out = "Settings (flag / environment variable [default]):\n";
  for (const Group& group : Groups()) {
    absl::StrAppend(&out, "\n", group.title, ":\n");
    for (const Setting& s : group.settings) {
      absl::StrAppend(&out, "  --", s.flag, " / ", s.env, " [", s.DefaultText(),
                      "]\n      ", s.help);
      if (!s.values.empty()) absl::StrAppend(&out, " (", s.values, ")");
      absl::StrAppend(&out, "\n");
      if (!s.flag_aliases.empty() || !s.env_aliases.empty()) {
        absl::StrAppend(
            &out, "      older names, still read: ", Aliases(s, false), "\n");
      }
    }
  }
  return out;
}

std::string ConfigMarkdown() {
  const auto cell = [](const std::string& text) {
    return absl::StrReplaceAll(text, {{"|", "\\|"}});
  };
  std::string out;
  for (const Group& group : Groups()) {
    absl::StrAppend(&out, "### ", group.title,
                    "\n\n| Flag | Environment variable | Default | Values | "
                    "Meaning |\n|---|---|---|---|---|\n");
    for (const Setting& s : group.settings) {
      // A real default is a value (in code font); a note is prose.
      const bool has_value = s.show && !s.show(Config{}).empty();
      const std::string shown = s.DefaultText();
      std::string meaning = cell(s.help);
      if (!s.flag_aliases.empty() || !s.env_aliases.empty()) {
        absl::StrAppend(&meaning,
                        ". Older names, still read: ", Aliases(s, true));
      }
      absl::StrAppend(&out, "| `--", s.flag, "` | `", s.env, "` | ",
                      has_value ? absl::StrCat("`", cell(shown), "`") : shown,
                      " | ", cell(s.values), " | ", meaning, " |\n");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace ec::app
