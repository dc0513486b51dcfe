#include "discovery/responses.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json_depth.h"
#include "common/status_macros.h"
#include "discovery/search_page.h"
#include "nlohmann/json.hpp"

namespace ec::discovery {
namespace {

// The same JSON type as ParseSearchPage's (member order kept).
using Json = nlohmann::ordered_json;
using std::chrono::milliseconds;

// How much of an unexpected body an error message may quote.
constexpr size_t kBodyPrefixBytes = 120;
// How much of a {"detail": ...} message an error message may quote.
constexpr size_t kDetailBytes = 200;

}  // namespace

std::string BodyPrefix(std::string_view body) {
  if (body.empty()) return "empty body";
  return absl::StrCat("body (", body.size(), " bytes) \"",
                      SanitizeForMessage(body, kBodyPrefixBytes), "\"");
}

// application/x-www-form-urlencoded, as Python's urlencode writes it.
std::string FormEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

// A short description of a non-2xx body: DRF's {"detail": ...} if there is
// one, else its first bytes.
std::string DescribeErrorBody(std::string_view body) {
  if (!common::NestsDeeperThan(body, kMaxResponseDepth)) {
    const Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) {
      const auto detail = parsed.find("detail");
      if (detail != parsed.end() && detail->is_string()) {
        return absl::StrCat(
            "detail \"",
            SanitizeForMessage(detail->get_ref<const std::string&>(),
                               kDetailBytes),
            "\"");
      }
    }
  }
  return BodyPrefix(body);
}

// The token endpoint's error code only: its bodies are never quoted, as a
// token response could carry a token.
std::string DescribeTokenError(std::string_view body) {
  if (!common::NestsDeeperThan(body, kMaxResponseDepth)) {
    const Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) {
      const auto error = parsed.find("error");
      if (error != parsed.end() && error->is_string()) {
        return absl::StrCat(
            ", error \"",
            SanitizeForMessage(error->get_ref<const std::string&>(), 64), "\"");
      }
    }
  }
  return "";
}

// Never quotes the body: it may hold a token even when malformed.
absl::StatusOr<Token> ParseTokenResponse(std::string_view body) {
  Json parsed;
  EC_RETURN_IF_ERROR(ParseResponseJson(body, &parsed));
  if (!parsed.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object but ", parsed.type_name()));
  }
  Token token;
  const auto access_token = parsed.find("access_token");
  if (access_token == parsed.end() || !access_token->is_string() ||
      access_token->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError("no non-empty string \"access_token\"");
  }
  token.value = access_token->get<std::string>();
  // It goes into a header line verbatim.
  for (const char c : token.value) {
    if (c <= 0x20 || c >= 0x7f) {
      return absl::InvalidArgumentError(
          "\"access_token\" has characters not allowed in a header");
    }
  }
  const auto expires_in = parsed.find("expires_in");
  if (expires_in == parsed.end() || !expires_in->is_number() ||
      !std::isfinite(expires_in->get<double>()) ||
      expires_in->get<double>() < 0) {
    return absl::InvalidArgumentError("no non-negative number \"expires_in\"");
  }
  token.expires_in_seconds = expires_in->get<double>();
  return token;
}

// The seconds form, or an HTTP-date measured against the wall clock.
std::optional<milliseconds> ParseRetryAfter(std::string_view header) {
  const std::string value(absl::StripAsciiWhitespace(
      absl::string_view(header.data(), header.size())));
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return absl::ascii_isdigit(c); })) {
    // Anything beyond a year is capped by retry_after_max anyway.
    if (value.size() > 8) return milliseconds(int64_t{99999999} * 1000);
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(value, &seconds)) return std::nullopt;
    return milliseconds(seconds * 1000);
  }
  absl::Time when;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", value, &when, &error)) {
    return std::nullopt;
  }
  const absl::Duration wait = when - absl::Now();
  if (wait <= absl::ZeroDuration()) return milliseconds(0);
  return milliseconds(
      absl::ToInt64Milliseconds(std::min(wait, absl::Hours(24 * 365))));
}

bool IsRetryableHttpStatus(int status) {
  return status >= 500 || status == 429 || status == 408;
}

bool IsRetryableTransportError(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// A bounded label for an HTTP status: 429 apart (rate limiting is worth
// telling from other refusals), the rest by class.
std::string_view HttpStatusClass(int status) {
  if (status == 429) return "429";
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  if (status >= 300) return "3xx";
  if (status >= 200) return "2xx";
  return "other";
}

}  // namespace ec::discovery
