//! int8 `tfl.sqrt` as LiteRT's builtin kernel computes it (XNNPACK does not take it
//! quantized): in f32, `sqrt(in_scale · (q - in_zp)) / out_scale` truncated toward zero (not
//! rounded), plus the output zero point, clamped. A negative input is an error, as in LiteRT
//! ("Sqrt is only defined for non-negative values").
//!
//! Float emulation rounded where LiteRT truncates: 70% of a network's square roots were one
//! step above LiteRT's (measured 2026-12-06).

use tqopt_ir::{Module, OpId};

use super::{int8_params, int8_unary};
use crate::error::KResult;
use crate::kernels::BoxKernel;

/// One storage integer through the kernel; `None` for a negative input.
fn sqrt_step(q: i8, (si, zi): (f32, i32), (so, zo): (f32, i32)) -> Option<i8> {
    let x = si * (q as i32 - zi) as f32;
    if x < 0.0 {
        return None;
    }
    let out = (x.sqrt() / so) as i32 + zo;
    Some(out.clamp(-128, 127) as i8)
}

/// The kernel of `op` when it is an int8 SQRT.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let input = int8_params(m, x)?;
    let output = int8_params(m, y)?;
    Some(int8_unary(move |q| {
        sqrt_step(q, input, output).ok_or_else(|| {
            "Sqrt is only defined for non-negative values (as in LiteRT, which fails too)".into()
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sqrt(2.25) / 0.125 = 12 exactly stays 12; sqrt(2.2) / 0.125 = 11.87 truncates to 11
    /// (rounding would give 12); a negative input is refused.
    #[test]
    fn truncates_as_litert() {
        let o = (0.125f32, 0);
        assert_eq!(sqrt_step(100, (0.0225, 0), o), Some(12));
        assert_eq!(sqrt_step(110, (0.02, 0), o), Some(11));
        assert_eq!(sqrt_step(-1, (0.01, 0), o), None);
    }
}
