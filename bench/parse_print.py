#!/usr/bin/env python3
"""Benchmark: parse + print, tqopt against upstream mlir-opt 19, in one run so the two share the
machine's state. Two kinds of file (issue 15 §7):

- constant-heavy: the largest file in tests/shared/reference-mlir (a MediaPipe model), in the
  generic form both tools read (mlir-opt cannot read TensorFlow's custom forms; tqopt is also
  timed on the original TensorFlow printout);
- op-heavy: a chain of N tfl.add / tfl.mul ops, each with its own 16-element constant
  (N = 10,000 and 100,000: 20,000 and 200,000 ops in all).

Runs are interleaved; the median wall time and the peak RSS of each tool are reported, with
the time ratio. Outputs go to a temporary directory.

Usage: bench/parse_print.py [--runs N] [--no-build] [--quick]  (--quick: skip 200,000 ops)
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "tests", "shared", "reference-mlir")
TQOPT = os.path.join(ROOT, "target", "release", "tqopt")
MLIR_OPT = os.environ.get("MLIR_OPT", "/usr/lib/llvm-19/bin/mlir-opt")


def timed(cmd):
    """(wall seconds, peak RSS in MB) of one run."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


def op_chain(path, n):
    """A chain of N tfl.add/tfl.mul, each with its own 16-element constant (2N ops)."""
    with open(path, "w") as f:
        f.write("module {\n  func.func @main(%arg0: tensor<16xf32>) -> tensor<16xf32> {\n")
        prev = "%arg0"
        for i in range(n):
            values = ", ".join(f"{float(j + i % 7):.1f}" for j in range(16))
            f.write(f'    %c{i} = "tfl.pseudo_const"() <{{value = dense<[{values}]> : tensor<16xf32>}}> : () -> tensor<16xf32>\n')
            op = "tfl.add" if i % 2 == 0 else "tfl.mul"
            f.write(f'    %v{i} = "{op}"({prev}, %c{i}) <{{fused_activation_function = "NONE"}}> : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>\n')
            prev = f"%v{i}"
        f.write(f"    return {prev} : tensor<16xf32>\n  }}\n}}\n")


def measure(label, runs, commands):
    """Interleaved runs of each named command; prints one line per command."""
    results = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            results[name].append(timed(cmd))
    print(label)
    print(f"  {'tool':<30} {'median ms':>10} {'min ms':>8} {'peak MB':>8}")
    for name, rs in results.items():
        times = [t for t, _ in rs]
        print(f"  {name:<30} {1e3 * statistics.median(times):>10.2f} {1e3 * min(times):>8.2f} {max(m for _, m in rs):>8.0f}")
    ratio = statistics.median(t for t, _ in results["mlir-opt"]) / statistics.median(t for t, _ in results["tqopt"])
    print(f"  ratio mlir-opt / tqopt (median): {ratio:.2f}x  (target: >= 2x)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "tqopt"], cwd=ROOT, check=True)
    if not os.path.exists(MLIR_OPT):
        sys.exit(f"mlir-opt not found at {MLIR_OPT} (install Debian's mlir-19-tools or set MLIR_OPT)")

    files = [os.path.join(SHARED, f) for f in os.listdir(SHARED) if f.endswith(".mlir")]
    largest = max(files, key=os.path.getsize)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.mlir")
        generic = os.path.join(tmp, "generic.mlir")
        subprocess.run([TQOPT, largest, "-o", generic], check=True)
        # The same IR: mlir-opt's printout of it must parse back to what tqopt printed.
        check = subprocess.run([MLIR_OPT, "--allow-unregistered-dialect", generic], check=True, capture_output=True)
        with open(generic, "rb") as f:
            assert check.stdout.rstrip() == f.read().rstrip(), "mlir-opt prints this file differently"
        size = os.path.getsize(largest) / 1e6
        measure(f"constant-heavy: {os.path.basename(largest)} ({size:.1f} MB), {args.runs} interleaved runs", args.runs, {
            "tqopt": [TQOPT, generic, "-o", out],
            "mlir-opt": [MLIR_OPT, "--allow-unregistered-dialect", generic, "-o", out],
            "tqopt (TensorFlow printout)": [TQOPT, largest, "-o", out],
        })
        for n in (10_000,) if args.quick else (10_000, 100_000):
            chain = os.path.join(tmp, f"chain{n}.mlir")
            op_chain(chain, n)
            size = os.path.getsize(chain) / 1e6
            measure(f"op-heavy: {2 * n:,} ops ({size:.1f} MB), {args.runs} interleaved runs", args.runs, {
                "tqopt": [TQOPT, chain, "-o", out],
                "mlir-opt": [MLIR_OPT, "--allow-unregistered-dialect", chain, "-o", out],
            })


if __name__ == "__main__":
    main()
