#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "discovery/discovery_client.h"
#include "nlohmann/json.hpp"

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

// A discovery::ContentSource that plays back scripted crawls and answers
// full fetches from a store of documents, shared by every source a worker's
// factory makes. Thread-safe.
class FakeContentSource {
 public:
  // Crawls are answered in order; when the script runs out, `fallback`
  // (by default: OK and no records) answers every further one.
  void Push(ScriptedCrawl crawl);
  void SetFallback(ScriptedCrawl crawl);

  // The filters crawled so far, in order.
  std::vector<std::string> Filters() const;

  // Full documents that FetchCourses (by "key") and FetchPrograms (by
  // "uuid") return; a later one with the same id replaces the earlier. A
  // document without a non-empty string id is ignored.
  void SetCourse(const nlohmann::ordered_json& doc);
  void SetProgram(const nlohmann::ordered_json& doc);
  // Every FetchCourses and FetchPrograms fails with `status`, returning no
  // documents, until called again with OkStatus().
  void FailFullFetches(absl::Status status);

  // Every id asked for, in order, duplicates kept, failed calls included.
  std::vector<std::string> RequestedCourseKeys() const;
  std::vector<std::string> RequestedProgramUuids() const;
  // Calls so far, failed ones included.
  int64_t FetchCoursesCalls() const;
  int64_t FetchProgramsCalls() const;

  // A factory for workers::RefreshWorker (its SourceFactory signature).
  std::function<std::unique_ptr<discovery::ContentSource>(discovery::Sleeper)>
  Factory();

 private:
  class Source;
  // Documents of one kind, and what was asked of them.
  struct FullStore {
    std::map<std::string, nlohmann::ordered_json> documents;
    std::vector<std::string> requested;
    int64_t calls = 0;
  };

  ScriptedCrawl Next(const std::string& filter);
  absl::Status FetchFull(FullStore FakeContentSource::*store,
                         const std::vector<std::string>& ids,
                         discovery::FullFetchResult* out);

  mutable absl::Mutex mu_;
  std::deque<ScriptedCrawl> script_ ABSL_GUARDED_BY(mu_);
  ScriptedCrawl fallback_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> filters_ ABSL_GUARDED_BY(mu_);
  FullStore courses_ ABSL_GUARDED_BY(mu_);
  FullStore programs_ ABSL_GUARDED_BY(mu_);
  absl::Status full_fetch_failure_ ABSL_GUARDED_BY(mu_);
};

// Records of courses `keys` (each a full document), as a crawl yields them.
std::vector<domain::ContentRecord> CourseRecords(
    const std::vector<std::string>& keys);

}  // namespace ec::fakes
