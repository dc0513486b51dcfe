#!/usr/bin/env bash
# The h2load benchmark: the service's hot RPCs driven by h2load over real
# gRPC on loopback, each load measured against the two bare servers of
# ../shared/perf/baseline at the same concurrency, in one run, interleaved
# (mem, pg, service, mem, pg, service, ...): `contains_mem` answers a
# Contains call from a hash set (gRPC alone: the ceiling), `contains_pg`
# with one prepared PostgreSQL statement (gRPC plus one database round trip:
# the floor of a database-backed service). Only ratios from one run are
# worth quoting on a noisy 2-core machine (docs/benchmarks.md). The bare
# servers answer only Contains; for the page and bulk loads they show what
# gRPC alone and one round trip cost at that concurrency. Not part of the
# test command.
#
#   scripts/bench.sh h2load [-r ROUNDS] [-D SECONDS] [-w SECONDS] [-l LOADS]
#                           [-p DIR]
#
#   -r  rounds (default 3): each round runs every load on the bare servers,
#       then on the service
#   -D  measured seconds per run (default 6)   -w  warm-up seconds (default 1)
#   -l  comma-separated loads to run (default all):
#         contains10      ContainsContentItems, 10 keys (5 members), c=4 m=16
#         contains10-seq  the same, one call at a time, c=1 m=1
#         contains1000    ContainsContentItems, 1,000 keys, c=2 m=2
#         customer10      CustomerContainsContentItems over the enterprise's
#                         22 catalogs, 10 keys, c=4 m=16
#         page100         GetCatalogMetadata, page of 100, c=2 m=2
#         page10          GetCatalogMetadata, page of 10 (about the bytes
#                         of the issue's page of 100 small documents), c=2 m=2
#         bulk50          GetContentMetadata, 50 keys, c=2 m=2
#   -p  profile: during round 1's service run of each load, perf records the
#       whole machine (-a -g, 999 Hz) into DIR/<load>.data and writes
#       DIR/<load>.txt: CPU by process, then the service's and PostgreSQL's
#       hottest symbols (self time) and the service's by library. Needs
#       perf (linux-perf); the figures of a profiled round are a little
#       lower.
#
# It starts, all throwaway and stopped on exit: a PostgreSQL cluster, the
# discovery stand-in with a realistic data set (3,000 courses with 7,000
# runs, 100 programs, 10 learner pathways: about 10,000 documents of
# 5-25 KB), and `enterprise-catalog all`, with one enterprise of 22 catalogs
# (all of partner edx, one per organization, one per content type) and
# another of two; it waits until the workers have crawled every catalog, then measures
# with an operator token (authentication on, as in production).
#
# Prints a markdown table on stdout: per load and side, the medians over the
# rounds of calls/s, p50 and p99 (h2load, from its per-request log), the
# service's CPU per call (its process's user+system time over the run,
# warm-up included, divided by the calls of the run and warm-up), and the
# service's calls/s and p99 as ratios of each bare server's. Progress and
# per-run lines go to stderr.
#
# Env: BUILD_DIR (default <repo>/build); PYTHON (default /usr/bin/python3,
# where Debian's python3-grpc-tools is); PERF_DIR, the bare baselines and
# h2load driver (default <repo>/../shared/perf); PERF_BUILD_DIR, where the
# baseline is built (default ~/.cache/ec-perf-baseline, shared with
# ../shared/perf/compare.sh).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SCRIPTS="${REPO_ROOT}/scripts"
BUILD_DIR="${BUILD_DIR:-${REPO_ROOT}/build}"
PERF_DIR="${PERF_DIR:-${REPO_ROOT}/../shared/perf}"
PERF_BUILD_DIR="${PERF_BUILD_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/ec-perf-baseline}"
# Debian's python3-grpc-tools lives with Debian's interpreter.
PYTHON="${PYTHON:-/usr/bin/python3}"
SERVER="${BUILD_DIR}/app/enterprise-catalog"
STUB="${BUILD_DIR}/tools/discovery_stub/discovery-stub"
ALL_LOADS="contains10,contains10-seq,contains1000,customer10,page100,page10,bulk50"
# The stand-in's data set: thousands of courses with nested runs.
STUB_FLAGS=(--seed 7 --courses 3000 --runs 7000 --programs 100 --pathways 10
  --persons 50)

