#include "tools/discovery_stub/ranking.h"

#include <algorithm>
#include <optional>
#include <string_view>

namespace ec::stub {
namespace {

struct SortKey {
  bool by_start;
  bool descending;
};

std::vector<SortKey> Ordering(const QueryParams& params) {
  std::vector<SortKey> keys;
  for (std::string_view value : params.GetList("ordering")) {
    const bool descending = !value.empty() && value[0] == '-';
    // lstrip('-'), as the backend does.
    while (!value.empty() && value[0] == '-') value.remove_prefix(1);
    if (value == "start") {
      keys.push_back({true, descending});
    } else if (value == "aggregation_key") {
      keys.push_back({false, descending});
    }
  }
  if (keys.empty())
    keys = {{true, true}, {false, false}};  // ('-start', 'aggregation_key')
  return keys;
}

}  // namespace

void RankMatches(const QueryParams& params,
                 const std::vector<std::shared_ptr<const Document>>& docs,
                 std::vector<uint32_t>* matches) {
  const std::vector<SortKey> ordering = Ordering(params);
  auto compare = [&](uint32_t ia, uint32_t ib) {
    const Document& a = *docs[ia];
    const Document& b = *docs[ib];
    for (const SortKey& k : ordering) {
      if (k.by_start) {
        // Multi-valued: max for descending, min for ascending; missing last.
        const std::optional<int64_t> sa =
            k.descending ? a.max_start : a.min_start;
        const std::optional<int64_t> sb =
            k.descending ? b.max_start : b.min_start;
        if (sa.has_value() != sb.has_value()) return sa.has_value();
        if (sa && *sa != *sb) return k.descending ? *sa > *sb : *sa < *sb;
      } else if (a.aggregation_key != b.aggregation_key) {
        return k.descending ? a.aggregation_key > b.aggregation_key
                            : a.aggregation_key < b.aggregation_key;
      }
    }
    // The stand-in's deterministic tiebreak (ES leaves ties unspecified).
    if (a.key != b.key) return a.key < b.key;
    return ia < ib;
  };
  std::sort(matches->begin(), matches->end(), compare);
}

}  // namespace ec::stub
