#include "storage/pg/pg_customer_store.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace ec::storage::pg {
namespace {

// The columns of upsert_enterprise_customer.sql and
// get_enterprise_customer.sql.
EnterpriseCustomerRow CustomerFromRow(const pqxx::row& r) {
  EnterpriseCustomerRow out;
  out.uuid = r[0].as<std::string>();
  out.slug = r[1].as<std::string>();
  out.name = r[2].as<std::string>();
  out.enable_learner_portal = r[3].as<bool>();
  out.modified = r[4].as<Micros>();
  return out;
}

}  // namespace

absl::StatusOr<EnterpriseCustomerRow> PgCustomerStore::UpsertEnterpriseCustomer(
    const EnterpriseCustomerRow& customer) {
  return pool_->WithConnection(
      "writing enterprise customer", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<EnterpriseCustomerRow> {
        pqxx::nontransaction tx(conn);
        return CustomerFromRow(tx.exec_prepared1(
            "upsert_enterprise_customer", customer.uuid, customer.slug,
            customer.name, customer.enable_learner_portal));
      });
}

absl::StatusOr<EnterpriseCustomerRow> PgCustomerStore::GetEnterpriseCustomer(
    std::string_view uuid) {
  return pool_->WithConnection(
      "reading enterprise customer", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<EnterpriseCustomerRow> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r =
            tx.exec_prepared("get_enterprise_customer", std::string(uuid));
        if (r.empty()) {
          return absl::NotFoundError(absl::StrCat(
              "enterprise customer ", std::string(uuid), " not found"));
        }
        return CustomerFromRow(r[0]);
      });
}

}  // namespace ec::storage::pg
