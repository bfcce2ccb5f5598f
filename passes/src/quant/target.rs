//! The target a quantized model runs on, and what LiteRT's default CPU path (the XNNPACK
//! delegate) takes, as measured data.
//!
//! `target=xnnpack` (the default of the int8 and dynamic-range pipelines) is LiteRT's default
//! interpreter: XNNPACK takes what it can, the rest runs in TFLite's builtin kernels, many of
//! them slow reference kernels for int8, and every op it refuses cuts the graph into another
//! delegate partition. `target=reference` quantizes as TFLite's spec says, without regard to
//! speed. `target=strict` keeps every op integer (accelerators), but rewrites ops XNNPACK
//! refuses into ops it takes where that is exact in float.
//!
//! [`XNNPACK`] is the table `tests/interop/test_probe_xnnpack.py` measured (single-op models
//! loaded in LiteRT, delegated or not); the same rows are kept in
//! `tests/interop/data/xnnpack_support.json`, which that test holds LiteRT to, and the unit
//! test below holds this table to the JSON. Invariant: a case named like an op's short name
//! (`add` for `tfl.add`) is that op's answer for its common attributes.

use tqopt_ir::dialect::tfl;
use tqopt_ir::{Attribute, ElementType, Module, OpId, QuantParams, ValueId};

use super::speed_plan::CostTable;
use crate::folds::const_f32_values;

/// The option values of `target=`.
pub const TARGETS: &[&str] = &["xnnpack", "reference", "strict"];

/// Where the quantized model runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// LiteRT's default CPU interpreter (XNNPACK delegate, builtin kernels for the rest).
    Xnnpack,
    /// TFLite's builtin kernels, no regard to speed: no rewrites, no float for speed.
    Reference,
    /// Everything integer (accelerators), with the rewrites that keep int8 fast.
    Strict,
}

impl Target {
    /// The target named by an option value (one of [`TARGETS`]).
    pub fn parse(name: &str) -> Result<Target, String> {
        match name {
            "xnnpack" => Ok(Target::Xnnpack),
            "reference" => Ok(Target::Reference),
            "strict" => Ok(Target::Strict),
            other => Err(format!(
                "unknown target '{other}'; targets are: {}",
                TARGETS.join(", ")
            )),
        }
    }

    /// Whether ops XNNPACK refuses are rewritten into one int8 op it takes (prelu with one
    /// slope as leaky_relu, a global average pool as mean): on xnnpack and strict.
    pub fn single_op_rewrites(self) -> bool {
        self != Target::Reference
    }

    /// Whether ops XNNPACK refuses are rewritten into chains of int8 ops it takes (per-channel
    /// prelu, hard_swish): on strict only. On xnnpack the op kept float inside the delegate
    /// (behind a dequantize and a quantize) is as fast or faster and more exact; measured on
    /// conv -> op -> conv at 1x48x48x32, 1 thread: per-channel prelu float 0.104 ms, as
    /// depthwise+add 0.109 ms, as depthwise+mul+add 0.122 ms; hard_swish float 0.098 ms, as
    /// add+mul+mul 0.099 ms (int8 reference kernels: 0.30 ms).
    pub fn chain_rewrites(self) -> bool {
        self == Target::Strict
    }

    /// Whether an op may stay float because that is faster end to end.
    pub fn float_for_speed(self) -> bool {
        self == Target::Xnnpack
    }
}

/// One measured case: does XNNPACK take the op as int8, as float32, and in its hybrid form
/// (int8 weights, float activations; `None` for ops without weights)?
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Support {
    pub case: &'static str,
    /// The op (`tfl.add`), or `tqopt.*` for a chain a rewrite produces.
    pub op: &'static str,
    pub int8: bool,
    pub float: bool,
    pub hybrid: Option<bool>,
}

const fn row(
    case: &'static str,
    op: &'static str,
    int8: bool,
    float: bool,
    hybrid: Option<bool>,
) -> Support {
    Support {
        case,
        op,
        int8,
        float,
        hybrid,
    }
}

