//! int8 `tfl.log` as LiteRT's builtin kernel computes it: a 256-entry table (`LUTPopulate`,
//! in f32): each input dequantized, `logf` of it, or for an input at or below zero the lowest
//! real value the output can hold (`(-128 - out_zp) · out_scale`), times `1 / out_scale`,
//! rounded half away from zero, plus the output zero point, clamped. Float emulation differed
//! on every input at or below zero (123 of 256 inputs with a zero point of -5). (An int8 ELU
//! from scale 0.05 to 0.04 is 7 of 256 inputs off in float emulation, but LiteRT's builtin
//! table is not what runs it: 14 off. It stays open.)

use tqopt_ir::{Module, OpId};

use super::{int8_params, int8_unary};
use crate::error::KResult;
use crate::kernels::BoxKernel;

/// LiteRT's LOG transform for an output whose lowest real value is `out_min`.
pub(crate) fn log_transform(x: f32, out_min: f32) -> f32 {
    if x <= 0.0 {
        out_min
    } else {
        x.ln()
    }
}

/// The 256-entry table of `f`, indexed by the storage integer plus 128.
fn table((si, zi): (f32, i32), (so, zo): (f32, i32), f: impl Fn(f32) -> f32) -> [i8; 256] {
    let inverse = 1.0 / so;
    let mut lut = [0i8; 256];
    for (i, entry) in lut.iter_mut().enumerate() {
        let q = i as i32 - 128;
        let rescaled = (f(si * (q - zi) as f32) * inverse).round();
        *entry = ((rescaled + zo as f32) as i32).clamp(-128, 127) as i8;
    }
    lut
}

/// The kernel of `op` when it is an int8 LOG.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let (&[x], &[y]) = (data.operands(), data.results()) else {
        return None;
    };
    let input = int8_params(m, x)?;
    let output @ (so, zo) = int8_params(m, y)?;
    let out_min = (-128 - zo) as f32 * so;
    let lut = table(input, output, |v| log_transform(v, out_min));
    Some(int8_unary(move |q| Ok(lut[(q as i32 + 128) as usize])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_positive_inputs_take_the_lowest_output() {
        let (input, output) = ((0.05f32, -5), (0.04f32, 20));
        let out_min = (-128 - 20) as f32 * 0.04;
        let lut = table(input, output, |v| log_transform(v, out_min));
        // q <= -5 is at or below zero: the lowest storage value.
        assert_eq!(lut[(-5 + 128) as usize], -128);
        assert_eq!(lut[0], -128);
        // q = 15: log(1.0) = 0 -> the zero point.
        assert_eq!(lut[(15 + 128) as usize], 20);
    }
}
