// ec_bench: latency and throughput of the catalog service's read paths on a
// realistic data set, at the store layer (storage::pg::PgCatalogStore, no gRPC)
// and through the in-process gRPC server on loopback with the generated stub.
//
// Needs a PostgreSQL cluster: the admin DSN comes from env EC_TEST_PG_DSN (or
// the file named by EC_TEST_PG_DSN_FILE), exactly as for the pg/e2e tests; a
// throwaway database is created and dropped. scripts/bench.sh does all of it:
//
//   EC_TEST_PG_DSN=postgresql://... build/tests/ec_bench --repeat 3
//
// The markdown table goes to stdout; progress and per-run tables to stderr.
// Run with --help for the flags.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/log.h"
#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "domain/content.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "server/catalog_server.h"
#include "storage/types.h"
#include "tests/bench/catalog_bench_setup.h"
#include "tests/support/test_env.h"

namespace ec::bench {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using Clock = std::chrono::steady_clock;

// --- Flags -------------------------------------------------------------------

void Usage() {
  std::cerr <<
      R"(usage: ec_bench [flags]   (env EC_TEST_PG_DSN: admin DSN of a PostgreSQL cluster)
  --repeat K              run the whole set K times, print medians (default 1)
  --n N                   sequential calls per operation, all operations
                          (default: per-operation counts, ~5-10 s per set)
  --scale F               multiply the default per-operation counts by F
  --concurrent-seconds S  length of the concurrent run (default 3)
  --threads T             client threads of the concurrent run (default 4)
  --pool-size P           PostgreSQL connections of the store (default 2)
  --rpc-threads W         server RPC threads (default 2)
  --courses C             course documents (default 2000)
  --runs R                standalone course-run documents (default 3000)
  --catalogs K            extra catalogs of one enterprise (default 20)
  --seed S                key-sampling seed (default 42)
  --only TEXT             run only the operations whose name contains TEXT
                          (to profile one of them; the table lists only those;
                          "concurrent" selects the concurrent run)
  --no-setup-analyze      skip the VACUUM ANALYZE after loading: measure a
                          freshly filled service, with the statistics the
                          writes themselves left
  --no-grpc-metrics       serve without the grpc_server_* interceptor (to
                          measure what it costs)
  --call-log-level L      level of the per-call log line: info (the
                          service default: one line per call) or debug
                          (not written)
)";
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      Usage();
      std::exit(0);
    }
    if (arg == "--no-grpc-metrics") {
      f.grpc_metrics = false;
      continue;
    }
    if (arg == "--no-setup-analyze") {
      f.setup_analyze = false;
      continue;
    }
    std::string value;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Usage();
      Die("flag " + arg + " needs a value");
    }
    auto as_int = [&](int min) {
      char* end = nullptr;
      const long v = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || v < min || v > 1000000000) {
        Die("bad value '" + value + "' for " + arg);
      }
      return static_cast<int>(v);
    };
    auto as_double = [&]() {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || !(v > 0)) {
        Die("bad value '" + value + "' for " + arg);
      }
      return v;
    };
    if (arg == "--repeat") {
      f.repeat = as_int(1);
    } else if (arg == "--n") {
      f.n = as_int(1);
    } else if (arg == "--scale") {
      f.scale = as_double();
    } else if (arg == "--concurrent-seconds") {
      f.concurrent_seconds = as_double();
    } else if (arg == "--threads") {
      f.threads = as_int(1);
    } else if (arg == "--pool-size") {
      f.pool_size = as_int(1);
    } else if (arg == "--rpc-threads") {
      f.rpc_threads = as_int(1);
    } else if (arg == "--call-log-level") {
      if (value != "info" && value != "debug")
        Die("--call-log-level: info or debug");
      f.call_log_level = value;
    } else if (arg == "--courses") {
      f.courses = as_int(10);
    } else if (arg == "--runs") {
      f.runs = as_int(0);
    } else if (arg == "--catalogs") {
      f.subset_catalogs = as_int(1);
    } else if (arg == "--only") {
      f.only = value;
    } else if (arg == "--seed") {
      f.seed = static_cast<uint64_t>(as_int(0));
    } else {
      Usage();
      Die("unknown flag " + arg);
    }
  }
  return f;
}

