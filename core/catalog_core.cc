#include "core/catalog_core.h"

#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/page_token.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "core/messages.h"
#include "core/validation.h"
#include "domain/canonical_json.h"
#include "domain/content.h"

namespace ec::core {
namespace {

namespace v1 = ::enterprise_catalog::v1;

// The Django service's default for enabled_course_modes.
const std::vector<std::string>& DefaultCourseModes() {
  static const auto* modes = new std::vector<std::string>{
      "verified", "professional", "no-id-professional", "audit", "honor"};
  return *modes;
}

absl::StatusOr<std::vector<std::string>> CourseModes(
    const google::protobuf::RepeatedPtrField<std::string>& modes) {
  if (modes.empty()) return DefaultCourseModes();
  if (static_cast<size_t>(modes.size()) > common::kMaxCourseModes) {
    return absl::InvalidArgumentError(
        absl::StrCat("enabled_course_modes has ", modes.size(),
                     " entries; the limit is ", common::kMaxCourseModes));
  }
  std::vector<std::string> out;
  for (int i = 0; i < modes.size(); ++i) {
    EC_RETURN_IF_ERROR(
        ValidateText(absl::StrCat("enabled_course_modes[", i, "]"), modes[i],
                     common::kMaxCourseModeBytes, true));
    out.push_back(modes[i]);
  }
  return out;
}

// CreateCatalog, UpdateCatalog and HashContentFilter share it, so the hash
// HashContentFilter answers is the one a catalog of the filter gets.
absl::StatusOr<domain::CanonicalFilter> RequireFilter(
    absl::string_view field, bool present,
    const google::protobuf::Struct& filter) {
  if (!present) {
    return absl::InvalidArgumentError(
        absl::StrCat(field,
                     " is required (a JSON object such as "
                     "{\"content_type\": \"course\"})"));
  }
  return domain::CanonicalizeFilter(filter);
}

absl::StatusOr<domain::CanonicalFilter> RequireFilter(
    const v1::Catalog& catalog) {
  return RequireFilter("catalog.content_filter", catalog.has_content_filter(),
                       catalog.content_filter());
}

// Catalog.content_filter_hash's form: lower-case hex md5.
bool IsFilterHash(absl::string_view hash) {
  return hash.size() == 32 && std::all_of(hash.begin(), hash.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Length-prefixed join, so that distinct lists never produce the same scope.
template <typename List = std::vector<std::string>>
std::string ScopeOf(absl::string_view rpc,
                    std::initializer_list<absl::string_view> parts,
                    const google::protobuf::RepeatedPtrField<std::string>* a,
                    const google::protobuf::RepeatedPtrField<std::string>* b,
                    const List* c = nullptr) {
  std::string scope(rpc);
  auto add = [&scope](absl::string_view part) {
    absl::StrAppend(&scope, "|", part.size(), ":", part);
  };
  for (absl::string_view part : parts) add(part);
  auto add_list = [&](const auto* list) {
    if (list == nullptr) return;
    absl::StrAppend(&scope, "|n", list->size());
    for (const std::string& item : *list) add(item);
  };
  add_list(a);
  add_list(b);
  add_list(c);
  return scope;
}

absl::Status CatalogNotFound(const std::string& uuid) {
  // The store's wording, so a foreign catalog is indistinguishable.
  return absl::NotFoundError(absl::StrCat("catalog ", uuid, " not found"));
}

absl::Status MayNotAdmin(const auth::Principal& caller,
                         absl::string_view enterprise) {
  return absl::PermissionDeniedError(absl::StrCat(
      "caller ", caller.subject(), " may not change catalogs of enterprise ",
      enterprise, "; that needs ", auth::kCatalogAdminRole, ":", enterprise,
      ", ", auth::kEnterpriseAdminRole, ":", enterprise, " or ",
      auth::kOperatorRole, ":*"));
}

absl::Status MayNotRead(const auth::Principal& caller,
                        absl::string_view enterprise) {
  return absl::PermissionDeniedError(absl::StrCat(
      "caller ", caller.subject(), " may not read catalogs of enterprise ",
      enterprise, "; that needs a learner or admin role for it"));
}

// One line per attempted change, whatever its outcome: who, what, which
// catalog and enterprise, and the result. `extra` (a JSON object or null)
// adds what a change that names no catalog needs to be traced.
void Audit(const auth::Principal& caller, absl::string_view action,
           absl::string_view catalog_uuid, absl::string_view enterprise_uuid,
           const absl::Status& status, absl::string_view job_uuid = {},
           const nlohmann::json& extra = nullptr) {
  std::string roles = absl::StrJoin(caller.roles(), " ");
  if (roles.size() > 512) roles.resize(512);
  nlohmann::json fields = {
      {"subject", caller.subject()},
      {"roles", roles},
      {"action", std::string(action)},
      // Caller input of any size and content: bounded, and the JSON writer
      // escapes it.
      {"catalog_uuid", std::string(catalog_uuid.substr(0, 64))},
      {"enterprise_uuid", std::string(enterprise_uuid.substr(0, 64))},
      {"result", absl::StatusCodeToString(status.code())}};
  if (!job_uuid.empty()) fields["job_uuid"] = std::string(job_uuid);
  if (extra.is_object()) fields.update(extra);
  if (!status.ok()) fields["error"] = std::string(status.message());
  common::LogInfo("audit", "catalog change", fields);
}

}  // namespace

absl::StatusOr<storage::CatalogRow> CatalogCore::ReadableCatalog(
    const auth::Principal& caller, const std::string& uuid) {
  EC_ASSIGN_OR_RETURN(storage::CatalogRow row, store_->GetCatalog(uuid));
  if (!caller.CanRead(row.enterprise_uuid)) return CatalogNotFound(uuid);
  return row;
}

absl::StatusOr<storage::CatalogRow> CatalogCore::AdministeredCatalog(
    const auth::Principal& caller, const std::string& uuid) {
  EC_ASSIGN_OR_RETURN(storage::CatalogRow row, ReadableCatalog(caller, uuid));
  if (!caller.CanAdmin(row.enterprise_uuid)) {
    return MayNotAdmin(caller, row.enterprise_uuid);
  }
  return row;
}

absl::Status CatalogCore::CreateCatalog(const auth::Principal& caller,
                                        const v1::CreateCatalogRequest& request,
                                        v1::Catalog* response) {
  const v1::Catalog& in = request.catalog();
  std::string catalog_uuid = in.uuid();
  const absl::Status status = [&]() -> absl::Status {
    storage::NewCatalog catalog;
    if (in.uuid().empty()) {
      catalog.uuid = common::NewUuidV4();
    } else {
      EC_ASSIGN_OR_RETURN(catalog.uuid, RequireUuid("catalog.uuid", in.uuid()));
    }
    EC_RETURN_IF_ERROR(ValidateText("catalog.title", in.title(),
                                    common::kMaxTitleBytes, true));
    catalog.title = in.title();
    EC_ASSIGN_OR_RETURN(
        catalog.enterprise_uuid,
        RequireUuid("catalog.enterprise_uuid", in.enterprise_uuid()));
    EC_RETURN_IF_ERROR(ValidateText("catalog.enterprise_name",
                                    in.enterprise_name(),
                                    common::kMaxEnterpriseNameBytes, false));
    catalog.enterprise_name = in.enterprise_name();
    EC_ASSIGN_OR_RETURN(catalog.filter, RequireFilter(in));
    EC_ASSIGN_OR_RETURN(catalog.enabled_course_modes,
                        CourseModes(in.enabled_course_modes()));
    catalog.publish_audit_enrollment_urls = in.publish_audit_enrollment_urls();
    catalog_uuid = catalog.uuid;
    if (!caller.CanAdmin(catalog.enterprise_uuid)) {
      return MayNotAdmin(caller, catalog.enterprise_uuid);
    }

    EC_ASSIGN_OR_RETURN(storage::CatalogRow row,
                        store_->CreateCatalog(catalog));
    RefreshIfStale(row, storage::JobReason::kCreated);
    return CatalogToProto(row, response);
  }();
  Audit(caller, "CreateCatalog", catalog_uuid, in.enterprise_uuid(), status);
  return status;
}

absl::Status CatalogCore::GetCatalog(const auth::Principal& caller,
                                     const v1::GetCatalogRequest& request,
                                     v1::Catalog* response) {
  EC_ASSIGN_OR_RETURN(std::string uuid, RequireUuid("uuid", request.uuid()));
  EC_ASSIGN_OR_RETURN(storage::CatalogRow row, ReadableCatalog(caller, uuid));
  return CatalogToProto(row, response);
}

absl::Status CatalogCore::ListCatalogs(const auth::Principal& caller,
                                       const v1::ListCatalogsRequest& request,
                                       v1::ListCatalogsResponse* response) {
  storage::ListCatalogsQuery query;
  if (!request.enterprise_uuid().empty()) {
    EC_ASSIGN_OR_RETURN(
        std::string enterprise,
        RequireUuid("enterprise_uuid", request.enterprise_uuid()));
    if (!caller.CanRead(enterprise)) return MayNotRead(caller, enterprise);
    query.enterprise_uuids = std::vector<std::string>{enterprise};
  } else {
    // Without a filter: every catalog the caller may read.
    query.enterprise_uuids = caller.ReadableEnterprises();
  }
  EC_ASSIGN_OR_RETURN(query.limit, ResolvePageSize(request.page_size()));
  // The enterprise set is part of the scope: a token issued to a caller
  // with other roles does not page this caller's listing.
  const std::string scope = ScopeOf(
      "ListCatalogs", {query.enterprise_uuids ? "some" : "all"}, nullptr,
      nullptr, query.enterprise_uuids ? &*query.enterprise_uuids : nullptr);
  if (!request.page_token().empty()) {
    EC_ASSIGN_OR_RETURN(std::string position,
                        page_tokens_.Decode(request.page_token(), scope));
    // Position: "<created micros> <uuid>".
    const size_t space = position.find(' ');
    storage::CatalogCursor cursor;
    std::optional<std::string> uuid;
    if (space != std::string::npos)
      uuid = common::NormalizeUuid(position.substr(space + 1));
    if (space == std::string::npos ||
        !absl::SimpleAtoi(position.substr(0, space), &cursor.created) ||
        !uuid) {
      return absl::InvalidArgumentError("page_token is malformed");
    }
    cursor.uuid = *uuid;
    query.after = cursor;
  }
  EC_ASSIGN_OR_RETURN(storage::CatalogPage page, store_->ListCatalogs(query));
  for (const auto& row : page.catalogs) {
    EC_RETURN_IF_ERROR(CatalogToProto(row, response->add_catalogs()));
  }
  if (page.has_more && !page.catalogs.empty()) {
    const auto& last = page.catalogs.back();
    response->set_next_page_token(
        page_tokens_.Encode(scope, absl::StrCat(last.created, " ", last.uuid)));
  }
  return absl::OkStatus();
}

absl::Status CatalogCore::UpdateCatalog(const auth::Principal& caller,
                                        const v1::UpdateCatalogRequest& request,
                                        v1::Catalog* response) {
  const v1::Catalog& in = request.catalog();
  std::string enterprise;
  const absl::Status status = [&]() -> absl::Status {
    storage::CatalogUpdate update;
    EC_ASSIGN_OR_RETURN(update.uuid, RequireUuid("catalog.uuid", in.uuid()));
    if (request.update_mask().paths().empty()) {
      return absl::InvalidArgumentError(
          "update_mask must name the fields to change: title, enterprise_name, "
          "content_filter, enabled_course_modes, "
          "publish_audit_enrollment_urls");
    }
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "title") {
        EC_RETURN_IF_ERROR(ValidateText("catalog.title", in.title(),
                                        common::kMaxTitleBytes, true));
        update.title = in.title();
      } else if (path == "enterprise_name") {
        EC_RETURN_IF_ERROR(
            ValidateText("catalog.enterprise_name", in.enterprise_name(),
                         common::kMaxEnterpriseNameBytes, false));
        update.enterprise_name = in.enterprise_name();
      } else if (path == "content_filter") {
        EC_ASSIGN_OR_RETURN(update.filter, RequireFilter(in));
      } else if (path == "enabled_course_modes") {
        EC_ASSIGN_OR_RETURN(update.enabled_course_modes,
                            CourseModes(in.enabled_course_modes()));
      } else if (path == "publish_audit_enrollment_urls") {
        update.publish_audit_enrollment_urls =
            in.publish_audit_enrollment_urls();
      } else if (path == "uuid" || path == "enterprise_uuid") {
        return absl::InvalidArgumentError(
            absl::StrCat("update_mask path \"", path,
                         "\" cannot be updated; create a new catalog instead"));
      } else if (path == "catalog_query_uuid" ||
                 path == "content_filter_hash" || path == "created" ||
                 path == "modified" || path == "content_count" ||
                 path == "content_refreshed") {
        return absl::InvalidArgumentError(
            absl::StrCat("update_mask path \"", path, "\" is output only"));
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "update_mask path \"", path.substr(0, 64),
            "\" is not a Catalog field; updatable: title, enterprise_name, "
            "content_filter, enabled_course_modes, "
            "publish_audit_enrollment_urls"));
      }
    }
    // A catalog's enterprise never changes, so checking it before the update
    // cannot race with another change.
    EC_ASSIGN_OR_RETURN(storage::CatalogRow current,
                        AdministeredCatalog(caller, update.uuid));
    enterprise = current.enterprise_uuid;
    update.enterprise_uuid = current.enterprise_uuid;
    EC_ASSIGN_OR_RETURN(storage::CatalogRow row, store_->UpdateCatalog(update));
    if (update.filter.has_value()) {
      RefreshIfStale(row, storage::JobReason::kUpdated);
    }
    return CatalogToProto(row, response);
  }();
  Audit(caller, "UpdateCatalog", in.uuid(), enterprise, status);
  return status;
}

