"""Round trip in the real runtime: each shared model goes through tqopt (import, then export,
no passes), and LiteRT gives bit-identical outputs for the original and the exported model on
every photo of the shared data set."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import (
    SHARED_MODELS,
    assert_bit_identical,
    input_details,
    input_range,
    output_details,
    prepare_input,
    run_litert,
)


@pytest.mark.parametrize("model", SHARED_MODELS, ids=[m.stem for m in SHARED_MODELS])
def test_exported_model_gives_bit_identical_outputs(model: Path, images, tqopt_roundtrip, out_dir):
    exported = tqopt_roundtrip(model, out_dir / model.name)

    # Same interface: inputs and outputs in the same order, with the same names, types and
    # shapes.
    for which, details in (("input", input_details), ("output", output_details)):
        want, got = details(model), details(exported)
        assert [(d["name"], d["dtype"], list(d["shape"])) for d in got] == [
            (d["name"], d["dtype"], list(d["shape"])) for d in want
        ], f"{which}s differ"

    (detail,) = input_details(model)
    value_range = input_range(model)
    for name, image in images.items():
        feed = [prepare_input(image, detail, value_range)]
        assert_bit_identical(
            run_litert(model, feed),
            run_litert(exported, feed),
            what=f"{model.stem} on {name}",
        )


@pytest.mark.parametrize("model", SHARED_MODELS, ids=[m.stem for m in SHARED_MODELS])
def test_export_is_stable(model: Path, tqopt_roundtrip, out_dir):
    """Export, import, export again: the same bytes."""
    first = tqopt_roundtrip(model, out_dir / "first.tflite")
    second = tqopt_roundtrip(first, out_dir / "second.tflite")
    assert first.read_bytes() == second.read_bytes()
