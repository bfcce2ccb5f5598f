"""16x8 (int16 activation) ops in tqopt's interpreter against LiteRT, bit for bit.

LiteRT runs int16 ops in its builtin kernels (no XNNPACK path), with fixed-point arithmetic of
their own: convolutions requantize an exact int64 accumulator with a multiplier reduced to 15
bits (halves rounded up), fully connected layers with an int64 bias requantize in ``double``
(halves away from zero) and those without one in the optimized kernel's two roundings, ADD runs 16-element blocks in its optimized kernel's fixed point and the rest in the
reference kernel's, LOGISTIC reads a 256-entry table, QUANTIZE rounds blocks of 8 halves to
even and the tail halves away. Float emulation of these ops was off by one step on a few
values per op, which moved ``tqopt eval``'s SQNR of face_landmark's 16x8 model by 0.38 dB
against LiteRT's. Each case is a one-op model (MLIR text exported by the tqopt CLI) run by
LiteRT and by the interpreter's ``run`` example on the same random full-range input: every
output value must be equal. Scales of 0.5, 0.25 and 0.25 make the convolution and fully
connected multiplier exactly 0.5, so every odd accumulator is a tie; the other scales give
multipliers whose 15-bit reduction matters.
"""

from __future__ import annotations

import numpy as np
import pytest

from test_eval_kernels import interp_run_bin, litert_and_ours  # noqa: F401

I16 = "!quant.uniform<i16:f32, {}>"
W8 = "!quant.uniform<i8<-127:127>:f32:{axis}, {{{scales}}}>"
B64 = "!tqopt.uniform<i64:f32:0, {{{scales}}}>"
# (input scale, weight scale, output scale)
SCALES = {"ties": (0.5, 0.25, 0.25), "general": (3.1e-4, 0.0137, 2.9e-3)}


def shape_text(shape, elem) -> str:
    return f"tensor<{'x'.join(map(str, shape))}x{elem}>"


def qconst(name: str, values: np.ndarray, qtype: str, storage: str) -> str:
    t = shape_text(values.shape, qtype)
    return (f'  %{name} = "tfl.pseudo_qconst"() <{{qtype = {t}, value = dense<{values.tolist()}> : '
            f'{shape_text(values.shape, storage)}}}> : () -> {t} loc("{name}")\n')


def affine_text(op: str, scales: str, activation: str) -> str:
    """A 16x8 convolution (or fully connected layer) with per-channel weights and int64 bias."""
    s_in, s_w, s_out = SCALES[scales]
    rng = np.random.default_rng(21)
    c_in, c_out = 24, 8
    if op == "tfl.conv_2d":
        in_shape, out_shape, wshape, axis = (1, 7, 7, c_in), (1, 4, 4, c_out), (c_out, 3, 3, c_in), 0
        attrs = ('dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, padding = "SAME", '
                 "stride_h = 2 : i32, stride_w = 2 : i32, ")
    elif op == "tfl.depthwise_conv_2d":
        c_out = c_in
        in_shape, out_shape, wshape, axis = (1, 9, 7, c_in), (1, 5, 5, c_out), (1, 3, 3, c_out), 3
        attrs = ('depth_multiplier = 1 : i32, dilation_h_factor = 2 : i32, dilation_w_factor = 1 '
                 ': i32, padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32, ')
    elif op == "tfl.fully_connected":
        in_shape, out_shape, wshape, axis = (3, 160), (3, c_out), (c_out, 160), 0
        attrs = 'keep_num_dims = false, weights_format = "DEFAULT", '
    else:  # tfl.transpose_conv
        in_shape, out_shape, wshape, axis = (1, 4, 4, c_in), (1, 8, 8, c_out), (c_out, 3, 3, c_in), 0
        attrs = 'padding = "SAME", stride_h = 2 : i32, stride_w = 2 : i32, '
    w_scales = [s_w * (1 + 0.1 * k) if scales == "general" else s_w for k in range(c_out)]
    weights = rng.integers(-127, 128, wshape)
    bias = rng.integers(-(10**6), 10**6, (c_out,))
    wq = W8.format(axis=axis, scales=",".join(map(repr, w_scales)))
    bq = B64.format(scales=",".join(repr(s_in * s) for s in w_scales))
    t_in, t_out = shape_text(in_shape, I16.format(s_in)), shape_text(out_shape, I16.format(s_out))
    t_w, t_b = shape_text(wshape, wq), shape_text((c_out,), bq)
    body = qconst("w", weights, wq, "i8") + qconst("b", bias, bq, "i64")
    if op == "tfl.transpose_conv":
        body += (f'  %s = "tfl.pseudo_const"() <{{value = dense<{list(out_shape)}> : tensor<4xi32>}}> '
                 f': () -> tensor<4xi32> loc("s")\n')
        call = f'"{op}"(%s, %w, %x, %b)'
        types = f"(tensor<4xi32>, {t_w}, {t_in}, {t_b})"
    else:
        call = f'"{op}"(%x, %w, %b)'
        types = f"({t_in}, {t_w}, {t_b})"
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n{body}'
        f'  %0 = {call} <{{{attrs}fused_activation_function = "{activation}"}}> : {types} -> '
        f'{t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    ), in_shape


