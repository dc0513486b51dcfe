// Storage tests against a real PostgreSQL (the CTest fixture's throwaway
// cluster). They pin the catalog rules at the layer that implements them.
#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "google/protobuf/util/json_util.h"
#include "storage/pg/migrate.h"
#include "storage/pg/statements.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

using testing::Filter;

class StoreTest : public testing::SharedStoreTest<> {
 protected:
  storage::CatalogStore& store() { return *env_->store(); }

  storage::CatalogRow Create(const std::string& filter_json,
                             const std::string& enterprise = kEnterpriseA,
                             std::string uuid = "") {
    storage::NewCatalog c;
    c.uuid = uuid.empty() ? common::NewUuidV4() : uuid;
    c.title = "Catalog " + c.uuid.substr(0, 8);
    c.enterprise_uuid = enterprise;
    c.filter = Filter(filter_json);
    c.enabled_course_modes = {"verified", "audit"};
    auto row = store().CreateCatalog(c);
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? *row : storage::CatalogRow{};
  }

  int64_t QueryIdOf(const storage::CatalogRow& catalog) {
    auto id = env_->QueryInt(
        "SELECT catalog_query_id FROM enterprise_catalog WHERE uuid = '" +
        catalog.uuid + "'");
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : -1;
  }

  storage::ReplaceResult Load(const storage::CatalogRow& catalog,
                              const std::vector<std::string>& docs) {
    auto result =
        store().ReplaceQueryContent(QueryIdOf(catalog), testing::Records(docs));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : storage::ReplaceResult{};
  }

  std::vector<std::string> Contained(const storage::CatalogRow& catalog,
                                     const std::vector<std::string>& keys) {
    auto contained = store().ContainedKeys(catalog.uuid, keys);
    EXPECT_TRUE(contained.ok()) << contained.status();
    if (!contained.ok()) return {"<error>"};
    EXPECT_EQ(contained->enterprise_uuid, catalog.enterprise_uuid);
    return contained->keys;
  }

  // A catalog holding: course edX+DemoX with a run known only from its
  // nested course_runs, a standalone run of a course that is itself not in
  // the catalog, a program and a learner pathway.
  storage::CatalogRow MixedCatalog() {
    auto catalog = Create(R"({"content_type": ["course", "courserun"]})");
    Load(catalog, {testing::CourseDoc("edX+DemoX", "Demo",
                                      {"course-v1:edX+DemoX+1T2026"}),
                   testing::RunDoc("course-v1:MITx+6.00x+2T2026", "MITx+6.00x"),
                   testing::ProgramDoc(kProgram, "A program"),
                   testing::PathwayDoc(kPathway, "A pathway")});
    return catalog;
  }

  static constexpr char kEnterpriseA[] = "11111111-1111-4111-8111-111111111111";
  static constexpr char kEnterpriseB[] = "22222222-2222-4222-8222-222222222222";
  static constexpr char kProgram[] = "a3951294-926b-4247-8c3c-51c1e4347a15";
  static constexpr char kPathway[] = "786bbe57-e06c-4eee-92f4-49087fccc200";
};

TEST_F(StoreTest, MigrationsAreIdempotentAndRecorded) {
  auto again = storage::pg::Migrate(env_->config());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(again->applied, IsEmpty());
  EXPECT_EQ(again->from_version,
            storage::pg::EmbeddedMigrations().back().version);
  auto count = env_->QueryInt("SELECT count(*) FROM schema_migrations");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count,
            static_cast<int64_t>(storage::pg::EmbeddedMigrations().size()));
}

TEST(MigrateTest, ConcurrentReplicasApplyEachMigrationOnce) {
  auto db = testing::PgTestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  storage::pg::PgConfig config;
  config.url = (*db)->dsn();
  std::vector<absl::StatusOr<storage::pg::MigrateResult>> results(4);
  std::vector<std::thread> threads;
  for (auto& r : results) {
    threads.emplace_back([&r, &config] { r = storage::pg::Migrate(config); });
  }
  for (auto& t : threads) t.join();
  size_t applied = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    applied += r->applied.size();
  }
  EXPECT_EQ(applied, storage::pg::EmbeddedMigrations().size());
}

