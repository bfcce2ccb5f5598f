//! Convolutions and matrix products: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, CONV_3D,
//! FULLY_CONNECTED, BATCH_MATMUL.

use super::{
    act_attr, bool_attr, enum_value, i32_attr, options_or_default, padding_attr, ExportContext,
    OpAttrs, OpCodec,
};
use crate::schema::tflite::{
    BatchMatMulOptionsT, BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT,
    Conv2DOptionsT, Conv3DOptionsT, DepthwiseConv2DOptionsT, FullyConnectedOptionsT,
    FullyConnectedOptionsWeightsFormat, TensorType, TransposeConvOptionsT,
};
use tqopt_ir::dialect::tfl_versions;

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::new(
        Op::CONV_2D,
        O::Conv2DOptions,
        import_conv_2d,
        export_conv_2d,
    ),
    OpCodec::new(
        Op::DEPTHWISE_CONV_2D,
        O::DepthwiseConv2DOptions,
        import_depthwise,
        export_depthwise,
    ),
    OpCodec::new(
        Op::TRANSPOSE_CONV,
        O::TransposeConvOptions,
        import_transpose_conv,
        export_transpose_conv,
    )
    // No bias input rather than -1, as TensorFlow writes it, for older runtimes.
    .omitting_absent_last_input(),
    OpCodec::new(
        Op::CONV_3D,
        O::Conv3DOptions,
        import_conv_3d,
        export_conv_3d,
    ),
    OpCodec::new(
        Op::FULLY_CONNECTED,
        O::FullyConnectedOptions,
        import_fully_connected,
        export_fully_connected,
    ),
    OpCodec::new(
        Op::BATCH_MATMUL,
        O::BatchMatMulOptions,
        import_batch_matmul,
        export_batch_matmul,
    ),
];

fn import_conv_2d(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, Conv2DOptions);
    a.set("dilation_h_factor", i32_attr(o.dilation_h_factor));
    a.set("dilation_w_factor", i32_attr(o.dilation_w_factor));
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    a.set("padding", padding_attr(o.padding)?);
    a.set("stride_h", i32_attr(o.stride_h));
    a.set("stride_w", i32_attr(o.stride_w));
    Ok(())
}

/// `quantized_bias_type`: INT32 for a 16x8 op with an int32 bias, which LiteRT's kernel would
/// otherwise read as int64; unset (FLOAT32) otherwise.
fn quantized_bias_type(cx: &ExportContext<'_>) -> TensorType {
    if tfl_versions::states_int32_bias(cx.ctx, cx.op) {
        TensorType::INT32
    } else {
        TensorType::FLOAT32
    }
}

fn export_conv_2d(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::Conv2DOptions(Box::new(Conv2DOptionsT {
        quantized_bias_type: quantized_bias_type(cx),
        padding: cx.padding()?,
        stride_w: cx.i32("stride_w")?,
        stride_h: cx.i32("stride_h")?,
        fused_activation_function: cx.act()?,
        dilation_w_factor: cx.i32_or("dilation_w_factor", 1)?,
        dilation_h_factor: cx.i32_or("dilation_h_factor", 1)?,
        ..Default::default()
    })))
}

fn import_conv_3d(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, Conv3DOptions);
    a.set("dilation_d_factor", i32_attr(o.dilation_d_factor));
    a.set("dilation_h_factor", i32_attr(o.dilation_h_factor));
    a.set("dilation_w_factor", i32_attr(o.dilation_w_factor));
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    a.set("padding", padding_attr(o.padding)?);
    a.set("stride_d", i32_attr(o.stride_d));
    a.set("stride_h", i32_attr(o.stride_h));
    a.set("stride_w", i32_attr(o.stride_w));
    Ok(())
}

fn export_conv_3d(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::Conv3DOptions(Box::new(Conv3DOptionsT {
        padding: cx.padding()?,
        stride_d: cx.i32("stride_d")?,
        stride_w: cx.i32("stride_w")?,
        stride_h: cx.i32("stride_h")?,
        fused_activation_function: cx.act()?,
        dilation_d_factor: cx.i32_or("dilation_d_factor", 1)?,
        dilation_w_factor: cx.i32_or("dilation_w_factor", 1)?,
        dilation_h_factor: cx.i32_or("dilation_h_factor", 1)?,
    })))
}

