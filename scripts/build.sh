#!/usr/bin/env bash
# Configures and builds enterprise-catalog with CMake + Ninja.
#
#   scripts/build.sh [extra cmake configure args...]
#
# Env: BUILD_DIR (default <repo>/build), BUILD_TYPE (default RelWithDebInfo),
#      BUILD_JOBS (default: nproc).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BUILD_DIR="${BUILD_DIR:-${REPO_ROOT}/build}"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
BUILD_JOBS="${BUILD_JOBS:-$(nproc)}"

log() { printf '[build] %s\n' "$*" >&2; }

configure=(cmake -S "${REPO_ROOT}" -B "${BUILD_DIR}" -G Ninja
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "$@")
log "running: ${configure[*]}"
"${configure[@]}" >&2

build=(cmake --build "${BUILD_DIR}" -j "${BUILD_JOBS}")
log "running: ${build[*]}"
"${build[@]}" >&2
log "build finished in ${BUILD_DIR}"
