"""int8 RESIZE_BILINEAR, convolutions, ADD, SUB, MUL, PRELU, RSQRT and requantizing QUANTIZE, and float sigmoid, tanh,
GELU, sums, means and bilinear resize, in tqopt's interpreter against LiteRT's
default interpreter, bit for bit.

``tqopt eval`` measures a quantized model in tqopt's interpreter, so the interpreter must
compute what LiteRT computes. LiteRT's default interpreter runs an int8 bilinear resize in
XNNPACK's fixed point (11-bit weights), which float emulation missed by 1 on about 2% of the
values of selfie_segmentation's upsampling layers; that difference then grew through the
decoder to a 2.3 dB disagreement of the model's SQNR. XNNPACK also requantizes an int8
convolution's exact integer accumulator with one f32 multiply, where float emulation summed
real values in f32: near ties went either way. Each case here is a one-op int8 model (written
as MLIR text, exported by the tqopt CLI) run by LiteRT (default resolver: XNNPACK) and by the
interpreter's ``run`` example on the same random input: every output value must be equal. The
convolutions' scales (input 0.1, weights 0.3, output 0.06) make every odd accumulator a tie
(0.1 * 0.3 / 0.06 is 0.5 in f32), which f32 sums of real values round either way; the
element-wise cases' scales make halves common too (XNNPACK's ADD rounds them up, in fixed
point).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import NEEDS_AVX2_ONLY, NEEDS_MODELLED_CPU, REPO, _cargo_build

QTYPE = "!quant.uniform<i8:f32, 0.05:3>"

CASES = {
    # (input h, w, output h, w, align_corners, half_pixel_centers)
    "upsample_x2_half_pixel": (8, 8, 16, 16, False, True),
    "odd_sizes_half_pixel": (5, 7, 12, 9, False, True),
    "legacy": (5, 7, 12, 9, False, False),
    "align_corners": (5, 7, 12, 9, True, False),
    "downsample_half_pixel": (9, 12, 4, 5, False, True),
}


@pytest.fixture(scope="module")
def interp_run_bin() -> Path:
    if "TQOPT_INTERP_RUN" in os.environ:
        return Path(os.environ["TQOPT_INTERP_RUN"])
    _cargo_build("-p", "tqopt-interp", "--example", "run")
    return REPO / "target" / "release" / "examples" / "run"


def model_text(h: int, w: int, oh: int, ow: int, align: bool, half: bool) -> str:
    t_in = f"tensor<1x{h}x{w}x5x{QTYPE}>"
    t_out = f"tensor<1x{oh}x{ow}x5x{QTYPE}>"
    flags = f"align_corners = {str(align).lower()}, half_pixel_centers = {str(half).lower()}"
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %s = "tfl.pseudo_const"() <{{value = dense<[{oh}, {ow}]> : tensor<2xi32>}}> : '
        f'() -> tensor<2xi32> loc("size")\n'
        f'  %0 = "tfl.resize_bilinear"(%x, %s) <{{{flags}}}> : ({t_in}, tensor<2xi32>) -> '
        f'{t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )


def conv_text(depthwise: bool, activation: str) -> str:
    xq = "!quant.uniform<i8:f32, 0.1:-2>"
    yq = "!quant.uniform<i8:f32, 0.06:1>"
    wq = "!quant.uniform<i8<-127:127>:f32, 0.3>"
    bq = "!quant.uniform<i32:f32, 0.03>"
    rng = np.random.default_rng(5)
    t_in, t_out = f"tensor<1x6x6x8x{xq}>", f"tensor<1x6x6x8x{yq}>"
    if depthwise:
        wshape, op = (1, 3, 3, 8), "tfl.depthwise_conv_2d"
        attrs = "depth_multiplier = 1 : i32, "
    else:
        wshape, op, attrs = (8, 3, 3, 8), "tfl.conv_2d", ""
    weights = rng.integers(-5, 6, wshape)
    bias = rng.integers(-50, 51, (8,))
    wt = f"tensor<{'x'.join(map(str, wshape))}x{wq}>"
    wi = f"tensor<{'x'.join(map(str, wshape))}xi8>"
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %w = "tfl.pseudo_qconst"() <{{qtype = {wt}, value = dense<{weights.tolist()}> : '
        f'{wi}}}> : () -> {wt} loc("w")\n'
        f'  %b = "tfl.pseudo_qconst"() <{{qtype = tensor<8x{bq}>, value = dense<{bias.tolist()}> '
        f': tensor<8xi32>}}> : () -> tensor<8x{bq}> loc("b")\n'
        f'  %0 = "{op}"(%x, %w, %b) <{{{attrs}dilation_h_factor = 1 : i32, dilation_w_factor = '
        f'1 : i32, fused_activation_function = "{activation}", padding = "SAME", stride_h = 1 : '
        f'i32, stride_w = 1 : i32}}> : ({t_in}, {wt}, tensor<8x{bq}>) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )


def fully_connected_text(per_channel: bool) -> str:
    xq = "!quant.uniform<i8:f32, 0.1:-2>"
    yq = "!quant.uniform<i8:f32, 0.06:1>"
    wq = ("!quant.uniform<i8<-127:127>:f32:0, {0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3}>"
          if per_channel else "!quant.uniform<i8<-127:127>:f32, 0.3>")
    bq = "!quant.uniform<i32:f32, 0.03>"
    rng = np.random.default_rng(8)
    weights = rng.integers(-5, 6, (8, 16))
    bias = rng.integers(-50, 51, (8,))
    t_in, t_out, wt = f"tensor<4x16x{xq}>", f"tensor<4x8x{yq}>", f"tensor<8x16x{wq}>"
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %w = "tfl.pseudo_qconst"() <{{qtype = {wt}, value = dense<{weights.tolist()}> : '
        f'tensor<8x16xi8>}}> : () -> {wt} loc("w")\n'
        f'  %b = "tfl.pseudo_qconst"() <{{qtype = tensor<8x{bq}>, value = dense<{bias.tolist()}> '
        f': tensor<8xi32>}}> : () -> tensor<8x{bq}> loc("b")\n'
        f'  %0 = "tfl.fully_connected"(%x, %w, %b) <{{fused_activation_function = "NONE", '
        f'keep_num_dims = false, weights_format = "DEFAULT"}}> : ({t_in}, {wt}, tensor<8x{bq}>) '
        f'-> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )


def elementwise_text(op: str, activation: str, b_shape: str) -> str:
    """``op``(x, b) on int8 [1, 6, 8] with a constant b of shape ``b_shape`` ("1x6x8", "1x1x8"
    or a scalar, "")."""
    aq, bq = "!quant.uniform<i8:f32, 0.1:-3>", "!quant.uniform<i8:f32, 0.3:2>"
    yq = "!quant.uniform<i8:f32, 0.06:1>" if op == "tfl.mul" else "!quant.uniform<i8:f32, 0.2:1>"
    bshape = b_shape
    values = np.random.default_rng(9).integers(-40, 41, (1, 6, 8))
    if b_shape == "1x1x8":
        values = values[:, :1, :]
    elif b_shape == "":
        values = values[0, 0, 0]
    sep = "x" if bshape else ""
    t_a, t_b, t_y = f"tensor<1x6x8x{aq}>", f"tensor<{bshape}{sep}{bq}>", f"tensor<1x6x8x{yq}>"
    return (
        f'func.func @main(%x: {t_a} loc("x")) -> {t_y} {{\n'
        f'  %b = "tfl.pseudo_qconst"() <{{qtype = {t_b}, value = dense<{values.tolist()}> : '
        f'tensor<{bshape}{sep}i8>}}> : () -> {t_b} loc("b")\n'
        f'  %0 = "{op}"(%x, %b) <{{fused_activation_function = "{activation}"}}> : '
        f'({t_a}, {t_b}) -> {t_y} loc("y")\n'
        f"  return %0 : {t_y}\n}}\n"
    )


def litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir):
    """The one output of the model ``text`` on ``x``, from LiteRT and from the interpreter."""
    from ai_edge_litert.interpreter import Interpreter

    src = out_dir / "model.mlir"
    src.write_text(text)
    model = out_dir / "model.tflite"
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(model)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    np.save(out_dir / "x.npy", x)

    it = Interpreter(model_path=str(model), num_threads=1)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    want = it.get_tensor(it.get_output_details()[0]["index"])

    ours_dir = out_dir / "ours"
    ours_dir.mkdir()
    r = subprocess.run([str(interp_run_bin), str(model), str(ours_dir), str(out_dir / "x.npy")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return want, np.load(ours_dir / "output_0.npy")


def assert_bit_equal(want, got):
    assert got.dtype == want.dtype == np.int8 and got.shape == want.shape
    differ = int(np.sum(got != want))
    assert differ == 0, (
        f"{differ} of {want.size} values differ, by at most "
        f"{int(np.max(np.abs(got.astype(int) - want.astype(int))))}"
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_int8_resize_bilinear_is_litert_to_the_bit(case, tqopt_bin, interp_run_bin, out_dir):
    h, w, oh, ow, align, half = CASES[case]
    x = np.random.default_rng(11).integers(-128, 128, (1, h, w, 5)).astype(np.int8)
    want, got = litert_and_ours(model_text(h, w, oh, ow, align, half), x, tqopt_bin,
                                interp_run_bin, out_dir)
    assert_bit_equal(want, got)


@pytest.mark.parametrize("activation", ["NONE", "RELU6"])
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv_2d", "depthwise_conv_2d"])
def test_int8_convolution_ties_are_litert_to_the_bit(depthwise, activation, tqopt_bin,
                                                      interp_run_bin, out_dir):
    x = np.random.default_rng(3).integers(-20, 21, (1, 6, 6, 8)).astype(np.int8)
    want, got = litert_and_ours(conv_text(depthwise, activation), x, tqopt_bin, interp_run_bin,
                                out_dir)
    assert_bit_equal(want, got)


@pytest.mark.parametrize("per_channel", [False, True], ids=["per_tensor", "per_channel"])
def test_int8_fully_connected_ties_are_litert_to_the_bit(per_channel, tqopt_bin, interp_run_bin,
                                                         out_dir):
    x = np.random.default_rng(4).integers(-20, 21, (4, 16)).astype(np.int8)
    want, got = litert_and_ours(fully_connected_text(per_channel), x, tqopt_bin, interp_run_bin,
                                out_dir)
    assert_bit_equal(want, got)


# SUB ran in float emulation until BirdNET's spectrogram (x - 0.498 on int8 audio) came out 1
# step off on every value, which grew to a 0.19 dB disagreement of the model's SQNR.
@pytest.mark.parametrize("b_shape", ["1x6x8", "1x1x8", ""], ids=["same_shape", "broadcast", "scalar"])
@pytest.mark.parametrize("activation", ["NONE", "RELU"])
@pytest.mark.parametrize("op", ["tfl.add", "tfl.sub", "tfl.mul"])
def test_int8_add_sub_and_mul_are_litert_to_the_bit(op, activation, b_shape, tqopt_bin,
                                                    interp_run_bin, out_dir):
    x = np.random.default_rng(6).integers(-60, 61, (1, 6, 8)).astype(np.int8)
    want, got = litert_and_ours(elementwise_text(op, activation, b_shape), x, tqopt_bin,
                                interp_run_bin, out_dir)
    assert_bit_equal(want, got)


# int8 PRELU runs in LiteRT's builtin kernel (XNNPACK takes PRELU only in float): 31-bit
# multipliers, double rounding. Float emulation was 1 step off on up to 0.7% of the values of
# MediaPipe's palm_detection_full's PReLUs in target=strict. The first case has that model's
# scales; the second a per-tensor zero point on alpha and a wider output.
PRELU_CASES = {
    "palm_detection_full": ((0.09666226, 6), (0.02417569, 0), (0.10038568, 11)),
    "alpha_offset": ((0.05, -3), (0.004, 7), (0.031, -20)),
}


@pytest.mark.parametrize("case", sorted(PRELU_CASES))
def test_int8_prelu_is_litert_to_the_bit(case, tqopt_bin, interp_run_bin, out_dir):
    (sx, zx), (sa, za), (sy, zy) = PRELU_CASES[case]
    xq, aq, yq = (f"!quant.uniform<i8:f32, {s!r}:{z}>" for s, z in ((sx, zx), (sa, za), (sy, zy)))
    alpha = np.random.default_rng(12).integers(-128, 128, (1, 1, 16))
    t_x, t_a, t_y = f"tensor<1x16x16x{xq}>", f"tensor<1x1x16x{aq}>", f"tensor<1x16x16x{yq}>"
    text = (
        f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n'
        f'  %a = "tfl.pseudo_qconst"() <{{qtype = {t_a}, value = dense<{alpha.tolist()}> : '
        f'tensor<1x1x16xi8>}}> : () -> {t_a} loc("alpha")\n'
        f'  %0 = "tfl.prelu"(%x, %a) : ({t_x}, {t_a}) -> {t_y} loc("y")\n'
        f"  return %0 : {t_y}\n}}\n"
    )
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 16, 16)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


# (input storage, scale, zero point, output storage, scale, zero point): int8 and uint8 ratios
# inside XNNPACK's [2^-8, 2^7], where it requantizes in 8-bit fixed point, ratios outside it and
# mixed storage, left to the builtin kernel's double-rounding multiplier.
REQUANTIZE_CASES = {
    "tanh_output": ("i8", 0.0078125, 0, "i8", 0.0075845904648303986, -2),
    "widening": ("i8", 0.05, 10, "i8", 0.0123, -100),
    "narrowing": ("i8", 0.01, -128, "i8", 0.37, 5),
    "ratio_120": ("i8", 0.3, 3, "i8", 0.0025, 0),
    "outside_xnnpack": ("i8", 0.001, 0, "i8", 0.5, 0),
    "uint8_tanh_output": ("u8", 0.0078125, 128, "u8", 0.0075845904648303986, 126),
    "uint8_narrowing": ("u8", 0.01, 0, "u8", 0.37, 5),
    "uint8_outside_xnnpack": ("u8", 0.001, 0, "u8", 0.5, 0),
    "uint8_to_int8": ("u8", 0.05, 10, "i8", 0.0123, -100),
}


@pytest.mark.parametrize("case", sorted(REQUANTIZE_CASES))
def test_8_bit_requantize_is_litert_to_the_bit(case, tqopt_bin, interp_run_bin, out_dir):
    ti, si, zi, to, so, zo = REQUANTIZE_CASES[case]
    t_in = f"tensor<1x256x!quant.uniform<{ti}:f32, {si!r}:{zi}>>"
    t_out = f"tensor<1x256x!quant.uniform<{to}:f32, {so!r}:{zo}>>"
    text = (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %0 = "tfl.quantize"(%x) <{{qtype = {t_out}}}> : ({t_in}) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )
    x = (np.arange(256) - (128 if ti == "i8" else 0)).astype(np.int8 if ti == "i8" else np.uint8)
    want, got = litert_and_ours(text, x.reshape(1, 256), tqopt_bin, interp_run_bin, out_dir)
    assert got.dtype == want.dtype and got.shape == want.shape
    differ = int(np.sum(got != want))
    assert differ == 0, f"{differ} of {want.size} values differ"


# int8 RSQRT (input scale, zero point; output scale, zero point): LiteRT's builtin kernel
# computes it in gemmlowp's fixed point, which float emulation missed by a step on 1.5% of a
# ViT encoder's layer-norm values (0.27 dB of its SQNR).
RSQRT_CASES = {
    "layer_norm": (0.0053334897384047508, -128, 0.007349108811467886, -128),
    "wide": (0.02, -100, 0.05, 3),
    "fine": (0.0005, 10, 0.4, -20),
}


@pytest.mark.parametrize("case", sorted(RSQRT_CASES))
def test_int8_rsqrt_is_litert_to_the_bit(case, tqopt_bin, interp_run_bin, out_dir):
    si, zi, so, zo = RSQRT_CASES[case]
    t_in = f"tensor<1x256x!quant.uniform<i8:f32, {si!r}:{zi}>>"
    t_out = f"tensor<1x256x!quant.uniform<i8:f32, {so!r}:{zo}>>"
    text = (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %0 = "tfl.rsqrt"(%x) : ({t_in}) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )
    # Every storage integer from the zero point up (LiteRT refuses those below), repeated.
    x = np.resize(np.arange(zi, 128), 256).astype(np.int8).reshape(1, 256)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


def float_depthwise_text(kh: int, kw: int, c: int, h: int, w: int) -> str:
    rng = np.random.default_rng(kh * 100 + kw)
    wt = rng.normal(size=(1, kh, kw, c)).astype(np.float32)
    bias = rng.normal(size=(c,)).astype(np.float32)
    t_in, t_w, t_b = f"tensor<1x{h}x{w}x{c}xf32>", f"tensor<1x{kh}x{kw}x{c}xf32>", f"tensor<{c}xf32>"
    t_out = f"tensor<1x{h}x{w}x{c}xf32>"
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %w = "tfl.pseudo_const"() <{{value = dense<{wt.tolist()}> : {t_w}}}> : () -> {t_w} loc("w")\n'
        f'  %b = "tfl.pseudo_const"() <{{value = dense<{bias.tolist()}> : {t_b}}}> : () -> {t_b} loc("b")\n'
        f'  %0 = "tfl.depthwise_conv_2d"(%x, %w, %b) <{{depth_multiplier = 1 : i32, '
        f'dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, '
        f'fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, '
        f'stride_w = 1 : i32}}> : ({t_in}, {t_w}, {t_b}) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )


@NEEDS_MODELLED_CPU
@pytest.mark.parametrize("kh,kw", [(3, 3), (5, 5), (3, 8), (3, 9), (7, 7), (2, 13)])
def test_float_depthwise_is_litert_to_the_bit(kh, kw, tqopt_bin, interp_run_bin, out_dir):
    """XNNPACK sums a float depthwise convolution's taps column by column for filters of up to
    25 taps and row by row for larger ones; a 7x7 summed in the other order differed in the
    last bit, and hybrid ops after it turned that into 1.6 dB between tqopt eval and LiteRT on
    NASNet-Mobile's dynamic-range model."""
    x = np.random.default_rng(3).normal(size=(1, 9, 11, 24)).astype(np.float32)
    want, got = litert_and_ours(float_depthwise_text(kh, kw, 24, 9, 11), x, tqopt_bin,
                                interp_run_bin, out_dir)
    assert_float_bit_equal(want, got)


