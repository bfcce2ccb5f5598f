//! TFLite's quantization numerics, computed the way TensorFlow's converter computes them on its
//! Python path (the MLIR quantizer with `legacy_float_scale`), so that a model quantized here
//! and there with the same statistics gets the same scales, zero points and integers.
//!
//! `real = (q - zero_point) * scale`.
//! - Activations: asymmetric over the full storage range; the range is widened to include 0
//!   (and by 1e-6 each side when narrower than 1e-6); scale = (max - min) / (qmax - qmin) in
//!   float32; the zero point is solved from the minimum, rounded half away from zero, clamped.
//! - Weights of affine ops: symmetric, narrow range ([-127, 127]), zero point 0, one scale per
//!   output channel: scale = max|w| / 127 (in float32), ranges narrower than 1e-6 widened to
//!   ±5e-7.
//! - Other float constants feeding quantized ops: asymmetric per tensor, like activations.
//! - Bias: int32, zero point 0, scale = float32(input scale x weight scale); when a bias would
//!   exceed `INT32_MAX / 2` in that scale, the bias scale grows to fit it and the weight scale
//!   follows (TensorFlow's `SetBiasParamsWithAdjustments`).

/// A storage type's integer range.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct StorageRange {
    pub min: i64,
    pub max: i64,
}

impl StorageRange {
    pub const INT8: StorageRange = StorageRange {
        min: -128,
        max: 127,
    };
    pub const INT8_NARROW: StorageRange = StorageRange {
        min: -127,
        max: 127,
    };
    pub const UINT8: StorageRange = StorageRange { min: 0, max: 255 };
    pub const INT16: StorageRange = StorageRange {
        min: -32768,
        max: 32767,
    };
    /// The activations of 16x8 mode: symmetric, zero point 0, scale = max|x| / 32767.
    pub const INT16_NARROW: StorageRange = StorageRange {
        min: -32767,
        max: 32767,
    };
    pub const INT32: StorageRange = StorageRange {
        min: i32::MIN as i64,
        max: i32::MAX as i64,
    };
    /// The biases of 16x8 mode (TFLite's default there).
    pub const INT64: StorageRange = StorageRange {
        min: i64::MIN,
        max: i64::MAX,
    };

    pub fn is_symmetric(self) -> bool {
        self.max == -self.min
    }

    /// True for 16-bit storage (int16 activations).
    pub fn is_16bit(self) -> bool {
        self == Self::INT16 || self == Self::INT16_NARROW
    }
}

/// Scale and zero point of one tensor (or one channel).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct QParams {
    pub scale: f64,
    pub zero_point: i64,
}

/// Ranges narrower than this are widened (TensorFlow's `kNearZeroTolerance`).
pub const NEAR_ZERO_TOLERANCE: f64 = 1.0e-6;
/// The narrowest 16-bit activation range, ±this: its scale (1e-4 / 32767) keeps a fused
/// RELU6's bound, 6 / scale, within int32 as LiteRT requires (a collapsed layer of a
/// random-weight MobileNetV2 had scale 1.5e-9, and LiteRT refused the model).
pub const INT16_MIN_RANGE: f64 = 1.0e-4;
/// The largest |bias| / bias scale TensorFlow accepts before adjusting the scales.
pub const BIAS_MAX: f64 = (i32::MAX / 2) as f64;

/// TensorFlow's `DownCastScale`: the scale of `[rmin, rmax]` over `range` in float32, and for
/// asymmetric storage the zero point solved from the minimum.
fn down_cast(rmin: f64, rmax: f64, range: StorageRange) -> QParams {
    let scale = ((rmax as f32) - (rmin as f32)) / ((range.max - range.min) as f32);
    let scale = scale as f64;
    if range.is_symmetric() {
        return QParams {
            scale,
            zero_point: 0,
        };
    }
    let zp_from_min = (range.min as f64 - rmin / scale) as f32;
    let zero_point = if zp_from_min < range.min as f32 {
        range.min
    } else if zp_from_min > range.max as f32 {
        range.max
    } else {
        zp_from_min.round() as i64
    };
    QParams { scale, zero_point }
}

