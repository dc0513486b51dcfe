#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "storage/catalog_store.h"
#include "storage/pg/pg_catalog_store.h"
#include "storage/pg/pg_pool.h"

namespace ec::storage::pg {

// A time bound on how far a streaming replica is behind its primary, from
// write-ahead-log positions: the primary's log end (insert position) sampled at
// times t1 < t2 < ..., and the replica's replayed position. If the replica has
// replayed the sample taken at t, every commit the primary had made by t
// is visible on it, so what it serves at `now` is at most now - t old. The
// bound holds however idle the primary is (an idle primary's position does
// not move, so the replica is caught up with the newest sample), which a
// replay timestamp (pg_last_xact_replay_timestamp) does not give. Not
// thread-safe; time is passed in.
class ReplicaStaleness {
 public:
  // Samples older than `horizon` are forgotten once a newer one is kept,
  // which can only make the bound larger; the staleness a caller acts on
  // is far below it.
  explicit ReplicaStaleness(common::Micros horizon) : horizon_(horizon) {}

  // The end of the primary's WAL, read at `at` (non-decreasing).
  void PrimaryAt(common::Micros at, uint64_t position);
  // The replica has replayed up to `replayed`: the bound at `now`, or
  // nullopt if it has replayed no kept sample (nothing bounds it then).
  std::optional<common::Micros> Replayed(common::Micros now, uint64_t replayed);
  // After Replayed answered nullopt: how far behind the replica is at
  // least, the time since the oldest kept sample (for the metric and the
  // log; never for routing). nullopt before any sample.
  std::optional<common::Micros> BehindAtLeast(common::Micros now) const;
  // Forgets every sample (the replica or the primary was lost: positions
  // read from another server would mean nothing).
  void Reset() { samples_.clear(); }

 private:
  struct Sample {
    common::Micros at;
    uint64_t position;
  };
  const common::Micros horizon_;
  std::deque<Sample> samples_;
};

struct ReadReplicaOptions {
  // The replica (ENTERPRISE_CATALOG_READ_DATABASE_URL): a pool of its own,
  // labelled "replica" in the pool metrics. An empty url: no replica.
  PgConfig database;
  // Reads go to the primary while the replica may miss commits older than
  // this, or when its staleness is not known.
  std::chrono::milliseconds max_staleness{std::chrono::seconds(5)};
  // How often the two positions are read (one small statement on each).
  std::chrono::milliseconds check_interval{500};
};

// The metadata RPCs' reads (MetadataReader) served by a streaming replica
// (a hot standby), with the primary as the authority:
//   - while the replica's staleness bound (ReplicaStaleness, measured on a
//     thread of its own every check_interval) is within max_staleness, a
//     read asks the replica; otherwise, or while the bound is unknown (the
//     replica unreachable, not yet measured, or not a copy of the primary:
//     its system identifier differs), it asks the primary;
//   - a read the replica fails, for any reason (lost connection, a query
//     cancelled by a recovery conflict, statement timeout), is asked of the
//     primary, so a replica's trouble costs latency, never an error;
//   - NOT_FOUND from the replica is asked of the primary too: a catalog
//     created a moment ago on the primary may not have reached the replica,
//     and a create followed by a read must never answer NOT_FOUND.
// So what a caller sees from a lagging replica is at most max_staleness
// (plus check_interval) old, and never an error or a missing catalog the
// primary has. Index loading, notifications, contains and every write stay
// on the primary: hot standbys do not relay NOTIFY. Thread-safe.
class ReadReplica final : public MetadataReader {
 public:
  // Does not take ownership: `primary_reads` and `primary_pool` (where the
  // primary's position is read) must outlive this. Connections open lazily.
  static absl::StatusOr<std::unique_ptr<ReadReplica>> Open(
      ReadReplicaOptions options, MetadataReader* primary_reads,
      PgPool* primary_pool, common::Clock clock = common::SystemClock());
  ~ReadReplica() override;
  ReadReplica(const ReadReplica&) = delete;
  ReadReplica& operator=(const ReadReplica&) = delete;

  // Starts measuring; reads go to the primary until the first measure.
  void Start();
  // Stops and joins the measuring thread. Idempotent.
  void Stop();

  // The last measured bound, if known (tests and logs).
  std::optional<std::chrono::microseconds> staleness() const;
  // Whether reads go to the replica now.
  bool serving() const;
  // Measures once, on the caller's thread (tests; Start's thread does this
  // every check_interval).
  void MeasureOnce();

  absl::StatusOr<MetadataPage> GetCatalogMetadata(
      const MetadataQuery& query) override;
  absl::StatusOr<std::vector<ContentMatch>> GetContentMetadata(
      const ContentLookup& lookup) override;
  absl::StatusOr<CustomerItem> GetCustomerContentMetadata(
      const CustomerContentQuery& query) override;

 private:
  ReadReplica(ReadReplicaOptions options, std::unique_ptr<PgPool> pool,
              MetadataReader* primary_reads, PgPool* primary_pool,
              common::Clock clock);

  // Runs `read` on the replica when it may serve, else (or when it fails)
  // on the primary.
  template <typename Read>
  auto Route(Read&& read)
      -> decltype(read(static_cast<MetadataReader*>(nullptr)));
  void Run();
  // Publishes the bound reads are routed by (nullopt: unknown) and the
  // staleness the metric shows (the bound, or at least how far behind).
  void Publish(std::optional<common::Micros> bound,
               std::optional<common::Micros> shown);

  const ReadReplicaOptions options_;
  // Declared before the store that borrows it.
  std::unique_ptr<PgPool> pool_;
  PgCatalogStore replica_reads_;
  MetadataReader* const primary_reads_;
  PgPool* const primary_pool_;
  const common::Clock clock_;
  // Only the measuring thread (or MeasureOnce) touches these.
  absl::Mutex measure_mu_;
  ReplicaStaleness staleness_ ABSL_GUARDED_BY(measure_mu_);
  bool warned_unrelated_ ABSL_GUARDED_BY(measure_mu_) = false;
  // -1: unknown.
  std::atomic<int64_t> staleness_us_{-1};
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ec::storage::pg
