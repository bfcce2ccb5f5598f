"""Kernel facts from the runtime: which ops LiteRT runs with int8 and int16 activations, and
which have hybrid (float activations, int8 weights) kernels, measured on LiteRT itself and
compared with the op table (`kernels` and `hybrid_operands` of `ir/src/dialect/tfl.rs`).

For each op with a probe spec below and each storage type, a single-op model is written as MLIR
text with quantized types, exported with the tqopt CLI, loaded in LiteRT with the builtin
kernels only (``BUILTIN_WITHOUT_DEFAULT_DELEGATES``), and run once (``allocate_tensors`` and
``invoke``). Running is not enough: the int8/int16 model then runs on random inputs (zero
point 3 for int8) next to the float model of the op on the dequantized inputs, and the kernel
counts only if its dequantized outputs match (4 output steps plus 2%). A kernel right only at
zero point 0 (NEG: it negates storage values) is the table's ``ZERO_POINT_0`` fact. The op table is read through the
``op_table`` example of tqopt-ir. A test fails when the table and the runtime disagree, naming
the op and what each side says.

When tqopt's verifier refuses the op with the probed types (its type lists say the kernel does
not exist), the model is written in the generic form ``tfl.builtin`` with the op's builtin code,
which carries no options: the probe specs give options only to ops whose type lists already
admit quantized types, so every op reaches the runtime.

``TQOPT_PROBE_REPORT=path.json`` writes what the runtime said for every op and mode.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, _cargo_build

# Activation, weight and bias types of each probed mode.
Q = {
    "int8": "!quant.uniform<i8:f32, 5.000000e-02>",
    "int16": "!quant.uniform<i16:f32, 5.000000e-04>",
}
W = "!quant.uniform<i8<-127:127>:f32, 1.000000e-02>"
BIAS = {"int8": "!quant.uniform<i32:f32, 5.000000e-04>"}
# Fixed output parameters (the op table's FixedRange) of softmax and friends.
RANGE_0_1 = {"int8": "!quant.uniform<i8:f32, 0.00390625:-128>",
             "int16": "!quant.uniform<i16:f32, 3.0517578125e-05>"}
RANGE_M1_1 = {"int8": "!quant.uniform<i8:f32, 0.0078125>",
              "int16": "!quant.uniform<i16:f32, 3.0517578125e-05>"}
RANGE_LOG_SOFTMAX = {"int8": "!quant.uniform<i8:f32, 0.0625:127>",
                     "int16": "!quant.uniform<i16:f32, 0.00048828125:32767>"}


def x(*shape):
    """An activation operand."""
    return ("x", shape)


def c(values, dtype="i32"):
    """A constant parameter (axes, shapes, sizes)."""
    return ("c", np.array(values), dtype)


def w(*shape):
    """A weight: int8 when quantized (and in hybrid mode), f32 otherwise."""
    return ("w", shape)


def b(*shape, int16="i64"):
    """A bias: int32 (int8 mode), int64 (int16 mode; `int16="none"` leaves it out, for
    kernels that want their options to name an int64 bias), f32 otherwise."""
    return ("b", shape, int16)


def out(*shape, fixed=None, elem=None):
    return ("out", shape, fixed, elem)


def spec(operands, results, attrs="", hybrid=False, positive=False):
    """`positive`: the numeric check feeds positive values only (the op's domain)."""
    return {"operands": operands, "results": results, "attrs": attrs, "hybrid": hybrid,
            "positive": positive}


S = (1, 4, 4, 3)
ACT = 'fused_activation_function = "NONE"'
POOL = ('filter_height = 2 : i32, filter_width = 2 : i32, fused_activation_function = "NONE", '
        'padding = "VALID", stride_h = 2 : i32, stride_w = 2 : i32')
CONV = ('dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", '
        'padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32')


def elementwise(n=1):
    return spec([x(*S)] * n, [out(*S)])


def binary_act():
    return spec([x(*S), x(*S)], [out(*S)], ACT)


def compare():
    return spec([x(*S), x(*S)], [out(*S, elem="i1")])


def reduce(keep=True):
    return spec([x(*S), c([1, 2])], [out(1, 1, 1, 3)], f"keep_dims = {'true' if keep else 'false'}")


SPECS = {
    "tfl.add": binary_act(),
    "tfl.sub": binary_act(),
    "tfl.mul": binary_act(),
    "tfl.div": binary_act(),
    "tfl.squared_difference": elementwise(2),
    "tfl.maximum": elementwise(2),
    "tfl.minimum": elementwise(2),
    "tfl.pow": elementwise(2),
    "tfl.floor_div": elementwise(2),
    "tfl.floor_mod": elementwise(2),
    "tfl.atan2": elementwise(2),
    "tfl.conv_2d": spec([x(*S), w(2, 3, 3, 3), b(2)], [out(1, 4, 4, 2)], CONV, hybrid=True),
    "tfl.depthwise_conv_2d": spec([x(*S), w(1, 3, 3, 3), b(3)], [out(1, 4, 4, 3)],
                                  CONV + ", depth_multiplier = 1 : i32", hybrid=True),
    "tfl.transpose_conv": spec([c([1, 8, 8, 2]), w(2, 3, 3, 3), x(*S), b(2)], [out(1, 8, 8, 2)],
                               'fused_activation_function = "NONE", padding = "SAME", '
                               "stride_h = 2 : i32, stride_w = 2 : i32", hybrid=True),
    "tfl.conv_3d": spec([x(1, 2, 4, 4, 3), w(2, 3, 3, 3, 2), b(2)], [out(1, 2, 4, 4, 2)],
                        CONV + ", dilation_d_factor = 1 : i32, stride_d = 1 : i32", hybrid=True),
    "tfl.fully_connected": spec([x(2, 6), w(4, 6), b(4, int16="none")], [out(2, 4)],
                                'fused_activation_function = "NONE", keep_num_dims = false, '
                                'weights_format = "DEFAULT"', hybrid=True),
    "tfl.batch_matmul": spec([x(2, 3, 4), w(4, 5)], [out(2, 3, 5)], "", hybrid=True),
    "tfl.average_pool_2d": spec([x(*S)], [out(1, 2, 2, 3)], POOL),
    "tfl.max_pool_2d": spec([x(*S)], [out(1, 2, 2, 3)], POOL),
    "tfl.l2_normalization": spec([x(*S)], [out(*S, fixed=RANGE_M1_1)], ACT),
    "tfl.mean": reduce(),
    "tfl.sum": reduce(),
    "tfl.reduce_max": reduce(),
    "tfl.reduce_min": reduce(),
    "tfl.reduce_prod": reduce(),
    "tfl.softmax": spec([x(2, 5)], [out(2, 5, fixed=RANGE_0_1)], "beta = 1.000000e+00 : f32"),
    "tfl.log_softmax": spec([x(2, 5)], [out(2, 5, fixed=RANGE_LOG_SOFTMAX)]),
    "tfl.logistic": spec([x(*S)], [out(*S, fixed=RANGE_0_1)]),
    "tfl.tanh": spec([x(*S)], [out(*S, fixed=RANGE_M1_1)]),
    "tfl.relu": elementwise(),
    "tfl.relu6": elementwise(),
    "tfl.relu_n1_to_1": elementwise(),
    "tfl.leaky_relu": spec([x(*S)], [out(*S)], "alpha = 2.000000e-01 : f32"),
    "tfl.prelu": spec([x(*S), w(3)], [out(*S)]),
    "tfl.hard_swish": elementwise(),
    "tfl.gelu": spec([x(*S)], [out(*S)], "approximate = false"),
    "tfl.elu": elementwise(),
    "tfl.exp": elementwise(),
    "tfl.log": spec([x(*S)], [out(*S)], positive=True),
    "tfl.sqrt": spec([x(*S)], [out(*S)], positive=True),
    "tfl.rsqrt": spec([x(*S)], [out(*S)], positive=True),
    "tfl.neg": elementwise(),
    "tfl.abs": elementwise(),
    "tfl.square": elementwise(),
    "tfl.floor": elementwise(),
    "tfl.ceil": elementwise(),
    "tfl.round": elementwise(),
    "tfl.sin": elementwise(),
    "tfl.cos": elementwise(),
    "tfl.sign": elementwise(),
    "tfl.zeros_like": elementwise(),
    "tfl.reshape": spec([x(*S), c([4, 12])], [out(4, 12)]),
    "tfl.squeeze": spec([x(*S)], [out(4, 4, 3)], "squeeze_dims = [0]"),
    "tfl.expand_dims": spec([x(*S), c(0)], [out(1, *S)]),
    "tfl.transpose": spec([x(*S), c([0, 3, 1, 2])], [out(1, 3, 4, 4)]),
    "tfl.concatenation": spec([x(*S), x(*S)], [out(1, 4, 4, 6)], 'axis = 3 : i32, ' + ACT),
    "tfl.pack": spec([x(*S), x(*S)], [out(2, *S)], "axis = 0 : i32, values_count = 2 : i32"),
    "tfl.unpack": spec([x(*S)], [out(1, 4, 3)] * 4, "axis = 1 : i32, num = 4 : i32"),
    "tfl.split": spec([c(1), x(*S)], [out(1, 2, 4, 3)] * 2, "num_splits = 2 : i32"),
    "tfl.split_v": spec([x(*S), c([1, 3]), c(1)], [out(1, 1, 4, 3), out(1, 3, 4, 3)],
                        "num_splits = 2 : i32"),
    "tfl.slice": spec([x(*S), c([0, 1, 1, 0]), c([1, 2, 2, 3])], [out(1, 2, 2, 3)]),
    "tfl.strided_slice": spec([x(*S), c([0, 0, 0, 0]), c([1, 4, 4, 3]), c([1, 2, 2, 1])],
                              [out(1, 2, 2, 3)],
                              "begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, "
                              "new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32"),
    "tfl.gather": spec([x(4, 3), c([0, 2])], [out(2, 3)], "axis = 0 : i32, batch_dims = 0 : i32"),
    "tfl.gather_nd": spec([x(4, 3), c([[0], [2]])], [out(2, 3)]),
    "tfl.pad": spec([x(*S), c([[0, 0], [1, 1], [1, 1], [0, 0]])], [out(1, 6, 6, 3)]),
    "tfl.padv2": spec([x(*S), c([[0, 0], [1, 1], [1, 1], [0, 0]]), x()], [out(1, 6, 6, 3)]),
    "tfl.mirror_pad": spec([x(*S), c([[0, 0], [1, 1], [1, 1], [0, 0]])], [out(1, 6, 6, 3)],
                           "mode = #tfl<mirror_pad_attr REFLECT>"),
    "tfl.resize_bilinear": spec([x(*S), c([8, 8])], [out(1, 8, 8, 3)],
                                "align_corners = false, half_pixel_centers = true"),
    "tfl.resize_nearest_neighbor": spec([x(*S), c([8, 8])], [out(1, 8, 8, 3)],
                                        "align_corners = false, half_pixel_centers = true"),
    "tfl.depth_to_space": spec([x(1, 2, 2, 4)], [out(1, 4, 4, 1)], "block_size = 2 : i32"),
    "tfl.space_to_depth": spec([x(*S)], [out(1, 2, 2, 12)], "block_size = 2 : i32"),
    "tfl.tile": spec([x(*S), c([1, 2, 1, 1])], [out(1, 8, 4, 3)]),
    "tfl.broadcast_to": spec([x(1, 4, 1, 3), c([2, 4, 4, 3])], [out(2, 4, 4, 3)]),
    "tfl.arg_max": spec([x(*S), c(3)], [out(1, 4, 4, elem="i32")]),
    "tfl.arg_min": spec([x(*S), c(3)], [out(1, 4, 4, elem="i32")]),
    "tfl.select_v2": spec([c(np.ones(S, bool), "i1"), x(*S), x(*S)], [out(*S)]),
    "tfl.select": spec([c(np.ones(S, bool), "i1"), x(*S), x(*S)], [out(*S)]),
    "tfl.less": compare(),
    "tfl.less_equal": compare(),
    "tfl.greater": compare(),
    "tfl.greater_equal": compare(),
    "tfl.equal": compare(),
    "tfl.not_equal": compare(),
    "tfl.local_response_normalization": spec(
        [x(*S)], [out(*S)],
        "alpha = 1.000000e+00 : f32, beta = 5.000000e-01 : f32, bias = 1.000000e+00 : f32, radius = 1 : i32"),
    "tfl.topk_v2": spec([x(2, 5), c(2)], [out(2, 2), out(2, 2, elem="i32")]),
    "tfl.dynamic_update_slice": spec([x(*S), x(1, 2, 2, 3), c([0, 1, 1, 0])], [out(*S)]),
    "tfl.shape": spec([x(*S)], [out(4, elem="i32")]),
    "tfl.cumsum": spec([x(*S), c(1)], [out(*S)], "exclusive = false, reverse = false"),
    "tfl.reverse_v2": spec([x(*S), c([1])], [out(*S)]),
    "tfl.reverse_sequence": spec([x(2, 4, 3), c([1, 3])], [out(2, 4, 3)],
                                 "batch_dim = 0 : i64, seq_dim = 1 : i64"),
    "tfl.space_to_batch_nd": spec([x(*S), c([2, 2]), c([[0, 0], [0, 0]])], [out(4, 2, 2, 3)]),
    "tfl.batch_to_space_nd": spec([x(4, 2, 2, 3), c([2, 2]), c([[0, 0], [0, 0]])], [out(*S)]),
    "tfl.add_n": elementwise(2),
    "tfl.fill": spec([c([2, 3]), x()], [out(2, 3)]),
}

# Ops whose LiteRT kernels take int8/int16 tensors as plain integers, ignoring their scales:
# running them proves no quantized kernel, so the table must say none.
INTEGER_ONLY = {
    "tfl.floor_div": "integer floor division of the storage values",
    "tfl.floor_mod": "integer remainder of the storage values",
}

# (op, mode) pairs the probe cannot decide: tqopt's type lists refuse the types, and the
# generic form that reaches LiteRT anyway carries no options, which these kernels need.
UNDECIDED = {
    ("tfl.arg_max", "int16"): "ArgMaxOptions.output_type is needed",
    ("tfl.arg_min", "int16"): "ArgMinOptions.output_type is needed",
}

# Ops of the table the probe leaves out, and why.
NOT_PROBED = {
    "tfl.quantize": "converts between types: no quantized arithmetic to probe",
    "tfl.dequantize": "converts between types: no quantized arithmetic to probe",
    "tfl.cast": "writes integers into int8 storage unscaled: covered by test_integer_cast.py",
    "tfl.densify": "reads sparse constants only",
    "tfl.range": "makes index tensors from scalars; no activation operand",
    "tfl.while": "control flow: needs subgraphs",
    "tfl.if": "control flow: needs subgraphs",
    "tfl.custom": "not a builtin operator",
    "tfl.logical_and": "boolean operands only",
    "tfl.logical_or": "boolean operands only",
    "tfl.logical_not": "boolean operands only",
    "tfl.reduce_any": "boolean operands only",
    "tfl.reduce_all": "boolean operands only",
    "tfl.one_hot": "integer indices in, copies of two scalar values out",
    "tfl.broadcast_args": "integer shapes in and out",
    "tfl.where": "int64 coordinates out; TensorFlow does not quantize it",
    "tfl.unidirectional_sequence_lstm": "24 operands and intermediates: probed by the LSTM tests",
    "tfl.embedding_lookup": "the table is a constant: covered by test_embedding_lookup.py",
    "tfl.non_max_suppression_v4": "float-only selection (indices out): covered by test_non_max_suppression.py",
    "tfl.non_max_suppression_v5": "float-only selection (indices out): covered by test_non_max_suppression.py",
}


def qconst(shape, storage: str, qtype: str, value: int = 1) -> tuple[str, str]:
    t = tensor(shape, qtype)
    return (f'"tfl.pseudo_qconst"() <{{qtype = {t}, value = dense<{value}> : '
            f'{tensor(shape, storage)}}}> : () -> {t}', t)


def tensor(shape, elem: str) -> str:
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{elem}>" if dims else f"tensor<{elem}>"


def dense(a: np.ndarray, elem: str) -> str:
    if a.dtype == np.bool_:
        body = "true" if a.all() else "false"
        return f"dense<{body}> : {tensor(a.shape, elem)}"
    return f"dense<{json.dumps(a.tolist())}> : {tensor(a.shape, elem)}"


def model_text(name: str, code: int, s: dict, mode: str, generic: bool,
               act: str | None = None) -> tuple[str, list]:
    """MLIR of a single-op model of `name` in `mode` (int8, int16, hybrid or float), with
    activations of type `act` (default: the mode's); the inputs' (shape, numpy dtype)."""
    if act is None:
        act = "f32" if mode in ("hybrid", "float") else Q[mode]
    np_type = np.float32 if act == "f32" else (np.int8 if act.startswith("!quant.uniform<i8") else np.int16)
    args, lines, names, types, feeds = [], [], [], [], []
    for k, o in enumerate(s["operands"]):
        if o[0] == "x":
            t = tensor(o[1], act)
            args.append(f"%arg{len(args)}: {t}")
            names.append(f"%arg{len(args) - 1}")
            types.append(t)
            feeds.append((o[1], np_type))
            continue
        if o[0] == "c":
            elem = o[2]
            t = tensor(o[1].shape, elem)
            lines.append(f'%{k} = "tfl.pseudo_const"() <{{value = {dense(o[1], elem)}}}> : () -> {t}')
        elif o[0] == "w":
            if mode in ("int8", "int16", "hybrid"):
                op, t = qconst(o[1], "i8", W)
                lines.append(f"%{k} = {op}")
            else:
                # The float twin of the quantized weight (storage 1, scale 0.01).
                t = tensor(o[1], "f32")
                lines.append(f'%{k} = "tfl.pseudo_const"() <{{value = dense<0.01> : {t}}}> : () -> {t}')
        elif o[0] == "b":
            if mode in ("hybrid", "float"):
                t = tensor(o[1], "f32")
                lines.append(f'%{k} = "tfl.pseudo_const"() <{{value = dense<0.0> : {t}}}> : () -> {t}')
            elif mode == "int8":
                op, t = qconst(o[1], "i32", BIAS[mode], 0)
                lines.append(f"%{k} = {op}")
            elif o[2] == "none":
                t = "none"
                lines.append(f'%{k} = "tfl.no_value"() <{{value}}> : () -> none')
            else:
                # MLIR's quant types stop at 32-bit storage, so a 16x8 op's int64 bias is a
                # plain i64 constant (LiteRT checks the bias scale only for uint8).
                t = tensor(o[1], "i64")
                lines.append(f'%{k} = "tfl.pseudo_const"() <{{value = dense<0> : {t}}}> : () -> {t}')
        names.append(f"%{k}")
        types.append(t)
    rtypes = []
    for r in s["results"]:
        _, shape, fixed, elem = r
        if elem is not None:
            rtypes.append(tensor(shape, elem))
        elif fixed is not None and mode in ("int8", "int16"):
            rtypes.append(tensor(shape, fixed[mode]))
        else:
            rtypes.append(tensor(shape, act))
    if generic:
        attrs = f' <{{builtin_code = {code} : i32, version = 1 : i32}}>'
        opname = "tfl.builtin"
    else:
        attrs = f" <{{{s['attrs']}}}>" if s["attrs"] else ""
        opname = name
    n = len(rtypes)
    res = "%r" if n == 1 else f"%r:{n}"
    rlist = "%r" if n == 1 else ", ".join(f"%r#{i}" for i in range(n))
    rt = rtypes[0] if n == 1 else "(" + ", ".join(rtypes) + ")"
    lines.append(f'{res} = "{opname}"({", ".join(names)}){attrs} : ({", ".join(types)}) -> {rt}')
    lines.append(f"return {rlist} : {', '.join(rtypes)}")
    body = "\n    ".join(lines)
    text = (f"module {{\n  func.func @main({', '.join(args)}) -> ({', '.join(rtypes)}) {{\n"
            f"    {body}\n  }}\n}}\n")
    return text, feeds


def litert_runs(model: Path, feeds: list) -> tuple[bool, str]:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    try:
        it = Interpreter(
            model_path=str(model),
            experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
        it.allocate_tensors()
        for d, (shape, dtype) in zip(it.get_input_details(), feeds):
            # Non-zero (storage value 20): divisors must not be zero.
            it.set_tensor(d["index"], np.full(shape, 20, dtype))
        it.invoke()
        return True, ""
    except Exception as e:  # LiteRT reports a missing kernel as RuntimeError/ValueError
        return False, str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def write_model(name, code, s, mode, tqopt_bin, out_dir, stem, act=None) -> tuple[Path, list]:
    """The single-op model, in the op's own form or else the generic one; its feeds."""
    for generic in (False, True):
        text, feeds = model_text(name, code, s, mode, generic, act)
        src = out_dir / f"{stem}{'_generic' if generic else ''}.mlir"
        src.write_text(text)
        dst = src.with_suffix(".tflite")
        r = subprocess.run([str(tqopt_bin), str(src), "-o", str(dst)], capture_output=True, text=True)
        if r.returncode == 0:
            return dst, feeds
        if generic:
            raise AssertionError(f"tqopt could not write the model of {name}:\n{r.stderr}\n{text}")
    raise AssertionError("unreachable")


def run_builtin(model: Path, feeds: list) -> list[np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(
        model_path=str(model),
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def computes_right(name, code, mode, zero_point, tqopt_bin, out_dir) -> tuple[bool, str]:
    """Whether LiteRT's quantized kernel computes the op: random inputs with activations of
    zero point `zero_point` (in and out share the parameters, as same-scale kernels need),
    dequantized outputs against the float op on the dequantized inputs, clipped to what the
    output type can hold, within 4 output steps plus 2% of the output's magnitude."""
    s = SPECS[name]
    scale = 0.05 if mode == "int8" else 0.0005
    storage = "i8" if mode == "int8" else "i16"
    act = f"!quant.uniform<{storage}:f32, {scale}:{zero_point}>"
    stem = f"{name.removeprefix('tfl.')}_{mode}_zp{zero_point}"
    qmodel, feeds = write_model(name, code, s, mode, tqopt_bin, out_dir, stem, act)
    fmodel, _ = write_model(name, code, s, "float", tqopt_bin, out_dir, stem + "_float")
    gen = np.random.default_rng(7)
    info = np.iinfo(np.int8 if mode == "int8" else np.int16)
    span = 40 if mode == "int8" else 4000
    qin = []
    for shape, dtype in feeds:
        low = 1 if s["positive"] else -span
        q = np.asarray(np.clip(gen.integers(low, span, shape) + zero_point, info.min, info.max))
        q[q == zero_point] += 1  # no real zeros: divisors
        qin.append(q.astype(dtype))
    fin = [((q.astype(np.float64) - zero_point) * scale).astype(np.float32) for q in qin]
    try:
        qout = run_builtin(qmodel, qin)
        fout = run_builtin(fmodel, fin)
    except (RuntimeError, ValueError) as e:
        return False, f"zero point {zero_point}: {str(e).strip().splitlines()[0]}"
    worst = []
    for r, q, ref in zip(s["results"], qout, fout):
        _, _, fixed, elem = r
        if elem is not None:
            continue  # integer and boolean results: nothing to dequantize
        if fixed is not None:
            text = fixed[mode]
            params = text.split(", ")[1].rstrip(">").split(":")
            s_out, z_out = float(params[0]), int(params[1]) if len(params) > 1 else 0
        else:
            s_out, z_out = scale, zero_point
        lo, hi = (info.min - z_out) * s_out, (info.max - z_out) * s_out
        got = (q.astype(np.float64) - z_out) * s_out
        want = np.clip(ref.astype(np.float64), lo, hi)
        ok = np.isfinite(ref)
        if not ok.any():
            continue
        err = float(np.max(np.abs(got - want)[ok]))
        bound = 4 * s_out + 0.02 * float(np.max(np.abs(want[ok])))
        worst.append((err, bound))
        if err > bound:
            return False, f"zero point {zero_point}: off by {err:.4g} (bound {bound:.4g})"
    return True, ", ".join(f"{e:.3g}<={b:.3g}" for e, b in worst)


def probe(name: str, code: int, mode: str, tqopt_bin: Path, out_dir: Path) -> tuple[bool, str]:
    s = SPECS[name]
    stem = f"{name.removeprefix('tfl.')}_{mode}"
    for generic in (False, True):
        text, feeds = model_text(name, code, s, mode, generic)
        src = out_dir / f"{stem}{'_generic' if generic else ''}.mlir"
        src.write_text(text)
        dst = src.with_suffix(".tflite")
        r = subprocess.run([str(tqopt_bin), str(src), "-o", str(dst)], capture_output=True, text=True)
        if r.returncode == 0:
            ok, why = litert_runs(dst, feeds)
            return ok, why + (" (generic form)" if generic else "")
        if generic:
            raise AssertionError(f"tqopt could not write the probe model of {name}:\n{r.stderr}\n{text}")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def op_table() -> list[dict]:
    if "TQOPT_OP_TABLE" in os.environ:
        exe = Path(os.environ["TQOPT_OP_TABLE"])
    else:
        _cargo_build("-p", "tqopt-ir", "--example", "op_table")
        exe = REPO / "target" / "release" / "examples" / "op_table"
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_every_table_op_is_probed_or_excused(op_table):
    names = {d["name"] for d in op_table}
    missing = sorted(n for n in names if n not in SPECS and n not in NOT_PROBED)
    assert not missing, f"ops with no probe spec: {missing}"
    stale = sorted(n for n in list(SPECS) + list(NOT_PROBED) if n not in names)
    assert not stale, f"probe specs for ops not in the table: {stale}"


def test_op_table_kernel_facts_match_litert(op_table, tqopt_bin, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("probe")
    report, disagreements = {}, []
    for d in op_table:
        name = d["name"]
        if name not in SPECS:
            continue
        modes = ["int8", "int16"] + (["hybrid"] if SPECS[name]["hybrid"] or d["hybrid"] else [])
        for mode in modes:
            if (name, mode) in UNDECIDED:
                report[f"{name} {mode}"] = {"runs": None, "why": UNDECIDED[(name, mode)]}
                continue
            runs, why = probe(name, d["code"], mode, tqopt_bin, out_dir)
            entry = {"runs": runs, "why": why}
            if runs and mode in ("int8", "int16") and name not in INTEGER_ONLY:
                # Running is not enough: the kernel must compute the quantized op. An int8
                # kernel right only at zero point 0 works on storage values (symmetric).
                zp = 3 if mode == "int8" else 0
                right, detail = computes_right(name, d["code"], mode, zp, tqopt_bin, out_dir)
                entry["numerics"] = detail
                if not right and mode == "int8":
                    at0, detail0 = computes_right(name, d["code"], mode, 0, tqopt_bin, out_dir)
                    entry["symmetric_only"] = at0
                    entry["numerics"] += "; at zero point 0: " + (detail0 if at0 else "wrong too")
                    right = at0
                entry["right"] = right
            report[f"{name} {mode}"] = entry
            table = d[mode]
            if runs and "right" in entry:
                if not entry["right"]:
                    why = "its results are wrong: " + entry["numerics"]
                runs = entry["right"]
                if mode == "int8" and entry.get("symmetric_only", False) != d["zero_point_0"]:
                    disagreements.append(
                        f"{name} int8: the table says the kernel "
                        f"{'needs' if d['zero_point_0'] else 'does not need'} zero point 0, "
                        f"LiteRT: {entry['numerics']}"
                    )
            if name in INTEGER_ONLY and mode != "hybrid":
                if table:
                    disagreements.append(
                        f"{name} {mode}: the table says a quantized kernel, but LiteRT's "
                        f"kernel is {INTEGER_ONLY[name]}"
                    )
                continue
            if runs != table:
                disagreements.append(
                    f"{name} {mode}: the table says {'a kernel' if table else 'no kernel'}, "
                    f"LiteRT {'computes it' if runs else 'does not: ' + why}"
                )
    if "TQOPT_PROBE_REPORT" in os.environ:
        Path(os.environ["TQOPT_PROBE_REPORT"]).write_text(json.dumps(report, indent=1))
    assert not disagreements, "\n".join(disagreements)