ROUNDS=3
SECONDS_PER_RUN=6
WARMUP=1
LOADS="${ALL_LOADS}"
PROFILE_DIR=""
usage() {
  sed -n '14,35p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while getopts "r:D:w:l:p:h" opt; do
  case "${opt}" in
    r) ROUNDS="${OPTARG}" ;;
    D) SECONDS_PER_RUN="${OPTARG}" ;;
    w) WARMUP="${OPTARG}" ;;
    l) LOADS="${OPTARG}" ;;
    p) PROFILE_DIR="${OPTARG}" ;;
    *) usage ;;
  esac
done
for v in "${ROUNDS}" "${SECONDS_PER_RUN}" "${WARMUP}"; do
  [[ "${v}" =~ ^[0-9]+$ && "${v}" -gt 0 ]] || usage
done

log() { printf '[h2load-bench] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

for tool in h2load nghttp; do
  command -v "${tool}" >/dev/null ||
    die "${tool} is missing (scripts/install-deps.sh installs nghttp2-client)"
done
[[ -x "${PERF_DIR}/h2grpc.sh" && -d "${PERF_DIR}/baseline" ]] ||
  die "no bare baselines in ${PERF_DIR} (set PERF_DIR)"
for bin in "${SERVER}" "${STUB}"; do
  [[ -x "${bin}" ]] || die "${bin} is not built"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ec-h2load.XXXXXXXX")"
PG_STATE="${WORK}/pg"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  bash "${SCRIPTS}/pg-cluster.sh" destroy "${PG_STATE}" >/dev/null 2>&1 || true
  rm -rf -- "${WORK}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port and export_local_service_env.
source "${SCRIPTS}/lib/local-service.sh"
# Waits up to 30 s for `$2` to answer; dies if process $1 exits first.
wait_for() {
  local pid="$1" check="$2" what="$3"
  for _ in $(seq 1 300); do
    eval "${check}" >/dev/null 2>&1 && return 0
    kill -0 "${pid}" 2>/dev/null || die "${what} exited; see ${WORK}"
    sleep 0.1
  done
  die "${what} did not start"
}

# --- The bare baseline ------------------------------------------------------
log "building the bare baseline in ${PERF_BUILD_DIR}"
if [[ ! -f "${PERF_BUILD_DIR}/CMakeCache.txt" ]]; then
  cmake -S "${PERF_DIR}/baseline" -B "${PERF_BUILD_DIR}" \
    -DCMAKE_BUILD_TYPE=Release >"${WORK}/baseline-build.log" 2>&1 ||
    die "configuring the baseline failed; see ${WORK}/baseline-build.log"
fi
cmake --build "${PERF_BUILD_DIR}" -j"$(nproc)" --target contains_mem contains_pg \
  >>"${WORK}/baseline-build.log" 2>&1 ||
  die "building the baseline failed"
mkdir -p "${WORK}/py-bench" "${WORK}/py"
"${PYTHON}" -m grpc_tools.protoc -I "${PERF_DIR}/baseline/proto" \
  --python_out="${WORK}/py-bench" "${PERF_DIR}/baseline/proto/bench.proto"
bash "${SCRIPTS}/gen-python-stubs.sh" "${WORK}/py" >/dev/null

# --- PostgreSQL and the bare servers ------------------------------------------
log "starting a throwaway cluster and the bare servers"
bash "${SCRIPTS}/pg-cluster.sh" start "${PG_STATE}" --fast >/dev/null
bash "${SCRIPTS}/pg-cluster.sh" createdb "${PG_STATE}" enterprise_catalog
# contains_pg's table has the service's name: a database of its own.
bash "${SCRIPTS}/pg-cluster.sh" createdb "${PG_STATE}" barepg
BARE_PG_DSN="$(bash "${SCRIPTS}/pg-cluster.sh" dsn "${PG_STATE}" barepg)"
"${PERF_BUILD_DIR}/contains_pg" --seed "${BARE_PG_DSN}" >"${WORK}/bare-pg-seed.log" 2>&1 ||
  die "seeding contains_pg failed; see ${WORK}/bare-pg-seed.log"
declare -A BARE_PORT
BARE_PORT[mem]="$(free_port)"
"${PERF_BUILD_DIR}/contains_mem" "${BARE_PORT[mem]}" >"${WORK}/bare-mem.log" 2>&1 &
pids+=($!)
wait_for "$!" "(exec 3<>/dev/tcp/127.0.0.1/${BARE_PORT[mem]})" "contains_mem"
BARE_PORT[pg]="$(free_port)"
"${PERF_BUILD_DIR}/contains_pg" "${BARE_PORT[pg]}" "${BARE_PG_DSN}" >"${WORK}/bare-pg.log" 2>&1 &
pids+=($!)
wait_for "$!" "(exec 3<>/dev/tcp/127.0.0.1/${BARE_PORT[pg]})" "contains_pg"

# --- The stand-in and the service -----------------------------------------------
log "starting the stand-in (${STUB_FLAGS[*]}) and the service"
ENTERPRISE_CATALOG_DATABASE_URL="$(bash "${SCRIPTS}/pg-cluster.sh" dsn "${PG_STATE}" enterprise_catalog)"
export ENTERPRISE_CATALOG_DATABASE_URL
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "${ENTERPRISE_CATALOG_DATABASE_URL}" -c "$1"; }

