#include "tools/discovery_stub/dates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2 ? 1 : 0));
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

std::string FormatDate(int64_t t, bool offset_suffix) {
  const int64_t days = FloorDiv(t, kSecondsPerDay);
  const int64_t secs = t - days * kSecondsPerDay;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%s", y, m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), offset_suffix ? "+00:00" : "Z");
  return buf;
}

int MonthOf(int64_t t) {
  int y, m, d;
  CivilFromDays(FloorDiv(t, kSecondsPerDay), &y, &m, &d);
  return m;
}
int YearOf(int64_t t) {
  int y, m, d;
  CivilFromDays(FloorDiv(t, kSecondsPerDay), &y, &m, &d);
  return y;
}

std::optional<double> ParseEsDate(std::string_view text, int64_t now) {
  text = Strip(text);
  if (text.empty()) return std::nullopt;
  if (text.substr(0, 3) == "now") {
    double t = static_cast<double>(now);
    std::string_view rest = text.substr(3);
    while (!rest.empty()) {
      const char op = rest[0];
      rest.remove_prefix(1);
      if (op == '/') {
        // Rounding: only day-or-finer units are applied exactly.
        if (rest.empty()) return std::nullopt;
        const char unit = rest[0];
        rest.remove_prefix(1);
        const double size = unit == 'd'                  ? 86400
                            : unit == 'h' || unit == 'H' ? 3600
                            : unit == 'm'                ? 60
                            : unit == 's'                ? 1
                                                         : 0;
        if (size > 0) t = std::floor(t / size) * size;
        continue;
      }
      if (op != '+' && op != '-') return std::nullopt;
      size_t digits = 0;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
        ++digits;
      const int64_t amount =
          digits == 0 ? 1
                      : std::atoll(std::string(rest.substr(0, digits)).c_str());
      rest.remove_prefix(digits);
      if (rest.empty()) return std::nullopt;
      double unit = 0;
      switch (rest[0]) {
        case 'y':
          unit = 365.2425 * 86400;
          break;
        case 'M':
          unit = 30.436875 * 86400;
          break;
        case 'w':
          unit = 7 * 86400;
          break;
        case 'd':
          unit = 86400;
          break;
        case 'h':
        case 'H':
          unit = 3600;
          break;
        case 'm':
          unit = 60;
          break;
        case 's':
          unit = 1;
          break;
        default:
          return std::nullopt;
      }
      rest.remove_prefix(1);
      t += (op == '+' ? 1 : -1) * static_cast<double>(amount) * unit;
    }
    return t;
  }
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return std::floor(std::atof(std::string(text).c_str()) /
                      1000.0);  // epoch_millis
  }
  // strict_date_optional_time: yyyy[-MM[-dd[Thh[:mm[:ss[.fff]]]]]][Z|+hh:mm]
  int fields[6] = {0, 1, 1, 0, 0, 0};
  static constexpr int kWidths[6] = {4, 2, 2, 2, 2, 2};
  static constexpr char kSeparators[6] = {0, '-', '-', 'T', ':', ':'};
  size_t pos = 0;
  int parsed = 0;
  for (int i = 0; i < 6; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != kSeparators[i]) break;
      ++pos;
    }
    if (pos + kWidths[i] > text.size()) return std::nullopt;
    int value = 0;
    for (int k = 0; k < kWidths[i]; ++k) {
      const char c = text[pos + static_cast<size_t>(k)];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    fields[i] = value;
    pos += static_cast<size_t>(kWidths[i]);
    parsed = i + 1;
  }
  if (parsed == 0) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  int offset = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      if (pos + 6 != text.size() || text[pos + 3] != ':') return std::nullopt;
      const int hh = std::atoi(std::string(text.substr(pos + 1, 2)).c_str());
      const int mm = std::atoi(std::string(text.substr(pos + 4, 2)).c_str());
      offset = (text[pos] == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
      pos += 6;
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 ||
      fields[3] > 23 || fields[4] > 59 || fields[5] > 59) {
    return std::nullopt;
  }
  // Days from civil (H. Hinnant).
  const int y = fields[0] - (fields[1] <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (fields[1] + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + fields[2] - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return static_cast<double>(days * 86400 + fields[3] * 3600 + fields[4] * 60 +
                             fields[5] - offset);
}

}  // namespace ec::stub
