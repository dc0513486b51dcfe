#include "domain/refresh_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ec::domain {
namespace {

using ::testing::HasSubstr;

constexpr common::Micros kSecond = 1'000'000;
constexpr common::Micros kHour = 3600 * kSecond;
constexpr common::Micros kNow = 1767225600LL * kSecond;

ContentRecord Record(const std::string& key, bool derived = false) {
  ContentRecord r;
  r.content_key = key;
  r.content_type = derived ? "courserun" : "course";
  r.derived = derived;
  return r;
}

TEST(RefreshPolicyTest, DefaultsKeepDataUnderADay) {
  const RefreshPolicy policy;
  EXPECT_EQ(policy.max_age, std::chrono::hours(12));
  EXPECT_EQ(policy.max_attempts, 5);
  // The slowest path to fresh data: max_age, then every retry at its cap.
  EXPECT_LT(policy.max_age + policy.max_attempts * policy.retry_max,
            std::chrono::hours(24));
}

TEST(RefreshPolicyTest, StalenessIsAgeAgainstMaxAge) {
  const RefreshPolicy policy;
  EXPECT_TRUE(NeedsRefresh(policy, std::nullopt, kNow));
  EXPECT_FALSE(NeedsRefresh(policy, kNow - 12 * kHour, kNow));
  EXPECT_TRUE(NeedsRefresh(policy, kNow - 12 * kHour - 1, kNow));
  EXPECT_FALSE(NeedsRefresh(policy, kNow, kNow));
}

TEST(RefreshPolicyTest, ScheduleBoundsComeFromThePolicy) {
  RefreshPolicy policy;
  policy.failure_cooldown = std::chrono::minutes(15);
  policy.job_retention = std::chrono::hours(24);
  const ScheduleBounds b = ScheduleBoundsAt(policy, kNow);
  EXPECT_EQ(b.stale_before, kNow - 12 * kHour);
  EXPECT_EQ(b.cooldown_before, kNow - 15 * 60 * kSecond);
  EXPECT_EQ(b.prune_before, kNow - 24 * kHour);
}

TEST(RefreshPolicyTest, RetryDelayDoublesWithEqualJitterUpToTheCap) {
  RefreshPolicy policy;
  policy.retry_base = std::chrono::seconds(30);
  policy.retry_max = std::chrono::seconds(100);
  EXPECT_EQ(RetryDelay(policy, 1, 0.0), 15 * kSecond);
  EXPECT_EQ(RetryDelay(policy, 1, 1.0), 30 * kSecond);
  EXPECT_EQ(RetryDelay(policy, 2, 0.0), 30 * kSecond);
  EXPECT_EQ(RetryDelay(policy, 2, 1.0), 60 * kSecond);
  EXPECT_EQ(RetryDelay(policy, 3, 1.0), 100 * kSecond);  // capped
  EXPECT_EQ(RetryDelay(policy, 30, 0.5), 75 * kSecond);
  // Out-of-range jitter is clamped rather than trusted.
  EXPECT_EQ(RetryDelay(policy, 1, 7.0), 30 * kSecond);
}

TEST(RefreshPolicyTest, ACrawlMustSeeEveryCountedDocument) {
  const std::vector<ContentRecord> records = {Record("a"), Record("b"),
                                              Record("b.run", true)};
  EXPECT_TRUE(
      CheckCrawlComplete({.reported_count = 2, .results = 2}, records).ok());
  // Results discovery counted but nothing could store are accounted for.
  EXPECT_TRUE(CheckCrawlComplete(
                  {.reported_count = 3, .results = 3, .skipped = 1}, records)
                  .ok());
  // A repeated document hid one that was never seen.
  const absl::Status missing =
      CheckCrawlComplete({.reported_count = 3, .results = 3}, records);
  EXPECT_EQ(missing.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(missing.message(), HasSubstr("count 3"));
  // Derived runs are not documents of their own.
  EXPECT_FALSE(CheckCrawlComplete(
                   {.reported_count = 3, .results = 2},
                   {Record("a"), Record("a.1", true), Record("a.2", true)})
                   .ok());
}

TEST(RefreshPolicyTest, TheGuardrailHoldsLargeDrasticShrinksUnlessForced) {
  const GuardrailPolicy policy;  // 80 %, more than 50 items
  EXPECT_FALSE(DecideGuardrail(policy, 100, 80, false).held);
  const GuardrailDecision held = DecideGuardrail(policy, 100, 81, false);
  EXPECT_TRUE(held.held);
  EXPECT_THAT(held.note, HasSubstr("would remove 81 of 100 items (81%"));
  EXPECT_THAT(held.note, HasSubstr("force=true"));
  EXPECT_FALSE(DecideGuardrail(policy, 100, 100, true).held);
  EXPECT_TRUE(DecideGuardrail(policy, 100, 100, true).note.empty());
  // A small query may shrink by any share but all of it (issue 14, defect
  // 3): emptying any non-empty query is held, unless forced.
  EXPECT_FALSE(DecideGuardrail(policy, 50, 49, false).held);
  const GuardrailDecision emptied = DecideGuardrail(policy, 3, 3, false);
  EXPECT_TRUE(emptied.held);
  EXPECT_THAT(emptied.note, HasSubstr("would remove all 3 items"));
  EXPECT_TRUE(DecideGuardrail(policy, 1, 1, false).held);
  EXPECT_TRUE(DecideGuardrail(policy, 1000, 1000, false).held);
  EXPECT_FALSE(DecideGuardrail(policy, 3, 3, true).held);
  EXPECT_FALSE(DecideGuardrail(policy, 0, 0, false).held);
}

}  // namespace
}  // namespace ec::domain
