"""Which single ops LiteRT's default interpreter hands to XNNPACK, as int8, float and hybrid.

Each probe case is a tiny float model written as MLIR text (one op, or the few ops a tqopt
rewrite produces). tqopt exports it three ways: float (no pass), full-integer int8
(``quantize-int8`` calibrated on random data) and dynamic range
(``quantize-dynamic-range{min-elements=1}``, only for cases with constant weights). Each
model is loaded in LiteRT's default interpreter (XNNPACK on); the case's op is *taken* when
it lies inside a ``DELEGATE`` partition (see ``delegated_nodes``).

The answer is data: ``tests/interop/data/xnnpack_support.json`` (one case a line), which the
Rust target description ``passes/src/quant/target.rs`` mirrors (its unit test compares the
two). ``test_probe_matches_table`` fails when LiteRT answers differently, so a newer LiteRT
that takes (or drops) an op is noticed. Regenerate the table with

    TQOPT_BIN=target/release/tqopt python3 tests/interop/test_probe_xnnpack.py --write

which also prints median latencies of a few larger models (hybrid vs float convolution),
the measurements behind the dynamic-range choice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from zoo_common import latency_ms

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "tests" / "interop" / "data" / "xnnpack_support.json"

X = "1x8x8x16xf32"


def t(shape: str) -> str:
    return f"tensor<{shape}>"


def const(name: str, shape: str, values: np.ndarray | None = None, dtype: str = "f32") -> str:
    """A ``tfl.pseudo_const`` of SHAPE (``4x2``, or ``""`` for a scalar) named NAME."""
    dims = [int(d) for d in shape.split("x")] if shape else []
    if values is None:
        rng = np.random.default_rng(abs(hash(name)) % 2**32)
        values = rng.uniform(-0.5, 0.5, size=dims).astype(np.float32)
    flat = np.asarray(values).reshape(-1)
    fmt = (lambda v: f"{float(v):.6e}") if dtype == "f32" else (lambda v: str(int(v)))
    body = ", ".join(fmt(v) for v in flat)
    ty = f"tensor<{shape + 'x' if shape else ''}{dtype}>"
    lit = f"dense<[{body}]>" if dims else f"dense<{body}>"
    if dims:
        # Nested brackets are not needed: a flat list fills the shape in order.
        lit = f"dense<{np.asarray(values).tolist()}>".replace("'", "") if dtype != "f32" else lit
        if dtype == "f32":
            lit = "dense<" + _nested(np.asarray(values, dtype=np.float32).reshape(dims)) + ">"
    return f'  %{name} = "tfl.pseudo_const"() <{{value = {lit} : {ty}}}> : () -> {ty}\n'


def _nested(a: np.ndarray) -> str:
    if a.ndim == 0:
        return f"{float(a):.6e}"
    return "[" + ", ".join(_nested(x) for x in a) + "]"


NONE = 'fused_activation_function = "NONE"'


@dataclass
class Case:
    """One probe: NAME, the op it is about (OP, as in tfl.rs), the function's input shapes,
    its body (MLIR lines using %arg0.. and ending in %out) and the result shape."""

    name: str
    op: str
    inputs: list[str]
    body: str
    out: str
    weighted: bool = False  # has constant weights: probe the dynamic-range (hybrid) form
    # Calibration range (lo, hi) per input index, where it is not (-4, 4).
    ranges: dict = field(default_factory=dict)

    def mlir(self) -> str:
        args = ", ".join(f"%arg{i}: {t(s)}" for i, s in enumerate(self.inputs))
        return (
            f"func.func @main({args}) -> {t(self.out)} {{\n{self.body}"
            f"  return %out : {t(self.out)}\n}}\n"
        )


def unary(name: str, op: str, attrs: str = "", shape: str = X, out: str | None = None) -> Case:
    a = f" <{{{attrs}}}>" if attrs else ""
    out = out or shape
    return Case(name, op, [shape], f'  %out = "{op}"(%arg0){a} : ({t(shape)}) -> {t(out)}\n', out)


def binary(name: str, op: str, attrs: str = NONE, rhs_const: str | None = None) -> Case:
    a = f" <{{{attrs}}}>" if attrs else ""
    if rhs_const is not None:
        body = const("c", rhs_const) + (
            f'  %out = "{op}"(%arg0, %c){a} : ({t(X)}, {t(rhs_const + "xf32")}) -> {t(X)}\n'
        )
        return Case(name, op, [X], body, X)
    body = f'  %out = "{op}"(%arg0, %arg1){a} : ({t(X)}, {t(X)}) -> {t(X)}\n'
    return Case(name, op, [X, X], body, X)


def i32(name: str, shape: str, values) -> str:
    return const(name, shape, np.asarray(values, dtype=np.int32), "i32")


def cases() -> list[Case]:
    c: list[Case] = []
    conv_attrs = (
        f'dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, {NONE}, '
        f'padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32'
    )
    c.append(Case("conv_2d", "tfl.conv_2d", [X],
                  const("w", "16x3x3x16") + const("b", "16")
                  + f'  %out = "tfl.conv_2d"(%arg0, %w, %b) <{{{conv_attrs}}}> : ({t(X)}, tensor<16x3x3x16xf32>, tensor<16xf32>) -> {t(X)}\n',
                  X, weighted=True))
    c.append(Case("depthwise_conv_2d", "tfl.depthwise_conv_2d", [X],
                  const("w", "1x3x3x16") + const("b", "16")
                  + f'  %out = "tfl.depthwise_conv_2d"(%arg0, %w, %b) <{{depth_multiplier = 1 : i32, {conv_attrs}}}> : ({t(X)}, tensor<1x3x3x16xf32>, tensor<16xf32>) -> {t(X)}\n',
                  X, weighted=True))
    c.append(Case("transpose_conv", "tfl.transpose_conv", [X],
                  i32("s", "4", [1, 16, 16, 16]) + const("w", "16x3x3x16") + const("b", "16")
                  + f'  %out = "tfl.transpose_conv"(%s, %w, %arg0, %b) <{{{NONE}, padding = "SAME", stride_h = 2 : i32, stride_w = 2 : i32}}> : (tensor<4xi32>, tensor<16x3x3x16xf32>, {t(X)}, tensor<16xf32>) -> tensor<1x16x16x16xf32>\n',
                  "1x16x16x16xf32", weighted=True))
    c.append(Case("fully_connected", "tfl.fully_connected", ["4x64xf32"],
                  const("w", "32x64") + const("b", "32")
                  + f'  %out = "tfl.fully_connected"(%arg0, %w, %b) <{{{NONE}, keep_num_dims = false, weights_format = "DEFAULT"}}> : (tensor<4x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<4x32xf32>\n',
                  "4x32xf32", weighted=True))
    c.append(Case("batch_matmul", "tfl.batch_matmul", ["1x4x16xf32", "1x16x8xf32"],
                  '  %out = "tfl.batch_matmul"(%arg0, %arg1) <{adj_x = false, adj_y = false}> : (tensor<1x4x16xf32>, tensor<1x16x8xf32>) -> tensor<1x4x8xf32>\n',
                  "1x4x8xf32"))
    # One batch, but a second operand whose range is not symmetric (zero point -128).
    c.append(Case("batch_matmul_offset", "tfl.batch_matmul", ["1x4x16xf32", "1x16x8xf32"],
                  '  %out = "tfl.batch_matmul"(%arg0, %arg1) <{adj_x = false, adj_y = false}> : (tensor<1x4x16xf32>, tensor<1x16x8xf32>) -> tensor<1x4x8xf32>\n',
                  "1x4x8xf32", ranges={1: (0.0, 4.0)}))
    # Attention's form: several batches (heads) of two activations.
    c.append(Case("batch_matmul_batched", "tfl.batch_matmul", ["4x16x8xf32", "4x8x16xf32"],
                  '  %out = "tfl.batch_matmul"(%arg0, %arg1) <{adj_x = false, adj_y = false}> : (tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<4x16x16xf32>\n',
                  "4x16x16xf32"))
    for op in ("add", "sub", "mul", "maximum", "minimum", "squared_difference", "div"):
        attrs = NONE if op in ("add", "sub", "mul", "div") else ""
        case = binary(op, f"tfl.{op}", attrs)
        if op == "div":
            # A divisor away from zero: near it, the division stays float (guard-divisions).
            case.ranges = {1: (1.0, 4.0)}
        c.append(case)
    c.append(binary("add_const_channel", "tfl.add", NONE, rhs_const="1x1x1x16"))
    # A layer norm's epsilon: an operand whose scale is under 2^-10 of the output's.
    for op in ("add", "sub"):
        c.append(Case(f"{op}_small_operand_scale", f"tfl.{op}", [X],
                      const("c", "", np.array(1e-4, np.float32))
                      + f'  %out = "tfl.{op}"(%arg0, %c) <{{{NONE}}}> : ({t(X)}, tensor<f32>) -> {t(X)}\n',
                      X, ranges={0: (0.0, 4.0)}))
    c.append(binary("mul_const_channel", "tfl.mul", NONE, rhs_const="1x1x1x16"))
    c.append(binary("mul_const_scalar", "tfl.mul", NONE, rhs_const="1x1x1x1"))
    c.append(binary("maximum_const_channel", "tfl.maximum", "", rhs_const="1x1x1x16"))
    c.append(binary("minimum_const_channel", "tfl.minimum", "", rhs_const="1x1x1x16"))
    c.append(Case("concatenation", "tfl.concatenation", [X, X],
                  f'  %out = "tfl.concatenation"(%arg0, %arg1) <{{axis = 3 : i32, {NONE}}}> : ({t(X)}, {t(X)}) -> tensor<1x8x8x32xf32>\n',
                  "1x8x8x32xf32"))
    pool = f'filter_height = 2 : i32, filter_width = 2 : i32, {NONE}, padding = "VALID", stride_h = 2 : i32, stride_w = 2 : i32'
    c.append(unary("max_pool_2d", "tfl.max_pool_2d", pool, out="1x4x4x16xf32"))
    c.append(unary("average_pool_2d", "tfl.average_pool_2d", pool, out="1x4x4x16xf32"))
    c.append(Case("mean", "tfl.mean", [X],
                  i32("ax", "2", [1, 2])
                  + f'  %out = "tfl.mean"(%arg0, %ax) <{{keep_dims = true}}> : ({t(X)}, tensor<2xi32>) -> tensor<1x1x1x16xf32>\n',
                  "1x1x1x16xf32"))
    c.append(Case("sum", "tfl.sum", [X],
                  i32("ax", "2", [1, 2])
                  + f'  %out = "tfl.sum"(%arg0, %ax) <{{keep_dims = true}}> : ({t(X)}, tensor<2xi32>) -> tensor<1x1x1x16xf32>\n',
                  "1x1x1x16xf32"))
    c.append(unary("softmax", "tfl.softmax", "beta = 1.000000e+00 : f32", shape="4x16xf32"))
    for op in ("logistic", "tanh", "relu", "relu6", "relu_n1_to_1", "hard_swish",
               "elu", "exp", "abs", "neg", "square", "sqrt", "rsqrt", "gelu"):
        c.append(unary(op, f"tfl.{op}"))
    c.append(unary("leaky_relu", "tfl.leaky_relu", "alpha = 2.000000e-01 : f32"))
    c.append(Case("prelu_channel", "tfl.prelu", [X],
                  const("a", "1x1x16") + f'  %out = "tfl.prelu"(%arg0, %a) : ({t(X)}, tensor<1x1x16xf32>) -> {t(X)}\n',
                  X))
    c.append(Case("prelu_scalar", "tfl.prelu", [X],
                  const("a", "1x1x1", np.full((1, 1, 1), 0.25, np.float32))
                  + f'  %out = "tfl.prelu"(%arg0, %a) : ({t(X)}, tensor<1x1x1xf32>) -> {t(X)}\n',
                  X))
    c.append(Case("pad", "tfl.pad", [X],
                  i32("p", "4x2", [[0, 0], [1, 1], [1, 1], [0, 0]])
                  + f'  %out = "tfl.pad"(%arg0, %p) : ({t(X)}, tensor<4x2xi32>) -> tensor<1x10x10x16xf32>\n',
                  "1x10x10x16xf32"))
    c.append(Case("pad_channels", "tfl.pad", [X],
                  i32("p", "4x2", [[0, 0], [0, 0], [0, 0], [0, 16]])
                  + f'  %out = "tfl.pad"(%arg0, %p) : ({t(X)}, tensor<4x2xi32>) -> tensor<1x8x8x32xf32>\n',
                  "1x8x8x32xf32"))
    c.append(Case("reshape", "tfl.reshape", [X],
                  i32("s", "2", [64, 16])
                  + f'  %out = "tfl.reshape"(%arg0, %s) : ({t(X)}, tensor<2xi32>) -> tensor<64x16xf32>\n',
                  "64x16xf32"))
    for op in ("resize_bilinear", "resize_nearest_neighbor"):
        c.append(Case(op, f"tfl.{op}", [X],
                      i32("s", "2", [16, 16])
                      + f'  %out = "tfl.{op}"(%arg0, %s) <{{align_corners = false, half_pixel_centers = true}}> : ({t(X)}, tensor<2xi32>) -> tensor<1x16x16x16xf32>\n',
                      "1x16x16x16xf32"))
    c.append(Case("transpose", "tfl.transpose", [X],
                  i32("p", "4", [0, 3, 1, 2])
                  + f'  %out = "tfl.transpose"(%arg0, %p) : ({t(X)}, tensor<4xi32>) -> tensor<1x16x8x8xf32>\n',
                  "1x16x8x8xf32"))
    c.append(Case("gather", "tfl.gather", ["10x16xf32"],
                  i32("i", "4", [1, 3, 5, 7])
                  + '  %out = "tfl.gather"(%arg0, %i) <{axis = 0 : i32, batch_dims = 0 : i32}> : (tensor<10x16xf32>, tensor<4xi32>) -> tensor<4x16xf32>\n',
                  "4x16xf32"))
    c.append(Case("strided_slice", "tfl.strided_slice", [X],
                  i32("b", "4", [0, 0, 0, 0]) + i32("e", "4", [1, 8, 8, 16]) + i32("s", "4", [1, 2, 2, 1])
                  + f'  %out = "tfl.strided_slice"(%arg0, %b, %e, %s) <{{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}}> : ({t(X)}, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) -> tensor<1x4x4x16xf32>\n',
                  "1x4x4x16xf32"))
    c.append(Case("slice", "tfl.slice", [X],
                  i32("b", "4", [0, 1, 1, 0]) + i32("s", "4", [1, 4, 4, 16])
                  + f'  %out = "tfl.slice"(%arg0, %b, %s) : ({t(X)}, tensor<4xi32>, tensor<4xi32>) -> tensor<1x4x4x16xf32>\n',
                  "1x4x4x16xf32"))
    c.append(Case("space_to_depth", "tfl.space_to_depth", [X],
                  f'  %out = "tfl.space_to_depth"(%arg0) <{{block_size = 2 : i32}}> : ({t(X)}) -> tensor<1x4x4x64xf32>\n',
                  "1x4x4x64xf32"))
    c.append(Case("depth_to_space", "tfl.depth_to_space", [X],
                  f'  %out = "tfl.depth_to_space"(%arg0) <{{block_size = 2 : i32}}> : ({t(X)}) -> tensor<1x16x16x4xf32>\n',
                  "1x16x16x4xf32"))
    # The forms tqopt's rewrites produce, as whole chains: every node must be taken.
    c.append(unary("leaky_relu_zero", "tfl.leaky_relu", "alpha = 0.000000e+00 : f32"))
    # The forms tqopt's rewrites produce (passes/src/quant/rewrite_for_target.rs), as whole
    # chains: every node must be taken.
    c.append(Case("rewrite_prelu_channel", "tqopt.prelu_as_depthwise_relu_add", [X],
                  const("w", "1x1x1x16") + const("b", "16", np.zeros(16, np.float32))
                  + f'  %r = "tfl.depthwise_conv_2d"(%arg0, %w, %b) <{{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}}> : ({t(X)}, tensor<1x1x1x16xf32>, tensor<16xf32>) -> {t(X)}\n'
                  + f'  %out = "tfl.add"(%arg0, %r) <{{{NONE}}}> : ({t(X)}, {t(X)}) -> {t(X)}\n',
                  X))
    c.append(Case("rewrite_prelu_mixed", "tqopt.prelu_as_depthwise_relu_mul_add", [X],
                  const("w", "1x1x1x16", np.full((1, 1, 1, 16), -1.0, np.float32))
                  + const("b", "16", np.zeros(16, np.float32)) + const("k", "1x1x1x16")
                  + f'  %r = "tfl.depthwise_conv_2d"(%arg0, %w, %b) <{{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "RELU", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}}> : ({t(X)}, tensor<1x1x1x16xf32>, tensor<16xf32>) -> {t(X)}\n'
                  + f'  %s = "tfl.mul"(%r, %k) <{{{NONE}}}> : ({t(X)}, tensor<1x1x1x16xf32>) -> {t(X)}\n'
                  + f'  %out = "tfl.add"(%arg0, %s) <{{{NONE}}}> : ({t(X)}, {t(X)}) -> {t(X)}\n',
                  X))
    c.append(Case("rewrite_hard_swish", "tqopt.hard_swish_as_add_relu6_mul", [X],
                  const("three", "", np.float32(3.0)) + const("sixth", "", np.float32(1 / 6))
                  + f'  %a = "tfl.add"(%arg0, %three) <{{fused_activation_function = "RELU6"}}> : ({t(X)}, tensor<f32>) -> {t(X)}\n'
                  + f'  %g = "tfl.mul"(%a, %sixth) <{{{NONE}}}> : ({t(X)}, tensor<f32>) -> {t(X)}\n'
                  + f'  %out = "tfl.mul"(%arg0, %g) <{{{NONE}}}> : ({t(X)}, {t(X)}) -> {t(X)}\n',
                  X))
    c.append(Case("rewrite_average_pool_global", "tqopt.average_pool_as_mean", [X],
                  i32("ax", "2", [1, 2])
                  + f'  %out = "tfl.mean"(%arg0, %ax) <{{keep_dims = true}}> : ({t(X)}, tensor<2xi32>) -> tensor<1x1x1x16xf32>\n',
                  "1x1x1x16xf32"))
    return c


def tqopt_bin() -> Path:
    if "TQOPT_BIN" in os.environ:
        return Path(os.environ["TQOPT_BIN"])
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "tqopt"], cwd=REPO, check=True)
    return REPO / "target" / "release" / "tqopt"


def build(case: Case, mode: str, work: Path, tq: Path) -> Path:
    """Exports CASE as MODE (float, int8, int8_strict or hybrid) into WORK; returns the path."""
    src = work / f"{case.name}.mlir"
    src.write_text(case.mlir())
    out = work / f"{case.name}_{mode}.tflite"
    args = [str(tq), str(src), "-o", str(out), "--no-progress"]
    if mode.startswith("int8"):
        rng = np.random.default_rng(0)
        calib = work / f"{case.name}_calib.npz"
        np.savez(calib, **{
            f"arg{i}": rng.uniform(*case.ranges.get(i, (-4, 4)), size=[8] + [int(d) for d in s.split("x")[:-1]]).astype(np.float32)
            for i, s in enumerate(case.inputs)
        })
        target = "strict" if mode == "int8_strict" else "reference"
        args += [f"--pass=quantize-int8{{target={target}}}", f"--calibration-data={calib}"]
    elif mode == "hybrid":
        args += ["--pass=quantize-dynamic-range{min-elements=1 target=reference}"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"tqopt failed on probe {case.name} ({mode}):\n{r.stderr}\n{case.mlir()}")
    return out


def delegated_nodes(interpreter) -> tuple[list[dict], set[int]]:
    """The model's original nodes, and the indices of those inside a DELEGATE partition.

    A partition node lists the tensors entering and leaving it; the nodes inside are found by
    walking back from its outputs through their producers until its inputs."""
    ops = interpreter._get_ops_details()
    nodes = [o for o in ops if o["op_name"] != "DELEGATE"]
    producer = {int(out): n["index"] for n in nodes for out in n["outputs"]}
    by_index = {n["index"]: n for n in nodes}
    taken: set[int] = set()
    for d in (o for o in ops if o["op_name"] == "DELEGATE"):
        stop = {int(i) for i in d["inputs"]}
        todo = [int(o) for o in d["outputs"]]
        seen: set[int] = set()
        while todo:
            tensor = todo.pop()
            if tensor in stop or tensor in seen or tensor not in producer:
                continue
            seen.add(tensor)
            n = producer[tensor]
            taken.add(n)
            todo.extend(int(i) for i in by_index[n]["inputs"] if i >= 0)
    return nodes, taken


def probe_model(path: Path) -> dict:
    """Whether XNNPACK takes every compute node of the model (boundary quantize/dequantize
    nodes reported apart), and the node names."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path))
    it.allocate_tensors()
    nodes, taken = delegated_nodes(it)
    boundary = ("QUANTIZE", "DEQUANTIZE")
    core = [n for n in nodes if n["op_name"] not in boundary]
    return {
        "taken": all(n["index"] in taken for n in core) and bool(core),
        "nodes": [n["op_name"] for n in core],
        "boundary_taken": all(n["index"] in taken for n in nodes if n["op_name"] in boundary),
    }