absl::Status CatalogCore::DeleteCatalog(
    const auth::Principal& caller, const v1::DeleteCatalogRequest& request,
    v1::DeleteCatalogResponse* /*response*/) {
  std::string enterprise;
  const absl::Status status = [&]() -> absl::Status {
    EC_ASSIGN_OR_RETURN(std::string uuid, RequireUuid("uuid", request.uuid()));
    EC_ASSIGN_OR_RETURN(storage::CatalogRow row,
                        AdministeredCatalog(caller, uuid));
    enterprise = row.enterprise_uuid;
    return store_->DeleteCatalog(uuid, row.enterprise_uuid);
  }();
  Audit(caller, "DeleteCatalog", request.uuid(), enterprise, status);
  return status;
}

namespace {

// The keys of a contains request, once checked (both contains RPCs, from
// memory or from the store).
absl::StatusOr<std::vector<std::string>> RequestedKeys(
    const google::protobuf::RepeatedPtrField<std::string>& keys) {
  EC_RETURN_IF_ERROR(ValidateContentKeys("content_keys", keys, false));
  return std::vector<std::string>(keys.begin(), keys.end());
}

// The answer to ContainsContentItems: one result per requested key, in
// request order, from the requested keys that are contained.
void FillContains(const google::protobuf::RepeatedPtrField<std::string>& keys,
                  const std::vector<std::string>& contained,
                  v1::ContainsContentItemsResponse* response) {
  const std::unordered_set<std::string> hits(contained.begin(),
                                             contained.end());
  bool all = true;
  for (const std::string& key : keys) {
    const bool in = hits.count(key) > 0;
    all = all && in;
    auto* result = response->add_results();
    result->set_content_key(key);
    result->set_contained(in);
  }
  response->set_contains_any(!hits.empty());
  response->set_contains_all(all);
}

void FillCustomerContains(std::vector<std::string> catalogs,
                          v1::CustomerContainsContentItemsResponse* response) {
  response->set_contains_any(!catalogs.empty());
  for (auto& uuid : catalogs) response->add_catalog_uuids(std::move(uuid));
}

}  // namespace

