//! Element-wise arithmetic, comparisons, logic and math: ADD SUB MUL DIV SQUARED_DIFFERENCE
//! MAXIMUM MINIMUM POW, LESS LESS_EQUAL GREATER GREATER_EQUAL EQUAL NOT_EQUAL, LOGICAL_AND
//! LOGICAL_OR LOGICAL_NOT, SELECT_V2 SELECT, EXP LOG SQRT RSQRT NEG ABS SQUARE, FLOOR CEIL ROUND
//! SIN COS SIGN FLOOR_DIV FLOOR_MOD ATAN2 ZEROS_LIKE ADD_N, ONE_HOT, CAST.

use super::{act_attr, options_or_default, ExportContext, OpAttrs, OpCodec};
use crate::schema::tflite::{
    AddOptionsT, BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT, CastOptionsT,
    DivOptionsT, MulOptionsT, OneHotOptionsT, SubOptionsT,
};
use tqopt_ir::Attribute;

/// The attribute keeping `pot_scale_int16 = false` of ADD and SUB (the default `true` is not
/// written); re-exported here for the callers that named it in this module.
pub use crate::names::POT_SCALE_INT16;

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::new(Op::ADD, O::AddOptions, import_add, export_add),
    OpCodec::new(Op::SUB, O::SubOptions, import_sub, export_sub),
    OpCodec::new(Op::MUL, O::MulOptions, import_mul, export_mul),
    OpCodec::new(Op::DIV, O::DivOptions, import_div, export_div),
    OpCodec::plain(Op::SQUARED_DIFFERENCE, O::SquaredDifferenceOptions),
    OpCodec::plain(Op::MAXIMUM, O::MaximumMinimumOptions),
    OpCodec::plain(Op::MINIMUM, O::MaximumMinimumOptions),
    OpCodec::plain(Op::POW, O::PowOptions),
    OpCodec::plain(Op::LESS, O::LessOptions),
    OpCodec::plain(Op::LESS_EQUAL, O::LessEqualOptions),
    OpCodec::plain(Op::GREATER, O::GreaterOptions),
    OpCodec::plain(Op::GREATER_EQUAL, O::GreaterEqualOptions),
    OpCodec::plain(Op::EQUAL, O::EqualOptions),
    OpCodec::plain(Op::NOT_EQUAL, O::NotEqualOptions),
    OpCodec::plain(Op::LOGICAL_AND, O::LogicalAndOptions),
    OpCodec::plain(Op::LOGICAL_OR, O::LogicalOrOptions),
    OpCodec::plain(Op::LOGICAL_NOT, O::LogicalNotOptions),
    OpCodec::plain(Op::SELECT_V2, O::SelectV2Options),
    OpCodec::plain(Op::EXP, O::ExpOptions),
    OpCodec::plain(Op::LOG, O::NONE),
    OpCodec::plain(Op::SQRT, O::NONE),
    OpCodec::plain(Op::RSQRT, O::NONE),
    OpCodec::plain(Op::NEG, O::NegOptions),
    OpCodec::plain(Op::ABS, O::AbsOptions),
    OpCodec::plain(Op::SQUARE, O::SquareOptions),
    OpCodec::plain(Op::SELECT, O::SelectOptions),
    OpCodec::plain(Op::FLOOR, O::NONE),
    OpCodec::plain(Op::CEIL, O::NONE),
    OpCodec::plain(Op::ROUND, O::NONE),
    OpCodec::plain(Op::SIN, O::NONE),
    OpCodec::plain(Op::COS, O::NONE),
    OpCodec::plain(Op::SIGN, O::SignOptions),
    OpCodec::plain(Op::FLOOR_DIV, O::FloorDivOptions),
    OpCodec::plain(Op::FLOOR_MOD, O::FloorModOptions),
    OpCodec::plain(Op::ATAN2, O::NONE),
    OpCodec::plain(Op::ZEROS_LIKE, O::ZerosLikeOptions),
    OpCodec::plain(Op::ADD_N, O::AddNOptions),
    OpCodec::new(
        Op::ONE_HOT,
        O::OneHotOptions,
        import_one_hot,
        export_one_hot,
    ),
    OpCodec::export_only(Op::CAST, O::CastOptions, export_cast),
];

fn import_add(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, AddOptions);
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    if !o.pot_scale_int16 {
        a.attributes.set(POT_SCALE_INT16, Attribute::Bool(false));
    }
    Ok(())
}

fn pot_scale_int16(cx: &ExportContext<'_>) -> Result<bool, String> {
    match cx.attr(POT_SCALE_INT16) {
        None => Ok(true),
        Some(a) => a
            .as_bool()
            .ok_or_else(|| format!("attribute '{POT_SCALE_INT16}' must be a boolean")),
    }
}

fn export_add(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::AddOptions(Box::new(AddOptionsT {
        fused_activation_function: cx.act()?,
        pot_scale_int16: pot_scale_int16(cx)?,
    })))
}

fn import_sub(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, SubOptions);
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    if !o.pot_scale_int16 {
        a.attributes.set(POT_SCALE_INT16, Attribute::Bool(false));
    }
    Ok(())
}

fn export_sub(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::SubOptions(Box::new(SubOptionsT {
        fused_activation_function: cx.act()?,
        pot_scale_int16: pot_scale_int16(cx)?,
    })))
}

fn import_mul(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, MulOptions);
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    Ok(())
}

fn export_mul(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::MulOptions(Box::new(MulOptionsT {
        fused_activation_function: cx.act()?,
    })))
}

fn import_div(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, DivOptions);
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    Ok(())
}

fn export_div(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::DivOptions(Box::new(DivOptionsT {
        fused_activation_function: cx.act()?,
    })))
}

/// `tfl.cast` has no attributes; the table states the operand and result element types.
fn export_cast(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::CastOptions(Box::new(CastOptionsT {
        in_data_type: ExportContext::tflite_type(cx.operand_type(0)?)?,
        out_data_type: ExportContext::tflite_type(cx.result_type(0)?)?,
    })))
}

fn import_one_hot(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, OneHotOptions);
    a.set("axis", Attribute::i32(o.axis));
    Ok(())
}

fn export_one_hot(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::OneHotOptions(Box::new(OneHotOptionsT {
        axis: cx.i32("axis")?,
    })))
}
