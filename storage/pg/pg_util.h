#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <vector>

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

// Maps a libpqxx/libpq exception to a status: connection failures and
// server shutdown -> UNAVAILABLE, statement timeout -> DEADLINE_EXCEEDED,
// unique violation -> ALREADY_EXISTS, serialization/deadlock -> ABORTED,
// everything else -> INTERNAL with the SQLSTATE. `what` prefixes the message.
absl::Status StatusFromException(const std::exception& e,
                                 std::string_view what);

// True if a status from StatusFromException means the connection is unusable.
bool IsConnectionLoss(const absl::Status& status);

}  // namespace ec::storage::pg
