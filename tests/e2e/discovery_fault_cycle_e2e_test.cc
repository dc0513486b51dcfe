// Issue 14, "discovery misbehaving for a whole cycle": one catalog per way
// discovery can misbehave, and a healthy one, through whole scheduler
// cycles on the injected clock, with the real client over HTTP and the real
// database. Between the good cycle and the bad one discovery changes every
// catalog's content, so a crawl that was wrongly applied would show in the
// served answers; the good cycle after it must bring every catalog up to
// date.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "tests/e2e/refresh_fixture.h"
#include "tests/support/child_process.h"

namespace ec::e2e_refresh {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using nlohmann::json;

// The URL parameters of the client's search/all requests without paging,
// for the stand-in's own view of a query's result.
constexpr char kCrawlParams[] =
    "exclude_expired_course_run=True&include_learner_pathways=True&"
    "include_modified=true";
// Small pages so that every org's catalog spans at least three.
constexpr int kPageSize = 4;
// The client's per-request timeout, and the slow query's answer time.
// Healthy pages answer in milliseconds, so the margin is for a loaded
// machine.
constexpr auto kRequestTimeout = std::chrono::milliseconds(1500);
constexpr int kSlowMs = 4000;

// The structured log lines written while it lives, one JSON object each.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "fault-cycle", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_pattern("{%v}");
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<json> Lines() const {
    std::vector<json> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      json parsed = json::parse(line, nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << line;
      if (!parsed.is_discarded()) lines.push_back(std::move(parsed));
    }
    return lines;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// The lines of one crawl of `query_uuid`: from its "crawl start" to its
// "crawl end..." line. The worker runs on the test's thread, so a crawl's
// discovery lines fall between the two.
std::vector<json> CrawlLines(const std::vector<json>& lines,
                             const std::string& query_uuid) {
  std::vector<json> out;
  bool inside = false;
  for (const json& line : lines) {
    const std::string msg = line.value("msg", "");
    if (msg == "crawl start")
      inside = line.value("query_uuid", "") == query_uuid;
    if (inside) out.push_back(line);
    if (inside && msg.rfind("crawl end", 0) == 0) inside = false;
  }
  return out;
}

std::vector<json> WithMsg(const std::vector<json>& lines,
                          const std::string& msg) {
  std::vector<json> out;
  for (const json& line : lines) {
    if (line.value("msg", "") == msg) out.push_back(line);
  }
  return out;
}

// "" when equal, else where they first differ, so a failure stays readable.
std::string FirstDifference(const std::string& before,
                            const std::string& after) {
  if (before == after) return "";
  size_t i = 0;
  while (i < before.size() && i < after.size() && before[i] == after[i]) ++i;
  const size_t from = i > 80 ? i - 80 : 0;
  return "at byte " + std::to_string(i) + ": before \"" +
         before.substr(from, 240) + "\" after \"" + after.substr(from, 240) +
         "\"";
}

std::string OrgFilter(const std::string& org) {
  return R"({"content_type": "course", "org": ")" + org + "\"}";
}

// One way discovery misbehaves for one catalog's query, for a whole cycle.
struct Misbehaviour {
  std::string name;
  std::string org;  // the catalog holds this org's courses, and no other's
  std::vector<FaultRule> rules;
  // What the job's stored error starts with, and says.
  std::string code;
  std::string error;
  // The discovery_requests_total{endpoint="search"} class its failed
  // requests count under; "" when every request was a good page and only
  // the completeness check can tell.
  std::string failed_class;
};

FaultRule SearchFault(FaultKind kind, int page) {
  FaultRule rule;
  rule.target = FaultTarget::kSearch;
  rule.kind = kind;
  rule.page = page;
  rule.times = -1;  // every attempt, for the whole cycle
  return rule;
}

class DiscoveryFaultCycleTest : public RefreshTest {
 protected:
  void SetUp() override {
    RefreshTest::SetUp();
    if (HasFatalFailure()) return;
    // Enough courses that every org below fills three pages or more.
    stub::DatasetSpec spec = DefaultDataset();
    spec.courses = 300;
    spec.runs = 600;
    StartStub(spec);
    discovery_.page_size = kPageSize;
    discovery_.request_timeout = kRequestTimeout;
  }

