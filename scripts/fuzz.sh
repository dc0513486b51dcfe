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
#
# Targets: filter_fuzz page_token_fuzz discovery_page_fuzz jwt_fuzz (default:
# all). Exits non-zero if a target crashes, times out, runs out of memory or
# leaks, and prints the saved input and the command that reproduces it.
# Crash inputs are kept in <build dir>/fuzz-artifacts/<target>/.
#
# Env: BUILD_DIR_FUZZ (default <repo>/build-fuzz; configured with clang++ and
#      -DEC_FUZZ=ON), FUZZ_SMOKE_SECONDS (default 20), FUZZ_JOBS (targets run
#      in parallel; default nproc), BUILD_JOBS (default nproc).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BUILD_DIR_FUZZ="${BUILD_DIR_FUZZ:-${REPO_ROOT}/build-fuzz}"
FUZZ_SMOKE_SECONDS="${FUZZ_SMOKE_SECONDS:-20}"
FUZZ_JOBS="${FUZZ_JOBS:-$(nproc)}"
BUILD_JOBS="${BUILD_JOBS:-$(nproc)}"
FUZZ_DIR="${REPO_ROOT}/tests/fuzz"
ALL_TARGETS=(filter_fuzz page_token_fuzz discovery_page_fuzz jwt_fuzz)

log() { printf '[fuzz] %s\n' "$*" >&2; }
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# The libFuzzer dictionary for a target, if it has one.
dict_for() {
  case "$1" in
    filter_fuzz | discovery_page_fuzz) echo "${FUZZ_DIR}/json.dict" ;;
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
  log "${target}: FAILED (exit ${rc}); its report (full log: ${saved_log}):"
  # Without libFuzzer's progress lines; the sanitizer report and stack stay.
  grep -vE $'^(#[0-9]+\t|INFO: |MS: |\t|  - )' "${log_file}" | tail -60 >&2 ||
    true
  input="$(grep -oE 'Test unit written to .*' "${log_file}" | tail -1 |
    sed 's/^Test unit written to //' || true)"
  if [[ -n "${input}" ]]; then
    log "${target}: crashing input: ${input}"
    log "${target}: reproduce with: ${BUILD_DIR_FUZZ}/tests/fuzz/${target} ${input}"
  else
    log "${target}: no input was saved (see the log above)"
  fi
done
log "${mode} finished in $((SECONDS - start)) s"
if [[ "${status}" -ne 0 ]]; then
  log "FAILED"
  exit 1
fi
log "all targets passed"
