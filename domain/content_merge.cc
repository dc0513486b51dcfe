#include "domain/content_merge.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/normalized_metadata.h"

namespace ec::domain {
namespace {

const Json* Member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// The bytes of the Python whitespace character at the start (or end) of
// `text`, or 0. Python's str.isspace(): ASCII \t-\r, \x1c-\x1f and space,
// then U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
// U+205F and U+3000.
bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

bool IsTwoByteSpace(unsigned char b0, unsigned char b1) {
  return b0 == 0xc2 && (b1 == 0x85 || b1 == 0xa0);
}

bool IsThreeByteSpace(unsigned char b0, unsigned char b1, unsigned char b2) {
  if (b0 == 0xe1) return b1 == 0x9a && b2 == 0x80;
  if (b0 == 0xe3) return b1 == 0x80 && b2 == 0x80;
  if (b0 != 0xe2) return false;
  if (b1 == 0x80) {
    return (b2 >= 0x80 && b2 <= 0x8a) || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf;
  }
  return b1 == 0x81 && b2 == 0x9f;
}

size_t LeadingSpaceBytes(std::string_view s) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (s.empty()) return 0;
  if (IsAsciiSpace(at(0))) return 1;
  if (s.size() >= 2 && IsTwoByteSpace(at(0), at(1))) return 2;
  if (s.size() >= 3 && IsThreeByteSpace(at(0), at(1), at(2))) return 3;
  return 0;
}

size_t TrailingSpaceBytes(std::string_view s) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const size_t n = s.size();
  if (n == 0) return 0;
  if (IsAsciiSpace(at(n - 1))) return 1;
  if (n >= 2 && IsTwoByteSpace(at(n - 2), at(n - 1))) return 2;
  if (n >= 3 && IsThreeByteSpace(at(n - 3), at(n - 2), at(n - 1))) return 3;
  return 0;
}

// --- datetime.fromisoformat, for the forms discovery writes ---------------

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// A parsed time: microseconds since 0001-01-01 as written (naive), or of
// the UTC instant (aware).
struct Moment {
  bool aware = false;
  int64_t micros = 0;
};

