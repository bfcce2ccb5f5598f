"""Pruned int8 weights are stored sparse only where LiteRT's default interpreter reads them.

``sparsify-weights`` stores a mostly-zero int8 weight sparse behind a ``DENSIFY``. XNNPACK
unpacks it for its int8 conv 2d and depthwise conv, but its fully connected op defines the
weight from the tensor's own buffer, which a densified tensor does not have: LiteRT refused
such a model at ``allocate_tensors`` ("failed to delegate FULLY_CONNECTED node", MediaPipe's
hand_landmark_full in int8, whose world-landmark weights are pruned). A fully connected
weight therefore stays dense; a conv weight still goes sparse.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def dense(a: np.ndarray) -> str:
    return "dense<" + np.array2string(a, separator=", ", threshold=1 << 30, max_line_width=1 << 30,
                                      formatter={"float_kind": lambda v: f"{v:.6e}"}) + ">"


def pruned(rng: np.random.Generator, shape: tuple[int, ...], keep: float) -> np.ndarray:
    w = rng.normal(0, 0.2, shape).astype(np.float32)
    w[rng.uniform(size=shape) > keep] = 0.0
    return w


def model(rng: np.random.Generator) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cw, cb = pruned(rng, (256, 1, 1, 64), 0.2), rng.normal(0, 0.1, (256,)).astype(np.float32)
    fw, fb = pruned(rng, (64, 256), 0.2), rng.normal(0, 0.1, (64,)).astype(np.float32)
    t = lambda a: "tensor<" + "x".join(map(str, a.shape)) + "xf32>"  # noqa: E731
    text = f"""func.func @main(%x: tensor<1x4x4x64xf32> loc("x")) -> tensor<1x64xf32> {{
  %cw = "tfl.pseudo_const"() <{{value = {dense(cw)} : {t(cw)}}}> : () -> {t(cw)} loc("conv_w")
  %cb = "tfl.pseudo_const"() <{{value = {dense(cb)} : {t(cb)}}}> : () -> {t(cb)} loc("conv_b")
  %c = "tfl.conv_2d"(%x, %cw, %cb) <{{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}}> : (tensor<1x4x4x64xf32>, {t(cw)}, {t(cb)}) -> tensor<1x4x4x256xf32> loc("conv")
  %axes = "tfl.pseudo_const"() <{{value = dense<[1, 2]> : tensor<2xi32>}}> : () -> tensor<2xi32> loc("axes")
  %m = "tfl.mean"(%c, %axes) <{{keep_dims = false}}> : (tensor<1x4x4x256xf32>, tensor<2xi32>) -> tensor<1x256xf32> loc("pool")
  %fw = "tfl.pseudo_const"() <{{value = {dense(fw)} : {t(fw)}}}> : () -> {t(fw)} loc("fc_w")
  %fb = "tfl.pseudo_const"() <{{value = {dense(fb)} : {t(fb)}}}> : () -> {t(fb)} loc("fc_b")
  %f = "tfl.fully_connected"(%m, %fw, %fb) <{{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}}> : (tensor<1x256xf32>, {t(fw)}, {t(fb)}) -> tensor<1x64xf32> loc("fc")
  return %f : tensor<1x64xf32>
}}
"""
    return text, cw, cb, fw, fb


def test_pruned_fully_connected_weight_stays_dense_and_litert_runs_it(tqopt_bin, tmp_path: Path):
    rng = np.random.default_rng(5)
    text, cw, cb, fw, fb = model(rng)
    src = tmp_path / "m.mlir"
    src.write_text(text)
    x = rng.uniform(0, 1, (8, 1, 4, 4, 64)).astype(np.float32)
    calib = tmp_path / "calib.npy"
    np.save(calib, x)
    out = tmp_path / "m.tflite"
    r = subprocess.run([str(tqopt_bin), str(src), "--pass=quantize-int8", f"--calibration-data={calib}",
                        "--no-progress", "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    interp = Interpreter(model_path=str(out))
    interp.allocate_tensors()  # LiteRT refused a densified fully connected weight here
    ops = [o["op_name"] for o in interp._get_ops_details()]
    assert ops.count("DENSIFY") == 1, ops  # the conv's weight is sparse, the FC's is not
    densified = [o for o in interp._get_ops_details() if o["op_name"] == "DENSIFY"][0]
    conv = [o for o in interp._get_ops_details() if o["op_name"] == "CONV_2D"][0]
    assert densified["outputs"][0] == conv["inputs"][1]
    (inp,), (outp,) = interp.get_input_details(), interp.get_output_details()
    for k in range(len(x)):
        interp.set_tensor(inp["index"], x[k])
        interp.invoke()
        got = interp.get_tensor(outp["index"])
        conv_out = np.maximum(np.einsum("bhwi,oi->bhwo", x[k], cw[:, 0, 0, :]) + cb, 0)
        want = conv_out.mean(axis=(1, 2)) @ fw.T + fb
        sqnr = 10 * np.log10(np.sum(want**2) / np.sum((want - got) ** 2))
        assert sqnr > 25, (k, sqnr)
