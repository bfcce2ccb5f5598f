//! Image ops: RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR, DEPTH_TO_SPACE, SPACE_TO_DEPTH.

use super::{bool_attr, i32_attr, options_or_default, ExportContext, OpAttrs, OpCodec};
use crate::schema::tflite::{
    BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT, DepthToSpaceOptionsT,
    ResizeBilinearOptionsT, ResizeNearestNeighborOptionsT, SpaceToDepthOptionsT,
};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::new(
        Op::RESIZE_BILINEAR,
        O::ResizeBilinearOptions,
        import_resize_bilinear,
        export_resize_bilinear,
    ),
    OpCodec::new(
        Op::RESIZE_NEAREST_NEIGHBOR,
        O::ResizeNearestNeighborOptions,
        import_resize_nearest,
        export_resize_nearest,
    ),
    OpCodec::new(
        Op::DEPTH_TO_SPACE,
        O::DepthToSpaceOptions,
        import_depth_to_space,
        export_depth_to_space,
    ),
    OpCodec::new(
        Op::SPACE_TO_DEPTH,
        O::SpaceToDepthOptions,
        import_space_to_depth,
        export_space_to_depth,
    ),
];

fn import_resize_bilinear(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, ResizeBilinearOptions);
    a.set("align_corners", bool_attr(o.align_corners));
    a.set("half_pixel_centers", bool_attr(o.half_pixel_centers));
    Ok(())
}

fn export_resize_bilinear(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::ResizeBilinearOptions(Box::new(
        ResizeBilinearOptionsT {
            align_corners: cx.bool("align_corners")?,
            half_pixel_centers: cx.bool_or("half_pixel_centers", false)?,
            ..Default::default()
        },
    )))
}

fn import_resize_nearest(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, ResizeNearestNeighborOptions);
    a.set("align_corners", bool_attr(o.align_corners));
    a.set("half_pixel_centers", bool_attr(o.half_pixel_centers));
    Ok(())
}

fn export_resize_nearest(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::ResizeNearestNeighborOptions(Box::new(
        ResizeNearestNeighborOptionsT {
            align_corners: cx.bool("align_corners")?,
            half_pixel_centers: cx.bool_or("half_pixel_centers", false)?,
        },
    )))
}

fn import_depth_to_space(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, DepthToSpaceOptions);
    a.set("block_size", i32_attr(o.block_size));
    Ok(())
}

fn export_depth_to_space(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::DepthToSpaceOptions(Box::new(
        DepthToSpaceOptionsT {
            block_size: cx.i32("block_size")?,
        },
    )))
}

fn import_space_to_depth(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, SpaceToDepthOptions);
    a.set("block_size", i32_attr(o.block_size));
    Ok(())
}

fn export_space_to_depth(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::SpaceToDepthOptions(Box::new(
        SpaceToDepthOptionsT {
            block_size: cx.i32("block_size")?,
        },
    )))
}
