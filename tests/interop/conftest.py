"""Shared fixtures and helpers of the interop tests: models exported by tqopt, run in LiteRT.

What a test gets from here:

- ``shared_models`` / ``SHARED_MODELS``: the MediaPipe models in ``tests/shared/models`` (the
  module-level list is for ``pytest.mark.parametrize``; ids are the model names);
- ``images``: the photos of ``tests/shared/data/images`` as RGB ``PIL.Image`` objects, by name;
- ``tqopt_roundtrip`` / ``tqopt_cli``: import + export through tqopt (the Rust example binary
  ``roundtrip``, built once per session; or the ``tqopt`` CLI with ``-o x.tflite``);
- ``out_dir``: a temporary directory for exported models;
- ``input_range(model)``: the value range a model's image input takes;
- ``prepare_input(image, detail, value_range)``: a photo resized to an input tensor, scaled to
  the range and, for int8/uint8 inputs, quantized with the tensor's parameters;
- ``run_litert(model, feeds)``: runs a model in LiteRT's interpreter, returns every output;
- ``assert_bit_identical(a, b)``: outputs equal bit for bit (NaNs included).

Paths can be overridden with environment variables: ``TQOPT_SHARED`` (the shared directory),
``TQOPT_ROUNDTRIP`` (a prebuilt roundtrip binary), ``TQOPT_BIN`` (a prebuilt tqopt CLI).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("TQOPT_SHARED", REPO / "tests" / "shared"))
MODELS_DIR = SHARED / "models" / "mediapipe"
IMAGES_DIR = SHARED / "data" / "images"

SHARED_MODELS = sorted(MODELS_DIR.glob("*.tflite"))


def _cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _xnnpack_float_kernels_modelled() -> bool:
    """Whether the interpreter models the float kernels XNNPACK picks on this CPU: its AVX-512
    ones, or its AVX2 + FMA ones (interp/src/kernels/simd.rs picks the same level)."""
    flags = _cpu_flags()
    return "avx512f" in flags or {"avx2", "fma"} <= flags


# XNNPACK's float kernels differ per instruction set (sums' lane order, sigmoid's polynomial);
# the interpreter models its AVX-512 and its AVX2 + FMA kernels to the bit, measured on both.
# Tests that need LiteRT's float results to the bit are skipped on other CPUs.
NEEDS_MODELLED_CPU = pytest.mark.skipif(
    not _xnnpack_float_kernels_modelled(),
    reason="the interpreter models XNNPACK's AVX-512 and AVX2+FMA float kernels to the bit; "
    "this CPU has neither",
)

# Float kernels the interpreter models for AVX2 + FMA only (the float softmax): skipped on
# CPUs with AVX-512, where XNNPACK picks other kernels, and on CPUs without AVX2.
NEEDS_AVX2_ONLY = pytest.mark.skipif(
    not ({"avx2", "fma"} <= _cpu_flags() and "avx512f" not in _cpu_flags()),
    reason="the interpreter models this XNNPACK float kernel on AVX2 + FMA CPUs without AVX-512",
)

# MediaPipe's detectors take images scaled to [-1, 1]; the landmark and segmentation models
# take [0, 1].
SIGNED_INPUT_MODELS = (
    "face_detection_full_range",
    "face_detection_short_range",
    "palm_detection",
    "pose_detection",
)


def input_range(model: Path | str) -> tuple[float, float]:
    """The value range of the model's image input."""
    name = Path(model).stem
    return (-1.0, 1.0) if name.startswith(SIGNED_INPUT_MODELS) else (0.0, 1.0)


def _cargo_build(*args: str) -> None:
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", *args], cwd=REPO, check=True
    )


@pytest.fixture(scope="session")
def shared_models() -> list[Path]:
    if not SHARED_MODELS:
        pytest.skip(f"no models in {MODELS_DIR}")
    return SHARED_MODELS


@pytest.fixture(scope="session")
def images() -> dict[str, Image.Image]:
    paths = sorted(
        p for p in IMAGES_DIR.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg")
    )
    if not paths:
        pytest.skip(f"no images in {IMAGES_DIR}")
    return {p.stem: Image.open(p).convert("RGB") for p in paths}


@pytest.fixture(scope="session")
def roundtrip_bin() -> Path:
    """The ``roundtrip`` example of the backend (import, then export, no passes)."""
    if "TQOPT_ROUNDTRIP" in os.environ:
        return Path(os.environ["TQOPT_ROUNDTRIP"])
    _cargo_build("-p", "tqopt-backend", "--example", "roundtrip")
    return REPO / "target" / "release" / "examples" / "roundtrip"


@pytest.fixture(scope="session")
def tqopt_bin() -> Path:
    """The ``tqopt`` command-line driver."""
    if "TQOPT_BIN" in os.environ:
        return Path(os.environ["TQOPT_BIN"])
    _cargo_build("-p", "tqopt")
    return REPO / "target" / "release" / "tqopt"


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(scope="session")
def tqopt_roundtrip(roundtrip_bin: Path):
    """``tqopt_roundtrip(src, dst)``: imports ``src`` and exports it to ``dst``."""

    def run(src: Path, dst: Path) -> Path:
        subprocess.run([str(roundtrip_bin), str(src), str(dst)], check=True)
        return dst

    return run


@pytest.fixture(scope="session")
def tqopt_cli(tqopt_bin: Path):
    """``tqopt_cli(src, dst, *args)``: runs ``tqopt src *args -o dst`` (e.g. a pipeline)."""

    def run(src: Path, dst: Path, *args: str) -> Path:
        subprocess.run([str(tqopt_bin), str(src), *args, "-o", str(dst)], check=True)
        return dst

    return run