# (x, constant, LiteRT's reference-kernel sum, its vector-kernel sum) for the ADD scales below:
# pairs where the two kernels' roundings give different results (found by sweeping all pairs
# with both formulas), placed in a 16-element block and in the tail.
ADD_SPLITS = [(-1472, -31980, -2317, -2316), (-1394, -30480, -2200, -2199),
              (-1272, -28980, -2042, -2041), (-1150, -27480, -1884, -1883)]
ADD_SPLIT_AT = [0, 5, 208, 209]


def binary_text(op: str, activation: str, broadcast: bool) -> tuple[str, tuple]:
    """int16 ADD or MUL of the input and a constant; 6x7x5 = 210 elements (13 blocks of 16 and
    a tail of 2)."""
    a_s, b_s = 4.1e-4, 1.3e-5 if op == "tfl.add" else 3.3e-4
    y_s = 4.4e-4 if op == "tfl.add" else 5.1e-5
    shape = (1, 6, 7, 5)
    bshape = (1, 1, 7, 5) if broadcast else shape
    values = np.random.default_rng(22).integers(-32768, 32768, bshape)
    if not broadcast:
        for at, (_, b, _, _) in zip(ADD_SPLIT_AT, ADD_SPLITS):
            values.reshape(-1)[at] = b
    return with_constant_text(op, activation, (a_s, b_s, y_s), shape, values), shape


def with_constant_text(op: str, activation: str, scales: tuple, shape: tuple, values) -> str:
    """int16 OP of the input (of ``shape``) and an int16 constant holding ``values``."""
    a_s, b_s, y_s = scales
    t_a, t_y = shape_text(shape, I16.format(a_s)), shape_text(shape, I16.format(y_s))
    t_b = shape_text(values.shape, I16.format(b_s))
    return (
        f'func.func @main(%x: {t_a} loc("x")) -> {t_y} {{\n'
        + qconst("b", values, I16.format(b_s), "i16")
        + f'  %0 = "{op}"(%x, %b) <{{fused_activation_function = "{activation}"}}> : '
        f'({t_a}, {t_b}) -> {t_y} loc("y")\n'
        f"  return %0 : {t_y}\n}}\n"
    )


