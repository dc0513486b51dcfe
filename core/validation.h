#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace ec::core {

// Request validation shared by the RPCs. Every error is INVALID_ARGUMENT
// with a message naming the field and, where one applies, the limit.

// A required uuid field; returns it normalized to lower case.
absl::StatusOr<std::string> RequireUuid(absl::string_view field,
                                        absl::string_view value);

// A repeated content-key field: 1..max_keys keys (0 allowed if
// `allow_empty`), each 1..kMaxContentKeyBytes bytes without NUL.
absl::Status ValidateContentKeys(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& keys,
    bool allow_empty, size_t max_keys = common::kMaxKeysPerRequest);

// 0 means the default; negative or above kMaxPageSize is an error.
absl::StatusOr<int> ResolvePageSize(int32_t requested);

// A free-text field: at most `max_bytes`, no NUL; `required` rejects "".
absl::Status ValidateText(absl::string_view field, absl::string_view value,
                          size_t max_bytes, bool required);

}  // namespace ec::core
