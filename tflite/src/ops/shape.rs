//! Shape manipulation: RESHAPE SQUEEZE EXPAND_DIMS TRANSPOSE CONCATENATION PACK UNPACK SPLIT
//! SPLIT_V SLICE STRIDED_SLICE GATHER GATHER_ND PAD PADV2 MIRROR_PAD TILE BROADCAST_TO SHAPE,
//! REVERSE_V2 SPACE_TO_BATCH_ND BATCH_TO_SPACE_ND FILL RANGE DYNAMIC_UPDATE_SLICE BROADCAST_ARGS
//! WHERE.

use std::sync::Arc;

use super::{act_attr, bool_attr, i32_attr, options_or_default, ExportContext, OpAttrs, OpCodec};
use crate::schema::tflite::{
    BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT, ConcatenationOptionsT,
    GatherOptionsT, MirrorPadMode, MirrorPadOptionsT, PackOptionsT, ReshapeOptionsT, ShapeOptionsT,
    SplitOptionsT, SplitVOptionsT, SqueezeOptionsT, StridedSliceOptionsT, UnpackOptionsT,
};
use tqopt_ir::{Attribute, OpaqueAttr};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::plain(Op::REVERSE_V2, O::ReverseV2Options),
    OpCodec::plain(Op::SPACE_TO_BATCH_ND, O::SpaceToBatchNDOptions),
    OpCodec::plain(Op::BATCH_TO_SPACE_ND, O::BatchToSpaceNDOptions),
    OpCodec::plain(Op::FILL, O::FillOptions),
    OpCodec::plain(Op::RANGE, O::RangeOptions),
    OpCodec::plain(Op::DYNAMIC_UPDATE_SLICE, O::DynamicUpdateSliceOptions),
    OpCodec::plain(Op::BROADCAST_ARGS, O::NONE),
    OpCodec::plain(Op::WHERE, O::WhereOptions),
    // The new shape is an operand in TensorFlow's tfl.reshape; the importer turns a
    // one-input RESHAPE's `new_shape` option into a constant operand.
    OpCodec::export_only(Op::RESHAPE, O::ReshapeOptions, export_reshape),
    OpCodec::new(
        Op::SQUEEZE,
        O::SqueezeOptions,
        import_squeeze,
        export_squeeze,
    ),
    OpCodec::plain(Op::EXPAND_DIMS, O::ExpandDimsOptions),
    OpCodec::plain(Op::TRANSPOSE, O::TransposeOptions),
    OpCodec::new(
        Op::CONCATENATION,
        O::ConcatenationOptions,
        import_concatenation,
        export_concatenation,
    ),
    OpCodec::new(Op::PACK, O::PackOptions, import_pack, export_pack),
    OpCodec::new(Op::UNPACK, O::UnpackOptions, import_unpack, export_unpack),
    OpCodec::new(Op::SPLIT, O::SplitOptions, import_split, export_split),
    OpCodec::new(
        Op::SPLIT_V,
        O::SplitVOptions,
        import_split_v,
        export_split_v,
    ),
    OpCodec::plain(Op::SLICE, O::SliceOptions),
    OpCodec::new(
        Op::STRIDED_SLICE,
        O::StridedSliceOptions,
        import_strided_slice,
        export_strided_slice,
    ),
    OpCodec::new(Op::GATHER, O::GatherOptions, import_gather, export_gather),
    OpCodec::plain(Op::GATHER_ND, O::GatherNdOptions),
    OpCodec::plain(Op::PAD, O::PadOptions),
    OpCodec::plain(Op::PADV2, O::PadV2Options),
    OpCodec::new(
        Op::MIRROR_PAD,
        O::MirrorPadOptions,
        import_mirror_pad,
        export_mirror_pad,
    ),
    OpCodec::plain(Op::TILE, O::TileOptions),
    OpCodec::plain(Op::BROADCAST_TO, O::BroadcastToOptions),
    OpCodec::export_only(Op::SHAPE, O::ShapeOptions, export_shape),
];

/// `new_shape` is the result's shape when it is fully static (LiteRT reads the shape operand
/// otherwise).
fn export_reshape(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let new_shape = cx
        .result_type(0)?
        .as_tensor()
        .filter(|t| t.has_static_shape())
        .map(|t| t.shape.iter().map(|&d| d as i32).collect());
    Ok(BuiltinOptionsT::ReshapeOptions(Box::new(ReshapeOptionsT {
        new_shape,
    })))
}

fn import_squeeze(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, SqueezeOptions);
    let dims = o
        .squeeze_dims
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|&d| Attribute::i64(d as i64))
        .collect();
    a.set("squeeze_dims", Attribute::Array(dims));
    Ok(())
}

