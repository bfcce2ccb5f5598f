//! Range collectors: how the values a tensor takes over a calibration data set become one
//! `[min, max]` range.
//!
//! - `minmax`: the global minimum and maximum over every sample (TensorFlow's calibrator).
//! - `moving-average`: the average over the data set of each sample's min and max (merged
//!   per sample, in sample order); values a sample observes several times (inside a loop) fold
//!   in with an exponential moving average (TensorFlow's constant 0.01). Outliers of single
//!   samples weigh 1/N instead of setting the range, which suits detectors calibrated on few
//!   photos.
//! - `percentile`: the 0.01th and 99.99th percentiles, from a histogram.
//! - `mse`: the symmetric or one-sided clipping range, among histogram bin edges, that
//!   minimises the expected squared error of 8-bit quantization.
//!
//! NaNs are skipped and counted; infinities are skipped and counted too (a range must be
//! finite). Collectors of different samples merge, so samples can be observed in parallel.

/// How to reduce observed values to a range.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Method {
    MinMax,
    MovingAverage,
    Percentile,
    Mse,
}

impl Method {
    pub const NAMES: &'static [&'static str] = &["minmax", "moving-average", "percentile", "mse"];

    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "minmax" => Some(Method::MinMax),
            "moving-average" => Some(Method::MovingAverage),
            "percentile" => Some(Method::Percentile),
            "mse" => Some(Method::Mse),
            _ => None,
        }
    }

    /// The name [`Method::parse`] reads.
    pub fn name(self) -> &'static str {
        match self {
            Method::MinMax => "minmax",
            Method::MovingAverage => "moving-average",
            Method::Percentile => "percentile",
            Method::Mse => "mse",
        }
    }
}

/// The averaging constant of the moving average (TensorFlow's default).
pub const MOVING_AVERAGE_CONSTANT: f64 = 0.01;
/// Bins of the histogram used by `percentile` and `mse`.
pub const HISTOGRAM_BINS: usize = 2048;

/// Values at least this large in magnitude (infinities included) are masking sentinels, not
/// data: attention masks fill with -1e9, -0.7 x f32::MAX or -inf before a softmax. They are
/// kept out of the range (which they would stretch until every real value rounds to one
/// integer) and the range is widened so that they saturate beyond every real value
/// ([`widen_for_sentinels`]).
pub const SENTINEL_MAGNITUDE: f32 = 1e30;

/// The unit attribute calibration puts on the `quantfork.stats` of a tensor that held
/// negative sentinels (a mask computed from an input, `(1 - valid) * f32::MIN`): its range no
/// longer shows them, and `bound-attention-masks` reads this to find such a mask.
pub const LOW_SENTINELS_ATTR: &str = "tqopt.low_sentinels";

/// How far below (above) the real values a range with negative (positive) sentinels reaches:
/// the real span, and at least this much, so that a masked score saturates at least 10 below
/// every real one and a softmax gives it a weight under e^-10.
pub const SENTINEL_MARGIN: f64 = 10.0;

/// Min and max of one sample, with the counts of values skipped as NaN and as sentinels.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct SampleRange {
    pub min: f32,
    pub max: f32,
    pub non_finite: u64,
    /// Values <= -[`SENTINEL_MAGNITUDE`] (and -inf).
    pub sentinel_low: u64,
    /// Values >= [`SENTINEL_MAGNITUDE`] (and +inf).
    pub sentinel_high: u64,
    pub count: u64,
}

/// Whether `v` is a value a range is made of: not NaN, not a sentinel.
fn is_data(v: f32) -> bool {
    v.abs() < SENTINEL_MAGNITUDE
}

/// The finite min and max of `values`; `None` if there is no finite value.
pub fn sample_range(values: &[f32]) -> SampleRange {
    // Fast path, written so the compiler vectorizes it: 16 lanes of compare-and-select (which
    // a NaN never wins) and a count of the values that are not finite. Only when there are
    // some does the exact scalar walk below run, to keep infinities out of the range.
    const LANES: usize = 16;
    let mut lo = [f32::INFINITY; LANES];
    let mut hi = [f32::NEG_INFINITY; LANES];
    let mut bad = [0u32; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for i in 0..LANES {
            let v = chunk[i];
            lo[i] = if v < lo[i] { v } else { lo[i] };
            hi[i] = if v > hi[i] { v } else { hi[i] };
            bad[i] += u32::from(!is_data(v));
        }
    }
    let tail_bad = tail.iter().filter(|&&v| !is_data(v)).count();
    if bad.iter().all(|&b| b == 0) && tail_bad == 0 {
        let mut min = lo.iter().fold(f32::INFINITY, |a, &b| a.min(b));
        let mut max = hi.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        for &v in tail {
            min = min.min(v);
            max = max.max(v);
        }
        return SampleRange {
            min,
            max,
            non_finite: 0,
            sentinel_low: 0,
            sentinel_high: 0,
            count: values.len() as u64,
        };
    }
    sample_range_exact(values)
}