/// Measured with ai-edge-litert 2.3.0 (see the module comment).
pub static XNNPACK: &[Support] = &[
    row("conv_2d", "tfl.conv_2d", true, true, Some(true)),
    row(
        "depthwise_conv_2d",
        "tfl.depthwise_conv_2d",
        true,
        true,
        Some(false),
    ),
    row(
        "transpose_conv",
        "tfl.transpose_conv",
        true,
        true,
        Some(true),
    ),
    row(
        "fully_connected",
        "tfl.fully_connected",
        true,
        true,
        Some(true),
    ),
    row("batch_matmul", "tfl.batch_matmul", true, true, None),
    row("batch_matmul_offset", "tfl.batch_matmul", false, true, None),
    row(
        "batch_matmul_batched",
        "tfl.batch_matmul",
        false,
        true,
        None,
    ),
    row("add", "tfl.add", true, true, None),
    row("sub", "tfl.sub", true, true, None),
    row("mul", "tfl.mul", true, true, None),
    row("maximum", "tfl.maximum", false, true, None),
    row("minimum", "tfl.minimum", false, true, None),
    row(
        "squared_difference",
        "tfl.squared_difference",
        false,
        true,
        None,
    ),
    row("div", "tfl.div", false, true, None),
    row("add_const_channel", "tfl.add", true, true, None),
    row("add_small_operand_scale", "tfl.add", false, true, None),
    row("sub_small_operand_scale", "tfl.sub", false, true, None),
    row("mul_const_channel", "tfl.mul", true, true, None),
    row("mul_const_scalar", "tfl.mul", true, true, None),
    row("maximum_const_channel", "tfl.maximum", false, true, None),
    row("minimum_const_channel", "tfl.minimum", false, true, None),
    row("concatenation", "tfl.concatenation", true, true, None),
    row("max_pool_2d", "tfl.max_pool_2d", true, true, None),
    row("average_pool_2d", "tfl.average_pool_2d", false, true, None),
    row("mean", "tfl.mean", true, true, None),
    row("sum", "tfl.sum", true, true, None),
    row("softmax", "tfl.softmax", false, true, None),
    row("logistic", "tfl.logistic", true, true, None),
    row("tanh", "tfl.tanh", true, true, None),
    row("relu", "tfl.relu", false, true, None),
    row("relu6", "tfl.relu6", false, true, None),
    row("relu_n1_to_1", "tfl.relu_n1_to_1", false, true, None),
    row("hard_swish", "tfl.hard_swish", false, true, None),
    row("elu", "tfl.elu", true, true, None),
    row("exp", "tfl.exp", false, true, None),
    row("abs", "tfl.abs", false, true, None),
    row("neg", "tfl.neg", true, true, None),
    row("square", "tfl.square", true, true, None),
    row("sqrt", "tfl.sqrt", false, true, None),
    row("rsqrt", "tfl.rsqrt", false, true, None),
    row("gelu", "tfl.gelu", false, true, None),
    row("leaky_relu", "tfl.leaky_relu", true, true, None),
    row("prelu_channel", "tfl.prelu", false, true, None),
    row("prelu_scalar", "tfl.prelu", false, true, None),
    row("pad", "tfl.pad", true, true, None),
    row("pad_channels", "tfl.pad", true, true, None),
    row("reshape", "tfl.reshape", true, true, None),
    row("resize_bilinear", "tfl.resize_bilinear", true, true, None),
    row(
        "resize_nearest_neighbor",
        "tfl.resize_nearest_neighbor",
        false,
        false,
        None,
    ),
    row("transpose", "tfl.transpose", true, true, None),
    row("gather", "tfl.gather", false, false, None),
    row("strided_slice", "tfl.strided_slice", false, false, None),
    row("slice", "tfl.slice", true, true, None),
    row("space_to_depth", "tfl.space_to_depth", true, true, None),
    row("depth_to_space", "tfl.depth_to_space", true, true, None),
    row("leaky_relu_zero", "tfl.leaky_relu", false, false, None),
    row(
        "rewrite_prelu_channel",
        "tqopt.prelu_as_depthwise_relu_add",
        true,
        true,
        None,
    ),
    row(
        "rewrite_prelu_mixed",
        "tqopt.prelu_as_depthwise_relu_mul_add",
        true,
        true,
        None,
    ),
    row(
        "rewrite_hard_swish",
        "tqopt.hard_swish_as_add_relu6_mul",
        true,
        true,
        None,
    ),
    row(
        "rewrite_average_pool_global",
        "tqopt.average_pool_as_mean",
        true,
        true,
        None,
    ),
];

/// The row of a case, by name.
pub fn case(name: &str) -> Option<&'static Support> {
    XNNPACK.iter().find(|s| s.case == name)
}

