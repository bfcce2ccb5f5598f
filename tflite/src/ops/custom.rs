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

/// TensorFlow's SSD post-processing (box decoding and non-max suppression), which TensorFlow's
/// object detection API puts at the end of its detectors: operands box encodings `[1, N, >=4]`,
/// class scores `[1, N, classes (+1 background)]` and anchors `[N, 4]`; results boxes, classes,
/// scores (float32) and the number of detections. Its options are a FlexBuffer map.
pub const DETECTION_POSTPROCESS: &str = "TFLite_Detection_PostProcess";

/// The options of [`DETECTION_POSTPROCESS`], as LiteRT's kernel reads them
/// (`detection_postprocess.cc`): a missing key reads as 0 (false), except `detections_per_class`
/// (100) and `use_regular_nms` (false).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DetectionPostProcessOptions {
    pub max_detections: i32,
    /// Classes reported per box by the fast (class-agnostic) suppression.
    pub max_classes_per_detection: i32,
    /// Boxes kept per class by the regular (per-class) suppression.
    pub detections_per_class: i32,
    pub use_regular_nms: bool,
    pub nms_score_threshold: f32,
    pub nms_iou_threshold: f32,
    pub num_classes: i32,
    /// Box encoding scales: y, x, h, w.
    pub y_scale: f32,
    pub x_scale: f32,
    pub h_scale: f32,
    pub w_scale: f32,
}

impl DetectionPostProcessOptions {
    pub fn parse(bytes: &[u8]) -> Result<DetectionPostProcessOptions, String> {
        let map = crate::flexbuffer::read_scalar_map(bytes)
            .map_err(|e| format!("{DETECTION_POSTPROCESS} options: {e}"))?;
        let int = |key: &str, default: i64| -> Result<i32, String> {
            match map.get(key) {
                None | Some(crate::flexbuffer::Scalar::Null) => Ok(default as i32),
                Some(v) => v
                    .as_i64()
                    .and_then(|v| i32::try_from(v).ok())
                    .ok_or_else(|| {
                        format!("{DETECTION_POSTPROCESS} option '{key}' = {v:?} is not an int32")
                    }),
            }
        };
        let float = |key: &str| -> Result<f32, String> {
            match map.get(key) {
                None | Some(crate::flexbuffer::Scalar::Null) => Ok(0.0),
                Some(v) => v.as_f64().map(|f| f as f32).ok_or_else(|| {
                    format!("{DETECTION_POSTPROCESS} option '{key}' = {v:?} is not a number")
                }),
            }
        };
        let use_regular_nms = match map.get("use_regular_nms") {
            None | Some(crate::flexbuffer::Scalar::Null) => false,
            Some(v) => v.as_bool().ok_or_else(|| {
                format!("{DETECTION_POSTPROCESS} option 'use_regular_nms' = {v:?} is not a bool")
            })?,
        };
        Ok(DetectionPostProcessOptions {
            max_detections: int("max_detections", 0)?,
            max_classes_per_detection: int("max_classes_per_detection", 0)?,
            detections_per_class: int("detections_per_class", 100)?,
            use_regular_nms,
            nms_score_threshold: float("nms_score_threshold")?,
            nms_iou_threshold: float("nms_iou_threshold")?,
            num_classes: int("num_classes", 0)?,
            y_scale: float("y_scale")?,
            x_scale: float("x_scale")?,
            h_scale: float("h_scale")?,
            w_scale: float("w_scale")?,
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

    /// The option bytes TensorFlow 2.21's converter wrote for a `TFLite_Detection_PostProcess`
    /// (its `experimental_implements` attributes; no `detections_per_class`).
    const TF_DETECTION_OPTIONS: &str = "6D61785F646574656374696F6E73006D61785F636C61737365735F7065725F646574656374696F6E006E756D5F636C6173736573006E6D735F73636F72655F7468726573686F6C64006E6D735F696F755F7468726573686F6C6400795F7363616C6500785F7363616C6500685F7363616C6500775F7363616C65007573655F726567756C61725F6E6D73000A217E8E465B681720313A00000C000000010000000A0000000000A040010000000A0000000000003F9A99993E03000000000000000000A04000002041000020410E06060E0E06060E0E0E322601";

    #[test]
    fn detection_options_written_by_tensorflow_are_read() {
        let bytes: Vec<u8> = (0..TF_DETECTION_OPTIONS.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&TF_DETECTION_OPTIONS[i..i + 2], 16).unwrap())
            .collect();
        let o = super::DetectionPostProcessOptions::parse(&bytes).unwrap();
        assert_eq!(
            o,
            super::DetectionPostProcessOptions {
                max_detections: 10,
                max_classes_per_detection: 1,
                detections_per_class: 100,
                use_regular_nms: false,
                nms_score_threshold: 0.3,
                nms_iou_threshold: 0.5,
                num_classes: 3,
                y_scale: 10.0,
                x_scale: 10.0,
                h_scale: 5.0,
                w_scale: 5.0,
            }
        );
        assert!(super::DetectionPostProcessOptions::parse(&bytes[..40]).is_err());
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