/// The scalar walk: skips NaN and sentinels (infinities included), counting them.
fn sample_range_exact(values: &[f32]) -> SampleRange {
    let mut min = f32::INFINITY;
    let mut max = f32::NEG_INFINITY;
    let (mut non_finite, mut sentinel_low, mut sentinel_high) = (0u64, 0u64, 0u64);
    for &v in values {
        if is_data(v) {
            min = min.min(v);
            max = max.max(v);
        } else if v.is_nan() {
            non_finite += 1;
        } else if v < 0.0 {
            sentinel_low += 1;
        } else {
            sentinel_high += 1;
        }
    }
    SampleRange {
        min,
        max,
        non_finite,
        sentinel_low,
        sentinel_high,
        count: values.len() as u64 - non_finite - sentinel_low - sentinel_high,
    }
}

/// The range a tensor with sentinels quantizes with: `[min, max]` reaching
/// max(span, [`SENTINEL_MARGIN`]) further on each side that had sentinels, so they saturate
/// beyond every real value instead of stretching the scale.
pub fn widen_for_sentinels(min: f64, max: f64, low: bool, high: bool) -> (f64, f64) {
    let margin = (max - min).max(SENTINEL_MARGIN);
    (
        if low { min - margin } else { min },
        if high { max + margin } else { max },
    )
}

/// A fixed-width histogram over `[lo, hi]` that re-bins (merging pairs of bins and doubling
/// its width) whenever a value falls outside, so it grows with the data.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub lo: f64,
    pub width: f64,
    pub bins: Vec<u64>,
}

impl Histogram {
    fn new(lo: f64, hi: f64) -> Histogram {
        let span = (hi - lo).max(1e-12);
        Histogram {
            lo,
            width: span / HISTOGRAM_BINS as f64,
            bins: vec![0; HISTOGRAM_BINS],
        }
    }

    fn hi(&self) -> f64 {
        self.lo + self.width * self.bins.len() as f64
    }

    /// Grows the covered interval until it includes `[lo, hi]`, keeping the bin count.
    fn cover(&mut self, lo: f64, hi: f64) {
        while lo < self.lo || hi > self.hi() {
            let n = self.bins.len();
            let mut merged = vec![0u64; n];
            // Grow to the side that needs it: keep `lo` when only `hi` overflows.
            let grow_down = lo < self.lo;
            let offset = if grow_down { n / 2 } else { 0 };
            for (i, c) in self.bins.iter().enumerate() {
                merged[offset + i / 2] += c;
            }
            if grow_down {
                self.lo -= self.width * n as f64;
            }
            self.width *= 2.0;
            self.bins = merged;
        }
    }

    /// Counts `n` values at `v` (which must be covered).
    fn add_count(&mut self, v: f64, n: u64) {
        let i = ((v - self.lo) / self.width).max(0.0) as usize;
        let last = self.bins.len() - 1;
        self.bins[i.min(last)] += n;
    }

    fn add(&mut self, v: f64) {
        self.add_count(v, 1);
    }

    /// Adds another histogram's counts, each at its bin's centre.
    fn merge(&mut self, other: &Histogram) {
        self.cover(other.lo, other.hi());
        for (i, &c) in other.bins.iter().enumerate().filter(|(_, c)| **c > 0) {
            self.add_count(other.lo + other.width * (i as f64 + 0.5), c);
        }
    }

    fn total(&self) -> u64 {
        self.bins.iter().sum()
    }

    /// The value below which `fraction` of the mass lies (linear within a bin).
    pub fn quantile(&self, fraction: f64) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let target = fraction.clamp(0.0, 1.0) * total as f64;
        let mut seen = 0.0;
        for (i, &c) in self.bins.iter().enumerate() {
            if seen + c as f64 >= target && c > 0 {
                let within = (target - seen) / c as f64;
                return self.lo + self.width * (i as f64 + within);
            }
            seen += c as f64;
        }
        self.hi()
    }
}

/// Accumulates the values of one tensor over a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Collector {
    pub method: Method,
    pub min: f64,
    pub max: f64,
    pub samples: u64,
    /// NaNs skipped.
    pub non_finite: u64,
    /// Sentinels skipped, below and above the real values ([`SENTINEL_MAGNITUDE`]).
    pub sentinel_low: u64,
    pub sentinel_high: u64,
    histogram: Option<Histogram>,
}

