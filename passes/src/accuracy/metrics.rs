//! Error figures of one model output, accumulated sample by sample.
//!
//! Definitions (issue 11): a sample's SQNR is `10·log10(Σref² / Σ(ref−q)²)` in dB, capped at
//! [`SQNR_CAP`] (an exact match gives the cap; a reference of zeros with any error gives
//! `-SQNR_CAP`); the output's SQNR and cosine are the means over samples; the max abs error is
//! over every element of every sample; top-1 agreement is the fraction of rows (every
//! position of the leading axes, over all samples) whose argmax over the last axis is the
//! same in both (the first maximum wins ties). Sums are in f64.

/// SQNR is capped at this many dB (and at its negative).
pub const SQNR_CAP: f64 = 99.0;

/// One sample's SQNR in dB, capped.
pub fn sqnr_db(reference: &[f32], got: &[f32]) -> f64 {
    let (signal, noise) = power_sums(reference, got);
    capped_sqnr_db(signal, noise)
}

/// `(Σref², Σ(ref−q)²)` in f64.
fn power_sums(reference: &[f32], got: &[f32]) -> (f64, f64) {
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for (&r, &q) in reference.iter().zip(got) {
        let (r, q) = (r as f64, q as f64);
        signal += r * r;
        noise += (r - q) * (r - q);
    }
    (signal, noise)
}

/// `10·log10(signal / noise)`, capped at ±[`SQNR_CAP`] (no noise gives the cap, noise on a
/// zero signal its negative).
fn capped_sqnr_db(signal: f64, noise: f64) -> f64 {
    if noise == 0.0 {
        return SQNR_CAP;
    }
    if signal == 0.0 {
        return -SQNR_CAP;
    }
    (10.0 * (signal / noise).log10()).clamp(-SQNR_CAP, SQNR_CAP)
}

/// Cosine similarity of two vectors: 1 when both are zero, 0 when only one is.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (x as f64, y as f64);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    match (aa == 0.0, bb == 0.0) {
        (true, true) => 1.0,
        (true, false) | (false, true) => 0.0,
        _ => ab / (aa.sqrt() * bb.sqrt()),
    }
}

/// Index of the first maximum (NaN never wins).
fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] || v[best].is_nan() {
            best = i;
        }
    }
    best
}

/// One sample's SQNR and the strength of its reference values (their root mean square).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleFigures {
    pub sqnr_db: f64,
    pub reference_rms: f64,
}

/// The figures of one output over the samples seen so far. Besides the figures it
/// keeps each sample's SQNR (in the order added) and the pooled power sums, so that a mean
/// pulled down by a few samples can be explained ([`OutputStats::weak_samples`]).
#[derive(Clone, Debug, Default)]
pub struct OutputStats {
    samples: usize,
    sqnr_sum: f64,
    /// Σref² and Σ(ref−q)² over every sample.
    signal: f64,
    noise: f64,
    per_sample: Vec<SampleFigures>,
    cosine_sum: f64,
    max_abs_error: f64,
    rows: usize,
    rows_agreeing: usize,
}

impl OutputStats {
    /// Adds one sample: the reference and the evaluated values (same length), and the size of
    /// the last axis (rows for top-1).
    pub fn add(&mut self, reference: &[f32], got: &[f32], last_dim: usize) {
        self.samples += 1;
        let (signal, noise) = power_sums(reference, got);
        let sqnr = capped_sqnr_db(signal, noise);
        self.sqnr_sum += sqnr;
        self.signal += signal;
        self.noise += noise;
        self.per_sample.push(SampleFigures {
            sqnr_db: sqnr,
            reference_rms: (signal / reference.len().max(1) as f64).sqrt(),
        });
        self.cosine_sum += cosine(reference, got);
        for (&r, &q) in reference.iter().zip(got) {
            let e = (r as f64 - q as f64).abs();
            if e > self.max_abs_error || e.is_nan() {
                self.max_abs_error = e;
            }
        }
        if last_dim > 0 {
            for (r, q) in reference.chunks(last_dim).zip(got.chunks(last_dim)) {
                self.rows += 1;
                if argmax(r) == argmax(q) {
                    self.rows_agreeing += 1;
                }
            }
        }
    }

    /// Adds the samples `other` saw (figures of disjoint sample sets combine exactly).
    pub fn merge(&mut self, other: &OutputStats) {
        self.samples += other.samples;
        self.sqnr_sum += other.sqnr_sum;
        self.signal += other.signal;
        self.noise += other.noise;
        self.per_sample.extend_from_slice(&other.per_sample);
        self.cosine_sum += other.cosine_sum;
        if other.max_abs_error > self.max_abs_error || other.max_abs_error.is_nan() {
            self.max_abs_error = other.max_abs_error;
        }
        self.rows += other.rows;
        self.rows_agreeing += other.rows_agreeing;
    }

