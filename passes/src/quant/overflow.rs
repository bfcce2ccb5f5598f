//! Overflow bounds of 16x8 affine ops with int32 biases, read off the quantize/dequantize
//! pairs `insert-fake-quant` has just made.
//!
//! With int16 activations an affine op's products are int16 x int8, up to 32767 x 127 each,
//! so sums that an int8 model keeps far inside int32 can leave it. For each affine op (conv,
//! depthwise, fully_connected, transpose_conv) whose input, constant weight and constant bias
//! all have pairs, per output channel c:
//! - the bias `|b_c| / (input scale x max|w_c| / 127)` that the unadjusted int32 bias would
//!   need; past `INT32_MAX / 2` TensorFlow's rule widens that channel's weight scale (and so
//!   loses weight precision), which the warning says, with the factor;
//! - the worst-case accumulator `qmax(input) x sum_k |w_q[c, k]| + |b_q[c]|`, the integer sum
//!   when every input sits at the edge of its calibrated range (symmetric int16: ±32767);
//!   past `INT32_MAX` an int32 accumulation can wrap.
//!
//! Each offending op gets one warning naming the op and its location, the worst channel, the
//! bound and the limit, and how many channels exceed it; `bias=int64` is the way out.

use tqopt_ir::dialect::tfl;
use tqopt_ir::{Diagnostic, Module, OpId, QuantParams, ValueId};

use super::insert_fake_quant::bias_storage;
use super::numerics::{self, StorageRange, BIAS_MAX};
use super::qdq::{defined_by, params_of, range_of};
use super::spec::{affine, QuantOptions};
use crate::folds::const_f32_values;

/// The largest bound over an op's channels, and how many channels exceed the limit.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Worst {
    pub channel: usize,
    pub bound: f64,
    pub over: usize,
}

/// Per-channel bounds of one affine op, or `None` when its input, weight or bias is not a
/// quantized pair over a (float) constant.
#[derive(Clone, Debug, PartialEq)]
pub struct Bounds {
    /// |bias| in units of input scale x unadjusted weight scale.
    pub bias_needed: Vec<f64>,
    /// Worst-case accumulator magnitude with the weight scales chosen.
    pub accumulator: Vec<f64>,
}

/// The quantize op of a pair whose dequantized value is `v`.
fn pair_of(m: &Module, v: ValueId) -> Option<OpId> {
    let dq = defined_by(m, v, &tfl::DEQUANTIZE)?;
    defined_by(m, m.operands(dq)[0], &tfl::QUANTIZE)
}

/// Float values of the constant a pair quantizes.
fn pair_constant(m: &Module, v: ValueId) -> Option<(Vec<f32>, OpId)> {
    let q = pair_of(m, v)?;
    let c = defined_by(m, m.operands(q)[0], &tfl::PSEUDO_CONST)?;
    Some((const_f32_values(m, c)?, q))
}

fn quant_params(m: &Module, q: OpId) -> Option<tqopt_ir::UniformQuant> {
    m.value_type(m.results(q)[0])
        .element_type()
        .and_then(|e| e.as_quant())
        .cloned()
}

