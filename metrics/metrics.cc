#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>

namespace ec::metrics {
namespace {

constexpr char kPrefix[] = "enterprise_catalog_";

std::string Prefixed(std::string_view name) {
  return std::string(kPrefix).append(name);
}

prometheus::Family<prometheus::Counter>& CounterFamily(std::string name,
                                                       std::string help) {
  return prometheus::BuildCounter()
      .Name(std::move(name))
      .Help(std::move(help))
      .Register(*Registry());
}

prometheus::Family<prometheus::Gauge>& GaugeFamily(std::string name,
                                                   std::string help) {
  return prometheus::BuildGauge()
      .Name(std::move(name))
      .Help(std::move(help))
      .Register(*Registry());
}

prometheus::Family<prometheus::Histogram>& HistogramFamily(std::string name,
                                                           std::string help) {
  return prometheus::BuildHistogram()
      .Name(std::move(name))
      .Help(std::move(help))
      .Register(*Registry());
}

// RPCs answer in about a millisecond, so the buckets start well below
// go-grpc-prometheus's default 5 ms; they end at its 10 s.
const prometheus::Histogram::BucketBoundaries& RpcBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}

// A crawl takes from a second (a small query) to tens of minutes (all of
// discovery at a slow page rate).
const prometheus::Histogram::BucketBoundaries& CrawlBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600};
  return *buckets;
}

std::string_view ErrorClass(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      return "connection";
    case absl::StatusCode::kDeadlineExceeded:
      return "timeout";
    case absl::StatusCode::kAborted:
      return "serialization";
    case absl::StatusCode::kAlreadyExists:
      return "constraint";
    case absl::StatusCode::kInvalidArgument:
      return "invalid_input";
    default:
      return "other";
  }
}

}  // namespace

std::shared_ptr<prometheus::Registry> Registry() {
  static const auto* registry = [] {
    auto* r = new std::shared_ptr<prometheus::Registry>(
        std::make_shared<prometheus::Registry>());
    // A constant 1 whose label says which build answers: joins on it
    // show versions during a rollout.
    prometheus::BuildGauge()
        .Name(Prefixed("build_info"))
        .Help("Always 1; the version label names the running build.")
        .Register(**r)
        .Add({{"version", EC_VERSION}})
        .Set(1);
    return r;
  }();
  return *registry;
}

std::string Scrape() {
  return prometheus::TextSerializer().Serialize(Registry()->Collect());
}

std::string_view GrpcCodeName(int code) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",
      "Canceled",
      "Unknown",
      "InvalidArgument",
      "DeadlineExceeded",
      "NotFound",
      "AlreadyExists",
      "PermissionDenied",
      "ResourceExhausted",
      "FailedPrecondition",
      "Aborted",
      "OutOfRange",
      "Unimplemented",
      "Internal",
      "Unavailable",
      "DataLoss",
      "Unauthenticated"};
  if (code < 0 || code >= static_cast<int>(kNames.size())) return "Unknown";
  return kNames[static_cast<size_t>(code)];
}

// ---------------------------------------------------------------- gRPC ----

GrpcServerMetrics& GrpcServerMetrics::Get() {
  static auto* metrics = new GrpcServerMetrics();
  return *metrics;
}

GrpcServerMetrics::GrpcServerMetrics()
    : started_(CounterFamily("grpc_server_started_total",
                             "Total number of RPCs started on the server.")),
      handled_(CounterFamily(
          "grpc_server_handled_total",
          "Total number of RPCs completed on the server, regardless of "
          "success or failure.")),
      msg_received_(CounterFamily(
          "grpc_server_msg_received_total",
          "Total number of RPC stream messages received on the server.")),
      msg_sent_(CounterFamily(
          "grpc_server_msg_sent_total",
          "Total number of gRPC stream messages sent by the server.")),
      handling_(HistogramFamily("grpc_server_handling_seconds",
                                "Histogram of response latency (seconds) of "
                                "gRPC that had been application-level "
                                "handled by the server.")) {}