impl Collector {
    pub fn new(method: Method) -> Collector {
        Collector {
            method,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            samples: 0,
            non_finite: 0,
            sentinel_low: 0,
            sentinel_high: 0,
            histogram: None,
        }
    }

    /// The histogram `percentile` and `mse` keep (none for `minmax` and `moving-average`).
    pub fn histogram(&self) -> Option<&Histogram> {
        self.histogram.as_ref()
    }

    /// Sets the histogram (when reading saved statistics, [`super::statistics`]).
    pub fn set_histogram(&mut self, histogram: Option<Histogram>) {
        self.histogram = histogram;
    }

    /// Folds one sample's values in.
    pub fn observe(&mut self, values: &[f32]) {
        let r = sample_range(values);
        self.non_finite += r.non_finite;
        self.sentinel_low += r.sentinel_low;
        self.sentinel_high += r.sentinel_high;
        if r.count == 0 {
            return;
        }
        let (smin, smax) = (r.min as f64, r.max as f64);
        match self.method {
            Method::MovingAverage if self.samples > 0 => {
                self.min += MOVING_AVERAGE_CONSTANT * (smin - self.min);
                self.max += MOVING_AVERAGE_CONSTANT * (smax - self.max);
            }
            _ => {
                self.min = self.min.min(smin);
                self.max = self.max.max(smax);
            }
        }
        self.samples += 1;
        if matches!(self.method, Method::Percentile | Method::Mse) {
            let h = self
                .histogram
                .get_or_insert_with(|| Histogram::new(smin, smax));
            h.cover(smin, smax);
            for &v in values.iter().filter(|&&v| is_data(v)) {
                h.add(v as f64);
            }
        }
    }

    /// Merges a collector that observed other samples (order-independent except for the
    /// moving average, where it averages the two ranges weighted by their sample counts).
    pub fn merge(&mut self, other: &Collector) {
        self.non_finite += other.non_finite;
        self.sentinel_low += other.sentinel_low;
        self.sentinel_high += other.sentinel_high;
        if other.samples == 0 {
            return;
        }
        if self.samples == 0 {
            let (non_finite, low, high) = (self.non_finite, self.sentinel_low, self.sentinel_high);
            *self = other.clone();
            (self.non_finite, self.sentinel_low, self.sentinel_high) = (non_finite, low, high);
            return;
        }
        match self.method {
            Method::MovingAverage => {
                let (a, b) = (self.samples as f64, other.samples as f64);
                self.min = (self.min * a + other.min * b) / (a + b);
                self.max = (self.max * a + other.max * b) / (a + b);
            }
            _ => {
                self.min = self.min.min(other.min);
                self.max = self.max.max(other.max);
            }
        }
        self.samples += other.samples;
        match (&mut self.histogram, &other.histogram) {
            (Some(h), Some(o)) => h.merge(o),
            (None, Some(o)) => self.histogram = Some(o.clone()),
            _ => {}
        }
    }

    /// The range to quantize with; `None` when nothing but NaN and sentinels was observed.
    pub fn range(&self) -> Option<(f64, f64)> {
        if self.samples == 0 {
            return None;
        }
        let (min, max) = match (self.method, &self.histogram) {
            (Method::Percentile, Some(h)) => (
                h.quantile(0.0001).max(self.min),
                h.quantile(0.9999).min(self.max),
            ),
            (Method::Mse, Some(h)) => mse_range(h, self.min, self.max),
            _ => (self.min, self.max),
        };
        Some(widen_for_sentinels(
            min,
            max,
            self.sentinel_low > 0,
            self.sentinel_high > 0,
        ))
    }
}

/// The clipping range that minimises the expected squared error of 8-bit quantization of the
/// histogram's mass: candidate ranges shrink [min, max] towards 0 in 1/128 steps.
fn mse_range(h: &Histogram, min: f64, max: f64) -> (f64, f64) {
    let mut best = (min, max);
    let mut best_error = f64::INFINITY;
    for step in 0..128 {
        let keep = 1.0 - step as f64 / 128.0;
        let (lo, hi) = (min.min(0.0) * keep, max.max(0.0) * keep);
        let scale = (hi - lo) / 255.0;
        if scale <= 0.0 {
            break;
        }
        let mut error = 0.0;
        for (i, &c) in h.bins.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let x = h.lo + h.width * (i as f64 + 0.5);
            let e = if x < lo {
                lo - x
            } else if x > hi {
                x - hi
            } else {
                // Rounding error of a uniform bin: scale^2 / 12.
                0.0
            };
            error += c as f64 * (e * e + scale * scale / 12.0);
        }
        if error < best_error {
            best_error = error;
            best = (lo.max(min), hi.min(max));
        }
    }
    best
}