def measure(tq: Path, work: Path) -> list[dict]:
    """One table row per case: {case, op, int8, float, hybrid (None without weights)}."""
    rows = []
    for case in cases():
        row = {"case": case.name, "op": case.op}
        for mode, key in (("float", "float"), ("int8", "int8")):
            row[key] = probe_model(build(case, mode, work, tq))["taken"]
        row["hybrid"] = probe_model(build(case, "hybrid", work, tq))["taken"] if case.weighted else None
        rows.append(row)
    return rows


def read_table() -> dict:
    return json.loads(TABLE.read_text())


def write_table(rows: list[dict]) -> None:
    import importlib.metadata

    version = importlib.metadata.version("ai-edge-litert")
    lines = [json.dumps(r, separators=(", ", ": ")) for r in rows]
    text = (
        "{\n"
        f'  "litert": "{version}",\n'
        '  "about": "Whether LiteRT\'s default interpreter hands each probe to XNNPACK (tests/interop/test_probe_xnnpack.py). int8: full-integer; float: float32; hybrid: dynamic-range int8 weights (null: no weights). Mirrored by passes/src/quant/target.rs.",\n'
        '  "cases": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"
    )
    TABLE.write_text(text)


# ---- tests -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> list[dict]:
    return measure(tqopt_bin(), tmp_path_factory.mktemp("probe"))


