#!/usr/bin/env bash
# Manages a throwaway (tests) or local (quickstart) PostgreSQL 15 cluster.
#
# Usage:
#   pg-cluster.sh start    STATE_DIR [--port N] [--fast]
#   pg-cluster.sh replica  STATE_DIR PRIMARY_STATE_DIR [--port N] [--fast]
#   pg-cluster.sh stop     STATE_DIR
#   pg-cluster.sh destroy  STATE_DIR
#   pg-cluster.sh dsn      STATE_DIR [DBNAME]
#   pg-cluster.sh createdb STATE_DIR DBNAME
#
# start     Starts the cluster (initdb on first use) and prints the admin DSN
#           postgresql://postgres@/postgres?host=<socketdir>&port=<port>
#           on stdout. If the cluster already answers, just prints the DSN.
#           Without --port the server listens only on its Unix socket (port
#           5432 names the socket); with --port N it also listens on
#           127.0.0.1:N. --fast turns off fsync, synchronous_commit and
#           full_page_writes (tests only: a crash can corrupt the cluster).
# replica   As start, but on first use the data dir is a base backup of the
#           running cluster of PRIMARY_STATE_DIR (pg_basebackup -R -X stream):
#           a hot standby streaming from it, read-only. stop and destroy
#           work on it as on any cluster.
# stop      Stops the cluster (pg_ctl stop -m fast); succeeds if not running.
# destroy   Stops the cluster and deletes its data dir, socket dir and the
#           files in STATE_DIR.
# dsn       Prints the DSN, for database DBNAME if given.
# createdb  Creates database DBNAME unless it exists (the cluster must run).
#
# STATE_DIR holds only small text files (dsn, datadir, socketdir, port) and
# belongs to the invoking user. When run as root the server runs as the
# `postgres` user; its data dir is STATE_DIR/pgdata if `postgres` can reach
# STATE_DIR, else /var/tmp/ec-pg-<hash of STATE_DIR>. The socket dir is a
# short directory /tmp/ec-pg.XXXXXXXX owned by the server user.
#
# Only the DSN goes to stdout; all diagnostics go to stderr.
#
# Env: EC_PG_BINDIR (default /usr/lib/postgresql/15/bin).
set -euo pipefail

PG_BINDIR="${EC_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
DEFAULT_PORT=5432
PROG="pg-cluster"

log() { printf '[%s] %s\n' "${PROG}" "$*" >&2; }
die() {
  printf '[%s] error: %s\n' "${PROG}" "$*" >&2
  exit 1
}

usage() {
  cat >&2 <<'USAGE'
usage: pg-cluster.sh start    STATE_DIR [--port N] [--fast]
       pg-cluster.sh replica  STATE_DIR PRIMARY_STATE_DIR [--port N] [--fast]
       pg-cluster.sh stop     STATE_DIR
       pg-cluster.sh destroy  STATE_DIR
       pg-cluster.sh dsn      STATE_DIR [DBNAME]
       pg-cluster.sh createdb STATE_DIR DBNAME
USAGE
  exit 2
}

# --- Identity -----------------------------------------------------------------

if [[ "$(id -u)" -eq 0 ]]; then
  AS_ROOT=1
  PG_USER=postgres
  id -u "${PG_USER}" >/dev/null 2>&1 ||
    die "running as root but user '${PG_USER}' does not exist (install postgresql-15)"
  PG_GROUP="$(id -gn "${PG_USER}")"
else
  AS_ROOT=0
  PG_USER="$(id -un)"
  PG_GROUP="$(id -gn)"
fi

# Runs a command as the server user, from / (the caller's working directory
# may not be reachable by that user).
as_pg() {
  if [[ "${AS_ROOT}" -eq 1 ]]; then
    (cd / && runuser -u "${PG_USER}" -- "$@")
  else
    (cd / && "$@")
  fi
}

pg_bin() {
  local bin="${PG_BINDIR}/$1"
  [[ -x "${bin}" ]] || die "${bin} not found (install postgresql-15, or set EC_PG_BINDIR)"
  printf '%s\n' "${bin}"
}