// --- Key sets ----------------------------------------------------------------

// Request key lists: ~40% course keys, ~40% run keys (standalone or nested
// only), ~20% keys that exist nowhere.
class KeySampler {
 public:
  KeySampler(const DataSet& ds, uint64_t seed) : ds_(ds), rng_(seed) {}

  std::vector<std::string> Mixed(size_t n) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t roll = rng_() % 10;
      if (roll < 4) {
        keys.push_back(ds_.course_keys[rng_() % ds_.course_keys.size()]);
      } else if (roll < 8) {
        keys.push_back(ds_.run_keys[rng_() % ds_.run_keys.size()]);
      } else {
        keys.push_back(Fmt("course-v1:Nowhere+X%06d+2025_T1",
                           static_cast<int>(rng_() % 1000000)));
      }
    }
    return keys;
  }
  // Existing keys only: half courses, half runs.
  std::vector<std::string> Existing(size_t n) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < n; ++i) {
      keys.push_back(i % 2 == 0
                         ? ds_.course_keys[rng_() % ds_.course_keys.size()]
                         : ds_.run_keys[rng_() % ds_.run_keys.size()]);
    }
    return keys;
  }

 private:
  const DataSet& ds_;
  std::mt19937_64 rng_;
};

using KeySets = std::vector<std::vector<std::string>>;

KeySets Sets(size_t count, const std::function<std::vector<std::string>()>& f) {
  KeySets out;
  for (size_t i = 0; i < count; ++i) out.push_back(f());
  return out;
}

// --- Measurement -------------------------------------------------------------

struct Result {
  std::string layer;
  std::string op;
  int64_t calls = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0;
  double calls_per_s = 0;
  double cpu_us_per_call = 0;  // this process: client + gRPC + server + pqxx
  double kb_per_call = 0;      // payload returned per call
};

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) +
           static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank =
      static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void Summarize(std::vector<double>& lat_us, Result* r) {
  std::sort(lat_us.begin(), lat_us.end());
  r->p50_us = Percentile(lat_us, 0.50);
  r->p90_us = Percentile(lat_us, 0.90);
  r->p99_us = Percentile(lat_us, 0.99);
}

// Set once from --only before any measurement.
std::string g_only;

// `call(i)` performs call number i and returns the payload bytes it got. An
// operation --only filters out is not run and comes back with calls == 0.
Result Measure(const std::string& layer, const std::string& op, int n,
               const std::function<size_t(int)>& call) {
  if (!g_only.empty() && op.find(g_only) == std::string::npos) {
    return Result{.layer = layer, .op = op};
  }
  const int warmup = std::max(10, n / 10);
  for (int i = 0; i < warmup; ++i) call(i);
  std::vector<double> lat_us;
  lat_us.reserve(static_cast<size_t>(n));
  size_t bytes = 0;
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const auto s = Clock::now();
    bytes += call(warmup + i);
    lat_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - s).count());
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = ProcessCpuSeconds() - cpu0;
  Result r;
  r.layer = layer;
  r.op = op;
  r.calls = n;
  r.calls_per_s = n / secs;
  r.cpu_us_per_call = cpu * 1e6 / n;
  r.kb_per_call = static_cast<double>(bytes) / n / 1024.0;
  Summarize(lat_us, &r);
  std::cerr << "ec_bench:   " << layer << " " << op << ": p50 " << r.p50_us
            << " us, " << r.calls_per_s << " calls/s\n";
  return r;
}

int Count(const Flags& flags, int default_n) {
  if (flags.n > 0) return flags.n;
  return std::max(10, static_cast<int>(default_n * flags.scale));
}

