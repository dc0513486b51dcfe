#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ec::testing {

// Reads the admin DSN of the test PostgreSQL cluster: the value of env
// EC_TEST_PG_DSN, else the contents of the file named by env
// EC_TEST_PG_DSN_FILE (whitespace trimmed). CTest sets these through its
// PostgreSQL fixture (scripts/pg-cluster.sh). Returns FAILED_PRECONDITION if
// neither yields a DSN, so tests fail loudly instead of silently skipping.
absl::StatusOr<std::string> ReadAdminDsn();

// The admin DSN of the test cluster's streaming replica (the pg_replica
// fixture, tests/CMakeLists.txt): the contents of the file named by env
// EC_TEST_PG_REPLICA_DSN_FILE; FAILED_PRECONDITION naming the fixture if
// there is none.
absl::StatusOr<std::string> ReadReplicaAdminDsn();

// Runs `sql` on `dsn` outside any store (setup, replay control); rows it
// returns are ignored.
absl::Status ExecSql(const std::string& dsn, const std::string& sql);

// A freshly created, uniquely named database on the test cluster, dropped
// (WITH (FORCE)) when the object is destroyed. Typical use in a fixture:
//
//   auto db = ec::testing::PgTestDatabase::Create();
//   ASSERT_TRUE(db.ok()) << db.status();
//   pqxx::connection conn((*db)->dsn());
class PgTestDatabase {
 public:
  // Creates database `ec_test_<pid>_<counter>_<random hex>` using the admin
  // DSN from ReadAdminDsn().
  static absl::StatusOr<std::unique_ptr<PgTestDatabase>> Create();

  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;
  ~PgTestDatabase();

  // DSN (libpq URI or key/value string) connecting to this database.
  const std::string& dsn() const { return dsn_; }
  // DSN of the cluster's admin database (`postgres`).
  const std::string& admin_dsn() const { return admin_dsn_; }
  // Name of this database.
  const std::string& name() const { return name_; }

 private:
  PgTestDatabase(std::string admin_dsn, std::string name, std::string dsn);

  std::string admin_dsn_;
  std::string name_;
  std::string dsn_;
};

// Returns `dsn` pointing at database `dbname` instead: for a URI
// (postgresql://... or postgres://...) the path component is replaced, e.g.
// postgresql://postgres@/postgres?host=/tmp/s&port=5432 ->
// postgresql://postgres@/<dbname>?host=/tmp/s&port=5432; for a key/value
// string ` dbname=<dbname>` is appended (the last setting wins). `dbname`
// must be a plain identifier ([A-Za-z0-9_]).
std::string DsnWithDatabase(const std::string& dsn, const std::string& dbname);

}  // namespace ec::testing
