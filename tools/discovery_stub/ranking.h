#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/params.h"

namespace ec::stub {

// Sorts `matches` (indices into `docs`) by the request's `ordering` (§1.4:
// start, aggregation_key, each optionally descending; by default -start then
// aggregation_key), then by the stand-in's tiebreak, content key ascending:
// Elasticsearch leaves ties unspecified, and a total order keeps paging
// stable.
void RankMatches(const QueryParams& params,
                 const std::vector<std::shared_ptr<const Document>>& docs,
                 std::vector<uint32_t>* matches);

}  // namespace ec::stub