def prepare_input(
    image: Image.Image, detail: dict, value_range: tuple[float, float] = (0.0, 1.0)
) -> np.ndarray:
    """A photo as the input tensor ``detail`` (from ``get_input_details()``) wants it: resized
    to its height and width, RGB values scaled to ``value_range``, and quantized with the
    tensor's scale and zero point when it is int8 or uint8."""
    shape = [int(d) for d in detail["shape"]]
    if len(shape) != 4 or shape[3] != 3:
        raise ValueError(f"input {detail['name']} of shape {shape} is not an RGB image")
    height, width = shape[1], shape[2]
    pixels = np.asarray(image.resize((width, height), Image.BILINEAR), dtype=np.float32)
    lo, hi = value_range
    x = pixels / 255.0 * (hi - lo) + lo
    x = np.broadcast_to(x[None], shape).astype(np.float32)
    dtype = np.dtype(detail["dtype"])
    if dtype == np.float32:
        return np.ascontiguousarray(x)
    if dtype in (np.int8, np.uint8, np.int16):
        scale, zero_point = detail["quantization"]
        info = np.iinfo(dtype)
        q = np.round(x / scale) + zero_point
        return np.clip(q, info.min, info.max).astype(dtype)
    raise ValueError(f"input {detail['name']} has type {dtype}, which is not supported here")


def run_litert(
    model: Path | bytes, feeds: list[np.ndarray] | dict[str, np.ndarray], num_threads: int = 1
) -> list[np.ndarray]:
    """Runs ``model`` (a path or the file's bytes) once in LiteRT and returns its outputs in
    the order of ``get_output_details()``. ``feeds`` are arrays in the order of
    ``get_input_details()`` or by input tensor name."""
    from ai_edge_litert.interpreter import Interpreter

    if isinstance(model, (bytes, bytearray)):
        interpreter = Interpreter(model_content=bytes(model), num_threads=num_threads)
    else:
        interpreter = Interpreter(model_path=str(model), num_threads=num_threads)
    interpreter.allocate_tensors()
    inputs = interpreter.get_input_details()
    if isinstance(feeds, dict):
        by_name = {d["name"]: d for d in inputs}
        for name, value in feeds.items():
            interpreter.set_tensor(by_name[name]["index"], value)
    else:
        if len(feeds) != len(inputs):
            raise ValueError(f"{len(feeds)} inputs given, the model takes {len(inputs)}")
        for detail, value in zip(inputs, feeds):
            interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()]


def input_details(model: Path | bytes) -> list[dict]:
    """``get_input_details()`` of a model."""
    from ai_edge_litert.interpreter import Interpreter

    if isinstance(model, (bytes, bytearray)):
        interpreter = Interpreter(model_content=bytes(model))
    else:
        interpreter = Interpreter(model_path=str(model))
    return interpreter.get_input_details()


def output_details(model: Path | bytes) -> list[dict]:
    """``get_output_details()`` of a model."""
    from ai_edge_litert.interpreter import Interpreter

    if isinstance(model, (bytes, bytearray)):
        interpreter = Interpreter(model_content=bytes(model))
    else:
        interpreter = Interpreter(model_path=str(model))
    return interpreter.get_output_details()


def assert_bit_identical(expected: list[np.ndarray], actual: list[np.ndarray], what: str = "") -> None:
    """Asserts that two lists of outputs are equal bit for bit."""
    assert len(expected) == len(actual), f"{what}: {len(expected)} vs {len(actual)} outputs"
    for k, (e, a) in enumerate(zip(expected, actual)):
        assert e.dtype == a.dtype, f"{what}: output {k} is {a.dtype}, expected {e.dtype}"
        assert e.shape == a.shape, f"{what}: output {k} has shape {a.shape}, expected {e.shape}"
        if not np.array_equal(e.view(np.uint8), a.view(np.uint8)):
            diff = np.abs(e.astype(np.float64) - a.astype(np.float64))
            raise AssertionError(
                f"{what}: output {k} differs in {np.count_nonzero(e != a)} of {e.size} "
                f"elements (largest difference {np.nanmax(diff)})"
            )


def photo_split(model: Path, images: dict, calibration: int = 8) -> dict[str, dict[str, np.ndarray]]:
    """The shared photos as ``model``'s one input takes them (as LiteRT is fed), split into
    the first ``calibration`` photos and the held-out rest: ``{"calibration": {name: array},
    "held-out": {...}}``."""
    (detail,) = input_details(model)
    value_range = input_range(model)
    names = sorted(images)
    sets = {"calibration": names[:calibration], "held-out": names[calibration:]}
    return {
        k: {detail["name"]: np.stack([prepare_input(images[n], detail, value_range) for n in v])}
        for k, v in sets.items()
    }


def quantize_on_arrays(tqopt_bin: Path, model: Path, pipeline: str, calib: Path, out: Path) -> str:
    """Runs ``tqopt MODEL --pass=PIPELINE`` calibrated on the array file ``calib`` (with the
    model's input range) into ``out``; returns what it printed on stderr (its notes)."""
    lo, hi = input_range(model)
    r = subprocess.run(
        [str(tqopt_bin), str(model), f"--pass={pipeline}", f"--calibration-data={calib}",
         f"--input-range={lo},{hi}", "--no-progress", "-o", str(out)],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    return r.stderr
