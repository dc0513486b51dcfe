#!/usr/bin/env bash
# Checks the deployment artifacts in deploy/ without a container engine or a
# cluster. Every check runs even if an earlier one fails; the script exits
# non-zero if any failed and ends with "check-deploy: N passed, N failed".
#
#   1. yamllint        every YAML file in deploy/ (config deploy/.yamllint)
#   2. promtool        check rules (alerts.yml), test rules (alerts_test.yml),
#                      check config (prometheus.yml, with its rule_files)
#   3. docker-compose  `config -q` parses and validates docker-compose.yml;
#                      discovery builds the Dockerfile's discovery-stub
#                      stage, migrate, server and worker its runtime stage
#   4. kustomize       `kubectl kustomize` renders k8s/base and k8s/overlays/*
#   5. manifests       deploy/check/validate-k8s.mjs schema-checks every
#                      rendered object (kubernetes-models) and the
#                      references, selectors, probes and shutdown timing
#   6. settings        every ENTERPRISE_CATALOG_* name used in deploy/ is a
#                      setting defined in SETTINGS_SOURCES (*/settings.cc,
#                      storage/pg/pg_settings.cc, app/config.cc)
#   7. Dockerfile      for each image (the service's runtime stage and the
#                      stand-in's discovery-stub stage): its stage installs
#                      the Debian package of every shared library its
#                      binaries load (ldd + dpkg -S on the build in
#                      $BUILD_DIR) and nothing else, and its build stage
#                      configures without tests and builds and copies
#                      exactly its binaries, which exist in the build tree;
#                      the build-env stage's packages are in
#                      scripts/install-deps.sh and include no GoogleTest
#
# Tools that are missing are installed from Debian's apt repositories
# (prometheus for promtool, docker-compose, yamllint, kubernetes-client for
# kubectl, nodejs and npm). The npm packages of deploy/check are installed
# with `npm ci` into deploy/check/node_modules when that is missing or older
# than package-lock.json; later runs need no network.
#
# Env: BUILD_DIR (default <repo>/build) holds a build of enterprise-catalog,
#      catalogctl and discovery-stub (scripts/build.sh; the stand-in needs
#      EC_BUILD_DISCOVERY_STUB=ON, the default).
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DEPLOY="${REPO_ROOT}/deploy"
BUILD_DIR="${BUILD_DIR:-${REPO_ROOT}/build}"
CHECK_DIR="${DEPLOY}/check"
DOCKERFILE="${DEPLOY}/Dockerfile"
# The Secret the manifests reference but deliberately do not contain.
EXTERNAL_SECRET="enterprise-catalog-secrets"
# Where the ENTERPRISE_CATALOG_* settings are defined (paths or globs from
# the repository root): each module's settings fragment, the PostgreSQL
# store's, and the composition root's own (app/config.cc).
SETTINGS_SOURCES=('*/settings.cc' storage/pg/pg_settings.cc app/config.cc)
# The images deploy/Dockerfile builds, as "IMAGE BUILD TARGET...": the stage
# that is the image (what `docker build --target` and docker-compose name),
# the stage that compiles its binaries from DOCKER_BUILD_ENV, and the CMake
# targets it builds.
DOCKER_BUILD_ENV="build-env"
DOCKER_IMAGES=(
  "runtime build enterprise-catalog catalogctl"
  "discovery-stub discovery-stub-build discovery-stub"
)
# Packages an image needs that ldd does not show: the service checks the TLS
# certificates of discovery and PostgreSQL.
declare -A DOCKER_IMAGE_EXTRAS=([runtime]="ca-certificates")
# Packages no image build installs: the images compile no test.
TEST_ONLY_PACKAGES="googletest libgtest-dev libgmock-dev"

log() { printf '[check-deploy] %s\n' "$*" >&2; }

WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT

passed=0
failed=0
failed_names=()

# run_check NAME FUNCTION: runs one check, counts it and says how it went.
run_check() {
  local name="$1"
  shift
  log "---- ${name}"
  local start="${SECONDS}"
  if "$@"; then
    log "PASS ${name} ($((SECONDS - start)) s)"
    passed=$((passed + 1))
  else
    log "FAIL ${name} ($((SECONDS - start)) s)"
    failed=$((failed + 1))
    failed_names+=("${name}")
  fi
}

# ---------------------------------------------------------------------------
# Tools.

