// `serve` with ENTERPRISE_CATALOG_READ_DATABASE_URL on the streaming replica
// of the test cluster (the pg_replica fixture): the metadata RPCs are
// answered from it once it is measured fresh; while its replay is paused, a
// catalog just created is still found (the primary answers) and, past the
// staleness limit, every metadata read goes to the primary; when replay
// resumes the replica serves again. Seen from a caller (catalogctl) and from
// /metrics.
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "tests/support/child_process.h"
#include "tests/support/http_get.h"
#include "tests/support/pg_test_db.h"
#include "tests/support/test_tokens.h"

namespace ec {
namespace {

using ec::testing::CommandResult;
using ec::testing::RunCommand;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

// From deploy/sample/sample-data.json.
constexpr char kPython[] = "2f5c8b3d-6e9a-4b4f-8c7d-1a3e5b7d9f22";
constexpr char kEnterpriseA[] = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";

constexpr char kServing[] = "enterprise_catalog_read_replica_serving";
constexpr char kFromReplica[] =
    R"(enterprise_catalog_metadata_reads_total{source="replica"})";
constexpr char kNotFound[] =
    R"(enterprise_catalog_read_replica_fallbacks_total{reason="not_found"})";
constexpr char kNotServing[] =
    R"(enterprise_catalog_read_replica_fallbacks_total{reason="not_serving"})";

class ReadReplicaProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto replica_admin = testing::ReadReplicaAdminDsn();
    ASSERT_TRUE(replica_admin.ok()) << replica_admin.status();
    replica_admin_ = *replica_admin;
    auto db = testing::PgTestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    const std::string db_env = "ENTERPRISE_CATALOG_DATABASE_URL=" + db_->dsn();
    ASSERT_EQ(RunCommand({EC_BINARY, "migrate"}, {db_env}).exit_code, 0);
    ASSERT_EQ(
        RunCommand({EC_BINARY, "import", "--file", EC_SAMPLE_DATA}, {db_env})
            .exit_code,
        0);
    testing::TokenSpec spec;
    spec.roles = {"enterprise_openedx_operator:*"};
    token_env_ = "ENTERPRISE_CATALOG_TOKEN=" + testing::Hs256Token(spec);

    const std::string replica_dsn =
        testing::DsnWithDatabase(replica_admin_, db_->name());
    server_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{EC_BINARY, "serve", "--grpc-address",
                                 "127.0.0.1:0", "--metrics-address",
                                 "127.0.0.1:0"},
        std::vector<std::string>{
            db_env, "ENTERPRISE_CATALOG_READ_DATABASE_URL=" + replica_dsn,
            "ENTERPRISE_CATALOG_READ_MAX_STALENESS_MS=1000",
            "ENTERPRISE_CATALOG_READ_REPLICA_CHECK_MS=50",
            "ENTERPRISE_CATALOG_PLAINTEXT=true",
            std::string("ENTERPRISE_CATALOG_JWT_SECRET=") +
                testing::kTestSecret,
            std::string("ENTERPRISE_CATALOG_JWT_ISSUER=") +
                testing::kTestIssuer,
            std::string("ENTERPRISE_CATALOG_JWT_AUDIENCE=") +
                testing::kTestAudience},
        testing::ChildOutput::kLogFile);
    const std::string port =
        server_->WaitForLogMatch(testing::kServingPortPattern, seconds(10));
    const std::string metrics_port = server_->WaitForLogMatch(
        R"("msg":"metrics serving".*"port":(\d+))", seconds(10));
    ASSERT_FALSE(port.empty() || metrics_port.empty()) << server_->log();
    port_ = std::stoi(port);
    metrics_port_ = std::stoi(metrics_port);
  }

  void TearDown() override {
    if (!replica_admin_.empty()) {
      EXPECT_TRUE(testing::ExecSql(replica_admin_,
                                   "SELECT pg_wal_replay_resume() WHERE "
                                   "pg_is_wal_replay_paused()")
                      .ok());
    }
  }

  double Metric(const std::string& series) {
    return testing::MetricSample(
        testing::HttpGet(metrics_port_, "/metrics").body, series);
  }

  // Polls /metrics until `series` has `value` (up to 20 s).
  bool WaitForMetric(const std::string& series, double value) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Metric(series) == value) return true;
      std::this_thread::sleep_for(milliseconds(25));
    }
    return false;
  }

  CommandResult Ctl(const std::string& method, const std::string& request) {
    return RunCommand({EC_CATALOGCTL, "--address",
                       "127.0.0.1:" + std::to_string(port_), method, request},
                      {token_env_});
  }

  CommandResult PythonMetadata() {
    return Ctl("GetCatalogMetadata",
               std::string(R"({"catalog_uuid":")") + kPython + R"("})");
  }

  std::string replica_admin_;
  std::unique_ptr<testing::PgTestDatabase> db_;
  std::string token_env_;
  std::unique_ptr<testing::ChildProcess> server_;
  int port_ = 0;
  int metrics_port_ = 0;
};

