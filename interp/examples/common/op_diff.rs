//! How one op's output differs from LiteRT's, for the op-by-op comparison examples.

use tqopt_interp::Tensor;

/// Element counts and the largest absolute difference between two tensors' values.
pub struct OpDiff {
    /// Elements that differ at all.
    pub differing: usize,
    /// Elements that differ by more than 1 (a step or more of most quantized types).
    pub over_one: usize,
    pub max: f32,
    pub len: usize,
}

impl OpDiff {
    pub fn of(got: &Tensor, want: &Tensor) -> OpDiff {
        let (a, b) = (got.to_f32_vec(), want.to_f32_vec());
        let diffs: Vec<f32> = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).collect();
        OpDiff {
            differing: diffs.iter().filter(|&&d| d > 0.0).count(),
            over_one: diffs.iter().filter(|&&d| d > 1.0).count(),
            max: diffs.iter().cloned().fold(0.0f32, f32::max),
            len: a.len(),
        }
    }
}
