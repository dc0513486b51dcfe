#pragma once

// The process's Prometheus metrics. One registry per process, like the
// default registry of the Go and Python clients: every library records into
// it without a registry being threaded through every constructor, and
// whatever HTTP endpoint the process runs serves all of it. Tests read
// values through the same accessors and compare before/after, because other
// tests in the process record into the same counters.
//
// Names and labels of the gRPC metrics are those of go-grpc-prometheus, so
// dashboards built for other services work unchanged; everything else is
// prefixed enterprise_catalog_. docs/observability.md lists them all.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace ec::metrics {

// The process-wide registry.
std::shared_ptr<prometheus::Registry> Registry();

// The registry in the text exposition format (what /metrics serves).
std::string Scrape();

// gRPC status codes as go-grpc-prometheus spells them (codes.Code.String()):
// "OK", "NotFound", "Unavailable", ... `code` is the numeric gRPC code.
std::string_view GrpcCodeName(int code);

// grpc_server_* for one method.
struct GrpcMethodMetrics {
  prometheus::Counter* started = nullptr;
  prometheus::Counter* msg_received = nullptr;
  prometheus::Counter* msg_sent = nullptr;
  prometheus::Histogram* handling_seconds = nullptr;
  // By numeric gRPC code (0..16).
  std::array<prometheus::Counter*, 17> handled{};
};

class GrpcServerMetrics {
 public:
  static GrpcServerMetrics& Get();

  // The metrics of `full_method` ("/package.Service/Method"), created with
  // every code's series at zero the first time, so that rate() and ratios
  // see a zero rather than no series. `type` is go-grpc-prometheus's
  // grpc_type: unary, client_stream, server_stream or bidi_stream.
  const GrpcMethodMetrics& ForMethod(std::string_view full_method,
                                     std::string_view type);

 private:
  GrpcServerMetrics();

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Counter>& msg_received_;
  prometheus::Family<prometheus::Counter>& msg_sent_;
  prometheus::Family<prometheus::Histogram>& handling_;
  absl::Mutex mu_;
  // Node-stable, so references handed out stay valid.
  absl::flat_hash_map<std::string, std::unique_ptr<GrpcMethodMetrics>> methods_
      ABSL_GUARDED_BY(mu_);
};

// The refresh pipeline: jobs, crawls, the discovery client.
class RefreshMetrics {
 public:
  static RefreshMetrics& Get();

  // How a job attempt ended, and how long its crawl took.
  // outcome: succeeded, held, retry, failed, lease_lost, stopped.
  void JobFinished(std::string_view outcome, double crawl_seconds);
  void ItemsApplied(int64_t added, int64_t removed, int64_t changed,
                    int64_t unchanged);
  void GuardrailHold() { guardrail_holds_->Increment(); }
  void LeaseTakenOver() { leases_expired_->Increment(); }
  // A crawl stopped because it would not fit its limits: the byte budget,
  // max_pages or the response size cap (RESOURCE_EXHAUSTED).
  void CrawlOverLimit() { crawls_over_limit_->Increment(); }
  void SetRefreshThreads(int n) { refresh_threads_->Set(n); }

  // One discovery HTTP request. endpoint: search or token. status: 2xx,
  // 3xx, 4xx, 429, 5xx, bad_body (2xx but not the expected document),
  // timeout, connection.
  void DiscoveryRequest(std::string_view endpoint, std::string_view status);
  void DiscoveryRetry(std::string_view endpoint);

  // For tests.
  double JobsTotal(std::string_view outcome);
  double GuardrailHoldsTotal() const { return guardrail_holds_->Value(); }
  double LeasesExpiredTotal() const { return leases_expired_->Value(); }
  double CrawlsOverLimitTotal() const { return crawls_over_limit_->Value(); }
  double ItemsTotal(std::string_view change);
  double DiscoveryRequestsTotal(std::string_view endpoint,
                                std::string_view status);

