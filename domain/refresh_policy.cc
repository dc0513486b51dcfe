#include "domain/refresh_policy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ec::domain {

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

absl::Status CheckCrawlComplete(const CrawlFigures& figures) {
  if (figures.repeated > 0) {
    return absl::DataLossError(absl::StrCat(
        "discovery's paging was unstable: ", figures.repeated, " of ",
        figures.results,
        " results repeated an earlier one (first: ", figures.first_repeat,
        "), so others may never have been seen; nothing was applied"));
  }
  if (figures.last_count != figures.reported_count) {
    return absl::DataLossError(
        absl::StrCat("discovery's count changed during the crawl, from ",
                     figures.reported_count, " to ", figures.last_count,
                     figures.count_changed_page > 0
                         ? absl::StrCat(" on page ", figures.count_changed_page)
                         : std::string(),
                     "; nothing was applied"));
  }
  const bool saturated = figures.reported_count >= kCountSaturation;
  if (figures.distinct < figures.reported_count ||
      (!saturated && figures.distinct != figures.reported_count)) {
    return absl::DataLossError(absl::StrCat(
        "discovery pages were inconsistent: count ", figures.reported_count,
        " but ", figures.distinct,
        " distinct results; items were missing across pages; nothing was "
        "applied"));
  }
  return absl::OkStatus();
}

std::string WhyCompletenessUnproven(const CrawlFigures& figures) {
  if (figures.reported_count < kCountSaturation) return "";
  return absl::StrCat("discovery's count stops at ", kCountSaturation,
                      ", so nothing proves that this crawl of ",
                      figures.distinct, " distinct results missed none");
}

GuardrailDecision DecideGuardrail(const GuardrailPolicy& policy,
                                  int64_t members_before, int64_t would_remove,
                                  std::optional<int64_t> approved_removals) {
  GuardrailDecision decision;
  if (members_before <= 0) return decision;
  if (approved_removals.has_value()) {
    if (would_remove <= *approved_removals) return decision;
    decision.held = true;
    decision.note = absl::StrFormat(
        "guardrail: the crawl would remove %d of %d items, more than the %d "
        "approved with force, so nothing was changed; review the new figures "
        "and force again to approve them",
        would_remove, members_before, *approved_removals);
    return decision;
  }
  if (!policy.unproven.empty() && would_remove > 0) {
    decision.held = true;
    decision.note = absl::StrFormat(
        "guardrail: %s, and it would remove %d of %d items, so nothing was "
        "changed; RefreshCatalog with force=true applies it",
        policy.unproven, would_remove, members_before);
    return decision;
  }
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
