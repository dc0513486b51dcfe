// soak_driver: the load generator of scripts/soak.sh (issue 14, "Soak").
//
// It drives a running enterprise-catalog over gRPC with a mix of the read
// RPCs callers make, plus an occasional RefreshCatalog, and checks every
// answer:
//
//   --mode max   closed loop: --threads client threads call back to back for
//                --seconds after --warmup-seconds; prints the calls/s reached
//                (the last stdout line is `max_calls_per_s=<rate>`).
//   --mode soak  open loop: call i is due at start + i / --rate, whatever
//                happened to the calls before it, and its latency is measured
//                from that due time, so time spent queued behind a slow
//                server (or behind a busy driver) counts. At most
//                --concurrency calls are in flight, as from a fleet of that
//                many synchronous callers: a call due while all are busy
//                waits in the driver, and that wait counts too. Every
//                --sample-seconds it prints the interval's figures and the
//                server's VmRSS, threads, fds and CPU (--server-pid).
//
// Before either mode it lists the catalogs, waits until each has content and
// pages through each one (pages of 50 and 100) to learn its members and
// page tokens; the checks compare answers with what it learned. The data
// does not change under the refreshes because the discovery stand-in serves
// the same bytes on every crawl.
//
// The markdown summary goes to stdout, progress to stderr. Exit status: 0
// if every call succeeded and passed its checks, 1 if any did not, 2 on a
// usage or setup failure.
#include <dirent.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"

namespace ec::bench {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using Clock = std::chrono::steady_clock;
using Stub = v1::EnterpriseCatalogService::Stub;

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "soak_driver: error: " << message << "\n";
  std::exit(2);
}

std::string Fixed(double v, int decimals) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(decimals) << v;
  return out.str();
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

Clock::duration FromSeconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(s));
}

// --- Flags -------------------------------------------------------------------

struct Flags {
  std::string mode;
  std::string address = "127.0.0.1:50051";
  std::string token_file;
  double seconds = 25;
  double warmup_seconds = 3;
  int threads = 4;
  double rate = 0;
  int concurrency = 64;
  int channels = 4;
  int server_pid = 0;
  double sample_seconds = 10;
  double refresh_every_seconds = 15;
  double wait_content_seconds = 180;
  double deadline_seconds = 10;
  uint64_t seed = 1;
};

void Usage() {
  std::cerr << R"(usage: soak_driver --mode max|soak --token-file F [flags]
  --address HOST:PORT          server (default 127.0.0.1:50051, plaintext)
  --token-file F               file holding an operator JWT
  --seconds S                  measured length (default 25; soak: its length)
  --warmup-seconds S           max: unmeasured calls first (default 3)
  --threads T                  max: client threads, one connection each (4)
  --rate R                     soak: calls per second (required)
  --concurrency N              soak: most calls in flight (default 64)
  --channels C                 soak: connections shared by the calls (4)
  --server-pid P               soak: sample /proc/P (VmRSS, open fds)
  --sample-seconds S           soak: interval of the progress lines (10)
  --refresh-every-seconds S    a RefreshCatalog this often (15; 0: never)
  --wait-content-seconds S     how long to wait for every catalog to have
                               content before giving up (180)
  --deadline-seconds S         per-call deadline (10)
  --seed N                     key and mix sampling seed (1)
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
    std::string value;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Usage();
      Fail("flag " + arg + " needs a value");
    }
    auto as_double = [&](double min) {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || !(v >= min)) {
        Fail("bad value '" + value + "' for " + arg);
      }
      return v;
    };
    auto as_int = [&](int min) {
      const double v = as_double(min);
      if (v != std::floor(v) || v > 1e9) {
        Fail("bad value '" + value + "' for " + arg);
      }
      return static_cast<int>(v);
    };
    if (arg == "--mode") {
      if (value != "max" && value != "soak") Fail("--mode: max or soak");
      f.mode = value;
    } else if (arg == "--address") {
      f.address = value;
    } else if (arg == "--token-file") {
      f.token_file = value;
    } else if (arg == "--seconds") {
      f.seconds = as_double(1);
    } else if (arg == "--warmup-seconds") {
      f.warmup_seconds = as_double(0);
    } else if (arg == "--threads") {
      f.threads = as_int(1);
    } else if (arg == "--rate") {
      f.rate = as_double(0.1);
    } else if (arg == "--concurrency") {
      f.concurrency = as_int(1);
    } else if (arg == "--channels") {
      f.channels = as_int(1);
    } else if (arg == "--server-pid") {
      f.server_pid = as_int(1);
    } else if (arg == "--sample-seconds") {
      f.sample_seconds = as_double(1);
    } else if (arg == "--refresh-every-seconds") {
      f.refresh_every_seconds = as_double(0);
    } else if (arg == "--wait-content-seconds") {
      f.wait_content_seconds = as_double(0);
    } else if (arg == "--deadline-seconds") {
      f.deadline_seconds = as_double(0.1);
    } else if (arg == "--seed") {
      f.seed = static_cast<uint64_t>(as_int(0));
    } else {
      Usage();
      Fail("unknown flag " + arg);
    }
  }
  if (f.mode.empty()) Fail("--mode is required");
  if (f.token_file.empty()) Fail("--token-file is required");
  if (f.mode == "soak" && f.rate <= 0) Fail("--mode soak needs --rate");
  return f;
}

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) Fail("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() &&
         std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  if (token.empty()) Fail(path + " holds no token");
  return token;
}

