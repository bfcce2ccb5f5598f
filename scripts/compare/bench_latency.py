#!/usr/bin/env python3
"""Latency of float, tqopt int8 and TensorFlow int8 models in LiteRT's default interpreter.

For every shared MediaPipe model (tests/shared/models/mediapipe), the Keras MobileNets that
scripts/fixtures/bench_models.py builds into target/bench-models (when built; the Keras
transformer there is fed normal random tokens), and every zoo
model that has calibration data (tests/models/zoo/NAME.tflite with NAME_calib.npz), in one run:

  float       the model as it is;
  int8 ref    tqopt quantize-int8{target=reference}: TFLite's spec with no regard to speed
              (what tqopt produced before the target option existed);
  int8        tqopt quantize-int8 (target=xnnpack, the default);
  tf int8     TensorFlow's calibrator + mlir_quantize on the same .tflite, when TensorFlow is
              installed (otherwise the column says '-');
  dyn         tqopt quantize-dynamic-range (target=xnnpack), and its ratio to float.

Latency: LiteRT's default interpreter (XNNPACK on), 1 thread, the median of --runs invokes
after a warm-up; --rounds rounds interleave the variants and the best median counts. SQNR (dB) of each int8 model's outputs against the float model's, on the
photos of tests/shared/data/images (MediaPipe models: half the photos calibrate, the other half
evaluate) or on the zoo's calibration samples. The targets of issue 12: int8 at most 0.8x float
wherever float takes over 0.1 ms, and int8's SQNR no more than 0.3 dB under int8 ref's.

Usage: scripts/compare/bench_latency.py [--runs N] [--rounds R] [--models a,b] [--tqopt PATH]
(tqopt: $TQOPT_BIN, else target/release/tqopt, else target/debug/tqopt).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
MEDIAPIPE = ROOT / "tests" / "shared" / "models" / "mediapipe"
IMAGES = ROOT / "tests" / "shared" / "data" / "images"
ZOO = ROOT / "tests" / "models" / "zoo"
BENCH = ROOT / "target" / "bench-models"
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from zoo_common import latency_ms, match_input  # noqa: E402
SIGNED = ("face_detection", "palm_detection", "pose_detection")


def tqopt_path(given: str | None) -> Path:
    for p in (given, os.environ.get("TQOPT_BIN"), ROOT / "target/release/tqopt", ROOT / "target/debug/tqopt"):
        if p and Path(p).exists():
            return Path(p)
    sys.exit("no tqopt binary: build one (cargo build -p tqopt) or pass --tqopt")


def interpreter(path: Path):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path), num_threads=1)
    it.allocate_tensors()
    return it


def run(it, feeds: list[np.ndarray]) -> np.ndarray:
    """Every output of one invoke, dequantized and flattened into one vector."""
    for d, x in zip(it.get_input_details(), feeds):
        if d["dtype"] in (np.int8, np.uint8):
            scale, zp = d["quantization"]
            info = np.iinfo(d["dtype"])
            x = np.clip(np.round(x / scale) + zp, info.min, info.max)
        it.set_tensor(d["index"], np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]))
    it.invoke()
    outs = []
    for d in it.get_output_details():
        y = it.get_tensor(d["index"]).astype(np.float64)
        if d["dtype"] in (np.int8, np.uint8, np.int16):
            scale, zp = d["quantization"]
            y = (y - zp) * scale
        outs.append(y.ravel())
    return np.concatenate(outs)


def sqnr(ref: np.ndarray, test: np.ndarray) -> float:
    noise = float(np.sum((ref - test) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref**2)) / noise)


def output_sqnr(src: Path, out: Path, samples: list[list[np.ndarray]]) -> float:
    f, q = interpreter(src), interpreter(out)
    ref = np.concatenate([run(f, s) for s in samples])
    test = np.concatenate([run(q, s) for s in samples])
    return sqnr(ref, test)


def photo(path: Path, shape, lo: float) -> np.ndarray:
    img = Image.open(path).convert("RGB").resize((int(shape[2]), int(shape[1])), Image.BILINEAR)
    return (lo + (1.0 - lo) * np.asarray(img, dtype=np.float32) / 255.0)[None]


def tqopt(tq: Path, src: Path, out: Path, pipeline: str, calib: Path | None) -> bool:
    args = [str(tq), str(src), f"--pass={pipeline}", "-o", str(out), "--no-progress"]
    if calib is not None:
        args.append(f"--calibration-data={calib}")
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"  tqopt {pipeline} failed on {src.name}: {r.stderr.strip()[:300]}", file=sys.stderr)
    return r.returncode == 0


def _tensorflow_int8_child(src: Path, samples: list[list[np.ndarray]], out: Path) -> None:
    from tensorflow.lite.python import convert
    from tensorflow.lite.python.optimize import calibrator

    cal = calibrator.Calibrator(src.read_bytes()).calibrate(lambda: iter(samples))
    out.write_bytes(convert.mlir_quantize(cal))


def tensorflow_int8(src: Path, samples: list[list[np.ndarray]], out: Path) -> bool:
    """TensorFlow's calibrator + mlir_quantize, in a child process: the converter dies with
    SIGSEGV on some models (the zoo's GRU and LSTMs), which would end the benchmark."""
    import importlib.util
    import multiprocessing

    if importlib.util.find_spec("tensorflow") is None:
        return False
    child = multiprocessing.get_context("spawn").Process(target=_tensorflow_int8_child, args=(src, samples, out))
    child.start()
    child.join()
    if child.exitcode != 0:
        print(f"  TensorFlow int8 failed on {src.stem} (exit code {child.exitcode})", file=sys.stderr)
    return child.exitcode == 0 and out.exists()


def models(selected: set[str] | None):
    """(name, source, calibration file or builder, evaluation samples) of each model."""
    photos = sorted(p for p in IMAGES.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    for src in sorted(MEDIAPIPE.glob("*.tflite")):
        if selected and src.stem not in selected:
            continue
        shape = interpreter(src).get_input_details()[0]["shape"]
        lo = -1.0 if src.stem.startswith(SIGNED) else 0.0
        calib = [[photo(p, shape, lo)] for p in photos[::2]]
        evals = [[photo(p, shape, lo)] for p in photos[1::2]]
        yield src.stem, src, calib, evals
    # Keras classifiers built by scripts/fixtures/bench_models.py (input in [-1, 1]).
    for src in sorted(BENCH.glob("*.tflite")) if BENCH.exists() else []:
        if selected and src.stem not in selected:
            continue
        shape = interpreter(src).get_input_details()[0]["shape"]
        if len(shape) == 4:
            calib = [[photo(p, shape, -1.0)] for p in photos[::2]]
            evals = [[photo(p, shape, -1.0)] for p in photos[1::2]]
        else:  # the transformer: normal random tokens
            rng = np.random.default_rng(0)
            calib = [[rng.normal(size=shape).astype(np.float32)] for _ in range(8)]
            evals = [[rng.normal(size=shape).astype(np.float32)] for _ in range(4)]
        yield src.stem, src, calib, evals
    for src in sorted(ZOO.glob("*.tflite")) if ZOO.exists() else []:
        npz = ZOO / f"{src.stem}_calib.npz"
        if not npz.exists() or (selected and src.stem not in selected):
            continue
        with np.load(npz) as z:
            # In the model's input order (keys are signature input names).
            names = list(z.files)
            details = interpreter(src).get_input_details()
            keys = [match_input(d["name"], names, i) for i, d in enumerate(details)]
            arrays = [z[k] for k in keys]
        n = min(len(a) for a in arrays)
        samples = [[a[i] for a in arrays] for i in range(n)]
        yield src.stem, src, npz, samples[: min(n, 16)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--models", default="")
    ap.add_argument("--tqopt")
    a = ap.parse_args()
    tq = tqopt_path(a.tqopt)
    selected = set(a.models.split(",")) if a.models else None
    head = f"{'model':28s} {'float':>7s} {'int8ref':>7s} {'int8':>7s} {'tf int8':>7s} {'x float':>7s} {'SQNR ref':>8s} {'SQNR':>6s} {'dyn':>7s} {'dyn/f':>6s}"
    print(head)
    fails = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, src, calib, evals in models(selected):
            if isinstance(calib, list):
                npy = tmp / f"{name}_calib.npy"
                np.save(npy, np.concatenate([s[0] for s in calib]).astype(np.float32))
                tf_samples, calib_file = calib, npy
            else:
                tf_samples, calib_file = evals, calib
            ref, new, dyn, tfm = (tmp / f"{name}_{k}.tflite" for k in ("ref", "int8", "dyn", "tf"))
            ok_ref = tqopt(tq, src, ref, "quantize-int8{target=reference}", calib_file)
            ok_new = tqopt(tq, src, new, "quantize-int8", calib_file)
            ok_dyn = tqopt(tq, src, dyn, "quantize-dynamic-range", None)
            try:
                ok_tf = tensorflow_int8(src, tf_samples, tfm)
            except Exception as e:  # TensorFlow's converter crashes on some models
                print(f"  TensorFlow int8 failed on {name}: {e}", file=sys.stderr)
                ok_tf = False
            # Rounds interleave the variants, and each keeps its best median: the machine is
            # shared, and a burst of load then slows one round, not one variant.
            paths = {"f": src, "r": ref if ok_ref else None, "n": new if ok_new else None,
                     "t": tfm if ok_tf else None, "d": dyn if ok_dyn else None}
            best = {k: float("inf") for k, v in paths.items() if v is not None}
            for _ in range(a.rounds):
                for k in best:
                    best[k] = min(best[k], latency_ms(paths[k], a.runs))
            nan = float("nan")
            f_ms, r_ms, n_ms, d_ms = (best.get(k, nan) for k in "frnd")
            t_ms = best.get("t")
            s_ref = output_sqnr(src, ref, evals) if ok_ref else float("nan")
            s_new = output_sqnr(src, new, evals) if ok_new else float("nan")
            tf_cell = f"{t_ms:7.3f}" if t_ms is not None else f"{'-':>7s}"
            print(f"{name:28s} {f_ms:7.3f} {r_ms:7.3f} {n_ms:7.3f} {tf_cell} {n_ms / f_ms:7.2f} {s_ref:8.2f} {s_new:6.2f} {d_ms:7.3f} {d_ms / f_ms:6.2f}", flush=True)
            if f_ms > 0.1 and not n_ms <= 0.8 * f_ms:
                fails.append(f"{name}: int8 {n_ms:.3f} ms > 0.8 x float {f_ms:.3f} ms")
            if s_new < s_ref - 0.3:
                fails.append(f"{name}: SQNR {s_new:.2f} dB is {s_ref - s_new:.2f} dB under target=reference")
            if d_ms > f_ms:
                fails.append(f"{name}: dynamic range {d_ms:.3f} ms slower than float {f_ms:.3f} ms")
            if t_ms is not None and n_ms > t_ms:
                fails.append(f"{name}: int8 {n_ms:.3f} ms slower than TensorFlow's {t_ms:.3f} ms")
    print("\nmissed targets:" if fails else "\nevery target met")
    for f in fails:
        print("  " + f)


if __name__ == "__main__":
    main()
