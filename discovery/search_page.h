#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ec::discovery {

// Nesting limit for any body course-discovery or the token endpoint sends:
// two levels of envelope above ParseDiscoveryDocument's 128. nlohmann's
// parser and dump() recurse, so deeper bodies are refused before either runs.
inline constexpr int kMaxResponseDepth = 130;

// One page of search/all (or of courses/ and programs/, see
// ParseLimitOffsetPage), DRF's pagination envelope
// {"count": N, "next": url|null, "previous": url|null, "results": [...]}.
struct SearchPage {
  // "count" as sent: the size of the whole result set, not of this page.
  int64_t count = 0;
  // "next" is a non-empty string. The URL itself is not followed; the client
  // asks for page + 1 (search/all) or offset + limit (courses/, programs/).
  bool has_next = false;
  // The results, parsed once, member order kept, in page order; every one
  // is a JSON object, ready for domain::DiscoveryDocumentRecords.
  std::vector<nlohmann::ordered_json> documents;
  // Size of the body.
  int64_t bytes = 0;
};

// Validates a search/all response body and splits it into its results.
// INVALID_ARGUMENT, with a message saying what is wrong (never more than a
// short, sanitized quote of the body), for anything but a well-formed
// envelope: not JSON, nested deeper than kMaxResponseDepth, not an object,
// DRF's {"detail": ...} instead of a page, a missing or negative "count", a
// missing "next" or one that is neither null nor a string, "results" missing,
// not an array or with an element that is not an object. Never throws.
absl::StatusOr<SearchPage> ParseSearchPage(std::string_view body);

// The same for a page of GET courses/ or programs/ (DRF's
// LimitOffsetPagination: the same envelope without "facets"), with the same
// refusals, and also a "previous" that is neither null nor a string (it may
// be absent: nothing reads it). Never throws.
absl::StatusOr<SearchPage> ParseLimitOffsetPage(std::string_view body);

// Parses any response body into `out`, refusing bodies nested deeper than
// kMaxResponseDepth (member order kept). INVALID_ARGUMENT says why without
// quoting the body (nlohmann's own messages echo the bytes they choked on).
// Never throws.
absl::Status ParseResponseJson(std::string_view body,
                               nlohmann::ordered_json* out);

// Untrusted bytes made safe for a one-line message or log field: at most
// `limit` bytes (then "..."), with control, non-ASCII and backslash bytes
// escaped (\xNN, \\).
std::string SanitizeForMessage(std::string_view text, size_t limit);

}  // namespace ec::discovery
