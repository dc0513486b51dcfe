#include "tests/support/pg_test_db.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>

#include <pqxx/pqxx>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ec::testing {
namespace {

constexpr char kDsnEnv[] = "EC_TEST_PG_DSN";
constexpr char kDsnFileEnv[] = "EC_TEST_PG_DSN_FILE";

std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

absl::Status StatusFromException(const std::exception& e,
                                 const std::string& what) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(
        absl::StrCat(what, ": cannot connect to PostgreSQL: ", e.what()));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return absl::InternalError(
        absl::StrCat(what, ": SQLSTATE ", sql->sqlstate(), ": ", e.what()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", e.what()));
}

std::string RandomHex() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint32_t> dist;
  return absl::StrFormat("%08x", dist(rd));
}

std::string UniqueDatabaseName() {
  static std::atomic<int> counter{0};
  return absl::StrCat("ec_test_", ::getpid(), "_", counter.fetch_add(1), "_",
                      RandomHex());
}

}  // namespace

absl::StatusOr<std::string> ReadReplicaAdminDsn() {
  constexpr char kReplicaDsnFileEnv[] = "EC_TEST_PG_REPLICA_DSN_FILE";
  const std::string file = GetEnv(kReplicaDsnFileEnv);
  std::ifstream in(file);
  std::string dsn;
  if (file.empty() || !in || !std::getline(in, dsn) ||
      absl::StripAsciiWhitespace(dsn).empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        kReplicaDsnFileEnv, "='", file,
        "' names no DSN; run the test through ctest (the pg_replica "
        "fixture)"));
  }
  return std::string(absl::StripAsciiWhitespace(dsn));
}

absl::Status ExecSql(const std::string& dsn, const std::string& sql) {
  try {
    pqxx::connection conn(dsn);
    pqxx::nontransaction tx(conn);
    tx.exec(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return StatusFromException(e, sql);
  }
}

absl::StatusOr<std::string> ReadAdminDsn() {
  std::string dsn(absl::StripAsciiWhitespace(GetEnv(kDsnEnv)));
  if (!dsn.empty()) return dsn;

  const std::string file = GetEnv(kDsnFileEnv);
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      return absl::FailedPreconditionError(absl::StrCat(
          kDsnFileEnv, "=", file,
          " cannot be read; is the PostgreSQL test fixture running? Run the "
          "tests through ctest (or scripts/test.sh), or set ",
          kDsnEnv, " to an admin DSN"));
    }
    std::stringstream contents;
    contents << in.rdbuf();
    dsn = std::string(absl::StripAsciiWhitespace(contents.str()));
    if (!dsn.empty()) return dsn;
    return absl::FailedPreconditionError(
        absl::StrCat(kDsnFileEnv, "=", file, " is empty"));
  }

  return absl::FailedPreconditionError(absl::StrCat(
      "no test PostgreSQL cluster: run the tests through ctest (or "
      "scripts/test.sh), which starts one, or set ",
      kDsnEnv,
      " to an admin DSN such as "
      "postgresql://postgres@/postgres?host=/tmp/sockdir&port=5432 (e.g. the "
      "output of: scripts/pg-cluster.sh start <state-dir> --fast)"));
}

std::string DsnWithDatabase(const std::string& dsn, const std::string& dbname) {
  const std::string::size_type scheme_end = dsn.find("://");
  const bool is_uri =
      scheme_end != std::string::npos &&
      (dsn.starts_with("postgresql://") || dsn.starts_with("postgres://"));
  if (!is_uri) return absl::StrCat(dsn, " dbname=", dbname);

  const std::string::size_type authority = scheme_end + 3;
  const std::string::size_type rest = dsn.find_first_of("/?#", authority);
  if (rest == std::string::npos) return absl::StrCat(dsn, "/", dbname);
  std::string::size_type path_end = rest;
  if (dsn[rest] == '/') {
    path_end = dsn.find_first_of("?#", rest);
    if (path_end == std::string::npos) path_end = dsn.size();
  }
  return absl::StrCat(dsn.substr(0, rest), "/", dbname, dsn.substr(path_end));
}

PgTestDatabase::PgTestDatabase(std::string admin_dsn, std::string name,
                               std::string dsn)
    : admin_dsn_(std::move(admin_dsn)),
      name_(std::move(name)),
      dsn_(std::move(dsn)) {}

absl::StatusOr<std::unique_ptr<PgTestDatabase>> PgTestDatabase::Create() {
  absl::StatusOr<std::string> admin_dsn = ReadAdminDsn();
  if (!admin_dsn.ok()) return admin_dsn.status();

  std::string name = UniqueDatabaseName();
  try {
    pqxx::connection conn(*admin_dsn);
    // CREATE DATABASE cannot run inside a transaction block.
    pqxx::nontransaction tx(conn);
    tx.exec0(absl::StrCat("CREATE DATABASE ", conn.quote_name(name)));
  } catch (const std::exception& e) {
    return StatusFromException(
        e, absl::StrCat("creating test database ", name, " via ", *admin_dsn));
  }
  std::string dsn = DsnWithDatabase(*admin_dsn, name);
  return absl::WrapUnique(new PgTestDatabase(*std::move(admin_dsn),
                                             std::move(name), std::move(dsn)));
}

PgTestDatabase::~PgTestDatabase() {
  try {
    pqxx::connection conn(admin_dsn_);
    pqxx::nontransaction tx(conn);
    tx.exec0(absl::StrCat("DROP DATABASE IF EXISTS ", conn.quote_name(name_),
                          " WITH (FORCE)"));
  } catch (...) {
    // Best effort: the throwaway cluster is destroyed after the tests anyway.
  }
}

}  // namespace ec::testing