/// Checks that every scale of a quantized tensor is finite and greater than zero: a range of
/// ±3.4e38 gives an infinite float32 scale, a product of tiny scales underflows to 0, and
/// neither may reach a model. The error says which scale is wrong and why; the caller names
/// the tensor.
pub fn check_scales(scales: &[f64]) -> Result<(), String> {
    for (i, &s) in scales.iter().enumerate() {
        let channel = if scales.len() == 1 {
            String::new()
        } else {
            format!(" of channel {i}")
        };
        if !s.is_finite() {
            return Err(format!(
                "the scale{channel} is {s}: its range is too wide for a float32 scale (calibration saw values near the float32 limits?)"
            ));
        }
        if s <= 0.0 || (s as f32) == 0.0 {
            return Err(format!(
                "the scale{channel} is {s:e}, which is zero in float32"
            ));
        }
    }
    Ok(())
}

/// Activation parameters from a calibrated `[min, max]`.
pub fn activation_params(min: f64, max: f64, range: StorageRange) -> QParams {
    let mut rmin = min.min(0.0);
    let mut rmax = max.max(0.0);
    if range.is_16bit() {
        // 16-bit activations are symmetric with zero point 0 (TFLite's 16x8 spec): the range
        // is ±max|x| and the storage the narrow [-32767, 32767], so scale = max|x| / 32767.
        // At least ±INT16_MIN_RANGE: LiteRT quantizes a fused activation's bounds (6 for
        // RELU6) with the result's scale and refuses the model when one exceeds int32.
        rmax = rmin.abs().max(rmax.abs()).max(INT16_MIN_RANGE);
        rmin = -rmax;
        if range == StorageRange::INT16 {
            return activation_params(-rmax, rmax, StorageRange::INT16_NARROW);
        }
    }
    if (rmax - rmin).abs() < NEAR_ZERO_TOLERANCE {
        rmin -= NEAR_ZERO_TOLERANCE;
        rmax += NEAR_ZERO_TOLERANCE;
    }
    down_cast(rmin, rmax, range)
}

/// The `[min, max]` a constant's values span, widened to include 0 (TensorFlow's
/// `ExtractMinMaxFromAttr`); symmetric ranges use the larger magnitude on both sides.
pub fn constant_range(values: impl Iterator<Item = f32>, symmetric: bool) -> (f64, f64) {
    let (mut min, mut max) = (0.0f64, 0.0f64);
    for v in values {
        min = min.min(v as f64);
        max = max.max(v as f64);
    }
    if symmetric {
        let m = min.abs().max(max.abs());
        (-m, m)
    } else {
        (min, max)
    }
}

/// Widens a range of at most 1e-6 to at least [-5e-7, 5e-7] (`ExpandVerySmallRange`).
pub fn expand_very_small_range(min: f64, max: f64) -> (f64, f64) {
    if max - min > NEAR_ZERO_TOLERANCE {
        (min, max)
    } else {
        (
            min.min(-NEAR_ZERO_TOLERANCE / 2.0),
            max.max(NEAR_ZERO_TOLERANCE / 2.0),
        )
    }
}

/// Parameters of a constant from its range: symmetric narrow-range weights, or asymmetric
/// full-range other constants.
pub fn constant_params(min: f64, max: f64, range: StorageRange) -> QParams {
    let (min, max) = expand_very_small_range(min, max);
    down_cast(min, max, range)
}

/// Per-channel symmetric weight quantization: each channel's float32 values times the
/// float32 inverse of its scale, rounded half away from zero, clamped to [-127, 127]. The
/// values are row-major with `slice` consecutive values per channel index (the product of the
/// dimensions after the channel axis); block k belongs to channel k % scales.len().
pub fn quantize_weights_per_channel(values: &[f32], scales: &[f64], slice: usize) -> Vec<i8> {
    let inverse: Vec<f32> = scales
        .iter()
        .map(|&s| (1.0 / (s as f32) as f64) as f32)
        .collect();
    let mut out = Vec::with_capacity(values.len());
    for (k, block) in values.chunks(slice.max(1)).enumerate() {
        let inv = inverse[k % inverse.len().max(1)];
        out.extend(block.iter().map(|&v| round_clamp_i8(v * inv)));
    }
    out
}

