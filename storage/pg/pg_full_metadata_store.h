#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/full_metadata_store.h"
#include "storage/pg/pg_pool.h"

namespace ec::storage::pg {

// FullMetadataStore on PostgreSQL (migration 0003): the full_* columns of
// content_metadata say which rows want their full document, course_program
// holds the programs each course lists, and the job is a refresh_job row of
// kind 'full'. Every write first locks the job row under its lease token
// (lock_leased_job.sql), then content rows in key order: the order the
// crawl writer and NotifyContentChanged use too.
class PgFullMetadataStore final : public FullMetadataStore {
 public:
  // Does not take ownership; `pool` must outlive the store.
  explicit PgFullMetadataStore(PgPool* pool) : pool_(pool) {}

  absl::StatusOr<std::vector<std::string>> NextFullWork(
      const LeasedJob& lease, std::string_view content_type, Micros since,
      Micros stale_before, int limit) override;
  absl::StatusOr<FullApplyResult> ApplyFullDocuments(
      const LeasedJob& lease, std::string_view content_type,
      const std::vector<std::string>& requested,
      const std::vector<nlohmann::ordered_json>& documents,
      const domain::InclusionRules& rules, Micros now) override;
  absl::Status MarkFullFailed(const LeasedJob& lease,
                              const std::vector<std::string>& keys,
                              Micros now) override;
  absl::StatusOr<RefreshJobRow> CompleteFull(const LeasedJob& lease,
                                             const RefreshCounts& counts,
                                             Micros now) override;

 private:
  PgPool* const pool_;
};

}  // namespace ec::storage::pg
