#include "domain/python_url.h"

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

// Expectations are what Python's urllib.parse returns for the same input
// (and so what Django's update_query_parameters and urljoin return).
namespace ec {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(PythonQuotePlusTest, EncodesLikeQuotePlus) {
  EXPECT_EQ(domain::PythonQuotePlus("course-v1:edX+DemoX+2T2024 ~\xC3\xA9/"),
            "course-v1%3AedX%2BDemoX%2B2T2024+~%C3%A9%2F");
  EXPECT_EQ(domain::PythonQuotePlus("AZaz09_.-~"), "AZaz09_.-~");
  EXPECT_EQ(domain::PythonQuotePlus("&=?#%"), "%26%3D%3F%23%25");
  EXPECT_EQ(domain::PythonQuotePlus(""), "");
}

TEST(PythonUnquotePlusTest, DecodesLikeUnquotePlus) {
  EXPECT_EQ(domain::PythonUnquotePlus("a+b%2Bc"), "a b+c");
  EXPECT_EQ(domain::PythonUnquotePlus("%C3%A9%c3%a9"), "\xC3\xA9\xC3\xA9");
  // Not two hex digits: the '%' stays.
  EXPECT_EQ(domain::PythonUnquotePlus("%zz%4"), "%zz%4");
  // Invalid and truncated UTF-8: one U+FFFD per maximal subpart.
  EXPECT_EQ(domain::PythonUnquotePlus("%FF"), "\xEF\xBF\xBD");
  EXPECT_EQ(domain::PythonUnquotePlus("%E2%82"), "\xEF\xBF\xBD");
  EXPECT_EQ(domain::PythonUnquotePlus("%E2%82x"), "\xEF\xBF\xBDx");
  EXPECT_EQ(domain::PythonUnquotePlus("%C0%AF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(domain::PythonUnquotePlus("%ED%A0%80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // Literal non-ASCII text is kept.
  EXPECT_EQ(domain::PythonUnquotePlus("\xC3\xBC+x"), "\xC3\xBC x");
}

TEST(PythonParseQsTest, DropsBlankAndValuelessFields) {
  const domain::QueryValues values =
      domain::PythonParseQs("b=2&a=1&&empty=&novalue&a=3&=x&c=1;d=2");
  const domain::QueryValues expected = {
      {"b", {"2"}}, {"a", {"1", "3"}}, {"", {"x"}}, {"c", {"1;d=2"}}};
  EXPECT_EQ(values, expected);
}

TEST(PythonUrlSplitTest, SplitsLikeUrlsplit) {
  const domain::UrlParts parts = domain::PythonUrlSplit(
      " \x01HTTPS://Host.Test:8000/a+b:c?x=1?y#frag#more\t");
  EXPECT_EQ(parts.scheme, "https");
  EXPECT_EQ(parts.netloc, "Host.Test:8000");
  EXPECT_EQ(parts.path, "/a+b:c");
  EXPECT_EQ(parts.query, "x=1?y");
  EXPECT_EQ(parts.fragment, "frag#more");

  // A "scheme" that starts with a digit is part of the path.
  const domain::UrlParts digit = domain::PythonUrlSplit("1http://x");
  EXPECT_EQ(digit.scheme, "");
  EXPECT_EQ(digit.path, "1http://x");
}

struct UpdateCase {
  std::string name;
  std::string url;
  Params params;
  std::string expected;
};

// gtest would print the bytes of the struct.
void PrintTo(const UpdateCase& c, std::ostream* os) { *os << c.url; }

class UpdateQueryParametersTest : public ::testing::TestWithParam<UpdateCase> {
};

TEST_P(UpdateQueryParametersTest, MatchesDjango) {
  EXPECT_EQ(domain::UpdateQueryParameters(GetParam().url, GetParam().params),
            GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UpdateQueryParametersTest,
    ::testing::Values(
        // All parameters sorted by name; the path's ':' and '+' stay raw.
        UpdateCase{"SortedAndRawPath",
                   "https://edx.test.lms/enterprise/E/course/"
                   "course-v1:edX+DemoX+2T2024/enroll/",
                   {{"utm_medium", "enterprise"},
                    {"utm_source", "test-enterprise"},
                    {"audit", "true"},
                    {"catalog", "C"}},
                   "https://edx.test.lms/enterprise/E/course/"
                   "course-v1:edX+DemoX+2T2024/enroll/"
                   "?audit=true&catalog=C&utm_medium=enterprise&utm_source="
                   "test-enterprise"},
        // Existing parameters merge: repeated values kept, blank and
        // valueless dropped, an updated name replaced; fragment kept.
        UpdateCase{"MergesExisting",
                   "https://www.edx.org/course/intro?utm_source=old&b=x+y&a=1&"
                   "a=2&empty=&novalue#frag",
                   {{"utm_medium", "enterprise"}, {"utm_source", "acme"}},
                   "https://www.edx.org/course/intro?a=1&a=2&b=x+y&utm_medium="
                   "enterprise&utm_source=acme#frag"},
        UpdateCase{"KeepsUntouchedName",
                   "https://www.edx.org/course/intro?utm_source=old",
                   {{"utm_medium", "enterprise"}},
                   "https://www.edx.org/course/intro?utm_medium=enterprise&"
                   "utm_source=old"},
        // Values are re-encoded after decoding.
        UpdateCase{"ReencodesValues",
                   "https://x.test/p?k=%zz&v=%C3%A9&w=%FF&z=%E2%82&y=a%2Bb",
                   {},
                   "https://x.test/p?k=%25zz&v=%C3%A9&w=%EF%BF%BD&y=a%2Bb&z=%"
                   "EF%BF%BD"},
        UpdateCase{"QuotesNewValues",
                   "HTTPS://Host.Test/A+B:C?q=1",
                   {{"k", "v: +/&="}},
                   "https://Host.Test/A+B:C?k=v%3A+%2B%2F%26%3D&q=1"},
        UpdateCase{"EmptyNameAndSemicolon",
                   "https://x.test/p?=a&&b=1;c=2",
                   {},
                   "https://x.test/p?=a&b=1%3Bc%3D2"},
        // Code point order: non-ASCII names after ASCII ones.
        UpdateCase{"NonAsciiName",
                   "https://x.test/p?\xC3\xA9=\xC3\xBC",
                   {{"a", "1"}},
                   "https://x.test/p?a=1&%C3%A9=%C3%BC"},
        UpdateCase{"NetworkPath", "//x.test/p", {{"a", "1"}}, "//x.test/p?a=1"},
        UpdateCase{
            "EmptyFragmentDropped", "/rel/p#", {{"a", "1"}}, "/rel/p?a=1"},
        // A later duplicate in `params` wins, as dict.update does.
        UpdateCase{"LastParamWins",
                   "https://x.test/",
                   {{"a", "1"}, {"a", "2"}},
                   "https://x.test/?a=2"},
        // The ecommerce base's trailing slash survives as "//".
        UpdateCase{"DoubleSlashPath",
                   "https://edx.test.ecommerce//executive-education-2u/"
                   "checkout",
                   {{"utm_medium", "enterprise"},
                    {"utm_source", "s"},
                    {"sku", "happy-little-sku"},
                    {"audit", "true"}},
                   "https://edx.test.ecommerce//executive-education-2u/"
                   "checkout?audit=true&sku=happy-little-sku&utm_medium="
                   "enterprise&utm_source=s"}),
    [](const ::testing::TestParamInfo<UpdateCase>& param_info) {
      return param_info.param.name;
    });

// URLs with no query to merge take a shortcut (appending the parameters);
// it must give exactly what splitting, updating and unsplitting gives.
TEST(UpdateQueryParametersTest, AppendingEqualsSplittingForPlainUrls) {
  const Params params = {{"utm_source", "acme corp"},
                         {"catalog", "7467c9d2"},
                         {"audit", "true"},
                         {"course_run_key", "course-v1:edX+DemoX+2T2024"},
                         {"utm_medium", "enterprise"},
                         {"catalog", "last wins"}};
  for (const std::string url :
       {"https://portal.test/acme/course/edX+DemoX",
        "http://lms.test/enterprise/uuid/course/course-v1:a+b/enroll/",
        "https://host", "http://", "http:///x", "http:////x",
        "https://h//double//slashes", "https://[::1]:8000/p",
        "https://user@host:1/p;params", "https://h/%41~!$&'()*+,;="}) {
    SCOPED_TRACE(url);
    domain::UrlParts parts = domain::PythonUrlSplit(url);
    ASSERT_TRUE(parts.query.empty());
    ASSERT_TRUE(parts.fragment.empty());
    ASSERT_EQ(domain::PythonUrlUnsplit(parts), url);
    parts.query =
        "audit=true&catalog=last+wins&course_run_key=course-v1%3AedX%2BDemoX%"
        "2B2T2024&utm_medium=enterprise&utm_source=acme+corp";
    EXPECT_EQ(domain::UpdateQueryParameters(url, params),
              domain::PythonUrlUnsplit(parts));
    EXPECT_EQ(domain::UpdateQueryParameters(url, {}), url);
  }
  // Not plain, so split: an upper-case scheme is lowered, whitespace and a
  // fragment handled as urlsplit handles them.
  EXPECT_EQ(domain::UpdateQueryParameters("HTTPS://h/p", {{"a", "1"}}),
            "https://h/p?a=1");
  EXPECT_EQ(domain::UpdateQueryParameters(" https://h/p q#f", {{"a", "1"}}),
            "https://h/p q?a=1#f");
}

TEST(UrlJoinTest, AbsolutePathReplacesBasePath) {
  EXPECT_EQ(domain::UrlJoin("https://edx.test.lms",
                            "/enterprise/proxy-login/?enterprise_slug=sluggy"),
            "https://edx.test.lms/enterprise/proxy-login/"
            "?enterprise_slug=sluggy");
  EXPECT_EQ(domain::UrlJoin("https://lms.example.com/some/path?x=1#f",
                            "/enterprise/proxy-login/?enterprise_slug=None"),
            "https://lms.example.com/enterprise/proxy-login/"
            "?enterprise_slug=None");
  EXPECT_EQ(domain::UrlJoin("", "/p?q=1"), "/p?q=1");
  EXPECT_EQ(domain::UrlJoin("mailto:a@b.test", "/p?q=1"), "/p?q=1");
}

}  // namespace
}  // namespace ec
