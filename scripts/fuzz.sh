#!/usr/bin/env bash
# Builds and runs the libFuzzer targets in tests/fuzz/ (see its README.md).
#
#   scripts/fuzz.sh [smoke] [TARGET...]
#       Bounded run for the test command: each target for FUZZ_SMOKE_SECONDS
#       (default 20) over a temporary copy of its checked-in corpus, up to
#       FUZZ_JOBS targets at a time. New inputs are thrown away.
#   scripts/fuzz.sh run SECONDS [--merge] [TARGET...]
#       Longer on-demand run, same setup. With --merge, inputs that reach new
#       coverage are merged back into tests/fuzz/corpus/<target>/ (libFuzzer
#       -merge=1); review and prune them before committing (README.md).
#   scripts/fuzz.sh campaign RUNS [TARGET...]
#       Long campaign: each target for RUNS executions (libFuzzer -runs=RUNS),
#       one target at a time under nice -n 10, no time limit. Each target
#       starts from a fresh copy of its checked-in corpus in
#       <build dir>/fuzz-campaign/<target>/corpus/ (kept afterwards, with the
#       full log in <build dir>/fuzz-campaign/<target>.log; the repository is
#       not written). With FUZZ_CAMPAIGN_WORKERS=N, N fuzzer processes share
#       that corpus (libFuzzer -jobs=N -workers=N, RUNS/N executions each, one
#       log per process in <target>/logs/); the summary adds their
#       executions. With FUZZ_CAMPAIGN_CHUNK=M, fresh processes take over
#       every M executions, on the same corpus: a long-lived process under
#       ASan slows down several times over (its allocator's bookkeeping),
#       so runs of a million go faster than one run of ten. Campaigns run
#       with ASAN_OPTIONS=malloc_context_size=0 unless ASAN_OPTIONS is set
#       (twice as fast; a finding's report then lacks allocation stacks, so
#       rerun its input with the printed command for the full report). With FUZZ_CAMPAIGN_RESUME=1 a target keeps the corpus a
#       previous campaign left instead of starting again from the checked-in
#       one. A target that crashes is reported and the next one
#       runs. SIGINT to the running fuzzer (kill -INT, or Ctrl-C) stops the
#       campaign after that target (exit status 1). Ends with one line per
#       target: executions, exec/s, libFuzzer's final cov: and ft:, corpus
#       entries, crashes/leaks/timeouts (and OOMs) found, wall time and the
#       outcome.
#
# Targets: filter_fuzz page_token_fuzz discovery_page_fuzz jwt_fuzz
# content_merge_fuzz (default: all). Exits non-zero if a target crashes, times
# out, runs out of memory or leaks, and prints the saved input and the command
# that reproduces it.
# Crash inputs are kept in <build dir>/fuzz-artifacts/<target>/.
#
# Env: BUILD_DIR_FUZZ (default <repo>/build-fuzz; configured with clang++ and
#      -DEC_FUZZ=ON), FUZZ_SMOKE_SECONDS (default 20), FUZZ_JOBS (targets run
#      in parallel; default nproc), BUILD_JOBS (default nproc),
#      FUZZ_CAMPAIGN_TIMEOUT (campaign's per-input limit in seconds, default 60),
#      FUZZ_CAMPAIGN_WORKERS (processes per campaign target, default 1),
#      FUZZ_CAMPAIGN_RESUME (1: keep the previous campaign's corpus),
#      FUZZ_CAMPAIGN_CHUNK (executions per fuzzer process before a fresh one
#      goes on with the same corpus; default RUNS: one process).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BUILD_DIR_FUZZ="${BUILD_DIR_FUZZ:-${REPO_ROOT}/build-fuzz}"
FUZZ_SMOKE_SECONDS="${FUZZ_SMOKE_SECONDS:-20}"
# libFuzzer's -timeout is wall time: a campaign at nice 10 on a busy machine
# can be starved for 10 s without any slow input, so its limit is larger.
FUZZ_CAMPAIGN_TIMEOUT="${FUZZ_CAMPAIGN_TIMEOUT:-60}"
FUZZ_CAMPAIGN_WORKERS="${FUZZ_CAMPAIGN_WORKERS:-1}"
FUZZ_CAMPAIGN_RESUME="${FUZZ_CAMPAIGN_RESUME:-0}"
FUZZ_JOBS="${FUZZ_JOBS:-$(nproc)}"
BUILD_JOBS="${BUILD_JOBS:-$(nproc)}"
FUZZ_DIR="${REPO_ROOT}/tests/fuzz"
ALL_TARGETS=(filter_fuzz page_token_fuzz discovery_page_fuzz jwt_fuzz
  content_merge_fuzz)

