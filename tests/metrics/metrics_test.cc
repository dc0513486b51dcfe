// The process registry's series: names and labels as dashboards expect
// them, and label sets that stay bounded. The /metrics endpoint over HTTP is
// tests/e2e/observability_e2e_test.cc's.
#include "metrics/metrics.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ec::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, GrpcCodesAreSpelledAsGoSpellsThem) {
  EXPECT_EQ(GrpcCodeName(0), "OK");
  EXPECT_EQ(GrpcCodeName(5), "NotFound");
  EXPECT_EQ(GrpcCodeName(7), "PermissionDenied");
  EXPECT_EQ(GrpcCodeName(14), "Unavailable");
  EXPECT_EQ(GrpcCodeName(16), "Unauthenticated");
}

TEST(MetricsTest, AMethodStartsWithEveryCodeAtZero) {
  GrpcServerMetrics::Get().ForMethod("/test.Service/Zeroed", "unary");
  const std::string text = Scrape();
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_code=\"NotFound\","
                        "grpc_method=\"Zeroed\",grpc_service=\"test."
                        "Service\",grpc_type=\"unary\"} 0"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_started_total{grpc_method=\"Zeroed\""));
}

TEST(MetricsTest, OnlyTheStalestQueriesKeepAnAgeSeries) {
  HealthMetrics& health = HealthMetrics::Get();
  health.SetFreshness(3, 0, 100, {{"aaaa", 100}, {"bbbb", 50}});
  EXPECT_THAT(Scrape(), HasSubstr("query_hash=\"bbbb\""));
  health.SetFreshness(3, 0, 120, {{"aaaa", 120}, {"cccc", 60}});
  const std::string text = Scrape();
  EXPECT_THAT(text, HasSubstr("query_hash=\"cccc\""));
  EXPECT_THAT(text, Not(HasSubstr("query_hash=\"bbbb\"")));
}

TEST(MetricsTest, PoolErrorsAreCountedByClass) {
  DbPoolMetrics pool("unit-test", 2);
  pool.Error(absl::UnavailableError("connection refused"));
  pool.Error(absl::DeadlineExceededError("statement timeout"));
  pool.Error(absl::UnavailableError("again"));
  EXPECT_EQ(pool.ErrorsTotal("connection"), 2);
  EXPECT_EQ(pool.ErrorsTotal("timeout"), 1);
  pool.SetConnections(1, 1);
  EXPECT_EQ(pool.InUse(), 1);
}

}  // namespace
}  // namespace ec::metrics