DISCOVERY_PORT="$(free_port)"
"${STUB}" --host 127.0.0.1 --port "${DISCOVERY_PORT}" "${STUB_FLAGS[@]}" \
  >"${WORK}/stub.out" 2>"${WORK}/stub.log" &
pids+=($!)
wait_for "$!" "grep -q listening '${WORK}/stub.out'" "the stand-in"

export_local_service_env "${DISCOVERY_PORT}"
GRPC_ADDRESS="${ENTERPRISE_CATALOG_GRPC_ADDRESS}"
METRICS_ADDRESS="${ENTERPRISE_CATALOG_METRICS_ADDRESS}"
# The per-call log line at debug (not written): h2load's tens of thousands
# of calls a second would otherwise measure the log.
export ENTERPRISE_CATALOG_CALL_LOG_LEVEL="${ENTERPRISE_CATALOG_CALL_LOG_LEVEL:-debug}"

# One enterprise with 22 catalogs, another with two.
ENTERPRISE_A="6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24"
ENTERPRISE_B="b8e2d4f6-0a1c-4e3b-8d5f-7a9c1e3b5d46"
python3 - "${WORK}/catalogs.json" "${ENTERPRISE_A}" "${ENTERPRISE_B}" <<'EOF'
import json, sys, uuid
out, a, b = sys.argv[1:]
orgs = ["HarvardX", "MITx", "edX", "UCBerkeleyX", "DelftX", "IBM",
        "StanfordOnline", "PennX", "Microsoft", "GTx", "UQx",
        "LinuxFoundationX", "ColumbiaX", "MichiganX", "IMFx", "MITxPRO"]
every = ["course", "courserun", "program", "learnerpathway"]
def catalog(n, enterprise, name, title, content_filter):
    return {"uuid": str(uuid.UUID(int=n, version=4)), "title": title,
            "enterprise_uuid": enterprise, "enterprise_name": name,
            "content_filter": content_filter,
            "enabled_course_modes": ["verified", "audit"],
            "publish_audit_enrollment_urls": False}
cats = [catalog(1, a, "Acme Learning Co.", "All edX content",
                {"content_type": every, "partner": "edx"})]
cats += [catalog(2 + i, a, "Acme Learning Co.", org + " courses",
                 {"content_type": ["course", "courserun"], "org": org})
         for i, org in enumerate(orgs)]
cats += [catalog(30 + i, a, "Acme Learning Co.", "Every " + "/".join(t),
                 {"content_type": t})
         for i, t in enumerate([[t] for t in every] + [["course", "courserun"]])]
cats.append(catalog(41, b, "Globex Industries", "All edX content",
                    {"content_type": every, "partner": "edx"}))
cats.append(catalog(42, b, "Globex Industries", "Courses",
                    {"content_type": "course"}))
customers = [{"uuid": a, "slug": "acme", "name": "Acme Learning Co.",
              "enable_learner_portal": True},
             {"uuid": b, "slug": "globex", "name": "Globex Industries",
              "enable_learner_portal": False}]
