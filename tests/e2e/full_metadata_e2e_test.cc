// The full-metadata pass end to end: crawls over HTTP to the discovery
// stand-in, then GET /courses/ and /programs/ merged into the stored
// documents by the real worker on the real PostgreSQL; Django's inclusion
// rules on what a crawl may add; publish events (NotifyContentChanged).
#include "absl/strings/str_cat.h"
#include "domain/normalized_metadata.h"
#include "tests/e2e/refresh_fixture.h"

namespace ec::e2e_refresh {
namespace {

namespace v1 = ::enterprise_catalog::v1;

using Json = nlohmann::ordered_json;
using storage::JobKind;

class FullMetadataTest : public RefreshTest {
 protected:
  FullMetadataTest() { crawls_only_ = false; }

  Json Stored(const std::string& key) {
    auto text = env_->QueryText(
        "SELECT json_metadata FROM content_metadata WHERE content_key = '" +
        key + "'");
    EXPECT_TRUE(text.ok()) << text.status() << " " << key;
    return text.ok() ? Json::parse(*text) : Json();
  }

  // Every course of the catalog, as GetCatalogMetadata serves it.
  std::map<std::string, Json> ServedCourses(const v1::Catalog& catalog) {
    v1::GetCatalogMetadataRequest request;
    request.set_catalog_uuid(catalog.uuid());
    request.set_page_size(1000);
    request.add_content_types("course");
    v1::GetCatalogMetadataResponse response;
    const absl::Status st =
        core_->GetCatalogMetadata(kOperator, request, &response);
    EXPECT_TRUE(st.ok()) << st;
    std::map<std::string, Json> out;
    for (const auto& item : response.items()) {
      out[item.content_key()] = Json::parse(item.json_metadata());
    }
    return out;
  }

  std::vector<std::string> Keys(const std::string& filter) {
    auto keys = stub_->MatchingKeys("", filter);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? *keys : std::vector<std::string>();
  }

  bool Contained(const v1::Catalog& catalog, const std::string& key) {
    v1::ContainsContentItemsRequest request;
    request.set_catalog_uuid(catalog.uuid());
    request.add_content_keys(key);
    v1::ContainsContentItemsResponse response;
    const absl::Status st =
        core_->ContainsContentItems(kOperator, request, &response);
    EXPECT_TRUE(st.ok()) << st;
    return response.contains_all();
  }

  // Every content row's document and when it last changed.
  std::string Documents() {
    return env_
        ->QueryText(
            "SELECT string_agg(content_key || ':' || document_hash || ':' || "
            "modified, ',' ORDER BY content_key) FROM content_metadata")
        .value_or("<error>");
  }

