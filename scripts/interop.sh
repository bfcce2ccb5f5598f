#!/usr/bin/env bash
# Runs the interop tests: models exported by tqopt, run in the official LiteRT interpreter
# (tests/interop, pytest). Installs what tests/interop/requirements.txt lists when it is
# missing (into target/venv, scripts/python-env.sh), builds the binaries the tests use in the
# dev profile (the one every test uses; Cargo.toml optimizes the interpreter and the passes
# inside it), then runs pytest. Extra arguments go to pytest (`scripts/interop.sh -k roundtrip -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/python-env.sh

echo "== building the roundtrip and run examples and the tqopt CLI (dev profile)"
cargo build --locked --quiet -p tqopt-interp --example run
cargo build --locked --quiet -p tqopt-backend --example roundtrip
cargo build --locked --quiet -p tqopt

echo "== interop tests (LiteRT)"
export TQOPT_ROUNDTRIP="$PWD/target/debug/examples/roundtrip"
export TQOPT_BIN="$PWD/target/debug/tqopt"
export TQOPT_INTERP_RUN="$PWD/target/debug/examples/run"
python -m pytest -q tests/interop "$@"