absl::Status CatalogCore::ContainsContentItems(
    const auth::Principal& caller,
    const v1::ContainsContentItemsRequest& request,
    v1::ContainsContentItemsResponse* response) {
  EC_ASSIGN_OR_RETURN(std::string uuid,
                      RequireUuid("catalog_uuid", request.catalog_uuid()));
  EC_ASSIGN_OR_RETURN(const std::vector<std::string> keys,
                      RequestedKeys(request.content_keys()));
  // The enterprise comes back with the answer, so authorizing costs no
  // extra round trip on this hot path; a foreign catalog's answer is
  // dropped unread.
  EC_ASSIGN_OR_RETURN(storage::ContainedResult contained,
                      store_->ContainedKeys(uuid, keys));
  if (!caller.CanRead(contained.enterprise_uuid)) return CatalogNotFound(uuid);
  FillContains(request.content_keys(), contained.keys, response);
  return absl::OkStatus();
}

std::optional<absl::Status> CatalogCore::ContainsContentItemsFromMemory(
    const auth::Principal& caller,
    const v1::ContainsContentItemsRequest& request,
    v1::ContainsContentItemsResponse* response) const {
  if (membership_ == nullptr) return std::nullopt;
  const auto snapshot = membership_->Current();
  if (snapshot == nullptr) return std::nullopt;
  EC_ASSIGN_OR_RETURN(std::string uuid,
                      RequireUuid("catalog_uuid", request.catalog_uuid()));
  EC_ASSIGN_OR_RETURN(const std::vector<std::string> keys,
                      RequestedKeys(request.content_keys()));
  std::optional<index::MembershipSnapshot::Contained> contained =
      snapshot->ContainedKeys(uuid, keys);
  if (!contained) return std::nullopt;
  if (!caller.CanRead(contained->enterprise_uuid)) return CatalogNotFound(uuid);
  FillContains(request.content_keys(), contained->keys, response);
  return absl::OkStatus();
}