    /// How many samples were added.
    pub fn samples(&self) -> usize {
        self.samples
    }

    pub fn sqnr_db(&self) -> f64 {
        self.sqnr_sum / self.samples.max(1) as f64
    }

    /// The SQNR of all samples pooled: `10·log10(Σref² / Σ(ref−q)²)` with both sums over
    /// every sample, capped. Unlike the mean, a sample whose reference is near zero weighs
    /// by its (small) power, not by its (very negative) dB.
    pub fn pooled_sqnr_db(&self) -> f64 {
        capped_sqnr_db(self.signal, self.noise)
    }

    /// Each sample's figures, in the order added.
    pub fn per_sample(&self) -> &[SampleFigures] {
        &self.per_sample
    }

    /// The samples that pull the mean SQNR at least [`SPREAD_DB`] below the pooled one, when
    /// there are such samples (at least two samples seen).
    pub fn weak_samples(&self) -> Option<WeakSamples> {
        let (mean_db, pooled_db) = (self.sqnr_db(), self.pooled_sqnr_db());
        if self.per_sample.len() < 2 || pooled_db - mean_db < SPREAD_DB {
            return None;
        }
        let mut order: Vec<usize> = (0..self.per_sample.len()).collect();
        order.sort_by(|&a, &b| {
            self.per_sample[a]
                .sqnr_db
                .total_cmp(&self.per_sample[b].sqnr_db)
        });
        let worst = order
            .iter()
            .map(|&i| (i, self.per_sample[i]))
            .take_while(|(_, f)| f.sqnr_db < mean_db)
            .take(WEAK_LISTED)
            .collect();
        Some(WeakSamples {
            mean_db,
            pooled_db,
            worst,
            median_rms: self.median_reference_rms()?,
        })
    }

    /// The median over samples of the reference's rms (the upper one of an even count); `None`
    /// before any sample.
    fn median_reference_rms(&self) -> Option<f64> {
        let mut rms: Vec<f64> = self.per_sample.iter().map(|f| f.reference_rms).collect();
        rms.sort_by(f64::total_cmp);
        rms.get(rms.len() / 2).copied()
    }

    /// What a reader of this output's SQNR should know, as sentences naming output `output`
    /// (`step`: the quantized output's step, when one per-tensor scale quantizes it): the
    /// samples that pull the mean down ([`OutputStats::weak_samples`]), and a reference so
    /// small on most samples that the quantized output cannot resolve it.
    pub fn notes(&self, output: &str, step: Option<f64>) -> Vec<String> {
        let mut notes: Vec<String> = self
            .weak_samples()
            .map(|w| w.describe(output, step))
            .into_iter()
            .collect();
        if let (Some(step), Some(median)) = (step, self.median_reference_rms()) {
            if median < step / 2.0 && self.sqnr_db() < SQNR_CAP {
                notes.push(format!(
                    "output '{output}': on most samples its reference values are within half a \
                     step of zero (median rms {median:.3e}, step {step:.3e}), so the quantized \
                     output cannot resolve them and its SQNR measures little else; a sigmoid or \
                     softmax output near 0 does this. Keeping the op that computes it in higher \
                     precision (target-sqnr=, or deny= its name) lets it follow them"
                ));
            }
        }
        notes
    }

    pub fn cosine(&self) -> f64 {
        self.cosine_sum / self.samples.max(1) as f64
    }

    pub fn max_abs_error(&self) -> f64 {
        self.max_abs_error
    }

    /// Fraction of rows whose argmax agrees (1 when the output has no rows).
    pub fn top1_agreement(&self) -> f64 {
        if self.rows == 0 {
            1.0
        } else {
            self.rows_agreeing as f64 / self.rows as f64
        }
    }
}

/// A mean SQNR this many dB or more below the pooled one is explained by its weakest samples.
pub const SPREAD_DB: f64 = 3.0;

/// How many of the weakest samples an explanation names.
const WEAK_LISTED: usize = 3;

/// Why an output's mean SQNR is far below its pooled SQNR: the samples that pull it down.
/// Typically their reference is near zero (a sigmoid output where nothing is detected, a
/// silent clip), so an error that is small on every other sample is as large as their signal.
#[derive(Clone, Debug, PartialEq)]
pub struct WeakSamples {
    pub mean_db: f64,
    pub pooled_db: f64,
    /// The samples below the mean, lowest SQNR first (index in the order added), at most
    /// [`WEAK_LISTED`].
    pub worst: Vec<(usize, SampleFigures)>,
    /// The median over all samples of the reference's rms.
    pub median_rms: f64,
}

