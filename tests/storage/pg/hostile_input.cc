#include "tests/storage/pg/hostile_input.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "common/limits.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"

namespace ec {
namespace {

// `unit` repeated until adding another would pass `bytes`, then padded with
// ASCII to exactly `bytes` bytes.
std::string Fill(const std::string& unit, size_t bytes,
                 const std::string& prefix = "") {
  std::string out = prefix;
  while (out.size() + unit.size() <= bytes) out += unit;
  while (out.size() < bytes) out += 'z';
  return out;
}

const std::string& CombiningE() {  // e + U+0301 COMBINING ACUTE, 3 bytes
  static const std::string s = "e\xCC\x81";
  return s;
}
const std::string& PrecomposedE() {  // U+00E9, the NFC form of CombiningE
  static const std::string s = "\xC3\xA9";
  return s;
}

// Drops the last UTF-8 code point.
std::string DropLastCodePoint(std::string s) {
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) {
    s.pop_back();
  }
  if (!s.empty()) s.pop_back();
  return s;
}

}  // namespace

const std::string& HostileInputTest::Emoji() {
  static const std::string s = "\xF0\x9F\x98\x80";
  return s;
}

std::vector<std::string> HostileInputTest::HostileKeys() {
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

std::vector<std::string> HostileInputTest::NearMisses(
    const std::string& key, const std::set<std::string>& stored) {
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

std::string HostileInputTest::HostileJson(const std::string& key) {
  nlohmann::ordered_json doc = {
      {"key", key},
      {"title", key},
      {"'); DROP TABLE content_metadata; --", "$1"},
      {"quote\"back\\slash", {"{", "}", ",", "NULL", nullptr}},
      {"emoji", Emoji() + CombiningE()},
      {"nested", {{"{\"a\":1}", "\\u0000 is text here"}}}};
  return doc.dump();
}

domain::ContentRecord HostileInputTest::CourseRecord(const std::string& key) {
  domain::ContentRecord r;
  r.content_key = key;
  r.content_type = "course";
  r.title = "Title of " + key;
  r.json_metadata = HostileJson(key);
  return r;
}

storage::CatalogRow HostileInputTest::Create(const std::string& filter_json,
                                             const std::string& title,
                                             std::vector<std::string> modes) {
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

int64_t HostileInputTest::QueryIdOf(const storage::CatalogRow& catalog) {
  auto id = env_->QueryInt(
      "SELECT catalog_query_id FROM enterprise_catalog WHERE uuid = '" +
      catalog.uuid + "'");
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : -1;
}

storage::ReplaceResult HostileInputTest::Load(
    const storage::CatalogRow& catalog,
    const std::vector<domain::ContentRecord>& records) {
  auto result = store().ReplaceQueryContent(QueryIdOf(catalog), records);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : storage::ReplaceResult{};
}

std::vector<std::string> HostileInputTest::Contained(
    const storage::CatalogRow& catalog, const std::vector<std::string>& keys) {
  auto contained = store().ContainedKeys(catalog.uuid, keys);
  EXPECT_TRUE(contained.ok()) << contained.status();
  if (!contained.ok()) return {"<error>"};
  EXPECT_EQ(contained->enterprise_uuid, kEnterprise);
  return contained->keys;
}

std::vector<std::string> HostileInputTest::Containing(
    const std::vector<std::string>& keys) {
  auto hits = store().CatalogsContainingAny(kEnterprise, keys);
  EXPECT_TRUE(hits.ok()) << hits.status();
  return hits.ok() ? *hits : std::vector<std::string>{"<error>"};
}

std::vector<storage::ContentRow> HostileInputTest::AllItems(
    const storage::CatalogRow& catalog, std::vector<std::string> keys,
    int limit) {
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

HostileInputTest::Snapshot HostileInputTest::Take() {
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
  s.catalogs = count(env_->QueryInt("SELECT count(*) FROM enterprise_catalog"));
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

storage::CatalogRow HostileInputTest::Bystander() {
  auto catalog = Create(R"({"org": "bystander"})", "Bystander");
  domain::ContentRecord course = CourseRecord("edX+DemoX");
  course.json_metadata = testing::CourseDoc("edX+DemoX", "Demo");
  Load(catalog, {course});
  return catalog;
}

}  // namespace ec