absl::Status CatalogCore::CustomerContainsContentItems(
    const auth::Principal& caller,
    const v1::CustomerContainsContentItemsRequest& request,
    v1::CustomerContainsContentItemsResponse* response) {
  EC_ASSIGN_OR_RETURN(
      std::string enterprise,
      RequireUuid("enterprise_uuid", request.enterprise_uuid()));
  if (!caller.CanRead(enterprise)) return MayNotRead(caller, enterprise);
  EC_ASSIGN_OR_RETURN(const std::vector<std::string> keys,
                      RequestedKeys(request.content_keys()));
  EC_ASSIGN_OR_RETURN(std::vector<std::string> catalogs,
                      store_->CatalogsContainingAny(enterprise, keys));
  FillCustomerContains(std::move(catalogs), response);
  return absl::OkStatus();
}

std::optional<absl::Status> CatalogCore::CustomerContainsContentItemsFromMemory(
    const auth::Principal& caller,
    const v1::CustomerContainsContentItemsRequest& request,
    v1::CustomerContainsContentItemsResponse* response) const {
  if (membership_ == nullptr) return std::nullopt;
  const auto snapshot = membership_->Current();
  if (snapshot == nullptr) return std::nullopt;
  EC_ASSIGN_OR_RETURN(
      std::string enterprise,
      RequireUuid("enterprise_uuid", request.enterprise_uuid()));
  if (!caller.CanRead(enterprise)) return MayNotRead(caller, enterprise);
  EC_ASSIGN_OR_RETURN(const std::vector<std::string> keys,
                      RequestedKeys(request.content_keys()));
  std::optional<std::vector<std::string>> catalogs =
      snapshot->CatalogsContainingAny(enterprise, keys);
  if (!catalogs) return std::nullopt;
  FillCustomerContains(*std::move(catalogs), response);
  return absl::OkStatus();
}

