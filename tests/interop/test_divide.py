"""Division by a sum that can reach zero (linear attention's normalizer, as EfficientViT
computes it), quantized by tqopt, runs in LiteRT.

LiteRT's 8-bit DIV fails the whole invoke when a divisor is stored as its zero point (a real
0). A divisor quantized to [0, hi] stores every value under half a step that way, and LiteRT
refused EfficientViT's strict int8 model on held-out images. `guard-divisions` now keeps such a
division float (strict int8 names it), and `tqopt eval` fails where LiteRT would, naming the
element.
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from zoo_common import litert_outputs, sqnr_db

ROWS, COLS = 4, 16


def model_text() -> str:
    t = f"tensor<1x{ROWS}x{COLS}xf32>"
    s = f"tensor<1x{ROWS}x1xf32>"
    act = '<{fused_activation_function = "NONE"}>'
    return (
        f'func.func @main(%x: {t} loc("x"), %y: {t} loc("y")) -> {t} {{\n'
        f'  %r = "tfl.relu"(%y) : ({t}) -> {t} loc("features")\n'
        '  %axis = "tfl.pseudo_const"() <{value = dense<2> : tensor<1xi32>}> : () -> tensor<1xi32>\n'
        f'  %sum = "tfl.sum"(%r, %axis) <{{keep_dims = true}}> : ({t}, tensor<1xi32>) -> {s} loc("sum")\n'
        '  %eps = "tfl.pseudo_const"() <{value = dense<1.0e-3> : tensor<f32>}> : () -> tensor<f32>\n'
        f'  %n = "tfl.add"(%sum, %eps) {act} : ({s}, tensor<f32>) -> {s} loc("normalizer")\n'
        f'  %q = "tfl.div"(%x, %n) {act} : ({t}, {s}) -> {t} loc("normalized")\n'
        f"  return %q : {t}\n}}\n"
    )


def samples(rng, n: int, dead_rows: int) -> dict[str, np.ndarray]:
    """`dead_rows` samples have a row whose features are all off: its normalizer is the eps."""
    x = rng.standard_normal((n, ROWS, COLS)).astype(np.float32)
    y = (rng.standard_normal((n, ROWS, COLS)) + 1.0).astype(np.float32)
    for i in range(dead_rows):
        y[i, i % ROWS, :] = -1.0
        y[i, (i + 1) % ROWS, :] = -1.0
        y[i, (i + 1) % ROWS, 0] = 0.05  # a sum of 0.05, under half a step
    return {"x": x, "y": y}


@pytest.fixture
def float_model(tqopt_bin, out_dir):
    src, model = out_dir / "div.mlir", out_dir / "div.tflite"
    src.write_text(model_text())
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rng = np.random.default_rng(8)
    calib = out_dir / "calib.npz"
    np.savez(calib, **samples(rng, 16, dead_rows=2))
    held = samples(rng, 8, dead_rows=4)
    return model, calib, held


def eval_report(tqopt_bin, quant, model, data, out_dir):
    report = out_dir / "report.json"
    r = subprocess.run([str(tqopt_bin), "eval", str(quant), "--reference", str(model), "--data",
                        str(data), "--report", str(report), "--no-progress"], capture_output=True, text=True)
    return r, report


def test_divisions_near_zero_stay_float(float_model, tqopt_bin, out_dir):
    """The division stays float (even with target=reference, which quantizes every op it can),
    the model runs in LiteRT on the held-out data, and eval agrees with LiteRT."""
    model, calib, held = float_model
    out = out_dir / "q.tflite"
    r = subprocess.run([str(tqopt_bin), str(model), "--pass=quantize-int8{target=reference}",
                        f"--calibration-data={calib}", "-o", str(out), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "within 4 int8 steps of zero" in r.stdout + r.stderr
    from ai_edge_litert.interpreter import Interpreter

    details = {d["name"]: d for d in Interpreter(model_path=str(out)).get_tensor_details()}
    assert details["normalized"]["dtype"] == np.float32
    got = litert_outputs(out, held)
    want = litert_outputs(model, held)
    data = out_dir / "held.npz"
    np.savez(data, **held)
    e, report = eval_report(tqopt_bin, out, model, data, out_dir)
    assert e.returncode == 0, e.stderr
    assert abs(json.loads(report.read_text())["sqnr_db"] - sqnr_db(want, got)) < 0.1


def test_strict_int8_names_the_division(float_model, tqopt_bin, out_dir):
    model, calib, _ = float_model
    out = out_dir / "strict.tflite"
    r = subprocess.run([str(tqopt_bin), str(model), "--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}",
                        f"--calibration-data={calib}", "-o", str(out), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "'tfl.div'" in r.stderr and "fails at run time on a divisor stored as its zero point" in r.stderr
    assert not out.exists()


def test_eval_fails_where_litert_meets_a_zero_divisor(float_model, tqopt_bin, out_dir):
    """The form LiteRT refuses on this data (floor-divisors left out): eval fails as LiteRT
    does, naming the element, and writes no report."""
    model, calib, held = float_model
    out = out_dir / "bare.tflite"
    passes = ("builtin.module(calibrate{data=%s},propagate-ranges,insert-fake-quant,"
              "legalize-opset{ops=TFLITE_BUILTINS_INT8},fold-quant,fold-dequant,dce)" % calib)
    r = subprocess.run([str(tqopt_bin), str(model), f"--pass-pipeline={passes}", "-o", str(out),
                        "--no-progress"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with pytest.raises(RuntimeError, match="zero_point"):
        litert_outputs(out, held)
    data = out_dir / "held.npz"
    np.savez(data, **held)
    e, report = eval_report(tqopt_bin, out, model, data, out_dir)
    assert e.returncode != 0
    assert "stored as its zero point" in e.stderr and "8-bit DIV refuses" in e.stderr
    assert not report.exists()
