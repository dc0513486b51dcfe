#include "tests/fakes/fake_catalog_store.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "domain/catalog_item_fields.h"
#include "nlohmann/json.hpp"

namespace ec::fakes {
namespace {

absl::Status CatalogNotFound(std::string_view uuid) {
  return absl::NotFoundError(
      absl::StrCat("catalog ", std::string(uuid), " not found"));
}

absl::Status NoCatalogContains(std::string_view enterprise_uuid,
                               std::string_view identifier) {
  return absl::NotFoundError(
      absl::StrCat("no catalog of enterprise ", std::string(enterprise_uuid),
                   " contains ", std::string(identifier)));
}

}  // namespace

FakeCatalogStore::FakeCatalogStore(common::Clock clock)
    : clock_(std::move(clock)) {}

common::Micros FakeCatalogStore::Now() {
  if (clock_) return clock_();
  return ++counter_;
}

void FakeCatalogStore::FailEveryCall(absl::Status status) {
  absl::MutexLock lock(&mu_);
  injected_ = std::move(status);
}

void FakeCatalogStore::OnGetCatalog(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  on_get_catalog_ = std::move(hook);
}

void FakeCatalogStore::ThrowOnGetCatalog(bool on) {
  absl::MutexLock lock(&mu_);
  throw_on_get_catalog_ = on;
}

storage::CatalogRow FakeCatalogStore::Read(const Catalog& catalog) const {
  storage::CatalogRow row = catalog.row;
  const QueryRow& query = queries_.at(catalog.query_id);
  row.content_filter_json = query.filter.json;
  row.content_filter_hash = query.filter.hash;
  row.catalog_query_uuid = query.uuid;
  row.content_count = static_cast<int64_t>(query.members.size());
  row.content_refreshed = query.refreshed;
  if (!query.refreshed) row.content_count = 0;
  return row;
}

int64_t FakeCatalogStore::EnsureQuery(const domain::CanonicalFilter& filter) {
  for (const auto& [id, query] : queries_) {
    if (query.filter.hash == filter.hash) return id;
  }
  QueryRow query;
  query.id = next_query_id_++;
  query.uuid = common::NewUuidV4();
  query.filter = filter;
  query.created = Now();
  const int64_t id = query.id;
  queries_.emplace(id, std::move(query));
  return id;
}

absl::StatusOr<storage::CatalogRow> FakeCatalogStore::CreateCatalog(
    const storage::NewCatalog& catalog) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  if (catalogs_.count(catalog.uuid) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("a catalog with uuid ", catalog.uuid, " already exists"));
  }
  Catalog stored;
  stored.query_id = EnsureQuery(catalog.filter);
  storage::CatalogRow& row = stored.row;
  row.uuid = catalog.uuid;
  row.title = catalog.title;
  row.enterprise_uuid = catalog.enterprise_uuid;
  row.enterprise_name = catalog.enterprise_name;
  row.enabled_course_modes = catalog.enabled_course_modes;
  row.publish_audit_enrollment_urls = catalog.publish_audit_enrollment_urls;
  row.created = row.modified = Now();
  auto [it, inserted] = catalogs_.emplace(catalog.uuid, std::move(stored));
  return Read(it->second);
}

absl::StatusOr<storage::CatalogRow> FakeCatalogStore::GetCatalog(
    std::string_view uuid) {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    hook = on_get_catalog_;
  }
  if (hook) hook();
  absl::MutexLock lock(&mu_);
  if (throw_on_get_catalog_) {
    throw std::runtime_error("fake store: GetCatalog threw");
  }
  if (!injected_.ok()) return injected_;
  const auto it = catalogs_.find(uuid);
  if (it == catalogs_.end()) return CatalogNotFound(uuid);
  return Read(it->second);
}