json.dump({"enterprise_customers": customers, "catalogs": cats},
          open(out, "w"))

EOF
MAIN_CATALOG="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["catalogs"][0]["uuid"])' "${WORK}/catalogs.json")"

"${SERVER}" migrate >"${WORK}/migrate.log" 2>&1 || die "migrate failed"
"${SERVER}" import --file "${WORK}/catalogs.json" >"${WORK}/import.log" 2>&1 ||
  die "import failed; see ${WORK}/import.log"
TOKEN="$("${SERVER}" mint-token --subject h2load-bench \
  --roles 'enterprise_openedx_operator:*' --ttl-seconds 86400)"

"${SERVER}" all >"${WORK}/server.log" 2>&1 &
server_pid=$!
pids+=("${server_pid}")
wait_for "${server_pid}" "curl -fsS http://${METRICS_ADDRESS}/readyz" "the service"

log "waiting for the workers to crawl every catalog"
for _ in $(seq 1 600); do
  never="$(sql "SELECT count(*) FROM catalog_query q WHERE content_refreshed IS NULL
                  AND EXISTS (SELECT 1 FROM enterprise_catalog c WHERE c.catalog_query_id = q.id)")"
  [[ "${never}" == 0 ]] && break
  kill -0 "${server_pid}" 2>/dev/null || die "the service exited; see ${WORK}/server.log"
  sleep 1
done
[[ "${never}" == 0 ]] || die "catalogs still not crawled after 10 minutes"
# Let the full-metadata pass and autovacuum settle before measuring.
for _ in $(seq 1 600); do
  busy="$(sql "SELECT count(*) FROM refresh_job WHERE state IN ('queued', 'running')")"
  [[ "${busy}" == 0 ]] && break
  sleep 1
done
sql "VACUUM ANALYZE" >/dev/null
read -r documents members catalogs < <(sql "SELECT (SELECT count(*) FROM content_metadata),
    (SELECT count(*) FROM catalog_query_content), (SELECT count(*) FROM enterprise_catalog)" | tr '|' ' ')
log "data: ${documents} documents, ${members} membership rows, ${catalogs} catalogs"

# --- Request frames -----------------------------------------------------------
# Keys: members of the main catalog (courses and runs), and keys nobody has.
keys_json() {
  local members="$1" unknown="$2"
  sql "SELECT json_agg(k) FROM (
         (SELECT content_key AS k FROM catalog_query_content qc
            JOIN enterprise_catalog c ON c.catalog_query_id = qc.catalog_query_id
           WHERE c.uuid = '${MAIN_CATALOG}' ORDER BY md5(content_key) LIMIT ${members})
         UNION ALL
         SELECT 'course-v1:NoSuchX+N' || g || '+2T2026' FROM generate_series(1, ${unknown}) g) x"
}
SERVICE_PKG="enterprise_catalog.v1.EnterpriseCatalogService"
frame() { # NAME METHOD JSON
  "${PYTHON}" "${PERF_DIR}/grpc_frame.py" "${WORK}/py" "${SERVICE_PKG}/$2" "$3" \
    "${WORK}/$1.bin" 2>/dev/null
}
frame contains10 ContainsContentItems \
  "{\"catalog_uuid\": \"${MAIN_CATALOG}\", \"content_keys\": $(keys_json 5 5)}"
cp "${WORK}/contains10.bin" "${WORK}/contains10-seq.bin"
frame contains1000 ContainsContentItems \
  "{\"catalog_uuid\": \"${MAIN_CATALOG}\", \"content_keys\": $(keys_json 800 200)}"
frame customer10 CustomerContainsContentItems \
  "{\"enterprise_uuid\": \"${ENTERPRISE_A}\", \"content_keys\": $(keys_json 5 5)}"
frame page100 GetCatalogMetadata \
  "{\"catalog_uuid\": \"${MAIN_CATALOG}\", \"page_size\": 100}"
frame page10 GetCatalogMetadata \
  "{\"catalog_uuid\": \"${MAIN_CATALOG}\", \"page_size\": 10}"
frame bulk50 GetContentMetadata "{\"content_keys\": $(keys_json 50 0)}"

