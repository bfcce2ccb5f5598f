"""Models with TFLite's RFFT2D, COMPLEX_ABS, REAL and IMAG (what ``tf.signal.stft`` lowers to, as in BirdNET's spectrogram
front end): tqopt's interpreter computes it as LiteRT does, and so calibration reaches the ops
after it, which int8 then quantizes.

Until the interpreter had an RFFT2D kernel, every op after one got no calibrated range and
stayed float: BirdNET's int8 model kept 320 ops float and most of its 51.7 MB.

The models are written here as MLIR text and converted by tqopt itself (TFLite writes
``RFFT2D`` as a builtin tqopt keeps in generic ``tfl.builtin`` form); the spectrum's real part
is taken with CAST, as BirdNET does.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from test_interp import interp_run_bin  # noqa: F401  (fixture)
from zoo_common import litert_outputs, sqnr_db

FRAMES, FRAME = 8, 64


# How the spectrum is read back as float32: CAST (its real part), or the builtins REAL, IMAG
# and COMPLEX_ABS.
READERS = {
    "cast": '"tfl.cast"(%f)',
    "real": '"tfl.builtin"(%f) <{builtin_code = 134 : i32, builtin_name = "REAL", version = 1 : i32}>',
    "imag": '"tfl.builtin"(%f) <{builtin_code = 133 : i32, builtin_name = "IMAG", version = 1 : i32}>',
    "abs": '"tfl.builtin"(%f) <{builtin_code = 135 : i32, builtin_name = "COMPLEX_ABS", version = 1 : i32}>',
}


def rfft2d_model(tqopt_bin: Path, out: Path, height: int, width: int, reader: str = "cast") -> Path:
    """input [2, 8, 64] -> RFFT2D(fft_length = [height, width]) -> READERS[reader]."""
    bins = width // 2 + 1
    text = f"""module {{
  func.func @main(%arg0: tensor<2x8x64xf32>) -> tensor<2x{height}x{bins}xf32> {{
    %len = "tfl.pseudo_const"() <{{value = dense<[{height}, {width}]> : tensor<2xi32>}}> : () -> tensor<2xi32>
    %f = "tfl.builtin"(%arg0, %len) <{{builtin_code = 131 : i32, builtin_name = "RFFT2D", version = 1 : i32}}> : (tensor<2x8x64xf32>, tensor<2xi32>) -> tensor<2x{height}x{bins}xcomplex<f32>>
    %c = {READERS[reader]} : (tensor<2x{height}x{bins}xcomplex<f32>>) -> tensor<2x{height}x{bins}xf32>
    return %c : tensor<2x{height}x{bins}xf32>
  }}
}}
"""
    src = out / f"rfft2d_{height}x{width}_{reader}.mlir"
    src.write_text(text)
    dst = src.with_suffix(".tflite")
    subprocess.run([str(tqopt_bin), str(src), "-o", str(dst)], check=True)
    return dst


def spectrogram_classifier(tqopt_bin: Path, out: Path) -> Path:
    """frames [1, 8, 64] -> RFFT2D per frame -> real part -> fully connected (16, relu)."""
    rng = np.random.default_rng(1)
    w = (rng.standard_normal((16, FRAMES * 33)) * 0.1).astype("<f4")
    weights = '"0x' + w.tobytes().hex().upper() + '"'
    text = f"""module {{
  func.func @main(%arg0: tensor<1x8x64xf32>) -> tensor<1x16xf32> {{
    %axis = "tfl.pseudo_const"() <{{value = dense<-2> : tensor<i32>}}> : () -> tensor<i32>
    %e = "tfl.expand_dims"(%arg0, %axis) : (tensor<1x8x64xf32>, tensor<i32>) -> tensor<1x8x1x64xf32>
    %len = "tfl.pseudo_const"() <{{value = dense<[1, 64]> : tensor<2xi32>}}> : () -> tensor<2xi32>
    %f = "tfl.builtin"(%e, %len) <{{builtin_code = 131 : i32, builtin_name = "RFFT2D", version = 1 : i32}}> : (tensor<1x8x1x64xf32>, tensor<2xi32>) -> tensor<1x8x1x33xcomplex<f32>>
    %s = "tfl.squeeze"(%f) <{{squeeze_dims = [-2 : i64]}}> : (tensor<1x8x1x33xcomplex<f32>>) -> tensor<1x8x33xcomplex<f32>>
    %c = "tfl.cast"(%s) : (tensor<1x8x33xcomplex<f32>>) -> tensor<1x8x33xf32>
    %shape = "tfl.pseudo_const"() <{{value = dense<[1, 264]> : tensor<2xi32>}}> : () -> tensor<2xi32>
    %r = "tfl.reshape"(%c, %shape) : (tensor<1x8x33xf32>, tensor<2xi32>) -> tensor<1x264xf32>
    %w = "tfl.pseudo_const"() <{{value = dense<{weights}> : tensor<16x264xf32>}}> : () -> tensor<16x264xf32>
    %b = "tfl.pseudo_const"() <{{value = dense<0.1> : tensor<16xf32>}}> : () -> tensor<16xf32>
    %o = "tfl.fully_connected"(%r, %w, %b) <{{fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}}> : (tensor<1x264xf32>, tensor<16x264xf32>, tensor<16xf32>) -> tensor<1x16xf32>
    return %o : tensor<1x16xf32>
  }}
}}
"""
    src = out / "spectrogram.mlir"
    src.write_text(text)
    dst = out / "spectrogram.tflite"
    subprocess.run([str(tqopt_bin), str(src), "-o", str(dst)], check=True)
    return dst


def tones(n: int, seed: int) -> np.ndarray:
    """n samples of 8 frames of 64: two sines and some noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(FRAMES * FRAME) / FRAME
    out = []
    for _ in range(n):
        f1, f2 = rng.uniform(1, 30, 2)
        x = np.sin(2 * np.pi * f1 * t) + 0.5 * np.sin(2 * np.pi * f2 * t) + 0.1 * rng.standard_normal(t.size)
        out.append(x.reshape(1, FRAMES, FRAME))
    return np.stack(out).astype(np.float32)