 private:
  RefreshMetrics();
  prometheus::Counter& Labeled(prometheus::Family<prometheus::Counter>& family,
                               const prometheus::Labels& labels);

  prometheus::Family<prometheus::Counter>& jobs_;
  prometheus::Family<prometheus::Histogram>& crawl_seconds_;
  prometheus::Family<prometheus::Counter>& items_;
  prometheus::Family<prometheus::Counter>& discovery_requests_;
  prometheus::Family<prometheus::Counter>& discovery_retries_;
  prometheus::Counter* guardrail_holds_;
  prometheus::Counter* leases_expired_;
  prometheus::Counter* crawls_over_limit_;
  prometheus::Gauge* refresh_threads_;
  absl::Mutex mu_;
};

// A connection pool's figures; pool is "rpc" or "worker".
class DbPoolMetrics {
 public:
  DbPoolMetrics(std::string_view pool, int size);
  void SetConnections(int in_use, int idle);
  // Acquire found no free connection and had to wait.
  void Waited() { waits_->Increment(); }
  void AcquireTimedOut() { timeouts_->Increment(); }
  // A statement or connection failed; the class is derived from the status
  // (connection, timeout, serialization, constraint, invalid_input, other).
  void Error(const absl::Status& status);

  double WaitsTotal() const { return waits_->Value(); }
  double ErrorsTotal(std::string_view error_class);
  double InUse() const { return in_use_->Value(); }

 private:
  const std::string pool_;
  prometheus::Gauge* in_use_;
  prometheus::Gauge* idle_;
  prometheus::Counter* waits_;
  prometheus::Counter* timeouts_;
  prometheus::Family<prometheus::Counter>& errors_;
};

// What the periodic database sample found (see app/monitor.h).
struct QueryAge {
  std::string query_hash;
  double age_seconds = 0;
};

class HealthMetrics {
 public:
  static HealthMetrics& Get();

  void SetDatabaseUp(bool up) { db_up_->Set(up ? 1 : 0); }
  // `worst` replaces the previous set: series of queries no longer among
  // the worst are removed, so the label set stays bounded.
  void SetFreshness(int64_t queries_in_use, int64_t never_refreshed,
                    double oldest_age_seconds,
                    const std::vector<QueryAge>& worst);
  void SetQueue(int64_t queued, int64_t running);

 private:
  HealthMetrics();

  prometheus::Gauge* db_up_;
  prometheus::Gauge* queries_in_use_;
  prometheus::Gauge* never_refreshed_;
  prometheus::Gauge* oldest_age_;
  prometheus::Family<prometheus::Gauge>& query_age_;
  prometheus::Family<prometheus::Gauge>& queue_;
  prometheus::Gauge* queued_;
  prometheus::Gauge* running_;
  absl::Mutex mu_;
  std::vector<std::pair<std::string, prometheus::Gauge*>> worst_
      ABSL_GUARDED_BY(mu_);
};

// What the workers do to content besides membership: the inclusion rules'
// exclusions and the full-metadata pass (workers/full_pass.cc), and how old
// the full documents of in-use content are (the monitor's sample).
class ContentMetrics {
 public:
  static ContentMetrics& Get();

  // Crawl results the inclusion rules kept out of their query.
  void ItemsExcluded(int64_t n);
  // content_type: course or program.
  void FullBatchFailed(std::string_view content_type);
  void FullDocumentsApplied(std::string_view content_type, int64_t changed,
                            int64_t unchanged);
  void SetFullFreshness(int64_t in_use, int64_t never_fetched,
                        double oldest_age_seconds);

  // For tests.
  double ExcludedTotal() const { return excluded_->Value(); }
  double FullDocumentsTotal(std::string_view content_type,
                            std::string_view change);
  double FullBatchesFailedTotal(std::string_view content_type);

 private:
  ContentMetrics();

