"""Models written by tqopt's exporter from IR (not only round trips of existing files) run in
LiteRT and compute what the IR says; the CLI's ``-o x.tflite`` writes the same file as the
backend's own round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED_MODELS, run_litert

DATA = Path(__file__).parent / "data"


def control_flow_reference(i: int, step: int) -> int:
    while i < 10:
        i += 1
    return i * step if i > step else i - step


@pytest.mark.parametrize("i,step", [(0, 3), (0, 20), (4, 10), (12, 5)])
def test_outlined_while_and_if_run_in_litert(i, step, tqopt_cli, tqopt_roundtrip, out_dir):
    # The IR's regions are inline: the exporter outlines them into subgraphs.
    outlined = tqopt_cli(DATA / "control_flow.mlir", out_dir / "outlined.tflite")
    # Imported again, the regions call functions; exported again, WHILE and IF name them.
    called = tqopt_roundtrip(outlined, out_dir / "called.tflite")
    feed = [np.array(i, dtype=np.int32), np.array(step, dtype=np.int32)]
    want = control_flow_reference(i, step)
    for model in (outlined, called):
        (got,) = run_litert(model, feed)
        assert got.shape == () and int(got) == want, f"{model.name}: {got} != {want}"


@pytest.mark.parametrize(
    "model", SHARED_MODELS[:3], ids=[m.stem for m in SHARED_MODELS[:3]]
)
def test_cli_writes_the_same_file(model: Path, tqopt_cli, tqopt_roundtrip, out_dir):
    by_cli = tqopt_cli(model, out_dir / "cli.tflite")
    by_api = tqopt_roundtrip(model, out_dir / "api.tflite")
    assert by_cli.read_bytes() == by_api.read_bytes()