def test_probe_matches_table(measured):
    table = {r["case"]: r for r in read_table()["cases"]}
    diffs = []
    for row in measured:
        want = table.get(row["case"])
        if want is None:
            diffs.append(f"{row['case']}: not in the table")
            continue
        for key in ("int8", "float", "hybrid"):
            if want[key] != row[key]:
                diffs.append(f"{row['case']} ({row['op']}) {key}: table says {want[key]}, LiteRT says {row[key]}")
    assert not diffs, "LiteRT's XNNPACK support differs from " + str(TABLE) + ":\n" + "\n".join(diffs)


def test_delegation_walk_sees_a_cut():
    """The walk that decides 'taken' can fail: in a model whose middle op XNNPACK refuses
    (int8 hard_swish between two adds), the adds are taken and the hard_swish is not."""
    tq = tqopt_bin()
    case = Case("cut", "tfl.hard_swish", [X],
                f'  %a = "tfl.add"(%arg0, %arg0) <{{{NONE}}}> : ({t(X)}, {t(X)}) -> {t(X)}\n'
                f'  %h = "tfl.hard_swish"(%a) : ({t(X)}) -> {t(X)}\n'
                f'  %out = "tfl.add"(%h, %h) <{{{NONE}}}> : ({t(X)}, {t(X)}) -> {t(X)}\n', X)
    from ai_edge_litert.interpreter import Interpreter

    with tempfile.TemporaryDirectory() as d:
        it = Interpreter(model_path=str(build(case, "int8", Path(d), tq)))
        it.allocate_tensors()
        nodes, taken = delegated_nodes(it)
    names = {n["index"]: n["op_name"] for n in nodes}
    assert sorted(names[i] for i in taken if names[i] == "ADD") == ["ADD", "ADD"]
    assert not any(names[i] == "HARD_SWISH" for i in taken)


