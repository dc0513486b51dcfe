#include "app/config.h"

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ec::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { Clear(); }
  void TearDown() override { Clear(); }
  static void Clear() {
    for (const char* name :
         {"ENTERPRISE_CATALOG_DATABASE_URL", "ENTERPRISE_CATALOG_GRPC_ADDRESS",
          "ENTERPRISE_CATALOG_DB_POOL_SIZE", "ENTERPRISE_CATALOG_LOG_LEVEL",
          "ENTERPRISE_CATALOG_MIGRATE_ON_START",
          "ENTERPRISE_CATALOG_WORKER_THREADS",
          "ENTERPRISE_CATALOG_DISCOVERY_URL", "ENTERPRISE_CATALOG_OAUTH_URL",
          "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID",
          "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET",
          "ENTERPRISE_CATALOG_DISCOVERY_ALLOW_PLAIN_HTTP",
          "ENTERPRISE_CATALOG_DISCOVERY_PAGE_SIZE",
          "ENTERPRISE_CATALOG_REFRESH_MAX_AGE_SECONDS",
          "ENTERPRISE_CATALOG_GUARDRAIL_MAX_REMOVAL_PERCENT",
          "ENTERPRISE_CATALOG_CONTENT_PRODUCT_SOURCE_ALLOW_LIST",
          "ENTERPRISE_CATALOG_METRICS_ADDRESS",
          "ENTERPRISE_CATALOG_CALL_LOG_LEVEL",
          "ENTERPRISE_CATALOG_HEALTH_CHECK_INTERVAL_MS"}) {
      unsetenv(name);
    }
  }
};

TEST_F(ConfigTest, DefaultsApplyWithNoInput) {
  auto parsed = ParseConfig({});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.server.address, "0.0.0.0:50051");
  EXPECT_EQ(parsed->config.database.pool_size, 4);
  EXPECT_EQ(parsed->config.server.rpc_threads, 4);  // follows the pool size
  EXPECT_EQ(parsed->config.database.statement_timeout.count(), 5000);
  EXPECT_TRUE(parsed->config.process.migrate_on_start);
  EXPECT_EQ(parsed->config.process.log_level, "info");
  EXPECT_TRUE(parsed->config.database.url.empty());
}

TEST_F(ConfigTest, EnvironmentIsReadAndFlagsOverrideIt) {
  setenv("ENTERPRISE_CATALOG_DATABASE_URL", "postgresql://env/db", 1);
  setenv("ENTERPRISE_CATALOG_GRPC_ADDRESS", "127.0.0.1:1", 1);
  setenv("ENTERPRISE_CATALOG_DB_POOL_SIZE", "2", 1);
  auto parsed =
      ParseConfig({"--grpc-address", "127.0.0.1:2", "--migrate-on-start=false",
                   "--log-level=debug", "operand"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.database.url, "postgresql://env/db");
  EXPECT_EQ(parsed->config.server.address, "127.0.0.1:2");
  EXPECT_EQ(parsed->config.database.pool_size, 2);
  EXPECT_EQ(parsed->config.server.rpc_threads, 2);
  EXPECT_FALSE(parsed->config.process.migrate_on_start);
  EXPECT_EQ(parsed->config.process.log_level, "debug");
  EXPECT_THAT(parsed->positional, ::testing::ElementsAre("operand"));
}

TEST_F(ConfigTest, ErrorsNameTheSetting) {
  setenv("ENTERPRISE_CATALOG_DB_POOL_SIZE", "0", 1);
  auto parsed = ParseConfig({});
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("ENTERPRISE_CATALOG_DB_POOL_SIZE"));
  unsetenv("ENTERPRISE_CATALOG_DB_POOL_SIZE");

  parsed = ParseConfig({"--db-pool-size", "many"});
  EXPECT_THAT(parsed.status().message(), HasSubstr("--db-pool-size"));
  parsed = ParseConfig({"--grpc-address=nocolon"});
  EXPECT_THAT(parsed.status().message(), HasSubstr("host:port"));
  parsed = ParseConfig({"--log-level", "loud"});
  EXPECT_THAT(parsed.status().message(), HasSubstr("--log-level"));
  parsed = ParseConfig({"--migrate-on-start=maybe"});
  EXPECT_THAT(parsed.status().message(), HasSubstr("true or false"));
  parsed = ParseConfig({"--no-such-flag=1"});
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("unknown flag --no-such-flag"));
  parsed = ParseConfig({"--database-url"});
  EXPECT_THAT(parsed.status().message(), HasSubstr("needs a value"));
}

TEST_F(ConfigTest, HelpListsEveryVariable) {
  const std::string help = ConfigHelp();
  for (const char* name :
       {"ENTERPRISE_CATALOG_DATABASE_URL", "ENTERPRISE_CATALOG_GRPC_ADDRESS",
        "ENTERPRISE_CATALOG_DB_POOL_SIZE",
        "ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS"}) {
    EXPECT_THAT(help, HasSubstr(name));
  }
}

