#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace ec::common {

// Microseconds since the Unix epoch (PostgreSQL's resolution).
using Micros = int64_t;

// Microseconds since the Unix epoch. Everything that decides freshness,
// backoff or leases reads time through a Clock, so tests can inject one and
// run days of schedule in seconds.
using Clock = std::function<int64_t()>;

inline int64_t SystemNowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline Clock SystemClock() { return &SystemNowMicros; }

inline constexpr int64_t ToMicros(std::chrono::microseconds d) {
  return d.count();
}

}  // namespace ec::common
