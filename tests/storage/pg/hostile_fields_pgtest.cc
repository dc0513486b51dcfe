// Hostile text (hostile_input.h) in the fields around the keys: content
// titles and documents, catalog titles and enterprise names, and enabled
// course modes round-trip byte for byte.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "domain/content.h"
#include "storage/types.h"
#include "tests/storage/pg/hostile_input.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

using ::testing::ElementsAre;

TEST_F(HostileInputTest, TitlesDocumentsAndCatalogNamesRoundTrip) {
  const auto values = HostileKeys();
  auto bystander = Bystander();
  const Snapshot base = Take();

  // Content titles and json_metadata.
  std::vector<domain::ContentRecord> records;
  for (size_t i = 0; i < values.size(); ++i) {
    domain::ContentRecord r;
    r.content_key = "key-" + std::to_string(i);
    r.content_type = "program";
    r.title = values[i];
    r.json_metadata = i % 2 == 0 ? HostileJson(values[i]) : values[i];
    records.push_back(r);
  }
  auto catalog = Create(R"({"org": "titles"})");
  Load(catalog, records);
  const auto items = AllItems(catalog, {}, 1000);
  ASSERT_EQ(items.size(), values.size());
  std::map<std::string, storage::ContentRow> by_key;
  for (const auto& item : items) by_key.emplace(item.content_key, item);
  for (const auto& r : records) {
    SCOPED_TRACE(r.title);
    ASSERT_TRUE(by_key.contains(r.content_key));
    EXPECT_EQ(by_key.at(r.content_key).title, r.title);
    EXPECT_EQ(by_key.at(r.content_key).json_metadata, r.json_metadata);
  }

  // Catalog title and enterprise name (course modes: see below).
  for (const auto& value : values) {
    SCOPED_TRACE(value);
    auto created = Create(R"({"org": "fields"})", value);
    auto got = store().GetCatalog(created.uuid);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->title, value);
    EXPECT_EQ(got->enterprise_name, value);
    storage::MetadataQuery q;
    q.catalog_uuid = created.uuid;
    auto page = store().GetCatalogMetadata(q);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->catalog_title, value);

    storage::CatalogUpdate update;
    update.uuid = created.uuid;
    update.enterprise_uuid = created.enterprise_uuid;
    update.title = value + "'";
    update.enterprise_name = "\\" + value;
    auto updated = store().UpdateCatalog(update);
    ASSERT_TRUE(updated.ok()) << updated.status();
    EXPECT_EQ(updated->title, *update.title);
    EXPECT_EQ(updated->enterprise_name, *update.enterprise_name);
    ASSERT_TRUE(
        store().DeleteCatalog(created.uuid, created.enterprise_uuid).ok());
  }
  auto listed = store().ListCatalogs({});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->catalogs.size(), 2u);  // the bystander and `catalog`

  // Everything that existed before is intact, and the schema too.
  const Snapshot after = Take();
  EXPECT_EQ(after.tables, base.tables);
  EXPECT_THAT(Contained(bystander, {"edX+DemoX"}), ElementsAre("edX+DemoX"));
  auto bystander_row = store().GetCatalog(bystander.uuid);
  ASSERT_TRUE(bystander_row.ok());
  EXPECT_EQ(bystander_row->title, "Bystander");
  EXPECT_EQ(bystander_row->modified, bystander.modified);
}

// enabled_course_modes is written as a text[] literal
// (storage::pg::ToPgTextArray) and read back by parsing PostgreSQL's array
// output (ParsePgTextArray). Each list keeps every element starting with a
// single quote followed by another single quote later in the output (see the
// next test for why).
TEST_F(HostileInputTest, CourseModesRoundTrip) {
  for (const auto& value : HostileKeys()) {
    SCOPED_TRACE(value);
    const std::vector<std::string> modes = {value, "verified", value + ",audit",
                                            "NULL", ""};
    auto created = Create(R"({"org": "modes"})", "Modes", modes);
    EXPECT_EQ(created.enabled_course_modes, modes);
    auto got = store().GetCatalog(created.uuid);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->enabled_course_modes, modes);
    EXPECT_EQ(*env_->QueryInt("SELECT cardinality(enabled_course_modes) "
                              "FROM enterprise_catalog WHERE uuid = '" +
                              created.uuid + "'"),
              static_cast<int64_t>(modes.size()));

    storage::CatalogUpdate update;
    update.uuid = created.uuid;
    update.enterprise_uuid = created.enterprise_uuid;
    // Both elements are quoted in PostgreSQL's output.
    update.enabled_course_modes =
        std::vector<std::string>{"\"" + value, "\\" + value};
    auto updated = store().UpdateCatalog(update);
    ASSERT_TRUE(updated.ok()) << updated.status();
    EXPECT_EQ(updated->enabled_course_modes, *update.enabled_course_modes);
    ASSERT_TRUE(
        store().DeleteCatalog(created.uuid, created.enterprise_uuid).ok());
  }
}

// PostgreSQL prints {'} for the one-element array ["'"] (a single quote needs
// no quoting in array output), and libpqxx 6.4's array_parser, behind
// ParsePgTextArray, takes a leading ' as opening a quoted string and fails
// an assertion (abort()) when none closes it. Run in a child process so that
// a crash fails this test instead of killing the whole binary.
TEST_F(HostileInputTest, CourseModeOfALoneQuoteDoesNotAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const std::vector<std::string> modes = {"'"};
        storage::NewCatalog c;
        c.uuid = common::NewUuidV4();
        c.title = "Lone quote";
        c.enterprise_uuid = kEnterprise;
        c.filter = testing::Filter(R"({"org": "lone-quote"})");
        c.enabled_course_modes = modes;
        auto row = store().CreateCatalog(c);
        const bool ok = row.ok() && row->enabled_course_modes == modes;
        delete env_;  // the child's own database
        env_ = nullptr;
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace ec