const GrpcMethodMetrics& GrpcServerMetrics::ForMethod(
    std::string_view full_method, std::string_view type) {
  absl::MutexLock lock(&mu_);
  auto& slot = methods_[std::string(full_method)];
  if (slot != nullptr) return *slot;
  // "/package.Service/Method"; anything else is kept whole as the method.
  std::string_view service;
  std::string_view method = full_method;
  if (full_method.size() > 1 && full_method[0] == '/') {
    const size_t slash = full_method.find('/', 1);
    if (slash != std::string_view::npos) {
      service = full_method.substr(1, slash - 1);
      method = full_method.substr(slash + 1);
    }
  }
  const prometheus::Labels labels = {{"grpc_type", std::string(type)},
                                     {"grpc_service", std::string(service)},
                                     {"grpc_method", std::string(method)}};
  slot = std::make_unique<GrpcMethodMetrics>();
  slot->started = &started_.Add(labels);
  slot->msg_received = &msg_received_.Add(labels);
  slot->msg_sent = &msg_sent_.Add(labels);
  slot->handling_seconds = &handling_.Add(labels, RpcBuckets());
  for (int code = 0; code < static_cast<int>(slot->handled.size()); ++code) {
    prometheus::Labels with_code = labels;
    with_code["grpc_code"] = std::string(GrpcCodeName(code));
    slot->handled[static_cast<size_t>(code)] = &handled_.Add(with_code);
  }
  return *slot;
}

// ------------------------------------------------------------- refresh ----

RefreshMetrics& RefreshMetrics::Get() {
  static auto* metrics = new RefreshMetrics();
  return *metrics;
}

RefreshMetrics::RefreshMetrics()
    : jobs_(CounterFamily(Prefixed("refresh_jobs_total"),
                          "Refresh job attempts by how they ended: "
                          "succeeded, held (guardrail), retry (failed, "
                          "queued again), failed (last attempt), lease_lost, "
                          "stopped (released at shutdown).")),
      crawl_seconds_(HistogramFamily(
          Prefixed("refresh_crawl_duration_seconds"),
          "Wall time of a refresh attempt, crawl and apply, by outcome.")),
      items_(CounterFamily(Prefixed("refresh_items_total"),
                           "Content applied by successful refreshes: "
                           "members added/removed, documents "
                           "changed/unchanged.")),
      discovery_requests_(
          CounterFamily(Prefixed("discovery_requests_total"),
                        "HTTP requests to course-discovery by endpoint "
                        "(search, token) and result class.")),
      discovery_retries_(CounterFamily(
          Prefixed("discovery_retries_total"),
          "Discovery requests repeated after a retryable failure.")),
      guardrail_holds_(
          &CounterFamily(Prefixed("refresh_guardrail_holds_total"),
                         "Refreshes held because they would remove most of a "
                         "query's content.")
               .Add({})),
      leases_expired_(
          &CounterFamily(Prefixed("refresh_leases_expired_total"),
                         "Jobs taken over from a worker whose lease expired "
                         "(it died or stalled).")
               .Add({})),
      crawls_over_limit_(
          &CounterFamily(Prefixed("refresh_crawls_over_limit_total"),
                         "Crawls stopped with RESOURCE_EXHAUSTED because they "
                         "would not fit the worker's limits: the crawl byte "
                         "budget, the page count or the response size cap.")
               .Add({})),
      refresh_threads_(&GaugeFamily(Prefixed("worker_crawl_threads"),
                                    "Refresh threads running in this process.")
                            .Add({})) {
  // Every series the alerts and dashboards use exists from the start.
  for (const char* outcome :
       {"succeeded", "held", "retry", "failed", "lease_lost", "stopped"}) {
    jobs_.Add({{"outcome", outcome}});
    crawl_seconds_.Add({{"outcome", outcome}}, CrawlBuckets());
  }
  for (const char* change : {"added", "removed", "changed", "unchanged"}) {
    items_.Add({{"change", change}});
  }
}

