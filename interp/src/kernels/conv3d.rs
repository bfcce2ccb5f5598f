//! `tfl.conv_3d`: NDHWC input, a [depth, height, width, in, out] filter (TensorFlow's layout,
//! not the OHWI of `tfl.conv_2d`), optional bias, fused activation, SAME/VALID padding,
//! strides and dilations on all three spatial axes. Float32 only, as LiteRT's kernel.
//!
//! Each output position accumulates its taps into a row of output channels, which the
//! filter's layout keeps contiguous.

use super::attrs::{Activation, Padding};
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Tensor};

/// One spatial axis: input size, stride, dilation, output size, padding before.
#[derive(Copy, Clone, Debug)]
struct Axis {
    input: usize,
    stride: usize,
    dilation: usize,
    output: usize,
    pad: usize,
}

impl Axis {
    fn new(
        input: usize,
        filter: usize,
        stride: usize,
        dilation: usize,
        padding: Padding,
    ) -> KResult<Axis> {
        let (output, pad) = padding.output_and_pad(input, filter, stride, dilation)?;
        Ok(Axis {
            input,
            stride,
            dilation,
            output,
            pad,
        })
    }

    /// The input index of tap `k` for output index `o`, if inside the input.
    #[inline]
    fn at(&self, o: usize, k: usize) -> Option<usize> {
        (o * self.stride + k * self.dilation)
            .checked_sub(self.pad)
            .filter(|&i| i < self.input)
    }
}

struct Conv3d {
    /// (depth, height, width)
    stride: [usize; 3],
    dilation: [usize; 3],
    padding: Padding,
    act: Activation,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let act = info.activation()?;
    if act.bounds().is_none() {
        return Err("fused TANH and SIGN_BIT are not supported on convolutions".into());
    }
    let conv = Conv3d {
        stride: [
            info.attr_positive("stride_d")?,
            info.attr_positive("stride_h")?,
            info.attr_positive("stride_w")?,
        ],
        dilation: [
            info.attr_positive("dilation_d_factor")?,
            info.attr_positive("dilation_h_factor")?,
            info.attr_positive("dilation_w_factor")?,
        ],
        padding: info.padding()?,
        act,
    };
    kernel(move |a: &mut Args<'_>| conv.run(a))
}

fn five_d(shape: &[usize], what: &str) -> KResult<[usize; 5]> {
    match *shape {
        [a, b, c, d, e] => Ok([a, b, c, d, e]),
        _ => Err(format!(
            "expects a 5-D {what} but got shape {}",
            format_shape(shape)
        )),
    }
}

impl Conv3d {
    fn run(&self, a: &mut Args<'_>) -> KResult<super::Outputs> {
        let input = a.get(0)?;
        let filter = a.get(1)?;
        let [n, d, h, w, c] = five_d(input.shape(), "NDHWC input")?;
        let [kd, kh, kw, fc, o] = five_d(filter.shape(), "filter [depth, height, width, in, out]")?;
        if fc != c {
            return Err(format!(
                "the filter takes {fc} input channels but the input has {c}"
            ));
        }
        let x = input.as_f32().ok_or("the input must be f32")?;
        let f = filter.as_f32().ok_or("the filter must be f32")?;
        let bias = super::bias_f32(a.opt(2), o, "output channels")?;
        let ad = Axis::new(d, kd, self.stride[0], self.dilation[0], self.padding)?;
        let ah = Axis::new(h, kh, self.stride[1], self.dilation[1], self.padding)?;
        let aw = Axis::new(w, kw, self.stride[2], self.dilation[2], self.padding)?;
        let mut out = vec![0.0f32; n * ad.output * ah.output * aw.output * o];
        let mut rows = out.chunks_exact_mut(o.max(1));
        for b in 0..n {
            for od in 0..ad.output {
                for oy in 0..ah.output {
                    for ox in 0..aw.output {
                        let Some(row) = rows.next() else { break };
                        if let Some(bias) = bias {
                            row.copy_from_slice(bias);
                        }
                        for (fd, id) in (0..kd).filter_map(|k| ad.at(od, k).map(|i| (k, i))) {
                            for (fy, iy) in (0..kh).filter_map(|k| ah.at(oy, k).map(|i| (k, i))) {
                                for (fx, ix) in (0..kw).filter_map(|k| aw.at(ox, k).map(|i| (k, i)))
                                {
                                    let xi = (((b * d + id) * h + iy) * w + ix) * c;
                                    let fi = ((fd * kh + fy) * kw + fx) * c * o;
                                    for ic in 0..c {
                                        let v = x[xi + ic];
                                        let taps = &f[fi + ic * o..fi + (ic + 1) * o];
                                        for (acc, &t) in row.iter_mut().zip(taps) {
                                            *acc += v * t;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.act.apply(&mut out);
        one(
            Tensor::from_f32(&[n, ad.output, ah.output, aw.output, o], out)
                .map_err(|e| e.to_string())?,
        )
    }
}
