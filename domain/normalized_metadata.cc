#include "domain/normalized_metadata.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "domain/content_merge.h"

namespace ec::domain {
namespace {

constexpr std::string_view kExecEdCourseType = "executive-education-2u";
constexpr std::string_view kPaidExecEdMode = "paid-executive-education";

// Django's BEST_MODE_ORDER: the seat whose upgrade deadline is the course's
// enroll-by date. Modes not listed rank after all of these.
constexpr std::string_view kBestModeOrder[] = {
    "verified", "professional", "no-id-professional",
    "unpaid-executive-education", "audit"};
constexpr int kOtherModeRank = static_cast<int>(std::size(kBestModeOrder));

// `object[key]`, or nullptr when `object` is not an object or lacks `key`.
const Json* Member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// Python's dict.get(key) as a value: null when absent.
Json MemberOrNull(const Json& object, const char* key) {
  const Json* member = Member(object, key);
  return member == nullptr ? Json(nullptr) : *member;
}

bool IsString(const Json* value, std::string_view expected) {
  return value != nullptr && value->is_string() &&
         value->get_ref<const std::string&>() == expected;
}

// Python's == between two JSON-loaded values: bool, int and float compare as
// numbers (True == 1 == 1.0), dicts ignore member order. Used where Django
// compares values that discovery sends as strings, so only hostile documents
// reach the numeric branches.
bool PythonEquals(const Json& a, const Json& b);

bool IsPythonNumber(const Json& value) {
  return value.is_number() || value.is_boolean();
}

// Exact comparison of an integer with a double (Python compares int and
// float exactly, without rounding the int).
bool IntEqualsDouble(const Json& integer, double d) {
  if (!std::isfinite(d) || d != std::trunc(d)) return false;
  // Doubles of magnitude 2^64 and above cannot equal any int64 or uint64.
  if (d >= 18446744073709551616.0 || d < -9223372036854775808.0) return false;
  if (integer.is_number_unsigned()) {
    return d >= 0 && static_cast<uint64_t>(d) == integer.get<uint64_t>();
  }
  if (d >= 9223372036854775808.0) return false;
  return static_cast<int64_t>(d) == integer.get<int64_t>();
}

bool NumbersEqual(const Json& a, const Json& b) {
  // Python's bool is an int: True == 1.
  auto as_integer = [](const Json& v) -> Json {
    if (v.is_boolean()) return Json(v.get<bool>() ? 1 : 0);
    return v;
  };
  const Json x = as_integer(a);
  const Json y = as_integer(b);
  if (x.is_number_float() && y.is_number_float()) {
    return x.get<double>() == y.get<double>();
  }
  if (x.is_number_float()) return IntEqualsDouble(y, x.get<double>());
  if (y.is_number_float()) return IntEqualsDouble(x, y.get<double>());
  const bool x_negative =
      x.is_number_integer() && !x.is_number_unsigned() && x.get<int64_t>() < 0;
  const bool y_negative =
      y.is_number_integer() && !y.is_number_unsigned() && y.get<int64_t>() < 0;
  if (x_negative != y_negative) return false;
  if (x_negative) return x.get<int64_t>() == y.get<int64_t>();
  return x.get<uint64_t>() == y.get<uint64_t>();
}

bool PythonEquals(const Json& a, const Json& b) {
  if (IsPythonNumber(a) && IsPythonNumber(b)) return NumbersEqual(a, b);
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.is_string() && b.is_string()) return a == b;
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!PythonEquals(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, value] : a.items()) {
      const auto it = b.find(key);
      if (it == b.end() || !PythonEquals(value, *it)) return false;
    }
    return true;
  }
  return false;
}

