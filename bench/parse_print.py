#!/usr/bin/env python3
"""Benchmark: parse + print of the largest file in tests/shared/reference-mlir, tqopt against
upstream mlir-opt 19, in one run so the two share the machine's state.

mlir-opt cannot read TensorFlow's custom forms (`tfl.add %a, %b ...`), so both tools read the
generic-form printout of the file, which is the same IR. tqopt is also timed on the original
TensorFlow printout. Runs are interleaved and the median of each is reported, with the ratio.

Usage: bench/parse_print.py [--runs N] [--no-build]
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
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "tqopt"], cwd=ROOT, check=True)
    if not os.path.exists(MLIR_OPT):
        sys.exit(f"mlir-opt not found at {MLIR_OPT} (install Debian's mlir-19-tools or set MLIR_OPT)")

    files = [os.path.join(SHARED, f) for f in os.listdir(SHARED) if f.endswith(".mlir")]
    largest = max(files, key=os.path.getsize)
    with tempfile.TemporaryDirectory() as tmp:
        generic = os.path.join(tmp, "generic.mlir")
        subprocess.run([TQOPT, largest, "-o", generic], check=True)
        # The same IR: mlir-opt's printout of it must parse back to what tqopt printed.
        check = subprocess.run([MLIR_OPT, "--allow-unregistered-dialect", generic], check=True, capture_output=True)
        with open(generic, "rb") as f:
            assert check.stdout.rstrip() == f.read().rstrip(), "mlir-opt prints this file differently"

        runs = {"tqopt (generic form)": [], "mlir-opt (generic form)": [], "tqopt (TensorFlow printout)": []}
        for _ in range(args.runs):
            runs["tqopt (generic form)"].append(timed([TQOPT, generic, "-o", os.devnull]))
            runs["mlir-opt (generic form)"].append(timed([MLIR_OPT, "--allow-unregistered-dialect", generic, "-o", os.devnull]))
            runs["tqopt (TensorFlow printout)"].append(timed([TQOPT, largest, "-o", os.devnull]))

    size = os.path.getsize(largest) / 1e6
    print(f"parse + print of {os.path.basename(largest)} ({size:.1f} MB), {args.runs} interleaved runs each")
    print(f"{'tool':<30} {'median ms':>10} {'min ms':>8}")
    for name, times in runs.items():
        print(f"{name:<30} {1e3 * statistics.median(times):>10.2f} {1e3 * min(times):>8.2f}")
    ratio = statistics.median(runs["mlir-opt (generic form)"]) / statistics.median(runs["tqopt (generic form)"])
    print(f"ratio mlir-opt / tqopt (median, same file): {ratio:.2f}x  (target: >= 2x)")


if __name__ == "__main__":
    main()