def unary_text(case: str) -> tuple[str, tuple]:
    """LOGISTIC, TANH, EXP, GELU, SOFTMAX, MEAN, RESIZE_BILINEAR and AVERAGE_POOL_2D on an int16
    input."""
    shape = (1, 6, 7, 12)
    t_x = shape_text(shape, I16.format(4.7e-4))
    if case in ("logistic", "tanh"):
        t_y = shape_text(shape, I16.format(1 / 32768))
        body = f'  %0 = "tfl.{case}"(%x) : ({t_x}) -> {t_y} loc("y")\n'
    elif case in ("gelu", "gelu_approximate"):
        t_y = shape_text(shape, I16.format(4.7e-4))
        flag = str(case == "gelu_approximate").lower()
        body = f'  %0 = "tfl.gelu"(%x) <{{approximate = {flag}}}> : ({t_x}) -> {t_y} loc("y")\n'
    elif case == "exp":
        # Inputs in [-15.4, 15.4] into steps that hold up to e^2.2; larger results saturate.
        t_y = shape_text(shape, I16.format(2.8e-4))
        body = f'  %0 = "tfl.exp"(%x) : ({t_x}) -> {t_y} loc("y")\n'
    elif case == "softmax":
        t_y = shape_text(shape, I16.format(1 / 32768))
        body = f'  %0 = "tfl.softmax"(%x) <{{beta = 1.0 : f32}}> : ({t_x}) -> {t_y} loc("y")\n'
    elif case == "mean":
        t_y = shape_text((1, 1, 1, 12), I16.format(1.3e-4))
        body = ('  %a = "tfl.pseudo_const"() <{value = dense<[1, 2]> : tensor<2xi32>}> : () -> '
                'tensor<2xi32> loc("a")\n'
                f'  %0 = "tfl.mean"(%x, %a) <{{keep_dims = true}}> : ({t_x}, tensor<2xi32>) -> '
                f'{t_y} loc("y")\n')
    elif case.startswith("average_pool"):
        # Input and result share their scale (TFLite requires it); 2x2 windows make halves.
        size, stride, pad = {"average_pool_2x2": (2, 2, "VALID"),
                             "average_pool_3x3_same": (3, 1, "SAME")}[case]
        out = (1, 3, 3, 12) if stride == 2 else shape
        t_y = shape_text(out, I16.format(4.7e-4))
        body = (f'  %0 = "tfl.average_pool_2d"(%x) <{{filter_height = {size} : i32, '
                f'filter_width = {size} : i32, fused_activation_function = "NONE", '
                f'padding = "{pad}", stride_h = {stride} : i32, stride_w = {stride} : i32}}> : '
                f'({t_x}) -> {t_y} loc("y")\n')
    else:
        align, half = (case == "resize_align_corners"), (case == "resize_half_pixel")
        t_y = shape_text((1, 11, 15, 12), I16.format(4.7e-4))
        body = ('  %s = "tfl.pseudo_const"() <{value = dense<[11, 15]> : tensor<2xi32>}> : () -> '
                'tensor<2xi32> loc("s")\n'
                f'  %0 = "tfl.resize_bilinear"(%x, %s) <{{align_corners = {str(align).lower()}, '
                f'half_pixel_centers = {str(half).lower()}}}> : ({t_x}, tensor<2xi32>) -> {t_y} '
                'loc("y")\n')
    return (f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n{body}'
            f"  return %0 : {t_y}\n}}\n"), shape


def assert_bit_equal(want, got):
    assert got.dtype == want.dtype == np.int16 and got.shape == want.shape
    differ = int(np.sum(got != want))
    assert differ == 0, (
        f"{differ} of {want.size} values differ, by at most "
        f"{int(np.max(np.abs(got.astype(int) - want.astype(int))))}"
    )


def full_range(shape, seed):
    return np.random.default_rng(seed).integers(-32768, 32768, shape).astype(np.int16)


