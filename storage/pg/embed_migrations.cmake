# Writes a C++ source holding every storage/pg/migrations/NNNN_name.sql file, so
# the binary carries its schema and `migrate` needs no files at run time.
file(GLOB files "${SRC_DIR}/*.sql")
list(SORT files)
set(body "")
foreach(f ${files})
  get_filename_component(name "${f}" NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.*)$" _ "${name}")
  set(version "${CMAKE_MATCH_1}")
  set(label "${CMAKE_MATCH_2}")
  if(version STREQUAL "")
    message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${f}")
  endif()
  math(EXPR version "${version}")
  file(READ "${f}" sql)
  string(APPEND body "    {${version}, \"${label}\", R\"ecsql(${sql})ecsql\"},\n")
endforeach()
file(WRITE "${OUT}.tmp"
"// Generated from storage/pg/migrations/*.sql by embed_migrations.cmake.\n"
"#include \"storage/pg/migrate.h\"\n\n"
"namespace ec::storage::pg {\n\n"
"const std::vector<Migration>& EmbeddedMigrations() {\n"
"  static const std::vector<Migration> kMigrations = {\n${body}  };\n"
"  return kMigrations;\n}\n\n}  // namespace ec::storage::pg\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
