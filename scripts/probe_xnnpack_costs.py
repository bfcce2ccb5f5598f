#!/usr/bin/env python3
"""Measures what each op costs in LiteRT's default interpreter (XNNPACK, 1 thread) as int8, as
float32 and (ops with weights) in hybrid form, and fits a linear cost model per op and precision: the data behind the latency
planner of `quantize-int8{target=xnnpack}` (passes/src/quant/speed_plan.rs).

For every op kind and a grid of shapes, tqopt exports a chain of K identical ops (shape
preserving: SAME padding, stride 1) as float (no pass) and as int8 (quantize-int8 with
target=reference, so nothing is kept float) and, for ops with weights, hybrid
(quantize-dynamic-range{min-elements=1 target=reference}), for K = 1 and K = 5. The per-op time is the
slope (t5 - t1) / 4, which cancels the interpreter's fixed cost and the model's input
quantize and output dequantize. Conversions are measured the same way, as chains of
tfl.quantize -> tfl.dequantize pairs in a float model (XNNPACK's convert operators).

Each (op, precision) gets  t = ns_per_mac * MACs + ns_per_element * elements + ns_per_row * rows
(MACs: multiply-accumulates of convolutions, depthwise convolutions and fully connected
layers, window size x outputs for pooling, 0 otherwise; elements: input + output elements,
and the weights of a fully connected layer; rows: output elements over the last dimension),
fitted by non-negative least squares over the grid. Write the table with --write
(passes/data/xnnpack_costs.json, one row a line); the planner reads it at build time.

The shipped table was measured on an x86-64 CPU with AVX-512 VNNI (`lscpu` is recorded in the
file): int8 convolutions are 2-4x faster than float there, while int8 elementwise ops (add,
mul) and depthwise convolutions are slower than their float forms. On another CPU (an Arm
phone), run this script there with --write to plan for it.

Usage: scripts/probe_xnnpack_costs.py [--write] [--runs N] [--quick]
(tqopt: $TQOPT_BIN, else target/release/tqopt, else target/debug/tqopt).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from zoo_common import latency_ms  # noqa: E402
TABLE = ROOT / "passes" / "data" / "xnnpack_costs.json"
NONE = 'fused_activation_function = "NONE"'
CONV = f'dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, {NONE}, padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32'


def tqopt_bin() -> Path:
    for p in (os.environ.get("TQOPT_BIN"), ROOT / "target/release/tqopt", ROOT / "target/debug/tqopt"):
        if p and Path(p).exists():
            return Path(p)
    sys.exit("no tqopt binary: cargo build --release -p tqopt")


def tensor(dims: list[int]) -> str:
    return "tensor<" + "x".join(map(str, dims)) + "xf32>"


def const(name: str, dims: list[int], rng) -> str:
    values = rng.uniform(-0.5, 0.5, size=dims).astype(np.float32)
    return f'  %{name} = "tfl.pseudo_const"() <{{value = dense<{nested(values)}> : {tensor(dims)}}}> : () -> {tensor(dims)}\n'


def nested(a: np.ndarray) -> str:
    if a.ndim == 1:
        return "[" + ", ".join(f"{v:.4e}" for v in a) + "]"
    return "[" + ", ".join(nested(x) for x in a) + "]"


class Kind:
    """One op kind: how to write K of it in a chain (with INPUTS model inputs of the chain's
    shape), and its MACs and elements per op. CASE names the row: the op, or the op and its
    kernel class (`tfl.conv_2d/1x1`, `tfl.conv_2d/kxk`), as the planner looks it up."""

    def __init__(self, case, shapes, layer, macs, elements=None, inputs=1, weighted=False):
        self.case, self.shapes, self.layer, self.macs = case, shapes, layer, macs
        # Has constant weights: also measured in hybrid form (dynamic range: int8 weights,
        # float activations quantized on the fly).
        self.weighted = weighted
        self.elements = elements or (lambda s: 2 * int(np.prod(s["x"])))
        self.inputs = inputs


def conv_layer(s, i, prev, out, rng):
    k, c = s["k"], s["x"][-1]
    return (const(f"w{i}", [c, k, k, c], rng) + const(f"b{i}", [c], rng)
            + f'  {out} = "tfl.conv_2d"({prev}, %w{i}, %b{i}) <{{{CONV}}}> : ({tensor(s["x"])}, {tensor([c, k, k, c])}, {tensor([c])}) -> {tensor(s["x"])}\n')


def dw_layer(s, i, prev, out, rng):
    k, c = s["k"], s["x"][-1]
    return (const(f"w{i}", [1, k, k, c], rng) + const(f"b{i}", [c], rng)
            + f'  {out} = "tfl.depthwise_conv_2d"({prev}, %w{i}, %b{i}) <{{depth_multiplier = 1 : i32, {CONV}}}> : ({tensor(s["x"])}, {tensor([1, k, k, c])}, {tensor([c])}) -> {tensor(s["x"])}\n')


def fc_layer(s, i, prev, out, rng):
    n, c = s["x"]
    return (const(f"w{i}", [c, c], rng) + const(f"b{i}", [c], rng)
            + f'  {out} = "tfl.fully_connected"({prev}, %w{i}, %b{i}) <{{{NONE}, keep_num_dims = false, weights_format = "DEFAULT"}}> : ({tensor(s["x"])}, {tensor([c, c])}, {tensor([c])}) -> {tensor(s["x"])}\n')


def binary_layer(op):
    def layer(s, i, prev, out, rng):
        # The second operand is a second model input, so each op reads two live tensors
        # (and no op computes x - x, whose all-zero range XNNPACK would refuse).
        return f'  {out} = "{op}"({prev}, %arg1) <{{{NONE}}}> : ({tensor(s["x"])}, {tensor(s["x"])}) -> {tensor(s["x"])}\n'
    return layer


def unary_layer(op):
    def layer(s, i, prev, out, rng):
        return f'  {out} = "{op}"({prev}) : ({tensor(s["x"])}) -> {tensor(s["x"])}\n'
    return layer


def pool_layer(s, i, prev, out, rng):
    k = s["k"]
    return f'  {out} = "tfl.max_pool_2d"({prev}) <{{filter_height = {k} : i32, filter_width = {k} : i32, {NONE}, padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}}> : ({tensor(s["x"])}) -> {tensor(s["x"])}\n'


def convert_layer(s, i, prev, out, rng):
    q = "tensor<" + "x".join(map(str, s["x"])) + "x!quant.uniform<i8:f32, 0.0078125:0>>"
    return (f'  %q{i} = "tfl.quantize"({prev}) <{{qtype = {q}}}> : ({tensor(s["x"])}) -> {q}\n'
            f'  {out} = "tfl.dequantize"(%q{i}) : ({q}) -> {tensor(s["x"])}\n')


def grid(quick: bool):
    hc = [(96, 8), (64, 16), (48, 32), (24, 64), (12, 128), (8, 256)]
    if quick:
        hc = hc[1::2]
    return [{"x": [1, h, h, c]} for h, c in hc]


def kinds(quick: bool) -> list[Kind]:
    g = grid(quick)
    with_k = lambda ks: [dict(s, k=k) for s in g for k in ks]
    out_elems = lambda s: int(np.prod(s["x"]))
    fc_shapes = [{"x": [n, c]} for n in (1, 8) for c in ((256, 1024) if quick else (128, 256, 512, 1024))]
    conv_macs = lambda s: out_elems(s) * s["k"] ** 2 * s["x"][-1]
    dw_macs = lambda s: out_elems(s) * s["k"] ** 2
    binary = lambda op: Kind(op, g, binary_layer(op), lambda s: 0, lambda s: 3 * out_elems(s), inputs=2)
    # Not measured: logistic and tanh (XNNPACK merges a chain of int8 lookup-table ops into
    # one, so a chain cannot time one of them); the planner leaves unmeasured ops as they are.
    return [
        Kind("tfl.conv_2d/1x1", with_k((1,)), conv_layer, conv_macs, weighted=True),
        Kind("tfl.conv_2d/kxk", with_k((3,)), conv_layer, conv_macs, weighted=True),
        Kind("tfl.depthwise_conv_2d/1x1", with_k((1,)), dw_layer, dw_macs),
        Kind("tfl.depthwise_conv_2d/kxk", with_k((3,)), dw_layer, dw_macs),
        # Elements: input, output and weights (a small batch reads every weight once).
        Kind("tfl.fully_connected", fc_shapes, fc_layer, lambda s: s["x"][0] * s["x"][1] ** 2,
             lambda s: 2 * s["x"][0] * s["x"][1] + s["x"][1] ** 2, weighted=True),
        binary("tfl.add"),
        binary("tfl.sub"),
        binary("tfl.mul"),
        Kind("tfl.max_pool_2d", with_k((3,)), pool_layer, lambda s: out_elems(s) * s["k"] ** 2),
    ]


def rows_of(s: dict) -> int:
    """Output rows: output elements over the channels (pixels, or a fully connected layer's
    batch); hybrid kernels quantize each row of their input on the fly."""
    return int(np.prod(s["x"][:-1]))


def chain(kind: Kind, s: dict, k: int) -> str:
    rng = np.random.default_rng(7)
    body, prev = "", "%arg0"
    for i in range(k):
        out = "%out" if i == k - 1 else f"%v{i}"
        body += kind.layer(s, i, prev, out, rng)
        prev = out
    ty = tensor(s["x"])
    args = ", ".join(f"%arg{i}: {ty}" for i in range(kind.inputs))
    return f"func.func @main({args}) -> {ty} {{\n{body}  return %out : {ty}\n}}\n"


def export(tq: Path, text: str, work: Path, name: str, precision: str, shape: list[int], inputs: int) -> Path:
    src = work / f"{name}.mlir"
    src.write_text(text)
    out = work / f"{name}.tflite"
    args = [str(tq), str(src), "-o", str(out), "--no-progress"]
    if precision == "hybrid":
        args += ["--pass=quantize-dynamic-range{min-elements=1 target=reference}"]
    if precision == "int8":
        calib = work / f"{name}.npz"
        sample = [4] + (shape[1:] if shape[0] == 1 else shape)
        rng = np.random.default_rng(1)
        np.savez(calib, *[rng.uniform(-1, 1, sample).astype(np.float32) for _ in range(inputs)])
        args += ["--pass=quantize-int8{target=reference}", f"--calibration-data={calib}"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"tqopt failed on {src}:\n{r.stderr}")
    return out


def per_op_ms(tq: Path, work: Path, kind: Kind, s: dict, precision: str, runs: int) -> float:
    paths = [export(tq, chain(kind, s, k), work, f"c{k}{precision}", precision, s["x"], kind.inputs) for k in (1, 5)]
    # Interleaved rounds, best median of each: the machine is shared.
    best = [float("inf")] * 2
    for _ in range(3):
        for i, p in enumerate(paths):
            best[i] = min(best[i], latency_ms(p, runs))
    return max(0.0, (best[1] - best[0]) / 4)


def nnls_fit(rows: list[tuple[float, float, float, float]]) -> tuple[list[float], float]:
    """Fits t = a*macs + b*elements + r*rows with non-negative a, b, r; returns ([a, b, r], the
    largest relative error over the samples). No intercept: the chain's slope already cancels
    the interpreter's fixed costs, and the per-op dispatch left is the same in every precision
    (a fitted intercept only absorbs the misfit of large ops and makes tiny ops look dear)."""
    x = np.array([[m, e, r] for m, e, r, _ in rows])
    y = np.array([t for *_, t in rows])
    active = [i for i in range(3) if np.any(x[:, i])]
    while True:
        coef = np.zeros(3)
        if not active:
            break
        sol, *_ = np.linalg.lstsq(x[:, active], y, rcond=None)
        coef[active] = sol
        negative = [i for i in active if coef[i] < 0]
        if not negative:
            break
        active = [i for i in active if i not in negative]
    pred = x @ coef
    err = float(np.max(np.abs(pred - y) / np.maximum(y, 1e-6))) if len(y) else 0.0
    return coef.tolist(), err


def measure(runs: int, quick: bool) -> list[dict]:
    tq = tqopt_bin()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        convert = Kind("tfl.quantize+tfl.dequantize", grid(quick), convert_layer, lambda s: 0,
                       lambda s: int(np.prod(s["x"])))
        for kind in kinds(quick) + [convert]:
            precisions = ["float"] if kind is convert else ["float", "int8"] + (["hybrid"] if kind.weighted else [])
            for precision in precisions:
                samples = []
                for s in kind.shapes:
                    ms = per_op_ms(tq, work, kind, s, precision, runs)
                    samples.append((float(kind.macs(s)), float(kind.elements(s)), float(rows_of(s)), ms * 1e6))
                    print(f"  {kind.case:28s} {precision:6s} {str(s):40s} {ms * 1e3:8.2f} us", file=sys.stderr)
                (a, b, r), err = nnls_fit(samples)
                rows.append({"case": kind.case, "precision": precision,
                             "ns_per_mac": round(a, 6), "ns_per_element": round(b, 6),
                             "ns_per_row": round(r, 4), "samples": len(samples),
                             "max_rel_error": round(err, 3)})
    return rows


def cpu() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        name = next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name")), "")
        flags = next((l.split(":", 1)[1].split() for l in out.splitlines() if l.startswith("Flags")), [])
        isa = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "asimd", "asimddp") if f in flags]
        return f"{platform.machine()} {name} ({' '.join(isa)})"
    except OSError:
        return platform.machine()


def write_table(rows: list[dict]) -> None:
    from ai_edge_litert import __version__ as litert

    TABLE.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r) for r in rows]
    TABLE.write_text(
        "{\n"
        f'  "measured_with": "ai-edge-litert {litert}, 1 thread, scripts/probe_xnnpack_costs.py",\n'
        f'  "cpu": {json.dumps(cpu())},\n'
        '  "rows": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"
    )
    print(f"wrote {TABLE}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write", action="store_true", help=f"write {TABLE.relative_to(ROOT)}")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="a third of the grid")
    a = ap.parse_args()
    rows = measure(a.runs, a.quick)
    for r in rows:
        print(json.dumps(r))
    if a.write:
        write_table(rows)


if __name__ == "__main__":
    main()
