// The full-metadata store against a real PostgreSQL: which rows the pass
// asks for and in what order, merging full documents (a course's programs
// become rows and links), rows discovery did not return or failed for,
// lease fencing, and publish events. Time is injected.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"
#include "tests/support/test_env.h"

namespace ec {
namespace {

using Json = nlohmann::ordered_json;
using storage::JobKind;
using storage::JobState;
using storage::Micros;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr Micros kSecond = 1000000;
constexpr Micros kHour = 3600 * kSecond;
constexpr Micros kT0 = 1767225600LL * kSecond;  // 2026-01-01T00:00:00Z
constexpr char kProgram[] = "8d9e2a4c-1b3f-4e5d-9a7c-6b8d0e2f4a61";

class FullMetadataStoreTest : public testing::SharedStoreTest<4> {
 protected:
  storage::RefreshQueue& queue() { return *env_->queue(); }
  storage::FullMetadataStore& full() { return *env_->full_metadata(); }

  // A catalog whose query holds `courses`, through a crawl; the full job that
  // crawl queued is leased and returned.
  storage::LeasedJob CatalogWithCourses(
      const std::vector<std::string>& courses) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "Catalog";
    c.enterprise_uuid = "11111111-1111-4111-8111-111111111111";
    c.filter = testing::Filter(R"({"content_type": "course"})");
    c.enabled_course_modes = {"verified"};
    EXPECT_TRUE(env_->store()->CreateCatalog(c).ok());
    EXPECT_TRUE(queue()
                    .EnqueueForCatalog(c.uuid, storage::JobReason::kRequested,
                                       std::nullopt, 3, kT0)
                    .ok());
    auto crawl = queue().Lease("w", 60 * kSecond, kT0);
    EXPECT_TRUE(crawl.ok() && crawl->has_value());
    std::vector<std::string> docs;
    for (const std::string& key : courses) {
      docs.push_back(testing::CourseDoc(key, "Search title " + key));
    }
    EXPECT_TRUE(
        queue()
            .CompleteWithCrawl(**crawl, testing::Records(docs), {}, {}, kT0)
            .ok());
    auto leased = queue().Lease("w", 60 * kSecond, kT0 + kSecond);
    EXPECT_TRUE(leased.ok() && leased->has_value());
    EXPECT_EQ((*leased)->job.kind, JobKind::kFull);
    return **leased;
  }

  std::vector<std::string> Next(const storage::LeasedJob& lease,
                                const std::string& type, Micros since) {
    auto keys = full().NextFullWork(lease, type, since, since - 12 * kHour, 50);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? *keys : std::vector<std::string>();
  }

  Json Stored(const std::string& key) {
    auto text = env_->QueryText(
        "SELECT json_metadata FROM content_metadata WHERE content_key = '" +
        key + "'");
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? Json::parse(*text) : Json();
  }

  int64_t Int(const std::string& sql) {
    auto v = env_->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status() << " " << sql;
    return v.ok() ? *v : -1;
  }

  static Json FullCourse(const std::string& key) {
    return {
        {"key", key},
        {"title", "Full title"},
        {"owners", {{{"name", "edX"}}}},
        {"advertised_course_run_uuid", nullptr},
        {"course_runs", Json::array()},
        {"subjects", Json::array()},
        {"programs",
         {{{"uuid", kProgram}, {"title", "A program"}, {"type", "XSeries"}}}}};
  }
};

TEST_F(FullMetadataStoreTest,
       ACoursesFullDocumentIsMergedAndItsProgramsStored) {
  const auto lease = CatalogWithCourses({"edX+A", "edX+B"});
  EXPECT_THAT(Next(lease, "course", kT0 + kSecond),
              ElementsAre("edX+A", "edX+B"));
  const Json before = Stored("edX+A");

  // Discovery returns A only; B keeps its document and is not asked again.
  auto applied = full().ApplyFullDocuments(
      lease, "course", {"edX+A", "edX+B"}, {FullCourse("edX+A")},
      domain::InclusionRules(), kT0 + 2 * kSecond);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->documents_changed, 1);
  EXPECT_EQ(applied->not_returned, 1);
  EXPECT_EQ(applied->programs_inserted, 1);

  const Json a = Stored("edX+A");
  EXPECT_EQ(a["title"], "Full title");
  EXPECT_EQ(a["owners"][0]["name"], "edX");
  // Search/all fields the full document lacks survive.
  EXPECT_EQ(a["aggregation_key"], before["aggregation_key"]);
  EXPECT_TRUE(a.contains("normalized_metadata"));
  EXPECT_EQ(a["programs"][0]["aggregation_key"],
            absl::StrCat("program:", kProgram));
  EXPECT_EQ(Int(absl::StrCat("SELECT count(*) FROM course_program WHERE "
                             "course_key = 'edX+A' AND program_key = '",
                             kProgram, "'")),
            1);
  EXPECT_EQ(Stored(kProgram)["content_type"], "program");
  EXPECT_EQ(
      Stored("edX+B").dump(),
      testing::Records({testing::CourseDoc("edX+B", "Search title edX+B")})
          .front()
          .json_metadata);
  EXPECT_THAT(Next(lease, "course", kT0 + kSecond), IsEmpty());
  // The program listed by A is in use through A, and wants its document.
  EXPECT_THAT(Next(lease, "program", kT0 + kSecond), ElementsAre(kProgram));

