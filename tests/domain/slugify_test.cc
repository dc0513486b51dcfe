#include "domain/slugify.h"

#include <ostream>
#include <string>

#include "gtest/gtest.h"

// Expectations are Django 5.2's slugify (allow_unicode=False) on Python's
// unicodedata, as run on each input.
namespace ec {
namespace {

struct SlugCase {
  std::string input;
  std::string expected;
};

// gtest would print the bytes of the struct.
void PrintTo(const SlugCase& c, std::ostream* os) { *os << c.input; }

class DjangoSlugifyTest : public ::testing::TestWithParam<SlugCase> {};

TEST_P(DjangoSlugifyTest, MatchesDjango) {
  EXPECT_EQ(domain::DjangoSlugify(GetParam().input), GetParam().expected)
      << "input: " << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DjangoSlugifyTest,
    ::testing::Values(
        // The factory's enterprise names.
        SlugCase{"Test Enterprise", "test-enterprise"}, SlugCase{"edX", "edx"},
        // NFKD splits accents off, and the ASCII step drops them.
        SlugCase{"\xC3\x89lectricit\xC3\xA9 de France",
                 "electricite-de-france"},
        // No decomposition: the letter vanishes, '&' and '.' too.
        SlugCase{"Stra\xC3\x9F"
                 "e & Co.",
                 "strae-co"},
        SlugCase{"\xC3\x9F", ""},
        SlugCase{"\xC5\x81\xC3\xB3"
                 "d\xC5\xBA Uni",
                 "odz-uni"},
        // Compatibility decompositions: ligature, full width, roman
        // numeral, vulgar fraction (its U+2044 slash is dropped).
        SlugCase{"\xEF\xAC\x81nance  --  Corp_", "finance-corp"},
        SlugCase{"\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3\xEF\xBC\x91\xEF\xBC\x92"
                 "\xEF\xBC\x93",
                 "abc123"},
        SlugCase{"\xE2\x85\xAB", "xii"}, SlugCase{"\xC2\xBD price", "12-price"},
        // NBSP decomposes to a space; U+2028 does not and is dropped.
        SlugCase{"x\xC2\xA0y", "x-y"},
        SlugCase{"a\xE2\x80\xA8"
                 "b",
                 "ab"},
        // Python's \s includes the file/group/record/unit separators.
        SlugCase{"\x1c"
                 "A\x1f"
                 "B",
                 "a-b"},
        SlugCase{"a\tb\nc\x0b"
                 "d\x0c"
                 "e\rf",
                 "a-b-c-d-e-f"},
        // Removed characters do not split a run of separators.
        SlugCase{"  a - . - b  ", "a-b"},
        SlugCase{"It's 2U: Learn+Grow", "its-2u-learngrow"},
        // Only the ends lose '-' and '_'; inner underscores stay.
        SlugCase{"_-Hello_-", "hello"}, SlugCase{"a__b", "a__b"},
        SlugCase{"!!!", ""}, SlugCase{"", ""},
        // Invalid UTF-8 reads as U+FFFD and is dropped.
        SlugCase{"a\xFF"
                 "b",
                 "ab"}));

}  // namespace
}  // namespace ec
