#!/usr/bin/env python3
"""Side by side with TensorFlow's converter, in LiteRT.

For each model built by scripts/compare/build_models.py (in OUT, default target/compare),
quantizes the float model with tqopt and compares it with TensorFlow's conversion of the same
Keras model on the same calibration data:
  int8      quantize-int8 (true calibration ranges): scale and zero point of every tensor both models name (relative
            difference <= 1e-5 counts as equal), output SQNR against the float model on held-out
            samples, latency in LiteRT (1 thread, median of 50 runs)
  int8-compat  the same, calibrating as TensorFlow's calibrator does (tflite-compat=true, which
            reproduces its in-place logging artifact) — TensorFlow's scales exactly
  dynamic   quantize-dynamic-range vs TF's dynamic range: ops with int8 weights, size, SQNR, latency
  float16   quantize-float16 vs TF's float16: size, SQNR, latency
Usage: scripts/compare/compare.py [--modes int8,int8-compat,dynamic,float16] [--no-build]
Needs ai-edge-litert and numpy, and a release build of tqopt (built unless --no-build).
"""
import argparse
import os
import statistics
import subprocess
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TQOPT = os.path.join(ROOT, "target", "release", "tqopt")
MODELS = ("cnn", "mobilenet", "transformer")
PIPELINE = {
    "int8": "quantize-int8",
    "int8-compat": "quantize-int8{tflite-compat=true}",
    "dynamic": "quantize-dynamic-range",
    "float16": "quantize-float16",
}
TF_SUFFIX = {"int8": "tf_int8", "int8-compat": "tf_int8", "dynamic": "tf_dynamic", "float16": "tf_float16"}


def interpreter(path, threads=1):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=path, num_threads=threads)
    it.allocate_tensors()
    return it


def run(it, x):
    inp = it.get_input_details()[0]
    data = x[None, ...] if x.ndim == len(inp["shape"]) - 1 else x
    if inp["dtype"] != np.float32:
        scale, zp = inp["quantization"]
        data = np.clip(np.round(data / scale + zp), -128, 127).astype(inp["dtype"])
    it.set_tensor(inp["index"], data.astype(inp["dtype"]))
    it.invoke()
    outs = []
    for o in it.get_output_details():
        y = it.get_tensor(o["index"]).astype(np.float32)
        if o["dtype"] != np.float32:
            scale, zp = o["quantization"]
            y = (y - zp) * scale
        outs.append(y.ravel())
    return np.concatenate(outs)


def sqnr(reference, test):
    noise = np.sum((reference - test) ** 2)
    return float("inf") if noise == 0 else 10 * np.log10(np.sum(reference**2) / noise)


