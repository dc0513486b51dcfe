#pragma once

#include "absl/status/status.h"
#include "domain/catalog_item_fields.h"
#include "enterprise_catalog/v1/catalog.pb.h"
#include "enterprise_catalog/v1/catalog_service.pb.h"
#include "storage/refresh_queue.h"
#include "storage/types.h"

namespace ec::core {

// Storage rows as API messages: the one place where a stored field becomes
// a response field.

// INTERNAL if the stored filter is not a JSON object (it always is, unless
// the database was edited by hand).
absl::Status CatalogToProto(const storage::CatalogRow& row,
                            ::enterprise_catalog::v1::Catalog* out);

// INTERNAL if the stored filter is not a JSON object, as CatalogToProto.
absl::Status QueryToProto(const storage::CatalogQueryRow& row,
                          ::enterprise_catalog::v1::CatalogQuery* out);

// Moves the row's strings: a stored document is served as it is, never
// re-encoded.
void ContentToProto(storage::ContentRow&& row,
                    ::enterprise_catalog::v1::ContentMetadata* out);

// How a catalog serves its items: its per-catalog field inputs, prepared
// once per response.
struct ItemScope {
  domain::CatalogContext catalog;  // PrepareCatalogContext'ed
  domain::CustomerContext customer;
  domain::UrlSettings urls;
  // The catalog's `modified`, and the customer's when the platform wrote
  // it: the later of them is content_last_modified's floor.
  storage::Micros modified_floor = 0;
};

ItemScope MakeItemScope(const storage::CatalogScope& scope,
                        const domain::UrlSettings& urls);

// content_last_modified (django-rules.md §6 step 3): the latest of the
// item's `modified` and the scope's floor.
storage::Micros ContentLastModified(storage::Micros item_modified,
                                    const ItemScope& scope);

// ContentToProto plus the per-catalog fields of the scope's catalog
// (django-rules.md §5, §6), computed from the row's stored facts.
void ScopedContentToProto(storage::ContentRow&& row, const ItemScope& scope,
                          ::enterprise_catalog::v1::ContentMetadata* out);

void CustomerToProto(const storage::EnterpriseCustomerRow& row,
                     ::enterprise_catalog::v1::EnterpriseCustomer* out);

void SetTimestamp(storage::Micros micros, google::protobuf::Timestamp* out);

void JobToProto(const storage::RefreshJobRow& job,
                ::enterprise_catalog::v1::RefreshJob* out);

// Keys in the order given: the core sorts them as the API promises.
void NoticeToProto(storage::ContentChangeNotice&& notice,
                   ::enterprise_catalog::v1::NotifyContentChangedResponse* out);

}  // namespace ec::core