# --- State --------------------------------------------------------------------

STATE_DIR=""

# Sets STATE_DIR to the absolute path of $1, creating it if asked.
init_state_dir() {
  local dir="$1" create="$2"
  [[ -n "${dir}" ]] || usage
  if [[ "${create}" -eq 1 ]]; then
    mkdir -p -- "${dir}" || die "cannot create state dir ${dir}"
  fi
  if [[ -d "${dir}" ]]; then
    STATE_DIR="$(cd -- "${dir}" && pwd -P)"
  else
    STATE_DIR="$(realpath -m -- "${dir}")"
  fi
}

state_get() {
  local file="${STATE_DIR}/$1"
  [[ -f "${file}" ]] || return 1
  local value
  value="$(head -n1 -- "${file}")"
  [[ -n "${value}" ]] || return 1
  printf '%s\n' "${value}"
}

state_put() {
  local file="${STATE_DIR}/$1" tmp
  tmp="$(mktemp "${STATE_DIR}/.$1.XXXXXX")"
  printf '%s\n' "$2" >"${tmp}"
  chmod 644 "${tmp}"
  mv -f -- "${tmp}" "${file}"
}

# Serializes concurrent invocations on the same STATE_DIR. The lock is held
# on fd 9 until exit; fd 9 must not leak into the postmaster (see cmd_start).
LOCKED=0
lock_state() {
  [[ "${LOCKED}" -eq 0 ]] || return 0
  LOCKED=1
  exec 9>>"${STATE_DIR}/.lock"
  if ! flock -w 120 9; then
    die "timed out waiting for lock ${STATE_DIR}/.lock"
  fi
}

path_hash() { printf '%s' "$1" | sha256sum | cut -c1-16; }

# Is $1 a real (non-symlink) directory owned by the server user?
owned_dir() {
  [[ -d "$1" && ! -L "$1" && "$(stat -c %U -- "$1")" == "${PG_USER}" ]]
}

# Creates directory $1 (if missing) owned by the server user, mode 0700.
make_pg_dir() {
  local dir="$1"
  if [[ -e "${dir}" || -L "${dir}" ]]; then
    owned_dir "${dir}" || die "${dir} exists but is not a directory owned by ${PG_USER}"
  else
    mkdir -m 700 -- "${dir}"
    if [[ "${AS_ROOT}" -eq 1 ]]; then
      chown "${PG_USER}:${PG_GROUP}" -- "${dir}"
    fi
  fi
  chmod 700 -- "${dir}"
}

# Prints the data directory for this state dir (recorded one if any).
data_dir() {
  local recorded
  if recorded="$(state_get datadir)"; then
    printf '%s\n' "${recorded}"
    return
  fi
  if [[ "${AS_ROOT}" -eq 0 ]] || runuser -u "${PG_USER}" -- test -x "${STATE_DIR}"; then
    printf '%s\n' "${STATE_DIR}/pgdata"
  else
    printf '/var/tmp/ec-pg-%s\n' "$(path_hash "${STATE_DIR}")"
  fi
}

is_initialized() { [[ -f "$1/PG_VERSION" ]] || as_pg test -f "$1/PG_VERSION"; }

# Prints "port socketdir" of the postmaster running on data dir $1, or fails.
running_endpoint() {
  local datadir="$1" pidfile="$1/postmaster.pid" lines
  as_pg "$(pg_bin pg_ctl)" status -D "${datadir}" >/dev/null 2>&1 || return 1
  # postmaster.pid: line 4 is the port, line 5 the first socket directory.
  lines="$(as_pg cat -- "${pidfile}" 2>/dev/null)" || return 1
  local port socketdir
  port="$(sed -n 4p <<<"${lines}")"
  socketdir="$(sed -n 5p <<<"${lines}")"
  [[ -n "${port}" && -n "${socketdir}" ]] || return 1
  printf '%s %s\n' "${port}" "${socketdir}"
}