// --- The mix -----------------------------------------------------------------

enum Rpc : int {
  kContains,
  kCustomerContains,
  kMetadata50,
  kMetadata100,
  kCustomerContent,
  kGetCatalog,
  kListCatalogs,
  kRefresh,
  kRpcCount
};

constexpr std::array<const char*, kRpcCount> kRpcNames = {
    "ContainsContentItems, 10 keys",
    "CustomerContainsContentItems, 10 keys",
    "GetCatalogMetadata, page 50",
    "GetCatalogMetadata, page 100",
    "GetCustomerContentMetadata",
    "GetCatalog",
    "ListCatalogs",
    "RefreshCatalog",
};

// Per 100 calls. Membership checks dominate what the platform asks (one per
// enrollment and per search hit); the metadata pages are what integrated
// channels and the admin portal page through, rarer but 100x the bytes.
// RefreshCatalog is not in the weights: it comes on a clock.
constexpr std::array<int, kRpcCount> kWeights = {40, 15, 5, 5, 15, 12, 8, 0};

Rpc PickRpc(uint64_t roll) {
  int r = static_cast<int>(roll % 100);
  for (int i = 0; i < kRpcCount; ++i) {
    if (r < kWeights[static_cast<size_t>(i)]) return static_cast<Rpc>(i);
    r -= kWeights[static_cast<size_t>(i)];
  }
  return kContains;
}

// --- What the server holds ---------------------------------------------------
// A page as first paged: its token ("" for the first) and its first key.
struct Page {
  std::string token;
  std::string first_key;
};

struct CatalogInfo {
  std::string uuid;
  std::string enterprise_uuid;
  int64_t total = 0;
  std::vector<std::string> members;
  std::vector<Page> pages50;
  std::vector<Page> pages100;
};

struct EnterpriseInfo {
  std::string uuid;
  std::vector<std::string> members;  // of any of its catalogs
};

struct World {
  std::vector<CatalogInfo> catalogs;
  std::vector<EnterpriseInfo> enterprises;
};

class Caller {
 public:
  Caller(std::shared_ptr<grpc::Channel> channel, std::string token,
         double deadline_seconds)
      : stub_(v1::EnterpriseCatalogService::NewStub(std::move(channel))),
        auth_("JWT " + std::move(token)),
        deadline_seconds_(deadline_seconds) {}

  std::unique_ptr<grpc::ClientContext> Ctx() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", auth_);
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::duration<double>(deadline_seconds_)));
    return ctx;
  }
  Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<Stub> stub_;
  std::string auth_;
  double deadline_seconds_;
};

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // A page of 100 of the stand-in's 5-25 KB documents is over 1 MB, and the
  // server lets a page reach 4 MiB of stored documents plus its own fields.
  args.SetMaxReceiveMessageSize(-1);
  // One TCP connection per channel, as separate callers would have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

void CheckSetup(const grpc::Status& s, const std::string& what) {
  if (!s.ok()) {
    Fail(what + " failed: code " + std::to_string(s.error_code()) + " " +
         s.error_message());
  }
}

std::vector<std::string> WalkPages(Caller& caller, CatalogInfo& cat,
                                   int page_size) {
  std::vector<Page> pages;
  std::vector<std::string> keys;
  std::string token;
  for (;;) {
    v1::GetCatalogMetadataRequest req;
    req.set_catalog_uuid(cat.uuid);
    req.set_page_size(page_size);
    req.set_page_token(token);
    v1::GetCatalogMetadataResponse resp;
    CheckSetup(caller.stub().GetCatalogMetadata(caller.Ctx().get(), req, &resp),
               "GetCatalogMetadata of " + cat.uuid);
    if (resp.items_size() == 0) Fail("an empty page of " + cat.uuid);
    pages.push_back(Page{token, resp.items(0).content_key()});
    for (const auto& item : resp.items()) keys.push_back(item.content_key());
    cat.total = resp.total_count();
    if (resp.next_page_token().empty()) break;
    token = resp.next_page_token();
  }
  (page_size == 100 ? cat.pages100 : cat.pages50) = std::move(pages);
  return keys;
}

