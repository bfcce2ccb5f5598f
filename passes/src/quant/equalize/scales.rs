//! The per-channel scales of one producer → consumer pair, chosen by a model of the int8
//! quantization noise they leave at the consumer's output.
//!
//! Dividing channel `c` of the tensor between the two ops by `s_c` (and multiplying the
//! consumer's weights that read it by `s_c`) leaves the float model unchanged but moves error
//! between two places:
//! - **the tensor** is quantized per tensor: its step is its whole range over 255, so one
//!   channel far wider than the rest (a depthwise output channel of 243 among channels of 2)
//!   leaves the others a few levels. Its noise reaches the output through the consumer's
//!   weights: `Δ_a²/12 · Σ_w (w·s_c)²`;
//! - **the consumer's weights** are quantized per output row: a row's step `Δ_row` is its
//!   largest `|w|·s_c` over 127. Its noise is each weight's own rounding error at that step,
//!   in the unscaled model's units, weighted by its channel's mean square:
//!   `Σ_w (round(w·s_c/Δ_row)·Δ_row/s_c − w)² · E[x_c²]`.
//!
//! The noise is invariant under scaling every `s_c` by one factor, and the identity is kept
//! unless a candidate models clearly less noise, so the choice never models more noise than the
//! model had. The candidates only divide wide channels down: for a threshold `T` (the widest
//! channel's range over 2, 4, ..., 2^11), every channel wider than `T` is divided down to `T`,
//! the others keep their values. Balancing every channel against the others instead (`s_c`
//! from the channels' ranges and the consumer's weights, as data-free equalization and
//! SmoothQuant do) also amplifies the narrow channels up to the tensor's edge, where, measured
//! on a few calibration photos, they clip on new ones: on the shared models' held-out photos it
//! lost up to 2.8 dB where dividing down only did not.

/// One channel's range in one of the tensors between the producer and the consumer.
pub type Range = (f64, f64);

/// What the data says about the tensors between a producer and its consumer.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorStats {
    /// Per quantized tensor (the producer's result, then each activation's), per channel, the
    /// observed `(min, max)`.
    pub ranges: Vec<Vec<Range>>,
    /// Per channel, the mean square of the consumer's input.
    pub mean_square: Vec<f64>,
}

/// The consumer's weights as they read the channels: per (output row, input channel) pair,
/// the largest magnitude and the sum of squares.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsumerWeights {
    pub rows: usize,
    pub entries: Vec<WeightGroup>,
    /// Every weight as `(row, channel, value)`: their exact rounding errors are the weights'
    /// noise.
    pub weights: Vec<(usize, usize, f32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WeightGroup {
    pub row: usize,
    pub channel: usize,
    pub max_abs: f64,
    pub sum_sq: f64,
}

impl ConsumerWeights {
    /// Summarises weights given as `(row, channel, value)`.
    pub fn collect(rows: usize, weights: impl Iterator<Item = (usize, usize, f32)>) -> Self {
        let weights: Vec<(usize, usize, f32)> = weights.collect();
        let mut groups: std::collections::BTreeMap<(usize, usize), WeightGroup> =
            Default::default();
        for &(row, channel, w) in &weights {
            let w = w as f64;
            let g = groups.entry((row, channel)).or_insert(WeightGroup {
                row,
                channel,
                max_abs: 0.0,
                sum_sq: 0.0,
            });
            g.max_abs = g.max_abs.max(w.abs());
            g.sum_sq += w * w;
        }
        ConsumerWeights {
            rows,
            entries: groups.into_values().collect(),
            weights,
        }
    }
}

/// Levels of an int8 activation, and the largest level of an int8 weight.
const ACTIVATION_STEPS: f64 = 255.0;
const WEIGHT_LEVEL: f64 = 127.0;

/// Thresholds tried (besides the identity): the widest channel's range over 2, 4, ..., 2^11.
const THRESHOLDS: usize = 11;
/// A rescaling is kept only when it models at most this share of the identity's noise (a
/// smaller gain is not worth changing the model's tensors for).
const MIN_GAIN: f64 = 0.8;

/// The modelled noise power at the consumer's output (summed over its rows, per position)
/// with channel `c` divided by `s[c]`.
pub fn modelled_noise(stats: &TensorStats, w: &ConsumerWeights, s: &[f64]) -> f64 {
    let gain: f64 = w
        .entries
        .iter()
        .map(|g| g.sum_sq * s[g.channel] * s[g.channel])
        .sum();
    let activation: f64 = stats
        .ranges
        .iter()
        .map(|ranges| {
            let (lo, hi) = ranges
                .iter()
                .zip(s)
                .fold((0.0f64, 0.0f64), |(lo, hi), (&(l, h), &sc)| {
                    (lo.min(l / sc), hi.max(h / sc))
                });
            let step = (hi - lo) / ACTIVATION_STEPS;
            step * step / 12.0 * gain
        })
        .sum();
    let mut row_max = vec![0.0f64; w.rows];
    for g in &w.entries {
        row_max[g.row] = row_max[g.row].max(g.max_abs * s[g.channel]);
    }
    // Each weight's own rounding error (in the unscaled model's units), weighted by the mean
    // square of the input channel it reads.
    let weights: f64 = w
        .weights
        .iter()
        .map(|&(row, channel, x)| {
            let step = row_max[row] / WEIGHT_LEVEL;
            if step <= 0.0 {
                return 0.0;
            }
            let scaled = x as f64 * s[channel];
            let e = ((scaled / step).round() * step - scaled) / s[channel];
            e * e * stats.mean_square[channel]
        })
        .sum();
    activation + weights
}

/// The scales (one per channel, channel `c` of the tensor divided by `s[c]`) that model the
/// least noise, or `None` when no candidate beats the identity by enough to be worth it.
pub fn choose(stats: &TensorStats, w: &ConsumerWeights) -> Option<Vec<f64>> {
    let channels = stats.mean_square.len();
    if channels == 0 || stats.ranges.iter().any(|r| r.len() != channels) {
        return None;
    }
    let range: Vec<f64> = (0..channels)
        .map(|c| {
            stats
                .ranges
                .iter()
                .map(|r| r[c].0.abs().max(r[c].1.abs()))
                .fold(0.0, f64::max)
        })
        .collect();
    let identity = vec![1.0; channels];
    let base = modelled_noise(stats, w, &identity);
    if !base.is_finite() || base <= 0.0 {
        return None;
    }
    let widest = range.iter().cloned().fold(0.0, f64::max);
    let mut best: Option<(f64, Vec<f64>)> = None;
    let floor = median(&range);
    for k in 1..=THRESHOLDS {
        let threshold = widest / 2f64.powi(k as i32);
        if threshold < floor {
            break;
        }
        let s = divided_down_to(&range, threshold);
        let noise = modelled_noise(stats, w, &s);
        if noise.is_finite() && best.as_ref().is_none_or(|(b, _)| noise < *b) {
            best = Some((noise, s));
        }
    }
    best.filter(|(noise, _)| *noise <= MIN_GAIN * base)
        .map(|(_, s)| s)
}

/// The median of `values`.
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Every channel wider than `threshold` divided down to at most it, by a power of two (so that
/// dividing and multiplying weights is exact, in float32 and in float16 alike, and the rescaled
/// model computes bit for bit what the original did); the others as they are.
fn divided_down_to(range: &[f64], threshold: f64) -> Vec<f64> {
    range
        .iter()
        .map(|&r| 2f64.powi((r / threshold).log2().ceil().max(0.0) as i32))
        .collect()
}
