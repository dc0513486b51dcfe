#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ec::storage::pg {

// Encodes strings as a PostgreSQL text[] literal, every element quoted, for
// a `$n::text[]` parameter. Elements must not contain NUL.
std::string ToPgTextArray(const std::vector<std::string>& values);

// Encodes booleans as a bool[] literal.
std::string ToPgBoolArray(const std::vector<bool>& values);

// Parses a text[] column selected as `array_to_json(col)::text` (NULL
// elements become ""). JSON, not PostgreSQL's own array output: that leaves
// elements such as ' and ; unquoted, which libpqxx 6.4's array_parser
// misreads (and on a lone ' aborts the process).
absl::StatusOr<std::vector<std::string>> ParseJsonTextArray(
    std::string_view text);

// Reads a row's columns through one libpqxx field. row[i] builds a field
// holding its own copy of the result, an atomic reference count taken and
// dropped per column read, which a page of 1,000 items of 22 columns paid
// some 30,000 times (docs/benchmarks.md). The reader moves one field along
// the row instead. It must not outlive the row's result.
class RowReader {
 public:
  explicit RowReader(const pqxx::row& row) : it_(row.begin()) {}

  // Column `i`; the reference is valid until the next call.
  const pqxx::field& operator[](int i) {
    it_ += i - at_;
    at_ = i;
    return *it_.operator->();
  }

 private:
  pqxx::row::const_iterator it_;
  int at_ = 0;  // it_'s column
};

// Maps a libpqxx/libpq exception to a status: connection failures and
// server shutdown -> UNAVAILABLE, statement timeout -> DEADLINE_EXCEEDED,
// unique violation -> ALREADY_EXISTS, serialization/deadlock -> ABORTED,
// everything else -> INTERNAL with the SQLSTATE. `what` prefixes the message.
absl::Status StatusFromException(const std::exception& e,
                                 std::string_view what);

// True if a status from StatusFromException means the connection is unusable.
bool IsConnectionLoss(const absl::Status& status);

}  // namespace ec::storage::pg
