"""int8 and int16 REDUCE_PROD in tqopt's interpreter against LiteRT, bit for bit.

LiteRT multiplies the storage integers (less the zero point) in input order, rescaling each
product by ``in_scale / out_scale^(1/n)`` in its 64-bit fixed-point multiply, then rescales
once more. Float emulation was one step off on 42 of 400 values of a 16x8 product over
channels, which put ``tqopt eval`` 0.37 dB from LiteRT at 90 dB. Each case is a one-op model
(MLIR text exported by the tqopt CLI) run by LiteRT and by the interpreter's ``run`` example on
the same random full-range input: every output value must be equal.
"""

from __future__ import annotations

import numpy as np
import pytest

from test_eval_kernels import interp_run_bin, litert_and_ours  # noqa: F401

STORAGE = {
    # (storage, numpy type, input (scale, zero point), output (scale, zero point))
    "int8": ("i8", np.int8, (1 / 128, 5), (0.0021, -7)),
    "int16": ("i16", np.int16, (1 / 32768, 0), (1.7e-5, 0)),
}
# (input shape, axes, keep_dims)
CASES = {
    "channels_kept": ((1, 6, 5, 4), [3], True),
    "space_dropped": ((1, 6, 5, 4), [1, 2], False),
    "first_axis": ((3, 7), [0], False),
    "one_value": ((2, 1, 9), [1], True),
}


def model_text(storage: str, case: str) -> str:
    elem, _, (s_in, z_in), (s_out, z_out) = STORAGE[storage]
    shape, axes, keep = CASES[case]
    out_shape = [1 if (d in axes) else n for d, n in enumerate(shape) if keep or d not in axes]
    q_in = f"!quant.uniform<{elem}:f32, {s_in!r}:{z_in}>" if z_in else f"!quant.uniform<{elem}:f32, {s_in!r}>"
    q_out = f"!quant.uniform<{elem}:f32, {s_out!r}:{z_out}>" if z_out else f"!quant.uniform<{elem}:f32, {s_out!r}>"
    t_x = f"tensor<{'x'.join(map(str, shape))}x{q_in}>"
    t_y = f"tensor<{'x'.join(map(str, out_shape))}x{q_out}>"
    return (
        f'func.func @main(%x: {t_x} loc("x")) -> {t_y} {{\n'
        f'  %a = "tfl.pseudo_const"() <{{value = dense<{axes}> : tensor<{len(axes)}xi32>}}> : () -> '
        f'tensor<{len(axes)}xi32> loc("axes")\n'
        f'  %0 = "tfl.reduce_prod"(%x, %a) <{{keep_dims = {str(keep).lower()}}}> : ({t_x}, '
        f'tensor<{len(axes)}xi32>) -> {t_y} loc("y")\n'
        f"  return %0 : {t_y}\n}}\n"
    )


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("storage", sorted(STORAGE))
def test_quantized_reduce_prod_is_litert_to_the_bit(storage, case, tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    _, dtype, _, _ = STORAGE[storage]
    info = np.iinfo(dtype)
    x = np.random.default_rng(31).integers(info.min, info.max + 1, CASES[case][0]).astype(dtype)
    want, got = litert_and_ours(model_text(storage, case), x, tqopt_bin, interp_run_bin, out_dir)
    assert got.dtype == want.dtype == dtype and got.shape == want.shape
    # Not a test of saturation alone: most products land inside the range.
    inside = np.mean((want > info.min) & (want < info.max))
    assert inside > 0.5, f"only {inside:.0%} of the products are inside the storage range"
    differ = int(np.sum(got != want))
    assert differ == 0, (
        f"{differ} of {want.size} values differ, by at most "
        f"{int(np.max(np.abs(got.astype(int) - want.astype(int))))}"
    )