World Discover(const Flags& flags, const std::string& token) {
  Caller caller(MakeChannel(flags.address), token, 60);
  World world;
  std::string page_token;
  do {
    v1::ListCatalogsRequest req;
    req.set_page_size(100);
    req.set_page_token(page_token);
    v1::ListCatalogsResponse resp;
    CheckSetup(caller.stub().ListCatalogs(caller.Ctx().get(), req, &resp),
               "ListCatalogs");
    for (const auto& c : resp.catalogs()) {
      CatalogInfo info;
      info.uuid = c.uuid();
      info.enterprise_uuid = c.enterprise_uuid();
      world.catalogs.push_back(std::move(info));
    }
    page_token = resp.next_page_token();
  } while (!page_token.empty());
  if (world.catalogs.empty()) Fail("the server has no catalogs");

  // The workers fill the catalogs after the server starts; a catalog without
  // members would make every membership check vacuous.
  const auto give_up = Clock::now() + FromSeconds(flags.wait_content_seconds);
  for (auto& cat : world.catalogs) {
    for (;;) {
      v1::GetCatalogRequest req;
      req.set_uuid(cat.uuid);
      v1::Catalog resp;
      CheckSetup(caller.stub().GetCatalog(caller.Ctx().get(), req, &resp),
                 "GetCatalog " + cat.uuid);
      if (resp.content_count() > 0) break;
      if (Clock::now() > give_up) Fail("catalog " + cat.uuid + " is empty");
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  std::map<std::string, std::unordered_set<std::string>> by_enterprise;
  for (auto& cat : world.catalogs) {
    cat.members = WalkPages(caller, cat, 100);
    const std::vector<std::string> again = WalkPages(caller, cat, 50);
    if (again != cat.members) {
      Fail("catalog " + cat.uuid + " changed while it was paged (" +
           std::to_string(cat.members.size()) + " then " +
           std::to_string(again.size()) + " items)");
    }
    by_enterprise[cat.enterprise_uuid].insert(cat.members.begin(),
                                              cat.members.end());
    std::cerr << "soak_driver: catalog " << cat.uuid << ": " << cat.total
              << " items, " << cat.pages100.size() << " pages of 100, "
              << cat.pages50.size() << " of 50\n";
  }
  for (auto& [uuid, keys] : by_enterprise) {
    EnterpriseInfo e;
    e.uuid = uuid;
    e.members.assign(keys.begin(), keys.end());
    std::sort(e.members.begin(), e.members.end());
    world.enterprises.push_back(std::move(e));
  }
  return world;
}

// --- One call ----------------------------------------------------------------
struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;  // the status message, or what a check found wrong
  bool wrong = false;   // OK, but the answer failed a check
  size_t bytes = 0;     // response payload
};

template <typename T>
const T& PickFrom(const std::vector<T>& v, std::mt19937_64& rng) {
  return v[rng() % v.size()];
}

std::string MadeUpKey(std::mt19937_64& rng) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "course-v1:SoakX+Nowhere%06u+2099_T9",
                static_cast<unsigned>(rng() % 1000000));
  return buf;
}

Outcome Wrong(std::string what) {
  Outcome o;
  o.wrong = true;
  o.message = std::move(what);
  return o;
}

Outcome FromStatus(const grpc::Status& s, size_t bytes) {
  Outcome o;
  o.code = s.error_code();
  o.message = s.error_message();
  o.bytes = bytes;
  return o;
}

