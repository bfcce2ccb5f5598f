"""quantize-int8's channel equalization (``equalize=auto``), in LiteRT.

``equalize-channels`` divides the channels of the tensor between two weighted ops (in
MediaPipe's detectors, a depthwise convolution and the 1x1 convolution after it) by factors
the next op's weights take back, so that one channel a hundred times wider than the rest no
longer leaves them a level or two of the tensor's one int8 scale.

- In float the rescaled model computes what the original computes (the factors are powers of
  two): LiteRT's outputs agree to a few ulps, and the rescaled tensors carry the suffix ``/equalized`` (they no longer hold
  the float model's values, so ``tqopt eval --per-layer`` does not compare them).
- face_detection_short_range's last depthwise output has a channel to 243 where the median
  channel ends at 2.3: int8 scores about 15 dB on the calibration photos and 15 on the held-out
  ones without equalization, about 20 and 21 with it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import MODELS_DIR, input_range, photo_split, quantize_on_arrays
from zoo_common import litert_outputs, sqnr_db

CALIBRATION_PHOTOS = 8


@pytest.mark.parametrize("name", ["face_detection_short_range", "palm_detection"])
def test_the_rescaled_float_model_computes_what_the_original_does(name, tqopt_bin, images, tmp_path: Path):
    from ai_edge_litert.interpreter import Interpreter

    model = MODELS_DIR / f"{name}.tflite"
    samples = photo_split(model, images, CALIBRATION_PHOTOS)
    calib = tmp_path / "calibration.npy"
    np.save(calib, next(iter(samples["calibration"].values())))
    lo, hi = input_range(model)
    out = tmp_path / "equalized.tflite"
    r = subprocess.run(
        [str(tqopt_bin), str(model),
         f"--pass=equalize-channels{{data={calib} input-range={lo},{hi} mode=always}}",
         "--mlir-pass-statistics", "-o", str(out)],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "num-pairs-equalized" in r.stderr, r.stderr
    names = [t["name"] for t in Interpreter(model_path=str(out)).get_tensor_details()]
    assert sum(n.endswith("/equalized") for n in names) >= 5, names
    # The factors are powers of two: every product and sum scales exactly. LiteRT's outputs are
    # bit for bit the original's on palm_detection, within a few ulps on
    # face_detection_short_range (XNNPACK's kernels sum in their own order).
    for k, s in samples.items():
        ref, got = litert_outputs(model, s), litert_outputs(out, s)
        assert len(ref) == len(got)
        for sample, (r, g) in enumerate(zip(ref, got)):
            assert len(r) == len(g)
            for output, (a, b) in enumerate(zip(r, g)):
                error = float(np.max(np.abs(a - b)))
                assert error <= 1e-5 * float(np.max(np.abs(a))), (k, sample, output, error)


def test_equalization_gains_on_a_detector(tqopt_bin, images, tmp_path: Path):
    model = MODELS_DIR / "face_detection_short_range.tflite"
    samples = photo_split(model, images, CALIBRATION_PHOTOS)
    calib = tmp_path / "calibration.npy"
    np.save(calib, next(iter(samples["calibration"].values())))
    scores = {}
    for mode in ("never", "auto"):
        out = tmp_path / f"{mode}.tflite"
        # method=minmax: the gain measured is equalization's alone, not method=auto's ranges.
        note = quantize_on_arrays(tqopt_bin, model, f"quantize-int8{{equalize={mode} method=minmax}}", calib, out)
        if mode == "auto":
            assert "equalize-channels: channels rescaled between" in note, note
        scores[mode] = {
            k: sqnr_db(litert_outputs(model, s), litert_outputs(out, s)) for k, s in samples.items()
        }
    for k in samples:
        assert scores["auto"][k] >= scores["never"][k] + 3.0, (k, scores)
