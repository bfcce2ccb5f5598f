#!/usr/bin/env python3
"""16x8 table: tqopt's quantize-int16x8 beside TensorFlow's 16x8 quantizer and tqopt's int8, on
the shared MediaPipe models and the zoo, all run in LiteRT's default interpreter.

Shared models: calibrated on the first 8 photos of tests/shared/data/images, SQNR of all
outputs (concatenated) against the float model on the other photos, as tests/interop does.
Zoo models: calibrated on NAME_calib.npz, SQNR on NAME_eval.npz as scripts/compare/zoo.py.

TensorFlow's 16x8 is its converter's path on a .tflite: its calibrator, then
calibrate_and_quantize with int16 activations and int64 biases (what TFLiteConverter runs
for EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8), allow_float=True. It
runs in a child process, because it can crash. The float16-weight shared models are first
canonicalized to float32 weights (TensorFlow's quantizer refuses float16 weights).

With --eval, also `tqopt eval` of tqopt's 16x8 model on the same samples beside the same
figure from LiteRT's outputs (mean over samples and outputs of the per-output SQNR, as
`tqopt eval` defines it): the interpreter must agree with LiteRT within 0.1 dB.

Usage (a Python with TensorFlow and ai-edge-litert, e.g. /work/venv-tf/bin/python):
  scripts/compare/int16x8.py [--bin target/release/tqopt] [--models a,b] [--no-tf] [--eval]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from zoo_common import ZOO, litert_outputs, load_samples, sqnr_db  # noqa: E402

SHARED = ROOT / "tests" / "shared"
MEDIAPIPE = SHARED / "models" / "mediapipe"
DETECTORS = ("face_detection", "palm_detection", "pose_detection")


def photos():
    d = SHARED / "data" / "images"
    return sorted(p for p in d.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))


def image_array(path, shape, lo):
    from PIL import Image

    img = Image.open(path).convert("RGB").resize((int(shape[2]), int(shape[1])), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32) / 255.0
    return (lo + (1.0 - lo) * x)[None, ...].astype(np.float32)


def shared_samples(src: Path):
    """(calibration, eval) sample dicts of a shared model, keyed by its input name."""
    from ai_edge_litert.interpreter import Interpreter

    d = Interpreter(model_path=str(src)).get_input_details()[0]
    lo = -1.0 if src.stem.startswith(DETECTORS) else 0.0
    xs = [image_array(p, d["shape"], lo) for p in photos()]
    key = d["name"]
    return {key: np.concatenate(xs[:8])}, {key: np.concatenate(xs[8:])}, lo


def sqnr_concat(ref, got):
    r = np.concatenate([o.ravel() for s in ref for o in s]).astype(np.float64)
    g = np.concatenate([o.ravel() for s in got for o in s]).astype(np.float64)
    noise = np.sum((r - g) ** 2)
    return 99.0 if noise == 0 else float(10 * np.log10(np.sum(r**2) / noise))


def tf_16x8(src: Path, calib_npz: Path, out: Path) -> str:
    """TensorFlow's 16x8 in a child process; '' or why it failed."""
    code = f"""
import numpy as np, tensorflow as tf
from tensorflow.lite.python.optimize import calibrator
z = np.load({str(calib_npz)!r}); keys = list(z.files); n = z[keys[0]].shape[0]
import sys; sys.path.insert(0, {str(ROOT / "tests" / "interop")!r})
from zoo_common import match_input
from ai_edge_litert.interpreter import Interpreter
ins = Interpreter(model_path={str(src)!r}).get_input_details()
def gen():
    for i in range(n):
        feed = []
        for j, d in enumerate(ins):
            x = z[match_input(d['name'], keys, j)][i]
            if x.ndim == len(d['shape']) - 1: x = x[None]
            feed.append(x.astype(d['dtype']))
        yield feed
model = calibrator.add_intermediate_tensors(open({str(src)!r}, 'rb').read())
q = calibrator.Calibrator(model).calibrate_and_quantize(
    gen, tf.float32, tf.float32, True, tf.int16, tf.int64)
open({str(out)!r}, 'wb').write(q)
"""
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return "timeout"
    if r.returncode != 0:
        lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
        return f"fails (rc {r.returncode}): {lines[-1][:120] if lines else ''}"
    return ""