Outcome Call(Caller& caller, const World& world, Rpc rpc, size_t refresh_index,
             std::mt19937_64& rng) {
  const CatalogInfo& cat = PickFrom(world.catalogs, rng);
  switch (rpc) {
    case kContains: {
      // 6 members of the catalog (must be true), 2 members of any catalog
      // (not checked: course/run expansion may make them members too) and 2
      // keys that exist nowhere (must be false).
      v1::ContainsContentItemsRequest req;
      req.set_catalog_uuid(cat.uuid);
      std::unordered_set<std::string> in, out;
      for (int i = 0; i < 6; ++i) {
        const std::string& k = PickFrom(cat.members, rng);
        in.insert(k);
        req.add_content_keys(k);
      }
      for (int i = 0; i < 2; ++i) {
        req.add_content_keys(
            PickFrom(PickFrom(world.catalogs, rng).members, rng));
      }
      for (int i = 0; i < 2; ++i) {
        std::string k = MadeUpKey(rng);
        out.insert(k);
        req.add_content_keys(std::move(k));
      }
      v1::ContainsContentItemsResponse resp;
      const grpc::Status s =
          caller.stub().ContainsContentItems(caller.Ctx().get(), req, &resp);
      if (!s.ok()) return FromStatus(s, 0);
      for (const auto& r : resp.results()) {
        if (in.count(r.content_key()) && !r.contained()) {
          return Wrong("member " + r.content_key() + " of " + cat.uuid +
                       " not contained");
        }
        if (out.count(r.content_key()) && r.contained()) {
          return Wrong("made-up key " + r.content_key() + " contained");
        }
      }
      if (!resp.contains_any() || resp.contains_all()) {
        return Wrong("contains_any/contains_all wrong");
      }
      return FromStatus(s, resp.ByteSizeLong());
    }
    case kCustomerContains: {
      // One call in five asks for made-up keys only: the answer must then be
      // "in none of the catalogs".
      const EnterpriseInfo& e = PickFrom(world.enterprises, rng);
      const bool none = rng() % 5 == 0;
      v1::CustomerContainsContentItemsRequest req;
      req.set_enterprise_uuid(e.uuid);
      for (int i = 0; i < 10; ++i) {
        if (none || i >= 7) {
          req.add_content_keys(MadeUpKey(rng));
        } else {
          req.add_content_keys(PickFrom(e.members, rng));
        }
      }
      v1::CustomerContainsContentItemsResponse resp;
      const grpc::Status s = caller.stub().CustomerContainsContentItems(
          caller.Ctx().get(), req, &resp);
      if (!s.ok()) return FromStatus(s, 0);
      if (none && (resp.contains_any() || resp.catalog_uuids_size() > 0)) {
        return Wrong("made-up keys found in " + e.uuid + "'s catalogs");
      }
      if (!none && (!resp.contains_any() || resp.catalog_uuids_size() == 0)) {
        return Wrong("members of " + e.uuid + "'s catalogs not found");
      }
      return FromStatus(s, resp.ByteSizeLong());
    }
    case kMetadata50:
    case kMetadata100: {
      const int page_size = rpc == kMetadata50 ? 50 : 100;
      const auto& pages = rpc == kMetadata50 ? cat.pages50 : cat.pages100;
      const size_t page = rng() % pages.size();
      v1::GetCatalogMetadataRequest req;
      req.set_catalog_uuid(cat.uuid);
      req.set_page_size(page_size);
      req.set_page_token(pages[page].token);
      v1::GetCatalogMetadataResponse resp;
      const grpc::Status s =
          caller.stub().GetCatalogMetadata(caller.Ctx().get(), req, &resp);
      if (!s.ok()) return FromStatus(s, 0);
      if (resp.total_count() != cat.total) {
        return Wrong("total_count of " + cat.uuid + " is " +
                     std::to_string(resp.total_count()) + ", was " +
                     std::to_string(cat.total));
      }
      // Pages are cut by key, so the same token must give the same first key.
      if (resp.items_size() == 0 ||
          resp.items(0).content_key() != pages[page].first_key) {
        return Wrong("page " + std::to_string(page) + " of " + cat.uuid +
                     " does not start where it did");
      }
      return FromStatus(s, resp.ByteSizeLong());
    }
    case kCustomerContent: {
      const EnterpriseInfo& e = PickFrom(world.enterprises, rng);
      const std::string& key = PickFrom(e.members, rng);
      v1::GetCustomerContentMetadataRequest req;
      req.set_enterprise_uuid(e.uuid);
      req.set_content_identifier(key);
      v1::GetCustomerContentMetadataResponse resp;
      const grpc::Status s = caller.stub().GetCustomerContentMetadata(
          caller.Ctx().get(), req, &resp);
      if (!s.ok()) return FromStatus(s, 0);
      if (resp.item().content_key() != key || resp.catalog_uuid().empty()) {
        return Wrong("GetCustomerContentMetadata " + key + " returned " +
                     resp.item().content_key());
      }
      return FromStatus(s, resp.ByteSizeLong());
    }
    case kGetCatalog: {
      v1::GetCatalogRequest req;
      req.set_uuid(cat.uuid);
      v1::Catalog resp;
      const grpc::Status s =
          caller.stub().GetCatalog(caller.Ctx().get(), req, &resp);
      if (!s.ok()) return FromStatus(s, 0);
      if (resp.uuid() != cat.uuid || resp.content_count() <= 0) {
        return Wrong("GetCatalog " + cat.uuid + ": content_count " +
                     std::to_string(resp.content_count()));
      }
      return FromStatus(s, resp.ByteSizeLong());
    }
    case kListCatalogs: {
      v1::ListCatalogsRequest req;
      v1::ListCatalogsResponse resp;
      const grpc::Status s =
          caller.stub().ListCatalogs(caller.Ctx().get(), req, &resp);
      if (!s.ok()) return FromStatus(s, 0);
      if (static_cast<size_t>(resp.catalogs_size()) != world.catalogs.size()) {
        return Wrong("ListCatalogs returned " +
                     std::to_string(resp.catalogs_size()) + " catalogs");
      }
      return FromStatus(s, resp.ByteSizeLong());
    }
    case kRefresh: {
      // Round robin, so every catalog (and so every query) gets requests.
      v1::RefreshCatalogRequest req;
      req.set_catalog_uuid(
          world.catalogs[refresh_index % world.catalogs.size()].uuid);
      v1::RefreshJob resp;
      const grpc::Status s =
          caller.stub().RefreshCatalog(caller.Ctx().get(), req, &resp);
      if (!s.ok()) return FromStatus(s, 0);
      if (resp.uuid().empty()) return Wrong("RefreshCatalog without a job");
      return FromStatus(s, resp.ByteSizeLong());
    }
    case kRpcCount:
      break;
  }
  return Wrong("no such rpc");
}