def rewrite_cases() -> list[Case]:
    """The ops tqopt rewrites on target=strict (passes/src/quant/rewrite_for_target.rs)."""
    by_name = {c.name: c for c in cases()}
    mixed = Case("prelu_mixed", "tfl.prelu", [X],
                 const("a", "1x1x16", np.linspace(-0.8, 1.4, 16, dtype=np.float32).reshape(1, 1, 16))
                 + f'  %out = "tfl.prelu"(%arg0, %a) : ({t(X)}, tensor<1x1x16xf32>) -> {t(X)}\n', X)
    le1 = Case("prelu_at_most_one", "tfl.prelu", [X],
               const("a", "1x1x16", np.linspace(-0.8, 0.9, 16, dtype=np.float32).reshape(1, 1, 16))
               + f'  %out = "tfl.prelu"(%arg0, %a) : ({t(X)}, tensor<1x1x16xf32>) -> {t(X)}\n', X)
    gap = Case("global_average_pool", "tfl.average_pool_2d", [X],
               f'  %out = "tfl.average_pool_2d"(%arg0) <{{filter_height = 8 : i32, filter_width = 8 : i32, {NONE}, padding = "VALID", stride_h = 8 : i32, stride_w = 8 : i32}}> : ({t(X)}) -> tensor<1x1x1x16xf32>\n',
               "1x1x1x16xf32")
    return [le1, mixed, by_name["prelu_scalar"], by_name["hard_swish"], gap]


