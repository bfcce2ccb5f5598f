//! The `quantize-int16x8` pipeline: TFLite's 16x8 mode (TensorFlow's
//! `EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8`), assembled from the same
//! passes as `quantize-int8` with the storage as a parameter: `insert-fake-quant{
//! activations=int16 bias=...}`, `legalize-opset{activations=int16}` (LiteRT's measured int16
//! kernels from the op table), `fold-dequant{io=float|int16}`.
//!
//! It starts with `prelu-int16` and `rewrite-for-target{target=strict}`, for accuracy rather
//! than speed: LiteRT's int16 PRELU takes its slope as one per-tensor int8 weight (an int16
//! slope loads but computes garbage, measured), which costs palm_detection 6 dB (22.2 dB
//! against 28.3 dB with the prelus float), so a per-channel prelu becomes `max(x, a·x)`,
//! `min(x, a·x)` or their sum (see [`super::prelu_int16`]: the positive side exact, the
//! negative side rounded once; iris_landmark 41.63 dB, TF 41.70, against 41.08 with
//! rewrite-for-target's `x + (1 - a) · relu(-x)` chain, which rounds three times); hard_swish,
//! which has no int16 kernel, becomes int16 add/mul chains instead of float. Mostly-zero weights
//! are stored sparse as in quantize-int8: LiteRT's reference kernels read them through DENSIFY
//! with the same results and speed, and pruned pose_detection's file is 96% of the float one
//! instead of 125%.

use crate::expansion::{forward, same, set, step, with, Step};
use crate::options::{OptionInfo, OptionKind};
use crate::registry::PipelineInfo;

use super::fold_dequant::IO_TYPES_16X8;
use super::insert_fake_quant::BIAS_TYPES;
use super::legalize_opset::OPS_SETS_16X8;

pub static QUANTIZE_INT16X8: PipelineInfo = PipelineInfo {
    name: "quantize-int16x8",
    summary: "16x8 quantization: int16 activations, int8 weights (TFLite's 16x8 mode)",
    description: "For accuracy and for accelerators with 16-bit paths, not for CPU speed: \
        LiteRT runs 16x8 models in its reference kernels (no XNNPACK), slower than float. \
        Activations are symmetric int16 with zero point 0 (scale = max|x| / 32767), weights \
        symmetric int8 per channel as in quantize-int8, biases int64 (bias=int32 warns where a \
        bias or a worst-case accumulator leaves int32), logistic/tanh/softmax outputs have the \
        fixed scale 1/32768. Per-channel prelu becomes max(x, a*x), min(x, a*x) or their sum in \
        int16 ops (LiteRT's int16 prelu takes one per-tensor int8 slope), hard_swish an int16 add/mul chain. Only ops with a \
        LiteRT int16 kernel are quantized; the others stay \
        float (ops=TFLITE_BUILTINS) or are listed in one error \
        (ops=EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8). Calibrates when the \
        IR has no statistics yet (calibration=PATH).",
    options: &[
        OptionInfo {
            name: "ops",
            kind: OptionKind::Enum(OPS_SETS_16X8),
            default: "TFLITE_BUILTINS",
            help: "TFLITE_BUILTINS: ops without an int16 kernel stay float; \
                EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8: all integer or an error",
        },
        OptionInfo {
            name: "io",
            kind: OptionKind::Enum(IO_TYPES_16X8),
            default: "float",
            help: "Model input and output type",
        },
        OptionInfo {
            name: "bias",
            kind: OptionKind::Enum(BIAS_TYPES),
            default: "int64",
            help: "Bias storage of conv_2d, fully_connected and transpose_conv (depthwise_conv_2d keeps int64: LiteRT's 16x8 depthwise kernel takes no other)",
        },
        super::pipeline::PER_CHANNEL_OPTION,
        super::pipeline::PER_CHANNEL_DENSE_OPTION,
        super::pipeline::CALIBRATION_OPTION,
        super::pipeline::METHOD_OPTION,
        crate::calibration::calibrate::INPUT_RANGE_OPTION,
        super::pipeline::DENY_OPTION,
        super::weight_rounding::MODE_OPTION,
        super::pipeline::SPARSE_WEIGHTS_OPTION,
        super::pipeline::CHECK_ACCURACY_OPTION,
    ],
    steps: QUANTIZE_INT16X8_STEPS,
};

static QUANTIZE_INT16X8_STEPS: &[Step] = &[
    // Ops on constants become constants, as in quantize-int8.
    step("fold-constant-ops"),
    // Before calibration, so that the ops a rewrite adds are calibrated too; per-channel
    // prelus first, so that rewrite-for-target leaves them alone.
    step("prelu-int16"),
    with(
        "rewrite-for-target",
        &[set("target", "strict"), set("int16", "true")],
    ),
    // Before calibration, so a fused op is measured after its activation.
    step("fuse-activations"),
    with(
        "calibrate",
        &[
            forward("data", "calibration"),
            same("method"),
            same("input-range"),
            set("if-missing", "true"),
        ],
    ),
    step("bound-attention-masks"),
    step("fold-constants"),
    // The accuracy check: the 16x8 model as the steps below make it, measured on a few
    // calibration samples (nothing chosen), so that a model far from its float original is
    // reported as quantize-int8 reports it.
    with(
        "search-precision",
        &[
            set("activations", "int16"),
            same("bias"),
            set("method", "minmax"),
            forward("data", "calibration"),
            same("input-range"),
            same("per-channel"),
            same("per-channel-dense"),
            set("target", "reference"),
            same("deny"),
            same("weight-rounding"),
            same("io"),
            forward("check", "check-accuracy"),
        ],
    )
    .when(
        &["calibration", "check-accuracy"],
        super::pipeline::checks_accuracy,
    ),
    with("propagate-ranges", &[set("activations", "int16")]),
    with(
        "insert-fake-quant",
        &[
            same("per-channel"),
            same("per-channel-dense"),
            set("activations", "int16"),
            same("bias"),
        ],
    ),
    with(
        "legalize-opset",
        &[
            same("ops"),
            same("deny"),
            set("target", "reference"),
            set("activations", "int16"),
        ],
    ),
    super::pipeline::ROUND_WEIGHTS,
    step("fold-quant"),
    with("fold-dequant", &[same("io")]),
    step("compact-float-weights"),
    step("sparsify-weights").when(&["sparse-weights"], super::pipeline::sparse_weights),
    step("dce"),
];
