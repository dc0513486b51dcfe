// The catalog-scoped reads on a real PostgreSQL: item facts stored when a
// document is written and read back instead of the document; stale facts
// read from the document until the backfill computes them; each read's
// catalog scope and customer; the customer lookup by key, uuid and
// coercion; GetContentMetadata by uuid; the diff of a catalog of 12,000
// items; active_only; stored run rows following every write.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "nlohmann/json.hpp"
#include "storage/pg/item_facts.h"
#include "storage/pg/migrate.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using Json = nlohmann::ordered_json;

constexpr char kEnterprise[] = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";
constexpr char kOther[] = "b8e2d4f6-0a1c-4e3b-8d5f-7a9c1e3b5d46";
constexpr char kCourse[] = "edX+Demo";
constexpr char kCourseUuid[] = "c1000000-0000-4000-8000-000000000001";
constexpr char kRun[] = "course-v1:edX+Demo+1T";
constexpr char kRunUuid[] = "c2000000-0000-4000-8000-000000000002";
constexpr char kExecEd[] = "Exec+Ed";

// testing::CourseDoc with what the per-catalog fields read added.
std::string Course(const std::string& key, const std::string& uuid,
                   const std::vector<std::string>& runs, bool active,
                   bool exec_ed = false) {
  Json doc = Json::parse(testing::CourseDoc(key, "Course " + key, runs));
  doc["uuid"] = uuid;
  doc["marketing_url"] = "https://www.edx.org/course/" + key;
  if (!runs.empty()) doc["advertised_course_run_uuid"] = nullptr;
  for (Json& run : doc["course_runs"]) run["is_marketable"] = active;
  if (exec_ed) {
    doc["course_type"] = "executive-education-2u";
    doc["entitlements"] =
        Json::array({{{"mode", "paid-executive-education"}, {"sku", "SKU1"}}});
  }
  return doc.dump();
}

std::string RunDocument(const std::string& key, const std::string& course,
                        const std::string& uuid) {
  Json doc = Json::parse(testing::RunDoc(key, course));
  doc["uuid"] = uuid;
  return doc.dump();
}

class CatalogItemsStoreTest : public testing::SharedStoreTest<4> {
 protected:
  storage::CatalogStore& store() { return *env_->store(); }

  storage::CatalogRow Create(const std::string& filter,
                             const std::vector<std::string>& docs,
                             const std::string& enterprise = kEnterprise) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "Catalog";
    c.enterprise_uuid = enterprise;
    c.enterprise_name = "Acme Corp";
    c.filter = testing::Filter(filter);
    c.enabled_course_modes = {"verified"};
    auto row = store().CreateCatalog(c);
    EXPECT_TRUE(row.ok()) << row.status();
    auto id = env_->QueryInt("SELECT id FROM catalog_query WHERE uuid = '" +
                             row->catalog_query_uuid + "'");
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE(store().ReplaceQueryContent(*id, testing::Records(docs)).ok());
    return *row;
  }

  // The course (its run has a document of its own), an inactive exec-ed
  // course and a program.
  std::vector<std::string> Documents() {
    return {Course(kCourse, kCourseUuid, {kRun}, true),
            RunDocument(kRun, kCourse, kRunUuid),
            Course(kExecEd, "c3000000-0000-4000-8000-000000000003", {}, false,
                   true),
            testing::ProgramDoc("c4000000-0000-4000-8000-000000000004", "P")};
  }

  storage::MetadataPage Page(const storage::CatalogRow& catalog,
                             bool active_only = false) {
    storage::MetadataQuery q;
    q.catalog_uuid = catalog.uuid;
    q.active_only = active_only;
    auto page = store().GetCatalogMetadata(q);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? *page : storage::MetadataPage{};
  }

  // The facts the rules read, as the document gives them.
  static void ExpectFactsOfDocument(const storage::ContentRow& row) {
    const domain::ItemFacts want = domain::ItemFactsFromDocument(
        row.content_key, row.content_type, row.parent_content_key,
        Json::parse(row.json_metadata));
    const domain::ItemFacts& got = row.facts;
    EXPECT_EQ(got.content_key, want.content_key);
    EXPECT_EQ(got.content_type, want.content_type);
    EXPECT_EQ(got.parent_content_key, want.parent_content_key);
    EXPECT_EQ(got.json_key, want.json_key) << row.content_key;
    EXPECT_EQ(got.exec_ed, want.exec_ed) << row.content_key;
    EXPECT_EQ(got.advertised_run_key, want.advertised_run_key)
        << row.content_key;
    EXPECT_EQ(got.exec_ed_sku, want.exec_ed_sku) << row.content_key;
    EXPECT_EQ(got.marketing_url, want.marketing_url) << row.content_key;
    EXPECT_EQ(got.active, want.active) << row.content_key;
    // Stored facts leave run_keys to served_item, which matched the run
    // rows against them; facts read from the document have them.
    for (const std::string& run : row.run_rows) {
      EXPECT_NE(std::find(want.run_keys.begin(), want.run_keys.end(), run),
                want.run_keys.end())
          << row.content_key << " " << run;
    }
    if (want.exec_ed) {
      EXPECT_TRUE(row.run_rows.empty()) << row.content_key;
    }
  }

  int64_t StaleFacts() {
    return *env_->QueryInt(
        "SELECT count(*) FROM content_metadata "
        "WHERE facts_hash IS DISTINCT FROM document_hash");
  }
};