TEST_F(ReadReplicaProcessTest, MetadataComesFromTheReplicaOnlyWhileItIsFresh) {
  // The replica has replayed the import and is measured fresh.
  ASSERT_TRUE(WaitForMetric(kServing, 1)) << server_->log();
  const double from_replica = Metric(kFromReplica);
  CommandResult meta = PythonMetadata();
  ASSERT_EQ(meta.exit_code, 0) << meta.err;
  EXPECT_THAT(meta.out, HasSubstr(R"("total_count": "3")"));
  EXPECT_EQ(Metric(kFromReplica), from_replica + 1);

  // Replay paused: a catalog created now exists only on the primary, and
  // reading it at once answers from there, not NOT_FOUND.
  ASSERT_TRUE(
      testing::ExecSql(replica_admin_, "SELECT pg_wal_replay_pause()").ok());
  CommandResult created =
      Ctl("CreateCatalog",
          std::string(R"({"catalog": {"title": "Fresh", )") +
              R"("enterprise_uuid": ")" + kEnterpriseA +
              R"(", "content_filter": {"content_type": "course"}}})");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string::size_type at = created.out.find(R"("uuid": ")");
  ASSERT_NE(at, std::string::npos) << created.out;
  const std::string uuid = created.out.substr(at + 9, 36);
  const double not_found = Metric(kNotFound);
  CommandResult fresh =
      Ctl("GetCatalogMetadata", R"({"catalog_uuid":")" + uuid + R"("})");
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_THAT(fresh.out, HasSubstr(R"("catalog_title": "Fresh")"));
  EXPECT_EQ(Metric(kNotFound), not_found + 1);

  // Past the 1 s limit the replica is not trusted: reads go to the primary.
  ASSERT_TRUE(WaitForMetric(kServing, 0)) << server_->log();
  const double not_serving = Metric(kNotServing);
  meta = PythonMetadata();
  ASSERT_EQ(meta.exit_code, 0) << meta.err;
  EXPECT_THAT(meta.out, HasSubstr(R"("total_count": "3")"));
  EXPECT_EQ(Metric(kNotServing), not_serving + 1);
  EXPECT_GT(Metric("enterprise_catalog_read_replica_staleness_seconds"), 1);

  // Replay resumes: the replica catches up and serves again.
  ASSERT_TRUE(
      testing::ExecSql(replica_admin_, "SELECT pg_wal_replay_resume()").ok());
  ASSERT_TRUE(WaitForMetric(kServing, 1)) << server_->log();
  const double again = Metric(kFromReplica);
  fresh = Ctl("GetCatalogMetadata", R"({"catalog_uuid":")" + uuid + R"("})");
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_EQ(Metric(kFromReplica), again + 1);
  // The switch was logged (the log is flushed in the background).
  EXPECT_EQ(
      server_->WaitForLogMatch(
          R"re("msg":"metadata reads go to the (primary)")re", seconds(5)),
      "primary")
      << server_->log();
}

}  // namespace
}  // namespace ec
