"""Models whose int8 parameters XNNPACK refuses must not come out of tqopt (issue 9, item 3).

A convolution or fully connected layer whose outputs were all zero on the calibration data (a
ReLU after a large negative bias, a head that never fired) used to get a tiny output scale, so
that input scale x weight scale / output scale reached 256: LiteRT's default interpreter then
failed with "failed to create XNNPACK runtime ... failed to prepare". Each model here is
quantized by tqopt and must run in the default interpreter (XNNPACK on).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import run_litert

CONV = """
func.func @main(%arg0: tensor<1x8x8x4xf32> loc("image")) -> tensor<1x6x6x8xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<8x3x3x4xf32>}> : () -> tensor<8x3x3x4xf32> loc("conv/w")
  %b = "tfl.pseudo_const"() <{value = dense<BIAS> : tensor<8xf32>}> : () -> tensor<8xf32> loc("conv/b")
  %0 = "tfl.conv_2d"(%arg0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x8x8x4xf32>, tensor<8x3x3x4xf32>, tensor<8xf32>) -> tensor<1x6x6x8xf32> loc("conv")
  return %0 : tensor<1x6x6x8xf32>
}
"""

FC = """
func.func @main(%arg0: tensor<1x16xf32> loc("x")) -> tensor<1x4xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<0.25> : tensor<4x16xf32>}> : () -> tensor<4x16xf32> loc("fc/w")
  %b = "tfl.pseudo_const"() <{value = dense<BIAS> : tensor<4xf32>}> : () -> tensor<4xf32> loc("fc/b")
  %0 = "tfl.fully_connected"(%arg0, %w, %b) <{asymmetric_quantize_inputs = false, fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("fc")
  return %0 : tensor<1x4xf32>
}
"""

# The convolution's input is a pooling of the image: the pooled values span a tenth of the
# image's range, but with target=reference the pooling shares the image's scale, so the input
# scale the requantization sees is the image's. (selfie_segmentation's squeeze-excite block,
# an average pool then a 1x1 convolution, was refused so with target=reference.)
POOLED = """
func.func @main(%arg0: tensor<1x8x8x4xf32> loc("image")) -> tensor<1x1x1x8xf32> {
  %p = "tfl.average_pool_2d"(%arg0) <{filter_height = 8 : i32, filter_width = 8 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 8 : i32, stride_w = 8 : i32}> : (tensor<1x8x8x4xf32>) -> tensor<1x1x1x4xf32> loc("pool")
  %w = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<8x1x1x4xf32>}> : () -> tensor<8x1x1x4xf32> loc("conv/w")
  %b = "tfl.pseudo_const"() <{value = dense<BIAS> : tensor<8xf32>}> : () -> tensor<8xf32> loc("conv/b")
  %0 = "tfl.conv_2d"(%p, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x1x1x4xf32>, tensor<8x1x1x4xf32>, tensor<8xf32>) -> tensor<1x1x1x8xf32> loc("conv")
  return %0 : tensor<1x1x1x8xf32>
}
"""

# The fully connected layer reads a logistic, whose fixed output range [0, 1] is wider than the
# values calibration saw.
GATED = """
func.func @main(%arg0: tensor<1x16xf32> loc("x")) -> tensor<1x4xf32> {
  %g = "tfl.logistic"(%arg0) : (tensor<1x16xf32>) -> tensor<1x16xf32> loc("gate")
  %w = "tfl.pseudo_const"() <{value = dense<0.25> : tensor<4x16xf32>}> : () -> tensor<4x16xf32> loc("fc/w")
  %b = "tfl.pseudo_const"() <{value = dense<BIAS> : tensor<4xf32>}> : () -> tensor<4xf32> loc("fc/b")
  %0 = "tfl.fully_connected"(%g, %w, %b) <{asymmetric_quantize_inputs = false, fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<1x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("fc")
  return %0 : tensor<1x4xf32>
}
"""


@pytest.mark.parametrize("name,text,shape", [
    ("conv", CONV, (1, 8, 8, 4)), ("fc", FC, (1, 16)), ("pooled", POOLED, (1, 8, 8, 4)), ("gated", GATED, (1, 16)),
])
@pytest.mark.parametrize("bias", ["-100.0", "0.5"])
@pytest.mark.parametrize("target", ["xnnpack", "reference"])
def test_dead_outputs_still_run_in_the_default_interpreter(name, text, shape, bias, target, tqopt_bin, out_dir: Path):
    src = out_dir / f"{name}.mlir"
    src.write_text(text.replace("BIAS", bias))
    rng = np.random.default_rng(0)
    data = out_dir / "x.npy"
    np.save(data, rng.standard_normal((4,) + shape).astype(np.float32))
    out = out_dir / f"{name}_int8.tflite"
    r = subprocess.run(
        [str(tqopt_bin), str(src), f"--pass=quantize-int8{{target={target}}}", f"--calibration-data={data}", "-o", str(out),
         "--no-progress"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    x = rng.standard_normal(shape).astype(np.float32)
    # Raises when XNNPACK fails to prepare the model.
    (y,) = run_litert(out, [x])
    assert np.all(np.isfinite(y))
