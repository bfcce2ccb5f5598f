#!/usr/bin/env python3
"""End-to-end quantization time: tqopt against ai-edge-quantizer and TensorFlow, in one script.

  int8      quantize-int8 of face_landmark (tests/shared) and the MobileNet-style Keras model
            (target/compare, from build_models.py), calibrated on 64 samples: tqopt's CLI
            (import, calibration, quantization, export, one process) against ai-edge-quantizer's
            static_wi8_ai8 recipe (load, calibrate, quantize, export) on the same .tflite (with a
            SignatureDef, which ai-edge-quantizer needs) and the same 64 arrays.
  dynamic   quantize-dynamic-range of a 100 MB float model (25 dense 1024x1024 layers, built
            with Keras and converted float by TensorFlow): tqopt's CLI against
            ai-edge-quantizer's dynamic_wi8_afp32 on that .tflite, and against TensorFlow's
            converter with Optimize.DEFAULT on the Keras model (TensorFlow quantizes weights
            only while converting; its float-only conversion time is shown too).

Each tool runs --repeat times (default 3) and the best time is kept; the machine is shared, so
compare the ratios. Usage: scripts/compare/bench_speed.py [--modes int8,dynamic] [--repeat N]
Needs tensorflow-cpu, ai-edge-quantizer, ai-edge-litert, numpy and pillow.
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
COMPARE = os.path.join(ROOT, "target", "compare")


def best_of(repeat, fn):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def photo_samples(shape, n, seed=0):
    """n inputs made from the 12 shared photos: random crops (60-100% of the side), random
    horizontal flips, resized to the input, scaled to [0, 1]. Deterministic."""
    rng = np.random.default_rng(seed)
    d = os.path.join(SHARED, "data", "images")
    photos = [Image.open(os.path.join(d, f)).convert("RGB") for f in sorted(os.listdir(d))]
    out = []
    for i in range(n):
        img = photos[i % len(photos)]
        w, h = img.size
        side = int(min(w, h) * rng.uniform(0.6, 1.0))
        x0, y0 = rng.integers(0, w - side + 1), rng.integers(0, h - side + 1)
        crop = img.crop((x0, y0, x0 + side, y0 + side)).resize((shape[2], shape[1]), Image.BILINEAR)
        x = np.asarray(crop, dtype=np.float32) / 255.0
        out.append(x[:, ::-1] if rng.random() < 0.5 else x)
    return np.stack(out).astype(np.float32)


def tqopt(args):
    subprocess.run([TQOPT, *args, "--no-progress"], check=True, capture_output=True)


def aeq(src, out, recipe_name, data=None):
    from ai_edge_quantizer import quantizer, recipe

    q = quantizer.Quantizer(src)
    q.load_quantization_recipe(getattr(recipe, recipe_name)())
    if data is None:
        result = q.quantize()
    else:
        from ai_edge_litert.interpreter import Interpreter

        sig = Interpreter(model_path=src).get_signature_list()
        key = next(iter(sig))
        name = sig[key]["inputs"][0]
        result = q.quantize(q.calibrate({key: [{name: x[None]} for x in data]}))
    result.export_model(out, overwrite=True)


def bench_int8(tmp, repeat):
    from ai_edge_litert.interpreter import Interpreter

    models = {"face_landmark": os.path.join(SHARED, "models", "mediapipe", "face_landmark.tflite")}
    mobilenet = os.path.join(COMPARE, "mobilenet_float.tflite")
    if os.path.exists(mobilenet):
        models["mobilenet (Keras)"] = mobilenet
    else:
        print("(no target/compare/mobilenet_float.tflite: run scripts/compare/build_models.py first)")
    print(f"{'model':<20} {'samples':>7} {'tqopt s':>8} {'AEQ s':>8} {'tqopt/AEQ':>10}")
    for name, path in models.items():
        src = os.path.join(tmp, "src.tflite")
        tqopt([path, "-o", src])  # the same file for both, with a SignatureDef
        shape = Interpreter(model_path=src).get_input_details()[0]["shape"]
        if name == "face_landmark":
            data = photo_samples(shape, 64)
        else:
            calib = np.load(os.path.join(COMPARE, "mobilenet_calibration.npy"))
            data = np.concatenate([calib, calib[:, :, ::-1]])[:64]
        npy = os.path.join(tmp, "calibration.npy")
        np.save(npy, data)
        ours = best_of(repeat, lambda: tqopt([src, "--pass=quantize-int8", f"--calibration-data={npy}",
                                              "-o", os.path.join(tmp, "tqopt.tflite")]))
        theirs = best_of(repeat, lambda: aeq(src, os.path.join(tmp, "aeq.tflite"), "static_wi8_ai8", data))
        print(f"{name:<20} {len(data):>7} {ours:>8.3f} {theirs:>8.3f} {ours / theirs:>9.2f}x", flush=True)


def bench_dynamic(tmp, repeat):
    import tensorflow as tf

    layers, width = 25, 1024
    inputs = tf.keras.Input(shape=(width,), batch_size=1)
    x = inputs
    for _ in range(layers):
        x = tf.keras.layers.Dense(width, activation="relu")(x)
    model = tf.keras.Model(inputs, x)

    def convert(optimize):
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        if optimize:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        return converter.convert()

    src = os.path.join(tmp, "big_float.tflite")
    with open(src, "wb") as f:
        f.write(convert(False))
    size = os.path.getsize(src)
    tf_float = best_of(repeat, lambda: convert(False))
    tf_dynamic = best_of(repeat, lambda: convert(True))
    ours = best_of(repeat, lambda: tqopt([src, "--pass=quantize-dynamic-range", "-o", os.path.join(tmp, "tqopt.tflite")]))
    theirs = best_of(repeat, lambda: aeq(src, os.path.join(tmp, "aeq.tflite"), "dynamic_wi8_afp32"))
    print(f"model: {layers} dense {width}x{width} layers, float .tflite {size / 1e6:.1f} MB")
    print(f"{'tool':<46} {'seconds':>8} {'vs tqopt':>9}")
    rows = [
        ("tqopt quantize-dynamic-range (.tflite -> .tflite)", ours),
        ("ai-edge-quantizer dynamic_wi8_afp32 (.tflite)", theirs),
        ("TensorFlow converter, Optimize.DEFAULT (Keras)", tf_dynamic),
        ("TensorFlow converter, float only (Keras)", tf_float),
    ]
    for label, t in rows:
        print(f"{label:<46} {t:>8.3f} {t / ours:>8.1f}x")
    for label, path in (("tqopt", "tqopt.tflite"), ("ai-edge-quantizer", "aeq.tflite")):
        print(f"  {label} output: {os.path.getsize(os.path.join(tmp, path)) / 1e6:.1f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modes", default="int8,dynamic")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "tqopt"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="tqopt-bench-")
    for mode in args.modes.split(","):
        print(f"\n== {mode}")
        {"int8": bench_int8, "dynamic": bench_dynamic}[mode](tmp, args.repeat)


if __name__ == "__main__":
    main()
