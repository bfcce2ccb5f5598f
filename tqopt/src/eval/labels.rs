//! `tqopt eval --labels L.npy`: the class labels of the evaluation samples, for accuracy.
//!
//! `L.npy` holds integers: shape `[N]` (one label per sample) or `[N, R]` (one per row of
//! the first output, `R` rows per sample), in the order of the evaluation data; `N` must be
//! the number of samples. It is read with the calibration data reader, so its errors name
//! the file and the sample.

use std::path::Path;

use tqopt_interp::{DType, TensorData};
use tqopt_passes::calibration::dataset::{Dataset, InputSpec, PixelScaling};

/// Each sample's labels.
pub fn read(path: &str, samples: usize) -> Result<Vec<Vec<i64>>, String> {
    let spec = InputSpec {
        name: "labels".into(),
        aliases: Vec::new(),
        position: 0,
        shape: vec![-1],
        dtype: DType::I64,
    };
    let mut data = Dataset::open(Path::new(path), &[spec], PixelScaling::default())?;
    if data.len() != samples {
        return Err(format!(
            "'{path}' holds {} labels (or rows of labels) but the evaluation data has {samples} samples",
            data.len()
        ));
    }
    let mut out = Vec::with_capacity(samples);
    while let Some(sample) = data.next() {
        let arrays = sample?;
        match arrays.into_iter().next().map(|a| a.data) {
            Some(TensorData::I64(v)) => out.push(v),
            _ => return Err(format!("'{path}': labels must be integers")),
        }
    }
    Ok(out)
}