  void TearDown() override {
    // The faulted cycle's log explains most failures.
    if (HasFailure() || std::getenv("EC_SHOW_LOGS") != nullptr) {
      std::cerr << "captured logs of the faulted cycle:\n";
      for (const json& line : captured_) std::cerr << line.dump() << "\n";
    }
    RefreshTest::TearDown();
  }

  int64_t QueryId(const v1::Catalog& catalog) {
    return Int("SELECT id FROM catalog_query WHERE uuid = '" +
               catalog.catalog_query_uuid() + "'");
  }

  // The stand-in's complete answer for a catalog's query now, without
  // faults: what a good crawl sees.
  std::vector<std::string> DiscoveryKeys(const v1::Catalog& catalog) {
    const std::string body =
        env_->QueryText(
                "SELECT content_filter FROM catalog_query WHERE uuid "
                "= '" +
                catalog.catalog_query_uuid() + "'")
            .value_or("");
    auto keys = stub_->MatchingKeys(kCrawlParams, body);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? *keys : std::vector<std::string>{};
  }

  int64_t Pages(const v1::Catalog& catalog) {
    const auto n = static_cast<int64_t>(DiscoveryKeys(catalog).size());
    return std::max<int64_t>(1, (n + kPageSize - 1) / kPageSize);
  }

  std::vector<std::string> Column(const std::string& sql) {
    const std::string text =
        env_->QueryText(
                "SELECT coalesce(string_agg(k, ',' ORDER BY k), '') "
                "FROM (" +
                sql + ") s(k)")
            .value_or("");
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string key; std::getline(in, key, ',');) out.push_back(key);
    return out;
  }

  // The query's members and the runs stored under them.
  std::vector<std::string> StoredKeys(const v1::Catalog& catalog) {
    const std::string members =
        "SELECT content_key FROM catalog_query_content WHERE "
        "catalog_query_id = " +
        std::to_string(QueryId(catalog));
    return Column(members +
                  " UNION SELECT content_key FROM content_metadata "
                  "WHERE parent_content_key IN (" +
                  members + ")");
  }

  // Every stored byte that serves the catalog: each member's row and the
  // rows of its runs (every column, through the row's text), the
  // membership links, and the query row (count, refresh time).
  std::string QuerySnapshot(const v1::Catalog& catalog) {
    const std::string id = std::to_string(QueryId(catalog));
    const std::string members =
        "SELECT content_key FROM catalog_query_content WHERE "
        "catalog_query_id = " +
        id;
    return env_
        ->QueryText(
            "SELECT coalesce(string_agg(x, ',' ORDER BY x), '') FROM ("
            "SELECT 'row:' || cm.content_key || ':' || md5(cm::text) FROM "
            "content_metadata cm WHERE cm.content_key IN (" +
            members + ") OR cm.parent_content_key IN (" + members +
            ") UNION ALL SELECT 'link:' || content_key FROM "
            "catalog_query_content WHERE catalog_query_id = " +
            id +
            " UNION ALL SELECT 'query:' || md5(q::text) FROM catalog_query q "
            "WHERE id = " +
            id + ") s(x)")
        .value_or("<error>");
  }

  // Every content row but those of `org`'s courses and runs: what a
  // healthy catalog's refresh must not touch either.
  std::string RowsOutside(const std::string& org) {
    return env_
        ->QueryText(
            "SELECT coalesce(string_agg(content_key || ':' || md5(cm::text), "
            "',' ORDER BY content_key), '') FROM content_metadata cm WHERE "
            "content_key NOT LIKE '" +
            org + "+%' AND content_key NOT LIKE 'course-v1:" + org + "+%'")
        .value_or("<error>");
  }