log() { printf '[fuzz] %s\n' "$*" >&2; }
# Prints a failed run's report: its log without libFuzzer's progress lines
# (the sanitizer report and stack stay), and how to reproduce the crash.
report_failure() {
  local target="$1" rc="$2" log_file="$3" binary="$4" input
  log "${target}: FAILED (exit ${rc}); its report (full log: ${log_file}):"
  grep -vE $'^(#[0-9]+\t|INFO: |MS: |\t|  - )' "${log_file}" | tail -60 >&2 ||
    true
  input="$(grep -oE 'Test unit written to .*' "${log_file}" | tail -1 |
    sed 's/^Test unit written to //' || true)"
  if [[ -n "${input}" ]]; then
    log "${target}: crashing input: ${input}"
    log "${target}: reproduce with: ${binary} ${input}"
  else
    log "${target}: no input was saved (see the log above)"
  fi
}
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# The libFuzzer dictionary for a target, if it has one.
dict_for() {
  case "$1" in
    filter_fuzz | discovery_page_fuzz | content_merge_fuzz)
      echo "${FUZZ_DIR}/json.dict"
      ;;
    jwt_fuzz) echo "${FUZZ_DIR}/jwt_fuzz.dict" ;;
    *) echo "" ;;
  esac
}

mode="smoke"
seconds="${FUZZ_SMOKE_SECONDS}"
merge=0
if [[ $# -gt 0 ]]; then
  case "$1" in
    smoke) shift ;;
    run)
      shift
      [[ $# -gt 0 && "$1" =~ ^[0-9]+$ && "$1" -gt 0 ]] || usage
      mode="run"
      seconds="$1"
      shift
      ;;
    campaign)
      shift
      [[ $# -gt 0 && "$1" =~ ^[0-9]+$ && "$1" -gt 0 ]] || usage
      mode="campaign"
      runs="$1"
      shift
      ;;
    -h | --help | help) usage ;;
  esac
fi
targets=()
for arg in "$@"; do
  case "${arg}" in
    --merge)
      [[ "${mode}" == run ]] || { log "--merge needs 'run SECONDS'"; usage; }
      merge=1
      ;;
    *)
      known=0
      for t in "${ALL_TARGETS[@]}"; do [[ "${t}" == "${arg}" ]] && known=1; done
      if [[ "${known}" -eq 0 ]]; then
        log "unknown target '${arg}' (have: ${ALL_TARGETS[*]})"
        exit 2
      fi
      targets+=("${arg}")
      ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")
[[ "${FUZZ_JOBS}" =~ ^[0-9]+$ && "${FUZZ_JOBS}" -gt 0 ]] || FUZZ_JOBS=1

