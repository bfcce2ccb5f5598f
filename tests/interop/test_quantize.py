"""The quantization pipelines on the shared models, run in LiteRT.

- ``quantize-int8``, calibrated on the first 8 photos: LiteRT runs the model, every op is
  quantized or kept float for speed (the --report JSON says so; selfie_segmentation's custom
  transposed convolution becomes the builtin), and the output SQNR against the float model on
  the other photos stays above a floor set a few dB under what we measured
  (scripts/compare/shared_models.py prints the measurements);
- strict ``ops=TFLITE_BUILTINS_INT8 io=int8``: no float tensor at all, int8 input and outputs;
  with target=reference, which keeps the custom op, selfie_segmentation fails, names its custom
  op, and leaves no output file;
- ``quantize-dynamic-range`` and ``quantize-float16``: LiteRT runs them, SQNR floors, smaller.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED_MODELS, input_details, input_range, prepare_input, run_litert

CALIBRATION_PHOTOS = 8
FLOAT_TYPES = {0, 1, 10, 18}  # FLOAT32, FLOAT16, FLOAT64, BFLOAT16

# Output SQNR (dB) of quantize-int8 (min/max calibration) must stay above these. Measured
# (XNNPACK, 1 thread, 2026-11-27): face_detection_full_range 20.5, face_detection_short_range
# 18.1, face_landmark 30.1, hand_landmark 13.6, hand_recrop 28.1, iris_landmark 22.4,
# palm_detection 1.9 (TensorFlow's quantizer: 2.2), pose_detection 15.1, pose_landmark_lite
# 9.2, selfie_segmentation 0.1 (ai-edge-quantizer: 0.2).
INT8_FLOOR = {
    "face_detection_full_range": 17.0,
    "face_detection_short_range": 15.0,
    "face_landmark": 27.0,
    "hand_landmark": 10.5,
    "hand_recrop": 25.0,
    "iris_landmark": 19.0,
    "palm_detection": -1.5,
    "pose_detection": 12.0,
    "pose_landmark_lite": 6.0,
    "selfie_segmentation": -3.0,
}
# The same with moving-average calibration, which suits the detectors better.
MOVING_AVERAGE_FLOOR = {"palm_detection": 10.0, "selfie_segmentation": 2.5}


def sqnr(reference: np.ndarray, test: np.ndarray) -> float:
    noise = float(np.sum((reference - test) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(reference**2)) / noise)


def dequantized_outputs(model: Path, image, value_range) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model), num_threads=1)
    details = interpreter.get_output_details()
    feeds = [prepare_input(image, d, value_range) for d in input_details(model)]
    outputs = []
    for detail, y in zip(details, run_litert(model, feeds)):
        y = y.astype(np.float32)
        if detail["dtype"] != np.float32:
            scale, zero_point = detail["quantization"]
            y = (y - zero_point) * scale
        outputs.append(y.ravel())
    return np.concatenate(outputs)


def output_sqnr(float_model: Path, quantized: Path, images) -> float:
    names = sorted(images)[CALIBRATION_PHOTOS:]
    value_range = input_range(float_model)
    ref = [dequantized_outputs(float_model, images[n], value_range) for n in names]
    test = [dequantized_outputs(quantized, images[n], value_range) for n in names]
    return sqnr(np.concatenate(ref), np.concatenate(test))


@pytest.fixture(scope="session")
def calibration_dir(tmp_path_factory, images) -> Path:
    """The first 8 photos, as a directory tqopt's --calibration-data reads."""
    from conftest import IMAGES_DIR

    d = tmp_path_factory.mktemp("calibration")
    for name in sorted(images)[:CALIBRATION_PHOTOS]:
        src = next(IMAGES_DIR.glob(name + ".*"))
        (d / src.name).symlink_to(src)
    return d


def tensor_types(model: Path) -> list[tuple[str, int]]:
    from ai_edge_litert import schema_py_generated as schema

    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model.read_bytes(), 0))
    return [(t.name.decode(), t.type) for sg in m.subgraphs for t in sg.tensors]


