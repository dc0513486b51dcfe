// Metrics, probes, health checking and per-call logs of a live server on a
// real database: what a platform team's Prometheus, kubelet and log
// pipeline see. The scrape is checked with the real `promtool`.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "app/monitor.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "metrics/http_endpoint.h"
#include "metrics/metrics.h"
#include "server/catalog_server.h"
#include "spdlog/sinks/ostream_sink.h"
#include "tests/support/child_process.h"
#include "tests/support/grpc_health.h"
#include "tests/support/http_get.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using ::testing::HasSubstr;
using testing::HttpGet;
using testing::HttpResult;

constexpr char kService[] = "enterprise_catalog.v1.EnterpriseCatalogService";
constexpr char kEnterprise[] = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";
constexpr char kMissing[] = "00000000-0000-4000-8000-000000000001";

std::string Handled(const std::string& method, const std::string& code) {
  return "grpc_server_handled_total{grpc_code=\"" + code + "\",grpc_method=\"" +
         method + "\",grpc_service=\"" + kService + "\",grpc_type=\"unary\"}";
}

std::string HandlingCount(const std::string& method) {
  return "grpc_server_handling_seconds_count{grpc_method=\"" + method +
         "\",grpc_service=\"" + kService + "\",grpc_type=\"unary\"}";
}

class ObservabilityTest : public testing::SharedStoreTest<> {
 protected:
  void SetUp() override {
    SharedStoreTest::SetUp();
    if (HasFatalFailure()) return;
    server::ServerOptions options;
    options.address = "127.0.0.1:0";
    options.rpc_threads = 2;
    options.shutdown_grace = std::chrono::seconds(2);
    options.auth.disabled = true;
    options.call_log_level = spdlog::level::info;
    auto server =
        server::CatalogServer::Start(options, env_->store(), env_->queue());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
    stub_ = v1::EnterpriseCatalogService::NewStub(channel_);
  }

  void TearDown() override {
    endpoint_.reset();
    monitor_.reset();
    if (server_) server_->Shutdown();
  }

  // A monitor on `database` that reports to the server's health checking,
  // and the metrics endpoint answering its probes.
  void StartMonitor(const storage::pg::PgConfig& database) {
    endpoint_.reset();
    monitor_.reset();
    app::MonitorOptions options;
    options.database = database;
    options.check_interval = std::chrono::hours(1);  // checks run by hand
    server::CatalogServer* server = server_.get();
    monitor_ = std::make_unique<app::ServiceMonitor>(
        options, [server](bool up) { server->SetDatabaseHealthy(up); });
    monitor_->Start();
    app::ServiceMonitor* monitor = monitor_.get();
    auto endpoint = metrics::HttpEndpoint::Start(
        "127.0.0.1:0", {.live = [] { return true; },
                        .ready = [monitor] { return monitor->ready(); }});
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    endpoint_ = std::move(*endpoint);
  }

  grpc::Status GetCatalog(const std::string& uuid,
                          const std::string& request_id = "",
                          std::string* echoed_id = nullptr) {
    grpc::ClientContext ctx;
    if (!request_id.empty()) ctx.AddMetadata("x-request-id", request_id);
    v1::GetCatalogRequest request;
    request.set_uuid(uuid);
    v1::Catalog out;
    grpc::Status status = stub_->GetCatalog(&ctx, request, &out);
    if (echoed_id != nullptr) {
      const auto& headers = ctx.GetServerInitialMetadata();
      auto it = headers.find("x-request-id");
      *echoed_id = it == headers.end()
                       ? ""
                       : std::string(it->second.data(), it->second.size());
    }
    return status;
  }

  grpc::Status Create(const std::string& title) {
    grpc::ClientContext ctx;
    v1::CreateCatalogRequest request;
    request.mutable_catalog()->set_title(title);
    request.mutable_catalog()->set_enterprise_uuid(kEnterprise);
    (*request.mutable_catalog()
          ->mutable_content_filter()
          ->mutable_fields())["content_type"]
        .set_string_value("course");
    v1::Catalog out;
    return stub_->CreateCatalog(&ctx, request, &out);
  }

