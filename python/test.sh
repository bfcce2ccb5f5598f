#!/usr/bin/env bash
# Installs the Python package into a virtual environment under target/ (target/venv-py; never
# the system's Python) the way a user does, `pip install ./python` (maturin builds the
# extension in the release profile, the one every test uses), then runs python/tests against it.
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
echo "== pip install ./python (release profile)"
MATURIN_PEP517_ARGS="--profile release" \
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
# The tests compare the package's bytes with the command line's.
source scripts/build-binaries.sh
"$VENV/bin/python" -m pytest -q python/tests "$@"