// An import writes through ReplaceQueryContent, and a large one analyzes
// what it changed as a crawl does (QueueTest.AnAppliedCrawlAnalyzes...).
TEST_F(StoreTest, ALargeImportAnalyzesTheTablesItFilled) {
  ASSERT_TRUE(
      env_->Exec(
              "ALTER TABLE content_metadata SET (autovacuum_enabled = false)")
          .ok());
  auto catalog = Create(R"({"content_type": "course"})");
  std::vector<std::string> docs;
  for (int i = 0; i < 120; ++i) {
    docs.push_back(testing::CourseDoc("edX+I" + std::to_string(i), "Course"));
  }
  Load(catalog, docs);
  auto planned = env_->QueryInt(
      "SELECT reltuples::bigint FROM pg_class "
      "WHERE oid = 'content_metadata'::regclass");
  ASSERT_TRUE(planned.ok()) << planned.status();
  EXPECT_EQ(*planned, 120);
  ASSERT_TRUE(
      env_->Exec("ALTER TABLE content_metadata RESET (autovacuum_enabled)")
          .ok());
}

TEST_F(StoreTest, CreateThenGetRoundTrips) {
  auto created = Create(R"({"content_type": "courserun"})");
  auto got = store().GetCatalog(created.uuid);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->title, created.title);
  EXPECT_EQ(got->enterprise_uuid, kEnterpriseA);
  EXPECT_EQ(got->content_filter_json, R"({"content_type": "courserun"})");
  EXPECT_EQ(got->content_filter_hash, "58652973bc814f1a8df3942010c57c84");
  EXPECT_THAT(got->enabled_course_modes, ElementsAre("verified", "audit"));
  EXPECT_FALSE(got->content_refreshed.has_value());
  EXPECT_EQ(got->content_count, 0);
}

TEST_F(StoreTest, DuplicateUuidIsAlreadyExistsAndKeepsTheOriginal) {
  auto first = Create(R"({"a": 1})");
  storage::NewCatalog dup;
  dup.uuid = first.uuid;
  dup.title = "other";
  dup.enterprise_uuid = kEnterpriseB;
  dup.filter = Filter(R"({"b": 2})");
  auto result = store().CreateCatalog(dup);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists);
  auto got = store().GetCatalog(first.uuid);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->title, first.title);
  EXPECT_EQ(got->enterprise_uuid, kEnterpriseA);
  // The failed create left no orphan query behind either.
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM catalog_query"), 1);
}

TEST_F(StoreTest, CatalogsWithTheSameFilterShareOneQuery) {
  // Key order and whitespace differ; the canonical text does not.
  auto a = Create(R"({"partner": "edx", "content_type": ["course"]})");
  auto b =
      Create(R"({"content_type":["course"],"partner":"edx"})", kEnterpriseB);
  auto c = Create(R"({"content_type": ["course"], "partner": "mitx"})");
  EXPECT_EQ(a.catalog_query_uuid, b.catalog_query_uuid);
  EXPECT_NE(a.catalog_query_uuid, c.catalog_query_uuid);
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM catalog_query"), 2);
}

