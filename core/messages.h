#pragma once

#include "absl/status/status.h"
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

void JobToProto(const storage::RefreshJobRow& job,
                ::enterprise_catalog::v1::RefreshJob* out);

// Keys in the order given: the core sorts them as the API promises.
void NoticeToProto(storage::ContentChangeNotice&& notice,
                   ::enterprise_catalog::v1::NotifyContentChangedResponse* out);

}  // namespace ec::core
