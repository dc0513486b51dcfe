// Hostile content keys (hostile_input.h) as stored content: each is stored
// byte for byte, matches only itself (and its course/run relatives), and is
// removed alone, whatever quotes, backslashes and array syntax it carries.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "domain/content.h"
#include "storage/types.h"
#include "tests/storage/pg/hostile_input.h"

namespace ec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

TEST_F(HostileInputTest, KeysAreStoredByteForByte) {
  const auto keys = HostileKeys();
  const std::set<std::string> unique(keys.begin(), keys.end());
  ASSERT_EQ(unique.size(), keys.size()) << "the key list has duplicates";
  auto bystander = Bystander();
  auto catalog = Create(R"({"org": "hostile"})");
  std::vector<domain::ContentRecord> records;
  for (const auto& key : keys) records.push_back(CourseRecord(key));

  const auto loaded = Load(catalog, records);
  EXPECT_EQ(loaded.members, static_cast<int64_t>(keys.size()));
  EXPECT_EQ(loaded.members_added, static_cast<int64_t>(keys.size()));
  EXPECT_EQ(loaded.content_inserted, static_cast<int64_t>(keys.size()));
  // One row per key: no key was split at a comma or merged with another.
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM content_metadata"),
            static_cast<int64_t>(keys.size()) + 1);
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM catalog_query_content"),
            static_cast<int64_t>(keys.size()) + 1);

  // GetContentMetadata returns each row exactly as written.
  auto rows = testing::ContentRows(store(), keys);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), keys.size());
  std::map<std::string, storage::ContentRow> by_key;
  for (const auto& row : *rows) by_key.emplace(row.content_key, row);
  for (const auto& key : keys) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(by_key.contains(key));
    const auto& row = by_key.at(key);
    EXPECT_EQ(row.content_key, key);
    EXPECT_EQ(row.content_type, "course");
    EXPECT_EQ(row.title, "Title of " + key);
    EXPECT_EQ(row.json_metadata, HostileJson(key));
    EXPECT_EQ(row.parent_content_key, "");
    // One key at a time, too.
    auto one = testing::ContentRows(store(), {key});
    ASSERT_TRUE(one.ok()) << one.status();
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ((*one)[0].content_key, key);
  }

  // GetCatalogMetadata pages through them in byte order (the "C" collation),
  // each hostile key serving as the next page's after_key.
  const auto items = AllItems(catalog);
  std::vector<std::string> paged;
  for (const auto& item : items) paged.push_back(item.content_key);
  EXPECT_EQ(paged, std::vector<std::string>(unique.begin(), unique.end()));
  for (const auto& item : items) {
    EXPECT_EQ(item.title, "Title of " + item.content_key);
    EXPECT_EQ(item.json_metadata, HostileJson(item.content_key));
  }
  // And filtered to one key, exactly that key's row.
  for (const auto& key : keys) {
    SCOPED_TRACE(key);
    const auto filtered = AllItems(catalog, {key}, 100);
    ASSERT_EQ(filtered.size(), 1u);
    EXPECT_EQ(filtered[0].content_key, key);
    EXPECT_EQ(filtered[0].json_metadata, HostileJson(key));
  }

  // Loading the same content again finds every document unchanged: nothing
  // was altered on the way in.
  const auto again = Load(catalog, records);
  EXPECT_EQ(again.content_unchanged, static_cast<int64_t>(keys.size()));
  EXPECT_EQ(again.content_updated, 0);
  EXPECT_EQ(again.members_added, 0);
  EXPECT_EQ(again.members_removed, 0);

  // The bystander is intact.
  EXPECT_THAT(Contained(bystander, {"edX+DemoX"}), ElementsAre("edX+DemoX"));
  const auto bystander_items = AllItems(bystander, {}, 100);
  ASSERT_EQ(bystander_items.size(), 1u);
  EXPECT_EQ(bystander_items[0].content_key, "edX+DemoX");
}