TEST_F(StoreTest, GetCatalogQueryByUuidAndByHashCountsItsCatalogs) {
  auto a = Create(R"({"partner": "edx", "content_type": ["course"]})");
  auto b =
      Create(R"({"content_type":["course"],"partner":"edx"})", kEnterpriseB);
  Create(R"({"content_type": ["course"], "partner": "mitx"})");
  using By = storage::CatalogQueryLookup::By;

  // Never refreshed: no count, no time.
  auto fresh = store().GetCatalogQuery({By::kUuid, a.catalog_query_uuid});
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->uuid, a.catalog_query_uuid);
  EXPECT_EQ(fresh->content_filter_json, a.content_filter_json);
  EXPECT_EQ(fresh->content_filter_hash, a.content_filter_hash);
  EXPECT_EQ(fresh->content_count, 0);
  EXPECT_FALSE(fresh->content_refreshed.has_value());
  EXPECT_EQ(fresh->catalog_count, 2);

  Load(a, {testing::CourseDoc("edX+DemoX", "Demo"),
           testing::CourseDoc("edX+Other", "Other")});
  auto by_uuid = store().GetCatalogQuery({By::kUuid, a.catalog_query_uuid});
  ASSERT_TRUE(by_uuid.ok()) << by_uuid.status();
  EXPECT_EQ(by_uuid->content_count, 2);
  ASSERT_TRUE(by_uuid->content_refreshed.has_value());
  auto catalog = store().GetCatalog(b.uuid);
  ASSERT_TRUE(catalog.ok());
  EXPECT_EQ(by_uuid->content_refreshed, catalog->content_refreshed);

  auto by_hash = store().GetCatalogQuery({By::kHash, a.content_filter_hash});
  ASSERT_TRUE(by_hash.ok()) << by_hash.status();
  EXPECT_EQ(by_hash->uuid, by_uuid->uuid);
  EXPECT_EQ(by_hash->content_filter_json, by_uuid->content_filter_json);
  EXPECT_EQ(by_hash->content_count, 2);
  EXPECT_EQ(by_hash->content_refreshed, by_uuid->content_refreshed);
  EXPECT_EQ(by_hash->catalog_count, 2);

  // The query outlives its catalogs.
  ASSERT_TRUE(store().DeleteCatalog(a.uuid, a.enterprise_uuid).ok());
  ASSERT_TRUE(store().DeleteCatalog(b.uuid, b.enterprise_uuid).ok());
  by_hash = store().GetCatalogQuery({By::kHash, a.content_filter_hash});
  ASSERT_TRUE(by_hash.ok()) << by_hash.status();
  EXPECT_EQ(by_hash->catalog_count, 0);

  const std::string missing = common::NewUuidV4();
  auto none = store().GetCatalogQuery({By::kUuid, missing});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "catalog query " + missing + " not found");
  none =
      store().GetCatalogQuery({By::kHash, "0123456789abcdef0123456789abcdef"});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(),
            "no catalog query has content_filter_hash "
            "0123456789abcdef0123456789abcdef");
}