prometheus::Counter& RefreshMetrics::Labeled(
    prometheus::Family<prometheus::Counter>& family,
    const prometheus::Labels& labels) {
  // Family::Add returns the existing series for known labels; it locks
  // internally, but the mutex keeps Add-then-use simple to reason about.
  absl::MutexLock lock(&mu_);
  return family.Add(labels);
}

void RefreshMetrics::JobFinished(std::string_view outcome,
                                 double crawl_seconds) {
  const prometheus::Labels labels = {{"outcome", std::string(outcome)}};
  Labeled(jobs_, labels).Increment();
  absl::MutexLock lock(&mu_);
  crawl_seconds_.Add(labels, CrawlBuckets()).Observe(crawl_seconds);
}

void RefreshMetrics::ItemsApplied(int64_t added, int64_t removed,
                                  int64_t changed, int64_t unchanged) {
  const std::pair<const char*, int64_t> values[] = {{"added", added},
                                                    {"removed", removed},
                                                    {"changed", changed},
                                                    {"unchanged", unchanged}};
  for (const auto& [change, n] : values) {
    Labeled(items_, {{"change", change}})
        .Increment(static_cast<double>(std::max<int64_t>(n, 0)));
  }
}

void RefreshMetrics::DiscoveryRequest(std::string_view endpoint,
                                      std::string_view status) {
  Labeled(discovery_requests_, {{"endpoint", std::string(endpoint)},
                                {"status", std::string(status)}})
      .Increment();
}

void RefreshMetrics::DiscoveryRetry(std::string_view endpoint) {
  Labeled(discovery_retries_, {{"endpoint", std::string(endpoint)}})
      .Increment();
}

double RefreshMetrics::JobsTotal(std::string_view outcome) {
  return Labeled(jobs_, {{"outcome", std::string(outcome)}}).Value();
}

double RefreshMetrics::ItemsTotal(std::string_view change) {
  return Labeled(items_, {{"change", std::string(change)}}).Value();
}

double RefreshMetrics::DiscoveryRequestsTotal(std::string_view endpoint,
                                              std::string_view status) {
  return Labeled(discovery_requests_, {{"endpoint", std::string(endpoint)},
                                       {"status", std::string(status)}})
      .Value();
}

// ------------------------------------------------------------ database ----

namespace {

struct DbFamilies {
  prometheus::Family<prometheus::Gauge>& connections;
  prometheus::Family<prometheus::Gauge>& size;
  prometheus::Family<prometheus::Counter>& waits;
  prometheus::Family<prometheus::Counter>& timeouts;
  prometheus::Family<prometheus::Counter>& errors;
};

DbFamilies& Db() {
  static auto* families = new DbFamilies{
      GaugeFamily(Prefixed("db_pool_connections"),
                  "Pool connections by state: in_use (leased) or idle (open, "
                  "free)."),
      GaugeFamily(Prefixed("db_pool_size"), "Configured pool size."),
      CounterFamily(Prefixed("db_pool_waits_total"),
                    "Connection requests that found every connection busy "
                    "and had to wait."),
      CounterFamily(Prefixed("db_pool_acquire_timeouts_total"),
                    "Connection requests that gave up waiting "
                    "(answered UNAVAILABLE)."),
      CounterFamily(Prefixed("db_errors_total"),
                    "Failed statements and connection attempts by class: "
                    "connection, timeout, serialization, constraint, "
                    "invalid_input, other.")};
  return *families;
}

}  // namespace

DbPoolMetrics::DbPoolMetrics(std::string_view pool, int size)
    : pool_(pool),
      in_use_(&Db().connections.Add({{"pool", pool_}, {"state", "in_use"}})),
      idle_(&Db().connections.Add({{"pool", pool_}, {"state", "idle"}})),
      waits_(&Db().waits.Add({{"pool", pool_}})),
      timeouts_(&Db().timeouts.Add({{"pool", pool_}})),
      errors_(Db().errors) {
  Db().size.Add({{"pool", pool_}}).Set(size);
  for (const char* error_class : {"connection", "timeout", "other"}) {
    errors_.Add({{"pool", pool_}, {"class", error_class}});
  }
}