TEST_F(CatalogItemsStoreTest, FactsAreStoredWithTheDocumentAndServed) {
  const auto catalog = Create(R"({"a": 1})", Documents());
  EXPECT_EQ(StaleFacts(), 0);
  const storage::MetadataPage page = Page(catalog);
  ASSERT_EQ(page.items.size(), 4u);
  for (const auto& row : page.items) ExpectFactsOfDocument(row);
  const auto course = std::find_if(
      page.items.begin(), page.items.end(),
      [](const storage::ContentRow& r) { return r.content_key == kCourse; });
  ASSERT_NE(course, page.items.end());
  EXPECT_EQ(course->facts.advertised_run_key, kRun);
  EXPECT_EQ(course->facts.active, true);
  EXPECT_THAT(course->run_rows, ElementsAre(kRun));
  // The scope: the catalog's columns; no customer written yet.
  EXPECT_EQ(page.scope.catalog.catalog_uuid, catalog.uuid);
  EXPECT_EQ(page.scope.catalog.enterprise_uuid, kEnterprise);
  EXPECT_EQ(page.scope.catalog.enterprise_name, "Acme Corp");
  EXPECT_EQ(page.scope.catalog_modified, catalog.modified);
  EXPECT_FALSE(page.scope.customer.has_value());

  storage::EnterpriseCustomerRow customer;
  customer.uuid = kEnterprise;
  customer.slug = "acme";
  customer.enable_learner_portal = true;
  auto written = env_->customers()->UpsertEnterpriseCustomer(customer);
  ASSERT_TRUE(written.ok());
  const storage::MetadataPage with_customer = Page(catalog);
  ASSERT_TRUE(with_customer.scope.customer.has_value());
  EXPECT_EQ(with_customer.scope.customer->slug, "acme");
  EXPECT_TRUE(with_customer.scope.customer->enable_learner_portal);
  EXPECT_EQ(with_customer.scope.customer->modified, written->modified);
}

TEST_F(CatalogItemsStoreTest, StaleFactsAreReadFromTheDocumentThenBackfilled) {
  const auto catalog = Create(R"({"a": 1})", Documents());
  // As an older binary (or the migration) leaves rows: no facts, or facts
  // of another document.
  ASSERT_TRUE(env_->Exec("UPDATE content_metadata SET facts_hash = NULL, "
                         "exec_ed = true, active = false, run_keys = NULL, "
                         "doc_key = 'wrong', marketing_url = 'wrong'")
                  .ok());
  EXPECT_EQ(StaleFacts(), 4);
  for (const auto& row : Page(catalog).items) {
    ExpectFactsOfDocument(row);
    // Matched against the document's runs instead of the (NULL) stored ones.
    if (row.content_key == kCourse) {
      EXPECT_THAT(row.run_rows, ElementsAre(kRun));
    }
  }

  pqxx::connection conn(env_->dsn());
  EXPECT_EQ(storage::pg::BackfillItemFacts(conn, /*batch=*/3), 4);
  EXPECT_EQ(StaleFacts(), 0);
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM content_metadata "
                            "WHERE doc_key = 'wrong' OR exec_ed <> "
                            "(content_key = 'Exec+Ed')"),
            0);
  for (const auto& row : Page(catalog).items) ExpectFactsOfDocument(row);
  // Nothing left to do.
  EXPECT_EQ(storage::pg::BackfillItemFacts(conn), 0);
}