TEST_F(StoreTest, ConcurrentCreatesWithOneFilterMakeOneQuery) {
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<storage::CatalogRow>> rows(6);
  for (auto& row : rows) {
    threads.emplace_back([this, &row] {
      storage::NewCatalog c;
      c.uuid = common::NewUuidV4();
      c.title = "t";
      c.enterprise_uuid = kEnterpriseA;
      c.filter = Filter(R"({"org": "HarvardX"})");
      row = store().CreateCatalog(c);
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> queries;
  for (const auto& row : rows) {
    ASSERT_TRUE(row.ok()) << row.status();
    queries.insert(row->catalog_query_uuid);
  }
  EXPECT_EQ(queries.size(), 1u);
}

TEST_F(StoreTest, ChangingOneCatalogsFilterNeverChangesAnother) {
  auto a = Create(R"({"content_type": "course"})");
  auto b = Create(R"({"content_type": "course"})");
  Load(a, {testing::CourseDoc("edX+DemoX", "Demo")});
  storage::CatalogUpdate update;
  update.uuid = a.uuid;
  update.enterprise_uuid = a.enterprise_uuid;
  update.filter = Filter(R"({"content_type": "program"})");
  auto updated = store().UpdateCatalog(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE(updated->catalog_query_uuid, b.catalog_query_uuid);
  EXPECT_EQ(updated->content_filter_json, R"({"content_type": "program"})");
  // a moved to a never-refreshed query: it contains nothing yet...
  EXPECT_THAT(Contained(a, {"edX+DemoX"}), IsEmpty());
  // ...while b keeps its content and its query's filter.
  EXPECT_THAT(Contained(b, {"edX+DemoX"}), ElementsAre("edX+DemoX"));
  auto b_now = store().GetCatalog(b.uuid);
  ASSERT_TRUE(b_now.ok());
  EXPECT_EQ(b_now->content_filter_json, R"({"content_type": "course"})");
  EXPECT_EQ(b_now->content_count, 1);
}

TEST_F(StoreTest, UpdateChangesOnlyTheGivenFields) {
  auto a = Create(R"({"x": 1})");
  storage::CatalogUpdate update;
  update.uuid = a.uuid;
  update.enterprise_uuid = a.enterprise_uuid;
  update.title = "Renamed";
  update.publish_audit_enrollment_urls = true;
  auto updated = store().UpdateCatalog(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->title, "Renamed");
  EXPECT_TRUE(updated->publish_audit_enrollment_urls);
  EXPECT_EQ(updated->enterprise_name, a.enterprise_name);
  EXPECT_EQ(updated->catalog_query_uuid, a.catalog_query_uuid);
  EXPECT_THAT(updated->enabled_course_modes, ElementsAre("verified", "audit"));
  EXPECT_GT(updated->modified, a.modified);
  EXPECT_EQ(updated->created, a.created);

  update.uuid = common::NewUuidV4();
  EXPECT_EQ(store().UpdateCatalog(update).status().code(),
            absl::StatusCode::kNotFound);

  // Issue 14, defect 9: the writes themselves are scoped to the enterprise
  // the caller was authorized for, not only the check before them.
  update.uuid = a.uuid;
  update.enterprise_uuid = common::NewUuidV4();
  update.title = "Hijacked";
  EXPECT_EQ(store().UpdateCatalog(update).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store().DeleteCatalog(a.uuid, common::NewUuidV4()).code(),
            absl::StatusCode::kNotFound);
  auto kept = store().GetCatalog(a.uuid);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->title, "Renamed");
}

TEST_F(StoreTest, ContainsCourseRunRules) {
  auto catalog = MixedCatalog();
  // A run is contained when it is a member itself...
  EXPECT_THAT(Contained(catalog, {"course-v1:MITx+6.00x+2T2026"}),
              ElementsAre("course-v1:MITx+6.00x+2T2026"));
  // ...or when its parent course is (the run is known only from the
  // course's nested course_runs).
  EXPECT_THAT(Contained(catalog, {"course-v1:edX+DemoX+1T2026"}),
              ElementsAre("course-v1:edX+DemoX+1T2026"));
  // A course is contained when it is a member...
  EXPECT_THAT(Contained(catalog, {"edX+DemoX"}), ElementsAre("edX+DemoX"));
  // ...or when any of its runs is.
  EXPECT_THAT(Contained(catalog, {"MITx+6.00x"}), ElementsAre("MITx+6.00x"));
}

TEST_F(StoreTest, ContainsProgramsAndPathwaysByUuid) {
  auto catalog = MixedCatalog();
  EXPECT_THAT(Contained(catalog, {kProgram, kPathway}),
              UnorderedElementsAre(kProgram, kPathway));
  // A program in the catalog does not make anything else contained.
  EXPECT_THAT(Contained(catalog, {"b6d1f7a0-3c2e-4b8f-9d41-6e5a2c8f0b17"}),
              IsEmpty());
}

TEST_F(StoreTest, ContainsMatchesExactStringsOnly) {
  auto catalog = MixedCatalog();
  EXPECT_THAT(
      Contained(catalog, {"edx+demox", "EDX+DEMOX", " edX+DemoX", "edX+DemoX ",
                          "edX DemoX", "edX+DemoX,MITx+6.00x", "unknown"}),
      IsEmpty());
  // Uuids too: an upper-case program uuid is a different key.
  std::string upper = kProgram;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  EXPECT_THAT(Contained(catalog, {upper}), IsEmpty());
}

TEST_F(StoreTest, NeverRefreshedCatalogContainsNothing) {
  auto loaded = MixedCatalog();
  auto fresh = Create(R"({"never": "refreshed"})");
  EXPECT_THAT(
      Contained(fresh, {"edX+DemoX", kProgram, "course-v1:edX+DemoX+1T2026"}),
      IsEmpty());
  auto row = store().GetCatalog(fresh.uuid);
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->content_refreshed.has_value());
}

TEST_F(StoreTest, UnknownCatalogIsNotFound) {
  auto result = store().ContainedKeys(common::NewUuidV4(), {"edX+DemoX"});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  storage::MetadataQuery q;
  q.catalog_uuid = common::NewUuidV4();
  EXPECT_EQ(store().GetCatalogMetadata(q).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      store().DeleteCatalog(common::NewUuidV4(), common::NewUuidV4()).code(),
      absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, CustomerContainsListsOnlyThatCustomersMatchingCatalogs) {
  auto a1 = Create(R"({"q": 1})");
  auto a2 = Create(R"({"q": 2})");
  auto a3 = Create(R"({"q": 3})");
  auto b1 = Create(R"({"q": 1})", kEnterpriseB);  // shares a1's query
  Load(a1, {testing::CourseDoc("edX+DemoX", "Demo",
                               {"course-v1:edX+DemoX+1T2026"})});
  Load(a2, {testing::RunDoc("course-v1:edX+DemoX+2T2026", "edX+DemoX")});
  Load(a3, {testing::ProgramDoc(kProgram, "p")});
  auto hits = store().CatalogsContainingAny(kEnterpriseA, {"edX+DemoX"});
  ASSERT_TRUE(hits.ok()) << hits.status();
  // Creation order; a3 holds nothing relevant; b1 is another customer's.
  EXPECT_THAT(*hits, ElementsAre(a1.uuid, a2.uuid));
  hits = store().CatalogsContainingAny(
      kEnterpriseA, {"course-v1:edX+DemoX+1T2026", kProgram});
  ASSERT_TRUE(hits.ok());
  EXPECT_THAT(*hits, ElementsAre(a1.uuid, a3.uuid));
  hits = store().CatalogsContainingAny(kEnterpriseB, {kProgram});
  ASSERT_TRUE(hits.ok());
  EXPECT_THAT(*hits, IsEmpty());
  hits = store().CatalogsContainingAny(common::NewUuidV4(), {"edX+DemoX"});
  ASSERT_TRUE(hits.ok());
  EXPECT_THAT(*hits, IsEmpty());
}

TEST_F(StoreTest, DeletingACatalogNeverDeletesContent) {
  auto a = Create(R"({"shared": true})");
  auto b = Create(R"({"shared": true})");
  auto solo = Create(R"({"solo": true})");
  Load(a, {testing::CourseDoc("edX+DemoX", "Demo")});
  Load(solo, {testing::CourseDoc("MITx+1", "Solo")});
  ASSERT_TRUE(store().DeleteCatalog(a.uuid, a.enterprise_uuid).ok());
  ASSERT_TRUE(store().DeleteCatalog(solo.uuid, solo.enterprise_uuid).ok());
  EXPECT_EQ(store().GetCatalog(a.uuid).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(Contained(b, {"edX+DemoX"}), ElementsAre("edX+DemoX"));
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM content_metadata"), 2);
  auto rows = testing::ContentRows(store(), {"edX+DemoX", "MITx+1"});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 2u);
}

TEST_F(StoreTest, ReplaceDiffsMembershipAndSkipsUnchangedDocuments) {
  auto catalog = Create(R"({"diff": 1})");
  auto first = Load(catalog, {testing::CourseDoc("A+1", "One"),
                              testing::CourseDoc("B+2", "Two"),
                              testing::CourseDoc("C+3", "Three")});
  EXPECT_EQ(first.members, 3);
  EXPECT_EQ(first.members_added, 3);
  EXPECT_EQ(first.content_inserted, 3);
  const auto modified_before = *env_->QueryText(
      "SELECT modified::text FROM content_metadata WHERE content_key = 'A+1'");

  auto second = Load(catalog, {testing::CourseDoc("A+1", "One"),
                               testing::CourseDoc("B+2", "Two v2"),
                               testing::CourseDoc("D+4", "Four")});
  EXPECT_EQ(second.members, 3);
  EXPECT_EQ(second.members_added, 1);    // D+4
  EXPECT_EQ(second.members_removed, 1);  // C+3
  EXPECT_EQ(second.content_inserted, 1);
  // An existing course takes only the plucked search/all fields (Django's
  // rule), and a title is not one: B+2's stored document stays as it was.
  EXPECT_EQ(second.content_updated, 0);
  EXPECT_EQ(second.content_unchanged, 2);
  EXPECT_EQ(*env_->QueryText("SELECT modified::text FROM content_metadata "
                             "WHERE content_key = 'A+1'"),
            modified_before);
  // C+3 is unlinked, never deleted.
  EXPECT_EQ(
      *env_->QueryInt(
          "SELECT count(*) FROM content_metadata WHERE content_key = 'C+3'"),
      1);
  EXPECT_THAT(Contained(catalog, {"A+1", "B+2", "C+3", "D+4"}),
              UnorderedElementsAre("A+1", "B+2", "D+4"));
  auto row = store().GetCatalog(catalog.uuid);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->content_count, 3);
  EXPECT_TRUE(row->content_refreshed.has_value());
}

TEST_F(StoreTest, RunKnownOnlyFromItsCourseNeverOverwritesTheRunsOwnDocument) {
  auto runs = Create(R"({"content_type": "courserun"})");
  auto courses = Create(R"({"content_type": "course"})");
  Load(runs, {testing::RunDoc("course-v1:edX+DemoX+1T2026", "edX+DemoX",
                              "Full run")});
  Load(courses, {testing::CourseDoc("edX+DemoX", "Demo",
                                    {"course-v1:edX+DemoX+1T2026"})});
  auto rows = testing::ContentRows(store(), {"course-v1:edX+DemoX+1T2026"});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].title, "Full run");
  EXPECT_THAT((*rows)[0].json_metadata,
              ::testing::HasSubstr("aggregation_key"));
  EXPECT_EQ((*rows)[0].parent_content_key, "edX+DemoX");
  // The nested run is not a member of the course query, but is contained.
  EXPECT_EQ(*env_->QueryInt(
                "SELECT count(*) FROM catalog_query_content qc JOIN "
                "enterprise_catalog c "
                "ON c.catalog_query_id = qc.catalog_query_id WHERE c.uuid = '" +
                courses.uuid + "'"),
            1);
  EXPECT_THAT(Contained(courses, {"course-v1:edX+DemoX+1T2026"}),
              ElementsAre("course-v1:edX+DemoX+1T2026"));
}

