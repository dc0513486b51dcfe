#include "storage/pg/membership_feed.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "metrics/metrics.h"
#include "storage/pg/membership_loader.h"
#include "storage/pg/pg_util.h"
#include "storage/pg/statements.h"

namespace ec::storage::pg {
namespace {

using Snapshot = std::shared_ptr<const index::MembershipSnapshot>;
using Clock = std::chrono::steady_clock;

constexpr char kChannel[] = "ec_membership";
// How long one wait for notifications lasts: bounds how late Stop and the
// periodic reload are noticed, not how late a notification is applied
// (the wait returns as soon as one arrives).
constexpr long kWaitMicros = 250000;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Collects payloads as libpqxx delivers them during await_notification.
class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& conn, std::vector<std::string>* out)
      : pqxx::notification_receiver(conn, kChannel), out_(out) {}
  void operator()(const std::string& payload, int /*backend_pid*/) override {
    out_->push_back(payload);
  }

 private:
  std::vector<std::string>* out_;
};

// A batch of notifications, deduplicated: each query's newest version, and
// each catalog once.
struct Batch {
  std::map<int64_t, int64_t> queries;
  std::set<std::string> catalogs;
  // A table was truncated (migration 0009): only a full load can tell.
  bool reset = false;
};

Batch Parse(const std::vector<std::string>& payloads) {
  Batch batch;
  for (const std::string& payload : payloads) {
    const std::vector<absl::string_view> parts = absl::StrSplit(payload, ':');
    int64_t id = 0;
    int64_t version = 0;
    if (parts.size() == 3 && parts[0] == "query" &&
        absl::SimpleAtoi(parts[1], &id) &&
        absl::SimpleAtoi(parts[2], &version)) {
      int64_t& newest = batch.queries[id];
      newest = std::max(newest, version);
    } else if (parts.size() == 1 && parts[0] == "reset") {
      batch.reset = true;
    } else if (parts.size() == 2 && parts[0] == "catalog") {
      batch.catalogs.emplace(parts[1].data(), parts[1].size());
    } else {
      // Only our triggers write this channel; a stranger's payload changes
      // nothing we could read.
      common::LogWarn("index", "unknown notification ignored",
                      {{"payload", payload}});
    }
  }
  return batch;
}

Snapshot FullLoad(pqxx::connection& conn, const char* reason) {
  const auto start = Clock::now();
  Snapshot snapshot = ReadMembershipSnapshot(conn);
  const double seconds = SecondsSince(start);
  metrics::IndexMetrics::Get().FullLoad(
      reason, seconds, static_cast<int64_t>(snapshot->membership_rows()),
      static_cast<int64_t>(snapshot->MemoryBytes()));
  common::LogInfo("index", "membership index loaded",
                  {{"reason", reason},
                   {"seconds", seconds},
                   {"membership_rows", snapshot->membership_rows()},
                   {"content_keys", snapshot->content_keys()},
                   {"catalogs", snapshot->catalogs()},
                   {"bytes", snapshot->MemoryBytes()}});
  return snapshot;
}

// `snapshot` with the batch's queries and catalogs read again.
Snapshot Apply(pqxx::connection& conn, Snapshot snapshot, const Batch& batch) {
  for (const auto& [query_id, version] : batch.queries) {
    if (snapshot->QueryVersion(query_id) >= version) continue;
    const auto start = Clock::now();
    std::optional<QueryMembers> members = ReadQueryMembers(conn, query_id);
    // A deleted query has no catalog left to answer for.
    if (!members) continue;
    if (Snapshot next = snapshot->WithQuery(
            query_id, members->version, members->member_keys, members->links)) {
      snapshot = std::move(next);
    }
    metrics::IndexMetrics::Get().Applied("query", SecondsSince(start));
  }
  for (const std::string& uuid : batch.catalogs) {
    const auto start = Clock::now();
    const std::string held = snapshot->EnterpriseOf(uuid);
    pqxx::nontransaction tx(conn);
    const pqxx::result rows =
        tx.exec_prepared("index_enterprise_catalogs", uuid,
                         held.empty() ? std::optional<std::string>() : held);
    std::map<std::string, std::vector<index::MembershipSnapshot::CatalogEntry>>
        by_enterprise;
    // The enterprise the catalog left (or was deleted from) may have none.
    if (!held.empty()) by_enterprise[held];
    for (const auto& row : rows) {
      by_enterprise[row[0].as<std::string>()].push_back(
          {row[1].as<std::string>(), row[2].as<int64_t>()});
    }
    for (const auto& [enterprise, catalogs] : by_enterprise) {
      snapshot = snapshot->WithEnterpriseCatalogs(enterprise, catalogs);
    }
    metrics::IndexMetrics::Get().Applied("catalog", SecondsSince(start));
  }
  return snapshot;
}

}  // namespace

