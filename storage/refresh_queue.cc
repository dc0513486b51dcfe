#include "storage/refresh_queue.h"

namespace ec::storage {

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kHeld:
      return "held";
  }
  return "failed";
}

std::string_view JobReasonName(JobReason reason) {
  switch (reason) {
    case JobReason::kCreated:
      return "created";
    case JobReason::kUpdated:
      return "updated";
    case JobReason::kRequested:
      return "requested";
    case JobReason::kScheduled:
      return "scheduled";
    case JobReason::kPublished:
      return "published";
    case JobReason::kCrawled:
      return "crawled";
  }
  return "requested";
}

std::string_view JobKindName(JobKind kind) {
  return kind == JobKind::kFull ? "full" : "crawl";
}

}  // namespace ec::storage
