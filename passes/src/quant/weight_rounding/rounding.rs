//! Rounding one output channel's weights to int8 so that the channel's *output* changes
//! least, rather than each weight on its own.
//!
//! Round to nearest makes every weight's error small, but the channel's output error is
//! `e·x` (with `e = q·s - w`), whose mean square over the data is `eᵀ H e` for the second
//! moment `H = E[x xᵀ]` of the channel's inputs. When inputs are strongly correlated (a 3x3
//! window of a smooth image, the same feature at neighbouring pixels) the errors of
//! neighbouring taps add up instead of averaging out: on hand_landmark the depthwise kernels
//! sum to almost zero, and rounding each tap to nearest changes that sum enough to take the
//! model's output from float to 14 dB. Here each weight may instead take its other neighbour
//! on the grid (`floor` or `ceil` of `w/s`) when that lowers `eᵀ H e`: coordinate descent from
//! round-to-nearest, each accepted move updating `H e` in place. Every weight stays within one
//! step of its value, in [-127, 127], and the largest-magnitude weight (which sets the scale)
//! keeps its round-to-nearest value, so quantizing the rounded values again gives the same
//! scale.

use crate::quant::numerics::round_clamp_i8;

/// At most this many sweeps over a channel's weights.
const MAX_SWEEPS: usize = 12;

/// Integer weights of one channel, `w` its float weights, `scale` its quantization scale,
/// `h` the `w.len()`² second moment of its inputs (row-major, symmetric). Starts from round to
/// nearest as `fold-quant` does it (times the float32 inverse of the scale, half away from
/// zero) and never does worse than that by `eᵀ H e`.
pub fn round_channel(w: &[f32], scale: f64, h: &[f64]) -> Vec<i8> {
    let n = w.len();
    let inverse = (1.0 / (scale as f32) as f64) as f32;
    let mut q: Vec<i8> = w.iter().map(|&x| round_clamp_i8(x * inverse)).collect();
    if n == 0 || h.len() != n * n || scale.is_nan() || scale <= 0.0 || scale.is_infinite() {
        return q;
    }
    let fixed = largest_magnitude(w);
    let mut e: Vec<f64> = (0..n).map(|i| q[i] as f64 * scale - w[i] as f64).collect();
    // He, kept up to date as weights move.
    let mut he: Vec<f64> = (0..n)
        .map(|i| {
            h[i * n..(i + 1) * n]
                .iter()
                .zip(&e)
                .map(|(a, b)| a * b)
                .sum()
        })
        .collect();
    for _ in 0..MAX_SWEEPS {
        let mut moved = false;
        for i in 0..n {
            if Some(i) == fixed || !w[i].is_finite() {
                continue;
            }
            // Toward the other grid neighbour of w[i].
            let step: i8 = if e[i] > 0.0 { -1 } else { 1 };
            let Some(next) = q[i].checked_add(step).filter(|v| (-127..=127).contains(v)) else {
                continue;
            };
            let d = step as f64 * scale;
            let gain = 2.0 * d * he[i] + d * d * h[i * n + i];
            if gain < -1e-12 * (d * d * h[i * n + i]).abs() {
                q[i] = next;
                e[i] += d;
                for (hej, hij) in he.iter_mut().zip(&h[i * n..(i + 1) * n]) {
                    *hej += d * hij;
                }
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    q
}

/// `eᵀ H e` for the integer weights `q`: the mean square output error they cause.
pub fn output_error(w: &[f32], scale: f64, h: &[f64], q: &[i8]) -> f64 {
    let n = w.len();
    let e: Vec<f64> = (0..n).map(|i| q[i] as f64 * scale - w[i] as f64).collect();
    (0..n)
        .map(|i| {
            e[i] * h[i * n..(i + 1) * n]
                .iter()
                .zip(&e)
                .map(|(a, b)| a * b)
                .sum::<f64>()
        })
        .sum()
}

/// The index of the first weight of largest magnitude (`None` for no finite weight).
fn largest_magnitude(w: &[f32]) -> Option<usize> {
    w.iter()
        .enumerate()
        .filter(|(_, x)| x.is_finite())
        .fold(None, |best: Option<(usize, f32)>, (i, &x)| match best {
            Some((_, b)) if b >= x.abs() => best,
            _ => Some((i, x.abs())),
        })
        .map(|(i, _)| i)
}
