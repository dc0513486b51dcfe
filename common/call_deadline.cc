#include "common/call_deadline.h"

namespace ec::common {
namespace {

thread_local std::optional<std::chrono::system_clock::time_point> current;

}  // namespace

CallDeadlineScope::CallDeadlineScope(
    std::chrono::system_clock::time_point deadline)
    : previous_(current) {
  if (deadline < std::chrono::system_clock::now() + std::chrono::hours(24)) {
    current = deadline;
  }
}

CallDeadlineScope::~CallDeadlineScope() { current = previous_; }

std::optional<std::chrono::system_clock::time_point> CurrentCallDeadline() {
  return current;
}

}  // namespace ec::common