std::shared_ptr<grpc::Channel> MakeChannel(int port, bool own_connection) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // a page of 1000 documents is ~3 MB+
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(60));
  return ctx;
}

void CheckRpc(const grpc::Status& s, const char* what) {
  if (!s.ok()) {
    Die(std::string(what) + " failed: " + std::to_string(s.error_code()) + " " +
        s.error_message());
  }
}

struct Fixture {
  const Flags* flags;
  storage::CatalogStore* store;
  Catalogs cats;
  int port;
  KeySets keys10, keys1000, keys50;
  // Page starts: after_key for the store, page_token for gRPC.
  std::vector<std::string> after_keys_100;
  std::vector<std::string> tokens_100, tokens_1000;
};

std::vector<Result> RunSet(const Fixture& fx) {
  const Flags& flags = *fx.flags;
  storage::CatalogStore* store = fx.store;
  std::vector<Result> out;
  auto pick = [](const KeySets& sets,
                 int i) -> const std::vector<std::string>& {
    return sets[static_cast<size_t>(i) % sets.size()];
  };

  // (a) Store layer.
  out.push_back(Measure(
      "store", "ContainedKeys, 10 keys", Count(flags, 1200), [&](int i) {
        auto r = store->ContainedKeys(fx.cats.main_uuid, pick(fx.keys10, i));
        if (!r.ok()) Die(r.status().ToString());
        return size_t{0};
      }));
  out.push_back(Measure(
      "store", "CatalogsContainingAny, 10 keys", Count(flags, 800), [&](int i) {
        auto r =
            store->CatalogsContainingAny(kSubsetEnterprise, pick(fx.keys10, i));
        if (!r.ok()) Die(r.status().ToString());
        return size_t{0};
      }));
  out.push_back(Measure(
      "store", "GetCatalogMetadata, page 100", Count(flags, 300), [&](int i) {
        storage::MetadataQuery q;
        q.catalog_uuid = fx.cats.main_uuid;
        q.after_key = fx.after_keys_100[static_cast<size_t>(i) %
                                        fx.after_keys_100.size()];
        q.limit = 100;
        auto r = store->GetCatalogMetadata(q);
        if (!r.ok()) Die(r.status().ToString());
        size_t bytes = 0;
        for (const auto& item : r->items) bytes += item.json_metadata.size();
        return bytes;
      }));
  out.push_back(Measure("store", "GetContentMetadata, 50 keys",
                        Count(flags, 500), [&](int i) {
                          storage::ContentLookup lookup;
                          lookup.keys = pick(fx.keys50, i);
                          auto r = store->GetContentMetadata(lookup);
                          if (!r.ok()) Die(r.status().ToString());
                          size_t bytes = 0;
                          for (const auto& m : *r)
                            bytes += m.row.json_metadata.size();
                          return bytes;
                        }));

  // (b) Through gRPC, sequential, one channel.
  auto channel = MakeChannel(fx.port, false);
  auto stub = v1::EnterpriseCatalogService::NewStub(channel);
  auto contains = [&](const KeySets* sets) {
    return [&, sets](int i) {
      v1::ContainsContentItemsRequest req;
      req.set_catalog_uuid(fx.cats.main_uuid);
      for (const auto& k : pick(*sets, i)) req.add_content_keys(k);
      v1::ContainsContentItemsResponse resp;
      CheckRpc(stub->ContainsContentItems(Ctx().get(), req, &resp),
               "ContainsContentItems");
      return resp.ByteSizeLong();
    };
  };
  // The service's floor without PostgreSQL: the same request with a bad
  // catalog uuid takes the same path (gRPC thread -> worker pool -> back)
  // but fails validation before reaching the store.
  out.push_back(
      Measure("gRPC", "ContainsContentItems, 10 keys, rejected (no DB)",
              Count(flags, 1000), [&](int i) {
                v1::ContainsContentItemsRequest req;
                req.set_catalog_uuid("not-a-uuid");
                for (const auto& k : pick(fx.keys10, i))
                  req.add_content_keys(k);
                v1::ContainsContentItemsResponse resp;
                const grpc::Status s =
                    stub->ContainsContentItems(Ctx().get(), req, &resp);
                if (s.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
                  CheckRpc(s, "rejected ContainsContentItems");
                  Die("rejected ContainsContentItems succeeded");
                }
                return s.error_message().size();
              }));
  out.push_back(Measure("gRPC", "ContainsContentItems, 10 keys",
                        Count(flags, 1000), contains(&fx.keys10)));
  out.push_back(Measure("gRPC", "ContainsContentItems, 1000 keys",
                        Count(flags, 80), contains(&fx.keys1000)));
  out.push_back(Measure("gRPC", "CustomerContainsContentItems, 10 keys",
                        Count(flags, 500), [&](int i) {
                          v1::CustomerContainsContentItemsRequest req;
                          req.set_enterprise_uuid(kSubsetEnterprise);
                          for (const auto& k : pick(fx.keys10, i))
                            req.add_content_keys(k);
                          v1::CustomerContainsContentItemsResponse resp;
                          CheckRpc(stub->CustomerContainsContentItems(
                                       Ctx().get(), req, &resp),
                                   "CustomerContainsContentItems");
                          return resp.ByteSizeLong();
                        }));
  auto page = [&](int size, const std::vector<std::string>* tokens) {
    return [&, size, tokens](int i) {
      v1::GetCatalogMetadataRequest req;
      req.set_catalog_uuid(fx.cats.main_uuid);
      req.set_page_size(size);
      req.set_page_token((*tokens)[static_cast<size_t>(i) % tokens->size()]);
      v1::GetCatalogMetadataResponse resp;
      CheckRpc(stub->GetCatalogMetadata(Ctx().get(), req, &resp),
               "GetCatalogMetadata");
      return resp.ByteSizeLong();
    };
  };
  out.push_back(Measure("gRPC", "GetCatalogMetadata, page 100",
                        Count(flags, 200), page(100, &fx.tokens_100)));
  out.push_back(Measure("gRPC", "GetCatalogMetadata, page 1000",
                        Count(flags, 20), page(1000, &fx.tokens_1000)));
  out.push_back(Measure(
      "gRPC", "GetContentMetadata, 50 keys", Count(flags, 300), [&](int i) {
        v1::GetContentMetadataRequest req;
        for (const auto& k : pick(fx.keys50, i)) req.add_content_keys(k);
        v1::GetContentMetadataResponse resp;
        CheckRpc(stub->GetContentMetadata(Ctx().get(), req, &resp),
                 "GetContentMetadata");
        return resp.ByteSizeLong();
      }));
  // One item for a customer with 20 catalogs, by key: the new single call,
  // and the two calls it replaces (which catalogs contain it, then that
  // catalog's page filtered to the key).
  auto one_key = [&](int i) {
    return pick(fx.keys50, i)[static_cast<size_t>(i / 7) % 50];
  };
  out.push_back(Measure("gRPC", "GetCustomerContentMetadata, 1 key",
                        Count(flags, 500), [&](int i) {
                          v1::GetCustomerContentMetadataRequest req;
                          req.set_enterprise_uuid(kSubsetEnterprise);
                          req.set_content_identifier(one_key(i));
                          v1::GetCustomerContentMetadataResponse resp;
                          const grpc::Status st =
                              stub->GetCustomerContentMetadata(Ctx().get(), req,
                                                               &resp);
                          if (st.error_code() != grpc::StatusCode::NOT_FOUND) {
                            CheckRpc(st, "GetCustomerContentMetadata");
                          }
                          return resp.ByteSizeLong();
                        }));
  out.push_back(Measure("gRPC", "CustomerContains + GetCatalogMetadata, 1 key",
                        Count(flags, 500), [&](int i) {
                          v1::CustomerContainsContentItemsRequest which;
                          which.set_enterprise_uuid(kSubsetEnterprise);
                          which.add_content_keys(one_key(i));
                          v1::CustomerContainsContentItemsResponse catalogs;
                          CheckRpc(stub->CustomerContainsContentItems(
                                       Ctx().get(), which, &catalogs),
                                   "CustomerContainsContentItems");
                          if (catalogs.catalog_uuids().empty())
                            return catalogs.ByteSizeLong();
                          v1::GetCatalogMetadataRequest req;
                          req.set_catalog_uuid(catalogs.catalog_uuids(0));
                          req.add_content_keys(one_key(i));
                          v1::GetCatalogMetadataResponse resp;
                          CheckRpc(
                              stub->GetCatalogMetadata(Ctx().get(), req, &resp),
                              "GetCatalogMetadata");
                          return catalogs.ByteSizeLong() + resp.ByteSizeLong();
                        }));

  // (c) Concurrent: T client threads, each with its own channel (and TCP
  // connection), closed loop, ContainsContentItems with 10 keys.
  if (g_only.empty() || g_only == "concurrent") {
    const auto warmup = std::chrono::milliseconds(500);
    const auto measure = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(flags.concurrent_seconds));
    std::vector<std::vector<double>> lat(static_cast<size_t>(flags.threads));
    std::vector<size_t> bytes(static_cast<size_t>(flags.threads));
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    const auto start = Clock::now() + std::chrono::milliseconds(100);
    const auto measure_from = start + warmup;
    const auto stop = measure_from + measure;
    for (int t = 0; t < flags.threads; ++t) {
      threads.emplace_back([&, t] {
        auto ch = MakeChannel(fx.port, true);
        auto st = v1::EnterpriseCatalogService::NewStub(ch);
        auto& mine = lat[static_cast<size_t>(t)];
        std::this_thread::sleep_until(start);
        for (int i = t * 7919;; ++i) {
          v1::ContainsContentItemsRequest req;
          req.set_catalog_uuid(fx.cats.main_uuid);
          for (const auto& k : pick(fx.keys10, i)) req.add_content_keys(k);
          v1::ContainsContentItemsResponse resp;
          const auto s = Clock::now();
          if (s >= stop) break;
          const grpc::Status status =
              st->ContainsContentItems(Ctx().get(), req, &resp);
          if (!status.ok()) {
            failed = true;
            std::cerr << "ec_bench: concurrent call failed: "
                      << status.error_message() << "\n";
            break;
          }
          if (s >= measure_from) {
            bytes[static_cast<size_t>(t)] += resp.ByteSizeLong();
            mine.push_back(
                std::chrono::duration<double, std::micro>(Clock::now() - s)
                    .count());
          }
        }
      });
    }
    std::this_thread::sleep_until(measure_from);
    const double cpu0 = ProcessCpuSeconds();
    for (auto& th : threads) th.join();
    const double cpu = ProcessCpuSeconds() - cpu0;
    if (failed) Die("concurrent run failed");
    // Calls started before `stop` may finish after it; count the calls that
    // started in the window over the window's length.
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    Result r;
    r.layer = "gRPC x" + std::to_string(flags.threads);
    r.op = "ContainsContentItems, 10 keys, " + std::to_string(flags.threads) +
           " client threads";
    r.calls = static_cast<int64_t>(all.size());
    const double secs = std::chrono::duration<double>(measure).count();
    r.calls_per_s = static_cast<double>(all.size()) / secs;
    r.cpu_us_per_call = all.empty() ? 0 : cpu * 1e6 / all.size();
    size_t total_bytes = 0;
    for (size_t b : bytes) total_bytes += b;
    r.kb_per_call = all.empty() ? 0 : total_bytes / 1024.0 / all.size();
    Summarize(all, &r);
    std::cerr << "ec_bench:   concurrent: p50 " << r.p50_us << " us, "
              << r.calls_per_s << " calls/s\n";
    out.push_back(r);
  }
  return out;
}

