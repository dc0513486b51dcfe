// Hostile content keys, titles and documents at the storage tier, against a
// real PostgreSQL. The store passes key lists as text[] literals
// (storage::pg::ToPgTextArray), so quotes, backslashes, braces and commas are
// the real risk; the rest (LIKE wildcards, SQL fragments, long UTF-8,
// whitespace, NULL-looking text) pins that nothing is interpreted anywhere.
// Every value must round-trip byte for byte, match only itself, and leave every
// other row and table alone.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "common/limits.h"
#include "common/uuid.h"
#include "domain/content.h"
#include "nlohmann/json.hpp"
#include "storage/catalog_store.h"
#include "storage/types.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr char kEnterprise[] = "33333333-3333-4333-8333-333333333333";

// `unit` repeated until adding another would pass `bytes`, then padded with
// ASCII to exactly `bytes` bytes.
std::string Fill(const std::string& unit, size_t bytes,
                 const std::string& prefix = "") {
  std::string out = prefix;
  while (out.size() + unit.size() <= bytes) out += unit;
  while (out.size() < bytes) out += 'z';
  return out;
}

const std::string& Emoji() {  // U+1F600, 4 bytes
  static const std::string s = "\xF0\x9F\x98\x80";
  return s;
}
const std::string& CombiningE() {  // e + U+0301 COMBINING ACUTE, 3 bytes
  static const std::string s = "e\xCC\x81";
  return s;
}
const std::string& PrecomposedE() {  // U+00E9, the NFC form of CombiningE
  static const std::string s = "\xC3\xA9";
  return s;
}

// The hostile content keys. All valid UTF-8, none empty, none over
// kMaxContentKeyBytes, no NUL (the limits the service enforces upstream).
std::vector<std::string> HostileKeys() {
  std::vector<std::string> keys = {
      // Single quotes.
      "'",
      "''",
      "it's",
      "O'Reilly+101",
      "'quoted'",
      // Double quotes.
      "\"",
      "\"\"",
      "say \"hi\"",
      "\"edX+DemoX\"",
      // Backslashes, alone and next to quotes.
      "\\",
      "\\\\",
      "a\\b",
      "a\\\\b",
      "trailing\\",
      "\\\"",
      "\\'",
      "\\n",
      "\\x41",
      "\\u0041",
      "E'\\x41'",
      // LIKE wildcards and escapes.
      "%",
      "_",
      "%%",
      "course_%",
      "a%b_c",
      "\\%",
      "\\_",
      "[a-z]*",
      // PostgreSQL array-literal syntax.
      "{",
      "}",
      ",",
      "{}",
      "{a,b}",
      "a,b",
      "{\"x\"}",
      "{NULL}",
      "\"{}\"",
      "a\",\"b",
      "x\"}",
      "{{1,2},{3,4}}",
      "}{",
      ",,,",
      "a, b",
      // SQL fragments and placeholders.
      "'); DROP TABLE content_metadata; --",
      "\"); DROP TABLE catalog_query_content; --",
      "\\'; DELETE FROM content_metadata; --",
      "1' OR '1'='1",
      "x') OR true --",
      "$1",
      "$2::text[]",
      "$$",
      "$tag$ x $tag$",
      ";",
      "/* comment */",
      "-- comment",
      // Whitespace.
      " ",
      "   ",
      "\t",
      "\n",
      "\r\n",
      " lead",
      "trail ",
      "  both  ",
      "in ner",
      "\xC2\xA0",  // U+00A0 NO-BREAK SPACE
      // NULL-looking text.
      "NULL",
      "null",
      "Null",
      "NULL,NULL",
      "\"NULL\"",
      "(null)",
      "nil",
      "undefined",
      "None",
      // Case variants that are distinct keys.
      "edX+CaseX",
      "EDX+CASEX",
      // Control characters PostgreSQL text accepts.
      "\x01",
      "bell\x07",
      "\x7F",
      // Printf and template syntax.
      "%s%s%n",
      "{0}",
      "${HOME}",
      ":name",
      // UTF-8.
      "caf" + PrecomposedE(),
      "caf" + CombiningE(),
      "\xD0\x9A\xD1\x83\xD1\x80\xD1\x81",  // Kurs (Cyrillic)
      "\xE8\xAF\xBE\xE7\xA8\x8B",          // two CJK ideographs
      Emoji(),
      "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB",  // ZWJ sequence
      "\xE2\x80\xAE"
      "reversed",  // RIGHT-TO-LEFT OVERRIDE
      "\xEF\xBB\xBF"
      "bom",  // BOM
      // Long: exactly kMaxContentKeyBytes bytes.
      Fill(Emoji(), common::kMaxContentKeyBytes),
      Fill(CombiningE(), common::kMaxContentKeyBytes),
      Fill("\xE8\xAF\xBE", common::kMaxContentKeyBytes),  // 3-byte CJK
      Fill("\xD0\x9A", common::kMaxContentKeyBytes),      // 2-byte Cyrillic
      Fill("'\"\\{},%_", common::kMaxContentKeyBytes),
      Fill(Emoji() + CombiningE() + "\"\\", common::kMaxContentKeyBytes, "{"),
      std::string(common::kMaxContentKeyBytes, '\\'),
      std::string(common::kMaxContentKeyBytes, '"'),
      std::string(common::kMaxContentKeyBytes, '\''),
  };
  for (const auto& key : keys) {
    EXPECT_FALSE(key.empty());
    EXPECT_LE(key.size(), common::kMaxContentKeyBytes) << key;
    EXPECT_EQ(key.find('\0'), std::string::npos);
  }
  return keys;
}