TEST_F(CatalogItemsStoreTest, ANewDocumentGetsNewFacts) {
  const auto catalog = Create(R"({"a": 1})", Documents());
  auto id = env_->QueryInt(
      "SELECT catalog_query_id FROM enterprise_catalog WHERE uuid = '" +
      catalog.uuid + "'");
  // The run's new document (a run takes the whole record) brings a
  // marketing URL.
  std::vector<std::string> docs = Documents();
  Json changed = Json::parse(docs[1]);
  changed["marketing_url"] = "https://www.edx.org/run/new";
  docs[1] = changed.dump();
  ASSERT_TRUE(store().ReplaceQueryContent(*id, testing::Records(docs)).ok());
  EXPECT_EQ(StaleFacts(), 0);
  for (const auto& row : Page(catalog).items) {
    ExpectFactsOfDocument(row);
    if (row.content_key == kRun) {
      EXPECT_EQ(row.facts.marketing_url, "https://www.edx.org/run/new");
    }
  }
}

// A course's run rows are stored with it (0007_stored_run_rows.sql) and
// must follow every write that changes them: its runs gaining or losing a
// document of their own, its run list, its exec-ed flag, in any order.
TEST_F(CatalogItemsStoreTest, StoredRunRowsFollowEveryWriteOfACourseOrItsRuns) {
  constexpr char kRun2[] = "course-v1:edX+Demo+2T";
  auto run_rows_of_course = [&](const storage::CatalogRow& catalog) {
    for (const auto& row : Page(catalog).items) {
      if (row.content_key == kCourse) return row.run_rows;
    }
    ADD_FAILURE() << "no course in the page";
    return std::vector<std::string>();
  };
  // The stored value is the rule's value for every course.
  auto stored_disagreements = [&]() {
    return *env_->QueryInt(
        "SELECT count(*) FROM content_metadata WHERE content_type = 'course' "
        "AND run_rows IS DISTINCT FROM "
        "course_run_rows(content_key, run_keys, exec_ed, false)");
  };
  // The course alone: its runs are known only from it (derived).
  const auto courses = Create(
      R"({"a": 1})", {Course(kCourse, kCourseUuid, {kRun, kRun2}, true)});
  EXPECT_THAT(run_rows_of_course(courses), ::testing::IsEmpty());
  EXPECT_EQ(stored_disagreements(), 0);

  // Another query's crawl brings the second run's own document.
  Create(R"({"b": 1})", {RunDocument(kRun2, kCourse, kRunUuid)});
  EXPECT_THAT(run_rows_of_course(courses), ElementsAre(kRun2));
  // And then the first run's, through a third query.
  Create(R"({"c": 1})",
         {RunDocument(kRun, kCourse, "c5000000-0000-4000-8000-000000000005")});
  EXPECT_THAT(run_rows_of_course(courses), ElementsAre(kRun, kRun2));
  EXPECT_EQ(stored_disagreements(), 0);

  // The course's facts change as write_item_facts.sql writes them (a crawl
  // merges into the stored course, so its run list changes through the
  // full-metadata pass): it no longer lists the second run, then it becomes
  // exec-ed, which enriches none of its runs.
  auto write_facts = [&](const std::string& set) {
    ASSERT_TRUE(env_->Exec("UPDATE content_metadata SET " + set +
                           " WHERE content_key = 'edX+Demo'")
                    .ok());
  };
  write_facts("run_keys = ARRAY['course-v1:edX+Demo+1T']");
  EXPECT_THAT(run_rows_of_course(courses), ElementsAre(kRun));
  write_facts("exec_ed = true");
  EXPECT_THAT(run_rows_of_course(courses), ::testing::IsEmpty());
  write_facts("exec_ed = false, run_keys = ARRAY['course-v1:edX+Demo+2T']");
  EXPECT_THAT(run_rows_of_course(courses), ElementsAre(kRun2));
  EXPECT_EQ(stored_disagreements(), 0);

  // A run that loses its own document (derived again) and one moved to
  // another course.
  ASSERT_TRUE(env_->Exec("UPDATE content_metadata SET derived = true "
                         "WHERE content_key = 'course-v1:edX+Demo+2T'")
                  .ok());
  EXPECT_THAT(run_rows_of_course(courses), ::testing::IsEmpty());
  write_facts("run_keys = ARRAY['course-v1:edX+Demo+1T']");
  ASSERT_TRUE(env_->Exec("UPDATE content_metadata SET parent_content_key = "
                         "'Other' WHERE content_key = 'course-v1:edX+Demo+1T'")
                  .ok());
  EXPECT_THAT(run_rows_of_course(courses), ::testing::IsEmpty());
  EXPECT_EQ(stored_disagreements(), 0);
}

