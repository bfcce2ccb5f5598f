#!/usr/bin/env python3
"""Sharded calibration on Ray: split the calibration data into N shards, calibrate each in a Ray
task, merge the statistics and quantize. For minmax (the default) the output is byte-identical
to ``tqopt MODEL --pass=quantize-int8 --calibration-data=CALIB -o OUT``.

    python examples/ray_calibrate.py model.tflite calib.npy model_int8.tflite --shards 4

CALIB is a ``.npy`` (one input; samples along the first axis) or a ``.npz`` (one array per
input, keyed by input name, as the command line takes). Each task reads only its own slice of
the file (a ``.npy`` is memory-mapped), so on a cluster (``--address=auto`` or
``ray://head:10001``) the file must be at the same path on every node (shared storage), and no
node holds more than its shard. Needs ``pip install ./python ray``.
"""

import argparse
import sys
import time

import numpy as np
import ray

import tqopt


def load_slice(path, start, stop):
    """Samples [start, stop) of a .npy (memory-mapped) or .npz file."""
    if path.endswith(".npz"):
        with np.load(path) as z:
            return {k: z[k][start:stop] for k in z.files}
    return np.load(path, mmap_mode="r")[start:stop]


def sample_count(path):
    if path.endswith(".npz"):
        with np.load(path) as z:
            counts = {len(z[k]) for k in z.files}
        if len(counts) != 1:
            sys.exit(f"{path}: the arrays hold different numbers of samples")
        return counts.pop()
    return len(np.load(path, mmap_mode="r"))


@ray.remote
def calibrate_shard(model, path, start, stop, mode, options):
    """One shard's statistics, as JSON (small, and the same on every Python)."""
    data = load_slice(path, start, stop)
    return tqopt.calibrate(model, data, mode=mode, **options).to_json()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="the float .tflite model")
    p.add_argument("calib", help="calibration data: .npy (one input) or .npz (one array per input)")
    p.add_argument("out", help="the quantized .tflite to write")
    p.add_argument("--shards", type=int, default=4, help="how many Ray tasks (default 4)")
    p.add_argument("--mode", default="int8", choices=["int8", "int16x8"])
    p.add_argument("--method", default="minmax", choices=["minmax", "moving-average", "percentile", "mse"])
    p.add_argument("--address", default=None, help="a Ray cluster's address (default: a local Ray)")
    p.add_argument("--save-stats", help="also save the merged statistics (JSON) here")
    args = p.parse_args(argv)

    n = sample_count(args.calib)
    if not 1 <= args.shards <= n:
        sys.exit(f"--shards must be between 1 and the number of samples ({n})")
    bounds = np.linspace(0, n, args.shards + 1).astype(int)
    with open(args.model, "rb") as f:
        model = f.read()

    ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    started = time.time()
    model_ref = ray.put(model)
    options = {"method": args.method}
    futures = [
        calibrate_shard.remote(model_ref, args.calib, int(a), int(b), args.mode, options)
        for a, b in zip(bounds, bounds[1:])
    ]
    shards = [tqopt.Statistics.from_json(s) for s in ray.get(futures)]
    ray.shutdown()
    merged = shards[0].merge(*shards[1:])
    if args.save_stats:
        merged.save(args.save_stats)
    q = tqopt.quantize(model, mode=args.mode, statistics=merged)
    q.save(args.out)
    r = q.report
    print(
        f"{args.out}: {len(q.model_bytes())} bytes, {r['quantized_ops']} of {r['total_ops']} ops "
        f"quantized; {merged.samples} samples in {args.shards} shards, {time.time() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
