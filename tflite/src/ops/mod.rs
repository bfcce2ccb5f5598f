//! TFLite builtin options <-> MLIR attributes, one file per op family.
//!
//! Each family registers an [`OpCodec`] per builtin operator: which options table the operator
//! carries in a file, how that table becomes the op's attributes on import, and how the
//! attributes (plus the operand and result types, for the fields TensorFlow derives from them)
//! become the table again on export. The op itself (its name, operand slots and attribute
//! kinds) comes from the op table in `tqopt_ir::dialect::tfl` through
//! [`tqopt_ir::dialect::lookup_tflite`]; this module only knows builtin codes.
//!
//! Attribute names and values are TensorFlow's (`fused_activation_function = "RELU6"`,
//! `padding = "SAME"`, `stride_h = 2 : i32`), so that an imported model prints like
//! TensorFlow's own importer prints it. Option fields TensorFlow's tfl dialect has no attribute
//! for are either derived from types on export (`CastOptions`, `ShapeOptions.out_type`,
//! `ArgMaxOptions.output_type`, `ReshapeOptions.new_shape`) or, where they change what the
//! runtime computes and differ from the default, kept as discardable `tqopt.*` attributes
//! (`tqopt.pot_scale_int16` of ADD and SUB).

pub mod activation;
pub mod control;
pub mod conv;
pub mod custom;
pub mod elementwise;
pub mod generic;
pub mod image;
pub mod pooling;
pub mod quantization;
pub mod reduction;
pub mod sequence;
pub mod shape;

use std::collections::HashMap;
use std::sync::OnceLock;

use tqopt_ir::{AttrDict, Attribute, Context, OpId, Type};

use crate::schema::tflite::{
    ActivationFunctionType, BuiltinOperator, BuiltinOptions, BuiltinOptionsT, Padding,
};

/// The attributes an import produces: inherent ones (TensorFlow's op attributes, printed as
/// `<{...}>`) and discardable ones (printed as `{...}`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpAttrs {
    pub properties: AttrDict,
    pub attributes: AttrDict,
}

impl OpAttrs {
    pub fn set(&mut self, name: &str, value: Attribute) {
        self.properties.set(name, value);
    }
}

/// Options table -> attributes. Gets `BuiltinOptionsT::NONE` when the operator carries no
/// table, and then uses the schema's defaults.
pub type ImportFn = fn(&BuiltinOptionsT, &mut OpAttrs) -> Result<(), String>;
/// Attributes and types -> options table.
pub type ExportFn = fn(&ExportContext<'_>) -> Result<BuiltinOptionsT, String>;

/// What TFLite knows about one builtin operator beyond the op table, for both directions: its
/// options table and how it converts, and the attributes that stand for tensors of the
/// operator rather than options.
pub struct OpCodec {
    pub code: BuiltinOperator,
    /// The options table the operator carries in a file; `NONE` when it has none.
    pub options: BuiltinOptions,
    /// `None`: the op has no attributes (any table is ignored on import).
    pub import: Option<ImportFn>,
    /// `None`: export writes an empty `options` table (or none for `NONE`).
    pub export: Option<ExportFn>,
    /// Type attributes standing for the operator's `intermediates` tensors, in order: the
    /// importer sets them from the tensors (all or none), the exporter writes a tensor per
    /// attribute present. Empty for operators without intermediates.
    pub intermediates: &'static [&'static str],
    /// The attribute the importer sets to the type of the operator's first output (`qtype` of
    /// QUANTIZE); the exporter writes nothing for it, the result type says the same.
    pub result_type_attr: Option<&'static str>,
    /// The exporter leaves out an absent last input (rather than writing -1), as TensorFlow
    /// does for TRANSPOSE_CONV's bias, which older runtimes do not accept as -1.
    pub omit_absent_last_input: bool,
}

impl OpCodec {
    /// A codec for an op without attributes whose operator carries `options` (maybe `NONE`).
    pub const fn plain(code: BuiltinOperator, options: BuiltinOptions) -> OpCodec {
        OpCodec {
            code,
            options,
            import: None,
            export: None,
            intermediates: &[],
            result_type_attr: None,
            omit_absent_last_input: false,
        }
    }

