//! `RFFT2D` (a TFLite builtin tqopt keeps in generic `tfl.builtin` form): the 2-D discrete
//! Fourier transform of a real signal, as `tf.signal.stft` lowers to (a frame per row, an FFT
//! height of 1).
//!
//! Operands: a float32 tensor of rank 2 or more and `fft_length` = `[height, width]` (int32,
//! both powers of two, as LiteRT requires). The last two dimensions of the input are cropped or
//! zero-padded to `[height, width]`; the result is complex64 with those dimensions replaced by
//! `[height, width / 2 + 1]`:
//! `X[k1, k2] = sum over n1, n2 of x[n1, n2] exp(-2 pi i (k1 n1 / height + k2 n2 / width))`.
//!
//! `COMPLEX_ABS`, `REAL` and `IMAG` take a spectrum back to float32.
//!
//! Computed in f64 with radix-2 transforms (rows, then columns) and rounded to f32 once, so
//! it stays within float32 rounding of LiteRT's single-precision kernel.

use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{Complex32, Shape, Tensor, TensorData};

/// The TFLite builtin names this module runs.
pub(crate) const RFFT2D: &str = "RFFT2D";
pub(crate) const COMPLEX_ABS: &str = "COMPLEX_ABS";
pub(crate) const REAL: &str = "REAL";
pub(crate) const IMAG: &str = "IMAG";

/// `COMPLEX_ABS`, `REAL` and `IMAG`: a float32 tensor of the complex64 operand's shape, with
/// each element's magnitude (`hypot(re, im)`, as `std::abs` of a complex), real or imaginary
/// part.
fn complex_to_real(info: &OpInfo<'_>, part: fn(Complex32) -> f32) -> KResult<BoxKernel> {
    info.expect_operands(1)?;
    kernel(move |a: &mut Args<'_>| {
        let x = a.get(0)?;
        let values = a.slice::<Complex32>(0)?;
        let out: Vec<f32> = values.iter().map(|&c| part(c)).collect();
        one(Tensor::from_parts(x.shape().into(), TensorData::F32(out)))
    })
}

pub(crate) fn build_complex_abs(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    complex_to_real(info, |c| c.re.hypot(c.im))
}

pub(crate) fn build_real(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    complex_to_real(info, |c| c.re)
}

pub(crate) fn build_imag(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    complex_to_real(info, |c| c.im)
}

pub(crate) fn build_rfft2d(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(2)?;
    kernel(|a: &mut Args<'_>| {
        let x = a.get(0)?;
        let input = a.f32(0)?;
        let lengths = a.ints(1)?;
        let [height, width] = lengths[..] else {
            return Err(format!(
                "fft_length must hold 2 values, not {}",
                lengths.len()
            ));
        };
        let size = |n: i64, what: &str| -> KResult<usize> {
            match usize::try_from(n) {
                Ok(n) if n.is_power_of_two() => Ok(n),
                _ => Err(format!("fft_length's {what} {n} is not a power of two")),
            }
        };
        let (height, width) = (size(height, "height")?, size(width, "width")?);
        let shape = x.shape();
        if shape.len() < 2 {
            return Err(format!(
                "the input must have rank 2 or more, not {}",
                shape.len()
            ));
        }
        let (rows, cols) = (shape[shape.len() - 2], shape[shape.len() - 1]);
        let batch: usize = shape[..shape.len() - 2].iter().product();
        let bins = width / 2 + 1;
        let row_plan = Radix2::new(width);
        let col_plan = Radix2::new(height);
        let mut out = Vec::with_capacity(batch * height * bins);
        let mut spectrum = vec![(0.0f64, 0.0f64); height * bins];
        let mut line = vec![(0.0f64, 0.0f64); width.max(height)];
        for b in 0..batch {
            let matrix = &input[b * rows * cols..(b + 1) * rows * cols];
            // Rows: the real FFT of each (cropped or zero-padded) row, its first width/2+1 bins.
            for r in 0..height {
                let row = &mut line[..width];
                row.fill((0.0, 0.0));
                if r < rows {
                    for (c, v) in matrix[r * cols..r * cols + cols.min(width)]
                        .iter()
                        .enumerate()
                    {
                        row[c] = (*v as f64, 0.0);
                    }
                }
                row_plan.transform(row);
                spectrum[r * bins..(r + 1) * bins].copy_from_slice(&row[..bins]);
            }
            // Columns: a complex FFT down each of the kept bins.
            if height > 1 {
                for k in 0..bins {
                    let col = &mut line[..height];
                    for (r, slot) in col.iter_mut().enumerate() {
                        *slot = spectrum[r * bins + k];
                    }
                    col_plan.transform(col);
                    for (r, v) in col.iter().enumerate() {
                        spectrum[r * bins + k] = *v;
                    }
                }
            }
            out.extend(spectrum.iter().map(|&(re, im)| Complex32 {
                re: re as f32,
                im: im as f32,
            }));
        }
        let mut out_shape: Shape = shape[..shape.len() - 2].iter().copied().collect();
        out_shape.push(height);
        out_shape.push(bins);
        one(Tensor::from_parts(out_shape, TensorData::C64(out)))
    })
}

