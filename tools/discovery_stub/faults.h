#pragma once

// Injected faults: the rules a test or /_stub/faults adds, and the injector
// that decides which of them fire for a request. How a fault changes the
// answer is the endpoints' business (search_endpoint.cc, token_endpoint.cc).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "tools/discovery_stub/rng.h"

namespace ec::stub {

// kSearch: search/all; kToken: the token endpoint; kCourses and kPrograms:
// /api/v1/courses/ and /api/v1/programs/, whose "page" is offset / limit + 1.
enum class FaultTarget { kSearch, kToken, kCourses, kPrograms };

enum class FaultKind {
  kStatus,          // an error status with a JSON {"detail": ...} body
  kHtml200,         // an HTML page with status 200
  kTruncatedJson,   // the real page cut in the middle, 200, honest length
  kDropConnection,  // the socket closes without a response
  kLatency,         // answers normally after latency_ms
  kDuplicateItems,  // page N starts with the last `items` of page N-1
  kMissingItems,    // page N lacks its first `items` results
  kCountSwing,      // page N's "count" is off by `items` (may be < 0)
};

struct FaultRule {
  FaultTarget target = FaultTarget::kSearch;
  FaultKind kind = FaultKind::kStatus;
  int page = 0;       // page it applies to; 0 = every page
  double rate = 1.0;  // probability per matching request (seeded RNG)
  int times = -1;     // how many times it fires; -1 = unlimited
  int status = 500;   // kStatus: 5xx, 429, 401, 400...
  int retry_after_seconds = -1;  // kStatus: Retry-After header when >= 0
  int latency_ms = 0;            // kLatency: delay before answering
  int items = 5;  // kDuplicateItems / kMissingItems / kCountSwing
  // Only requests whose body contains this substring ("" = all); for
  // kCourses and kPrograms, whose requests are GETs, the decoded query
  // string ("keys=HarvardX+CS50x,...").
  std::string body_contains;
};

// Parses one rule from JSON, e.g. {"target":"search","kind":"status",
// "page":3,"status":500,"times":1}. Kinds: "status", "html200",
// "truncated_json", "drop_connection", "latency", "duplicate_items",
// "missing_items", "count_swing"; targets "search", "token", "courses",
// "programs". INVALID_ARGUMENT on unknown names or fields.
absl::StatusOr<FaultRule> FaultRuleFromJson(std::string_view json);

// The rules in force. Rates are drawn from a seeded RNG, so the same
// requests in the same order fire the same faults. Thread-safe.
class FaultInjector {
 public:
  // What the rules that fired decide for one request.
  struct Decision {
    int delay_ms = 0;                  // the sum of the kLatency rules
    std::optional<FaultRule> outcome;  // the first other rule that fired
    int64_t fired = 0;                 // rules that fired, kLatency included
  };

  explicit FaultInjector(uint64_t seed) : rng_(seed) {}

  // Adds a rule after the others; returns how many there are.
  size_t Add(FaultRule rule);
  void Clear();

  // Tries the rules in order for a request to `target` with `body` (paged
  // targets: for `page`, when known; `page_ok` when that page exists, which
  // faults that alter a page need). A rule that fires uses up one of its
  // `times`.
  Decision Select(FaultTarget target, std::optional<int64_t> page,
                  std::string_view body, bool page_ok);

 private:
  std::mutex mu_;
  std::vector<FaultRule> rules_ ABSL_GUARDED_BY(mu_);
  Rng rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ec::stub
