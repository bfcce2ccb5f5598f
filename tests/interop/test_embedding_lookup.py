"""EMBEDDING_LOOKUP (PyTorch's nn.Embedding as litert-torch converts it) quantized by tqopt
runs in LiteRT.

LiteRT copies int8 rows into an int8 output only from a table with one scale: its Prepare
refuses a per-row table unless the output is float (the hybrid kernel). tqopt used to quantize
the table per row in full-integer mode, and LiteRT refused every int8 model of a token
classifier and of MiniLM (`embedding_lookup.cc`: "output->type == kTfLiteFloat32 ..."). Now the
table takes the output's parameters in full-integer modes and stays per row in dynamic range,
and `tqopt eval` refuses the form LiteRT refuses instead of scoring it.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from zoo_common import litert_outputs, sqnr_db

ROWS, WIDTH, IDS, OUT = 100, 16, 6, 8


def dense(values: np.ndarray) -> str:
    """An MLIR dense literal of a 2-D array, row by row."""
    return "[" + ", ".join("[" + ", ".join(f"{v:.6e}" for v in row) + "]" for row in values) + "]"


def model_text() -> str:
    """ids -> embedding_lookup(table) -> fully_connected: rows of varied norm, as trained
    embeddings have."""
    rng = np.random.default_rng(4)
    table = (rng.standard_normal((ROWS, WIDTH)) * rng.uniform(0.2, 1.5, (ROWS, 1))).astype(np.float32)
    w = (rng.standard_normal((OUT, WIDTH)) * 0.3).astype(np.float32)
    return (
        f'func.func @main(%ids: tensor<{IDS}xi32> loc("ids")) -> tensor<{IDS}x{OUT}xf32> {{\n'
        f'  %t = "tfl.pseudo_const"() <{{value = dense<{dense(table)}> : '
        f'tensor<{ROWS}x{WIDTH}xf32>}}> : () -> tensor<{ROWS}x{WIDTH}xf32> loc("table")\n'
        f'  %e = "tfl.embedding_lookup"(%ids, %t) : (tensor<{IDS}xi32>, tensor<{ROWS}x{WIDTH}xf32>) '
        f'-> tensor<{IDS}x{WIDTH}xf32> loc("embedded")\n'
        f'  %w = "tfl.pseudo_const"() <{{value = dense<{dense(w)}> : tensor<{OUT}x{WIDTH}xf32>}}> : '
        f'() -> tensor<{OUT}x{WIDTH}xf32> loc("w")\n'
        f'  %b = "tfl.no_value"() <{{value}}> : () -> none loc("b")\n'
        f'  %y = "tfl.fully_connected"(%e, %w, %b) <{{fused_activation_function = "NONE", '
        f'keep_num_dims = false, weights_format = "DEFAULT"}}> : (tensor<{IDS}x{WIDTH}xf32>, '
        f'tensor<{OUT}x{WIDTH}xf32>, none) -> tensor<{IDS}x{OUT}xf32> loc("y")\n'
        f"  return %y : tensor<{IDS}x{OUT}xf32>\n}}\n"
    )


@pytest.fixture
def float_model(tqopt_bin, out_dir):
    rng = np.random.default_rng(9)
    src = out_dir / "emb.mlir"
    src.write_text(model_text())
    model = out_dir / "emb.tflite"
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    calib = out_dir / "calib.npy"
    np.save(calib, rng.integers(0, ROWS, (16, IDS)).astype(np.int32))
    held = {"ids": rng.integers(0, ROWS, (8, IDS)).astype(np.int32)}
    return model, calib, held


@pytest.mark.parametrize("mode", ["int8", "strict", "dynamic_range"])
def test_quantized_embedding_lookup_runs_in_litert(mode, float_model, tqopt_bin, out_dir):
    model, calib, held = float_model
    out = out_dir / f"emb_{mode}.tflite"
    passes = {
        "int8": ["--pass=quantize-int8"],
        "strict": ["--pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}"],
        "dynamic_range": ["--pass=quantize-dynamic-range"],
    }[mode]
    data = [] if mode == "dynamic_range" else [f"--calibration-data={calib}"]
    r = subprocess.run([str(tqopt_bin), str(model), *passes, *data, "-o", str(out), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(out))
    lookup = next(d for d in it.get_tensor_details() if d["name"] == "embedded")
    table_scales = {len(d["quantization_parameters"]["scales"]) for d in it.get_tensor_details()
                    if d["name"].startswith("table")}
    if mode == "dynamic_range":
        # The hybrid kernel: an int8 table with one scale per row, a float output.
        assert lookup["dtype"] == np.float32 and table_scales == {ROWS}
    else:
        assert lookup["dtype"] == np.int8 and table_scales == {1}
    got = litert_outputs(out, held)  # LiteRT refused the int8 and strict models before
    want = litert_outputs(model, held)
    assert sqnr_db(want, got) > 30


def test_eval_refuses_a_per_row_table_with_an_int8_output(tqopt_bin, out_dir):
    """The form LiteRT refuses (written by hand here, as tqopt wrote it before): eval says why
    and writes no report."""
    scales = ", ".join(f"{0.01 * (1 + i % 5):.3f}" for i in range(4))
    q_table = f"!quant.uniform<i8<-127:127>:f32:0, {{{scales}}}>"
    text = (
        'func.func @main(%ids: tensor<3xi32> loc("ids")) -> tensor<3x2x!quant.uniform<i8:f32, 0.02>> {\n'
        f'  %t = "tfl.pseudo_qconst"() <{{qtype = tensor<4x2x{q_table}>, value = dense<[[1, 2], [3, 4], '
        f'[5, 6], [7, 8]]> : tensor<4x2xi8>}}> : () -> tensor<4x2x{q_table}> loc("table")\n'
        f'  %e = "tfl.embedding_lookup"(%ids, %t) : (tensor<3xi32>, tensor<4x2x{q_table}>) -> '
        'tensor<3x2x!quant.uniform<i8:f32, 0.02>> loc("embedded")\n'
        "  return %e : tensor<3x2x!quant.uniform<i8:f32, 0.02>>\n}\n"
    )
    src, model = out_dir / "bad.mlir", out_dir / "bad.tflite"
    src.write_text(text)
    r = subprocess.run([str(tqopt_bin), str(src), "-o", str(model)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    from ai_edge_litert.interpreter import Interpreter

    with pytest.raises(RuntimeError, match="embedding_lookup"):
        Interpreter(model_path=str(model)).allocate_tensors()
    data = out_dir / "ids.npy"
    np.save(data, np.array([[0, 1, 3], [2, 2, 0]], np.int32))
    report = out_dir / "r.json"
    r = subprocess.run([str(tqopt_bin), "eval", str(model), "--reference", str(model), "--data",
                        str(data), "--report", str(report), "--no-progress"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "LiteRT refuses this op" in r.stderr and "one scale per row" in r.stderr
    assert not report.exists()
