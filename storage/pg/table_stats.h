#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/pg/pg_pool.h"
#include "storage/types.h"

namespace ec::storage::pg {

// After a write of a crawl or an import has committed: analyzes the tables
// it changed enough to matter (tables_to_analyze.sql says which and why),
// so that the reads after it are planned for the tables as they now are.
// Returns the tables analyzed, in name order. ANALYZE (SKIP_LOCKED) skips a
// table another session is analyzing or vacuuming at that moment. An error
// is counted by the pool; the caller logs it and keeps its result, since
// the write itself is done.
absl::StatusOr<std::vector<std::string>> AnalyzeChangedTables(
    PgPool& pool, const ReplaceResult& write);

// AnalyzeChangedTables for a write that succeeded, with the outcome logged
// (component "storage"): what both writers call.
void AnalyzeAfterWrite(PgPool& pool, const ReplaceResult& write,
                       std::string_view what);

}  // namespace ec::storage::pg