void DbPoolMetrics::SetConnections(int in_use, int idle) {
  in_use_->Set(in_use);
  idle_->Set(idle);
}

void DbPoolMetrics::Error(const absl::Status& status) {
  errors_.Add({{"pool", pool_}, {"class", std::string(ErrorClass(status))}})
      .Increment();
}

double DbPoolMetrics::ErrorsTotal(std::string_view error_class) {
  return errors_.Add({{"pool", pool_}, {"class", std::string(error_class)}})
      .Value();
}

// -------------------------------------------------------------- health ----

HealthMetrics& HealthMetrics::Get() {
  static auto* metrics = new HealthMetrics();
  return *metrics;
}

HealthMetrics::HealthMetrics()
    : db_up_(&GaugeFamily(Prefixed("db_up"),
                          "1 if the last database health check answered.")
                  .Add({})),
      queries_in_use_(&GaugeFamily(Prefixed("queries_in_use"),
                                   "Distinct content queries used by at "
                                   "least one catalog.")
                           .Add({})),
      never_refreshed_(&GaugeFamily(Prefixed("queries_never_refreshed"),
                                    "In-use queries with no successful "
                                    "refresh yet.")
                            .Add({})),
      oldest_age_(
          &GaugeFamily(Prefixed("data_oldest_age_seconds"),
                       "Age of the oldest in-use query's data: time since its "
                       "last successful refresh, or since it was created if "
                       "it has none. The service promises under 86400.")
               .Add({})),
      query_age_(GaugeFamily(Prefixed("data_age_seconds"),
                             "Data age of the few stalest in-use queries, by "
                             "content_filter_hash.")),
      queue_(GaugeFamily(Prefixed("refresh_queue_jobs"),
                         "Refresh jobs waiting or running, by state.")),
      queued_(&queue_.Add({{"state", "queued"}})),
      running_(&queue_.Add({{"state", "running"}})) {}

void HealthMetrics::SetFreshness(int64_t queries_in_use,
                                 int64_t never_refreshed,
                                 double oldest_age_seconds,
                                 const std::vector<QueryAge>& worst) {
  queries_in_use_->Set(static_cast<double>(queries_in_use));
  never_refreshed_->Set(static_cast<double>(never_refreshed));
  oldest_age_->Set(oldest_age_seconds);
  absl::MutexLock lock(&mu_);
  for (auto& [hash, gauge] : worst_) {
    const bool still = std::any_of(
        worst.begin(), worst.end(),
        [&hash = hash](const QueryAge& q) { return q.query_hash == hash; });
    if (!still) query_age_.Remove(gauge);
  }
  worst_.clear();
  for (const QueryAge& q : worst) {
    prometheus::Gauge& gauge = query_age_.Add({{"query_hash", q.query_hash}});
    gauge.Set(q.age_seconds);
    worst_.emplace_back(q.query_hash, &gauge);
  }
}

void HealthMetrics::SetQueue(int64_t queued, int64_t running) {
  queued_->Set(static_cast<double>(queued));
  running_->Set(static_cast<double>(running));
}

ContentMetrics& ContentMetrics::Get() {
  static ContentMetrics* const metrics = new ContentMetrics();
  return *metrics;
}

