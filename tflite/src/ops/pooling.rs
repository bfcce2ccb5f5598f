//! Pooling and normalization: AVERAGE_POOL_2D, MAX_POOL_2D, L2_NORMALIZATION,
//! LOCAL_RESPONSE_NORMALIZATION.

use super::{
    act_attr, f32_attr, i32_attr, options_or_default, padding_attr, ExportContext, OpAttrs, OpCodec,
};
use crate::schema::tflite::{
    BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT, L2NormOptionsT,
    LocalResponseNormalizationOptionsT, Pool2DOptionsT,
};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::new(
        Op::LOCAL_RESPONSE_NORMALIZATION,
        O::LocalResponseNormalizationOptions,
        import_lrn,
        export_lrn,
    ),
    OpCodec::new(
        Op::AVERAGE_POOL_2D,
        O::Pool2DOptions,
        import_pool,
        export_pool,
    ),
    OpCodec::new(Op::MAX_POOL_2D, O::Pool2DOptions, import_pool, export_pool),
    OpCodec::new(
        Op::L2_NORMALIZATION,
        O::L2NormOptions,
        import_l2_norm,
        export_l2_norm,
    ),
];

fn import_pool(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, Pool2DOptions);
    a.set("filter_height", i32_attr(o.filter_height));
    a.set("filter_width", i32_attr(o.filter_width));
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    a.set("padding", padding_attr(o.padding)?);
    a.set("stride_h", i32_attr(o.stride_h));
    a.set("stride_w", i32_attr(o.stride_w));
    Ok(())
}

fn export_pool(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::Pool2DOptions(Box::new(Pool2DOptionsT {
        padding: cx.padding()?,
        stride_w: cx.i32("stride_w")?,
        stride_h: cx.i32("stride_h")?,
        filter_width: cx.i32("filter_width")?,
        filter_height: cx.i32("filter_height")?,
        fused_activation_function: cx.act()?,
    })))
}

fn import_l2_norm(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, L2NormOptions);
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    Ok(())
}

fn export_l2_norm(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::L2NormOptions(Box::new(L2NormOptionsT {
        fused_activation_function: cx.act()?,
    })))
}

fn import_lrn(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, LocalResponseNormalizationOptions);
    a.set("radius", i32_attr(o.radius));
    a.set("bias", f32_attr(o.bias));
    a.set("alpha", f32_attr(o.alpha));
    a.set("beta", f32_attr(o.beta));
    Ok(())
}

fn export_lrn(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::LocalResponseNormalizationOptions(
        Box::new(LocalResponseNormalizationOptionsT {
            radius: cx.i32("radius")?,
            bias: cx.f32("bias")?,
            alpha: cx.f32("alpha")?,
            beta: cx.f32("beta")?,
        }),
    ))
}
