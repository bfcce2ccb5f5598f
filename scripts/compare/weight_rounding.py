#!/usr/bin/env python3
"""weight-rounding=nearest, output and auto on every shared MediaPipe model, in LiteRT.

Per model (tests/shared/models/mediapipe) and pipeline, tqopt quantizes with each rounding,
calibrated on the first 8 photos of tests/shared/data/images given as the arrays LiteRT is fed
(a .npy, as scripts/compare/target_sqnr.py does), and prints the output SQNR in LiteRT on those
photos / on the other (held-out) photos, and tqopt's own time. SQNR: the mean over samples and
outputs of 10 log10(sum ref^2 / sum (ref - q)^2), as `tqopt eval` defines it.

Usage (a Python with ai-edge-litert, numpy, pillow, e.g. target/venv/bin/python):
  scripts/compare/weight_rounding.py [--tqopt target/release/tqopt] [--pipeline quantize-int16x8]
                                     [--models a,b] [--extra 'target=reference']
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from target_sqnr import CALIBRATION_PHOTOS, MEDIAPIPE, ROOT, litert_outputs, photos, samples, sqnr_db, tqopt  # noqa: E402

MODES = ("nearest", "output", "auto")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tqopt", default=os.environ.get("TQOPT_BIN", str(ROOT / "target" / "release" / "tqopt")))
    ap.add_argument("--pipeline", default="quantize-int8")
    ap.add_argument("--models", default="")
    ap.add_argument("--extra", default="", help="more options for the pipeline")
    args = ap.parse_args()
    binary = Path(args.tqopt)
    models = sorted(MEDIAPIPE.glob("*.tflite"))
    if args.models:
        models = [m for m in models if m.stem in set(args.models.split(","))]
    ph = photos()
    calib_photos, held_photos = ph[:CALIBRATION_PHOTOS], ph[CALIBRATION_PHOTOS:]
    print(f"{args.pipeline}{{weight-rounding=...{' ' + args.extra if args.extra else ''}}}: "
          f"LiteRT SQNR dB on {len(calib_photos)} calibration / {len(held_photos)} held-out photos (tqopt's time)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for model in models:
            cal, held = samples(model, calib_photos), samples(model, held_photos)
            data = tmp / "calibration.npy"
            np.save(data, next(iter(cal.values())))
            ref_cal, ref_held = litert_outputs(model, cal), litert_outputs(model, held)
            cells = []
            for mode in MODES:
                out = tmp / "q.tflite"
                opts = f"weight-rounding={mode}" + (f" {args.extra}" if args.extra else "")
                seconds = tqopt(binary, model, f"{args.pipeline}{{{opts}}}", data, out, None)
                cells.append(f"{mode}: {sqnr_db(ref_cal, litert_outputs(out, cal)):6.2f}/"
                             f"{sqnr_db(ref_held, litert_outputs(out, held)):6.2f} ({seconds:4.1f}s)")
            print(f"{model.stem:28s}", "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
