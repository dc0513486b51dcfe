# Writes a C++ source holding every SRC_DIR/*.sql file, so that the binary
# carries its SQL and needs no files at run time. Run with cmake -P:
#   -DKIND=migrations  NNNN_name.sql files -> EmbeddedMigrations() (migrate.h)
#   -DKIND=statements  name.sql files      -> EmbeddedStatements() (statements.h)
# -DSRC_DIR=<folder> -DOUT=<generated .cc>. The text is embedded as written,
# comments included, in a raw string literal; the output is rewritten only
# when it changes, so that touching a .sql file recompiles only if needed.
if(NOT KIND MATCHES "^(migrations|statements)$")
  message(FATAL_ERROR "embed_sql.cmake: KIND must be migrations or statements")
endif()
file(GLOB files "${SRC_DIR}/*.sql")
list(SORT files)
set(body "")
foreach(f ${files})
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${f}" sql)
  string(FIND "${sql}" ")ecsql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw string delimiter )ecsql\"")
  endif()
  if(KIND STREQUAL "migrations")
    string(REGEX MATCH "^([0-9]+)_(.*)$" _ "${name}")
    set(version "${CMAKE_MATCH_1}")
    set(label "${CMAKE_MATCH_2}")
    if(version STREQUAL "")
      message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${f}")
    endif()
    math(EXPR version "${version}")
    string(APPEND body "    {${version}, \"${label}\", R\"ecsql(${sql})ecsql\"},\n")
  else()
    # The file name is the prepared statement's name.
    if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
      message(FATAL_ERROR "statement file name must be lower_snake.sql: ${f}")
    endif()
    if(NOT sql MATCHES "^--")
      message(FATAL_ERROR "${f} must start with a -- comment saying what it "
                          "does and what its parameters are")
    endif()
    string(APPEND body "    {\"${name}\", R\"ecsql(${sql})ecsql\"},\n")
  endif()
endforeach()
if(body STREQUAL "")
  message(FATAL_ERROR "no .sql files in ${SRC_DIR}")
endif()

if(KIND STREQUAL "migrations")
  set(header "storage/pg/migrate.h")
  set(type "Migration")
  set(function "EmbeddedMigrations")
else()
  set(header "storage/pg/statements.h")
  set(type "Statement")
  set(function "EmbeddedStatements")
endif()
get_filename_component(folder "${SRC_DIR}" NAME)
file(WRITE "${OUT}.tmp"
"// Generated from storage/pg/${folder}/*.sql by embed_sql.cmake.\n"
"#include \"${header}\"\n\n"
"namespace ec::storage::pg {\n\n"
"const std::vector<${type}>& ${function}() {\n"
"  static const std::vector<${type}> kAll = {\n${body}  };\n"
"  return kAll;\n}\n\n}  // namespace ec::storage::pg\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