  static int Count(const std::vector<storage::RefreshJobRow>& jobs,
                   JobKind kind, JobState state) {
    int n = 0;
    for (const auto& job : jobs) n += job.kind == kind && job.state == state;
    return n;
  }
};

TEST_F(FullMetadataTest, CoursesCarryTheFullDocumentAndNormalizedMetadata) {
  const v1::Catalog catalog = Create(kCourses);
  const auto jobs = Drain();
  EXPECT_EQ(Count(jobs, JobKind::kCrawl, JobState::kSucceeded), 1);
  EXPECT_EQ(Count(jobs, JobKind::kFull, JobState::kSucceeded), 1);

  const auto courses = ServedCourses(catalog);
  ASSERT_GT(courses.size(), 50u);
  int with_programs = 0;
  size_t fetched = 0;
  for (const auto& [key, doc] : courses) {
    SCOPED_TRACE(key);
    // /courses/ answers for the site's partner only (discovery-api.md §4):
    // other partners' courses keep their search/all documents.
    if (!doc.contains("owners")) {
      EXPECT_FALSE(doc["product_source"].is_object());
      continue;
    }
    ++fetched;
    // Fields only /courses/ has, merged over the search/all document, whose
    // plucked fields survive.
    EXPECT_TRUE(doc.contains("owners"));
    EXPECT_TRUE(doc.contains("entitlements"));
    EXPECT_TRUE(doc.contains("advertised_course_run_uuid"));
    EXPECT_TRUE(doc["product_source"].is_object());
    EXPECT_TRUE(doc.contains("aggregation_key"));
    EXPECT_TRUE(doc.contains("seat_types"));
    // Normalized metadata as Django computes it from the merged document.
    Json course = doc;
    course.erase("normalized_metadata");
    course.erase("normalized_metadata_by_run");
    EXPECT_EQ(doc["normalized_metadata"].dump(),
              domain::NormalizedMetadata(course, nullptr).dump());
    ASSERT_TRUE(doc["normalized_metadata"]["content_price"].is_number_float());
    for (const Json& run : doc["course_runs"]) {
      EXPECT_EQ(doc["normalized_metadata_by_run"][run["key"].get<std::string>()]
                    .dump(),
                domain::NormalizedMetadata(course, &run).dump());
    }
    // A course's programs gain their aggregation key and become rows.
    for (const Json& program : doc.value("programs", Json::array())) {
      ++with_programs;
      const std::string uuid = program["uuid"];
      EXPECT_EQ(program["aggregation_key"], "program:" + uuid);
      EXPECT_EQ(program["content_type"], "program");
      EXPECT_EQ(Int("SELECT count(*) FROM course_program WHERE course_key = '" +
                    key + "' AND program_key = '" + uuid + "'"),
                1);
      // The program's own row got its extended document in the same pass.
      EXPECT_TRUE(Stored(uuid).contains("authoring_organizations"));
    }
  }
  EXPECT_GT(with_programs, 0);
  EXPECT_GT(fetched, courses.size() / 2);
  // One request per 50 courses, however many queries share them.
  const stub::StubStats stats = stub_->stats();
  EXPECT_EQ(stats.courses_requests,
            static_cast<int64_t>((courses.size() + 49) / 50));
  EXPECT_EQ(stats.course_keys_requested, static_cast<int64_t>(courses.size()));
}

TEST_F(FullMetadataTest, ExcludedContentIsNeitherContainedNorListed) {
  const v1::Catalog catalog = Create(kCourses);
  std::vector<std::string> excluded =
      Keys(R"({"content_type": "course", "product_source": "emeritus"})");
  for (const char* type : {"bootcamp-2u", "empty"}) {
    for (const std::string& key : Keys(absl::StrCat(
             R"({"content_type": "course", "course_type": ")", type, "\"}"))) {
      excluded.push_back(key);
    }
  }
  ASSERT_FALSE(excluded.empty()) << "the stand-in serves no excluded content";
  const auto jobs = Drain();
  ASSERT_FALSE(jobs.empty());
  EXPECT_EQ(jobs.front().counts.items_excluded,
            static_cast<int64_t>(excluded.size()));
  const auto courses = ServedCourses(catalog);
  EXPECT_EQ(Members(catalog) + static_cast<int64_t>(excluded.size()),
            static_cast<int64_t>(Keys(kCourses).size()));
  for (const std::string& key : excluded) {
    EXPECT_FALSE(Contained(catalog, key)) << key;
    EXPECT_FALSE(courses.contains(key)) << key;
    EXPECT_EQ(
        Int("SELECT count(*) FROM content_metadata WHERE content_key = '" +
            key + "'"),
        0)
        << key;
  }
  // Executive education is allowed, and contained.
  const auto exec_ed = Keys(
      R"({"content_type": "course", "course_type": "executive-education-2u"})");
  ASSERT_FALSE(exec_ed.empty());
  EXPECT_TRUE(Contained(catalog, exec_ed.front()));
}

TEST_F(FullMetadataTest, AChangedCourseIsTheOnlyOneFetchedAgain) {
  const v1::Catalog catalog = Create(kCourses);
  Drain();
  const auto before = ServedCourses(catalog);
  ASSERT_GT(before.size(), 10u);
  const std::string changed = before.begin()->first;
  const std::string same = std::next(before.begin())->first;
  ASSERT_EQ(stub_->MutateCourses({changed}).size(), 1u);
  stub_->ResetStats();
  Advance(kHour);
  Refresh(catalog);
  const auto jobs = Drain();
  EXPECT_EQ(Count(jobs, JobKind::kFull, JobState::kSucceeded), 1);
  const stub::StubStats stats = stub_->stats();
  EXPECT_EQ(stats.courses_requests, 1);
  EXPECT_EQ(stats.course_keys_requested, 1);
  const auto after = ServedCourses(catalog);
  EXPECT_NE(after.at(changed)["full_description"],
            before.at(changed)["full_description"]);
  EXPECT_NE(after.at(changed)["modified"], before.at(changed)["modified"]);
  EXPECT_EQ(after.at(same).dump(), before.at(same).dump());
}

TEST_F(FullMetadataTest, ACoursesOutageKeepsEveryDocumentAndIsRetried) {
  const v1::Catalog catalog = Create(kCourses);
  Drain();
  const std::string stored = Documents();
  const auto before = ServedCourses(catalog);
  FaultRule down;
  down.target = FaultTarget::kCourses;
  down.kind = FaultKind::kStatus;
  down.status = 503;
  stub_->AddFault(down);
  // Past the freshness bound: every full document is due again.
  Advance(13 * kHour);
  ASSERT_TRUE(worker().ScheduleOnce().ok());
  const auto jobs = Drain();
  ASSERT_EQ(Count(jobs, JobKind::kFull, JobState::kQueued), 1);
  for (const auto& job : jobs) {
    if (job.kind == JobKind::kFull) {
      EXPECT_THAT(job.last_error, HasSubstr("batch(es) of full documents"));
    }
  }
  EXPECT_EQ(Documents(), stored);
  EXPECT_EQ(ServedCourses(catalog), before);
  EXPECT_GT(metrics::ContentMetrics::Get().FullBatchesFailedTotal("course"), 0);
  // Discovery is back: the retry fetches everything again.
  stub_->ClearFaults();
  Advance(kHour);
  const auto retried = Drain();
  EXPECT_EQ(Count(retried, JobKind::kFull, JobState::kSucceeded), 1);
  // Every in-use course was fetched by the retry (the injected clock).
  EXPECT_EQ(Int(absl::StrCat(
                "SELECT count(*) FROM content_metadata WHERE content_type = "
                "'course' AND content_key IN (SELECT content_key FROM "
                "content_in_use) AND full_fetched < 'epoch'::timestamptz + ",
                now_.load() - kHour / 2, " * interval '1 microsecond'")),
            0);
}

TEST_F(FullMetadataTest, MembershipDoesNotWaitForTheFullPass) {
  FaultRule down;
  down.target = FaultTarget::kCourses;
  down.kind = FaultKind::kStatus;
  down.status = 500;
  stub_->AddFault(down);
  const v1::Catalog catalog = Create(kCourses);
  Drain();
  const auto courses = ServedCourses(catalog);
  ASSERT_FALSE(courses.empty());
  EXPECT_TRUE(Contained(catalog, courses.begin()->first));
  // Search-only documents, already normalized from their nested runs.
  EXPECT_FALSE(courses.begin()->second.contains("owners"));
  EXPECT_TRUE(courses.begin()->second.contains("normalized_metadata"));
}

TEST_F(FullMetadataTest, NotifyContentChangedUpdatesACourseInPlace) {
  const v1::Catalog catalog = Create(kCourses);
  Drain();
  const auto before = ServedCourses(catalog);
  const std::string course = before.begin()->first;
  ASSERT_EQ(stub_->MutateCourses({course}).size(), 1u);
  stub_->ResetStats();

  v1::NotifyContentChangedRequest request;
  request.add_content_keys(course);
  request.add_content_keys("course-v1:Nobody+Knows+This");
  v1::NotifyContentChangedResponse response;
  const absl::Status st =
      core_->NotifyContentChanged(kOperator, request, &response);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_THAT(response.queued_keys(), ::testing::ElementsAre(course));
  EXPECT_THAT(response.unknown_keys(),
              ::testing::ElementsAre("course-v1:Nobody+Knows+This"));
  EXPECT_EQ(response.crawls_queued(), 1);
  EXPECT_EQ(response.full_job().kind(), v1::RefreshJob::FULL_METADATA);

  // Served from memory of the old document until the new one is committed;
  // the workers run on their own threads, as in production.
  config_.threads = 2;
  config_.poll_interval = std::chrono::milliseconds(20);
  config_.scheduler = false;
  worker_ = NewWorker();
  worker_->Start();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  Json served;
  while (std::chrono::steady_clock::now() < deadline) {
    served = ServedCourses(catalog).at(course);
    if (served["full_description"] != before.at(course)["full_description"]) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  worker_->Stop();
  EXPECT_NE(served["full_description"], before.at(course)["full_description"])
      << "not updated within 60 s";
  EXPECT_TRUE(served.contains("owners"));
  EXPECT_GE(stub_->stats().course_keys_requested, 1);
}

}  // namespace
}  // namespace ec::e2e_refresh
