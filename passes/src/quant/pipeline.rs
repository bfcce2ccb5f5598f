//! The `quantize-int8` pipeline: full-integer int8 quantization of a calibrated float model.

use crate::expansion::{forward, same, set, step, with, Arg, Step};
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::registry::PipelineInfo;

use super::fold_dequant::IO_TYPES;
use super::legalize_opset::OPS_SETS;
use super::target::TARGETS;

/// The `target=` option of the quantization pipelines.
const TARGET_OPTION: OptionInfo = OptionInfo {
    name: "target",
    kind: OptionKind::Enum(TARGETS),
    default: "xnnpack",
    help: "xnnpack (LiteRT's default CPU path): rewrite ops XNNPACK refuses in int8 into one \
        op it takes, keep float those it only takes as float, and ops between float ops where \
        its measured cost table (passes/data/xnnpack_costs.json) says float is not slower and \
        conversions are saved; strict: every rewrite (prelu, hard_swish as int8 chains), nothing kept \
        float for speed; reference: neither",
};

/// Options the full-integer pipelines (int8 and 16x8) share, declared once.
pub(super) const PER_CHANNEL_OPTION: OptionInfo = OptionInfo {
    name: "per-channel",
    kind: OptionKind::Bool,
    default: "true",
    help: "Per-channel weights",
};
pub(super) const PER_CHANNEL_DENSE_OPTION: OptionInfo = OptionInfo {
    name: "per-channel-dense",
    kind: OptionKind::Bool,
    default: "true",
    help: "Per-channel weights for fully_connected too",
};
pub(super) const CALIBRATION_OPTION: OptionInfo = OptionInfo {
    name: "calibration",
    kind: OptionKind::String,
    default: "",
    help: crate::calibration::calibrate::DATA_HELP,
};
pub(super) const METHOD_OPTION: OptionInfo = OptionInfo {
    name: "method",
    kind: OptionKind::Enum(crate::calibration::collectors::Method::NAMES),
    default: "minmax",
    help: "Calibration method",
};
pub(super) const SPARSE_WEIGHTS_OPTION: OptionInfo = OptionInfo {
    name: "sparse-weights",
    kind: OptionKind::Bool,
    default: "true",
    help: "Store weights that are at least half zeros sparse behind tfl.densify (pruned models): int8 ones, and float16 ones of ops that stay float",
};
pub(super) const DENY_OPTION: OptionInfo = OptionInfo {
    name: "deny",
    kind: OptionKind::Regex,
    default: "",
    help: "Keep ops whose name or location matches this regular expression float",
};

