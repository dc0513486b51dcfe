#include "index/membership_index.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace ec::index {
namespace {

// Debian's Abseil has its own string_view, which its maps' heterogeneous
// lookups take.
absl::string_view View(std::string_view s) { return {s.data(), s.size()}; }

// Heap bytes of a std::string beyond the object itself (libstdc++ keeps up
// to 15 characters inline).
size_t StringHeapBytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

template <typename Map>
size_t SlotBytes(const Map& map) {
  // One control byte per slot beside the slot itself.
  return map.capacity() * (sizeof(typename Map::value_type) + 1);
}

}  // namespace

void MembershipSnapshot::Candidates(std::string_view key,
                                    std::vector<KeyId>* out) const {
  out->clear();
  const KeyTable& keys = *keys_;
  const auto it = keys.ids.find(View(key));
  if (it == keys.ids.end()) return;
  const KeyId id = it->second;
  out->push_back(id);
  if (keys.parent[id] != kNoKey) out->push_back(keys.parent[id]);
  out->insert(out->end(), keys.child_ids.begin() + keys.child_start[id],
              keys.child_ids.begin() + keys.child_start[id + 1]);
}

const std::vector<MembershipSnapshot::KeyId>& MembershipSnapshot::MembersOf(
    const Catalog& catalog) const {
  static const std::vector<KeyId> kNone;
  const auto it = queries_.find(catalog.query_id);
  return it == queries_.end() ? kNone : it->second->members;
}

bool MembershipSnapshot::AnyMember(const std::vector<KeyId>& members,
                                   const std::vector<KeyId>& candidates) {
  return std::any_of(candidates.begin(), candidates.end(), [&](KeyId id) {
    return std::binary_search(members.begin(), members.end(), id);
  });
}

std::optional<MembershipSnapshot::Contained> MembershipSnapshot::ContainedKeys(
    std::string_view catalog_uuid, const std::vector<std::string>& keys) const {
  const auto catalog = catalogs_.find(View(catalog_uuid));
  if (catalog == catalogs_.end()) return std::nullopt;
  const std::vector<KeyId>& members = MembersOf(catalog->second);
  Contained out;
  out.enterprise_uuid = catalog->second.enterprise_uuid;
  absl::flat_hash_set<absl::string_view> seen;
  std::vector<KeyId> candidates;
  for (const std::string& key : keys) {
    if (!seen.insert(View(key)).second) continue;
    Candidates(key, &candidates);
    if (AnyMember(members, candidates)) out.keys.push_back(key);
  }
  return out;
}

