// Enterprise customers on a real PostgreSQL: upsert and read back, and a
// `modified` that moves only when the customer changed.
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/test_env.h"

namespace ec {
namespace {

constexpr char kCustomer[] = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";

class CustomerStoreTest : public testing::SharedStoreTest<4> {
 protected:
  storage::CustomerStore& customers() { return *env_->customers(); }

  storage::EnterpriseCustomerRow Upsert(const std::string& slug, bool portal) {
    storage::EnterpriseCustomerRow c;
    c.uuid = kCustomer;
    c.slug = slug;
    c.name = "Acme Learning Co.";
    c.enable_learner_portal = portal;
    auto row = customers().UpsertEnterpriseCustomer(c);
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? *row : storage::EnterpriseCustomerRow{};
  }
};

TEST_F(CustomerStoreTest, UpsertThenGetRoundTrips) {
  EXPECT_EQ(customers().GetEnterpriseCustomer(kCustomer).status().code(),
            absl::StatusCode::kNotFound);
  const auto written = Upsert("acme", true);
  EXPECT_EQ(written.uuid, kCustomer);
  auto read = customers().GetEnterpriseCustomer(kCustomer);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->slug, "acme");
  EXPECT_EQ(read->name, "Acme Learning Co.");
  EXPECT_TRUE(read->enable_learner_portal);
  EXPECT_EQ(read->modified, written.modified);
}

TEST_F(CustomerStoreTest, ModifiedMovesOnlyWhenTheCustomerChanges) {
  const auto first = Upsert("acme", false);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(Upsert("acme", false).modified, first.modified);
  const auto changed = Upsert("acme", true);
  EXPECT_GT(changed.modified, first.modified);
  EXPECT_TRUE(changed.enable_learner_portal);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GT(Upsert("acme-corp", true).modified, changed.modified);
}

}  // namespace
}  // namespace ec
