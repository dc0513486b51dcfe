#include "tools/discovery_stub/prose.h"

#include <algorithm>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/rng.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {
namespace {

constexpr size_t kPoolBytes = size_t{1} << 20;

}  // namespace

std::string MakeTextPool(Rng* rng) {
  std::string pool;
  pool.reserve(kPoolBytes + 256);
  while (pool.size() < kPoolBytes) {
    const int sentences = rng->Int(3, 6);
    for (int s = 0; s < sentences; ++s) {
      const int words = rng->Int(8, 20);
      for (int i = 0; i < words; ++i) {
        std::string word(rng->Pick(kVocabWords));
        if (i == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
        pool.append(word);
        pool.append(i + 1 == words ? ". " : " ");
      }
    }
    pool.append("</p><p> ");
  }
  return pool;
}

std::string_view PickPadding(const std::string& pool, int64_t length,
                             Rng* rng) {
  if (length <= 0) return {};
  const auto len = std::min(static_cast<size_t>(length), pool.size() / 2);
  size_t start = static_cast<size_t>(rng->Below(pool.size() - len - 64));
  start = pool.find(' ', start) + 1;
  size_t end = pool.rfind(' ', start + len);
  if (end <= start) return {};
  return std::string_view(pool).substr(start, end - start);
}

std::string PlainText(std::string_view slice) {
  std::string out;
  out.reserve(slice.size());
  constexpr std::string_view kBreak = "</p><p> ";
  size_t pos = 0;
  while (pos < slice.size()) {
    const size_t hit = slice.find(kBreak, pos);
    if (hit == std::string_view::npos) {
      out.append(slice.substr(pos));
      break;
    }
    out.append(slice.substr(pos, hit - pos));
    pos = hit + kBreak.size();
  }
  return out;
}

std::string MakeShortDescription(std::string_view topic, Rng* rng) {
  std::string lower = AsciiLower(topic);
  switch (rng->Below(5)) {
    case 0:
      return Cat("Learn the fundamentals of ", lower,
                 " and apply them to real-world problems.");
    case 1:
      return Cat("An introduction to ", lower,
                 " for learners with no prior experience.");
    case 2:
      return Cat("Build practical ", lower,
                 " skills through hands-on projects.");
    case 3:
      return Cat("Explore how ", lower,
                 " is changing industry, research and society.");
    default:
      return Cat("Master advanced ", lower,
                 " techniques used by professionals.");
  }
}

std::string MakeCourseTitle(int topic, Rng* rng) {
  const std::string_view t = kVocabTopics[topic].name;
  switch (rng->Below(9)) {
    case 0:
      return Cat("Introduction to ", t);
    case 1:
      return Cat(t, " Fundamentals");
    case 2:
      return Cat(t, " for ", rng->Pick(kVocabAudiences));
    case 3:
      return Cat("Advanced ", t);
    case 4:
      return Cat(t, ": ", rng->Pick(kVocabTitleSuffixes));
    case 5:
      return Cat("Applied ", t);
    case 6:
      return Cat("Principles of ", t);
    case 7: {
      const std::string_view other = rng->Pick(kVocabTopics).name;
      return other == t ? Cat(t, " in Practice") : Cat(t, " with ", other);
    }
    default:
      return Cat(t, " ", rng->Int(1, 3) == 1 ? "I" : "II");
  }
}

std::string MakeCourseNumber(const VocabOrg& org, const VocabTopic& topic,
                             Rng* rng) {
  if (org.key == "MITx") {
    return Cat(rng->Int(1, 24), ".", rng->Int(0, 9), rng->Int(0, 9),
               rng->Int(0, 9), rng->Chance(0.2) ? ".1x" : "x");
  }
  if (org.key == "IBM") {
    return Cat(topic.prefix, rng->Int(100, 999) * 10 + 1, "EN");
  }
  if (org.key == "edX" && rng->Chance(0.2)) {
    return Cat(topic.prefix, "_", rng->Int(100, 999));
  }
  return Cat(topic.prefix, rng->Int(100, 9999), rng->Chance(0.7) ? "x" : "");
}

}  // namespace ec::stub