  // What callers are served for the catalog: contains for `keys`, and
  // every page of its metadata.
  std::string Served(const v1::Catalog& catalog,
                     const std::vector<std::string>& keys) {
    std::string out;
    v1::ContainsContentItemsRequest contains;
    contains.set_catalog_uuid(catalog.uuid());
    for (const std::string& key : keys) contains.add_content_keys(key);
    v1::ContainsContentItemsResponse answer;
    const absl::Status st =
        core_->ContainsContentItems(kOperator, contains, &answer);
    EXPECT_TRUE(st.ok()) << st;
    std::string text;
    EXPECT_TRUE(
        google::protobuf::util::MessageToJsonString(answer, &text).ok());
    out += "contains:" + text + "\n";

    v1::GetCatalogMetadataRequest request;
    request.set_catalog_uuid(catalog.uuid());
    request.set_page_size(50);
    for (int page = 0; page < 100; ++page) {
      v1::GetCatalogMetadataResponse response;
      const absl::Status got =
          core_->GetCatalogMetadata(kOperator, request, &response);
      EXPECT_TRUE(got.ok()) << got;
      if (!got.ok()) break;
      out += "total:" + std::to_string(response.total_count()) + "\n";
      for (const v1::ContentMetadata& item : response.items()) {
        std::string item_text;
        EXPECT_TRUE(
            google::protobuf::util::MessageToJsonString(item, &item_text).ok());
        out += item_text + "\n";
      }
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return out;
  }

  bool Contains(const v1::Catalog& catalog, const std::string& key) {
    v1::ContainsContentItemsRequest request;
    request.set_catalog_uuid(catalog.uuid());
    request.add_content_keys(key);
    v1::ContainsContentItemsResponse answer;
    EXPECT_TRUE(core_->ContainsContentItems(kOperator, request, &answer).ok());
    return answer.contains_all();
  }

  // Discovery moves on after the good cycle: two courses of every catalog
  // change, and 5 % of everything is removed, so every catalog's next good
  // crawl changes what it serves.
  std::vector<std::string> MoveDiscoveryOn(
      const std::vector<v1::Catalog>& catalogs) {
    std::vector<std::string> mutate;
    for (const v1::Catalog& catalog : catalogs) {
      const std::vector<std::string> members = Column(
          "SELECT content_key FROM catalog_query_content WHERE "
          "catalog_query_id = " +
          std::to_string(QueryId(catalog)));
      EXPECT_GE(members.size(), 2u);
      for (size_t i = 0; i < 2 && i < members.size(); ++i) {
        mutate.push_back(members[i]);
      }
    }
    const std::vector<std::string> changed = stub_->MutateCourses(mutate);
    EXPECT_EQ(changed.size(), mutate.size());
    return stub_->RemoveFraction(0.05, 11);
  }

  // The members of the catalog's last good crawl that discovery no longer
  // has.
  std::vector<std::string> RemovedMembers(
      const v1::Catalog& catalog, const std::vector<std::string>& removed) {
    std::vector<std::string> out;
    for (const std::string& key :
         Column("SELECT content_key FROM catalog_query_content WHERE "
                "catalog_query_id = " +
                std::to_string(QueryId(catalog)))) {
      if (std::find(removed.begin(), removed.end(), key) != removed.end()) {
        out.push_back(key);
      }
    }
    return out;
  }

  // A good cycle recovers: the job succeeds on its next attempt and the
  // catalog holds exactly what discovery holds now. (A removed run of a
  // course that is still there stays contained through its course, whose
  // content row keeps it: only removed members are checked.)
  void ExpectUpToDate(const v1::Catalog& catalog,
                      const storage::RefreshJobRow& job,
                      const std::string& last_good_rows,
                      const std::vector<std::string>& removed_members) {
    SCOPED_TRACE(catalog.catalog_query_uuid());
    EXPECT_EQ(job.state, JobState::kSucceeded) << job.last_error;
    EXPECT_EQ(job.last_error, "");
    const auto expected = static_cast<int64_t>(DiscoveryKeys(catalog).size()) -
                          job.counts.items_excluded;
    EXPECT_EQ(Members(catalog), expected);
    EXPECT_EQ(MetadataTotal(catalog), expected);
    // The mutated courses, unless the removals took both.
    EXPECT_GE(job.counts.content_updated + job.counts.members_removed, 1);
    EXPECT_NE(QuerySnapshot(catalog), last_good_rows);
    for (const std::string& key : removed_members) {
      EXPECT_FALSE(Contains(catalog, key)) << key;
    }
  }

  std::vector<json> captured_;  // the faulted cycle's log lines
};

TEST_F(DiscoveryFaultCycleTest, EveryFaultKindForAWholeCycleKeepsLastGood) {
  // The healthy control, then one catalog per misbehaviour. Rules match a
  // query by its org in the request body; "\"MITx\"" is not "\"MITxPRO\"".
  const std::string control_org = "HarvardX";
  std::vector<Misbehaviour> kinds;
  {
    FaultRule slow = SearchFault(FaultKind::kLatency, 2);
    slow.latency_ms = kSlowMs;
    kinds.push_back({"slow beyond the timeout",
                     "MITx",
                     {slow},
                     "UNAVAILABLE",
                     "search/all page 2: failed after 3 attempts; last: curl "
                     "error 28",
                     "timeout"});
    FaultRule unavailable = SearchFault(FaultKind::kStatus, 2);
    unavailable.status = 503;
    kinds.push_back({"5xx",
                     "UCBerkeleyX",
                     {unavailable},
                     "UNAVAILABLE",
                     "search/all page 2: failed after 3 attempts; last: HTTP "
                     "503",
                     "5xx"});
    FaultRule throttled = SearchFault(FaultKind::kStatus, 2);
    throttled.status = 429;
    throttled.retry_after_seconds = 1;
    kinds.push_back({"429 with Retry-After",
                     "DelftX",
                     {throttled},
                     "UNAVAILABLE",
                     "search/all page 2: failed after 3 attempts; last: HTTP "
                     "429, detail \"Request was throttled",
                     "429"});
    kinds.push_back({"HTML 200",
                     "IBM",
                     {SearchFault(FaultKind::kHtml200, 2)},
                     "DATA_LOSS",
                     "invalid envelope: not valid JSON",
                     "bad_body"});
    kinds.push_back({"truncated JSON",
                     "StanfordOnline",
                     {SearchFault(FaultKind::kTruncatedJson, 2)},
                     "DATA_LOSS",
                     "invalid envelope: not valid JSON",
                     "bad_body"});
    kinds.push_back({"connection dropped",
                     "edX",
                     {SearchFault(FaultKind::kDropConnection, 2)},
                     "UNAVAILABLE",
                     "search/all page 2: failed after 3 attempts; last: curl "
                     "error",
                     "connection"});
    FaultRule duplicates = SearchFault(FaultKind::kDuplicateItems, 2);
    duplicates.items = 2;
    kinds.push_back({"duplicate items across pages",
                     "PennX",
                     {duplicates},
                     "DATA_LOSS",
                     "discovery's paging was unstable: 2 of",
                     ""});
    FaultRule missing = SearchFault(FaultKind::kMissingItems, 2);
    missing.items = 2;
    kinds.push_back({"missing items across pages",
                     "Microsoft",
                     {missing},
                     "DATA_LOSS",
                     "items were missing across pages",
                     ""});
    // The count's swing is set below, once the last page is known.
    kinds.push_back({"a count that swings",
                     "GTx",
                     {},
                     "DATA_LOSS",
                     "discovery's count changed during the crawl",
                     ""});
  }

  const v1::Catalog control = Create(OrgFilter(control_org));
  std::vector<v1::Catalog> catalogs;
  for (const Misbehaviour& kind : kinds) {
    catalogs.push_back(Create(OrgFilter(kind.org)));
  }
  std::vector<v1::Catalog> all = catalogs;
  all.push_back(control);

  // Cycle 1, good: every catalog gets its last good data.
  {
    const auto jobs = Drain();
    ASSERT_EQ(jobs.size(), all.size());
    for (const auto& job : jobs) {
      ASSERT_EQ(job.state, JobState::kSucceeded) << job.last_error;
    }
  }

  const std::vector<std::string> removed = MoveDiscoveryOn(all);
  ASSERT_FALSE(removed.empty());
  for (const v1::Catalog& catalog : all) {
    // Page 2 must not be the last, so that faults on it and on the last
    // page are two faults.
    ASSERT_GE(Pages(catalog), 3) << catalog.catalog_query_uuid();
  }
  // The count swings up on page 2 only and is back on the last page: the
  // first and last counts agree, which the check used to compare alone (and
  // applied such a crawl).
  {
    Misbehaviour& swing = kinds.back();
    const v1::Catalog& catalog = catalogs.back();
    FaultRule up = SearchFault(FaultKind::kCountSwing, 2);
    up.items = 5;
    swing.rules = {up};
    const auto n = static_cast<int64_t>(DiscoveryKeys(catalog).size());
    swing.error += ", from " + std::to_string(n) + " to " +
                   std::to_string(n + 5) + " on page 2; nothing was applied";
  }

  // The last good answers, and the keys to ask about: every stored member
  // and run, every key discovery has now, and one that never existed.
  std::vector<std::vector<std::string>> keys(all.size());
  std::vector<std::string> served(all.size());
  std::vector<std::string> rows(all.size());
  std::vector<std::vector<std::string>> gone(all.size());
  size_t gone_total = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    gone[i] = RemovedMembers(all[i], removed);
    gone_total += gone[i].size();
    keys[i] = StoredKeys(all[i]);
    for (const std::string& key : DiscoveryKeys(all[i])) keys[i].push_back(key);
    keys[i].push_back("NoSuchX+Nothing");
    served[i] = Served(all[i], keys[i]);
    rows[i] = QuerySnapshot(all[i]);
  }
  // Else a wrongly applied crawl could not show as lost members.
  ASSERT_GT(gone_total, 0u);
  const std::string rows_outside_control = RowsOutside(control_org);

