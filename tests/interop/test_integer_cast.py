"""A cast from integers or bools to float (a transformer's attention mask) quantized by tqopt
runs in LiteRT as a CAST into int8 with scale 1 and zero point 0.

LiteRT's CAST ignores quantization parameters: it converts the stored integers, and wraps those
int8 cannot hold (C++'s conversion). Strict int8 used to refuse every model that casts its
int32 mask to float (MiniLM, DistilBERT as litert-torch converts them); now the cast writes the
integers straight into int8 storage, and `tqopt eval` computes it as LiteRT does, wrapping
included.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from zoo_common import litert_outputs, sqnr_db

N = 8


def model_text() -> str:
    """scores = x·3 + (1 - mask)·(-1e4), gated by the bool (mask > 0): a masked softmax."""
    f = f"tensor<1x{N}xf32>"
    i = f"tensor<1x{N}xi32>"
    b = f"tensor<1x{N}xi1>"
    act = '{fused_activation_function = "NONE"}'
    return (
        f'func.func @main(%x: {f} loc("x"), %mask: {i} loc("mask")) -> {f} {{\n'
        f'  %mf = "tfl.cast"(%mask) : ({i}) -> {f} loc("mask_float")\n'
        '  %one = "tfl.pseudo_const"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32> loc("one")\n'
        '  %big = "tfl.pseudo_const"() {value = dense<-1.0e4> : tensor<f32>} : () -> tensor<f32> loc("big")\n'
        '  %three = "tfl.pseudo_const"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32> loc("three")\n'
        '  %zero = "tfl.pseudo_const"() {value = dense<0> : tensor<i32>} : () -> tensor<i32> loc("zero")\n'
        f'  %inv = "tfl.sub"(%one, %mf) {act} : (tensor<f32>, {f}) -> {f} loc("inverted")\n'
        f'  %pen = "tfl.mul"(%inv, %big) {act} : ({f}, tensor<f32>) -> {f} loc("penalty")\n'
        f'  %xs = "tfl.mul"(%x, %three) {act} : ({f}, tensor<f32>) -> {f} loc("scaled")\n'
        f'  %s = "tfl.add"(%xs, %pen) {act} : ({f}, {f}) -> {f} loc("scores")\n'
        f'  %p = "tfl.softmax"(%s) {{beta = 1.0 : f32}} : ({f}) -> {f} loc("probs")\n'
        f'  %on = "tfl.greater"(%mask, %zero) : ({i}, tensor<i32>) -> {b} loc("on")\n'
        f'  %onf = "tfl.cast"(%on) : ({b}) -> {f} loc("on_float")\n'
        f'  %y = "tfl.mul"(%p, %onf) {act} : ({f}, {f}) -> {f} loc("y")\n'
        f"  return %y : {f}\n}}\n"
    )


def masks(rng, n: int) -> np.ndarray:
    m = (rng.random((n, 1, N)) > 0.3).astype(np.int32)
    m[:, 0, 0] = 1  # one position always on, as a [CLS] token is
    return m


@pytest.fixture
def float_model(tqopt_bin, out_dir):
    src = out_dir / "masked.mlir"
    src.write_text(model_text())
    model = out_dir / "masked.tflite"
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rng = np.random.default_rng(3)
    calib = out_dir / "calib.npz"
    np.savez(calib, x=rng.standard_normal((16, 1, N)).astype(np.float32), mask=masks(rng, 16))
    held = {"x": rng.standard_normal((8, 1, N)).astype(np.float32), "mask": masks(rng, 8)}
    return model, calib, held


def quantize(tqopt_bin, model, calib, out, pipeline):
    r = subprocess.run([str(tqopt_bin), str(model), pipeline, f"--calibration-data={calib}",
                        "-o", str(out), "--no-progress"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def eval_sqnr(tqopt_bin, quant, model, data, out_dir) -> float:
    report = out_dir / "report.json"
    r = subprocess.run([str(tqopt_bin), "eval", str(quant), "--reference", str(model), "--data",
                        str(data), "--report", str(report), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    import json

    return json.loads(report.read_text())["sqnr_db"]


@pytest.mark.parametrize("pipeline", ["--pass=quantize-int8",
                                      "--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}"])
def test_mask_casts_run_in_int8(pipeline, float_model, tqopt_bin, out_dir):
    model, calib, held = float_model
    out = out_dir / "q.tflite"
    quantize(tqopt_bin, model, calib, out, pipeline)  # strict int8 refused the casts before
    from ai_edge_litert.interpreter import Interpreter

    details = {d["name"]: d for d in Interpreter(model_path=str(out)).get_tensor_details()}
    for name in ("mask_float", "on_float"):
        d = details[name]
        assert d["dtype"] == np.int8, name
        assert d["quantization"] == (1.0, 0), name
    want = litert_outputs(model, held)
    got = litert_outputs(out, held)
    assert sqnr_db(want, got) > 30
    data = out_dir / "held.npz"
    np.savez(data, **held)
    assert abs(eval_sqnr(tqopt_bin, out, model, data, out_dir) - sqnr_db(want, got)) < 0.1


def test_eval_wraps_mask_values_int8_cannot_hold_as_litert_does(float_model, tqopt_bin, out_dir):
    """Calibrated on 0/1 masks, fed 200 and -300: LiteRT's cast wraps them to -56 and -44, and
    eval's figure follows LiteRT's outputs, not the float model's."""
    model, calib, held = float_model
    out = out_dir / "q.tflite"
    quantize(tqopt_bin, model, calib, out, "--pass=quantize-int8")
    odd = {"x": held["x"], "mask": held["mask"].copy()}
    odd["mask"][:, 0, 1] = 200
    odd["mask"][:, 0, 2] = -300
    want = litert_outputs(model, odd)
    got = litert_outputs(out, odd)
    data = out_dir / "odd.npz"
    np.savez(data, **odd)
    litert = sqnr_db(want, got)
    assert litert < 20  # the wrapped values are far from the float model's
    assert abs(eval_sqnr(tqopt_bin, out, model, data, out_dir) - litert) < 0.1


