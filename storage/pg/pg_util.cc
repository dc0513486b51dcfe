#include "storage/pg/pg_util.h"

#include <pqxx/pqxx>

#include "nlohmann/json.hpp"

namespace ec::storage::pg {

std::string ToPgTextArray(const std::vector<std::string>& values) {
  size_t size = 2;
  for (const auto& v : values) size += v.size() + 3;
  std::string out;
  out.reserve(size);
  out.push_back('{');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      // Inside a quoted array element only '"' and '\' need escaping.
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string ToPgBoolArray(const std::vector<bool>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back(values[i] ? 't' : 'f');
  }
  out.push_back('}');
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseJsonTextArray(
    std::string_view text) {
  const nlohmann::json json =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) {
    return absl::InternalError("expected a JSON array of strings");
  }
  std::vector<std::string> out;
  out.reserve(json.size());
  for (const auto& item : json) {
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    } else if (item.is_null()) {
      out.emplace_back();
    } else {
      return absl::InternalError("expected a JSON array of strings");
    }
  }
  return out;
}

namespace {

absl::Status FromSqlState(const std::string& state, std::string message) {
  if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" ||
      state == "57P03" || state.rfind("53", 0) == 0) {
    return absl::UnavailableError(std::move(message));
  }
  if (state == "57014") return absl::DeadlineExceededError(std::move(message));
  if (state == "23505") return absl::AlreadyExistsError(std::move(message));
  if (state == "40001" || state == "40P01") {
    return absl::AbortedError(std::move(message));
  }
  if (state == "22021" || state == "22P05") {
    return absl::InvalidArgumentError(std::move(message));
  }
  return absl::InternalError(std::move(message) + " (SQLSTATE " + state + ")");
}

}  // namespace

absl::Status StatusFromException(const std::exception& e,
                                 std::string_view what) {
  std::string message = std::string(what) + ": ";
  if (const auto* broken = dynamic_cast<const pqxx::broken_connection*>(&e)) {
    return absl::UnavailableError(message +
                                  "database unreachable: " + broken->what());
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    std::string detail = sql->what();
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) {
      detail.pop_back();
    }
    return FromSqlState(sql->sqlstate(), message + detail);
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnavailableError(message +
                                  "connection lost during commit: " + e.what());
  }
  return absl::InternalError(message + e.what());
}

bool IsConnectionLoss(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable;
}

}  // namespace ec::storage::pg
