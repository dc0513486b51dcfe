#!/usr/bin/env bash
# Generates the Python gRPC client modules for proto/enterprise_catalog/v1.
#
# Usage:
#   gen-python-stubs.sh OUT_DIR
#
# Writes the package OUT_DIR/enterprise_catalog/v1 (with __init__.py files,
# matching the proto package enterprise_catalog.v1 and the imports the
# generated code makes):
#   catalog_pb2.py, catalog_service_pb2.py   messages
#   catalog_service_pb2_grpc.py              EnterpriseCatalogServiceStub
# Put OUT_DIR on PYTHONPATH. OUT_DIR/enterprise_catalog is replaced as a
# whole on every run, so running it again gives the same files; nothing
# else in OUT_DIR is touched. Finally it imports the modules once with
# $PYTHON, so a runtime that cannot load them fails here, not later.
#
# Env:
#   PYTHON               interpreter with python3-grpc-tools (default
#                        /usr/bin/python3: Debian's packages live there, not
#                        in a pyenv or venv python).
#   EC_PY_STUBS_MESSAGES grpc_tools (default) or protoc: which compiler
#                        writes the *_pb2.py message modules (see below).
#   PROTOC               Debian's protoc (default /usr/bin/protoc).
#   GRPC_PYTHON_PLUGIN   default /usr/bin/grpc_python_plugin.
#
# Which compiler, decided by experiment on Debian 12:
# - python3-grpc-tools 1.14.1 bundles libprotoc 3.5.1. It compiles these
#   protos (they use nothing newer than 3.5), and its *_pb2.py files build
#   their descriptors directly, the pre-3.19 style. Debian's python3-protobuf
#   3.21 (C++ backend) loads them without a warning; its pure-Python backend
#   loads them with DeprecationWarnings. The protobuf 4.x wheels from PyPI
#   refuse such files ("Descriptors cannot be created directly"). So the
#   default is grpc_tools for everything, for a Debian runtime.
# - EC_PY_STUBS_MESSAGES=protoc writes the message modules with Debian's
#   protoc 3.21 instead (builder style; needs a protobuf runtime >= 3.20,
#   e.g. for a PyPI protobuf 4.x) and keeps grpc_tools for the service
#   module: *_pb2_grpc.py only calls channel.unary_unary with the message
#   classes' (de)serializers, which is the same in every version.
# - libprotoc 3.5.1 rejects syntax added later, e.g. proto3 `optional` (needs
#   protoc >= 3.15). If grpc_tools cannot parse the protos, this script says
#   so and falls back to Debian's protoc plus grpc_python_plugin
#   (protobuf-compiler-grpc) for all modules.
set -euo pipefail

