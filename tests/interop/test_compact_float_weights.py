"""Ops that stay float keep float16 weights where the model had them (``compact-float-weights``).

MediaPipe ships float16 weights behind ``DEQUANTIZE``; quantize-int8 folds them to float32 to
calibrate and quantize, and with ``target-sqnr=30`` most of face_detection_short_range stays
float: those ops' weights made the file 1.66x the float model's (380 KB against 229 KB). They
are float16 again, filter and bias together: XNNPACK leaves an op whose float32 filter comes
with a float16 bias outside its graph (it did, for 12 ops in 9 partitions, when only the bias
was converted), so the model must also run wholly inside XNNPACK and compute as the search
measured.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from conftest import MODELS_DIR, photo_split, quantize_on_arrays
from test_probe_xnnpack import delegated_nodes
from zoo_common import litert_outputs, sqnr_db


def quantized(tqopt_bin, name: str, pipeline: str, images, tmp_path: Path):
    """MODEL quantized by PIPELINE on the calibration photos: (float model, samples, output)."""
    model = MODELS_DIR / f"{name}.tflite"
    samples = photo_split(model, images)
    calib = tmp_path / "calibration.npy"
    np.save(calib, next(iter(samples["calibration"].values())))
    out = tmp_path / "out.tflite"
    quantize_on_arrays(tqopt_bin, model, pipeline, calib, out)
    return model, samples, out


def outside_xnnpack(model: Path) -> list[str]:
    """The ops LiteRT's default interpreter leaves outside XNNPACK."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(model))
    it.allocate_tensors()
    nodes, taken = delegated_nodes(it)
    return [n["op_name"] for n in nodes if n["index"] not in taken]


def test_kept_float_ops_keep_float16_weights_and_stay_in_xnnpack(tqopt_bin, images, tmp_path: Path):
    from ai_edge_litert.interpreter import Interpreter

    model, samples, out = quantized(tqopt_bin, "face_detection_short_range", "quantize-int8{target-sqnr=30}", images, tmp_path)
    assert out.stat().st_size <= 1.1 * model.stat().st_size, (out.stat().st_size, model.stat().st_size)
    types = {d["dtype"] for d in Interpreter(model_path=str(out)).get_tensor_details()}
    assert np.float16 in types and np.int8 in types, types
    assert not outside_xnnpack(out)
    reached = sqnr_db(litert_outputs(model, samples["calibration"]), litert_outputs(out, samples["calibration"]))
    assert reached >= 30.0, reached


def test_everything_kept_float_gives_back_the_float_model(tqopt_bin, images, tmp_path: Path):
    """pose_detection keeps 75% of its float16 weights as zeros, stored sparse. With every op
    denied, quantize-int8 must write the float model again: float16 weights, sparse where the
    original was (sparsify-weights), no larger than it, wholly in XNNPACK, the same outputs."""
    from ai_edge_litert.interpreter import Interpreter

    model, samples, out = quantized(tqopt_bin, "pose_detection", 'quantize-int8{deny=".*"}', images, tmp_path)
    assert out.stat().st_size <= 1.02 * model.stat().st_size, (out.stat().st_size, model.stat().st_size)
    assert not outside_xnnpack(out)
    ops = {o["op_name"] for o in Interpreter(model_path=str(out))._get_ops_details()}
    assert "DENSIFY" in ops, ops
    for k, s in samples.items():
        ref, got = litert_outputs(model, s), litert_outputs(out, s)
        assert sqnr_db(ref, got) >= 99.0, (k, sqnr_db(ref, got))
