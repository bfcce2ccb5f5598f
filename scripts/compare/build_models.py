#!/usr/bin/env python3
"""Builds the Keras models of the TensorFlow comparison and converts them with TensorFlow.

Three networks, each with deterministic random weights:
  cnn        a small CNN: conv, batch norm, relu6, max pooling, dense, softmax
  mobilenet  a MobileNet-style block stack: depthwise convolutions, hard-swish,
             squeeze-and-excite (global pool, dense, hard-sigmoid, multiply), residual add
  transformer a transformer block: LayerNormalization, multi-head attention, softmax, GELU MLP
For each it writes to OUT (default target/compare):
  <name>_float.tflite          TensorFlow's float conversion
  <name>_tf_int8.tflite        TensorFlow's full-integer int8 conversion (float I/O)
  <name>_tf_dynamic.tflite     TensorFlow's dynamic-range conversion
  <name>_tf_float16.tflite     TensorFlow's float16 conversion
  <name>_calibration.npy       the calibration samples both TF and tqopt use
  <name>_eval.npy              held-out samples for SQNR
Needs `pip install tensorflow-cpu numpy`. tqopt's tests do not need TensorFlow.
"""
import argparse
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cnn(tf):
    k = tf.keras.layers
    x = inp = k.Input((32, 32, 3), batch_size=1, name="image")
    for filters in (16, 32):
        x = k.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = k.BatchNormalization()(x)
        x = k.ReLU(6.0)(x)
        x = k.MaxPooling2D()(x)
    x = k.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = k.GlobalAveragePooling2D()(x)
    x = k.Dense(10)(x)
    out = k.Softmax(name="probs")(x)
    return tf.keras.Model(inp, out, name="cnn")


def mobilenet(tf):
    k = tf.keras.layers

    def hard_swish(x):
        return k.Activation("hard_swish")(x)

    def se(x, ch):
        s = k.GlobalAveragePooling2D(keepdims=True)(x)
        s = k.Conv2D(max(8, ch // 4), 1, activation="relu")(s)
        s = k.Conv2D(ch, 1, activation="hard_sigmoid")(s)
        return k.Multiply()([x, s])

    x = inp = k.Input((48, 48, 3), batch_size=1, name="image")
    x = k.Conv2D(16, 3, strides=2, padding="same")(x)
    x = hard_swish(x)
    ch = 16
    for out_ch, stride, expand in ((24, 2, 3), (24, 1, 3), (40, 2, 4)):
        y = k.Conv2D(ch * expand, 1, use_bias=False)(x)
        y = k.BatchNormalization()(y)
        y = hard_swish(y)
        y = k.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(y)
        y = k.BatchNormalization()(y)
        y = hard_swish(y)
        y = se(y, ch * expand)
        y = k.Conv2D(out_ch, 1, use_bias=False)(y)
        y = k.BatchNormalization()(y)
        x = k.Add()([x, y]) if (stride == 1 and out_ch == ch) else y
        ch = out_ch
    x = k.GlobalAveragePooling2D()(x)
    x = k.Dense(16)(x)
    out = k.Softmax(name="probs")(x)
    return tf.keras.Model(inp, out, name="mobilenet")


def transformer(tf):
    k = tf.keras.layers
    x = inp = k.Input((16, 32), batch_size=1, name="tokens")
    h = k.LayerNormalization(epsilon=1e-6)(x)
    h = k.MultiHeadAttention(num_heads=4, key_dim=8)(h, h)
    x = k.Add()([x, h])
    h = k.LayerNormalization(epsilon=1e-6)(x)
    h = k.Dense(64)(h)
    h = k.Activation("gelu")(h)
    h = k.Dense(32)(h)
    x = k.Add()([x, h])
    x = k.LayerNormalization(epsilon=1e-6)(x)
    out = k.Dense(8, name="logits")(x)
    return tf.keras.Model(inp, out, name="transformer")


def samples(shape, n, rng, kind):
    if kind == "image":
        # Smooth random images in [0, 1] (blurred noise), like photos.
        base = rng.random((n, shape[0] // 4, shape[1] // 4, shape[2])).astype(np.float32)
        return np.repeat(np.repeat(base, 4, axis=1), 4, axis=2)
    return rng.standard_normal((n,) + tuple(shape)).astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "compare"))
    ap.add_argument("--calibration-samples", type=int, default=32)
    ap.add_argument("--eval-samples", type=int, default=16)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    import tensorflow as tf

    tf.keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    for build, kind in ((cnn, "image"), (mobilenet, "image"), (transformer, "tokens")):
        model = build(tf)
        shape = model.inputs[0].shape[1:]
        calib = samples(shape, args.calibration_samples, rng, kind)
        evals = samples(shape, args.eval_samples, rng, kind)
        # Run the model once so batch-norm statistics are not the identity.
        model(calib[:4], training=True)
        name = model.name
        np.save(os.path.join(args.out, f"{name}_calibration.npy"), calib)
        np.save(os.path.join(args.out, f"{name}_eval.npy"), evals)

        def dataset():
            for x in calib:
                yield [x[None, ...]]

        def convert(**opts):
            c = tf.lite.TFLiteConverter.from_keras_model(model)
            for k_, v in opts.items():
                setattr(c, k_, v)
            return c.convert()

        outputs = {
            "float": convert(),
            "tf_int8": convert(optimizations=[tf.lite.Optimize.DEFAULT], representative_dataset=dataset),
            "tf_dynamic": convert(optimizations=[tf.lite.Optimize.DEFAULT]),
        }
        c = tf.lite.TFLiteConverter.from_keras_model(model)
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.target_spec.supported_types = [tf.float16]
        outputs["tf_float16"] = c.convert()
        for suffix, content in outputs.items():
            with open(os.path.join(args.out, f"{name}_{suffix}.tflite"), "wb") as f:
                f.write(content)
        print(f"{name}: " + ", ".join(f"{s} {len(c)} B" for s, c in outputs.items()))


if __name__ == "__main__":
    main()