@NEEDS_AVX2_ONLY
@pytest.mark.parametrize("n", [7, 40, 48, 65, 176, 1000])
def test_float_softmax_is_litert_to_the_bit(n, tqopt_bin, interp_run_bin, out_dir):
    """XNNPACK's float softmax (its own exponential, a sum over 32 values at a time in two
    accumulators, then times 1/sum): row lengths below, at and past each of its loops."""
    rows = 16
    t = f"tensor<{rows}x{n}xf32>"
    text = (
        f'func.func @main(%x: {t} loc("x")) -> {t} {{\n'
        f'  %0 = "tfl.softmax"(%x) <{{beta = 1.000000e+00 : f32}}> : ({t}) -> {t} loc("y")\n'
        f"  return %0 : {t}\n}}\n"
    )
    x = (np.random.default_rng(n).normal(size=(rows, n)) * 4).astype(np.float32)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_float_bit_equal(want, got)


def float_unary_text(op: str, n: int) -> str:
    attrs = {"gelu": " <{approximate = false}>", "gelu_approximate": " <{approximate = true}>"}
    name = "gelu" if op.startswith("gelu") else op
    t = f"tensor<{n}xf32>"
    return (
        f'func.func @main(%x: {t} loc("x")) -> {t} {{\n'
        f'  %0 = "tfl.{name}"(%x){attrs.get(op, "")} : ({t}) -> {t} loc("y")\n'
        f"  return %0 : {t}\n}}\n"
    )


