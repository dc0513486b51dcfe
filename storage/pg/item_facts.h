#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "domain/catalog_item_fields.h"
#include "storage/pg/pg_util.h"

namespace ec::storage::pg {

// Keeps content_metadata's stored facts (0005_item_facts.sql) current: the
// one place that reads them from documents, so that every writer of
// json_metadata (crawls, the full pass, nested programs, imports) stays
// consistent by calling it after writing, and a read never parses a
// document whose facts are current.

// Recomputes the facts of the rows among `keys` whose facts were read from
// another document (or never), inside the writer's transaction. Returns how
// many rows it wrote. Throws what libpqxx throws.
int64_t RefreshItemFacts(pqxx::transaction_base& tx,
                         const std::vector<std::string>& keys);

// Recomputes every stale row's facts, in batches of `batch` rows, each in
// its own transaction: after the migration that adds the columns, and for
// rows some older binary wrote during a rolling deploy. Uses statements
// given as text, so it runs on a connection with nothing prepared (the
// migration's). Returns how many rows it wrote. Throws what libpqxx throws.
int64_t BackfillItemFacts(pqxx::connection& conn, int batch = 500);

// A served_item row's facts (0005_item_facts.sql) from column `first` on:
// the stored ones when current (without run_keys, which served_item has
// applied), otherwise read from the row's document (`json_metadata`), with
// the row's key, type and parent.
domain::ItemFacts ItemFactsFromRow(RowReader& r, int first,
                                   const std::string& content_key,
                                   const std::string& content_type,
                                   const std::string& parent_content_key,
                                   const std::string& json_metadata);

}  // namespace ec::storage::pg
