//! int16 `tfl.logistic` and `tfl.tanh` as LiteRT's reference integer kernels compute them (the
//! ones its builtin kernels run for every input scale except 2^-12, and 2^-11 for tanh).
//!
//! The input is rescaled to steps of 1/(3 · 4096) (`(x · m + 2^(k-1)) >> k`, with `m` and `k`
//! from the input scale in `double`), its magnitude split into a table index (`>> 9`) and a
//! 9-bit fraction interpolating between two entries of [`SIGMOID`], the result mirrored for
//! negative inputs and reduced to 15 fractional bits. TANH reads the same table
//! (`tanh(x) = 2 · sigmoid(2x) - 1`) with an 8-bit index and fraction and recentres the result.
//! The output scale is 1/32768, zero point 0 (LiteRT refuses anything else).

use tqopt_ir::{Module, OpId};

use super::{int16_map, unary_scales};
use crate::error::KResult;
use crate::kernels::BoxKernel;

/// LiteRT's `sigmoid_table_uint16`: sigmoid(i / 24) in 0.16 fixed point, i = 0..255 (data of
/// its kernels, not derived here: a plain formula rounds 44 of its entries the other way).
const SIGMOID: [u16; 256] = [
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

/// The input rescaling of LiteRT's `SigmoidPrepare` and `TanhPrepare` for a non-power-of-two
/// scale: (multiplier, left shift); `None` for the scales LiteRT runs through another kernel
/// (2^-12, and 2^-11 for tanh).
fn input_rescale(scale: f32, tanh: bool) -> Option<(i32, u32)> {
    let other_kernel = scale == 2f32.powi(-12) || (tanh && scale == 2f32.powi(-11));
    if other_kernel || !(scale.is_finite() && scale > 0.0) {
        return None;
    }
    let mut multiplier = scale as f64 * 4096.0 * 3.0;
    let mut shift = 0u32;
    while multiplier <= 32767.0 / 2.0 && shift <= 30 {
        shift += 1;
        multiplier *= 2.0;
    }
    if multiplier >= 32768.0 {
        // The input scale is too large for the kernel's int32 products.
        return None;
    }
    Some((multiplier as i32, shift))
}

/// One element of the kernel.
fn sigmoid(x: i16, multiplier: i32, shift: u32) -> i16 {
    let round = if shift > 0 { 1 << (shift - 1) } else { 0 };
    let v = (x as i32 * multiplier + round) >> shift;
    let a = v.unsigned_abs();
    let index = (a >> 9) as usize;
    let result: u32 = if index >= 255 {
        0x7FFF << 10
    } else {
        let (lo, hi) = (SIGMOID[index] as u32, SIGMOID[index + 1] as u32);
        (lo << 9) + (a & 0x1ff) * (hi - lo)
    };
    let result = if v >= 0 {
        result + (1 << 9)
    } else {
        (1 << (16 + 9)) - result + (1 << 9) - 1
    };
    (result >> 10) as i16
}

/// One element of the tanh kernel.
fn tanh(x: i16, multiplier: i32, shift: u32) -> i16 {
    let round = if shift > 0 { 1 << (shift - 1) } else { 0 };
    let v = (x as i32 * multiplier + round) >> shift;
    let a = v.unsigned_abs();
    let index = (a >> 8) as usize;
    let result: i32 = if index >= 255 {
        0xFFFF << 8
    } else {
        let (lo, hi) = (SIGMOID[index] as u32, SIGMOID[index + 1] as u32);
        ((lo << 8) + (a & 0xff) * (hi - lo)) as i32
    };
    let result = if v >= 0 {
        result - (1 << (14 + 9)) + (1 << (9 - 2))
    } else {
        -result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1
    };
    (result >> (9 - 1)) as i16
}

/// The kernel of `op` when it is an int16 LOGISTIC or TANH covered here.
pub(crate) fn build(m: &Module, op: OpId) -> Option<KResult<BoxKernel>> {
    let (sx, sy) = unary_scales(m, op)?;
    if sy != 1.0 / 32768.0 {
        return None;
    }
    let is_tanh = m.op(op).name.as_str() == "tfl.tanh";
    let (multiplier, shift) = input_rescale(sx, is_tanh)?;
    let f = if is_tanh { tanh } else { sigmoid };
    Some(int16_map("logistic", move |x| f(x, multiplier, shift)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_sigmoid_within_a_few_steps() {
        let scale = 5e-4f32;
        let (m, k) = input_rescale(scale, false).unwrap();
        for x in (-32768..32767).step_by(113) {
            let got = sigmoid(x as i16, m, k) as f64 / 32768.0;
            let want = 1.0 / (1.0 + (-(x as f64) * scale as f64).exp());
            assert!((got - want).abs() < 4e-4, "{x}: {got} vs {want}");
        }
        assert_eq!(sigmoid(0, m, k), 16384);
        assert!(input_rescale(2f32.powi(-12), false).is_none());
        for x in (-32768..32767).step_by(113) {
            let got = tanh(x as i16, m, k) as f64 / 32768.0;
            let want = (x as f64 * scale as f64).tanh();
            assert!((got - want).abs() < 8e-4, "{x}: {got} vs {want}");
        }
        assert!(input_rescale(2f32.powi(-11), true).is_none());
    }
}
