//! A float `tfl.mean` or `tfl.sum` whose trailing reduced axes hold more than
//! [`MAX_INT8_RUN`] values becomes two reductions of at most that many, for
//! [`super::rewrite_for_target`].
//!
//! XNNPACK sums an int8 reduction over the last axes with its `rsum` kernel, and on CPUs with
//! AVX2 but neither AVX-512 nor AVX-VNNI that kernel keeps partial sums in 16-bit lanes which
//! wrap once a run reaches 8256 values (tqopt-interp's `xnnpack_reduce` reproduces it). A
//! GroupNorm exported from PyTorch (NCHW: a mean over 16384 squared deviations) then gave 127
//! where the exact value is 14, and the int8 model scored 25.54 dB in LiteRT instead of 40.
//! After this rewrite each int8 reduction sums at most 8192 values per run, so LiteRT's
//! result is the same on every CPU.
//!
//! `reduce(x, axes)` with a trailing run of `n = p · k` values (`k, p <= 8192`, `k` the largest
//! such divisor) becomes `reduce(reduce(reshape(x, [.., p, k]), [-1]), rest)`, where `rest` is
//! the other reduced axes and the new axis of `p` groups. Equal groups make it exact in real
//! arithmetic for both the mean (a mean of means) and the sum.

use tqopt_ir::dialect::tfl;
use tqopt_ir::{Attribute, ElementType, Module, OpId, OpSpec, Type, ValueId};

use super::qdq::derived_loc;
use super::rewrite_for_target::{f32_shape, i32_vector, insert, replace, to_i32};
use crate::folds::{const_value, ConstValue};

/// The most values an int8 reduction may sum in one contiguous run: below 8256
/// ([`tqopt_interp::INT8_SUM_EXACT_RUN`]), where XNNPACK's AVX2 kernel starts to wrap.
pub const MAX_INT8_RUN: i64 = 8192;
const _: () = assert!((MAX_INT8_RUN as usize) < tqopt_interp::INT8_SUM_EXACT_RUN);

/// The reduction's constant axes as flags over `rank` axes.
fn reduced_flags(m: &Module, axes: ValueId, rank: usize) -> Option<Vec<bool>> {
    let op = m.defining_op(axes)?;
    let Some(ConstValue::Dense(d)) = const_value(m, op) else {
        return None;
    };
    let mut flags = vec![false; rank];
    for a in d.to_i64_vec() {
        let a = if a < 0 { a + rank as i64 } else { a };
        *flags.get_mut(usize::try_from(a).ok()?)? = true;
    }
    Some(flags)
}

/// The largest `k <= MAX_INT8_RUN` dividing `n` with `n / k <= MAX_INT8_RUN`.
fn group_size(n: i64) -> Option<i64> {
    (1..=MAX_INT8_RUN.min(n))
        .rev()
        .find(|&k| n % k == 0 && n / k <= MAX_INT8_RUN)
}

/// Rewrites the float reduction `op` (a `tfl.mean` or `tfl.sum`) when its trailing run is
/// longer than [`MAX_INT8_RUN`].
pub(super) fn rewrite_long_reduction(m: &mut Module, op: OpId) -> bool {
    let data = m.op(op);
    let def = if data.is(&tfl::MEAN) {
        &tfl::MEAN
    } else if data.is(&tfl::SUM) {
        &tfl::SUM
    } else {
        return false;
    };
    if data.flag("keep_dims").is_none() {
        return false;
    }
    let (Some(x), Some(axes), Some(out)) = (m.operand(op, 0), m.operand(op, 1), m.result(op, 0))
    else {
        return false;
    };
    let (Some(shape), Some(out_shape)) = (f32_shape(m, x), f32_shape(m, out)) else {
        return false;
    };
    let Some(reduced) = reduced_flags(m, axes, shape.len()) else {
        return false;
    };
    let trailing = reduced.iter().rev().take_while(|&&r| r).count();
    let lead = shape.len() - trailing;
    let run: i64 = shape[lead..].iter().product();
    if run <= MAX_INT8_RUN {
        return false;
    }
    let Some(k) = group_size(run) else {
        return false;
    };
    // [lead dims.., run / k, k]; the first reduction takes the last axis.
    let mut grouped = shape[..lead].to_vec();
    grouped.extend([run / k, k]);
    let partial_shape = &grouped[..grouped.len() - 1];
    // The second reduction: the other reduced axes and the axis of the groups.
    let second_axes: Vec<i32> = (0..=lead)
        .filter(|&a| a == lead || reduced[a])
        .map(|a| a as i32)
        .collect();
    let total_shape: Vec<i64> = (0..lead)
        .filter(|&a| !reduced[a])
        .map(|a| shape[a])
        .collect();
    let Some(grouped32) = to_i32(&grouped) else {
        return false;
    };
    let loc = m.op(op).loc.clone();
    let reduction = |input: ValueId, axes: ValueId, shape: &[i64], loc| {
        OpSpec::of(def)
            .operands(&[input, axes])
            .property("keep_dims", Attribute::Bool(false))
            .results([Type::tensor(shape, ElementType::F32)])
            .loc(loc)
    };
    let (Some(grouped_shape), Some(last_axis), Some(rest_axes)) = (
        i32_vector(m, op, &grouped32, derived_loc(m, op, "grouped_shape")),
        i32_vector(m, op, &[lead as i32 + 1], derived_loc(m, op, "group_axis")),
        i32_vector(m, op, &second_axes, derived_loc(m, op, "groups_axes")),
    ) else {
        return false;
    };
    let reshape = OpSpec::of(&tfl::RESHAPE)
        .operands(&[x, grouped_shape])
        .results([Type::tensor(&grouped, ElementType::F32)])
        .loc(derived_loc(m, op, "grouped"));
    let Some(groups) = insert(m, op, reshape) else {
        return false;
    };
    let first = reduction(
        groups,
        last_axis,
        partial_shape,
        derived_loc(m, op, "per_group"),
    );
    let Some(partial) = insert(m, op, first) else {
        return false;
    };
    let result = if total_shape == out_shape {
        insert(m, op, reduction(partial, rest_axes, &total_shape, loc))
    } else {
        let second = reduction(
            partial,
            rest_axes,
            &total_shape,
            derived_loc(m, op, "over_groups"),
        );
        let (Some(total), Some(dims)) = (insert(m, op, second), to_i32(&out_shape)) else {
            return false;
        };
        let Some(out_dims) = i32_vector(m, op, &dims, derived_loc(m, op, "result_shape")) else {
            return false;
        };
        let back = OpSpec::of(&tfl::RESHAPE)
            .operands(&[total, out_dims])
            .results([m.value_type(out).clone()])
            .loc(loc);
        insert(m, op, back)
    };
    result.is_some_and(|v| replace(m, op, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_as_large_as_allowed() {
        assert_eq!(group_size(16384), Some(8192));
        assert_eq!(group_size(9000), Some(4500));
        assert_eq!(group_size(8192 * 8192), Some(8192));
        // A prime above the limit cannot be split into equal groups.
        assert_eq!(group_size(8209), None);
    }
}