SUDO=()
if [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
fi
apt_updated=0

apt_install() {
  if [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
    log "error: not root and no sudo; install as root: apt-get install $*"
    return 1
  fi
  if [[ ${apt_updated} -eq 0 ]]; then
    log "running: apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || return 1
    apt_updated=1
  fi
  log "running: apt-get install -y --no-install-recommends $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@" >&2
}

# need COMMAND PACKAGE...: installs the Debian packages if COMMAND is missing.
need() {
  local cmd="$1"
  shift
  command -v "${cmd}" >/dev/null 2>&1 && return 0
  log "${cmd} not found; installing Debian package(s): $*"
  apt_install "$@" || return 1
  command -v "${cmd}" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# 1. yamllint

check_yamllint() {
  need yamllint yamllint || return 1
  log "yamllint $(yamllint --version 2>&1 | awk '{print $2}'): every *.yml/*.yaml under deploy/"
  (cd "${REPO_ROOT}" && find deploy \( -name node_modules -prune \) -o \
    -type f \( -name '*.yml' -o -name '*.yaml' \) -print | sort | sed 's/^/  /' >&2)
  (cd "${REPO_ROOT}" && yamllint --strict -f parsable -c deploy/.yamllint deploy >&2)
}

# ---------------------------------------------------------------------------
# 2. promtool

check_promtool_rules() {
  need promtool prometheus || return 1
  log "promtool check rules: syntax, PromQL and templates of the alert rules"
  promtool check rules "${DEPLOY}/prometheus/alerts.yml" >&2 || return 1
  # Every alert must have a unit test where it fires and one where it does
  # not (exp_alerts empty).
  local alerts missing=0 alert
  alerts="$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "${DEPLOY}/prometheus/alerts.yml")"
  for alert in ${alerts}; do
    if ! ALERT="${alert}" awk '
        $1 == "alertname:" { cur = $2; next }
        cur == ENVIRON["ALERT"] && $1 == "exp_alerts:" {
          if ($2 == "[]") none = 1
          next
        }
        cur == ENVIRON["ALERT"] && $1 == "-" && $2 == "exp_labels:" { fires = 1 }
        END { exit !(fires && none) }' "${DEPLOY}/prometheus/alerts_test.yml"; then
      log "alert ${alert} lacks a test where it fires or one where it does not (alerts_test.yml)"
      missing=1
    fi
  done
  log "alerts with firing and non-firing tests: $(wc -w <<<"${alerts}")"
  return "${missing}"
}

check_promtool_test() {
  need promtool prometheus || return 1
  log "promtool test rules: alerts_test.yml against alerts.yml"
  (cd "${DEPLOY}/prometheus" && promtool test rules alerts_test.yml >&2)
}

check_promtool_config() {
  need promtool prometheus || return 1
  log "promtool check config: prometheus.yml, its scrape jobs and rule_files"
  promtool check config "${DEPLOY}/prometheus/prometheus.yml" >&2 || return 1
  local job
  for job in enterprise-catalog-server enterprise-catalog-worker; do
    if ! grep -Eq "^ *- job_name: *${job} *$" "${DEPLOY}/prometheus/prometheus.yml"; then
      log "prometheus.yml has no scrape job ${job} (the alerts use it)"
      return 1
    fi
  done
}

# ---------------------------------------------------------------------------
# 3. docker-compose

check_compose() {
  need docker-compose docker-compose || return 1
  log "docker-compose $(docker-compose version --short 2>/dev/null) config -q: schema, anchors, depends_on conditions (no engine needed)"
  docker-compose -f "${DEPLOY}/docker-compose.yml" config -q >&2 || return 1
  local services
  services="$(docker-compose -f "${DEPLOY}/docker-compose.yml" config --services 2>/dev/null | sort | tr '\n' ' ')"
  log "services: ${services}"
  local s
  for s in postgres discovery migrate server worker prometheus; do
    [[ " ${services} " == *" ${s} "* ]] || {
      log "docker-compose.yml has no service ${s}"
      return 1
    }
  done
  # The stand-in runs from its own image; the service's image holds no
  # stand-in (check 7).
  local targets expected="discovery discovery-stub,migrate runtime,server runtime,worker runtime"
  targets="$(docker-compose -f "${DEPLOY}/docker-compose.yml" config 2>/dev/null | awk '
    /^services:/ { in_services = 1; next }
    /^[^ ]/ { in_services = 0 }
    in_services && /^  [A-Za-z0-9_.-]+:$/ { service = substr($1, 1, length($1) - 1) }
    in_services && $1 == "target:" { print service, $2 }' | sort | paste -sd, -)"
  log "Dockerfile stages the services build: ${targets}"
  if [[ "${targets}" != "${expected}" ]]; then
    log "expected: ${expected}"
    return 1
  fi
}

# ---------------------------------------------------------------------------
# 4. kustomize, 5. manifests

KUSTOMIZE_DIRS=()
RENDERED=()

check_kustomize() {
  need kubectl kubernetes-client || return 1
  log "$(kubectl version --client 2>/dev/null | head -1)"
  local dirs=("${DEPLOY}/k8s/base") d out status=0
  for d in "${DEPLOY}"/k8s/overlays/*/; do
    [[ -f "${d}kustomization.yaml" ]] && dirs+=("${d%/}")
  done
  for d in "${dirs[@]}"; do
    out="${WORK}/$(echo "${d#"${DEPLOY}/"}" | tr '/' '_').yaml"
    if kubectl kustomize "${d}" >"${out}" 2>"${WORK}/kustomize.err"; then
      grep -v "^# Warning: '[A-Za-z]*' is deprecated" "${WORK}/kustomize.err" >&2
      log "rendered ${d#"${REPO_ROOT}/"}: $(grep -c '^kind:' "${out}") objects ($(grep '^kind:' "${out}" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}' | sed 's/, $//'))"
      KUSTOMIZE_DIRS+=("${d}")
      RENDERED+=("${out}")
    else
      cat "${WORK}/kustomize.err" >&2
      log "kubectl kustomize ${d#"${REPO_ROOT}/"} failed"
      status=1
    fi
  done
  return "${status}"
}

ensure_node_modules() {
  need node nodejs || return 1
  # npm writes this file last; newer than the lock file means up to date.
  local stamp="${CHECK_DIR}/node_modules/.package-lock.json"
  if [[ -f "${stamp}" && "${stamp}" -nt "${CHECK_DIR}/package-lock.json" &&
    "${stamp}" -nt "${CHECK_DIR}/package.json" ]]; then
    log "deploy/check/node_modules is up to date (no npm run)"
    return 0
  fi
  need npm npm || return 1
  log "running: npm ci in deploy/check (node $(node --version), npm $(npm --version 2>/dev/null))"
  (cd "${CHECK_DIR}" && npm ci --no-audit --no-fund >&2)
}

check_manifests() {
  if [[ ${#RENDERED[@]} -eq 0 ]]; then
    log "nothing rendered (see the kustomize check)"
    return 1
  fi
  ensure_node_modules || return 1
  log "kubernetes-models $(node -p 'require(process.argv[1]).version' \
    "${CHECK_DIR}/node_modules/kubernetes-models/package.json"): schema, unknown fields, references, selectors, probes"
  node "${CHECK_DIR}/validate-k8s.mjs" --external-secret "${EXTERNAL_SECRET}" \
    "${RENDERED[@]}" >&2
}

# ---------------------------------------------------------------------------
# 6. settings

check_settings() {
  local sources=() matches=() pattern known used name status=0
  for pattern in "${SETTINGS_SOURCES[@]}"; do
    mapfile -t matches < <(cd "${REPO_ROOT}" && compgen -G "${pattern}" | sort)
    if [[ ${#matches[@]} -eq 0 ]]; then
      log "no settings source matches ${pattern} (SETTINGS_SOURCES is stale)"
      status=1
    fi
    sources+=("${matches[@]}")
  done
  [[ ${#sources[@]} -gt 0 ]] || return 1
  known="$(cd "${REPO_ROOT}" && grep -ohE '"ENTERPRISE_CATALOG_[A-Z0-9_]+"' "${sources[@]}" |
    tr -d '"' | sort -u)"
  used="$(cat "${DEPLOY}/docker-compose.yml" "${DOCKERFILE}" "${RENDERED[@]}" 2>/dev/null |
    grep -v '^ *#' | grep -oE 'ENTERPRISE_CATALOG_[A-Z0-9_]+' | sort -u)"
  log "settings sources: ${sources[*]}"
  log "ENTERPRISE_CATALOG_* names in docker-compose.yml, the Dockerfile and the rendered manifests: $(echo "${used}" | wc -l); settings defined: $(echo "${known}" | wc -l)"
  for name in ${used}; do
    if ! in_list "${name}" "${known}"; then
      log "${name} is not a setting (none of: ${sources[*]} defines it)"
      status=1
    fi
  done
  return "${status}"
}

# ---------------------------------------------------------------------------
# 7. Dockerfile

# dockerfile_stage NAME: the lines of stage NAME ("FROM ... AS NAME") with
# continuation lines joined.
dockerfile_stage() {
  STAGE="$1" awk '
    /^FROM / { in_stage = (tolower($NF) == tolower(ENVIRON["STAGE"]) && tolower($(NF-1)) == "as") }
    in_stage && !/^[ \t]*#/ { print }
  ' "${DOCKERFILE}" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta'
}

# apt_packages_of STAGE: the packages that stage's apt-get install lines name.
apt_packages_of() {
  dockerfile_stage "$1" | grep 'apt-get install' | sed 's/.*apt-get install//; s/&&.*//' |
    tr -s ' \t' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u
}

# base_image_packages: packages every Debian image has, debian:bookworm-slim
# included: the Essential ones and apt, with everything they depend on
# (Depends and Pre-Depends without alternatives), as this bookworm system
# resolves them. A lower bound of the slim image's contents.
base_image_packages() {
  dpkg-query -W -f='${Package}\t${Essential}\t${Pre-Depends}, ${Depends}\n' |
    awk -F'\t' '
      {
        installed[$1] = 1
        deps[$1] = $3
        if ($2 == "yes") queue[++n] = $1
      }
      END {
        queue[++n] = "apt"
        for (i = 1; i <= n; i++) {
          p = queue[i]
          if (seen[p] || !installed[p]) continue
          seen[p] = 1
          m = split(deps[p], parts, ",")
          for (j = 1; j <= m; j++) {
            d = parts[j]
            if (d ~ /\|/) continue
            sub(/\(.*/, "", d)
            gsub(/ /, "", d)
            sub(/:.*/, "", d)
            if (d != "") queue[++n] = d
          }
        }
        for (p in seen) print p
      }' | sort
}

# packages_of FILE...: prints "FILE PACKAGE" for each FILE a Debian package
# ships, with one dpkg -S for all (each call reads the whole file database).
# Merged-/usr aware: tries the path and its target, each with and without
# the /usr prefix.
packages_of() {
  local files=("$@") reals=() candidates=() c i
  mapfile -t reals < <(readlink -f -- "${files[@]}")
  for i in "${!files[@]}"; do
    for c in "${files[i]}" "${reals[i]}"; do
      candidates+=("${c}")
      case "${c}" in
        /usr/lib/*) candidates+=("${c#/usr}") ;;
        /lib/*) candidates+=("/usr${c}") ;;
      esac
    done
  done
  # dpkg -S prints "pkg:arch[, pkg2:arch]: /path"; keep "/path pkg".
  dpkg -S "${candidates[@]}" 2>/dev/null |
    sed -E 's/^([^:,]+)(:[^,:]+)?(, [^:]+)*: (\/.*)$/\4 \1/' >"${WORK}/dpkg-S.txt"
  paste -d ' ' <(printf '%s\n' "${files[@]}") <(printf '%s\n' "${reals[@]}") |
    awk 'NR == FNR { pkg[$1] = $2; next }
      {
        n = split($1 " " $2, c, " ")
        for (i = 1; i <= n; i++) {
          alt = c[i]
          if (alt ~ /^\/usr\/lib\//) { alt = substr(alt, 5) } else if (alt ~ /^\/lib\//) { alt = "/usr" alt }
          if (c[i] in pkg) { print $1, pkg[c[i]]; next }
          if (alt in pkg) { print $1, pkg[alt]; next }
        }
      }' "${WORK}/dpkg-S.txt" -
}

# in_list WORD LIST: whether WORD is one of the words of LIST (no fork).
in_list() {
  [[ $'\n'"$2"$'\n' == *$'\n'"$1"$'\n'* ]]
}

# check_image IMAGE BUILD TARGET...: the image stage IMAGE, whose binaries
# stage BUILD compiles (the CMake targets TARGET...). BUILD configures
# without tests and builds and copies out exactly those binaries; IMAGE
# copies from BUILD alone; IMAGE's apt-get install list holds the package
# of every shared library the binaries load (ldd of the build in BUILD_DIR)
# that the base image lacks, plus DOCKER_IMAGE_EXTRAS, and nothing else.
check_image() {
  local image="$1" build="$2"
  shift 2
  local targets=("$@") status=0 packages build_lines want_stub built expected
  local binaries=() rel bin lib pkg froms extras
  packages="$(apt_packages_of "${image}")"
  build_lines="$(dockerfile_stage "${build}")"
  if [[ -z "${packages}" || -z "${build_lines}" ]]; then
    log "image ${image}: no apt-get install list in stage ${image}, or no stage ${build}"
    return 1
  fi
  log "image ${image}: installs $(echo "${packages}" | wc -l) packages; stage ${build} builds ${targets[*]}"

  if ! grep -qiE "^FROM +${DOCKER_BUILD_ENV} +AS " <<<"${build_lines}"; then
    log "  stage ${build} does not start FROM ${DOCKER_BUILD_ENV}"
    status=1
  fi
  if grep -q 'apt-get install' <<<"${build_lines}"; then
    log "  stage ${build} installs packages: build packages belong in ${DOCKER_BUILD_ENV}"
    status=1
  fi
  # Tests need GoogleTest, which no image build installs.
  if ! grep -qE -- '-DBUILD_TESTING=OFF( |$)' <<<"${build_lines}"; then
    log "  stage ${build} does not configure with -DBUILD_TESTING=OFF"
    status=1
  fi
  want_stub=OFF
  [[ " ${targets[*]} " == *" discovery-stub "* ]] && want_stub=ON
  if ! grep -qE -- "-DEC_BUILD_DISCOVERY_STUB=${want_stub}( |\$)" <<<"${build_lines}"; then
    log "  stage ${build} does not configure with -DEC_BUILD_DISCOVERY_STUB=${want_stub}"
    status=1
  fi
  built="$(grep -oE -- '--target( +[A-Za-z0-9_.-]+)+' <<<"${build_lines}" |
    sed 's/^--target//' | tr -s ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')"
  expected="$(printf '%s\n' "${targets[@]}" | sort -u | tr '\n' ' ')"
  if [[ "${built}" != "${expected}" ]]; then
    log "  stage ${build} builds the targets: ${built:-none}; expected: ${expected}"
    status=1
  fi

  # The binaries the build stage copies out of /build, found in BUILD_DIR.
  mapfile -t binaries < <(grep -oE '/build/[A-Za-z0-9_./-]+' <<<"${build_lines}" | sed 's|^/build/||' | sort -u)
  if [[ "$(printf '%s\n' "${binaries[@]}" | sed 's|.*/||' | sort -u | tr '\n' ' ')" != "${expected}" ]]; then
    log "  stage ${build} copies out of /build: ${binaries[*]}; expected one binary per target: ${expected}"
    status=1
  fi
  froms="$(dockerfile_stage "${image}" | grep -oiE -- '--from=[A-Za-z0-9_.-]+' | sed 's/^--from=//I' | sort -u | tr '\n' ' ')"
  if [[ "${froms}" != "${build} " ]]; then
    log "  stage ${image} copies from: ${froms:-nothing}; expected only ${build}"
    status=1
  fi
  extras="${DOCKER_IMAGE_EXTRAS[${image}]:-}"
  for pkg in ${extras}; do
    in_list "${pkg}" "${packages}" || {
      log "  stage ${image} does not install ${pkg}"
      status=1
    }
  done

  local -A need_by=() lib_users=()
  local missing_lib=0
  for rel in "${binaries[@]}"; do
    bin="${BUILD_DIR}/${rel}"
    if [[ ! -x "${bin}" ]]; then
      log "  ${bin} does not exist: build first (scripts/build.sh) or set BUILD_DIR"
      status=1
      continue
    fi
    if ldd "${bin}" | grep -q 'not found'; then
      ldd "${bin}" | grep 'not found' >&2
      missing_lib=1
    fi
    while read -r lib; do
      lib_users[${lib}]="${lib_users[${lib}]:-}${lib_users[${lib}]:+,}$(basename "${rel}")"
    done < <(ldd "${bin}" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
  done
  local -A lib_package=()
  [[ ${#lib_users[@]} -gt 0 ]] && while read -r lib pkg; do
    lib_package[${lib}]="${pkg}"
  done < <(packages_of "${!lib_users[@]}")
  for lib in "${!lib_users[@]}"; do
    pkg="${lib_package[${lib}]:-}"
    if [[ -z "${pkg}" ]]; then
      log "  no Debian package ships ${lib} (loaded by ${lib_users[${lib}]})"
      status=1
      continue
    fi
    need_by[${pkg}]="${need_by[${pkg}]:-}${need_by[${pkg}]:+,}${lib_users[${lib}]}"
  done
  [[ ${missing_lib} -eq 0 ]] || status=1

  local count_needed=0 count_base=0
  for pkg in $(printf '%s\n' "${!need_by[@]}" | sort); do
    if in_list "${pkg}" "${packages}"; then
      count_needed=$((count_needed + 1))
    elif in_list "${pkg}" "${BASE_PACKAGES}"; then
      count_base=$((count_base + 1))
      log "  in every Debian image (Essential/apt closure): ${pkg}"
    else
      log "  MISSING from stage ${image}'s apt-get install: ${pkg} (loaded by ${need_by[${pkg}]})"
      status=1
    fi
  done
  # Only a complete ldd run can tell what is not needed.
  if [[ ${#binaries[@]} -gt 0 && ${status} -eq 0 ]]; then
    for pkg in ${packages}; do
      if [[ -z "${need_by[${pkg}]:-}" ]] && ! in_list "${pkg}" "$(tr ' ' '\n' <<<"${extras}")"; then
        log "  stage ${image} installs ${pkg}, which none of its binaries loads"
        status=1
      fi
    done
  fi
  log "  ldd of ${#binaries[@]} binaries in ${BUILD_DIR}: ${#need_by[@]} packages; ${count_needed} installed by stage ${image}, ${count_base} in the base image"
  return "${status}"
}

check_dockerfile() {
  local status=0 build_env install_deps all_packages entry pkg
  build_env="$(apt_packages_of "${DOCKER_BUILD_ENV}")"
  if [[ -z "${build_env}" ]]; then
    log "could not find the apt-get install list of the ${DOCKER_BUILD_ENV} stage in ${DOCKERFILE}"
    return 1
  fi
  log "stage ${DOCKER_BUILD_ENV} installs $(echo "${build_env}" | wc -l) packages"

  # The build packages must be project dependencies, and none test-only.
  install_deps="$(sed -n '/^PACKAGES=(/,/^)/p' "${REPO_ROOT}/scripts/install-deps.sh" |
    sed 's/#.*//' | tr -s ' \t' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)"
  for pkg in ${build_env}; do
    if ! in_list "${pkg}" "${install_deps}"; then
      log "build package ${pkg} is not in scripts/install-deps.sh"
      status=1
    fi
    if in_list "${pkg}" "$(tr ' ' '\n' <<<"${TEST_ONLY_PACKAGES}")"; then
      log "build package ${pkg} is for tests, which no image build compiles"
      status=1
    fi
  done

  BASE_PACKAGES="$(base_image_packages)"
  all_packages="${build_env}"
  for entry in "${DOCKER_IMAGES[@]}"; do
    # shellcheck disable=SC2086  # "IMAGE BUILD TARGET..." splits into words
    check_image ${entry} || status=1
    all_packages+=$'\n'"$(apt_packages_of "${entry%% *}")"
  done

  # Every package named must exist in the apt lists, where there are lists.
  # (One apt-cache call: each one reads all the package lists.)
  local known_to_apt
  all_packages="$(sort -u <<<"${all_packages}" | sed '/^$/d')"
  # shellcheck disable=SC2086  # word-split package lists
  known_to_apt="$(apt-cache show --no-all-versions libc6 ${all_packages} 2>/dev/null |
    sed -n 's/^Package: //p' | sort -u)"
  if in_list libc6 "${known_to_apt}"; then
    for pkg in ${all_packages}; do
      if ! in_list "${pkg}" "${known_to_apt}"; then
        log "Dockerfile package ${pkg} is unknown to apt"
        status=1
      fi
    done
  else
    log "note: no apt package lists here; package names not looked up (run apt-get update)"
  fi
  return "${status}"
}

# ---------------------------------------------------------------------------

log "repository ${REPO_ROOT}; BUILD_DIR ${BUILD_DIR}"
run_check "yamllint deploy/" check_yamllint
run_check "promtool check rules" check_promtool_rules
run_check "promtool test rules" check_promtool_test
run_check "promtool check config" check_promtool_config
run_check "docker-compose config" check_compose
run_check "kubectl kustomize" check_kustomize
run_check "kubernetes schema check" check_manifests
run_check "settings names" check_settings
run_check "Dockerfile runtime packages" check_dockerfile

if [[ ${failed} -ne 0 ]]; then
  log "failed: ${failed_names[*]}"
fi
echo "check-deploy: ${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
