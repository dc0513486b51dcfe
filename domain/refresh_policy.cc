#include "domain/refresh_policy.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ec::domain {
namespace {

// Elasticsearch stops counting at 10,000 (discovery never asks for exact
// totals), so beyond it "count" proves nothing.
constexpr int64_t kCountSaturation = 10000;

}  // namespace

bool NeedsRefresh(const RefreshPolicy& policy,
                  std::optional<common::Micros> refreshed, common::Micros now) {
  return !refreshed || *refreshed < now - common::ToMicros(policy.max_age);
}

ScheduleBounds ScheduleBoundsAt(const RefreshPolicy& policy,
                                common::Micros now) {
  return {.stale_before = now - common::ToMicros(policy.max_age),
          .cooldown_before = now - common::ToMicros(policy.failure_cooldown),
          .prune_before = now - common::ToMicros(policy.job_retention)};
}

common::Micros RetryDelay(const RefreshPolicy& policy, int attempts,
                          double jitter) {
  const int64_t base = common::ToMicros(policy.retry_base);
  const int64_t cap = common::ToMicros(policy.retry_max);
  int64_t delay = base;
  for (int i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  const double unit = std::clamp(jitter, 0.0, 1.0);
  return delay / 2 + static_cast<int64_t>(
                         std::llround(unit * static_cast<double>(delay / 2)));
}

absl::Status CheckCrawlComplete(const CrawlFigures& figures,
                                const std::vector<ContentRecord>& records) {
  if (figures.reported_count >= kCountSaturation) return absl::OkStatus();
  std::unordered_set<std::string_view> distinct;
  for (const ContentRecord& r : records) {
    if (!r.derived) distinct.insert(r.content_key);
  }
  const int64_t expected = figures.reported_count - figures.skipped;
  if (static_cast<int64_t>(distinct.size()) < expected) {
    return absl::DataLossError(absl::StrCat(
        "discovery pages were inconsistent: count ", figures.reported_count,
        " but ", figures.results, " results with ", distinct.size(),
        " distinct storable documents (", figures.skipped,
        " not storable); items were duplicated or missing across pages"));
  }
  return absl::OkStatus();
}

GuardrailDecision DecideGuardrail(const GuardrailPolicy& policy,
                                  int64_t members_before, int64_t would_remove,
                                  bool force) {
  GuardrailDecision decision;
  if (force || members_before <= 0) return decision;
  if (would_remove >= members_before) {
    decision.held = true;
    decision.note = absl::StrFormat(
        "guardrail: the crawl would remove all %d items of the query, so "
        "nothing was changed; a query is never emptied without an admin: if "
        "it really is empty now, RefreshCatalog with force=true applies it",
        members_before);
    return decision;
  }
  decision.held =
      members_before > policy.min_members &&
      static_cast<double>(would_remove) >
          policy.max_removal_share * static_cast<double>(members_before);
  if (decision.held) {
    decision.note = absl::StrFormat(
        "guardrail: the crawl would remove %d of %d items (%.0f%%, more than "
        "the allowed %.0f%%), so nothing was changed; if the shrink is real, "
        "RefreshCatalog with force=true applies it",
        would_remove, members_before,
        100.0 * static_cast<double>(would_remove) /
            static_cast<double>(members_before),
        100.0 * policy.max_removal_share);
  }
  return decision;
}

}  // namespace ec::domain
