"""``quantize-int8{target-sqnr=30}`` on every zoo model (tests/models/zoo: recurrent models, a
BERT encoder with integer inputs, control flow, several inputs, outputs or signatures, a dynamic
batch, a U-Net, ...), run in LiteRT's default interpreter (XNNPACK on).

The search measures on the calibration samples with tqopt's interpreter, which computes as
LiteRT does; so LiteRT's own outputs on those samples must reach the target too, within the
0.1 dB by which ``tqopt eval`` may differ from LiteRT (issue 11). A model with several
signatures is searched signature by signature (each must reach the target; LiteRT runs each
through its signature runner), which the search used to refuse ("needs one entry function").
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from zoo_common import ZOO, litert_outputs, load_samples, sqnr_db

MODELS = sorted(p.stem for p in ZOO.glob("*.tflite"))
TARGETS_DB = [30.0, 40.0]
TOLERANCE_DB = 0.1
# (model, target) -> why LiteRT does not yet reach what tqopt measured. Strict xfails.
# lstm_while at 40 dB was one (tqopt 40.00, LiteRT 39.21) until int8 to int8 QUANTIZE ops ran
# XNNPACK's 8-bit fixed point (interp/src/quantized_elementwise.rs, 2026-12-06).
KNOWN_GAPS: dict[tuple[str, float], str] = {}


def cases():
    for model in MODELS:
        for target in TARGETS_DB:
            marks = []
            if (model, target) in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[(model, target)], strict=True))
            yield pytest.param(model, target, "float", marks=marks, id=f"{model}-{target:g}")
        # higher-precision=int16: the kept ops that can move to int16 activations do; LiteRT
        # must still reach the target (its int16 kernels are not XNNPACK's).
        yield pytest.param(model, 40.0, "int16", id=f"{model}-40-int16")


def signature_sqnr(float_model, quantized, samples: dict[str, np.ndarray]) -> dict[str, float]:
    """Per signature, the SQNR of ``quantized`` against ``float_model`` in LiteRT's default
    interpreter, over the samples (inputs matched by name)."""
    from ai_edge_litert.interpreter import Interpreter

    figures = {}
    runners = [(Interpreter(model_path=str(m)), m) for m in (float_model, quantized)]
    for key in runners[0][0].get_signature_list():
        outs = []
        for it, _ in runners:
            runner = it.get_signature_runner(key)
            per_sample = []
            n = next(iter(samples.values())).shape[0]
            for i in range(n):
                feeds = {name: samples[name][i][None] for name in runner.get_input_details()}
                result = runner(**feeds)
                per_sample.append([result[k].astype(np.float32) for k in sorted(result)])
            outs.append(per_sample)
        figures[key] = sqnr_db(outs[0], outs[1])
    return figures


@pytest.mark.parametrize("model,target,higher", list(cases()))
def test_target_sqnr_is_reached_in_litert(model: str, target: float, higher: str, tqopt_bin,
                                          out_dir):
    float_model = ZOO / f"{model}.tflite"
    calibration = ZOO / f"{model}_calib.npz"
    quantized = out_dir / f"{model}_t{target:g}_{higher}.tflite"
    report = out_dir / "report.json"
    options = f"target-sqnr={target:g} higher-precision={higher}"
    r = subprocess.run(
        [str(tqopt_bin), str(float_model), f"--pass=quantize-int8{{{options}}}",
         f"--calibration-data={calibration}", "-o", str(quantized), "--no-progress",
         f"--report={report}"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads(report.read_text())["precision"]
    assert summary["reached_sqnr"] >= target, summary
    samples = load_samples(calibration)
    if model == "multi_sig":
        per_signature = signature_sqnr(float_model, quantized, samples)
        print(f"{model}: LiteRT per signature {per_signature}; tqopt {summary['signatures']}")
        assert len(per_signature) == 2
        for key, db in per_signature.items():
            assert key in summary["signatures"]
            assert db >= target - TOLERANCE_DB, f"signature {key}: {db:.2f} dB in LiteRT"
        return
    litert = sqnr_db(litert_outputs(float_model, samples), litert_outputs(quantized, samples))
    print(f"{model}: LiteRT {litert:.2f} dB, tqopt {summary['reached_sqnr']:.2f} dB, "
          f"{summary['float_ops']} of {summary['candidate_ops']} ops kept float, "
          f"{summary['int16_ops']} in int16")
    assert litert >= target - TOLERANCE_DB, f"{litert:.2f} dB in LiteRT"
