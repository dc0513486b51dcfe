#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/call_deadline.h"
#include "metrics/metrics.h"
#include "storage/pg/pg_util.h"
#include "storage/pg/statements.h"

namespace ec::storage::pg {

struct PgConfig {
  // libpq connection string or postgresql:// URI.
  std::string url;
  // Connections kept open. Measured on 2 cores: 2-4 beat 8.
  int pool_size = 4;
  std::chrono::milliseconds connect_timeout{3000};
  // Server-side cap on every statement (DEADLINE_EXCEEDED beyond it).
  std::chrono::milliseconds statement_timeout{5000};
  // How long Acquire waits for a free connection before UNAVAILABLE.
  std::chrono::milliseconds acquire_timeout{5000};
  // Labels this pool's metrics: "rpc" (the server's) or "worker".
  std::string name = "rpc";
};

// Whether a call may run twice: see PgPool::WithConnection.
enum class Idempotent : bool { kNo = false, kYes = true };

// A fixed set of libpqxx connections. libpqxx connections are not
// thread-safe, so each is leased to one thread at a time. Connections open
// lazily and are reopened after a failure, so the service keeps running
// through database restarts (calls fail UNAVAILABLE meanwhile).
class PgPool {
 public:
  // Prepares statements on each new connection.
  using Preparer = std::function<void(pqxx::connection&)>;

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();

    pqxx::connection& conn() { return *conn_; }
    // The connection is dropped instead of reused (after a connection error).
    void MarkBroken() { broken_ = true; }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    PgPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  // Every connection gets the statements of storage/pg/sql/ unless another
  // `preparer` is given (tests of the pool alone pass nullptr).
  static absl::StatusOr<std::unique_ptr<PgPool>> Create(
      PgConfig config, Preparer preparer = PrepareStatements);

  // Blocks until a connection is free (or acquire_timeout passes), opening
  // it if needed. UNAVAILABLE if the database cannot be reached.
  absl::StatusOr<Lease> Acquire();

  // Opens a dedicated connection outside the pool (migrations, admin tasks).
  static absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(
      const PgConfig& config);

  const PgConfig& config() const { return config_; }

  // Counts a failed statement in the pool's metrics (by class).
  void RecordError(const absl::Status& status) { metrics_.Error(status); }

  // Runs `fn(pqxx::connection&)` on a leased connection and returns what it
  // returns (a Status or StatusOr), with libpqxx exceptions turned into
  // statuses (StatusFromException; `what` prefixes the message) and counted
  // in the metrics. A connection that failed is dropped, not reused.
  // Idempotent calls (reads) run once more on a fresh connection if the
  // first one was lost, so that a connection that died while idle (a
  // database restart) costs a retry instead of a failed call; anything that
  // writes passes kNo, since its first run may have committed.
  //
  // Inside a call with a deadline (common::CallDeadlineScope) nearer than
  // the statement timeout, the statements run under the time left (SQLSTATE
  // 57014, DEADLINE_EXCEEDED, when it runs out) and the connection gets its
  // own timeout back after; DEADLINE_EXCEEDED without a statement if none
  // is left.
  template <typename Fn>
  std::invoke_result_t<Fn, pqxx::connection&> WithConnection(
      std::string_view what, Idempotent idempotent, Fn&& fn) {
    const int attempts = idempotent == Idempotent::kYes ? 2 : 1;
    absl::Status last;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      auto lease = Acquire(/*reopen=*/attempt > 0);
      if (!lease.ok()) return lease.status();
      const std::optional<int64_t> bound_ms = DeadlineBoundMs();
      if (bound_ms && *bound_ms <= 0) {
        return absl::DeadlineExceededError(std::string(what) +
                                           ": the call's deadline passed");
      }
      try {
        if (bound_ms) SetStatementTimeout(lease->conn(), *bound_ms);
        auto result = fn(lease->conn());
        if (bound_ms) {
          SetStatementTimeout(lease->conn(), config_.statement_timeout.count());
        }
        return result;
      } catch (const std::exception& e) {
        last = StatusFromException(e, what);
        RecordError(last);
        if (IsConnectionLoss(last) ||
            (bound_ms && !RestoreStatementTimeout(lease->conn()))) {
          lease->MarkBroken();
        }
        if (!IsConnectionLoss(last)) return last;
      }
    }
    return last;
  }

 private:
  // The milliseconds left of the current call's deadline when they are
  // fewer than the statement timeout; nullopt: the timeout applies as is.
  std::optional<int64_t> DeadlineBoundMs() const;
  static void SetStatementTimeout(pqxx::connection& conn, int64_t ms);
  // Acquire; with `reopen`, on a newly opened connection, never an idle one
  // (the retry after a lost connection: after a database restart every idle
  // connection is as dead as the one just lost).
  absl::StatusOr<Lease> Acquire(bool reopen);
  // False if the connection could not get its own timeout back.
  bool RestoreStatementTimeout(pqxx::connection& conn) noexcept;

  PgPool(PgConfig config, Preparer preparer)
      : config_(std::move(config)),
        preparer_(std::move(preparer)),
        metrics_(config_.name, config_.pool_size) {}
  void Release(std::unique_ptr<pqxx::connection> conn, bool broken);
  void PublishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    metrics_.SetConnections(leased_, static_cast<int>(idle_.size()));
  }

  const PgConfig config_;
  const Preparer preparer_;
  metrics::DbPoolMetrics metrics_;
  absl::Mutex mu_;
  // Open, idle connections.
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Leases outstanding (open or being opened).
  int leased_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ec::storage::pg