    /// A codec whose options table tqopt writes from types (no attribute to import).
    pub const fn export_only(
        code: BuiltinOperator,
        options: BuiltinOptions,
        export: ExportFn,
    ) -> OpCodec {
        OpCodec {
            export: Some(export),
            ..OpCodec::plain(code, options)
        }
    }

    /// This codec, with `names` standing for the operator's intermediate tensors.
    pub const fn with_intermediates(self, names: &'static [&'static str]) -> OpCodec {
        OpCodec {
            intermediates: names,
            ..self
        }
    }

    /// This codec, writing no -1 for an absent last input.
    pub const fn omitting_absent_last_input(self) -> OpCodec {
        OpCodec {
            omit_absent_last_input: true,
            ..self
        }
    }

    /// This codec, with attribute `name` taken from the first output's type on import.
    pub const fn with_result_type_attr(self, name: &'static str) -> OpCodec {
        OpCodec {
            result_type_attr: Some(name),
            ..self
        }
    }

    pub const fn new(
        code: BuiltinOperator,
        options: BuiltinOptions,
        import: ImportFn,
        export: ExportFn,
    ) -> OpCodec {
        OpCodec {
            import: Some(import),
            export: Some(export),
            ..OpCodec::plain(code, options)
        }
    }

    /// The attributes of an operator carrying `opts`.
    pub fn import(&self, opts: &BuiltinOptionsT) -> Result<OpAttrs, String> {
        let mut attrs = OpAttrs::default();
        if let Some(f) = self.import {
            let found = opts.builtin_options_type();
            if found != BuiltinOptions::NONE && found != self.options {
                return Err(format!(
                    "carries builtin options {}, but {} takes {}",
                    options_name(found),
                    op_name(self.code),
                    options_name(self.options)
                ));
            }
            f(opts, &mut attrs)?;
        }
        Ok(attrs)
    }

    /// The options table to write for an op.
    pub fn export(&self, cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
        match self.export {
            Some(f) => f(cx),
            None => Ok(empty_options(self.options)),
        }
    }
}

/// What an export function may look at: the op (its attributes, operand and result types)
/// and, for ops with regions, the subgraph indices of the functions their regions call.
pub struct ExportContext<'a> {
    pub ctx: &'a Context,
    pub op: OpId,
    /// For `tfl.while`: [cond, body]; for `tfl.if`: [then, else]. Filled by the exporter.
    pub subgraphs: &'a [i32],
}

impl<'a> ExportContext<'a> {
    pub fn new(ctx: &'a Context, op: OpId) -> ExportContext<'a> {
        ExportContext {
            ctx,
            op,
            subgraphs: &[],
        }
    }

    pub fn attr(&self, name: &str) -> Option<&'a Attribute> {
        self.ctx.op(self.op).attr(name)
    }