@pytest.mark.parametrize("scales", sorted(SCALES))
@pytest.mark.parametrize("activation", ["NONE", "RELU6"])
@pytest.mark.parametrize(
    "op", ["tfl.conv_2d", "tfl.depthwise_conv_2d", "tfl.transpose_conv", "tfl.fully_connected"]
)
def test_int16_accumulating_ops_are_litert_to_the_bit(op, activation, scales, tqopt_bin,
                                                      interp_run_bin, out_dir):  # noqa: F811
    text, shape = affine_text(op, scales, activation)
    want, got = litert_and_ours(text, full_range(shape, 23), tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


def bias_less_fully_connected_text(scales: str, keep_num_dims: bool) -> tuple[str, tuple]:
    """A 16x8 fully connected layer without a bias (a Keras Dense layer with use_bias=False, a
    Tensordot), which LiteRT runs in its optimized kernel: an int32 accumulator requantized in
    two roundings."""
    s_in, s_w, s_out = SCALES[scales]
    k, n = 16, 16
    in_shape = (1, 24, k)
    out_shape = (1, 24, n) if keep_num_dims else (24, n)
    w_scales = [s_w * (1 + 0.1 * j) if scales == "general" else s_w for j in range(n)]
    weights = np.random.default_rng(24).integers(-127, 128, (n, k))
    wq = W8.format(axis=0, scales=",".join(map(repr, w_scales)))
    t_in, t_out = shape_text(in_shape, I16.format(s_in)), shape_text(out_shape, I16.format(s_out))
    t_w = shape_text((n, k), wq)
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n' + qconst("w", weights, wq, "i8")
        + '  %nb = "tfl.no_value"() <{value}> : () -> none loc("nb")\n'
        f'  %0 = "tfl.fully_connected"(%x, %w, %nb) <{{keep_num_dims = {str(keep_num_dims).lower()}, '
        f'weights_format = "DEFAULT", fused_activation_function = "NONE"}}> : ({t_in}, {t_w}, none) '
        f'-> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    ), in_shape


@pytest.mark.parametrize("scales", sorted(SCALES))
@pytest.mark.parametrize("keep_num_dims", [False, True])
def test_int16_bias_less_fully_connected_is_litert_to_the_bit(scales, keep_num_dims, tqopt_bin,
                                                              interp_run_bin, out_dir):  # noqa: F811
    text, shape = bias_less_fully_connected_text(scales, keep_num_dims)
    want, got = litert_and_ours(text, full_range(shape, 25), tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


@pytest.mark.parametrize("broadcast", [False, True], ids=["same_shape", "broadcast"])
@pytest.mark.parametrize("activation", ["NONE", "RELU"])
@pytest.mark.parametrize("op", ["tfl.add", "tfl.mul"])
def test_int16_add_and_mul_are_litert_to_the_bit(op, activation, broadcast, tqopt_bin,
                                                 interp_run_bin, out_dir):  # noqa: F811
    text, shape = binary_text(op, activation, broadcast)
    x = full_range(shape, 24)
    if not broadcast:
        for at, (a, _, _, _) in zip(ADD_SPLIT_AT, ADD_SPLITS):
            x.reshape(-1)[at] = a
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    if op == "tfl.add" and activation == "NONE" and not broadcast:
        # The block elements take the vector kernel's value, the tail the reference kernel's.
        flat = want.reshape(-1)
        assert [int(flat[i]) for i in ADD_SPLIT_AT] == [ADD_SPLITS[0][3], ADD_SPLITS[1][3],
                                                        ADD_SPLITS[2][2], ADD_SPLITS[3][2]]
    assert_bit_equal(want, got)


@pytest.mark.parametrize(
    "case", ["logistic", "tanh", "exp", "gelu", "gelu_approximate", "softmax", "mean", "resize_half_pixel", "resize_align_corners", "resize_legacy", "average_pool_2x2", "average_pool_3x3_same"]
)
def test_int16_table_reduction_and_resize_are_litert_to_the_bit(case, tqopt_bin, interp_run_bin,
                                                               out_dir):  # noqa: F811
    text, shape = unary_text(case)
    want, got = litert_and_ours(text, full_range(shape, 25), tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


def test_int16_quantize_from_f32_is_litert_to_the_bit(tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    """Halves of a step everywhere (values k/2 · scale): the first 8 · 12 elements round them
    to even, the last 5 away from zero."""
    n = 101
    t_x, t_y = f"tensor<{n}xf32>", shape_text((n,), I16.format(0.5))
    text = (f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n'
            f'  %0 = "tfl.quantize"(%x) {{qtype = {t_y}}} : ({t_x}) -> {t_y} loc("y")\n'
            f"  return %0 : {t_y}\n}}\n")
    x = (np.arange(n) - 50).astype(np.float32) * 0.25 + 0.25
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


@pytest.mark.parametrize(
    "rhs,adj_y", [("int16", True), ("int8_constant", False), ("int8_constant", True)]
)
def test_int16_batch_matmul_is_litert_to_the_bit(rhs, adj_y, tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    """An attention's scores: an exact int64 sum requantized with the 15-bit reduced
    multiplier. The right operand is the input itself (int16) or an int8 constant."""
    lhs_shape = (2, 3, 9, 24)
    t_x = shape_text(lhs_shape, I16.format(3.1e-4))
    t_y = shape_text((2, 3, 9, 9) if rhs == "int16" else (2, 3, 9, 7), I16.format(2.3e-3))
    if rhs == "int16":
        body = (f'  %0 = "tfl.batch_matmul"(%x, %x) <{{adj_x = false, adj_y = true}}> : ({t_x}, {t_x})'
                f' -> {t_y} loc("y")\n')
    else:
        w_shape = (7, 24) if adj_y else (24, 7)
        wq = "!quant.uniform<i8:f32, 0.0123>"  # LiteRT requires zero point 0 here
        w = np.random.default_rng(26).integers(-128, 128, w_shape)
        body = qconst("w", w, wq, "i8")
        body += (f'  %0 = "tfl.batch_matmul"(%x, %w) <{{adj_x = false, adj_y = {str(adj_y).lower()}}}> : '
                 f'({t_x}, {shape_text(w_shape, wq)}) -> {t_y} loc("y")\n')
    text = f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n{body}  return %0 : {t_y}\n}}\n'
    want, got = litert_and_ours(text, full_range(lhs_shape, 27), tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


# A 16x8 PRELU with one int8 slope per channel (LiteRT's int16 kernel takes an int8 slope),
# computed in LiteRT's builtin fixed point. The scales are one of face_landmark's 16x8 PReLUs
# (MediaPipe 0.10.14), where float emulation was 1 step off on 0.3% of the values.
@pytest.mark.parametrize("slope_zero_point", [0, 9])
def test_int16_prelu_is_litert_to_the_bit(slope_zero_point, tqopt_bin, interp_run_bin,
                                         out_dir):  # noqa: F811
    aq = f"!quant.uniform<i8:f32, 0.0031:{slope_zero_point}>"
    alpha = np.random.default_rng(25).integers(-128, 128, (1, 1, 16))
    t_x = shape_text((1, 128, 16), I16.format(1.8065683252643794e-4))
    t_y = shape_text((1, 128, 16), I16.format(1.6e-4))
    t_a = shape_text((1, 1, 16), aq)
    text = (
        f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n' + qconst("a", alpha, aq, "i8")
        + f'  %0 = "tfl.prelu"(%x, %a) : ({t_x}, {t_a}) -> {t_y} loc("y")\n'
        f"  return %0 : {t_y}\n}}\n"
    )
    want, got = litert_and_ours(text, full_range((1, 128, 16), 26), tqopt_bin, interp_run_bin,
                                out_dir)
    assert_bit_equal(want, got)


def power_of_two_text(op: str, scales: tuple, bshape: tuple) -> tuple[str, tuple]:
    """int16 ADD or SUB of the input and a constant, with TFLite's default pot_scale_int16
    option (no tqopt attribute): scales that are powers of two to within 1e-3 in log2 select
    LiteRT's power-of-two kernel."""
    shape = (1, 6, 7, 5)
    values = np.random.default_rng(25).integers(-32768, 32768, bshape)
    # Halves of the shifted input: ties for the rounding division.
    values.reshape(-1)[:4] = [6, -6, 2, -2]
    return with_constant_text(op, "NONE", scales, shape, values), shape


# ai-edge-quantizer's symmetric int16 scales: a range of 1 gives 1/32767, within 1e-3 (log2)
# of 2^-15.
ONE, QUARTER = 1 / 32767, 0.25 / 32767


@pytest.mark.parametrize("bshape", [(1, 6, 7, 5), (1, 1, 7, 5)], ids=["same_shape", "broadcast"])
@pytest.mark.parametrize("op", ["tfl.add", "tfl.sub"])
def test_int16_power_of_two_add_and_sub_are_litert_to_the_bit(op, bshape, tqopt_bin,
                                                                interp_run_bin, out_dir):  # noqa: F811
    """LiteRT's older int16 ADD/SUB kernel, which ai-edge-quantizer's 16x8 models select: the
    constant's quarter-scale values divided by 4 (rounding), then added or subtracted and
    saturated. Taken for the general kernel, tqopt eval computed models LiteRT runs otherwise
    or refuses (mobilenet_v3 16x8 from ai-edge-quantizer)."""
    if op == "tfl.add" and bshape[1] == 1:
        pytest.skip("the power-of-two ADD kernel does not broadcast (its refusal is tested below)")
    text, shape = power_of_two_text(op, (ONE, QUARTER, ONE), bshape)
    x = full_range(shape, 26)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


def test_int16_power_of_two_add_litert_refuses_is_refused(tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    """An input whose scale is above the output's: LiteRT's power-of-two kernel refuses the op
    when the model is prepared; the interpreter refuses it too, and says why."""
    import subprocess

    from ai_edge_litert.interpreter import Interpreter

    text, shape = power_of_two_text("tfl.add", (2 / 32767, ONE, ONE), (1, 6, 7, 5))
    src, model = out_dir / "model.mlir", out_dir / "model.tflite"
    src.write_text(text)
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with pytest.raises(RuntimeError, match="input1_shift <= 0"):
        Interpreter(model_path=str(model)).allocate_tensors()
    np.save(out_dir / "x.npy", full_range(shape, 27))
    (out_dir / "ours").mkdir()
    r = subprocess.run([str(interp_run_bin), str(model), str(out_dir / "ours"), str(out_dir / "x.npy")],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "LiteRT refuses this int16 op" in r.stderr and "2^1" in r.stderr, r.stderr


def rescaling_text(op: str, scales: tuple, shape: tuple, attrs: str = "") -> str:
    """A one-operand int16 OP from input scale ``scales[0]`` to output scale ``scales[1]``
    (QUANTIZE takes the result type as its qtype)."""
    t_in, t_out = (shape_text(shape, I16.format(s)) for s in scales)
    if op == "tfl.quantize":
        attrs = f" <{{qtype = {t_out}}}>"
    return (
        f'func.func @main(%x: {t_in} loc("x")) -> {t_out} {{\n'
        f'  %0 = "{op}"(%x){attrs} : ({t_in}) -> {t_out} loc("y")\n'
        f"  return %0 : {t_out}\n}}\n"
    )


@pytest.mark.parametrize("scales", [(8.9804518e-5, 9.1133901e-5), (3.1e-4, 1.3e-5), (2.5e-5, 2.5e-5)],
                         ids=["near_one", "large", "same"])
def test_int16_requantize_is_litert_to_the_bit(scales, tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    """An int16 to int16 QUANTIZE (ai-edge-quantizer's 16x8 models put them before
    concatenations and adds): LiteRT's builtin fixed-point requantization."""
    shape = (1, 24, 24, 11)
    text = rescaling_text("tfl.quantize", scales, shape)
    want, got = litert_and_ours(text, full_range(shape, 28), tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


@pytest.mark.parametrize("op", ["tfl.relu", "tfl.relu6", "tfl.leaky_relu"])
@pytest.mark.parametrize("scales", [(1.2392476e-4, 1.1014598e-4), (3.1e-4, 3.1e-4), (1.3e-5, 4.1e-4),
                                    (1.2392476492095739e-4, 1.1014597839675844e-4)],
                         ids=["near_one", "same", "coarser", "nasnet"])
def test_int16_relus_are_litert_to_the_bit(op, scales, tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    """int16 RELU, RELU6 and LEAKY_RELU (alpha 0.1) with an output scale of their own (ai-edge-quantizer's
    16x8 models): LiteRT's builtin requantization and clamp. The "nasnet" scales are a
    NASNet-Mobile RELU's, whose multiplier differs when the scales are divided in double
    rather than in f32 as LiteRT does."""
    # Every int16 value once.
    shape = (1, 256, 256, 1)
    attrs = " <{alpha = 1.000000e-01 : f32}>" if op == "tfl.leaky_relu" else ""
    text = rescaling_text(op, scales, shape, attrs)
    x = np.arange(-32768, 32768, dtype=np.int16).reshape(shape)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert_bit_equal(want, got)


@pytest.mark.parametrize("direction", ["int16_to_int8", "int8_to_int16"])
def test_requantize_between_int8_and_int16_is_litert_to_the_bit(direction, tqopt_bin, interp_run_bin,
                                                                out_dir):  # noqa: F811
    """Mixed precision's conversions: LiteRT's builtin Requantize (a double-rounding multiplier).
    The int16 scale 1/32767 against the int8 scale 1/127.5 puts 32767 at 127.4999 steps, which
    that rounding takes to 127 (less the zero point -1) and a single rounding to 126: a
    constant 1.0 shared by an int16 and an int8 op was one step off, and a mixed-precision
    model 2.4 dB from LiteRT in tqopt's figures."""
    i16 = "!quant.uniform<i16:f32, 3.0518509447574615E-5>"
    i8 = "!quant.uniform<i8:f32, 0.0078431377187371254:-1>"
    src, dst, dtype = (i16, i8, np.int16) if direction == "int16_to_int8" else (i8, i16, np.int8)
    n = 4096
    t_x, t_y = shape_text((n,), src), shape_text((n,), dst)
    text = (f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n'
            f'  %0 = "tfl.quantize"(%x) <{{qtype = {t_y}}}> : ({t_x}) -> {t_y} loc("y")\n'
            f"  return %0 : {t_y}\n}}\n")
    info = np.iinfo(dtype)
    x = np.random.default_rng(26).integers(info.min, info.max + 1, n).astype(dtype)
    x[:2] = [info.max, info.min]
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    assert got.dtype == want.dtype and got.shape == want.shape
    differ = int(np.sum(got != want))
    assert differ == 0, f"{differ} of {want.size} values differ"
