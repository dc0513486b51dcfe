#include "storage/pg/read_replica.h"

#include <pqxx/pqxx>
#include <utility>

#include "common/log.h"
#include "metrics/metrics.h"

namespace ec::storage::pg {

void ReplicaStaleness::PrimaryAt(common::Micros at, uint64_t position) {
  samples_.push_back({at, position});
}

std::optional<common::Micros> ReplicaStaleness::Replayed(common::Micros now,
                                                         uint64_t replayed) {
  if (samples_.empty()) return std::nullopt;
  // Positions only grow: the replayed samples are a prefix. Keep the newest
  // of them at the front; the older ones say nothing more.
  size_t replayed_count = 0;
  while (replayed_count < samples_.size() &&
         samples_[replayed_count].position <= replayed) {
    ++replayed_count;
  }
  if (replayed_count > 1) {
    samples_.erase(samples_.begin(), samples_.begin() + (replayed_count - 1));
  }
  std::optional<common::Micros> bound;
  if (replayed_count > 0) bound = now - samples_.front().at;
  // The front stays (it anchors the bound); later samples past the horizon
  // go, so a replica stuck for days keeps a few samples, not millions.
  while (samples_.size() > 2 && samples_[1].at < now - horizon_) {
    samples_.erase(samples_.begin() + 1);
  }
  return bound;
}

std::optional<common::Micros> ReplicaStaleness::BehindAtLeast(
    common::Micros now) const {
  if (samples_.empty()) return std::nullopt;
  return now - samples_.front().at;
}

namespace {

// Why a read the replica answered went to the primary after all.
const char* FallbackReason(const absl::Status& status) {
  return absl::IsNotFound(status) ? "not_found" : "error";
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReadReplica>> ReadReplica::Open(
    ReadReplicaOptions options, MetadataReader* primary_reads,
    PgPool* primary_pool, common::Clock clock) {
  if (options.database.url.empty()) {
    return absl::InvalidArgumentError("the read replica needs a database url");
  }
  options.database.name = "replica";
  auto pool = PgPool::Create(options.database);
  if (!pool.ok()) return pool.status();
  return std::unique_ptr<ReadReplica>(
      new ReadReplica(std::move(options), std::move(*pool), primary_reads,
                      primary_pool, std::move(clock)));
}

ReadReplica::ReadReplica(ReadReplicaOptions options,
                         std::unique_ptr<PgPool> pool,
                         MetadataReader* primary_reads, PgPool* primary_pool,
                         common::Clock clock)
    : options_(std::move(options)),
      pool_(std::move(pool)),
      replica_reads_(pool_.get()),
      primary_reads_(primary_reads),
      primary_pool_(primary_pool),
      clock_(std::move(clock)),
      // Twice the limit: past it, only "more than the limit" matters.
      staleness_(2 * common::ToMicros(options_.max_staleness)) {
  Publish(std::nullopt, std::nullopt);
}

ReadReplica::~ReadReplica() { Stop(); }

void ReadReplica::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ReadReplica::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ReadReplica::Run() {
  for (;;) {
    MeasureOnce();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                             absl::FromChrono(options_.check_interval))) {
      return;
    }
  }
}

void ReadReplica::MeasureOnce() {
  absl::MutexLock lock(&measure_mu_);
  struct Position {
    int64_t system_identifier = 0;
    bool standby = false;
    uint64_t position = 0;
  };
  // The primary first: a sample the replica has replayed by the time it is
  // asked counts from the moment the primary was read.
  const common::Micros sampled_at = clock_();
  absl::StatusOr<Position> primary = primary_pool_->WithConnection(
      "reading the primary's log position", Idempotent::kYes,
      [](pqxx::connection& conn) -> absl::StatusOr<Position> {
        pqxx::nontransaction tx(conn);
        const pqxx::row r = tx.exec_prepared1("replica_primary_position");
        return Position{r[0].as<int64_t>(), false, r[1].as<uint64_t>()};
      });
  absl::StatusOr<Position> replica = pool_->WithConnection(
      "reading the replica's replay position", Idempotent::kYes,
      [](pqxx::connection& conn) -> absl::StatusOr<Position> {
        pqxx::nontransaction tx(conn);
        const pqxx::row r = tx.exec_prepared1("replica_replay_position");
        return Position{r[0].as<int64_t>(), r[1].as<bool>(),
                        r[2].is_null() ? 0 : r[2].as<uint64_t>()};
      });
  if (!primary.ok() || !replica.ok()) {
    // Either side unknown: no bound. A primary that does not answer may be
    // failing over, and positions of the next one would not compare with
    // these samples, so they go.
    if (!primary.ok()) staleness_.Reset();
    if (staleness_us_.load() >= 0) {
      common::LogWarn(
          "replica",
          "read replica staleness unknown; metadata reads go to the primary",
          {{"error",
            std::string(
                (primary.ok() ? replica : primary).status().message())}});
    }
    Publish(std::nullopt, std::nullopt);
    return;
  }
  if (replica->system_identifier != primary->system_identifier ||
      !replica->standby) {
    // Another cluster, or a promoted copy: its data is not the primary's
    // past, whatever its positions say.
    if (!warned_unrelated_) {
      common::LogError(
          "replica",
          "ENTERPRISE_CATALOG_READ_DATABASE_URL is not a standby of the "
          "primary; metadata reads go to the primary",
          {{"primary_system_identifier", primary->system_identifier},
           {"replica_system_identifier", replica->system_identifier},
           {"standby", replica->standby}});
      warned_unrelated_ = true;
    }
    staleness_.Reset();
    Publish(std::nullopt, std::nullopt);
    return;
  }
  warned_unrelated_ = false;
  staleness_.PrimaryAt(sampled_at, primary->position);
  const common::Micros now = clock_();
  const std::optional<common::Micros> bound =
      staleness_.Replayed(now, replica->position);
  Publish(bound, bound.has_value() ? bound : staleness_.BehindAtLeast(now));
}

void ReadReplica::Publish(std::optional<common::Micros> bound,
                          std::optional<common::Micros> shown) {
  const int64_t us = bound.has_value() ? std::max<int64_t>(*bound, 0) : -1;
  const bool was_serving = serving();
  staleness_us_.store(us, std::memory_order_release);
  const bool now_serving = serving();
  metrics::ReplicaMetrics& m = metrics::ReplicaMetrics::Get();
  m.SetStaleness(shown.has_value()
                     ? static_cast<double>(std::max<int64_t>(*shown, 0)) / 1e6
                     : -1);
  m.SetServing(now_serving);
  if (was_serving != now_serving) {
    common::LogInfo("replica",
                    now_serving ? "metadata reads go to the read replica"
                                : "metadata reads go to the primary",
                    {{"staleness_ms", shown.has_value() ? *shown / 1000 : -1},
                     {"max_staleness_ms", options_.max_staleness.count()}});
  }
}

std::optional<std::chrono::microseconds> ReadReplica::staleness() const {
  const int64_t us = staleness_us_.load(std::memory_order_acquire);
  if (us < 0) return std::nullopt;
  return std::chrono::microseconds(us);
}

bool ReadReplica::serving() const {
  const int64_t us = staleness_us_.load(std::memory_order_acquire);
  return us >= 0 && us <= common::ToMicros(options_.max_staleness);
}

template <typename Read>
auto ReadReplica::Route(Read&& read)
    -> decltype(read(static_cast<MetadataReader*>(nullptr))) {
  metrics::ReplicaMetrics& m = metrics::ReplicaMetrics::Get();
  if (!serving()) {
    m.Fallback("not_serving");
    m.Read(/*from_replica=*/false);
    return read(primary_reads_);
  }
  auto answer = read(static_cast<MetadataReader*>(&replica_reads_));
  if (answer.ok()) {
    m.Read(/*from_replica=*/true);
    return answer;
  }
  m.Fallback(FallbackReason(answer.status()));
  m.Read(/*from_replica=*/false);
  return read(primary_reads_);
}

absl::StatusOr<MetadataPage> ReadReplica::GetCatalogMetadata(
    const MetadataQuery& query) {
  return Route(
      [&](MetadataReader* reads) { return reads->GetCatalogMetadata(query); });
}

absl::StatusOr<std::vector<ContentMatch>> ReadReplica::GetContentMetadata(
    const ContentLookup& lookup) {
  return Route(
      [&](MetadataReader* reads) { return reads->GetContentMetadata(lookup); });
}

absl::StatusOr<CustomerItem> ReadReplica::GetCustomerContentMetadata(
    const CustomerContentQuery& query) {
  return Route([&](MetadataReader* reads) {
    return reads->GetCustomerContentMetadata(query);
  });
}

}  // namespace ec::storage::pg
