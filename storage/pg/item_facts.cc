#include "storage/pg/item_facts.h"

#include <string_view>
#include <utility>

#include "nlohmann/json.hpp"
#include "storage/pg/pg_util.h"
#include "storage/pg/statements.h"

namespace ec::storage::pg {
namespace {

using Json = nlohmann::ordered_json;

domain::ItemFacts FactsOfDocument(std::string_view key, std::string_view type,
                                  std::string_view parent,
                                  std::string_view json_metadata) {
  // Stored documents were serialized by this service: a parse failure means
  // a hand-edited row, which reads as {} (no URL facts).
  const Json doc = Json::parse(json_metadata, nullptr, false);
  return domain::ItemFactsFromDocument(
      key, type, parent, doc.is_discarded() ? Json::object() : doc);
}

// write_item_facts.sql's element for one row.
Json FactsElement(const domain::ItemFacts& f, std::string_view hash) {
  auto optional = [](const std::optional<std::string>& v) {
    return v.has_value() ? Json(*v) : Json(nullptr);
  };
  Json e = Json::object();
  e["key"] = f.content_key;
  e["hash"] = hash;
  e["doc_key"] = f.json_key.empty() ? Json(nullptr) : Json(f.json_key);
  e["exec_ed"] = f.exec_ed;
  e["advertised_run_key"] = optional(f.advertised_run_key);
  e["exec_ed_sku"] = optional(f.exec_ed_sku);
  e["marketing_url"] = optional(f.marketing_url);
  e["active"] = f.active.has_value() ? Json(*f.active) : Json(nullptr);
  e["run_keys"] = f.content_type == "course" ? Json(f.run_keys) : Json(nullptr);
  return e;
}

// Computes and writes the facts of the rows of stale_item_facts.sql's
// shape; returns how many were written.
int64_t WriteFacts(pqxx::transaction_base& tx, const pqxx::result& stale,
                   const char* write_statement, bool prepared) {
  if (stale.empty()) return 0;
  Json elements = Json::array();
  for (const auto& row : stale) {
    const domain::ItemFacts facts =
        FactsOfDocument(row[0].c_str(), row[1].c_str(), row[2].c_str(),
                        std::string_view(row[3].c_str(), row[3].size()));
    elements.push_back(FactsElement(facts, row[4].c_str()));
  }
  const std::string text = elements.dump();
  const pqxx::result written = prepared
                                   ? tx.exec_prepared(write_statement, text)
                                   : tx.exec_params(write_statement, text);
  return static_cast<int64_t>(written.affected_rows());
}

const char* StatementText(std::string_view name) {
  for (const Statement& s : EmbeddedStatements()) {
    if (name == s.name) return s.sql;
  }
  return nullptr;  // unreachable: the statement files are compiled in
}

}  // namespace

int64_t RefreshItemFacts(pqxx::transaction_base& tx,
                         const std::vector<std::string>& keys) {
  if (keys.empty()) return 0;
  const pqxx::result stale =
      tx.exec_prepared("stale_item_facts", ToPgTextArray(keys));
  return WriteFacts(tx, stale, "write_item_facts", true);
}

int64_t BackfillItemFacts(pqxx::connection& conn, int batch) {
  const char* next = StatementText("next_stale_item_facts");
  const char* write = StatementText("write_item_facts");
  int64_t written = 0;
  std::string after;
  while (true) {
    pqxx::work tx(conn);
    const pqxx::result stale = tx.exec_params(next, after, batch);
    if (stale.empty()) break;
    after = stale[stale.size() - 1][0].as<std::string>();
    written += WriteFacts(tx, stale, write, false);
    tx.commit();
    if (static_cast<int>(stale.size()) < batch) break;
  }
  return written;
}

domain::ItemFacts ItemFactsFromRow(RowReader& r, int first,
                                   const std::string& content_key,
                                   const std::string& content_type,
                                   const std::string& parent_content_key,
                                   const std::string& json_metadata) {
  if (!r[first].as<bool>()) {
    return FactsOfDocument(content_key, content_type, parent_content_key,
                           json_metadata);
  }
  auto optional = [&r](int i) -> std::optional<std::string> {
    const pqxx::field& f = r[i];
    if (f.is_null()) return std::nullopt;
    return std::string(f.c_str(), f.size());
  };
  domain::ItemFacts f;
  f.content_key = content_key;
  f.content_type = content_type;
  f.parent_content_key = parent_content_key;
  f.json_key = optional(first + 1).value_or("");
  f.exec_ed = r[first + 2].as<bool>();
  f.advertised_run_key = optional(first + 3);
  f.exec_ed_sku = optional(first + 4);
  f.marketing_url = optional(first + 5);
  if (const pqxx::field& active = r[first + 6]; !active.is_null()) {
    f.active = active.as<bool>();
  }
  // run_keys stay empty: served_item has already matched the run rows
  // against them.
  return f;
}

}  // namespace ec::storage::pg