// Drops the last UTF-8 code point.
std::string DropLastCodePoint(std::string s) {
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) {
    s.pop_back();
  }
  if (!s.empty()) s.pop_back();
  return s;
}

// Keys close to `key` that must not match it: one character more, fewer or
// different, other case, escaped or quoted, trimmed or padded. Candidates that
// happen to be in `stored` are left out.
std::vector<std::string> NearMisses(const std::string& key,
                                    const std::set<std::string>& stored) {
  std::vector<std::string> candidates = {
      key + "x",
      "x" + key,
      key + " ",
      " " + key,
      DropLastCodePoint(key),
      absl::AsciiStrToUpper(key),
      absl::AsciiStrToLower(key),
      std::string(absl::StripAsciiWhitespace(key)),
      absl::StrReplaceAll(key, {{"\\", "\\\\"}}),
      absl::StrReplaceAll(key, {{"\"", "\\\""}}),
      absl::StrReplaceAll(key, {{"'", "''"}}),
      absl::StrReplaceAll(key, {{"'", "\\'"}}),
      absl::StrReplaceAll(key, {{"%", "\\%"}, {"_", "\\_"}}),
      absl::StrReplaceAll(key, {{"\\\\", "\\"}}),
      absl::StrReplaceAll(key, {{PrecomposedE(), CombiningE()}}),
      absl::StrReplaceAll(key, {{CombiningE(), PrecomposedE()}}),
      "\"" + key + "\"",
      "'" + key + "'",
      "{" + key + "}",
      "{\"" + key + "\"}",
  };
  // One byte changed (ASCII only, to stay valid UTF-8).
  for (size_t pos : {size_t{0}, key.size() - 1}) {
    if (static_cast<unsigned char>(key[pos]) < 0x80) {
      std::string changed = key;
      changed[pos] = changed[pos] == 'a' ? 'b' : 'a';
      candidates.push_back(changed);
    }
  }
  std::vector<std::string> out;
  for (auto& c : candidates) {
    if (c != key && !c.empty() && !stored.contains(c) &&
        std::find(out.begin(), out.end(), c) == out.end()) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

// A JSON document carrying hostile text in keys and values.
std::string HostileJson(const std::string& key) {
  nlohmann::ordered_json doc = {
      {"key", key},
      {"title", key},
      {"'); DROP TABLE content_metadata; --", "$1"},
      {"quote\"back\\slash", {"{", "}", ",", "NULL", nullptr}},
      {"emoji", Emoji() + CombiningE()},
      {"nested", {{"{\"a\":1}", "\\u0000 is text here"}}}};
  return doc.dump();
}

domain::ContentRecord CourseRecord(const std::string& key) {
  domain::ContentRecord r;
  r.content_key = key;
  r.content_type = "course";
  r.title = "Title of " + key;
  r.json_metadata = HostileJson(key);
  return r;
}

class HostileInputTest : public testing::SharedStoreTest<> {
 protected:
  storage::CatalogStore& store() { return *env_->store(); }

  storage::CatalogRow Create(const std::string& filter_json,
                             const std::string& title = "Catalog",
                             std::vector<std::string> modes = {"verified"}) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = title;
    c.enterprise_uuid = kEnterprise;
    c.enterprise_name = title;
    c.filter = testing::Filter(filter_json);
    c.enabled_course_modes = std::move(modes);
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

  storage::ReplaceResult Load(
      const storage::CatalogRow& catalog,
      const std::vector<domain::ContentRecord>& records) {
    auto result = store().ReplaceQueryContent(QueryIdOf(catalog), records);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : storage::ReplaceResult{};
  }

  std::vector<std::string> Contained(const storage::CatalogRow& catalog,
                                     const std::vector<std::string>& keys) {
    auto contained = store().ContainedKeys(catalog.uuid, keys);
    EXPECT_TRUE(contained.ok()) << contained.status();
    if (!contained.ok()) return {"<error>"};
    EXPECT_EQ(contained->enterprise_uuid, kEnterprise);
    return contained->keys;
  }

  std::vector<std::string> Containing(const std::vector<std::string>& keys) {
    auto hits = store().CatalogsContainingAny(kEnterprise, keys);
    EXPECT_TRUE(hits.ok()) << hits.status();
    return hits.ok() ? *hits : std::vector<std::string>{"<error>"};
  }

  // Every member of the catalog, paging one item at a time so that each
  // hostile key is also used as the page's after_key.
  std::vector<storage::ContentRow> AllItems(const storage::CatalogRow& catalog,
                                            std::vector<std::string> keys = {},
                                            int limit = 1) {
    std::vector<storage::ContentRow> items;
    storage::MetadataQuery q;
    q.catalog_uuid = catalog.uuid;
    q.content_keys = std::move(keys);
    q.limit = limit;
    for (int pages = 0; pages < 10000; ++pages) {
      auto page = store().GetCatalogMetadata(q);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (auto& item : page->items) items.push_back(std::move(item));
      if (!page->has_more) break;
      q.after_key = items.back().content_key;
    }
    return items;
  }

  // The state of every table, to show a call changed nothing it should not.
  struct Snapshot {
    std::string tables;
    int64_t content = 0;
    int64_t members = 0;
    int64_t catalogs = 0;
    int64_t queries = 0;
    std::string content_digest;
    std::string members_digest;
    std::string catalogs_digest;
    bool operator==(const Snapshot&) const = default;
  };

  Snapshot Take() {
    Snapshot s;
    auto text = [](absl::StatusOr<std::string> v) {
      EXPECT_TRUE(v.ok()) << v.status();
      return v.ok() ? *v : std::string("<error>");
    };
    auto count = [](absl::StatusOr<int64_t> v) {
      EXPECT_TRUE(v.ok()) << v.status();
      return v.ok() ? *v : -1;
    };
    s.tables = text(env_->QueryText(
        "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
        "WHERE schemaname = 'public'"));
    s.content = count(env_->QueryInt("SELECT count(*) FROM content_metadata"));
    s.members =
        count(env_->QueryInt("SELECT count(*) FROM catalog_query_content"));
    s.catalogs =
        count(env_->QueryInt("SELECT count(*) FROM enterprise_catalog"));
    s.queries = count(env_->QueryInt("SELECT count(*) FROM catalog_query"));
    s.content_digest = text(env_->QueryText(
        "SELECT COALESCE(md5(string_agg(content_key || E'\\x1f' || "
        "content_type || E'\\x1f' || COALESCE(parent_content_key, '') || "
        "E'\\x1f' || title || E'\\x1f' || json_metadata || E'\\x1f' || "
        "modified::text, E'\\x1e' ORDER BY content_key)), '') "
        "FROM content_metadata"));
    s.members_digest = text(env_->QueryText(
        "SELECT COALESCE(md5(string_agg(catalog_query_id::text || E'\\x1f' || "
        "content_key, E'\\x1e' ORDER BY catalog_query_id, content_key)), '') "
        "FROM catalog_query_content"));
    s.catalogs_digest = text(env_->QueryText(
        "SELECT COALESCE(md5(string_agg(c.uuid::text || title || "
        "enterprise_name || enabled_course_modes::text || "
        "catalog_query_id::text || c.modified::text || q.content_count::text, "
        "E'\\x1e' ORDER BY c.uuid)), '') FROM enterprise_catalog c "
        "JOIN catalog_query q ON q.id = c.catalog_query_id"));
    return s;
  }

  // A catalog of ordinary content in the same enterprise, to show hostile
  // requests never reach it.
  storage::CatalogRow Bystander() {
    auto catalog = Create(R"({"org": "bystander"})", "Bystander");
    domain::ContentRecord course = CourseRecord("edX+DemoX");
    course.json_metadata = testing::CourseDoc("edX+DemoX", "Demo");
    Load(catalog, {course});
    return catalog;
  }
};

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
  auto rows = store().GetContentMetadata(keys);
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
    auto one = store().GetContentMetadata({key});
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
  auto rows = store().GetContentMetadata(all_misses);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(*rows, IsEmpty());

  // None of these reads changed anything.
  EXPECT_EQ(Take(), before);
}

TEST_F(HostileInputTest, ArrayLiteralSmugglingMatchesNothing) {
  // If a key list were spliced into the text[] literal unescaped, each of
  // these would turn into (or add) the element edX+DemoX, which is stored.
  auto catalog = Bystander();
  const std::vector<std::string> smuggled = {
      "nope\",\"edX+DemoX",
      "nope\\\",\\\"edX+DemoX",
      "nope,edX+DemoX",
      "edX+DemoX\"}",
      "{\"edX+DemoX\"}",
      "{edX+DemoX}",
      "\"edX+DemoX\"",
      "edX+DemoX,",
      ",edX+DemoX",
      "edX+DemoX\\",
      "\"},{\"edX+DemoX",
      "nope\"}'::text[] || '{\"edX+DemoX",
      "edX+DemoX' OR '1'='1",
      "%",
      "edX+Demo_",
      "edX+%",
      "EDX+DEMOX",
      " edX+DemoX",
      "edX+DemoX ",
  };
  const Snapshot before = Take();
  EXPECT_THAT(Contained(catalog, smuggled), IsEmpty());
  EXPECT_THAT(Containing(smuggled), IsEmpty());
  auto rows = store().GetContentMetadata(smuggled);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(*rows, IsEmpty());
  EXPECT_THAT(AllItems(catalog, smuggled, 100), IsEmpty());
  for (const auto& key : smuggled) {
    SCOPED_TRACE(key);
    EXPECT_THAT(Contained(catalog, {key}), IsEmpty());
    EXPECT_THAT(Containing({key}), IsEmpty());
  }

  // A content type smuggled the same way does not widen the type filter.
  storage::MetadataQuery q;
  q.catalog_uuid = catalog.uuid;
  q.content_types = {"program\",\"course", "program,course", "{course}",
                     "course\\", "%"};
  auto page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->items, IsEmpty());
  EXPECT_EQ(page->total_count, 0);
  q.content_types = {"course"};
  page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 1u);

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

  auto rows = store().GetContentMetadata({two});
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
  auto rows = store().GetContentMetadata(dropped_keys);
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
  auto rows = store().GetContentMetadata({nested_run});
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
    update.title = value + "'";
    update.enterprise_name = "\\" + value;
    auto updated = store().UpdateCatalog(update);
    ASSERT_TRUE(updated.ok()) << updated.status();
    EXPECT_EQ(updated->title, *update.title);
    EXPECT_EQ(updated->enterprise_name, *update.enterprise_name);
    ASSERT_TRUE(store().DeleteCatalog(created.uuid).ok());
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
    // Both elements are quoted in PostgreSQL's output.
    update.enabled_course_modes =
        std::vector<std::string>{"\"" + value, "\\" + value};
    auto updated = store().UpdateCatalog(update);
    ASSERT_TRUE(updated.ok()) << updated.status();
    EXPECT_EQ(updated->enabled_course_modes, *update.enabled_course_modes);
    ASSERT_TRUE(store().DeleteCatalog(created.uuid).ok());
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

