#!/usr/bin/env bash
# Quickstart: installs dependencies, builds, starts a local PostgreSQL 15
# cluster (state in <repo>/.data/pg, durable settings), creates database
# enterprise_catalog, migrates it, starts the course-discovery stand-in with
# generated sample data, creates the sample catalogs and runs the gRPC server
# and the refresh workers (`enterprise-catalog all`) in the foreground. The
# workers fill the catalogs from the stand-in within seconds.
#
# Env:
#   EC_PG_PORT                        local cluster port (default 54329)
#   EC_DISCOVERY_PORT                 stand-in port (default 18381); its
#                                     dataset flags are in
#                                     deploy/sample/quickstart-discovery-stub.flags
#   ENTERPRISE_CATALOG_DISCOVERY_URL  if set (with ENTERPRISE_CATALOG_OAUTH_*),
#                                     that discovery is used and no stand-in
#                                     is started
#   ENTERPRISE_CATALOG_GRPC_ADDRESS   listen address (default 127.0.0.1:50051)
#   ENTERPRISE_CATALOG_METRICS_ADDRESS  /metrics, /healthz, /readyz
#                                     (default 127.0.0.1:9464)
#   ENTERPRISE_CATALOG_DATABASE_URL   if set, used as is and no local cluster
#                                     is started
#   BUILD_DIR                         build directory (default <repo>/build)
#   ENTERPRISE_CATALOG_AUTH_DISABLED  true: no tokens needed (development
#                                     only); by default the quickstart runs
#                                     with authentication on, a development
#                                     HS256 secret kept in .data/, and prints
#                                     ready-made tokens
#
# The gRPC port is plaintext (ENTERPRISE_CATALOG_PLAINTEXT=true) because it
# listens on loopback; see docs/security.md "TLS" for certificates. README.md
# and docs/operations.md describe the quickstart; docs/api.md has examples
# against exactly the data it creates.
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
SAMPLE_FILE="${REPO_ROOT}/deploy/sample/quickstart-catalogs.json"
SERVER="${BUILD_DIR}/app/enterprise-catalog"
STUB="${BUILD_DIR}/tools/discovery_stub/discovery-stub"
# The stand-in's dataset, shared with the test of docs/api.md's examples.
STUB_FLAGS_FILE="${REPO_ROOT}/deploy/sample/quickstart-discovery-stub.flags"
DISCOVERY_PORT="${EC_DISCOVERY_PORT:-18381}"
DATA_DIR="${REPO_ROOT}/.data"
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
export ENTERPRISE_CATALOG_METRICS_ADDRESS="${ENTERPRISE_CATALOG_METRICS_ADDRESS:-127.0.0.1:9464}"
log "ENTERPRISE_CATALOG_DATABASE_URL=${ENTERPRISE_CATALOG_DATABASE_URL}"
log "ENTERPRISE_CATALOG_GRPC_ADDRESS=${ENTERPRISE_CATALOG_GRPC_ADDRESS}"
log "ENTERPRISE_CATALOG_METRICS_ADDRESS=${ENTERPRISE_CATALOG_METRICS_ADDRESS}"

stub_pid=""
# A content key for the examples printed below: one the stand-in's dataset
# has (docs/api.md lists more), or a placeholder with another discovery.
example_key="<a content_key from GetCatalogMetadata>"
cleanup() {
  if [[ -n "${stub_pid}" ]]; then kill "${stub_pid}" 2>/dev/null || true; fi
}
trap cleanup EXIT

if [[ -n "${ENTERPRISE_CATALOG_DISCOVERY_URL:-}" ]]; then
  log "using ENTERPRISE_CATALOG_DISCOVERY_URL from the environment; not starting the stand-in"
else
  [[ -x "${STUB}" ]] || {
    log "error: ${STUB} was not built"
    exit 1
  }
  mkdir -p "${DATA_DIR}"
  log "starting the discovery stand-in on 127.0.0.1:${DISCOVERY_PORT} (log ${DATA_DIR}/discovery-stub.log)"
  # About 1,000 generated documents of 5-25 KB (see the flags file).
  read -r -a stub_flags <<<"$(grep -v '^[[:space:]]*#' "${STUB_FLAGS_FILE}" | tr '\n' ' ')"
  log "stand-in dataset: ${stub_flags[*]} (${STUB_FLAGS_FILE})"
  "${STUB}" --host 127.0.0.1 --port "${DISCOVERY_PORT}" "${stub_flags[@]}" \
    >"${DATA_DIR}/discovery-stub.out" 2>"${DATA_DIR}/discovery-stub.log" &
  stub_pid=$!
  example_key="course-v1:HarvardX+DB4522x+2T2026"
  for _ in $(seq 1 100); do
    grep -q listening "${DATA_DIR}/discovery-stub.out" 2>/dev/null && break
    kill -0 "${stub_pid}" 2>/dev/null || {
      log "error: the discovery stand-in exited; see ${DATA_DIR}/discovery-stub.log"
      exit 1
    }
    sleep 0.1
  done
  export ENTERPRISE_CATALOG_DISCOVERY_URL="http://127.0.0.1:${DISCOVERY_PORT}/api/v1/"
  export ENTERPRISE_CATALOG_OAUTH_URL="http://127.0.0.1:${DISCOVERY_PORT}"
  # The stand-in's default client credentials.
  export ENTERPRISE_CATALOG_OAUTH_CLIENT_ID="enterprise-catalog-worker"
  export ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET="enterprise-catalog-secret"
