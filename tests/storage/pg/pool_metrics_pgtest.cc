// The connection pool's metrics against a real PostgreSQL: connections in
// use, waits for a busy pool, and errors by class.
#include <chrono>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "common/call_deadline.h"
#include "metrics/metrics.h"
#include "storage/pg/pg_pool.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

TEST(PoolMetricsTest, InUseWaitsAndErrorsAreCounted) {
  auto env = testing::StoreEnv::Create(1);
  ASSERT_TRUE(env.ok()) << env.status();
  storage::pg::PgConfig config = (*env)->config();
  config.pool_size = 1;
  config.name = "pool-metrics-test";
  auto pool = storage::pg::PgPool::Create(config, nullptr);
  ASSERT_TRUE(pool.ok()) << pool.status();
  // Reads the same series the pool writes (same pool label).
  metrics::DbPoolMetrics view(config.name, config.pool_size);
  const double waits = view.WaitsTotal();

  {
    std::optional<absl::StatusOr<storage::pg::PgPool::Lease>> held;
    held.emplace((*pool)->Acquire());
    ASSERT_TRUE(held->ok()) << held->status();
    EXPECT_EQ(view.InUse(), 1);
    std::thread waiter([&] {
      auto second = (*pool)->Acquire();  // waits for `held`
      EXPECT_TRUE(second.ok()) << second.status();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    try {
      pqxx::nontransaction tx((*held)->conn());
      tx.exec1("SELECT 1");
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    held.reset();  // the waiter gets the connection
    waiter.join();
  }
  EXPECT_EQ(view.WaitsTotal() - waits, 1);
  EXPECT_EQ(view.InUse(), 0);

  storage::pg::PgConfig unreachable = testing::UnreachableDatabaseConfig();
  unreachable.name = "pool-metrics-unreachable";
  auto bad = storage::pg::PgPool::Create(unreachable, nullptr);
  ASSERT_TRUE(bad.ok());
  metrics::DbPoolMetrics bad_view(unreachable.name, unreachable.pool_size);
  const double errors = bad_view.ErrorsTotal("connection");
  EXPECT_FALSE((*bad)->Acquire().ok());
  EXPECT_EQ(bad_view.ErrorsTotal("connection") - errors, 1);
}

// Issue 14, defect 9: the caller's gRPC deadline reaches SQL (before, every
// statement had the fixed statement timeout, however soon the caller gave
// up), and the connection keeps its own timeout for the next call.
TEST(PoolDeadlineTest, ACallsDeadlineBoundsItsStatements) {
  auto env = testing::StoreEnv::Create(1);
  ASSERT_TRUE(env.ok()) << env.status();
  storage::pg::PgConfig config = (*env)->config();
  config.pool_size = 1;
  config.statement_timeout = std::chrono::milliseconds(5000);
  config.name = "pool-deadline-test";
  auto pool = storage::pg::PgPool::Create(config, nullptr);
  ASSERT_TRUE(pool.ok()) << pool.status();
  auto sleep = [&] {
    return (*pool)->WithConnection("sleeping", storage::pg::Idempotent::kNo,
                                   [](pqxx::connection& conn) -> absl::Status {
                                     pqxx::nontransaction tx(conn);
                                     tx.exec("SELECT pg_sleep(1.5)");
                                     return absl::OkStatus();
                                   });
  };
  auto timeout = [&] {
    return (*pool)->WithConnection(
        "reading the timeout", storage::pg::Idempotent::kYes,
        [](pqxx::connection& conn) -> absl::StatusOr<std::string> {
          pqxx::nontransaction tx(conn);
          return tx.exec1("SHOW statement_timeout")[0].as<std::string>();
        });
  };
  {
    const common::CallDeadlineScope deadline(std::chrono::system_clock::now() +
                                             std::chrono::milliseconds(300));
    EXPECT_EQ(sleep().code(), absl::StatusCode::kDeadlineExceeded);
  }
  auto restored = timeout();
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(*restored, "5s");
  EXPECT_TRUE(sleep().ok());  // no deadline: the pool's own timeout
  {
    const common::CallDeadlineScope passed(std::chrono::system_clock::now() -
                                           std::chrono::milliseconds(1));
    const absl::Status none = sleep();
    EXPECT_EQ(none.code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_NE(std::string(none.message()).find("deadline passed"),
              std::string::npos);
  }
  // gRPC's "no deadline" is the far future: nothing is bounded.
  {
    const common::CallDeadlineScope far(
        std::chrono::system_clock::time_point::max());
    EXPECT_FALSE(common::CurrentCallDeadline().has_value());
  }
}

}  // namespace
}  // namespace ec