std::optional<std::vector<std::string>>
MembershipSnapshot::CatalogsContainingAny(
    std::string_view enterprise_uuid,
    const std::vector<std::string>& keys) const {
  const auto enterprise = by_enterprise_.find(View(enterprise_uuid));
  if (enterprise == by_enterprise_.end()) return std::nullopt;
  // Every candidate of every key, once: each catalog then probes them all.
  std::vector<KeyId> all;
  std::vector<KeyId> candidates;
  for (const std::string& key : keys) {
    Candidates(key, &candidates);
    all.insert(all.end(), candidates.begin(), candidates.end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::vector<std::string> out;
  for (const std::string& uuid : enterprise->second) {
    if (AnyMember(MembersOf(catalogs_.at(uuid)), all)) out.push_back(uuid);
  }
  return out;
}

int64_t MembershipSnapshot::QueryVersion(int64_t query_id) const {
  const auto it = queries_.find(query_id);
  return it == queries_.end() ? 0 : it->second->version;
}

std::shared_ptr<const MembershipSnapshot> MembershipSnapshot::WithQuery(
    int64_t query_id, int64_t version,
    const std::vector<std::string>& member_keys,
    const std::vector<std::pair<std::string, std::string>>& links) const {
  if (QueryVersion(query_id) >= version) return nullptr;
  auto next = std::make_shared<MembershipSnapshot>(*this);
  // The key table is copied only when a key is new or a link changed.
  const KeyTable& keys = *keys_;
  auto known = [&](std::string_view key) {
    return keys.ids.contains(View(key));
  };
  bool changed = !std::all_of(member_keys.begin(), member_keys.end(), known);
  for (const auto& [key, parent] : links) {
    if (changed) break;
    const auto it = keys.ids.find(View(key));
    const auto parent_it = keys.ids.find(View(parent));
    const KeyId want = parent.empty() ? kNoKey
                       : parent_it == keys.ids.end()
                           ? kNoKey - 1  // unknown: never equal
                           : parent_it->second;
    changed = it == keys.ids.end() || keys.parent[it->second] != want;
  }
  if (changed) {
    auto table = std::make_shared<KeyTable>(keys);
    for (const auto& [key, parent] : links) {
      const KeyId id = table->Intern(key);
      table->parent[id] = parent.empty() ? kNoKey : table->Intern(parent);
    }
    for (const std::string& key : member_keys) table->Intern(key);
    table->IndexChildren();
    next->keys_ = std::move(table);
  }
  auto query = std::make_shared<Query>();
  query->version = version;
  for (const std::string& key : member_keys) {
    query->members.push_back(next->keys_->ids.at(View(key)));
  }
  std::sort(query->members.begin(), query->members.end());
  query->members.erase(
      std::unique(query->members.begin(), query->members.end()),
      query->members.end());
  const auto old = queries_.find(query_id);
  next->membership_rows_ -=
      old == queries_.end() ? 0 : old->second->members.size();
  next->membership_rows_ += query->members.size();
  next->queries_[query_id] = std::move(query);
  return next;
}

std::shared_ptr<const MembershipSnapshot>
MembershipSnapshot::WithEnterpriseCatalogs(
    std::string_view enterprise_uuid,
    const std::vector<CatalogEntry>& catalogs) const {
  auto next = std::make_shared<MembershipSnapshot>(*this);
  if (const auto old = by_enterprise_.find(View(enterprise_uuid));
      old != by_enterprise_.end()) {
    for (const std::string& uuid : old->second) next->catalogs_.erase(uuid);
  }
  std::vector<std::string> uuids;
  uuids.reserve(catalogs.size());
  for (const CatalogEntry& entry : catalogs) {
    Catalog& catalog = next->catalogs_[View(entry.uuid)];
    if (!catalog.enterprise_uuid.empty() &&
        catalog.enterprise_uuid != enterprise_uuid) {
      // Moved here from another enterprise: out of that one's list.
      const auto from = next->by_enterprise_.find(catalog.enterprise_uuid);
      if (from != next->by_enterprise_.end()) {
        std::erase(from->second, entry.uuid);
        if (from->second.empty()) next->by_enterprise_.erase(from);
      }
    }
    catalog = {std::string(enterprise_uuid), entry.query_id};
    uuids.push_back(entry.uuid);
  }
  if (uuids.empty()) {
    next->by_enterprise_.erase(View(enterprise_uuid));
  } else {
    next->by_enterprise_[View(enterprise_uuid)] = std::move(uuids);
  }
  return next;
}

std::string MembershipSnapshot::EnterpriseOf(
    std::string_view catalog_uuid) const {
  const auto it = catalogs_.find(View(catalog_uuid));
  return it == catalogs_.end() ? "" : it->second.enterprise_uuid;
}

size_t MembershipSnapshot::MemoryBytes() const {
  const KeyTable& keys = *keys_;
  size_t bytes = SlotBytes(keys.ids);
  for (const auto& [key, id] : keys.ids) bytes += StringHeapBytes(key);
  bytes += keys.parent.capacity() * sizeof(KeyId) +
           keys.child_start.capacity() * sizeof(uint32_t) +
           keys.child_ids.capacity() * sizeof(KeyId);
  bytes += SlotBytes(queries_);
  for (const auto& [id, query] : queries_) {
    bytes += sizeof(Query) + query->members.capacity() * sizeof(KeyId);
  }
  bytes += SlotBytes(catalogs_);
  for (const auto& [uuid, catalog] : catalogs_) {
    bytes += StringHeapBytes(uuid) + StringHeapBytes(catalog.enterprise_uuid);
  }
  bytes += SlotBytes(by_enterprise_);
  for (const auto& [enterprise, uuids] : by_enterprise_) {
    bytes +=
        StringHeapBytes(enterprise) + uuids.capacity() * sizeof(std::string);
    for (const std::string& uuid : uuids) bytes += StringHeapBytes(uuid);
  }
  return bytes;
}

MembershipSnapshot::KeyId MembershipSnapshot::KeyTable::Intern(
    std::string_view key) {
  const auto [it, inserted] =
      ids.try_emplace(View(key), static_cast<KeyId>(parent.size()));
  if (inserted) parent.push_back(kNoKey);
  return it->second;
}

void MembershipSnapshot::KeyTable::IndexChildren() {
  // Children by parent, as offsets into one array (counting sort).
  const size_t n = parent.size();
  child_start.assign(n + 1, 0);
  for (const KeyId p : parent) {
    if (p != kNoKey) ++child_start[p + 1];
  }
  for (size_t i = 0; i < n; ++i) child_start[i + 1] += child_start[i];
  child_ids.resize(child_start[n]);
  std::vector<uint32_t> next(child_start.begin(), child_start.end() - 1);
  for (KeyId id = 0; id < n; ++id) {
    if (parent[id] != kNoKey) child_ids[next[parent[id]]++] = id;
  }
}

void MembershipSnapshot::Builder::AddContent(std::string_view key,
                                             std::string_view parent_key) {
  const KeyId id = keys_.Intern(key);
  if (!parent_key.empty()) {
    const KeyId parent = keys_.Intern(parent_key);
    keys_.parent[id] = parent;
  }
}

void MembershipSnapshot::Builder::AddMember(int64_t query_id,
                                            std::string_view key) {
  queries_[query_id].members.push_back(keys_.Intern(key));
}

void MembershipSnapshot::Builder::SetQueryVersion(int64_t query_id,
                                                  int64_t version) {
  queries_[query_id].version = version;
}

void MembershipSnapshot::Builder::AddCatalog(std::string_view uuid,
                                             std::string_view enterprise_uuid,
                                             int64_t query_id) {
  snapshot_.catalogs_[View(uuid)] = {std::string(enterprise_uuid), query_id};
  snapshot_.by_enterprise_[View(enterprise_uuid)].emplace_back(uuid);
}

std::shared_ptr<const MembershipSnapshot>
MembershipSnapshot::Builder::Build() && {
  keys_.IndexChildren();
  snapshot_.keys_ = std::make_shared<const KeyTable>(std::move(keys_));
  for (auto& [query_id, query] : queries_) {
    std::sort(query.members.begin(), query.members.end());
    query.members.erase(std::unique(query.members.begin(), query.members.end()),
                        query.members.end());
    query.members.shrink_to_fit();
    snapshot_.membership_rows_ += query.members.size();
    snapshot_.queries_[query_id] =
        std::make_shared<const Query>(std::move(query));
  }
  return std::make_shared<const MembershipSnapshot>(std::move(snapshot_));
}

}  // namespace ec::index
