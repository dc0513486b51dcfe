#pragma once

// ec_bench's flags and its data set: deterministic course and run documents
// of realistic size, loaded into one big catalog and overlapping subsets.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/content.h"
#include "tests/support/test_env.h"

namespace ec::bench {

inline constexpr char kMainEnterprise[] =
    "aaaaaaaa-0000-4000-8000-000000000001";
inline constexpr char kSubsetEnterprise[] =
    "bbbbbbbb-0000-4000-8000-000000000002";

struct Flags {
  int repeat = 1;
  int pool_size = 2;
  int rpc_threads = 2;
  int courses = 2000;
  int runs = 3000;  // standalone run documents
  int subset_catalogs = 20;
  int threads = 4;  // client threads of the concurrent run
  double concurrent_seconds = 3.0;
  double scale = 1.0;  // multiplies every default call count
  int n = 0;           // if > 0, the call count of every sequential operation
  uint64_t seed = 42;
  // The per-call log line's level; info is the service's default, so the
  // figures include writing one JSON line per call to stderr.
  std::string call_log_level = "info";
  bool grpc_metrics = true;
  // false: no VACUUM ANALYZE after loading, so the figures are those of a
  // freshly filled service (the planner's statistics are whatever the
  // writes themselves left).
  bool setup_analyze = true;
  std::string only;  // if set, only operations whose name contains it
};

// Prints `message` and exits 1: the benchmark has nothing to measure.
[[noreturn]] void Die(const std::string& message);

// printf into a std::string (short texts only).
__attribute__((format(printf, 1, 2))) std::string Fmt(const char* format, ...);

template <typename T>
T Check(absl::StatusOr<T> v, const std::string& what) {
  if (!v.ok()) Die(what + ": " + v.status().ToString());
  return std::move(*v);
}

struct DataSet {
  std::vector<std::string> course_keys;
  std::vector<std::string> run_keys;  // every run, nested or standalone
  // Per course: the course document and its standalone run documents.
  std::vector<std::string> course_docs;
  std::vector<std::vector<std::string>> run_docs;
  size_t course_doc_bytes = 0;
  size_t run_doc_bytes = 0;
  size_t standalone_runs = 0;
};

DataSet MakeDataSet(const Flags& flags);

// The records of `count` courses from the `first` (wrapping), with their
// standalone runs, as a crawl would yield them.
std::vector<domain::ContentRecord> RecordsFor(const DataSet& ds, int first,
                                              int count);

struct Catalogs {
  std::string main_uuid;
  std::vector<std::string> subset_uuids;
};

// The main catalog with every course, and flags.subset_catalogs catalogs of
// overlapping 20% windows; then VACUUM ANALYZE unless
// !flags.setup_analyze.
Catalogs Load(testing::StoreEnv* env, const DataSet& ds, const Flags& flags);

}  // namespace ec::bench
