"""TensorFlow's ``tf.image.non_max_suppression`` as TFLite's NON_MAX_SUPPRESSION_V4 and _V5.

- tqopt's interpreter selects the boxes LiteRT selects: single-op models built here (hard and
  Soft-NMS, score thresholds that leave few candidates, more slots than candidates, scores on a
  coarse grid so that ties are common and their order is the priority queue's, boxes piled on
  a few centers so that suppression is busy) give the same indices, scores and counts.
- A small detector ending in NMS quantizes in int8, strict int8 with int8 input (the op stays
  float, as TensorFlow's integer detectors keep their post-processing, and says so) and
  target-sqnr; LiteRT runs every model, and ``tqopt eval`` agrees with LiteRT within 0.1 dB.
  With every op denied, the model computes what the float model does (a kept-float logistic
  read by two kept-float slices used to keep a quantize, requantize and dequantize).
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from test_interp import interp_outputs, interp_run_bin  # noqa: F401
from zoo_common import litert_outputs, sqnr_db


def scalar(name: str, value, ty: str) -> str:
    lit = repr(float(value)) if ty == "f32" else str(int(value))
    return (f'  %{name} = "tfl.pseudo_const"() <{{value = dense<{lit}> : tensor<{ty}>}}> : () -> '
            f'tensor<{ty}> loc("{name}")\n')


def single_op_model(n: int, slots: int, iou: float, threshold: float, sigma: float | None) -> str:
    v5 = sigma is not None
    results = (f"tensor<{slots}xi32>, tensor<{slots}xf32>, tensor<i32>" if v5
               else f"tensor<{slots}xi32>, tensor<i32>")
    operands = "%boxes, %scores, %max, %iou, %threshold" + (", %sigma" if v5 else "")
    operand_types = f"tensor<{n}x4xf32>, tensor<{n}xf32>, tensor<i32>, tensor<f32>, tensor<f32>" + (
        ", tensor<f32>" if v5 else "")
    count = 3 if v5 else 2
    returned = ", ".join(f"%0#{i}" for i in range(count))
    return (
        f'func.func @main(%boxes: tensor<{n}x4xf32> loc("boxes"), %scores: tensor<{n}xf32> loc("scores")) '
        f"-> ({results}) {{\n"
        + scalar("max", slots, "i32") + scalar("iou", iou, "f32") + scalar("threshold", threshold, "f32")
        + (scalar("sigma", sigma, "f32") if v5 else "")
        + f'  %0:{count} = "tfl.non_max_suppression_v{5 if v5 else 4}"({operands}) : ({operand_types}) '
        f'-> ({results}) loc("nms")\n'
        f"  return {returned} : {results}\n}}\n"
    )


# name: (candidates, slots, iou threshold, score threshold, soft-NMS sigma or None for V4)
CASES = {
    "v4": (32, 8, 0.5, 0.2, None),
    "v4_more_slots_than_candidates": (24, 30, 0.4, 0.5, None),
    "v4_high_threshold": (32, 8, 0.5, 0.85, None),
    "v5_hard": (32, 8, 0.5, 0.2, 0.0),
    "v5_soft": (32, 10, 1.0, 0.1, 0.5),
    "v5_soft_and_hard": (40, 12, 0.7, 0.05, 0.3),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_interpreter_selects_as_litert(case, interp_run_bin, tqopt_bin, out_dir):  # noqa: F811
    n, slots, iou, threshold, sigma = CASES[case]
    src = out_dir / "nms.mlir"
    src.write_text(single_op_model(n, slots, iou, threshold, sigma))
    model = out_dir / "nms.tflite"
    subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], check=True)
    rng = np.random.default_rng(len(case))
    for sample in range(6):
        centers = rng.uniform(0.2, 0.8, (4, 2))[rng.integers(0, 4, n)]
        sizes = rng.uniform(0.05, 0.3, (n, 2))
        corners = np.concatenate([centers - sizes / 2, centers + sizes / 2], 1)
        # Half the boxes with their corners swapped: the kernel takes either order.
        swap = rng.uniform(size=n) < 0.5
        corners[swap] = corners[swap][:, [2, 3, 0, 1]]
        boxes = corners.astype(np.float32)
        # Scores on a grid of sixteenths: ties are common, and their order is the queue's.
        scores = (np.round(rng.uniform(0, 1, n) * 16) / 16).astype(np.float32)
        (want,) = litert_outputs(model, {"boxes": boxes[None], "scores": scores[None]})
        got = interp_outputs(interp_run_bin, model, [boxes, scores], out_dir, len(want))
        assert int(want[-1]) > 0, f"{case} sample {sample}: the case should select boxes"
        for i, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_array_equal(g.reshape(-1), np.asarray(w).reshape(-1),
                                          err_msg=f"{case} sample {sample}: output {i}")


def detector_model(seed: int) -> str:
    """Features -> one fully connected layer -> box corners and a score per row (sigmoids) ->
    NON_MAX_SUPPRESSION_V5 -> the selected boxes gathered; returns boxes, scores, indices."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.6, (5, 16)).astype(np.float32)
    wl = "[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in w) + "]"
    ss = ('begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, '
          'offset = false')

    def i32s(name, values):
        return (f'  %{name} = "tfl.pseudo_const"() <{{value = dense<{values}> : tensor<2xi32>}}> : () -> '
                f'tensor<2xi32> loc("{name}")\n')

    return (
        'func.func @main(%x: tensor<1x100x16xf32> loc("x")) -> (tensor<10x4xf32>, tensor<10xf32>, tensor<10xi32>) {\n'
        f'  %w = "tfl.pseudo_const"() <{{value = dense<{wl}> : tensor<5x16xf32>}}> : () -> tensor<5x16xf32> loc("w")\n'
        '  %none = "tfl.no_value"() <{value}> : () -> none loc("none")\n'
        '  %f = "tfl.fully_connected"(%x, %w, %none) <{asymmetric_quantize_inputs = false, '
        'fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : '
        '(tensor<1x100x16xf32>, tensor<5x16xf32>, none) -> tensor<100x5xf32> loc("features")\n'
        + i32s("b0", [0, 0]) + i32s("b1", [100, 4]) + i32s("s0", [0, 4]) + i32s("s1", [100, 5])
        + i32s("one", [1, 1])
        + f'  %bl = "tfl.strided_slice"(%f, %b0, %b1, %one) <{{{ss}, shrink_axis_mask = 0 : i32}}> : '
        '(tensor<100x5xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<100x4xf32> loc("box_logits")\n'
        f'  %sl = "tfl.strided_slice"(%f, %s0, %s1, %one) <{{{ss}, shrink_axis_mask = 2 : i32}}> : '
        '(tensor<100x5xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<100xf32> loc("score_logits")\n'
        '  %boxes = "tfl.logistic"(%bl) : (tensor<100x4xf32>) -> tensor<100x4xf32> loc("boxes")\n'
        '  %scores = "tfl.logistic"(%sl) : (tensor<100xf32>) -> tensor<100xf32> loc("scores")\n'
        + scalar("max", 10, "i32") + scalar("iou", 0.5, "f32") + scalar("threshold", 0.3, "f32")
        + scalar("sigma", 0.0, "f32")
        + '  %n:3 = "tfl.non_max_suppression_v5"(%boxes, %scores, %max, %iou, %threshold, %sigma) : '
        '(tensor<100x4xf32>, tensor<100xf32>, tensor<i32>, tensor<f32>, tensor<f32>, tensor<f32>) -> '
        '(tensor<10xi32>, tensor<10xf32>, tensor<i32>) loc("nms")\n'
        '  %g = "tfl.gather"(%boxes, %n#0) <{axis = 0 : i32, batch_dims = 0 : i32}> : '
        '(tensor<100x4xf32>, tensor<10xi32>) -> tensor<10x4xf32> loc("selected_boxes")\n'
        '  return %g, %n#1, %n#0 : tensor<10x4xf32>, tensor<10xf32>, tensor<10xi32>\n}\n'
    )