/// The bounds of affine op `op`.
pub fn bounds(m: &Module, op: OpId, options: &QuantOptions) -> Option<Bounds> {
    let slots = affine(m, op, options)?;
    let operands = m.operands(op);
    let input = quant_params(m, pair_of(m, operands[slots.input?])?)?;
    let (weights, wq) = pair_constant(m, operands[slots.weight])?;
    let (bias, bq) = pair_constant(m, *operands.get(slots.bias?)?)?;
    let (wquant, bquant) = (quant_params(m, wq)?, quant_params(m, bq)?);
    let input_scale = params_of(&input).first()?.scale;
    let input_qmax = range_of(&input).max.max(-range_of(&input).min) as f64;
    let weight_scales: Vec<f64> = params_of(&wquant).iter().map(|p| p.scale).collect();
    let bias_scales: Vec<f64> = params_of(&bquant).iter().map(|p| p.scale).collect();
    let channels = bias.len();
    if channels == 0 || weights.is_empty() {
        return None;
    }
    // The weight's values by output channel: per axis from the type's axis; per tensor the
    // output channel is the weight's axis of the op table when it has one, else the whole.
    let shape = m.value_type(m.results(wq)[0]).as_tensor()?.shape.to_vec();
    let axis = match &wquant.params {
        QuantParams::PerAxis { axis, .. } => Some(*axis as usize),
        QuantParams::PerTensor { .. } => match m.op(op).def()?.quant {
            tqopt_ir::dialect::QuantBehavior::Affine { axis, .. } => axis.map(|a| a as usize),
            _ => None,
        },
    }
    .filter(|&a| a < shape.len() && shape[a] as usize == channels)?;
    let slice: usize = shape[axis + 1..]
        .iter()
        .map(|&d| d.max(1) as usize)
        .product();
    let mut abs_max = vec![0.0f64; channels];
    let mut abs_sum_q = vec![0.0f64; channels];
    for (k, block) in weights.chunks(slice.max(1)).enumerate() {
        let c = k % channels;
        let s = weight_scales[c.min(weight_scales.len() - 1)];
        for &w in block {
            let a = w.abs() as f64;
            abs_max[c] = abs_max[c].max(a);
            abs_sum_q[c] += (a / s).round().min(127.0);
        }
    }
    let mut bias_needed = Vec::with_capacity(channels);
    let mut accumulator = Vec::with_capacity(channels);
    for c in 0..channels {
        let b = bias[c].abs() as f64;
        let unadjusted = numerics::bias_scale(input_scale, abs_max[c].max(5e-7) / 127.0);
        bias_needed.push(b / unadjusted);
        let bs = bias_scales[c.min(bias_scales.len() - 1)];
        let bq = (b / bs).round();
        accumulator.push(input_qmax * abs_sum_q[c] + bq);
    }
    Some(Bounds {
        bias_needed,
        accumulator,
    })
}

/// The worst entry of `values` and how many exceed `limit`.
pub fn worst(values: &[f64], limit: f64) -> Worst {
    let (channel, bound) = values
        .iter()
        .copied()
        .enumerate()
        .fold((0, 0.0), |a, (i, v)| if v > a.1 { (i, v) } else { a });
    Worst {
        channel,
        bound,
        over: values.iter().filter(|&&v| v > limit).count(),
    }
}

/// Warnings for every affine op whose int32 bias or worst-case int32 accumulator overflows.
pub fn int32_warnings(m: &Module, options: &QuantOptions) -> Vec<Diagnostic> {
    let ops: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| affine(m, op, options).is_some())
        .filter(|&op| bias_storage(m, op, options) == StorageRange::INT32)
        .collect();
    let mut out = Vec::new();
    let int32_max = i32::MAX as f64;
    for op in ops {
        let Some(b) = bounds(m, op, options) else {
            continue;
        };
        let data = m.op(op);
        let place = data.loc.at_name();
        let name = data.name.as_str();
        let bias = worst(&b.bias_needed, BIAS_MAX);
        if bias.over > 0 {
            out.push(
                Diagnostic::warning(format!(
                    "'{name}'{place}: the int32 bias of channel {} needs {:.3e} (limit INT32_MAX/2 = {:.3e}; {} channel{} over): its weight scale is widened {:.1}x, losing weight precision; bias=int64 avoids it",
                    bias.channel,
                    bias.bound,
                    BIAS_MAX,
                    bias.over,
                    if bias.over == 1 { "" } else { "s" },
                    bias.bound / BIAS_MAX
                ))
                .at(data.pos)
                .with_loc(data.loc.clone()),
            );
        }
        let acc = worst(&b.accumulator, int32_max);
        if acc.over > 0 {
            out.push(
                Diagnostic::warning(format!(
                    "'{name}'{place}: the worst-case accumulator of channel {} reaches {:.3e} for inputs at the edge of the calibrated range (limit INT32_MAX = {:.3e}; {} channel{} over): an int32 accumulation can wrap; bias=int64 accumulates in 64 bits",
                    acc.channel,
                    acc.bound,
                    int32_max,
                    acc.over,
                    if acc.over == 1 { "" } else { "s" },
                ))
                .at(data.pos)
                .with_loc(data.loc.clone()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_finds_the_largest_and_counts_over() {
        let w = worst(&[1.0, 5.0, 3.0, 7.0], 4.0);
        assert_eq!(w.channel, 3);
        assert_eq!(w.bound, 7.0);
        assert_eq!(w.over, 2);
        assert_eq!(worst(&[], 1.0).over, 0);
    }
}
