#pragma once

// The refresh pipeline's end-to-end fixture: the real discovery client over
// HTTP to the discovery stand-in, the real worker, the real PostgreSQL. The
// clock the queue and scheduler see is injected; HTTP and the database are
// real. Used by refresh_pipeline_test.cc and full_metadata_e2e_test.cc.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "core/catalog_core.h"
#include "discovery/discovery_client.h"
#include "google/protobuf/util/json_util.h"
#include "metrics/metrics.h"
#include "storage/pg/pg_health.h"
#include "tests/support/test_env.h"
#include "tools/discovery_stub/stub_server.h"
#include "workers/refresh_worker.h"

namespace ec::e2e_refresh {

using storage::JobState;
using storage::Micros;
using stub::FaultKind;
using stub::FaultRule;
using stub::FaultTarget;
using ::testing::HasSubstr;

constexpr Micros kSecond = 1000000;
constexpr Micros kHour = 3600 * kSecond;
constexpr Micros kT0 = 1767225600LL * kSecond;  // 2026-01-01T00:00:00Z
constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";
constexpr char kCourses[] = R"({"content_type": "course"})";
// Members of kCourses on the default dataset: its 100 courses but the 7 the
// inclusion rules exclude (emeritus, bootcamp-2u and empty course types).
constexpr int64_t kCourseMembers = 93;
constexpr char kPrograms[] = R"({"content_type": "program"})";
// Where the per-catalog fields point (catalog_items_e2e_test.cc).
inline const domain::UrlSettings kUrls{"https://lms.example.com",
                                       "https://portal.example.com",
                                       "https://shop.example.com"};

class RefreshTest : public testing::SharedStoreTest<4> {
 protected:
  void SetUp() override {
    SharedStoreTest::SetUp();
    if (HasFatalFailure()) return;
    StartStub(DefaultDataset());
    discovery_.page_size = 20;
    discovery_.max_attempts = 3;
    discovery_.backoff_base = std::chrono::milliseconds(5);
    discovery_.backoff_max = std::chrono::milliseconds(20);
    discovery_.request_timeout = std::chrono::milliseconds(5000);
    config_.threads = 1;
    config_.lease = std::chrono::seconds(30);
    config_.policy.max_attempts = 3;
    config_.policy.retry_base = std::chrono::seconds(60);
    config_.policy.retry_max = std::chrono::seconds(600);
    config_.policy.max_age = std::chrono::hours(12);
    config_.owner = "test";
    core_ = std::make_unique<core::CatalogCore>(
        env_->store(), env_->queue(), config_.policy,
        common::PageTokenCodec::WithRandomSecret(),
        [this] { return now_.load(); },
        core::CatalogFieldsConfig{env_->customers(), kUrls});
  }

  static stub::DatasetSpec DefaultDataset() {
    stub::DatasetSpec spec;
    spec.seed = 7;
    spec.courses = 100;
    spec.runs = 200;
    spec.programs = 10;
    spec.pathways = 3;
    spec.persons = 4;
    spec.min_doc_bytes = 600;
    spec.max_doc_bytes = 1500;
    return spec;
  }

  void StartStub(const stub::DatasetSpec& spec, int token_lifetime = 3600) {
    stub_.reset();
    stub::DiscoveryStub::Options options;
    options.dataset = spec;
    options.token_lifetime_seconds = token_lifetime;
    auto started = stub::DiscoveryStub::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    stub_ = std::move(*started);
    discovery_.discovery_url = stub_->discovery_url();
    discovery_.oauth_url = stub_->base_url();
    discovery_.client_id = options.client_id;
    discovery_.client_secret = options.client_secret;
  }

  // A worker with a fresh discovery client (no cached token). Backoff waits
  // are recorded, then really waited.
  std::unique_ptr<workers::RefreshWorker> NewWorker() {
    return std::make_unique<workers::RefreshWorker>(
        env_->queue(), env_->full_metadata(),
        [this](discovery::Sleeper sleeper) {
          return discovery::NewDiscoveryClient(
              discovery_, [this, sleeper](std::chrono::milliseconds d) {
                {
                  std::lock_guard<std::mutex> lock(sleeps_mu_);
                  sleeps_.push_back(d);
                }
                return sleeper(d);
              });
        },
        config_, [this] { return now_.load(); });
  }

  workers::RefreshWorker& worker() {
    if (!worker_) worker_ = NewWorker();
    return *worker_;
  }

