#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "domain/canonical_json.h"
#include "domain/catalog_item_fields.h"

namespace ec::storage {

using Micros = common::Micros;

struct CatalogRow {
  std::string uuid;
  std::string title;
  std::string enterprise_uuid;
  std::string enterprise_name;
  std::string content_filter_json;  // canonical text
  std::string catalog_query_uuid;
  std::string content_filter_hash;
  std::vector<std::string> enabled_course_modes;
  bool publish_audit_enrollment_urls = false;
  Micros created = 0;
  Micros modified = 0;
  int64_t content_count = 0;
  std::optional<Micros> content_refreshed;
};

struct NewCatalog {
  std::string uuid;  // already normalized
  std::string title;
  std::string enterprise_uuid;
  std::string enterprise_name;
  domain::CanonicalFilter filter;
  std::vector<std::string> enabled_course_modes;
  bool publish_audit_enrollment_urls = false;
};

// Fields left empty are not changed.
struct CatalogUpdate {
  std::string uuid;
  // The enterprise the caller was authorized for: the write itself is
  // scoped to it (NOT_FOUND otherwise), not only the check before it.
  std::string enterprise_uuid;
  std::optional<std::string> title;
  std::optional<std::string> enterprise_name;
  std::optional<domain::CanonicalFilter> filter;
  std::optional<std::vector<std::string>> enabled_course_modes;
  std::optional<bool> publish_audit_enrollment_urls;
};

// Keyset position in the (created, uuid) order of catalogs.
struct CatalogCursor {
  Micros created = 0;
  std::string uuid;
};

struct ContainedResult {
  std::string enterprise_uuid;
  std::vector<std::string> keys;
};

struct ListCatalogsQuery {
  // nullopt: catalogs of every enterprise; otherwise only these (an empty
  // list matches nothing).
  std::optional<std::vector<std::string>> enterprise_uuids;
  std::optional<CatalogCursor> after;
  int limit = 100;
};

struct CatalogPage {
  std::vector<CatalogRow> catalogs;
  bool has_more = false;
};

struct ContentRow {
  std::string content_key;
  std::string content_type;
  std::string content_uuid;
  std::string parent_content_key;
  std::string title;
  Micros modified = 0;
  std::string json_metadata;
  // Catalog-scoped reads only (GetCatalogMetadata,
  // GetCustomerContentMetadata): what the per-catalog fields read, stored
  // when the document was written (so no document is parsed to serve it;
  // run_keys may be left empty), and for a course that is not exec-ed the
  // keys of its nested runs that have rows of their own (not derived),
  // sorted.
  domain::ItemFacts facts;
  std::vector<std::string> run_rows;
};

// The enterprise customer as EnterpriseCustomer carries it.
struct EnterpriseCustomerRow {
  std::string uuid;  // normalized
  std::string slug;
  std::string name;
  bool enable_learner_portal = false;
  // When slug, name or the flag last changed (an identical upsert keeps it).
  Micros modified = 0;
};

// What a catalog-scoped read serves items with: the catalog's columns the
// per-catalog fields use, and its enterprise customer.
struct CatalogScope {
  domain::CatalogContext catalog;
  Micros catalog_modified = 0;
  // nullopt: the platform never wrote the customer (Django's "{}").
  std::optional<EnterpriseCustomerRow> customer;
};

struct MetadataQuery {
  std::string catalog_uuid;
  // Empty: all content. Otherwise matched with course/run expansion.
  std::vector<std::string> content_keys;
  // Empty: all types.
  std::vector<std::string> content_types;
  // With no content_keys: leave out courses whose stored facts say no run
  // is active (counted accordingly).
  bool active_only = false;
  // Content key after which the page starts; empty for the first page.
  std::string after_key;
  int limit = 100;
};

struct MetadataPage {
  std::string catalog_uuid;
  std::string catalog_title;
  std::string enterprise_uuid;
  CatalogScope scope;
  int64_t total_count = 0;
  std::vector<ContentRow> items;
  bool has_more = false;
};

// Which stored content GetContentMetadata reads: rows whose content_key is
// one of `keys`, or whose content_uuid is one of `uuids` (normalized).
struct ContentLookup {
  std::vector<std::string> keys;
  std::vector<std::string> uuids;
  // A course run found is answered by its parent course's row.
  bool coerce_to_parent_course = false;
};

// A row GetContentMetadata found, and the identifier (a key of
// ContentLookup.keys or a uuid of .uuids) that found it.
struct ContentMatch {
  std::string identifier;
  ContentRow row;
};

// GetCustomerContentMetadata's lookup: the item is the row with
// `content_key`, or (when set) the row with `content_uuid`.
struct CustomerContentQuery {
  std::string enterprise_uuid;
  std::string content_key;
  std::optional<std::string> content_uuid;  // normalized
  bool coerce_to_parent_course = false;
};

struct CustomerItem {
  CatalogScope scope;  // the customer's oldest catalog containing the item
  ContentRow item;
};

// DiffCatalogContent's answer: exact key matches against the catalog's
// members.
struct CatalogDiff {
  std::string enterprise_uuid;
  CatalogScope scope;
  // Requested keys the catalog does not contain, in no particular order.
  std::vector<std::string> not_found;
  // Members that were not requested, in key order.
  std::vector<std::string> not_included;
  // Requested members and their rows' `modified`, in no particular order.
  std::vector<std::pair<std::string, Micros>> found;
};

struct CatalogQueryRef {
  int64_t id = 0;
  std::string uuid;
};

// Which catalog query GetCatalogQuery reads: `key` is a normalized uuid or a
// validated filter hash.
struct CatalogQueryLookup {
  enum class By { kUuid, kHash };
  By by = By::kUuid;
  std::string key;
};

struct CatalogQueryRow {
  std::string uuid;
  std::string content_filter_json;  // canonical text
  std::string content_filter_hash;
  int64_t content_count = 0;
  std::optional<Micros> content_refreshed;
  int64_t catalog_count = 0;  // catalogs using the query
};

// What replacing a query's content changed.
struct ReplaceResult {
  int64_t members = 0;          // members after the change
  int64_t members_added = 0;    // links added
  int64_t members_removed = 0;  // links removed
  int64_t content_inserted = 0;
  int64_t content_updated = 0;
  int64_t content_unchanged = 0;
};

}  // namespace ec::storage