absl::StatusOr<storage::CatalogPage> FakeCatalogStore::ListCatalogs(
    const storage::ListCatalogsQuery& query) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  std::vector<storage::CatalogRow> rows;
  for (const auto& [uuid, catalog] : catalogs_) {
    const storage::CatalogRow& row = catalog.row;
    if (query.enterprise_uuids &&
        std::find(query.enterprise_uuids->begin(),
                  query.enterprise_uuids->end(),
                  row.enterprise_uuid) == query.enterprise_uuids->end()) {
      continue;
    }
    if (query.after && std::tie(row.created, row.uuid) <=
                           std::tie(query.after->created, query.after->uuid)) {
      continue;
    }
    rows.push_back(Read(catalog));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.created, a.uuid) < std::tie(b.created, b.uuid);
  });
  storage::CatalogPage page;
  page.has_more = static_cast<int>(rows.size()) > query.limit;
  if (page.has_more) rows.resize(query.limit);
  page.catalogs = std::move(rows);
  return page;
}

absl::StatusOr<storage::CatalogRow> FakeCatalogStore::UpdateCatalog(
    const storage::CatalogUpdate& update) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const auto it = catalogs_.find(update.uuid);
  if (it == catalogs_.end() ||
      it->second.row.enterprise_uuid != update.enterprise_uuid) {
    return CatalogNotFound(update.uuid);
  }
  Catalog& catalog = it->second;
  if (update.title) catalog.row.title = *update.title;
  if (update.enterprise_name) {
    catalog.row.enterprise_name = *update.enterprise_name;
  }
  if (update.filter) catalog.query_id = EnsureQuery(*update.filter);
  if (update.enabled_course_modes) {
    catalog.row.enabled_course_modes = *update.enabled_course_modes;
  }
  if (update.publish_audit_enrollment_urls) {
    catalog.row.publish_audit_enrollment_urls =
        *update.publish_audit_enrollment_urls;
  }
  catalog.row.modified = Now();
  return Read(catalog);
}

absl::Status FakeCatalogStore::DeleteCatalog(std::string_view uuid,
                                             std::string_view enterprise_uuid) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const auto it = catalogs_.find(uuid);
  if (it == catalogs_.end() ||
      it->second.row.enterprise_uuid != enterprise_uuid) {
    return CatalogNotFound(uuid);
  }
  catalogs_.erase(it);
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::string>> FakeCatalogStore::Expand(
    const std::vector<std::string>& keys) const {
  std::vector<std::pair<std::string, std::string>> out;
  const std::set<std::string> asked(keys.begin(), keys.end());
  for (const std::string& key : asked) {
    out.emplace_back(key, key);
    if (const auto it = content_.find(key);
        it != content_.end() && !it->second.row.parent_content_key.empty()) {
      out.emplace_back(key, it->second.row.parent_content_key);
    }
    for (const auto& [member, content] : content_) {
      if (content.row.parent_content_key == key) out.emplace_back(key, member);
    }
  }
  return out;
}

absl::StatusOr<storage::ContainedResult> FakeCatalogStore::ContainedKeys(
    std::string_view catalog_uuid, const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const auto it = catalogs_.find(catalog_uuid);
  if (it == catalogs_.end()) return CatalogNotFound(catalog_uuid);
  const QueryRow& query = queries_.at(it->second.query_id);
  storage::ContainedResult result;
  result.enterprise_uuid = it->second.row.enterprise_uuid;
  std::set<std::string> hits;
  for (const auto& [asked, member] : Expand(keys)) {
    if (query.members.count(member) > 0) hits.insert(asked);
  }
  result.keys.assign(hits.begin(), hits.end());
  return result;
}

absl::StatusOr<std::vector<std::string>>
FakeCatalogStore::CatalogsContainingAny(std::string_view enterprise_uuid,
                                        const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const auto expanded = Expand(keys);
  std::vector<const Catalog*> hits;
  for (const auto& [uuid, catalog] : catalogs_) {
    if (catalog.row.enterprise_uuid != enterprise_uuid) continue;
    const QueryRow& query = queries_.at(catalog.query_id);
    for (const auto& [asked, member] : expanded) {
      if (query.members.count(member) > 0) {
        hits.push_back(&catalog);
        break;
      }
    }
  }
  std::sort(hits.begin(), hits.end(), [](const Catalog* a, const Catalog* b) {
    return std::tie(a->row.created, a->row.uuid) <
           std::tie(b->row.created, b->row.uuid);
  });
  std::vector<std::string> uuids;
  for (const Catalog* catalog : hits) uuids.push_back(catalog->row.uuid);
  return uuids;
}