  ::enterprise_catalog::v1::Catalog Create(const std::string& filter) {
    ::enterprise_catalog::v1::CreateCatalogRequest request;
    request.mutable_catalog()->set_title("Catalog");
    request.mutable_catalog()->set_enterprise_uuid(kEnterprise);
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                    filter, request.mutable_catalog()->mutable_content_filter())
                    .ok());
    ::enterprise_catalog::v1::Catalog out;
    const absl::Status st = core_->CreateCatalog(kOperator, request, &out);
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }

  ::enterprise_catalog::v1::RefreshJob Refresh(
      const ::enterprise_catalog::v1::Catalog& catalog, bool force = false) {
    ::enterprise_catalog::v1::RefreshCatalogRequest request;
    request.set_catalog_uuid(catalog.uuid());
    request.set_force(force);
    ::enterprise_catalog::v1::RefreshJob job;
    const absl::Status st = core_->RefreshCatalog(kOperator, request, &job);
    EXPECT_TRUE(st.ok()) << st;
    return job;
  }

  // Runs due jobs until none is left; returns them as each attempt left it.
  // Tests of crawls leave the full-metadata pass out: each crawl that adds
  // courses queues one, and full_metadata_e2e_test.cc tests it.
  void DropFullJobs() {
    if (!crawls_only_) return;
    EXPECT_TRUE(env_->Exec("DELETE FROM refresh_job WHERE kind = 'full'").ok());
  }

  std::vector<storage::RefreshJobRow> Drain(workers::RefreshWorker& w) {
    std::vector<storage::RefreshJobRow> ran;
    while (true) {
      DropFullJobs();
      auto job = w.RunOnce();
      EXPECT_TRUE(job.ok()) << job.status();
      if (!job.ok() || !job->has_value()) return ran;
      ran.push_back(**job);
      if (ran.size() > 50) {
        ADD_FAILURE() << "jobs keep coming";
        return ran;
      }
    }
  }
  std::vector<storage::RefreshJobRow> Drain() { return Drain(worker()); }

  storage::RefreshJobRow RunOne() {
    DropFullJobs();
    auto job = worker().RunOnce();
    EXPECT_TRUE(job.ok()) << job.status();
    EXPECT_TRUE(job.ok() && job->has_value()) << "no job was due";
    return job.ok() && job->has_value() ? **job : storage::RefreshJobRow{};
  }

  int64_t Int(const std::string& sql) {
    auto v = env_->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status() << " " << sql;
    return v.ok() ? *v : -1;
  }

  int64_t Members(const ::enterprise_catalog::v1::Catalog& catalog) {
    return Int(
        "SELECT count(*) FROM catalog_query_content qc JOIN "
        "enterprise_catalog c ON c.catalog_query_id = qc.catalog_query_id "
        "WHERE c.uuid = '" +
        catalog.uuid() + "'");
  }

  // Every stored row and membership link, for "nothing changed" checks.
  std::string Snapshot() {
    return env_
        ->QueryText(
            "SELECT coalesce((SELECT string_agg(content_key || ':' || "
            "document_hash || ':' || modified, ',' ORDER BY content_key) "
            "FROM content_metadata), '') || '|' || coalesce((SELECT "
            "string_agg(catalog_query_id || ':' || content_key, ',' ORDER BY "
            "catalog_query_id, content_key) FROM catalog_query_content), '') "
            "|| '|' || coalesce((SELECT string_agg(id || ':' || content_count "
            "|| ':' || coalesce(content_refreshed::text, '-'), ',' ORDER BY "
            "id) FROM catalog_query), '')")
        .value_or("<error>");
  }

  int64_t MetadataTotal(const ::enterprise_catalog::v1::Catalog& catalog) {
    ::enterprise_catalog::v1::GetCatalogMetadataRequest request;
    request.set_catalog_uuid(catalog.uuid());
    request.set_page_size(1);
    ::enterprise_catalog::v1::GetCatalogMetadataResponse response;
    const absl::Status st =
        core_->GetCatalogMetadata(kOperator, request, &response);
    EXPECT_TRUE(st.ok()) << st;
    return response.total_count();
  }

  void Advance(Micros d) { now_ += d; }

  std::unique_ptr<stub::DiscoveryStub> stub_;
  discovery::DiscoveryConfig discovery_;
  workers::WorkerConfig config_;
  std::atomic<Micros> now_{kT0};
  std::unique_ptr<core::CatalogCore> core_;
  const auth::Principal kOperator =
      auth::Principal::FromRoles("test", {"enterprise_openedx_operator:*"});
  std::unique_ptr<workers::RefreshWorker> worker_;
  bool crawls_only_ = true;
  std::mutex sleeps_mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace ec::e2e_refresh