// --- Output ------------------------------------------------------------------

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Num(double v) {
  if (v >= 100) return Fmt("%.0f", v);
  if (v >= 10) return Fmt("%.1f", v);
  return Fmt("%.2f", v);
}

std::string Rate(double v) {
  if (v >= 1000) return Fmt("%.2fk", v / 1000);
  return Num(v);
}

void PrintTable(std::ostream& os,
                const std::vector<std::vector<Result>>& runs) {
  const size_t k = runs.size();
  os << "| Layer | Operation | Calls/run | p50 µs | p90 µs | p99 µs | calls/s"
     << (k > 1 ? " | calls/s min–max" : "")
     << " | CPU µs/call (our process) | KB/call |\n";
  os << "|---|---|--:|--:|--:|--:|--:|" << (k > 1 ? "--:|" : "")
     << "--:|--:|\n";
  for (size_t i = 0; i < runs[0].size(); ++i) {
    if (runs[0][i].calls == 0) continue;  // filtered out by --only
    std::vector<double> p50, p90, p99, rate, cpu, kb;
    for (const auto& run : runs) {
      p50.push_back(run[i].p50_us);
      p90.push_back(run[i].p90_us);
      p99.push_back(run[i].p99_us);
      rate.push_back(run[i].calls_per_s);
      cpu.push_back(run[i].cpu_us_per_call);
      kb.push_back(run[i].kb_per_call);
    }
    const Result& r = runs[0][i];
    os << "| " << r.layer << " | " << r.op << " | " << r.calls << " | "
       << Num(Median(p50)) << " | " << Num(Median(p90)) << " | "
       << Num(Median(p99)) << " | " << Rate(Median(rate));
    if (k > 1) {
      os << " | " << Rate(*std::min_element(rate.begin(), rate.end())) << "–"
         << Rate(*std::max_element(rate.begin(), rate.end()));
    }
    os << " | " << Num(Median(cpu)) << " | "
       << (Median(kb) > 0 ? Num(Median(kb)) : "–") << " |\n";
  }
}

