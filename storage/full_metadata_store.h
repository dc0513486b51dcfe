#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/inclusion.h"
#include "nlohmann/json.hpp"
#include "storage/refresh_queue.h"

namespace ec::storage {

// What applying one batch of full documents changed.
struct FullApplyResult {
  int64_t documents_changed = 0;    // stored documents rewritten
  int64_t documents_unchanged = 0;  // same full document as last time
  // Older than the stored document (domain::FullDocumentPredates): a crawl
  // stored a newer version while the batch was in flight. Not merged; still
  // wanted, so the next pass fetches them again.
  int64_t documents_outdated = 0;
  // Requested but not returned by discovery: left as they are.
  int64_t not_returned = 0;
  // Program rows created or changed from courses' nested "programs".
  int64_t programs_inserted = 0;
  int64_t programs_changed = 0;
  // Nested programs the inclusion rules kept out.
  int64_t programs_excluded = 0;
};

// The full-metadata pass's storage: which courses and programs want their
// full discovery document (GET /courses/, /programs/), and merging what
// discovery returned into the stored documents (django-rules.md §3). It runs
// as a refresh job of kind JobKind::kFull, leased from the RefreshQueue;
// every call takes that lease and fails ABORTED, changing nothing, once the
// lease is lost.
//
// Which content is "in use": courses and programs that are members of a
// query some catalog uses, and programs that such courses list. Rows are
// global, so a course shared by a hundred queries is fetched once.
class FullMetadataStore {
 public:
  virtual ~FullMetadataStore() = default;

  // Up to `limit` in-use keys of `content_type` ("course" or "program")
  // whose full document is wanted, most urgent first: flagged (a crawl
  // changed the search/all document, or a publish event), then never
  // fetched, then fetched before `stale_before`. Rows fetched or given up
  // on since `since` (this attempt) are skipped, so a pass always ends.
  virtual absl::StatusOr<std::vector<std::string>> NextFullWork(
      const LeasedJob& lease, std::string_view content_type, Micros since,
      Micros stale_before, int limit) = 0;

  // Merges `documents` (what discovery returned for `requested`) into the
  // stored rows, in one transaction: courses by Django's full-course rule
  // (including the programs they list, which become or update program
  // rows), programs by a shallow update. Every requested row is marked
  // fetched at `now`, returned or not; a document is never downgraded and
  // no field is removed. Documents for keys not requested are ignored.
  virtual absl::StatusOr<FullApplyResult> ApplyFullDocuments(
      const LeasedJob& lease, std::string_view content_type,
      const std::vector<std::string>& requested,
      const std::vector<nlohmann::ordered_json>& documents,
      const domain::InclusionRules& rules, Micros now) = 0;

  // Discovery failed for `keys`: they keep their documents and their flags,
  // and are skipped for the rest of this attempt (NextFullWork's `since`).
  virtual absl::Status MarkFullFailed(const LeasedJob& lease,
                                      const std::vector<std::string>& keys,
                                      Micros now) = 0;

  // Finishes the full job SUCCEEDED with `counts`.
  virtual absl::StatusOr<RefreshJobRow> CompleteFull(
      const LeasedJob& lease, const RefreshCounts& counts, Micros now) = 0;
};

}  // namespace ec::storage