storage::CatalogScope FakeCatalogStore::ScopeOf(const Catalog& catalog) const {
  storage::CatalogScope scope;
  scope.catalog.catalog_uuid = catalog.row.uuid;
  scope.catalog.enterprise_uuid = catalog.row.enterprise_uuid;
  scope.catalog.enterprise_name = catalog.row.enterprise_name;
  scope.catalog.publish_audit_enrollment_urls =
      catalog.row.publish_audit_enrollment_urls;
  scope.catalog_modified = catalog.row.modified;
  if (const auto it = customers_.find(catalog.row.enterprise_uuid);
      it != customers_.end()) {
    scope.customer = it->second;
  }
  return scope;
}

domain::ItemFacts FakeCatalogStore::FactsOf(
    const storage::ContentRow& row) const {
  nlohmann::ordered_json doc =
      nlohmann::ordered_json::parse(row.json_metadata, nullptr, false);
  if (doc.is_discarded()) doc = nlohmann::ordered_json::object();
  return domain::ItemFactsFromDocument(row.content_key, row.content_type,
                                       row.parent_content_key, doc);
}

storage::ContentRow FakeCatalogStore::Served(
    const storage::ContentRow& row) const {
  storage::ContentRow out = row;
  out.facts = FactsOf(row);
  out.run_rows.clear();
  // As served_item: the course's nested runs that have rows of their own,
  // none for an exec-ed course.
  if (row.content_type == "course" && !out.facts.exec_ed) {
    const std::vector<std::string>& nested = out.facts.run_keys;
    for (const auto& [key, content] : content_) {
      if (content.row.parent_content_key == row.content_key &&
          !content.derived &&
          std::find(nested.begin(), nested.end(), key) != nested.end()) {
        out.run_rows.push_back(key);
      }
    }
  }
  return out;
}

const storage::ContentRow& FakeCatalogStore::CoercedToParent(
    const storage::ContentRow& row) const {
  if (row.content_type != "courserun" || row.parent_content_key.empty()) {
    return row;
  }
  const auto parent = content_.find(row.parent_content_key);
  return parent == content_.end() ? row : parent->second.row;
}

absl::StatusOr<storage::MetadataPage> FakeCatalogStore::GetCatalogMetadata(
    const storage::MetadataQuery& query) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const auto it = catalogs_.find(query.catalog_uuid);
  if (it == catalogs_.end()) return CatalogNotFound(query.catalog_uuid);
  const QueryRow& q = queries_.at(it->second.query_id);
  std::set<std::string> wanted;
  for (const auto& [asked, member] : Expand(query.content_keys)) {
    wanted.insert(member);
  }
  // active_only applies to the whole catalog only, as Django's
  // get_matching_content does.
  const bool active_only = query.active_only && query.content_keys.empty();
  std::vector<const storage::ContentRow*> matched;
  for (const std::string& member : q.members) {
    const auto content = content_.find(member);
    if (content == content_.end()) continue;
    const storage::ContentRow& row = content->second.row;
    if (!query.content_keys.empty() && wanted.count(member) == 0) continue;
    if (!query.content_types.empty() &&
        std::find(query.content_types.begin(), query.content_types.end(),
                  row.content_type) == query.content_types.end()) {
      continue;
    }
    if (active_only && row.content_type == "course" &&
        !FactsOf(row).active.value_or(true)) {
      continue;
    }
    matched.push_back(&row);
  }
  storage::MetadataPage page;
  page.catalog_uuid = it->second.row.uuid;
  page.catalog_title = it->second.row.title;
  page.enterprise_uuid = it->second.row.enterprise_uuid;
  page.scope = ScopeOf(it->second);
  const bool filtered = !query.content_keys.empty() ||
                        !query.content_types.empty() || active_only;
  page.total_count =
      filtered ? static_cast<int64_t>(matched.size())
               : (q.refreshed ? static_cast<int64_t>(q.members.size()) : 0);
  for (const storage::ContentRow* row : matched) {
    if (row->content_key <= query.after_key) continue;
    if (static_cast<int>(page.items.size()) == query.limit) {
      page.has_more = true;
      break;
    }
    page.items.push_back(Served(*row));
  }
  return page;
}