TEST_F(StoreTest, HostileKeysAreStoredAndMatchedExactly) {
  const std::vector<std::string> keys = {
      R"(quote"key)",
      R"(back\slash)",
      R"(both\"mixed\\)",
      "{braces,commas}",
      "'; DROP TABLE content_metadata; --",
      "NULL",
      "",  // placeholder replaced below: keys must be non-empty
      "caf\xc3\xa9+\xe8\xaf\xbe\xe7\xa8\x8b+\xf0\x9f\x98\x80",
      "with space",
      std::string(255, 'k'),
  };
  std::vector<std::string> docs;
  std::vector<std::string> stored;
  for (const auto& k : keys) {
    if (k.empty()) continue;
    stored.push_back(k);
    docs.push_back(testing::CourseDoc(k, "Hostile " + k));
  }
  auto catalog = Create(R"({"hostile": "yes"})");
  Load(catalog, docs);
  EXPECT_THAT(Contained(catalog, stored), UnorderedElementsAreArray(stored));
  // Near misses are not contained.
  EXPECT_THAT(Contained(catalog, {R"(quote\"key)", R"(back\\slash)", "null",
                                  "{braces}"}),
              IsEmpty());
  auto rows = testing::ContentRows(store(), stored);
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> got;
  for (const auto& r : *rows) got.push_back(r.content_key);
  EXPECT_THAT(got, UnorderedElementsAreArray(stored));
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM content_metadata"),
            static_cast<int64_t>(stored.size()));
}

