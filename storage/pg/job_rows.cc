#include "storage/pg/job_rows.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace ec::storage::pg {

JobState StateFromName(std::string_view name) {
  if (name == "queued") return JobState::kQueued;
  if (name == "running") return JobState::kRunning;
  if (name == "succeeded") return JobState::kSucceeded;
  if (name == "held") return JobState::kHeld;
  return JobState::kFailed;
}

namespace {

JobReason ReasonFromName(std::string_view name) {
  if (name == "created") return JobReason::kCreated;
  if (name == "updated") return JobReason::kUpdated;
  if (name == "scheduled") return JobReason::kScheduled;
  if (name == "published") return JobReason::kPublished;
  if (name == "crawled") return JobReason::kCrawled;
  return JobReason::kRequested;
}

}  // namespace

RefreshJobRow JobFromRow(const pqxx::row& r) {
  RefreshJobRow j;
  j.id = r[0].as<int64_t>();
  j.uuid = r[1].as<std::string>();
  j.catalog_query_id = r[2].as<int64_t>();
  j.catalog_query_uuid = r[3].as<std::string>();
  j.state = StateFromName(r[4].c_str());
  j.reason = ReasonFromName(r[5].c_str());
  j.force = r[6].as<bool>();
  j.attempts = r[7].as<int>();
  j.max_attempts = r[8].as<int>();
  j.created = r[9].as<Micros>();
  j.run_after = r[10].as<Micros>();
  if (!r[11].is_null()) j.started = r[11].as<Micros>();
  if (!r[12].is_null()) j.finished = r[12].as<Micros>();
  j.lease_owner = r[13].as<std::string>();
  j.last_error = r[14].as<std::string>();
  RefreshCounts& c = j.counts;
  int64_t* fields[] = {
      &c.pages,           &c.discovery_requests, &c.discovery_retries,
      &c.items_seen,      &c.members_before,     &c.members_after,
      &c.members_added,   &c.members_removed,    &c.content_inserted,
      &c.content_updated, &c.content_unchanged,  &c.duration_ms};
  for (int i = 0; i < 12; ++i) *fields[i] = r[15 + i].as<int64_t>();
  c.items_excluded = r[27].as<int64_t>();
  j.kind = std::string_view(r[28].c_str()) == "full" ? JobKind::kFull
                                                     : JobKind::kCrawl;
  return j;
}

absl::Status LeaseLost(const LeasedJob& lease) {
  return absl::AbortedError(
      absl::StrCat("lease on refresh job ", lease.job.uuid,
                   " was lost (expired and taken by another worker, or the "
                   "job was deleted)"));
}

}  // namespace ec::storage::pg
