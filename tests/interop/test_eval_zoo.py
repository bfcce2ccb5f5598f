"""``tqopt eval`` against LiteRT on the zoo (tests/models/zoo): recurrent models (a fused LSTM,
an LSTM and a GRU in while loops), a BERT encoder with integer inputs, control flow, several
inputs, outputs or signatures, a dynamic batch, a U-Net with a transposed convolution.

Each model is quantized with ``--pass=quantize-int8``, in strict int8 with int8 I/O (every op
in an integer kernel, where the model allows it) and with ``--pass=quantize-int16x8`` on its
calibration samples, and with ``--pass=quantize-dynamic-range`` (whose hybrid ops quantize
their inputs on the fly); ``tqopt eval --per-layer`` must then run on its evaluation samples,
find matched layers, and give the model SQNR that LiteRT's default interpreter (XNNPACK on)
gives for the same two files, within 0.1 dB (issue 11). This caught, each measured against LiteRT 2026-12-06: a fused LSTM whose
state started at the importer's placeholder instead of zero (2.8 dB apart), an int8 SUM tie
rounded the other way (BERT's attention-mask count; 2.3 dB on the calibration samples), and
an absent bias named like its transposed convolution, which made the per-layer run fail, and
hybrid ops computed in float (5.1 dB optimistic on the U-Net's dynamic-range model).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from zoo_common import ZOO, litert_outputs, load_samples, sqnr_db

MODELS = sorted(p.stem for p in ZOO.glob("*.tflite"))
TOLERANCE_DB = 0.1

# (model, pipeline) -> why tqopt's figure is not yet within the tolerance. Strict xfails.
# gru_bidir in int8 and strict was one (0.17 dB) until int8 to int8 QUANTIZE ops ran XNNPACK's
# 8-bit fixed point (interp/src/quantized_elementwise.rs, 2026-12-06).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


PIPELINES = ["quantize-int8", "quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}", "quantize-int16x8",
             "quantize-dynamic-range"]


def cases():
    for m in MODELS:
        for p in PIPELINES:
            gap = KNOWN_GAPS.get((m, p))
            marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
            short = {"quantize-int8": "int8", "quantize-int16x8": "int16x8",
                     "quantize-dynamic-range": "dynamic"}.get(p, "int8_strict")
            yield pytest.param(m, p, marks=marks, id=f"{m}-{short}")


@pytest.mark.parametrize("model,pipeline", list(cases()))
def test_eval_agrees_with_litert_on_zoo_models(model: str, pipeline: str, tqopt_bin, out_dir):
    float_model = ZOO / f"{model}.tflite"
    quantized = out_dir / f"{model}_quantized.tflite"
    calibration = [] if pipeline == "quantize-dynamic-range" else [f"--calibration-data={ZOO / f'{model}_calib.npz'}"]
    r = subprocess.run(
        [str(tqopt_bin), str(float_model), f"--pass={pipeline}", *calibration, "-o", str(quantized), "--no-progress"],
        capture_output=True, text=True,
    )
    if r.returncode != 0 and "TFLITE_BUILTINS_INT8" in pipeline and "cannot be quantized" in r.stderr:
        pytest.skip("the model has ops without an int8 kernel")
    assert r.returncode == 0, r.stderr
    data = ZOO / f"{model}_eval.npz"
    report = out_dir / "eval.json"
    r = subprocess.run(
        [str(tqopt_bin), "eval", str(quantized), "--reference", str(float_model), "--data", str(data),
         "--per-layer", "--report", str(report)],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(report.read_text())
    if pipeline != "quantize-dynamic-range":  # a dynamic-range model has no quantized tensors
        assert result["layers"], "no quantized tensor was matched to the float model"
    samples = load_samples(data)
    litert = sqnr_db(litert_outputs(float_model, samples), litert_outputs(quantized, samples))
    assert abs(result["sqnr_db"] - litert) <= TOLERANCE_DB, f"tqopt {result['sqnr_db']:.3f} dB, LiteRT {litert:.3f} dB"
