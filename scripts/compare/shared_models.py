#!/usr/bin/env python3
"""Quantizes every model in tests/shared/models/mediapipe with tqopt and measures it in LiteRT.

  int8      quantize-int8 calibrated on the first 8 photos of tests/shared/data/images; SQNR of the
            outputs against the float model on the other photos; ops quantized; size ratio.
            SQNR with min/max calibration (the default, TensorFlow's) and with moving-average
            calibration, and, when installed, TensorFlow's quantizer (its calibrator, then
            mlir_quantize, as TFLiteConverter runs them) and ai-edge-quantizer's static_wi8_ai8
            recipe, all calibrated on the same arrays
  strict    quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}: must give a model without any float
            tensor (every model but selfie_segmentation, whose custom op has no int8 form)
  dynamic   canonicalize (float16 weights back to float32), then quantize-dynamic-range
  float16   canonicalize, then quantize-float16
Usage: scripts/compare/shared_models.py [--modes int8,strict,dynamic,float16] [--no-build]
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, "tests", "shared")
TQOPT = os.path.join(ROOT, "target", "release", "tqopt")
DETECTORS = {"face_detection_full_range", "face_detection_short_range", "palm_detection", "pose_detection"}
FLOAT_TYPES = {0, 1, 10, 18}  # FLOAT32, FLOAT16, FLOAT64, BFLOAT16


def images():
    d = os.path.join(SHARED, "data", "images")
    return [os.path.join(d, f) for f in sorted(os.listdir(d))]


def interpreter(path):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=path, num_threads=2)
    it.allocate_tensors()
    return it


def load(path, shape, lo):
    img = Image.open(path).convert("RGB").resize((shape[2], shape[1]), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32) / 255.0
    return (lo + (1.0 - lo) * x)[None, ...]


def run(it, x):
    inp = it.get_input_details()[0]
    data = x
    if inp["dtype"] != np.float32:
        scale, zp = inp["quantization"]
        info = np.iinfo(inp["dtype"])
        data = np.clip(np.round(x / scale) + zp, info.min, info.max).astype(inp["dtype"])
    it.set_tensor(inp["index"], data)
    it.invoke()
    outs = []
    for o in it.get_output_details():
        y = it.get_tensor(o["index"]).astype(np.float32)
        if o["dtype"] != np.float32:
            scale, zp = o["quantization"]
            y = (y - zp) * scale
        outs.append(y.ravel())
    return outs


def sqnr(ref, test):
    noise = np.sum((ref - test) ** 2)
    return float("inf") if noise == 0 else 10 * np.log10(np.sum(ref**2) / noise)


def float_tensors(path):
    from ai_edge_litert import schema_py_generated as schema

    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(open(path, "rb").read(), 0))
    return [t.name.decode() for sg in m.subgraphs for t in sg.tensors if t.type in FLOAT_TYPES]


def tqopt(args, check=True):
    return subprocess.run([TQOPT] + args, capture_output=True, text=True, check=check)


def calibration_arrays(paths, shape, lo, out):
    """The calibration inputs every tool gets: one .npy of shape [N, H, W, 3]."""
    data = np.concatenate([load(p, shape, lo) for p in paths]).astype(np.float32)
    np.save(out, data)
    return data


def tensorflow_int8(src, data, out):
    """TensorFlow's post-training int8 path on a .tflite: its calibrator, then mlir_quantize."""
    try:
        import tensorflow  # noqa: F401
        from tensorflow.lite.python import convert
        from tensorflow.lite.python.optimize import calibrator
    except ImportError:
        return None
    start = time.perf_counter()
    calibrated = calibrator.Calibrator(open(src, "rb").read()).calibrate(lambda: ([x[None]] for x in data))
    open(out, "wb").write(convert.mlir_quantize(calibrated))
    return time.perf_counter() - start


def aeq_int8(src, data, out):
    """ai-edge-quantizer's static_wi8_ai8 recipe; it needs a SignatureDef, so `src` has one."""
    try:
        from ai_edge_quantizer import quantizer, recipe
    except ImportError:
        return None
    start = time.perf_counter()
    q = quantizer.Quantizer(src)
    q.load_quantization_recipe(recipe.static_wi8_ai8())
    sig = interpreter(src).get_signature_list()
    key = next(iter(sig))
    name = sig[key]["inputs"][0]
    result = q.quantize(q.calibrate({key: [{name: x[None]} for x in data]}))
    result.export_model(out, overwrite=True)
    return time.perf_counter() - start


def output_sqnr(src, out, evals, shape, lo):
    f_it, q_it = interpreter(src), interpreter(out)
    ref, test = [], []
    for p in evals:
        x = load(p, shape, lo)
        ref += run(f_it, x)
        test += run(q_it, x)
    return sqnr(np.concatenate(ref), np.concatenate(test))