// Python's float() of a str, for finite results. Grammar (after stripping
// whitespace): [sign] (digits [. [digits]] | . digits) [(e|E) [sign] digits],
// where digits may hold single underscores between digits. "inf", "nan" and
// overflow parse in Python but cannot be stored as JSON numbers: nullopt.
std::optional<double> ParsePythonFloatText(std::string_view text) {
  text = StripPythonWhitespace(text);
  std::string clean;
  clean.reserve(text.size());
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    if (text[i] == '-') clean.push_back('-');
    ++i;
  }
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  // Copies a digit run with Python's underscore rule; false if malformed.
  // Reports the run's digits through `digits` (without underscores).
  const auto take_digits = [&](std::string* digits) {
    if (i >= text.size() || !is_digit(text[i])) return false;
    while (i < text.size()) {
      if (is_digit(text[i])) {
        clean.push_back(text[i]);
        if (digits != nullptr) digits->push_back(text[i]);
        ++i;
      } else if (text[i] == '_' && i + 1 < text.size() &&
                 is_digit(text[i + 1])) {
        ++i;
      } else {
        break;
      }
    }
    return true;
  };
  std::string integer_digits;
  std::string fraction_digits;
  std::string exponent_digits;
  const bool has_integer =
      i < text.size() && is_digit(text[i]) && take_digits(&integer_digits);
  bool has_fraction = false;
  if (i < text.size() && text[i] == '.') {
    clean.push_back('.');
    ++i;
    if (i < text.size() && is_digit(text[i])) {
      has_fraction = take_digits(&fraction_digits);
    }
  }
  if (!has_integer && !has_fraction) return std::nullopt;
  bool exponent_negative = false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    clean.push_back('e');
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      clean.push_back(text[i]);
      ++i;
    }
    if (!take_digits(&exponent_digits)) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;

  double value = 0;
  const auto [end, error] =
      std::from_chars(clean.data(), clean.data() + clean.size(), value);
  if (end != clean.data() + clean.size()) return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    // Python gives +-0.0 on underflow and inf on overflow. The decimal
    // exponent of the leading significant digit tells them apart.
    int64_t exponent = 0;
    for (char c : exponent_digits) {
      exponent = std::min<int64_t>(exponent * 10 + (c - '0'), 1'000'000'000);
    }
    if (exponent_negative) exponent = -exponent;
    const size_t first = integer_digits.find_first_not_of('0');
    int64_t leading = 0;
    if (first != std::string::npos) {
      leading = static_cast<int64_t>(integer_digits.size() - first) - 1;
    } else {
      const size_t frac_first = fraction_digits.find_first_not_of('0');
      if (frac_first == std::string::npos) return std::nullopt;
      leading = -static_cast<int64_t>(frac_first) - 1;
    }
    if (exponent + leading < 0) return clean.front() == '-' ? -0.0 : 0.0;
    return std::nullopt;
  }
  if (error != std::errc() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// Python's float(value) for a JSON-loaded value, when it is finite.
std::optional<double> PythonFloat(const Json& value) {
  switch (value.type()) {
    case Json::value_t::boolean:
      return value.get<bool>() ? 1.0 : 0.0;
    case Json::value_t::number_integer:
      return static_cast<double>(value.get<int64_t>());
    case Json::value_t::number_unsigned:
      return static_cast<double>(value.get<uint64_t>());
    case Json::value_t::number_float: {
      const double d = value.get<double>();
      if (!std::isfinite(d)) return std::nullopt;
      return d;
    }
    case Json::value_t::string:
      return ParsePythonFloatText(value.get_ref<const std::string&>());
    default:
      return std::nullopt;
  }
}

// A truthy price as Python's float() reads it, or nullopt (falsy, or not a
// finite number float() would accept).
std::optional<double> TruthyPrice(const Json* price) {
  if (price == nullptr || !PythonTruthy(*price)) return std::nullopt;
  return PythonFloat(*price);
}

const Json* FindAdvertisedRun(const Json& course) {
  const Json* runs = Member(course, "course_runs");
  if (runs == nullptr || !runs->is_array()) return nullptr;
  const Json advertised = MemberOrNull(course, "advertised_course_run_uuid");
  for (const Json& run : *runs) {
    if (!run.is_object()) continue;
    if (PythonEquals(MemberOrNull(run, "uuid"), advertised)) return &run;
  }
  return nullptr;
}

int ModeRank(const Json& seat) {
  const Json* type = Member(seat, "type");
  if (type == nullptr || !type->is_string()) return kOtherModeRank;
  const std::string& mode = type->get_ref<const std::string&>();
  for (int rank = 0; rank < kOtherModeRank; ++rank) {
    if (mode == kBestModeOrder[rank]) return rank;
  }
  return kOtherModeRank;
}

// The first seat of the lowest rank: element 0 of Python's stable sort.
const Json* BestModeSeat(const Json* seats) {
  if (seats == nullptr || !seats->is_array()) return nullptr;
  const Json* best = nullptr;
  int best_rank = 0;
  for (const Json& seat : *seats) {
    if (!seat.is_object()) continue;
    const int rank = ModeRank(seat);
    if (best == nullptr || rank < best_rank) {
      best = &seat;
      best_rank = rank;
    }
  }
  return best;
}

Json EnrollByDate(const Json& run, bool exec_ed) {
  if (exec_ed) return MemberOrNull(run, "enrollment_end");
  const Json* deadline = nullptr;
  if (const Json* seat = BestModeSeat(Member(run, "seats"))) {
    deadline = Member(*seat, "upgrade_deadline_override");
    if (deadline == nullptr || !PythonTruthy(*deadline)) {
      deadline = Member(*seat, "upgrade_deadline");
    }
  }
  const Json* result = nullptr;
  for (const Json* candidate : {deadline, Member(run, "enrollment_end")}) {
    if (candidate == nullptr || !candidate->is_string() ||
        candidate->get_ref<const std::string&>().empty()) {
      continue;
    }
    if (result == nullptr || candidate->get_ref<const std::string&>() <
                                 result->get_ref<const std::string&>()) {
      result = candidate;
    }
  }
  return result == nullptr ? Json(nullptr) : *result;
}

double ContentPrice(const Json& course, const Json* run, bool exec_ed) {
  if (run != nullptr) {
    if (auto price = TruthyPrice(Member(*run, "fixed_price_usd"))) {
      return *price;
    }
  }
  if (exec_ed) {
    const Json* entitlements = Member(course, "entitlements");
    if (entitlements != nullptr && entitlements->is_array()) {
      for (const Json& entitlement : *entitlements) {
        if (!IsString(Member(entitlement, "mode"), kPaidExecEdMode)) continue;
        if (auto price = TruthyPrice(Member(entitlement, "price"))) {
          return *price;
        }
      }
    }
  }
  if (run != nullptr) {
    if (auto price =
            TruthyPrice(Member(*run, "first_enrollable_paid_seat_price"))) {
      return *price;
    }
  }
  return 0.0;
}

}  // namespace

