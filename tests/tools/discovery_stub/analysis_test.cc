#include "tools/discovery_stub/analysis.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ec::stub {
namespace {

using Tokens = std::vector<std::string>;

TEST(StandardTokensTest, SplitsEdxKeysLikeTheStandardAnalyzer) {
  // The tokenisation table of reference §2.3.
  EXPECT_EQ(StandardTokens("edX+DemoX"), (Tokens{"edx", "demox"}));
  EXPECT_EQ(StandardTokens("edx+aj505"), (Tokens{"edx", "aj505"}));
  EXPECT_EQ(StandardTokens("course-v1:edX+FUN+3T2024"),
            (Tokens{"course", "v1", "edx", "fun", "3t2024"}));
  EXPECT_EQ(StandardTokens("edX+DemoX.1"), (Tokens{"edx", "demox", "1"}));
  EXPECT_EQ(StandardTokens("course-v1:edX+DemoX+Demo_Course"),
            (Tokens{"course", "v1", "edx", "demox", "demo_course"}));
  EXPECT_EQ(StandardTokens("MITx+6.002x"), (Tokens{"mitx", "6.002x"}));
  EXPECT_EQ(StandardTokens("edX+6.002_CCQ"), (Tokens{"edx", "6.002_ccq"}));
  EXPECT_EQ(StandardTokens("a/b c"), (Tokens{"a", "b", "c"}));
  EXPECT_EQ(StandardTokens("+-:"), Tokens{});
  EXPECT_EQ(StandardTokens("__"), Tokens{});
}

TEST(ContainsPhraseTest, MatchesContiguousTokenRuns) {
  auto matches = [](const char* doc_key, const char* filter) {
    return ContainsPhrase(StandardTokens(doc_key), StandardTokens(filter));
  };
  EXPECT_TRUE(matches("edX+DemoX", "edX+DemoX"));
  EXPECT_TRUE(matches("edX+DemoX.1", "edX+DemoX"));
  EXPECT_TRUE(matches("course-v1:edX+DemoX+Demo_Course", "edX+DemoX"));
  EXPECT_FALSE(matches("edX+DemoXX", "edX+DemoX"));
  EXPECT_TRUE(matches("edx+aj505+3T2019", "edx+aj505"));
  EXPECT_FALSE(matches("edX+6.002_CCQ", "edx+aj505"));
  EXPECT_TRUE(matches("course-v1:edX+FUN+3T2024", "course-v1:edX+FUN+3T2024"));
  EXPECT_FALSE(
      matches("course-v1:edX+FUN+3T2024a", "course-v1:edX+FUN+3T2024"));
  EXPECT_FALSE(matches("edX+DemoX", "DemoX+edX"));  // order matters
  EXPECT_FALSE(matches("edX+DemoX", "+"));          // no tokens: no match
}

}  // namespace
}  // namespace ec::stub