TEST_F(ConfigTest, WorkerDefaultsKeepDataUnderADay) {
  auto parsed = ParseConfig({});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Config& c = parsed->config;
  EXPECT_EQ(c.discovery.page_size, 100);
  EXPECT_EQ(c.refresh.policy.max_age, std::chrono::hours(12));
  EXPECT_EQ(c.refresh.lease, std::chrono::seconds(60));
  EXPECT_DOUBLE_EQ(c.refresh.policy.guardrail.max_removal_share, 0.8);
  EXPECT_EQ(c.refresh.policy.guardrail.min_members, 50);
  // The 24 h promise needs room for retries: a max age of a day is refused.
  auto too_old = ParseConfig({"--refresh-max-age-seconds", "86400"});
  ASSERT_FALSE(too_old.ok());
  EXPECT_THAT(too_old.status().message(),
              HasSubstr("--refresh-max-age-seconds"));
}

TEST_F(ConfigTest, WorkerSettingsComeFromTheEnvironment) {
  setenv("ENTERPRISE_CATALOG_DISCOVERY_URL", "https://discovery.test/api/v1/",
         1);
  setenv("ENTERPRISE_CATALOG_OAUTH_URL", "https://lms.test", 1);
  setenv("ENTERPRISE_CATALOG_OAUTH_CLIENT_ID", "id", 1);
  setenv("ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET", "secret", 1);
  setenv("ENTERPRISE_CATALOG_DISCOVERY_PAGE_SIZE", "50", 1);
  setenv("ENTERPRISE_CATALOG_GUARDRAIL_MAX_REMOVAL_PERCENT", "60", 1);
  auto parsed = ParseConfig({"--refresh-lease-seconds", "5"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Config& c = parsed->config;
  EXPECT_EQ(c.discovery.discovery_url, "https://discovery.test/api/v1/");
  EXPECT_EQ(c.discovery.client_secret, "secret");
  EXPECT_EQ(c.discovery.page_size, 50);
  EXPECT_DOUBLE_EQ(c.refresh.policy.guardrail.max_removal_share, 0.6);
  EXPECT_EQ(c.refresh.lease, std::chrono::seconds(5));
  EXPECT_TRUE(ValidateWorkerConfig(c).ok());
}

TEST_F(ConfigTest, InclusionAllowListsDefaultToDjangosAndCanBeSet) {
  auto defaults = ParseConfig({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_THAT(defaults->config.refresh.policy.inclusion.product_sources,
              ElementsAre("2u", "edx"));
  EXPECT_EQ(defaults->config.refresh.policy.inclusion.course_types.size(), 12u);
  // Product sources are compared lower-cased, so they are kept lower-case.
  setenv("ENTERPRISE_CATALOG_CONTENT_PRODUCT_SOURCE_ALLOW_LIST",
         "edX, 2U ,Emeritus", 1);
  auto parsed = ParseConfig(
      {"--content-course-type-allow-list", "verified,Executive-Education-2U"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->config.refresh.policy.inclusion.product_sources,
              ElementsAre("edx", "2u", "emeritus"));
  // Course types are exact, as in Django.
  EXPECT_THAT(parsed->config.refresh.policy.inclusion.course_types,
              ElementsAre("verified", "Executive-Education-2U"));
  auto empty = ParseConfig({"--content-course-type-allow-list", " , "});
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("at least one value"));
}

TEST_F(ConfigTest, WorkersNameTheMissingSetting) {
  setenv("ENTERPRISE_CATALOG_DISCOVERY_URL", "https://discovery.test/api/v1/",
         1);
  setenv("ENTERPRISE_CATALOG_OAUTH_URL", "https://lms.test", 1);
  setenv("ENTERPRISE_CATALOG_OAUTH_CLIENT_ID", "id", 1);
  auto parsed = ParseConfig({});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const absl::Status st = ValidateWorkerConfig(parsed->config);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(),
              HasSubstr("ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET"));
}

TEST_F(ConfigTest, WorkersRefusePlainHttpToAnotherHostUnlessAllowed) {
  setenv("ENTERPRISE_CATALOG_DISCOVERY_URL", "http://discovery:18381/api/v1/",
         1);
  setenv("ENTERPRISE_CATALOG_OAUTH_URL", "http://discovery:18381", 1);
  setenv("ENTERPRISE_CATALOG_OAUTH_CLIENT_ID", "id", 1);
  setenv("ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET", "secret", 1);
  auto parsed = ParseConfig({});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const absl::Status st = ValidateWorkerConfig(parsed->config);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(),
              HasSubstr("ENTERPRISE_CATALOG_DISCOVERY_ALLOW_PLAIN_HTTP"));
  setenv("ENTERPRISE_CATALOG_DISCOVERY_ALLOW_PLAIN_HTTP", "true", 1);
  auto allowed = ParseConfig({});
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_TRUE(ValidateWorkerConfig(allowed->config).ok());
}

TEST_F(ConfigTest, BadWorkerValuesAreRefusedByName) {
  setenv("ENTERPRISE_CATALOG_DISCOVERY_URL", "ftp://nope", 1);
  auto parsed = ParseConfig({});
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("ENTERPRISE_CATALOG_DISCOVERY_URL"));
  unsetenv("ENTERPRISE_CATALOG_DISCOVERY_URL");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--discovery-page-size", "0"},
           {"--guardrail-max-removal-percent", "101"},
           {"--refresh-threads", "zero"}}) {
    auto bad = ParseConfig(args);
    ASSERT_FALSE(bad.ok()) << args[0];
    EXPECT_THAT(bad.status().message(), HasSubstr(args[0]));
  }
}

