"""int8 and uint8 MEAN and SUM in tqopt's interpreter against LiteRT, bit for bit.

LiteRT's XNNPACK delegate takes every 8-bit MEAN and SUM with constant axes: XNNPACK sums the
storage integers in int32 and converts the sum in f32 with the input zero point folded into
the output's, rounding ties to even (interp/src/xnnpack_reduce.rs). Float emulation put a
RegNet's int8 model 0.13 dB from LiteRT (squeeze-and-excitation means one step off on near
ties), and LiteRT's builtin formula, which the interpreter used for sums, rounds halves away
from zero. Each case is a one-op model (MLIR text exported by the tqopt CLI) run by LiteRT and
by the interpreter's ``run`` example on the same random full-range input.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from test_eval_kernels import interp_run_bin, litert_and_ours  # noqa: F401

STORAGE = {"int8": ("i8", np.int8, 0), "uint8": ("u8", np.uint8, 128)}
# (input (scale, zero point), output (scale, zero point)) before the uint8 offset; a sum's
# output scale is 8 times the one given.
PARAMS = {
    "rescaled": ((0.02, 3), (0.013, -5)),
    "same": ((0.02, 3), (0.02, 3)),
    "zero_input_zp": ((0.05, 0), (0.003, 2)),
}
# (input shape, axes, keep_dims)
SHAPES = {
    "space_kept": ((1, 7, 9, 16), [1, 2], True),
    "space_dropped": ((1, 7, 9, 16), [1, 2], False),
    "middle": ((2, 12, 10), [1], False),
    "last_kept": ((3, 20), [1], True),
    "channels": ((1, 5, 6, 8), [3], False),
    "all": ((4, 6), [0, 1], False),
}


def quant_type(elem: str, scale: float, zero_point: int) -> str:
    return f"!quant.uniform<{elem}:f32, {scale!r}:{zero_point}>"


def model_text(op: str, storage: str, params: str, shape_case: str) -> str:
    elem, _, offset = STORAGE[storage]
    (s_in, z_in), (s_out, z_out) = PARAMS[params]
    if op == "sum":
        s_out *= 8
    shape, axes, keep = SHAPES[shape_case]
    out_shape = [1 if d in axes else n for d, n in enumerate(shape) if keep or d not in axes]
    dims = lambda s: "".join(f"{n}x" for n in s)  # noqa: E731
    t_x = f"tensor<{dims(shape)}{quant_type(elem, s_in, z_in + offset)}>"
    t_y = f"tensor<{dims(out_shape)}{quant_type(elem, s_out, z_out + offset)}>"
    return (
        f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n'
        f'  %a = "tfl.pseudo_const"() <{{value = dense<{axes}> : tensor<{len(axes)}xi32>}}> : () -> '
        f'tensor<{len(axes)}xi32> loc("axes")\n'
        f'  %0 = "tfl.{op}"(%x, %a) <{{keep_dims = {str(keep).lower()}}}> : ({t_x}, '
        f'tensor<{len(axes)}xi32>) -> {t_y} loc("y")\n'
        f"  return %0 : {t_y}\n}}\n"
    )


@pytest.mark.parametrize("shape_case", sorted(SHAPES))
@pytest.mark.parametrize("params", sorted(PARAMS))
@pytest.mark.parametrize("storage", sorted(STORAGE))
@pytest.mark.parametrize("op", ["mean", "sum"])
def test_8bit_mean_and_sum_are_litert_to_the_bit(op, storage, params, shape_case, tqopt_bin,
                                                 interp_run_bin, out_dir):  # noqa: F811
    _, dtype, _ = STORAGE[storage]
    info = np.iinfo(dtype)
    x = np.random.default_rng(7).integers(info.min, info.max + 1, SHAPES[shape_case][0]).astype(dtype)
    want, got = litert_and_ours(model_text(op, storage, params, shape_case), x, tqopt_bin,
                                interp_run_bin, out_dir)
    assert got.dtype == want.dtype == dtype and got.shape == want.shape
    differ = int(np.sum(got != want))
    assert differ == 0, (
        f"{differ} of {want.size} values differ, by at most "
        f"{int(np.max(np.abs(got.astype(int) - want.astype(int))))}"
    )


def test_the_cases_hold_near_ties():
    """The cases are worth running only if some results lie near a half step, where the
    ways of rounding differ; count them in exact arithmetic."""
    near = 0
    for op in ("mean", "sum"):
        for storage, (_, dtype, offset) in STORAGE.items():
            info = np.iinfo(dtype)
            for (s_in, z_in), (s_out, _) in PARAMS.values():
                s_out = s_out * 8 if op == "sum" else s_out
                for shape, axes, _ in SHAPES.values():
                    x = np.random.default_rng(7).integers(info.min, info.max + 1, shape)
                    n = int(np.prod([shape[a] for a in axes]))
                    steps = (x - (z_in + offset)).sum(axis=tuple(axes)) * s_in / s_out
                    steps = steps / n if op == "mean" else steps
                    near += int(np.sum(np.abs(steps - np.floor(steps) - 0.5) < 0.02))
    assert near >= 10, f"only {near} results within 0.02 of a half step"


# Long contiguous runs (the last axes reduced) of values near the bottom of int8, as a mean
# of squared deviations at zero point -128 holds: XNNPACK's AVX2 kernel sums them in int16
# lanes that wrap past 8255 values (interp/src/xnnpack_reduce.rs); on CPUs with AVX-512 or
# AVX-VNNI its kernels are exact, and the interpreter follows the CPU it runs on.
LONG_RUNS = {
    "group_norm_16384": ((1, 4, 4, 4096), [2, 3]),
    "just_exact_8255": ((2, 8255), [1]),
    "between_9000": ((3, 9000), [1]),
    "two_chunks_40000": ((1, 40000), [1]),
    "unit_axis_kept_after": ((2, 16384, 1), [1]),
    "unit_axis_reduced_after": ((2, 16384, 1), [1, 2]),
}


@pytest.mark.parametrize("case", sorted(LONG_RUNS))
@pytest.mark.parametrize("op", ["mean", "sum"])
def test_long_int8_runs_are_litert_to_the_bit(op, case, tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    shape, axes = LONG_RUNS[case]
    out_shape = [n for d, n in enumerate(shape) if d not in axes]
    s_in, s_out = 0.05, (0.05 if op == "mean" else 0.05 * 4096)
    t_x = f"tensor<{'x'.join(map(str, shape))}x{quant_type('i8', s_in, -128)}>"
    t_y = f"tensor<{''.join(f'{n}x' for n in out_shape)}{quant_type('i8', s_out, -128)}>"
    text = (
        f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n'
        f'  %a = "tfl.pseudo_const"() <{{value = dense<{axes}> : tensor<{len(axes)}xi32>}}> : () -> '
        f'tensor<{len(axes)}xi32> loc("axes")\n'
        f'  %0 = "tfl.{op}"(%x, %a) <{{keep_dims = false}}> : ({t_x}, tensor<{len(axes)}xi32>) -> '
        f'{t_y} loc("y")\n'
        f"  return %0 : {t_y}\n}}\n"
    )
    x = np.random.default_rng(3).integers(-128, -90, shape).astype(np.int8)
    want, got = litert_and_ours(text, x, tqopt_bin, interp_run_bin, out_dir)
    n = int(np.prod([shape[a] for a in axes]))
    exact = np.clip(np.rint((x.astype(np.int64) + 128).sum(axis=tuple(axes)) * s_in
                            / (n if op == "mean" else 1) / s_out - 128), -128, 127)
    print(f"{op} {case}: LiteRT differs from the exact result on "
          f"{int(np.sum(want.reshape(exact.shape) != exact))} of {exact.size} values")
    assert got.dtype == want.dtype == np.int8 and got.shape == want.shape
    assert int(np.sum(got != want)) == 0, f"LiteRT {want.ravel()[:8]}, tqopt {got.ravel()[:8]}"


def test_quantize_int8_keeps_int8_runs_short(tqopt_bin, out_dir):
    """A variance over 16384 values per group (a GroupNorm exported in NCHW): quantize-int8
    splits each long mean into two (rewrite-for-target), so no int8 run reaches the length at
    which XNNPACK's AVX2 sum wraps, and LiteRT's output follows the float model's on every CPU.
    Before the split it scored -0.90 dB in LiteRT on an AVX2 machine, and now 50.65."""
    from ai_edge_litert.interpreter import Interpreter

    from zoo_common import litert_outputs, sqnr_db

    t_x, t_m, t_v = "tensor<1x4x16384xf32>", "tensor<1x4x1xf32>", "tensor<1x4xf32>"
    text = (
        f'func.func @main(%x: {t_x} loc("x")) -> {t_v} {{\n'
        '  %a = "tfl.pseudo_const"() <{value = dense<[2]> : tensor<1xi32>}> : () -> tensor<1xi32> loc("axes")\n'
        f'  %m = "tfl.mean"(%x, %a) <{{keep_dims = true}}> : ({t_x}, tensor<1xi32>) -> {t_m} loc("mean")\n'
        f'  %d = "tfl.sub"(%x, %m) <{{fused_activation_function = "NONE"}}> : ({t_x}, {t_m}) -> {t_x} loc("centered")\n'
        f'  %s = "tfl.mul"(%d, %d) <{{fused_activation_function = "NONE"}}> : ({t_x}, {t_x}) -> {t_x} loc("squared")\n'
        f'  %v = "tfl.mean"(%s, %a) <{{keep_dims = false}}> : ({t_x}, tensor<1xi32>) -> {t_v} loc("variance")\n'
        f"  return %v : {t_v}\n}}\n"
    )
    src, model, quant = out_dir / "gn.mlir", out_dir / "gn.tflite", out_dir / "gn_int8.tflite"
    src.write_text(text)
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rng = np.random.default_rng(12)
    scales = np.array([0.5, 1.0, 1.5, 2.0], np.float32).reshape(1, 4, 1)
    sample = lambda n: (rng.standard_normal((n, 4, 16384)) * scales + 0.3).astype(np.float32)  # noqa: E731
    calib = out_dir / "calib.npy"
    np.save(calib, sample(8))
    r = subprocess.run([str(tqopt_bin), str(model), "--pass=quantize-int8", f"--calibration-data={calib}",
                        "-o", str(quant), "--no-progress"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    it = Interpreter(model_path=str(quant))
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    runs = []
    for op in it._get_ops_details():
        if op["op_name"] == "MEAN":
            shape = tensors[op["inputs"][0]]["shape"]
            axes = it.get_tensor(op["inputs"][1]).ravel() % len(shape)
            trailing = 0
            while trailing < len(shape) and len(shape) - 1 - trailing in axes:
                trailing += 1
            run = int(np.prod(shape[len(shape) - trailing:]))
            runs.append((tensors[op["inputs"][0]]["dtype"], run))
    held = {"x": sample(4)}
    sqnr = sqnr_db(litert_outputs(model, held), litert_outputs(quant, held))
    print(f"int8 runs {runs}, LiteRT SQNR {sqnr:.2f} dB")
    assert runs and all(run <= 8192 for dtype, run in runs if dtype == np.int8), runs
    assert sqnr > 25