def float_reduce_text(op: str, shape: tuple, axes: list) -> str:
    t_in = "tensor<" + "x".join(map(str, shape)) + "xf32>"
    out = [1 if i in axes else d for i, d in enumerate(shape)]
    t_out = "tensor<" + "x".join(map(str, out)) + "xf32>"
    t_axes = f"tensor<{len(axes)}xi32>"
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %a = "tfl.pseudo_const"() <{{value = dense<{axes}> : {t_axes}}}> : () -> {t_axes} loc("axes")\n'
        f'  %0 = "tfl.{op}"(%x, %a) <{{keep_dims = true}}> : ({t_in}, {t_axes}) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )


def assert_float_bit_equal(want, got):
    assert got.dtype == want.dtype == np.float32 and got.shape == want.shape
    differ = int(np.sum(got.view(np.uint32) != want.view(np.uint32)))
    assert differ == 0, f"{differ} of {want.size} values differ in their bits"


@NEEDS_MODELLED_CPU
@pytest.mark.parametrize("op", ["logistic", "tanh", "gelu", "gelu_approximate", "rsqrt"])
def test_float_activations_are_litert_to_the_bit(op, tqopt_bin, interp_run_bin, out_dir):
    """Float sigmoid, tanh, GELU and RSQRT feed hybrid ops that quantize their input on the fly,
    so an ulp matters (kernels/xnnpack_math.rs). RSQRT (layer norms) gets positive values over
    twelve octaves, +inf, and a tail shorter than a vector."""
    rng = np.random.default_rng(12)
    if op == "rsqrt":
        x = np.concatenate([np.geomspace(1e-6, 1e6, 2048), rng.uniform(0.5, 4, 2050), [np.inf]])
    else:
        x = np.concatenate([np.linspace(-12, 12, 2048), rng.standard_normal(2048) * 3])
    x = x.astype(np.float32)
    want, got = litert_and_ours(float_unary_text(op, x.size), x, tqopt_bin, interp_run_bin, out_dir)
    assert_float_bit_equal(want, got)