# Configure (clang, EC_FUZZ=ON) and build only what the targets need.
configure=(cmake -S "${REPO_ROOT}" -B "${BUILD_DIR_FUZZ}" -G Ninja -DEC_FUZZ=ON -DEC_WERROR=ON
  -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [[ ! -f "${BUILD_DIR_FUZZ}/CMakeCache.txt" ]]; then
  configure+=(-DCMAKE_CXX_COMPILER="${CXX:-clang++}"
    -DCMAKE_C_COMPILER="${CC:-clang}")
fi
log "configuring ${BUILD_DIR_FUZZ}"
"${configure[@]}" >&2
log "building ${targets[*]}"
cmake --build "${BUILD_DIR_FUZZ}" -j "${BUILD_JOBS}" --target "${targets[@]}" >&2

start_all=${SECONDS}
work="$(mktemp -d "${TMPDIR:-/tmp}/ec-fuzz.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
artifacts_root="${BUILD_DIR_FUZZ}/fuzz-artifacts"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Runs one target; its output goes to ${work}/<target>.log, its exit status
# to ${work}/<target>.rc.
run_target() {
  local target="$1"
  local binary="${BUILD_DIR_FUZZ}/tests/fuzz/${target}"
  local corpus="${work}/${target}.corpus"
  local artifacts="${artifacts_root}/${target}"
  local dict
  dict="$(dict_for "${target}")"
  mkdir -p "${corpus}" "${artifacts}"
  # A copy: whatever the run adds stays out of the repository.
  cp -R "${FUZZ_DIR}/corpus/${target}/." "${corpus}/"
  local args=(-max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048
    -artifact_prefix="${artifacts}/" -print_final_stats=1)
  [[ -n "${dict}" ]] && args+=(-dict="${dict}")
  local rc=0
  # The outer timeout only catches a run libFuzzer itself cannot stop.
  timeout --kill-after=10 "$((seconds + 120))" \
    "${binary}" "${args[@]}" "${corpus}" >"${work}/${target}.log" 2>&1 || rc=$?
  if [[ "${rc}" -eq 0 && "${merge}" -eq 1 ]]; then
    "${binary}" -merge=1 "${args[@]:1}" "${FUZZ_DIR}/corpus/${target}" \
      "${corpus}" >>"${work}/${target}.log" 2>&1 || rc=$?
  fi
  echo "${rc}" >"${work}/${target}.rc"
}

# Campaign mode: the targets one after another, each for ${runs} executions;
# then a summary table on stdout.
if [[ "${mode}" == campaign ]]; then
  campaign_root="${BUILD_DIR_FUZZ}/fuzz-campaign"
  export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0}"
  mkdir -p "${campaign_root}"
  # A field of the last status line ("#N NEW cov: 351 ft: 1480 corp: 197/20Kb").
  status_field() { sed -nE "s/.* $1: ([^ ]+).*/\1/p" <<<"$2"; }
  # Artifacts of one kind the run wrote (newer than its start marker).
  count_new() {
    find "$1" -maxdepth 1 -type f -name "$2-*" -newer "$3" | wc -l
  }
  log "campaign: ${#targets[@]} target(s), ${runs} executions each," \
    "one at a time (nice -n 10)"
  summary=()
  status=0
  for target in "${targets[@]}"; do
    binary="${BUILD_DIR_FUZZ}/tests/fuzz/${target}"
    corpus="${campaign_root}/${target}/corpus"
    artifacts="${artifacts_root}/${target}"
    log_file="${campaign_root}/${target}.log"
    marker="${campaign_root}/${target}/started"
    dict="$(dict_for "${target}")"
    if [[ "${FUZZ_CAMPAIGN_RESUME}" != 1 || ! -d "${corpus}" ]]; then
      rm -rf "${corpus}"
      mkdir -p "${corpus}"
      cp -R "${FUZZ_DIR}/corpus/${target}/." "${corpus}/"
    fi
    mkdir -p "${artifacts}"
    logs="${campaign_root}/${target}/logs"
    rm -rf "${logs}"
    mkdir -p "${logs}"
    touch "${marker}"
    workers="${FUZZ_CAMPAIGN_WORKERS}"
    chunk="${FUZZ_CAMPAIGN_CHUNK:-${runs}}"
    log "${target}: started $(date -u '+%Y-%m-%d %H:%M:%S UTC'), ${workers}" \
      "worker(s), runs of ${chunk}, $(find "${corpus}" -type f | wc -l) corpus" \
      "entries; logs: ${logs}/"
    : >"${log_file}"
    target_start=${SECONDS}
    rc=0
    remaining="${runs}"
    part=0
    while [[ "${rc}" -eq 0 && "${remaining}" -gt 0 ]]; do
      this=$((remaining < chunk ? remaining : chunk))
      per_worker=$(((this + workers - 1) / workers))
      args=(-runs="${per_worker}" -timeout="${FUZZ_CAMPAIGN_TIMEOUT}"
        -rss_limit_mb=2048 -artifact_prefix="${artifacts}/"
        -print_final_stats=1)
      [[ -n "${dict}" ]] && args+=(-dict="${dict}")
      echo "part ${part}: ${workers} x ${per_worker} executions" >>"${log_file}"
      if [[ "${workers}" -gt 1 ]]; then
        # libFuzzer writes job i's output to fuzz-<i>.log in the current
        # directory; each job re-reads the shared corpus for the others'
        # finds.
        (cd "${logs}" && nice -n 10 "${binary}" -jobs="${workers}" \
          -workers="${workers}" "${args[@]}" "${corpus}") >>"${log_file}" 2>&1 ||
          rc=$?
        for ((i = 0; i < workers; i++)); do
          mv "${logs}/fuzz-${i}.log" "${logs}/part-${part}.worker-${i}.log" \
            2>/dev/null || true
        done
      else
        nice -n 10 "${binary}" "${args[@]}" "${corpus}" \
          >"${logs}/part-${part}.log" 2>&1 || rc=$?
      fi
      remaining=$((remaining - per_worker * workers))
      part=$((part + 1))
    done
    worker_logs=("${logs}"/*.log)
    wall=$((SECONDS - target_start))
    # Per run: the exact count from -print_final_stats, else the last status
    # line's #N; executions add up, cov/ft/corpus are the largest a run
    # reached (they share one corpus).
    execs=0 cov=0 ft=0 corp=""
    for worker_log in "${worker_logs[@]}"; do
      last="$(grep -aE $'^#[0-9]+\t' "${worker_log}" | tail -1 || true)"
      n="$(sed -nE 's/^stat::number_of_executed_units:[[:space:]]+([0-9]+).*/\1/p' \
        "${worker_log}" | tail -1)"
      [[ -n "${n}" ]] || n="$(sed -nE 's/^#([0-9]+)\t.*/\1/p' <<<"${last}")"
      execs=$((execs + ${n:-0}))
      n="$(status_field cov "${last}")"
      [[ "${n:-0}" -gt "${cov}" ]] && cov="${n}"
      n="$(status_field ft "${last}")"
      [[ "${n:-0}" -gt "${ft}" ]] && ft="${n}" && corp="$(status_field corp "${last}")"
    done
    per_sec=$((execs / (wall > 0 ? wall : 1)))
    crashes="$(count_new "${artifacts}" crash "${marker}")"
    leaks="$(count_new "${artifacts}" leak "${marker}")"
    timeouts="$(count_new "${artifacts}" timeout "${marker}")"
    ooms="$(count_new "${artifacts}" oom "${marker}")"
    interrupted=0
    if [[ "${rc}" -eq 0 ]]; then
      outcome="ok"
    elif grep -qa 'libFuzzer: run interrupted' "${log_file}" "${worker_logs[@]}"; then
      outcome="interrupted"
      interrupted=1
      status=1
    else
      outcome="FAILED (exit ${rc})"
      status=1
      # The last part's logs: the one that failed.
      for worker_log in "${logs}/part-$((part - 1))".*log; do
        report_failure "${target}" "${rc}" "${worker_log}" "${binary}"
      done
    fi
    line="$(printf '%-20s %12s %8s %6s %7s %-14s %7s %6s %8s %5s %8s  %s' \
      "${target}" "${execs}" "${per_sec}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
      "${crashes}" "${leaks}" "${timeouts}" "${ooms}" "${wall}s" "${outcome}")"
    summary+=("${line}")
    log "${target}: ${execs} executions in ${wall} s, ${outcome}"
    if [[ "${interrupted}" -eq 1 ]]; then
      log "campaign interrupted; the remaining targets were not run"
      break
    fi
  done
  printf '%-20s %12s %8s %6s %7s %-14s %7s %6s %8s %5s %8s  %s\n' target \
    executions exec/s cov ft corpus crashes leaks timeouts ooms wall outcome
  printf '%s\n' "${summary[@]}"
  log "campaign finished in $((SECONDS - start_all)) s"
  exit "${status}"
