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


def lstm_reference(x: np.ndarray) -> np.ndarray:
    """The LSTM of data/lstm.mlir in numpy (TFLite's gate order: input, forget, cell, output;
    states start at zero)."""
    w = {
        "i": np.array([[0.1, -0.2, 0.3], [0.05, 0.1, -0.1]]),
        "f": np.array([[0.2, 0.1, -0.3], [-0.1, 0.2, 0.1]]),
        "c": np.array([[-0.3, 0.2, 0.1], [0.3, -0.1, 0.2]]),
        "o": np.array([[0.1, 0.1, 0.1], [-0.2, 0.3, -0.1]]),
    }
    r = {
        "i": np.array([[0.1, 0.2], [-0.1, 0.3]]),
        "f": np.array([[0.3, -0.2], [0.1, 0.1]]),
        "c": np.array([[-0.1, 0.2], [0.2, -0.3]]),
        "o": np.array([[0.2, 0.2], [-0.2, 0.1]]),
    }
    b = {"i": [0.0, 0.1], "f": [1.0, 1.0], "c": [0.0, -0.1], "o": [0.1, 0.0]}
    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    h = np.zeros(2)
    c = np.zeros(2)
    out = []
    for t in range(x.shape[1]):
        xt = x[0, t].astype(np.float64)
        gate = {k: w[k] @ xt + r[k] @ h + b[k] for k in w}
        c = sigmoid(gate["f"]) * c + sigmoid(gate["i"]) * np.tanh(gate["c"])
        h = sigmoid(gate["o"]) * np.tanh(c)
        out.append(h)
    return np.array(out)[None]


def test_lstm_states_are_variables(tqopt_cli, tqopt_roundtrip, out_dir):
    exported = tqopt_cli(DATA / "lstm.mlir", out_dir / "lstm.tflite")
    again = tqopt_roundtrip(exported, out_dir / "lstm_again.tflite")
    x = np.array([[[0.5, -1.0, 2.0], [1.0, 0.25, -0.5]]], dtype=np.float32)
    want = lstm_reference(x)
    for model in (exported, again):
        # Twice in one interpreter would carry the state over; each run starts afresh.
        (got,) = run_litert(model, [x])
        assert got.shape == (1, 2, 2)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
