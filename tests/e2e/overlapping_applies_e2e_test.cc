// Issue 14, "overlapping applies": two `enterprise-catalog work` processes
// apply crawls of two queries that share most of their content at the same
// time, round after round, while the stand-in's answer changes between rounds
// (courses come back, change and disappear). The lock order of
// storage/pg/README.md ("Transactions and locks") is what keeps them from
// deadlocking; this test is its proof on the real binaries, and it checks that
// neither apply loses or repeats the other's writes.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "domain/content.h"
#include "domain/inclusion.h"
#include "nlohmann/json.hpp"
#include "storage/pg/pg_util.h"
#include "tests/support/child_process.h"
#include "tests/support/test_env.h"
#include "tools/discovery_stub/stub_server.h"

namespace ec {
namespace {

using ec::testing::ChildOutput;
using ec::testing::ChildProcess;
using storage::Micros;
using SteadyClock = std::chrono::steady_clock;

constexpr int kRounds = 20;
// The round before which the stand-in restarts on its full dataset: the
// courses hidden before round 0 come back, so both applies insert the same
// new rows a second time in the run, after rounds of updates and unlinks.
constexpr int kReturnRound = kRounds / 2;
// About twice what a run takes on a busy 2-core machine: only a hang gets
// there.
constexpr auto kBudget = std::chrono::seconds(180);
constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";
// Each filter leaves out one organization's courses (about 8 % each,
// tools/discovery_stub/vocabulary.h): the two queries share about 90 % of
// their members, and those members' runs.
constexpr char kFilterA[] =
    R"({"content_type": "course", "org__exclude": ["UCBerkeleyX"]})";
constexpr char kFilterB[] =
    R"({"content_type": "course", "org__exclude": ["IBM"]})";
// What the worker's client sends besides the filter (discovery_client.cc,
// SearchPageRequest), without paging, for DiscoveryStub::MatchingKeys.
constexpr char kSearchParams[] =
    "exclude_expired_course_run=True&include_learner_pathways=True"
    "&include_modified=true";

// Hundreds of courses of a few KB with their runs (about 750 rows per query):
// each apply lasts long enough for the other to run into its locks (the
// content writers' lock, lock_content_writers.sql, then the rows).
stub::DatasetSpec Spec() {
  stub::DatasetSpec spec;
  spec.seed = 1414;
  spec.courses = 600;
  spec.runs = 1500;
  spec.programs = 20;
  spec.pathways = 4;
  spec.persons = 20;
  spec.min_doc_bytes = 1000;
  spec.max_doc_bytes = 3000;
  return spec;
}

// The settings of a `work` process crawling the stand-in at `base_url`.
std::vector<std::string> WorkerEnv(
    const std::string& dsn, const std::string& base_url,
    const stub::DiscoveryStub::Options& options) {
  return {
      "ENTERPRISE_CATALOG_DATABASE_URL=" + dsn,
      "ENTERPRISE_CATALOG_DISCOVERY_URL=" + base_url + "/api/v1/",
      "ENTERPRISE_CATALOG_OAUTH_URL=" + base_url,
      "ENTERPRISE_CATALOG_OAUTH_CLIENT_ID=" + options.client_id,
      "ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET=" + options.client_secret,
      // One job at a time per process: two jobs running at once are in two
      // processes, on two database connections.
      "ENTERPRISE_CATALOG_REFRESH_THREADS=1",
      // Both processes take a round's jobs within a few ms of each other.
      "ENTERPRISE_CATALOG_REFRESH_POLL_MS=20",
      // Jobs come from the rounds alone: a scheduled full pass between rounds
      // could fetch a round's documents before the stand-in changes them.
      "ENTERPRISE_CATALOG_REFRESH_SCHEDULER=false",
      "ENTERPRISE_CATALOG_REFRESH_MIN_REQUEST_INTERVAL_SECONDS=0",
      // A deadlock's victim fails its attempt ("deadlock detected") and is
      // retried after this delay: soon, so that the run ends and reports it
      // rather than running into the budget.
      "ENTERPRISE_CATALOG_REFRESH_RETRY_BASE_SECONDS=1",
      "ENTERPRISE_CATALOG_REFRESH_RETRY_MAX_SECONDS=2",
      // A lock wait that never ends fails the statement well inside the
      // budget.
      "ENTERPRISE_CATALOG_WORKER_DB_STATEMENT_TIMEOUT_MS=20000",
      // The stand-in's restart drops the workers' connections: retry soon.
      "ENTERPRISE_CATALOG_DISCOVERY_BACKOFF_MS=50",
      "ENTERPRISE_CATALOG_DISCOVERY_BACKOFF_MAX_MS=500",
      // "crawl end" lines tell which process applied which job, and when
      // its apply committed.
      "ENTERPRISE_CATALOG_LOG_LEVEL=info",
      "ENTERPRISE_CATALOG_METRICS_ADDRESS=127.0.0.1:0",
  };
}

// What the stand-in serves a query now, after the inclusion rules the
// workers apply: the members, and each member's search/all document.
struct Served {
  std::set<std::string> members;
  std::map<std::string, nlohmann::ordered_json> documents;
};

absl::StatusOr<Served> ServedTo(const stub::DiscoveryStub& discovery,
                                const std::string& filter) {
  auto keys = discovery.MatchingKeys(kSearchParams, filter);
  if (!keys.ok()) return keys.status();
  const std::shared_ptr<const stub::Dataset> dataset = discovery.dataset();
  std::map<std::string_view, const stub::Document*> by_key;
  for (const auto& doc : dataset->docs()) by_key.emplace(doc->key, doc.get());
  stub::RenderOptions render;
  render.now = dataset->now();
  render.exclude_expired = true;
  render.include_modified = true;
  Served served;
  for (const std::string& key : *keys) {
    const auto doc = by_key.find(key);
    if (doc == by_key.end()) {
      return absl::InternalError(absl::StrCat("no document for ", key));
    }
    std::string text;
    stub::RenderDocument(*doc->second, render, &text);
    nlohmann::ordered_json document = nlohmann::ordered_json::parse(text);
    auto records = domain::DiscoveryDocumentRecords(document);
    if (!records.ok()) return records.status();
    std::vector<std::string> reasons;
    domain::RemoveExcluded(domain::InclusionRules{}, &*records, &reasons);
    for (const domain::ContentRecord& record : *records) {
      if (record.derived) continue;
      served.members.insert(record.content_key);
      served.documents[record.content_key] = document;
    }
  }
  return served;
}

// Samples pg_stat_activity every 10 ms for backends of the database waiting
// on a lock: proof that the two applies (or an apply and the full pass) met,
// beyond both jobs merely running at the same time. Since bulk content
// writes are serialized (lock_content_writers.sql), most waits are on that
// advisory lock.
class LockWaitSampler {
 public:
  explicit LockWaitSampler(std::string dsn)
      : dsn_(std::move(dsn)), thread_([this] { Run(); }) {}
  ~LockWaitSampler() {
    stop_ = true;
    thread_.join();
  }
  void SetRound(int round) { round_ = round; }
  int64_t WaitsIn(int round) {
    std::lock_guard<std::mutex> lock(mu_);
    return waits_[round];
  }
  std::map<std::string, int64_t> ByStatement() {
    std::lock_guard<std::mutex> lock(mu_);
    return by_statement_;
  }
  std::string error() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  void Run() {
    try {
      pqxx::connection conn(dsn_);
      while (!stop_) {
        pqxx::nontransaction tx(conn);
        // The statements' files start with a comment line that names them.
        const pqxx::result r = tx.exec(
            "SELECT wait_event, split_part(query, E'\\n', 1) "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()");
        tx.commit();
        if (!r.empty()) {
          std::lock_guard<std::mutex> lock(mu_);
          for (const auto& row : r) {
            ++waits_[round_];
            ++by_statement_[absl::StrCat(row[0].c_str(), " | ",
                                         row[1].c_str())];
          }
        }
        // A blocked apply waits for most of the other's: 10 ms is plenty.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = e.what();
    }
  }

  const std::string dsn_;
  std::atomic<bool> stop_{false};
  std::atomic<int> round_{-1};
  std::mutex mu_;
  std::map<int, int64_t> waits_;
  std::map<std::string, int64_t> by_statement_;
  std::string error_;
  std::thread thread_;  // last: starts once the members above exist
};

int64_t Int(pqxx::connection& db, const std::string& sql) {
  pqxx::nontransaction tx(db);
  return tx.exec1(sql)[0].as<int64_t>();
}

std::set<std::string> MembersOf(pqxx::connection& db,
                                const std::string& catalog_uuid) {
  pqxx::nontransaction tx(db);
  std::set<std::string> out;
  for (const auto& row :
       tx.exec_params("SELECT qc.content_key FROM catalog_query_content qc "
                      "JOIN enterprise_catalog c ON c.catalog_query_id = "
                      "qc.catalog_query_id WHERE c.uuid = $1::uuid",
                      catalog_uuid)) {
    out.insert(row[0].as<std::string>());
  }
  return out;
}

// The search/all hash of every course and run row: the rows a crawl of
// these queries writes (the full pass adds program rows only).
std::map<std::string, std::string> SearchHashes(pqxx::connection& db) {
  pqxx::nontransaction tx(db);
  std::map<std::string, std::string> out;
  for (const auto& row : tx.exec(
           "SELECT content_key, coalesce(search_hash, '') FROM "
           "content_metadata WHERE content_type IN ('course', 'courserun')")) {
    out.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  return out;
}

std::string FilterOf(pqxx::connection& db, const std::string& catalog_uuid) {
  pqxx::nontransaction tx(db);
  return tx
      .exec_params1(
          "SELECT q.content_filter::text FROM catalog_query q JOIN "
          "enterprise_catalog c ON c.catalog_query_id = q.id WHERE c.uuid = "
          "$1::uuid",
          catalog_uuid)[0]
      .as<std::string>();
}

// Counts the shared rows whose stored documents are not the stand-in's
// latest: the raw search/all document (search_document, less the normalized
// metadata the service adds), the `modified` the crawl merges into
// json_metadata, and, for a course the full pass fetched, the
// full_description it merges there (a crawl leaves that field to the pass,
// and the stand-in's courses/ endpoint does not list every course).
// `example` gets the first mismatch.
int64_t StaleSharedRows(
    pqxx::connection& db,
    const std::map<std::string, nlohmann::ordered_json>& latest,
    std::string* example) {
  std::vector<std::string> keys;
  for (const auto& [key, doc] : latest) keys.push_back(key);
  pqxx::nontransaction tx(db);
  const pqxx::result r = tx.exec_params(
      "SELECT content_key, coalesce(search_document, ''), json_metadata, "
      "full_document IS NOT NULL FROM content_metadata WHERE content_key = "
      "ANY($1::text[])",
      storage::pg::ToPgTextArray(keys));
  int64_t stale = static_cast<int64_t>(latest.size() - r.size());
  if (stale > 0 && example->empty()) *example = "shared rows missing";
  for (const auto& row : r) {
    const std::string key = row[0].as<std::string>();
    const nlohmann::ordered_json& want = latest.at(key);
    // Key order counts: the service keeps discovery's and appends its own.
    nlohmann::ordered_json search = nlohmann::ordered_json::parse(
        row[1].c_str(), nullptr, /*allow_exceptions=*/false);
    if (search.is_object()) {
      search.erase("normalized_metadata");
      search.erase("normalized_metadata_by_run");
    }
    const nlohmann::ordered_json stored = nlohmann::ordered_json::parse(
        row[2].c_str(), nullptr, /*allow_exceptions=*/false);
    const nlohmann::ordered_json none;
    std::string what;
    if (search != want) {
      what = "search_document";
    } else if (!stored.is_object() ||
               stored.value("modified", none) != want.value("modified", none)) {
      what = "json_metadata.modified";
    } else if (row[3].as<bool>() && stored.value("full_description", none) !=
                                        want.value("full_description", none)) {
      what = "json_metadata.full_description";
    }
    if (what.empty()) continue;
    ++stale;
    if (example->empty()) *example = absl::StrCat(key, ": ", what);
  }
  return stale;
}

// Up to five keys in one set and not the other, "" when the sets are equal.
std::string Difference(const std::set<std::string>& stored,
                       const std::set<std::string>& served) {
  std::string out;
  int listed = 0;
  for (const auto* set : {&stored, &served}) {
    const auto* other = set == &stored ? &served : &stored;
    for (const std::string& key : *set) {
      if (other->contains(key) || ++listed > 5) continue;
      absl::StrAppend(
          &out, set == &stored ? " stored only: " : " served only: ", key);
    }
  }
  return out;
}

// Why a round did not finish: the jobs that are not done and what the
// database's backends are waiting for.
std::string Diagnose(pqxx::connection& db) {
  pqxx::nontransaction tx(db);
  std::string out = "jobs:";
  for (const auto& row :
       tx.exec("SELECT uuid, kind, state, attempts, coalesce(lease_owner, ''), "
               "last_error FROM refresh_job WHERE state <> 'succeeded' "
               "ORDER BY id")) {
    absl::StrAppend(&out, "\n  ", row[0].c_str(), " ", row[1].c_str(), " ",
                    row[2].c_str(), " attempts=", row[3].c_str(),
                    " owner=", row[4].c_str(), " error=", row[5].c_str());
  }
  out += "\nbackends:";
  for (const auto& row :
       tx.exec("SELECT pid, state, coalesce(wait_event_type, ''), "
               "coalesce(wait_event, ''), split_part(query, E'\\n', 1) "
               "FROM pg_stat_activity WHERE datname = current_database() "
               "AND pid <> pg_backend_pid()")) {
    absl::StrAppend(&out, "\n  ", row[0].c_str(), " ", row[1].c_str(), " ",
                    row[2].c_str(), "/", row[3].c_str(), " ", row[4].c_str());
  }
  return out;
}

// When each job's apply committed (the time of its "crawl end" line, which
// the worker writes right after the commit), by job uuid, from a worker's
// log.
std::map<std::string, Micros> AppliesIn(const ChildProcess& worker) {
  std::map<std::string, Micros> out;
  const std::string log = worker.log();
  size_t begin = 0;
  while (begin < log.size()) {
    size_t end = log.find('\n', begin);
    if (end == std::string::npos) end = log.size();
    const std::string_view line(log.data() + begin, end - begin);
    begin = end + 1;
    if (line.find("\"msg\":\"crawl end\"") == std::string_view::npos) continue;
    const nlohmann::json fields =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    absl::Time ts;
    std::string error;
    if (!fields.is_object() ||
        !absl::ParseTime(absl::RFC3339_full, fields.value("ts", ""), &ts,
                         &error)) {
      continue;
    }
    out[fields.value("job_uuid", "")] = absl::ToUnixMicros(ts);
  }
  return out;
}

// A round's two crawl jobs, as the queue and the logs saw them.
struct RoundJobs {
  std::string uuid[2];
  Micros leased[2] = {0, 0};  // the job's `started`
  // The job's `finished`: the worker's clock when it began the apply
  // transaction (CompleteWithCrawl's `now`).
  Micros apply_began[2] = {0, 0};
  int64_t lock_waits = 0;
};

TEST(OverlappingAppliesTest, TwoWorkerProcessesApplySharedContentTogether) {
  const auto started = SteadyClock::now();
  const auto deadline = started + kBudget;
  auto env = testing::StoreEnv::Create(2);
  ASSERT_TRUE(env.ok()) << env.status();
  pqxx::connection db((*env)->dsn());

  std::vector<std::string> catalogs;
  for (const char* filter : {kFilterA, kFilterB}) {
    storage::NewCatalog catalog;
    catalog.uuid = common::NewUuidV4();
    catalog.title = filter;
    catalog.enterprise_uuid = kEnterprise;
    catalog.filter = testing::Filter(filter);
    const auto created = (*env)->store()->CreateCatalog(catalog);
    ASSERT_TRUE(created.ok()) << created.status();
    catalogs.push_back(catalog.uuid);
  }
  // The bodies the workers POST: the queries' stored filters.
  const std::vector<std::string> bodies = {FilterOf(db, catalogs[0]),
                                           FilterOf(db, catalogs[1])};
  ASSERT_NE(bodies[0], bodies[1]);

  // The test's own connections (`db` and the store's pool), told apart from
  // the workers' at the end.
  const std::string test_backends = [&db] {
    pqxx::nontransaction tx(db);
    return tx
        .exec1(
            "SELECT '{' || string_agg(pid::text, ',') || '}' FROM "
            "pg_stat_activity WHERE datname = current_database() AND "
            "backend_type = 'client backend'")[0]
        .as<std::string>();
  }();
  const int64_t deadlocks_before =
      Int(db,
          "SELECT deadlocks FROM pg_stat_database WHERE datname = "
          "current_database()");

  // The workers start before the stand-in: a child inherits the open
  // sockets of the test (ChildProcess closes none, and the stand-in's
  // listener is not close-on-exec), and a listener held by a worker would
  // keep the port from the restarted stand-in.
  stub::DiscoveryStub::Options options;
  options.dataset = Spec();
  options.port = testing::FreePort();
  ASSERT_GT(options.port, 0);
  const std::vector<std::string> worker_env = WorkerEnv(
      (*env)->dsn(), absl::StrCat("http://127.0.0.1:", options.port), options);
  ChildProcess a({EC_BINARY, "work"}, worker_env, ChildOutput::kLogFile,
                 {"ENTERPRISE_CATALOG_"});
  ChildProcess b({EC_BINARY, "work"}, worker_env, ChildOutput::kLogFile,
                 {"ENTERPRISE_CATALOG_"});
  ASSERT_GT(a.pid(), 0);
  ASSERT_GT(b.pid(), 0);
  for (ChildProcess* worker : {&a, &b}) {
    ASSERT_NE(worker->WaitForLogMatch(R"("msg":"workers started")",
                                      std::chrono::seconds(20)),
              "")
        << worker->log();
  }
  // Binds the port chosen above (again, after a restart).
  auto start_discovery = [&options] {
    absl::StatusOr<std::unique_ptr<stub::DiscoveryStub>> started_stub;
    for (int attempt = 0; attempt < 20; ++attempt) {
      started_stub = stub::DiscoveryStub::Start(options);
      if (started_stub.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return started_stub;
  };
  auto discovery = start_discovery();
  ASSERT_TRUE(discovery.ok()) << discovery.status();
  // Hidden until kReturnRound, when they arrive as new rows.
  ASSERT_FALSE((*discovery)->RemoveFraction(0.25, 99).empty());
  auto sampler = std::make_unique<LockWaitSampler>((*env)->dsn());

  std::vector<RoundJobs> rounds;
  // Nothing writes between rounds: one round's "after" is the next's
  // "before".
  std::map<std::string, std::string> hashes = SearchHashes(db);
  int64_t jobs = 0;
  int64_t full_jobs = 0;
  int64_t rows_inserted = 0;
  int64_t rows_changed = 0;
  int64_t members_removed = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const auto round_started = SteadyClock::now();
    if (round == kReturnRound) {
      // The same spec again, on the same port: everything hidden or removed
      // returns and every change is undone. The workers' connections and
      // tokens die with the old stand-in; their client reconnects and fetches
      // a new token.
      discovery->reset();
      discovery = start_discovery();
      ASSERT_TRUE(discovery.ok()) << discovery.status();
    } else if (round > 0) {
      // Changed courses (a new full_description and `modified`), and a few
      // removed courses and runs, which unlinks them and changes the
      // courses the runs belonged to.
      ASSERT_FALSE((*discovery)->MutateFraction(0.15, 1000 + round).empty());
      ASSERT_FALSE((*discovery)->RemoveFraction(0.01, 2000 + round).empty());
    }
    std::vector<Served> served;
    for (const std::string& body : bodies) {
      auto s = ServedTo(**discovery, body);
      ASSERT_TRUE(s.ok()) << s.status();
      served.push_back(std::move(*s));
    }
    std::map<std::string, nlohmann::ordered_json> shared;
    for (const auto& [key, doc] : served[0].documents) {
      if (served[1].members.contains(key)) shared.emplace(key, doc);
    }
    // Most of each query is shared, or the applies would not meet.
    ASSERT_GT(shared.size() * 10, served[0].members.size() * 8);
    ASSERT_GT(shared.size() * 10, served[1].members.size() * 8);
    const std::map<std::string, std::string> before = hashes;
    const int64_t last_job_id =
        Int(db, "SELECT coalesce(max(id), 0) FROM refresh_job");

    // Both jobs are queued together; each idle process takes one.
    const auto enqueued = SteadyClock::now();
    sampler->SetRound(round);
    RoundJobs round_jobs;
    for (size_t q = 0; q < catalogs.size(); ++q) {
      const auto job = (*env)->queue()->EnqueueForCatalog(
          catalogs[q], storage::JobReason::kRequested, std::nullopt, 3,
          common::SystemNowMicros());
      ASSERT_TRUE(job.ok()) << job.status();
      ASSERT_TRUE(job->created);
      round_jobs.uuid[q] = job->job.uuid;
    }
    // Both crawls are done, and so is the full pass the first of them queued
    // (and any pass that one queued).
    while (Int(db,
               "SELECT count(*) FROM refresh_job WHERE state IN ('queued', "
               "'running')") > 0) {
      if (SteadyClock::now() > deadline) {
        FAIL() << "round " << round << " did not finish: " << Diagnose(db)
               << "\nworker a:\n"
               << a.log() << "\nworker b:\n"
               << b.log();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    sampler->SetRound(-1);
    const auto jobs_done = SteadyClock::now();

    // Every job of the round succeeded at its first attempt: a deadlock
    // victim would have been retried (or would still be running).
    {
      pqxx::nontransaction tx(db);
      for (const auto& row :
           tx.exec_params("SELECT uuid, kind, state, attempts, last_error "
                          "FROM refresh_job WHERE id > $1 ORDER BY id",
                          last_job_id)) {
        ++jobs;
        if (row[1].as<std::string>() == "full") ++full_jobs;
        EXPECT_EQ(row[2].as<std::string>(), "succeeded")
            << row[0].c_str() << " (" << row[1].c_str()
            << "): " << row[4].c_str();
        EXPECT_EQ(row[3].as<int>(), 1)
            << row[0].c_str() << " (" << row[1].c_str()
            << "): " << row[4].c_str();
      }
    }
    std::vector<storage::RefreshJobRow> crawl;
    for (size_t q = 0; q < catalogs.size(); ++q) {
      const auto job = (*env)->queue()->GetJob(round_jobs.uuid[q]);
      ASSERT_TRUE(job.ok()) << job.status();
      crawl.push_back(*job);
      round_jobs.leased[q] = job->started.value_or(0);
      round_jobs.apply_began[q] = job->finished.value_or(0);
    }

    // Each query holds exactly what the stand-in served it this round.
    for (size_t q = 0; q < catalogs.size(); ++q) {
      const std::set<std::string> members = MembersOf(db, catalogs[q]);
      EXPECT_EQ(members.size(), served[q].members.size()) << "query " << q;
      EXPECT_EQ(Difference(members, served[q].members), "") << "query " << q;
      EXPECT_EQ(crawl[q].counts.members_after,
                static_cast<int64_t>(served[q].members.size()));
      members_removed += crawl[q].counts.members_removed;
    }
    // The shared rows hold the latest documents.
    std::string example;
    EXPECT_EQ(StaleSharedRows(db, shared, &example), 0) << example;

    // Every new row was inserted by exactly one of the two applies, and every
    // changed row merged by exactly one: the other found it already written
    // (the same search/all hash) once it had the row's lock.
    const std::map<std::string, std::string> after = SearchHashes(db);
    hashes = after;
    int64_t inserted = 0;
    int64_t changed = 0;
    for (const auto& [key, hash] : after) {
      const auto old = before.find(key);
      if (old == before.end()) {
        ++inserted;
      } else if (old->second != hash) {
        ++changed;
      }
    }
    EXPECT_EQ(
        crawl[0].counts.content_inserted + crawl[1].counts.content_inserted,
        inserted);
    EXPECT_EQ(crawl[0].counts.content_updated + crawl[1].counts.content_updated,
              changed);
    // The round wrote shared rows, or it proves nothing.
    EXPECT_GT(inserted + changed, 0);
    if (round == 0 || round == kReturnRound) {
      EXPECT_GT(inserted, 0);
    }
    rows_inserted += inserted;
    rows_changed += changed;
    round_jobs.lock_waits = sampler->WaitsIn(round);
    rounds.push_back(round_jobs);
    std::printf(
        "round %2d: members %zu and %zu, %zu shared; "
        "rows inserted %4lld (A %4lld, B %4lld), "
        "changed %3lld (A %3lld, B %3lld); "
        "members removed %lld + %lld; lock-wait samples %3lld; "
        "prepare %lld ms, jobs %lld ms, checks %lld ms\n",
        round, served[0].members.size(), served[1].members.size(),
        shared.size(), static_cast<long long>(inserted),
        static_cast<long long>(crawl[0].counts.content_inserted),
        static_cast<long long>(crawl[1].counts.content_inserted),
        static_cast<long long>(changed),
        static_cast<long long>(crawl[0].counts.content_updated),
        static_cast<long long>(crawl[1].counts.content_updated),
        static_cast<long long>(crawl[0].counts.members_removed),
        static_cast<long long>(crawl[1].counts.members_removed),
        static_cast<long long>(round_jobs.lock_waits),
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(enqueued -
                                                                  round_started)
                .count()),
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(jobs_done -
                                                                  enqueued)
                .count()),
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(
                SteadyClock::now() - jobs_done)
                .count()));
    if (HasFatalFailure()) return;
  }

  // A backend adds its deadlocks to pg_stat_database when it exits (before
  // it leaves pg_stat_activity): stop the workers, then wait for every
  // backend that is not the test's own to go.
  const std::map<std::string, int64_t> waits_by_statement =
      sampler->ByStatement();
  EXPECT_EQ(sampler->error(), "");
  sampler.reset();
  for (ChildProcess* worker : {&a, &b}) {
    worker->Signal(SIGTERM);
    EXPECT_EQ(worker->Wait(), 0);
  }
  const std::string others = absl::StrCat(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = "
      "current_database() AND backend_type = 'client backend' AND pid <> "
      "ALL('",
      test_backends, "'::int[])");
  const auto stopped = SteadyClock::now();
  while (Int(db, others) > 0 &&
         SteadyClock::now() < stopped + std::chrono::seconds(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Int(db, others), 0) << Diagnose(db);
  const int64_t deadlocks =
      Int(db,
          "SELECT deadlocks FROM pg_stat_database WHERE datname = "
          "current_database()") -
      deadlocks_before;
  EXPECT_EQ(deadlocks, 0) << Diagnose(db);
  for (ChildProcess* worker : {&a, &b}) {
    const std::string log = worker->log();
    EXPECT_EQ(log.find("deadlock"), std::string::npos) << log;
    // A worker whose job was taken over discards its crawl: none may have.
    EXPECT_EQ(log.find("lease lost"), std::string::npos) << log;
  }

  // The logs, complete now that the workers have exited, say which process
  // applied each job and when its apply committed.
  const std::map<std::string, Micros> applied[2] = {AppliesIn(a), AppliesIn(b)};
  int running_together = 0;   // both jobs leased and not yet committed
  int applying_together = 0;  // both apply transactions open at once
  int with_lock_waits = 0;
  int64_t applying_together_ms = 0;
  for (size_t r = 0; r < rounds.size(); ++r) {
    const RoundJobs& jobs_of = rounds[r];
    Micros committed[2] = {0, 0};
    int process[2] = {-1, -1};
    for (int q = 0; q < 2; ++q) {
      for (int p = 0; p < 2; ++p) {
        const auto found = applied[p].find(jobs_of.uuid[q]);
        if (found == applied[p].end()) continue;
        EXPECT_EQ(process[q], -1) << jobs_of.uuid[q] << " applied twice";
        process[q] = p;
        committed[q] = found->second;
      }
      EXPECT_NE(process[q], -1) << "no crawl end line for " << jobs_of.uuid[q];
    }
    const Micros first_commit = std::min(committed[0], committed[1]);
    const int64_t running_us =
        first_commit - std::max(jobs_of.leased[0], jobs_of.leased[1]);
    const int64_t applying_us =
        first_commit - std::max(jobs_of.apply_began[0], jobs_of.apply_began[1]);
    if (running_us > 0) {
      ++running_together;
      // One refresh thread each: two jobs at once are in two processes.
      EXPECT_NE(process[0], process[1]) << "round " << r;
    }
    if (applying_us > 0) {
      ++applying_together;
      applying_together_ms += applying_us / 1000;
    }
    if (jobs_of.lock_waits > 0) ++with_lock_waits;
    std::printf(
        "round %2zu: A by %c, B by %c; running together %5lld ms, applying "
        "together %5lld ms\n",
        r, "ab?"[process[0] < 0 ? 2 : process[0]],
        "ab?"[process[1] < 0 ? 2 : process[1]],
        static_cast<long long>(running_us / 1000),
        static_cast<long long>(applying_us / 1000));
  }
  // Rounds that did not overlap prove nothing: most of them must have, and
  // the applies must have met (one waiting for the other's locks) in some
  // of them.
  EXPECT_GE(applying_together, kRounds * 3 / 4);
  EXPECT_GT(with_lock_waits, 0);

  std::string statements;
  for (const auto& [statement, samples] : waits_by_statement) {
    absl::StrAppend(&statements, "\n  ", samples, " x ", statement);
  }
  std::printf(
      "%d rounds: %d running together, %d applying together (%lld ms in all), "
      "%d with lock waits seen; %lld jobs (%lld full passes), each succeeded "
      "at its first attempt; rows inserted %lld, changed %lld; members "
      "removed %lld; %lld deadlocks; %.1f s. Lock-wait samples by wait event "
      "and statement:%s\n",
      kRounds, running_together, applying_together,
      static_cast<long long>(applying_together_ms), with_lock_waits,
      static_cast<long long>(jobs), static_cast<long long>(full_jobs),
      static_cast<long long>(rows_inserted),
      static_cast<long long>(rows_changed),
      static_cast<long long>(members_removed),
      static_cast<long long>(deadlocks),
      std::chrono::duration<double>(SteadyClock::now() - started).count(),
      statements.c_str());
}

}  // namespace
}  // namespace ec
