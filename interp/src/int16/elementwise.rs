//! int16 `tfl.add` and `tfl.mul` as LiteRT's builtin kernels compute them (zero points 0).
//!
//! ADD (general-scale path, `left_shift = 15`): with `twice = 2 · max(s1, s2)` (f32), the
//! multipliers of `s1 / twice`, `s2 / twice` and `twice / (2^15 · s_out)` are quantized to
//! 31 bits (all below one). Operands of one shape run LiteRT's optimized kernel: each
//! 16-element block as its NEON code computes it (the input shifted left by `15 + shift` before
//! the rounding high multiply), the remaining `n mod 16` elements as the reference kernel (the
//! input shifted by 15, high multiply, then a rounding right shift); broadcasting runs the
//! reference kernel everywhere. The two differ by one step now and then, so the split matters.
//!
//! MUL: `MultiplyByQuantizedMultiplier(a · b)` with the multiplier of `s1 · s2 / s_out`
//! evaluated in f32 (as LiteRT's `float` expression does), broadcasting or not.
//!
//! Both clamp to the fused activation's range.
//!
//! ADD and SUB whose `pot_scale_int16` option is true (TFLite's default; tqopt writes false)
//! and whose three scales are powers of two to within 1e-3 in log2 (the runtime's
//! `CheckedLog2`: ai-edge-quantizer's `1 / 32767` passes) take LiteRT's older power-of-two
//! kernel ([`PowerOfTwo`]): the input whose scale is the output's is taken as it is, the other
//! divided by a power of two (rounding), and the two added or subtracted, saturated and
//! clamped. That kernel needs one input at the output's scale and the other at most there, and
//! its ADD does not broadcast; LiteRT refuses the model otherwise, and so does this kernel. A
//! general-scale SUB is left to float emulation.

use tqopt_ir::{Module, OpId};

use super::fixed_point::{
    activation_range, multiply_by_quantized_multiplier, quantize_multiplier,
    rounding_divide_by_pot, rounding_doubling_high_mul,
};
use super::{activation_name, int16_params, int16_slice};
use crate::error::KResult;
use crate::kernels::broadcast::{binary, broadcast_shape};
use crate::kernels::{kernel, one, Args, BoxKernel};
use crate::tensor::{Tensor, TensorData};

/// The fixed-point parameters of an int16 add.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AddParams {
    pub m1: i32,
    pub s1: i32,
    pub m2: i32,
    pub s2: i32,
    pub mo: i32,
    pub so: i32,
    pub lo: i32,
    pub hi: i32,
}

const LEFT_SHIFT: i32 = 15;
/// Elements per block of the optimized kernel's vector loop.
const BLOCK: usize = 16;

impl AddParams {
    /// LiteRT's general-scale parameters for scales `s1 + s2 -> so`; `None` for multipliers
    /// out of range.
    pub fn new(s1: f32, s2: f32, so: f32, lo: i32, hi: i32) -> Option<AddParams> {
        let twice = (2.0 * s1.max(s2)) as f64;
        let below_one = |r: f64| {
            let (m, s) = quantize_multiplier(r)?;
            (r < 1.0 && s <= 0 && m > 0).then_some((m, s))
        };
        let (m1, s1_) = below_one(s1 as f64 / twice)?;
        let (m2, s2_) = below_one(s2 as f64 / twice)?;
        let (mo, so_) = below_one(twice / ((1 << LEFT_SHIFT) as f32 * so) as f64)?;
        Some(AddParams {
            m1,
            s1: s1_,
            m2,
            s2: s2_,
            mo,
            so: so_,
            lo,
            hi,
        })
    }

    fn finish(&self, sum: i32, vector: bool) -> i16 {
        let out = if vector {
            rounding_divide_by_pot(rounding_doubling_high_mul(sum, self.mo), (-self.so) as u32)
        } else {
            scale_below_one(sum, self.mo, self.so)
        };
        out.clamp(self.lo, self.hi) as i16
    }