bool ParseDigits(std::string_view s, size_t pos, size_t count, int* out) {
  if (pos + count > s.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  *out = value;
  return true;
}

bool IsLeapYear(int year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year =
      (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// "HH", "HH:MM", "HH:MM:SS" or "HH:MM:SS" [.,] digits (the first six are
// microseconds, the rest dropped; none is 0), as microseconds from midnight.
std::optional<int64_t> ParseClock(std::string_view s) {
  int hour = 0;
  int minute = 0;
  int second = 0;
  int64_t micros = 0;
  if (!ParseDigits(s, 0, 2, &hour)) return std::nullopt;
  size_t pos = 2;
  if (pos < s.size()) {
    if (s[pos] != ':' || !ParseDigits(s, pos + 1, 2, &minute)) {
      return std::nullopt;
    }
    pos += 3;
  }
  if (pos < s.size()) {
    if (s[pos] != ':' || !ParseDigits(s, pos + 1, 2, &second)) {
      return std::nullopt;
    }
    pos += 3;
  }
  if (pos < s.size()) {
    if (s[pos] != '.' && s[pos] != ',') return std::nullopt;
    ++pos;  // fromisoformat takes an empty fraction too
    int64_t scale = 100'000;
    for (; pos < s.size(); ++pos) {
      if (s[pos] < '0' || s[pos] > '9') return std::nullopt;
      micros += (s[pos] - '0') * scale;
      scale /= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return ((hour * int64_t{60} + minute) * 60 + second) * kMicrosPerSecond +
         micros;
}

std::optional<Moment> ParseDiscoveryDatetime(std::string_view text) {
  text = StripPythonWhitespace(text);
  std::string zulu;
  if (!text.empty() && text.back() == 'Z') {
    zulu.assign(text.substr(0, text.size() - 1));
    zulu.append("+00:00");
    text = zulu;
  }
  int year = 0;
  int month = 0;
  int day = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' ||
      !ParseDigits(text, 0, 4, &year) || !ParseDigits(text, 5, 2, &month) ||
      !ParseDigits(text, 8, 2, &day)) {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  Moment moment;
  moment.micros = DaysFromCivil(year, month, day) * kMicrosPerDay;
  if (text.size() == 10) return moment;
  // fromisoformat takes any one character between date and time.
  if (static_cast<unsigned char>(text[10]) >= 0x80) return std::nullopt;
  const std::string_view rest = text.substr(11);
  const size_t sign = rest.find_first_of("+-");
  const std::optional<int64_t> clock = ParseClock(rest.substr(0, sign));
  if (!clock) return std::nullopt;
  moment.micros += *clock;
  if (sign == std::string_view::npos) return moment;
  // An offset has the grammar of a time, so it stays under 24 hours as
  // Python's timezone requires.
  const std::optional<int64_t> offset = ParseClock(rest.substr(sign + 1));
  if (!offset) return std::nullopt;
  moment.aware = true;
  moment.micros -= rest[sign] == '-' ? -*offset : *offset;
  return moment;
}

// Whether two values serialize identically: Json's operator== would call
// 1 and 1.0 equal, and an object equal to one with its members reordered.
bool SameSerialization(const Json& a, const Json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_negative = !a.is_number_unsigned() && a.get<int64_t>() < 0;
    const bool b_negative = !b.is_number_unsigned() && b.get<int64_t>() < 0;
    if (a_negative || b_negative) {
      return a_negative && b_negative && a.get<int64_t>() == b.get<int64_t>();
    }
    return a.get<uint64_t>() == b.get<uint64_t>();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::value_t::number_float: {
      const double x = a.get<double>();
      const double y = b.get<double>();
      return x == y && std::signbit(x) == std::signbit(y);
    }
    case Json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!SameSerialization(a[i], b[i])) return false;
      }
      return true;
    }
    case Json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
        if (x.key() != y.key() || !SameSerialization(x.value(), y.value())) {
          return false;
        }
      }
      return true;
    }
    default:
      return a == b;
  }
}

// Python's `stored[key] = value`: an existing member keeps its position.
bool SetMember(Json& object, const std::string& key, const Json& value) {
  const auto it = object.find(key);
  if (it == object.end()) {
    object[key] = value;
    return true;
  }
  if (SameSerialization(*it, value)) return false;
  *it = value;
  return true;
}

// Python's stored.update(source) for an object `source`; returns whether
// the serialization changed.
bool UpdateFrom(Json& stored, const Json& source) {
  if (source.empty()) return false;
  bool changed = false;
  if (!stored.is_object()) {
    stored = Json::object();
    changed = true;
  }
  for (auto it = source.begin(); it != source.end(); ++it) {
    changed = SetMember(stored, it.key(), it.value()) || changed;
  }
  return changed;
}

}  // namespace

bool PythonTruthy(const Json& value) {
  switch (value.type()) {
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::number_integer:
      return value.get<int64_t>() != 0;
    case Json::value_t::number_unsigned:
      return value.get<uint64_t>() != 0;
    case Json::value_t::number_float:
      return value.get<double>() != 0.0;  // NaN is truthy, as in Python
    case Json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object:
    case Json::value_t::binary:
      return !value.empty();
    case Json::value_t::null:
    case Json::value_t::discarded:
      return false;
  }
  return false;
}

std::string_view StripPythonWhitespace(std::string_view text) {
  while (const size_t n = LeadingSpaceBytes(text)) text.remove_prefix(n);
  while (const size_t n = TrailingSpaceBytes(text)) text.remove_suffix(n);
  return text;
}