  for (const Misbehaviour& kind : kinds) {
    for (FaultRule rule : kind.rules) {
      rule.body_contains = "\"" + kind.org + "\"";
      stub_->AddFault(rule);
    }
  }
  metrics::RefreshMetrics& m = metrics::RefreshMetrics::Get();
  std::map<std::string, double> before;
  for (const char* cls :
       {"2xx", "5xx", "429", "4xx", "bad_body", "timeout", "connection"}) {
    before[cls] = m.DiscoveryRequestsTotal("search", cls);
  }
  const double retries = m.JobsTotal("retry");
  const double succeeded = m.JobsTotal("succeeded");
  const double failed = m.JobsTotal("failed");
  const double held = m.JobsTotal("held");

  // Cycle 2, past the 12 h bound: the scheduler queues every query, and
  // each meets its misbehaviour on every attempt the client makes.
  Advance(13 * kHour);
  std::vector<storage::RefreshJobRow> cycle;
  std::vector<json> lines;
  const auto started = std::chrono::steady_clock::now();
  {
    const LogCapture capture;
    auto scheduled = worker().ScheduleOnce();
    ASSERT_TRUE(scheduled.ok()) << scheduled.status();
    EXPECT_EQ(scheduled->jobs_created, static_cast<int64_t>(all.size()));
    cycle = Drain();
    lines = capture.Lines();
  }
  captured_ = lines;
  const auto cycle_time = std::chrono::steady_clock::now() - started;
  RecordProperty(
      "fault_cycle_ms",
      std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(cycle_time)
              .count()));
  ASSERT_EQ(cycle.size(), all.size());
  // Bounded: the slow query costs its three timeouts, the throttled one two
  // Retry-After waits; nothing waits for discovery beyond that.
  EXPECT_LT(cycle_time, std::chrono::seconds(30));
  std::map<std::string, storage::RefreshJobRow> job_of;
  for (const auto& job : cycle) {
    EXPECT_EQ(job.reason, storage::JobReason::kScheduled);
    job_of[job.catalog_query_uuid] = job;
  }

  // The control query refreshed, and touched no other catalog's rows.
  const storage::RefreshJobRow& control_job =
      job_of[control.catalog_query_uuid()];
  ExpectUpToDate(control, control_job, rows.back(), gone.back());
  EXPECT_EQ(Int("SELECT count(*) FROM catalog_query WHERE uuid = '" +
                control.catalog_query_uuid() +
                "' AND content_refreshed = to_timestamp(" +
                std::to_string(now_.load() / kSecond) + ")"),
            1);
  EXPECT_EQ(FirstDifference(rows_outside_control, RowsOutside(control_org)),
            "");

  int64_t good_pages = Pages(control);
  int removed_but_served = 0;
  for (size_t i = 0; i < kinds.size(); ++i) {
    const Misbehaviour& kind = kinds[i];
    const v1::Catalog& catalog = catalogs[i];
    SCOPED_TRACE(kind.name);
    const storage::RefreshJobRow& job = job_of[catalog.catalog_query_uuid()];
    // Failed, to be retried, and stored as such.
    EXPECT_EQ(job.state, JobState::kQueued);
    EXPECT_EQ(job.attempts, 1);
    EXPECT_GT(job.run_after, now_.load());
    EXPECT_EQ(job.last_error.rfind(kind.code + ": ", 0), 0u) << job.last_error;
    EXPECT_THAT(job.last_error, HasSubstr(kind.error));
    // The last good answers, byte for byte.
    EXPECT_EQ(FirstDifference(served[i], Served(catalog, keys[i])), "");
    EXPECT_EQ(FirstDifference(rows[i], QuerySnapshot(catalog)), "");
    // What discovery removed is still served from the last good crawl.
    for (const std::string& key : gone[i]) {
      EXPECT_TRUE(Contains(catalog, key)) << key;
      ++removed_but_served;
    }

    // The log says what happened: the crawl's end line with the error, and
    // for request faults the retries with their cause.
    const std::vector<json> crawl =
        CrawlLines(lines, catalog.catalog_query_uuid());
    const std::vector<json> end =
        WithMsg(crawl, "crawl end: failed, stored data unchanged");
    ASSERT_EQ(end.size(), 1u);
    EXPECT_EQ(end[0].value("code", ""), kind.code);
    EXPECT_THAT(end[0].value("error", ""), HasSubstr(kind.error));
    EXPECT_EQ(end[0].value("state", ""), "queued");
    const std::vector<json> retried =
        WithMsg(crawl, "request failed; retrying");
    if (kind.failed_class.empty()) {
      // Every page was good; only the completeness check saw the fault.
      EXPECT_EQ(retried.size(), 0u);
      EXPECT_EQ(end[0].value("pages", 0), Pages(catalog));
      good_pages += Pages(catalog);
    } else {
      ASSERT_EQ(retried.size(), 2u);
      for (const json& line : retried) {
        EXPECT_EQ(line.value("request", ""), "search/all page 2");
      }
      EXPECT_EQ(WithMsg(crawl, "crawl failed").size(), 1u);
      good_pages += 1;  // page 1
    }
    if (kind.failed_class == "timeout") {
      EXPECT_EQ(retried[0].value("transport_code", ""), "DEADLINE_EXCEEDED");
      // It waited out the client's timeout each time, never the server.
      const int64_t ms = end[0].value("duration_ms", int64_t{0});
      EXPECT_GE(ms, 3 * kRequestTimeout.count());
      EXPECT_LT(ms, 3 * kSlowMs);
    } else if (kind.failed_class == "5xx") {
      EXPECT_EQ(retried[0].value("http_status", 0), 503);
    } else if (kind.failed_class == "429") {
      EXPECT_EQ(retried[0].value("http_status", 0), 429);
      for (const json& line : retried) {
        EXPECT_EQ(line.value("retry_after_ms", 0), 1000);
        EXPECT_GE(line.value("delay_ms", 0), 1000);
      }
    } else if (kind.failed_class == "bad_body") {
      EXPECT_EQ(retried[0].value("http_status", 0), 200);
      EXPECT_THAT(retried[0].value("error", ""),
                  HasSubstr(kind.name == "HTML 200"
                                ? "content type \"text/html"
                                : "content type \"application/json"));
    } else if (kind.failed_class == "connection") {
      EXPECT_EQ(retried[0].value("transport_code", ""), "UNAVAILABLE");
    }
    if (kind.name == "duplicate items across pages") {
      EXPECT_EQ(end[0].value("results_repeated", 0), 2);
    }
  }
  // Else the removals proved nothing about the faulted catalogs.
  EXPECT_GT(removed_but_served, 0);
  const std::vector<json> control_end =
      WithMsg(CrawlLines(lines, control.catalog_query_uuid()), "crawl end");
  ASSERT_EQ(control_end.size(), 1u);
  EXPECT_EQ(control_end[0].value("state", ""), "succeeded");

  // The metrics count each fault by its kind: three requests (the client's
  // attempts) per request fault, under its class; the page faults only as
  // retried jobs, their requests being good pages.
  auto delta = [&](const char* cls) {
    return m.DiscoveryRequestsTotal("search", cls) - before[cls];
  };
  const int attempts = discovery_.max_attempts;
  EXPECT_EQ(delta("timeout"), attempts);
  EXPECT_EQ(delta("5xx"), attempts);
  EXPECT_EQ(delta("429"), attempts);
  EXPECT_EQ(delta("bad_body"), 2 * attempts);  // HTML and truncated
  EXPECT_EQ(delta("connection"), attempts);
  EXPECT_EQ(delta("4xx"), 0);
  EXPECT_EQ(delta("2xx"), good_pages);
  EXPECT_EQ(m.JobsTotal("retry") - retries, static_cast<double>(kinds.size()));
  EXPECT_EQ(m.JobsTotal("succeeded") - succeeded, 1);
  EXPECT_EQ(m.JobsTotal("failed") - failed, 0);
  EXPECT_EQ(m.JobsTotal("held") - held, 0);

  // Cycle 3, good again: discovery behaves, the retries fall due, and every
  // catalog catches up with discovery.
  stub_->ClearFaults();
  Advance(2 * kHour);
  auto scheduled = worker().ScheduleOnce();
  ASSERT_TRUE(scheduled.ok()) << scheduled.status();
  EXPECT_EQ(scheduled->jobs_created, 0);  // the retries are queued already
  const auto recovered = Drain();
  ASSERT_EQ(recovered.size(), kinds.size());
  for (const auto& job : recovered) job_of[job.catalog_query_uuid] = job;
  for (size_t i = 0; i < kinds.size(); ++i) {
    SCOPED_TRACE(kinds[i].name);
    const storage::RefreshJobRow& job =
        job_of[catalogs[i].catalog_query_uuid()];
    EXPECT_EQ(job.attempts, 2);
    ExpectUpToDate(catalogs[i], job, rows[i], gone[i]);
  }
}

