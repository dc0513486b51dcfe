#include "domain/slugify.h"

#include <string>
#include <string_view>

#include "unicode/normalizer2.h"
#include "unicode/unistr.h"
#include "unicode/utypes.h"

namespace ec::domain {
namespace {

// ASCII characters for which Python's str.isspace() is true, so what `\s`
// matches once step 1 has left only ASCII.
bool IsPythonAsciiSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

// Step 1: NFKD, then Python's .encode('ascii', 'ignore').
std::string NfkdAscii(std::string_view text) {
  const icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
  icu::UnicodeString decomposed;
  if (U_SUCCESS(status)) decomposed = nfkd->normalize(input, status);
  // ICU fails only on allocation or missing data; without the tables, keeping
  // the ASCII of the undecomposed text is the closest safe answer.
  if (U_FAILURE(status)) decomposed = input;
  std::string out;
  out.reserve(static_cast<size_t>(decomposed.length()));
  for (int32_t i = 0; i < decomposed.length(); ++i) {
    const char16_t unit = decomposed.charAt(i);
    if (unit < 0x80) out.push_back(static_cast<char>(unit));
  }
  return out;
}

}  // namespace

std::string DjangoSlugify(std::string_view text) {
  const std::string ascii = NfkdAscii(text);
  // Steps 2 and 3 in one pass: kept characters are lowered, and a run of
  // separators ('-' or whitespace) is written as one '-'.
  std::string collapsed;
  collapsed.reserve(ascii.size());
  bool in_separator = false;
  for (const char c : ascii) {
    if (c == '-' || IsPythonAsciiSpace(c)) {
      if (!in_separator) collapsed.push_back('-');
      in_separator = true;
    } else if (IsWordChar(c)) {
      collapsed.push_back(
          c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      in_separator = false;
    }
    // Anything else is removed by step 2 before step 3 runs, so it does not
    // end a run of separators ("a - . - b" -> "a-b").
  }
  const size_t first = collapsed.find_first_not_of("-_");
  if (first == std::string::npos) return "";
  const size_t last = collapsed.find_last_not_of("-_");
  return collapsed.substr(first, last - first + 1);
}

}  // namespace ec::domain