@pytest.mark.parametrize("height,width,reader", [(1, 64, "cast"), (8, 64, "cast"), (16, 32, "cast"),
                                                 (4, 128, "cast"), (8, 64, "real"), (8, 64, "imag"),
                                                 (8, 64, "abs")])
def test_interpreter_computes_rfft2d_as_litert(height, width, reader, tqopt_bin, interp_run_bin, out_dir):  # noqa: F811
    """Cropped, zero-padded and 2-D transforms alike, read back by each op, within float32
    rounding."""
    model = rfft2d_model(tqopt_bin, out_dir, height, width, reader)
    x = np.random.default_rng(2).standard_normal((2, FRAMES, FRAME)).astype(np.float32)
    np.save(out_dir / "x.npy", x)
    r = subprocess.run([str(interp_run_bin), str(model), str(out_dir), str(out_dir / "x.npy")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = np.load(out_dir / "output_0.npy")
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(model))
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    want = it.get_tensor(it.get_output_details()[0]["index"])
    assert got.shape == want.shape
    bound = 1e-6 * max(1.0, float(np.max(np.abs(want))))
    worst = float(np.max(np.abs(got - want)))
    assert worst <= bound, f"differs by {worst:.3e} (bound {bound:.3e})"


def test_int8_quantizes_the_ops_after_rfft2d(tqopt_bin, out_dir):
    """The fully connected layer after the spectrum is calibrated and quantized; LiteRT runs
    the model and its outputs are close to the float model's, as tqopt eval measures them."""
    model = spectrogram_classifier(tqopt_bin, out_dir)
    calibration, held = out_dir / "cal.npy", out_dir / "held.npy"
    np.save(calibration, tones(16, 3))
    np.save(held, tones(8, 4))
    quantized = out_dir / "spectrogram_int8.tflite"
    report = out_dir / "report.json"
    r = subprocess.run(
        [str(tqopt_bin), str(model), "--pass=quantize-int8", f"--calibration-data={calibration}",
         "-o", str(quantized), "--no-progress", f"--report={report}"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "no calibrated range" not in r.stderr and "cannot run" not in r.stderr, r.stderr
    from ai_edge_litert.interpreter import Interpreter

    ops = [o["op_name"] for o in Interpreter(model_path=str(quantized))._get_ops_details()]
    assert "FULLY_CONNECTED" in ops and "QUANTIZE" in ops, ops
    details = Interpreter(model_path=str(quantized)).get_tensor_details()
    fc_weights = [d for d in details if d["dtype"] == np.int8 and d["shape"].tolist() == [16, FRAMES * 33]]
    assert fc_weights, "the fully connected layer's weights are not int8"
    samples = {"x": np.load(held)}
    litert_db = sqnr_db(litert_outputs(model, samples), litert_outputs(quantized, samples))
    assert litert_db >= 25.0, litert_db
    r = subprocess.run(
        [str(tqopt_bin), "eval", str(quantized), "--reference", str(model), "--data", str(held),
         "--report", str(out_dir / "eval.json")],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    tqopt_db = json.loads((out_dir / "eval.json").read_text())["sqnr_db"]
    assert abs(tqopt_db - litert_db) <= 0.1, (tqopt_db, litert_db)