fi

log "${mode}: ${#targets[@]} target(s), ${seconds} s each, ${FUZZ_JOBS} at a time"
start=${SECONDS}
running=0
for target in "${targets[@]}"; do
  run_target "${target}" &
  running=$((running + 1))
  if [[ "${running}" -ge "${FUZZ_JOBS}" ]]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

status=0
for target in "${targets[@]}"; do
  rc="$(cat "${work}/${target}.rc" 2>/dev/null || echo 1)"
  log_file="${work}/${target}.log"
  stats="$(grep -E '^Done [0-9]+ runs' "${log_file}" | tail -1 || true)"
  if [[ "${rc}" -eq 0 ]]; then
    log "${target}: ok (${stats:-no stats})"
    if [[ "${merge}" -eq 1 ]]; then
      log "${target}: $(grep -E 'MERGE-OUTER: [0-9]+ new files' "${log_file}" |
        tail -1 | sed 's/.*MERGE-OUTER: //') merged into tests/fuzz/corpus/${target}"
    fi
    continue
  fi
  status=1
  saved_log="${artifacts_root}/${target}/last-failure.log"
  cp "${log_file}" "${saved_log}"
  report_failure "${target}" "${rc}" "${saved_log}" \
    "${BUILD_DIR_FUZZ}/tests/fuzz/${target}"
done
log "${mode} finished in $((SECONDS - start)) s"
if [[ "${status}" -ne 0 ]]; then
  log "FAILED"
  exit 1
fi
log "all targets passed"