def _outputs(path: Path, x: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path))
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"]).astype(np.float64)


def _sqnr(ref: np.ndarray, test: np.ndarray) -> float:
    noise = float(np.sum((ref - test) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref**2)) / noise)


def _rewritten(case: Case, target: str, work: Path, tq: Path) -> tuple[Path, Path]:
    """CASE as a float .tflite, and after rewrite-for-target{target=TARGET}."""
    src = work / f"{case.name}.mlir"
    src.write_text(case.mlir())
    rewritten = work / "rewritten_float.tflite"
    subprocess.run([str(tq), str(src), f"--pass=rewrite-for-target{{target={target}}}", "-o", str(rewritten)], check=True)
    return build(case, "float", work, tq), rewritten


@pytest.mark.parametrize("case", rewrite_cases(), ids=lambda c: c.name)
def test_rewrite_is_exact_in_float_and_close_in_int8(case, tmp_path):
    """In LiteRT: the float model after rewrite-for-target{target=strict} computes what the
    original computes (to float rounding); quantized with target=strict (rewritten, every node
    in XNNPACK) its SQNR against float is within 3 dB of the original int8 op's
    (target=reference), and above 30 dB."""
    tq = tqopt_bin()
    original, rewritten = _rewritten(case, "strict", tmp_path, tq)
    strict = build(case, "int8_strict", tmp_path, tq)
    reference = build(case, "int8", tmp_path, tq)
    x = np.random.default_rng(1).uniform(-4, 4, size=(1, 8, 8, 16)).astype(np.float32)
    want = _outputs(original, x)
    got = _outputs(rewritten, x)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-5), np.abs(got - want).max()
    assert probe_model(strict)["taken"], f"{case.name}: the rewritten int8 model is not all in XNNPACK"
    s_strict, s_ref = _sqnr(want, _outputs(strict, x)), _sqnr(want, _outputs(reference, x))
    assert s_strict > 30 and s_strict >= s_ref - 3, f"{case.name}: SQNR {s_strict:.2f} dB, original op {s_ref:.2f} dB"


