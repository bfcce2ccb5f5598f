"""examples/ray_calibrate.py: shards calibrated in Ray tasks, merged, give the command line's
bytes. Runs when ray is installed (pip install ray into the test environment), else skips."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")

from test_api import ROOT, ZOO, cli  # noqa: E402


def test_sharded_calibration_on_ray_gives_the_cli_bytes(tmp_path):
    out = tmp_path / "ray.tflite"
    r = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "ray_calibrate.py"), str(ZOO / "bert.tflite"),
         str(ZOO / "bert_calib.npz"), str(out), "--shards", "3",
         "--save-stats", str(tmp_path / "merged.json")],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    expected = cli(tmp_path, ZOO / "bert.tflite", "--pass=quantize-int8",
                   f"--calibration-data={ZOO / 'bert_calib.npz'}")
    assert out.read_bytes() == expected
    assert cli(tmp_path, ZOO / "bert.tflite", "--pass=quantize-int8",
               f"--statistics={tmp_path / 'merged.json'}") == expected