absl::StatusOr<std::vector<storage::ContentMatch>>
FakeCatalogStore::GetContentMetadata(const storage::ContentLookup& lookup) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  std::vector<storage::ContentMatch> matches;
  for (const std::string& key :
       std::set<std::string>(lookup.keys.begin(), lookup.keys.end())) {
    if (const auto it = content_.find(key); it != content_.end()) {
      matches.push_back({key, lookup.coerce_to_parent_course
                                  ? CoercedToParent(it->second.row)
                                  : it->second.row});
    }
  }
  for (const std::string& uuid :
       std::set<std::string>(lookup.uuids.begin(), lookup.uuids.end())) {
    for (const auto& [key, content] : content_) {
      if (content.row.content_uuid == uuid) {
        matches.push_back({uuid, lookup.coerce_to_parent_course
                                     ? CoercedToParent(content.row)
                                     : content.row});
      }
    }
  }
  return matches;
}

absl::StatusOr<storage::CustomerItem>
FakeCatalogStore::GetCustomerContentMetadata(
    const storage::CustomerContentQuery& query) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const std::string& identifier =
      query.content_uuid ? *query.content_uuid : query.content_key;
  // Every row the identifier names, as targets (coerced), in key order.
  std::map<std::string, const storage::ContentRow*> targets;
  for (const auto& [key, content] : content_) {
    const bool named = query.content_uuid
                           ? content.row.content_uuid == *query.content_uuid
                           : key == query.content_key;
    if (!named) continue;
    const storage::ContentRow& target = query.coerce_to_parent_course
                                            ? CoercedToParent(content.row)
                                            : content.row;
    targets.emplace(target.content_key, &target);
  }
  // The customer's catalogs, oldest first; the first containing a target.
  std::vector<const Catalog*> catalogs;
  for (const auto& [uuid, catalog] : catalogs_) {
    if (catalog.row.enterprise_uuid == query.enterprise_uuid) {
      catalogs.push_back(&catalog);
    }
  }
  std::sort(catalogs.begin(), catalogs.end(),
            [](const Catalog* a, const Catalog* b) {
              return std::tie(a->row.created, a->row.uuid) <
                     std::tie(b->row.created, b->row.uuid);
            });
  for (const Catalog* catalog : catalogs) {
    const QueryRow& q = queries_.at(catalog->query_id);
    for (const auto& [key, target] : targets) {
      for (const auto& [asked, member] : Expand({key})) {
        if (q.members.count(member) > 0) {
          return storage::CustomerItem{ScopeOf(*catalog), Served(*target)};
        }
      }
    }
  }
  return NoCatalogContains(query.enterprise_uuid, identifier);
}

absl::StatusOr<storage::CatalogDiff> FakeCatalogStore::DiffCatalogContent(
    std::string_view catalog_uuid, const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const auto it = catalogs_.find(catalog_uuid);
  if (it == catalogs_.end()) return CatalogNotFound(catalog_uuid);
  const QueryRow& q = queries_.at(it->second.query_id);
  storage::CatalogDiff diff;
  diff.enterprise_uuid = it->second.row.enterprise_uuid;
  diff.scope = ScopeOf(it->second);
  const std::set<std::string> asked(keys.begin(), keys.end());
  for (const std::string& key : asked) {
    if (q.members.count(key) == 0) {
      diff.not_found.push_back(key);
      continue;
    }
    const auto content = content_.find(key);
    diff.found.emplace_back(
        key, content == content_.end() ? 0 : content->second.row.modified);
  }
  for (const std::string& member : q.members) {
    if (asked.count(member) == 0) diff.not_included.push_back(member);
  }
  return diff;
}