#[cfg(test)]
mod tests {

    #[test]
    fn masking_sentinels_stay_out_of_the_range_and_saturate_beyond_it() {
        for method in [
            Method::MinMax,
            Method::MovingAverage,
            Method::Percentile,
            Method::Mse,
        ] {
            let mut c = Collector::new(method);
            // Long enough for the vectorized path; -0.7 x f32::MAX and -inf as masks use.
            let mut v = vec![0.5f32; 40];
            v.extend([-2.0, 3.0, -2.37e38, f32::NEG_INFINITY, 1.0]);
            c.observe(&v);
            assert_eq!((c.sentinel_low, c.sentinel_high, c.non_finite), (2, 0, 0));
            let (lo, hi) = c.range().unwrap();
            assert!(hi <= 3.0 && hi > 2.0, "{method:?}: {hi}");
            // At least SENTINEL_MARGIN below the real values.
            assert!(
                lo <= -2.0 - SENTINEL_MARGIN + 0.01 && lo > -30.0,
                "{method:?}: {lo}"
            );
        }
        // Without sentinels nothing is widened.
        let mut c = Collector::new(Method::MinMax);
        c.observe(&[-2.0, 3.0]);
        assert_eq!(c.range(), Some((-2.0, 3.0)));
    }

    use super::*;

    #[test]
    fn minmax_is_global_and_skips_nan() {
        let mut c = Collector::new(Method::MinMax);
        c.observe(&[1.0, f32::NAN, -2.0]);
        c.observe(&[3.0, f32::NAN]);
        assert_eq!(c.range(), Some((-2.0, 3.0)));
        assert_eq!(c.non_finite, 2);
        let mut a = Collector::new(Method::MinMax);
        a.observe(&[1.0, -2.0]);
        let mut b = Collector::new(Method::MinMax);
        b.observe(&[3.0]);
        a.merge(&b);
        assert_eq!(a.range(), Some((-2.0, 3.0)));
    }

    #[test]
    fn vectorized_range_equals_the_scalar_walk() {
        let mut state = 12345u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32 - 0.5) * 100.0
        };
        for len in [0usize, 1, 15, 16, 17, 100, 1000] {
            let values: Vec<f32> = (0..len).map(|_| next()).collect();
            assert_eq!(
                sample_range(&values),
                sample_range_exact(&values),
                "len {len}"
            );
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                for at in [0, len / 2, len.saturating_sub(1)] {
                    if len == 0 {
                        continue;
                    }
                    let mut v = values.clone();
                    v[at] = bad;
                    let r = sample_range(&v);
                    assert_eq!(r, sample_range_exact(&v), "len {len}, {bad} at {at}");
                    // NaN is skipped as not finite, an infinity as a sentinel.
                    assert_eq!(r.non_finite + r.sentinel_low + r.sentinel_high, 1);
                }
            }
        }
    }

    #[test]
    fn moving_average_follows_samples_slowly() {
        let mut c = Collector::new(Method::MovingAverage);
        c.observe(&[0.0, 1.0]);
        c.observe(&[0.0, 101.0]);
        let (_, max) = c.range().unwrap();
        assert!((max - 2.0).abs() < 1e-12, "{max}");
    }

    #[test]
    fn percentile_clips_outliers() {
        let mut c = Collector::new(Method::Percentile);
        let mut values: Vec<f32> = (0..100_000).map(|i| (i % 1000) as f32 / 1000.0).collect();
        values.push(1000.0);
        c.observe(&values);
        let (lo, hi) = c.range().unwrap();
        assert!((0.0..0.01).contains(&lo), "{lo}");
        assert!(hi < 2.0, "{hi}");
    }

    #[test]
    fn mse_prefers_clipping_a_lone_outlier() {
        let mut c = Collector::new(Method::Mse);
        let mut values: Vec<f32> = (0..10_000).map(|i| (i % 100) as f32 / 100.0).collect();
        values.push(50.0);
        c.observe(&values);
        let (_, hi) = c.range().unwrap();
        assert!(hi < 50.0, "{hi}");
    }

    #[test]
    fn nothing_finite_gives_no_range() {
        let mut c = Collector::new(Method::MinMax);
        c.observe(&[f32::NAN]);
        assert_eq!(c.range(), None);
    }
}