    /// The reference kernel's element (scalar tail and broadcasts).
    pub fn reference(&self, a: i16, b: i16) -> i16 {
        let x = reference_input(a, self.m1, self.s1);
        let y = reference_input(b, self.m2, self.s2);
        self.finish(x.wrapping_add(y), false)
    }

    /// The optimized kernel's vector element.
    pub fn vector(&self, a: i16, b: i16) -> i16 {
        let x = vector_input(a, self.m1, self.s1);
        let y = vector_input(b, self.m2, self.s2);
        self.finish(x.wrapping_add(y), true)
    }

    /// Elementwise over equal shapes: 16-element blocks as vectors, the tail as reference.
    pub fn same_shape(&self, a: &[i16], b: &[i16]) -> Vec<i16> {
        let body = a.len() - a.len() % BLOCK;
        a.iter()
            .zip(b)
            .enumerate()
            .map(|(i, (&x, &y))| {
                if i < body {
                    self.vector(x, y)
                } else {
                    self.reference(x, y)
                }
            })
            .collect()
    }
}

/// An input rescaled by the reference kernel: shifted left by 15, high multiply, rounding right
/// shift.
fn reference_input(x: i16, m: i32, shift: i32) -> i32 {
    scale_below_one((x as i32) << LEFT_SHIFT, m, shift)
}

/// An input rescaled by the vector kernel: the input's (negative) shift folded into the left
/// shift before the high multiply, so there is one rounding instead of two.
fn vector_input(x: i16, m: i32, shift: i32) -> i32 {
    rounding_doubling_high_mul(shift_left(x as i32, LEFT_SHIFT + shift), m)
}

/// `MultiplyByQuantizedMultiplierSmallerThanOneExp`: high multiply, then rounding right shift.
fn scale_below_one(x: i32, m: i32, shift: i32) -> i32 {
    rounding_divide_by_pot(rounding_doubling_high_mul(x, m), (-shift).max(0) as u32)
}

/// NEON's `vshlq_s32`: a left shift, or an arithmetic right shift for a negative amount.
fn shift_left(x: i32, by: i32) -> i32 {
    if by >= 0 {
        x.wrapping_shl(by as u32)
    } else {
        x >> (-by).min(31)
    }
}

/// The runtime's `CheckedLog2`: the rounded log2 of `x`, and whether `x` is within 1e-3 (in
/// log2) of that power of two.
fn checked_log2(x: f32) -> (i32, bool) {
    let log2 = f64::from(x).ln() * (1.0 / 2f64.ln());
    let rounded = log2.round();
    (rounded as i32, (log2 - rounded).abs() < 1e-3)
}

/// LiteRT's power-of-two int16 ADD or SUB: each input divided by `2^shift` (rounding half away
/// from zero), then added or subtracted, clamped to `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PowerOfTwo {
    shift1: u32,
    shift2: u32,
    subtract: bool,
    lo: i32,
    hi: i32,
}

impl PowerOfTwo {
    /// The kernel LiteRT runs for scales `s1, s2 -> so` with `pot_scale_int16` set: `None` when
    /// a scale is not a power of two (the general kernel runs), an error when LiteRT refuses
    /// the op (its Prepare's checks).
    pub fn new(
        (s1, s2, so): (f32, f32, f32),
        subtract: bool,
        (lo, hi): (i32, i32),
    ) -> Option<Result<PowerOfTwo, String>> {
        let ((l1, p1), (l2, p2), (lo_, po)) =
            (checked_log2(s1), checked_log2(s2), checked_log2(so));
        if !(p1 && p2 && po) {
            return None;
        }
        let (d1, d2) = (l1 - lo_, l2 - lo_);
        if (d1 != 0 && d2 != 0) || d1 > 0 || d2 > 0 {
            return Some(Err(format!(
                "LiteRT refuses this int16 op: its scales ({s1:e}, {s2:e} -> {so:e}) are powers \
                 of two and its pot_scale_int16 option is set, which selects LiteRT's \
                 power-of-two kernel, and that kernel needs one input at the output's scale and \
                 the other at most there (input scales are 2^{d1} and 2^{d2} times the output's)"
            )));
        }
        Some(Ok(PowerOfTwo {
            shift1: (-d1) as u32,
            shift2: (-d2) as u32,
            subtract,
            lo,
            hi,
        }))
    }