absl::Status CatalogCore::GetCatalogMetadata(
    const auth::Principal& caller, const v1::GetCatalogMetadataRequest& request,
    v1::GetCatalogMetadataResponse* response) {
  storage::MetadataQuery query;
  EC_ASSIGN_OR_RETURN(query.catalog_uuid,
                      RequireUuid("catalog_uuid", request.catalog_uuid()));
  EC_ASSIGN_OR_RETURN(query.limit, ResolvePageSize(request.page_size()));
  EC_RETURN_IF_ERROR(
      ValidateContentKeys("content_keys", request.content_keys(), true));
  if (static_cast<size_t>(request.content_types_size()) >
      std::size(domain::kContentTypes)) {
    return absl::InvalidArgumentError(
        "content_types lists more entries than there are content types");
  }
  for (int i = 0; i < request.content_types_size(); ++i) {
    if (!domain::IsKnownContentType(request.content_types(i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "content_types[", i, "] is \"",
          request.content_types(i).substr(0, 64),
          "\"; expected one of course, courserun, program, learnerpathway"));
    }
  }
  query.content_keys.assign(request.content_keys().begin(),
                            request.content_keys().end());
  query.content_types.assign(request.content_types().begin(),
                             request.content_types().end());
  // Django's listing drops inactive courses only without content_keys.
  query.active_only = request.active_only() && query.content_keys.empty();
  // Built only when a token is read or written: with 1,000 keys it is a
  // quarter of a megabyte.
  auto scope = [&] {
    return ScopeOf("GetCatalogMetadata",
                   {query.catalog_uuid, query.active_only ? "active" : "all"},
                   &request.content_keys(), &request.content_types());
  };
  if (!request.page_token().empty()) {
    EC_ASSIGN_OR_RETURN(query.after_key,
                        page_tokens_.Decode(request.page_token(), scope()));
    if (query.after_key.empty()) {
      return absl::InvalidArgumentError("page_token is malformed");
    }
  }
  EC_ASSIGN_OR_RETURN(storage::MetadataPage page,
                      metadata_reads_->GetCatalogMetadata(query));
  // As for contains: one round trip, and a foreign page is dropped unread.
  if (!caller.CanRead(page.enterprise_uuid)) {
    return CatalogNotFound(query.catalog_uuid);
  }
  response->set_catalog_uuid(page.catalog_uuid);
  response->set_catalog_title(page.catalog_title);
  response->set_enterprise_uuid(page.enterprise_uuid);
  response->set_total_count(page.total_count);
  const ItemScope item_scope = MakeItemScope(page.scope, urls_);
  response->mutable_items()->Reserve(static_cast<int>(page.items.size()));
  size_t bytes = 0;
  bool cut = false;
  for (auto& item : page.items) {
    const size_t size = item.json_metadata.size();
    if (response->items_size() > 0 && bytes + size > common::kMaxPageBytes) {
      cut = true;
      break;
    }
    bytes += size;
    ScopedContentToProto(std::move(item), item_scope, response->add_items());
  }
  if ((page.has_more || cut) && response->items_size() > 0) {
    response->set_next_page_token(page_tokens_.Encode(
        scope(), response->items(response->items_size() - 1).content_key()));
  }
  return absl::OkStatus();
}

absl::Status CatalogCore::GetContentMetadata(
    const auth::Principal& caller, const v1::GetContentMetadataRequest& request,
    v1::GetContentMetadataResponse* response) {
  if (!caller.CanReadGlobal()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "caller ", caller.subject(),
        " may not read content metadata outside a catalog; that needs ",
        auth::kOperatorRole, ":* or ", auth::kServiceRole,
        ":* (use GetCatalogMetadata for a catalog's content)"));
  }
  EC_RETURN_IF_ERROR(
      ValidateContentKeys("content_keys", request.content_keys(), false));
  // Each identifier once, in request order; one that reads as a uuid also
  // matches content_uuid (Django's content_identifiers), by its normalized
  // form.
  storage::ContentLookup lookup;
  lookup.coerce_to_parent_course = request.coerce_to_parent_course();
  std::vector<std::pair<std::string_view, std::optional<std::string>>> asked;
  std::unordered_set<std::string_view> seen;
  for (const std::string& identifier : request.content_keys()) {
    if (!seen.insert(identifier).second) continue;
    std::optional<std::string> uuid = common::NormalizeUuid(identifier);
    lookup.keys.push_back(identifier);
    if (uuid.has_value()) lookup.uuids.push_back(*uuid);
    asked.emplace_back(identifier, std::move(uuid));
  }
  EC_ASSIGN_OR_RETURN(std::vector<storage::ContentMatch> matches,
                      metadata_reads_->GetContentMetadata(lookup));
  // Rows by the identifier that found them: a key as sent, or a uuid
  // normalized (a lower-case uuid can be both; its rows are served once).
  std::unordered_map<std::string, std::vector<storage::ContentRow*>> found;
  for (auto& match : matches) found[match.identifier].push_back(&match.row);
  std::unordered_set<std::string> served;
  std::unordered_set<const storage::ContentRow*> moved;
  size_t bytes = 0;
  for (const auto& [identifier, uuid] : asked) {
    std::vector<storage::ContentRow*> rows;
    // Named, so the views below outlive the loop's initializer list.
    const std::string normalized = uuid.value_or("");
    for (const std::string_view id :
         {identifier, std::string_view(normalized)}) {
      if (id.empty()) continue;
      if (auto it = found.find(std::string(id)); it != found.end()) {
        rows.insert(rows.end(), it->second.begin(), it->second.end());
      }
    }
    if (rows.empty()) {
      response->add_not_found_keys(std::string(identifier));
      continue;
    }
    std::sort(rows.begin(), rows.end(),
              [](const storage::ContentRow* a, const storage::ContentRow* b) {
                return a->content_key < b->content_key;
              });
    for (storage::ContentRow* row : rows) {
      // Moved from once served: a row reached again is skipped by address
      // before its (moved) key is read.
      if (!moved.insert(row).second) continue;
      if (!served.insert(row->content_key).second) continue;
      // This RPC has no pages: an answer past the page budget (beyond
      // clients' default 4 MiB) fails with what to do instead.
      bytes += row->json_metadata.size();
      if (response->items_size() > 0 && bytes > common::kMaxPageBytes) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "the documents of these content_keys total more than ",
            common::kMaxPageBytes, " bytes (the first ", response->items_size(),
            " fit); ask for fewer keys per call, or page through a catalog "
            "with GetCatalogMetadata"));
      }
      ContentToProto(std::move(*row), response->add_items());
    }
  }
  return absl::OkStatus();
}

namespace {

absl::Status NoQueue() {
  return absl::UnimplementedError(
      "this server was started without a refresh queue");
}

}  // namespace

