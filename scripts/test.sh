#!/usr/bin/env bash
# The project's one test command (also what CI runs via .ci/run):
#   1. install dependencies (scripts/install-deps.sh; no-op when present),
#   2. build (scripts/build.sh) with warnings as errors (-DEC_WERROR=ON),
#   3. the architecture check (scripts/check-architecture.py: the allowed
#      #include arrows and namespaces of docs/architecture.md),
#   4. run the CTest suite: labels unit, pg and e2e (CTest starts/stops its
#      own throwaway PostgreSQL cluster through scripts/pg-cluster.sh in a
#      fixture),
#   5. fuzz smoke: build the libFuzzer targets (clang, ASan+UBSan, in their
#      own build dir) and run each ~20 s over its checked-in corpus
#      (scripts/fuzz.sh smoke; see tests/fuzz/README.md),
#   6. deployment checks (scripts/check-deploy.sh): promtool on the alert
#      rules and their unit tests, docker-compose config, kustomize and a
#      schema check of the manifests, the Dockerfile's runtime packages,
#   7. check formatting of all *.cc / *.h files with clang-format.
# Exits non-zero if any step fails. Steps 3 to 7 all run even if an earlier
# one fails, so one run reports all of them.
#
# Env: BUILD_DIR (default <repo>/build), CTEST_ARGS (extra ctest arguments,
#      word-split, e.g. CTEST_ARGS="-R storage"), BUILD_DIR_FUZZ and the
#      FUZZ_* settings of scripts/fuzz.sh.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SCRIPTS="${REPO_ROOT}/scripts"
export BUILD_DIR="${BUILD_DIR:-${REPO_ROOT}/build}"

log() { printf '[test] %s\n' "$*" >&2; }

log "step 1/7: dependencies"
bash "${SCRIPTS}/install-deps.sh"

log "step 2/7: build"
bash "${SCRIPTS}/build.sh" -DEC_WERROR=ON

log "step 3/7: architecture check"
architecture_status=0
python3 "${SCRIPTS}/check-architecture.py" >&2 || architecture_status=$?
if [[ "${architecture_status}" -ne 0 ]]; then
  log "architecture check FAILED: see docs/architecture.md for the rule"
fi

log "step 4/7: ctest"
ctest_status=0
# shellcheck disable=SC2086  # CTEST_ARGS is intentionally word-split.
ctest --test-dir "${BUILD_DIR}" --output-on-failure --timeout 900 \
  ${CTEST_ARGS:-} >&2 || ctest_status=$?
if [[ "${ctest_status}" -ne 0 ]]; then
  log "ctest FAILED (exit ${ctest_status})"
fi

log "step 5/7: fuzz smoke"
fuzz_status=0
bash "${SCRIPTS}/fuzz.sh" smoke >&2 || fuzz_status=$?
if [[ "${fuzz_status}" -ne 0 ]]; then
  log "fuzz smoke FAILED (exit ${fuzz_status}); crashing inputs are listed above"
fi

log "step 6/7: deployment checks"
deploy_status=0
bash "${SCRIPTS}/check-deploy.sh" >&2 || deploy_status=$?
if [[ "${deploy_status}" -ne 0 ]]; then
  log "deployment checks FAILED (exit ${deploy_status})"
fi

log "step 7/7: clang-format check"
list_sources() {
  if git -C "${REPO_ROOT}" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files plus new, not-ignored ones (not yet added to git).
    git -C "${REPO_ROOT}" ls-files -z --cached --others --exclude-standard \
      -- '*.cc' '*.h'
  else
    (cd "${REPO_ROOT}" && find . \( -path ./.git -o -path ./build -o \
      -path './build-*' -o -path ./.data \) -prune -o -type f \
      \( -name '*.cc' -o -name '*.h' \) -printf '%P\0')
  fi
}
files=()
while IFS= read -r -d '' f; do
  case "${f}" in
    build/* | build-*/* | .data/*) continue ;;
  esac
  # Skip files deleted from the working tree but still in the index.
  [[ -f "${REPO_ROOT}/${f}" ]] && files+=("${f}")
done < <(list_sources | sort -zu)

format_status=0
if [[ ${#files[@]} -eq 0 ]]; then
  log "no *.cc / *.h files to check"
else
  log "checking ${#files[@]} files with $(clang-format --version)"
  (cd "${REPO_ROOT}" && clang-format --dry-run -Werror -- "${files[@]}") ||
    format_status=$?
  if [[ "${format_status}" -ne 0 ]]; then
    log "clang-format check FAILED; fix with: clang-format -i <files above>"
  fi
fi

if [[ "${architecture_status}" -ne 0 || "${ctest_status}" -ne 0 ||
  "${fuzz_status}" -ne 0 ||
  "${deploy_status}" -ne 0 || "${format_status}" -ne 0 ]]; then
  log "FAILED (architecture exit ${architecture_status}," \
    "ctest exit ${ctest_status}, fuzz smoke exit ${fuzz_status}," \
    "deployment checks exit ${deploy_status}," \
    "clang-format exit ${format_status})"
  exit 1
fi
log "all checks passed"