make_dsn() {
  local socketdir="$1" port="$2" db="${3:-postgres}"
  printf 'postgresql://postgres@/%s?host=%s&port=%s\n' "${db}" "${socketdir}" "${port}"
}

# Prints the admin DSN if the recorded cluster answers.
live_dsn() {
  local dsn socketdir port
  dsn="$(state_get dsn)" || return 1
  socketdir="$(state_get socketdir)" || return 1
  port="$(state_get port)" || return 1
  "$(pg_bin pg_isready)" -q -h "${socketdir}" -p "${port}" -U postgres -d postgres ||
    return 1
  printf '%s\n' "${dsn}"
}

show_log_tail() {
  local logfile="$1"
  log "---- last 40 lines of ${logfile} ----"
  as_pg tail -n 40 -- "${logfile}" >&2 || log "(no server log)"
  log "---- end of server log ----"
}

valid_dbname() { [[ "$1" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]]; }

# --- Commands -----------------------------------------------------------------

cmd_start() {
  local port="" fast=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port)
        [[ $# -ge 2 ]] || die "--port needs a value"
        port="$2"
        shift 2
        ;;
      --port=*)
        port="${1#--port=}"
        shift
        ;;
      --fast)
        fast=1
        shift
        ;;
      *) die "start: unknown argument '$1'" ;;
    esac
  done
  if [[ -n "${port}" ]]; then
    [[ "${port}" =~ ^[0-9]+$ && "${port}" -ge 1 && "${port}" -le 65535 ]] ||
      die "invalid port '${port}'"
  fi
  local listen_port="${port:-${DEFAULT_PORT}}"

  lock_state

  local dsn
  if dsn="$(live_dsn)"; then
    local running_port
    running_port="$(state_get port)"
    if [[ -n "${port}" && "${running_port}" != "${port}" ]]; then
      log "warning: cluster already running on port ${running_port}, not ${port}; keeping it"
    fi
    log "cluster in ${STATE_DIR} already running"
    printf '%s\n' "${dsn}"
    return 0
  fi

  local datadir
  datadir="$(data_dir)"

  # A server may be running without a usable dsn file (e.g. it was deleted);
  # adopt it rather than failing to start a second postmaster.
  local endpoint
  if is_initialized "${datadir}" && endpoint="$(running_endpoint "${datadir}")"; then
    local run_port="${endpoint%% *}" run_socketdir="${endpoint#* }"
    log "server already running on ${datadir}; recording its socket ${run_socketdir}"
    state_put datadir "${datadir}"
    state_put socketdir "${run_socketdir}"
    state_put port "${run_port}"
    dsn="$(make_dsn "${run_socketdir}" "${run_port}")"
    state_put dsn "${dsn}"
    printf '%s\n' "${dsn}"
    return 0
  fi

  # --- Data directory.
  if [[ "${datadir}" == "${STATE_DIR}/pgdata" ]]; then
    log "data dir: ${datadir}"
  else
    log "data dir: ${datadir} (the server user '${PG_USER}' cannot reach ${STATE_DIR})"
  fi
  make_pg_dir "${datadir}"
  state_put datadir "${datadir}"

  if ! is_initialized "${datadir}"; then
    # A half-done initdb leaves junk behind; our own dir, so clear it.
    as_pg find "${datadir}" -mindepth 1 -delete
    local locale=C
    if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then
      locale=C.UTF-8
    fi
    local initdb_args=(-D "${datadir}" -U postgres --auth=trust --encoding=UTF8
      "--locale=${locale}" --no-instructions)
    [[ "${fast}" -eq 1 ]] && initdb_args+=(--no-sync)
    log "running initdb (locale ${locale}) as ${PG_USER}"
    local initdb_out
    if ! initdb_out="$(as_pg env LC_ALL=C "$(pg_bin initdb)" "${initdb_args[@]}" 2>&1)"; then
      printf '%s\n' "${initdb_out}" >&2
      die "initdb failed for ${datadir}"
    fi
    # Settings that change per start live in ec_cluster.conf.
    printf "\n# Added by scripts/pg-cluster.sh; rewritten on every start.\ninclude_if_exists = 'ec_cluster.conf'\n" |
      as_pg tee -a "${datadir}/postgresql.conf" >/dev/null
  fi

  # --- Socket directory: reuse the recorded one while it is still valid.
  local socketdir
  if ! socketdir="$(state_get socketdir)" || [[ "${socketdir}" != /tmp/ec-pg.* ]] ||
    ! owned_dir "${socketdir}"; then
    socketdir="$(mktemp -d /tmp/ec-pg.XXXXXXXX)"
    if [[ "${AS_ROOT}" -eq 1 ]]; then
      chown "${PG_USER}:${PG_GROUP}" -- "${socketdir}"
    fi
    chmod 700 -- "${socketdir}"
  fi
  state_put socketdir "${socketdir}"

  # --- Per-start settings.
  local listen="''"
  [[ -n "${port}" ]] && listen="'127.0.0.1'"
  {
    printf '# Written by scripts/pg-cluster.sh on every start; edits are lost.\n'
    printf 'listen_addresses = %s\n' "${listen}"
    printf 'port = %s\n' "${listen_port}"
    printf "unix_socket_directories = '%s'\n" "${socketdir}"
    if [[ "${fast}" -eq 1 ]]; then
      printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
    fi
  } | as_pg tee "${datadir}/ec_cluster.conf" >/dev/null

  # --- Start.
  local logfile="${datadir}/server.log"
  log "starting PostgreSQL (socket ${socketdir}, port ${listen_port}$([[ -n "${port}" ]] && printf ', tcp 127.0.0.1')$([[ "${fast}" -eq 1 ]] && printf ', fast/unsafe'))"
  # 9>&-: the daemonized postmaster must not inherit (and hold) our lock.
  if ! as_pg "$(pg_bin pg_ctl)" start -w -t 120 -D "${datadir}" -l "${logfile}" >&2 9>&-; then
    show_log_tail "${logfile}"
    die "PostgreSQL failed to start (data dir ${datadir})"
  fi

  local i
  for ((i = 0; i < 120; i++)); do
    if "$(pg_bin pg_isready)" -q -h "${socketdir}" -p "${listen_port}" -U postgres -d postgres; then
      break
    fi
    sleep 0.5
  done
  if [[ "${i}" -ge 120 ]]; then
    show_log_tail "${logfile}"
    die "PostgreSQL started but does not accept connections on ${socketdir}"
  fi

  dsn="$(make_dsn "${socketdir}" "${listen_port}")"
  state_put port "${listen_port}"
  state_put dsn "${dsn}"
  log "ready: ${dsn}"
  printf '%s\n' "${dsn}"
}

