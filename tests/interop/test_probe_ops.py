"""The interpreter kernels of the ops modelled for issue 9 (REVERSE_V2, REVERSE_SEQUENCE, the
math ops, SELECT, SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND, FILL, RANGE, ADD_N, ZEROS_LIKE,
ONE_HOT, LOCAL_RESPONSE_NORMALIZATION, REDUCE_ANY / REDUCE_ALL, TOPK_V2, DYNAMIC_UPDATE_SLICE,
WHERE, BROADCAST_ARGS)
against LiteRT, one single-op model at a time.

Each model is written as MLIR text, exported with the tqopt CLI, run in LiteRT (builtin kernels,
no delegate) and in tqopt's interpreter (the ``run`` example of tqopt-interp), on the same
inputs. Every output must agree bit for bit, but float math (sin, cos, atan2, local response
normalization's power: LiteRT's optimized kernel orders it differently) to within 2 (4) ulp.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, _cargo_build

MLIR_TYPES = {
    np.dtype(np.float32): "f32",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.int8): "i8",
    np.dtype(np.int16): "i16",
    np.dtype(np.bool_): "i1",
}


def tensor_type(shape, dtype) -> str:
    dims = "x".join(str(d) if d is not None else "?" for d in shape)
    elem = MLIR_TYPES[np.dtype(dtype)]
    return f"tensor<{dims}x{elem}>" if dims else f"tensor<{elem}>"


def dense(a: np.ndarray) -> str:
    def lit(x):
        if a.dtype == np.bool_:
            return "true" if x else "false"
        if a.dtype == np.float32:
            return repr(float(x))
        return str(int(x))

    def nest(x):
        if x.ndim == 0:
            return lit(x)
        return "[" + ", ".join(nest(e) for e in x) + "]"

    return f"dense<{nest(a)}> : {tensor_type(a.shape, a.dtype)}"


@dataclass
class Case:
    """One op: operands are input arrays (function arguments) or constants."""

    name: str
    op: str
    operands: list  # ("arg", array) or ("const", array)
    result: tuple  # (shape with None for dynamic, dtype), or a list of them
    attrs: str = ""
    exact: bool = True
    ulps: int = 2
    results: int = 1
    extra: dict = field(default_factory=dict)

    def mlir(self) -> str:
        args, lines, names, types = [], [], [], []
        k = 0
        for kind, a in self.operands:
            t = tensor_type(a.shape, a.dtype)
            if kind == "arg":
                args.append(f"%arg{len(args)}: {t}")
                names.append(f"%arg{len(args) - 1}")
            else:
                lines.append(
                    f'    %c{k} = "tfl.pseudo_const"() <{{value = {dense(a)}}}> : () -> {t}'
                )
                names.append(f"%c{k}")
                k += 1
            types.append(t)
        results = self.result if isinstance(self.result, list) else [self.result]
        rts = [tensor_type(*r) for r in results]
        n = len(rts)
        attrs = f" <{{{self.attrs}}}>" if self.attrs else ""
        rdef = "%r" if n == 1 else f"%r:{n}"
        rt = rts[0] if n == 1 else "(" + ", ".join(rts) + ")"
        lines.append(
            f'    {rdef} = "{self.op}"({", ".join(names)}){attrs} : ({", ".join(types)}) -> {rt}'
        )
        uses = "%r" if n == 1 else ", ".join(f"%r#{i}" for i in range(n))
        lines.append(f"    return {uses} : {', '.join(rts)}")
        rt = ", ".join(rts)
        body = "\n".join(lines)
        return (
            f"module {{\n  func.func @main({', '.join(args)}) -> ({rt}) {{\n{body}\n  }}\n}}\n"
        )

    def feeds(self) -> list[np.ndarray]:
        return [a for kind, a in self.operands if kind == "arg"]


rng = np.random.default_rng(9)
F = lambda *s: rng.standard_normal(s).astype(np.float32) * 3  # noqa: E731
HALVES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.0, 0.0, 3.7, -3.7, 1e-3], np.float32)
I32 = lambda *a: np.array(*a, dtype=np.int32)  # noqa: E731


def unary(op, x, exact=True):
    return Case(op, f"tfl.{op}", [("arg", x)], (x.shape, x.dtype), exact=exact)


def binary(op, x, y, exact=True):
    shape = np.broadcast_shapes(x.shape, y.shape)
    return Case(op, f"tfl.{op}", [("arg", x), ("arg", y)], (shape, x.dtype), exact=exact)


def nonzero_i32(*shape):
    v = rng.integers(-20, 20, shape).astype(np.int32)
    v[v == 0] = 3
    return v


CASES = [
    Case("reverse_v2_f32", "tfl.reverse_v2", [("arg", F(2, 3, 4)), ("const", I32([1, -1]))],
         ((2, 3, 4), np.float32)),
    Case("reverse_v2_i32", "tfl.reverse_v2",
         [("arg", rng.integers(-9, 9, (5, 2)).astype(np.int32)), ("const", I32([0]))],
         ((5, 2), np.int32)),
    Case("reverse_sequence_batch0", "tfl.reverse_sequence",
         [("arg", F(3, 5, 2)), ("const", I32([2, 5, 0]))], ((3, 5, 2), np.float32),
         attrs="batch_dim = 0 : i64, seq_dim = 1 : i64"),
    Case("reverse_sequence_batch2", "tfl.reverse_sequence",
         [("arg", F(4, 2, 3)), ("const", np.array([1, 3, 4], np.int64))],
         ((4, 2, 3), np.float32), attrs="batch_dim = 2 : i64, seq_dim = 0 : i64"),
    unary("floor", np.concatenate([HALVES, F(20)])),
    unary("ceil", np.concatenate([HALVES, F(20)])),
    unary("round", np.concatenate([HALVES, F(20)])),
    unary("sin", np.concatenate([HALVES, F(40)]), exact=False),
    unary("cos", np.concatenate([HALVES, F(40)]), exact=False),
    unary("sign", np.concatenate([HALVES, F(20)])),
    Case("sign_i32", "tfl.sign", [("arg", I32([-5, 0, 7, -1]))], ((4,), np.int32)),
    binary("floor_div", F(3, 4), F(4)),
    Case("floor_div_i32", "tfl.floor_div", [("arg", rng.integers(-50, 50, (3, 4)).astype(np.int32)),
                                            ("arg", nonzero_i32(3, 1))], ((3, 4), np.int32)),
    binary("floor_mod", F(3, 4), F(3, 4)),
    Case("floor_mod_i32", "tfl.floor_mod", [("arg", rng.integers(-50, 50, (2, 6)).astype(np.int32)),
                                            ("arg", nonzero_i32(6))], ((2, 6), np.int32)),
    binary("atan2", F(5, 3), F(5, 3), exact=False),
    unary("zeros_like", F(2, 3)),
    Case("select_same_shape", "tfl.select",
         [("const", rng.random((2, 3)) > 0.5), ("arg", F(2, 3)), ("arg", F(2, 3))],
         ((2, 3), np.float32)),
    Case("select_rows", "tfl.select",
         [("const", np.array([True, False, True])), ("arg", F(3, 2, 2)), ("arg", F(3, 2, 2))],
         ((3, 2, 2), np.float32)),
    Case("space_to_batch_nd_4d", "tfl.space_to_batch_nd",
         [("arg", F(2, 5, 4, 3)), ("const", I32([2, 3])), ("const", I32([[1, 0], [1, 1]]))],
         ((12, 3, 2, 3), np.float32)),
    Case("space_to_batch_nd_3d", "tfl.space_to_batch_nd",
         [("arg", F(2, 7, 3)), ("const", I32([3])), ("const", I32([[1, 1]]))],
         ((6, 3, 3), np.float32)),
    Case("batch_to_space_nd_4d", "tfl.batch_to_space_nd",
         [("arg", F(8, 3, 2, 2)), ("const", I32([2, 2])), ("const", I32([[1, 0], [0, 1]]))],
         ((2, 5, 3, 2), np.float32)),
    Case("batch_to_space_nd_3d", "tfl.batch_to_space_nd",
         [("arg", F(6, 3, 2)), ("const", I32([3])), ("const", I32([[1, 2]]))],
         ((2, 6, 2), np.float32)),
    Case("fill", "tfl.fill", [("const", I32([2, 3])), ("arg", np.array(1.25, np.float32))],
         ((2, 3), np.float32)),
    Case("range_i32", "tfl.range",
         [("arg", np.array(2, np.int32)), ("const", np.array(11, np.int32)),
          ("const", np.array(3, np.int32))], ((None,), np.int32)),
    Case("range_f32", "tfl.range",
         [("arg", np.array(0.5, np.float32)), ("const", np.array(-1.0, np.float32)),
          ("const", np.array(-0.25, np.float32))], ((None,), np.float32)),
    Case("one_hot_last", "tfl.one_hot",
         [("arg", I32([[0, 3], [2, -1]])), ("const", np.array(4, np.int32)),
          ("const", np.array(2.5, np.float32)), ("const", np.array(-1.0, np.float32))],
         ((2, 2, 4), np.float32), attrs="axis = -1 : i32"),
    Case("one_hot_axis0", "tfl.one_hot",
         [("arg", I32([1, 0, 2])), ("const", np.array(3, np.int32)),
          ("const", np.array(7, np.int32)), ("const", np.array(0, np.int32))],
         ((3, 3), np.int32), attrs="axis = 0 : i32"),
    Case("local_response_normalization", "tfl.local_response_normalization",
         [("arg", F(1, 3, 3, 8))], ((1, 3, 3, 8), np.float32),
         attrs="alpha = 2.000000e-01 : f32, beta = 7.500000e-01 : f32, bias = 1.500000e+00 : f32, radius = 2 : i32",
         exact=False, ulps=4),
    Case("reduce_any", "tfl.reduce_any",
         [("const", np.array([[True, False, False], [False, False, False]])), ("const", I32([1]))],
         ((2,), np.bool_), attrs="keep_dims = false"),
    Case("reduce_all", "tfl.reduce_all",
         [("const", np.array([[True, True, False], [True, True, True]])), ("const", I32([1]))],
         ((2, 1), np.bool_), attrs="keep_dims = true"),
    Case("topk_v2", "tfl.topk_v2",
         [("arg", np.array([[1.0, 3.0, 3.0, -2.0, 7.0], [0.5, 0.5, 0.5, 0.5, 0.5]], np.float32)),
          ("const", np.array(3, np.int32))], [((2, 3), np.float32), ((2, 3), np.int32)]),
    Case("dynamic_update_slice", "tfl.dynamic_update_slice",
         [("arg", F(2, 5, 3)), ("arg", F(1, 3, 2)), ("const", I32([1, 4, -2]))],
         ((2, 5, 3), np.float32)),
    Case("where", "tfl.where",
         [("const", np.array([[True, False, True], [False, False, True]]))],
         ((None, 2), np.int64)),
    Case("broadcast_args", "tfl.broadcast_args",
         [("const", I32([2, 1, 3])), ("const", I32([4, 1]))], ((3,), np.int32)),
    Case("add_n", "tfl.add_n", [("arg", F(2, 3)), ("arg", F(2, 3)), ("arg", F(2, 3))],
         ((2, 3), np.float32)),
]


@pytest.fixture(scope="session")
def interp_run_bin() -> Path:
    if "TQOPT_INTERP_RUN" in os.environ:
        return Path(os.environ["TQOPT_INTERP_RUN"])
    _cargo_build("-p", "tqopt-interp", "--example", "run")
    return REPO / "target" / "release" / "examples" / "run"


def litert(model: Path, feeds: list[np.ndarray]) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(
        model_path=str(model),
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), feeds):
        if list(d["shape"]) != list(x.shape):
            it.resize_tensor_input(d["index"], x.shape)
            it.allocate_tensors()
    for d, x in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_kernel_matches_litert(case: Case, tqopt_cli, interp_run_bin, out_dir):
    src = out_dir / f"{case.name}.mlir"
    src.write_text(case.mlir())
    model = tqopt_cli(src, out_dir / f"{case.name}.tflite")
    feeds = case.feeds()
    want = litert(model, feeds)
    paths = []
    for k, x in enumerate(feeds):
        paths.append(out_dir / f"input_{k}.npy")
        np.save(paths[-1], x)
    r = subprocess.run(
        [str(interp_run_bin), str(model), str(out_dir), *map(str, paths)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    for k, want_k in enumerate(want):
        got = np.load(out_dir / f"output_{k}.npy")
        assert got.shape == want_k.shape and got.dtype == want_k.dtype, (k, got, want_k)
        if case.exact:
            np.testing.assert_array_equal(got, want_k)
        else:
            spacing = np.spacing(np.abs(want_k).astype(np.float32))
            worst = np.max(np.abs(got - want_k))
            assert np.all(np.abs(got - want_k) <= case.ulps * spacing + 1e-30), worst
