"""Running the zoo models of tests/models/zoo in LiteRT and scoring them against the float
model. Shared by the interop tests (test_zoo.py) and by the script that builds the zoo with
TensorFlow (scripts/fixtures/zoo_models.py), so that both compute the same figures.

Samples are dicts of arrays keyed by input name, with a leading sample axis; the model's own
batch axis of 1 may be folded into it (the layout of the committed ``*_calib.npz`` files).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np

ZOO = Path(__file__).resolve().parents[2] / "tests" / "models" / "zoo"

# tqopt's modes: the pipeline argument, and the key of TensorFlow's figures in
# tf_reference.json for the same conversion.
MODES = {
    "int8": ("--pass=quantize-int8", "int8"),
    "int8_strict": ("--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}", "int8_strict"),
    "uint8_strict": ("--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=uint8}", "int8_strict"),
    "dynamic": ("--pass=quantize-dynamic-range", "dynamic"),
    "float16": ("--pass=quantize-float16", "float16"),
    # TensorFlow's 16x8 figures are not recorded (its converter crashes on several zoo models).
    "int16x8": ("--pass=quantize-int16x8", "int16x8"),
}


def load_samples(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def run_tqopt(tqopt_bin: Path, model: str, mode: str, out: Path, report: Path) -> subprocess.CompletedProcess:
    """Quantizes zoo model MODEL in MODE with the tqopt CLI (int8 modes calibrate on
    MODEL_calib.npz), writing OUT and the JSON report."""
    args = [str(tqopt_bin), str(ZOO / f"{model}.tflite"), MODES[mode][0], "-o", str(out),
            f"--report={report}", "--no-progress"]
    if "int8" in mode or mode == "int16x8":
        args.append(f"--calibration-data={ZOO / f'{model}_calib.npz'}")
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def match_input(tensor_name: str, names: list[str], position: int) -> str:
    """The sample key of an input tensor: its name, the name TensorFlow wrapped
    (``serving_default_NAME:0``), or else the key at the same position."""
    if tensor_name in names:
        return tensor_name
    for n in names:
        if tensor_name.startswith(f"serving_default_{n}:") or tensor_name.split(":")[0].endswith(n):
            return n
    return names[position]


def _fit(x: np.ndarray, shape) -> np.ndarray:
    """One sample shaped as the input wants it (the batch axis of 1 added when folded)."""
    shape = [int(d) for d in shape]
    if x.ndim == len(shape) - 1:
        x = x[None, ...]
    return x


def litert_outputs(model, samples: dict[str, np.ndarray]) -> list[list[np.ndarray]]:
    """Runs every sample in LiteRT's default interpreter (XNNPACK on) and returns, per sample,
    the outputs in output order, dequantized to float when they are int8/uint8/int16. Float
    sample values are quantized with the input's parameters when the input is integer and
    quantized, as ``tqopt eval`` does (the TFLite spec's ``round(x / scale) + zero_point``,
    ties to even); integer samples are fed as they are."""
    from ai_edge_litert.interpreter import Interpreter

    kw = {"model_content": bytes(model)} if isinstance(model, (bytes, bytearray)) else {"model_path": str(model)}
    it = Interpreter(**kw)
    it.allocate_tensors()
    names = list(samples)
    n = next(iter(samples.values())).shape[0]
    results = []
    for i in range(n):
        for j, d in enumerate(it.get_input_details()):
            key = match_input(d["name"], names, j)
            x = _fit(samples[key][i], d["shape_signature"])
            if list(d["shape"]) != list(x.shape):
                it.resize_tensor_input(d["index"], x.shape)
                it.allocate_tensors()
        for j, d in enumerate(it.get_input_details()):
            key = match_input(d["name"], names, j)
            x = _fit(samples[key][i], d["shape_signature"])
            dtype = np.dtype(d["dtype"])
            if dtype in (np.int8, np.uint8, np.int16) and x.dtype == np.float32:
                scale, zp = d["quantization"]
                info = np.iinfo(dtype)
                x = np.clip(np.round(x / scale) + zp, info.min, info.max)
            it.set_tensor(d["index"], np.ascontiguousarray(x.astype(dtype)))
        # Each sample on its own: LiteRT keeps a stateful op's variables (an LSTM's state)
        # from one invoke to the next, while calibration and `tqopt eval` start every sample
        # from the initial state.
        it.reset_all_variables()
        it.invoke()
        outs = []
        for d in it.get_output_details():
            y = it.get_tensor(d["index"]).astype(np.float32)
            if np.dtype(d["dtype"]) in (np.int8, np.uint8, np.int16):
                scale, zp = d["quantization"]
                y = (y - zp) * scale
            outs.append(y)
        results.append(outs)
    return results


SQNR_CAP = 99.0


def capped_sqnr(reference: np.ndarray, test: np.ndarray) -> float:
    """10 log10(sum ref^2 / sum (ref - test)^2) of one output of one sample, within +-99 dB as
    ``tqopt eval`` computes it (passes/src/accuracy/metrics.rs): an exact match is 99, and a
    reference of zeros with any error -99 (a detector's score can be exactly 0 in float)."""
    reference = reference.astype(np.float64).ravel()
    test = test.astype(np.float64).ravel()
    noise = float(np.sum((reference - test) ** 2))
    signal = float(np.sum(reference**2))
    if noise == 0:
        return SQNR_CAP
    if signal == 0:
        return -SQNR_CAP
    return float(np.clip(10 * np.log10(signal / noise), -SQNR_CAP, SQNR_CAP))


def sqnr_db(ref: list[list[np.ndarray]], got: list[list[np.ndarray]]) -> float:
    """Mean over samples and outputs of ``capped_sqnr``."""
    vals = [capped_sqnr(r, g) for r_outs, g_outs in zip(ref, got) for r, g in zip(r_outs, g_outs)]
    return float(np.mean(vals))


def cosine(ref: list[list[np.ndarray]], got: list[list[np.ndarray]]) -> float:
    """Mean over samples of the cosine between all outputs (flattened and joined)."""
    vals = []
    for r_outs, g_outs in zip(ref, got):
        r = np.concatenate([x.ravel() for x in r_outs]).astype(np.float64)
        g = np.concatenate([x.ravel() for x in g_outs]).astype(np.float64)
        vals.append(float(r @ g / max(np.linalg.norm(r) * np.linalg.norm(g), 1e-30)))
    return float(np.mean(vals))


def latency_ms(path: Path, runs: int, warmup: int = 3) -> float:
    """Median invoke time (ms) of the model at PATH in LiteRT's default interpreter (XNNPACK
    on), one thread, on fixed pseudo-random inputs, after WARMUP invokes. The one latency
    measurement of the benchmarks and probes."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path), num_threads=1)
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        x = rng.uniform(-1, 1, d["shape"]) if np.issubdtype(d["dtype"], np.floating) else np.zeros(d["shape"])
        it.set_tensor(d["index"], x.astype(d["dtype"]))
    for _ in range(warmup):
        it.invoke()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        it.invoke()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3