TEST_F(DiscoveryFaultCycleTest, DiscoveryDownForAWholeCycleKeepsLastGood) {
  std::vector<v1::Catalog> catalogs;
  for (const char* org : {"HarvardX", "MITx", "IBM"}) {
    catalogs.push_back(Create(OrgFilter(org)));
  }
  ASSERT_EQ(Drain().size(), catalogs.size());
  const std::vector<std::string> removed = MoveDiscoveryOn(catalogs);
  std::vector<std::vector<std::string>> keys(catalogs.size());
  std::vector<std::string> served(catalogs.size());
  std::vector<std::string> rows(catalogs.size());
  std::vector<std::vector<std::string>> gone(catalogs.size());
  for (size_t i = 0; i < catalogs.size(); ++i) {
    gone[i] = RemovedMembers(catalogs[i], removed);
    keys[i] = StoredKeys(catalogs[i]);
    for (const std::string& key : DiscoveryKeys(catalogs[i])) {
      keys[i].push_back(key);
    }
    served[i] = Served(catalogs[i], keys[i]);
    rows[i] = QuerySnapshot(catalogs[i]);
  }
  const std::string everything = Snapshot();

  // Discovery is down: nothing listens at its address (connection
  // refused), while the LMS still issues tokens. The worker's client reads
  // the address when it first crawls.
  const std::string discovery_url = discovery_.discovery_url;
  const int dead = testing::FreePort();
  ASSERT_NE(dead, 0);
  discovery_.discovery_url =
      "http://127.0.0.1:" + std::to_string(dead) + "/api/v1/";
  auto down = NewWorker();

  metrics::RefreshMetrics& m = metrics::RefreshMetrics::Get();
  const double refused = m.DiscoveryRequestsTotal("search", "connection");
  const double good = m.DiscoveryRequestsTotal("search", "2xx");
  const double retries = m.JobsTotal("retry");
  Advance(13 * kHour);
  std::vector<storage::RefreshJobRow> cycle;
  std::vector<json> lines;
  const auto started = std::chrono::steady_clock::now();
  {
    const LogCapture capture;
    auto scheduled = down->ScheduleOnce();
    ASSERT_TRUE(scheduled.ok()) << scheduled.status();
    EXPECT_EQ(scheduled->jobs_created, static_cast<int64_t>(catalogs.size()));
    cycle = Drain(*down);
    lines = capture.Lines();
  }
  captured_ = lines;
  discovery_.discovery_url = discovery_url;
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::seconds(10));
  ASSERT_EQ(cycle.size(), catalogs.size());
  for (const auto& job : cycle) {
    EXPECT_EQ(job.state, JobState::kQueued);
    EXPECT_EQ(job.attempts, 1);
    EXPECT_EQ(job.last_error.rfind("UNAVAILABLE: search/all page 1: failed "
                                   "after 3 attempts; last: curl error 7",
                                   0),
              0u)
        << job.last_error;
  }
  // Nothing at all changed, and every catalog serves its last good data.
  EXPECT_EQ(FirstDifference(everything, Snapshot()), "");
  for (size_t i = 0; i < catalogs.size(); ++i) {
    EXPECT_EQ(FirstDifference(served[i], Served(catalogs[i], keys[i])), "");
    EXPECT_EQ(FirstDifference(rows[i], QuerySnapshot(catalogs[i])), "");
    const std::vector<json> crawl =
        CrawlLines(lines, catalogs[i].catalog_query_uuid());
    const std::vector<json> retried =
        WithMsg(crawl, "request failed; retrying");
    ASSERT_EQ(retried.size(), 2u);
    for (const json& line : retried) {
      EXPECT_EQ(line.value("transport_code", ""), "UNAVAILABLE");
      EXPECT_THAT(line.value("error", ""), HasSubstr("curl error 7"));
    }
    const std::vector<json> end =
        WithMsg(crawl, "crawl end: failed, stored data unchanged");
    ASSERT_EQ(end.size(), 1u);
    EXPECT_EQ(end[0].value("code", ""), "UNAVAILABLE");
  }
  EXPECT_EQ(m.DiscoveryRequestsTotal("search", "connection") - refused,
            static_cast<double>(catalogs.size() * 3));
  EXPECT_EQ(m.DiscoveryRequestsTotal("search", "2xx") - good, 0);
  EXPECT_EQ(m.JobsTotal("retry") - retries,
            static_cast<double>(catalogs.size()));

  // Discovery is back: the retries recover every catalog.
  Advance(2 * kHour);
  const auto recovered = Drain();
  ASSERT_EQ(recovered.size(), catalogs.size());
  for (const auto& job : recovered) {
    for (size_t i = 0; i < catalogs.size(); ++i) {
      if (catalogs[i].catalog_query_uuid() != job.catalog_query_uuid) continue;
      EXPECT_EQ(job.attempts, 2);
      ExpectUpToDate(catalogs[i], job, rows[i], gone[i]);
    }
  }
}

}  // namespace
}  // namespace ec::e2e_refresh