def test_wide_integers_keep_the_cast_float(float_model, tqopt_bin, out_dir):
    """Calibration that sees 300 in the mask keeps its cast float; strict int8 says why."""
    model, _, held = float_model
    rng = np.random.default_rng(5)
    wide = out_dir / "wide.npz"
    m = masks(rng, 16)
    m[:, 0, 3] = 300
    np.savez(wide, x=rng.standard_normal((16, 1, N)).astype(np.float32), mask=m)
    out = out_dir / "q.tflite"
    quantize(tqopt_bin, model, wide, out, "--pass=quantize-int8")
    from ai_edge_litert.interpreter import Interpreter

    details = {d["name"]: d for d in Interpreter(model_path=str(out)).get_tensor_details()}
    assert details["mask_float"]["dtype"] == np.float32
    assert details["on_float"]["dtype"] == np.int8
    strict = out_dir / "strict.tflite"
    r = subprocess.run([str(tqopt_bin), str(model), "--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8}",
                        f"--calibration-data={wide}", "-o", str(strict), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "reach [0, 300] on the calibration data, beyond int8's [-128, 127]" in r.stderr
    assert not strict.exists()


def test_int16_storage_holds_wider_integers(float_model, tqopt_bin, out_dir):
    """In 16x8 mode a cast of values up to 300 writes int16 at scale 1 and runs in LiteRT."""
    model, _, held = float_model
    rng = np.random.default_rng(6)
    wide = out_dir / "wide.npz"
    m = masks(rng, 16)
    m[:, 0, 3] = 300
    np.savez(wide, x=rng.standard_normal((16, 1, N)).astype(np.float32), mask=m)
    out = out_dir / "q16.tflite"
    quantize(tqopt_bin, model, wide, out, "--pass=quantize-int16x8")
    from ai_edge_litert.interpreter import Interpreter

    details = {d["name"]: d for d in Interpreter(model_path=str(out)).get_tensor_details()}
    assert details["mask_float"]["dtype"] == np.int16
    assert details["mask_float"]["quantization"] == (1.0, 0)
    odd = {"x": held["x"], "mask": held["mask"].copy()}
    odd["mask"][:, 0, 3] = 300
    data = out_dir / "odd.npz"
    np.savez(data, **odd)
    litert = sqnr_db(litert_outputs(model, odd), litert_outputs(out, odd))
    assert abs(eval_sqnr(tqopt_bin, out, model, data, out_dir) - litert) < 0.1
