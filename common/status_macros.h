#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Same meaning as upstream Abseil's ABSL_RETURN_IF_ERROR /
// ABSL_ASSIGN_OR_RETURN, which bookworm's Abseil (20220623) does not ship yet.
#define EC_RETURN_IF_ERROR(expr)                                \
  do {                                                          \
    if (::absl::Status ec_status_ = (expr); !ec_status_.ok()) { \
      return ec_status_;                                        \
    }                                                           \
  } while (0)

#define EC_CONCAT_INNER_(a, b) a##b
#define EC_CONCAT_(a, b) EC_CONCAT_INNER_(a, b)

#define EC_ASSIGN_OR_RETURN(lhs, expr) \
  EC_ASSIGN_OR_RETURN_IMPL_(EC_CONCAT_(ec_statusor_, __LINE__), lhs, expr)

#define EC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) {                                \
    return std::move(statusor).status();               \
  }                                                    \
  lhs = std::move(statusor).value()