// --- Recording ---------------------------------------------------------------
const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "DO_NOT_USE";
  }
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank =
      static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

struct IntervalFigures {
  int64_t calls = 0;
  int64_t errors = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// One lock for all threads: at a few thousand calls per second it is never
// contended long enough to matter next to a gRPC round trip.
class Recorder {
 public:
  void Add(Rpc rpc, double latency_ms, const Outcome& o) {
    std::lock_guard<std::mutex> lock(mu_);
    const auto r = static_cast<size_t>(rpc);
    latency_ms_[r].push_back(latency_ms);
    bytes_[r] += o.bytes;
    interval_ms_.push_back(latency_ms);
    if (o.code == grpc::StatusCode::OK && !o.wrong) return;
    ++errors_[r];
    ++interval_errors_;
    ++by_code_[o.wrong ? "WRONG_ANSWER" : CodeName(o.code)];
    if (first_errors_.size() < 20) {
      first_errors_.push_back(std::string(kRpcNames[r]) + ": " +
                              (o.wrong ? "WRONG_ANSWER" : CodeName(o.code)) +
                              ": " + o.message);
      std::cerr << "soak_driver: call failed: " << first_errors_.back() << "\n";
    }
  }

  IntervalFigures TakeInterval() {
    std::vector<double> v;
    IntervalFigures f;
    {
      std::lock_guard<std::mutex> lock(mu_);
      v.swap(interval_ms_);
      f.errors = interval_errors_;
      interval_errors_ = 0;
    }
    std::sort(v.begin(), v.end());
    f.calls = static_cast<int64_t>(v.size());
    f.p50_ms = Percentile(v, 0.50);
    f.p99_ms = Percentile(v, 0.99);
    f.max_ms = v.empty() ? 0 : v.back();
    return f;
  }

  int64_t Errors() const {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t n = 0;
    for (int64_t e : errors_) n += e;
    return n;
  }
  int64_t Calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t n = 0;
    for (const auto& v : latency_ms_) n += static_cast<int64_t>(v.size());
    return n;
  }

  // After Print: the figures of all calls together, as key=value.
  std::string AllFigures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return "p50_ms=" + Fixed(all_p50_ms_, 2) +
           " p99_ms=" + Fixed(all_p99_ms_, 2) +
           " max_ms=" + Fixed(all_max_ms_, 1);
  }

  // The per-RPC table (markdown) and the errors by code.
  void Print(std::ostream& out) {
    std::lock_guard<std::mutex> lock(mu_);
    out << "| RPC | calls | share | errors | p50 ms | p90 ms | p99 ms | "
           "max ms | KB/call |\n"
        << "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    std::vector<double> all;
    size_t total = 0;
    int64_t errors = 0;
    for (const auto& v : latency_ms_) total += v.size();
    for (size_t r = 0; r < kRpcCount; ++r) {
      auto& v = latency_ms_[r];
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      all.insert(all.end(), v.begin(), v.end());
      errors += errors_[r];
      Row(out, kRpcNames[r], v, total, errors_[r], bytes_[r]);
    }
    std::sort(all.begin(), all.end());
    size_t all_bytes = 0;
    for (size_t b : bytes_) all_bytes += b;
    Row(out, "**all**", all, total, errors, all_bytes);
    all_p50_ms_ = Percentile(all, 0.50);
    all_p99_ms_ = Percentile(all, 0.99);
    all_max_ms_ = all.empty() ? 0 : all.back();
    out << "\nErrors by code: ";
    if (by_code_.empty()) out << "none";
    bool first = true;
    for (const auto& [code, n] : by_code_) {
      out << (first ? "" : ", ") << code << " " << n;
      first = false;
    }
    out << "\n";
    for (const auto& e : first_errors_) out << "- " << e << "\n";
  }

 private:
  static void Row(std::ostream& out, const char* name,
                  const std::vector<double>& sorted, size_t total,
                  int64_t errors, size_t bytes) {
    const double n = static_cast<double>(sorted.size());
    out << "| " << name << " | " << sorted.size() << " | "
        << Fixed(total ? 100.0 * n / static_cast<double>(total) : 0, 1) + " %"
        << " | " << errors << " | " << Fixed(Percentile(sorted, 0.50), 2)
        << " | " << Fixed(Percentile(sorted, 0.90), 2) << " | "
        << Fixed(Percentile(sorted, 0.99), 2) << " | "
        << Fixed(sorted.empty() ? 0 : sorted.back(), 1) << " | "
        << Fixed(n > 0 ? static_cast<double>(bytes) / n / 1024.0 : 0, 1)
        << " |\n";
  }

  mutable std::mutex mu_;
  std::array<std::vector<double>, kRpcCount> latency_ms_;
  std::array<size_t, kRpcCount> bytes_{};
  std::array<int64_t, kRpcCount> errors_{};
  std::map<std::string, int64_t> by_code_;
  std::vector<std::string> first_errors_;
  std::vector<double> interval_ms_;
  int64_t interval_errors_ = 0;
  double all_p50_ms_ = 0, all_p99_ms_ = 0, all_max_ms_ = 0;
};

