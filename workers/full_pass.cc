// The full-metadata job: the full discovery documents of the in-use courses
// and programs that want them (changed in a crawl, new, named by a publish
// event, or older than the freshness bound), fetched in batches and merged
// into the stored documents by the store. Membership never depends on it.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "metrics/metrics.h"
#include "workers/refresh_worker.h"

namespace ec::workers {
namespace {

constexpr char kComponent[] = "refresh";

// Keys per batch: Django's DISCOVERY_COURSE_KEY_BATCH_SIZE, and one
// transaction per batch, so a pass interrupted anywhere keeps what it did.
constexpr int kBatchKeys = 50;
// Batches failing in a row that end the attempt: discovery is down, and
// walking every remaining batch through its retries would only delay the
// job's own backoff.
constexpr int kMaxFailedBatchesInARow = 3;

void AddFetchCounts(const discovery::FullFetchStats& stats,
                    storage::RefreshCounts* counts) {
  counts->pages += stats.pages;
  counts->discovery_requests += stats.requests;
  counts->discovery_retries += stats.retries;
  counts->items_seen += stats.results;
}

}  // namespace

absl::StatusOr<std::optional<storage::RefreshJobRow>>
RefreshWorker::RunFullPass(Slot& slot) {
  const storage::LeasedJob& lease = *slot.lease;
  nlohmann::json fields = JobFields(lease);
  common::LogInfo(kComponent, "full pass start", fields);
  const auto started = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - started)
        .count();
  };
  storage::RefreshCounts counts;
  if (full_metadata_ == nullptr) {
    return EndFailedAttempt(
        slot,
        absl::FailedPreconditionError(
            "this worker was built without the full-metadata store"),
        counts, std::move(fields), elapsed_ms());
  }
  const int64_t since = clock_();
  const int64_t stale_before = since - common::ToMicros(config_.policy.max_age);
  int64_t failed_batches = 0;
  int64_t not_returned = 0;
  int64_t outdated = 0;
  int64_t programs_excluded = 0;
  absl::Status last_failure;
  for (const char* type : {"course", "program"}) {
    int failed_in_a_row = 0;
    while (failed_in_a_row < kMaxFailedBatchesInARow) {
      if (absl::Status alive = KeepAlive(slot); !alive.ok()) {
        return EndFailedAttempt(slot, alive, counts, std::move(fields),
                                elapsed_ms());
      }
      auto keys = full_metadata_->NextFullWork(lease, type, since, stale_before,
                                               kBatchKeys);
      if (!keys.ok()) {
        return EndFailedAttempt(slot, keys.status(), counts, std::move(fields),
                                elapsed_ms());
      }
      if (keys->empty()) break;
      discovery::FullFetchResult fetched;
      const bool courses = std::string_view(type) == "course";
      absl::Status status = courses
                                ? slot.source->FetchCourses(*keys, &fetched)
                                : slot.source->FetchPrograms(*keys, &fetched);
      AddFetchCounts(fetched.stats, &counts);
      if (status.code() == absl::StatusCode::kCancelled ||
          status.code() == absl::StatusCode::kAborted) {
        return EndFailedAttempt(slot, status, counts, std::move(fields),
                                elapsed_ms());
      }
      if (!status.ok()) {
        // The batch keeps its stored documents and flags; the rest of this
        // attempt skips it and the job is retried with backoff.
        ++failed_batches;
        ++failed_in_a_row;
        last_failure = status;
        metrics::ContentMetrics::Get().FullBatchFailed(type);
        if (absl::Status marked =
                full_metadata_->MarkFullFailed(lease, *keys, clock_());
            !marked.ok()) {
          return EndFailedAttempt(slot, marked, counts, std::move(fields),
                                  elapsed_ms());
        }
        continue;
      }
      failed_in_a_row = 0;
      auto applied = full_metadata_->ApplyFullDocuments(
          lease, type, *keys, fetched.documents, config_.policy.inclusion,
          clock_());
      if (!applied.ok()) {
        return EndFailedAttempt(slot, applied.status(), counts,
                                std::move(fields), elapsed_ms());
      }
      counts.content_updated += applied->documents_changed;
      counts.content_unchanged += applied->documents_unchanged;
      counts.content_inserted += applied->programs_inserted;
      counts.content_updated += applied->programs_changed;
      not_returned += applied->not_returned;
      outdated += applied->documents_outdated;
      programs_excluded += applied->programs_excluded;
      metrics::ContentMetrics::Get().FullDocumentsApplied(
          type, applied->documents_changed, applied->documents_unchanged);
    }
  }
  counts.items_excluded = programs_excluded;
  counts.duration_ms = elapsed_ms();
  fields.update({{"discovery_requests", counts.discovery_requests},
                 {"discovery_retries", counts.discovery_retries},
                 {"documents_received", counts.items_seen},
                 {"changed", counts.content_updated},
                 {"unchanged", counts.content_unchanged},
                 {"programs_inserted", counts.content_inserted},
                 {"not_returned", not_returned},
                 {"outdated", outdated},
                 {"programs_excluded", programs_excluded},
                 {"failed_batches", failed_batches}});
  if (failed_batches > 0) {
    return EndFailedAttempt(
        slot,
        absl::Status(last_failure.code(),
                     absl::StrCat(failed_batches,
                                  " batch(es) of full documents failed; last: ",
                                  last_failure.message())),
        counts, std::move(fields), counts.duration_ms);
  }
  auto done = full_metadata_->CompleteFull(lease, counts, clock_());
  if (!done.ok()) {
    return EndFailedAttempt(slot, done.status(), counts, std::move(fields),
                            counts.duration_ms);
  }
  metrics::RefreshMetrics::Get().JobFinished(
      "succeeded", static_cast<double>(counts.duration_ms) / 1e3);
  fields["duration_ms"] = counts.duration_ms;
  common::LogInfo(kComponent, "full pass end", fields);
  return std::optional<storage::RefreshJobRow>(std::move(*done));
}

}  // namespace ec::workers
