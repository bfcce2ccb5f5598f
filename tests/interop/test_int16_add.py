"""A 16x8 ADD or SUB whose three calibrated scales happen to be powers of two runs in LiteRT.

LiteRT's int16 ADD and SUB take a power-of-two kernel (meant for LSTM internals) when the op's
``pot_scale_int16`` option is true, the schema's default, and all three scales are powers of
two; that kernel refuses an op whose two inputs both need shifting to the output's scale
("input1_shift == 0 || input2_shift == 0 was not true", at ``allocate_tensors``). Symmetric
int16 ranges of exactly +-2, +-2 and +-4 give such scales (2/32767 and 4/32767 are powers of two
within the runtime's tolerance). A model of ours with such an op was refused; tqopt now writes
the option false for every 16-bit ADD and SUB it quantizes, as TensorFlow's quantizer does,
and LiteRT runs its general-scale kernel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter

MODEL = """func.func @main(%x: tensor<1x8xf32> loc("x"), %y: tensor<1x8xf32> loc("y")) -> tensor<1x8xf32> {
  %0 = "tfl.OP"(%x, %y) <{fused_activation_function = "NONE"}> : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("z")
  return %0 : tensor<1x8xf32>
}
"""


@pytest.mark.parametrize("op", ["add", "sub"])
@pytest.mark.parametrize("pipeline", ["quantize-int16x8", "quantize-int8{int16=.*}"])
def test_power_of_two_scales_run_in_litert(op: str, pipeline: str, tqopt_bin, tmp_path: Path):
    import subprocess

    src = tmp_path / "m.mlir"
    src.write_text(MODEL.replace("OP", op))
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, (6, 1, 8)).astype(np.float32)
    y = rng.uniform(-2, 2, (6, 1, 8)).astype(np.float32)
    # The ranges are exactly +-2 for both inputs and +-4 for the result (add: 2 + 2, sub: 2 - -2).
    x[0, 0, :2], y[0, 0, :2] = [2.0, -2.0], [2.0 if op == "add" else -2.0, -2.0 if op == "add" else 2.0]
    calib = tmp_path / "calib.npz"
    np.savez(calib, x=x, y=y)
    out = tmp_path / "m.tflite"
    r = subprocess.run([str(tqopt_bin), str(src), f"--pass={pipeline}", f"--calibration-data={calib}",
                        "--no-progress", "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    interp = Interpreter(model_path=str(out))
    interp.allocate_tensors()  # LiteRT refused the power-of-two kernel's shifts here
    details = {d["name"]: d for d in interp.get_input_details()}
    scales = [d["quantization"][0] for d in interp.get_tensor_details() if d["dtype"] == np.int16]
    assert len(scales) == 3 and all(abs(np.log2(s) - round(np.log2(s))) < 1e-3 for s in scales), scales
    for k in range(len(x)):
        interp.set_tensor(details["x"]["index"], x[k])
        interp.set_tensor(details["y"]["index"], y[k])
        interp.invoke()
        got = interp.get_tensor(interp.get_output_details()[0]["index"])
        want = x[k] + y[k] if op == "add" else x[k] - y[k]
        assert np.max(np.abs(got - want)) < 1e-3, (got, want)