/// The largest magnitude in `values` (0 for none; NaN never wins): 16 independent
/// compare-and-select lanes, which the compiler turns into vector code.
pub fn abs_max_of(values: &[f32]) -> f32 {
    const LANES: usize = 16;
    let mut lanes = [0.0f32; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for i in 0..LANES {
            let a = chunk[i].abs();
            lanes[i] = if a > lanes[i] { a } else { lanes[i] };
        }
    }
    let m = lanes.iter().fold(0.0f32, |m, &a| if a > m { a } else { m });
    tail.iter()
        .fold(m, |m, &x| if x.abs() > m { x.abs() } else { m })
}

/// `((x).round() as i32).clamp(-127, 127)` (half away from zero; NaN to 0) without branches or
/// a libm call, so weight loops vectorize: clamp first, then floor(|x| + 0.5) by truncation,
/// except below 0.5 where that addition could round up to 1.
#[inline]
pub fn round_clamp_i8(x: f32) -> i8 {
    let q = if x.is_nan() {
        0.0
    } else {
        x.clamp(-128.0, 128.0)
    };
    let a = q.abs();
    let r = if a < 0.5 { 0 } else { (a + 0.5) as i32 };
    let r = if q < 0.0 { -r } else { r };
    r.clamp(-127, 127) as i8
}

/// Per-tensor symmetric weight quantization as TensorFlow's `PortableSymmetricQuantizeFloats`
/// does it (from the values' own maximum), unless `scale` differs from that by more than 1e-3,
/// in which case values are quantized with `scale` itself.
pub fn quantize_weights_per_tensor(values: &[f32], scale: f64) -> Vec<i8> {
    let range = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if range == 0.0 {
        return vec![0; values.len()];
    }
    let own_scale = range / 127.0;
    if (own_scale as f64 - scale).abs() > 1e-3 {
        let p = QParams {
            scale,
            zero_point: 0,
        };
        return values
            .iter()
            .map(|&v| quantize_value(v, p, StorageRange::INT8_NARROW) as i8)
            .collect();
    }
    let inverse = 127.0f32 / range;
    values
        .iter()
        .map(|&v| round_clamp_i8(v * inverse))
        .collect()
}

/// Quantizes one value with the zero point added before rounding (MLIR's converter for
/// asymmetric constants): round(x / scale + zero_point), clamped.
pub fn quantize_value(x: f32, p: QParams, range: StorageRange) -> i64 {
    let q = (x as f64 / p.scale + p.zero_point as f64).round();
    (q.clamp(range.min as f64, range.max as f64)) as i64
}

/// `quantize_value` for symmetric int8 (zero point 0, storage [-127, 127]) over a whole slice,
/// written without branches so the compiler vectorizes it: weights of hundreds of megabytes go
/// through here. Gives exactly what `quantize_value` gives for every input, NaN included (0).
pub fn quantize_symmetric_i8(values: &[f32], scale: f64, out: &mut Vec<u8>) {
    out.reserve(values.len());
    out.extend(values.iter().map(|&x| {
        let q = x as f64 / scale;
        // Clamped first (NaN to 0), so the integer conversion below never saturates.
        let q = if q.is_nan() {
            0.0
        } else {
            q.clamp(-128.0, 128.0)
        };
        let a = q.abs();
        // Half away from zero: floor(|q| + 0.5) by truncation, except just under 0.5, where
        // the addition would round up to 1.
        let r = if a < 0.5 { 0 } else { (a + 0.5) as i32 };
        let r = if q < 0.0 { -r } else { r };
        r.clamp(-127, 127) as i8 as u8
    }));
}

/// The bias scale for an input scale and a weight scale: their product, in float32.
pub fn bias_scale(input_scale: f64, weight_scale: f64) -> f64 {
    (input_scale * weight_scale) as f32 as f64
}

/// Bias integers: each value times the float32 inverse of its scale, rounded half away from
/// zero, clamped to [-max, max] of `range` (TensorFlow's `SymmetricBiasQuantize`; int32 for
/// int8 activations, int32 or int64 for int16 ones).
pub fn quantize_bias(values: &[f32], scales: &[f64], range: StorageRange) -> Vec<i64> {
    let inverse = |s: f64| if s == 0.0 { 0.0f32 } else { (1.0 / s) as f32 };
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let s = if scales.len() == 1 {
                scales[0]
            } else {
                scales[i]
            };
            let q = (v * inverse(s)).round() as f64;
            // `as i64` saturates at the i64 limits (and maps NaN to 0).
            (q as i64).clamp(-range.max, range.max)
        })
        .collect()
}