TEST_F(StoreTest, MetadataPagesInKeyOrderWithoutGapsOrRepeats) {
  auto catalog = Create(R"({"paged": 1})");
  std::vector<std::string> docs;
  std::vector<std::string> expected;
  for (int i = 0; i < 57; ++i) {
    const std::string key = "Org+C" + std::to_string(1000 - i * 7);
    docs.push_back(testing::CourseDoc(key, "Course " + key));
    expected.push_back(key);
  }
  docs.push_back(testing::ProgramDoc(kProgram, "p"));
  expected.push_back(kProgram);
  Load(catalog, docs);
  std::sort(expected.begin(), expected.end());

  std::vector<std::string> seen;
  storage::MetadataQuery q;
  q.catalog_uuid = catalog.uuid;
  q.limit = 10;
  int pages = 0;
  while (true) {
    auto page = store().GetCatalogMetadata(q);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total_count, 58);
    EXPECT_EQ(page->catalog_uuid, catalog.uuid);
    EXPECT_EQ(page->catalog_title, catalog.title);
    EXPECT_EQ(page->enterprise_uuid, kEnterpriseA);
    ++pages;
    for (const auto& item : page->items) seen.push_back(item.content_key);
    if (!page->has_more) break;
    q.after_key = page->items.back().content_key;
  }
  EXPECT_EQ(pages, 6);
  EXPECT_EQ(seen, expected);
}

