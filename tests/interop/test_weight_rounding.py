"""quantize-int16x8's default weight rounding (``weight-rounding=auto``: for each op's output,
kept when the whole model scores higher with it on the calibration data) against rounding
each weight to nearest (``weight-rounding=nearest``, TensorFlow's), in LiteRT, on the
calibration photos and on held-out ones (mean over samples of the SQNR, as `tqopt eval`).

hand_landmark's first depthwise kernels sum to almost zero from taps in the hundreds: rounded
to nearest, the sum moves by several steps, and with int16 activations (where the weights are
what is left of the error) its 16x8 model scores about 13 dB on the calibration photos and
10 dB on the held-out ones. Rounded for the output (each bias absorbing its op's mean error) it
scores about 30 and 25 dB.
face_detection_short_range gains about 7 dB on the calibration photos and 6 on the held-out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import MODELS_DIR, photo_split, quantize_on_arrays
from zoo_common import litert_outputs, sqnr_db

CALIBRATION_PHOTOS = 8


@pytest.mark.parametrize("name, gain_db, floor_db", [("hand_landmark", 10.0, 24.0), ("face_detection_short_range", 3.0, 29.0)])
def test_rounding_for_the_output_beats_nearest(name: str, gain_db: float, floor_db: float, tqopt_bin, images, tmp_path: Path):
    model = MODELS_DIR / f"{name}.tflite"
    samples = photo_split(model, images, CALIBRATION_PHOTOS)
    calib = tmp_path / "calibration.npy"
    np.save(calib, next(iter(samples["calibration"].values())))
    scores = {}
    for mode, pipeline in (("nearest", "quantize-int16x8{weight-rounding=nearest}"), ("auto", "quantize-int16x8")):
        out = tmp_path / f"{mode}.tflite"
        quantize_on_arrays(tqopt_bin, model, pipeline, calib, out)
        scores[mode] = {
            k: sqnr_db(litert_outputs(model, s), litert_outputs(out, s)) for k, s in samples.items()
        }
    for k in samples:
        assert scores["auto"][k] >= scores["nearest"][k] + gain_db, (k, scores)
    assert min(scores["auto"].values()) > floor_db, scores
