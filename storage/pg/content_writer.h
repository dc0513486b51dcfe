#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "domain/content.h"
#include "storage/types.h"

namespace ec::storage::pg {

// Takes the lock that serializes bulk writers of content rows
// (lock_content_writers.sql), held until `tx` ends. ContentWriter::Write
// takes it; so must any other transaction that writes many content rows.
void LockContentWriters(pqxx::transaction_base& tx);

// Writes a complete crawl of one catalog query into the database, inside a
// transaction the caller opened and commits. Both ways content arrives use
// it: PgCatalogStore::ReplaceQueryContent (imports) and
// PgRefreshQueue::CompleteWithCrawl (refresh workers). The caller must hold
// the query's row lock (lock_query.sql or lock_query_count.sql), so that
// two writers of one query never interleave.
//
// Built outside the transaction: reducing the records takes no connection.
// Holds pointers into `records`, which must outlive it.
class ContentWriter {
 public:
  explicit ContentWriter(const std::vector<domain::ContentRecord>& records);

  // Members the crawl makes (derived runs are content rows, not members).
  int64_t member_count() const {
    return static_cast<int64_t>(content_.members.size());
  }

  // How many of the query's current members the crawl would remove (the
  // guardrail's input), writing nothing.
  int64_t CountRemoved(pqxx::work& tx, int64_t query_id) const;

  // Upserts changed documents in key order, applies the membership diff and
  // stamps the query refreshed at `now`.
  ReplaceResult Write(pqxx::work& tx, int64_t query_id, Micros now) const;

 private:
  // One record per key, in key order: concurrent writers sharing rows lock
  // them in the same order and cannot deadlock.
  const domain::UniqueContent content_;
  // The members as a text[] literal, built once: CountRemoved and both halves
  // of the membership diff send it.
  std::string member_array_;
};

}  // namespace ec::storage::pg