// Courses written before migration 0007 get their run rows from it.
TEST(StoredRunRowsMigrationTest, CoursesWrittenBeforeItGetTheirRunRows) {
  auto db = testing::PgTestDatabase::Create();
  ASSERT_TRUE(db.ok()) << db.status();
  pqxx::connection conn((*db)->dsn());
  const auto& all = storage::pg::EmbeddedMigrations();
  std::vector<storage::pg::Migration> before, through_7;
  for (const auto& m : all) {
    if (m.version < 7) before.push_back(m);
    if (m.version <= 7) through_7.push_back(m);
  }
  ASSERT_TRUE(storage::pg::Migrate(conn, before).ok());
  {
    // A course with current facts listing two runs, one of which has a
    // document of its own, as the version-6 writers left them.
    pqxx::work tx(conn);
    tx.exec0(
        "INSERT INTO content_metadata (content_key, content_type, "
        "parent_content_key, title, json_metadata, document_hash, derived, "
        "search_hash, search_document, facts_hash, run_keys) VALUES "
        "('C', 'course', NULL, 't', '{}', 'h', false, 'h', '{}', 'h', "
        "ARRAY['r1', 'r2']), "
        "('r1', 'courserun', 'C', 't', '{}', 'h', false, 'h', '{}', 'h', "
        "NULL), "
        "('r2', 'courserun', 'C', 't', '{}', 'h', true, 'h', '{}', 'h', NULL)");
    tx.commit();
  }
  auto migrated = storage::pg::Migrate(conn, through_7);
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  EXPECT_THAT(migrated->applied, ElementsAre(7));
  pqxx::nontransaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT run_rows FROM content_metadata "
                     "WHERE content_key = 'C'")[0]
                .as<std::string>(),
            "2:r1");
}

TEST_F(CatalogItemsStoreTest, ActiveOnlyCountsAndPagesActiveCourses) {
  const auto catalog = Create(R"({"a": 1})", Documents());
  const storage::MetadataPage page = Page(catalog, true);
  EXPECT_EQ(page.total_count, 3);
  std::vector<std::string> keys;
  for (const auto& row : page.items) keys.push_back(row.content_key);
  EXPECT_THAT(
      keys, ElementsAre("c4000000-0000-4000-8000-000000000004", kRun, kCourse));
}

