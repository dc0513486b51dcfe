// The connection pool's metrics against a real PostgreSQL: connections in
// use, waits for a busy pool, and errors by class.
#include <chrono>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ec
