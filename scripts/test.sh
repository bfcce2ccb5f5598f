#!/usr/bin/env bash
# Runs every test of tqopt on a fresh machine: cargo's unit, integration and snapshot tests,
# the lit suite (lit-tests/) with LLVM's FileCheck, then the LiteRT interop tests
# (tests/interop: exported and quantized models run in the official interpreter). It installs
# what is missing first: Debian's mlir-19-tools (mlir-opt, for the round-trip tests),
# llvm-19-tools (FileCheck) and chromium (renders the HTML eval report headless), and — into a
# virtual environment under target/venv, never the system's Python — lit, ai-edge-litert,
# numpy, pillow and pytest from PyPI
# (scripts/python-env.sh). Everything the tests read is in the repository (tests/shared).
# Every test uses one build profile, release: cargo's tests are built once, and the binaries
# the other suites run come out of the same build (scripts/build-binaries.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

LLVM_BIN_DIR=${LLVM_BIN_DIR:-/usr/lib/llvm-19/bin}
export LLVM_BIN_DIR

missing=()
[ -x "$LLVM_BIN_DIR/mlir-opt" ] || missing+=(mlir-19-tools)
[ -x "$LLVM_BIN_DIR/FileCheck" ] || missing+=(llvm-19-tools)
# The HTML report of `tqopt eval` is rendered in a real browser (tests/interop/test_eval_html.py).
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
# lit runs the lit suite; numpy and pillow make data files in lit tests; ai-edge-litert and
# pytest run the interop tests.
source scripts/python-env.sh

echo "== cargo test"
export MLIR_OPT="$LLVM_BIN_DIR/mlir-opt"
# The Python extension (python/) links only inside an interpreter: python/test.sh tests it.
cargo test --release --workspace --locked --exclude tqopt-python

echo "== lit"
source scripts/build-binaries.sh
python -c "import sys, lit.main; sys.argv = ['lit'] + sys.argv[1:]; lit.main.main()" -sv lit-tests

echo "== Python package (pip install ./python into target/venv-py, python/tests)"
python/test.sh

echo "== interop (LiteRT)"
scripts/interop.sh
