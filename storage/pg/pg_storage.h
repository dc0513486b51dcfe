#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "storage/pg/pg_catalog_store.h"
#include "storage/pg/pg_customer_store.h"
#include "storage/pg/pg_full_metadata_store.h"
#include "storage/pg/pg_pool.h"
#include "storage/pg/pg_refresh_queue.h"

namespace ec::storage::pg {

// What a process role opens to use PostgreSQL: one connection pool, and the
// catalog store and refresh queue on it. Store and queue share the pool
// because one caller uses both (a catalog change queues its refresh), and
// a pool is the unit of sizing and of metrics; a role that needs its own
// connections opens its own PgStorage (the refresh workers do, so that a
// long crawl transaction never holds a connection an RPC waits for).
// Store and queue borrow the pool, which outlives them here.
class PgStorage {
 public:
  // Connections open lazily; Open does not touch the database.
  static absl::StatusOr<std::unique_ptr<PgStorage>> Open(PgConfig config);

  PgStorage(const PgStorage&) = delete;
  PgStorage& operator=(const PgStorage&) = delete;

  PgCatalogStore* store() { return &store_; }
  PgRefreshQueue* queue() { return &queue_; }
  PgFullMetadataStore* full_metadata() { return &full_metadata_; }
  PgCustomerStore* customers() { return &customers_; }
  PgPool* pool() { return pool_.get(); }

 private:
  explicit PgStorage(std::unique_ptr<PgPool> pool)
      : pool_(std::move(pool)),
        store_(pool_.get()),
        queue_(pool_.get()),
        full_metadata_(pool_.get()),
        customers_(pool_.get()) {}

  // Declared first: destroyed after the store and queue that borrow it.
  std::unique_ptr<PgPool> pool_;
  PgCatalogStore store_;
  PgRefreshQueue queue_;
  PgFullMetadataStore full_metadata_;
  PgCustomerStore customers_;
};

}  // namespace ec::storage::pg
