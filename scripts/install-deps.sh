#!/usr/bin/env bash
# Installs everything needed to build, test and run enterprise-catalog on
# Debian 12 (bookworm), from Debian's own apt repositories only.
#
# If every package is already installed, apt-get is not run at all, so
# repeated runs are fast and work offline. Otherwise runs `apt-get update`
# followed by a noninteractive `apt-get install` of the missing packages
# (through sudo when not root).
set -euo pipefail

# The one list of required Debian packages. Extend it here.
PACKAGES=(
  # Toolchain.
  build-essential
  cmake
  ninja-build
  pkg-config
  # gRPC / protobuf.
  libgrpc++-dev
  protobuf-compiler-grpc
  libprotobuf-dev
  protobuf-compiler
  # Libraries.
  libpqxx-dev
  libboost1.81-dev
  prometheus-cpp-dev
  libspdlog-dev
  nlohmann-json3-dev
  libabsl-dev
  libssl-dev
  # NFKD normalization for Django's slugify (domain/slugify.cc).
  libicu-dev
  # The discovery client.
  libcurl4-openssl-dev
  # JWT verification (HS256/RS256) for caller authentication.
  libjwt-dev
  # tcmalloc, the service's allocator (app/CMakeLists.txt).
  libgoogle-perftools-dev
  # Tests.
  libgtest-dev
  libgmock-dev
  # PostgreSQL 15 server and client (tests start throwaway clusters).
  postgresql-15
  postgresql-client-15
  # Formatting check.
  clang-format
  # libFuzzer targets (tests/fuzz/): clang and its sanitizer/fuzzer runtime.
  clang
  libclang-rt-14-dev
  # Tests generate throwaway TLS certificates; the README's dev-token recipe.
  openssl
  # The architecture check (scripts/check-architecture.py); the quickstart
  # reads the sample file with it.
  python3
  # pg-cluster.sh runs the server as postgres through runuser.
  util-linux
  # Observability tests: promtool checks the /metrics exposition and the
  # alert rules (deploy/prometheus).
  prometheus
  # Generated Python stubs (scripts/gen-python-stubs.sh) and their live test.
  # grpc_tools imports pkg_resources without declaring it.
  python3-grpcio
  python3-protobuf
  python3-grpc-tools
  python3-pkg-resources
  # The h2load benchmark (scripts/h2load-bench.sh): h2load and nghttp.
  nghttp2-client
  # Deployment checks (scripts/check-deploy.sh): compose file validation and
  # YAML lint. kubectl and node are installed by that script only when
  # missing: some machine images carry non-Debian packages of them.
  docker-compose
  yamllint
)

log() { printf '[install-deps] %s\n' "$*" >&2; }

is_installed() {
  local status
  status="$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" || return 1
  [[ "${status}" == "installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! is_installed "${pkg}"; then
    missing+=("${pkg}")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all ${#PACKAGES[@]} required packages are already installed; skipping apt-get"
  exit 0
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    log "error: not root and sudo is not available; install as root: apt-get install ${missing[*]}"
    exit 1
  fi
  SUDO=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
log "missing packages: ${missing[*]}"
log "running: apt-get update"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
log "running: apt-get install -y --no-install-recommends ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

# Verify, so a silently skipped package surfaces here rather than as a
# confusing CMake error later.
still_missing=()
for pkg in "${missing[@]}"; do
  is_installed "${pkg}" || still_missing+=("${pkg}")
done
if [[ ${#still_missing[@]} -ne 0 ]]; then
  log "error: still not installed after apt-get: ${still_missing[*]}"
  exit 1
fi
log "done"
