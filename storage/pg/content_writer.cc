#include "storage/pg/content_writer.h"

#include "storage/pg/pg_util.h"

namespace ec::storage::pg {
namespace {

// Documents per upsert_content statement, so that one statement's arrays
// stay bounded however large the crawl.
constexpr size_t kUpsertBatch = 200;

}  // namespace

ContentWriter::ContentWriter(const std::vector<domain::ContentRecord>& records)
    : content_(records), member_array_(ToPgTextArray(content_.members)) {}

int64_t ContentWriter::CountRemoved(pqxx::work& tx, int64_t query_id) const {
  return tx.exec_prepared1("count_removed", query_id, member_array_)[0]
      .as<int64_t>();
}

ReplaceResult ContentWriter::Write(pqxx::work& tx, int64_t query_id,
                                   Micros now) const {
  ReplaceResult result;
  std::vector<std::string> cols[7];
  std::vector<bool> derived;
  auto flush = [&]() {
    if (derived.empty()) return;
    const pqxx::result r = tx.exec_prepared(
        "upsert_content", ToPgTextArray(cols[0]), ToPgTextArray(cols[1]),
        ToPgTextArray(cols[2]), ToPgTextArray(cols[3]), ToPgTextArray(cols[4]),
        ToPgTextArray(cols[5]), ToPgTextArray(cols[6]), ToPgBoolArray(derived));
    for (const auto& row : r) {
      if (row[0].as<bool>()) {
        ++result.content_inserted;
      } else {
        ++result.content_updated;
      }
    }
    // Unchanged documents return no row.
    result.content_unchanged +=
        static_cast<int64_t>(derived.size()) - static_cast<int64_t>(r.size());
    for (auto& col : cols) col.clear();
    derived.clear();
  };
  for (const auto& [key, rec] : content_.by_key) {
    cols[0].push_back(rec->content_key);
    cols[1].push_back(rec->content_type);
    cols[2].push_back(rec->content_uuid);
    cols[3].push_back(rec->parent_content_key);
    cols[4].push_back(rec->title);
    cols[5].push_back(rec->json_metadata);
    cols[6].push_back(domain::Md5Hex(rec->json_metadata));
    derived.push_back(rec->derived);
    if (derived.size() == kUpsertBatch) flush();
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