absl::StatusOr<storage::EnterpriseCustomerRow>
FakeCatalogStore::UpsertEnterpriseCustomer(
    const storage::EnterpriseCustomerRow& customer) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const auto it = customers_.find(customer.uuid);
  if (it != customers_.end() && it->second.slug == customer.slug &&
      it->second.name == customer.name &&
      it->second.enable_learner_portal == customer.enable_learner_portal) {
    return it->second;
  }
  storage::EnterpriseCustomerRow stored = customer;
  stored.modified = Now();
  customers_.insert_or_assign(customer.uuid, stored);
  return stored;
}

absl::StatusOr<storage::EnterpriseCustomerRow>
FakeCatalogStore::GetEnterpriseCustomer(std::string_view uuid) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const auto it = customers_.find(uuid);
  if (it == customers_.end()) {
    return absl::NotFoundError(
        absl::StrCat("enterprise customer ", std::string(uuid), " not found"));
  }
  return it->second;
}

absl::StatusOr<storage::CatalogQueryRow> FakeCatalogStore::GetCatalogQuery(
    const storage::CatalogQueryLookup& lookup) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const bool by_uuid = lookup.by == storage::CatalogQueryLookup::By::kUuid;
  for (const auto& [id, query] : queries_) {
    if ((by_uuid ? query.uuid : query.filter.hash) != lookup.key) continue;
    storage::CatalogQueryRow row;
    row.uuid = query.uuid;
    row.content_filter_json = query.filter.json;
    row.content_filter_hash = query.filter.hash;
    // As Read: the SQL's content_count stays 0 until the first refresh.
    if (query.refreshed) {
      row.content_count = static_cast<int64_t>(query.members.size());
    }
    row.content_refreshed = query.refreshed;
    for (const auto& [uuid, catalog] : catalogs_) {
      if (catalog.query_id == id) ++row.catalog_count;
    }
    return row;
  }
  return absl::NotFoundError(
      by_uuid ? absl::StrCat("catalog query ", lookup.key, " not found")
              : absl::StrCat("no catalog query has content_filter_hash ",
                             lookup.key));
}

absl::StatusOr<storage::CatalogQueryRef> FakeCatalogStore::EnsureCatalogQuery(
    const domain::CanonicalFilter& filter) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  const int64_t id = EnsureQuery(filter);
  return storage::CatalogQueryRef{id, queries_.at(id).uuid};
}

absl::StatusOr<storage::ReplaceResult> FakeCatalogStore::ReplaceQueryContent(
    int64_t query_id, const std::vector<domain::ContentRecord>& records) {
  absl::MutexLock lock(&mu_);
  if (!injected_.ok()) return injected_;
  if (queries_.count(query_id) == 0) {
    return absl::NotFoundError(
        absl::StrCat("catalog query ", query_id, " not found"));
  }
  return ApplyLocked(query_id, records, Now());
}

storage::ReplaceResult FakeCatalogStore::Apply(
    int64_t query_id, const std::vector<domain::ContentRecord>& records,
    common::Micros now) {
  absl::MutexLock lock(&mu_);
  return ApplyLocked(query_id, records, now);
}

storage::ReplaceResult FakeCatalogStore::ApplyLocked(
    int64_t query_id, const std::vector<domain::ContentRecord>& records,
    common::Micros now) {
  const domain::UniqueContent unique(records);
  storage::ReplaceResult result;
  std::set<std::string> members(unique.members.begin(), unique.members.end());
  for (const auto& [key_view, rec] : unique.by_key) {
    const std::string key(key_view);
    const std::string hash = domain::Md5Hex(rec->json_metadata);
    const auto existing = content_.find(key);
    if (existing != content_.end()) {
      const Content& old = existing->second;
      const bool changed =
          old.document_hash != hash || old.derived != rec->derived;
      if (!changed || (!old.derived && rec->derived)) {
        ++result.content_unchanged;
        continue;
      }
      ++result.content_updated;
    } else {
      ++result.content_inserted;
    }
    Content& row = content_[key];
    row.row.content_key = key;
    row.row.content_type = rec->content_type;
    row.row.content_uuid = rec->content_uuid;
    row.row.parent_content_key = rec->parent_content_key;
    row.row.title = rec->title;
    row.row.json_metadata = rec->json_metadata;
    row.row.modified = now;
    row.document_hash = hash;
    row.derived = rec->derived;
  }
  QueryRow& query = queries_.at(query_id);
  for (const std::string& key : query.members) {
    if (members.count(key) == 0) ++result.members_removed;
  }
  for (const std::string& key : members) {
    if (query.members.count(key) == 0) ++result.members_added;
  }
  result.members = static_cast<int64_t>(members.size());
  query.members = std::move(members);
  query.refreshed = now;
  return result;
}

