//! Reductions and scans: MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD REDUCE_ANY REDUCE_ALL,
//! ARG_MAX ARG_MIN, TOPK_V2, CUMSUM, and the selections NON_MAX_SUPPRESSION_V4 and _V5.

use super::{bool_attr, options_or_default, ExportContext, OpAttrs, OpCodec};
use crate::schema::tflite::{
    ArgMaxOptionsT, ArgMinOptionsT, BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT,
    CumsumOptionsT, ReducerOptionsT,
};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::new(
        Op::REDUCE_ANY,
        O::ReducerOptions,
        import_reducer,
        export_reducer,
    ),
    OpCodec::new(
        Op::REDUCE_ALL,
        O::ReducerOptions,
        import_reducer,
        export_reducer,
    ),
    OpCodec::plain(Op::TOPK_V2, O::TopKV2Options),
    OpCodec::plain(Op::NON_MAX_SUPPRESSION_V4, O::NonMaxSuppressionV4Options),
    OpCodec::plain(Op::NON_MAX_SUPPRESSION_V5, O::NonMaxSuppressionV5Options),
    OpCodec::new(Op::MEAN, O::ReducerOptions, import_reducer, export_reducer),
    OpCodec::new(Op::SUM, O::ReducerOptions, import_reducer, export_reducer),
    OpCodec::new(
        Op::REDUCE_MAX,
        O::ReducerOptions,
        import_reducer,
        export_reducer,
    ),
    OpCodec::new(
        Op::REDUCE_MIN,
        O::ReducerOptions,
        import_reducer,
        export_reducer,
    ),
    OpCodec::new(
        Op::REDUCE_PROD,
        O::ReducerOptions,
        import_reducer,
        export_reducer,
    ),
    OpCodec::export_only(Op::ARG_MAX, O::ArgMaxOptions, export_arg_max),
    OpCodec::export_only(Op::ARG_MIN, O::ArgMinOptions, export_arg_min),
    OpCodec::new(Op::CUMSUM, O::CumsumOptions, import_cumsum, export_cumsum),
];

fn import_reducer(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, ReducerOptions);
    a.set("keep_dims", bool_attr(o.keep_dims));
    Ok(())
}

fn export_reducer(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::ReducerOptions(Box::new(ReducerOptionsT {
        keep_dims: cx.bool("keep_dims")?,
    })))
}

/// `tfl.arg_max` has no attributes: the table's output type is the result's element type.
fn export_arg_max(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let output_type = ExportContext::tflite_type(cx.result_type(0)?)?;
    Ok(BuiltinOptionsT::ArgMaxOptions(Box::new(ArgMaxOptionsT {
        output_type,
    })))
}

fn export_arg_min(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let output_type = ExportContext::tflite_type(cx.result_type(0)?)?;
    Ok(BuiltinOptionsT::ArgMinOptions(Box::new(ArgMinOptionsT {
        output_type,
    })))
}

fn import_cumsum(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, CumsumOptions);
    a.set("exclusive", bool_attr(o.exclusive));
    a.set("reverse", bool_attr(o.reverse));
    Ok(())
}

fn export_cumsum(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::CumsumOptions(Box::new(CumsumOptionsT {
        exclusive: cx.bool_or("exclusive", false)?,
        reverse: cx.bool_or("reverse", false)?,
    })))
}
