"""Models with TFLite's CONV_3D (Keras's Conv3D: video and volume models): tqopt imports it as
``tfl.conv_3d``, its interpreter computes it as LiteRT does, and so calibration reaches the ops
after it, which int8 quantizes while the convolution stays float (LiteRT has only a float32
CONV_3D kernel).

Until tqopt modelled the op, it was an opaque ``tfl.builtin``: every op after it got no
calibrated range and stayed float, ``tqopt eval`` refused the model, and ``target-sqnr`` could
not run.

The models are written here as MLIR text and converted by tqopt itself.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from test_interp import interp_run_bin  # noqa: F401  (fixture)
from zoo_common import litert_outputs, sqnr_db


def hex_f32(a: np.ndarray) -> str:
    return '"0x' + a.astype("<f4").tobytes().hex().upper() + '"'


def out_size(n: int, k: int, stride: int, dilation: int, padding: str) -> int:
    if padding == "SAME":
        return -(-n // stride)
    return (n - ((k - 1) * dilation + 1)) // stride + 1


def conv3d_model(tqopt_bin: Path, out: Path, name: str, input_shape, kernel, cout: int, strides, dilations,
                 padding: str, act: str, bias: bool) -> Path:
    """input NDHWC -> CONV_3D(filter [kd, kh, kw, cin, cout]) with the given options."""
    rng = np.random.default_rng(7)
    n, d, h, w, cin = input_shape
    kd, kh, kw = kernel
    dims = [out_size(s, k, st, dl, padding) for s, k, st, dl in zip((d, h, w), kernel, strides, dilations)]
    filt = rng.standard_normal((kd, kh, kw, cin, cout)).astype(np.float32) * 0.3
    shape_in = "x".join(map(str, input_shape))
    shape_f = "x".join(map(str, filt.shape))
    shape_out = "x".join(map(str, [n, *dims, cout]))
    if bias:
        b = rng.standard_normal(cout).astype(np.float32) * 0.1
        bias_def = f'%b = "tfl.pseudo_const"() <{{value = dense<{hex_f32(b)}> : tensor<{cout}xf32>}}> : () -> tensor<{cout}xf32>'
        bias_use, bias_ty = "%b", f"tensor<{cout}xf32>"
    else:
        bias_def = '%b = "tfl.no_value"() <{value}> : () -> none'
        bias_use, bias_ty = "%b", "none"
    text = f"""module {{
  func.func @main(%arg0: tensor<{shape_in}xf32>) -> tensor<{shape_out}xf32> {{
    %f = "tfl.pseudo_const"() <{{value = dense<{hex_f32(filt)}> : tensor<{shape_f}xf32>}}> : () -> tensor<{shape_f}xf32>
    {bias_def}
    %y = "tfl.conv_3d"(%arg0, %f, {bias_use}) <{{dilation_d_factor = {dilations[0]} : i32, dilation_h_factor = {dilations[1]} : i32, dilation_w_factor = {dilations[2]} : i32, fused_activation_function = "{act}", padding = "{padding}", stride_d = {strides[0]} : i32, stride_h = {strides[1]} : i32, stride_w = {strides[2]} : i32}}> : (tensor<{shape_in}xf32>, tensor<{shape_f}xf32>, {bias_ty}) -> tensor<{shape_out}xf32>
    return %y : tensor<{shape_out}xf32>
  }}
}}
"""
    src = out / f"{name}.mlir"
    src.write_text(text)
    dst = src.with_suffix(".tflite")
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(dst)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return dst


CASES = {
    "same_relu": ((1, 4, 6, 6, 3), (3, 3, 3), 4, (1, 1, 1), (1, 1, 1), "SAME", "RELU", True),
    "valid_strided": ((1, 5, 7, 8, 2), (2, 3, 3), 5, (1, 2, 2), (1, 1, 1), "VALID", "NONE", True),
    "same_strided_odd": ((1, 5, 7, 9, 3), (3, 2, 3), 2, (2, 3, 2), (1, 1, 1), "SAME", "RELU6", True),
    "dilated_no_bias": ((2, 6, 8, 8, 2), (2, 3, 3), 3, (1, 1, 1), (2, 2, 1), "SAME", "NONE", False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_interpreter_computes_conv3d_as_litert(case, tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    """Paddings, strides, dilations, activations, batches and an absent bias, within float32
    rounding of LiteRT's kernel."""
    shape, *rest = CASES[case]
    model = conv3d_model(tqopt_bin, out_dir, case, shape, *rest)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    np.save(out_dir / "x.npy", x)
    r = subprocess.run([str(interp_run_bin), str(model), str(out_dir), str(out_dir / "x.npy")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = np.load(out_dir / "output_0.npy")
    want = litert_outputs(model, {"x": x[None]})[0][0]
    assert got.shape == want.shape
    bound = 1e-5 * max(1.0, float(np.max(np.abs(want))))
    worst = float(np.max(np.abs(got - want)))
    assert worst <= bound, f"differs by {worst:.3e} (bound {bound:.3e})"


def video_classifier(tqopt_bin: Path, out: Path) -> Path:
    """clip [1, 4, 8, 8, 3] -> CONV_3D (8, relu) -> MEAN over space and time -> FULLY_CONNECTED (4)."""
    rng = np.random.default_rng(11)
    f = rng.standard_normal((3, 3, 3, 3, 8)).astype(np.float32) * 0.3
    b = rng.standard_normal(8).astype(np.float32) * 0.1
    w = rng.standard_normal((4, 8)).astype(np.float32) * 0.5
    text = f"""module {{
  func.func @main(%arg0: tensor<1x4x8x8x3xf32>) -> tensor<1x4xf32> {{
    %f = "tfl.pseudo_const"() <{{value = dense<{hex_f32(f)}> : tensor<3x3x3x3x8xf32>}}> : () -> tensor<3x3x3x3x8xf32>
    %b = "tfl.pseudo_const"() <{{value = dense<{hex_f32(b)}> : tensor<8xf32>}}> : () -> tensor<8xf32>
    %c = "tfl.conv_3d"(%arg0, %f, %b) <{{dilation_d_factor = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU", padding = "SAME", stride_d = 1 : i32, stride_h = 1 : i32, stride_w = 1 : i32}}> : (tensor<1x4x8x8x3xf32>, tensor<3x3x3x3x8xf32>, tensor<8xf32>) -> tensor<1x4x8x8x8xf32>
    %axes = "tfl.pseudo_const"() <{{value = dense<[1, 2, 3]> : tensor<3xi32>}}> : () -> tensor<3xi32>
    %m = "tfl.mean"(%c, %axes) <{{keep_dims = false}}> : (tensor<1x4x8x8x8xf32>, tensor<3xi32>) -> tensor<1x8xf32>
    %w = "tfl.pseudo_const"() <{{value = dense<{hex_f32(w)}> : tensor<4x8xf32>}}> : () -> tensor<4x8xf32>
    %nb = "tfl.no_value"() <{{value}}> : () -> none
    %o = "tfl.fully_connected"(%m, %w, %nb) <{{fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}}> : (tensor<1x8xf32>, tensor<4x8xf32>, none) -> tensor<1x4xf32>
    return %o : tensor<1x4xf32>
  }}
}}
"""
    src = out / "video.mlir"
    src.write_text(text)
    dst = out / "video.tflite"
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(dst)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return dst


def test_int8_quantizes_the_ops_after_conv3d(tqopt_bin, out_dir):
    """The mean and the fully connected layer after the convolution are calibrated and int8;
    the convolution stays float with float weights; LiteRT runs the model close to the float
    one, as `tqopt eval` measures it; strict int8 names the convolution as what cannot be int8."""
    model = video_classifier(tqopt_bin, out_dir)
    rng = np.random.default_rng(5)
    calibration, held = out_dir / "cal.npy", out_dir / "held.npy"
    np.save(calibration, rng.random((16, 4, 8, 8, 3)).astype(np.float32))
    np.save(held, rng.random((8, 4, 8, 8, 3)).astype(np.float32))
    quantized = out_dir / "video_int8.tflite"
    r = subprocess.run(
        [str(tqopt_bin), str(model), "--pass=quantize-int8", f"--calibration-data={calibration}",
         "-o", str(quantized), "--no-progress"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "no calibrated range" not in r.stderr and "cannot run" not in r.stderr, r.stderr
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(quantized))
    ops = [o["op_name"] for o in it._get_ops_details()]
    assert "CONV_3D" in ops and "FULLY_CONNECTED" in ops, ops
    details = it.get_tensor_details()
    assert any(d["dtype"] == np.int8 and d["shape"].tolist() == [4, 8] for d in details), \
        "the fully connected layer's weights are not int8"
    assert any(d["dtype"] == np.float32 and d["shape"].tolist() == [3, 3, 3, 3, 8] for d in details), \
        "the convolution's filter is not float32"
    samples = {"x": np.load(held)}
    litert_db = sqnr_db(litert_outputs(model, samples), litert_outputs(quantized, samples))
    assert litert_db >= 30.0, litert_db
    r = subprocess.run(
        [str(tqopt_bin), "eval", str(quantized), "--reference", str(model), "--data", str(held),
         "--report", str(out_dir / "eval.json")],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    tqopt_db = json.loads((out_dir / "eval.json").read_text())["sqnr_db"]
    assert abs(tqopt_db - litert_db) <= 0.1, (tqopt_db, litert_db)
    strict = subprocess.run(
        [str(tqopt_bin), str(model), "--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8}",
         f"--calibration-data={calibration}", "-o", str(out_dir / "strict.tflite"), "--no-progress"],
        capture_output=True, text=True,
    )
    assert strict.returncode != 0 and "'tfl.conv_3d'" in strict.stderr, strict.stderr
    assert not (out_dir / "strict.tflite").exists()