TEST_F(StoreTest, MetadataFiltersByTypeAndByKeysWithExpansion) {
  auto catalog = MixedCatalog();
  storage::MetadataQuery q;
  q.catalog_uuid = catalog.uuid;
  q.limit = 100;
  q.content_types = {"program", "learnerpathway"};
  auto page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_count, 2);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].content_key, kPathway);  // "786b..." < "a395..."
  EXPECT_EQ(page->items[0].title, "A pathway");
  EXPECT_EQ(page->items[1].content_type, "program");

  // A run key returns its member parent course; a course key returns its
  // member runs; unknown keys nothing.
  q.content_types.clear();
  q.content_keys = {"course-v1:edX+DemoX+1T2026", "MITx+6.00x", "nope"};
  page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_count, 2);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].content_key, "course-v1:MITx+6.00x+2T2026");
  EXPECT_EQ(page->items[0].parent_content_key, "MITx+6.00x");
  EXPECT_EQ(page->items[1].content_key, "edX+DemoX");

  // Both filters at once, with paging over the filtered set.
  q.content_keys = {"edX+DemoX", "course-v1:MITx+6.00x+2T2026", kProgram};
  q.content_types = {"course", "program"};
  q.limit = 1;
  page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total_count, 2);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_TRUE(page->has_more);
  q.after_key = page->items[0].content_key;
  page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->has_more);
}

TEST_F(StoreTest, MetadataOfAnEmptyCatalogIsAnEmptyPage) {
  auto catalog = Create(R"({"empty": 1})");
  storage::MetadataQuery q;
  q.catalog_uuid = catalog.uuid;
  auto page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_count, 0);
  EXPECT_THAT(page->items, IsEmpty());
  EXPECT_FALSE(page->has_more);
  EXPECT_EQ(page->catalog_title, catalog.title);
}

TEST_F(StoreTest, DocumentsAreServedAsStored) {
  auto catalog = Create(R"({"docs": 1})");
  const std::string doc =
      testing::CourseDoc("edX+DemoX", "Caf\xc3\xa9 \"quoted\" \\ course");
  Load(catalog, {doc});
  auto rows = testing::ContentRows(store(), {"edX+DemoX"});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  // As stored: the document with the normalized metadata of a course.
  EXPECT_TRUE(
      (*rows)[0].json_metadata.starts_with(doc.substr(0, doc.size() - 1)))
      << (*rows)[0].json_metadata;
  EXPECT_NE((*rows)[0].json_metadata.find("\"normalized_metadata\":"),
            std::string::npos);
  EXPECT_EQ(
      *env_->QueryText(
          "SELECT attcompression::text FROM pg_attribute WHERE attrelid = "
          "'content_metadata'::regclass AND attname = 'json_metadata'"),
      "l");
}

