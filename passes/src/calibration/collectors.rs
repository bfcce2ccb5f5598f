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
}

/// The averaging constant of the moving average (TensorFlow's default).
pub const MOVING_AVERAGE_CONSTANT: f64 = 0.01;
/// Bins of the histogram used by `percentile` and `mse`.
pub const HISTOGRAM_BINS: usize = 2048;

/// Min and max of one sample, with the count of values skipped as not finite.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct SampleRange {
    pub min: f32,
    pub max: f32,
    pub non_finite: u64,
    pub count: u64,
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
            bad[i] += u32::from(!v.is_finite());
        }
    }
    let tail_bad = tail.iter().filter(|v| !v.is_finite()).count();
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
            count: values.len() as u64,
        };
    }
    sample_range_exact(values)
}

/// The scalar walk: skips NaN and infinities, counting them.
fn sample_range_exact(values: &[f32]) -> SampleRange {
    let mut min = f32::INFINITY;
    let mut max = f32::NEG_INFINITY;
    let mut non_finite = 0u64;
    for &v in values {
        if v.is_finite() {
            min = min.min(v);
            max = max.max(v);
        } else {
            non_finite += 1;
        }
    }
    SampleRange {
        min,
        max,
        non_finite,
        count: values.len() as u64 - non_finite,
    }
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
    pub non_finite: u64,
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
            histogram: None,
        }
    }

    /// Folds one sample's values in.
    pub fn observe(&mut self, values: &[f32]) {
        let r = sample_range(values);
        self.non_finite += r.non_finite;
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
            for &v in values.iter().filter(|v| v.is_finite()) {
                h.add(v as f64);
            }
        }
    }

    /// Merges a collector that observed other samples (order-independent except for the
    /// moving average, where it averages the two ranges weighted by their sample counts).
    pub fn merge(&mut self, other: &Collector) {
        self.non_finite += other.non_finite;
        if other.samples == 0 {
            return;
        }
        if self.samples == 0 {
            let non_finite = self.non_finite;
            *self = other.clone();
            self.non_finite = non_finite;
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

    /// The range to quantize with; `None` when nothing finite was observed.
    pub fn range(&self) -> Option<(f64, f64)> {
        if self.samples == 0 {
            return None;
        }
        match (self.method, &self.histogram) {
            (Method::Percentile, Some(h)) => Some((
                h.quantile(0.0001).max(self.min),
                h.quantile(0.9999).min(self.max),
            )),
            (Method::Mse, Some(h)) => Some(mse_range(h, self.min, self.max)),
            _ => Some((self.min, self.max)),
        }
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
    use super::*;

    #[test]
    fn minmax_is_global_and_skips_nan() {
        let mut c = Collector::new(Method::MinMax);
        c.observe(&[1.0, f32::NAN, -2.0]);
        c.observe(&[3.0, f32::INFINITY]);
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
                    assert_eq!(r.non_finite, 1);
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
