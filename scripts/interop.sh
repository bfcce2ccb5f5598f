#!/usr/bin/env bash
# Runs the interop tests: models exported by tqopt, run in the official LiteRT interpreter
# (tests/interop, pytest). Installs what tests/interop/requirements.txt lists when it is
# missing (into target/venv, scripts/python-env.sh), builds the binaries the tests use (release), then runs pytest. Extra arguments go to
# pytest (`scripts/interop.sh -k roundtrip -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/python-env.sh

echo "== building the roundtrip and run examples and the tqopt CLI (release)"
cargo build --release --locked --quiet -p tqopt-interp --example run
cargo build --release --locked --quiet -p tqopt-backend --example roundtrip
cargo build --release --locked --quiet -p tqopt

echo "== interop tests (LiteRT)"
export TQOPT_ROUNDTRIP="$PWD/target/release/examples/roundtrip"
export TQOPT_BIN="$PWD/target/release/tqopt"
export TQOPT_INTERP_RUN="$PWD/target/release/examples/run"
python -m pytest -q tests/interop "$@"