const Json* AdvertisedRun(const Json& course) {
  return FindAdvertisedRun(course);
}

Json NormalizedMetadata(const Json& course, const Json* run) {
  const Json* chosen = run;
  if (chosen == nullptr || !chosen->is_object() || chosen->empty()) {
    chosen = FindAdvertisedRun(course);
  }
  // The serializer tests the run's truthiness again: an advertised run that
  // is {} counts as no run.
  if (chosen != nullptr && chosen->empty()) chosen = nullptr;
  const bool exec_ed =
      IsString(Member(course, "course_type"), kExecEdCourseType);

  Json normalized = Json::object();
  if (chosen == nullptr) {
    normalized["start_date"] = nullptr;
    normalized["end_date"] = nullptr;
    normalized["enroll_by_date"] = nullptr;
    normalized["enroll_start_date"] = nullptr;
  } else {
    normalized["start_date"] = MemberOrNull(*chosen, "start");
    normalized["end_date"] = MemberOrNull(*chosen, "end");
    normalized["enroll_by_date"] = EnrollByDate(*chosen, exec_ed);
    normalized["enroll_start_date"] = MemberOrNull(*chosen, "enrollment_start");
  }
  // A double, never an integer: Python's float dumps as "50.0".
  normalized["content_price"] = ContentPrice(course, chosen, exec_ed);
  return normalized;
}

void AddNormalizedMetadata(Json& course) {
  if (!course.is_object()) return;
  Json normalized = NormalizedMetadata(course, nullptr);
  Json by_run = Json::object();
  if (const Json* runs = Member(course, "course_runs");
      runs != nullptr && runs->is_array()) {
    for (const Json& run : *runs) {
      const Json* key = Member(run, "key");
      if (key == nullptr || !key->is_string()) continue;
      by_run[key->get_ref<const std::string&>()] =
          NormalizedMetadata(course, &run);
    }
  }
  course["normalized_metadata"] = std::move(normalized);
  course["normalized_metadata_by_run"] = std::move(by_run);
}

}  // namespace ec::domain
