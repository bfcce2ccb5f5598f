"""The model zoo (tests/models/zoo): models of the kinds users bring, in every mode, run in
LiteRT's default interpreter (XNNPACK on).

For each model and mode, tqopt must either write a model that LiteRT's default interpreter
loads and runs, with output SQNR against the float model no worse than TensorFlow's own
conversion minus 0.1 dB (where TensorFlow produced one that runs; figures in
tests/models/zoo/tf_reference.json, made by scripts/fixtures/zoo_models.py) and above a floor,
or — in strict mode only — refuse with one error that lists the ops, and write no file.

Modes: int8 (float I/O), int8 strict with int8 I/O, int8 strict with uint8 I/O, dynamic range,
float16, int16x8 (16-bit activations; run in LiteRT's reference kernels, no TF figure). Cases tqopt does not handle yet are listed in KNOWN_GAPS with the reason; they are
strict xfails, so a fix shows up as an unexpected pass that must remove the entry.
"""

from __future__ import annotations

import json
import pytest

from zoo_common import MODES, ZOO, cosine, litert_outputs, load_samples, run_tqopt, sqnr_db

MODELS = sorted(p.stem for p in ZOO.glob("*.tflite"))
REFERENCE = json.loads((ZOO / "tf_reference.json").read_text()) if (ZOO / "tf_reference.json").exists() else {}

# The lowest SQNR (dB) accepted where TensorFlow has no working model to compare with.
FLOOR_DB = {"int8": 15.0, "int8_strict": 15.0, "uint8_strict": 15.0, "dynamic": 25.0, "float16": 40.0,
            "int16x8": 30.0}

# (model, mode) -> why it does not pass yet. Strict xfail: remove an entry once it passes.
CONV1D_AUDIO = ("38.43 dB against TensorFlow's 39.38 on the 8 held-out samples: the default method=auto "
                "takes percentile ranges for 7 tensors, 1.15 dB better than minmax on the 16 calibration "
                "samples (43.68 against 42.53) and 0.95 dB worse on the held-out ones; method=minmax "
                "gives 39.38, TensorFlow's figure (measured 2026-12-07)")
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("edge_cnn", "int8"): "34.74 dB against TensorFlow's 34.97 on the 8 held-out samples: tqopt keeps the "
    "2x2 average pool float for speed (XNNPACK has no int8 average pool), so the pool's result takes "
    "its own calibrated range instead of its input's; that range is 1.33 dB better on the 16 "
    "calibration samples (37.21 against 35.88 with target=reference, which matches TensorFlow's "
    "34.97 held out) and 0.23 dB worse on the held-out ones",
    ("conv1d_audio", "int8"): CONV1D_AUDIO,
    ("conv1d_audio", "int8_strict"): CONV1D_AUDIO,
    ("cond", "int8_strict"): "33.49 dB against TensorFlow's strict model's 33.89 (its default int8 "
    "model has 32.85, ours 33.49 in both modes): 0.4 dB short of the 0.1 dB bound on 8 samples",
}


def comparable_with_tf(model: str, mode: str, tf: dict) -> bool:
    """Whether TensorFlow's figure is a fair bound: its model runs in LiteRT's default
    interpreter, has the same I/O types (its strict model has int8 I/O), and — for dynamic range
    and float16, where TensorFlow leaves weights under 1024 elements float — it actually holds
    reduced-precision weights (it is at most 80% of the float model's size)."""
    if not tf.get("runs_default") or mode == "uint8_strict":
        return False
    if mode in ("dynamic", "float16"):
        return tf["bytes"] <= 0.8 * REFERENCE[model]["float_bytes"]
    return True


def cases():
    for model in MODELS:
        for mode in MODES:
            marks = []
            if (model, mode) in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[(model, mode)], strict=True))
            yield pytest.param(model, mode, id=f"{model}-{mode}", marks=marks)


@pytest.mark.skipif(not MODELS, reason="no zoo models in tests/models/zoo")
@pytest.mark.parametrize("model,mode", list(cases()))
def test_zoo(model: str, mode: str, tqopt_bin, out_dir):
    out, report = out_dir / f"{model}_{mode}.tflite", out_dir / "report.json"
    r = run_tqopt(tqopt_bin, model, mode, out, report)
    assert "panicked" not in r.stderr, r.stderr
    if r.returncode != 0:
        # Only strict mode may refuse a model, with the list of ops, and no file written.
        assert mode.endswith("_strict"), f"tqopt failed in {mode}:\n{r.stderr}"
        assert "cannot be quantized" in r.stderr, r.stderr
        assert not out.exists(), "a refused model must leave no output file"
        return
    evals = load_samples(ZOO / f"{model}_eval.npz")
    ref = litert_outputs(ZOO / f"{model}.tflite", evals)
    got = litert_outputs(out, evals)  # raises when LiteRT's default interpreter refuses it
    sqnr = sqnr_db(ref, got)
    tf = REFERENCE.get(model, {}).get(MODES[mode][1], {})
    bound = FLOOR_DB[mode]
    if comparable_with_tf(model, mode, tf):
        bound = tf["sqnr_db"] - 0.1
    print(f"{model} {mode}: SQNR {sqnr:.2f} dB, cosine {cosine(ref, got):.5f}, "
          f"{out.stat().st_size} B (TF: {tf.get('sqnr_db', '-')} dB)")
    assert sqnr >= bound, f"{model} {mode}: SQNR {sqnr:.2f} dB < {bound:.2f} dB (TF: {tf})"
    if mode != "float16":
        summary = json.loads(report.read_text())
        assert summary["size_after"] == out.stat().st_size