# (shape, axes): a global pool, the last axis (short, long, with a tail), everything, and
# reduced-kept-reduced.
REDUCE_CASES = {
    "global_pool": ((1, 13, 11, 24), [1, 2]),
    "batch_of_pools": ((2, 7, 7, 40), [1, 2]),
    "last_axis_77": ((2, 5, 77), [2]),
    "last_axis_1000": ((1, 8, 1000), [2]),
    "all_axes": ((2, 9, 9, 17), [0, 1, 2, 3]),
    "outer_and_inner": ((4, 6, 10), [0, 2]),
}


@NEEDS_MODELLED_CPU
@pytest.mark.parametrize("op", ["mean", "sum"])
@pytest.mark.parametrize("case", sorted(REDUCE_CASES))
def test_float_sums_and_means_are_litert_to_the_bit(case, op, tqopt_bin, interp_run_bin, out_dir):
    """XNNPACK's summation order (kernels/float_sum.rs), on values of mixed magnitude."""
    shape, axes = REDUCE_CASES[case]
    rng = np.random.default_rng(13)
    x = (rng.standard_normal(shape) * np.exp(rng.standard_normal(shape) * 2)).astype(np.float32)
    want, got = litert_and_ours(float_reduce_text(op, shape, axes), x, tqopt_bin, interp_run_bin,
                                out_dir)
    assert_float_bit_equal(want, got)


