#include "app/monitor.h"

#include <utility>

#include "common/log.h"
#include "metrics/metrics.h"

namespace ec::app {
namespace {

constexpr char kComponent[] = "monitor";

storage::pg::PgConfig ProbeConfig(storage::pg::PgConfig config) {
  // A check that takes longer than this is a failed check.
  config.statement_timeout = std::chrono::milliseconds(2000);
  config.connect_timeout =
      std::min(config.connect_timeout, std::chrono::milliseconds(2000));
  config.pool_size = 1;
  return config;
}

}  // namespace

ServiceMonitor::ServiceMonitor(MonitorOptions options,
                               std::function<void(bool)> on_check)
    : options_(std::move(options)),
      on_check_(std::move(on_check)),
      probe_(ProbeConfig(options_.database)) {}

ServiceMonitor::~ServiceMonitor() { Stop(); }

void ServiceMonitor::Start() {
  CheckNow().IgnoreError();  // logged and published by CheckNow
  thread_ = std::thread([this] { Loop(); });
}

void ServiceMonitor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status ServiceMonitor::CheckNow() {
  const absl::Status status = probe_.Ping();
  const bool up = status.ok();
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = up != database_up_;
    database_up_ = up;
  }
  metrics::HealthMetrics::Get().SetDatabaseUp(up);
  if (changed || !up) {
    // Every failed check is logged (a platform team wants to see an outage
    // second by second); a good one only when it ends an outage.
    if (up) {
      common::LogInfo(kComponent, "database answers");
    } else {
      common::LogWarn(kComponent, "database health check failed",
                      {{"error", std::string(status.message())}});
    }
  }
  if (on_check_) on_check_(up);
  const auto now = std::chrono::steady_clock::now();
  if (up && (!sampled_ || now - last_sample_ >= options_.sample_interval)) {
    sampled_ = true;
    last_sample_ = now;
    auto sample = probe_.Sample(options_.worst_queries, options_.clock());
    if (sample.ok()) {
      std::vector<metrics::QueryAge> worst;
      for (const auto& q : sample->worst) {
        worst.push_back({q.content_filter_hash, q.age_seconds});
      }
      metrics::HealthMetrics::Get().SetFreshness(
          sample->queries_in_use, sample->never_refreshed,
          sample->oldest_age_seconds, worst);
      metrics::HealthMetrics::Get().SetQueue(sample->jobs_queued,
                                             sample->jobs_running);
      metrics::ContentMetrics::Get().SetFullFreshness(
          sample->full_in_use, sample->full_never_fetched,
          sample->full_oldest_age_seconds);
    } else {
      common::LogWarn(kComponent, "freshness sample failed",
                      {{"error", std::string(sample.status().message())}});
    }
  }
  return status;
}

bool ServiceMonitor::database_up() const {
  absl::MutexLock lock(&mu_);
  return database_up_;
}

bool ServiceMonitor::ready() const {
  absl::MutexLock lock(&mu_);
  return database_up_ && !draining_;
}

void ServiceMonitor::SetDraining() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
}

void ServiceMonitor::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_;
      };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping),
                               absl::FromChrono(options_.check_interval))) {
        return;
      }
    }
    CheckNow().IgnoreError();  // logged and published by CheckNow
  }
}

}  // namespace ec::app