// --- The server process ------------------------------------------------------
// A /proc/<pid>/status field in kB, or -1.
int64_t ProcStatusKb(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtoll(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

int OpenFds(int pid) {
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) return -1;
  int n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n;
}

// utime + stime of a process in seconds (/proc/<pid>/stat), or -1.
double ProcCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  // The command name may hold spaces; the fields after it are plain.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  // Fields 3.. after the name; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) +
           static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// The machine's 1-minute load average: other work on it changes what the
// service can do.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? std::string("?") : one;
}

struct ProcSample {
  double t = 0;
  int64_t rss_kb = -1;
  int64_t threads = -1;
  int fds = -1;
  double server_cpu_s = -1;
  double driver_cpu_s = 0;
  std::string load;
};

ProcSample SampleProc(int pid, double t) {
  ProcSample s;
  s.t = t;
  s.driver_cpu_s = SelfCpuSeconds();
  s.load = LoadAverage();
  if (pid <= 0) return s;
  s.rss_kb = ProcStatusKb(pid, "VmRSS");
  s.threads = ProcStatusKb(pid, "Threads");
  s.fds = OpenFds(pid);
  s.server_cpu_s = ProcCpuSeconds(pid);
  return s;
}

std::string MiB(int64_t kb) {
  return kb < 0 ? std::string("?")
                : Fixed(static_cast<double>(kb) / 1024.0, 1) + " MiB";
}

// --- Modes -------------------------------------------------------------------

