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
catalog_uuid="<catalog-uuid>"
if [[ -f "${SAMPLE_FILE}" ]] && command -v python3 >/dev/null 2>&1; then
  catalog_uuid="$(
    python3 - "${SAMPLE_FILE}" <<'PY' 2>/dev/null || true
import json, sys

def find(node):
    if isinstance(node, dict):
        for key in ("catalog_uuid", "uuid"):
            if isinstance(node.get(key), str):
                return node[key]
        for key in ("catalogs", "enterprise_catalogs"):
            if key in node:
                found = find(node[key])
                if found:
                    return found
        for value in node.values():
            found = find(value)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = find(value)
            if found:
                return found
    return None

with open(sys.argv[1]) as f:
    print(find(json.load(f)) or "")
PY
  )"
  [[ -n "${catalog_uuid}" ]] || catalog_uuid="<catalog-uuid>"
fi

addr="${ENTERPRISE_CATALOG_GRPC_ADDRESS}"
cat >&2 <<EOT

==============================================================================
 enterprise-catalog is starting on ${addr}

 Call it from another terminal:
   ${CLIENT} --address ${addr} ListCatalogs '{}'
   ${CLIENT} --address ${addr} ContainsContentItems '{"catalog_uuid":"${catalog_uuid}","content_keys":["edX+DemoX"]}'

 Stop the server with Ctrl-C.
 The database keeps running; stop it with:
   scripts/pg-cluster.sh stop .data/pg
==============================================================================

EOT

log "running: ${SERVER} serve"
exec "${SERVER}" serve
