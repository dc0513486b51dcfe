#include "storage/pg/pg_catalog_store.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "common/clock.h"
#include "common/uuid.h"
#include "storage/pg/pg_internal.h"
#include "storage/pg/pg_util.h"

namespace ec::storage::pg {
namespace {

constexpr char kCatalogColumns[] =
    "c.uuid::text, c.title, c.enterprise_uuid::text, c.enterprise_name, "
    "q.content_filter, q.uuid::text, q.content_filter_hash, "
    "array_to_json(c.enabled_course_modes)::text, "
    "c.publish_audit_enrollment_urls, " EC_US("c.created") ", " EC_US(
        "c.modified") ", q.content_count, " EC_US("q.content_refreshed") " ";

constexpr char kCatalogFrom[] =
    "FROM enterprise_catalog c JOIN catalog_query q ON q.id = "
    "c.catalog_query_id ";

constexpr char kContentColumns[] =
    "cm.content_key, cm.content_type, COALESCE(cm.content_uuid::text, ''), "
    "COALESCE(cm.parent_content_key, ''), cm.title, " EC_US(
        "cm.modified") ", cm.json_metadata ";

// The keys a request's keys stand for, per the contains rules: each key
// itself, the parent course of a requested run, and every run of a
// requested course. Expects a CTE `asked(k)`.
constexpr char kExpandedKeys[] =
    "SELECT a.k AS asked, a.k AS member FROM asked a "
    "UNION ALL "
    "SELECT a.k, cm.parent_content_key FROM asked a "
    "  JOIN content_metadata cm ON cm.content_key = a.k "
    "  WHERE cm.parent_content_key IS NOT NULL "
    "UNION ALL "
    "SELECT a.k, cm.content_key FROM asked a "
    "  JOIN content_metadata cm ON cm.parent_content_key = a.k ";

// One primary-key probe per candidate key. LIMIT 1 keeps the planner from
// flattening this into a join over the query's whole membership, which
// measured 5x slower for a 10-key check on a 5,000-item catalog
// (docs/benchmarks.md). Expects `c` (the catalog) and `e` (expanded keys).
constexpr char kMemberProbe[] =
    "SELECT 1 FROM catalog_query_content qc "
    "WHERE qc.catalog_query_id = c.catalog_query_id "
    "AND qc.content_key = e.member LIMIT 1";

// First-page sentinel for the (created, uuid) keyset: 0001-01-01.
constexpr Micros kBeforeAllCatalogs = -62135596800000000;

void Prepare(pqxx::connection& c) {
  const std::string cols = kCatalogColumns;
  const std::string from = kCatalogFrom;
  c.prepare("get_catalog", "SELECT " + cols + from + "WHERE c.uuid = $1::uuid");
  c.prepare("list_catalogs",
            "SELECT " + cols + from +
                "WHERE (c.created, c.uuid) > ('epoch'::timestamptz + "
                "$1::bigint * interval '1 microsecond', $2::uuid) "
                "ORDER BY c.created, c.uuid LIMIT $3");
  c.prepare("list_enterprise_catalogs",
            "SELECT " + cols + from +
                "WHERE c.enterprise_uuid = ANY($4::uuid[]) AND "
                "(c.created, c.uuid) > "
                "('epoch'::timestamptz + $1::bigint * interval '1 "
                "microsecond', $2::uuid) "
                "ORDER BY c.created, c.uuid LIMIT $3");
  c.prepare("insert_query",
            "INSERT INTO catalog_query (uuid, content_filter, "
            "content_filter_hash) VALUES ($1::uuid, $2, $3) "
            "ON CONFLICT (content_filter_hash) DO NOTHING "
            "RETURNING id, uuid::text");
  c.prepare("find_query",
            "SELECT id, uuid::text FROM catalog_query "
            "WHERE content_filter_hash = $1");
  c.prepare("insert_catalog",
            "INSERT INTO enterprise_catalog (uuid, title, enterprise_uuid, "
            "enterprise_name, catalog_query_id, enabled_course_modes, "
            "publish_audit_enrollment_urls) "
            "VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6::text[], $7::boolean)");
  c.prepare("update_catalog",
            "UPDATE enterprise_catalog SET "
            "title = COALESCE($2, title), "
            "enterprise_name = COALESCE($3, enterprise_name), "
            "catalog_query_id = COALESCE($4::bigint, catalog_query_id), "
            "enabled_course_modes = COALESCE($5::text[], "
            "enabled_course_modes), "
            "publish_audit_enrollment_urls = COALESCE($6::boolean, "
            "publish_audit_enrollment_urls), "
            "modified = clock_timestamp() "
            "WHERE uuid = $1::uuid");
  c.prepare("delete_catalog",
            "DELETE FROM enterprise_catalog WHERE uuid = $1::uuid");

  // Zero rows: no such catalog. Otherwise one row per contained key, or a
  // single row with a NULL key when nothing is contained.
  c.prepare("contained_keys",
            "WITH asked AS (SELECT DISTINCT k FROM unnest($2::text[]) AS k), "
            "expanded AS (" +
                std::string(kExpandedKeys) +
                ") "
                "SELECT c.enterprise_uuid::text, m.asked "
                "FROM enterprise_catalog c "
                "LEFT JOIN LATERAL ("
                "  SELECT DISTINCT e.asked FROM expanded e "
                "  CROSS JOIN LATERAL (" +
                std::string(kMemberProbe) +
                ") hit"
                ") m ON true "
                "WHERE c.uuid = $1::uuid");
  c.prepare("catalogs_containing_any",
            "WITH asked AS (SELECT DISTINCT k FROM unnest($2::text[]) AS k), "
            "expanded AS MATERIALIZED (SELECT DISTINCT member FROM (" +
                std::string(kExpandedKeys) +
                ") x) "
                "SELECT c.uuid::text FROM enterprise_catalog c "
                "WHERE c.enterprise_uuid = $1::uuid AND EXISTS ("
                "  SELECT 1 FROM expanded e CROSS JOIN LATERAL (" +
                std::string(kMemberProbe) +
                ") hit) "
                "ORDER BY c.created, c.uuid");

  // Unfiltered page: the total is the query's stored member count.
  c.prepare("metadata_page",
            "SELECT c.uuid::text, c.title, c.enterprise_uuid::text, "
            "q.content_count, p.* "
            "FROM enterprise_catalog c "
            "JOIN catalog_query q ON q.id = c.catalog_query_id "
            "LEFT JOIN LATERAL ("
            "  SELECT " +
                std::string(kContentColumns) +
                "  FROM catalog_query_content qc "
                "  JOIN content_metadata cm ON cm.content_key = qc.content_key "
                "  WHERE qc.catalog_query_id = c.catalog_query_id "
                "    AND qc.content_key > $2 "
                "  ORDER BY qc.content_key LIMIT $3"
                ") p ON true "
                "WHERE c.uuid = $1::uuid "
                "ORDER BY p.content_key");
  // Filtered page: matching keys are collected once (keys only, so no
  // document is read twice), counted, and the page joined from them.
  c.prepare("metadata_page_filtered",
            "WITH cat AS (SELECT uuid, title, enterprise_uuid, "
            "catalog_query_id FROM enterprise_catalog WHERE uuid = $1::uuid), "
            "asked AS (SELECT DISTINCT k FROM unnest($2::text[]) AS k), "
            "expanded AS (" +
                std::string(kExpandedKeys) +
                "), "
                "matched AS MATERIALIZED ("
                "  SELECT qc.content_key FROM cat "
                "  JOIN catalog_query_content qc "
                "    ON qc.catalog_query_id = cat.catalog_query_id "
                "  JOIN content_metadata cm ON cm.content_key = qc.content_key "
                "  WHERE (cardinality($2::text[]) = 0 "
                "         OR qc.content_key IN (SELECT member FROM expanded)) "
                "    AND (cardinality($3::text[]) = 0 "
                "         OR cm.content_type = ANY($3::text[]))) "
                "SELECT cat.uuid::text, cat.title, cat.enterprise_uuid::text, "
                "(SELECT count(*) FROM matched), p.* "
                "FROM cat LEFT JOIN LATERAL ("
                "  SELECT " +
                std::string(kContentColumns) +
                "  FROM matched m "
                "  JOIN content_metadata cm ON cm.content_key = m.content_key "
                "  WHERE m.content_key > $4 "
                "  ORDER BY m.content_key LIMIT $5"
                ") p ON true "
                "ORDER BY p.content_key");
  c.prepare("content_by_keys", "SELECT " + std::string(kContentColumns) +
                                   "FROM content_metadata cm "
                                   "WHERE cm.content_key = ANY($1::text[])");

  c.prepare("lock_query",
            "SELECT id FROM catalog_query WHERE id = $1 FOR UPDATE");
  // Unchanged documents (same hash) are skipped, and a run known only from
  // its course never replaces the run's own document.
  c.prepare("upsert_content",
            "INSERT INTO content_metadata AS cm (content_key, content_type, "
            "content_uuid, parent_content_key, title, json_metadata, "
            "document_hash, derived) "
            "SELECT k, t, NULLIF(u, '')::uuid, NULLIF(p, ''), ti, j, h, d "
            "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
            "$5::text[], $6::text[], $7::text[], $8::boolean[]) "
            "  AS x(k, t, u, p, ti, j, h, d) "
            "ON CONFLICT (content_key) DO UPDATE SET "
            "content_type = EXCLUDED.content_type, "
            "content_uuid = EXCLUDED.content_uuid, "
            "parent_content_key = EXCLUDED.parent_content_key, "
            "title = EXCLUDED.title, json_metadata = EXCLUDED.json_metadata, "
            "document_hash = EXCLUDED.document_hash, "
            "derived = EXCLUDED.derived, modified = now() "
            "WHERE (cm.document_hash <> EXCLUDED.document_hash "
            "       OR cm.derived <> EXCLUDED.derived) "
            "  AND (cm.derived OR NOT EXCLUDED.derived) "
            "RETURNING (xmax = 0) AS inserted");
  c.prepare("remove_members",
            "DELETE FROM catalog_query_content WHERE catalog_query_id = $1 "
            "AND content_key NOT IN (SELECT unnest($2::text[]))");
  c.prepare("add_members",
            "INSERT INTO catalog_query_content (catalog_query_id, content_key) "
            "SELECT $1, k FROM unnest($2::text[]) AS k "
            "ON CONFLICT DO NOTHING");
  c.prepare("stamp_query",
            "UPDATE catalog_query SET content_count = $2, "
            "content_refreshed = " EC_TS("$3") ", modified = now() "
            "WHERE id = $1");
  PrepareRefreshQueue(c);
}

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

// Reads the content columns starting at `first`.
ContentRow ContentFromRow(const pqxx::row& r, int first) {
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

absl::StatusOr<CatalogQueryRef> EnsureQueryIn(
    pqxx::transaction_base& tx, const domain::CanonicalFilter& filter) {
  // READ COMMITTED: if a concurrent transaction inserted the same hash, the
  // INSERT waits for it and does nothing, and the SELECT (a new statement,
  // so a new snapshot) then sees its row.
  pqxx::result inserted = tx.exec_prepared("insert_query", common::NewUuidV4(),
                                           filter.json, filter.hash);
  if (inserted.empty()) {
    inserted = tx.exec_prepared("find_query", filter.hash);
    if (inserted.empty()) {
      return absl::AbortedError(
          "catalog query vanished during creation; retry the request");
    }
  }
  return CatalogQueryRef{inserted[0][0].as<int64_t>(),
                         inserted[0][1].as<std::string>()};
}

absl::StatusOr<CatalogRow> GetCatalogIn(pqxx::transaction_base& tx,
                                        std::string_view uuid) {
  const pqxx::result r = tx.exec_prepared("get_catalog", std::string(uuid));
  if (r.empty()) {
    return absl::NotFoundError("catalog " + std::string(uuid) + " not found");
  }
  return CatalogFromRow(r[0]);
}

constexpr size_t kUpsertBatch = 200;

}  // namespace

absl::StatusOr<std::unique_ptr<PgCatalogStore>> PgCatalogStore::Create(
    PgConfig config) {
  auto pool = PgPool::Create(std::move(config), Prepare);
  if (!pool.ok()) return pool.status();
  return std::unique_ptr<PgCatalogStore>(new PgCatalogStore(std::move(*pool)));
}

absl::StatusOr<CatalogRow> PgCatalogStore::CreateCatalog(
    const NewCatalog& catalog) {
  return WithConnection(
      "creating catalog", false,
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
  return WithConnection("reading catalog", true, [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    return GetCatalogIn(tx, uuid);
  });
}

absl::StatusOr<CatalogPage> PgCatalogStore::ListCatalogs(
    const ListCatalogsQuery& query) {
  return WithConnection(
      "listing catalogs", true,
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
  return WithConnection(
      "updating catalog", false,
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
            update.enabled_course_modes ? modes.c_str() : nullptr, publish);
        if (r.affected_rows() == 0) {
          return absl::NotFoundError("catalog " + update.uuid + " not found");
        }
        auto row = GetCatalogIn(tx, update.uuid);
        if (row.ok()) tx.commit();
        return row;
      });
}

absl::Status PgCatalogStore::DeleteCatalog(std::string_view uuid) {
  return WithConnection(
      "deleting catalog", false, [&](pqxx::connection& conn) -> absl::Status {
        pqxx::nontransaction tx(conn);
        const pqxx::result r =
            tx.exec_prepared("delete_catalog", std::string(uuid));
        if (r.affected_rows() == 0) {
          return absl::NotFoundError("catalog " + std::string(uuid) +
                                     " not found");
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<ContainedResult> PgCatalogStore::ContainedKeys(
    std::string_view catalog_uuid, const std::vector<std::string>& keys) {
  return WithConnection(
      "checking catalog content", true,
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
  return WithConnection(
      "checking customer content", true,
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
  return WithConnection(
      "reading catalog metadata", true,
      [&](pqxx::connection& conn) -> absl::StatusOr<MetadataPage> {
        pqxx::nontransaction tx(conn);
        const int fetch = query.limit + 1;
        const bool filtered =
            !query.content_keys.empty() || !query.content_types.empty();
        const pqxx::result r =
            filtered
                ? tx.exec_prepared("metadata_page_filtered", query.catalog_uuid,
                                   ToPgTextArray(query.content_keys),
                                   ToPgTextArray(query.content_types),
                                   query.after_key, fetch)
                : tx.exec_prepared("metadata_page", query.catalog_uuid,
                                   query.after_key, fetch);
        if (r.empty()) {
          return absl::NotFoundError("catalog " + query.catalog_uuid +
                                     " not found");
        }
        MetadataPage page;
        page.catalog_uuid = r[0][0].as<std::string>();
        page.catalog_title = r[0][1].as<std::string>();
        page.enterprise_uuid = r[0][2].as<std::string>();
        page.total_count = r[0][3].as<int64_t>();
        page.items.reserve(std::min<size_t>(r.size(), query.limit));
        for (const auto& row : r) {
          if (row[4].is_null()) break;  // catalog with no (more) content
          if (static_cast<int>(page.items.size()) == query.limit) {
            page.has_more = true;
            break;
          }
          page.items.push_back(ContentFromRow(row, 4));
        }
        return page;
      });
}

absl::StatusOr<std::vector<ContentRow>> PgCatalogStore::GetContentMetadata(
    const std::vector<std::string>& keys) {
  return WithConnection(
      "reading content metadata", true,
      [&](pqxx::connection& conn) -> absl::StatusOr<std::vector<ContentRow>> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r =
            tx.exec_prepared("content_by_keys", ToPgTextArray(keys));
        std::vector<ContentRow> rows;
        rows.reserve(r.size());
        for (const auto& row : r) rows.push_back(ContentFromRow(row, 0));
        return rows;
      });
}

absl::StatusOr<CatalogQueryRef> PgCatalogStore::EnsureCatalogQuery(
    const domain::CanonicalFilter& filter) {
  return WithConnection(
      "creating catalog query", false,
      [&](pqxx::connection& conn) -> absl::StatusOr<CatalogQueryRef> {
        pqxx::work tx(conn);
        auto ref = EnsureQueryIn(tx, filter);
        if (ref.ok()) tx.commit();
        return ref;
      });
}

absl::StatusOr<ReplaceResult> PgCatalogStore::ReplaceQueryContent(
    int64_t query_id, const std::vector<domain::ContentRecord>& records) {
  const UniqueRecords unique(records);
  return WithConnection(
      "replacing query content", false,
      [&](pqxx::connection& conn) -> absl::StatusOr<ReplaceResult> {
        pqxx::work tx(conn);
        if (tx.exec_prepared("lock_query", query_id).empty()) {
          return absl::NotFoundError("catalog query " +
                                     std::to_string(query_id) + " not found");
        }
        ReplaceResult result =
            ApplyContentIn(tx, query_id, unique, common::SystemNowMicros());
        tx.commit();
        return result;
      });
}

UniqueRecords::UniqueRecords(
    const std::vector<domain::ContentRecord>& records) {
  // One record per key: a full document beats a run known only from its
  // course; otherwise the first occurrence wins. Sorted by key so that
  // concurrent replacements sharing rows lock them in the same order and
  // cannot deadlock.
  for (const domain::ContentRecord& rec : records) {
    auto [it, inserted] = by_key.emplace(rec.content_key, &rec);
    if (!inserted && it->second->derived && !rec.derived) it->second = &rec;
  }
  for (const auto& [key, rec] : by_key) {
    if (!rec->derived) members.emplace_back(key);
  }
  member_array = ToPgTextArray(members);
}

ReplaceResult ApplyContentIn(pqxx::work& tx, int64_t query_id,
                             const UniqueRecords& unique, Micros now) {
  ReplaceResult result;
  std::vector<std::string> cols[7];
  std::vector<bool> derived;
  auto flush = [&]() {
    if (derived.empty()) return;
    const pqxx::result r = tx.exec_prepared(
        "upsert_content", ToPgTextArray(cols[0]), ToPgTextArray(cols[1]),
        ToPgTextArray(cols[2]), ToPgTextArray(cols[3]), ToPgTextArray(cols[4]),
        ToPgTextArray(cols[5]), ToPgTextArray(cols[6]), ToPgBoolArray(derived));
    for (const auto& row : r) {
      if (row[0].as<bool>()) {
        ++result.content_inserted;
      } else {
        ++result.content_updated;
      }
    }
    result.content_unchanged +=
        static_cast<int64_t>(derived.size()) - static_cast<int64_t>(r.size());
    for (auto& col : cols) col.clear();
    derived.clear();
  };
  for (const auto& [key, rec] : unique.by_key) {
    cols[0].push_back(rec->content_key);
    cols[1].push_back(rec->content_type);
    cols[2].push_back(rec->content_uuid);
    cols[3].push_back(rec->parent_content_key);
    cols[4].push_back(rec->title);
    cols[5].push_back(rec->json_metadata);
    cols[6].push_back(domain::Md5Hex(rec->json_metadata));
    derived.push_back(rec->derived);
    if (derived.size() == kUpsertBatch) flush();
  }
  flush();
  const std::string& member_array = unique.member_array;
  result.members_removed = static_cast<int64_t>(
      tx.exec_prepared("remove_members", query_id, member_array)
          .affected_rows());
  result.members_added = static_cast<int64_t>(
      tx.exec_prepared("add_members", query_id, member_array).affected_rows());
  result.members = static_cast<int64_t>(unique.members.size());
  tx.exec_prepared0("stamp_query", query_id, result.members, now);
  return result;
}

}  // namespace ec::storage::pg
