#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/types.h"

namespace ec::storage {

// Enterprise customers. Thread-safe; every method blocks. Arguments are
// assumed validated; errors are NOT_FOUND, UNAVAILABLE, DEADLINE_EXCEEDED or
// INTERNAL.
class CustomerStore {
 public:
  virtual ~CustomerStore() = default;

  // Creates or replaces the customer; `modified` of the argument is ignored.
  virtual absl::StatusOr<EnterpriseCustomerRow> UpsertEnterpriseCustomer(
      const EnterpriseCustomerRow& customer) = 0;
  // NOT_FOUND when the platform never wrote it (Django treats such a
  // customer as {}: learner portal off, empty slug).
  virtual absl::StatusOr<EnterpriseCustomerRow> GetEnterpriseCustomer(
      std::string_view uuid) = 0;
};

}  // namespace ec::storage
