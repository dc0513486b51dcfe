#pragma once

#include <string_view>

#include "storage/customer_store.h"
#include "storage/pg/pg_pool.h"

namespace ec::storage::pg {

// CustomerStore on the enterprise_customer table (migration 0004).
class PgCustomerStore final : public CustomerStore {
 public:
  // Does not take ownership; `pool` must outlive the store.
  explicit PgCustomerStore(PgPool* pool) : pool_(pool) {}

  absl::StatusOr<EnterpriseCustomerRow> UpsertEnterpriseCustomer(
      const EnterpriseCustomerRow& customer) override;
  absl::StatusOr<EnterpriseCustomerRow> GetEnterpriseCustomer(
      std::string_view uuid) override;

 private:
  PgPool* const pool_;
};

}  // namespace ec::storage::pg
