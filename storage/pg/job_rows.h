#pragma once

// How refresh_job rows are read and written by the statements that return
// or record them (get_job.sql's column list, the thirteen figures), shared
// by the refresh queue and the full-metadata store. Internal to this folder.

#include <utility>

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "storage/refresh_queue.h"

namespace ec::storage::pg {

// Columns a statement returns after the job's own (JobFromRow) start here.
inline constexpr int kJobColumnCount = 29;

// The job columns of get_job.sql, which every job statement returns first.
RefreshJobRow JobFromRow(const pqxx::row& r);
// refresh_job.state's text as a JobState.
JobState StateFromName(std::string_view name);

absl::Status LeaseLost(const LeasedJob& lease);

// Binds the thirteen figures after `args`: the statements that record them
// (fail_attempt.sql, finish_job.sql) take them last, in refresh_job's order.
template <typename... Args>
pqxx::result ExecWithCounts(pqxx::transaction_base& tx, const char* statement,
                            const RefreshCounts& c, Args&&... args) {
  return tx.exec_prepared(
      statement, std::forward<Args>(args)..., c.pages, c.discovery_requests,
      c.discovery_retries, c.items_seen, c.members_before, c.members_after,
      c.members_added, c.members_removed, c.content_inserted, c.content_updated,
      c.content_unchanged, c.duration_ms, c.items_excluded);
}

}  // namespace ec::storage::pg
