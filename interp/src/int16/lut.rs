//! int16 `tfl.exp`, `tfl.gelu` and `tfl.log` as LiteRT's builtin kernels compute them: a 513-entry table
//! over the whole int16 input range, read with linear interpolation.
//!
//! The table (LiteRT's `LUTPopulate<int16_t>`, all in f32, rounding halves away from zero):
//! 512 steps of `(in_max - in_min) / 512` from `in_min = in_scale · -32768`; each entry is the
//! function's value scaled to the output's steps, corrected by half the error of linear
//! interpolation at the step's midpoint; entry 512 is the value at `in_max`. A value `x` reads
//! entry `256 + (x >> 7)` and the next, and interpolates with the low 7 bits:
//! `base + ((next - base) · (x & 127) + 64) >> 7`.
//!
//! The functions are LiteRT's, in f32 through the C library: `expf`; for LOG `logf`, or the
//! output's lowest real value at or below zero; and for GELU `0.5 · x ·
//! erfcf(-x / √2)` or the tanh approximation `0.5 · x · (1 + tanhf(√(2/π) · (x + 0.044715 ·
//! x³)))`.
//!
//! Float emulation (the exact function rounded once) differed by one step on 70 of 384 values
//! of a sequence network's 16x8 EXP and on 40% of a transformer's 16x8 GELU (measured against
//! LiteRT 2026-12-06).

use tqopt_ir::{Module, OpId};

use super::fixed_point::round_half_away;
use super::{int16_map, unary_scales};
use crate::error::KResult;
use crate::kernels::BoxKernel;

extern "C" {
    /// The C library's `erfcf`, which LiteRT's GELU calls (`std::erfc(float)`).
    fn erfcf(x: f32) -> f32;
}

/// LiteRT's GELU transform (`reference_ops::GeluTransform`): `0.5 · x · erfc(-x / √2)`.
pub(crate) fn gelu_transform(x: f32) -> f32 {
    // SAFETY: erfcf is a pure function of its argument from the C math library.
    0.5 * x * unsafe { erfcf(x * -std::f32::consts::FRAC_1_SQRT_2) }
}

/// LiteRT's tanh-approximated GELU transform (`GeluTransformApproximate`).
pub(crate) fn gelu_transform_approximate(x: f32) -> f32 {
    let sqrt_2_over_pi =
        (std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2) as f32;
    0.5 * x * (1.0 + (sqrt_2_over_pi * (x + 0.044715 * x * x * x)).tanh())
}

/// Entries of a table: 512 steps and the end point.
const ENTRIES: usize = 513;

/// LiteRT's table of `f` for the input and output scales (zero points 0).
fn populate(in_scale: f32, out_scale: f32, f: impl Fn(f32) -> f32) -> [i16; ENTRIES] {
    let round = |v: f32| round_half_away(v as f64) as f32;
    let in_min = in_scale * -32768.0;
    let in_max = in_scale * 32767.0;
    let out_min = out_scale * -32768.0;
    let out_max = out_scale * 32767.0;
    let step = (in_max - in_min) / 512.0;
    let half_step = step / 2.0;
    let scaling = 65536.0f32 / (out_max - out_min);
    let mut lut = [0i16; ENTRIES];
    for (i, entry) in lut.iter_mut().take(512).enumerate() {
        let at = in_min + i as f32 * step;
        let val = f(at);
        let val_mid = f(at + half_step);
        let val_next = f(in_min + (i + 1) as f32 * step);
        let sample = round(val * scaling);
        let mid_interp = round((val_next * scaling + round(val * scaling)) / 2.0);
        let mid = round(val_mid * scaling);
        let bias = round((mid_interp - mid) / 2.0);
        *entry = (sample - bias).clamp(-32768.0, 32767.0) as i16;
    }
    lut[512] = round(f(in_max) * scaling).clamp(-32768.0, 32767.0) as i16;
    lut
}

/// The table read at `x`.
fn lookup(x: i16, lut: &[i16; ENTRIES]) -> i16 {
    let index = (256 + (x as i32 >> 7)) as usize;
    let offset = (x & 0x7f) as i32;
    let base = lut[index] as i32;
    let slope = lut[index + 1] as i32 - base;
    (base + ((slope * offset + 64) >> 7)) as i16
}

/// The kernel of `op` when it is an int16 EXP, LOG or GELU (zero points 0, as LiteRT requires).
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let (sx, sy) = unary_scales(m, op)?;
    let data = m.op(op);
    let f: Box<dyn Fn(f32) -> f32> = match data.name.as_str() {
        "tfl.exp" => Box::new(f32::exp),
        "tfl.log" => {
            let out_min = -32768.0 * sy;
            Box::new(move |v| crate::builtin8::lut::log_transform(v, out_min))
        }
        "tfl.gelu" => match data.flag("approximate")? {
            true => Box::new(gelu_transform_approximate),
            false => Box::new(gelu_transform),
        },
        _ => return None,
    };
    let lut = populate(sx, sy, f);
    Some(int16_map("table lookup", move |x| lookup(x, &lut)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_follows_the_function_within_a_step() {
        // exp over [-1, 1) into steps of 1/16384 (values up to e ~ 2.72).
        let (si, so) = (1.0f32 / 32768.0, 1.0f32 / 8192.0);
        let lut = populate(si, so, f32::exp);
        for x in (-32768i32..32768).step_by(97) {
            let got = lookup(x as i16, &lut) as f32 * so;
            let want = (x as f32 * si).exp();
            assert!(
                (got - want).abs() <= 2.0 * so,
                "exp({}) = {got}, want {want}",
                x as f32 * si
            );
        }
    }

    #[test]
    fn lookup_interpolates_between_entries() {
        let mut lut = [0i16; ENTRIES];
        lut[256] = 100;
        lut[257] = 228;
        // x = 64: entry 256, halfway to 257.
        assert_eq!(lookup(64, &lut), 164);
        assert_eq!(lookup(0, &lut), 100);
    }
}