TEST_F(HostileInputTest, KeysMatchOnlyThemselves) {
  const auto keys = HostileKeys();
  std::set<std::string> stored(keys.begin(), keys.end());
  stored.insert("edX+DemoX");  // the bystander's
  auto bystander = Bystander();
  auto catalog = Create(R"({"org": "hostile"})");
  std::vector<domain::ContentRecord> records;
  for (const auto& key : keys) records.push_back(CourseRecord(key));
  Load(catalog, records);
  const Snapshot before = Take();

  std::vector<std::string> all_misses;
  for (const auto& key : keys) {
    SCOPED_TRACE(key);
    EXPECT_THAT(Contained(catalog, {key}), ElementsAre(key));
    EXPECT_THAT(Contained(bystander, {key}), IsEmpty());
    EXPECT_THAT(Containing({key}), ElementsAre(catalog.uuid));
    const auto misses = NearMisses(key, stored);
    EXPECT_THAT(Contained(catalog, misses), IsEmpty());
    EXPECT_THAT(Containing(misses), IsEmpty());
    // A near miss next to the key does not stop the key from matching.
    std::vector<std::string> mixed = misses;
    mixed.push_back(key);
    EXPECT_THAT(Contained(catalog, mixed), ElementsAre(key));
    all_misses.insert(all_misses.end(), misses.begin(), misses.end());
  }

  // Everything at once: exactly the hostile keys, each once.
  std::vector<std::string> everything = keys;
  everything.insert(everything.end(), all_misses.begin(), all_misses.end());
  everything.insert(everything.end(), keys.begin(), keys.end());
  EXPECT_THAT(Contained(catalog, everything), UnorderedElementsAreArray(keys));
  EXPECT_THAT(Containing(everything), ElementsAre(catalog.uuid));
  auto rows = testing::ContentRows(store(), all_misses);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(*rows, IsEmpty());

  // None of these reads changed anything.
  EXPECT_EQ(Take(), before);
}

TEST_F(HostileInputTest, BackslashAndDoubledBackslashAreDistinct) {
  auto bystander = Bystander();
  auto single = Create(R"({"org": "single"})");
  auto both = Create(R"({"org": "both"})");
  const std::string one = "a\\b";    // a\b
  const std::string two = "a\\\\b";  // a\\b
  const std::string quote = "a\"b";  // a"b
  const std::string esc = "a\\\"b";  // a\"b
  Load(single, {CourseRecord(one), CourseRecord(quote)});
  Load(both, {CourseRecord(one), CourseRecord(two), CourseRecord(quote),
              CourseRecord(esc)});
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM content_metadata"), 5);
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM content_metadata "
                            "WHERE content_key LIKE 'a%b'"),
            4);
  EXPECT_EQ(*env_->QueryInt("SELECT octet_length(content_key) FROM "
                            "content_metadata WHERE content_key = E'a\\\\b'"),
            3);
  EXPECT_EQ(*env_->QueryInt("SELECT octet_length(content_key) FROM "
                            "content_metadata WHERE content_key = "
                            "E'a\\\\\\\\b'"),
            4);

  EXPECT_THAT(Contained(single, {one}), ElementsAre(one));
  EXPECT_THAT(Contained(single, {two}), IsEmpty());
  EXPECT_THAT(Contained(single, {quote}), ElementsAre(quote));
  EXPECT_THAT(Contained(single, {esc}), IsEmpty());
  EXPECT_THAT(Contained(single, {two, esc}), IsEmpty());
  EXPECT_THAT(Contained(both, {one}), ElementsAre(one));
  EXPECT_THAT(Contained(both, {two}), ElementsAre(two));
  EXPECT_THAT(Contained(both, {one, two, quote, esc}),
              UnorderedElementsAre(one, two, quote, esc));
  EXPECT_THAT(Containing({two}), ElementsAre(both.uuid));
  EXPECT_THAT(Containing({esc}), ElementsAre(both.uuid));
  EXPECT_THAT(Containing({one}), UnorderedElementsAre(single.uuid, both.uuid));

  auto rows = testing::ContentRows(store(), {two});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].content_key, two);
  EXPECT_EQ((*rows)[0].json_metadata, HostileJson(two));

  // Removing the doubled one removes only it (the removal also passes the
  // remaining keys as a text[] literal).
  const auto removed =
      Load(both, {CourseRecord(one), CourseRecord(quote), CourseRecord(esc)});
  EXPECT_EQ(removed.members_removed, 1);
  EXPECT_EQ(removed.members, 3);
  EXPECT_THAT(Contained(both, {one, two, quote, esc}),
              UnorderedElementsAre(one, quote, esc));
  EXPECT_THAT(Contained(single, {one, quote}),
              UnorderedElementsAre(one, quote));
  EXPECT_THAT(Contained(bystander, {"edX+DemoX"}), ElementsAre("edX+DemoX"));
}