/// The measured row that describes `op` with its attributes, if one does.
pub fn support(m: &Module, op: OpId) -> Option<&'static Support> {
    let data = m.op(op);
    let name = data.name.as_str();
    let short = name.strip_prefix("tfl.")?;
    if data.is(&tfl::PRELU) {
        let scalar = prelu_slope(m, op).is_some_and(|(s, _)| s.iter().all(|&a| a == s[0]));
        return case(if scalar {
            "prelu_scalar"
        } else {
            "prelu_channel"
        });
    }
    if data.is(&tfl::BATCH_MATMUL) {
        // XNNPACK's int8 batch matmul takes one batch only (attention's heads are several),
        // and a second operand with zero point 0 only (known once ranges are: the fake-quant
        // pair in front of it says).
        let batches = m
            .result(op, 0)
            .and_then(|r| m.value_type(r).as_tensor())
            .map(|t| t.shape.iter().rev().skip(2).product::<i64>());
        let offset = tqopt_ir::dialect::named_operand(m, op, "y")
            .and_then(|v| fake_quant_zero_point(m, v))
            .is_some_and(|z| z != 0);
        return case(if batches.is_some_and(|b| b != 1) {
            "batch_matmul_batched"
        } else if offset {
            "batch_matmul_offset"
        } else {
            "batch_matmul"
        });
    }
    if (data.is(&tfl::ADD) || data.is(&tfl::SUB)) && add_operand_scale_too_small(m, op) {
        return case(if data.is(&tfl::ADD) {
            "add_small_operand_scale"
        } else {
            "sub_small_operand_scale"
        });
    }
    if data.is(&tfl::LEAKY_RELU) {
        let alpha = data.attr("alpha").and_then(Attribute::as_float);
        return case(if alpha == Some(0.0) {
            "leaky_relu_zero"
        } else {
            "leaky_relu"
        });
    }
    case(short).filter(|s| s.op == name)
}

/// Why `op` is kept float for speed on `target`, or `None` when int8 is the faster choice (or
/// nothing is known): XNNPACK takes it as float but not as int8, so in int8 it would run in
/// a builtin kernel and cut the graph into two partitions, while as float it stays inside
/// the delegate behind a dequantize and a quantize, which XNNPACK also takes.
pub fn float_for_speed(m: &Module, op: OpId, target: Target) -> Option<String> {
    if !target.float_for_speed() {
        return None;
    }
    let s = support(m, op)?;
    (!s.int8 && s.float).then(|| {
        format!(
            "kept float for speed: XNNPACK takes '{}' as float but not as int8 (probe case '{}')",
            s.op, s.case
        )
    })
}

/// Why `op`'s hybrid (dynamic-range) form is slower than float on `target`: XNNPACK takes the
/// float op but not the hybrid one, or the cost table (`speed_plan`) estimates the hybrid
/// kernel slower for the op's shape. Measured (`test_probe_xnnpack.py --time`, 1 thread):
/// depthwise 3x3 on 1x56x56x144, float 0.084 ms, hybrid 0.521 ms (builtin kernel); XNNPACK
/// takes hybrid conv and fully_connected, which stay hybrid: 1x1 conv 1x56x56x24 -> 144, float
/// 0.098 ms, hybrid 0.093 ms; fully_connected 1280 -> 1000, float 0.071 ms, hybrid 0.012 ms.
pub fn hybrid_slower(m: &Module, op: OpId, target: Target) -> Option<String> {
    if !target.float_for_speed() {
        return None;
    }
    if let Some(s) = support(m, op).filter(|s| s.hybrid == Some(false) && s.float) {
        return Some(format!(
            "kept float for speed, int8 weights behind a dequantize: XNNPACK takes '{}' as float but not in hybrid form (probe case '{}')",
            s.op, s.case
        ));
    }
    let costs = CostTable::shipped();
    costs.hybrid_slower(m, op).then(|| {
        format!(
            "kept float for speed, int8 weights behind a dequantize: the XNNPACK cost model (measured on {}) estimates its hybrid kernel slower than float",
            costs.cpu
        )
    })
}

/// The per-tensor (scale, zero point) of `v` when it is itself quantized, or of the value
/// behind it when it is the float end of a fake-quant pair (`dequantize(quantize(x))`).
fn operand_quant(m: &Module, v: ValueId) -> Option<(f64, i64)> {
    own_quant(m, v).or_else(|| {
        let dq = m.defining_op(v).filter(|&d| m.op(d).is(&tfl::DEQUANTIZE))?;
        own_quant(m, m.operand(dq, 0)?)
    })
}

/// The per-tensor (scale, zero point) `v` is stored with: its own type's, or that of the
/// `tfl.quantize` of a fake-quant pair reading it.
fn result_quant(m: &Module, v: ValueId) -> Option<(f64, i64)> {
    own_quant(m, v).or_else(|| {
        m.uses(v)
            .iter()
            .filter(|u| m.op(u.op).is(&tfl::QUANTIZE))
            .find_map(|u| own_quant(m, m.result(u.op, 0)?))
    })
}

fn own_quant(m: &Module, v: ValueId) -> Option<(f64, i64)> {
    match m.value_type(v).element_type()? {
        ElementType::Quant(q) => match q.params {
            QuantParams::PerTensor { scale, zero_point } => Some((scale, zero_point)),
            _ => None,
        },
        _ => None,
    }
}

fn fake_quant_zero_point(m: &Module, v: ValueId) -> Option<i64> {
    operand_quant(m, v).map(|(_, z)| z)
}