absl::StatusOr<int64_t> FakeCatalogStore::QueryIdOf(
    std::string_view catalog_uuid) const {
  absl::MutexLock lock(&mu_);
  const auto it = catalogs_.find(catalog_uuid);
  if (it == catalogs_.end()) return CatalogNotFound(catalog_uuid);
  return it->second.query_id;
}

absl::StatusOr<FakeCatalogStore::QueryInfo> FakeCatalogStore::Query(
    int64_t query_id) const {
  absl::MutexLock lock(&mu_);
  const auto it = queries_.find(query_id);
  if (it == queries_.end()) {
    return absl::NotFoundError(
        absl::StrCat("catalog query ", query_id, " not found"));
  }
  QueryInfo info;
  info.uuid = it->second.uuid;
  info.content_filter = it->second.filter.json;
  info.members = static_cast<int64_t>(it->second.members.size());
  info.refreshed = it->second.refreshed;
  info.created = it->second.created;
  for (const auto& [uuid, catalog] : catalogs_) {
    if (catalog.query_id == query_id) info.in_use = true;
  }
  return info;
}

std::vector<int64_t> FakeCatalogStore::QueryIds() const {
  absl::MutexLock lock(&mu_);
  std::vector<int64_t> ids;
  for (const auto& [id, query] : queries_) ids.push_back(id);
  return ids;
}

std::vector<std::string> FakeCatalogStore::EnterprisesOf(
    int64_t query_id) const {
  absl::MutexLock lock(&mu_);
  std::set<std::string> enterprises;
  for (const auto& [uuid, catalog] : catalogs_) {
    if (catalog.query_id == query_id) {
      enterprises.insert(catalog.row.enterprise_uuid);
    }
  }
  return {enterprises.begin(), enterprises.end()};
}

FakeCatalogStore::PublishTargets FakeCatalogStore::PublishTargetsOf(
    const std::vector<std::string>& keys) const {
  absl::MutexLock lock(&mu_);
  PublishTargets out;
  for (const std::string& key : keys) {
    const auto it = content_.find(key);
    if (it == content_.end()) {
      out.unknown_keys.push_back(key);
      continue;
    }
    const storage::ContentRow& row = it->second.row;
    std::string full_key = row.content_key;
    if (row.content_type == "courserun") {
      // Only a stored course has a full document to fetch again.
      const auto parent = content_.find(row.parent_content_key);
      if (parent == content_.end()) continue;
      full_key = parent->first;
    }
    const std::string& type = content_.at(full_key).row.content_type;
    if (type == "course" || type == "program") out.full_keys.insert(full_key);
  }
  const auto expanded = Expand(keys);
  std::set<int64_t> in_use;
  for (const auto& [uuid, catalog] : catalogs_) in_use.insert(catalog.query_id);
  for (const int64_t id : in_use) {
    const QueryRow& query = queries_.at(id);
    for (const auto& [asked, member] : expanded) {
      if (query.members.count(member) > 0) {
        out.in_use_queries.push_back(id);
        break;
      }
    }
  }
  return out;
}

int64_t FakeCatalogStore::WouldRemove(
    int64_t query_id, const std::vector<domain::ContentRecord>& records) const {
  absl::MutexLock lock(&mu_);
  const domain::UniqueContent unique(records);
  const std::set<std::string> members(unique.members.begin(),
                                      unique.members.end());
  int64_t removed = 0;
  for (const std::string& key : queries_.at(query_id).members) {
    if (members.count(key) == 0) ++removed;
  }
  return removed;
}

}  // namespace ec::fakes
