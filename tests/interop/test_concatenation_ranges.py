"""A detector head that concatenates box coordinates in pixels with class probabilities into
one output (YOLO's export does): in one int8 scale the probabilities would all round to zero
while the output's SQNR, dominated by the boxes, still reads 45 dB. guard-concatenations keeps
the concatenation float; LiteRT runs the model, the probabilities survive, and ``tqopt eval``
agrees with LiteRT. Strict int8 cannot keep it float and warns.
"""

from __future__ import annotations

import json
import subprocess

import numpy as np

from zoo_common import litert_outputs, sqnr_db

HEAD = """
func.func @main(%arg0: tensor<1x8x8x3xf32> loc("image")) -> tensor<1x64x8xf32> {
  %wb = "tfl.pseudo_const"() <{value = dense<[[[[0.5, -0.3, 0.2]]], [[[0.1, 0.4, -0.6]]], [[[0.3, 0.3, 0.3]]], [[[-0.2, 0.1, 0.5]]]]> : tensor<4x1x1x3xf32>}> : () -> tensor<4x1x1x3xf32> loc("box/w")
  %bb = "tfl.pseudo_const"() <{value = dense<[0.1, -0.1, 0.2, 0.0]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("box/b")
  %0 = "tfl.conv_2d"(%arg0, %wb, %bb) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x8x8x3xf32>, tensor<4x1x1x3xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32> loc("box")
  %k = "tfl.pseudo_const"() <{value = dense<640.0> : tensor<f32>}> : () -> tensor<f32> loc("img_size")
  %1 = "tfl.mul"(%0, %k) <{fused_activation_function = "NONE"}> : (tensor<1x8x8x4xf32>, tensor<f32>) -> tensor<1x8x8x4xf32> loc("box_pixels")
  %wc = "tfl.pseudo_const"() <{value = dense<[[[[1.0, -2.0, 0.5]]], [[[-1.5, 2.5, 1.0]]], [[[2.0, 1.0, -3.0]]], [[[0.5, 0.5, -1.0]]]]> : tensor<4x1x1x3xf32>}> : () -> tensor<4x1x1x3xf32> loc("cls/w")
  %bc = "tfl.pseudo_const"() <{value = dense<[0.0, -0.5, 0.5, -2.0]> : tensor<4xf32>}> : () -> tensor<4xf32> loc("cls/b")
  %2 = "tfl.conv_2d"(%arg0, %wc, %bc) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x8x8x3xf32>, tensor<4x1x1x3xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32> loc("cls")
  %3 = "tfl.logistic"(%2) : (tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32> loc("scores")
  %4 = "tfl.concatenation"(%1, %3) <{axis = 3 : i32, fused_activation_function = "NONE"}> : (tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>) -> tensor<1x8x8x8xf32> loc("head")
  %s = "tfl.pseudo_const"() <{value = dense<[1, 64, 8]> : tensor<3xi32>}> : () -> tensor<3xi32> loc("shape")
  %5 = "tfl.reshape"(%4, %s) : (tensor<1x8x8x8xf32>, tensor<3xi32>) -> tensor<1x64x8xf32> loc("output")
  return %5 : tensor<1x64x8xf32>
}
"""


def slice_sqnr(ref: np.ndarray, got: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((ref - got) ** 2), 1e-30)))


def test_probabilities_beside_boxes_survive_int8(tqopt_bin, out_dir):
    src = out_dir / "head.mlir"
    src.write_text(HEAD)
    model = out_dir / "head.tflite"
    subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], check=True)
    rng = np.random.default_rng(0)
    calib, held = out_dir / "calib.npy", out_dir / "held.npy"
    np.save(calib, rng.uniform(0, 1, (16, 1, 8, 8, 3)).astype(np.float32))
    np.save(held, rng.uniform(0, 1, (8, 1, 8, 8, 3)).astype(np.float32))
    data = {"image": np.load(held)}
    ref = np.concatenate([o[0] for o in litert_outputs(model, data)])
    for pipeline, kept_float in [("quantize-int8", True), ("quantize-int8{ops=TFLITE_BUILTINS_INT8}", False)]:
        out = out_dir / "head_int8.tflite"
        r = subprocess.run([str(tqopt_bin), str(model), f"--pass={pipeline}", f"--calibration-data={calib}",
                            "-o", str(out), "--no-progress"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        got = np.concatenate([o[0] for o in litert_outputs(out, data)])
        boxes, probs = slice_sqnr(ref[..., :4], got[..., :4]), slice_sqnr(ref[..., 4:], got[..., 4:])
        assert boxes > 35, (pipeline, boxes)
        if kept_float:
            assert "tfl.concatenation at \"head\": kept float for accuracy: input #1 spans" in r.stderr, r.stderr
            assert probs > 35, f"{pipeline}: the probabilities score {probs:.2f} dB"
            report = out_dir / "eval.json"
            e = subprocess.run([str(tqopt_bin), "eval", str(out), "--reference", str(model), "--data", str(held),
                                "--report", str(report)], capture_output=True, text=True)
            assert e.returncode == 0, e.stderr
            litert = sqnr_db([[r] for r in ref[:, None]], [[g] for g in got[:, None]])
            assert abs(json.loads(report.read_text())["sqnr_db"] - litert) <= 0.1
        else:
            assert "warning: 'tfl.concatenation' at loc(\"head\"): input #1 spans" in r.stderr, r.stderr
            assert probs < 5, f"strict int8 was expected to lose the probabilities ({probs:.2f} dB)"