PROG="gen-python-stubs"
log() { printf '[%s] %s\n' "${PROG}" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

if [[ $# -ne 1 || -z "$1" || "$1" == -* ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 64
fi
OUT_DIR="$1"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROTO_ROOT="${REPO_ROOT}/proto"
PYTHON="${PYTHON:-/usr/bin/python3}"
PROTOC="${PROTOC:-/usr/bin/protoc}"
GRPC_PYTHON_PLUGIN="${GRPC_PYTHON_PLUGIN:-/usr/bin/grpc_python_plugin}"
MESSAGES="${EC_PY_STUBS_MESSAGES:-grpc_tools}"

case "${MESSAGES}" in
  grpc_tools | protoc) ;;
  *) die "EC_PY_STUBS_MESSAGES must be grpc_tools or protoc, not '${MESSAGES}'" ;;
esac

[[ -x "${PYTHON}" ]] ||
  die "${PYTHON} not found: install python3 (apt-get install python3) or set PYTHON"
"${PYTHON}" -c 'import grpc_tools.protoc' 2>/dev/null ||
  die "${PYTHON} cannot import grpc_tools.protoc: install python3-grpc-tools (apt-get install python3-grpc-tools)"
need_protoc() {
  [[ -x "${PROTOC}" ]] ||
    die "${PROTOC} not found: install protobuf-compiler (apt-get install protobuf-compiler) or set PROTOC"
}

# Paths relative to PROTO_ROOT, as the generated imports name them.
mapfile -t PROTOS < <(cd "${PROTO_ROOT}" && find enterprise_catalog -name '*.proto' | LC_ALL=C sort)
[[ ${#PROTOS[@]} -gt 0 ]] || die "no .proto files under ${PROTO_ROOT}/enterprise_catalog"
mapfile -t SERVICE_PROTOS < <(cd "${PROTO_ROOT}" && grep -l '^service ' "${PROTOS[@]}")

mkdir -p "${OUT_DIR}"
OUT_DIR="$(cd "${OUT_DIR}" && pwd)"
TMP="$(mktemp -d "${OUT_DIR}/.gen-python-stubs.XXXXXX")"
trap 'rm -rf "${TMP}"' EXIT

grpc_tools_protoc() {
  # `-m grpc_tools.protoc` adds grpc_tools' own copy of the well-known types
  # (google/protobuf/struct.proto, ...) to the include path.
  "${PYTHON}" -m grpc_tools.protoc -I"${PROTO_ROOT}" "$@"
}

if ! grpc_tools_protoc --python_out="${TMP}" "${PROTOS[@]}" 2>"${TMP}/.err"; then
  log "grpc_tools ($("${PYTHON}" -m grpc_tools.protoc --version 2>&1)) cannot compile the protos:"
  sed 's/^/  /' "${TMP}/.err" >&2
  log "falling back to ${PROTOC} and ${GRPC_PYTHON_PLUGIN} for all modules"
  need_protoc
  [[ -x "${GRPC_PYTHON_PLUGIN}" ]] ||
    die "${GRPC_PYTHON_PLUGIN} not found: install protobuf-compiler-grpc (apt-get install protobuf-compiler-grpc) or set GRPC_PYTHON_PLUGIN"
  rm -rf "${TMP:?}/enterprise_catalog"
  "${PROTOC}" -I"${PROTO_ROOT}" --python_out="${TMP}" "${PROTOS[@]}"
  "${PROTOC}" -I"${PROTO_ROOT}" --plugin=protoc-gen-grpc_python="${GRPC_PYTHON_PLUGIN}" \
    --grpc_python_out="${TMP}" "${SERVICE_PROTOS[@]}"
  GENERATOR="messages and service: $("${PROTOC}" --version) with grpc_python_plugin"
else
  if [[ "${MESSAGES}" == protoc ]]; then
    need_protoc
    rm -rf "${TMP:?}/enterprise_catalog"
    "${PROTOC}" -I"${PROTO_ROOT}" --python_out="${TMP}" "${PROTOS[@]}"
    GENERATOR="messages: $("${PROTOC}" --version); service: grpc_tools"
  else
    GENERATOR="messages and service: grpc_tools ($("${PYTHON}" -m grpc_tools.protoc --version))"
  fi
  grpc_tools_protoc --grpc_python_out="${TMP}" "${SERVICE_PROTOS[@]}"
fi
rm -f "${TMP}/.err"

# Package markers for every directory of the generated tree.
while IFS= read -r dir; do
  printf '# Generated by scripts/gen-python-stubs.sh (%s). Do not edit.\n' \
    "${GENERATOR}" >"${dir}/__init__.py"
done < <(find "${TMP}/enterprise_catalog" -type d)

# Load every module once, in a clean process, before replacing the old tree.
MODULES=()
for proto in "${PROTOS[@]}"; do
  MODULES+=("$(printf '%s' "${proto%.proto}" | tr / .)_pb2")
done
for proto in "${SERVICE_PROTOS[@]}"; do
  MODULES+=("$(printf '%s' "${proto%.proto}" | tr / .)_pb2_grpc")
done
if ! (cd "${TMP}" && PYTHONPATH="${TMP}" "${PYTHON}" -c '
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
' "${MODULES[@]}") 2>"${TMP}/.err"; then
  sed 's/^/  /' "${TMP}/.err" >&2
  if [[ "${MESSAGES}" == grpc_tools ]]; then
    die "the generated modules do not load with ${PYTHON}; if it says the descriptors cannot be created directly, run again with EC_PY_STUBS_MESSAGES=protoc. A missing grpc module means: install python3-grpcio"
  fi
  die "the generated modules do not load with ${PYTHON} (a missing grpc module means: install python3-grpcio)"
fi
rm -f "${TMP}/.err"
find "${TMP}" -name __pycache__ -type d -prune -exec rm -rf {} +

rm -rf "${OUT_DIR:?}/enterprise_catalog"
mv "${TMP}/enterprise_catalog" "${OUT_DIR}/enterprise_catalog"
log "wrote ${OUT_DIR}/enterprise_catalog (${GENERATOR})"
