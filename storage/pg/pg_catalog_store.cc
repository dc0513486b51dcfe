#include "storage/pg/pg_catalog_store.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "storage/pg/content_writer.h"
#include "storage/pg/item_facts.h"
#include "storage/pg/pg_util.h"
#include "storage/pg/table_stats.h"

namespace ec::storage::pg {
namespace {

// First-page sentinel for the (created, uuid) keyset: 0001-01-01.
constexpr Micros kBeforeAllCatalogs = -62135596800000000;

// The columns of get_catalog.sql, which the list statements share.
absl::StatusOr<CatalogRow> CatalogFromRow(const pqxx::row& r) {
  CatalogRow out;
  out.uuid = r[0].as<std::string>();
  out.title = r[1].as<std::string>();
  out.enterprise_uuid = r[2].as<std::string>();
  out.enterprise_name = r[3].as<std::string>();
  out.content_filter_json = r[4].as<std::string>();
  out.catalog_query_uuid = r[5].as<std::string>();
  out.content_filter_hash = r[6].as<std::string>();
  auto modes = ParseJsonTextArray(r[7].c_str());
  if (!modes.ok()) return modes.status();
  out.enabled_course_modes = std::move(*modes);
  out.publish_audit_enrollment_urls = r[8].as<bool>();
  out.created = r[9].as<Micros>();
  out.modified = r[10].as<Micros>();
  out.content_count = r[11].as<int64_t>();
  if (!r[12].is_null()) out.content_refreshed = r[12].as<Micros>();
  return out;
}

// The columns of get_catalog_query_by_uuid.sql and _by_hash.sql.
CatalogQueryRow QueryFromRow(const pqxx::row& r) {
  CatalogQueryRow out;
  out.uuid = r[0].as<std::string>();
  out.content_filter_json = r[1].as<std::string>();
  out.content_filter_hash = r[2].as<std::string>();
  out.content_count = r[3].as<int64_t>();
  if (!r[4].is_null()) out.content_refreshed = r[4].as<Micros>();
  out.catalog_count = r[5].as<int64_t>();
  return out;
}

// The content columns of content_by_identifiers.sql from column `first` on,
// which served_item (0005_item_facts.sql) starts with.
ContentRow ContentFromRow(RowReader& r, int first) {
  ContentRow out;
  out.content_key = r[first].as<std::string>();
  out.content_type = r[first + 1].as<std::string>();
  out.content_uuid = r[first + 2].as<std::string>();
  out.parent_content_key = r[first + 3].as<std::string>();
  out.title = r[first + 4].as<std::string>();
  out.modified = r[first + 5].as<Micros>();
  out.json_metadata = r[first + 6].as<std::string>();
  return out;
}
ContentRow ContentFromRow(const pqxx::row& row, int first) {
  RowReader r(row);
  return ContentFromRow(r, first);
}

// served_item's columns from `first` on: the row, its facts and the run
// rows of its nested runs.
ContentRow ServedItemFromRow(const pqxx::row& row, int first) {
  RowReader r(row);
  ContentRow out = ContentFromRow(r, first);
  const bool facts_current = r[first + 7].as<bool>();
  out.facts = ItemFactsFromRow(r, first + 7, out.content_key, out.content_type,
                               out.parent_content_key, out.json_metadata);
  // "<bytes>:<key>" for each run row (served_item), usually none.
  const pqxx::field& run_rows = r[first + 14];
  std::string_view runs(run_rows.c_str(), run_rows.size());
  while (!runs.empty()) {
    const size_t colon = runs.find(':');
    size_t bytes = 0;
    if (colon == std::string_view::npos ||
        !absl::SimpleAtoi(absl::string_view(runs.data(), colon), &bytes) ||
        bytes > runs.size() - colon - 1) {
      break;  // not served_item's encoding: no run rows rather than garbage
    }
    out.run_rows.emplace_back(runs.substr(colon + 1, bytes));
    runs.remove_prefix(colon + 1 + bytes);
  }
  if (!facts_current) {
    // served_item could not match them against stale facts: match them
    // against the document's runs (an exec-ed course has none to enrich).
    const std::vector<std::string>& nested = out.facts.run_keys;
    std::erase_if(out.run_rows, [&](const std::string& key) {
      return out.facts.exec_ed ||
             std::find(nested.begin(), nested.end(), key) == nested.end();
    });
  }
  return out;
}

// The catalog scope columns the catalog-scoped reads start with (catalog
// uuid, title, enterprise uuid and name, publish audit URLs, modified, has
// customer, slug, learner portal, customer modified); the catalog's uuid,
// title and enterprise go to the caller's fields.
constexpr int kScopeColumns = 10;
CatalogScope ScopeFromRow(const pqxx::row& row) {
  RowReader r(row);
  CatalogScope scope;
  scope.catalog.catalog_uuid = r[0].as<std::string>();
  scope.catalog.enterprise_uuid = r[2].as<std::string>();
  scope.catalog.enterprise_name = r[3].as<std::string>();
  scope.catalog.publish_audit_enrollment_urls = r[4].as<bool>();
  scope.catalog_modified = r[5].as<Micros>();
  if (r[6].as<bool>()) {
    EnterpriseCustomerRow customer;
    customer.uuid = scope.catalog.enterprise_uuid;
    customer.slug = r[7].as<std::string>();
    customer.enable_learner_portal = r[8].as<bool>();
    customer.modified = r[9].as<Micros>();
    scope.customer = std::move(customer);
  }
  return scope;
}

absl::StatusOr<CatalogQueryRef> EnsureQueryIn(
    pqxx::transaction_base& tx, const domain::CanonicalFilter& filter) {
  // An existing query is read, never inserted over: an INSERT ... ON
  // CONFLICT on its hash would wait for any transaction that updated the
  // row (an apply stamping it). Only a new hash is inserted; no row then
  // means a concurrent insert won, and insert_query.sql says why the SELECT
  // after it sees that row.
  pqxx::result found = tx.exec_prepared("find_query", filter.hash);
  if (found.empty()) {
    found = tx.exec_prepared("insert_query", common::NewUuidV4(), filter.json,
                             filter.hash);
  }
  if (found.empty()) found = tx.exec_prepared("find_query", filter.hash);
  if (found.empty()) {
    return absl::AbortedError(
        "catalog query vanished during creation; retry the request");
  }
  return CatalogQueryRef{found[0][0].as<int64_t>(),
                         found[0][1].as<std::string>()};
}

absl::StatusOr<CatalogRow> GetCatalogIn(pqxx::transaction_base& tx,
                                        std::string_view uuid) {
  const pqxx::result r = tx.exec_prepared("get_catalog", std::string(uuid));
  if (r.empty()) {
    return absl::NotFoundError("catalog " + std::string(uuid) + " not found");
  }
  return CatalogFromRow(r[0]);
}

}  // namespace

absl::StatusOr<CatalogRow> PgCatalogStore::CreateCatalog(
    const NewCatalog& catalog) {
  return pool_->WithConnection(
      "creating catalog", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<CatalogRow> {
        pqxx::work tx(conn);
        auto query = EnsureQueryIn(tx, catalog.filter);
        if (!query.ok()) return query.status();
        try {
          tx.exec_prepared0("insert_catalog", catalog.uuid, catalog.title,
                            catalog.enterprise_uuid, catalog.enterprise_name,
                            query->id,
                            ToPgTextArray(catalog.enabled_course_modes),
                            catalog.publish_audit_enrollment_urls);
        } catch (const pqxx::unique_violation&) {
          return absl::AlreadyExistsError("a catalog with uuid " +
                                          catalog.uuid + " already exists");
        }
        auto row = GetCatalogIn(tx, catalog.uuid);
        if (row.ok()) tx.commit();
        return row;
      });
}

absl::StatusOr<CatalogRow> PgCatalogStore::GetCatalog(std::string_view uuid) {
  return pool_->WithConnection(
      "reading catalog", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<CatalogRow> {
        pqxx::nontransaction tx(conn);
        return GetCatalogIn(tx, uuid);
      });
}

absl::StatusOr<CatalogPage> PgCatalogStore::ListCatalogs(
    const ListCatalogsQuery& query) {
  return pool_->WithConnection(
      "listing catalogs", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<CatalogPage> {
        pqxx::nontransaction tx(conn);
        const Micros after_created =
            query.after ? query.after->created : kBeforeAllCatalogs;
        const std::string after_uuid =
            query.after ? query.after->uuid
                        : "00000000-0000-0000-0000-000000000000";
        // One extra row tells whether another page follows.
        const int fetch = query.limit + 1;
        const pqxx::result r =
            query.enterprise_uuids
                ? tx.exec_prepared("list_enterprise_catalogs", after_created,
                                   after_uuid, fetch,
                                   ToPgTextArray(*query.enterprise_uuids))
                : tx.exec_prepared("list_catalogs", after_created, after_uuid,
                                   fetch);
        CatalogPage page;
        for (const auto& row : r) {
          if (static_cast<int>(page.catalogs.size()) == query.limit) {
            page.has_more = true;
            break;
          }
          auto catalog = CatalogFromRow(row);
          if (!catalog.ok()) return catalog.status();
          page.catalogs.push_back(std::move(*catalog));
        }
        return page;
      });
}

absl::StatusOr<CatalogRow> PgCatalogStore::UpdateCatalog(
    const CatalogUpdate& update) {
  return pool_->WithConnection(
      "updating catalog", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<CatalogRow> {
        pqxx::work tx(conn);
        std::string query_id;
        if (update.filter) {
          auto query = EnsureQueryIn(tx, *update.filter);
          if (!query.ok()) return query.status();
          query_id = std::to_string(query->id);
        }
        std::string modes;
        if (update.enabled_course_modes) {
          modes = ToPgTextArray(*update.enabled_course_modes);
        }
        const char* publish = nullptr;
        if (update.publish_audit_enrollment_urls) {
          publish = *update.publish_audit_enrollment_urls ? "true" : "false";
        }
        // NULL parameters leave the column as it is (COALESCE).
        const pqxx::result r = tx.exec_prepared(
            "update_catalog", update.uuid,
            update.title ? update.title->c_str() : nullptr,
            update.enterprise_name ? update.enterprise_name->c_str() : nullptr,
            update.filter ? query_id.c_str() : nullptr,
            update.enabled_course_modes ? modes.c_str() : nullptr, publish,
            update.enterprise_uuid);
        if (r.affected_rows() == 0) {
          return absl::NotFoundError("catalog " + update.uuid + " not found");
        }
        auto row = GetCatalogIn(tx, update.uuid);
        if (row.ok()) tx.commit();
        return row;
      });
}

absl::Status PgCatalogStore::DeleteCatalog(std::string_view uuid,
                                           std::string_view enterprise_uuid) {
  return pool_->WithConnection(
      "deleting catalog", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::Status {
        pqxx::nontransaction tx(conn);
        const pqxx::result r = tx.exec_prepared(
            "delete_catalog", std::string(uuid), std::string(enterprise_uuid));
        if (r.affected_rows() == 0) {
          return absl::NotFoundError("catalog " + std::string(uuid) +
                                     " not found");
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<ContainedResult> PgCatalogStore::ContainedKeys(
    std::string_view catalog_uuid, const std::vector<std::string>& keys) {
  return pool_->WithConnection(
      "checking catalog content", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<ContainedResult> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r = tx.exec_prepared(
            "contained_keys", std::string(catalog_uuid), ToPgTextArray(keys));
        if (r.empty()) {
          return absl::NotFoundError("catalog " + std::string(catalog_uuid) +
                                     " not found");
        }
        ContainedResult contained;
        contained.enterprise_uuid = r[0][0].as<std::string>();
        for (const auto& row : r) {
          if (!row[1].is_null()) {
            contained.keys.push_back(row[1].as<std::string>());
          }
        }
        return contained;
      });
}

absl::StatusOr<std::vector<std::string>> PgCatalogStore::CatalogsContainingAny(
    std::string_view enterprise_uuid, const std::vector<std::string>& keys) {
  return pool_->WithConnection(
      "checking customer content", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<std::vector<std::string>> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r =
            tx.exec_prepared("catalogs_containing_any",
                             std::string(enterprise_uuid), ToPgTextArray(keys));
        std::vector<std::string> uuids;
        uuids.reserve(r.size());
        for (const auto& row : r) uuids.push_back(row[0].as<std::string>());
        return uuids;
      });
}

absl::StatusOr<MetadataPage> PgCatalogStore::GetCatalogMetadata(
    const MetadataQuery& query) {
  return pool_->WithConnection(
      "reading catalog metadata", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<MetadataPage> {
        pqxx::nontransaction tx(conn);
        const int fetch = query.limit + 1;
        const bool filtered = !query.content_keys.empty() ||
                              !query.content_types.empty() || query.active_only;
        const pqxx::result r =
            filtered
                ? tx.exec_prepared("metadata_page_filtered", query.catalog_uuid,
                                   ToPgTextArray(query.content_keys),
                                   ToPgTextArray(query.content_types),
                                   query.after_key, fetch, query.active_only)
                : tx.exec_prepared("metadata_page", query.catalog_uuid,
                                   query.after_key, fetch);
        if (r.empty()) {
          return absl::NotFoundError("catalog " + query.catalog_uuid +
                                     " not found");
        }
        // The scope travels on the page's first row only (the statement
        // says why); found by its columns rather than by position.
        auto head = std::find_if(r.begin(), r.end(), [](const pqxx::row& row) {
          return !row[0].is_null();
        });
        if (head == r.end()) {
          return absl::InternalError("metadata page without its catalog row");
        }
        MetadataPage page;
        page.catalog_uuid = (*head)[0].as<std::string>();
        page.catalog_title = (*head)[1].as<std::string>();
        page.enterprise_uuid = (*head)[2].as<std::string>();
        page.scope = ScopeFromRow(*head);
        page.total_count = (*head)[kScopeColumns].as<int64_t>();
        constexpr int kFirstItemColumn = kScopeColumns + 1;
        page.items.reserve(r.size());
        for (const auto& row : r) {
          // A catalog with no (more) content.
          if (row[kFirstItemColumn].is_null()) break;
          page.items.push_back(ServedItemFromRow(row, kFirstItemColumn));
        }
        // The statements leave the order to their page subquery
        // (metadata_page.sql says why); a plan that ever changed it must
        // not change a page.
        auto by_key = [](const ContentRow& a, const ContentRow& b) {
          return a.content_key < b.content_key;
        };
        if (!std::is_sorted(page.items.begin(), page.items.end(), by_key)) {
          std::sort(page.items.begin(), page.items.end(), by_key);
        }
        if (static_cast<int>(page.items.size()) > query.limit) {
          page.has_more = true;
          page.items.resize(query.limit);
        }
        return page;
      });
}

absl::StatusOr<std::vector<ContentMatch>> PgCatalogStore::GetContentMetadata(
    const ContentLookup& lookup) {
  return pool_->WithConnection(
      "reading content metadata", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<std::vector<ContentMatch>> {
        pqxx::nontransaction tx(conn);
        std::vector<ContentMatch> matches;
        if (lookup.uuids.empty() && !lookup.coerce_to_parent_course) {
          // Keys alone: each row is found by, and only by, its own key.
          const pqxx::result r =
              tx.exec_prepared("content_by_keys", ToPgTextArray(lookup.keys));
          matches.reserve(r.size());
          for (const auto& row : r) {
            ContentRow content = ContentFromRow(row, 0);
            std::string key = content.content_key;
            matches.push_back(ContentMatch{std::move(key), std::move(content)});
          }
          return matches;
        }
        const pqxx::result r = tx.exec_prepared(
            "content_by_identifiers", ToPgTextArray(lookup.keys),
            ToPgTextArray(lookup.uuids), lookup.coerce_to_parent_course);
        matches.reserve(r.size());
        for (const auto& row : r) {
          matches.push_back(
              ContentMatch{row[0].as<std::string>(), ContentFromRow(row, 1)});
        }
        return matches;
      });
}

absl::StatusOr<CustomerItem> PgCatalogStore::GetCustomerContentMetadata(
    const CustomerContentQuery& query) {
  return pool_->WithConnection(
      "reading customer content", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<CustomerItem> {
        pqxx::nontransaction tx(conn);
        const std::optional<std::string> key =
            query.content_uuid.has_value()
                ? std::nullopt
                : std::optional<std::string>(query.content_key);
        const pqxx::result r = tx.exec_prepared(
            "customer_content_metadata", query.enterprise_uuid, key,
            query.content_uuid, query.coerce_to_parent_course);
        if (r.empty()) {
          return absl::NotFoundError(
              "no catalog of enterprise " + query.enterprise_uuid +
              " contains " + query.content_uuid.value_or(query.content_key));
        }
        return CustomerItem{ScopeFromRow(r[0]),
                            ServedItemFromRow(r[0], kScopeColumns)};
      });
}

absl::StatusOr<CatalogDiff> PgCatalogStore::DiffCatalogContent(
    std::string_view catalog_uuid, const std::vector<std::string>& keys) {
  return pool_->WithConnection(
      "diffing catalog content", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<CatalogDiff> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r =
            tx.exec_prepared("diff_catalog_content", std::string(catalog_uuid),
                             ToPgTextArray(keys));
        if (r.empty()) {
          return absl::NotFoundError("catalog " + std::string(catalog_uuid) +
                                     " not found");
        }
        CatalogDiff diff;
        diff.enterprise_uuid = r[0][2].as<std::string>();
        diff.scope = ScopeFromRow(r[0]);
        for (const auto& row : r) {
          if (row[kScopeColumns].is_null()) break;  // no keys at all
          std::string key = row[kScopeColumns].as<std::string>();
          const bool held = row[kScopeColumns + 1].as<bool>();
          const bool member = row[kScopeColumns + 2].as<bool>();
          if (held && member) {
            diff.found.emplace_back(std::move(key),
                                    row[kScopeColumns + 3].as<Micros>());
          } else if (held) {
            diff.not_found.push_back(std::move(key));
          } else {
            diff.not_included.push_back(std::move(key));
          }
        }
        return diff;
      });
}

absl::StatusOr<CatalogQueryRow> PgCatalogStore::GetCatalogQuery(
    const CatalogQueryLookup& lookup) {
  const bool by_uuid = lookup.by == CatalogQueryLookup::By::kUuid;
  return pool_->WithConnection(
      "reading catalog query", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<CatalogQueryRow> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r = tx.exec_prepared(
            by_uuid ? "get_catalog_query_by_uuid" : "get_catalog_query_by_hash",
            lookup.key);
        if (r.empty()) {
          return absl::NotFoundError(
              by_uuid
                  ? "catalog query " + lookup.key + " not found"
                  : "no catalog query has content_filter_hash " + lookup.key);
        }
        return QueryFromRow(r[0]);
      });
}

absl::StatusOr<CatalogQueryRef> PgCatalogStore::EnsureCatalogQuery(
    const domain::CanonicalFilter& filter) {
  return pool_->WithConnection(
      "creating catalog query", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<CatalogQueryRef> {
        pqxx::work tx(conn);
        auto ref = EnsureQueryIn(tx, filter);
        if (ref.ok()) tx.commit();
        return ref;
      });
}

absl::StatusOr<ReplaceResult> PgCatalogStore::ReplaceQueryContent(
    int64_t query_id, const std::vector<domain::ContentRecord>& records) {
  const ContentWriter writer(records);
  auto written = pool_->WithConnection(
      "replacing query content", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<ReplaceResult> {
        pqxx::work tx(conn);
        if (tx.exec_prepared("lock_query", query_id).empty()) {
          return absl::NotFoundError("catalog query " +
                                     std::to_string(query_id) + " not found");
        }
        const ReplaceResult result =
            writer.Write(tx, query_id, common::SystemNowMicros());
        tx.commit();
        return result;
      });
  if (written.ok()) AnalyzeAfterWrite(*pool_, *written, "import");
  return written;
}

}  // namespace ec::storage::pg