impl WeakSamples {
    /// One sentence on output `output`; `step`, when the quantized output is int8 or int16
    /// with one scale, is that scale, named when it exceeds a listed sample's rms.
    pub fn describe(&self, output: &str, step: Option<f64>) -> String {
        let listed: Vec<String> = self
            .worst
            .iter()
            .map(|(i, f)| {
                format!(
                    "sample {i} ({:.2} dB, reference rms {:.3e})",
                    f.sqnr_db, f.reference_rms
                )
            })
            .collect();
        let weakest_rms = self
            .worst
            .iter()
            .map(|(_, f)| f.reference_rms)
            .fold(f64::INFINITY, f64::min);
        // Samples whose reference is this many times weaker than the median sample's are
        // called small.
        const WEAK_RATIO: f64 = 3.0;
        let why = if weakest_rms.is_finite()
            && self
                .worst
                .iter()
                .all(|(_, f)| f.reference_rms * WEAK_RATIO < self.median_rms)
        {
            format!(
                ", whose reference values are small (the median sample's rms is {:.3e}): an \
                 absolute error that is small elsewhere is large against them",
                self.median_rms
            )
        } else {
            String::new()
        };
        let mut s = format!(
            "output '{output}': its mean SQNR over samples ({:.2} dB) is pulled down by {}{why}. \
             Pooled over all samples (Σref² / Σ(ref−q)² of every sample together) its SQNR is \
             {:.2} dB",
            self.mean_db,
            join_and(&listed),
            self.pooled_db
        );
        if let Some(step) = step.filter(|&s| s > weakest_rms) {
            s.push_str(&format!(
                "; the quantized output moves in steps of {step:.3e} (its scale), more than the \
                 rms of the weakest of those samples"
            ));
        }
        s
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Classification accuracy against labels: a row (every position of the leading axes) is
/// right when its argmax over the last axis is its label.
#[derive(Clone, Debug, Default)]
pub struct Accuracy {
    rows: usize,
    right: usize,
}

impl Accuracy {
    /// Adds one sample: its values, the size of the last axis, and one label per row. A count
    /// of labels that is not the number of rows is an error saying both.
    pub fn add(&mut self, values: &[f32], last_dim: usize, labels: &[i64]) -> Result<(), String> {
        let rows = values.len().checked_div(last_dim).unwrap_or(0);
        if rows != labels.len() {
            return Err(format!(
                "{} labels for an output of {rows} rows of {last_dim} classes",
                labels.len()
            ));
        }
        for (row, &label) in values.chunks(last_dim.max(1)).zip(labels) {
            self.rows += 1;
            if usize::try_from(label).is_ok_and(|l| l == argmax(row)) {
                self.right += 1;
            }
        }
        Ok(())
    }

    /// The fraction of rows predicted right (0 when there are none).
    pub fn fraction(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.right as f64 / self.rows as f64
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_rows_whose_argmax_is_the_label() {
        let mut a = Accuracy::default();
        a.add(&[0.1, 0.9, 0.8, 0.2], 2, &[1, 1]).unwrap();
        a.add(&[0.3, 0.7], 2, &[-1]).unwrap();
        assert_eq!((a.rows(), a.fraction()), (3, 1.0 / 3.0));
        let e = a.add(&[0.3, 0.7], 2, &[1, 0]).unwrap_err();
        assert_eq!(e, "2 labels for an output of 1 rows of 2 classes");
    }

    #[test]
    fn sqnr_of_known_error() {
        // signal 1+4 = 5, noise 0.25+0 -> 10*log10(20) = 13.0103 dB.
        let s = sqnr_db(&[1.0, 2.0], &[1.5, 2.0]);
        assert!((s - 13.0103).abs() < 1e-3, "{s}");
        assert_eq!(sqnr_db(&[1.0, 2.0], &[1.0, 2.0]), SQNR_CAP);
        assert_eq!(sqnr_db(&[0.0, 0.0], &[1.0, 0.0]), -SQNR_CAP);
    }

    #[test]
    fn stats_average_over_samples_and_count_rows() {
        let mut s = OutputStats::default();
        s.add(&[1.0, 2.0, 3.0, 0.0], &[1.0, 2.0, 0.0, 3.0], 2);
        s.add(&[1.0, 2.0, 3.0, 0.0], &[1.0, 2.0, 3.0, 0.0], 2);
        assert_eq!(s.top1_agreement(), 0.75);
        assert_eq!(s.max_abs_error(), 3.0);
        // sample 1: signal 14, noise 18 -> -1.0914 dB; sample 2: 99 dB.
        let want = (10.0 * (14.0f64 / 18.0).log10() + 99.0) / 2.0;
        assert!((s.sqnr_db() - want).abs() < 1e-9);
        assert!((cosine(&[1.0, 0.0], &[0.0, 1.0])).abs() < 1e-12);
        // Merging per-sample figures gives the figures of adding the samples in turn.
        let (mut a, mut b) = (OutputStats::default(), OutputStats::default());
        a.add(&[1.0, 2.0, 3.0, 0.0], &[1.0, 2.0, 0.0, 3.0], 2);
        b.add(&[1.0, 2.0, 3.0, 0.0], &[1.0, 2.0, 3.0, 0.0], 2);
        a.merge(&b);
        assert_eq!(a.samples(), 2);
        assert_eq!(a.top1_agreement(), s.top1_agreement());
        assert_eq!(a.max_abs_error(), s.max_abs_error());
        assert!((a.sqnr_db() - s.sqnr_db()).abs() < 1e-12);
    }

    #[test]
    fn pooled_sqnr_weighs_samples_by_their_power() {
        let mut s = OutputStats::default();
        // Three samples with signal 1 and noise 1e-4 (40 dB), one with signal 1e-12 and noise
        // 1e-4 (-80 dB): the mean is 10 dB, the pooled figure 10*log10(3.0 / 4e-4) = 38.75.
        for _ in 0..3 {
            s.add(&[1.0], &[0.99], 0);
        }
        s.add(&[1e-6], &[1e-6 + 0.01], 0);
        assert!((s.sqnr_db() - 10.0).abs() < 1e-3, "{}", s.sqnr_db());
        let want = 10.0 * (3.0f64 / 4e-4).log10();
        assert!(
            (s.pooled_sqnr_db() - want).abs() < 1e-3,
            "{}",
            s.pooled_sqnr_db()
        );
        let w = s
            .weak_samples()
            .expect("the weak sample pulls the mean down");
        assert_eq!(w.worst.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![3]);
        assert!((w.worst[0].1.reference_rms - 1e-6).abs() < 1e-9);
        assert!((w.median_rms - 1.0).abs() < 1e-6);
        let text = w.describe("probs", Some(1.0 / 256.0));
        assert!(text.starts_with("output 'probs': its mean SQNR over samples (10.00 dB) is pulled down by sample 3 (-80.00 dB, reference rms 1.000e-6), whose reference values are small"), "{text}");
        assert!(
            text.contains("its SQNR is 38.75 dB; the quantized output moves in steps of 3.906e-3"),
            "{text}"
        );
        // Merged per-sample figures give the same explanation.
        let mut parts = vec![OutputStats::default(); 4];
        for (k, p) in parts.iter_mut().enumerate() {
            match k {
                3 => p.add(&[1e-6], &[1e-6 + 0.01], 0),
                _ => p.add(&[1.0], &[0.99], 0),
            }
        }
        let mut merged = OutputStats::default();
        for p in &parts {
            merged.merge(p);
        }
        assert_eq!(merged.weak_samples(), Some(w));
    }

    #[test]
    fn samples_of_equal_quality_need_no_explanation() {
        let mut s = OutputStats::default();
        s.add(&[1.0, -1.0], &[1.01, -1.0], 0);
        s.add(&[2.0, -2.0], &[2.02, -2.0], 0);
        assert!(s.weak_samples().is_none());
        assert!(s.notes("y", Some(0.01)).is_empty());
        // One sample alone has no spread to explain.
        let mut one = OutputStats::default();
        one.add(&[1e-6], &[0.01], 0);
        assert!(one.weak_samples().is_none());
    }

    #[test]
    fn a_reference_below_half_a_step_is_named() {
        let mut s = OutputStats::default();
        for _ in 0..3 {
            s.add(&[1e-8, 2e-8], &[0.0, 0.0], 0);
        }
        let notes = s.notes("wake", Some(1.0 / 256.0));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("within half a step of zero (median rms 1.581e-8, step 3.906e-3)"),
            "{}",
            notes[0]
        );
        // Without a quantized step, or with a step the values exceed, nothing is said.
        assert!(s.notes("wake", None).is_empty());
        assert!(s.notes("wake", Some(1e-9)).is_empty());
    }
}
