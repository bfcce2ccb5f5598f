"""``tqopt eval --per-layer --html`` in a real browser, and the per-layer names against LiteRT.

hand_recrop is quantized by tqopt (calibrated on 4 shared photos) and evaluated on 2 others
with ``--per-layer --html --report --model-explorer``. Debian's ``chromium --headless``
renders the page to a screenshot: it must exit cleanly, report no page error, and the picture
must hold the plot (pixels of the accumulated line's and the isolated dots' colours), which
proves the inline SVG rendered. The layer names the report (and the Model Explorer node data)
uses must be tensor names of the int8 model as LiteRT reads it, since Model Explorer finds a
node by its output tensor names.

chromium is not installed by scripts/test.sh (``apt-get install chromium`` took 1 min 14 s
here): without it, the browser test is skipped, saying so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import IMAGES_DIR, MODELS_DIR, input_details, prepare_input

MODEL = "hand_recrop"
# The plot's colours (tqopt/src/eval/html.rs: .acc stroke, .iso fill).
ACCUMULATED_RGB = (0x2B, 0x6C, 0xB0)
ISOLATED_RGB = (0xDD, 0x6B, 0x20)


@pytest.fixture(scope="module")
def evaluated(tqopt_bin, images, tmp_path_factory) -> dict:
    model = MODELS_DIR / f"{MODEL}.tflite"
    if not model.exists():
        pytest.skip(f"{model} is missing")
    out = tmp_path_factory.mktemp("eval_html")
    names = sorted(images)
    calibration = out / "calibration"
    calibration.mkdir()
    for name in names[:4]:
        src = next(IMAGES_DIR.glob(name + ".*"))
        (calibration / src.name).symlink_to(src)
    int8 = out / "int8.tflite"
    r = subprocess.run(
        [str(tqopt_bin), str(model), "--pass=quantize-int8", f"--calibration-data={calibration}",
         "-o", str(int8), "--no-progress"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    detail = input_details(model)[0]
    data = out / "eval.npy"
    np.save(data, np.stack([prepare_input(images[n], detail) for n in names[-2:]]))
    paths = {k: out / f for k, f in
             (("html", "r.html"), ("report", "r.json"), ("me", "me.json"))}
    r = subprocess.run(
        [str(tqopt_bin), "eval", str(int8), "--reference", str(model), "--data", str(data),
         "--per-layer", "--html", str(paths["html"]), "--report", str(paths["report"]),
         "--model-explorer", str(paths["me"]), "--no-progress"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    print(f"\n{r.stdout}", end="")
    return {"int8": int8, "out": out, **paths}


def test_layer_names_are_the_int8_models_tensor_names(evaluated):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(evaluated["int8"]))
    tensors = {d["name"] for d in interpreter.get_tensor_details()}
    report = json.loads(evaluated["report"].read_text())
    layers = report["layers"]
    assert len(layers) > 10, "hand_recrop has dozens of quantized tensors"
    missing = [l["name"] for l in layers if l["name"] not in tensors]
    assert not missing, f"layer names that are no tensor of the int8 model: {missing}"
    node_data = json.loads(evaluated["me"].read_text())
    assert set(node_data["results"]) <= tensors
    assert len(node_data["results"]) == len(layers)
    # Every layer was measured both ways, except those that read a tensor equalize-channels
    # rescaled (NAME/equalized: no tensor of the float model holds its values).
    unmeasured = [(l["name"], l.get("isolated_error")) for l in layers if l["isolated"] is None]
    assert all("/equalized" in (why or "") for _, why in unmeasured), unmeasured
    assert len(unmeasured) < len(layers) / 2, unmeasured


def test_html_report_renders_in_chromium(evaluated):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian package 'chromium'; scripts/test.sh "
                    "installs it)")
    shot = evaluated["out"] / "shot.png"
    page = evaluated["html"].resolve().as_uri()
    r = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         # No network (the report is self-contained; a closed network refuses Chromium's own
         # background connections) and a fresh profile under the test's temporary folder.
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-quic", "--no-first-run", f"--user-data-dir={evaluated['out'] / 'profile'}",
         "--window-size=1100,1400", f"--screenshot={shot}", page],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    # Page errors (a console message, an uncaught error) would be logged; the browser's own
    # D-Bus and GPU complaints in a container are not about the page.
    page_errors = [line for line in r.stderr.splitlines()
                   if "CONSOLE" in line or "Uncaught" in line or "net::ERR" in line]
    assert not page_errors, page_errors
    image = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    assert image.shape[0] == 1100 * 1400

    def count(rgb):
        return int(np.sum(np.all(np.abs(image.astype(int) - rgb) <= 8, axis=1)))

    assert count(ACCUMULATED_RGB) > 100, "the accumulated SQNR line is not in the picture"
    assert count(ISOLATED_RGB) > 100, "the isolated SQNR dots are not in the picture"