def latency_ms(path, x, runs=50):
    it = interpreter(path, threads=1)
    run(it, x)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(it, x)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def tensor_params(path):
    """{name: (scales, zero_points)} of every quantized tensor."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(open(path, "rb").read(), 0))
    out = {}
    for t in model.subgraphs[0].tensors:
        q = t.quantization
        if q is not None and q.scale is not None and len(q.scale) > 0:
            out[t.name.decode()] = (np.array(q.scale, dtype=np.float64), np.array(q.zeroPoint))
    return out


def reduced_weight_ops(path):
    """(position, op code, weight type) of every op reading a constant int8 or float16 tensor,
    directly or through a DEQUANTIZE: the ops whose weights were quantized. Positions count the
    other ops only (TensorFlow's float16 conversion renames tensors, so names cannot match)."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(open(path, "rb").read(), 0))
    names = {v: k for k, v in schema.BuiltinOperator.__dict__.items() if not k.startswith("_")}
    sg = model.subgraphs[0]

    def code(op):
        c = model.operatorCodes[op.opcodeIndex]
        return names.get(max(c.builtinCode, c.deprecatedBuiltinCode), str(c.builtinCode))

    def constant(t):
        b = model.buffers[sg.tensors[t].buffer]
        return b.data is not None and len(b.data) > 0

    reduced = {9: "int8", 1: "float16"}
    dequantized = {op.outputs[0]: sg.tensors[op.inputs[0]].type for op in sg.operators
                   if code(op) == "DEQUANTIZE" and op.inputs[0] >= 0 and constant(op.inputs[0])}
    out = []
    position = -1
    for op in sg.operators:
        if code(op) == "DEQUANTIZE":
            continue
        position += 1
        for t in op.inputs:
            if t < 0:
                continue
            kind = dequantized.get(t) if t in dequantized else (sg.tensors[t].type if constant(t) else None)
            if kind in reduced:
                out.append((position, code(op), reduced[kind]))
                break
    return sorted(out)


def compare_params(ours, theirs):
    both = sorted(set(ours) & set(theirs))
    equal, differ = 0, []
    for name in both:
        (s1, z1), (s2, z2) = ours[name], theirs[name]
        same = s1.shape == s2.shape and np.all(np.abs(s1 - s2) <= 1e-5 * np.abs(s2)) and np.array_equal(z1, z2)
        if same:
            equal += 1
        else:
            differ.append(name)
    return equal, len(both), differ


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "compare"))
    ap.add_argument("--modes", default="int8,int8-compat,dynamic,float16")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--show-differences", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "tqopt"], cwd=ROOT, check=True)

    for mode in args.modes.split(","):
        print(f"\n== {mode}: tqopt {PIPELINE[mode]} vs TensorFlow")
        header = f"{'model':<12} {'float B':>8} {'TF B':>8} {'tqopt B':>8} {'TF SQNR':>8} {'tqopt SQNR':>10} {'TF ms':>7} {'tqopt ms':>8}"
        if mode.startswith("int8"):
            header += f" {'params equal':>14}"
        else:
            header += f" {'ops with reduced weights (TF/tqopt, same?)':>44}"
        print(header)
        for name in MODELS:
            base = os.path.join(args.out, name)
            float_path = f"{base}_float.tflite"
            tf_path = f"{base}_{TF_SUFFIX[mode]}.tflite"
            ours_path = f"{base}_tqopt_{mode}.tflite"
            cmd = [TQOPT, float_path, f"--pass={PIPELINE[mode]}", "-o", ours_path]
            if mode.startswith("int8"):
                cmd.append(f"--calibration-data={base}_calibration.npy")
            subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
            evals = np.load(f"{base}_eval.npy")
            f_it, tf_it, our_it = interpreter(float_path), interpreter(tf_path), interpreter(ours_path)
            ref = np.concatenate([run(f_it, x) for x in evals])
            tf_out = np.concatenate([run(tf_it, x) for x in evals])
            our_out = np.concatenate([run(our_it, x) for x in evals])
            sizes = [os.path.getsize(p) for p in (float_path, tf_path, ours_path)]
            line = (
                f"{name:<12} {sizes[0]:>8} {sizes[1]:>8} {sizes[2]:>8} {sqnr(ref, tf_out):>8.2f} {sqnr(ref, our_out):>10.2f}"
                f" {latency_ms(tf_path, evals[0]):>7.3f} {latency_ms(ours_path, evals[0]):>8.3f}"
            )
            if mode.startswith("int8"):
                equal, total, differ = compare_params(tensor_params(ours_path), tensor_params(tf_path))
                line += f" {equal:>6}/{total:<4}({100.0 * equal / max(total, 1):.1f}%)"
                if args.show_differences:
                    for d in differ:
                        print("   differs:", d, tensor_params(ours_path)[d][0][:3], tensor_params(tf_path)[d][0][:3],
                              tensor_params(ours_path)[d][1][:3], tensor_params(tf_path)[d][1][:3])
            if not mode.startswith("int8"):
                theirs, ours = reduced_weight_ops(tf_path), reduced_weight_ops(ours_path)
                line += f" {len(theirs):>10}/{len(ours):<4}{'same' if theirs == ours else 'DIFFERENT'}"
                if args.show_differences and theirs != ours:
                    print("   only TF:", sorted(set(theirs) - set(ours)))
                    print("   only tqopt:", sorted(set(ours) - set(theirs)))
            print(line)


if __name__ == "__main__":
    main()