ContentMetrics::ContentMetrics()
    : excluded_(&CounterFamily(Prefixed("refresh_items_excluded_total"),
                               "Crawl results kept out of their query by the "
                               "inclusion rules (product source, course "
                               "type).")
                     .Add({})),
      full_documents_(CounterFamily(
          Prefixed("full_metadata_documents_total"),
          "Full documents (GET /courses/, /programs/) merged by the "
          "full-metadata pass, by content_type and change (changed, "
          "unchanged).")),
      full_batches_failed_(CounterFamily(
          Prefixed("full_metadata_batches_failed_total"),
          "Batches of full documents that discovery failed for (after "
          "retries); their stored documents are kept.")),
      full_in_use_(&GaugeFamily(Prefixed("full_metadata_in_use"),
                                "In-use courses and programs (members of "
                                "in-use queries, and programs they list).")
                        .Add({})),
      full_never_fetched_(
          &GaugeFamily(Prefixed("full_metadata_never_fetched"),
                       "In-use courses and programs with no full document "
                       "fetched yet.")
               .Add({})),
      full_oldest_age_(
          &GaugeFamily(Prefixed("full_metadata_oldest_age_seconds"),
                       "Age of the oldest full document among in-use "
                       "courses and programs (0 when none was fetched "
                       "yet; see full_metadata_never_fetched). The "
                       "service promises under 86400.")
               .Add({})) {
  for (const char* type : {"course", "program"}) {
    full_batches_failed_.Add({{"content_type", type}});
    for (const char* change : {"changed", "unchanged"}) {
      full_documents_.Add({{"content_type", type}, {"change", change}});
    }
  }
}

void ContentMetrics::ItemsExcluded(int64_t n) {
  if (n > 0) excluded_->Increment(static_cast<double>(n));
}

// The label values are the fixed ones registered above: a caller's string
// never creates a series.
void ContentMetrics::FullBatchFailed(std::string_view content_type) {
  full_batches_failed_
      .Add({{"content_type", content_type == "program" ? "program" : "course"}})
      .Increment();
}

void ContentMetrics::FullDocumentsApplied(std::string_view content_type,
                                          int64_t changed, int64_t unchanged) {
  const std::string type = content_type == "program" ? "program" : "course";
  full_documents_.Add({{"content_type", type}, {"change", "changed"}})
      .Increment(static_cast<double>(changed));
  full_documents_.Add({{"content_type", type}, {"change", "unchanged"}})
      .Increment(static_cast<double>(unchanged));
}

void ContentMetrics::SetFullFreshness(int64_t in_use, int64_t never_fetched,
                                      double oldest_age_seconds) {
  full_in_use_->Set(static_cast<double>(in_use));
  full_never_fetched_->Set(static_cast<double>(never_fetched));
  full_oldest_age_->Set(oldest_age_seconds);
}

double ContentMetrics::FullDocumentsTotal(std::string_view content_type,
                                          std::string_view change) {
  return full_documents_
      .Add({{"content_type", std::string(content_type)},
            {"change", std::string(change)}})
      .Value();
}

double ContentMetrics::FullBatchesFailedTotal(std::string_view content_type) {
  return full_batches_failed_.Add({{"content_type", std::string(content_type)}})
      .Value();
}

IndexMetrics& IndexMetrics::Get() {
  static IndexMetrics* const metrics = new IndexMetrics();
  return *metrics;
}

