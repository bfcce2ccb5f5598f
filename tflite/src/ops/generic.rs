//! Builtin operators tqopt does not model, both directions: `tfl.builtin`.
//!
//! Such an operator keeps its builtin code, its operator version and everything its `Operator`
//! table says besides its tensors and opcode: the `builtin_options` and `builtin_options_2`
//! unions, `custom_options` (with its format) and `mutating_variable_inputs`. Those are kept as
//! the bytes of a standalone flatbuffer whose root is an `Operator` table holding only them
//! (`builtin_options = #tfl<const_bytes : "0x...">`), packed and unpacked with the schema's
//! object API, the same code that writes every other operator's options, so that import then
//! export writes the same table again. Options that name subgraphs (CALL_ONCE, the StableHLO
//! control flow) keep the indices as written.
//!
//! Invariant: [`options_bytes`] followed by [`decode`] gives back an equal [`OperatorT`]
//! (tensors, opcode and intermediates cleared).

use tqopt_ir::{AttrDict, Attribute, OpaqueAttr};

use crate::schema::tflite::{self, BuiltinOperator, OperatorT};

/// The attributes of an unmodelled builtin operator.
pub fn attrs(code: BuiltinOperator, version: i32, op: &OperatorT) -> AttrDict {
    let mut d = AttrDict::new();
    d.set("builtin_code", Attribute::i32(code.0));
    if let Some(name) = code.variant_name() {
        d.set("builtin_name", Attribute::string(name));
    }
    d.set("version", Attribute::i32(version));
    if let Some(bytes) = options_bytes(op) {
        d.set(
            "builtin_options",
            Attribute::Opaque(OpaqueAttr::from_const_bytes(&bytes)),
        );
    }
    d
}

/// What an exported `tfl.builtin` is: its code, version and operator fields.
#[derive(Debug, PartialEq)]
pub struct Generic {
    pub code: BuiltinOperator,
    pub version: i32,
    /// The operator without tensors and opcode.
    pub operator: OperatorT,
}

/// Reads a `tfl.builtin`'s attributes back.
pub fn from_attrs(attrs: &AttrDict) -> Result<Generic, String> {
    let code = attrs
        .get("builtin_code")
        .and_then(Attribute::as_int)
        .ok_or("'tfl.builtin' needs an integer attribute 'builtin_code'")?;
    let code = i32::try_from(code)
        .ok()
        .filter(|c| *c >= 0)
        .ok_or_else(|| format!("'builtin_code' = {code} is not a TFLite builtin code"))?;
    let code = BuiltinOperator(code);
    if code == BuiltinOperator::CUSTOM {
        return Err("'builtin_code' = 32 is CUSTOM: write custom operators as 'tfl.custom'".into());
    }
    if let Some(name) = attrs.get("builtin_name") {
        let name = name.as_str().ok_or("'builtin_name' must be a string")?;
        if code.variant_name() != Some(name) {
            return Err(format!(
                "'builtin_name' = \"{name}\" does not name builtin code {} ({})",
                code.0,
                super::op_name(code)
            ));
        }
    }
    let version = match attrs.get("version") {
        None => 1,
        Some(v) => v
            .as_int()
            .and_then(|v| i32::try_from(v).ok())
            .filter(|v| *v >= 1)
            .ok_or("'version' must be an integer of at least 1")?,
    };
    let operator = match attrs.get("builtin_options") {
        None => OperatorT::default(),
        Some(Attribute::Opaque(o)) => {
            let bytes = o
                .const_bytes()
                .ok_or("'builtin_options' must be #tfl<const_bytes : \"0x...\">")?;
            decode(&bytes)?
        }
        Some(other) => {
            return Err(format!(
                "'builtin_options' must be #tfl<const_bytes : \"0x...\">, not {}",
                other.kind_name()
            ))
        }
    };
    Ok(Generic {
        code,
        version,
        operator,
    })
}

/// The operator's fields other than tensors and opcode, as a standalone flatbuffer; `None`
/// when they are all defaults (nothing to keep).
pub fn options_bytes(op: &OperatorT) -> Option<Vec<u8>> {
    let kept = kept_fields(op);
    if kept == OperatorT::default() {
        return None;
    }
    let mut fbb = flatbuffers::FlatBufferBuilder::new();
    let root = kept.pack(&mut fbb);
    fbb.finish(root, None);
    Some(fbb.finished_data().to_vec())
}

/// Reads [`options_bytes`]' output (verified: bytes edited by hand give an error, not a
/// crash).
pub fn decode(bytes: &[u8]) -> Result<OperatorT, String> {
    let op = flatbuffers::root::<tflite::Operator>(bytes)
        .map_err(|e| format!("'builtin_options' is not a TFLite Operator flatbuffer: {e}"))?;
    Ok(kept_fields(&op.unpack()))
}

/// The fields a `tfl.builtin` keeps.
fn kept_fields(op: &OperatorT) -> OperatorT {
    OperatorT {
        builtin_options: op.builtin_options.clone(),
        builtin_options_2: op.builtin_options_2.clone(),
        custom_options: op.custom_options.clone(),
        custom_options_format: op.custom_options_format,
        mutating_variable_inputs: op.mutating_variable_inputs.clone(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tflite::{
        BuiltinOptions2T, BuiltinOptionsT, ReverseSequenceOptionsT, StablehloConcatenateOptionsT,
    };

    #[test]
    fn options_round_trip_through_bytes() {
        let mut op = OperatorT::default();
        let rs = ReverseSequenceOptionsT {
            seq_dim: 1,
            batch_dim: 2,
        };
        op.builtin_options = BuiltinOptionsT::ReverseSequenceOptions(Box::new(rs));
        let c = StablehloConcatenateOptionsT { dimension: 3 };
        op.builtin_options_2 = BuiltinOptions2T::StablehloConcatenateOptions(Box::new(c));
        op.mutating_variable_inputs = Some(vec![true, false]);
        op.inputs = Some(vec![1, 2]);
        let a = attrs(BuiltinOperator::REVERSE_SEQUENCE, 2, &op);
        let g = from_attrs(&a).unwrap();
        assert_eq!(g.code, BuiltinOperator::REVERSE_SEQUENCE);
        assert_eq!(g.version, 2);
        assert_eq!(g.operator, kept_fields(&op));
        assert!(g.operator.inputs.is_none());
    }

    #[test]
    fn default_operator_keeps_no_bytes_and_bad_bytes_are_errors() {
        let a = attrs(BuiltinOperator::REVERSE_V2, 1, &OperatorT::default());
        assert!(a.get("builtin_options").is_none());
        assert!(decode(&[1, 2, 3]).is_err());
        assert!(decode(&[0xff; 64]).is_err());
        let mut bad = a.clone();
        bad.set("builtin_name", Attribute::string("ADD"));
        assert!(from_attrs(&bad).unwrap_err().contains("does not name"));
    }
}