/// TensorFlow's bias-overflow rule for one channel: when |bias| / bias scale reaches
/// `BIAS_MAX`, returns the new (bias scale, weight scale).
pub fn adjust_for_bias(
    abs_bias: f64,
    bias_scale: f64,
    input_scale: f64,
    per_tensor: bool,
) -> Option<(f64, f64)> {
    let overflows = if per_tensor {
        abs_bias / bias_scale >= BIAS_MAX
    } else {
        abs_bias / bias_scale > BIAS_MAX
    };
    if !overflows {
        return None;
    }
    let new_bias_scale = abs_bias / BIAS_MAX;
    Some((new_bias_scale, new_bias_scale / input_scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A collapsed 16-bit tensor (range ±1e-6, say) still gets a scale with which LiteRT can
    /// quantize a fused RELU6's bound: 6 / scale within int32.
    #[test]
    fn int16_scales_keep_a_fused_relu6_within_int32() {
        for range in [StorageRange::INT16, StorageRange::INT16_NARROW] {
            let p = activation_params(0.0, 1e-6, range);
            assert_eq!(p.zero_point, 0);
            assert!(6.0 / p.scale < i32::MAX as f64, "scale {}", p.scale);
        }
        // Ordinary ranges are untouched.
        let p = activation_params(-2.0, 3.0, StorageRange::INT16);
        assert!((p.scale - 3.0 / 32767.0).abs() < 1e-12);
    }

    #[test]
    fn round_clamp_i8_equals_round_then_clamp() {
        let reference = |x: f32| (x.round() as i32).clamp(-127, 127) as i8;
        let mut state = 0x2545f491u32;
        let mut xs: Vec<f32> = (0..200000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state as f32 / u32::MAX as f32 - 0.5) * 300.0
            })
            .collect();
        for k in -130..=130 {
            let tie = k as f32 + 0.5;
            xs.extend([
                tie,
                f32::from_bits(tie.to_bits() + 1),
                f32::from_bits(tie.to_bits() - 1),
            ]);
        }
        xs.extend([
            0.0,
            -0.0,
            0.49999997,
            -0.49999997,
            0.5,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            1e-40,
        ]);
        for x in xs {
            assert_eq!(round_clamp_i8(x), reference(x), "{x}");
        }
    }

    #[test]
    fn symmetric_i8_fast_path_equals_quantize_value() {
        let range = StorageRange::INT8_NARROW;
        let mut state = 0x9e3779b9u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for scale in [1.0, 0.5, 0.1, 1.0 / 127.0, 3.7e-3, 1e-6, 123.0] {
            let p = QParams {
                scale,
                zero_point: 0,
            };
            let mut values: Vec<f32> = (0..20000)
                .map(|_| (next() as f32 / u32::MAX as f32 - 0.5) * 300.0 * scale as f32)
                .collect();
            // Ties, values just around them, the 0.5 boundary, extremes and NaN.
            for k in -130..=130 {
                let tie = ((k as f64 + 0.5) * scale) as f32;
                values.extend([
                    tie,
                    f32::from_bits(tie.to_bits() + 1),
                    f32::from_bits(tie.to_bits() - 1),
                ]);
            }
            values.extend([
                0.0,
                -0.0,
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MAX,
                f32::MIN,
            ]);
            values.push((0.49999997 * scale) as f32);
            let mut fast = Vec::new();
            quantize_symmetric_i8(&values, scale, &mut fast);
            for (x, q) in values.iter().zip(&fast) {
                assert_eq!(
                    *q as i8 as i64,
                    quantize_value(*x, p, range),
                    "{x} at scale {scale}"
                );
            }
        }
    }

    #[test]
    fn activation_range_includes_zero() {
        // [0.5, 2.0] widens to [0, 2]: scale 2/255 in float32, zero point -128.
        let p = activation_params(0.5, 2.0, StorageRange::INT8);
        assert_eq!(p.scale, (2.0f32 / 255.0) as f64);
        assert_eq!(p.zero_point, -128);
        // [-1, 1]: the zero point from the minimum is -0.5, which rounds away from zero.
        let p = activation_params(-1.0, 1.0, StorageRange::INT8);
        assert_eq!(p.zero_point, -1);
        let p = activation_params(-6.0, 0.0, StorageRange::INT8);
        assert_eq!(p.zero_point, 127);
    }

    #[test]
    fn int16_activations_are_symmetric_with_zero_point_0() {
        // [-0.5, 2.0]: scale = 2 / 32767, zero point 0, whether asked as the full or the
        // narrow 16-bit range.
        for range in [StorageRange::INT16, StorageRange::INT16_NARROW] {
            let p = activation_params(-0.5, 2.0, range);
            assert_eq!(p.zero_point, 0);
            assert_eq!(p.scale, (4.0f32 / 65534.0) as f64);
            assert!((p.scale - 2.0 / 32767.0).abs() < 1e-12);
        }
        let p = activation_params(-3.0, 1.0, StorageRange::INT16_NARROW);
        assert!((p.scale - 3.0 / 32767.0).abs() < 1e-12);
        assert_eq!(p.zero_point, 0);
    }

    #[test]
    fn tiny_ranges_widen_by_tolerance() {
        let p = activation_params(0.0, 0.0, StorageRange::INT8);
        assert_eq!(p.scale, ((1e-6f32 - -1e-6f32) / 255.0) as f64);
        assert_eq!(p.zero_point, 0);
    }

    #[test]
    fn weights_are_symmetric_narrow() {
        let (min, max) = constant_range([-0.5f32, 2.54].into_iter(), true);
        let p = constant_params(min, max, StorageRange::INT8_NARROW);
        assert_eq!(p.scale, ((2.54f32 - -2.54f32) / 254.0) as f64);
        assert_eq!(p.zero_point, 0);
        assert_eq!(
            quantize_weights_per_channel(&[2.54, -2.54, 1.27], &[p.scale], 3),
            vec![127, -127, 64]
        );
        let (min, max) = constant_range([0.0f32; 3].into_iter(), true);
        let tiny = constant_params(min, max, StorageRange::INT8_NARROW);
        assert_eq!(tiny.scale, ((5e-7f32 - -5e-7f32) / 254.0) as f64);
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        let p = QParams {
            scale: 1.0,
            zero_point: 0,
        };
        assert_eq!(quantize_value(2.5, p, StorageRange::INT8), 3);
        assert_eq!(quantize_value(-2.5, p, StorageRange::INT8), -3);
        assert_eq!(quantize_value(1000.0, p, StorageRange::INT8), 127);
    }

    #[test]
    fn non_finite_and_zero_scales_are_refused() {
        let huge = activation_params(-3.4e38, 3.4e38, StorageRange::INT8);
        let e = check_scales(&[huge.scale]).unwrap_err();
        assert!(e.contains("inf"), "{e}");
        let e = check_scales(&[0.1, f64::NAN]).unwrap_err();
        assert!(e.contains("channel 1"), "{e}");
        assert!(check_scales(&[bias_scale(1e-30, 1e-20)]).is_err());
        assert!(check_scales(&[1e-300]).is_err());
        assert!(check_scales(&[activation_params(-1.0, 1.0, StorageRange::INT8).scale]).is_ok());
    }

    #[test]
    fn bias_is_int32_with_product_scale() {
        let s = bias_scale(0.5, 0.01);
        assert_eq!(s, (0.005f64) as f32 as f64);
        assert_eq!(
            quantize_bias(&[1.0, -0.0125], &[s], StorageRange::INT32),
            vec![200, -3]
        );
        // Past int32: clamped to ±INT32_MAX, while int64 storage keeps the value.
        assert_eq!(
            quantize_bias(&[1e8], &[1e-3], StorageRange::INT32),
            vec![i32::MAX as i64]
        );
        // (In float32, as TensorFlow computes it: 1e6 x 4096 is exact there.)
        assert_eq!(
            quantize_bias(&[-1e6], &[1.0 / 4096.0], StorageRange::INT64),
            vec![-4_096_000_000]
        );
        assert!(adjust_for_bias(1.0, s, 0.5, true).is_none());
        let (b, w) = adjust_for_bias(1e8, s, 0.5, true).unwrap();
        assert_eq!(b, 1e8 / BIAS_MAX);
        assert_eq!(w, b / 0.5);
    }
}