namespace {

// A document's "modified", when it is a string that parses.
std::optional<Moment> ModifiedOf(const Json& document) {
  const Json* modified = Member(document, "modified");
  if (modified == nullptr || !modified->is_string()) return std::nullopt;
  return ParseDiscoveryDatetime(modified->get_ref<const std::string&>());
}

}  // namespace

bool SameDiscoveryModified(const Json& stored, const Json& entry) {
  const std::optional<Moment> a = ModifiedOf(stored);
  const std::optional<Moment> b = ModifiedOf(entry);
  return a && b && a->aware == b->aware && a->micros == b->micros;
}

bool FullDocumentPredates(const Json& stored, const Json& full) {
  const std::optional<Moment> a = ModifiedOf(stored);
  const std::optional<Moment> b = ModifiedOf(full);
  return a && b && a->aware == b->aware && b->micros < a->micros;
}

bool MergeSearchEntry(Json& stored, const Json& entry,
                      std::string_view entry_type) {
  if (!entry.is_object()) return false;
  if (entry_type != "course") return UpdateFrom(stored, entry);
  // Only what search/all knows better than /courses/, and only when it says
  // something: a falsy value never clobbers the stored one.
  Json minimal = Json::object();
  for (std::string_view field : kCourseFieldsFromSearch) {
    const std::string key(field);
    if (const Json* value = Member(entry, key.c_str());
        value != nullptr && PythonTruthy(*value)) {
      minimal[key] = *value;
    }
  }
  return UpdateFrom(stored, minimal);
}

std::vector<Json> MergeFullCourse(Json& stored, const Json& full_course) {
  if (!full_course.is_object()) return {};
  if (!stored.is_object()) stored = Json::object();

  // Steps 1-3. /courses/ sometimes sends no subjects where search/all had
  // them; an empty answer is not taken as authoritative.
  const Json* old_subjects = Member(stored, "subjects");
  Json existing_subjects = old_subjects == nullptr ? Json() : *old_subjects;
  UpdateFrom(stored, full_course);
  if (PythonTruthy(existing_subjects)) {
    const Json* subjects = Member(stored, "subjects");
    if (subjects == nullptr || !PythonTruthy(*subjects)) {
      stored["subjects"] = std::move(existing_subjects);
    }
  }

  // Steps 4-5.
  AddNormalizedMetadata(stored);

  // Step 7: content an admin forced into catalogs is shown as current even
  // when discovery has it unpublished.
  if (const Json* forced = Member(stored, "enterprise_force_included");
      forced != nullptr && PythonTruthy(*forced)) {
    stored["enterprise_force_included"] = true;
    Json statuses = Json::array();
    if (const auto runs = stored.find("course_runs");
        runs != stored.end() && runs->is_array()) {
      for (Json& run : *runs) {
        if (!run.is_object()) continue;
        run["status"] = "published";
        run["availability"] = "Current";
        statuses.push_back("published");
      }
    }
    stored["course_run_statuses"] = std::move(statuses);
  }

  // Step 8. Django tags the very dicts it then stores, so the course's own
  // programs[] carries the tags too.
  std::vector<Json> programs;
  const Json* full_programs = Member(full_course, "programs");
  if (full_programs == nullptr || !full_programs->is_array()) return programs;
  const auto stored_programs = stored.find("programs");
  if (stored_programs == stored.end() || !stored_programs->is_array()) {
    return programs;
  }
  for (Json& program : *stored_programs) {
    const Json* uuid = Member(program, "uuid");
    if (uuid == nullptr || !uuid->is_string()) continue;
    std::string aggregation_key = "program:";
    aggregation_key.append(uuid->get_ref<const std::string&>());
    program["aggregation_key"] = std::move(aggregation_key);
    program["content_type"] = "program";
    programs.push_back(program);
  }
  return programs;
}

bool MergeFullProgram(Json& stored, const Json& full_program) {
  if (!full_program.is_object()) return false;
  return UpdateFrom(stored, full_program);
}

}  // namespace ec::domain
