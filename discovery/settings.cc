#include "discovery/settings.h"

namespace ec::discovery {

common::SettingsGroup<DiscoveryConfig> DiscoverySettings() {
  using common::BoolSetting;
  using common::DurationSetting;
  using common::IntegerSetting;
  using common::StringSetting;
  using common::UrlSetting;
  using std::chrono::milliseconds;
  using Config = DiscoveryConfig;
  const char* const kRequired = "(required: work, all)";

  return {
      "Course-discovery (work, all)",
      {
          UrlSetting<Config>("discovery-url",
                             "ENTERPRISE_CATALOG_DISCOVERY_URL",
                             "course-discovery API root, e.g. "
                             "https://discovery.example.com/api/v1/",
                             &Config::discovery_url, kRequired),
          UrlSetting<Config>("oauth-url", "ENTERPRISE_CATALOG_OAUTH_URL",
                             "OAuth2 token endpoint base (the LMS); "
                             "/oauth2/access_token is appended",
                             &Config::oauth_url, kRequired),
          StringSetting<Config>(
              "oauth-client-id", "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID",
              "OAuth2 client-credentials id of the worker's service user",
              &Config::client_id, kRequired),
          StringSetting<Config>(
              "oauth-client-secret", "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET",
              "OAuth2 client secret (prefer the environment variable: flags "
              "show in ps)",
              &Config::client_secret, kRequired),
          BoolSetting<Config>(
              "discovery-allow-plain-http",
              "ENTERPRISE_CATALOG_DISCOVERY_ALLOW_PLAIN_HTTP",
              "allow http:// discovery and OAuth URLs to hosts that are not "
              "loopback (the client secret then travels in clear); for "
              "private networks such as docker-compose's",
              &Config::allow_plain_http),
          IntegerSetting<Config>(
              "discovery-page-size", "ENTERPRISE_CATALOG_DISCOVERY_PAGE_SIZE",
              "results per search/all page", &Config::page_size, 1, 1000),
          IntegerSetting<Config>(
              "discovery-full-batch-size",
              "ENTERPRISE_CATALOG_DISCOVERY_FULL_BATCH_SIZE",
              "course keys (or program uuids) per courses/ (programs/) "
              "request; all go into its URL",
              &Config::full_batch_size, 1, 500),
          IntegerSetting<Config>(
              "discovery-full-page-limit",
              "ENTERPRISE_CATALOG_DISCOVERY_FULL_PAGE_LIMIT",
              "results per courses/ and programs/ page (\"limit\"; a full "
              "course can be 150 KB)",
              &Config::full_page_limit, 1, 1000),
          common::MebibyteSetting<Config>(
              "discovery-crawl-max-mb",
              "ENTERPRISE_CATALOG_DISCOVERY_CRAWL_MAX_MB",
              "memory one crawl may keep for its documents (a full catalog "
              "keeps about 250 MB); a larger crawl fails with "
              "RESOURCE_EXHAUSTED. A worker needs about threads x (this + "
              "160 MiB)",
              &Config::crawl_max_bytes, 16, 65536),
          common::MebibyteSetting<Config>(
              "discovery-max-response-mb",
              "ENTERPRISE_CATALOG_DISCOVERY_MAX_RESPONSE_MB",
              "largest discovery response body; larger ones fail with "
              "RESOURCE_EXHAUSTED",
              &Config::max_response_bytes, 1, 1024),
          DurationSetting<milliseconds, Config>(
              "discovery-timeout-ms", "ENTERPRISE_CATALOG_DISCOVERY_TIMEOUT_MS",
              "limit on one discovery request (one page)",
              &Config::request_timeout, 100, 600000),
          DurationSetting<milliseconds, Config>(
              "discovery-connect-timeout-ms",
              "ENTERPRISE_CATALOG_DISCOVERY_CONNECT_TIMEOUT_MS",
              "limit on opening a connection to discovery",
              &Config::connect_timeout, 100, 60000),
          IntegerSetting<Config>(
              "discovery-max-attempts",
              "ENTERPRISE_CATALOG_DISCOVERY_MAX_ATTEMPTS",
              "attempts per page on connection errors, timeouts, 5xx, 429 "
              "and bad bodies",
              &Config::max_attempts, 1, 20),
          DurationSetting<milliseconds, Config>(
              "discovery-backoff-ms", "ENTERPRISE_CATALOG_DISCOVERY_BACKOFF_MS",
              "first retry delay of a page (doubles per retry, with jitter)",
              &Config::backoff_base, 0, 600000),
          DurationSetting<milliseconds, Config>(
              "discovery-backoff-max-ms",
              "ENTERPRISE_CATALOG_DISCOVERY_BACKOFF_MAX_MS",
              "longest retry delay of a page (Retry-After may ask for more, "
              "up to 120 s)",
              &Config::backoff_max, 0, 3600000),
      }};
}

}  // namespace ec::discovery