IndexMetrics::IndexMetrics()
    : serving_(&GaugeFamily(Prefixed("membership_index_serving"),
                            "1 while the contains RPCs answer from the "
                            "in-memory membership index, 0 while they ask "
                            "PostgreSQL (before the first load, and from "
                            "losing the notification connection until the "
                            "full load after it).")
                    .Add({})),
      full_loads_(CounterFamily(
          Prefixed("membership_index_full_loads_total"),
          "Full loads of the membership index swapped in, by reason: start, "
          "resync (after the notification connection was lost), periodic, "
          "reset (a membership table was truncated).")),
      full_load_failures_(
          &CounterFamily(Prefixed("membership_index_full_load_failures_total"),
                         "Full loads of the membership index that failed "
                         "(retried with backoff).")
               .Add({})),
      full_load_seconds_(
          &HistogramFamily(Prefixed("membership_index_full_load_seconds"),
                           "Duration of the membership index's full loads.")
               .Add({}, RpcBuckets())),
      rows_(&GaugeFamily(Prefixed("membership_index_rows"),
                         "Membership rows in the index as last fully loaded.")
                 .Add({})),
      bytes_(&GaugeFamily(Prefixed("membership_index_bytes"),
                          "Heap bytes of the index as last fully loaded.")
                  .Add({})),
      listener_lost_(
          &CounterFamily(Prefixed("membership_index_listener_lost_total"),
                         "Times the notification connection was lost or a "
                         "read after a notification failed; the contains "
                         "RPCs ask PostgreSQL until the next full load.")
               .Add({})),
      apply_seconds_(HistogramFamily(
          Prefixed("membership_index_apply_seconds"),
          "Time to apply one notification (read the changed query or "
          "catalogs, swap them in), by kind: query or catalog.")),
      answers_(CounterFamily(Prefixed("contains_answers_total"),
                             "Contains calls answered, by source: memory "
                             "(the index) or database.")),
      from_memory_(&answers_.Add({{"source", "memory"}})),
      from_database_(&answers_.Add({{"source", "database"}})) {
  for (const char* reason : {"start", "resync", "periodic", "reset"}) {
    full_loads_.Add({{"reason", reason}});
  }
  for (const char* kind : {"query", "catalog"}) {
    apply_seconds_.Add({{"kind", kind}}, RpcBuckets());
  }
}

void IndexMetrics::FullLoad(std::string_view reason, double seconds,
                            int64_t rows, int64_t bytes) {
  full_loads_.Add({{"reason", std::string(reason)}}).Increment();
  full_load_seconds_->Observe(seconds);
  rows_->Set(static_cast<double>(rows));
  bytes_->Set(static_cast<double>(bytes));
}

void IndexMetrics::Applied(std::string_view kind, double seconds) {
  apply_seconds_.Add({{"kind", std::string(kind)}}, RpcBuckets())
      .Observe(seconds);
}

double IndexMetrics::FullLoadsTotal(std::string_view reason) {
  return full_loads_.Add({{"reason", std::string(reason)}}).Value();
}

ReplicaMetrics& ReplicaMetrics::Get() {
  static ReplicaMetrics* const metrics = new ReplicaMetrics();
  return *metrics;
}

ReplicaMetrics::ReplicaMetrics()
    : staleness_(
          &GaugeFamily(
               Prefixed("read_replica_staleness_seconds"),
               "Bound on how old the read replica's data is (commits "
               "the primary made longer ago than this are visible "
               "on it); while the replica has replayed none of the positions "
               "sampled, how far behind it is at least; -1 while "
               "unknown.")
               .Add({})),
      serving_(&GaugeFamily(Prefixed("read_replica_serving"),
                            "1 while the metadata RPCs read from the read "
                            "replica, 0 while they read from the primary "
                            "(replica too stale, unreachable or unrelated).")
                    .Add({})),
      reads_(CounterFamily(Prefixed("metadata_reads_total"),
                           "Metadata reads of a process with a read replica, "
                           "by the database that answered: replica or "
                           "primary.")),
      from_replica_(&reads_.Add({{"source", "replica"}})),
      from_primary_(&reads_.Add({{"source", "primary"}})),
      fallbacks_(CounterFamily(
          Prefixed("read_replica_fallbacks_total"),
          "Metadata reads sent to the primary, by reason: not_serving (the "
          "replica too stale or its staleness unknown), error (the replica "
          "failed the read), not_found (the replica did not have it).")) {
  for (const char* reason : {"not_serving", "error", "not_found"}) {
    fallbacks_.Add({{"reason", reason}});
  }
}

void ReplicaMetrics::Fallback(std::string_view reason) {
  fallbacks_.Add({{"reason", std::string(reason)}}).Increment();
}

double ReplicaMetrics::FallbacksTotal(std::string_view reason) {
  return fallbacks_.Add({{"reason", std::string(reason)}}).Value();
}

}  // namespace ec::metrics