fn export_squeeze(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let dims = match cx.attr("squeeze_dims") {
        None => Vec::new(),
        Some(a) => a
            .as_array()
            .ok_or("attribute 'squeeze_dims' must be an array")?
            .iter()
            .map(|d| {
                d.as_int()
                    .map(|v| v as i32)
                    .ok_or("attribute 'squeeze_dims' must hold integers")
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(BuiltinOptionsT::SqueezeOptions(Box::new(SqueezeOptionsT {
        squeeze_dims: Some(dims),
    })))
}

fn import_concatenation(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, ConcatenationOptions);
    a.set("axis", i32_attr(o.axis));
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    Ok(())
}

fn export_concatenation(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::ConcatenationOptions(Box::new(
        ConcatenationOptionsT {
            axis: cx.i32("axis")?,
            fused_activation_function: cx.act()?,
        },
    )))
}

fn import_pack(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, PackOptions);
    a.set("axis", i32_attr(o.axis));
    a.set("values_count", i32_attr(o.values_count));
    Ok(())
}

fn export_pack(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::PackOptions(Box::new(PackOptionsT {
        values_count: cx.i32("values_count")?,
        axis: cx.i32("axis")?,
    })))
}

fn import_unpack(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, UnpackOptions);
    a.set("axis", i32_attr(o.axis));
    a.set("num", i32_attr(o.num));
    Ok(())
}

fn export_unpack(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::UnpackOptions(Box::new(UnpackOptionsT {
        num: cx.i32("num")?,
        axis: cx.i32("axis")?,
    })))
}

fn import_split(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, SplitOptions);
    a.set("num_splits", i32_attr(o.num_splits));
    Ok(())
}

fn export_split(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::SplitOptions(Box::new(SplitOptionsT {
        num_splits: cx.i32("num_splits")?,
    })))
}

fn import_split_v(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, SplitVOptions);
    a.set("num_splits", i32_attr(o.num_splits));
    Ok(())
}

fn export_split_v(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::SplitVOptions(Box::new(SplitVOptionsT {
        num_splits: cx.i32("num_splits")?,
    })))
}

fn import_strided_slice(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, StridedSliceOptions);
    a.set("begin_mask", i32_attr(o.begin_mask));
    a.set("ellipsis_mask", i32_attr(o.ellipsis_mask));
    a.set("end_mask", i32_attr(o.end_mask));
    a.set("new_axis_mask", i32_attr(o.new_axis_mask));
    a.set("offset", bool_attr(o.offset));
    a.set("shrink_axis_mask", i32_attr(o.shrink_axis_mask));
    Ok(())
}

fn export_strided_slice(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::StridedSliceOptions(Box::new(
        StridedSliceOptionsT {
            begin_mask: cx.i32("begin_mask")?,
            end_mask: cx.i32("end_mask")?,
            ellipsis_mask: cx.i32("ellipsis_mask")?,
            new_axis_mask: cx.i32("new_axis_mask")?,
            shrink_axis_mask: cx.i32("shrink_axis_mask")?,
            offset: cx.bool_or("offset", false)?,
        },
    )))
}

fn import_gather(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, GatherOptions);
    a.set("axis", i32_attr(o.axis));
    a.set("batch_dims", i32_attr(o.batch_dims));
    Ok(())
}

fn export_gather(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::GatherOptions(Box::new(GatherOptionsT {
        axis: cx.i32("axis")?,
        batch_dims: cx.i32_or("batch_dims", 0)?,
    })))
}

/// `mode = #tfl<mirror_pad_attr REFLECT>`, as TensorFlow prints it.
pub fn mirror_pad_mode_attr(mode: &str) -> Attribute {
    Attribute::Opaque(OpaqueAttr {
        dialect: Arc::from("tfl"),
        mnemonic: None,
        body: Some(Arc::from(format!("mirror_pad_attr {mode}"))),
    })
}

fn import_mirror_pad(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, MirrorPadOptions);
    let mode = o
        .mode
        .variant_name()
        .ok_or_else(|| format!("mirror pad mode {} is unknown", o.mode.0))?;
    a.set("mode", mirror_pad_mode_attr(mode));
    Ok(())
}

fn export_mirror_pad(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let bad = || "attribute 'mode' must be #tfl<mirror_pad_attr REFLECT|SYMMETRIC>".to_string();
    let body = match cx.attr("mode") {
        Some(Attribute::Opaque(o)) => o.body.as_deref().ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    let name = body
        .trim()
        .strip_prefix("mirror_pad_attr")
        .ok_or_else(bad)?
        .trim();
    let mode = super::enum_value(MirrorPadMode::ENUM_VALUES, name, |v| v.variant_name())
        .ok_or_else(bad)?;
    Ok(BuiltinOptionsT::MirrorPadOptions(Box::new(
        MirrorPadOptionsT { mode },
    )))
}

/// `tfl.shape` has no attributes: the table's output type is the result's element type.
fn export_shape(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let out_type = ExportContext::tflite_type(cx.result_type(0)?)?;
    Ok(BuiltinOptionsT::ShapeOptions(Box::new(ShapeOptionsT {
        out_type,
    })))
}
