#!/usr/bin/env bash
# Runs every test of tqopt on a fresh machine: cargo's unit, integration and snapshot tests,
# the lit suite (lit-tests/) with LLVM's FileCheck, then the LiteRT interop tests
# (tests/interop: exported and quantized models run in the official interpreter). It installs
# what is missing first: Debian's mlir-19-tools (mlir-opt, for the round-trip tests) and
# llvm-19-tools (FileCheck, not), lit from PyPI, and (scripts/interop.sh) ai-edge-litert,
# numpy, pillow and pytest from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

LLVM_BIN_DIR=${LLVM_BIN_DIR:-/usr/lib/llvm-19/bin}
export LLVM_BIN_DIR

missing=()
[ -x "$LLVM_BIN_DIR/mlir-opt" ] || missing+=(mlir-19-tools)
[ -x "$LLVM_BIN_DIR/FileCheck" ] || missing+=(llvm-19-tools)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
python3 -c "import lit" 2>/dev/null || python3 -m pip install --quiet "lit>=17"
# numpy and pillow make data files in lit tests; ai-edge-litert and pytest run the interop tests.
if ! python3 -c "import ai_edge_litert, numpy, PIL, pytest" 2>/dev/null; then
  echo "== installing tests/interop/requirements.txt"
  python3 -m pip install --quiet -r tests/interop/requirements.txt
fi

echo "== cargo test"
export MLIR_OPT="$LLVM_BIN_DIR/mlir-opt"
cargo test --workspace --locked

echo "== lit"
cargo build --locked -p tqopt
python3 -c "import sys, lit.main; sys.argv = ['lit'] + sys.argv[1:]; lit.main.main()" -sv lit-tests

echo "== interop (LiteRT)"
scripts/interop.sh
