#!/usr/bin/env python3
"""quantize-int8's default calibration (method=auto) against TensorFlow's minmax, in LiteRT.

Per model (tests/shared/models/mediapipe, or --model-dir), calibrated on the first 8 photos of
tests/shared/data/images as the arrays LiteRT is fed (as scripts/compare/target_sqnr.py does),
quantized twice in one run: `quantize-int8{method=minmax}` and plain `quantize-int8` (whose
default is method=auto). Both models run in LiteRT's default interpreter (XNNPACK on).

  cal dB / held dB   output SQNR on the calibration photos / on the other photos
  time s             the whole tqopt command (import, calibration, search, export); the
                     machine is shared, so compare the ratio within one run

SQNR: the mean over samples and outputs of 10 log10(sum ref^2 / sum (ref - q)^2), the
definition of `tqopt eval` (tests/interop/zoo_common.py:sqnr_db).

Usage (a Python with ai-edge-litert, numpy, pillow, e.g. target/venv/bin/python):
  scripts/compare/calibration_method.py [--tqopt target/release/tqopt] [--models a,b]
                                        [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from target_sqnr import CALIBRATION_PHOTOS, MEDIAPIPE, ROOT, photos, samples, tqopt  # noqa: E402
from zoo_common import litert_outputs, sqnr_db  # noqa: E402

PIPELINES = {"minmax": "quantize-int8{method=minmax}", "auto": "quantize-int8"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tqopt", default=os.environ.get("TQOPT_BIN", str(ROOT / "target" / "release" / "tqopt")))
    ap.add_argument("--models", default="")
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
    print(f"tqopt {binary}; calibration: {len(calib_photos)} photos, held out: {len(held_photos)}; "
          "LiteRT default interpreter")
    print(f"{'model':28} {'minmax cal':>10} {'held':>6} {'time s':>6} {'auto cal':>8} {'held':>6} "
          f"{'time s':>6} {'held gain':>9} {'time x':>6}")
    gains, ratios = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for model in models:
            cal, held = samples(model, calib_photos), samples(model, held_photos)
            data = tmp / "calibration.npy"
            np.save(data, next(iter(cal.values())))
            ref_cal, ref_held = litert_outputs(model, cal), litert_outputs(model, held)
            row = {}
            for name, pipeline in PIPELINES.items():
                out = tmp / f"{name}.tflite"
                seconds = tqopt(binary, model, pipeline, data, out, None)
                row[name] = (sqnr_db(ref_cal, litert_outputs(out, cal)),
                             sqnr_db(ref_held, litert_outputs(out, held)), seconds)
            (mc, mh, mt), (ac, ah, at) = row["minmax"], row["auto"]
            gains.append(ah - mh)
            ratios.append(at / mt)
            print(f"{model.stem:28} {mc:10.2f} {mh:6.2f} {mt:6.2f} {ac:8.2f} {ah:6.2f} {at:6.2f} "
                  f"{ah - mh:+9.2f} {at / mt:6.1f}")
    if gains:
        print(f"held-out gain of auto over minmax: median {statistics.median(gains):+.2f} dB, "
              f"better on {sum(g > 0 for g in gains)} of {len(gains)}, worse by more than 0.1 dB on "
              f"{sum(g < -0.1 for g in gains)}; time: median {statistics.median(ratios):.1f}x minmax's")


if __name__ == "__main__":
    main()
