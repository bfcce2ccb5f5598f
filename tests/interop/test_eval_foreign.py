"""tqopt eval on models TensorFlow's converter quantized (tests/models/foreign, written by
scripts/fixtures/tf_eval_models.py): its SQNR agrees with LiteRT's where the interpreter
reproduces LiteRT's kernels, and it warns where it does not."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import NEEDS_MODELLED_CPU, REPO
from zoo_common import litert_outputs, load_samples, sqnr_db

FOREIGN = REPO / "tests" / "models" / "foreign"
ZOO = REPO / "tests" / "models" / "zoo"


def litert_sqnr(quant: Path, reference: Path, samples: dict) -> float:
    return sqnr_db(litert_outputs(reference, samples), litert_outputs(quant, samples))


def evaluate(tqopt_bin, quant: Path, reference: Path, data: Path, out_dir: Path):
    report = out_dir / "r.json"
    r = subprocess.run([str(tqopt_bin), "eval", str(quant), "--reference", str(reference), "--data",
                        str(data), "--report", str(report), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(report.read_text()), r.stderr


@NEEDS_MODELLED_CPU
def test_eval_agrees_with_litert_on_tensorflows_hybrid_depthwise(tqopt_bin, out_dir):
    """TensorFlow's dynamic-range model has a hybrid DEPTHWISE_CONV_2D, which LiteRT runs in its
    builtin kernel with its own input quantization."""
    quant, reference, data = FOREIGN / "dwnet_tf_dynamic.tflite", FOREIGN / "dwnet.tflite", FOREIGN / "dwnet_eval.npy"
    report, stderr = evaluate(tqopt_bin, quant, reference, data, out_dir)
    x = np.load(data)
    want = litert_sqnr(quant, reference, {"input": x})
    assert abs(report["sqnr_db"] - want) <= 0.1, (report["sqnr_db"], want)
    assert report["warnings"] == [] and "warning" not in stderr


def test_eval_warns_on_integer_lstm(tqopt_bin, out_dir):
    """LiteRT's integer LSTM is not reproduced (the interpreter runs it in float): eval must say
    so, on stderr and in the report, because its figure is far from LiteRT's."""
    quant, reference = FOREIGN / "lstm_fused_tf_int8.tflite", ZOO / "lstm_fused.tflite"
    data = ZOO / "lstm_fused_eval.npz"
    report, stderr = evaluate(tqopt_bin, quant, reference, data, out_dir)
    assert "unidirectional_sequence_lstm" in stderr and "LiteRT's outputs can be far" in stderr
    assert len(report["warnings"]) == 2
    want = litert_sqnr(quant, reference, load_samples(data))
    # The reason for the warning: eval's figure is not LiteRT's.
    assert abs(report["sqnr_db"] - want) > 10, (report["sqnr_db"], want)


def test_eval_refuses_an_lstm_whose_state_is_not_a_variable(tqopt_bin, out_dir):
    """TensorFlow's 16x8 conversion leaves the LSTMs float and feeds their output state from a
    DEQUANTIZE whose output is no variable tensor: LiteRT refuses to run it, so eval must
    refuse too, naming the op, rather than print a figure."""
    quant, reference = FOREIGN / "lstm_fused_tf_16x8.tflite", ZOO / "lstm_fused.tflite"
    data = ZOO / "lstm_fused_eval.npz"
    with pytest.raises(Exception, match="output_state != nullptr"):
        litert_outputs(quant, load_samples(data))
    r = subprocess.run([str(tqopt_bin), "eval", str(quant), "--reference", str(reference), "--data",
                        str(data), "--report", str(out_dir / "r.json"), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "'tfl.unidirectional_sequence_lstm'" in r.stderr and "LiteRT refuses this op" in r.stderr, r.stderr
    assert "state operand #18 ('input_activation_state')" in r.stderr, r.stderr
    assert not (out_dir / "r.json").exists()


@NEEDS_MODELLED_CPU
def test_lstm_states_marked_variable_on_a_dequantize_are_kept(tqopt_bin, out_dir):
    """TensorFlow's float16 conversion feeds the LSTM states from DEQUANTIZE ops whose outputs
    the file marks variable, and LiteRT runs it: eval agrees with LiteRT, and the model tqopt
    writes back (import, export) keeps those outputs variable, so LiteRT still runs it."""
    quant, reference = FOREIGN / "lstm_fused_tf_float16.tflite", ZOO / "lstm_fused.tflite"
    data = ZOO / "lstm_fused_eval.npz"
    samples = load_samples(data)
    report, _ = evaluate(tqopt_bin, quant, reference, data, out_dir)
    want = litert_sqnr(quant, reference, samples)
    assert abs(report["sqnr_db"] - want) <= 0.1, (report["sqnr_db"], want)
    written = out_dir / "roundtrip.tflite"
    subprocess.run([str(tqopt_bin), str(quant), "-o", str(written)], check=True, capture_output=True)
    again = litert_outputs(written, samples)
    first = litert_outputs(quant, samples)
    for a, b in zip(first, again):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