# The bare servers' request: their example (catalog 7, 5 members and 5
# others), with as many keys as the service's request of the same load.
base_frame() { # NAME KEYS
  python3 - "$("${PERF_BUILD_DIR}/contains_mem" --example-json)" "$2" \
    >"${WORK}/base-$1.json" <<'EOF'
import json, sys
req = json.loads(sys.argv[1])
n = int(sys.argv[2])
keys = req["contentKeys"]
req["contentKeys"] = (keys * (n // len(keys) + 1))[:n]
print(json.dumps(req))
EOF
  "${PYTHON}" "${PERF_DIR}/grpc_frame.py" "${WORK}/py-bench" bench.Catalog/Contains \
    "@${WORK}/base-$1.json" "${WORK}/base-$1.bin" 2>/dev/null
}

# name, concurrency (c m), keys of the baseline's request
declare -A LOAD_CM=([contains10]="4 16" [contains10-seq]="1 1" [contains1000]="2 2"
  [customer10]="4 16" [page100]="2 2" [page10]="2 2" [bulk50]="2 2")
declare -A LOAD_METHOD=([contains10]=ContainsContentItems [contains10-seq]=ContainsContentItems
  [contains1000]=ContainsContentItems [customer10]=CustomerContainsContentItems
  [page100]=GetCatalogMetadata [page10]=GetCatalogMetadata
  [bulk50]=GetContentMetadata)
declare -A LOAD_BASE_KEYS=([contains10]=10 [contains10-seq]=10 [contains1000]=1000
  [customer10]=10 [page100]=10 [page10]=10 [bulk50]=50)
if [[ -n "${PROFILE_DIR}" ]]; then
  command -v perf >/dev/null || die "-p needs perf (apt-get install linux-perf)"
  mkdir -p "${PROFILE_DIR}"
  PROFILE_DIR="$(cd "${PROFILE_DIR}" && pwd -P)"
fi
IFS=',' read -r -a loads <<<"${LOADS}"
for load in "${loads[@]}"; do
  [[ -n "${LOAD_CM[${load}]:-}" ]] || die "unknown load ${load} (loads: ${ALL_LOADS})"
  base_frame "${load}" "${LOAD_BASE_KEYS[${load}]}"
done

# --- Measuring ------------------------------------------------------------------
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${server_pid}/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))
RESULTS="${WORK}/results.tsv"
: >"${RESULTS}"
# DIR/<load>.txt from DIR/<load>.data: where the machine's CPU went.
summarize_profile() {
  local data="${PROFILE_DIR}/$1.data"
  # head closes its pipe early: no pipefail here.
  (
    set +e +o pipefail
    top() { grep -E '^ +[0-9]' | head -"$1"; }
    echo "# $1: CPU by process (comm), whole machine"
    perf report -i "${data}" --no-children --sort comm --stdio -g none | top 12
    echo
    echo "# $1: the service's hottest symbols (self)"
    perf report -i "${data}" --no-children --pid "${server_pid}" --sort dso,symbol \
      --stdio -g none | top 40
    echo
    echo "# $1: the service by library (self)"
    perf report -i "${data}" --no-children --pid "${server_pid}" --sort dso \
      --stdio -g none | top 15
    echo
    echo "# $1: PostgreSQL's hottest symbols (self)"
    perf report -i "${data}" --no-children --comm postgres --sort dso,symbol \
      --stdio -g none | top 25
  ) >"${PROFILE_DIR}/$1.txt" 2>/dev/null
  log "profile of $1: ${PROFILE_DIR}/$1.txt"
}
run() { # SIDE LOAD ROUND
  local side="$1" load="$2" round="$3" c m line before after
  read -r c m <<<"${LOAD_CM[${load}]}"
  if [[ "${side}" != service ]]; then
    line="$("${PERF_DIR}/h2grpc.sh" -c "${c}" -m "${m}" -D "${SECONDS_PER_RUN}" -w "${WARMUP}" \
      "127.0.0.1:${BARE_PORT[${side}]}" /bench.Catalog/Contains "${WORK}/base-${load}.bin" 2>/dev/null)" ||
      die "bare ${side} run of ${load} failed"
    cpu=""
  else
    local profiler=""
    if [[ -n "${PROFILE_DIR}" && "${round}" == 1 ]]; then
      perf record -a -g -F 999 -o "${PROFILE_DIR}/${load}.data" -- \
        sleep "$((SECONDS_PER_RUN + WARMUP))" >/dev/null 2>&1 &
      profiler=$!
    fi
    before="$(cpu_ticks)"
    line="$("${PERF_DIR}/h2grpc.sh" -c "${c}" -m "${m}" -D "${SECONDS_PER_RUN}" -w "${WARMUP}" \
      -H "authorization: JWT ${TOKEN}" "${GRPC_ADDRESS}" "/${SERVICE_PKG}/${LOAD_METHOD[${load}]}" \
      "${WORK}/${load}.bin" 2>/dev/null)" || die "service run of ${load} failed"
    after="$(cpu_ticks)"
    if [[ -n "${profiler}" ]]; then
      wait "${profiler}" || die "perf record failed for ${load}"
      summarize_profile "${load}"
    fi
  fi
  local rps p50 p99 failed
  rps="$(sed -n 's/.*req\/s=\([0-9.]*\).*/\1/p' <<<"${line}")"
  p50="$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"${line}")"
  p99="$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"${line}")"
  failed="$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"${line}")"
  [[ "${failed}" == 0 ]] || die "${side} ${load}: ${failed} calls failed"
  if [[ "${side}" == service ]]; then
    # Calls of the measured run and its warm-up (at the same rate).
    cpu="$(awk -v t="$((after - before))" -v us="${TICK_US}" -v r="${rps}" \
      -v s="$((SECONDS_PER_RUN + WARMUP))" 'BEGIN { printf "%.0f", t * us / (r * s) }')"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${load}" "${side}" "${round}" "${rps}" "${p50}" \
    "${p99}" "${cpu:--}" >>"${RESULTS}"
  log "round ${round} ${load} ${side}: ${line}${cpu:+ cpu_us_per_call=${cpu}}"
}
for round in $(seq 1 "${ROUNDS}"); do
  for load in "${loads[@]}"; do
    run mem "${load}" "${round}"
    run pg "${load}" "${round}"
    run service "${load}" "${round}"
  done
