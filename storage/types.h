#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "domain/canonical_json.h"

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
};

struct MetadataQuery {
  std::string catalog_uuid;
  // Empty: all content. Otherwise matched with course/run expansion.
  std::vector<std::string> content_keys;
  // Empty: all types.
  std::vector<std::string> content_types;
  // Content key after which the page starts; empty for the first page.
  std::string after_key;
  int limit = 100;
};

struct MetadataPage {
  std::string catalog_uuid;
  std::string catalog_title;
  std::string enterprise_uuid;
  int64_t total_count = 0;
  std::vector<ContentRow> items;
  bool has_more = false;
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
