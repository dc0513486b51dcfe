#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ec::stub {

inline constexpr int64_t kSecondsPerDay = 86400;

// "%Y-%m-%dT%H:%M:%SZ" of Unix seconds `t`, or with "+00:00" instead of "Z"
// (discovery serializes go_live_date that way).
std::string FormatDate(int64_t t, bool offset_suffix = false);

// The calendar month (1-12) and year of Unix seconds `t`, in UTC.
int MonthOf(int64_t t);
int YearOf(int64_t t);

// Parses an Elasticsearch date or date-math value ("2025-01-01",
// "2025-01-01T05:00:00Z", "2025-01-01T05:00:00+02:00", epoch milliseconds,
// "now-30d", "now+1M/d") to Unix seconds, with `now` as the clock.
std::optional<double> ParseEsDate(std::string_view text, int64_t now);

}  // namespace ec::stub
