//! TFLite's quantization numerics, as TensorFlow's MLIR quantizer computes them, so that a
//! model quantized here and there with the same statistics gets the same scales.
//!
//! `real = (q - zero_point) * scale`. Activations: asymmetric over the storage range, the
//! range widened to include 0. Weights: symmetric, narrow range ([-127, 127] for int8), zero
//! point 0, one scale per output channel. Bias: int32, zero point 0, scale = input scale x
//! weight scale.

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
    pub const INT16_NARROW: StorageRange = StorageRange {
        min: -32767,
        max: 32767,
    };
    pub const INT32: StorageRange = StorageRange {
        min: i32::MIN as i64,
        max: i32::MAX as i64,
    };
}

/// Scale and zero point of one tensor (or one channel).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct QParams {
    pub scale: f64,
    pub zero_point: i64,
}

/// Ranges narrower than this are widened (TensorFlow's `kNearZeroTolerance`).
pub const NEAR_ZERO_TOLERANCE: f64 = 1.0e-6;

/// Scale and zero point for a range `[rmin, rmax]` (already widened to include 0) over
/// `range`: scale = (rmax - rmin) / (qmax - qmin); the zero point is solved from the bound
/// whose arithmetic error is smaller, then rounded and clamped into the storage range.
pub fn nudged_params(rmin: f64, rmax: f64, range: StorageRange) -> QParams {
    let (qmin, qmax) = (range.min as f64, range.max as f64);
    if (rmax - rmin).abs() < f64::EPSILON {
        // All zeros: any scale works; TensorFlow uses 1 with the zero point at qmin.
        return QParams {
            scale: 1.0,
            zero_point: range.min,
        };
    }
    let scale = (rmax - rmin) / (qmax - qmin);
    let zp_from_min = qmin - rmin / scale;
    let zp_from_min_error = qmin.abs() + (rmin / scale).abs();
    let zp_from_max = qmax - rmax / scale;
    let zp_from_max_error = qmax.abs() + (rmax / scale).abs();
    let zp = if zp_from_min_error < zp_from_max_error {
        zp_from_min
    } else {
        zp_from_max
    };
    let zero_point = if zp < qmin {
        range.min
    } else if zp > qmax {
        range.max
    } else {
        zp.round() as i64
    };
    QParams { scale, zero_point }
}

/// Activation parameters from calibrated `[min, max]`: widened to include 0 (and made
/// symmetric for 16 bits, as TensorFlow does), asymmetric over the full storage range.
pub fn activation_params(min: f64, max: f64, range: StorageRange) -> QParams {
    let mut rmin = min.min(0.0);
    let mut rmax = max.max(0.0);
    if range == StorageRange::INT16 {
        rmax = rmin.abs().max(rmax.abs());
        rmin = -rmax;
    }
    nudged_params(rmin, rmax, range)
}

/// Widens a range narrower than [`NEAR_ZERO_TOLERANCE`] to at least [-0.5, 0.5].
pub fn expand_very_small_range(min: f64, max: f64) -> (f64, f64) {
    if max - min < NEAR_ZERO_TOLERANCE {
        (min.min(-0.5), max.max(0.5))
    } else {
        (min, max)
    }
}

/// Symmetric weight parameters for values in `[min, max]`: scale = max|w| / qmax, zero
/// point 0 (narrow range: qmin = -qmax).
pub fn symmetric_weight_params(min: f64, max: f64, range: StorageRange) -> QParams {
    let (min, max) = expand_very_small_range(min, max);
    let max_abs = min.abs().max(max.abs());
    nudged_params(-max_abs, max_abs, range)
}

/// Quantizes one value: round(x / scale) + zero point, clamped. Rounds half away from zero,
/// as `std::round` does.
pub fn quantize_value(x: f64, p: QParams, range: StorageRange) -> i64 {
    let q = (x / p.scale).round() as i64 + p.zero_point;
    q.clamp(range.min, range.max)
}

/// Bias parameters: int32, zero point 0, scale = input scale x weight scale.
pub fn bias_params(input_scale: f64, weight_scale: f64) -> QParams {
    QParams {
        scale: input_scale * weight_scale,
        zero_point: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_range_includes_zero() {
        // [0.5, 2.0] widens to [0, 2]: scale 2/255, zero point -128.
        let p = activation_params(0.5, 2.0, StorageRange::INT8);
        assert!((p.scale - 2.0 / 255.0).abs() < 1e-15);
        assert_eq!(p.zero_point, -128);
        // [-1, 1]: the zero point solves to -0.5 from either bound and rounds away from 0.
        let p = activation_params(-1.0, 1.0, StorageRange::INT8);
        assert!((p.scale - 2.0 / 255.0).abs() < 1e-15);
        assert_eq!(p.zero_point, -1);
        let p = activation_params(-6.0, 0.0, StorageRange::INT8);
        assert_eq!(p.zero_point, 127);
    }

    #[test]
    fn zero_range_gets_unit_scale() {
        let p = activation_params(0.0, 0.0, StorageRange::INT8);
        assert_eq!(
            p,
            QParams {
                scale: 1.0,
                zero_point: -128
            }
        );
    }

    #[test]
    fn weights_are_symmetric_narrow() {
        let p = symmetric_weight_params(-0.5, 2.54, StorageRange::INT8_NARROW);
        assert!((p.scale - 2.54 / 127.0).abs() < 1e-15);
        assert_eq!(p.zero_point, 0);
        assert_eq!(quantize_value(2.54, p, StorageRange::INT8_NARROW), 127);
        assert_eq!(quantize_value(-2.54, p, StorageRange::INT8_NARROW), -127);
        let tiny = symmetric_weight_params(0.0, 0.0, StorageRange::INT8_NARROW);
        assert!((tiny.scale - 0.5 / 127.0).abs() < 1e-15);
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
}