def xnnpack_rewrite_cases() -> list[Case]:
    """The rewrites target=xnnpack (the default) makes: a narrow per-channel prelu on wide
    rows, and MediaPipe's custom transposed convolution as the builtin."""
    narrow = "1x8x16x8xf32"
    prelu = Case("prelu_narrow", "tfl.prelu", [narrow],
                 const("a", "1x1x8", np.linspace(-0.8, 1.4, 8, dtype=np.float32).reshape(1, 1, 8))
                 + f'  %out = "tfl.prelu"(%arg0, %a) : ({t(narrow)}, tensor<1x1x8xf32>) -> {t(narrow)}\n', narrow)
    weights = np.random.default_rng(3).uniform(-1, 1, (4, 2, 2, 16)).astype(np.float32)
    deconv = Case("transpose_conv_bias", "tfl.custom", [X],
                  const("w", "4x2x2x16", weights) + const("b", "4", np.array([0.5, -0.25, 0.0, 1.0], np.float32))
                  + '  %out = "tfl.custom"(%arg0, %w, %b) <{custom_code = "Convolution2DTransposeBias", '
                  + 'custom_option = #tfl<const_bytes : "0x010000000200000002000000">}> : '
                  + f'({t(X)}, tensor<4x2x2x16xf32>, tensor<4xf32>) -> tensor<1x16x16x4xf32>\n',
                  "1x16x16x4xf32")
    return [prelu, deconv]