pub static QUANTIZE_INT8: PipelineInfo = PipelineInfo {
    name: "quantize-int8",
    summary: "Full-integer int8 quantization of a calibrated model (TFLite's int8 spec)",
    description: "Calibrates the model when the IR has no statistics yet (calibration=PATH), folds float16 weights to float32, shares ranges across same-scale ops, inserts \
        quantize/dequantize pairs per TFLite's spec, checks op legality for the OpsSet, folds the \
        pairs into quantized ops and constants, sets the model's input and output types, and \
        stores mostly-zero int8 weights sparse. target=xnnpack (default) first rewrites ops \
        XNNPACK refuses in int8 into ops it takes and keeps float those it only takes as float.",
    options: &[
        OptionInfo {
            name: "ops",
            kind: OptionKind::Enum(OPS_SETS),
            default: "TFLITE_BUILTINS",
            help: "TFLITE_BUILTINS: ops without int8 kernels stay float; TFLITE_BUILTINS_INT8: all integer or an error",
        },
        OptionInfo { name: "io", kind: OptionKind::Enum(IO_TYPES), default: "float", help: "Model input and output type" },
        PER_CHANNEL_OPTION,
        PER_CHANNEL_DENSE_OPTION,
        CALIBRATION_OPTION,
        // method=auto: each tensor's method chosen by the precision search.
        OptionInfo {
            name: "method",
            kind: OptionKind::Enum(super::precision::METHODS_WITH_AUTO),
            default: "auto",
            help: "Calibration method. auto (default): calibrate with minmax, then choose each tensor's range (minmax, moving-average, percentile or mse) by the output SQNR on the calibration data, keeping the choice when it raises the SQNR by more than 0.5 dB; with tflite-compat, without data, or when the model cannot run in tqopt's interpreter the ranges stay minmax (TensorFlow's)",
        },
        crate::calibration::calibrate::INPUT_RANGE_OPTION,
        OptionInfo {
            name: "tflite-compat",
            kind: OptionKind::Bool,
            default: "false",
            help: "Calibrate as TensorFlow's calibrator does, in-place artifacts included (same scales as TensorFlow)",
        },
        DENY_OPTION,
        OptionInfo {
            name: "int16",
            kind: OptionKind::Regex,
            default: "",
            help: "Mixed precision: ops whose name or location matches this regular expression \
                get int16 activations and int64 biases (16x8's rules), the rest int8, with \
                tfl.quantize ops between them",
        },
        SPARSE_WEIGHTS_OPTION,
        TARGET_OPTION,
        OptionInfo {
            name: "target-sqnr",
            kind: OptionKind::String,
            default: "",
            help: "Keep the fewest, cheapest ops in higher precision (and choose ranges per tensor) so that the output SQNR on the calibration data (or verify-data) reaches this many dB (under ops=TFLITE_BUILTINS_INT8, where no op may stay float, only the ranges: a target they miss is an error)",
        },
        OptionInfo {
            name: "verify-data",
            kind: OptionKind::String,
            default: "",
            help: "Data the target-sqnr search measures on instead of the calibration data",
        },
        super::precision::HIGHER_PRECISION_OPTION,
        super::weight_rounding::INT8_MODE_OPTION,
        super::equalize::PIPELINE_OPTION,
        CHECK_ACCURACY_OPTION,
        OptionInfo {
            name: "verify",
            kind: OptionKind::String,
            default: "",
            help: "Data (.npy, .npz or images) to measure the quantized model's output SQNR on; the report gives it (with target-sqnr, the data the search measures on, unless verify-data says; method=auto still chooses ranges on the calibration data, and the model it writes is measured on this)",
        },
    ],
    steps: QUANTIZE_INT8_STEPS,
};

/// `calibrate{method=}`: method=auto starts from minmax; the precision search picks per tensor.
fn calibration_method(o: &PassOptions) -> Result<String, String> {
    Ok(o.choice("method")?.replace("auto", "minmax"))
}

/// Whether `method=auto` chooses ranges: with data to score them on, and not with
/// `tflite-compat` (whose point is TensorFlow's scales, minmax).
fn chooses_ranges(o: &PassOptions) -> Result<bool, String> {
    let has_data = !o.string("calibration")?.is_empty() || !o.string("verify-data")?.is_empty();
    Ok(o.choice("method")? == "auto" && has_data && !o.bool("tflite-compat")?)
}

/// `search-precision{method=}`: auto where [`chooses_ranges`], else the ranges as calibrated.
fn search_method(o: &PassOptions) -> Result<String, String> {
    Ok(match chooses_ranges(o)? {
        true => "auto".to_string(),
        false => calibration_method(o)?,
    })
}

/// Whether `quantize-int8` runs `search-precision` after calibration: for `target-sqnr=`,
/// `method=auto` (see [`chooses_ranges`]) or `verify=` (which only measures).
fn wants_precision_search(o: &PassOptions) -> Result<bool, String> {
    Ok(!o.string("target-sqnr")?.is_empty()
        || chooses_ranges(o)?
        || !o.string("verify")?.is_empty()
        || checks_accuracy(o)?)
}

/// `search-precision{check=}`: the default accuracy check, when nothing else asks for the
/// search.
fn search_checks(o: &PassOptions) -> Result<String, String> {
    Ok(o.bool("check-accuracy")?.to_string())
}

/// The options [`auto_then_verify`] reads (and so do the search options that depend on it).
const AUTO_THEN_VERIFY_READS: &[&str] = &[
    "target-sqnr",
    "method",
    "verify",
    "calibration",
    "verify-data",
    "tflite-compat",
];

/// Whether `method=auto` alone chooses ranges while `verify=` names data: the choice is made
/// on the calibration data, and a second `search-precision` then only measures on verify's.
fn auto_then_verify(o: &PassOptions) -> Result<bool, String> {
    Ok(
        o.string("target-sqnr")?.is_empty()
            && chooses_ranges(o)?
            && !o.string("verify")?.is_empty(),
    )
}

