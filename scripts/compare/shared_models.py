#!/usr/bin/env python3
"""Quantizes every model in ../shared/models/mediapipe with tqopt and measures it in LiteRT.

  int8      quantize-int8 calibrated on the first 8 photos of ../shared/data/images; SQNR of the
            outputs against the float model on the other photos; ops quantized; size ratio
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

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
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
        data = np.clip(np.round(x / scale + zp), info.min, info.max).astype(inp["dtype"])
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modes", default="int8,strict,dynamic,float16")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "tqopt"], cwd=ROOT, check=True)
    models = sorted(f[:-7] for f in os.listdir(os.path.join(SHARED, "models", "mediapipe")) if f.endswith(".tflite"))
    photos = images()
    calib, evals = photos[:8], photos[8:]
    tmp = tempfile.mkdtemp(prefix="tqopt-shared-")
    for mode in args.modes.split(","):
        print(f"\n== {mode}")
        if mode == "strict":
            print(f"{'model':<28} {'result':<60}")
        else:
            print(f"{'model':<28} {'float B':>9} {'out B':>9} {'ratio':>6} {'SQNR dB':>8} {'quantized':>10}")
        for name in models:
            src = os.path.join(SHARED, "models", "mediapipe", name + ".tflite")
            lo = -1.0 if name in DETECTORS else 0.0
            out = os.path.join(tmp, f"{name}_{mode}.tflite")
            calib_dir = os.path.join(tmp, "calib")
            os.makedirs(calib_dir, exist_ok=True)
            for p in calib:
                link = os.path.join(calib_dir, os.path.basename(p))
                if not os.path.exists(link):
                    os.symlink(p, link)
            if mode in ("int8", "strict"):
                pipeline = "quantize-int8" if mode == "int8" else "quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}"
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
            f_it, q_it = interpreter(src), interpreter(out)
            shape = f_it.get_input_details()[0]["shape"]
            ref, test = [], []
            for p in evals:
                x = load(p, shape, lo)
                ref += run(f_it, x)
                test += run(q_it, x)
            s = sqnr(np.concatenate(ref), np.concatenate(test))
            fs, qs = os.path.getsize(src), os.path.getsize(out)
            quantized = report.split(" (")[0].replace("quantized ", "")
            print(f"{name:<28} {fs:>9} {qs:>9} {100.0 * qs / fs:>5.1f}% {s:>8.2f} {quantized:>10}")


if __name__ == "__main__":
    main()
