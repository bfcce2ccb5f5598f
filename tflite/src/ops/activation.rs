//! Activations: SOFTMAX, LOG_SOFTMAX, LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU,
//! PRELU, HARD_SWISH, GELU, ELU.

use super::{bool_attr, f32_attr, options_or_default, ExportContext, OpAttrs, OpCodec};
use crate::schema::tflite::{
    BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT, GeluOptionsT, LeakyReluOptionsT,
    SoftmaxOptionsT,
};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::new(
        Op::SOFTMAX,
        O::SoftmaxOptions,
        import_softmax,
        export_softmax,
    ),
    OpCodec::plain(Op::LOG_SOFTMAX, O::LogSoftmaxOptions),
    OpCodec::plain(Op::LOGISTIC, O::NONE),
    OpCodec::plain(Op::TANH, O::NONE),
    OpCodec::plain(Op::RELU, O::NONE),
    OpCodec::plain(Op::RELU6, O::NONE),
    OpCodec::plain(Op::RELU_N1_TO_1, O::NONE),
    OpCodec::new(
        Op::LEAKY_RELU,
        O::LeakyReluOptions,
        import_leaky_relu,
        export_leaky_relu,
    ),
    OpCodec::plain(Op::PRELU, O::NONE),
    OpCodec::plain(Op::HARD_SWISH, O::HardSwishOptions),
    OpCodec::new(Op::GELU, O::GeluOptions, import_gelu, export_gelu),
    OpCodec::plain(Op::ELU, O::NONE),
];

fn import_softmax(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, SoftmaxOptions);
    a.set("beta", f32_attr(o.beta));
    Ok(())
}

fn export_softmax(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::SoftmaxOptions(Box::new(SoftmaxOptionsT {
        beta: cx.f32("beta")?,
    })))
}

fn import_leaky_relu(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, LeakyReluOptions);
    a.set("alpha", f32_attr(o.alpha));
    Ok(())
}

fn export_leaky_relu(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::LeakyReluOptions(Box::new(
        LeakyReluOptionsT {
            alpha: cx.f32("alpha")?,
        },
    )))
}

fn import_gelu(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, GeluOptions);
    a.set("approximate", bool_attr(o.approximate));
    Ok(())
}

fn export_gelu(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::GeluOptions(Box::new(GeluOptionsT {
        approximate: cx.bool_or("approximate", false)?,
    })))
}
