#!/usr/bin/env python3
"""quantize-int8{target-sqnr=DB} on every shared MediaPipe model, measured in LiteRT.

Per model (tests/shared/models/mediapipe), calibrated on the first 8 photos of
tests/shared/data/images (the search measures on the same photos), in one run. tqopt is given
the photos as the arrays LiteRT is fed (resized with PIL's bilinear filter and scaled, as
tests/interop does, saved to a .npy), so that the search measures exactly what LiteRT runs;
--images gives tqopt the photo folder instead (its own decoder and resize, whose pixels differ
from PIL's by rounding; on hand_landmark that alone moves the output SQNR by several dB).

  int8 dB     plain quantize-int8, output SQNR on the calibration photos in LiteRT
  target dB   quantize-int8{target-sqnr=DB}, the same (issue 11: >= DB on every model)
  held dB     the target model on the other (held-out) photos
  tqopt dB    the SQNR the search reports for its model (tqopt's interpreter, calibration photos)
  kept        ops the search kept in higher precision (float + int16) of the ops it could
              quantize, and how many of them are int16 (issue 11: median share <= 25%)
  size        the target model's file size, and the plain int8 model's
  latency     LiteRT's default interpreter (XNNPACK on), 1 thread, median ms: float, plain
              int8, target model
  search s    the search's own time, from the report

SQNR: the mean over samples and outputs of 10 log10(sum ref^2 / sum (ref - q)^2), the
definition of `tqopt eval` (tests/interop/zoo_common.py:sqnr_db).

Usage (a Python with ai-edge-litert, numpy, pillow, e.g. /work/main/target/venv/bin/python):
  scripts/compare/target_sqnr.py [--tqopt target/release/tqopt] [--target 30] [--models a,b]
                                 [--runs 30] [--extra 'method=...'] [--images] [--model-dir DIR]

--model-dir takes the .tflite image models of another folder (say the ones MediaPipe's PyPI
wheel carries under mediapipe/modules/); the detectors (names starting as
tests/interop/conftest.py's SIGNED_INPUT_MODELS) get pixels in [-1, 1], the rest [0, 1].
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
MEDIAPIPE = ROOT / "tests" / "shared" / "models" / "mediapipe"
IMAGES = ROOT / "tests" / "shared" / "data" / "images"
CALIBRATION_PHOTOS = 8
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from conftest import input_range, prepare_input  # noqa: E402
from zoo_common import latency_ms, litert_outputs, sqnr_db  # noqa: E402


def photos() -> list[Path]:
    return sorted(p for p in IMAGES.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))


def samples(model: Path, paths: list[Path]) -> dict[str, np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter

    (d,) = Interpreter(model_path=str(model)).get_input_details()
    rng = input_range(model)
    xs = [prepare_input(Image.open(p).convert("RGB"), d, rng) for p in paths]
    return {d["name"]: np.stack(xs)}


def tqopt(binary: Path, model: Path, pipeline: str, calib: Path, out: Path, report: Path | None) -> float:
    lo, hi = input_range(model)
    cmd = [str(binary), str(model), f"--pass={pipeline}", f"--calibration-data={calib}",
           f"--input-range={lo},{hi}", "--no-progress", "-o", str(out)]
    if report:
        cmd.append(f"--report={report}")
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{model.stem}: tqopt {pipeline} failed:\n{r.stderr}")
    return time.perf_counter() - t0


def int16_ops(path: Path) -> int:
    """Ops of the model whose first output is int16 (the ops the search put in int16)."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path))
    details = {d["index"]: d for d in it.get_tensor_details()}
    return sum(
        1 for op in it._get_ops_details()
        if op["outputs"].size and np.dtype(details[int(op["outputs"][0])]["dtype"]) == np.int16
        and op["op_name"] not in ("QUANTIZE", "DEQUANTIZE")
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tqopt", default=os.environ.get("TQOPT_BIN", str(ROOT / "target" / "release" / "tqopt")))
    ap.add_argument("--target", type=float, default=30.0)
    ap.add_argument("--models", default="")
    ap.add_argument("--runs", type=int, default=30, help="invokes per latency measurement")
    ap.add_argument("--extra", default="", help="more quantize-int8 options for the target model")
    ap.add_argument("--images", action="store_true", help="give tqopt the photo folder, not the arrays")
    ap.add_argument("--model-dir", default=str(MEDIAPIPE), help="the folder of .tflite models")
    args = ap.parse_args()
    binary = Path(args.tqopt)
    if not binary.exists():
        sys.exit(f"no tqopt at {binary}: cargo build --release -p tqopt, or pass --tqopt")
    models = sorted(Path(args.model_dir).glob("*.tflite"))
    if args.models:
        wanted = set(args.models.split(","))
        models = [m for m in models if m.stem in wanted]
    ph = photos()
    calib_photos, held_photos = ph[:CALIBRATION_PHOTOS], ph[CALIBRATION_PHOTOS:]
    opts = f"target-sqnr={args.target:g}" + (f" {args.extra}" if args.extra else "")
    print(f"quantize-int8{{{opts}}}; tqopt {binary}; calibration: {len(calib_photos)} photos "
          f"({'folder' if args.images else 'arrays as LiteRT is fed'}), "
          f"held out: {len(held_photos)}; latency: median of {args.runs} invokes, 1 thread")
    head = (f"{'model':28} {'int8 dB':>7} {'target dB':>9} {'held dB':>7} {'tqopt dB':>8} "
            f"{'kept':>11} {'int16':>5} {'size KB':>8} {'int8 KB':>7} "
            f"{'lat float':>9} {'lat int8':>8} {'lat res':>7} {'search s':>8}")
    print(head)
    shares, misses = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        calib = tmp / "calibration"
        calib.mkdir()
        for p in calib_photos:
            (calib / p.name).symlink_to(p)
        for model in models:
            plain, target, report = tmp / "int8.tflite", tmp / "target.tflite", tmp / "report.json"
            cal, held = samples(model, calib_photos), samples(model, held_photos)
            data = calib
            if not args.images:
                data = tmp / "calibration.npy"
                np.save(data, next(iter(cal.values())))
            tqopt(binary, model, "quantize-int8", data, plain, None)
            tqopt(binary, model, f"quantize-int8{{{opts}}}", data, target, report)
            summary = json.loads(report.read_text())
            prec = summary.get("precision") or {}
            ref_cal, ref_held = litert_outputs(model, cal), litert_outputs(model, held)
            int8_db = sqnr_db(ref_cal, litert_outputs(plain, cal))
            target_db = sqnr_db(ref_cal, litert_outputs(target, cal))
            held_db = sqnr_db(ref_held, litert_outputs(target, held))
            # Ops in higher precision: float, and int16 with higher-precision=int16.
            kept = int(prec.get("float_ops", 0)) + int(prec.get("int16_ops", 0))
            total = int(prec.get("candidate_ops", 0))
            shares.append(kept / total if total else 0.0)
            if target_db < args.target:
                misses.append(model.stem)
            lat = [latency_ms(p, args.runs) for p in (model, plain, target)]
            print(f"{model.stem:28} {int8_db:7.2f} {target_db:9.2f} {held_db:7.2f} "
                  f"{prec.get('reached_sqnr', float('nan')):8.2f} {f'{kept}/{total}':>11} "
                  f"{int16_ops(target):5d} {target.stat().st_size / 1024:8.0f} "
                  f"{plain.stat().st_size / 1024:7.0f} {lat[0]:9.2f} {lat[1]:8.2f} {lat[2]:7.2f} "
                  f"{prec.get('seconds', float('nan')):8.2f}", flush=True)
    median = statistics.median(shares) if shares else 0.0
    print(f"median share of ops kept in higher precision: {100 * median:.1f}%; "
          f"below {args.target:g} dB in LiteRT: {', '.join(misses) or 'none'}")


if __name__ == "__main__":
    main()