TEST_F(StoreTest, ListCatalogsPagesByCreationAndFiltersByEnterprise) {
  std::vector<std::string> a_uuids;
  for (int i = 0; i < 5; ++i) {
    a_uuids.push_back(Create(R"({"n": )" + std::to_string(i) + "}").uuid);
    Create(R"({"m": )" + std::to_string(i) + "}", kEnterpriseB);
  }
  storage::ListCatalogsQuery q;
  q.enterprise_uuids = std::vector<std::string>{kEnterpriseA};
  q.limit = 2;
  std::vector<std::string> seen;
  while (true) {
    auto page = store().ListCatalogs(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& c : page->catalogs) {
      EXPECT_EQ(c.enterprise_uuid, kEnterpriseA);
      seen.push_back(c.uuid);
    }
    if (!page->has_more) break;
    q.after = storage::CatalogCursor{page->catalogs.back().created,
                                     page->catalogs.back().uuid};
  }
  EXPECT_EQ(seen, a_uuids);
  storage::ListCatalogsQuery all;
  all.limit = 100;
  auto page = store().ListCatalogs(all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->catalogs.size(), 10u);
  EXPECT_FALSE(page->has_more);

  // A caller's enterprise set: both, or none at all.
  storage::ListCatalogsQuery both;
  both.enterprise_uuids = std::vector<std::string>{kEnterpriseA, kEnterpriseB};
  page = store().ListCatalogs(both);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->catalogs.size(), 10u);
  storage::ListCatalogsQuery none;
  none.enterprise_uuids = std::vector<std::string>{};
  page = store().ListCatalogs(none);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->catalogs.empty());
}

TEST(UnreachableDatabaseTest, CallsFailUnavailable) {
  const storage::pg::PgConfig config = testing::UnreachableDatabaseConfig();
  auto opened = storage::pg::PgStorage::Open(config);
  ASSERT_TRUE(opened.ok());
  storage::pg::PgCatalogStore* store = (*opened)->store();
  auto result = store->GetCatalog(common::NewUuidV4());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable)
      << result.status();
  auto contained = store->ContainedKeys(common::NewUuidV4(), {"k"});
  EXPECT_EQ(contained.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(storage::pg::Migrate(config).status().code(),
            absl::StatusCode::kUnavailable);
}

// An apply holds its query's row lock for the whole write (seconds for a big
// query). Catalog creation on that query only checks the foreign key, which
// must not wait for it (issue 14, defect 4).
TEST_F(StoreTest, CreatingACatalogOnAQueryDoesNotWaitForItsApply) {
  const storage::CatalogRow first = Create(R"({"apply": "held"})");
  auto id = env_->QueryInt("SELECT id FROM catalog_query WHERE uuid = '" +
                           first.catalog_query_uuid + "'");
  ASSERT_TRUE(id.ok());
  std::string lock_sql;
  for (const storage::pg::Statement& s : storage::pg::EmbeddedStatements()) {
    if (std::string_view(s.name) == "lock_query") lock_sql = s.sql;
  }
  ASSERT_FALSE(lock_sql.empty());
  // An apply in progress: the lock it takes, and the stamp it writes.
  pqxx::connection holder(env_->dsn());
  pqxx::work apply(holder);
  ASSERT_EQ(apply.exec_params(lock_sql, *id).size(), 1u);
  apply.exec_params0(
      "UPDATE catalog_query SET content_count = content_count WHERE id = $1",
      *id);
  auto created = std::async(std::launch::async,
                            [&] { return Create(R"({"apply": "held"})"); });
  ASSERT_EQ(created.wait_for(std::chrono::seconds(10)),
            std::future_status::ready)
      << "CreateCatalog waited for the apply's lock";
  EXPECT_EQ(created.get().catalog_query_uuid, first.catalog_query_uuid);
  apply.abort();
}

}  // namespace
}  // namespace ec
