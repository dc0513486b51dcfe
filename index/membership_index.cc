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
  const auto it = ids_.find(View(key));
  if (it == ids_.end()) return;
  const KeyId id = it->second;
  out->push_back(id);
  if (parent_[id] != kNoKey) out->push_back(parent_[id]);
  out->insert(out->end(), child_ids_.begin() + child_start_[id],
              child_ids_.begin() + child_start_[id + 1]);
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
  Contained out;
  out.enterprise_uuid = catalog->second.enterprise_uuid;
  absl::flat_hash_set<absl::string_view> seen;
  std::vector<KeyId> candidates;
  for (const std::string& key : keys) {
    if (!seen.insert(View(key)).second) continue;
    Candidates(key, &candidates);
    if (AnyMember(*catalog->second.members, candidates)) {
      out.keys.push_back(key);
    }
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
    if (AnyMember(*catalogs_.at(uuid).members, all)) out.push_back(uuid);
  }
  return out;
}

size_t MembershipSnapshot::MemoryBytes() const {
  size_t bytes = SlotBytes(ids_);
  for (const auto& [key, id] : ids_) bytes += StringHeapBytes(key);
  bytes += parent_.capacity() * sizeof(KeyId) +
           child_start_.capacity() * sizeof(uint32_t) +
           child_ids_.capacity() * sizeof(KeyId);
  bytes += SlotBytes(catalogs_);
  absl::flat_hash_set<const std::vector<KeyId>*> counted;
  for (const auto& [uuid, catalog] : catalogs_) {
    bytes += StringHeapBytes(uuid) + StringHeapBytes(catalog.enterprise_uuid);
    if (counted.insert(catalog.members.get()).second) {
      bytes += sizeof(std::vector<KeyId>) +
               catalog.members->capacity() * sizeof(KeyId);
    }
  }
  bytes += SlotBytes(by_enterprise_);
  for (const auto& [enterprise, uuids] : by_enterprise_) {
    bytes +=
        StringHeapBytes(enterprise) + uuids.capacity() * sizeof(std::string);
    for (const std::string& uuid : uuids) bytes += StringHeapBytes(uuid);
  }
  return bytes;
}

MembershipSnapshot::KeyId MembershipSnapshot::Builder::Intern(
    std::string_view key) {
  const auto [it, inserted] = snapshot_.ids_.try_emplace(
      View(key), static_cast<KeyId>(snapshot_.parent_.size()));
  if (inserted) snapshot_.parent_.push_back(kNoKey);
  return it->second;
}

void MembershipSnapshot::Builder::AddContent(std::string_view key,
                                             std::string_view parent_key) {
  const KeyId id = Intern(key);
  if (!parent_key.empty()) {
    const KeyId parent = Intern(parent_key);
    snapshot_.parent_[id] = parent;
  }
}

void MembershipSnapshot::Builder::AddMember(int64_t query_id,
                                            std::string_view key) {
  members_[query_id].push_back(Intern(key));
}

void MembershipSnapshot::Builder::AddCatalog(std::string_view uuid,
                                             std::string_view enterprise_uuid,
                                             int64_t query_id) {
  snapshot_.catalogs_[View(uuid)].enterprise_uuid =
      std::string(enterprise_uuid);
  snapshot_.by_enterprise_[View(enterprise_uuid)].emplace_back(uuid);
  catalog_queries_.emplace_back(std::string(uuid), query_id);
}

std::shared_ptr<const MembershipSnapshot>
MembershipSnapshot::Builder::Build() && {
  MembershipSnapshot& s = snapshot_;
  // Children by parent, as offsets into one array (counting sort).
  const size_t n = s.parent_.size();
  s.child_start_.assign(n + 1, 0);
  for (const KeyId parent : s.parent_) {
    if (parent != kNoKey) ++s.child_start_[parent + 1];
  }
  for (size_t i = 0; i < n; ++i) s.child_start_[i + 1] += s.child_start_[i];
  s.child_ids_.resize(s.child_start_[n]);
  std::vector<uint32_t> next(s.child_start_.begin(), s.child_start_.end() - 1);
  for (KeyId id = 0; id < n; ++id) {
    if (s.parent_[id] != kNoKey) s.child_ids_[next[s.parent_[id]]++] = id;
  }
  // Each query's members, sorted once and shared by its catalogs.
  absl::flat_hash_map<int64_t, std::shared_ptr<const std::vector<KeyId>>>
      shared;
  for (auto& [query_id, ids] : members_) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids.shrink_to_fit();
    s.membership_rows_ += ids.size();
    shared[query_id] =
        std::make_shared<const std::vector<KeyId>>(std::move(ids));
  }
  const auto empty = std::make_shared<const std::vector<KeyId>>();
  for (const auto& [uuid, query_id] : catalog_queries_) {
    const auto it = shared.find(query_id);
    s.catalogs_[uuid].members = it == shared.end() ? empty : it->second;
  }
  return std::make_shared<const MembershipSnapshot>(std::move(s));
}

}  // namespace ec::index
