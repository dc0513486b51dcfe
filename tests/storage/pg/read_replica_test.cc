// ReplicaStaleness, the bound the read replica is trusted by, on positions
// and times made up here (read_replica_pgtest.cc runs it on a real replica).
#include <gtest/gtest.h>

#include "storage/pg/read_replica.h"

namespace ec::storage::pg {
namespace {

constexpr common::Micros kSecond = 1'000'000;

TEST(ReplicaStalenessTest, UnknownBeforeAnySample) {
  ReplicaStaleness s(10 * kSecond);
  EXPECT_EQ(s.Replayed(5 * kSecond, 1'000), std::nullopt);
}

TEST(ReplicaStalenessTest, CaughtUpWithTheNewestSampleIsTheTimeSinceIt) {
  ReplicaStaleness s(10 * kSecond);
  s.PrimaryAt(1 * kSecond, 100);
  s.PrimaryAt(2 * kSecond, 200);
  EXPECT_EQ(s.Replayed(2 * kSecond, 200), 0);
  // An idle primary: the position does not move, and the replica that has
  // it stays fresh however long nothing is written.
  s.PrimaryAt(60 * kSecond, 200);
  EXPECT_EQ(s.Replayed(60 * kSecond + 5, 200), 5);
}

TEST(ReplicaStalenessTest, BehindTheNewestIsTheTimeSinceTheNewestReplayed) {
  ReplicaStaleness s(10 * kSecond);
  s.PrimaryAt(1 * kSecond, 100);
  s.PrimaryAt(2 * kSecond, 200);
  s.PrimaryAt(3 * kSecond, 300);
  // 250 covers the sample of 2 s, not that of 3 s.
  EXPECT_EQ(s.Replayed(3 * kSecond, 250), 1 * kSecond);
  EXPECT_EQ(s.Replayed(4 * kSecond, 250), 2 * kSecond);
  EXPECT_EQ(s.Replayed(4 * kSecond, 300), 1 * kSecond);
}

TEST(ReplicaStalenessTest, BehindEverySampleIsUnboundedAndAtLeastTheOldest) {
  ReplicaStaleness s(10 * kSecond);
  EXPECT_EQ(s.BehindAtLeast(5 * kSecond), std::nullopt);
  s.PrimaryAt(1 * kSecond, 100);
  s.PrimaryAt(2 * kSecond, 200);
  // A replica just attached may be days behind: one sample it has not
  // replayed bounds nothing, however recent.
  EXPECT_EQ(s.Replayed(5 * kSecond, 50), std::nullopt);
  EXPECT_EQ(s.BehindAtLeast(5 * kSecond), 4 * kSecond);
}

TEST(ReplicaStalenessTest, ForgettingOldSamplesOnlyMakesTheBoundLarger) {
  ReplicaStaleness s(/*horizon=*/2 * kSecond);
  // A replica stuck at 0 for 100 s while the primary writes.
  for (int t = 1; t <= 100; ++t) s.PrimaryAt(t * kSecond, t * 100);
  EXPECT_EQ(s.Replayed(100 * kSecond, 0), std::nullopt);
  EXPECT_EQ(s.BehindAtLeast(100 * kSecond), 99 * kSecond);
  // It replays up to the sample of 50 s, which was forgotten: the bound
  // falls back on the oldest kept (1 s), larger than the truth (50 s ago),
  // never smaller.
  const auto bound = s.Replayed(100 * kSecond, 5'000);
  ASSERT_TRUE(bound.has_value());
  EXPECT_GE(*bound, 50 * kSecond);
  // Caught up with the newest: exact again.
  EXPECT_EQ(s.Replayed(100 * kSecond, 10'000), 0);
}

TEST(ReplicaStalenessTest, ResetForgetsEverything) {
  ReplicaStaleness s(10 * kSecond);
  s.PrimaryAt(1 * kSecond, 100);
  s.Reset();
  EXPECT_EQ(s.Replayed(2 * kSecond, 100), std::nullopt);
}

}  // namespace
}  // namespace ec::storage::pg
