#include "tools/discovery_stub/analysis.h"

#include <algorithm>

namespace ec::stub {
namespace {

enum class CharClass {
  kOther,
  kLetter,
  kDigit,
  kExtendNumLet,
  kMidLetter,
  kMidNumLet,
  kMidNum
};

CharClass Classify(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return CharClass::kLetter;
  if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z'))
    return CharClass::kLetter;
  if (u >= '0' && u <= '9') return CharClass::kDigit;
  switch (c) {
    case '_':
      return CharClass::kExtendNumLet;
    case ':':
      return CharClass::kMidLetter;
    case '.':
    case '\'':
      return CharClass::kMidNumLet;
    case ',':
    case ';':
      return CharClass::kMidNum;
    default:
      return CharClass::kOther;
  }
}

bool IsWord(CharClass c) {
  return c == CharClass::kLetter || c == CharClass::kDigit ||
         c == CharClass::kExtendNumLet;
}

// Whether a middle character at `i` (between two word characters) keeps the
// word together: WB6/WB7 for letters, WB11/WB12 for digits.
bool JoinsAcross(CharClass before, CharClass mid, CharClass after) {
  if (before == CharClass::kLetter && after == CharClass::kLetter) {
    return mid == CharClass::kMidLetter || mid == CharClass::kMidNumLet;
  }
  if (before == CharClass::kDigit && after == CharClass::kDigit) {
    return mid == CharClass::kMidNum || mid == CharClass::kMidNumLet;
  }
  return false;
}

}  // namespace

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> StandardTokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  bool has_alnum = false;
  auto flush = [&] {
    // A run of underscores alone is not a word.
    if (has_alnum) tokens.push_back(AsciiLower(current));
    current.clear();
    has_alnum = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const CharClass cls = Classify(text[i]);
    if (IsWord(cls)) {
      current.push_back(text[i]);
      has_alnum |= cls != CharClass::kExtendNumLet;
      continue;
    }
    if (!current.empty() && i + 1 < text.size() && cls != CharClass::kOther &&
        JoinsAcross(Classify(current.back()), cls, Classify(text[i + 1]))) {
      current.push_back(text[i]);
      continue;
    }
    flush();
  }
  flush();
  return tokens;
}

bool ContainsPhrase(const std::vector<std::string>& tokens,
                    const std::vector<std::string>& phrase) {
  if (phrase.empty() || phrase.size() > tokens.size()) return false;
  return std::search(tokens.begin(), tokens.end(), phrase.begin(),
                     phrase.end()) != tokens.end();
}

}  // namespace ec::stub
