#!/usr/bin/env bash
# Quickstart: installs dependencies, builds, starts a local PostgreSQL 15
# cluster (state in <repo>/.data/pg, durable settings), creates database
# enterprise_catalog, migrates it, imports the sample data and runs the
# gRPC server in the foreground.
#
# Env:
#   EC_PG_PORT                        local cluster port (default 54329)
#   ENTERPRISE_CATALOG_GRPC_ADDRESS   listen address (default 127.0.0.1:50051)
#   ENTERPRISE_CATALOG_DATABASE_URL   if set, used as is and no local cluster
#                                     is started
#   BUILD_DIR                         build directory (default <repo>/build)
#
# Stop the server with Ctrl-C; stop the database with
#   scripts/pg-cluster.sh stop .data/pg
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SCRIPTS="${REPO_ROOT}/scripts"
export BUILD_DIR="${BUILD_DIR:-${REPO_ROOT}/build}"
PG_STATE_DIR="${REPO_ROOT}/.data/pg"
PG_PORT="${EC_PG_PORT:-54329}"
DB_NAME="enterprise_catalog"
SAMPLE_FILE="${REPO_ROOT}/deploy/sample/sample-data.json"
SERVER="${BUILD_DIR}/server/enterprise-catalog"
CLIENT="${BUILD_DIR}/client/catalogctl"

log() { printf '[run] %s\n' "$*" >&2; }

bash "${SCRIPTS}/install-deps.sh"
bash "${SCRIPTS}/build.sh"

[[ -x "${SERVER}" ]] || {
  log "error: ${SERVER} was not built"
  exit 1
}

if [[ -n "${ENTERPRISE_CATALOG_DATABASE_URL:-}" ]]; then
  log "using ENTERPRISE_CATALOG_DATABASE_URL from the environment; not starting a local cluster"
else
  log "starting local PostgreSQL (state ${PG_STATE_DIR}, port ${PG_PORT})"
  bash "${SCRIPTS}/pg-cluster.sh" start "${PG_STATE_DIR}" --port "${PG_PORT}" >/dev/null
  bash "${SCRIPTS}/pg-cluster.sh" createdb "${PG_STATE_DIR}" "${DB_NAME}"
  ENTERPRISE_CATALOG_DATABASE_URL="$(bash "${SCRIPTS}/pg-cluster.sh" dsn "${PG_STATE_DIR}" "${DB_NAME}")"
fi
export ENTERPRISE_CATALOG_DATABASE_URL
export ENTERPRISE_CATALOG_GRPC_ADDRESS="${ENTERPRISE_CATALOG_GRPC_ADDRESS:-127.0.0.1:50051}"
log "ENTERPRISE_CATALOG_DATABASE_URL=${ENTERPRISE_CATALOG_DATABASE_URL}"
log "ENTERPRISE_CATALOG_GRPC_ADDRESS=${ENTERPRISE_CATALOG_GRPC_ADDRESS}"

log "running: ${SERVER} migrate"
"${SERVER}" migrate

if [[ -f "${SAMPLE_FILE}" ]]; then
  log "running: ${SERVER} import --file ${SAMPLE_FILE}"
  "${SERVER}" import --file "${SAMPLE_FILE}"
else
  log "warning: ${SAMPLE_FILE} not found; skipping sample import"
fi

# First catalog uuid in the sample data, for the example below.
# The first sample catalog and its enterprise, for the examples below.
read -r catalog_uuid enterprise_uuid < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["catalogs"][0]
print(c["uuid"], c["enterprise_uuid"])' "${SAMPLE_FILE}")

addr="${ENTERPRISE_CATALOG_GRPC_ADDRESS}"
cat >&2 <<EOT

==============================================================================
 enterprise-catalog is starting on ${addr}

 Call it from another terminal (catalogctl takes the RPC's request as JSON):
   ${CLIENT} --address ${addr} ListCatalogs '{}'
   ${CLIENT} --address ${addr} ContainsContentItems \
     '{"catalog_uuid":"${catalog_uuid}","content_keys":["edX+DemoX","course-v1:edX+DemoX+1T2026"]}'
   ${CLIENT} --address ${addr} CustomerContainsContentItems \
     '{"enterprise_uuid":"${enterprise_uuid}","content_keys":["HarvardX+CS50P"]}'
   ${CLIENT} --address ${addr} GetCatalogMetadata '{"catalog_uuid":"${catalog_uuid}","page_size":5}'
 More (and grpcurl equivalents) in README.md.

 Stop the server with Ctrl-C.
 The database keeps running; stop it with:
   scripts/pg-cluster.sh stop .data/pg
==============================================================================

EOT

log "running: ${SERVER} serve"
exec "${SERVER}" serve