def int8_row(name, src, calib, evals, tmp, baselines):
    lo = -1.0 if name in DETECTORS else 0.0
    shape = interpreter(src).get_input_details()[0]["shape"]
    npy = os.path.join(tmp, f"{name}_calibration.npy")
    data = calibration_arrays(calib, shape, lo, npy)
    cells, report, size = [], "", 0
    for method in ("minmax", "moving-average"):
        out = os.path.join(tmp, f"{name}_int8_{method}.tflite")
        r = tqopt([src, "--pass=quantize-int8", f"--calibration-data={npy}", f"--calibration-method={method}",
                   f"--input-range={lo},1", "-o", out], check=False)
        if r.returncode != 0:
            return f"{name:<28} tqopt failed: {r.stderr.strip()[:300]}"
        cells.append(output_sqnr(src, out, evals, shape, lo))
        if method == "minmax":
            report = r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
            size = os.path.getsize(out)
    # The baselines read float16 weights through DEQUANTIZE badly (TensorFlow's quantizer fails,
    # ai-edge-quantizer crashes) and ai-edge-quantizer needs a SignatureDef: they get the same
    # network with float32 weights and a signature, which tqopt's canonicalize writes.
    float32 = os.path.join(tmp, f"{name}_float32.tflite")
    tqopt([src, "--pass=canonicalize", "-o", float32])
    for tool in baselines:
        out = os.path.join(tmp, f"{name}_{tool}.tflite")
        try:
            if tool == "tf":
                took = tensorflow_int8(float32, data, out)
            else:
                took = aeq_int8(float32, data, out)
            cells.append(None if took is None else output_sqnr(src, out, evals, shape, lo))
        except Exception as e:  # a baseline that cannot quantize the model is a result too
            print(f"  ({tool} on {name}: {type(e).__name__}: {str(e)[:160]})")
            cells.append(None)
    fs = os.path.getsize(src)
    quantized = report.split(" (")[0].replace("quantized ", "")
    sq = " ".join("     n/a" if c is None else f"{c:>8.2f}" for c in cells)
    return f"{name:<28} {fs:>9} {size:>9} {100.0 * size / fs:>5.1f}% {sq} {quantized:>10}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modes", default="int8,strict,dynamic,float16")
    ap.add_argument("--baselines", default="tf,aeq", help="int8 baselines to run when installed: tf, aeq")
    ap.add_argument("--models", default="", help="comma-separated subset of the shared models")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "tqopt"], cwd=ROOT, check=True)
    models = sorted(f[:-7] for f in os.listdir(os.path.join(SHARED, "models", "mediapipe")) if f.endswith(".tflite"))
    if args.models:
        models = [m for m in models if m in args.models.split(",")]
    baselines = [b for b in args.baselines.split(",") if b]
    photos = images()
    calib, evals = photos[:8], photos[8:]
    tmp = tempfile.mkdtemp(prefix="tqopt-shared-")
    for mode in args.modes.split(","):
        print(f"\n== {mode}")
        if mode == "strict":
            print(f"{'model':<28} {'result':<60}")
        elif mode == "int8":
            heads = " ".join(f"{h:>8}" for h in ["minmax", "mov-avg"] + [{"tf": "TF", "aeq": "AEQ"}[b] for b in baselines])
            print(f"{'':<58} {'output SQNR (dB)':^{9 * (2 + len(baselines))}}")
            print(f"{'model':<28} {'float B':>9} {'out B':>9} {'ratio':>6} {heads} {'quantized':>10}")
        else:
            print(f"{'model':<28} {'float B':>9} {'out B':>9} {'ratio':>6} {'SQNR dB':>8} {'quantized':>10}")
        for name in models:
            src = os.path.join(SHARED, "models", "mediapipe", name + ".tflite")
            if mode == "int8":
                print(int8_row(name, src, calib, evals, tmp, baselines), flush=True)
                continue
            lo = -1.0 if name in DETECTORS else 0.0
            out = os.path.join(tmp, f"{name}_{mode}.tflite")
            calib_dir = os.path.join(tmp, "calib")
            os.makedirs(calib_dir, exist_ok=True)
            for p in calib:
                link = os.path.join(calib_dir, os.path.basename(p))
                if not os.path.exists(link):
                    os.symlink(p, link)
            if mode == "strict":
                pipeline = "quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}"
                cmd = [src, f"--pass={pipeline}", f"--calibration-data={calib_dir}", f"--input-range={lo},1", "-o", out]
            else:
                cmd = [src, "--pass=canonicalize", f"--pass=quantize-{'dynamic-range' if mode == 'dynamic' else 'float16'}", "-o", out]
            r = tqopt(cmd, check=False)
            if mode == "strict":
                if r.returncode != 0:
                    first = [l for l in r.stderr.splitlines() if "error" in l or "note" in l][:2]
                    print(f"{name:<28} FAILED: {' | '.join(first)[:200]}")
                else:
                    floats = float_tensors(out)
                    interpreter(out)  # LiteRT loads it
                    verdict = "integer only, LiteRT runs it" if not floats else f"{len(floats)} float tensors: {floats[:3]}"
                    print(f"{name:<28} {verdict}")
                continue
            if r.returncode != 0:
                print(f"{name:<28} tqopt failed: {r.stderr.strip()[:300]}")
                continue
            report = r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
            shape = interpreter(src).get_input_details()[0]["shape"]
            s = output_sqnr(src, out, evals, shape, lo)
            fs, qs = os.path.getsize(src), os.path.getsize(out)
            quantized = report.split(" (")[0].replace("quantized ", "")
            print(f"{name:<28} {fs:>9} {qs:>9} {100.0 * qs / fs:>5.1f}% {s:>8.2f} {quantized:>10}", flush=True)


if __name__ == "__main__":
    main()