fi
log "ENTERPRISE_CATALOG_DISCOVERY_URL=${ENTERPRISE_CATALOG_DISCOVERY_URL}"

# Authentication: a development secret, created once and kept with the data,
# so tokens minted earlier stay valid across restarts.
export ENTERPRISE_CATALOG_PLAINTEXT=true
# On a developer's machine every RefreshCatalog crawls the stand-in; in
# production a repeat within 60 s of a successful crawl gets that job.
export ENTERPRISE_CATALOG_REFRESH_MIN_REQUEST_INTERVAL_SECONDS="${ENTERPRISE_CATALOG_REFRESH_MIN_REQUEST_INTERVAL_SECONDS:-0}"
mkdir -p "${DATA_DIR}"
if [[ ! -s "${DATA_DIR}/dev-jwt-secret" ]]; then
  (umask 077 && openssl rand -hex 32 >"${DATA_DIR}/dev-jwt-secret")
  (umask 077 && openssl rand -hex 32 >"${DATA_DIR}/dev-page-token-secret")
fi
ENTERPRISE_CATALOG_JWT_SECRET="$(cat "${DATA_DIR}/dev-jwt-secret")"
ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET="$(cat "${DATA_DIR}/dev-page-token-secret")"
export ENTERPRISE_CATALOG_JWT_SECRET ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET
export ENTERPRISE_CATALOG_JWT_ISSUER="${ENTERPRISE_CATALOG_JWT_ISSUER:-http://localhost:18000/oauth2}"
export ENTERPRISE_CATALOG_JWT_AUDIENCE="${ENTERPRISE_CATALOG_JWT_AUDIENCE:-enterprise-catalog}"

log "running: ${SERVER} migrate"
"${SERVER}" migrate

if [[ -f "${SAMPLE_FILE}" ]]; then
  log "running: ${SERVER} import --file ${SAMPLE_FILE}"
  "${SERVER}" import --file "${SAMPLE_FILE}"
else
  log "warning: ${SAMPLE_FILE} not found; skipping sample import"
fi

# The first sample catalog and its enterprise, for the examples below.
read -r catalog_uuid enterprise_uuid < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["catalogs"][0]
print(c["uuid"], c["enterprise_uuid"])' "${SAMPLE_FILE}")

# Development tokens (12 h): an operator, and an admin of the first
# enterprise only.
(umask 077 && "${SERVER}" mint-token --subject quickstart-operator \
  --roles 'enterprise_openedx_operator:*' --ttl-seconds 43200 \
  >"${DATA_DIR}/operator.token")
(umask 077 && "${SERVER}" mint-token --subject quickstart-admin \
  --roles "enterprise_catalog_admin:${enterprise_uuid}" --ttl-seconds 43200 \
  >"${DATA_DIR}/admin.token")

addr="${ENTERPRISE_CATALOG_GRPC_ADDRESS}"
cat >&2 <<EOT

==============================================================================
 enterprise-catalog is starting on ${addr}

 Every call needs a token. Development tokens (12 h) are in .data/:
   operator.token  enterprise_openedx_operator:*  (everything)
   admin.token     enterprise_catalog_admin:${enterprise_uuid}
 Mint others with: ENTERPRISE_CATALOG_JWT_SECRET=\$(cat .data/dev-jwt-secret) \\
   ${SERVER} mint-token --roles 'enterprise_learner:<uuid>' \\
   --jwt-issuer ${ENTERPRISE_CATALOG_JWT_ISSUER} --jwt-audience ${ENTERPRISE_CATALOG_JWT_AUDIENCE}

 Call it from another terminal (catalogctl takes the RPC's request as JSON):
   export ENTERPRISE_CATALOG_TOKEN=\$(cat .data/operator.token)
   ${CLIENT} --address ${addr} ListCatalogs '{}'
   ${CLIENT} --address ${addr} GetCatalogMetadata '{"catalog_uuid":"${catalog_uuid}","page_size":2}'
   ${CLIENT} --address ${addr} RefreshCatalog '{"catalog_uuid":"${catalog_uuid}"}'
   ${CLIENT} --address ${addr} GetRefreshJob '{"job_uuid":"<uuid from RefreshCatalog>"}'
   ${CLIENT} --address ${addr} --token-file .data/admin.token CustomerContainsContentItems \\
     '{"enterprise_uuid":"${enterprise_uuid}","content_keys":["${example_key}"]}'
 With grpcurl (reflection is on; no .proto files needed):
   grpcurl -plaintext -H "authorization: JWT \$(cat .data/operator.token)" \\
     -d '{"uuid":"${catalog_uuid}"}' ${addr} \\
     enterprise_catalog.v1.EnterpriseCatalogService/GetCatalog
 Metrics and probes:
   curl -s http://${ENTERPRISE_CATALOG_METRICS_ADDRESS}/metrics | grep enterprise_catalog_data
   curl -s http://${ENTERPRISE_CATALOG_METRICS_ADDRESS}/readyz
 The workers crawl the stand-in right after start: content_count in
 ListCatalogs goes from 0 to the crawled count within seconds.
 docs/api.md has an example of every RPC against this data (catalogctl and
 grpcurl), with the answer each gives.

 Stop the server, the workers and the stand-in with Ctrl-C.
 The database keeps running; stop it with:
   scripts/pg-cluster.sh stop .data/pg
==============================================================================

EOT

log "running: ${SERVER} all"
"${SERVER}" all
