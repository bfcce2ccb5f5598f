"""The latency planner of quantize-int8{target=xnnpack} (passes/src/quant/speed_plan.rs), in
LiteRT's default interpreter.

The planner keeps float a quantizable op when its measured cost table says the float op is
not slower and running it float removes conversions (an add between two PReLUs that XNNPACK
only takes as float). What must hold whatever the table says, checked on real models:

- everything the plan keeps float still runs inside XNNPACK: the model has no more nodes
  outside the delegate, and no more delegate partitions, than target=reference's;
- accuracy does not suffer: the mean output SQNR over every photo is at least
  target=reference's minus 1.5 dB. (Keeping ops float only removes rounding, but where a
  PReLU rounds moves single photos by up to 5 dB either way: measured on hand_recrop, a
  model with its PReLUs float and one with them int8 differ by -4.3 to +5.2 dB per photo and
  by 0.4 dB in the mean; a tighter bound would test that noise, not the plan.)
- the report names each op kept float for speed, with the planner's reason.

Latency itself is a benchmark (scripts/compare/bench_latency.py), never a timed test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import MODELS_DIR, input_range
from test_probe_xnnpack import delegated_nodes
from test_quantize import calibration_dir, dequantized_outputs, quantize, sqnr  # noqa: F401 (fixture)

MODELS = ["hand_recrop", "face_landmark", "iris_landmark"]
PLANNER = "kept float for speed: the XNNPACK cost model"


def delegation(model: Path) -> tuple[int, int]:
    """(compute nodes outside XNNPACK, delegate partitions) in LiteRT's default interpreter."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(model))
    it.allocate_tensors()
    nodes, taken = delegated_nodes(it)
    outside = [n for n in nodes if n["index"] not in taken and n["op_name"] not in ("QUANTIZE", "DEQUANTIZE")]
    partitions = sum(1 for o in it._get_ops_details() if o["op_name"] == "DELEGATE")
    return len(outside), partitions


@pytest.mark.parametrize("name", MODELS)
def test_plan_stays_in_xnnpack_and_loses_no_accuracy(name, tqopt_bin, calibration_dir, images, out_dir):
    model = MODELS_DIR / f"{name}.tflite"
    lo, hi = input_range(model)
    common = [f"--calibration-data={calibration_dir}", f"--input-range={lo},{hi}"]
    planned, reference = out_dir / "xnnpack.tflite", out_dir / "reference.tflite"
    report = out_dir / "report.json"
    # equalize=never on both sides: channel equalization (equalize=auto) decides on each model's
    # own score on the calibration photos, and on face_landmark the two targets' decisions
    # differ by more than the planner's effect (the same photos decoded by PIL instead swing
    # that score by several dB); this test measures the planner alone.
    r = quantize(tqopt_bin, model, planned, "--pass=quantize-int8{equalize=never}", f"--report={report}", *common)
    assert r.returncode == 0, r.stderr
    r = quantize(tqopt_bin, model, reference, "--pass=quantize-int8{target=reference equalize=never}", *common)
    assert r.returncode == 0, r.stderr

    kept = [f for f in json.loads(report.read_text())["float_ops"] if f["reason"].startswith(PLANNER)]
    assert all(f["op"] in ("tfl.add", "tfl.sub", "tfl.mul", "tfl.depthwise_conv_2d", "tfl.conv_2d",
                           "tfl.fully_connected", "tfl.max_pool_2d", "tfl.reshape", "tfl.squeeze",
                           "tfl.expand_dims") for f in kept), kept

    outside, partitions = delegation(planned)
    ref_outside, ref_partitions = delegation(reference)
    assert outside <= ref_outside and partitions <= ref_partitions, (
        f"planned: {outside} nodes outside XNNPACK in {partitions} partitions; "
        f"reference: {ref_outside} in {ref_partitions}")

    planned_db, reference_db = mean_sqnr(model, planned, images), mean_sqnr(model, reference, images)
    assert planned_db >= reference_db - 1.5, f"{planned_db:.2f} dB against {reference_db:.2f} dB"


