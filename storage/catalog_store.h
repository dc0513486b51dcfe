#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/content.h"
#include "storage/types.h"

namespace ec::storage {

// The reads of the metadata RPCs: the one part of the store a read replica
// can serve (storage/pg/read_replica.h). Same contract as CatalogStore.
class MetadataReader {
 public:
  virtual ~MetadataReader() = default;

  // A page of the catalog's content with its scope and each item's facts
  // and run rows. NOT_FOUND if the catalog does not exist.
  virtual absl::StatusOr<MetadataPage> GetCatalogMetadata(
      const MetadataQuery& query) = 0;
  // Stored rows the lookup finds (facts not filled), in no particular order;
  // a row found by several identifiers comes once per identifier.
  virtual absl::StatusOr<std::vector<ContentMatch>> GetContentMetadata(
      const ContentLookup& lookup) = 0;
  // The item for the query and the enterprise's oldest catalog (creation
  // order) that contains it, with ContainsContentItems' course/run
  // expansion. NOT_FOUND if there is no such item or no catalog of the
  // enterprise contains it. One round trip.
  virtual absl::StatusOr<CustomerItem> GetCustomerContentMetadata(
      const CustomerContentQuery& query) = 0;
};

// The service's persistent state. Implementations are thread-safe; every
// method blocks, so callers on gRPC threads must hop to a worker pool first.
// Arguments are assumed validated (uuids normalized, limits enforced); errors
// are NOT_FOUND, ALREADY_EXISTS, UNAVAILABLE (database unreachable),
// DEADLINE_EXCEEDED (statement timeout) or INTERNAL.
class CatalogStore : public MetadataReader {
 public:
  // Creates the catalog, creating or joining the catalog query for its filter.
  virtual absl::StatusOr<CatalogRow> CreateCatalog(
      const NewCatalog& catalog) = 0;
  virtual absl::StatusOr<CatalogRow> GetCatalog(std::string_view uuid) = 0;
  virtual absl::StatusOr<CatalogPage> ListCatalogs(
      const ListCatalogsQuery& query) = 0;
  // A new filter moves the catalog to that filter's query; other catalogs on
  // the old query are untouched. NOT_FOUND unless the catalog is
  // update.enterprise_uuid's.
  virtual absl::StatusOr<CatalogRow> UpdateCatalog(
      const CatalogUpdate& update) = 0;
  // Scoped to `enterprise_uuid`, the enterprise the caller was authorized
  // for: NOT_FOUND if the catalog is not that enterprise's.
  virtual absl::Status DeleteCatalog(std::string_view uuid,
                                     std::string_view enterprise_uuid) = 0;

  // The distinct requested keys that the catalog contains (course/run
  // expansion included), and the catalog's enterprise (for authorization).
  // NOT_FOUND if the catalog does not exist.
  virtual absl::StatusOr<ContainedResult> ContainedKeys(
      std::string_view catalog_uuid, const std::vector<std::string>& keys) = 0;
  // Uuids of the enterprise's catalogs that contain at least one key, in
  // (created, uuid) order.
  virtual absl::StatusOr<std::vector<std::string>> CatalogsContainingAny(
      std::string_view enterprise_uuid,
      const std::vector<std::string>& keys) = 0;
  // The catalog's members against `keys` (distinct), exact matches only.
  // NOT_FOUND if the catalog does not exist.
  virtual absl::StatusOr<CatalogDiff> DiffCatalogContent(
      std::string_view catalog_uuid, const std::vector<std::string>& keys) = 0;

  // The catalog query with the lookup's uuid or filter hash, and how many
  // catalogs use it; NOT_FOUND if there is none.
  virtual absl::StatusOr<CatalogQueryRow> GetCatalogQuery(
      const CatalogQueryLookup& lookup) = 0;
  // Finds or creates the catalog query for `filter`.
  virtual absl::StatusOr<CatalogQueryRef> EnsureCatalogQuery(
      const domain::CanonicalFilter& filter) = 0;
  // Makes `records` the query's complete content, in one transaction:
  // upserts changed documents, adds and removes membership links, and stamps
  // the query as refreshed. Derived records (runs known only from their
  // course) become content rows but not members, and never overwrite a full
  // document.
  virtual absl::StatusOr<ReplaceResult> ReplaceQueryContent(
      int64_t query_id, const std::vector<domain::ContentRecord>& records) = 0;
};

}  // namespace ec::storage
