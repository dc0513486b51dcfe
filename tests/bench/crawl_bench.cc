// Crawl benchmark: the refresh worker crawling the discovery stand-in at
// production scale (5,000 courses, 12,000 runs, 500 programs, 50 pathways,
// 5-25 KB documents) into a real PostgreSQL. Three crawls per repeat, each
// on a fresh database: cold (everything new), unchanged, and 1 % changed.
// Each crawl that changed courses or programs is followed by the full-metadata
// pass it queues (GET /courses/, /programs/), measured in its own table.
//
//   EC_TEST_PG_DSN=postgresql://... build/tests/ec_crawl_bench --repeat 3
//   (scripts/bench.sh crawl does this against a throwaway durable cluster)
//
// Prints per-run lines on stderr and a markdown table of medians on stdout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/test_env.h"
#include "tools/discovery_stub/stub_server.h"
#include "workers/refresh_worker.h"

namespace ec {
namespace {

struct CrawlFigures {
  double total_s = 0;   // lease to commit
  double fetch_s = 0;   // all pages fetched and parsed
  double apply_s = 0;   // the apply transaction
  int64_t items = 0;    // documents received
  int64_t written = 0;  // content rows inserted or updated
  int64_t unchanged = 0;
  int64_t pages = 0;
};

// One full-metadata pass: what it asked discovery and what it wrote.
struct FullFigures {
  double total_s = 0;
  int64_t requests = 0;   // HTTP requests to /courses/ and /programs/
  int64_t documents = 0;  // full documents received
  int64_t written = 0;    // rows whose stored document changed
  int64_t unchanged = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Run(int repeat) {
  (void)common::InitJsonLogging("warn");
  // [crawl kind][repeat]
  std::vector<std::vector<CrawlFigures>> runs(3);
  std::vector<std::vector<FullFigures>> full_runs(3);
  for (int r = 0; r < repeat; ++r) {
    auto env = testing::StoreEnv::Create(3);
    if (!env.ok()) {
      std::fprintf(stderr, "database: %s\n", env.status().ToString().c_str());
      return 1;
    }
    stub::DiscoveryStub::Options options;
    options.dataset.seed = 100 + r;
    options.dataset.courses = 5000;
    options.dataset.runs = 12000;
    options.dataset.programs = 500;
    options.dataset.pathways = 50;
    options.dataset.persons = 0;
    auto discovery = stub::DiscoveryStub::Start(options);
    if (!discovery.ok()) {
      std::fprintf(stderr, "stub: %s\n", discovery.status().ToString().c_str());
      return 1;
    }
    storage::NewCatalog catalog;
    catalog.uuid = common::NewUuidV4();
    catalog.title = "Everything";
    catalog.enterprise_uuid = "11111111-1111-4111-8111-111111111111";
    google::protobuf::Struct filter;
    (void)google::protobuf::util::JsonStringToMessage(
        R"({"content_type": ["course", "courserun", "program",
            "learnerpathway"], "include_learner_pathways": "true"})",
        &filter);
    catalog.filter = *domain::CanonicalizeFilter(filter);
    catalog.enabled_course_modes = {"verified"};
    if (!(*env)->store()->CreateCatalog(catalog).ok()) return 1;
    storage::pg::PgRefreshQueue* queue = (*env)->queue();