void CatalogCore::RefreshIfStale(const storage::CatalogRow& row,
                                 storage::JobReason reason) {
  if (queue_ == nullptr) return;
  const int64_t now = clock_();
  const int64_t stale_before = now - common::ToMicros(policy_.max_age);
  if (row.content_refreshed && *row.content_refreshed >= stale_before) return;
  auto queued = queue_->EnqueueForCatalog(row.uuid, reason, std::nullopt,
                                          policy_.max_attempts, now);
  if (!queued.ok()) {
    common::LogWarn("core", "could not queue refresh; the scheduler will",
                    {{"catalog_uuid", row.uuid},
                     {"error", std::string(queued.status().message())}});
  }
}

// force approves what the guardrail held, once reviewed: exactly that
// crawl's removals, for every enterprise whose catalogs share the query.
absl::StatusOr<storage::RemovalApproval> CatalogCore::HeldRemovalsToApprove(
    const auth::Principal& caller, const std::string& catalog_uuid) {
  EC_ASSIGN_OR_RETURN(storage::QueryRefreshState target,
                      queue_->RefreshStateOf(catalog_uuid));
  if (!target.active_job_uuid.empty() &&
      target.active_state == storage::JobState::kRunning) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refresh job ", target.active_job_uuid,
        " of this catalog's query is running; force approves a held result, "
        "so wait for that job to end and, if it is HELD, force again"));
  }
  if (!target.held.has_value()) {
    return absl::FailedPreconditionError(
        "nothing is held for this catalog's query: force approves the "
        "removals of a HELD refresh job once reviewed; ask for a refresh "
        "without force");
  }
  for (const std::string& enterprise : target.enterprise_uuids) {
    if (!caller.CanAdmin(enterprise)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "catalogs of other enterprises share this catalog's filter and "
          "would lose the held removals too; an operator must force job ",
          target.held->held_job_uuid));
    }
  }
  return *target.held;
}

absl::Status CatalogCore::RefreshCatalog(
    const auth::Principal& caller, const v1::RefreshCatalogRequest& request,
    v1::RefreshJob* response) {
  std::string enterprise;
  const absl::Status status = [&]() -> absl::Status {
    EC_ASSIGN_OR_RETURN(std::string uuid,
                        RequireUuid("catalog_uuid", request.catalog_uuid()));
    if (queue_ == nullptr) return NoQueue();
    EC_ASSIGN_OR_RETURN(storage::CatalogRow row,
                        AdministeredCatalog(caller, uuid));
    enterprise = row.enterprise_uuid;
    absl::StatusOr<storage::EnqueueResult> queued;
    if (request.force()) {
      EC_ASSIGN_OR_RETURN(storage::RemovalApproval approval,
                          HeldRemovalsToApprove(caller, uuid));
      queued =
          queue_->EnqueueForCatalog(uuid, storage::JobReason::kRequested,
                                    approval, policy_.max_attempts, clock_());
    } else if (policy_.min_request_interval.count() > 0) {
      // A query that a request refreshed moments ago is not crawled again
      // for every repeat: the request gets that job (a caller polling it
      // sees it SUCCEEDED), so a script calling in a loop cannot turn this
      // service into a crawler of discovery.
      const storage::Micros now = clock_();
      queued = queue_->RequestRefresh(
          uuid, now - common::ToMicros(policy_.min_request_interval),
          policy_.max_attempts, now);
    } else {
      queued = queue_->EnqueueForCatalog(uuid, storage::JobReason::kRequested,
                                         std::nullopt, policy_.max_attempts,
                                         clock_());
    }
    if (!queued.ok()) return queued.status();
    JobToProto(queued->job, response);
    return absl::OkStatus();
  }();
  Audit(caller, request.force() ? "RefreshCatalog(force)" : "RefreshCatalog",
        request.catalog_uuid(), enterprise, status, response->uuid());
  return status;
}

absl::Status CatalogCore::GetRefreshJob(const auth::Principal& caller,
                                        const v1::GetRefreshJobRequest& request,
                                        v1::RefreshJob* response) {
  EC_ASSIGN_OR_RETURN(std::string uuid,
                      RequireUuid("job_uuid", request.job_uuid()));
  if (queue_ == nullptr) return NoQueue();
  EC_ASSIGN_OR_RETURN(storage::RefreshJobRow job, queue_->GetJob(uuid));
  // A job belongs to a query that catalogs of several enterprises may
  // share: whoever may refresh one of them may watch it.
  const bool allowed =
      caller.CanReadGlobal() ||
      std::any_of(job.enterprise_uuids.begin(), job.enterprise_uuids.end(),
                  [&](const std::string& e) { return caller.CanAdmin(e); });
  if (!allowed) {
    return absl::NotFoundError(
        absl::StrCat("refresh job ", uuid, " not found"));
  }
  JobToProto(job, response);
  return absl::OkStatus();
}

namespace {

// What a publish event names, for the audit line: the count, and the first
// keys, each cut, so that a 1,000-key event stays one readable line.
nlohmann::json AuditedKeys(
    const google::protobuf::RepeatedPtrField<std::string>& keys) {
  constexpr int kShown = 10;
  nlohmann::json shown = nlohmann::json::array();
  for (int i = 0; i < keys.size() && i < kShown; ++i) {
    shown.push_back(keys[i].substr(0, 64));
  }
  return {{"content_key_count", keys.size()}, {"content_keys", shown}};
}

}  // namespace

