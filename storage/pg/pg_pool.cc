#include "storage/pg/pg_pool.h"

#include <utility>

#include "storage/pg/pg_util.h"

namespace ec::storage::pg {
namespace {

// Adds connect_timeout unless the caller set one; libpq otherwise waits for
// the OS TCP timeout (minutes) on an unreachable host.
std::string WithConnectTimeout(const std::string& url,
                               std::chrono::milliseconds timeout) {
  if (url.find("connect_timeout") != std::string::npos) return url;
  const auto seconds = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
  const bool is_uri =
      url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (is_uri) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") +
           "connect_timeout=" + std::to_string(seconds);
  }
  return url + " connect_timeout=" + std::to_string(seconds);
}

}  // namespace

PgPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)),
      broken_(other.broken_) {}

PgPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(std::move(conn_), broken_);
}

absl::StatusOr<std::unique_ptr<PgPool>> PgPool::Create(PgConfig config,
                                                       Preparer preparer) {
  if (config.url.empty()) {
    return absl::InvalidArgumentError("database url is empty");
  }
  if (config.pool_size < 1) {
    return absl::InvalidArgumentError("database pool size must be at least 1");
  }
  return std::unique_ptr<PgPool>(
      new PgPool(std::move(config), std::move(preparer)));
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> PgPool::Connect(
    const PgConfig& config) {
  try {
    auto conn = std::make_unique<pqxx::connection>(
        WithConnectTimeout(config.url, config.connect_timeout));
    pqxx::nontransaction tx(*conn);
    // Our own integer, not input.
    tx.exec0("SET statement_timeout = " +
             std::to_string(config.statement_timeout.count()));
    tx.exec0("SET application_name = 'enterprise-catalog'");
    // Our joins look rows up by unique keys, where a memoize node only
    // copies every row it caches and never hits: in a metadata page of
    // 1,000 items it was a sixth of the statement (docs/benchmarks.md).
    tx.exec0("SET enable_memoize = off");
    return conn;
  } catch (const std::exception& e) {
    return StatusFromException(e, "connecting to the database");
  }
}

std::optional<int64_t> PgPool::DeadlineBoundMs() const {
  const auto deadline = common::CurrentCallDeadline();
  if (!deadline) return std::nullopt;
  const int64_t left = std::chrono::duration_cast<std::chrono::milliseconds>(
                           *deadline - std::chrono::system_clock::now())
                           .count();
  if (left >= config_.statement_timeout.count()) return std::nullopt;
  return left;
}

void PgPool::SetStatementTimeout(pqxx::connection& conn, int64_t ms) {
  pqxx::nontransaction tx(conn);
  // Our own integer, not input.
  tx.exec0("SET statement_timeout = " + std::to_string(ms));
}

bool PgPool::RestoreStatementTimeout(pqxx::connection& conn) noexcept {
  try {
    SetStatementTimeout(conn, config_.statement_timeout.count());
    return true;
  } catch (...) {
    return false;
  }
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() { return Acquire(false); }

absl::StatusOr<PgPool::Lease> PgPool::Acquire(bool reopen) {
  std::unique_ptr<pqxx::connection> conn;
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || leased_ < config_.pool_size;
    };
    if (!available()) {
      metrics_.Waited();
      if (!mu_.AwaitWithTimeout(absl::Condition(&available),
                                absl::FromChrono(config_.acquire_timeout))) {
        metrics_.AcquireTimedOut();
        return absl::UnavailableError(
            "all database connections are busy; retry later");
      }
    }
    ++leased_;
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
    PublishLocked();
  }
  // The idle connection taken stands for the slot the new one fills; it is
  // closed outside the lock.
  if (reopen) conn.reset();
  if (conn == nullptr) {
    auto opened = Connect(config_);
    if (opened.ok()) {
      try {
        if (preparer_) preparer_(**opened);
      } catch (const std::exception& e) {
        opened = StatusFromException(e, "preparing statements");
      }
    }
    if (!opened.ok()) {
      metrics_.Error(opened.status());
      absl::MutexLock lock(&mu_);
      --leased_;
      PublishLocked();
      return opened.status();
    }
    conn = std::move(*opened);
  }
  return Lease(this, std::move(conn));
}

void PgPool::Release(std::unique_ptr<pqxx::connection> conn, bool broken) {
  const bool reusable = conn != nullptr && !broken && conn->is_open();
  if (!reusable) conn.reset();  // closes the socket outside the lock
  absl::MutexLock lock(&mu_);
  --leased_;
  if (reusable) idle_.push_back(std::move(conn));
  PublishLocked();
}

}  // namespace ec::storage::pg
