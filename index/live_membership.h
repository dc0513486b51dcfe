#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "index/membership_index.h"

namespace ec::index {

// The snapshot the contains RPCs read, replaced whole by one applier
// (storage/pg/membership_feed.h) so that a request sees a crawl applied
// entirely or not at all. Empty while memory is not to be trusted: before
// the first full load, and from losing the notification connection until
// the full load after it; callers then ask PostgreSQL.
class LiveMembership {
 public:
  // The snapshot to answer from, or nullptr. The caller keeps it alive for
  // as long as it reads it.
  std::shared_ptr<const MembershipSnapshot> Current() const {
    return current_.load(std::memory_order_acquire);
  }
  void Install(std::shared_ptr<const MembershipSnapshot> snapshot) {
    current_.store(std::move(snapshot), std::memory_order_release);
  }
  void Invalidate() { Install(nullptr); }

 private:
  std::atomic<std::shared_ptr<const MembershipSnapshot>> current_;
};

}  // namespace ec::index