def quantize(tqopt_bin, src: Path, dst: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(tqopt_bin), str(src), *args, "-o", str(dst), "--no-progress"],
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
def test_int8(model: Path, tqopt_bin, calibration_dir, images, out_dir):
    lo, hi = input_range(model)
    out, report = out_dir / "int8.tflite", out_dir / "report.json"
    r = quantize(
        tqopt_bin, model, out, "--pass=quantize-int8", f"--calibration-data={calibration_dir}",
        f"--input-range={lo},{hi}", f"--report={report}",
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads(report.read_text())
    # Ops kept float for speed (target=xnnpack, the default: XNNPACK takes them as float only)
    # or for accuracy (an output concatenation of far-apart ranges: face_detection_short_range's
    # and palm_detection's logits) are a choice, not a failure to quantize.
    choices = ("kept float for speed", "kept float for accuracy")
    for_speed = [f for f in summary["float_ops"] if f["reason"].startswith(choices)]
    left_float = [(f["op"], f["reason"]) for f in summary["float_ops"] if f not in for_speed]
    assert left_float == []
    assert summary["quantized_ops"] == summary["total_ops"] - len(left_float) - len(for_speed)
    assert summary["size_after"] == out.stat().st_size
    # Never larger than the float model (pose_detection's pruned weights stay sparse).
    assert summary["size_after"] < model.stat().st_size
    value = output_sqnr(model, out, images)
    assert value >= INT8_FLOOR[model.stem], f"SQNR {value:.2f} dB"


@pytest.mark.parametrize("name", sorted(MOVING_AVERAGE_FLOOR))
def test_int8_moving_average(name: str, tqopt_bin, calibration_dir, images, out_dir):
    model = next(m for m in SHARED_MODELS if m.stem == name)
    lo, hi = input_range(model)
    out = out_dir / "int8.tflite"
    r = quantize(
        tqopt_bin, model, out, "--pass=quantize-int8", f"--calibration-data={calibration_dir}",
        "--calibration-method=moving-average", f"--input-range={lo},{hi}",
    )
    assert r.returncode == 0, r.stderr
    value = output_sqnr(model, out, images)
    assert value >= MOVING_AVERAGE_FLOOR[name], f"SQNR {value:.2f} dB"


@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
def test_strict_int8_with_integer_io(model: Path, tqopt_bin, calibration_dir, images, out_dir):
    lo, hi = input_range(model)
    out = out_dir / "strict.tflite"
    r = quantize(
        tqopt_bin, model, out, "--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}",
        f"--calibration-data={calibration_dir}", f"--input-range={lo},{hi}",
    )
    if model.stem == "selfie_segmentation":
        kept = out_dir / "strict_reference.tflite"
        refused = quantize(
            tqopt_bin, model, kept, "--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8 target=reference}",
            f"--calibration-data={calibration_dir}", f"--input-range={lo},{hi}",
        )
        assert refused.returncode != 0
        assert "1 op cannot be quantized to int8 under TFLITE_BUILTINS_INT8" in refused.stderr
        assert "Convolution2DTransposeBias" in refused.stderr and 'loc("segment")' in refused.stderr
        assert not kept.exists()
    assert r.returncode == 0, r.stderr
    floats = [name for name, ty in tensor_types(out) if ty in FLOAT_TYPES]
    assert floats == [], f"float tensors left: {floats[:5]}"
    inputs = input_details(out)
    assert all(d["dtype"] == np.int8 for d in inputs)
    image = images[sorted(images)[-1]]
    outputs = run_litert(out, [prepare_input(image, d, (lo, hi)) for d in inputs])
    assert all(y.dtype == np.int8 for y in outputs)


DYNAMIC_FLOOR = {"pose_landmark_lite": 7.0}  # ai-edge-quantizer's dynamic_wi8_afp32: 9.3


@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
@pytest.mark.parametrize("pipeline", ["quantize-dynamic-range", "quantize-float16"])
def test_weight_quantization(model: Path, pipeline: str, tqopt_bin, images, out_dir):
    out = out_dir / "weights.tflite"
    # canonicalize first: float16 weights become float32, which these pipelines then quantize.
    r = quantize(tqopt_bin, model, out, "--pass=canonicalize", f"--pass={pipeline}")
    assert r.returncode == 0, r.stderr
    value = output_sqnr(model, out, images)
    floor = 40.0 if pipeline == "quantize-float16" else DYNAMIC_FLOOR.get(model.stem, 20.0)
    assert value >= floor, f"SQNR {value:.2f} dB"
    # Models that already hold float16 weights gain less (pose_detection's are sparse too,
    # and stay so); the small hand_recrop carries fixed metadata and float biases.
    holds_float16 = any(ty == 1 for _, ty in tensor_types(model))
    ratio = out.stat().st_size / model.stat().st_size
    if pipeline == "quantize-dynamic-range":
        # 0.6, not 0.5: on a model as small as hand_recrop (124 KB) the PReLU slopes widened
        # for XNNPACK (rewrite-for-target) add 11.5 KB for its 13 prelus, and buy 0.99x ->
        # 0.71x float latency.
        assert ratio < (1.0 if holds_float16 else 0.60), f"{ratio:.1%} of the float model"
    else:
        assert ratio < (1.03 if holds_float16 else 0.70), f"{ratio:.1%} of the float model"
