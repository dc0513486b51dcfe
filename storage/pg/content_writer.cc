#include "storage/pg/content_writer.h"

#include "absl/container/flat_hash_map.h"
#include "domain/stored_document.h"
#include "storage/pg/item_facts.h"
#include "storage/pg/pg_util.h"

namespace ec::storage::pg {
namespace {

// Documents per upsert_content statement, so that one statement's arrays
// stay bounded however large the crawl.
constexpr size_t kUpsertBatch = 200;

// The columns of one row as upsert_content.sql and merge_content.sql take
// them.
struct Columns {
  std::vector<std::string> keys, types, uuids, parents, titles, docs, hashes;
  std::vector<bool> derived, full_wanted;
  // merge_content.sql only: the search/all document merged, and its hash.
  std::vector<std::string> search_docs, search_hashes;
  // Each key's position, so that a row the upsert returns finds the hash
  // already computed for its record.
  absl::flat_hash_map<std::string_view, size_t> index;

  void Add(const domain::ContentRecord& rec, std::string doc, std::string hash,
           bool wanted, const std::string& title) {
    index.emplace(rec.content_key, keys.size());
    keys.push_back(rec.content_key);
    types.push_back(rec.content_type);
    uuids.push_back(rec.content_uuid);
    parents.push_back(rec.parent_content_key);
    titles.push_back(title);
    docs.push_back(std::move(doc));
    hashes.push_back(std::move(hash));
    derived.push_back(rec.derived);
    full_wanted.push_back(wanted);
  }
  size_t size() const { return keys.size(); }
  void Clear() { *this = Columns(); }
};

}  // namespace

void LockContentWriters(pqxx::transaction_base& tx) {
  tx.exec_prepared("lock_content_writers");
}

ContentWriter::ContentWriter(const std::vector<domain::ContentRecord>& records)
    : content_(records), member_array_(ToPgTextArray(content_.members)) {}

int64_t ContentWriter::CountRemoved(pqxx::work& tx, int64_t query_id) const {
  return tx.exec_prepared1("count_removed", query_id, member_array_)[0]
      .as<int64_t>();
}

ReplaceResult ContentWriter::Write(pqxx::work& tx, int64_t query_id,
                                   Micros now) const {
  ReplaceResult result;
  LockContentWriters(tx);
  Columns batch;
  // Inserts the batch's new rows and merges into the existing ones that the
  // record changes; rows the statement does not return are unchanged.
  auto flush = [&]() {
    if (batch.size() == 0) return;
    const pqxx::result r = tx.exec_prepared(
        "upsert_content", ToPgTextArray(batch.keys), ToPgTextArray(batch.types),
        ToPgTextArray(batch.uuids), ToPgTextArray(batch.parents),
        ToPgTextArray(batch.titles), ToPgTextArray(batch.docs),
        ToPgTextArray(batch.hashes), ToPgBoolArray(batch.derived),
        ToPgBoolArray(batch.full_wanted));
    Columns merged;
    int64_t unchanged = static_cast<int64_t>(batch.size());
    for (const auto& row : r) {
      --unchanged;
      if (row[1].as<bool>()) {
        ++result.content_inserted;
        continue;
      }
      const domain::ContentRecord& rec =
          *content_.by_key.at(std::string_view(row[0].c_str()));
      domain::StoredDocumentUpdate update = domain::MergeCrawlRecord(
          rec, row[2].as<bool>(), std::string_view(row[3].c_str()));
      std::string hash = domain::Md5Hex(update.json_metadata);
      if (hash == std::string_view(row[4].c_str())) {
        ++unchanged;
      } else {
        ++result.content_updated;
      }
      merged.search_docs.push_back(rec.json_metadata);
      merged.search_hashes.push_back(
          batch.hashes[batch.index.at(rec.content_key)]);
      merged.Add(rec, std::move(update.json_metadata), std::move(hash),
                 update.full_wanted, update.title);
    }
    result.content_unchanged += unchanged;
    if (merged.size() > 0) {
      tx.exec_prepared0(
          "merge_content", ToPgTextArray(merged.keys),
          ToPgTextArray(merged.types), ToPgTextArray(merged.uuids),
          ToPgTextArray(merged.parents), ToPgTextArray(merged.titles),
          ToPgTextArray(merged.docs), ToPgTextArray(merged.hashes),
          ToPgBoolArray(merged.derived), ToPgTextArray(merged.search_hashes),
          ToPgTextArray(merged.search_docs), ToPgBoolArray(merged.full_wanted));
    }
    RefreshItemFacts(tx, batch.keys);
    batch.Clear();
  };
  for (const auto& [key, rec] : content_.by_key) {
    batch.Add(*rec, rec->json_metadata, domain::Md5Hex(rec->json_metadata),
              domain::WantsFullDocument(*rec), rec->title);
    if (batch.size() == kUpsertBatch) flush();
  }
  flush();
  result.members_removed = static_cast<int64_t>(
      tx.exec_prepared("remove_members", query_id, member_array_)
          .affected_rows());
  result.members_added = static_cast<int64_t>(
      tx.exec_prepared("add_members", query_id, member_array_).affected_rows());
  result.members = member_count();
  tx.exec_prepared0("stamp_query", query_id, result.members, now);
  return result;
}

}  // namespace ec::storage::pg
