#pragma once

// How the discovery client reads what course-discovery and the token
// endpoint answer: the OAuth2 token response, Retry-After, which statuses are
// worth retrying, and short, safe descriptions of unexpected bodies for
// errors and logs. Internal to this folder.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ec::discovery {

// The body's size and a sanitized prefix, for an error message.
std::string BodyPrefix(std::string_view body);

// application/x-www-form-urlencoded, as Python's urlencode writes it.
std::string FormEncode(std::string_view value);

// A short description of a non-2xx body: DRF's {"detail": ...} if there is
// one, else its first bytes.
std::string DescribeErrorBody(std::string_view body);

// The token endpoint's error code only (", error \"...\"" or ""): its
// bodies are never quoted, as a token response could carry a token.
std::string DescribeTokenError(std::string_view body);

struct Token {
  std::string value;
  double expires_in_seconds = 0;
};

// A client-credentials token response. INVALID_ARGUMENT says what is wrong
// without quoting the body (it may hold a token even when malformed).
absl::StatusOr<Token> ParseTokenResponse(std::string_view body);

// Retry-After in its seconds form, or an HTTP-date measured against the wall
// clock; nullopt if it is neither.
std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view header);

// 5xx, 408 and 429: another attempt may succeed.
bool IsRetryableHttpStatus(int status);
// Connection failures and timeouts.
bool IsRetryableTransportError(const absl::Status& status);
bool IsSuccess(int status);

// A bounded metrics label for an HTTP status: 429 apart (rate limiting is
// worth telling from other refusals), the rest by class.
std::string_view HttpStatusClass(int status);

}  // namespace ec::discovery