/// The data the precision search measures on: verify-data, else verify (not when
/// [`auto_then_verify`]), else calibration.
fn search_data(o: &PassOptions) -> Result<String, String> {
    let verify = match auto_then_verify(o)? {
        true => "",
        false => o.string("verify")?,
    };
    let candidates = [o.string("verify-data")?, verify, o.string("calibration")?];
    Ok(candidates
        .into_iter()
        .find(|d| !d.is_empty())
        .unwrap_or("")
        .to_string())
}

/// `search-precision{verify=}`: whether `verify=` named data (the search then only measures),
/// unless [`auto_then_verify`] leaves that to a second step.
fn search_verifies(o: &PassOptions) -> Result<String, String> {
    Ok((!o.string("verify")?.is_empty() && !auto_then_verify(o)?).to_string())
}

/// Whether `equalize-channels` runs: not with `equalize=never`, nor with `tflite-compat`
/// (whose point is TensorFlow's scales for TensorFlow's tensors).
/// Steps TensorFlow's converter has no counterpart for, which `tflite-compat` leaves out.
pub(super) fn not_tflite_compat(o: &PassOptions) -> Result<bool, String> {
    Ok(!o.bool("tflite-compat")?)
}

fn equalize(o: &PassOptions) -> Result<bool, String> {
    Ok(o.choice("equalize")? != "never" && !o.bool("tflite-compat")?)
}

pub(super) fn sparse_weights(o: &PassOptions) -> Result<bool, String> {
    o.bool("sparse-weights")
}

/// Whether a full-integer pipeline's accuracy check runs: with calibration data, unless
/// `check-accuracy=false`.
pub(super) fn checks_accuracy(o: &PassOptions) -> Result<bool, String> {
    Ok(o.bool("check-accuracy")? && !o.string("calibration")?.is_empty())
}

/// Both full-integer pipelines' accuracy check (`search-precision{check=}`).
pub(super) const CHECK_ACCURACY_OPTION: OptionInfo = OptionInfo {
    name: "check-accuracy",
    kind: OptionKind::Bool,
    default: "true",
    help: "With calibration data: measure the quantized model's output SQNR on up to 8 calibration samples (tqopt's interpreter) for the report, and warn when it is below 20 dB (with weight-rounding=auto the check makes that choice, on its samples, as the precision search does)",
};

/// `round-weights` as both full-integer pipelines run it: after legalization (the scales are
/// set and the ops that fold are known), before the weights are folded.
pub(super) const ROUND_WEIGHTS: Step = with(
    "round-weights",
    &[
        forward("mode", "weight-rounding"),
        forward("data", "calibration"),
        same("input-range"),
    ],
);