TEST_F(CatalogItemsStoreTest, CustomerItemByKeyUuidAndCoercion) {
  const auto oldest = Create(R"({"a": 1})", Documents());
  const auto newer = Create(R"({"a": 2})", Documents());
  Create(R"({"b": 1})", {Course("Other+1", kCourseUuid, {}, true)}, kOther);
  auto lookup = [&](const std::string& key,
                    std::optional<std::string> uuid = std::nullopt,
                    bool coerce = false,
                    const std::string& enterprise = kEnterprise) {
    storage::CustomerContentQuery q;
    q.enterprise_uuid = enterprise;
    q.content_key = key;
    q.content_uuid = std::move(uuid);
    q.coerce_to_parent_course = coerce;
    return store().GetCustomerContentMetadata(q);
  };
  auto by_key = lookup(kCourse);
  ASSERT_TRUE(by_key.ok()) << by_key.status();
  EXPECT_EQ(by_key->scope.catalog.catalog_uuid, oldest.uuid);
  EXPECT_EQ(by_key->item.content_key, kCourse);
  EXPECT_THAT(by_key->item.run_rows, ElementsAre(kRun));
  ExpectFactsOfDocument(by_key->item);

  auto by_uuid = lookup(kCourseUuid, kCourseUuid);
  ASSERT_TRUE(by_uuid.ok()) << by_uuid.status();
  EXPECT_EQ(by_uuid->item.content_key, kCourse);
  auto run = lookup(kRun);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->item.content_key, kRun);
  auto coerced = lookup(kRunUuid, kRunUuid, true);
  ASSERT_TRUE(coerced.ok());
  EXPECT_EQ(coerced->item.content_key, kCourse);

  // A run whose course is the member makes the catalog contain it: a
  // catalog of the course alone still answers for the run.
  ASSERT_TRUE(store().DeleteCatalog(oldest.uuid, oldest.enterprise_uuid).ok());
  auto only_course = Create(R"({"c": 1})", {Documents()[0]});
  ASSERT_TRUE(store().DeleteCatalog(newer.uuid, newer.enterprise_uuid).ok());
  auto via_course = lookup(kRun);
  ASSERT_TRUE(via_course.ok()) << via_course.status();
  EXPECT_EQ(via_course->scope.catalog.catalog_uuid, only_course.uuid);
  EXPECT_EQ(via_course->item.content_key, kRun);

  EXPECT_EQ(lookup("Other+1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(lookup("no+such").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(lookup(kCourse, std::nullopt, false, kOther).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CatalogItemsStoreTest, ContentByUuidAndCoercion) {
  Create(R"({"a": 1})", Documents());
  storage::ContentLookup lookup;
  lookup.keys = {kRunUuid, kExecEd};
  lookup.uuids = {kRunUuid};
  auto plain = store().GetContentMetadata(lookup);
  ASSERT_TRUE(plain.ok());
  std::vector<std::string> found;
  for (const auto& m : *plain)
    found.push_back(m.identifier + ">" + m.row.content_key);
  EXPECT_THAT(found,
              UnorderedElementsAre(std::string(kRunUuid) + ">" + kRun,
                                   std::string(kExecEd) + ">" + kExecEd));
  lookup.coerce_to_parent_course = true;
  auto coerced = store().GetContentMetadata(lookup);
  ASSERT_TRUE(coerced.ok());
  found.clear();
  for (const auto& m : *coerced)
    found.push_back(m.identifier + ">" + m.row.content_key);
  EXPECT_THAT(found,
              UnorderedElementsAre(std::string(kRunUuid) + ">" + kCourse,
                                   std::string(kExecEd) + ">" + kExecEd));
}

TEST_F(CatalogItemsStoreTest, DiffOfTwelveThousandItemsIsComplete) {
  std::vector<std::string> docs;
  std::vector<std::string> members;
  for (int i = 0; i < 12000; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "Org+C%05d", i);
    members.push_back(key);
    docs.push_back(Json{
        {"aggregation_key", std::string("course:") + key},
        {"content_type", "course"},
        {"key", key},
        {"title", key}}.dump());
  }
  const auto catalog = Create(R"({"big": 1})", docs);
  // Held: every other member (6,000) and 4,000 keys the catalog lacks.
  std::vector<std::string> held;
  std::set<std::string> want_found, want_not_found, want_not_included;
  for (int i = 0; i < 12000; ++i) {
    if (i % 2 == 0) {
      held.push_back(members[i]);
      want_found.insert(members[i]);
    } else {
      want_not_included.insert(members[i]);
    }
  }
  for (int i = 0; i < 4000; ++i) {
    held.push_back("Gone+" + std::to_string(i));
    want_not_found.insert(held.back());
  }
  ASSERT_EQ(held.size(), 10000u);
  auto diff = store().DiffCatalogContent(catalog.uuid, held);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->enterprise_uuid, kEnterprise);
  std::set<std::string> found;
  for (const auto& [key, modified] : diff->found) {
    found.insert(key);
    EXPECT_GT(modified, 0);
  }
  EXPECT_EQ(found, want_found);
  EXPECT_EQ(
      std::set<std::string>(diff->not_found.begin(), diff->not_found.end()),
      want_not_found);
  EXPECT_EQ(diff->not_included.size(), want_not_included.size());
  EXPECT_TRUE(
      std::is_sorted(diff->not_included.begin(), diff->not_included.end()));
  EXPECT_EQ(std::set<std::string>(diff->not_included.begin(),
                                  diff->not_included.end()),
            want_not_included);

  EXPECT_EQ(
      store().DiffCatalogContent(common::NewUuidV4(), held).status().code(),
      absl::StatusCode::kNotFound);
  auto nothing_held = store().DiffCatalogContent(catalog.uuid, {});
  ASSERT_TRUE(nothing_held.ok());
  EXPECT_EQ(nothing_held->not_included.size(), 12000u);
}

}  // namespace
}  // namespace ec