def test_detector_quantizes_and_eval_agrees_with_litert(tqopt_bin, out_dir):
    from ai_edge_litert.interpreter import Interpreter

    src = out_dir / "detector.mlir"
    src.write_text(detector_model(5))
    model = out_dir / "detector.tflite"
    subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], check=True)
    rng = np.random.default_rng(12)
    calib, held = out_dir / "calib.npz", out_dir / "held.npz"
    np.savez(calib, x=rng.normal(0, 1, (16, 1, 100, 16)).astype(np.float32))
    np.savez(held, x=rng.normal(0, 1, (6, 1, 100, 16)).astype(np.float32))
    data = {"x": np.load(held)["x"]}
    reference = litert_outputs(model, data)
    for mode, pipeline in [
        ("int8", "quantize-int8"),
        ("strict", "quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}"),
        ("t30", "quantize-int8{target-sqnr=30}"),
        ("all_denied", 'quantize-int8{deny=".*"}'),
    ]:
        out = out_dir / f"detector_{mode}.tflite"
        r = subprocess.run([str(tqopt_bin), str(model), f"--pass={pipeline}", f"--calibration-data={calib}",
                            "-o", str(out), "--no-progress"], capture_output=True, text=True)
        assert r.returncode == 0, f"{mode}: {r.stderr}"
        litert = sqnr_db(reference, litert_outputs(out, data))
        report = out_dir / f"{mode}.json"
        e = subprocess.run([str(tqopt_bin), "eval", str(out), "--reference", str(model), "--data", str(held),
                            "--report", str(report)], capture_output=True, text=True)
        assert e.returncode == 0, f"{mode}: {e.stderr}"
        ours = json.loads(report.read_text())["sqnr_db"]
        assert abs(ours - litert) <= 0.1, f"{mode}: eval {ours:.2f} dB, LiteRT {litert:.2f} dB"
        ops = {o["op_name"] for o in Interpreter(model_path=str(out))._get_ops_details()}
        assert "NON_MAX_SUPPRESSION_V5" in ops, f"{mode}: {sorted(ops)}"
        if mode == "strict":
            assert "NON_MAX_SUPPRESSION_V5 stays float" in r.stderr, r.stderr
            it = Interpreter(model_path=str(out))
            assert [d["dtype"] for d in it.get_input_details()] == [np.int8]
        if mode == "int8":
            # method=auto ran (it needs the interpreter to run the whole model).
            assert "method=auto: output SQNR" in r.stderr, r.stderr
        if mode == "all_denied":
            assert litert == 99.0, f"every op float: {litert:.2f} dB"
            assert not ops & {"QUANTIZE", "DEQUANTIZE"}, sorted(ops)