    pub fn apply(&self, a: i16, b: i16) -> i16 {
        let x = rounding_divide_by_pot(a as i32, self.shift1);
        let y = rounding_divide_by_pot(b as i32, self.shift2);
        let r = if self.subtract { x - y } else { x + y };
        r.clamp(self.lo, self.hi) as i16
    }
}

/// Whether `op`'s `pot_scale_int16` option is set (absent means set, as TFLite's default).
fn pot_option(m: &Module, op: OpId) -> bool {
    m.op(op)
        .attr(tqopt_ir::dialect::tfl_versions::POT_SCALE_INT16_ATTR)
        .and_then(|a| a.as_bool())
        .unwrap_or(true)
}

/// The power-of-two kernel of an int16 ADD or SUB.
fn power_of_two_kernel(p: PowerOfTwo, add: bool) -> BoxKernel {
    let name = if add { "add" } else { "sub" };
    Box::new(move |args: &mut Args<'_>| {
        let (a, b) = (args.get(0)?, args.get(1)?);
        let (av, bv) = (int16_slice(a, name)?, int16_slice(b, name)?);
        if add && !same_extended_shape(a.shape(), b.shape()) {
            return Err(format!(
                "LiteRT's power-of-two int16 ADD kernel does not broadcast ({:?} + {:?})",
                a.shape(),
                b.shape()
            ));
        }
        let (shape, v) = binary(av, a.shape(), bv, b.shape(), |x, y| p.apply(x, y))?;
        one(Tensor::from_parts(shape, TensorData::I16(v)))
    })
}

/// The kernel of `op`, when it is an int16 ADD, SUB or MUL covered here.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let [x, y] = data.operands() else {
        return None;
    };
    let [out] = data.results() else {
        return None;
    };
    let (sa, za) = int16_params(m, *x)?;
    let (sb, zb) = int16_params(m, *y)?;
    let (so, zo) = int16_params(m, *out)?;
    if (za, zb, zo) != (0, 0, 0) {
        return None;
    }
    let (lo, hi) = activation_range(activation_name(m, op)?, so, 0, (-32768, 32767))?;
    let add = data.name.as_str() == "tfl.add";
    if add || data.name.as_str() == "tfl.sub" {
        let pot = pot_option(m, op)
            .then(|| PowerOfTwo::new((sa, sb, so), !add, (lo, hi)))
            .flatten();
        if let Some(p) = pot {
            return Some(p.map(|p| power_of_two_kernel(p, add)));
        }
    }
    if data.name.as_str() == "tfl.sub" {
        return None;
    }
    if add {
        let p = AddParams::new(sa, sb, so, lo, hi)?;
        return Some(kernel(move |args: &mut Args<'_>| {
            let (a, b) = (args.get(0)?, args.get(1)?);
            let (av, bv) = (int16_slice(a, "add")?, int16_slice(b, "add")?);
            if same_extended_shape(a.shape(), b.shape()) {
                let shape = broadcast_shape(a.shape(), b.shape())?;
                let t = Tensor::from_parts(shape, TensorData::I16(p.same_shape(av, bv)));
                return one(t);
            }
            let (shape, v) = binary(av, a.shape(), bv, b.shape(), |x, y| p.reference(x, y))?;
            one(Tensor::from_parts(shape, TensorData::I16(v)))
        }));
    }
    let real = (sa * sb / so) as f64;
    let (mult, shift) = quantize_multiplier(real)?;
    Some(kernel(move |args: &mut Args<'_>| {
        let (a, b) = (args.get(0)?, args.get(1)?);
        let (av, bv) = (int16_slice(a, "mul")?, int16_slice(b, "mul")?);
        let f = |x: i16, y: i16| {
            let r = multiply_by_quantized_multiplier(x as i32 * y as i32, mult, shift);
            r.clamp(lo, hi) as i16
        };
        let (shape, v) = binary(av, a.shape(), bv, b.shape(), f)?;
        one(Tensor::from_parts(shape, TensorData::I16(v)))
    }))
}