  // The same full document again changes nothing.
  ASSERT_TRUE(env_->Exec("UPDATE content_metadata SET full_wanted = true "
                         "WHERE content_key = 'edX+A'")
                  .ok());
  applied = full().ApplyFullDocuments(
      lease, "course", {"edX+A"}, {FullCourse("edX+A")},
      domain::InclusionRules(), kT0 + 3 * kSecond);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->documents_unchanged, 1);
  EXPECT_EQ(applied->documents_changed, 0);
}

// Issue 14: the full pass fetched a course, then a crawl stored a newer
// version of it before the batch was applied. Merging the older full document
// used to put its fields over the crawl's and clear full_wanted, so the newer
// full document was never fetched. It is left unmerged and still wanted: the
// pass moves on, and the next pass fetches it again.
TEST_F(FullMetadataStoreTest, AFullDocumentOlderThanTheStoredOneIsNotMerged) {
  const auto lease = CatalogWithCourses({"edX+A", "edX+B"});
  // The crawl's newer document (as a crawl with include_modified stores it).
  ASSERT_TRUE(
      env_->Exec("UPDATE content_metadata SET json_metadata = "
                 "jsonb_set(json_metadata::jsonb, '{modified}', "
                 "'\"2026-09-01T00:01:00Z\"')::text, full_wanted = true "
                 "WHERE content_key = 'edX+A'")
          .ok());
  const Json before = Stored("edX+A");
  Json older = FullCourse("edX+A");
  older["modified"] = "2025-01-22T20:47:06.123456Z";
  Json newer_b = FullCourse("edX+B");
  newer_b["modified"] = "2025-01-22T20:47:06Z";  // B's stored one has none

  auto applied = full().ApplyFullDocuments(
      lease, "course", {"edX+A", "edX+B"}, {older, newer_b},
      domain::InclusionRules(), kT0 + 2 * kSecond);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->documents_outdated, 1);
  EXPECT_EQ(applied->documents_changed, 1);
  EXPECT_EQ(Stored("edX+A"), before);
  EXPECT_EQ(Stored("edX+B")["title"], "Full title");
  EXPECT_EQ(Int("SELECT count(*) FROM content_metadata WHERE full_wanted "
                "AND content_key = 'edX+A'"),
            1);
  // This pass moves on; the next one asks for A again.
  EXPECT_THAT(Next(lease, "course", kT0 + kSecond), IsEmpty());
  EXPECT_THAT(Next(lease, "course", kT0 + kHour), ElementsAre("edX+A"));

  // Once discovery's full document has caught up, it is merged.
  older["modified"] = "2026-09-01T00:01:00Z";
  applied =
      full().ApplyFullDocuments(lease, "course", {"edX+A"}, {older},
                                domain::InclusionRules(), kT0 + 2 * kHour);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->documents_outdated, 0);
  EXPECT_EQ(applied->documents_changed, 1);
  EXPECT_EQ(Stored("edX+A")["title"], "Full title");
}

TEST_F(FullMetadataStoreTest, FailedRowsAreSkippedForTheRestOfTheAttempt) {
  const auto lease = CatalogWithCourses({"edX+A", "edX+B"});
  const Json before = Stored("edX+A");
  ASSERT_TRUE(full().MarkFullFailed(lease, {"edX+A"}, kT0 + 2 * kSecond).ok());
  EXPECT_THAT(Next(lease, "course", kT0 + kSecond), ElementsAre("edX+B"));
  EXPECT_EQ(Stored("edX+A"), before);
  // The next attempt asks for it again, first: it is still flagged.
  EXPECT_THAT(Next(lease, "course", kT0 + kHour),
              ElementsAre("edX+A", "edX+B"));
}

TEST_F(FullMetadataStoreTest, ALostLeaseChangesNothing) {
  auto lease = CatalogWithCourses({"edX+A"});
  const Json before = Stored("edX+A");
  lease.lease_token = common::NewUuidV4();
  auto applied = full().ApplyFullDocuments(lease, "course", {"edX+A"},
                                           {FullCourse("edX+A")},
                                           domain::InclusionRules(), kT0);
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Stored("edX+A"), before);
  EXPECT_EQ(full().CompleteFull(lease, {}, kT0).status().code(),
            absl::StatusCode::kAborted);
}

TEST_F(FullMetadataStoreTest, CompletingWithWorkLeftQueuesTheNextPass) {
  const auto lease = CatalogWithCourses({"edX+A"});
  // A publish event during the pass flags A again after its last batch.
  auto notice = queue().NotifyContentChanged({"edX+A"}, 3, kT0 + 2 * kSecond);
  ASSERT_TRUE(notice.ok()) << notice.status();
  EXPECT_THAT(notice->queued_keys, ElementsAre("edX+A"));
  ASSERT_TRUE(notice->full_job.has_value());
  EXPECT_EQ(notice->full_job->uuid, lease.job.uuid);  // joined the running one
  auto done = full().CompleteFull(lease, {}, kT0 + 3 * kSecond);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, JobState::kSucceeded);
  EXPECT_EQ(Int("SELECT count(*) FROM refresh_job WHERE kind = 'full' AND "
                "state = 'queued'"),
            1);
}

}  // namespace
}  // namespace ec
