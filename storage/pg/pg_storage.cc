#include "storage/pg/pg_storage.h"

#include <utility>

namespace ec::storage::pg {

absl::StatusOr<std::unique_ptr<PgStorage>> PgStorage::Open(PgConfig config) {
  auto pool = PgPool::Create(std::move(config));
  if (!pool.ok()) return pool.status();
  return std::unique_ptr<PgStorage>(new PgStorage(std::move(*pool)));
}

}  // namespace ec::storage::pg
