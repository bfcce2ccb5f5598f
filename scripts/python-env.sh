#!/usr/bin/env bash
# Sourced by the test scripts: makes a Python virtual environment under target/venv (never the
# system's site-packages) with what the tests use — lit, and tests/interop/requirements.txt
# (ai-edge-litert, numpy, pillow, pytest) — and puts it first on PATH. Installs only what is
# missing, so a warm run costs one import check.
TQOPT_VENV=${TQOPT_VENV:-"$PWD/target/venv"}
if [ ! -x "$TQOPT_VENV/bin/python" ]; then
  echo "== creating the Python environment $TQOPT_VENV"
  python3 -m venv "$TQOPT_VENV"
fi
if ! "$TQOPT_VENV/bin/python" -c "import lit, ai_edge_litert, numpy, PIL, pytest" 2>/dev/null; then
  echo "== installing lit and tests/interop/requirements.txt into $TQOPT_VENV"
  "$TQOPT_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "lit>=17" -r tests/interop/requirements.txt
fi
export PATH="$TQOPT_VENV/bin:$PATH"