  std::unique_ptr<server::CatalogServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EnterpriseCatalogService::Stub> stub_;
  std::unique_ptr<app::ServiceMonitor> monitor_;
  std::unique_ptr<metrics::HttpEndpoint> endpoint_;
};

TEST_F(ObservabilityTest, ScrapeCountsEveryCallAndPassesPromtool) {
  StartMonitor(env_->config());
  const HttpResult before = HttpGet(endpoint_->port(), "/metrics");
  ASSERT_EQ(before.status, 200);
  // Every method's series exist at zero before its first call, so that
  // ratios and rate() see a zero instead of nothing.
  EXPECT_GE(
      testing::MetricSample(before.body, Handled("GetRefreshJob", "Internal")),
      0);

  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(GetCatalog(kMissing).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_TRUE(Create("one").ok());
  EXPECT_TRUE(Create("two").ok());
  EXPECT_EQ(GetCatalog("not-a-uuid").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  int serving = -1;
  testing::HealthCheck(channel_, &serving);
  EXPECT_EQ(serving, 1);

  const HttpResult after = HttpGet(endpoint_->port(), "/metrics");
  ASSERT_EQ(after.status, 200);
  auto delta = [&](const std::string& series) {
    return testing::MetricSample(after.body, series) -
           testing::MetricSample(before.body, series);
  };
  EXPECT_EQ(delta(Handled("GetCatalog", "NotFound")), 3);
  EXPECT_EQ(delta(Handled("GetCatalog", "InvalidArgument")), 1);
  EXPECT_EQ(delta(Handled("GetCatalog", "OK")), 0);
  EXPECT_EQ(delta(Handled("CreateCatalog", "OK")), 2);
  EXPECT_EQ(delta(HandlingCount("GetCatalog")), 4);
  EXPECT_EQ(delta("grpc_server_started_total{grpc_method=\"CreateCatalog\","
                  "grpc_service=\"" +
                  std::string(kService) + "\",grpc_type=\"unary\"}"),
            2);
  // Health checking is counted like any other service.
  EXPECT_GE(testing::MetricSample(
                after.body,
                "grpc_server_handled_total{grpc_code=\"OK\",grpc_method="
                "\"Check\",grpc_service=\"grpc.health.v1.Health\","
                "grpc_type=\"unary\"}"),
            1);
  // The monitor's first check and sample ran at start.
  EXPECT_EQ(testing::MetricSample(after.body, "enterprise_catalog_db_up"), 1);
  EXPECT_GE(
      testing::MetricSample(after.body, "enterprise_catalog_queries_in_use"),
      0);
  EXPECT_GE(testing::MetricSample(
                after.body,
                "enterprise_catalog_db_pool_connections{pool=\"rpc\","
                "state=\"idle\"}"),
            0);
  EXPECT_THAT(after.body, HasSubstr("enterprise_catalog_build_info{version="));

  // The exposition is valid for Prometheus, checked by its own linter.
  char path[] = "/tmp/ec-scrape-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << after.body;
  const testing::CommandResult promtool = testing::RunCommand(
      {"/bin/sh", "-c", std::string("promtool check metrics < ") + path});
  unlink(path);
  EXPECT_EQ(promtool.exit_code, 0)
      << "promtool check metrics (Debian package prometheus; "
         "scripts/install-deps.sh installs it) said:\n"
      << promtool.out << promtool.err;
}

TEST_F(ObservabilityTest, HealthAndReadinessFollowTheDatabase) {
  // Nothing answers at this address: the first check fails.
  StartMonitor(testing::UnreachableDatabaseConfig());
  EXPECT_FALSE(monitor_->database_up());
  int serving = -1;
  testing::HealthCheck(channel_, &serving);
  EXPECT_EQ(serving, 2) << "NOT_SERVING expected";
  EXPECT_EQ(HttpGet(endpoint_->port(), "/readyz").status, 503);
  // Liveness does not depend on the database: restarting would not help.
  EXPECT_EQ(HttpGet(endpoint_->port(), "/healthz").status, 200);
  EXPECT_EQ(testing::MetricSample(HttpGet(endpoint_->port(), "/metrics").body,
                                  "enterprise_catalog_db_up"),
            0);

  StartMonitor(env_->config());
  EXPECT_TRUE(monitor_->database_up());
  testing::HealthCheck(channel_, &serving);
  EXPECT_EQ(serving, 1) << "SERVING expected";
  const HttpResult ready = HttpGet(endpoint_->port(), "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ok\n");

  // SIGTERM: readiness drops at once, before the drain.
  monitor_->SetDraining();
  EXPECT_EQ(HttpGet(endpoint_->port(), "/readyz").status, 503);
  server_->Shutdown();
  testing::HealthCheck(channel_, &serving);
  EXPECT_NE(serving, 1);
  EXPECT_EQ(HttpGet(endpoint_->port(), "/nope").status, 404);
}

TEST_F(ObservabilityTest, FreshnessGaugesTrackInUseQueries) {
  ASSERT_TRUE(Create("fresh").ok());
  ASSERT_TRUE(env_->Exec("UPDATE catalog_query SET content_refreshed = now() - "
                         "interval '25 hours'")
                  .ok());
  StartMonitor(env_->config());
  const std::string text = HttpGet(endpoint_->port(), "/metrics").body;
  EXPECT_EQ(testing::MetricSample(text, "enterprise_catalog_queries_in_use"),
            1);
  EXPECT_EQ(
      testing::MetricSample(text, "enterprise_catalog_queries_never_refreshed"),
      0);
  const double oldest =
      testing::MetricSample(text, "enterprise_catalog_data_oldest_age_seconds");
  EXPECT_GT(oldest, 25 * 3600 - 60);
  EXPECT_LT(oldest, 25 * 3600 + 60);
  auto hash = env_->QueryText("SELECT content_filter_hash FROM catalog_query");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(testing::MetricSample(
                text, "enterprise_catalog_data_age_seconds{query_hash=\"" +
                          *hash + "\"}"),
            oldest);
  // The refresh job the create queued is waiting (no worker runs here).
  EXPECT_EQ(
      testing::MetricSample(
          text, "enterprise_catalog_refresh_queue_jobs{state=\"queued\"}"),
      1);
}

TEST_F(ObservabilityTest, EveryCallIsLoggedWithItsRequestId) {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "calls", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  logger->set_pattern("{%v}");
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);

  std::string echoed;
  EXPECT_EQ(GetCatalog(kMissing, "req-abc-123", &echoed).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(echoed, "req-abc-123");
  std::string generated;
  GetCatalog(kMissing, "", &generated);
  EXPECT_TRUE(std::regex_match(generated, std::regex("[0-9a-f]{32}")))
      << generated;
  // An id that cannot be logged safely is replaced, not echoed.
  std::string replaced;
  GetCatalog(kMissing, std::string(200, 'x'), &replaced);
  EXPECT_TRUE(std::regex_match(replaced, std::regex("[0-9a-f]{32}")))
      << replaced;
  spdlog::set_default_logger(previous);

  std::vector<std::string> calls;
  std::istringstream lines(captured.str());
  for (std::string line; std::getline(lines, line);) {
    if (line.find(R"("msg":"rpc")") != std::string::npos) calls.push_back(line);
  }
  ASSERT_EQ(calls.size(), 3u) << captured.str();
  EXPECT_THAT(calls[0], HasSubstr(R"("request_id":"req-abc-123")"));
  EXPECT_THAT(calls[0], HasSubstr(R"("method":"GetCatalog")"));
  EXPECT_THAT(calls[0], HasSubstr(R"("code":"NOT_FOUND")"));
  EXPECT_THAT(calls[0], HasSubstr(R"("duration_ms":)"));
  EXPECT_THAT(calls[0], HasSubstr(R"("component":"grpc")"));
  EXPECT_THAT(calls[1], HasSubstr(R"("request_id":")" + generated + "\""));
  EXPECT_THAT(calls[2], HasSubstr(R"("request_id":")" + replaced + "\""));
}

}  // namespace
}  // namespace ec
