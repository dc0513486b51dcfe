#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace ec::index {

// An immutable copy in memory of what the contains RPCs read from
// PostgreSQL: each catalog query's members, each content row's parent
// course, and each catalog's enterprise and query. It answers by exactly the
// rules of storage/pg/sql/contained_keys.sql and catalogs_containing_any.sql:
// a requested key is contained when it, the parent course of a requested
// run, or any run of a requested course is a member.
//
// Content keys are interned once (a key's id is its position in the load);
// a query's members are a sorted vector of ids, 4 bytes a membership row, so
// 2 million rows (1,000 queries of 2,000 keys) take 8 MB beside the key
// table (README.md has the measured figures).
//
// Safe to read from any number of threads: nothing in it changes after
// Build().
class MembershipSnapshot {
 public:
  class Builder;

  struct Contained {
    std::string enterprise_uuid;
    // The requested keys contained, each once, in request order.
    std::vector<std::string> keys;
  };

  // nullopt when the snapshot has no catalog `catalog_uuid` (it may have
  // been created since: the caller asks PostgreSQL).
  std::optional<Contained> ContainedKeys(
      std::string_view catalog_uuid,
      const std::vector<std::string>& keys) const;

  // The enterprise's catalogs that contain any of `keys`, in creation order;
  // nullopt when the snapshot knows no catalog of the enterprise.
  std::optional<std::vector<std::string>> CatalogsContainingAny(
      std::string_view enterprise_uuid,
      const std::vector<std::string>& keys) const;

  // A copy with query `query_id`'s members replaced by `member_keys`, at
  // `version`, sharing everything else; `links` are (key, parent key) pairs
  // of content rows the new members bring or change (a key new to the
  // snapshot, or a run moved to another course). nullptr when the snapshot
  // already holds `version` or a later one of that query: a late
  // notification changes nothing. This snapshot is left as it was.
  std::shared_ptr<const MembershipSnapshot> WithQuery(
      int64_t query_id, int64_t version,
      const std::vector<std::string>& member_keys,
      const std::vector<std::pair<std::string, std::string>>& links) const;

  struct CatalogEntry {
    std::string uuid;
    int64_t query_id = 0;
  };
  // A copy in which enterprise `enterprise_uuid`'s catalogs are exactly
  // `catalogs` (in creation order), as the database now holds them; a listed
  // catalog held under another enterprise moves here. Queries are shared:
  // a catalog on a query not held yet has no members until that query's
  // notification. This snapshot is left as it was.
  std::shared_ptr<const MembershipSnapshot> WithEnterpriseCatalogs(
      std::string_view enterprise_uuid,
      const std::vector<CatalogEntry>& catalogs) const;
  // The enterprise catalog `catalog_uuid` is held under, "" if none.
  std::string EnterpriseOf(std::string_view catalog_uuid) const;

  // The version of query `query_id` held (0 for none).
  int64_t QueryVersion(int64_t query_id) const;

  size_t content_keys() const { return keys_->parent.size(); }
  size_t membership_rows() const { return membership_rows_; }
  size_t catalogs() const { return catalogs_.size(); }
  // Heap bytes held, counted from the containers' capacities (the key
  // table's slots, the keys' own buffers, the vectors).
  size_t MemoryBytes() const;

 private:
  using KeyId = uint32_t;
  static constexpr KeyId kNoKey = UINT32_MAX;
  struct Catalog {
    std::string enterprise_uuid;
    int64_t query_id = 0;
  };
  struct Query {
    int64_t version = 0;
    std::vector<KeyId> members;  // sorted
  };
  // Every content key once, shared by the snapshots that have the same keys
  // and links: a snapshot that adds keys copies it.
  struct KeyTable {
    absl::flat_hash_map<std::string, KeyId> ids;
    std::vector<KeyId> parent;  // by id; kNoKey for none
    // The children (runs) of each id: child_ids[child_start[id] ..
    // child_start[id + 1]).
    std::vector<uint32_t> child_start;
    std::vector<KeyId> child_ids;

    KeyId Intern(std::string_view key);
    // Rebuilds child_start and child_ids from parent.
    void IndexChildren();
  };

  // The ids a requested key stands for: itself, its parent, its children.
  // Empty when the key is not content at all (so a member of nothing).
  void Candidates(std::string_view key, std::vector<KeyId>* out) const;
  // The members of `catalog`'s query (empty when it has none).
  const std::vector<KeyId>& MembersOf(const Catalog& catalog) const;
  static bool AnyMember(const std::vector<KeyId>& members,
                        const std::vector<KeyId>& candidates);

  std::shared_ptr<const KeyTable> keys_ = std::make_shared<KeyTable>();
  absl::flat_hash_map<int64_t, std::shared_ptr<const Query>> queries_;
  absl::flat_hash_map<std::string, Catalog> catalogs_;
  // Each enterprise's catalogs in creation order (keys of catalogs_).
  absl::flat_hash_map<std::string, std::vector<std::string>> by_enterprise_;
  size_t membership_rows_ = 0;
};

// Collects a snapshot row by row, as a loader streams the tables.
class MembershipSnapshot::Builder {
 public:
  // A content row; `parent_key` empty when it has none.
  void AddContent(std::string_view key, std::string_view parent_key);
  // A membership row of query `query_id`.
  void AddMember(int64_t query_id, std::string_view key);
  // The members_version of query `query_id` as loaded.
  void SetQueryVersion(int64_t query_id, int64_t version);
  // A catalog; catalogs must come in creation order.
  void AddCatalog(std::string_view uuid, std::string_view enterprise_uuid,
                  int64_t query_id);

  std::shared_ptr<const MembershipSnapshot> Build() &&;

 private:
  MembershipSnapshot snapshot_;
  KeyTable keys_;
  absl::flat_hash_map<int64_t, Query> queries_;
};

}  // namespace ec::index