    discovery::DiscoveryConfig dc;
    dc.discovery_url = (*discovery)->discovery_url();
    dc.oauth_url = (*discovery)->base_url();
    dc.client_id = options.client_id;
    dc.client_secret = options.client_secret;
    workers::WorkerConfig wc;
    wc.owner = "bench";
    wc.policy.guardrail.max_removal_share = 1.0;
    workers::RefreshWorker worker(
        queue, (*env)->full_metadata(),
        [dc](discovery::Sleeper s) {
          return discovery::NewDiscoveryClient(dc, std::move(s));
        },
        wc);
    for (int kind = 0; kind < 3; ++kind) {
      if (kind == 2) (*discovery)->MutateFraction(0.01, 7 + r);
      auto queued =
          queue->EnqueueForCatalog(catalog.uuid, storage::JobReason::kRequested,
                                   std::nullopt, 1, common::SystemNowMicros());
      if (!queued.ok()) return 1;
      const auto start = std::chrono::steady_clock::now();
      auto job = worker.RunOnce();
      const double total = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - start)
                               .count();
      if (!job.ok() || !job->has_value() ||
          (*job)->state != storage::JobState::kSucceeded) {
        std::fprintf(stderr, "crawl failed: %s\n",
                     job.ok() && job->has_value()
                         ? (*job)->last_error.c_str()
                         : job.status().ToString().c_str());
        return 1;
      }
      const storage::RefreshCounts& c = (*job)->counts;
      CrawlFigures f;
      f.total_s = total;
      f.fetch_s = static_cast<double>(c.duration_ms) / 1000.0;
      f.apply_s = total - f.fetch_s;
      f.items = c.items_seen;
      f.written = c.content_inserted + c.content_updated;
      f.unchanged = c.content_unchanged;
      f.pages = c.pages;
      std::fprintf(stderr,
                   "repeat %d crawl %d: %.2f s (fetch %.2f, apply %.2f), "
                   "%lld items, %lld pages, %lld rows written, %lld "
                   "unchanged\n",
                   r, kind, f.total_s, f.fetch_s, f.apply_s,
                   static_cast<long long>(f.items),
                   static_cast<long long>(f.pages),
                   static_cast<long long>(f.written),
                   static_cast<long long>(f.unchanged));
      runs[kind].push_back(f);
      // The full pass the crawl queued, if it changed courses or programs.
      const auto full_start = std::chrono::steady_clock::now();
      auto full = worker.RunOnce();
      if (!full.ok()) return 1;
      FullFigures ff;
      if (full->has_value()) {
        if ((*full)->kind != storage::JobKind::kFull ||
            (*full)->state != storage::JobState::kSucceeded) {
          std::fprintf(stderr, "full pass failed: %s\n",
                       (*full)->last_error.c_str());
          return 1;
        }
        const storage::RefreshCounts& fc = (*full)->counts;
        ff.total_s = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - full_start)
                         .count();
        ff.requests = fc.discovery_requests;
        ff.documents = fc.items_seen;
        ff.written = fc.content_updated + fc.content_inserted;
        ff.unchanged = fc.content_unchanged;
      }
      std::fprintf(stderr,
                   "repeat %d full pass after crawl %d: %.2f s, %lld "
                   "requests, %lld documents, %lld rows written\n",
                   r, kind, ff.total_s, static_cast<long long>(ff.requests),
                   static_cast<long long>(ff.documents),
                   static_cast<long long>(ff.written));
      full_runs[kind].push_back(ff);
    }
  }
  const char* names[] = {"cold (all rows new)", "re-crawl, nothing changed",
                         "re-crawl, 1 % of documents changed"};
  std::printf(
      "| crawl | items | pages | total s | fetch s | apply s | items/s | "
      "rows written | rows unchanged "
      "|\n|---|---|---|---|---|---|---|---|---|\n");
  for (int kind = 0; kind < 3; ++kind) {
    std::vector<double> total, fetch, apply, rate, written, unchanged;
    for (const CrawlFigures& f : runs[kind]) {
      total.push_back(f.total_s);
      fetch.push_back(f.fetch_s);
      apply.push_back(f.apply_s);
      rate.push_back(static_cast<double>(f.items) / f.total_s);
      written.push_back(static_cast<double>(f.written));
      unchanged.push_back(static_cast<double>(f.unchanged));
    }
    std::printf(
        "| %s | %lld | %lld | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f |\n",
        names[kind], static_cast<long long>(runs[kind][0].items),
        static_cast<long long>(runs[kind][0].pages), Median(total),
        Median(fetch), Median(apply), Median(rate), Median(written),
        Median(unchanged));
  }
  std::printf(
      "\n| full-metadata pass after | discovery requests | documents | "
      "rows written | rows unchanged | total s "
      "|\n|---|---|---|---|---|---|\n");
  for (int kind = 0; kind < 3; ++kind) {
    std::vector<double> total, requests, documents, written, unchanged;
    for (const FullFigures& f : full_runs[kind]) {
      total.push_back(f.total_s);
      requests.push_back(static_cast<double>(f.requests));
      documents.push_back(static_cast<double>(f.documents));
      written.push_back(static_cast<double>(f.written));
      unchanged.push_back(static_cast<double>(f.unchanged));
    }
    std::printf("| %s | %.0f | %.0f | %.0f | %.0f | %.2f |\n", names[kind],
                Median(requests), Median(documents), Median(written),
                Median(unchanged), Median(total));
  }
  return 0;
}

}  // namespace
}  // namespace ec

int main(int argc, char** argv) {
  int repeat = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--repeat") repeat = std::atoi(argv[i + 1]);
  }
  return ec::Run(std::max(repeat, 1));
}
