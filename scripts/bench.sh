#!/usr/bin/env bash
# Builds the project and runs the ec_bench benchmark against a throwaway,
# durable (fsync on, the default) PostgreSQL 15 cluster, destroyed on exit.
# Not part of the test command. See docs/benchmarks.md.
#
#   scripts/bench.sh [read|crawl|auth|index|h2load] [flags...]   (default: read --repeat 3)
#
# read:   ec_bench, the read RPC paths.
# crawl:  ec_crawl_bench, the refresh worker crawling the discovery stand-in.
# auth:   ec_auth_bench, caller token verification (no database).
# index:  ec_index_bench, the membership index loaded at 2 million rows.
# h2load: the whole service under h2load beside the bare servers of
#         ../shared/perf (scripts/h2load-bench.sh; its flags).
#
# The markdown table of medians goes to stdout; build output, cluster logs,
# progress and per-run tables go to stderr.
#
# Env: BUILD_DIR (default <repo>/build), plus those of scripts/build.sh and
#      scripts/pg-cluster.sh.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BUILD_DIR="${BUILD_DIR:-${REPO_ROOT}/build}"
export BUILD_DIR

log() { printf '[bench] %s\n' "$*" >&2; }

"${REPO_ROOT}/scripts/build.sh"

if [[ "${1:-}" == "h2load" ]]; then
  shift
  exec bash "${REPO_ROOT}/scripts/h2load-bench.sh" "$@"
fi

if [[ "${1:-}" == "auth" ]]; then
  log "running: ${BUILD_DIR}/tests/bench/ec_auth_bench"
  exec "${BUILD_DIR}/tests/bench/ec_auth_bench"
fi

STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ec-bench-pg.XXXXXXXX")"
cleanup() {
  log "destroying the cluster in ${STATE_DIR}"
  bash "${REPO_ROOT}/scripts/pg-cluster.sh" destroy "${STATE_DIR}" >&2 || true
  rm -rf -- "${STATE_DIR}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting a throwaway durable cluster in ${STATE_DIR}"
DSN="$(bash "${REPO_ROOT}/scripts/pg-cluster.sh" start "${STATE_DIR}")"

bench="ec_bench"
case "${1:-}" in
  read) shift ;;
  crawl) bench="ec_crawl_bench"; shift ;;
  index) bench="ec_index_bench"; shift ;;
esac
args=("$@")
[[ ${#args[@]} -gt 0 || "${bench}" == ec_index_bench ]] || args=(--repeat 3)
log "running: ${BUILD_DIR}/tests/bench/${bench} ${args[*]}"
EC_TEST_PG_DSN="${DSN}" "${BUILD_DIR}/tests/bench/${bench}" "${args[@]}"
