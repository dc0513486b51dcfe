#include "core/validation.h"

#include "absl/strings/str_cat.h"
#include "common/limits.h"
#include "common/uuid.h"

namespace ec::core {

absl::StatusOr<std::string> RequireUuid(absl::string_view field,
                                        absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  auto normalized =
      common::NormalizeUuid(std::string_view(value.data(), value.size()));
  if (!normalized) {
    // Echo a bounded prefix: the value is caller input of any size.
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        " must be a uuid like 123e4567-e89b-42d3-a456-426614174000, got \"",
        value.substr(0, 64), value.size() > 64 ? "...\"" : "\""));
  }
  return *normalized;
}

absl::Status ValidateContentKeys(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& keys,
    bool allow_empty, size_t max_keys) {
  if (keys.empty() && !allow_empty) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must list at least one content key"));
  }
  if (static_cast<size_t>(keys.size()) > max_keys) {
    return absl::InvalidArgumentError(absl::StrCat(field, " has ", keys.size(),
                                                   " keys; the limit is ",
                                                   max_keys, " per request"));
  }
  for (int i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    if (key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "] is empty"));
    }
    if (key.size() > common::kMaxContentKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i, "] is ", key.size(), " bytes; the limit is ",
          common::kMaxContentKeyBytes, " bytes"));
    }
    if (key.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i, "] contains a NUL character, which no key can hold"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ResolvePageSize(int32_t requested) {
  if (requested == 0) return common::kDefaultPageSize;
  if (requested < 0 || requested > common::kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size must be between 1 and ", common::kMaxPageSize, " (0 means ",
        common::kDefaultPageSize, "), got ", requested));
  }
  return requested;
}

absl::Status ValidateText(absl::string_view field, absl::string_view value,
                          size_t max_bytes, bool required) {
  if (required && value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is ", value.size(),
                                                   " bytes; the limit is ",
                                                   max_bytes, " bytes"));
  }
  if (value.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " contains a NUL character, which cannot be stored"));
  }
  return absl::OkStatus();
}

}  // namespace ec::core