    fn required(&self, name: &str) -> Result<&'a Attribute, String> {
        self.attr(name).ok_or_else(|| {
            format!(
                "'{}' has no attribute '{name}'",
                self.ctx.op(self.op).name.as_str()
            )
        })
    }

    fn int(&self, name: &str) -> Result<i64, String> {
        let a = self.required(name)?;
        a.as_int().ok_or_else(|| {
            format!(
                "attribute '{name}' must be an integer, not {}",
                a.kind_name()
            )
        })
    }

    pub fn i32(&self, name: &str) -> Result<i32, String> {
        let v = self.int(name)?;
        i32::try_from(v).map_err(|_| format!("attribute '{name}' = {v} does not fit 32 bits"))
    }

    pub fn i32_or(&self, name: &str, default: i32) -> Result<i32, String> {
        if self.attr(name).is_some() {
            self.i32(name)
        } else {
            Ok(default)
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool, String> {
        let a = self.required(name)?;
        a.as_bool().ok_or_else(|| {
            format!(
                "attribute '{name}' must be a boolean, not {}",
                a.kind_name()
            )
        })
    }

    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, String> {
        if self.attr(name).is_some() {
            self.bool(name)
        } else {
            Ok(default)
        }
    }

    pub fn f32(&self, name: &str) -> Result<f32, String> {
        let a = self.required(name)?;
        a.as_float()
            .map(|v| v as f32)
            .ok_or_else(|| format!("attribute '{name}' must be a float, not {}", a.kind_name()))
    }

    pub fn f32_or(&self, name: &str, default: f32) -> Result<f32, String> {
        if self.attr(name).is_some() {
            self.f32(name)
        } else {
            Ok(default)
        }
    }

    pub fn str(&self, name: &str) -> Result<&'a str, String> {
        let a = self.required(name)?;
        a.as_str()
            .ok_or_else(|| format!("attribute '{name}' must be a string, not {}", a.kind_name()))
    }

    /// `fused_activation_function`.
    pub fn act(&self) -> Result<ActivationFunctionType, String> {
        let name = "fused_activation_function";
        let s = self.str(name)?;
        enum_value(ActivationFunctionType::ENUM_VALUES, s, |v| v.variant_name())
            .ok_or_else(|| format!("attribute '{name}' = \"{s}\" is not a TFLite activation"))
    }

    /// `padding`.
    pub fn padding(&self) -> Result<Padding, String> {
        let s = self.str("padding")?;
        enum_value(Padding::ENUM_VALUES, s, |v| v.variant_name())
            .ok_or_else(|| format!("attribute 'padding' = \"{s}\" is not SAME or VALID"))
    }

    pub fn operand_type(&self, index: usize) -> Result<&'a Type, String> {
        let v = self
            .ctx
            .operand(self.op, index)
            .ok_or_else(|| format!("has no operand #{index}"))?;
        Ok(self.ctx.value_type(v))
    }

    pub fn result_type(&self, index: usize) -> Result<&'a Type, String> {
        let v = self
            .ctx
            .result(self.op, index)
            .ok_or_else(|| format!("has no result #{index}"))?;
        Ok(self.ctx.value_type(v))
    }

    /// The TFLite tensor type of an operand or result type's elements.
    pub fn tflite_type(ty: &Type) -> Result<crate::schema::tflite::TensorType, String> {
        ty.element_type()
            .and_then(crate::types::tensor_type)
            .ok_or_else(|| format!("type '{ty}' has no TFLite tensor type"))
    }
}

/// Finds the enum value whose name is `name`.
pub(crate) fn enum_value<T: Copy>(
    values: &[T],
    name: &str,
    name_of: impl Fn(T) -> Option<&'static str>,
) -> Option<T> {
    values.iter().copied().find(|v| name_of(*v) == Some(name))
}

// ---- attribute builders shared by the families ----

pub(crate) fn i32_attr(v: i32) -> Attribute {
    Attribute::i32(v)
}

pub(crate) fn bool_attr(v: bool) -> Attribute {
    Attribute::Bool(v)
}

pub(crate) fn f32_attr(v: f32) -> Attribute {
    Attribute::f32(v)
}

/// `fused_activation_function = "RELU6"`.
pub(crate) fn act_attr(v: ActivationFunctionType) -> Result<Attribute, String> {
    v.variant_name().map(Attribute::string).ok_or_else(|| {
        format!(
            "fused_activation_function {} is not a TFLite activation",
            v.0
        )
    })
}

/// `padding = "SAME"`.
pub(crate) fn padding_attr(v: Padding) -> Result<Attribute, String> {
    v.variant_name()
        .map(Attribute::string)
        .ok_or_else(|| format!("padding {} is not SAME or VALID", v.0))
}

/// The options table of `opts`, or the schema defaults when the operator carries none. Only
/// called after [`OpCodec::import`] checked the table type.
macro_rules! options_or_default {
    ($opts:expr, $variant:ident) => {
        match $opts {
            $crate::schema::tflite::BuiltinOptionsT::$variant(o) => {
                std::borrow::Cow::Borrowed(&**o)
            }
            _ => std::borrow::Cow::Owned(Default::default()),
        }
    };
}
pub(crate) use options_or_default;

/// The name of a builtin operator (`"CONV_2D"`), or `BuiltinOperator(N)` when the schema has
/// no name for the number.
pub fn op_name(code: BuiltinOperator) -> String {
    code.variant_name()
        .map_or_else(|| format!("BuiltinOperator({})", code.0), str::to_owned)
}