TEST_F(HostileInputTest, InvalidUtf8IsRejectedNotMisread) {
  // The service rejects such keys upstream; the store must still fail
  // cleanly rather than match something or corrupt anything.
  auto catalog = Bystander();
  const Snapshot before = Take();
  const std::vector<std::string> bad = {"edX+DemoX\xFF", "\xC3",
                                        "\xED\xA0\x80"};  // lone surrogate
  for (const auto& key : bad) {
    auto contained = store().ContainedKeys(catalog.uuid, {key, "edX+DemoX"});
    if (contained.ok()) {
      EXPECT_THAT(contained->keys, ElementsAre("edX+DemoX"));
    } else {
      EXPECT_EQ(contained.status().code(), absl::StatusCode::kInvalidArgument)
          << contained.status();
    }
    auto hits = store().CatalogsContainingAny(kEnterprise, {key});
    if (hits.ok()) {
      EXPECT_THAT(*hits, IsEmpty());
    } else {
      EXPECT_EQ(hits.status().code(), absl::StatusCode::kInvalidArgument)
          << hits.status();
    }
  }
  EXPECT_EQ(Take(), before);
  // The pool recovered: the next call works.
  EXPECT_THAT(Contained(catalog, {"edX+DemoX"}), ElementsAre("edX+DemoX"));
}

}  // namespace
}  // namespace ec