done

# --- The table ------------------------------------------------------------------
python3 - "${RESULTS}" "${ROUNDS}" "${SECONDS_PER_RUN}" "${WARMUP}" \
  "${documents}" "${members}" "${catalogs}" "$(git -C "${REPO_ROOT}" rev-parse --short HEAD)" \
  "${loads[@]}" <<'EOF'
import statistics, sys
path, rounds, dur, warm, docs, members, catalogs, commit, *loads = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(path)]
cm = {"contains10": "4×16", "contains10-seq": "1×1", "contains1000": "2×2",
      "customer10": "4×16", "page100": "2×2", "page10": "2×2", "bulk50": "2×2"}
def med(load, side, col):
    vals = [float(r[col]) for r in rows if r[0] == load and r[1] == side and r[col] != "-"]
    return statistics.median(vals) if vals else float("nan")
print(f"h2load benchmark, commit {commit}: {docs} documents, {members} membership rows, "
      f"{catalogs} catalogs; medians of {rounds} interleaved rounds of {dur} s (+{warm} s warm-up).")
print()
print("| Load | c×m | calls/s | p50 ms | p99 ms | CPU µs/call | bare mem calls/s, p99 ms | bare pg calls/s, p99 ms | calls/s ÷ mem | p99 ÷ mem | calls/s ÷ pg |")
print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for load in loads:
    s = [med(load, "service", c) for c in (3, 4, 5, 6)]
    m = [med(load, "mem", c) for c in (3, 5)]
    p = [med(load, "pg", c) for c in (3, 5)]
    print(f"| {load} | {cm[load]} | {s[0]:,.0f} | {s[1]:.2f} | {s[2]:.2f} | {s[3]:,.0f} | "
          f"{m[0]:,.0f}, {m[1]:.2f} | {p[0]:,.0f}, {p[1]:.2f} | {s[0] / m[0]:.2f} | "
          f"{s[2] / m[1]:.2f} | {s[0] / p[0]:.2f} |")
EOF