fn options_name(o: BuiltinOptions) -> String {
    o.variant_name()
        .map_or_else(|| format!("BuiltinOptions({})", o.0), str::to_owned)
}

/// An empty options table of the given type, for ops whose table has no fields tqopt keeps.
fn empty_options(o: BuiltinOptions) -> BuiltinOptionsT {
    use BuiltinOptions as B;
    use BuiltinOptionsT as T;
    match o {
        B::PadOptions => T::PadOptions(Default::default()),
        B::PadV2Options => T::PadV2Options(Default::default()),
        B::TransposeOptions => T::TransposeOptions(Default::default()),
        B::ExpOptions => T::ExpOptions(Default::default()),
        B::LogSoftmaxOptions => T::LogSoftmaxOptions(Default::default()),
        B::DequantizeOptions => T::DequantizeOptions(Default::default()),
        B::QuantizeOptions => T::QuantizeOptions(Default::default()),
        B::DensifyOptions => T::DensifyOptions(Default::default()),
        B::MaximumMinimumOptions => T::MaximumMinimumOptions(Default::default()),
        B::TileOptions => T::TileOptions(Default::default()),
        B::LessOptions => T::LessOptions(Default::default()),
        B::LessEqualOptions => T::LessEqualOptions(Default::default()),
        B::GreaterOptions => T::GreaterOptions(Default::default()),
        B::GreaterEqualOptions => T::GreaterEqualOptions(Default::default()),
        B::EqualOptions => T::EqualOptions(Default::default()),
        B::NotEqualOptions => T::NotEqualOptions(Default::default()),
        B::NegOptions => T::NegOptions(Default::default()),
        B::SliceOptions => T::SliceOptions(Default::default()),
        B::ExpandDimsOptions => T::ExpandDimsOptions(Default::default()),
        B::PowOptions => T::PowOptions(Default::default()),
        B::LogicalOrOptions => T::LogicalOrOptions(Default::default()),
        B::LogicalAndOptions => T::LogicalAndOptions(Default::default()),
        B::LogicalNotOptions => T::LogicalNotOptions(Default::default()),
        B::AbsOptions => T::AbsOptions(Default::default()),
        B::HardSwishOptions => T::HardSwishOptions(Default::default()),
        B::SquareOptions => T::SquareOptions(Default::default()),
        B::SquaredDifferenceOptions => T::SquaredDifferenceOptions(Default::default()),
        B::GatherNdOptions => T::GatherNdOptions(Default::default()),
        B::SelectV2Options => T::SelectV2Options(Default::default()),
        B::BroadcastToOptions => T::BroadcastToOptions(Default::default()),
        B::ReverseV2Options => T::ReverseV2Options(Default::default()),
        B::SpaceToBatchNDOptions => T::SpaceToBatchNDOptions(Default::default()),
        B::BatchToSpaceNDOptions => T::BatchToSpaceNDOptions(Default::default()),
        B::FillOptions => T::FillOptions(Default::default()),
        B::RangeOptions => T::RangeOptions(Default::default()),
        B::SelectOptions => T::SelectOptions(Default::default()),
        B::SignOptions => T::SignOptions(Default::default()),
        B::FloorDivOptions => T::FloorDivOptions(Default::default()),
        B::FloorModOptions => T::FloorModOptions(Default::default()),
        B::ZerosLikeOptions => T::ZerosLikeOptions(Default::default()),
        B::AddNOptions => T::AddNOptions(Default::default()),
        B::TopKV2Options => T::TopKV2Options(Default::default()),
        B::DynamicUpdateSliceOptions => T::DynamicUpdateSliceOptions(Default::default()),
        B::WhereOptions => T::WhereOptions(Default::default()),
        B::NonMaxSuppressionV4Options => T::NonMaxSuppressionV4Options(Default::default()),
        B::NonMaxSuppressionV5Options => T::NonMaxSuppressionV5Options(Default::default()),
        _ => T::NONE,
    }
}