/// Whether two shapes are equal once the shorter is extended with leading ones (LiteRT's
/// test for the non-broadcasting kernel).
fn same_extended_shape(a: &[usize], b: &[usize]) -> bool {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| {
        if i + s.len() >= rank {
            s[i + s.len() - rank]
        } else {
            1
        }
    };
    (0..rank).all(|i| dim(a, i) == dim(b, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_vector_and_reference_paths_differ_only_in_rounding() {
        // The second input's multiplier has shift -7: the paths round it differently (the
        // difference rarely survives the output's rescaling, about once per 10^5 elements in
        // the shared models).
        let p = AddParams::new(3.1e-4, 0.3e-5, 3.2e-4, -32768, 32767).unwrap();
        assert_eq!((p.s1, p.s2), (0, -7));
        let mut differ = 0;
        for b in i16::MIN..=i16::MAX {
            let (v, r) = (vector_input(b, p.m2, p.s2), reference_input(b, p.m2, p.s2));
            assert!((v - r).abs() <= 1, "{b}: {v} {r}");
            differ += usize::from(v != r);
            assert_eq!(vector_input(b, p.m1, p.s1), reference_input(b, p.m1, p.s1));
            for a in [-32768i16, -777, 4097, 32767] {
                let (v, r) = (p.vector(a, b) as i32, p.reference(a, b) as i32);
                assert!((v - r).abs() <= 1, "{a} {b}: {v} {r}");
                let exact = (a as f64 * 3.1e-4 + b as f64 * 0.3e-5) / 3.2e-4;
                assert!((v as f64 - exact).abs() <= 1.0, "{a} {b}: {v} vs {exact}");
            }
        }
        assert!(differ > 100, "the two roundings differed {differ} times");
        // The tail of a non-multiple of 16 runs the reference path.
        let a: Vec<i16> = (0..20).map(|i| i * 1000 - 9000).collect();
        let b: Vec<i16> = (0..20).map(|i| 7000 - i * 777).collect();
        let out = p.same_shape(&a, &b);
        assert_eq!(out[19], p.reference(a[19], b[19]));
        assert_eq!(out[3], p.vector(a[3], b[3]));
    }

    #[test]
    fn power_of_two_scales_take_the_other_path() {
        let full = (-32768, 32767);
        // 2/32767, 1/32767 and 0.5/32767 are powers of two to within 1e-3 in log2.
        let (two, one, half) = (2.0 / 32767.0, 1.0 / 32767.0, 0.5 / 32767.0);
        let p = PowerOfTwo::new((one, half, one), false, full)
            .unwrap()
            .unwrap();
        // The second input is halved, rounding half away from zero: 3 -> 2, -3 -> -2.
        assert_eq!(p.apply(100, 3), 102);
        assert_eq!(p.apply(100, -3), 98);
        assert_eq!(p.apply(32767, 4), 32767);
        let sub = PowerOfTwo::new((one, half, one), true, full)
            .unwrap()
            .unwrap();
        assert_eq!(sub.apply(-32768, 4), -32768);
        assert_eq!(sub.apply(10, 5), 7);
        // An input above the output's scale: LiteRT refuses the op.
        let refused = PowerOfTwo::new((two, one, one), false, full).unwrap();
        assert!(refused.unwrap_err().contains("2^1"));
        // Not powers of two: the general kernel.
        assert!(PowerOfTwo::new((0.5, 0.3, 0.5), false, full).is_none());
    }

    #[test]
    fn shapes_compare_after_extension() {
        assert!(same_extended_shape(&[1, 4, 4, 8], &[4, 4, 8]));
        assert!(!same_extended_shape(&[1, 4, 4, 8], &[8]));
    }
}
