#!/usr/bin/env python3
"""Samples per second: tqopt's interpreter against LiteRT's Python interpreter, in one run.

For each model (default: face_landmark and hand_landmark from tests/shared/models/mediapipe/):

  litert 2 threads      one ai_edge_litert Interpreter(num_threads=2) (XNNPACK, the default
                        delegate), invoked back to back
  litert 2 x 1 thread   two Interpreter(num_threads=1) invoked from two Python threads (invoke
                        releases the GIL), the same one-sample-per-core scheme tqopt uses
  tqopt N threads       interp/examples/throughput.rs: N threads, each running whole samples
  cpu ms/sample         CPU time per sample of LiteRT with one thread and of tqopt with one
                        thread: the cost of a sample even when other processes share the cores

All on the same random input in [0, 1), each measured for --seconds after a warm-up, and the
whole set --repeat times in turn; the best rate of each is kept, so that a burst of work from
another process on the machine spoils one round rather than the result. The script builds the
example in release mode first (cargo), unless --no-build.

Requires: pip install ai-edge-litert numpy
Usage: python3 interp/scripts/bench_throughput.py [--seconds 5] [--repeat 3] [--models ...]
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np


def litert_cpu_ms(path, seconds):
    """CPU milliseconds per sample of a one-thread LiteRT interpreter (process CPU time)."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        it.set_tensor(d["index"], rng.random(d["shape"], dtype=np.float32))
    for _ in range(10):
        it.invoke()
    n = 0
    cpu0 = time.process_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        it.invoke()
        n += 1
    return 1e3 * (time.process_time() - cpu0) / n


def litert_rate(path, threads_per_interp, interpreters, seconds):
    from ai_edge_litert.interpreter import Interpreter

    its = []
    for _ in range(interpreters):
        it = Interpreter(model_path=path, num_threads=threads_per_interp)
        it.allocate_tensors()
        rng = np.random.default_rng(0)
        for d in it.get_input_details():
            it.set_tensor(d["index"], rng.random(d["shape"], dtype=np.float32))
        for _ in range(10):
            it.invoke()
        its.append(it)
    counts = [0] * interpreters
    deadline = time.perf_counter() + seconds

    def work(i):
        it = its[i]
        n = 0
        while time.perf_counter() < deadline:
            it.invoke()
            n += 1
        counts[i] = n

    start = time.perf_counter()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(interpreters)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    return sum(counts) / elapsed


def tqopt_run(exe, path, threads, seconds):
    out = subprocess.run([exe, path, "--threads", str(threads), "--seconds", str(seconds)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def tqopt_rate(exe, path, threads, seconds):
    return tqopt_run(exe, path, threads, seconds)["samples_per_second"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=os.path.join(repo, "tests", "shared"))
    parser.add_argument("--models", default="face_landmark,hand_landmark")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()

    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(repo, "target"))
    exe = os.path.join(target, "release", "examples", "throughput")
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "tqopt-interp", "--example",
                        "throughput"], check=True, cwd=repo)
    if not os.path.exists(exe):
        sys.exit(f"{exe} not found: build it or drop --no-build")

    rows = []
    for model in args.models.split(","):
        path = os.path.join(args.shared, "models", "mediapipe", model + ".tflite")
        r = {"model": model}
        runs = {
            "litert 2 threads": lambda: litert_rate(path, 2, 1, args.seconds),
            "litert 2 x 1 thread": lambda: litert_rate(path, 1, 2, args.seconds),
            "tqopt 1 thread": lambda: tqopt_rate(exe, path, 1, args.seconds),
            "tqopt 2 threads": lambda: tqopt_rate(exe, path, 2, args.seconds),
        }
        for _ in range(max(1, args.repeat)):
            for name, measure in runs.items():
                r[name] = max(r.get(name, 0.0), measure())
            lc = litert_cpu_ms(path, args.seconds)
            tc = tqopt_run(exe, path, 1, args.seconds)["cpu_ms_per_sample"]
            r["litert cpu ms/sample"] = min(r.get("litert cpu ms/sample", lc), lc)
            r["tqopt cpu ms/sample"] = min(r.get("tqopt cpu ms/sample", tc), tc)
        r["tqopt / litert (2 threads)"] = r["tqopt 2 threads"] / r["litert 2 threads"]
        rows.append(r)
        print(json.dumps(r), flush=True)

    cols = ["litert 2 threads", "litert 2 x 1 thread", "tqopt 1 thread", "tqopt 2 threads"]
    print()
    print(f"{'samples/s':22}" + "".join(f"{c:>22}" for c in cols) + f"{'tqopt/litert':>15}")
    for r in rows:
        print(f"{r['model']:22}" + "".join(f"{r[c]:22.1f}" for c in cols)
              + f"{r['tqopt / litert (2 threads)']:15.2f}")
    print()
    print(f"{'cpu ms per sample':22}{'litert 1 thread':>22}{'tqopt 1 thread':>22}")
    for r in rows:
        print(f"{r['model']:22}{r['litert cpu ms/sample']:22.3f}{r['tqopt cpu ms/sample']:22.3f}")


if __name__ == "__main__":
    main()
