"""Attention with a mask added before the softmax: a constant causal mask of -1e9, and a
padding mask computed from an input as (1 - valid) * -1e4 or (1 - valid) * float32's lowest.
Quantized with the scores' range as calibrated (it reaches the mask's value), every real
score rounded to the same integer: such a 16x8 decoder block scored 2.3 dB in LiteRT, strict
int8 5.6 dB; with float32's lowest, 16x8 failed ("the scale is inf") and strict int8 gave
9.6 dB.
`bound-attention-masks` brings the masked entries up to just below the real scores; the
models below must then stay close to the float model in LiteRT, as `tqopt eval` measures.

The models are written here as MLIR text and converted by tqopt itself.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from zoo_common import litert_outputs, sqnr_db

SEQ, DIM = 8, 16


def hex_f32(a: np.ndarray) -> str:
    return '"0x' + a.astype("<f4").tobytes().hex().upper() + '"'


# The masked value of a mask computed from an input: BERT's -1e4, and float32's lowest, which
# calibration leaves out of the range as a sentinel (Hugging Face's `dtype.min`).
MASKED = {"minus_1e4": "-1.0e4", "float_min": "-3.40282347e+38"}


def attention_model(tqopt_bin: Path, out: Path, computed: bool, masked: str = "minus_1e4") -> Path:
    """queries [1, 8, 16] -> scores against constant keys, scaled -> + mask -> softmax ->
    weighted constant values. The mask is causal (-1e9 above the diagonal), or computed from
    a second input `valid` [1, 8, 8] (1 where a position counts) as (1 - valid) * MASKED."""
    rng = np.random.default_rng(21)
    keys = rng.standard_normal((1, DIM, SEQ)).astype(np.float32)
    values = rng.standard_normal((1, SEQ, DIM)).astype(np.float32)
    causal = np.triu(np.full((SEQ, SEQ), -1e9, np.float32), 1)
    if computed:
        mask_args = f", %valid: tensor<1x{SEQ}x{SEQ}xf32>"
        mask_ops = f"""
    %one = "tfl.pseudo_const"() <{{value = dense<1.0> : tensor<f32>}}> : () -> tensor<f32>
    %inv = "tfl.sub"(%one, %valid) <{{fused_activation_function = "NONE"}}> : (tensor<f32>, tensor<1x{SEQ}x{SEQ}xf32>) -> tensor<1x{SEQ}x{SEQ}xf32>
    %big = "tfl.pseudo_const"() <{{value = dense<{MASKED[masked]}> : tensor<f32>}}> : () -> tensor<f32>
    %mask = "tfl.mul"(%inv, %big) <{{fused_activation_function = "NONE"}}> : (tensor<1x{SEQ}x{SEQ}xf32>, tensor<f32>) -> tensor<1x{SEQ}x{SEQ}xf32>"""
        mask_ty = f"tensor<1x{SEQ}x{SEQ}xf32>"
    else:
        mask_args = ""
        mask_ops = f"""
    %mask = "tfl.pseudo_const"() <{{value = dense<{hex_f32(causal)}> : tensor<{SEQ}x{SEQ}xf32>}}> : () -> tensor<{SEQ}x{SEQ}xf32>"""
        mask_ty = f"tensor<{SEQ}x{SEQ}xf32>"
    text = f"""module {{
  func.func @main(%q: tensor<1x{SEQ}x{DIM}xf32>{mask_args}) -> tensor<1x{SEQ}x{DIM}xf32> {{
    %k = "tfl.pseudo_const"() <{{value = dense<{hex_f32(keys)}> : tensor<1x{DIM}x{SEQ}xf32>}}> : () -> tensor<1x{DIM}x{SEQ}xf32>
    %raw = "tfl.batch_matmul"(%q, %k) <{{adj_x = false, adj_y = false}}> : (tensor<1x{SEQ}x{DIM}xf32>, tensor<1x{DIM}x{SEQ}xf32>) -> tensor<1x{SEQ}x{SEQ}xf32> loc("scores")
    %scale = "tfl.pseudo_const"() <{{value = dense<0.25> : tensor<f32>}}> : () -> tensor<f32>
    %scaled = "tfl.mul"(%raw, %scale) <{{fused_activation_function = "NONE"}}> : (tensor<1x{SEQ}x{SEQ}xf32>, tensor<f32>) -> tensor<1x{SEQ}x{SEQ}xf32> loc("scaled"){mask_ops}
    %masked = "tfl.add"(%scaled, %mask) <{{fused_activation_function = "NONE"}}> : (tensor<1x{SEQ}x{SEQ}xf32>, {mask_ty}) -> tensor<1x{SEQ}x{SEQ}xf32> loc("masked")
    %p = "tfl.softmax"(%masked) <{{beta = 1.000000e+00 : f32}}> : (tensor<1x{SEQ}x{SEQ}xf32>) -> tensor<1x{SEQ}x{SEQ}xf32> loc("weights")
    %v = "tfl.pseudo_const"() <{{value = dense<{hex_f32(values)}> : tensor<1x{SEQ}x{DIM}xf32>}}> : () -> tensor<1x{SEQ}x{DIM}xf32>
    %o = "tfl.batch_matmul"(%p, %v) <{{adj_x = false, adj_y = false}}> : (tensor<1x{SEQ}x{SEQ}xf32>, tensor<1x{SEQ}x{DIM}xf32>) -> tensor<1x{SEQ}x{DIM}xf32> loc("attended")
    return %o : tensor<1x{SEQ}x{DIM}xf32>
  }}
}}
"""
    name = f"padding_{masked}" if computed else "causal"
    src = out / f"{name}.mlir"
    src.write_text(text)
    dst = out / f"{name}.tflite"
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(dst)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return dst


def samples(n: int, seed: int, computed: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Keyed by the exported model's input names (the MLIR arguments' positions).
    out = {"arg0": rng.standard_normal((n, SEQ, DIM)).astype(np.float32)}
    if computed:
        lengths = rng.integers(3, SEQ + 1, size=n)
        valid = (np.arange(SEQ)[None, :] < lengths[:, None]).astype(np.float32)
        out["arg1"] = np.repeat(valid[:, None, :], SEQ, axis=1)
    return out


# The least LiteRT SQNR (dB) each mode must reach. Measured with the masks bounded: 16x8 70.9
# (causal) and 75.2 (both padding masks), strict int8 36.0 and 33.9; with the ranges as
# calibrated: 3.9 and 27.7 in 16x8, 9.1 and 7.2 in strict int8 (-1e4), and for float32's lowest
# an error in 16x8 and 9.6 dB in strict int8.
MODES = {
    "16x8": ("--pass=quantize-int16x8", 50.0),
    "strict_int8": ("--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8}", 25.0),
}


@pytest.mark.parametrize("computed,masked", [(False, "minus_1e4"), (True, "minus_1e4"), (True, "float_min")],
                         ids=["causal_constant", "padding_computed", "padding_float_min"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_masked_attention_keeps_the_scores_resolution(mode, computed, masked, tqopt_bin, out_dir):
    model = attention_model(tqopt_bin, out_dir, computed, masked)
    calibration, held = out_dir / "cal.npz", out_dir / "held.npz"
    np.savez(calibration, **samples(16, 1, computed))
    held_samples = samples(8, 2, computed)
    np.savez(held, **held_samples)
    quantized = out_dir / f"{model.stem}_{mode}.tflite"
    flag, least = MODES[mode]
    r = subprocess.run(
        [str(tqopt_bin), str(model), flag, f"--calibration-data={calibration}", "-o", str(quantized),
         "--no-progress", "--mlir-print-ir-after=bound-attention-masks"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "bounded_mask" in r.stderr, "bound-attention-masks left the mask as it was"
    litert_db = sqnr_db(litert_outputs(model, held_samples), litert_outputs(quantized, held_samples))
    assert litert_db >= least, f"{mode}: {litert_db:.2f} dB in LiteRT"
    report = out_dir / "eval.json"
    e = subprocess.run([str(tqopt_bin), "eval", str(quantized), "--reference", str(model), "--data", str(held),
                        "--report", str(report)], capture_output=True, text=True)
    assert e.returncode == 0, e.stderr
    tqopt_db = json.loads(report.read_text())["sqnr_db"]
    assert abs(tqopt_db - litert_db) <= 0.1, (tqopt_db, litert_db)


LONG = 128


def selected_causal_model(tqopt_bin: Path, out: Path) -> Path:
    """Scores [1, 128, 128] + select(causal bool constant, 0, -inf) -> softmax, as litert-torch
    writes `scaled_dot_product_attention(is_causal=True)`: the mask is computed from constants
    when the model runs."""
    rng = np.random.default_rng(22)
    keys = rng.standard_normal((1, DIM, LONG)).astype(np.float32)
    values = rng.standard_normal((1, LONG, DIM)).astype(np.float32)
    causal = np.tril(np.ones((LONG, LONG), bool))
    bools = '"0x' + np.packbits(causal.ravel(), bitorder="little").tobytes().hex().upper() + '"'
    s = f"tensor<1x{LONG}x{LONG}xf32>"
    text = f"""module {{
  func.func @main(%q: tensor<1x{LONG}x{DIM}xf32>) -> tensor<1x{LONG}x{DIM}xf32> {{
    %k = "tfl.pseudo_const"() <{{value = dense<{hex_f32(keys)}> : tensor<1x{DIM}x{LONG}xf32>}}> : () -> tensor<1x{DIM}x{LONG}xf32>
    %raw = "tfl.batch_matmul"(%q, %k) <{{adj_x = false, adj_y = false}}> : (tensor<1x{LONG}x{DIM}xf32>, tensor<1x{DIM}x{LONG}xf32>) -> {s} loc("scores")
    %c = "tfl.pseudo_const"() <{{value = dense<{bools}> : tensor<{LONG}x{LONG}xi1>}}> : () -> tensor<{LONG}x{LONG}xi1> loc("causal")
    %zero = "tfl.pseudo_const"() <{{value = dense<0.0> : tensor<f32>}}> : () -> tensor<f32>
    %inf = "tfl.pseudo_const"() <{{value = dense<0xFF800000> : tensor<f32>}}> : () -> tensor<f32>
    %mask = "tfl.select_v2"(%c, %zero, %inf) : (tensor<{LONG}x{LONG}xi1>, tensor<f32>, tensor<f32>) -> tensor<{LONG}x{LONG}xf32> loc("mask")
    %masked = "tfl.add"(%raw, %mask) <{{fused_activation_function = "NONE"}}> : ({s}, tensor<{LONG}x{LONG}xf32>) -> {s} loc("masked")
    %p = "tfl.softmax"(%masked) <{{beta = 2.500000e-01 : f32}}> : ({s}) -> {s} loc("weights")
    %v = "tfl.pseudo_const"() <{{value = dense<{hex_f32(values)}> : tensor<1x{LONG}x{DIM}xf32>}}> : () -> tensor<1x{LONG}x{DIM}xf32>
    %o = "tfl.batch_matmul"(%p, %v) <{{adj_x = false, adj_y = false}}> : ({s}, tensor<1x{LONG}x{DIM}xf32>) -> tensor<1x{LONG}x{DIM}xf32> loc("attended")
    return %o : tensor<1x{LONG}x{DIM}xf32>
  }}
}}
"""
    src, dst = out / "selected.mlir", out / "selected.tflite"
    src.write_text(text)
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(dst)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return dst


@pytest.mark.parametrize("flag", ["--pass=quantize-int8", "--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8}"],
                         ids=["int8", "strict_int8"])
def test_a_mask_selected_from_constants_stays_an_op(flag, tqopt_bin, out_dir):
    """Folded into a constant, the mask took four times its bool condition's bytes: such a
    decoder block's int8 model outgrew its float model (litert-torch, 71 -> 186 KB against
    83). It stays an op, calibrated from the value the interpreter computes, and strict int8
    quantizes it."""
    model = selected_causal_model(tqopt_bin, out_dir)
    rng = np.random.default_rng(3)
    calibration = out_dir / "cal.npz"
    np.savez(calibration, arg0=rng.standard_normal((16, LONG, DIM)).astype(np.float32))
    held = {"arg0": rng.standard_normal((8, LONG, DIM)).astype(np.float32)}
    quantized = out_dir / "q.tflite"
    r = subprocess.run([str(tqopt_bin), str(model), flag, f"--calibration-data={calibration}", "-o",
                        str(quantized), "--no-progress"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # A float32 copy of the mask would add 64 KiB; the scores' matmuls may stay float for speed,
    # so the int8 model need not be much smaller than the float one.
    assert quantized.stat().st_size < model.stat().st_size + LONG * LONG
    assert sqnr_db(litert_outputs(model, held), litert_outputs(quantized, held)) > 25
