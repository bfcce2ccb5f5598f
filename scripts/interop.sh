#!/usr/bin/env bash
# Runs the interop tests: models exported by tqopt, run in the official LiteRT interpreter
# (tests/interop, pytest). Installs what tests/interop/requirements.txt lists when it is
# missing (into target/venv, scripts/python-env.sh), builds the binaries the tests use
# (release, scripts/build-binaries.sh), then runs pytest. Extra arguments go to
# pytest (`scripts/interop.sh -k roundtrip -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/python-env.sh

echo "== building the tqopt command and the run and roundtrip examples (release)"
source scripts/build-binaries.sh

echo "== interop tests (LiteRT)"
python -m pytest -q tests/interop "$@"