static QUANTIZE_INT8_STEPS: &[Step] = &[
    // First: ops on constants become constants, which quantize as such (calibration never
    // sees values the interpreter folds).
    step("fold-constant-ops"),
    // Before calibration, so that the ops a rewrite adds are calibrated too.
    with("rewrite-for-target", &[same("target")]),
    // Before calibration, so a fused op is measured after its activation.
    step("fuse-activations"),
    // After the rewrites and fusions, so the ops they leave are the ones marked.
    with("assign-precision", &[same("int16")]),
    // On the float model as it will be quantized (after the rewrites, fusions and int16 marks,
    // which name ops by their tensors' names as the user gave them), before calibration
    // measures the tensors it rescales.
    with(
        "equalize-channels",
        &[
            forward("mode", "equalize"),
            forward("data", "calibration"),
            same("input-range"),
            Arg::Computed {
                to: "method",
                from: &["method"],
                value: calibration_method,
            },
            same("per-channel"),
            same("per-channel-dense"),
            same("deny"),
            same("target"),
        ],
    )
    .when(&["equalize", "tflite-compat"], equalize),
    with(
        "calibrate",
        &[
            forward("data", "calibration"),
            Arg::Computed {
                to: "method",
                from: &["method"],
                value: calibration_method,
            },
            same("input-range"),
            forward("tflite-inplace", "tflite-compat"),
            set("if-missing", "true"),
        ],
    ),
    // After calibration (it reads the scores' ranges), before the search measures the model.
    step("bound-attention-masks").when(&["tflite-compat"], not_tflite_compat),
    // After calibration, before the search measures the model: LiteRT's int8 DIV fails on a
    // divisor at its zero point.
    step("guard-divisions"),
    // After calibration, before the search: an output concatenation whose inputs' ranges are
    // too far apart for one int8 scale stays float (a detector's probabilities beside boxes).
    with("guard-concatenations", &[same("ops"), same("io")]),
    step("fold-constants"),
    with(
        "search-precision",
        &[
            same("target-sqnr"),
            Arg::Computed {
                to: "method",
                from: &["method", "calibration", "verify-data", "tflite-compat"],
                value: search_method,
            },
            Arg::Computed {
                to: "data",
                from: AUTO_THEN_VERIFY_READS,
                value: search_data,
            },
            same("input-range"),
            same("per-channel"),
            same("per-channel-dense"),
            same("target"),
            same("deny"),
            same("weight-rounding"),
            same("higher-precision"),
            same("ops"),
            same("io"),
            Arg::Computed {
                to: "verify",
                from: AUTO_THEN_VERIFY_READS,
                value: search_verifies,
            },
            Arg::Computed {
                to: "check",
                from: &["check-accuracy"],
                value: search_checks,
            },
        ],
    )
    .when(
        &[
            "target-sqnr",
            "method",
            "verify",
            "check-accuracy",
            "calibration",
            "verify-data",
            "tflite-compat",
        ],
        wants_precision_search,
    ),
    // verify= beside method=auto: the ranges chosen above, only measured on verify's data.
    with(
        "search-precision",
        &[
            set("method", "minmax"),
            forward("data", "verify"),
            same("input-range"),
            same("per-channel"),
            same("per-channel-dense"),
            same("target"),
            same("deny"),
            same("weight-rounding"),
            same("ops"),
            same("io"),
            set("verify", "true"),
        ],
    )
    .when(AUTO_THEN_VERIFY_READS, auto_then_verify),
    step("propagate-ranges"),
    with(
        "insert-fake-quant",
        &[same("per-channel"), same("per-channel-dense")],
    ),
    with(
        "legalize-opset",
        &[same("ops"), same("deny"), same("target")],
    ),
    ROUND_WEIGHTS,
    step("fold-quant"),
    with("fold-dequant", &[same("io")]),
    // Ops left float keep float16 weights where the model had them (before sparsify-weights,
    // which stores mostly-zero float16 weights sparse as the original did).
    step("compact-float-weights"),
    step("sparsify-weights").when(&["sparse-weights"], sparse_weights),
    step("dce"),
];

pub static QUANTIZE_DYNAMIC_RANGE: PipelineInfo = PipelineInfo {
    name: "quantize-dynamic-range",
    summary:
        "int8 weights, float activations: ops with hybrid kernels quantize activations on the fly",
    description: "Constant weights of ops with hybrid kernels become symmetric int8 (per channel \
        where supported); other ops keep float weights (or int8 behind a dequantize with \
        weight-only=true); constants smaller than min-elements stay float. Float ops are first \
        rewritten for the target as rewrite-for-target does.",
    options: &[
        super::quantize_weights::MIN_ELEMENTS_OPTION,
        super::quantize_weights::WEIGHT_ONLY_OPTION,
        PER_CHANNEL_OPTION,
        PER_CHANNEL_DENSE_OPTION,
        TARGET_OPTION,
    ],
    steps: &[
        // The float ops stay float: the one-op rewrites make them faster in XNNPACK
        // (hand_recrop: 0.99x -> 0.71x float with its narrow PReLUs widened).
        with("rewrite-for-target", &[same("target")]),
        with(
            "quantize-weights",
            &[
                same("min-elements"),
                same("weight-only"),
                same("per-channel"),
                same("per-channel-dense"),
                same("target"),
                set("mode", "dynamic-range"),
            ],
        ),
        step("dce"),
    ],
};

pub static QUANTIZE_FLOAT16: PipelineInfo = PipelineInfo {
    name: "quantize-float16",
    summary: "float16 weights behind dequantize (2x smaller, GPU-friendly)",
    description: "Every float32 constant becomes float16 behind one tfl.dequantize; a constant \
        holding values beyond the float16 range stays float32 (and is counted).",
    options: &[],
    steps: &[
        with("quantize-weights", &[set("mode", "float16")]),
        step("dce"),
    ],
};
