#pragma once

#include <chrono>
#include <optional>

namespace ec::common {

// The deadline of the call the current thread is serving. The gRPC adapter
// sets it around the core's handler; the database pool bounds each
// statement by it (storage/pg/pg_pool.h), so a caller's deadline reaches
// SQL without every interface carrying it.
class CallDeadlineScope {
 public:
  // A deadline more than a day away (gRPC's "none" is the far future) sets
  // nothing.
  explicit CallDeadlineScope(std::chrono::system_clock::time_point deadline);
  ~CallDeadlineScope();
  CallDeadlineScope(const CallDeadlineScope&) = delete;
  CallDeadlineScope& operator=(const CallDeadlineScope&) = delete;

 private:
  std::optional<std::chrono::system_clock::time_point> previous_;
};

// The current thread's call deadline, if a CallDeadlineScope set one.
std::optional<std::chrono::system_clock::time_point> CurrentCallDeadline();

}  // namespace ec::common
