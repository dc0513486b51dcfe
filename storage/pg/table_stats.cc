#include "storage/pg/table_stats.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_join.h"
#include "common/log.h"

namespace ec::storage::pg {

absl::StatusOr<std::vector<std::string>> AnalyzeChangedTables(
    PgPool& pool, const ReplaceResult& write) {
  const int64_t members = write.members_added + write.members_removed;
  const int64_t content = write.content_inserted + write.content_updated;
  if (members <= 0 && content <= 0) return std::vector<std::string>{};
  return pool.WithConnection(
      "analyzing changed tables", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<std::vector<std::string>> {
        pqxx::nontransaction tx(conn);
        const pqxx::result r =
            tx.exec_prepared("tables_to_analyze", members, content);
        std::vector<std::string> analyzed;
        for (const auto& row : r) {
          std::string table = row[0].as<std::string>();
          tx.exec0("ANALYZE (SKIP_LOCKED) " + tx.quote_name(table));
          analyzed.push_back(std::move(table));
        }
        return analyzed;
      });
}

void AnalyzeAfterWrite(PgPool& pool, const ReplaceResult& write,
                       std::string_view what) {
  const auto analyzed = AnalyzeChangedTables(pool, write);
  if (!analyzed.ok()) {
    common::LogWarn(
        "storage", "analyze after write failed",
        {{"write", what}, {"error", std::string(analyzed.status().message())}});
  } else if (!analyzed->empty()) {
    common::LogInfo(
        "storage", "analyzed tables after write",
        {{"write", what},
         {"tables", absl::StrJoin(*analyzed, ",")},
         {"content_rows_changed",
          write.content_inserted + write.content_updated},
         {"member_rows_changed", write.members_added + write.members_removed}});
  }
}

}  // namespace ec::storage::pg
