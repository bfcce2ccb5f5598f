"""Dynamic range on models whose weights are float16 behind DEQUANTIZE (most MediaPipe
models): tqopt decodes the float16 weights that hybrid kernels read and quantizes them to
int8, so the model gets smaller and still runs in LiteRT's default interpreter (XNNPACK on).

Decoding loses nothing: the result computes the same as dynamic range applied to the model
with its float16 weights first folded to float32 (``fold-constants``), within 0.01 dB (for
models without sparse float16 weights, which stay sparse float16 when that is smaller).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SHARED_MODELS, input_details, input_range, prepare_input, run_litert


def has_float16_tensors(model) -> bool:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model))
    return any(t["dtype"] == np.float16 for t in interpreter.get_tensor_details())


def has_densify(model) -> bool:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model))
    return any(op["op_name"] == "DENSIFY" for op in interpreter._get_ops_details())


def int8_tensors(model) -> int:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model))
    return sum(t["dtype"] == np.int8 for t in interpreter.get_tensor_details())


def sqnr_on_photos(reference_model, model, images) -> float:
    signal = noise = 0.0
    for image in list(images.values())[:4]:
        feeds = [
            prepare_input(image, d, input_range(reference_model))
            for d in input_details(reference_model)
        ]
        for r, a in zip(run_litert(reference_model, feeds), run_litert(model, feeds)):
            r, a = r.astype(np.float64), a.astype(np.float64)
            signal += float(np.sum(r**2))
            noise += float(np.sum((r - a) ** 2))
    return 10 * np.log10(signal / max(noise, 1e-30))


@pytest.mark.parametrize("model", SHARED_MODELS, ids=[m.stem for m in SHARED_MODELS])
def test_dynamic_range_on_float16_weights(model, tqopt_cli, out_dir, images):
    if not has_float16_tensors(model):
        pytest.skip("no float16 weights")
    quantized = tqopt_cli(model, out_dir / "dr.tflite", "--pass=quantize-dynamic-range")
    assert quantized.stat().st_size < model.stat().st_size
    assert int8_tensors(quantized) > 0
    db = sqnr_on_photos(model, quantized, images)
    assert db > 12.0
    if has_densify(model):
        # Sparse float16 weights stay sparse (smaller than dense int8), while fold-constants
        # would make them dense: the two paths differ on purpose.
        print(f"{model.stem}: {model.stat().st_size} -> {quantized.stat().st_size} bytes, "
              f"SQNR {db:.2f} dB")
        return
    # The same from float32 weights: decoding float16 loses nothing.
    decoded = tqopt_cli(model, out_dir / "f32.tflite", "--pass=fold-constants")
    assert not has_float16_tensors(decoded)
    via_f32 = tqopt_cli(decoded, out_dir / "dr_f32.tflite", "--pass=quantize-dynamic-range")
    db_f32 = sqnr_on_photos(model, via_f32, images)
    print(f"{model.stem}: {model.stat().st_size} -> {quantized.stat().st_size} bytes, "
          f"SQNR {db:.2f} dB (from float32 weights: {db_f32:.2f} dB)")
    assert abs(db - db_f32) < 0.01
