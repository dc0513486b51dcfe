#include "tools/discovery_stub/faults.h"

#include <algorithm>
#include <utility>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

std::string_view KindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kStatus:
      return "status";
    case FaultKind::kHtml200:
      return "html200";
    case FaultKind::kTruncatedJson:
      return "truncated_json";
    case FaultKind::kDropConnection:
      return "drop_connection";
    case FaultKind::kLatency:
      return "latency";
    case FaultKind::kDuplicateItems:
      return "duplicate_items";
    case FaultKind::kMissingItems:
      return "missing_items";
    case FaultKind::kCountSwing:
      return "count_swing";
  }
  return "";
}

}  // namespace

absl::StatusOr<FaultRule> FaultRuleFromJson(std::string_view json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("fault rule must be a JSON object");
  }
  FaultRule rule;
  for (const auto& [key, value] : j.items()) {
    auto need_int = [&, &k = key, &v = value](int* out) -> absl::Status {
      if (!v.is_number_integer()) {
        return absl::InvalidArgumentError(Cat(k, " must be an integer"));
      }
      *out = v.get<int>();
      return absl::OkStatus();
    };
    absl::Status s;
    if (key == "target") {
      if (value == "search") {
        rule.target = FaultTarget::kSearch;
      } else if (value == "token") {
        rule.target = FaultTarget::kToken;
      } else if (value == "courses") {
        rule.target = FaultTarget::kCourses;
      } else if (value == "programs") {
        rule.target = FaultTarget::kPrograms;
      } else {
        return absl::InvalidArgumentError(
            "target must be \"search\", \"token\", \"courses\" or "
            "\"programs\"");
      }
    } else if (key == "kind") {
      bool found = false;
      for (const FaultKind k :
           {FaultKind::kStatus, FaultKind::kHtml200, FaultKind::kTruncatedJson,
            FaultKind::kDropConnection, FaultKind::kLatency,
            FaultKind::kDuplicateItems, FaultKind::kMissingItems,
            FaultKind::kCountSwing}) {
        if (value.is_string() && value.get<std::string>() == KindName(k)) {
          rule.kind = k;
          found = true;
        }
      }
      if (!found) return absl::InvalidArgumentError("unknown fault kind");
    } else if (key == "page") {
      s = need_int(&rule.page);
    } else if (key == "rate") {
      if (!value.is_number())
        return absl::InvalidArgumentError("rate must be a number");
      rule.rate = value.get<double>();
    } else if (key == "times") {
      s = need_int(&rule.times);
    } else if (key == "status") {
      s = need_int(&rule.status);
    } else if (key == "retry_after_seconds") {
      s = need_int(&rule.retry_after_seconds);
    } else if (key == "latency_ms") {
      s = need_int(&rule.latency_ms);
    } else if (key == "items") {
      s = need_int(&rule.items);
    } else if (key == "body_contains") {
      if (!value.is_string()) {
        return absl::InvalidArgumentError("body_contains must be a string");
      }
      rule.body_contains = value.get<std::string>();
    } else {
      return absl::InvalidArgumentError(Cat("unknown field: ", key));
    }
    if (!s.ok()) return s;
  }
  if (rule.kind == FaultKind::kStatus &&
      (rule.status < 100 || rule.status > 999)) {
    return absl::InvalidArgumentError("status must be an HTTP status code");
  }
  return rule;
}

size_t FaultInjector::Add(FaultRule rule) {
  std::lock_guard lock(mu_);
  rules_.push_back(std::move(rule));
  return rules_.size();
}

void FaultInjector::Clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

FaultInjector::Decision FaultInjector::Select(FaultTarget target,
                                              std::optional<int64_t> page,
                                              std::string_view body,
                                              bool page_ok) {
  Decision decision;
  std::lock_guard lock(mu_);
  for (FaultRule& rule : rules_) {
    if (rule.times == 0 || rule.target != target) continue;
    // Kinds that rewrite a page's envelope: never a token answer.
    const bool items_kind = rule.kind == FaultKind::kDuplicateItems ||
                            rule.kind == FaultKind::kMissingItems ||
                            rule.kind == FaultKind::kCountSwing;
    if (target != FaultTarget::kToken) {
      if (rule.page != 0 && (!page || *page != rule.page)) continue;
      // Faults that alter a page need a real page, and duplicates a page
      // before it.
      const bool alters_page =
          items_kind || rule.kind == FaultKind::kTruncatedJson;
      if (alters_page && !page_ok) continue;
      if (rule.kind == FaultKind::kDuplicateItems && page.value_or(1) <= 1)
        continue;
    } else if (items_kind) {
      continue;
    }
    if (!rule.body_contains.empty() &&
        body.find(rule.body_contains) == std::string_view::npos) {
      continue;
    }
    if (rule.kind != FaultKind::kLatency && decision.outcome) continue;
    // Draws only for rules with a rate, so adding a sure rule does not
    // shift the draws of the others.
    if (rule.rate < 1.0 && rng_.Unit() >= rule.rate) continue;
    if (rule.times > 0) --rule.times;
    ++decision.fired;
    if (rule.kind == FaultKind::kLatency) {
      decision.delay_ms += std::max(0, rule.latency_ms);
    } else {
      decision.outcome = rule;
    }
  }
  return decision;
}

}  // namespace ec::stub
