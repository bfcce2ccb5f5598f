#!/usr/bin/env python3
"""Makes the LiteRT reference fixtures for the interpreter's comparison test.

For each model in tests/shared/models/mediapipe/, feeds photos from tests/shared/data/images/
(resized to the model's input size with bilinear filtering, RGB) to LiteRT's interpreter and
saves, under interp/tests/fixtures/<model>/:

  manifest.txt        `range LO HI`, `images NAME...`, `inputs N`, `outputs N`
  input_<i>.npy       the resized photo as uint8 [1, H, W, 3]
  output_<i>_<k>.npy  LiteRT's float32 output k for photo i

The float input is `pixels / 255` for range 0 1 and `pixels / 127.5 - 1` for range -1 1, both
in float32 arithmetic (the Rust test computes the same). Detectors (face_detection_*,
palm_detection, pose_detection) take [-1, 1]; the other models [0, 1] (shared/README.md).

Requires: pip install ai-edge-litert numpy pillow
Usage: python3 interp/scripts/litert_reference.py [--shared tests/shared] [--out interp/tests/fixtures]
"""

import argparse
import os
import sys

import numpy as np
from PIL import Image

DETECTORS = ("face_detection_full_range", "face_detection_short_range", "palm_detection",
             "pose_detection")
# Two photos per model: one with a person in it, and one more per model for variety.
SECOND = ["chelsea", "coffee", "motorcycle", "rocket", "horse", "camera", "immunohistochemistry",
          "coins", "moon", "retina"]


def scale(pixels, lo):
    x = pixels.astype(np.float32)
    if lo < 0:
        return x / np.float32(127.5) - np.float32(1.0)
    return x / np.float32(255.0)


def load_photo(path, height, width):
    img = Image.open(path).convert("RGB").resize((width, height), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8)[None, ...]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=os.path.join(repo, "tests", "shared"))
    parser.add_argument("--out", default=os.path.join(repo, "interp", "tests", "fixtures"))
    args = parser.parse_args()

    from ai_edge_litert.interpreter import Interpreter

    models_dir = os.path.join(args.shared, "models", "mediapipe")
    images_dir = os.path.join(args.shared, "data", "images")
    models = sorted(f[:-len(".tflite")] for f in os.listdir(models_dir) if f.endswith(".tflite"))
    if not models:
        sys.exit(f"no models in {models_dir}")
    for n, model in enumerate(models):
        interp = Interpreter(model_path=os.path.join(models_dir, model + ".tflite"), num_threads=2)
        interp.allocate_tensors()
        inputs = interp.get_input_details()
        outputs = interp.get_output_details()
        if len(inputs) != 1:
            sys.exit(f"{model}: expected one input, got {len(inputs)}")
        _, height, width, _ = inputs[0]["shape"]
        lo = -1 if model in DETECTORS else 0
        photos = ["astronaut", SECOND[n % len(SECOND)]]
        out_dir = os.path.join(args.out, model)
        os.makedirs(out_dir, exist_ok=True)
        for i, photo in enumerate(photos):
            pixels = load_photo(os.path.join(images_dir, photo + ".png"), height, width)
            np.save(os.path.join(out_dir, f"input_{i}.npy"), pixels)
            interp.set_tensor(inputs[0]["index"], scale(pixels, lo))
            interp.invoke()
            for k, d in enumerate(outputs):
                y = interp.get_tensor(d["index"]).astype(np.float32)
                np.save(os.path.join(out_dir, f"output_{i}_{k}.npy"), y)
        with open(os.path.join(out_dir, "manifest.txt"), "w") as f:
            f.write(f"range {lo} 1\n")
            f.write("images " + " ".join(photos) + "\n")
            f.write(f"inputs {len(inputs)}\n")
            f.write(f"outputs {len(outputs)}\n")
            f.write("output_names " + " ".join(d["name"] for d in outputs) + "\n")
        print(f"{model}: {len(photos)} photos, outputs "
              + ", ".join(f"{d['name']}{list(d['shape'])}" for d in outputs))


if __name__ == "__main__":
    main()
