#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "domain/content.h"
#include "domain/inclusion.h"

namespace ec::domain {

// When a crawl would remove this much of a query's content, the change is
// held for an admin (guards against discovery glitches: ADR 0009 of the
// Django service, counted on unique keys here). A crawl that would remove
// every member of a non-empty query is held whatever its size: a brief
// "count: 0" from discovery must not empty a small catalog.
struct GuardrailPolicy {
  // Hold when removed / members_before exceeds this share...
  double max_removal_share = 0.8;
  // ...and members_before exceeds this count.
  int64_t min_members = 50;
  // Set for one crawl, never from settings: why that crawl is not proven
  // complete (WhyCompletenessUnproven). When set, any removal is held.
  std::string unproven;
};

// Every "when" of the refresh pipeline, in one struct that the core (which
// queues refreshes when catalogs change) and the workers (which schedule,
// retry and apply them) share. Defaults are the settings' defaults.
struct RefreshPolicy {
  // Data older than this, or never fetched, is refreshed. 12 h leaves room
  // for a day of retries inside the 24 h promise.
  std::chrono::milliseconds max_age{std::chrono::hours(12)};
  // Attempts per job, and the backoff between them: base * 2^(n-1), with
  // jitter, capped.
  int max_attempts = 5;
  std::chrono::milliseconds retry_base{std::chrono::seconds(30)};
  std::chrono::milliseconds retry_max{std::chrono::minutes(15)};
  // A query whose last job failed or was held is not re-queued by the
  // scheduler for this long (explicit requests still are).
  std::chrono::milliseconds failure_cooldown{std::chrono::minutes(15)};
  // A RefreshCatalog without force, for a query with no job queued or
  // running whose last crawl succeeded less than this long ago, is answered
  // with that job instead of a new crawl. 0: every request crawls.
  std::chrono::milliseconds min_request_interval{std::chrono::minutes(1)};
  // Finished jobs are deleted after this long.
  std::chrono::milliseconds job_retention{std::chrono::hours(24 * 7)};
  GuardrailPolicy guardrail;
  // Which discovery content a catalog may contain at all.
  InclusionRules inclusion;
};

// Whether a query last refreshed at `refreshed` (nullopt: never) needs a
// refresh at `now`.
bool NeedsRefresh(const RefreshPolicy& policy,
                  std::optional<common::Micros> refreshed, common::Micros now);

// The bounds of one scheduler pass at `now`: queries refreshed before
// stale_before get a job, unless one of theirs failed or was held after
// cooldown_before; finished jobs older than prune_before are deleted.
struct ScheduleBounds {
  common::Micros stale_before = 0;
  common::Micros cooldown_before = 0;
  common::Micros prune_before = 0;
};
ScheduleBounds ScheduleBoundsAt(const RefreshPolicy& policy,
                                common::Micros now);

// The delay before the next attempt of a job that has made `attempts`
// attempts: equal jitter over base * 2^(attempts-1), capped at retry_max, so
// a failing query really backs off (at least half the delay) while queries
// failing together (an outage) do not retry in lockstep. `jitter` in [0, 1]
// picks the point in the upper half.
common::Micros RetryDelay(const RefreshPolicy& policy, int attempts,
                          double jitter);

// What a crawl saw, as the completeness check needs it. Every result
// counts, storable or not (persons are results discovery counted too).
struct CrawlFigures {
  int64_t reported_count = 0;  // discovery's "count" on the first page
  // ... on the first page where it changed (count_changed_page), else on
  // the last page.
  int64_t last_count = 0;
  int64_t count_changed_page = 0;  // 0: unknown or never changed
  int64_t results = 0;             // result documents received, repeats too
  // Distinct identities among the results (domain::ResultIdentity; a
  // result without one counts as distinct).
  int64_t distinct = 0;
  int64_t repeated = 0;      // results whose identity an earlier one had
  std::string first_repeat;  // the first repeated identity, for the message
};

// Elasticsearch stops counting at 10,000 (discovery never asks for exact
// totals): from there on "count" proves nothing about completeness.
inline constexpr int64_t kCountSaturation = 10000;

// OK if the crawl's results can be the query's complete content. Discovery
// pages by an unstable sort: under load a page can repeat results of an
// earlier one, and then others are never seen. Applying such a crawl would
// unlink content that still exists, so DATA_LOSS (the job is retried) when
// any result repeats an earlier identity, when "count" changed on any page
// after the first, or when the distinct results differ from
// "count" (below kCountSaturation; above it, when they are fewer).
absl::Status CheckCrawlComplete(const CrawlFigures& figures);

// Why a crawl that passed CheckCrawlComplete is still not proven complete
// (a saturated "count" cannot be compared with), or "" when it is. Such a
// crawl may add content but removes nothing without an admin: see
// GuardrailPolicy::unproven.
std::string WhyCompletenessUnproven(const CrawlFigures& figures);

// Whether applying a crawl is held for an admin, and why.
struct GuardrailDecision {
  bool held = false;
  // For a held crawl, what the job's last_error says (the figures, the
  // limit, and how to apply it anyway).
  std::string note;
};

// The guardrail on a crawl that would remove `would_remove` of a query's
// `members_before` items. A forced job carries `approved_removals`, what
// an admin reviewed on the held crawl: it is held again only if this crawl
// removes more than that.
GuardrailDecision DecideGuardrail(const GuardrailPolicy& policy,
                                  int64_t members_before, int64_t would_remove,
                                  std::optional<int64_t> approved_removals);

}  // namespace ec::domain