int Main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  g_only = flags.only;
  // The service's JSON log lines go to stderr, at the service's default
  // level, so that stdout carries only the table.
  if (auto s = common::InitJsonLogging("info"); !s.ok()) Die(s.ToString());
  std::cerr << "ec_bench: generating data set\n";
  const DataSet ds = MakeDataSet(flags);
  auto env = Check(testing::StoreEnv::Create(flags.pool_size), "database");
  const auto load0 = Clock::now();
  Fixture fx;
  fx.flags = &flags;
  fx.store = env->store();
  fx.cats = Load(env.get(), ds, flags);
  const double load_s =
      std::chrono::duration<double>(Clock::now() - load0).count();

  KeySampler sampler(ds, flags.seed);
  fx.keys10 = Sets(256, [&] { return sampler.Mixed(10); });
  fx.keys1000 = Sets(16, [&] { return sampler.Mixed(1000); });
  fx.keys50 = Sets(256, [&] { return sampler.Existing(50); });

  server::ServerOptions options;
  options.address = "127.0.0.1:0";
  options.rpc_threads = flags.rpc_threads;
  options.shutdown_grace = std::chrono::seconds(2);
  // Measures the read paths; token verification is not what is measured.
  options.auth.disabled = true;
  options.call_log_level = spdlog::level::from_str(flags.call_log_level);
  options.grpc_metrics = flags.grpc_metrics;
  // The customers as the platform writes them: the per-catalog fields of
  // every item are computed (learner portal on for one, off for the other).
  for (auto [uuid, portal] : {std::pair{kMainEnterprise, false},
                              std::pair{kSubsetEnterprise, true}}) {
    storage::EnterpriseCustomerRow customer;
    customer.uuid = uuid;
    customer.slug = "bench-customer";
    customer.name = "Bench Customer";
    customer.enable_learner_portal = portal;
    Check(env->customers()->UpsertEnterpriseCustomer(customer), "customer");
  }
  auto server = Check(server::CatalogServer::Start(options, env->store(),
                                                   nullptr, env->customers()),
                      "server");
  fx.port = server->port();

  // Page starts, found by walking the main catalog once.
  {
    std::string after;
    do {
      fx.after_keys_100.push_back(after);
      storage::MetadataQuery q;
      q.catalog_uuid = fx.cats.main_uuid;
      q.after_key = after;
      q.limit = 100;
      auto page = Check(env->store()->GetCatalogMetadata(q), "walk pages");
      if (!page.has_more || page.items.empty()) break;
      after = page.items.back().content_key;
    } while (true);
    auto stub =
        v1::EnterpriseCatalogService::NewStub(MakeChannel(fx.port, false));
    for (auto [size, tokens] :
         {std::pair{100, &fx.tokens_100}, std::pair{1000, &fx.tokens_1000}}) {
      std::string token;
      do {
        tokens->push_back(token);
        v1::GetCatalogMetadataRequest req;
        req.set_catalog_uuid(fx.cats.main_uuid);
        req.set_page_size(size);
        req.set_page_token(token);
        v1::GetCatalogMetadataResponse resp;
        CheckRpc(stub->GetCatalogMetadata(Ctx().get(), req, &resp),
                 "walk pages");
        token = resp.next_page_token();
      } while (!token.empty());
    }
  }

  const int64_t content_rows =
      Check(env->QueryInt("SELECT count(*) FROM content_metadata"), "count");
  const int64_t members = Check(
      env->QueryInt("SELECT count(*) FROM catalog_query_content"), "count");
  const std::string db_size =
      Check(env->QueryText(
                "SELECT pg_size_pretty(pg_database_size(current_database()))"),
            "size");
  const std::string pg_version =
      Check(env->QueryText("SHOW server_version"), "version");
  const std::string fsync = Check(env->QueryText("SHOW fsync"), "fsync");

  std::vector<std::vector<Result>> runs;
  for (int k = 0; k < flags.repeat; ++k) {
    std::cerr << "ec_bench: run " << (k + 1) << " of " << flags.repeat << "\n";
    runs.push_back(RunSet(fx));
    if (flags.repeat > 1) {
      std::cerr << "\nRun " << (k + 1) << ":\n\n";
      PrintTable(std::cerr, {runs.back()});
      std::cerr << "\n";
    }
  }
  server->Shutdown();

  const int ncores = static_cast<int>(std::thread::hardware_concurrency());
  std::cout << "### ec_bench: " << (flags.repeat > 1 ? "median of " : "")
            << flags.repeat << " run" << (flags.repeat > 1 ? "s" : "")
            << "\n\n";
  std::cout << "- Data: " << flags.courses << " course documents (avg "
            << ds.course_doc_bytes / ds.course_docs.size()
            << " B, 1-3 nested runs; " << ds.run_keys.size()
            << " runs in all) + " << ds.standalone_runs
            << " standalone run documents (avg "
            << (ds.standalone_runs ? ds.run_doc_bytes / ds.standalone_runs : 0)
            << " B); " << content_rows << " content rows, main catalog "
            << fx.after_keys_100.size() << " pages of 100; "
            << flags.subset_catalogs
            << " more catalogs of one enterprise, each 20% of the courses; "
            << members << " membership rows; database " << db_size
            << "; loaded in " << Fmt("%.1f", load_s) << " s.\n";
  std::cout << "- PostgreSQL " << pg_version << " (fsync " << fsync
            << "), pool " << flags.pool_size << " connections; server "
            << flags.rpc_threads << " RPC threads; " << ncores
            << " CPUs; key mix of 10/1000-key requests: 40% courses, 40% runs, "
               "20% unknown.\n\n";
  PrintTable(std::cout, runs);
  return 0;
}

}  // namespace
}  // namespace ec::bench

int main(int argc, char** argv) { return ec::bench::Main(argc, argv); }
