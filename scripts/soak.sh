#!/usr/bin/env bash
# The soak of issue 14: drives `enterprise-catalog all` (server and refresh
# workers in one process) at a share of its measured maximum for a long run
# with a mix of RPCs while the workers keep refreshing, and checks for zero
# errors, flat memory and the latency it held. Not part of the test command;
# docs/reliability.md ("Soak") has the figures of a run.
#
#   scripts/soak.sh
#   SOAK_SECONDS=60 BUILD_DIR=build-h5 scripts/soak.sh
#
# It starts, all throwaway and destroyed on exit:
#   - a PostgreSQL 15 cluster (scripts/pg-cluster.sh start --fast);
#   - the discovery stand-in with the quickstart's dataset
#     (deploy/sample/quickstart-discovery-stub.flags);
#   - `enterprise-catalog all` on free loopback ports, authentication on, the
#     catalogs of deploy/sample/quickstart-catalogs.json, and refresh settings
#     that re-crawl every query about once a minute (the shortest max age the
#     configuration allows), so crawls and applies run all through the soak.
# Then tests/bench/ec_soak_driver (tests/bench/soak_driver.cc):
#   1. measures the maximum: closed loop, MAX_THREADS client threads,
#      MAX_SECONDS, the same mix as the soak;
#   2. soaks: open loop at SOAK_PERCENT % of that rate for SOAK_SECONDS,
#      latency counted from each call's due time, the server's VmRSS sampled
#      every SOAK_SAMPLE_SECONDS.
# It prints the driver's tables, the refresh jobs that finished during the
# soak (the refresh_job table and the enterprise_catalog_refresh_jobs_total
# counter), the load average at start and end, and exits non-zero if any call
# failed or answered wrongly.
#
# Env:
#   BUILD_DIR            build directory (default <repo>/build); needs the
#                        targets enterprise-catalog, discovery-stub and
#                        ec_soak_driver (scripts/build.sh builds them all)
#   SOAK_SECONDS         length of the soak (default 600)
#   SOAK_PERCENT         share of the measured maximum (default 80)
#   SOAK_RATE            calls/s to soak at; skips the maximum run
#   SOAK_CONCURRENCY     most calls in flight during the soak (default 64)
#   SOAK_SAMPLE_SECONDS  interval of the progress lines and RSS (default 10)
#   SOAK_REFRESH_EVERY_SECONDS  a RefreshCatalog this often, the catalogs in
#                        turn (default 45: rare enough that the scheduler
#                        still re-crawls each query when it is a minute old)
#   MAX_SECONDS          length of the maximum run (default 25)
#   MAX_THREADS          client threads of the maximum run (default 4)
#   SOAK_REFRESH_MAX_AGE_SECONDS  ENTERPRISE_CATALOG_REFRESH_MAX_AGE_SECONDS
#                        of the server (default 60, the least allowed)
#   SOAK_KEEP            1: keep the temporary directory (logs, report)
#   ENTERPRISE_CATALOG_* other server settings pass through (e.g.
#                        ENTERPRISE_CATALOG_DB_POOL_SIZE)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SCRIPTS="${REPO_ROOT}/scripts"
BUILD_DIR="${BUILD_DIR:-${REPO_ROOT}/build}"
[[ "${BUILD_DIR}" == /* ]] || BUILD_DIR="${REPO_ROOT}/${BUILD_DIR}"
SERVER="${BUILD_DIR}/app/enterprise-catalog"
STUB="${BUILD_DIR}/tools/discovery_stub/discovery-stub"
DRIVER="${BUILD_DIR}/tests/bench/ec_soak_driver"
STUB_FLAGS_FILE="${REPO_ROOT}/deploy/sample/quickstart-discovery-stub.flags"
SAMPLE_FILE="${REPO_ROOT}/deploy/sample/quickstart-catalogs.json"
SOAK_SECONDS="${SOAK_SECONDS:-600}"
SOAK_PERCENT="${SOAK_PERCENT:-80}"
SOAK_CONCURRENCY="${SOAK_CONCURRENCY:-64}"
SOAK_SAMPLE_SECONDS="${SOAK_SAMPLE_SECONDS:-10}"
SOAK_REFRESH_EVERY_SECONDS="${SOAK_REFRESH_EVERY_SECONDS:-45}"
MAX_SECONDS="${MAX_SECONDS:-25}"
MAX_THREADS="${MAX_THREADS:-4}"
DB_NAME="enterprise_catalog"

log() { printf '[soak] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}

for bin in "${SERVER}" "${STUB}" "${DRIVER}"; do
  [[ -x "${bin}" ]] || die "${bin} is not built (ninja -C ${BUILD_DIR} enterprise-catalog discovery-stub ec_soak_driver)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ec-soak.XXXXXXXX")"
PG_STATE="${WORK}/pg"
stub_pid=""
server_pid=""
cleanup() {
  local status=$?
  if [[ -n "${server_pid}" ]] && kill -0 "${server_pid}" 2>/dev/null; then
    kill -TERM "${server_pid}" 2>/dev/null || true
    wait "${server_pid}" 2>/dev/null || true
  fi
  if [[ -n "${stub_pid}" ]]; then
    kill "${stub_pid}" 2>/dev/null || true
    wait "${stub_pid}" 2>/dev/null || true
  fi
  bash "${SCRIPTS}/pg-cluster.sh" destroy "${PG_STATE}" >/dev/null 2>&1 || true
  if [[ "${SOAK_KEEP:-0}" == 1 ]]; then
    log "kept ${WORK}"
  else
    rm -rf -- "${WORK}"
  fi
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free loopback ports (free_port), so a soak runs beside a quickstart or
# another soak, and the service's settings.
source "${SCRIPTS}/lib/local-service.sh"

LOAD_START="$(uptime)"
DATE_START="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "${REPO_ROOT}" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY=""
if [[ -n "$(git -C "${REPO_ROOT}" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  DIRTY=" (working tree with uncommitted changes)"
fi
log "work dir ${WORK}; commit ${COMMIT}${DIRTY}; ${LOAD_START}"

# --- PostgreSQL ---------------------------------------------------------------
log "starting a throwaway cluster"
bash "${SCRIPTS}/pg-cluster.sh" start "${PG_STATE}" --fast >/dev/null
bash "${SCRIPTS}/pg-cluster.sh" createdb "${PG_STATE}" "${DB_NAME}"
ENTERPRISE_CATALOG_DATABASE_URL="$(bash "${SCRIPTS}/pg-cluster.sh" dsn "${PG_STATE}" "${DB_NAME}")"
export ENTERPRISE_CATALOG_DATABASE_URL
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "${ENTERPRISE_CATALOG_DATABASE_URL}" -c "$1"; }

# --- The discovery stand-in ---------------------------------------------------
DISCOVERY_PORT="$(free_port)"
read -r -a stub_flags <<<"$(grep -v '^[[:space:]]*#' "${STUB_FLAGS_FILE}" | tr '\n' ' ')"
log "starting the discovery stand-in on 127.0.0.1:${DISCOVERY_PORT}: ${stub_flags[*]}"
"${STUB}" --host 127.0.0.1 --port "${DISCOVERY_PORT}" "${stub_flags[@]}" \
  >"${WORK}/discovery-stub.out" 2>"${WORK}/discovery-stub.log" &
stub_pid=$!
for _ in $(seq 1 100); do
  grep -q listening "${WORK}/discovery-stub.out" 2>/dev/null && break
  kill -0 "${stub_pid}" 2>/dev/null || die "the stand-in exited; see ${WORK}/discovery-stub.log"
  sleep 0.1
done
grep -q listening "${WORK}/discovery-stub.out" || die "the stand-in did not start"

# --- The server and workers ---------------------------------------------------
export_local_service_env "${DISCOVERY_PORT}"
# Every query is re-crawled once its data is a minute old, and the scheduler
# looks every 5 s, so crawls and applies overlap the calls all the time; the
# soak's RefreshCatalog calls crawl at once instead of joining the last job.
export ENTERPRISE_CATALOG_REFRESH_MAX_AGE_SECONDS="${SOAK_REFRESH_MAX_AGE_SECONDS:-60}"
export ENTERPRISE_CATALOG_REFRESH_SCHEDULE_INTERVAL_SECONDS="${ENTERPRISE_CATALOG_REFRESH_SCHEDULE_INTERVAL_SECONDS:-5}"
export ENTERPRISE_CATALOG_REFRESH_MIN_REQUEST_INTERVAL_SECONDS="${ENTERPRISE_CATALOG_REFRESH_MIN_REQUEST_INTERVAL_SECONDS:-0}"

"${SERVER}" migrate >"${WORK}/migrate.log" 2>&1 || die "migrate failed; see ${WORK}/migrate.log"
"${SERVER}" import --file "${SAMPLE_FILE}" >"${WORK}/import.log" 2>&1 ||
  die "import failed; see ${WORK}/import.log"
TOKEN_FILE="${WORK}/operator.token"
(umask 077 && "${SERVER}" mint-token --subject soak-operator \
  --roles 'enterprise_openedx_operator:*' \
  --ttl-seconds "$((SOAK_SECONDS + MAX_SECONDS + 3600))" >"${TOKEN_FILE}")

log "starting ${SERVER} all on ${ENTERPRISE_CATALOG_GRPC_ADDRESS} (metrics ${ENTERPRISE_CATALOG_METRICS_ADDRESS}; log ${WORK}/server.log)"
"${SERVER}" all >"${WORK}/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "http://${ENTERPRISE_CATALOG_METRICS_ADDRESS}/readyz" >/dev/null 2>&1 && break
  kill -0 "${server_pid}" 2>/dev/null || die "the server exited; see ${WORK}/server.log"
  sleep 0.1
done
curl -fsS "http://${ENTERPRISE_CATALOG_METRICS_ADDRESS}/readyz" >/dev/null ||
  die "the server is not ready; see ${WORK}/server.log"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/${server_pid}/status" 2>/dev/null || echo '?'; }
rss_ready="$(rss_kb)"

job_outcomes() {
  curl -fsS "http://${ENTERPRISE_CATALOG_METRICS_ADDRESS}/metrics" |
    grep '^enterprise_catalog_refresh_jobs_total{' || true
}
# The value of the counter for one outcome, 0 if absent.
outcome_count() {
  awk -v want="outcome=\"$2\"" 'index($0, want) { print $NF; found = 1 } END { if (!found) print 0 }' <<<"$1"
}
# A key=value figure from the driver's output file $1.
figure() { grep -o "\b$2=[^ ]*" "$1" | head -n 1 | cut -d= -f2; }

# --- 1. The maximum -----------------------------------------------------------
# The driver waits until every catalog has content before it measures.
driver_common=(--address "${ENTERPRISE_CATALOG_GRPC_ADDRESS}" --token-file "${TOKEN_FILE}"
  --refresh-every-seconds "${SOAK_REFRESH_EVERY_SECONDS}")
max_rate=""
if [[ -n "${SOAK_RATE:-}" ]]; then
  target="${SOAK_RATE}"
  log "SOAK_RATE=${SOAK_RATE}: no maximum run"
else
  log "measuring the maximum: ${MAX_THREADS} threads, closed loop, ${MAX_SECONDS} s"
  "${DRIVER}" --mode max "${driver_common[@]}" --threads "${MAX_THREADS}" \
    --seconds "${MAX_SECONDS}" >"${WORK}/max.md" || {
    cat "${WORK}/max.md"
    SOAK_KEEP=1
    die "the maximum run failed (see above and ${WORK}/server.log)"
  }
  max_rate="$(figure "${WORK}/max.md" max_calls_per_s)"
  target="$(awk -v m="${max_rate}" -v p="${SOAK_PERCENT}" 'BEGIN { printf "%.1f", m * p / 100 }')"
  log "maximum ${max_rate} calls/s; soaking at ${SOAK_PERCENT} %: ${target} calls/s"
fi
rss_before_soak="$(rss_kb)"

# --- 2. The soak --------------------------------------------------------------
outcomes_start="$(job_outcomes)"
LOAD_SOAK_START="$(uptime)"
log "soaking: ${target} calls/s for ${SOAK_SECONDS} s; ${LOAD_SOAK_START}"
soak_status=0
"${DRIVER}" --mode soak "${driver_common[@]}" --rate "${target}" \
  --seconds "${SOAK_SECONDS}" --concurrency "${SOAK_CONCURRENCY}" \
  --sample-seconds "${SOAK_SAMPLE_SECONDS}" --server-pid "${server_pid}" \
  >"${WORK}/soak.md" || soak_status=$?
LOAD_END="$(uptime)"
outcomes_end="$(job_outcomes)"
if ! kill -0 "${server_pid}" 2>/dev/null; then
  soak_status=1
  log "the server died during the soak"
fi
t0="$(figure "${WORK}/soak.md" soak_t0_unix)"
t1="$(awk -v a="${t0:-0}" -v b="$(figure "${WORK}/soak.md" soak_seconds)" 'BEGIN { printf "%.3f", a + b }')"
[[ -n "${t0}" ]] || die "the soak run printed no figures; see ${WORK}/soak.md"

# --- 3. The report ------------------------------------------------------------
# Refresh jobs that finished within the soak, each with its offset from the
# soak's start, so latency spikes can be set beside crawls and applies.
jobs_table() {
  echo "| kind | reason | state | started at s | finished at s | ms | items seen | members after |"
  echo "|---|---|---|--:|--:|--:|--:|--:|"
  sql "SELECT kind, reason, state,
         round((extract(epoch FROM started) - ${t0})::numeric, 1),
         round((extract(epoch FROM finished) - ${t0})::numeric, 1),
         duration_ms, items_seen, members_after
       FROM refresh_job
       WHERE finished BETWEEN to_timestamp(${t0}) AND to_timestamp(${t1})
       ORDER BY finished" |
    awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
}
jobs_summary() {
  sql "SELECT count(*) FILTER (WHERE state = 'succeeded'),
              count(*) FILTER (WHERE state = 'succeeded' AND kind = 'crawl'),
              count(*) FILTER (WHERE state = 'succeeded' AND kind = 'full'),
              count(*) FILTER (WHERE state <> 'succeeded')
       FROM refresh_job
       WHERE finished BETWEEN to_timestamp(${t0}) AND to_timestamp(${t1})" |
    awk -F'|' '{ printf "%s succeeded (%s crawls, %s full-metadata passes), %s not succeeded", $1, $2, $3, $4 }'
}
# The server's own duration of each call (from the RPC thread queue to the
# answer; common/log.h writes one JSON line per call), within the soak:
# beside the driver's figures it tells queueing in the driver from time in
# the server.
server_durations() {
  python3 - "${WORK}/server.log" "${t0}" "${t1}" <<'PY'
import collections, datetime, json, math, sys
path, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
by_method = collections.defaultdict(list)
for line in open(path, encoding="utf-8", errors="replace"):
    if '"msg":"rpc"' not in line:
        continue
    try:
        o = json.loads(line)
    except ValueError:
        continue
    ts = datetime.datetime.strptime(o["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
    t = ts.replace(tzinfo=datetime.timezone.utc).timestamp()
    if t0 <= t <= t1:
        by_method[o.get("method", "?")].append(float(o.get("duration_ms", 0)))
def pct(v, p):
    return v[max(0, math.ceil(p * len(v)) - 1)] if v else 0.0
print("| method (server side) | calls | p50 ms | p99 ms | max ms |")
print("|---|--:|--:|--:|--:|")
everything = []
for method in sorted(by_method):
    v = sorted(by_method[method])
    everything += v
    print(f"| {method} | {len(v)} | {pct(v, .5):.2f} | {pct(v, .99):.2f} | {v[-1]:.1f} |")
everything.sort()
if everything:
    print(f"| **all** | {len(everything)} | {pct(everything, .5):.2f} | "
          f"{pct(everything, .99):.2f} | {everything[-1]:.1f} |")
PY
}
# The server logs one JSON object per line (common/log.h).
warn_re='"level":"(warn|warning|error|critical)"'
warn_lines="$(grep -c -E "${warn_re}" "${WORK}/server.log" || true)"
jobs_line="$(jobs_summary)"
counter_line=""
for outcome in succeeded held retry failed lease_lost stopped; do
  a="$(outcome_count "${outcomes_start}" "${outcome}")"
  b="$(outcome_count "${outcomes_end}" "${outcome}")"
  counter_line+=" ${outcome} $(awk -v a="${a}" -v b="${b}" 'BEGIN { printf "%d", b - a }'),"
done
S="${WORK}/soak.md"
# Lines of key=value figures are for this script, not for the report.
strip_figures() { grep -v -E '^([a-z0-9_]+=[^ ]* ?)+$' "$1"; }
{
  echo "## Soak, ${DATE_START}"
  echo
  echo "- Commit ${COMMIT}${DIRTY}; build ${BUILD_DIR}; $(nproc) cores, shared with whatever else runs."
  echo "- Load average (1, 5, 15 min) at the start: ${LOAD_START##*load average: };" \
    "at the soak's start: ${LOAD_SOAK_START##*load average: }; at its end: ${LOAD_END##*load average: }."
  echo "- Server: \`enterprise-catalog all\` (RPC threads and 2 refresh threads in one process), refresh max age" \
    "${ENTERPRISE_CATALOG_REFRESH_MAX_AGE_SECONDS} s, scheduler every" \
    "${ENTERPRISE_CATALOG_REFRESH_SCHEDULE_INTERVAL_SECONDS} s, RefreshCatalog every ${SOAK_REFRESH_EVERY_SECONDS} s;" \
    "PostgreSQL 15 --fast; the quickstart's stand-in dataset and catalogs."
  if [[ -n "${max_rate}" ]]; then
    echo "- **Maximum ${max_rate} calls/s** (${MAX_THREADS} threads, closed loop, ${MAX_SECONDS} s);" \
      "**target ${target} calls/s** (${SOAK_PERCENT} %) for ${SOAK_SECONDS} s."
  else
    echo "- **Target ${target} calls/s** (SOAK_RATE) for ${SOAK_SECONDS} s."
  fi
  echo "- **Achieved $(figure "${S}" achieved_calls_per_s) calls/s**, $(figure "${S}" soak_calls) calls," \
    "**$(figure "${S}" soak_errors) errors**; all calls p50 $(figure "${S}" p50_ms) ms," \
    "p99 $(figure "${S}" p99_ms) ms, max $(figure "${S}" max_ms) ms (from each call's due time)."
  echo "- **Server VmRSS: start $(figure "${S}" rss_start_kb) kB, end $(figure "${S}" rss_end_kb) kB," \
    "max $(figure "${S}" rss_max_kb) kB** (sampled every ${SOAK_SAMPLE_SECONDS} s); when the server" \
    "became ready ${rss_ready} kB, after the maximum run ${rss_before_soak} kB."
  echo "- **Refresh jobs finished during the soak: ${jobs_line}**;" \
    "enterprise_catalog_refresh_jobs_total moved by${counter_line%,}."
  echo "- Server log: ${warn_lines} lines at warn or above, of $(wc -l <"${WORK}/server.log")."
  echo
  if [[ -n "${max_rate}" ]]; then
    strip_figures "${WORK}/max.md"
    echo
  fi
  strip_figures "${S}"
  echo
  echo "### The server's own durations during the soak"
  echo
  echo "From its per-call log lines (\`duration_ms\`: from the RPC threads' queue to the answer)."
  echo
  server_durations
  echo
  echo "### Refresh jobs that finished during the soak"
  echo
  jobs_table
  if [[ "${warn_lines}" -gt 0 ]]; then
    echo
    echo "### Server log lines at warn or above, by message"
    echo
    grep -E "${warn_re}" "${WORK}/server.log" |
      python3 -c 'import collections, json, sys
c = collections.Counter()
for line in sys.stdin:
    try:
        o = json.loads(line)
        c[(o.get("level"), o.get("component"), o.get("msg"))] += 1
    except ValueError:
        c[("?", "?", line.strip()[:100])] += 1
for (level, component, msg), n in c.most_common(10):
    print(f"- {n} x {level} {component}: {msg}")' || true
  fi
} | tee "${WORK}/report.md"

if [[ "${soak_status}" -ne 0 ]]; then
  log "FAILED: the soak had errors (driver exit ${soak_status}); logs in ${WORK}"
  SOAK_KEEP=1
  exit 1
fi
log "passed: no errors"
