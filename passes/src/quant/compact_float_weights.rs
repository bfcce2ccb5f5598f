//! `compact-float-weights`: the weights of ops that stay float go back to float16 where float16
//! holds them exactly.
//!
//! MediaPipe ships its models with float16 weights behind `tfl.dequantize` (some also sparse).
//! The full-integer pipelines fold those to float32 so they can be calibrated and quantized,
//! and every op that then stays float (for want of an int8 kernel, for speed, or kept by the
//! precision search) kept the float32 copy: with `target-sqnr=30`, pose_detection's file grew
//! from 2.9 MB (float) to 10.8 MB. Values that float16 represents exactly (all of them, when
//! the model came with float16 weights) are stored as float16 again behind one
//! `tfl.dequantize`, so nothing changes but the file's size; `sparsify-weights` then stores
//! mostly-zero ones sparse, as the original did.
//!
//! Only constants read as the filter or bias of a float conv_2d, depthwise_conv_2d,
//! fully_connected or transpose_conv are rewritten (XNNPACK and LiteRT's kernels take those
//! float16-behind-dequantize weights as static weights, as they do in the original models),
//! an op's filter and bias together (see [`convertible`]), filters of at least
//! [`MIN_ELEMENTS`] values.

use std::collections::HashMap;
use tqopt_ir::dialect::tfl;
use tqopt_ir::dialect::tfl::operands::Weighted;

use tqopt_ir::{Module, OpId, Use};

use super::quantize_weights::behind_float16_dequantize;
use crate::folds::const_f32_values;
use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const COMPACTED: Statistic = Statistic {
    name: "num-weights-to-float16",
    description: "float32 weights stored as float16 (exactly) behind a dequantize",
};
pub const BYTES_SAVED: Statistic = Statistic {
    name: "num-bytes-saved",
    description: "bytes of weight data saved",
};

/// Smaller filters are left as they are (a dequantize op costs more than it saves).
pub const MIN_ELEMENTS: usize = 64;

pub static INFO: PassInfo = PassInfo {
    argument: "compact-float-weights",
    summary: "Store float32 weights of float ops that float16 holds exactly as float16 behind tfl.dequantize",
    description: "For every float conv_2d, depthwise_conv_2d, fully_connected or transpose_conv \
        op whose constant filter (of at least 64 values) and bias are all exactly float16 values \
        (as when the model came with float16 weights), stores them as float16 behind a \
        tfl.dequantize each. Lossless: the ops compute the same.",
    options: &[],
    create,
    traits: PassTraits::NONE,
};

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(CompactFloatWeights))
}

pub struct CompactFloatWeights;

impl Pass for CompactFloatWeights {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let mut changed = false;
        for (c, readers, bytes) in convertible(m) {
            let Some(shape) = m
                .value_type(m.results(c)[0])
                .as_tensor()
                .map(|t| t.shape.to_vec())
            else {
                continue;
            };
            let saved = bytes.len() as u64;
            if behind_float16_dequantize(m, c, &readers, &shape, bytes) {
                cx.count(COMPACTED, 1);
                cx.count(BYTES_SAVED, saved);
                changed = true;
            }
        }
        Ok(Changed::from(changed))
    }
}

/// What [`convertible`] keeps per constant: its readers, its float16 bytes, its size.
type Exact = HashMap<OpId, (Vec<Use>, Vec<u8>, usize)>;

/// The constants to convert, with their readers and float16 bytes. An op's weights go to
/// float16 together or not at all: XNNPACK leaves a convolution whose float32 filter comes with
/// a float16 bias behind a dequantize outside its graph (face_detection_short_range: 12 ops,
/// in 9 partitions). So an op qualifies when its filter has at least [`MIN_ELEMENTS`] values
/// and each of its constant weights is float16-exact and read only as weights; a constant is
/// converted when every op reading it qualifies.
fn convertible(m: &Module) -> Vec<(OpId, Vec<Use>, Vec<u8>)> {
    let mut exact: Exact = HashMap::new();
    for c in m.walk_nested(m.op) {
        if !m.op(c).is(&tfl::PSEUDO_CONST) {
            continue;
        }
        let Some(readers) = weight_readers(m, c) else {
            continue;
        };
        let Some(values) = const_f32_values(m, c) else {
            continue;
        };
        if let Some(bytes) = exact_float16(&values) {
            exact.insert(c, (readers, bytes, values.len()));
        }
    }
    loop {
        let dropped: Vec<OpId> = exact
            .iter()
            .filter(|(_, (readers, _, _))| !readers.iter().all(|u| qualifies(m, u.op, &exact)))
            .map(|(&c, _)| c)
            .collect();
        if dropped.is_empty() {
            break;
        }
        for c in dropped {
            exact.remove(&c);
        }
    }
    // In module order, so that the output does not depend on the map's order.
    m.walk_nested(m.op)
        .filter_map(|c| {
            let (readers, bytes, _) = exact.remove(&c)?;
            Some((c, readers, bytes))
        })
        .collect()
}

/// Whether weighted op `op` may read float16 weights: its filter is a constant in `exact` with
/// at least [`MIN_ELEMENTS`] values, and so is its bias if that is a constant.
fn qualifies(m: &Module, op: OpId, exact: &Exact) -> bool {
    let Some(w) = Weighted::of(m, op) else {
        return false;
    };
    let in_exact = |v, least| {
        m.defining_op(v)
            .and_then(|d| exact.get(&d))
            .is_some_and(|(_, _, n)| *n >= least)
    };
    // The filter must be one of them; a bias that is not a constant (or absent) is no obstacle.
    let bias_ok = w.bias.is_none_or(|b| {
        let constant = m
            .defining_op(b)
            .is_some_and(|d| m.op(d).is(&tfl::PSEUDO_CONST));
        !constant || in_exact(b, 0)
    });
    in_exact(w.filter, MIN_ELEMENTS) && bias_ok
}

