#pragma once

// A course-discovery stand-in: search/all, /api/v1/courses/,
// /api/v1/programs/ and the OAuth token endpoint over real HTTP/1.1 on
// loopback, serving a generated catalog, with injectable faults. For tests
// (in-process) and the quickstart (the discovery-stub binary). Behaviour
// follows /work/shared/reference/discovery-api.md; see
// tools/discovery_stub/README.md for what is and is not reproduced. The
// fault rules are in faults.h; stub_server_impl.h lists the files that
// implement the server.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/faults.h"

namespace ec::stub {

struct StubStats {
  int64_t token_requests = 0;
  int64_t search_requests = 0;
  // search/all answers carrying a well-formed JSON page (200), including
  // pages altered by kDuplicateItems/kMissingItems/kCountSwing, excluding
  // kHtml200 and kTruncatedJson.
  int64_t search_ok = 0;
  int64_t crawls = 0;  // search_ok answers for page 1
  // Key: the POST body text exactly as received ("" for GET).
  std::map<std::string, int64_t> crawls_by_body;
  // Search requests only; a dropped connection counts under 0.
  std::map<int, int64_t> responses_by_status;
  int64_t faults_fired = 0;

  // /api/v1/courses/ and /api/v1/programs/: every request (401s and faults
  // included), the identifiers those requests asked for (the comma-separated
  // values of `keys` and `uuids` for courses, of `uuids` for programs), and
  // the answers carrying a well-formed page (as search_ok counts them).
  int64_t courses_requests = 0;
  int64_t course_keys_requested = 0;
  int64_t courses_ok = 0;
  int64_t programs_requests = 0;
  int64_t program_uuids_requested = 0;
  int64_t programs_ok = 0;
};

// Renders stats as the JSON GET /_stub/stats returns.
std::string StatsToJson(const StubStats& stats);

// Every method is thread-safe: requests read an immutable dataset snapshot
// that mutations replace.
class DiscoveryStub {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0 = pick a free port
    std::string client_id = "enterprise-catalog-worker";
    std::string client_secret = "enterprise-catalog-secret";
    int token_lifetime_seconds = 3600;
    int threads = 4;
    DatasetSpec dataset;
    // Real-service limits, off by default (0): ES max_result_window (pages
    // reaching past it answer 500; discovery uses 15000) and the ES 7 count
    // saturation (10000).
    int max_result_window = 0;
    int count_cap = 0;
    // Logs one line per request to stderr.
    bool verbose = false;
  };

  // Generates the dataset, binds and starts serving. UNAVAILABLE if the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<DiscoveryStub>> Start(
      const Options& options);

  ~DiscoveryStub();  // stops
  DiscoveryStub(const DiscoveryStub&) = delete;
  DiscoveryStub& operator=(const DiscoveryStub&) = delete;

  // Closes the listener and every connection and joins the server threads.
  // Idempotent.
  void Stop();

  int port() const;
  // "http://127.0.0.1:PORT" (also the OAuth base URL).
  std::string base_url() const;
  // base_url() + "/api/v1/".
  std::string discovery_url() const;

  // Rules are tried in the order added. kLatency rules add up; of the other
  // kinds the first matching rule that fires decides the answer.
  void AddFault(const FaultRule& rule);
  void ClearFaults();

  StubStats stats() const;
  void ResetStats();

  // Changes `fraction` of the top-level documents (chosen with `seed` among
  // those a default crawl serves), in fields that no filter reads and no
  // other search/all document copies (full_description, subtitle, overview
  // or bio), so membership is unchanged; a course's nested course_runs are
  // untouched. A changed course also gets a later `modified`, and its
  // /api/v1/courses/ document changes with it (full_description, modified);
  // a changed program's /api/v1/programs/ subtitle changes. Returns the
  // changed content keys ("key", or "uuid" for programs, pathways and
  // persons), sorted.
  std::vector<std::string> MutateFraction(double fraction, uint64_t seed);
  // Changes exactly the courses named by `keys` as MutateFraction changes a
  // course: full_description and a later `modified`, in search/all and
  // /api/v1/courses/. Returns the keys that name a course, sorted.
  std::vector<std::string> MutateCourses(const std::vector<std::string>& keys);
  // Removes `fraction` of the top-level documents (chosen as above). A
  // removed course takes its runs along; a removed run also leaves its
  // course's course_runs. Returns every content key that no longer exists,
  // sorted.
  std::vector<std::string> RemoveFraction(double fraction, uint64_t seed);

  // Number of top-level documents an unfiltered crawl as enterprise-catalog
  // sends it (include_learner_pathways=True, no include_restricted) returns:
  // everything but restricted courserun documents.
  size_t document_count() const;
  // The same, for one content type ("course", "courserun", ...).
  size_t document_count(std::string_view content_type) const;

  // The content keys a complete crawl of (URL query, POST body) returns, in
  // ranking order (pages then regroup their slice by type), without faults.
  // INVALID_ARGUMENT for a body that is not a JSON object.
  absl::StatusOr<std::vector<std::string>> MatchingKeys(
      std::string_view raw_query, std::string_view body) const;

  // The current dataset snapshot (immutable; later changes make new ones).
  std::shared_ptr<const Dataset> dataset() const;

 private:
  struct Impl;
  explicit DiscoveryStub(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ec::stub
