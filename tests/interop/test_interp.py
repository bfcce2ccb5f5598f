"""tqopt's interpreter against LiteRT: every shared model, fed every photo, gives LiteRT's float
outputs to within 1e-4 of the output's magnitude (max |diff| <= 1e-4 * max(1, max |LiteRT|)).

The interpreter runs through the ``run`` example of tqopt-interp (inputs and outputs as .npy);
LiteRT runs with its default (XNNPACK) kernels, which also run selfie_segmentation's custom op.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SHARED_MODELS, input_details, input_range, prepare_input, run_litert

BOUND = 1e-4


@pytest.fixture(scope="session")
def interp_run_bin() -> Path:
    if "TQOPT_INTERP_RUN" in os.environ:
        return Path(os.environ["TQOPT_INTERP_RUN"])
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", "tqopt-interp", "--example", "run"],
        cwd=REPO,
        check=True,
    )
    return REPO / "target" / "release" / "examples" / "run"


@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
def test_interpreter_matches_litert(model: Path, images, interp_run_bin, out_dir):
    for name in sorted(images):
        feeds = [prepare_input(images[name], d, input_range(model)) for d in input_details(model)]
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
        expected = run_litert(model, feeds)
        for k, want in enumerate(expected):
            got = np.load(out_dir / f"output_{k}.npy")
            assert got.shape == want.shape, f"{name}: output {k} shape"
            bound = BOUND * max(1.0, float(np.max(np.abs(want))))
            worst = float(np.max(np.abs(got - want)))
            assert worst <= bound, f"{name}: output {k} differs by {worst:.3e} (bound {bound:.3e})"
