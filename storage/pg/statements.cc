#include "storage/pg/statements.h"

namespace ec::storage::pg {

void PrepareStatements(pqxx::connection& conn) {
  for (const Statement& statement : EmbeddedStatements()) {
    conn.prepare(statement.name, statement.sql);
  }
}

}  // namespace ec::storage::pg
