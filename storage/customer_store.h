#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/types.h"

namespace ec::storage {

// An enterprise customer as the platform (edx-enterprise) writes it: what
// the per-catalog fields need (the learner portal flag and the slug of the
// enrollment URLs, and `modified` for content_last_modified).
struct EnterpriseCustomerRow {
  std::string uuid;  // normalized
  std::string slug;
  std::string name;
  bool enable_learner_portal = false;
  // When slug, name or the flag last changed (an identical upsert keeps it).
  Micros modified = 0;
};

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
