//! Custom operators: `tfl.custom` with `custom_code` (the operator code's name) and
//! `custom_option = #tfl<const_bytes : "0x...">` (the operator's option bytes, usually a
//! flexbuffer, kept opaque).

use tqopt_ir::{AttrDict, Attribute, OpaqueAttr};

use super::OpCodec;
use crate::schema::tflite::{BuiltinOperator as Op, BuiltinOptions as O};

/// CUSTOM carries no builtin options; see [`attrs`] and [`from_attrs`].
pub(crate) const CODECS: &[OpCodec] = &[OpCodec::plain(Op::CUSTOM, O::NONE)];

/// The attributes of a custom operator.
pub fn attrs(custom_code: &str, options: &[u8]) -> AttrDict {
    let mut d = AttrDict::new();
    d.set("custom_code", Attribute::string(custom_code));
    d.set(
        "custom_option",
        Attribute::Opaque(OpaqueAttr::from_const_bytes(options)),
    );
    d
}

/// The custom code and option bytes of a `tfl.custom` op's attributes.
pub fn from_attrs(attrs: &AttrDict) -> Result<(String, Vec<u8>), String> {
    let code = attrs
        .get("custom_code")
        .and_then(Attribute::as_str)
        .ok_or("'tfl.custom' needs a string attribute 'custom_code'")?;
    let bytes = match attrs.get("custom_option") {
        Some(Attribute::Opaque(o)) => o
            .const_bytes()
            .ok_or("'custom_option' must be #tfl<const_bytes : \"0x...\">")?,
        None => Vec::new(),
        Some(other) => {
            return Err(format!(
                "'custom_option' must be a dialect attribute, not {}",
                other.kind_name()
            ))
        }
    };
    Ok((code.to_string(), bytes))
}

/// MediaPipe's `Convolution2DTransposeBias` (a transposed convolution with a bias; operands
/// input NHWC, weights OHWI, bias `[O]`, no fused activation): its option bytes are a
/// `TfLiteTransposeConvParams` struct, three little-endian int32s.
pub const TRANSPOSE_CONV_BIAS: &str = "Convolution2DTransposeBias";

/// The options of [`TRANSPOSE_CONV_BIAS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransposeConvBiasOptions {
    /// `"SAME"` or `"VALID"`, as the builtin ops' `padding` attribute spells it.
    pub padding: &'static str,
    pub stride_w: i32,
    pub stride_h: i32,
}

impl TransposeConvBiasOptions {
    /// Reads the option bytes: padding (1 = SAME, 2 = VALID), stride_width, stride_height;
    /// strides must be positive.
    pub fn parse(bytes: &[u8]) -> Result<TransposeConvBiasOptions, String> {
        if bytes.len() < 12 {
            return Err(format!(
                "{TRANSPOSE_CONV_BIAS} options must hold 12 bytes (padding, stride_w, stride_h), got {}",
                bytes.len()
            ));
        }
        let word =
            |i: usize| i32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let padding = match word(0) {
            1 => "SAME",
            2 => "VALID",
            p => {
                return Err(format!(
                    "unknown padding {p} in {TRANSPOSE_CONV_BIAS} options"
                ))
            }
        };
        let (stride_w, stride_h) = (word(4), word(8));
        if stride_w <= 0 || stride_h <= 0 {
            return Err(format!("strides ({stride_h}, {stride_w}) must be positive"));
        }
        Ok(TransposeConvBiasOptions {
            padding,
            stride_w,
            stride_h,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn transpose_conv_bias_options_are_read_and_checked() {
        let bytes = [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0];
        let o = super::TransposeConvBiasOptions::parse(&bytes).unwrap();
        assert_eq!((o.padding, o.stride_w, o.stride_h), ("SAME", 2, 3));
        assert!(super::TransposeConvBiasOptions::parse(&bytes[..11]).is_err());
        let mut bad = bytes;
        bad[0] = 7;
        assert!(super::TransposeConvBiasOptions::parse(&bad).is_err());
        bad = bytes;
        bad[4] = 0;
        assert!(super::TransposeConvBiasOptions::parse(&bad).is_err());
    }

    #[test]
    fn options_round_trip() {
        let a = super::attrs("Convolution2DTransposeBias", &[1, 0, 0, 0, 2]);
        assert_eq!(
            super::from_attrs(&a).unwrap(),
            (
                "Convolution2DTransposeBias".to_string(),
                vec![1, 0, 0, 0, 2]
            )
        );
    }
}
