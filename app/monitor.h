#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "storage/pg/pg_health.h"
#include "storage/pg/pg_pool.h"

namespace ec::app {

struct MonitorOptions {
  // Where the database is; the monitor opens one connection of its own with
  // a short statement timeout.
  storage::pg::PgConfig database;
  // How often the database is asked whether it answers.
  std::chrono::milliseconds check_interval{5000};
  // How often freshness and queue depth are read (a heavier query).
  std::chrono::milliseconds sample_interval{30000};
  // Per-query age series are kept for this many of the stalest queries.
  int worst_queries = 5;
  common::Clock clock = common::SystemClock();
};

// Watches the database for the whole process: whether it answers (for gRPC
// health checking, /readyz and enterprise_catalog_db_up) and how fresh the
// data is (the 24-hour promise as a gauge). Runs on its own thread so that
// probes and health checks only ever read a flag.
class ServiceMonitor {
 public:
  // `on_check` is called on the monitor thread with every check's outcome.
  ServiceMonitor(MonitorOptions options,
                 std::function<void(bool database_up)> on_check);
  ~ServiceMonitor();
  ServiceMonitor(const ServiceMonitor&) = delete;
  ServiceMonitor& operator=(const ServiceMonitor&) = delete;

  // Checks once on the calling thread (so readiness is known when Start
  // returns), then keeps checking on a thread.
  void Start();
  void Stop();

  // One check and, if due, one sample, now. Returns the check's status.
  absl::Status CheckNow();

  bool database_up() const;
  // Ready for traffic: the database answers and the process is not draining.
  bool ready() const;
  // From now on ready() is false (SIGTERM received).
  void SetDraining();

 private:
  void Loop();

  const MonitorOptions options_;
  const std::function<void(bool)> on_check_;
  // Used by Start's first check and then only by the monitor thread.
  storage::pg::PgHealthProbe probe_;
  std::chrono::steady_clock::time_point last_sample_{};
  bool sampled_ = false;

  mutable absl::Mutex mu_;
  bool database_up_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ec::app