@pytest.mark.parametrize("case", xnnpack_rewrite_cases(), ids=lambda c: c.name)
def test_xnnpack_rewrite_is_exact_in_litert_and_stays_in_xnnpack(case, tmp_path):
    """In LiteRT: rewrite-for-target{target=xnnpack} computes what the original computes (the
    widened prelu bit for bit); quantized with the default target, every node but the
    boundary conversions runs in XNNPACK, at over 30 dB against float."""
    tq = tqopt_bin()
    original, rewritten = _rewritten(case, "xnnpack", tmp_path, tq)
    src = tmp_path / f"{case.name}.mlir"
    shape = [int(d) for d in case.inputs[0].split("x")[:-1]]
    x = np.random.default_rng(1).uniform(-4, 4, size=shape).astype(np.float32)
    want = _outputs(original, x)
    got = _outputs(rewritten, x)
    if case.op == "tfl.prelu":
        assert np.array_equal(got, want), np.abs(got - want).max()
    else:
        assert np.allclose(got, want, rtol=1e-5, atol=1e-5), np.abs(got - want).max()
    nodes = probe_model(rewritten)["nodes"]
    assert "CUSTOM" not in nodes, nodes
    calib = tmp_path / "calib.npy"
    np.save(calib, np.random.default_rng(0).uniform(-4, 4, size=[8] + shape).astype(np.float32))
    quantized = tmp_path / "int8.tflite"
    subprocess.run([str(tq), str(src), "--pass=quantize-int8", f"--calibration-data={calib}",
                    "--no-progress", "-o", str(quantized)], check=True)
    assert probe_model(quantized)["taken"], f"{case.name}: the int8 model is not all in XNNPACK"
    assert _sqnr(want, _outputs(quantized, x)) > 30


