#pragma once

// Hostile content keys, titles and documents at the storage tier, against a
// real PostgreSQL: the fixture and values the hostile_*_pgtest.cc files
// share. The store passes key lists as text[] literals
// (storage::pg::ToPgTextArray), so quotes, backslashes, braces and commas are
// the real risk; the rest (LIKE wildcards, SQL fragments, long UTF-8,
// whitespace, NULL-looking text) pins that nothing is interpreted anywhere.
// Every value must round-trip byte for byte, match only itself, and leave
// every other row and table alone.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "domain/content.h"
#include "storage/catalog_store.h"
#include "storage/types.h"
#include "tests/support/test_env.h"

namespace ec {

class HostileInputTest : public testing::SharedStoreTest<> {
 protected:
  static constexpr char kEnterprise[] = "33333333-3333-4333-8333-333333333333";

  // U+1F600, 4 bytes.
  static const std::string& Emoji();

  // The hostile content keys. All valid UTF-8, none empty, none over
  // kMaxContentKeyBytes, no NUL (the limits the service enforces upstream).
  static std::vector<std::string> HostileKeys();

  // Keys close to `key` that must not match it: one character more, fewer
  // or different, other case, escaped or quoted, trimmed or padded.
  // Candidates that happen to be in `stored` are left out.
  static std::vector<std::string> NearMisses(
      const std::string& key, const std::set<std::string>& stored);

  // A JSON document carrying hostile text in keys and values.
  static std::string HostileJson(const std::string& key);

  static domain::ContentRecord CourseRecord(const std::string& key);

  storage::CatalogStore& store() { return *env_->store(); }

  storage::CatalogRow Create(const std::string& filter_json,
                             const std::string& title = "Catalog",
                             std::vector<std::string> modes = {"verified"});

  int64_t QueryIdOf(const storage::CatalogRow& catalog);

  storage::ReplaceResult Load(
      const storage::CatalogRow& catalog,
      const std::vector<domain::ContentRecord>& records);

  std::vector<std::string> Contained(const storage::CatalogRow& catalog,
                                     const std::vector<std::string>& keys);

  std::vector<std::string> Containing(const std::vector<std::string>& keys);

  // Every member of the catalog, paging one item at a time so that each
  // hostile key is also used as the page's after_key.
  std::vector<storage::ContentRow> AllItems(const storage::CatalogRow& catalog,
                                            std::vector<std::string> keys = {},
                                            int limit = 1);

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

  Snapshot Take();

  // A catalog of ordinary content in the same enterprise, to show hostile
  // requests never reach it.
  storage::CatalogRow Bystander();
};

}  // namespace ec
