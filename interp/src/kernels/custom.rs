//! Custom ops (`tfl.custom`), by `custom_code`.
//!
//! `TFLite_Detection_PostProcess` is TensorFlow's SSD post-processing ([`super::detection`]).
//!
//! `Convolution2DTransposeBias` is MediaPipe's transposed convolution with a bias
//! (mediapipe/util/tflite/operations/transpose_conv_bias.cc). Operands: input NHWC, weights
//! OHWI, bias [O]. Its option bytes are a `TfLiteTransposeConvParams` struct: three
//! little-endian int32s, padding (1 = SAME, 2 = VALID), stride_width, stride_height. The output
//! is `stride * (in - 1) + filter - pad` per spatial axis, where SAME's total pad is
//! `max(0, filter - (in - 1) % stride - 1)` and half of it (rounded down) comes off the top and
//! left; there is no fused activation.

use tqopt_ir::Attribute;
use tqopt_tflite::ops::custom::{
    TransposeConvBiasOptions, DETECTION_POSTPROCESS, TRANSPOSE_CONV_BIAS,
};

use super::attrs::{Activation, Padding};
use super::transpose_conv::{pack_weights, transpose_conv, Packed};
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    let code = info.attr_str("custom_code")?;
    match builder(code) {
        Some(build) => build(info),
        None => Err(format!(
            "the interpreter has no kernel for the custom op '{code}'"
        )),
    }
}

/// The kernel builder for custom ops of this `custom_code`, or `None` when the interpreter has
/// none (a partial plan then leaves such ops out).
pub(crate) fn builder(code: &str) -> Option<fn(&OpInfo<'_>) -> KResult<BoxKernel>> {
    match code {
        TRANSPOSE_CONV_BIAS => Some(build_transpose_conv_bias),
        DETECTION_POSTPROCESS => Some(build_detection_postprocess),
        _ => None,
    }
}

/// Padding and strides from the option bytes.
fn parse_options(bytes: &[u8]) -> KResult<(Padding, usize, usize)> {
    let o = TransposeConvBiasOptions::parse(bytes)?;
    let padding = match o.padding {
        "SAME" => Padding::Same,
        _ => Padding::Valid,
    };
    Ok((padding, o.stride_h as usize, o.stride_w as usize))
}

/// The op's option bytes.
fn option_bytes(info: &OpInfo<'_>) -> KResult<Vec<u8>> {
    match info.attr("custom_option") {
        Some(Attribute::Opaque(o)) => Ok(o
            .const_bytes()
            .ok_or("custom_option must be #tfl<const_bytes : \"0x...\">")?),
        Some(Attribute::String(s)) => Ok(s.to_vec()),
        _ => Err("attribute 'custom_option' is missing".into()),
    }
}

fn build_detection_postprocess(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    super::detection::build(info, &option_bytes(info)?)
}

fn build_transpose_conv_bias(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.expect_operands(3)?;
    let (padding, sh, sw) = parse_options(&option_bytes(info)?)?;
    let packed: Option<Packed> = info.constant(1).map(pack_weights).transpose()?;
    kernel(move |a: &mut Args<'_>| {
        let owned;
        let p = match &packed {
            Some(p) => p,
            None => {
                owned = pack_weights(a.get(1)?)?;
                &owned
            }
        };
        let input = a.get(0)?;
        let [_, h, w, _] = super::conv::nhwc(input.shape())?;
        if h == 0 || w == 0 {
            return Err("the input has no pixels".into());
        }
        let pad = |size: usize, filter: usize, stride: usize| match padding {
            Padding::Same => (filter as isize - ((size - 1) % stride) as isize - 1).max(0) as usize,
            Padding::Valid => 0,
        };
        let (ph, pw) = (pad(h, p.kh, sh), pad(w, p.kw, sw));
        let oh = (sh * (h - 1) + p.kh).saturating_sub(ph);
        let ow = (sw * (w - 1) + p.kw).saturating_sub(pw);
        let bias = a.f32(2)?;
        one(transpose_conv(
            a.f32(0)?,
            input.shape(),
            p,
            (sh, sw),
            (ph / 2, pw / 2),
            (oh, ow),
            Some(bias),
            Activation::None,
        )?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_padding_then_strides() {
        let bytes = [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0];
        assert_eq!(parse_options(&bytes).unwrap(), (Padding::Same, 3, 2));
        assert!(parse_options(&bytes[..8]).is_err());
        assert!(parse_options(&[9, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]).is_err());
    }
}