TEST_F(ConfigTest, AuthIsOnByDefaultAndReadFromTheEnvironment) {
  auto parsed = ParseConfig({});
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->config.server.auth.disabled);
  EXPECT_TRUE(parsed->config.server.reflection);
  EXPECT_FALSE(parsed->config.server.tls.plaintext);
  setenv("ENTERPRISE_CATALOG_JWT_SECRET", "s3cret", 1);
  setenv("ENTERPRISE_CATALOG_JWT_ISSUER", " https://a/oauth2 , ,https://b ", 1);
  parsed = ParseConfig({"--jwt-audience", "catalog", "--jwt-leeway-seconds",
                        "5", "--roles", "enterprise_learner:*,x:y"});
  unsetenv("ENTERPRISE_CATALOG_JWT_SECRET");
  unsetenv("ENTERPRISE_CATALOG_JWT_ISSUER");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.server.auth.jwt.hs256_secret, "s3cret");
  EXPECT_THAT(parsed->config.server.auth.jwt.issuers,
              ::testing::ElementsAre("https://a/oauth2", "https://b"));
  EXPECT_EQ(parsed->config.server.auth.jwt.audience, "catalog");
  EXPECT_EQ(parsed->config.server.auth.jwt.leeway.count(), 5);
  EXPECT_THAT(parsed->config.process.token_roles,
              ::testing::ElementsAre("enterprise_learner:*", "x:y"));
  EXPECT_THAT(
      std::string(
          ParseConfig({"--page-token-secret", "short"}).status().message()),
      HasSubstr("at least 16 bytes"));
  EXPECT_FALSE(ParseConfig({"--auth-disabled", "maybe"}).ok());
}

TEST_F(ConfigTest, PlaintextOnlyWhenAskedFor) {
  server::TlsOptions tls;
  EXPECT_THAT(std::string(server::ValidateTransport(tls).message()),
              HasSubstr("ENTERPRISE_CATALOG_PLAINTEXT=true"));
  tls.plaintext = true;
  EXPECT_TRUE(server::ValidateTransport(tls).ok());
  tls.cert_file = "cert.pem";
  EXPECT_THAT(std::string(server::ValidateTransport(tls).message()),
              HasSubstr("ENTERPRISE_CATALOG_TLS_KEY_FILE"));
  tls.key_file = "key.pem";
  EXPECT_THAT(std::string(server::ValidateTransport(tls).message()),
              HasSubstr("contradicts"));
  tls.plaintext = false;
  EXPECT_TRUE(server::ValidateTransport(tls).ok());
  tls.client_ca_file = "ca.pem";
  EXPECT_TRUE(server::ValidateTransport(tls).ok());
  tls.cert_file.clear();
  tls.key_file.clear();
  EXPECT_THAT(std::string(server::ValidateTransport(tls).message()),
              HasSubstr("mutual TLS"));
}

TEST_F(ConfigTest, ObservabilitySettings) {
  auto defaults = ParseConfig({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->config.metrics.address, "0.0.0.0:9464");
  EXPECT_EQ(defaults->config.server.call_log_level, spdlog::level::info);
  EXPECT_EQ(defaults->config.process.health_check_interval.count(), 5000);
  EXPECT_EQ(defaults->config.process.freshness_sample_interval.count(), 30000);

  setenv("ENTERPRISE_CATALOG_METRICS_ADDRESS", "off", 1);
  auto off = ParseConfig({"--call-log-level", "debug"});
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_TRUE(off->config.metrics.address.empty());
  EXPECT_EQ(off->config.server.call_log_level, spdlog::level::debug);
  auto port0 = ParseConfig({"--metrics-address", "127.0.0.1:0"});
  ASSERT_TRUE(port0.ok()) << port0.status();
  EXPECT_EQ(port0->config.metrics.address, "127.0.0.1:0");

  setenv("ENTERPRISE_CATALOG_METRICS_ADDRESS", "9464", 1);
  auto bad = ParseConfig({});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("ENTERPRISE_CATALOG_METRICS_ADDRESS"));
  EXPECT_THAT(bad.status().message(), HasSubstr("host:port or off"));
  unsetenv("ENTERPRISE_CATALOG_METRICS_ADDRESS");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--metrics-address", "host:99999"},
           {"--call-log-level", "error"},
           {"--health-check-interval-ms", "10"},
           {"--freshness-sample-seconds", "0"}}) {
    auto refused = ParseConfig(args);
    ASSERT_FALSE(refused.ok()) << args[0];
    EXPECT_THAT(refused.status().message(), HasSubstr(args[0]));
  }
}

}  // namespace
}  // namespace ec::app