cmd_replica() {
  local primary_state="$1" primary_dsn
  shift
  primary_dsn="$(bash "${BASH_SOURCE[0]}" dsn "${primary_state}")" ||
    die "no primary cluster in ${primary_state}"
  lock_state
  local datadir
  datadir="$(data_dir)"
  if ! is_initialized "${datadir}"; then
    make_pg_dir "${datadir}"
    as_pg find "${datadir}" -mindepth 1 -delete
    log "base backup of ${primary_dsn} into ${datadir}"
    # -R writes standby.signal and primary_conninfo: it streams from the
    # primary as soon as it starts.
    as_pg "$(pg_bin pg_basebackup)" -D "${datadir}" -R -X stream \
      --checkpoint=fast --no-sync -d "${primary_dsn}" >&2 ||
      die "pg_basebackup from ${primary_dsn} failed"
    state_put datadir "${datadir}"
  fi
  cmd_start "$@"
}

cmd_stop() {
  if [[ ! -d "${STATE_DIR}" ]]; then
    log "no state dir ${STATE_DIR}; nothing to stop"
    return 0
  fi
  lock_state
  local datadir
  if ! datadir="$(state_get datadir)" || ! is_initialized "${datadir}"; then
    log "no cluster recorded in ${STATE_DIR}; nothing to stop"
    return 0
  fi
  if ! as_pg "$(pg_bin pg_ctl)" status -D "${datadir}" >/dev/null 2>&1; then
    log "cluster on ${datadir} is not running"
    return 0
  fi
  log "stopping cluster on ${datadir}"
  if ! as_pg "$(pg_bin pg_ctl)" stop -D "${datadir}" -m fast -w -t 60 >&2; then
    log "fast shutdown failed; trying immediate shutdown"
    as_pg "$(pg_bin pg_ctl)" stop -D "${datadir}" -m immediate -w -t 60 >&2 ||
      die "could not stop the cluster on ${datadir}"
  fi
}

