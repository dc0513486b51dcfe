#pragma once

// Pieces shared by the PostgreSQL implementations in this folder; not part
// of the storage interface.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "domain/content.h"
#include "storage/types.h"

// Timestamps cross the wire as bigint microseconds since the epoch: exact,
// and independent of the session time zone.
#define EC_US(col) "(extract(epoch from " col ") * 1000000)::bigint"
#define EC_TS(param) \
  "('epoch'::timestamptz + " param "::bigint * interval '1 microsecond')"

namespace ec::storage::pg {

// A crawl's records reduced to one per key, in key order, and the keys that
// become members (derived runs are content rows but not members).
struct UniqueRecords {
  explicit UniqueRecords(const std::vector<domain::ContentRecord>& records);
  std::map<std::string_view, const domain::ContentRecord*> by_key;
  std::vector<std::string> members;
  // `members` as a PostgreSQL text[] literal, built once: the guardrail and
  // the membership diff both send it.
  std::string member_array;
};

// Upserts changed documents, applies the membership diff and stamps the
// query refreshed at `now`. The caller holds the query row lock.
ReplaceResult ApplyContentIn(pqxx::work& tx, int64_t query_id,
                             const UniqueRecords& unique, Micros now);

// Prepares the refresh queue's statements on a new connection.
void PrepareRefreshQueue(pqxx::connection& c);

}  // namespace ec::storage::pg