/// Every family's codecs.
fn families() -> impl Iterator<Item = &'static OpCodec> {
    [
        activation::CODECS,
        control::CODECS,
        conv::CODECS,
        custom::CODECS,
        elementwise::CODECS,
        image::CODECS,
        pooling::CODECS,
        quantization::CODECS,
        reduction::CODECS,
        sequence::CODECS,
        shape::CODECS,
    ]
    .into_iter()
    .flatten()
}

/// Every registered codec.
pub fn all_codecs() -> impl Iterator<Item = &'static OpCodec> {
    families()
}

/// The codec of a builtin operator, if tqopt converts it.
pub fn codec(code: BuiltinOperator) -> Option<&'static OpCodec> {
    static INDEX: OnceLock<HashMap<i32, &'static OpCodec>> = OnceLock::new();
    INDEX
        .get_or_init(|| families().map(|c| (c.code.0, c)).collect())
        .get(&code.0)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tqopt_ir::dialect::{lookup_tflite, tfl};

    #[test]
    fn codecs_and_op_table_agree() {
        let mut seen = std::collections::HashSet::new();
        for c in all_codecs() {
            assert!(
                seen.insert(c.code.0),
                "{} registered twice",
                op_name(c.code)
            );
            let def = lookup_tflite(c.code.0)
                .unwrap_or_else(|| panic!("{} has no tfl op", op_name(c.code)));
            assert_eq!(def.tflite.unwrap().name, op_name(c.code), "{}", def.name);
        }
        for def in tfl::OPS {
            if let Some(t) = def.tflite {
                assert!(
                    codec(BuiltinOperator(t.code)).is_some(),
                    "{} ({}) has no codec",
                    def.name,
                    t.name
                );
            }
        }
    }

    /// Ops of the table that are no TFLite operator, so have no codec, and why.
    const NO_OPERATOR: &[(&str, &str)] = &[
        (
            "tfl.pseudo_const",
            "a constant tensor with a buffer, not an operator",
        ),
        (
            "tfl.pseudo_qconst",
            "a quantized constant tensor, not an operator",
        ),
        (
            "tfl.pseudo_sparse_const",
            "a sparse constant tensor (sparsity::SparsityParameters)",
        ),
        (
            "tfl.pseudo_sparse_qconst",
            "a quantized sparse constant tensor",
        ),
        ("tfl.no_value", "an absent optional input: tensor index -1"),
        (
            "tfl.yield",
            "a region terminator: the outputs of the region's subgraph",
        ),
        (
            "tfl.builtin",
            "the generic form keeps its operator code and options table itself (ops::generic)",
        ),
    ];

    /// Every op of the table converts in both directions (a codec) or is listed as no TFLite
    /// operator, with the reason.
    #[test]
    fn every_op_has_a_codec_or_a_reason() {
        for def in tfl::OPS {
            let listed = NO_OPERATOR.iter().any(|(n, _)| *n == def.name);
            match def.tflite {
                Some(t) => {
                    assert!(
                        !listed,
                        "{} is a TFLite operator but listed as none",
                        def.name
                    );
                    assert!(
                        codec(BuiltinOperator(t.code)).is_some(),
                        "{} has no codec",
                        def.name
                    );
                }
                None => assert!(
                    listed,
                    "{} has no TFLite operator and no reason in NO_OPERATOR",
                    def.name
                ),
            }
        }
    }

    /// Every attribute an import produces from default options is declared by the op, and
    /// every attribute the op requires is produced.
    #[test]
    fn imported_attributes_match_the_op_table() {
        for c in all_codecs() {
            let def = lookup_tflite(c.code.0).unwrap();
            if def.name == "tfl.custom" {
                continue;
            }
            let attrs = c.import(&BuiltinOptionsT::NONE).unwrap();
            for (name, _) in attrs.properties.iter() {
                assert!(
                    def.attr_def(name).is_some(),
                    "{}: '{name}' is not an attribute of the op",
                    def.name
                );
            }
            for a in def.attrs {
                // qtype (quantize) and the LSTM intermediates come from tensors, not options.
                if a.required && a.name != "qtype" {
                    assert!(
                        attrs.properties.contains(a.name),
                        "{}: '{}' is not produced",
                        def.name,
                        a.name
                    );
                }
            }
        }
    }
}