/// An in-place iterative radix-2 FFT of one power-of-two length (forward: `exp(-2 pi i ..)`).
struct Radix2 {
    n: usize,
    /// `exp(-2 pi i k / n)` for `k < n / 2`.
    twiddles: Vec<(f64, f64)>,
}

impl Radix2 {
    fn new(n: usize) -> Radix2 {
        let twiddles = (0..n / 2)
            .map(|k| {
                let angle = -2.0 * std::f64::consts::PI * k as f64 / n as f64;
                (angle.cos(), angle.sin())
            })
            .collect();
        Radix2 { n, twiddles }
    }

    fn transform(&self, data: &mut [(f64, f64)]) {
        let n = self.n;
        if n < 2 {
            return;
        }
        // Bit-reversed order.
        let bits = n.trailing_zeros();
        for i in 0..n {
            let j = i.reverse_bits() >> (usize::BITS - bits);
            if j > i {
                data.swap(i, j);
            }
        }
        let mut len = 2;
        while len <= n {
            let step = n / len;
            for start in (0..n).step_by(len) {
                for k in 0..len / 2 {
                    let (wr, wi) = self.twiddles[k * step];
                    let (ar, ai) = data[start + k];
                    let (br, bi) = data[start + k + len / 2];
                    let (tr, ti) = (br * wr - bi * wi, br * wi + bi * wr);
                    data[start + k] = (ar + tr, ai + ti);
                    data[start + k + len / 2] = (ar - tr, ai - ti);
                }
            }
            len *= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct sum, for comparison.
    fn dft(x: &[f64]) -> Vec<(f64, f64)> {
        let n = x.len();
        (0..n)
            .map(|k| {
                x.iter().enumerate().fold((0.0, 0.0), |(re, im), (t, &v)| {
                    let a = -2.0 * std::f64::consts::PI * (k * t) as f64 / n as f64;
                    (re + v * a.cos(), im + v * a.sin())
                })
            })
            .collect()
    }

    #[test]
    fn radix2_matches_the_direct_sum() {
        for n in [1usize, 2, 4, 8, 64] {
            let x: Vec<f64> = (0..n).map(|i| ((i * 7 + 3) % 11) as f64 - 5.0).collect();
            let mut data: Vec<(f64, f64)> = x.iter().map(|&v| (v, 0.0)).collect();
            Radix2::new(n).transform(&mut data);
            for (got, want) in data.iter().zip(dft(&x)) {
                assert!((got.0 - want.0).abs() < 1e-9 && (got.1 - want.1).abs() < 1e-9);
            }
        }
    }
}