MembershipFeed::MembershipFeed(MembershipFeedOptions options,
                               index::LiveMembership* live)
    : options_(std::move(options)), live_(live) {}

MembershipFeed::~MembershipFeed() { Stop(); }

void MembershipFeed::Start() {
  thread_ = std::thread([this] { Run(); });
}

void MembershipFeed::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool MembershipFeed::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void MembershipFeed::Run() {
  const char* reason = "start";
  while (!stopping()) {
    bool installed = false;
    const absl::Status status = Session(reason, &installed);
    if (stopping()) break;
    // Memory may now miss changes: nothing is answered from it until a new
    // connection has LISTENed and a full load is in.
    live_->Invalidate();
    metrics::IndexMetrics::Get().SetServing(false);
    if (installed) {
      metrics::IndexMetrics::Get().ListenerLost();
      common::LogWarn("index",
                      "membership index connection lost; contains calls ask "
                      "PostgreSQL until a full reload",
                      {{"error", std::string(status.message())}});
      reason = "resync";
    } else {
      metrics::IndexMetrics::Get().FullLoadFailed();
      common::LogWarn("index",
                      "membership index could not be loaded; contains calls "
                      "ask PostgreSQL meanwhile",
                      {{"error", std::string(status.message())},
                       {"retry_ms", options_.retry_backoff.count()}});
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                         absl::FromChrono(options_.retry_backoff));
  }
  live_->Invalidate();
  metrics::IndexMetrics::Get().SetServing(false);
}

absl::Status MembershipFeed::Session(const char* reason, bool* installed) {
  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn =
      PgPool::Connect(options_.database);
  if (!conn.ok()) return conn.status();
  try {
    {
      // Tells an operator's pg_stat_activity which connection this is.
      pqxx::nontransaction tx(**conn);
      tx.exec0("SET application_name = '" +
               std::string(kMembershipFeedApplicationName) + "'");
    }
    PrepareStatements(**conn);
    std::vector<std::string> payloads;
    // LISTEN before the load: a change committed after the load's snapshot
    // is then announced to us, and one before it is already in the load
    // (its notification then changes nothing).
    Receiver receiver(**conn, &payloads);
    Snapshot snapshot = FullLoad(**conn, reason);
    live_->Install(snapshot);
    *installed = true;
    loaded_.store(true, std::memory_order_release);
    ++full_loads_;
    metrics::IndexMetrics::Get().SetServing(true);
    auto next_full = Clock::now() + options_.full_reload_interval;
    while (!stopping()) {
      (*conn)->await_notification(0, kWaitMicros);
      if (!payloads.empty()) {
        const Batch batch = Parse(payloads);
        payloads.clear();
        if (batch.reset) {
          snapshot = FullLoad(**conn, "reset");
          ++full_loads_;
        } else {
          snapshot = Apply(**conn, std::move(snapshot), batch);
        }
        live_->Install(snapshot);
        ++batches_applied_;
      }
      if (options_.full_reload_interval.count() > 0 &&
          Clock::now() >= next_full) {
        snapshot = FullLoad(**conn, "periodic");
        live_->Install(snapshot);
        ++full_loads_;
        next_full = Clock::now() + options_.full_reload_interval;
      }
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return StatusFromException(e, "membership index");
  }
}

}  // namespace ec::storage::pg