def mean_sqnr(float_model: Path, quantized: Path, images) -> float:
    """The mean over every photo of the output SQNR (dB) of QUANTIZED against FLOAT_MODEL."""
    import numpy as np

    value_range = input_range(float_model)
    values = [sqnr(dequantized_outputs(float_model, images[n], value_range),
                   dequantized_outputs(quantized, images[n], value_range)) for n in sorted(images)]
    return float(np.mean(values))


PRELU_ADD = """func.func @main(%arg0: tensor<1x32x32x16xf32>) -> tensor<1x32x32x16xf32> {
{consts}  %p1 = "tfl.prelu"(%arg0, %a1) : (tensor<1x32x32x16xf32>, tensor<1x1x16xf32>) -> tensor<1x32x32x16xf32>
  %p2 = "tfl.prelu"(%arg0, %a2) : (tensor<1x32x32x16xf32>, tensor<1x1x16xf32>) -> tensor<1x32x32x16xf32>
  %s = "tfl.add"(%p1, %p2) <{fused_activation_function = "NONE"}> : (tensor<1x32x32x16xf32>, tensor<1x32x32x16xf32>) -> tensor<1x32x32x16xf32>
  %out = "tfl.prelu"(%s, %a3) : (tensor<1x32x32x16xf32>, tensor<1x1x16xf32>) -> tensor<1x32x32x16xf32>
  return %out : tensor<1x32x32x16xf32>
}
"""


def test_an_add_between_float_prelus_runs_float_inside_xnnpack(tqopt_bin, tmp_path):
    """PReLUs stay float (XNNPACK takes them only as float); the add between them would need
    two quantizes and a dequantize as int8, so the plan runs it float: LiteRT gets a model
    with no conversion around the add, all inside the delegate, close to the float one."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    rng = np.random.default_rng(0)
    consts = "".join(
        f'  %a{i} = "tfl.pseudo_const"() <{{value = dense<[[{[round(float(v), 4) for v in rng.uniform(0.05, 0.5, 16)]}]]> : tensor<1x1x16xf32>}}> : () -> tensor<1x1x16xf32>\n'
        for i in (1, 2, 3))
    src = tmp_path / "prelu_add.mlir"
    src.write_text(PRELU_ADD.replace("{consts}", consts))
    calib = tmp_path / "calib.npy"
    np.save(calib, rng.uniform(-2, 2, (8, 32, 32, 16)).astype(np.float32))
    out, report, plain = tmp_path / "planned.tflite", tmp_path / "report.json", tmp_path / "float.tflite"
    r = quantize(tqopt_bin, src, out, "--pass=quantize-int8", f"--calibration-data={calib}", f"--report={report}")
    assert r.returncode == 0, r.stderr
    assert quantize(tqopt_bin, src, plain).returncode == 0
    planned = [f for f in json.loads(report.read_text())["float_ops"] if f["reason"].startswith(PLANNER)]
    # The prelus run on rows widened by reshapes (16 channels -> 128); the reshapes between
    # the float prelus and the add are float too.
    assert sorted({f["op"] for f in planned}) == ["tfl.add", "tfl.reshape"], planned
    planned = [f for f in planned if f["op"] == "tfl.add"]
    # The report gives the planner's estimate of what that saves.
    assert planned[0]["estimated_gain_ns"] > 0, planned
    assert "(estimated saving " in r.stderr, r.stderr

    it = Interpreter(model_path=str(out))
    it.allocate_tensors()
    ops = [o["op_name"] for o in it._get_ops_details() if o["op_name"] != "DELEGATE"]
    assert ops.count("QUANTIZE") == 0 and ops.count("DEQUANTIZE") == 0, ops
    outside, partitions = delegation(out)
    assert outside == 0 and partitions == 1, (outside, partitions)
    x = rng.uniform(-2, 2, (1, 32, 32, 16)).astype(np.float32)
    ref = Interpreter(model_path=str(plain))
    ref.allocate_tensors()
    ys = []
    for interp in (it, ref):
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        ys.append(interp.get_tensor(interp.get_output_details()[0]["index"]))
    np.testing.assert_allclose(ys[0], ys[1], rtol=1e-5, atol=1e-5)