def main() -> None:
    tq = tqopt_bin()
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        rows = measure(tq, work)
        for r in rows:
            print(f"{r['case']:24s} {r['op']:34s} int8={r['int8']!s:5s} float={r['float']!s:5s} hybrid={r['hybrid']}")
        if "--write" in sys.argv:
            write_table(rows)
            print(f"wrote {TABLE}")
        if "--time" in sys.argv:
            # MobileNetV2-like convolutions, float vs hybrid vs int8.
            big = "1x56x56x24xf32"
            conv = Case("pw_conv", "tfl.conv_2d", [big],
                        const("w", "144x1x1x24") + const("b", "144")
                        + f'  %out = "tfl.conv_2d"(%arg0, %w, %b) <{{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, {NONE}, padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}}> : ({t(big)}, tensor<144x1x1x24xf32>, tensor<144xf32>) -> tensor<1x56x56x144xf32>\n',
                        "1x56x56x144xf32", weighted=True)
            fc = Case("fc", "tfl.fully_connected", ["1x1280xf32"],
                      const("w", "1000x1280", np.zeros((1000, 1280), np.float32) + 0.01) + const("b", "1000")
                      + f'  %out = "tfl.fully_connected"(%arg0, %w, %b) <{{{NONE}, keep_num_dims = false, weights_format = "DEFAULT"}}> : (tensor<1x1280xf32>, tensor<1000x1280xf32>, tensor<1000xf32>) -> tensor<1x1000xf32>\n',
                      "1x1000xf32", weighted=True)
            dw = Case("dw_conv", "tfl.depthwise_conv_2d", ["1x56x56x144xf32"],
                      const("w", "1x3x3x144") + const("b", "144")
                      + f'  %out = "tfl.depthwise_conv_2d"(%arg0, %w, %b) <{{depth_multiplier = 1 : i32, dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, {NONE}, padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}}> : (tensor<1x56x56x144xf32>, tensor<1x3x3x144xf32>, tensor<144xf32>) -> tensor<1x56x56x144xf32>\n',
                      "1x56x56x144xf32", weighted=True)
            for case in (conv, fc, dw):
                for mode in ("float", "hybrid", "int8"):
                    print(f"{case.name:10s} {mode:7s} {latency_ms(build(case, mode, work, tq), 50):.3f} ms")


if __name__ == "__main__":
    main()