TEST_F(HostileInputTest, RemovingHostileKeysRemovesExactlyThose) {
  const auto keys = HostileKeys();
  auto bystander = Bystander();
  auto catalog = Create(R"({"org": "hostile"})");
  std::vector<domain::ContentRecord> records;
  for (const auto& key : keys) records.push_back(CourseRecord(key));
  Load(catalog, records);

  // Keep every other key.
  std::vector<domain::ContentRecord> kept;
  std::vector<std::string> kept_keys;
  std::vector<std::string> dropped_keys;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 2 == 0) {
      kept.push_back(records[i]);
      kept_keys.push_back(keys[i]);
    } else {
      dropped_keys.push_back(keys[i]);
    }
  }
  const auto result = Load(catalog, kept);
  EXPECT_EQ(result.members_removed, static_cast<int64_t>(dropped_keys.size()));
  EXPECT_EQ(result.members_added, 0);
  EXPECT_EQ(result.members, static_cast<int64_t>(kept_keys.size()));
  EXPECT_THAT(Contained(catalog, keys), UnorderedElementsAreArray(kept_keys));
  EXPECT_THAT(Contained(catalog, dropped_keys), IsEmpty());
  // Content rows stay (they are global); only membership changed.
  auto rows = testing::ContentRows(store(), dropped_keys);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), dropped_keys.size());
  EXPECT_THAT(Contained(bystander, {"edX+DemoX"}), ElementsAre("edX+DemoX"));

  // And back again.
  const auto restored = Load(catalog, records);
  EXPECT_EQ(restored.members_added, static_cast<int64_t>(dropped_keys.size()));
  EXPECT_THAT(Contained(catalog, keys), UnorderedElementsAreArray(keys));
}

TEST_F(HostileInputTest, CourseAndRunExpansionWithHostileKeys) {
  // A course and its runs (one known only from the course, one a document of
  // its own) whose keys all carry array syntax, quotes and backslashes.
  const std::string course = "it's \"{a,b}\" \\ " + Emoji();
  const std::string nested_run = "course-v1:" + course + "+1T";
  const std::string own_run = "course-v1:" + course + "+2T";
  const std::string other_course = course + "\\";
  auto catalog = Create(R"({"org": "runs"})");
  auto runs_only = Create(R"({"org": "runs-only"})");

  domain::ContentRecord course_rec = CourseRecord(course);
  domain::ContentRecord nested;
  nested.content_key = nested_run;
  nested.content_type = "courserun";
  nested.parent_content_key = course;
  nested.title = "nested";
  nested.json_metadata = HostileJson(nested_run);
  nested.derived = true;
  domain::ContentRecord own;
  own.content_key = own_run;
  own.content_type = "courserun";
  own.parent_content_key = course;
  own.title = "own";
  own.json_metadata = HostileJson(own_run);
  Load(catalog, {course_rec, nested, own, CourseRecord(other_course)});
  Load(runs_only, {own});

  // The derived run is a content row but not a member.
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM content_metadata"), 4);
  auto rows = testing::ContentRows(store(), {nested_run});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].parent_content_key, course);
  EXPECT_EQ((*rows)[0].content_type, "courserun");

  // A requested run is contained through its course; a requested course
  // through any of its runs.
  EXPECT_THAT(Contained(catalog, {nested_run}), ElementsAre(nested_run));
  EXPECT_THAT(Contained(runs_only, {course}), ElementsAre(course));
  EXPECT_THAT(Contained(runs_only, {nested_run}), IsEmpty());
  EXPECT_THAT(Contained(runs_only, {other_course}), IsEmpty());
  EXPECT_THAT(Containing({nested_run}), ElementsAre(catalog.uuid));
  EXPECT_THAT(Containing({course}),
              UnorderedElementsAre(catalog.uuid, runs_only.uuid));

  // The parent link matches the course key exactly: the course that differs
  // by a trailing backslash has no runs.
  const std::set<std::string> stored = {course, nested_run, own_run,
                                        other_course};
  for (const auto& key : {course, nested_run}) {
    SCOPED_TRACE(key);
    EXPECT_THAT(Contained(runs_only, NearMisses(key, stored)), IsEmpty());
  }
  const auto expanded = AllItems(catalog, {course}, 100);
  std::vector<std::string> expanded_keys;
  for (const auto& item : expanded) expanded_keys.push_back(item.content_key);
  // Members only: the course and its own run (the nested one is not a
  // member), not the look-alike course.
  EXPECT_THAT(expanded_keys, UnorderedElementsAre(course, own_run));
}

}  // namespace
}  // namespace ec
