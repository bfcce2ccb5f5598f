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
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for (&r, &q) in reference.iter().zip(got) {
        let (r, q) = (r as f64, q as f64);
        signal += r * r;
        noise += (r - q) * (r - q);
    }
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

/// The figures of one output over the samples seen so far.
#[derive(Clone, Debug, Default)]
pub struct OutputStats {
    samples: usize,
    sqnr_sum: f64,
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
        self.sqnr_sum += sqnr_db(reference, got);
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
}
