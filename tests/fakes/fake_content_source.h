#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "discovery/discovery_client.h"

namespace ec::fakes {

// What one scripted crawl returns.
struct ScriptedCrawl {
  absl::Status status;
  std::vector<domain::ContentRecord> records;
  discovery::CrawlStats stats;
  // Pages reported to the observer (the worker's lease keep-alive); the
  // crawl stops with the observer's status if it is not OK.
  int pages = 1;
  // Called once during the crawl, after the first page is reported and
  // before the rest: a test's chance to act while the worker holds the
  // lease (steal it, stop the worker, ...).
  std::function<void()> during;
};

// A discovery::ContentSource that plays back scripted crawls, shared by
// every source a worker's factory makes. Thread-safe.
class FakeContentSource {
 public:
  // Crawls are answered in order; when the script runs out, `fallback`
  // (by default: OK and no records) answers every further one.
  void Push(ScriptedCrawl crawl);
  void SetFallback(ScriptedCrawl crawl);

  // The filters crawled so far, in order.
  std::vector<std::string> Filters() const;

  // A factory for workers::RefreshWorker (its SourceFactory signature).
  std::function<std::unique_ptr<discovery::ContentSource>(discovery::Sleeper)>
  Factory();

 private:
  class Source;
  ScriptedCrawl Next(const std::string& filter);

  mutable absl::Mutex mu_;
  std::deque<ScriptedCrawl> script_ ABSL_GUARDED_BY(mu_);
  ScriptedCrawl fallback_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> filters_ ABSL_GUARDED_BY(mu_);
};

// Records of courses `keys` (each a full document), as a crawl yields them.
std::vector<domain::ContentRecord> CourseRecords(
    const std::vector<std::string>& keys);

}  // namespace ec::fakes
