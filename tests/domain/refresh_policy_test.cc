#include "domain/refresh_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ec::domain {
namespace {

using ::testing::HasSubstr;

constexpr common::Micros kSecond = 1'000'000;
constexpr common::Micros kHour = 3600 * kSecond;
constexpr common::Micros kNow = 1767225600LL * kSecond;

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

// What a crawl saw: `count` on every page, `distinct` results, `repeated`
// repeats of an earlier result.
CrawlFigures Seen(int64_t count, int64_t distinct, int64_t repeated = 0) {
  CrawlFigures f;
  f.reported_count = count;
  f.last_count = count;
  f.distinct = distinct;
  f.repeated = repeated;
  f.results = distinct + repeated;
  if (repeated > 0) f.first_repeat = "u:person-1";
  return f;
}

TEST(RefreshPolicyTest, ACrawlMustSeeEveryCountedResultOnce) {
  EXPECT_TRUE(CheckCrawlComplete(Seen(3, 3)).ok());
  EXPECT_TRUE(CheckCrawlComplete(Seen(0, 0)).ok());
  // Issue 14, defect 2: a course, then a person twice, for a count of 3.
  // The old rule subtracted the unstorable person per occurrence (3 - 2 =
  // 1 course expected, 1 seen) and applied the crawl, unlinking the course
  // the repeat had pushed off its page. Any repeat now fails the crawl.
  const absl::Status repeat = CheckCrawlComplete(Seen(3, 2, 1));
  EXPECT_EQ(repeat.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(repeat.message(), HasSubstr("unstable"));
  EXPECT_THAT(repeat.message(), HasSubstr("u:person-1"));
  EXPECT_THAT(repeat.message(), HasSubstr("1 of 3 results"));
  // Fewer results than counted: some were never served.
  const absl::Status missing = CheckCrawlComplete(Seen(3, 2));
  EXPECT_EQ(missing.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(missing.message(), HasSubstr("count 3 but 2 distinct"));
  // More than counted, without a repeat: the count is not the set's.
  EXPECT_EQ(CheckCrawlComplete(Seen(3, 4)).code(), absl::StatusCode::kDataLoss);
  // A count that swings between the first and the last page.
  CrawlFigures swung = Seen(3, 3);
  swung.last_count = 2;
  const absl::Status changed = CheckCrawlComplete(swung);
  EXPECT_EQ(changed.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(changed.message(), HasSubstr("from 3 to 2"));
  swung.count_changed_page = 4;
  EXPECT_THAT(CheckCrawlComplete(swung).message(),
              HasSubstr("from 3 to 2 on page 4"));
}

TEST(RefreshPolicyTest, ASaturatedCountIsCheckedButProvesNothing) {
  // The old rule skipped every check from a count of 10,000 on.
  EXPECT_EQ(CheckCrawlComplete(Seen(kCountSaturation, 9000)).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(CheckCrawlComplete(Seen(kCountSaturation, 12000, 1)).code(),
            absl::StatusCode::kDataLoss);
  // More results than a saturated count is expected, and not a proof.
  const CrawlFigures big = Seen(kCountSaturation, 12000);
  EXPECT_TRUE(CheckCrawlComplete(big).ok());
  EXPECT_THAT(WhyCompletenessUnproven(big), HasSubstr("12000 distinct"));
  EXPECT_EQ(WhyCompletenessUnproven(Seen(9999, 9999)), "");
}

TEST(RefreshPolicyTest, AnUnprovenCrawlMayAddButNotRemove) {
  GuardrailPolicy policy;
  policy.unproven = "count saturated";
  EXPECT_FALSE(DecideGuardrail(policy, 12000, 0, std::nullopt).held);
  const GuardrailDecision held =
      DecideGuardrail(policy, 12000, 1, std::nullopt);
  EXPECT_TRUE(held.held);
  EXPECT_THAT(held.note, HasSubstr("count saturated"));
  EXPECT_THAT(held.note, HasSubstr("would remove 1 of 12000"));
  EXPECT_THAT(held.note, HasSubstr("force=true"));
  EXPECT_FALSE(DecideGuardrail(policy, 12000, 1, 1).held);
}

TEST(RefreshPolicyTest, TheGuardrailHoldsLargeDrasticShrinksUnlessForced) {
  const GuardrailPolicy policy;  // 80 %, more than 50 items
  EXPECT_FALSE(DecideGuardrail(policy, 100, 80, std::nullopt).held);
  const GuardrailDecision held = DecideGuardrail(policy, 100, 81, std::nullopt);
  EXPECT_TRUE(held.held);
  EXPECT_THAT(held.note, HasSubstr("would remove 81 of 100 items (81%"));
  EXPECT_THAT(held.note, HasSubstr("force=true"));
  EXPECT_FALSE(DecideGuardrail(policy, 100, 100, 100).held);
  EXPECT_TRUE(DecideGuardrail(policy, 100, 100, 100).note.empty());
  // Force approves the reviewed removals, not any (issue 14, defect 5).
  EXPECT_FALSE(DecideGuardrail(policy, 100, 85, 90).held);
  const GuardrailDecision more = DecideGuardrail(policy, 100, 91, 90);
  EXPECT_TRUE(more.held);
  EXPECT_THAT(more.note, HasSubstr("remove 91 of 100 items, more than the 90"));
  // A small query may shrink by any share but all of it (issue 14, defect
  // 3): emptying any non-empty query is held, unless forced.
  EXPECT_FALSE(DecideGuardrail(policy, 50, 49, std::nullopt).held);
  const GuardrailDecision emptied = DecideGuardrail(policy, 3, 3, std::nullopt);
  EXPECT_TRUE(emptied.held);
  EXPECT_THAT(emptied.note, HasSubstr("would remove all 3 items"));
  EXPECT_TRUE(DecideGuardrail(policy, 1, 1, std::nullopt).held);
  EXPECT_TRUE(DecideGuardrail(policy, 1000, 1000, std::nullopt).held);
  EXPECT_FALSE(DecideGuardrail(policy, 3, 3, 3).held);
  EXPECT_FALSE(DecideGuardrail(policy, 0, 0, std::nullopt).held);
}

}  // namespace
}  // namespace ec::domain
