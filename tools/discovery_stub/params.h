#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace ec::stub {

// The request's parameters as Django's QueryDict holds them: an ordered
// multi-map of decoded strings. Thread-compatible.
class QueryParams {
 public:
  using Item = std::pair<std::string, std::string>;

  void Append(std::string key, std::string value);
  // Replaces every value of `key` with `value` (appended last).
  void Set(std::string_view key, std::string value);
  void Remove(std::string_view key);

  // QueryDict.get(): the last value of `key`, or nullptr.
  const std::string* Get(std::string_view key) const;
  // QueryDict.getlist(): every value of `key`, in order.
  std::vector<std::string_view> GetList(std::string_view key) const;
  bool Has(std::string_view key) const { return Get(key) != nullptr; }

  const std::vector<Item>& items() const { return items_; }

 private:
  std::vector<Item> items_;
};

// Decodes an application/x-www-form-urlencoded string like Python's
// parse_qsl(keep_blank_values=True): '&'-separated, '+' is a space, %XX is
// decoded, a name without '=' gets the empty value.
QueryParams ParseQueryString(std::string_view query);

// Python's quote_plus(text, safe=''): keeps [A-Za-z0-9_.~-], turns spaces
// into '+', percent-encodes every other byte in upper-case hex.
std::string QuotePlus(std::string_view text);

// Python's urlencode(sorted(parse_qs(query).items()), doseq=True): keys
// sorted by byte value, each key's values kept in their order. This is how
// DRF re-encodes the query string of `next`/`previous` links.
std::string EncodeSorted(const QueryParams& params);

// Appends the JSON object `body` to `params` the way discovery's
// update_query_params_with_body_data does (reference §1.3): a one-element
// list becomes its element; strings are kept; lists and objects contribute
// one parameter per element (an object's keys); other values become their
// Python str() ("True", "False", "None", "5", "301.0"). An empty or
// whitespace-only body adds nothing. Fails with INVALID_ARGUMENT when the
// body is not a JSON object.
absl::Status MergeJsonBody(std::string_view body, QueryParams* params);

}  // namespace ec::stub