# (input h, w, window, stride, padding): windows of 4 and 9 slots, 25 (three groups of 9, the
# last part zeros), one clipped at the border, and global pools of 143 and 4096 slots.
POOL_CASES = {
    "2x2_stride2": (8, 8, 2, 2, "VALID"),
    "3x3_same": (9, 7, 3, 1, "SAME"),
    "5x5_same": (10, 9, 5, 2, "SAME"),
    "global_13x11": (13, 11, (13, 11), 1, "VALID"),
    "global_64x64": (64, 64, 64, 1, "VALID"),
}


@NEEDS_MODELLED_CPU
@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_float_average_pool_is_litert_to_the_bit(case, tqopt_bin, interp_run_bin, out_dir):
    """XNNPACK's order for a float average (kernels/pool.rs): slots column by column, in groups
    of 9. A squeeze-excite block's global pool feeds a hybrid op, so an ulp there moved a
    dynamic-range selfie model's eval 2.2 dB away from LiteRT's."""
    h, w, window, stride, padding = POOL_CASES[case]
    fh, fw = window if isinstance(window, tuple) else (window, window)
    oh = -(-h // stride) if padding == "SAME" else (h - fh) // stride + 1
    ow = -(-w // stride) if padding == "SAME" else (w - fw) // stride + 1
    t_in, t_out = f"tensor<1x{h}x{w}x12xf32>", f"tensor<1x{oh}x{ow}x12xf32>"
    text = (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %0 = "tfl.average_pool_2d"(%x) <{{filter_height = {fh} : i32, filter_width = {fw} : i32, '
        f'fused_activation_function = "NONE", padding = "{padding}", stride_h = {stride} : i32, '
        f'stride_w = {stride} : i32}}> : ({t_in}) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )
    rng = np.random.default_rng(17)
    shape = (1, h, w, 12)
    x = (rng.standard_normal(shape) * np.exp(rng.standard_normal(shape) * 2)).astype(np.float32)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_float_bit_equal(want, got)


@NEEDS_MODELLED_CPU
@pytest.mark.parametrize("case", sorted(CASES))
def test_float_resize_bilinear_is_litert_to_the_bit(case, tqopt_bin, interp_run_bin, out_dir):
    """XNNPACK's source coordinates and interpolation order (kernels/resize.rs)."""
    h, w, oh, ow, align, half = CASES[case]
    text = model_text(h, w, oh, ow, align, half).replace(f"x5x{QTYPE}>", "x5xf32>")
    x = np.random.default_rng(14).standard_normal((1, h, w, 5)).astype(np.float32)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_float_bit_equal(want, got)


@NEEDS_MODELLED_CPU
@pytest.mark.parametrize("per_channel", [False, True], ids=["per_tensor", "per_channel"])
@pytest.mark.parametrize("adj_y", [False, True])
def test_hybrid_batch_matmul_is_litert_to_the_bit(per_channel, adj_y, tqopt_bin, interp_run_bin,
                                                   out_dir):
    """A dynamic-range BATCH_MATMUL (float input, constant int8 right operand): XNNPACK quantizes
    each row of the input on the fly (interp/src/hybrid.rs); computed in float, tqopt eval
    said 41.14 dB where LiteRT gives 39.74 on a 12x64 by 64x48 product."""
    k, n = 64, 48
    w_shape = (n, k) if adj_y else (k, n)
    w = np.random.default_rng(15).integers(-127, 128, w_shape)
    if per_channel:
        scales = ",".join(repr(0.006 * (1 + 0.05 * j)) for j in range(n))
        wq = f"!quant.uniform<i8<-127:127>:f32:{0 if adj_y else 1}, {{{scales}}}>"
    else:
        wq = "!quant.uniform<i8<-127:127>:f32, 0.0061408215620386321>"
    t_x, t_y = "tensor<1x12x64xf32>", f"tensor<1x12x{n}xf32>"
    t_w = f"tensor<{w_shape[0]}x{w_shape[1]}x{wq}>"
    text = (
        f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n'
        f'  %w = "tfl.pseudo_qconst"() <{{qtype = {t_w}, value = dense<{w.tolist()}> : '
        f'tensor<{w_shape[0]}x{w_shape[1]}xi8>}}> : () -> {t_w} loc("w")\n'
        f'  %0 = "tfl.batch_matmul"(%x, %w) <{{adj_x = false, adj_y = {str(adj_y).lower()}, '
        f'asymmetric_quantize_inputs = true}}> : ({t_x}, {t_w}) -> {t_y} loc("y")\n'
        f"  return %0 : {t_y}\n}}\n"
    )
    x = np.random.default_rng(16).standard_normal((1, 12, 64)).astype(np.float32)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_float_bit_equal(want, got)


def hybrid_op_text(op: str, attrs: str, x_shape: tuple, y_shape: tuple, weights: np.ndarray,
                   axis: int, scales: list[float], bias: np.ndarray) -> str:
    """A one-op model: ``op`` with attributes ``attrs`` on a float input, constant int8 weights
    quantized per channel along ``axis`` with ``scales``, and a float bias."""
    def t(shape, elem):
        return "tensor<" + "x".join(map(str, shape)) + f"x{elem}>"

    wq = f"!quant.uniform<i8<-127:127>:f32:{axis}, {{{','.join(map(repr, scales))}}}>"
    t_in, t_out, t_w, t_b = t(x_shape, "f32"), t(y_shape, "f32"), t(weights.shape, wq), t(bias.shape, "f32")
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %w = "tfl.pseudo_qconst"() <{{qtype = {t_w}, value = dense<{weights.tolist()}> : '
        f'{t(weights.shape, "i8")}}}> : () -> {t_w} loc("w")\n'
        f'  %b = "tfl.pseudo_const"() <{{value = dense<{bias.tolist()}> : {t_b}}}> : () -> {t_b} loc("b")\n'
        f'  %0 = "{op}"(%x, %w, %b) <{{{attrs}}}> : ({t_in}, {t_w}, {t_b}) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )


HYBRID_DEPTHWISE_CASES = {
    # name: (kernel, stride, channels, depth multiplier, activation, batch, input offset)
    "3x3": ((3, 3), 1, 12, 1, "NONE", 1, 0.0),
    "5x5_stride2_relu6": ((5, 5), 2, 12, 1, "RELU6", 1, 0.0),
    "3x3_multiplier2": ((3, 3), 1, 12, 2, "NONE", 1, 0.0),
    "3x3_batch2": ((3, 3), 1, 12, 1, "RELU", 2, 0.0),
    "3x3_positive": ((3, 3), 1, 12, 1, "NONE", 1, 3.0),
    # 7 channels: a vector of four and three alone; 693 values: 86 vectors of eight and 5 alone.
    "3x3_7_channels": ((3, 3), 1, 7, 1, "NONE", 1, 0.0),
    "3x3_7_channels_multiplier3": ((3, 3), 1, 7, 3, "NONE", 1, -1.0),
}


@pytest.mark.parametrize("case", sorted(HYBRID_DEPTHWISE_CASES))
def test_hybrid_depthwise_is_litert_to_the_bit(case, tqopt_bin, interp_run_bin, out_dir):
    """A dynamic-range DEPTHWISE_CONV_2D (float input, int8 per-channel weights, as TensorFlow's
    converter writes them): XNNPACK declines it, and LiteRT's builtin kernel quantizes each image
    with TFLite's own rounding (interp/src/hybrid.rs). Emulated as XNNPACK's hybrid ops,
    tqopt eval said 75.94 dB where LiteRT gives 75.09 on an EfficientNetV2."""
    (kh, kw), stride, c, mult, act, batch, shift = HYBRID_DEPTHWISE_CASES[case]
    h, w = 9, 11
    rng = np.random.default_rng(kh * 10 + stride + mult)
    oc = c * mult
    wt = rng.integers(-127, 128, (1, kh, kw, oc))
    scales = [0.004 * (1 + 0.07 * j) for j in range(oc)]
    bias = rng.normal(size=(oc,)).astype(np.float32)
    oh, ow = -(-h // stride), -(-w // stride)
    text = hybrid_op_text(
        "tfl.depthwise_conv_2d",
        f'depth_multiplier = {mult} : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, '
        f'fused_activation_function = "{act}", padding = "SAME", stride_h = {stride} : i32, '
        f'stride_w = {stride} : i32',
        (batch, h, w, c), (batch, oh, ow, oc), wt, 3, scales, bias)
    x = (rng.normal(size=(batch, h, w, c)) + shift).astype(np.float32)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_float_bit_equal(want, got)


HYBRID_CONV_CASES = {
    # name: (kernel, stride, input channels, kernel input channels, output channels)
    "1x1": (1, 1, 48, 48, 24),
    "1x1_grouped": (1, 1, 48, 16, 24),
    "1x1_stride2": (1, 2, 48, 48, 24),
    "3x3": (3, 1, 12, 12, 16),
    "3x3_grouped": (3, 1, 12, 4, 12),
}


@pytest.mark.parametrize("case", sorted(HYBRID_CONV_CASES))
def test_hybrid_conv_is_litert_to_the_bit(case, tqopt_bin, interp_run_bin, out_dir):
    """A dynamic-range CONV_2D (int8 per-channel weights): XNNPACK quantizes an ungrouped 1x1
    convolution with unit strides per pixel (it runs it as a fully connected layer), and any
    other per image (interp/src/hybrid.rs). Grouped 1x1 convolutions quantized per pixel put
    tqopt eval 0.10 dB from LiteRT on an EfficientViT."""
    k, stride, c, kc, oc = HYBRID_CONV_CASES[case]
    h, w = 7, 9
    rng = np.random.default_rng(k * 100 + c + kc + stride)
    wt = rng.integers(-127, 128, (oc, k, k, kc))
    scales = [0.003 * (1 + 0.05 * j) for j in range(oc)]
    bias = rng.normal(size=(oc,)).astype(np.float32)
    oh, ow = -(-h // stride), -(-w // stride)
    text = hybrid_op_text(
        "tfl.conv_2d",
        f'dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", '
        f'padding = "SAME", stride_h = {stride} : i32, stride_w = {stride} : i32',
        (1, h, w, c), (1, oh, ow, oc), wt, 0, scales, bias)
    # Pixels of very different ranges, so that per-pixel and per-image quantization differ.
    x = (rng.normal(size=(1, h, w, c)) * rng.uniform(0.1, 3, size=(1, h, w, 1))).astype(np.float32)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_float_bit_equal(want, got)


def assert_quantized_unary_is_litert(op, case, x, tqopt_bin, interp_run_bin, out_dir):
    """A one-op model of OP on ``x`` (its storage integers), from one per-tensor quantized type
    to another, ``case`` = (storage, input scale, input zero point, output scale, output zero
    point; int16 is symmetric): LiteRT and the interpreter must give the same storage value
    everywhere."""
    storage, si, zi, so, zo = case

    def qtype(scale, zero_point):
        if storage == "i16":
            return f"!quant.uniform<i16:f32, {scale}>"
        return f"!quant.uniform<{storage}:f32, {scale}:{zero_point}>"

    dims = "x".join(map(str, x.shape))
    t_in, t_out = f"tensor<{dims}x{qtype(si, zi)}>", f"tensor<{dims}x{qtype(so, zo)}>"
    text = (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %0 = "{op}"(%x) : ({t_in}) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert int(np.sum(got != want)) == 0, np.flatnonzero(got != want)[:10]


RELU_CASES = {
    # name: (storage, input scale, input zero point, output scale, output zero point)
    "int8_coarser": ("i8", 0.05, 3, 0.04, -128),
    "int8_near_one": ("i8", 0.0123, -5, 0.011, -100),
    "int8_same": ("i8", 0.02, 0, 0.02, 0),
    "uint8": ("u8", 0.05, 130, 0.04, 0),
}


@pytest.mark.parametrize("case", sorted(RELU_CASES))
@pytest.mark.parametrize("op", ["tfl.relu", "tfl.relu6", "tfl.relu_n1_to_1"])
def test_8_bit_relus_are_litert_to_the_bit(op, case, tqopt_bin, interp_run_bin, out_dir):
    """8-bit RELU, RELU6 and RELU_N1_TO_1 with an output scale of their own (as
    ai-edge-quantizer writes them): LiteRT's builtin requantization and clamp, on every storage
    value. In float, 8 of the 256 int8 inputs landed a step away from 0.05 to 0.04."""
    storage, si, zi, so, zo = RELU_CASES[case]
    dtype = np.int8 if storage == "i8" else np.uint8
    info = np.iinfo(dtype)
    x = np.arange(info.min, info.max + 1).astype(dtype).reshape(1, 16, 16, 1)
    assert_quantized_unary_is_litert(op, (storage, si, zi, so, zo), x, tqopt_bin, interp_run_bin,
                                     out_dir)


ABS_NEG_LOG_CASES = {
    # name: (storage, input scale, input zero point, output scale, output zero point)
    "int8_rescaled": ("i8", 0.05, -5, 0.04, 20),
    "int8_same": ("i8", 0.02, -5, 0.02, -5),
    "int16_rescaled": ("i16", 0.0005, 0, 0.0004, 0),
}


@pytest.mark.parametrize("case", sorted(ABS_NEG_LOG_CASES))
@pytest.mark.parametrize("op", ["tfl.abs", "tfl.neg", "tfl.log"])
def test_quantized_abs_neg_and_log_are_litert_to_the_bit(op, case, tqopt_bin, interp_run_bin,
                                                          out_dir):
    """Quantized ABS (requantized in fixed point), NEG (LiteRT negates the storage integers,
    whatever the zero point) and LOG (a table; inputs at or below zero give the lowest output):
    LiteRT's builtin kernels. In float emulation, NEG with a zero point of -5 differed on every
    input and LOG on every input at or below zero."""
    storage = ABS_NEG_LOG_CASES[case][0]
    if storage == "i16":
        x = np.arange(-32768, 32768, 7).astype(np.int16)
    else:
        x = np.arange(-128, 128).astype(np.int8)
    assert_quantized_unary_is_litert(op, ABS_NEG_LOG_CASES[case], x, tqopt_bin, interp_run_bin,
                                     out_dir)