fn import_depthwise(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, DepthwiseConv2DOptions);
    a.set("depth_multiplier", i32_attr(o.depth_multiplier));
    a.set("dilation_h_factor", i32_attr(o.dilation_h_factor));
    a.set("dilation_w_factor", i32_attr(o.dilation_w_factor));
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    a.set("padding", padding_attr(o.padding)?);
    a.set("stride_h", i32_attr(o.stride_h));
    a.set("stride_w", i32_attr(o.stride_w));
    Ok(())
}

fn export_depthwise(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::DepthwiseConv2DOptions(Box::new(
        DepthwiseConv2DOptionsT {
            padding: cx.padding()?,
            stride_w: cx.i32("stride_w")?,
            stride_h: cx.i32("stride_h")?,
            depth_multiplier: cx.i32("depth_multiplier")?,
            fused_activation_function: cx.act()?,
            dilation_w_factor: cx.i32_or("dilation_w_factor", 1)?,
            dilation_h_factor: cx.i32_or("dilation_h_factor", 1)?,
        },
    )))
}

fn import_transpose_conv(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, TransposeConvOptions);
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    a.set("padding", padding_attr(o.padding)?);
    a.set("stride_h", i32_attr(o.stride_h));
    a.set("stride_w", i32_attr(o.stride_w));
    Ok(())
}

fn export_transpose_conv(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::TransposeConvOptions(Box::new(
        TransposeConvOptionsT {
            quantized_bias_type: quantized_bias_type(cx),
            padding: cx.padding()?,
            stride_w: cx.i32("stride_w")?,
            stride_h: cx.i32("stride_h")?,
            fused_activation_function: cx.act()?,
            ..Default::default()
        },
    )))
}

fn import_fully_connected(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, FullyConnectedOptions);
    a.set(
        "asymmetric_quantize_inputs",
        bool_attr(o.asymmetric_quantize_inputs),
    );
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    a.set("keep_num_dims", bool_attr(o.keep_num_dims));
    let format = o
        .weights_format
        .variant_name()
        .ok_or_else(|| format!("weights_format {} is unknown", o.weights_format.0))?;
    a.set("weights_format", tqopt_ir::Attribute::string(format));
    Ok(())
}

fn export_fully_connected(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let format = cx.str("weights_format")?;
    let weights_format = enum_value(
        FullyConnectedOptionsWeightsFormat::ENUM_VALUES,
        format,
        |v| v.variant_name(),
    )
    .ok_or_else(|| {
        format!("attribute 'weights_format' = \"{format}\" is not a TFLite weights format")
    })?;
    Ok(BuiltinOptionsT::FullyConnectedOptions(Box::new(
        FullyConnectedOptionsT {
            quantized_bias_type: quantized_bias_type(cx),
            fused_activation_function: cx.act()?,
            weights_format,
            keep_num_dims: cx.bool_or("keep_num_dims", false)?,
            asymmetric_quantize_inputs: cx.bool_or("asymmetric_quantize_inputs", false)?,
            ..Default::default()
        },
    )))
}

fn import_batch_matmul(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, BatchMatMulOptions);
    a.set("adj_x", bool_attr(o.adj_x));
    a.set("adj_y", bool_attr(o.adj_y));
    a.set(
        "asymmetric_quantize_inputs",
        bool_attr(o.asymmetric_quantize_inputs),
    );
    Ok(())
}

fn export_batch_matmul(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::BatchMatMulOptions(Box::new(
        BatchMatMulOptionsT {
            adj_x: cx.bool_or("adj_x", false)?,
            adj_y: cx.bool_or("adj_y", false)?,
            asymmetric_quantize_inputs: cx.bool_or("asymmetric_quantize_inputs", false)?,
        },
    )))
}
