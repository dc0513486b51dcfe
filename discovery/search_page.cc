#include "discovery/search_page.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/json_depth.h"
#include "domain/content.h"
#include "nlohmann/json.hpp"

namespace ec::discovery {
namespace {

// Ordered, so a result document keeps the member order discovery sent.
using Json = nlohmann::ordered_json;

// How much of a {"detail": ...} message an error message may quote.
constexpr size_t kDetailBytes = 200;

// Which pagination envelope a body should be.
enum class Envelope { kPageNumber, kLimitOffset };

// OK when envelope[name] is null or a string.
absl::Status CheckNullOrString(const Json& envelope, const char* name) {
  const auto member = envelope.find(name);
  if (member == envelope.end()) {
    return absl::InvalidArgumentError(absl::StrCat("no \"", name, "\""));
  }
  if (!member->is_null() && !member->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is neither null nor a string but ",
                     member->type_name()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string SanitizeForMessage(std::string_view text, size_t limit) {
  std::string out;
  const size_t shown = std::min(text.size(), limit);
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < text.size()) absl::StrAppend(&out, "...");
  return out;
}

absl::Status ParseResponseJson(std::string_view body, Json* out) {
  if (common::NestsDeeperThan(body, kMaxResponseDepth)) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nests deeper than ", kMaxResponseDepth, " levels"));
  }
  try {
    *out = Json::parse(body);
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON (parse error at byte ", e.byte, " of ",
                     body.size(), ")"));
  } catch (const Json::exception&) {
    // out_of_range: a number beyond double's range, e.g. 1e999.
    return absl::InvalidArgumentError(
        "not valid JSON (a number is out of range)");
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<SearchPage> ParsePage(std::string_view body, Envelope kind) {
  Json envelope;
  if (absl::Status parsed = ParseResponseJson(body, &envelope); !parsed.ok()) {
    return parsed;
  }
  if (!envelope.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object but ", envelope.type_name()));
  }
  SearchPage page;
  const auto count = envelope.find("count");
  if (count == envelope.end()) {
    const auto detail = envelope.find("detail");
    if (detail != envelope.end() && detail->is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no \"count\" but detail \"",
                       SanitizeForMessage(detail->get_ref<const std::string&>(),
                                          kDetailBytes),
                       "\""));
    }
    return absl::InvalidArgumentError("no \"count\"");
  }
  const bool count_ok =
      count->is_number_unsigned()
          ? count->get<uint64_t>() <=
                static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
          : count->is_number_integer() && count->get<int64_t>() >= 0;
  if (!count_ok) {
    return absl::InvalidArgumentError(
        "\"count\" is not a non-negative integer");
  }
  page.count = count->get<int64_t>();

  const auto results = envelope.find("results");
  if (results == envelope.end()) {
    return absl::InvalidArgumentError("no \"results\"");
  }
  if (!results->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"results\" is not an array but ", results->type_name()));
  }
  for (size_t i = 0; i < results->size(); ++i) {
    if (!(*results)[i].is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "results[", i, "] is not an object but ", (*results)[i].type_name()));
    }
  }

  if (absl::Status next = CheckNullOrString(envelope, "next"); !next.ok()) {
    return next;
  }
  // Nothing reads "previous", so only a wrong type (a sign of some other
  // document) is refused, not its absence.
  if (kind == Envelope::kLimitOffset && envelope.contains("previous")) {
    if (absl::Status previous = CheckNullOrString(envelope, "previous");
        !previous.ok()) {
      return previous;
    }
  }
  const Json& next = envelope["next"];
  page.has_next =
      next.is_string() && !next.get_ref<const std::string&>().empty();

  // Moved out of the envelope, never re-serialized: each document is parsed
  // once per crawl.
  Json& array = envelope["results"];
  page.documents.reserve(array.size());
  for (Json& document : array) page.documents.push_back(std::move(document));
  page.bytes = static_cast<int64_t>(body.size());
  return page;
}

}  // namespace

absl::StatusOr<SearchPage> ParseSearchPage(std::string_view body) {
  return ParsePage(body, Envelope::kPageNumber);
}

absl::StatusOr<SearchPage> ParseLimitOffsetPage(std::string_view body) {
  return ParsePage(body, Envelope::kLimitOffset);
}

}  // namespace ec::discovery