int RunMax(const Flags& flags, const std::string& token, const World& world) {
  Recorder rec;
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  const auto measure_from = start + FromSeconds(flags.warmup_seconds);
  const auto stop = measure_from + FromSeconds(flags.seconds);
  const double every = flags.refresh_every_seconds;
  std::atomic<int64_t> refreshes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < flags.threads; ++t) {
    threads.emplace_back([&, t] {
      Caller caller(MakeChannel(flags.address), token, flags.deadline_seconds);
      std::mt19937_64 rng(flags.seed * 1000003 + static_cast<uint64_t>(t));
      std::this_thread::sleep_until(start);
      for (;;) {
        const auto s = Clock::now();
        if (s >= stop) break;
        Rpc rpc = PickRpc(rng());
        // The first thread to pass each refresh mark makes the refresh.
        int64_t due = refreshes.load();
        if (every > 0 &&
            Seconds(s - start) >= static_cast<double>(due) * every &&
            refreshes.compare_exchange_strong(due, due + 1)) {
          rpc = kRefresh;
        }
        const Outcome o =
            Call(caller, world, rpc, static_cast<size_t>(due), rng);
        const auto done = Clock::now();
        if (s >= measure_from) {
          rec.Add(rpc,
                  std::chrono::duration<double, std::milli>(done - s).count(),
                  o);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  // Calls started in the window, over the window's length.
  const double rate = static_cast<double>(rec.Calls()) / flags.seconds;
  std::cout << "### Maximum (closed loop)\n\n"
            << flags.threads << " client threads, one connection each, back "
            << "to back for " << flags.seconds << " s after "
            << flags.warmup_seconds << " s of warm-up: **" << Fixed(rate, 1)
            << " calls/s**.\n\n";
  rec.Print(std::cout);
  std::cout << "\nmax_calls_per_s=" << Fixed(rate, 1) << "\n";
  return rec.Errors() == 0 ? 0 : 1;
}

int RunSoak(const Flags& flags, const std::string& token, const World& world) {
  Recorder rec;
  const double period = 1.0 / flags.rate;
  const auto slots =
      static_cast<int64_t>(std::floor(flags.seconds * flags.rate));
  std::vector<std::unique_ptr<Caller>> callers;
  for (int c = 0; c < flags.channels; ++c) {
    callers.push_back(std::make_unique<Caller>(MakeChannel(flags.address),
                                               token, flags.deadline_seconds));
  }
  // Connect before the clock starts, so the first calls do not pay for it.
  for (auto& c : callers) {
    v1::ListCatalogsRequest req;
    v1::ListCatalogsResponse resp;
    CheckSetup(c->stub().ListCatalogs(c->Ctx().get(), req, &resp),
               "ListCatalogs");
  }

  std::atomic<int64_t> next{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::atomic<int64_t> late{0};  // started > 10 ms after their due time
  std::atomic<int64_t> max_lag_us{0};
  std::atomic<int64_t> refreshes{0};
  const auto t0 = Clock::now() + std::chrono::milliseconds(500);
  const double every = flags.refresh_every_seconds;

  std::vector<std::thread> workers;
  for (int w = 0; w < flags.concurrency; ++w) {
    workers.emplace_back([&, w] {
      Caller& caller = *callers[static_cast<size_t>(w % flags.channels)];
      std::mt19937_64 rng(flags.seed * 1000003 + static_cast<uint64_t>(w));
      for (;;) {
        const int64_t i = next.fetch_add(1);
        if (i >= slots) break;
        const double at = static_cast<double>(i) * period;
        const auto due = t0 + FromSeconds(at);
        Rpc rpc = PickRpc(rng());
        // The slot that crosses each refresh mark is the refresh.
        int64_t refresh_index = 0;
        if (every > 0 && i > 0 &&
            std::floor(at / every) >
                std::floor(static_cast<double>(i - 1) * period / every)) {
          rpc = kRefresh;
          refresh_index = refreshes.fetch_add(1);
        }
        std::this_thread::sleep_until(due);
        const auto started = Clock::now();
        const auto lag_us =
            std::chrono::duration_cast<std::chrono::microseconds>(started - due)
                .count();
        if (lag_us > 10000) ++late;
        int64_t seen = max_lag_us.load();
        while (lag_us > seen &&
               !max_lag_us.compare_exchange_weak(seen, lag_us)) {
        }
        const int now_in = ++in_flight;
        int seen_in = max_in_flight.load();
        while (now_in > seen_in &&
               !max_in_flight.compare_exchange_weak(seen_in, now_in)) {
        }
        const Outcome o =
            Call(caller, world, rpc, static_cast<size_t>(refresh_index), rng);
        --in_flight;
        rec.Add(rpc,
                std::chrono::duration<double, std::milli>(Clock::now() - due)
                    .count(),
                o);
      }
    });
  }

  std::vector<ProcSample> samples;
  std::this_thread::sleep_until(t0);
  const double t0_unix =
      std::chrono::duration<double>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  samples.push_back(SampleProc(flags.server_pid, 0));
  std::cerr << "soak_driver: soak: " << Fixed(flags.rate, 1) << " calls/s for "
            << flags.seconds << " s (" << slots << " calls), up to "
            << flags.concurrency << " in flight over " << flags.channels
            << " connections; server VmRSS at start "
            << MiB(samples.back().rss_kb) << "\n";
  std::cout << "### Soak (open loop)\n\n"
            << "| t s | calls | calls/s | errors | p50 ms | p99 ms | max ms | "
               "in flight | server VmRSS | threads | fds | server CPU % | "
               "driver CPU % | load 1m |\n"
            << "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  // `length` 0: the calls that ended after the last full interval, too few
  // and too short a time for a rate.
  auto print_sample = [&](const std::string& label, const IntervalFigures& f,
                          const ProcSample& s, double length) {
    // CPU over the wall time since the previous sample, in % of one core.
    const ProcSample& prev =
        samples.size() > 1 ? samples[samples.size() - 2] : samples.back();
    const double wall = s.t - prev.t;
    auto cpu = [&](double now, double before) {
      return wall >= 1 && now >= 0 && before >= 0
                 ? Fixed(100.0 * (now - before) / wall, 0)
                 : std::string("-");
    };
    std::ostringstream line;
    line << "| " << label << " | " << f.calls << " | "
         << (length > 0 ? Fixed(static_cast<double>(f.calls) / length, 1)
                        : std::string("-"))
         << " | " << f.errors << " | " << Fixed(f.p50_ms, 2) << " | "
         << Fixed(f.p99_ms, 2) << " | " << Fixed(f.max_ms, 1) << " | "
         << in_flight.load() << " | " << MiB(s.rss_kb) << " | " << s.threads
         << " | " << s.fds << " | " << cpu(s.server_cpu_s, prev.server_cpu_s)
         << " | " << cpu(s.driver_cpu_s, prev.driver_cpu_s) << " | " << s.load
         << " |\n";
    std::cout << line.str() << std::flush;
    std::cerr << "soak_driver: " << line.str();
  };
  print_sample("0", IntervalFigures{}, samples.back(), 0);
  const auto end = t0 + FromSeconds(flags.seconds);
  double last_t = 0;
  for (int k = 1;; ++k) {
    const auto at = t0 + FromSeconds(k * flags.sample_seconds);
    if (at > end) break;
    std::this_thread::sleep_until(at);
    const double t = Seconds(at - t0);
    const IntervalFigures f = rec.TakeInterval();
    samples.push_back(SampleProc(flags.server_pid, t));
    print_sample(Fixed(t, 0), f, samples.back(), t - last_t);
    last_t = t;
  }
  for (auto& th : workers) th.join();
  const auto finished = Clock::now();
  const double elapsed = Seconds(finished - t0);
  {
    const IntervalFigures f = rec.TakeInterval();
    samples.push_back(SampleProc(flags.server_pid, elapsed));
    const double rest = elapsed - last_t;
    print_sample("end " + Fixed(elapsed, 1), f, samples.back(),
                 rest >= flags.sample_seconds / 2 ? rest : 0);
  }

  const int64_t calls = rec.Calls();
  int64_t rss_max = -1;
  for (const auto& s : samples) rss_max = std::max(rss_max, s.rss_kb);
  const ProcSample& first = samples.front();
  const ProcSample& last = samples.back();
  std::cout << "\nTarget **" << Fixed(flags.rate, 1) << " calls/s** for "
            << flags.seconds << " s; achieved **"
            << Fixed(static_cast<double>(calls) / elapsed, 1) << " calls/s** ("
            << calls << " calls in " << Fixed(elapsed, 1)
            << " s, from the first due time to the "
            << "last answer). Latency counts from each call's due time. "
            << "Calls started more than 10 ms late (all " << flags.concurrency
            << " workers busy, or the driver starved of "
            << "CPU): " << late.load() << "; the latest by "
            << Fixed(static_cast<double>(max_lag_us.load()) / 1000.0, 1)
            << " ms; most in flight " << max_in_flight.load() << ". "
            << "RefreshCatalog calls: " << refreshes.load() << ".\n\n";
  rec.Print(std::cout);
  if (flags.server_pid > 0) {
    std::cout << "\nServer (pid " << flags.server_pid << ") VmRSS: start "
              << MiB(first.rss_kb) << ", end " << MiB(last.rss_kb)
              << ", max of " << samples.size() << " samples " << MiB(rss_max)
              << "; VmHWM (peak since the process started) "
              << MiB(ProcStatusKb(flags.server_pid, "VmHWM")) << ". Threads "
              << first.threads << " -> " << last.threads << ", open fds "
              << first.fds << " -> " << last.fds << ".\n";
    std::cout << "\nCPU over the soak, in % of one core: server (its RPC "
              << "threads and refresh workers) "
              << Fixed(100 * (last.server_cpu_s - first.server_cpu_s) / elapsed,
                       0)
              << " %, this driver "
              << Fixed(100 * (last.driver_cpu_s - first.driver_cpu_s) / elapsed,
                       0)
              << " %; PostgreSQL's backends are not counted.\n";
    std::cout << "\nrss_start_kb=" << first.rss_kb
              << " rss_end_kb=" << last.rss_kb << " rss_max_kb=" << rss_max
              << "\n";
  }
  std::cout << "soak_t0_unix=" << Fixed(t0_unix, 3)
            << " soak_seconds=" << Fixed(elapsed, 3) << "\n";
  std::cout << "soak_calls=" << calls << " soak_errors=" << rec.Errors()
            << " achieved_calls_per_s="
            << Fixed(static_cast<double>(calls) / elapsed, 1) << " "
            << rec.AllFigures() << "\n";
  return rec.Errors() == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const std::string token = ReadToken(flags.token_file);
  const World world = Discover(flags, token);
  return flags.mode == "max" ? RunMax(flags, token, world)
                             : RunSoak(flags, token, world);
}

}  // namespace
}  // namespace ec::bench

int main(int argc, char** argv) { return ec::bench::Main(argc, argv); }
