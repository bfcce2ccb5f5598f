"""tqopt eval on models TensorFlow's converter quantized (tests/models/foreign, written by
scripts/fixtures/tf_eval_models.py): its SQNR agrees with LiteRT's where the interpreter
reproduces LiteRT's kernels, and it warns where it does not."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

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
