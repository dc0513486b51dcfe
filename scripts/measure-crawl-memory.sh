#!/usr/bin/env bash
# Measures a worker's peak memory on one large crawl (issue 14, defect 6):
# a throwaway cluster, the discovery stand-in serving a generated catalog,
# one catalog with the filter {} (everything the stand-in serves), and one
# `enterprise-catalog work` process with one refresh thread and no other
# work. Prints the crawl's end line and the worker's peak RSS (VmHWM).
#
#   scripts/measure-crawl-memory.sh [STAND-IN FLAGS...]
#
# Default stand-in flags: --courses 5000 --runs 12000 --programs 500
# --pathways 50 --persons 200 (the stand-in's README example, about a full
# catalog). The worker's settings come from the environment as usual, e.g.
# ENTERPRISE_CATALOG_DISCOVERY_CRAWL_MAX_MB=64 to see the budget refuse it.
# Needs a build (BUILD_DIR, default build/) with enterprise-catalog and
# discovery-stub. Not part of the test command: it takes minutes.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BUILD_DIR="${BUILD_DIR:-${REPO_ROOT}/build}"
BINARY="${BUILD_DIR}/app/enterprise-catalog"
STUB="${BUILD_DIR}/tools/discovery_stub/discovery-stub"
if [[ $# -eq 0 ]]; then
  set -- --courses 5000 --runs 12000 --programs 500 --pathways 50 --persons 200
fi

work_dir="$(mktemp -d)"
stub_pid="" worker_pid=""
cleanup() {
  [[ -n "${worker_pid}" ]] && kill "${worker_pid}" 2>/dev/null || true
  [[ -n "${stub_pid}" ]] && kill "${stub_pid}" 2>/dev/null || true
  bash "${REPO_ROOT}/scripts/pg-cluster.sh" destroy "${work_dir}/pg" \
    >/dev/null 2>&1 || true
  rm -rf "${work_dir}"
}
trap cleanup EXIT
log() { printf '[crawl-memory] %s\n' "$*" >&2; }

bash "${REPO_ROOT}/scripts/pg-cluster.sh" start "${work_dir}/pg" --fast \
  >/dev/null
bash "${REPO_ROOT}/scripts/pg-cluster.sh" createdb "${work_dir}/pg" ec
export ENTERPRISE_CATALOG_DATABASE_URL
ENTERPRISE_CATALOG_DATABASE_URL="$(bash "${REPO_ROOT}/scripts/pg-cluster.sh" \
  dsn "${work_dir}/pg" ec)"

"${STUB}" --host 127.0.0.1 --port 0 "$@" >"${work_dir}/stub.out" \
  2>"${work_dir}/stub.log" &
stub_pid=$!
for _ in $(seq 1 600); do
  grep -q listening "${work_dir}/stub.out" 2>/dev/null && break
  sleep 0.1
done
port="$(grep -oE '127\.0\.0\.1:[0-9]+' "${work_dir}/stub.out" | head -1 |
  cut -d: -f2)"
[[ -n "${port}" ]] || {
  log "the stand-in did not start: $(cat "${work_dir}/stub.log")"
  exit 1
}
export ENTERPRISE_CATALOG_DISCOVERY_URL="http://127.0.0.1:${port}/api/v1/"
export ENTERPRISE_CATALOG_OAUTH_URL="http://127.0.0.1:${port}"
export ENTERPRISE_CATALOG_OAUTH_CLIENT_ID="enterprise-catalog-worker"
export ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET="enterprise-catalog-secret"
# One refresh thread: the peak is one crawl's. The full-metadata pass that
# follows a crawl runs after it on that thread; the peak is read at the
# crawl's end line, before that pass has fetched much.
export ENTERPRISE_CATALOG_REFRESH_THREADS=1

"${BINARY}" migrate >/dev/null
cat >"${work_dir}/catalogs.json" <<'EOT'
{"catalogs": [{"uuid": "9d1c6f7e-0b3a-4c5d-8e9f-a1b2c3d4e5f6",
  "title": "Everything", "enterprise_uuid": "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a99",
  "enterprise_name": "Measure", "content_filter": {}}]}
EOT
"${BINARY}" import --file "${work_dir}/catalogs.json" >/dev/null

log "stand-in: $*"
"${BINARY}" work >"${work_dir}/worker.log" 2>&1 &
worker_pid=$!
started=${SECONDS}
line=""
while kill -0 "${worker_pid}" 2>/dev/null; do
  line="$(grep -E '"crawl end' "${work_dir}/worker.log" | head -1 || true)"
  [[ -n "${line}" ]] && break
  sleep 1
done
peak="$(awk '/^VmHWM/ {print $2, $3}' "/proc/${worker_pid}/status" 2>/dev/null ||
  echo "?")"
[[ -n "${line}" ]] || {
  log "the worker ended without a crawl end line; its log:"
  tail -20 "${work_dir}/worker.log" >&2
  exit 1
}
echo "${line}"
echo "worker peak RSS (VmHWM): ${peak}; crawl wall time $((SECONDS - started)) s"