cmd_destroy() {
  if [[ ! -d "${STATE_DIR}" ]]; then
    log "no state dir ${STATE_DIR}; nothing to destroy"
    return 0
  fi
  cmd_stop
  local datadir socketdir
  if datadir="$(state_get datadir)"; then
    # Only delete directories this script creates.
    if [[ "${datadir}" == "${STATE_DIR}/pgdata" || "${datadir}" == /var/tmp/ec-pg-* ]]; then
      log "removing data dir ${datadir}"
      rm -rf -- "${datadir}"
    else
      log "warning: not removing unexpected data dir ${datadir}"
    fi
  fi
  if socketdir="$(state_get socketdir)"; then
    if [[ "${socketdir}" == /tmp/ec-pg.* ]]; then
      log "removing socket dir ${socketdir}"
      rm -rf -- "${socketdir}"
    fi
  fi
  rm -f -- "${STATE_DIR}/dsn" "${STATE_DIR}/datadir" "${STATE_DIR}/socketdir" \
    "${STATE_DIR}/port" "${STATE_DIR}/.lock"
  rmdir -- "${STATE_DIR}" 2>/dev/null || log "left ${STATE_DIR} in place (not empty)"
  log "destroyed"
}

cmd_dsn() {
  local db="${1:-}" dsn
  dsn="$(state_get dsn)" || die "no DSN in ${STATE_DIR}; run: pg-cluster.sh start ${STATE_DIR}"
  if [[ -n "${db}" ]]; then
    valid_dbname "${db}" || die "invalid database name '${db}' (use [A-Za-z_][A-Za-z0-9_]*)"
    dsn="${dsn/\/postgres\?//${db}?}"
  fi
  printf '%s\n' "${dsn}"
}

cmd_createdb() {
  local db="${1:-}"
  [[ -n "${db}" ]] || usage
  valid_dbname "${db}" || die "invalid database name '${db}' (use [A-Za-z_][A-Za-z0-9_]*)"
  lock_state
  local dsn
  dsn="$(live_dsn)" || die "cluster in ${STATE_DIR} is not running; run: pg-cluster.sh start ${STATE_DIR}"
  local psql
  psql="$(pg_bin psql)"
  local exists
  exists="$("${psql}" "${dsn}" -X -v ON_ERROR_STOP=1 -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = '${db}'")"
  if [[ "${exists}" == "1" ]]; then
    log "database ${db} already exists"
    return 0
  fi
  log "creating database ${db}"
  "${psql}" "${dsn}" -X -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"${db}\"" >&2
}

# --- Main ---------------------------------------------------------------------

[[ $# -ge 2 ]] || usage
command="$1"
shift
case "${command}" in
  start)
    init_state_dir "$1" 1
    shift
    cmd_start "$@"
    ;;
  replica)
    [[ $# -ge 2 ]] || usage
    init_state_dir "$1" 1
    shift
    cmd_replica "$@"
    ;;
  stop)
    [[ $# -eq 1 ]] || usage
    init_state_dir "$1" 0
    cmd_stop
    ;;
  destroy)
    [[ $# -eq 1 ]] || usage
    init_state_dir "$1" 0
    cmd_destroy
    ;;
  dsn)
    [[ $# -le 2 ]] || usage
    init_state_dir "$1" 0
    cmd_dsn "${2:-}"
    ;;
  createdb)
    [[ $# -eq 2 ]] || usage
    init_state_dir "$1" 0
    cmd_createdb "$2"
    ;;
  *) usage ;;
esac