absl::Status CatalogCore::NotifyContentChanged(
    const auth::Principal& caller,
    const v1::NotifyContentChangedRequest& request,
    v1::NotifyContentChangedResponse* response) {
  const absl::Status status = [&]() -> absl::Status {
    EC_RETURN_IF_ERROR(
        ValidateContentKeys("content_keys", request.content_keys(), false));
    if (!caller.CanNotifyContentChanged()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "caller ", caller.subject(),
          " may not report content changes; that needs ", auth::kOperatorRole,
          ":* or ", auth::kServiceRole, ":*"));
    }
    if (queue_ == nullptr) return NoQueue();
    // First occurrence wins, so unknown keys come back in request order.
    std::vector<std::string> keys;
    std::unordered_map<std::string_view, size_t> position;
    for (const std::string& key : request.content_keys()) {
      if (position.emplace(key, keys.size()).second) keys.push_back(key);
    }
    EC_ASSIGN_OR_RETURN(
        storage::ContentChangeNotice notice,
        queue_->NotifyContentChanged(keys, policy_.max_attempts, clock_()));
    // The API promises these orders whatever order the storage found them
    // in.
    std::sort(notice.queued_keys.begin(), notice.queued_keys.end());
    std::stable_sort(
        notice.unknown_keys.begin(), notice.unknown_keys.end(),
        [&](const std::string& a, const std::string& b) {
          const auto pa = position.find(a);
          const auto pb = position.find(b);
          return (pa == position.end() ? keys.size() : pa->second) <
                 (pb == position.end() ? keys.size() : pb->second);
        });
    NoticeToProto(std::move(notice), response);
    return absl::OkStatus();
  }();
  nlohmann::json extra = AuditedKeys(request.content_keys());
  if (status.ok()) extra["crawls_queued"] = response->crawls_queued();
  Audit(caller, "NotifyContentChanged", "", "", status,
        response->full_job().uuid(), extra);
  return status;
}

absl::Status CatalogCore::GetCatalogQuery(
    const auth::Principal& caller, const v1::GetCatalogQueryRequest& request,
    v1::CatalogQuery* response) {
  storage::CatalogQueryLookup lookup;
  switch (request.key_case()) {
    case v1::GetCatalogQueryRequest::kUuid: {
      lookup.by = storage::CatalogQueryLookup::By::kUuid;
      EC_ASSIGN_OR_RETURN(lookup.key, RequireUuid("uuid", request.uuid()));
      break;
    }
    case v1::GetCatalogQueryRequest::kContentFilterHash: {
      const std::string& hash = request.content_filter_hash();
      if (!IsFilterHash(hash)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "content_filter_hash must be 32 lower-case hex characters (a "
            "catalog's content_filter_hash, or HashContentFilter's answer for "
            "a filter), got \"",
            hash.substr(0, 64), hash.size() > 64 ? "...\"" : "\""));
      }
      lookup.by = storage::CatalogQueryLookup::By::kHash;
      lookup.key = hash;
      break;
    }
    case v1::GetCatalogQueryRequest::KEY_NOT_SET:
      return absl::InvalidArgumentError(
          "uuid or content_filter_hash is required: the catalog query's uuid "
          "(a catalog's catalog_query_uuid) or its filter's hash (a "
          "catalog's content_filter_hash, or HashContentFilter's answer)");
  }
  if (!caller.CanReadGlobal()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "caller ", caller.subject(),
        " may not read catalog queries, which catalogs of any enterprise "
        "share; that needs ",
        auth::kOperatorRole, ":* or ", auth::kServiceRole,
        ":* (use GetCatalog for a catalog's filter and content count)"));
  }
  EC_ASSIGN_OR_RETURN(storage::CatalogQueryRow row,
                      store_->GetCatalogQuery(lookup));
  return QueryToProto(row, response);
}

absl::Status CatalogCore::HashContentFilter(
    const auth::Principal& /*caller*/,
    const v1::HashContentFilterRequest& request,
    v1::HashContentFilterResponse* response) {
  EC_ASSIGN_OR_RETURN(
      domain::CanonicalFilter filter,
      RequireFilter("content_filter", request.has_content_filter(),
                    request.content_filter()));
  response->set_content_filter_hash(std::move(filter.hash));
  response->set_canonical_content_filter(std::move(filter.json));
  return absl::OkStatus();
}

namespace {

absl::Status NoCustomers() {
  return absl::UnimplementedError(
      "this server was started without an enterprise customer store");
}

// A customer's free-text fields: Django's slug and name columns hold 255.
absl::Status ValidateCustomer(const v1::EnterpriseCustomer& customer) {
  EC_RETURN_IF_ERROR(ValidateText("customer.slug", customer.slug(),
                                  common::kMaxEnterpriseNameBytes, false));
  return ValidateText("customer.name", customer.name(),
                      common::kMaxEnterpriseNameBytes, false);
}

}  // namespace

