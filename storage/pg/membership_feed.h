#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "index/live_membership.h"
#include "storage/pg/pg_pool.h"

namespace ec::storage::pg {

// The feed's connection's application_name in pg_stat_activity.
inline constexpr char kMembershipFeedApplicationName[] =
    "enterprise-catalog-index";

struct MembershipFeedOptions {
  // Where the database is (the primary: hot standbys do not relay NOTIFY).
  // The feed opens one connection of its own, for LISTEN and its reads.
  PgConfig database;
  // Wait before reconnecting after the connection or a load failed.
  std::chrono::milliseconds retry_backoff{1000};
  // A full load at this interval besides the notifications, to repair what
  // they cannot announce (a run moved to another course by a crawl that
  // changed no membership; an operator's edit with the triggers disabled).
  // Zero: never.
  std::chrono::milliseconds full_reload_interval{std::chrono::hours(1)};
};

// Keeps a LiveMembership coherent with PostgreSQL, on a thread of its own:
// LISTENs on ec_membership (migration 0008), loads the whole index, and
// then, for each batch of notifications, reads the queries and catalogs they
// name and installs one new snapshot, so that a request sees a change
// entirely or not at all. A query notification older than the version held
// is dropped unread. If the connection is lost or a read fails, the index is
// emptied at once (the contains RPCs ask PostgreSQL meanwhile; a metric and
// a warning say so) and trusted again only after a new connection has
// LISTENed and a full load has been installed.
class MembershipFeed {
 public:
  // Does not take ownership; `live` must outlive the feed.
  MembershipFeed(MembershipFeedOptions options, index::LiveMembership* live);
  ~MembershipFeed();
  MembershipFeed(const MembershipFeed&) = delete;
  MembershipFeed& operator=(const MembershipFeed&) = delete;

  void Start();
  // Stops and joins the thread (within about a quarter of a second, or when
  // a load in progress ends). Idempotent.
  void Stop();

  // A full load has been installed since the process started (readiness:
  // later losses fall back to PostgreSQL rather than take the process out
  // of service).
  bool loaded() const { return loaded_.load(std::memory_order_acquire); }
  // Full loads installed and notification batches applied so far (tests
  // wait on them).
  int64_t full_loads() const { return full_loads_.load(); }
  int64_t batches_applied() const { return batches_applied_.load(); }

 private:
  void Run();
  // One connection's life: LISTEN, full load, then notifications until the
  // connection fails or Stop. OK only when stopped.
  absl::Status Session(const char* reason, bool* installed);
  bool stopping() const;

  const MembershipFeedOptions options_;
  index::LiveMembership* const live_;
  std::atomic<bool> loaded_{false};
  std::atomic<int64_t> full_loads_{0};
  std::atomic<int64_t> batches_applied_{0};
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ec::storage::pg