def tqopt(bin_path, src, pipeline, calib, out, lo=None):
    args = [str(bin_path), str(src), f"--pass={pipeline}", f"--calibration-data={calib}",
            "-o", str(out), "--no-progress"]
    if lo is not None:
        args.append(f"--input-range={lo},1")
    r = subprocess.run(args, capture_output=True, text=True)
    return "" if r.returncode == 0 else r.stderr.strip().splitlines()[-1][:160]


def score(src, out, evals, ref, concat):
    try:
        got = litert_outputs(out, evals)
    except Exception as e:  # noqa: BLE001 - a model LiteRT refuses is a result
        return f"no run: {str(e).splitlines()[0][:80]}"
    return round(sqnr_concat(ref, got) if concat else sqnr_db(ref, got), 2)


def eval_agreement(bin_path, src, out, evals, ref, tmp):
    """(tqopt eval's model SQNR, LiteRT's) for the quantized model `out`, or why not."""
    data, report = tmp / "eval_data.npz", tmp / "eval_report.json"
    np.savez(data, **evals)
    r = subprocess.run([str(bin_path), "eval", str(out), "--reference", str(src), "--data", str(data),
                        "--report", str(report), "--no-progress"], capture_output=True, text=True)
    if r.returncode != 0:
        return f"eval fails: {r.stderr.strip().splitlines()[-1][:120]}"
    ours = json.loads(report.read_text())["sqnr_db"]
    return ours, sqnr_db(ref, litert_outputs(out, evals))


def row(bin_path, name, src, tmp, with_tf, with_eval=False):
    tmp = Path(tmp)
    shared = src.parent == MEDIAPIPE
    if shared:
        calib, evals, lo = shared_samples(src)
        calib_npz = tmp / f"{name}_calib.npz"
        np.savez(calib_npz, **calib)
        f32 = tmp / f"{name}_f32.tflite"
        subprocess.run([str(bin_path), str(src), "--pass=canonicalize", "-o", str(f32)], check=True,
                       capture_output=True)
    else:
        calib_npz, evals, lo, f32 = ZOO / f"{name}_calib.npz", load_samples(ZOO / f"{name}_eval.npz"), None, src
    ref = litert_outputs(src, evals)
    cells = {}
    for mode, pipeline in (("int8", "quantize-int8"), ("int16x8", "quantize-int16x8")):
        out = tmp / f"{name}_{mode}.tflite"
        err = tqopt(bin_path, src, pipeline, calib_npz, out, lo)
        cells[mode] = f"fails: {err}" if err else score(src, out, evals, ref, shared)
        if with_eval and mode == "int16x8" and not err:
            agreement = eval_agreement(bin_path, src, out, evals, ref, tmp)
            if isinstance(agreement, str):
                cells["eval"] = agreement
            else:
                cells["eval_tqopt"], cells["eval_litert"] = (round(v, 3) for v in agreement)
                cells["eval_diff"] = round(agreement[0] - agreement[1], 3)
    if with_tf:
        out = tmp / f"{name}_tf16x8.tflite"
        err = tf_16x8(f32, calib_npz, out)
        cells["tf16x8"] = err if err else score(src, out, evals, ref, shared)
    return cells


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "tqopt"))
    ap.add_argument("--models", default="")
    ap.add_argument("--no-tf", action="store_true")
    ap.add_argument("--eval", action="store_true", help="also tqopt eval against LiteRT (16x8 model)")
    ap.add_argument("--json", default="", help="also write the table as JSON here")
    args = ap.parse_args()
    models = [(p.stem, p) for p in sorted(MEDIAPIPE.glob("*.tflite"))]
    models += [(p.stem, p) for p in sorted(ZOO.glob("*.tflite"))]
    only = [m for m in args.models.split(",") if m]
    table = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, src in models:
            if only and name not in only:
                continue
            cells = row(args.bin, name, src, tmp, not args.no_tf, args.eval)
            table[name] = cells
            fmt = lambda v: f"{v:>8.2f}" if isinstance(v, float) else f"  {v}"  # noqa: E731
            print(f"{name:<28}" + " ".join(f"{k}={fmt(v)}" for k, v in cells.items()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