absl::Status CatalogCore::UpsertEnterpriseCustomer(
    const auth::Principal& caller,
    const v1::UpsertEnterpriseCustomerRequest& request,
    v1::EnterpriseCustomer* response) {
  std::string uuid = request.customer().uuid();
  const absl::Status status = [&]() -> absl::Status {
    EC_ASSIGN_OR_RETURN(uuid, RequireUuid("customer.uuid", uuid));
    EC_RETURN_IF_ERROR(ValidateCustomer(request.customer()));
    // Customers are the platform's records, written by its services: no
    // enterprise admin may rewrite the slug every enrollment URL carries.
    if (!caller.CanReadGlobal()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "caller ", caller.subject(),
          " may not write enterprise customers; that needs ",
          auth::kOperatorRole, ":* or ", auth::kServiceRole, ":*"));
    }
    if (customers_ == nullptr) return NoCustomers();
    storage::EnterpriseCustomerRow row;
    row.uuid = uuid;
    row.slug = request.customer().slug();
    row.name = request.customer().name();
    row.enable_learner_portal = request.customer().enable_learner_portal();
    EC_ASSIGN_OR_RETURN(row, customers_->UpsertEnterpriseCustomer(row));
    CustomerToProto(row, response);
    return absl::OkStatus();
  }();
  Audit(caller, "UpsertEnterpriseCustomer", "", uuid, status);
  return status;
}

absl::Status CatalogCore::GetEnterpriseCustomer(
    const auth::Principal& caller,
    const v1::GetEnterpriseCustomerRequest& request,
    v1::EnterpriseCustomer* response) {
  EC_ASSIGN_OR_RETURN(std::string uuid, RequireUuid("uuid", request.uuid()));
  if (!caller.CanReadGlobal() && !caller.CanAdmin(uuid)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "caller ", caller.subject(), " may not read enterprise customer ", uuid,
        "; that needs an admin role for it, ", auth::kOperatorRole, ":* or ",
        auth::kServiceRole, ":*"));
  }
  if (customers_ == nullptr) return NoCustomers();
  EC_ASSIGN_OR_RETURN(storage::EnterpriseCustomerRow row,
                      customers_->GetEnterpriseCustomer(uuid));
  CustomerToProto(row, response);
  return absl::OkStatus();
}

absl::Status CatalogCore::GetCustomerContentMetadata(
    const auth::Principal& caller,
    const v1::GetCustomerContentMetadataRequest& request,
    v1::GetCustomerContentMetadataResponse* response) {
  storage::CustomerContentQuery query;
  EC_ASSIGN_OR_RETURN(
      query.enterprise_uuid,
      RequireUuid("enterprise_uuid", request.enterprise_uuid()));
  if (!caller.CanRead(query.enterprise_uuid)) {
    return MayNotRead(caller, query.enterprise_uuid);
  }
  const std::string& identifier = request.content_identifier();
  if (identifier.empty()) {
    return absl::InvalidArgumentError(
        "content_identifier is required: a content key (\"edX+DemoX\", "
        "\"course-v1:edX+DemoX+1T2024\") or a content uuid");
  }
  google::protobuf::RepeatedPtrField<std::string> one;
  one.Add()->assign(identifier);
  EC_RETURN_IF_ERROR(ValidateContentKeys("content_identifier", one, false));
  // As Django: an identifier that reads as a uuid is a content uuid.
  query.content_key = identifier;
  query.content_uuid = common::NormalizeUuid(identifier);
  query.coerce_to_parent_course = request.coerce_to_parent_course();
  EC_ASSIGN_OR_RETURN(storage::CustomerItem found,
                      metadata_reads_->GetCustomerContentMetadata(query));
  response->set_catalog_uuid(found.scope.catalog.catalog_uuid);
  ScopedContentToProto(std::move(found.item), MakeItemScope(found.scope, urls_),
                       response->mutable_item());
  return absl::OkStatus();
}

absl::Status CatalogCore::DiffCatalogContent(
    const auth::Principal& caller, const v1::DiffCatalogContentRequest& request,
    v1::DiffCatalogContentResponse* response) {
  EC_ASSIGN_OR_RETURN(std::string uuid,
                      RequireUuid("catalog_uuid", request.catalog_uuid()));
  EC_RETURN_IF_ERROR(ValidateContentKeys("content_keys", request.content_keys(),
                                         true, common::kMaxDiffKeys));
  // First occurrence wins: the answer follows the request's order.
  std::vector<std::string> keys;
  std::unordered_map<std::string_view, size_t> position;
  for (const std::string& key : request.content_keys()) {
    if (position.emplace(key, keys.size()).second) keys.push_back(key);
  }
  EC_ASSIGN_OR_RETURN(storage::CatalogDiff diff,
                      store_->DiffCatalogContent(uuid, keys));
  // As for contains: one round trip, and a foreign answer is dropped unread.
  if (!caller.CanRead(diff.enterprise_uuid)) return CatalogNotFound(uuid);
  auto by_request = [&](const std::string& a, const std::string& b) {
    return position.at(a) < position.at(b);
  };
  std::sort(diff.not_found.begin(), diff.not_found.end(), by_request);
  std::sort(diff.found.begin(), diff.found.end(),
            [&](const auto& a, const auto& b) {
              return by_request(a.first, b.first);
            });
  const ItemScope scope = MakeItemScope(diff.scope, urls_);
  for (std::string& key : diff.not_found) {
    response->add_items_not_found()->set_content_key(std::move(key));
  }
  for (std::string& key : diff.not_included) {
    response->add_items_not_included()->set_content_key(std::move(key));
  }
  for (auto& [key, modified] : diff.found) {
    v1::DiffItem* item = response->add_items_found();
    item->set_content_key(std::move(key));
    SetTimestamp(ContentLastModified(modified, scope),
                 item->mutable_date_updated());
  }
  return absl::OkStatus();
}

}  // namespace ec::core
