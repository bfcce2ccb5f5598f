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

#[cfg(test)]
mod tests {
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