/// XNNPACK's int8 add and sub refuse an operand whose scale is below 2^-10 of the output's
/// (measured: `x + c` with x in [0, 4] is taken for c = 0.01, refused for c = 0.001; the
/// epsilon a layer norm adds is such an operand, and so is the all-zero constant TensorFlow
/// subtracts from in a layer norm).
const ADD_MIN_OPERAND_SCALE_RATIO: f64 = 1.0 / 1024.0;

/// Whether an add's or sub's operand scale is too small against its output's for XNNPACK,
/// when the scales are known (after insert-fake-quant).
fn add_operand_scale_too_small(m: &Module, op: OpId) -> bool {
    let Some((out, _)) = m.result(op, 0).and_then(|r| result_quant(m, r)) else {
        return false;
    };
    m.operands(op)
        .iter()
        .filter_map(|&v| operand_quant(m, v))
        .any(|(s, _)| s < out * ADD_MIN_OPERAND_SCALE_RATIO)
}

/// Whether XNNPACK can read `reader`'s int8 weight when a `DENSIFY` makes it (the weight is
/// stored sparse). Its fully connected op with int8 weights (int8 input, or float input:
/// hybrid), and its hybrid conv 2d and transposed conv, define the weight from the weight
/// tensor's own buffer, which a densified tensor does not have when the delegate is built:
/// LiteRT refuses such a model at `allocate_tensors` ("failed to delegate FULLY_CONNECTED
/// node", MediaPipe's hand_landmark_full in int8, whose world-landmark weights are pruned).
/// Its int8 conv 2d and depthwise conv 2d read the unpacked data, and other readers run in
/// builtin kernels, which take any dense tensor.
pub fn xnnpack_reads_sparse_int8_weight(m: &Module, reader: OpId) -> bool {
    let data = m.op(reader);
    if data.is(&tfl::FULLY_CONNECTED) {
        return false;
    }
    let float_input = tqopt_ir::dialect::named_operand(m, reader, "input")
        .and_then(|v| m.value_type(v).element_type().cloned())
        .is_some_and(|t| matches!(t, ElementType::Float(_)));
    let hybrid = (data.is(&tfl::CONV_2D) || data.is(&tfl::TRANSPOSE_CONV)) && float_input;
    !hybrid
}

/// The slope of a `tfl.prelu` as constant values with their shape, when it is a constant.
pub fn prelu_slope(m: &Module, op: OpId) -> Option<(Vec<f32>, Vec<i64>)> {
    let slope = tqopt_ir::dialect::named_operand(m, op, "alpha")?;
    let c = m.defining_op(slope)?;
    let values = const_f32_values(m, c)?;
    let shape = m.value_type(slope).as_tensor()?.shape.to_vec();
    Some((values, shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON the LiteRT probe checks, read line by line (one case a line).
    fn json_rows() -> Vec<(String, String, bool, bool, Option<bool>)> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/interop/data/xnnpack_support.json"
        );
        let text = std::fs::read_to_string(path).expect("the probe's table");
        let field = |line: &str, key: &str| -> String {
            let at = line
                .find(&format!("\"{key}\": "))
                .unwrap_or_else(|| panic!("{key} in {line}"));
            let rest = &line[at + key.len() + 4..];
            let end = rest.find([',', '}']).unwrap();
            rest[..end].trim().trim_matches('"').to_string()
        };
        text.lines()
            .filter(|l| l.trim_start().starts_with("{\"case\""))
            .map(|l| {
                let b = |k| field(l, k) == "true";
                let hybrid = match field(l, "hybrid").as_str() {
                    "null" => None,
                    v => Some(v == "true"),
                };
                (
                    field(l, "case"),
                    field(l, "op"),
                    b("int8"),
                    b("float"),
                    hybrid,
                )
            })
            .collect()
    }

    #[test]
    fn table_mirrors_the_probe_json() {
        let json = json_rows();
        assert_eq!(json.len(), XNNPACK.len(), "rows in the JSON and in XNNPACK");
        for (j, s) in json.iter().zip(XNNPACK) {
            assert_eq!(
                (j.0.as_str(), j.1.as_str(), j.2, j.3, j.4),
                (s.case, s.op, s.int8, s.float, s.hybrid)
            );
        }
    }

    #[test]
    fn canonical_cases_name_their_op() {
        for s in XNNPACK.iter().filter(|s| s.op.starts_with("tfl.")) {
            if let Some(c) = case(s.op.trim_start_matches("tfl.")) {
                assert_eq!(c.op, s.op, "case {} names another op", c.case);
            }
        }
        assert!(Target::parse("gpu")
            .unwrap_err()
            .contains("xnnpack, reference, strict"));
    }
}
