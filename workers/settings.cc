#include "workers/settings.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"

namespace ec::workers {

common::SettingsGroup<WorkerConfig> RefreshSettings() {
  using common::DurationSetting;
  using common::IntegerSetting;
  using std::chrono::hours;
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  using Config = WorkerConfig;

  // Written as a percentage, kept as a share.
  common::Setting<Config> removal{
      "guardrail-max-removal-percent",
      "ENTERPRISE_CATALOG_GUARDRAIL_MAX_REMOVAL_PERCENT",
      "hold a crawl that would remove more than this share of a query's "
      "items",
      "0-100"};
  removal.parse = [](Config& c, const std::string& v) -> absl::Status {
    auto n = common::settings_internal::ParseInteger<int>(v, 0, 100);
    if (!n.ok()) return n.status();
    c.policy.guardrail.max_removal_share = *n / 100.0;
    return absl::OkStatus();
  };
  removal.show = [](const Config& c) {
    return std::to_string(
        std::lround(c.policy.guardrail.max_removal_share * 100));
  };

  // The inclusion rules' allow lists (domain/inclusion.h), comma-separated.
  auto allow_list = [](std::string flag, std::string env, std::string help,
                       auto member, bool lower) {
    common::Setting<Config> list{std::move(flag), std::move(env),
                                 std::move(help), "comma-separated list"};
    list.parse = [member, lower](Config& c,
                                 const std::string& v) -> absl::Status {
      std::vector<std::string> values = common::SplitList(v);
      if (values.empty()) {
        return absl::InvalidArgumentError(
            "expected at least one value; an empty list would exclude "
            "everything");
      }
      if (lower) {
        for (std::string& value : values) value = absl::AsciiStrToLower(value);
      }
      c.policy.inclusion.*member = std::move(values);
      return absl::OkStatus();
    };
    list.show = [member](const Config& c) {
      return absl::StrJoin(c.policy.inclusion.*member, ",");
    };
    return list;
  };

  return {
      "Refresh (work, all)",
      {
          IntegerSetting<Config>(
              "refresh-threads", "ENTERPRISE_CATALOG_REFRESH_THREADS",
              "refresh threads per work process (each crawls one job at a "
              "time)",
              &Config::threads, 1, 64),
          DurationSetting<seconds, Config>(
              "refresh-lease-seconds",
              "ENTERPRISE_CATALOG_REFRESH_LEASE_SECONDS",
              "a job's lease; a dead worker's job is taken over after this "
              "long",
              &Config::lease, 1, 3600),
          DurationSetting<milliseconds, Config>(
              "refresh-poll-ms", "ENTERPRISE_CATALOG_REFRESH_POLL_MS",
              "how often an idle worker looks for a due job",
              &Config::poll_interval, 10, 600000),
          IntegerSetting<Config>(
              "refresh-max-attempts", "ENTERPRISE_CATALOG_REFRESH_MAX_ATTEMPTS",
              "attempts per refresh job before it is marked failed",
              [](auto& c) -> auto& { return c.policy.max_attempts; }, 1, 100),
          DurationSetting<seconds, Config>(
              "refresh-retry-base-seconds",
              "ENTERPRISE_CATALOG_REFRESH_RETRY_BASE_SECONDS",
              "delay before a failed job's second attempt (doubles per "
              "attempt, with jitter)",
              [](auto& c) -> auto& { return c.policy.retry_base; }, 0, 86400),
          DurationSetting<seconds, Config>(
              "refresh-retry-max-seconds",
              "ENTERPRISE_CATALOG_REFRESH_RETRY_MAX_SECONDS",
              "longest delay between a job's attempts",
              [](auto& c) -> auto& { return c.policy.retry_max; }, 0, 86400),
          DurationSetting<seconds, Config>(
              "refresh-max-age-seconds",
              "ENTERPRISE_CATALOG_REFRESH_MAX_AGE_SECONDS",
              "queries whose data is older than this are re-crawled (must "
              "leave room for retries within 24 h)",
              [](auto& c) -> auto& { return c.policy.max_age; }, 60, 82800),
          DurationSetting<seconds, Config>(
              "refresh-schedule-interval-seconds",
              "ENTERPRISE_CATALOG_REFRESH_SCHEDULE_INTERVAL_SECONDS",
              "how often the scheduler looks for stale queries",
              &Config::schedule_interval, 1, 3600),
          DurationSetting<seconds, Config>(
              "refresh-failure-cooldown-seconds",
              "ENTERPRISE_CATALOG_REFRESH_FAILURE_COOLDOWN_SECONDS",
              "the scheduler leaves a query whose last job failed or was "
              "held alone this long",
              [](auto& c) -> auto& { return c.policy.failure_cooldown; }, 0,
              86400),
          DurationSetting<seconds, Config>(
              "refresh-min-request-interval-seconds",
              "ENTERPRISE_CATALOG_REFRESH_MIN_REQUEST_INTERVAL_SECONDS",
              "a RefreshCatalog (without force) within this long of the "
              "query's last successful crawl gets that job, not a new crawl",
              [](auto& c) -> auto& { return c.policy.min_request_interval; }, 0,
              86400),
          DurationSetting<hours, Config>(
              "refresh-job-retention-hours",
              "ENTERPRISE_CATALOG_REFRESH_JOB_RETENTION_HOURS",
              "finished refresh jobs are deleted after this long",
              [](auto& c) -> auto& { return c.policy.job_retention; }, 1,
              24 * 365),
          common::BoolSetting<Config>(
              "refresh-scheduler", "ENTERPRISE_CATALOG_REFRESH_SCHEDULER",
              "run the scheduler in this work process (safe in several at "
              "once)",
              &Config::scheduler),
          removal,
          IntegerSetting<Config>(
              "guardrail-min-items", "ENTERPRISE_CATALOG_GUARDRAIL_MIN_ITEMS",
              "the share guardrail only applies to queries with more items "
              "than this (emptying any non-empty query is always held)",
              [](auto& c) -> auto& { return c.policy.guardrail.min_members; },
              0, std::numeric_limits<int>::max()),
          allow_list("content-product-source-allow-list",
                     "ENTERPRISE_CATALOG_CONTENT_PRODUCT_SOURCE_ALLOW_LIST",
                     "product sources a catalog may contain (compared "
                     "case-insensitively; others are not members)",
                     &domain::InclusionRules::product_sources, true),
          allow_list("content-course-type-allow-list",
                     "ENTERPRISE_CATALOG_CONTENT_COURSE_TYPE_ALLOW_LIST",
                     "course types a catalog may contain (exact; other "
                     "courses and their runs are not members)",
                     &domain::InclusionRules::course_types, false),
          DurationSetting<milliseconds, Config>(
              "worker-db-statement-timeout-ms",
              "ENTERPRISE_CATALOG_WORKER_DB_STATEMENT_TIMEOUT_MS",
              "statement limit on the workers' database connections",
              &Config::db_statement_timeout, 1000, 3600000),
      }};
}

}  // namespace ec::workers