  prometheus::Counter* excluded_;
  prometheus::Family<prometheus::Counter>& full_documents_;
  prometheus::Family<prometheus::Counter>& full_batches_failed_;
  prometheus::Gauge* full_in_use_;
  prometheus::Gauge* full_never_fetched_;
  prometheus::Gauge* full_oldest_age_;
};

// The membership index each serving process keeps in memory (index/,
// storage/pg/membership_feed.h): whether the contains RPCs may answer from
// it, how it was loaded and kept current, and where answers came from.
class IndexMetrics {
 public:
  static IndexMetrics& Get();

  // 1 while the contains RPCs answer from memory, 0 while they fall back to
  // PostgreSQL (before the first load, after losing the notifications).
  void SetServing(bool serving) { serving_->Set(serving ? 1 : 0); }
  // A full load swapped in; reason: start, resync (after the notification
  // connection was lost), periodic or reset (a table was truncated).
  void FullLoad(std::string_view reason, double seconds, int64_t rows,
                int64_t bytes);
  void FullLoadFailed() { full_load_failures_->Increment(); }
  // The notification connection was lost, or a read after a notification
  // failed (memory is not trusted until the next full load).
  void ListenerLost() { listener_lost_->Increment(); }
  // A notification applied; kind: query or catalog.
  void Applied(std::string_view kind, double seconds);
  // Where a contains call's answer came from: memory or database.
  void Answered(bool from_memory) {
    (from_memory ? from_memory_ : from_database_)->Increment();
  }

  // For tests.
  double Serving() const { return serving_->Value(); }
  double FullLoadsTotal(std::string_view reason);
  double ListenerLostTotal() const { return listener_lost_->Value(); }
  double AnsweredTotal(bool from_memory) const {
    return (from_memory ? from_memory_ : from_database_)->Value();
  }

 private:
  IndexMetrics();

  prometheus::Gauge* serving_;
  prometheus::Family<prometheus::Counter>& full_loads_;
  prometheus::Counter* full_load_failures_;
  prometheus::Histogram* full_load_seconds_;
  prometheus::Gauge* rows_;
  prometheus::Gauge* bytes_;
  prometheus::Counter* listener_lost_;
  prometheus::Family<prometheus::Histogram>& apply_seconds_;
  prometheus::Family<prometheus::Counter>& answers_;
  prometheus::Counter* from_memory_;
  prometheus::Counter* from_database_;
};

// The read replica of the metadata RPCs (storage/pg/read_replica.h), in a
// process configured with one: how stale it is, whether reads go to it, and
// where each read went.
class ReplicaMetrics {
 public:
  static ReplicaMetrics& Get();

  // The replica's staleness bound in seconds; -1 while unknown.
  void SetStaleness(double seconds) { staleness_->Set(seconds); }
  // 1 while metadata reads go to the replica, 0 while they go to the
  // primary.
  void SetServing(bool serving) { serving_->Set(serving ? 1 : 0); }
  // A metadata read answered by the replica or by the primary.
  void Read(bool from_replica) {
    (from_replica ? from_replica_ : from_primary_)->Increment();
  }
  // A read sent to the primary; reason: not_serving (the replica was
  // stale or its staleness unknown), error (the replica failed it) or
  // not_found (the replica did not have it, the primary may).
  void Fallback(std::string_view reason);

  // For tests.
  double Serving() const { return serving_->Value(); }
  double ReadsTotal(bool from_replica) const {
    return (from_replica ? from_replica_ : from_primary_)->Value();
  }
  double FallbacksTotal(std::string_view reason);

 private:
  ReplicaMetrics();

  prometheus::Gauge* staleness_;
  prometheus::Gauge* serving_;
  prometheus::Family<prometheus::Counter>& reads_;
  prometheus::Counter* from_replica_;
  prometheus::Counter* from_primary_;
  prometheus::Family<prometheus::Counter>& fallbacks_;
};

}  // namespace ec::metrics
