#!/usr/bin/env python3
"""The model zoo table: every model of tests/models/zoo in every mode, tqopt beside TensorFlow's
converter and ai-edge-quantizer (AEQ).

For each model and mode it quantizes the float model with tqopt, runs the result in LiteRT's
default interpreter (XNNPACK on) on the held-out samples, and prints whether it runs, its output
SQNR against the float model (dB) and its size. TensorFlow's and AEQ's figures come from
tests/models/zoo/tf_reference.json, measured the same way by scripts/fixtures/zoo_models.py
(which needs TensorFlow; this script does not). "crash" means the tool died (SIGSEGV),
"fails" that it refused the model, "no run" that LiteRT's default interpreter refused the
model it wrote.

Usage: scripts/compare/zoo.py [--bin target/release/tqopt] [--markdown]
Needs ai-edge-litert and numpy, and a release build of tqopt.
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from zoo_common import MODES, ZOO, litert_outputs, load_samples, run_tqopt, sqnr_db  # noqa: E402


def peer_cell(res):
    if not res:
        return "-"
    if not res.get("converted"):
        return "crash" if "crashed" in res else "fails"
    if not res.get("runs_default"):
        return "no run"
    return f"{res['sqnr_db']:.1f} dB {res['bytes'] / 1024:.0f}K"


def tqopt_cell(bin_path, model, mode, tmp):
    out, report = Path(tmp) / f"{model}_{mode}.tflite", Path(tmp) / "report.json"
    r = run_tqopt(bin_path, model, mode, out, report)
    if r.returncode != 0:
        first = next((l for l in r.stderr.splitlines() if "error" in l), r.stderr.strip()[:80])
        return ("refused (strict)" if "cannot be quantized" in r.stderr else "fails"), first
    evals = load_samples(ZOO / f"{model}_eval.npz")
    try:
        got = litert_outputs(out, evals)
    except Exception as e:  # noqa: BLE001 - reported in the table
        return "no run", str(e).splitlines()[0][:120]
    ref = litert_outputs(ZOO / f"{model}.tflite", evals)
    return f"{sqnr_db(ref, got):.1f} dB {out.stat().st_size / 1024:.0f}K", ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "tqopt"))
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    reference = json.loads((ZOO / "tf_reference.json").read_text())
    models = sorted(p.stem for p in ZOO.glob("*.tflite"))
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            ref = reference.get(model, {})
            for mode, (_, tf_key) in MODES.items():
                ours, why = tqopt_cell(args.bin, model, mode, tmp)
                tf = peer_cell(ref.get(tf_key)) if mode != "uint8_strict" else "-"
                aeq = peer_cell(ref.get(f"aeq_{mode}"))
                rows.append((model, mode, ours, tf, aeq))
                if why:
                    notes.append(f"{model} {mode}: {why}")
    head = ("model", "mode", "tqopt", "TensorFlow", "AEQ")
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
        for r in [head] + rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
