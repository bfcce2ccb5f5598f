"""SSD detectors ending in TensorFlow's ``TFLite_Detection_PostProcess`` custom op.

- tqopt's interpreter computes the op as LiteRT does: single-op models built here (fast and
  regular suppression, with and without a background column, several classes per box, score
  thresholds that leave empty slots, scores on a coarse grid so that ties are common, boxes
  piled on few anchors so that suppression is busy) give the same detections in both.
- The two detectors in tests/models/detection (made by TensorFlow's own converter,
  scripts/fixtures/ssd_detectors.py) quantize in int8, strict int8 with int8 input (the op stays
  float, as in TensorFlow's integer detectors, and says so) and target-sqnr; LiteRT runs every
  model, and ``tqopt eval`` agrees with LiteRT within 0.1 dB.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO
from test_interp import interp_outputs, interp_run_bin  # noqa: F401
from zoo_common import litert_outputs, sqnr_db

DETECTORS = REPO / "tests" / "models" / "detection"


def option_bytes(**options) -> str:
    from flatbuffers import flexbuffers

    return flexbuffers.Dumps(options).hex().upper()


def single_op_model(n: int, k: int, slots: int, options: dict, seed: int) -> str:
    rng = np.random.default_rng(seed)
    # Anchors on a few centers, so that boxes overlap and suppression has work to do.
    centers = rng.uniform(0.2, 0.8, (4, 2))[rng.integers(0, 4, n)]
    sizes = rng.uniform(0.1, 0.4, (n, 2))
    anchors = np.concatenate([centers, sizes], 1).astype(np.float32)
    dense = ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in anchors)
    results = f"tensor<1x{slots}x4xf32>, tensor<1x{slots}xf32>, tensor<1x{slots}xf32>, tensor<1xf32>"
    return f'''func.func @main(%arg0: tensor<1x{n}x4xf32> loc("boxes"), %arg1: tensor<1x{n}x{k}xf32> loc("scores")) -> ({results}) {{
  %a = "tfl.pseudo_const"() <{{value = dense<[{dense}]> : tensor<{n}x4xf32>}}> : () -> tensor<{n}x4xf32> loc("anchors")
  %0:4 = "tfl.custom"(%arg0, %arg1, %a) <{{custom_code = "TFLite_Detection_PostProcess", custom_option = #tfl<const_bytes : "0x{option_bytes(**options)}">}}> : (tensor<1x{n}x4xf32>, tensor<1x{n}x{k}xf32>, tensor<{n}x4xf32>) -> ({results}) loc("detect")
  return %0#0, %0#1, %0#2, %0#3 : {results}
}}
'''


BASE = dict(max_detections=6, max_classes_per_detection=1, nms_score_threshold=0.3, nms_iou_threshold=0.45,
            y_scale=10.0, x_scale=10.0, h_scale=5.0, w_scale=5.0)
CASES = {
    "fast": dict(BASE, num_classes=3, use_regular_nms=False),
    "fast_no_background": dict(BASE, num_classes=4, use_regular_nms=False),
    "fast_three_classes_per_box": dict(BASE, num_classes=5, max_classes_per_detection=3, use_regular_nms=False),
    "fast_few_above_threshold": dict(BASE, num_classes=3, nms_score_threshold=0.85, use_regular_nms=False),
    "regular": dict(BASE, num_classes=3, detections_per_class=3, use_regular_nms=True),
    "regular_no_background": dict(BASE, num_classes=4, detections_per_class=4, use_regular_nms=True),
    "regular_few_above_threshold": dict(BASE, num_classes=3, nms_score_threshold=0.8, detections_per_class=2,
                                        use_regular_nms=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_interpreter_detects_as_litert(case, interp_run_bin, tqopt_bin, out_dir):  # noqa: F811
    options = CASES[case]
    n, classes = 24, options["num_classes"]
    k = classes if "no_background" in case else classes + 1
    slots = options["max_detections"] * options["max_classes_per_detection"]
    src = out_dir / "detect.mlir"
    src.write_text(single_op_model(n, k, slots, options, seed=len(case)))
    model = out_dir / "detect.tflite"
    subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], check=True)
    rng = np.random.default_rng(7)
    for sample in range(6):
        boxes = rng.normal(0, 1, (1, n, 4)).astype(np.float32)
        # Scores on a grid of sixteenths: equal scores within and across boxes are common.
        scores = (np.round(rng.uniform(0, 1, (1, n, k)) * 16) / 16).astype(np.float32)
        got = interp_outputs(interp_run_bin, model, [boxes, scores], out_dir, 4)
        (want,) = litert_outputs(model, {"boxes": boxes[None], "scores": scores[None]})
        count = int(want[3][0])
        assert got[3][0] == count, f"{case} sample {sample}: {got[3][0]} detections, LiteRT {count}"
        assert count > 0, f"{case} sample {sample}: the case should detect something"
        # Fast suppression leaves the slots past the detections unwritten in LiteRT (whatever its
        # arena held; tqopt writes zeros); regular suppression zeroes them.
        written = slots if options["use_regular_nms"] else count * options["max_classes_per_detection"]
        for i, name in enumerate(["boxes", "classes", "scores"]):
            np.testing.assert_array_equal(got[i][0, :written], want[i].reshape(got[i].shape)[0, :written],
                                          err_msg=f"{case} sample {sample}: {name}")


def quantize(tqopt_bin, model: Path, pipeline: str, calib: Path, out: Path) -> subprocess.CompletedProcess:
    r = subprocess.run([str(tqopt_bin), str(model), f"--pass={pipeline}", f"--calibration-data={calib}",
                        "-o", str(out), "--no-progress"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def eval_sqnr(tqopt_bin, model: Path, reference: Path, data: Path, report: Path) -> float:
    r = subprocess.run([str(tqopt_bin), "eval", str(model), "--reference", str(reference), "--data", str(data),
                        "--report", str(report)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(report.read_text())["sqnr_db"]


@pytest.mark.parametrize("name", ["ssd_fast", "ssd_regular"])
def test_detectors_quantize_and_eval_agrees_with_litert(name, tqopt_bin, out_dir):
    from ai_edge_litert.interpreter import Interpreter

    src = DETECTORS / f"{name}.tflite"
    rng = np.random.default_rng(11)
    calib, held = out_dir / "calib.npz", out_dir / "held.npz"
    np.savez(calib, image=rng.uniform(0, 1, (16, 1, 64, 64, 3)).astype(np.float32))
    np.savez(held, image=rng.uniform(0, 1, (6, 1, 64, 64, 3)).astype(np.float32))
    data = {"image": np.load(held)["image"]}
    reference = litert_outputs(src, data)
    # The count is the one output of shape [1] (the converter orders outputs by name).
    assert all(int(next(o for o in outs if o.shape == (1,))[0]) > 0 for outs in reference), "no detections"
    for mode, pipeline in [
        ("int8", "quantize-int8"),
        ("strict", "quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}"),
        ("t30", "quantize-int8{target-sqnr=30}"),
    ]:
        out = out_dir / f"{name}_{mode}.tflite"
        r = quantize(tqopt_bin, src, pipeline, calib, out)
        litert = sqnr_db(reference, litert_outputs(out, data))
        ours = eval_sqnr(tqopt_bin, out, src, held, out_dir / f"{mode}.json")
        assert abs(ours - litert) <= 0.1, f"{mode}: eval {ours:.2f} dB, LiteRT {litert:.2f} dB"
        assert litert > 30, f"{mode}: {litert:.2f} dB"
        if mode == "strict":
            assert "TFLite_Detection_PostProcess stays float" in r.stderr, r.stderr
            it = Interpreter(model_path=str(out))
            assert [d["dtype"] for d in it.get_input_details()] == [np.int8]
            # The detections stay float outputs, as in TensorFlow's integer detectors.
            assert all(d["dtype"] == np.float32 for d in it.get_output_details())
            ops = {o["op_name"] for o in it._get_ops_details()}
            assert "TFLite_Detection_PostProcess" in ops
        if mode == "int8":
            # method=auto ran (it needs the interpreter to run the whole model).
            assert "method=auto: output SQNR" in r.stderr, r.stderr
