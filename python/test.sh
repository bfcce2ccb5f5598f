#!/usr/bin/env bash
# Installs the Python package into a virtual environment under target/ (target/venv-py; never
# the system's Python) the way a user does, `pip install ./python` (maturin builds the
# extension, here with the dev profile to keep CI fast), then runs python/tests against it.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${TQOPT_PY_VENV:-"$PWD/target/venv-py"}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating the Python environment $VENV"
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import numpy, pytest" 2>/dev/null ||
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check numpy pytest
echo "== pip install ./python (dev profile)"
MATURIN_PEP517_ARGS="--profile dev" \
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
# The tests compare the package's bytes with the command line's.
cargo build --locked --quiet -p tqopt
TQOPT_BIN="$PWD/target/debug/tqopt" "$VENV/bin/python" -m pytest -q python/tests "$@"