/// The readers of constant `c` when every one takes it as the filter or bias of a weighted op
/// (float, since the constant is float32).
fn weight_readers(m: &Module, c: OpId) -> Option<Vec<Use>> {
    let v = *m.results(c).first()?;
    let uses = m.uses(v);
    let all_weights = !uses.is_empty()
        && uses.iter().all(|u| {
            Weighted::of(m, u.op)
                .is_some_and(|w| w.input != v && (w.filter == v || w.bias == Some(v)))
        });
    all_weights.then(|| uses.to_vec())
}

/// The float16 bytes (little-endian) of `values` when each is exactly a float16 value.
pub fn exact_float16(values: &[f32]) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(values.len() * 2);
    for &x in values {
        let h = half::f16::from_f32(x);
        if h.to_f32().to_bits() != x.to_bits() {
            return None;
        }
        bytes.extend(h.to_le_bytes());
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_values_float16_holds_exactly_are_converted() {
        assert_eq!(
            exact_float16(&[0.5, -2.0, 0.0, -0.0, 65504.0]).map(|b| b.len()),
            Some(10)
        );
        assert_eq!(exact_float16(&[0.1]), None, "0.1 is not a float16 value");
        assert_eq!(
            exact_float16(&[1e-8]),
            None,
            "below float16's smallest subnormal"
        );
        assert_eq!(exact_float16(&[70000.0]), None, "beyond float16's range");
    }

    fn parse(text: &str) -> Module {
        tqopt_textual_ir::parse_str("test.mlir", text).expect("parses")
    }

    /// A float conv whose 64 weights are multiples of 1/8 (float16-exact) and whose bias has
    /// 2 values; `reshaped`: the filter reaches the conv through a reshape.
    fn conv(reshaped: bool) -> String {
        let row = |r: usize| {
            let v: Vec<String> = (0..32)
                .map(|i| format!("{}", ((r * 32 + i) as f32 - 32.0) / 8.0))
                .collect();
            format!("[[[{}]]]", v.join(", "))
        };
        let (w_ty, filter) = if reshaped {
            (
                "tensor<1x2x1x1x32xf32>",
                r#"%s = "tfl.pseudo_const"() <{value = dense<[2, 1, 1, 32]> : tensor<4xi32>}> : () -> tensor<4xi32>
  %f = "tfl.reshape"(%w, %s) : (tensor<1x2x1x1x32xf32>, tensor<4xi32>) -> tensor<2x1x1x32xf32>"#,
            )
        } else {
            ("tensor<2x1x1x32xf32>", "")
        };
        let literal = if reshaped {
            format!("[[{}, {}]]", row(0), row(1))
        } else {
            format!("[{}, {}]", row(0), row(1))
        };
        let f = if reshaped { "%f" } else { "%w" };
        format!(
            r#"func.func @main(%x: tensor<1x4x4x32xf32>) -> tensor<1x4x4x2xf32> {{
  %w = "tfl.pseudo_const"() <{{value = dense<{literal}> : {w_ty}}}> : () -> {w_ty}
  {filter}
  %b = "tfl.pseudo_const"() <{{value = dense<[0.5, 0.25]> : tensor<2xf32>}}> : () -> tensor<2xf32>
  %c = "tfl.conv_2d"(%x, {f}, %b) <{{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}}> : (tensor<1x4x4x32xf32>, tensor<2x1x1x32xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  return %c : tensor<1x4x4x2xf32>
}}"#
        )
    }

    #[test]
    fn a_float_convs_float16_exact_weights_go_behind_a_dequantize() {
        let mut cx = PassContext::new();
        // Read through a reshape: not a weight operand, so left alone.
        let mut m = parse(&conv(true));
        CompactFloatWeights.run(&mut m, &mut cx).unwrap();
        let printed = tqopt_textual_ir::print_module(&m, &Default::default());
        assert!(!printed.contains("tfl.dequantize"), "{printed}");
        // Read directly as the filter: converted, and the bias with it (XNNPACK wants both).
        let before = parse(&conv(false));
        let mut after = before.clone();
        CompactFloatWeights.run(&mut after, &mut cx).unwrap();
        let printed = tqopt_textual_ir::print_module(&after, &Default::default());
        assert_eq!(printed.matches("tfl.dequantize").count(), 2, "{printed}");
        assert!(printed.contains("tensor<2x1x1x32xf16>"), "{printed}");
        let x = tqopt_interp::Tensor::from_f32(
            &[1, 4, 4, 32],
            (0..512)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) / 3.0)
                .collect(),
        )
        .unwrap();
        let run = |m: &Module| {
            tqopt_interp::Interpreter::new(m, "main")
                .unwrap()
                .run(std::slice::from_ref(&x))
                .unwrap()[0]
                .to_f32_vec()
        };
        assert_eq!(run(&before), run(&after));
        // Values float16 cannot hold exactly stay float32.
        let inexact = conv(false).replace("0.125,", "0.1,");
        let mut m = parse(&inexact);
        CompactFloatWeights.run(&mut m, &mut cx).unwrap();
        let printed = tqopt_textual_ir::print_module(&m, &Default::default());
        assert!(!printed.contains("tfl.dequantize"), "{printed}");
    }
}
