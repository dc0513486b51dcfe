#include "storage/pg/statements.h"

#include <stdexcept>
#include <string>

namespace ec::storage::pg {

const char* StatementSql(std::string_view name) {
  for (const Statement& statement : EmbeddedStatements()) {
    if (name == statement.name) return statement.sql;
  }
  throw std::out_of_range("no embedded statement " + std::string(name));
}

void PrepareStatements(pqxx::connection& conn) {
  for (const Statement& statement : EmbeddedStatements()) {
    conn.prepare(statement.name, statement.sql);
  }
}

}  // namespace ec::storage::pg
