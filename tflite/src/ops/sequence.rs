//! Sequences and lookups: UNIDIRECTIONAL_SEQUENCE_LSTM, EMBEDDING_LOOKUP, REVERSE_SEQUENCE.
//!
//! The LSTM's five optional intermediate tensors (which only carry quantization ranges) become
//! the type attributes `input_to_input_intermediate` ... `effective_hidden_scale_intermediate`;
//! the codec lists them (`OpCodec::intermediates`), so that the importer sets them from the
//! operator's `intermediates` and the exporter writes them back.

use super::{act_attr, bool_attr, f32_attr, options_or_default, ExportContext, OpAttrs, OpCodec};
use crate::schema::tflite::{
    BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT, ReverseSequenceOptionsT,
    UnidirectionalSequenceLSTMOptionsT,
};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::new(
        Op::UNIDIRECTIONAL_SEQUENCE_LSTM,
        O::UnidirectionalSequenceLSTMOptions,
        import_lstm,
        export_lstm,
    )
    .with_intermediates(&LSTM_INTERMEDIATES),
    OpCodec::plain(Op::EMBEDDING_LOOKUP, O::NONE),
    OpCodec::new(
        Op::REVERSE_SEQUENCE,
        O::ReverseSequenceOptions,
        import_reverse_sequence,
        export_reverse_sequence,
    ),
];

/// `seq_dim` and `batch_dim`, i64 attributes as in TensorFlow's tfl dialect.
fn import_reverse_sequence(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, ReverseSequenceOptions);
    a.set("seq_dim", tqopt_ir::Attribute::i64(o.seq_dim as i64));
    a.set("batch_dim", tqopt_ir::Attribute::i64(o.batch_dim as i64));
    Ok(())
}

fn export_reverse_sequence(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let o = ReverseSequenceOptionsT {
        seq_dim: cx.i32("seq_dim")?,
        batch_dim: cx.i32("batch_dim")?,
    };
    Ok(BuiltinOptionsT::ReverseSequenceOptions(Box::new(o)))
}

/// The type attributes standing for the LSTM's intermediate tensors, in operator order.
pub const LSTM_INTERMEDIATES: [&str; 5] = [
    "input_to_input_intermediate",
    "input_to_forget_intermediate",
    "input_to_cell_intermediate",
    "input_to_output_intermediate",
    "effective_hidden_scale_intermediate",
];

fn import_lstm(opts: &BuiltinOptionsT, a: &mut OpAttrs) -> Result<(), String> {
    let o = options_or_default!(opts, UnidirectionalSequenceLSTMOptions);
    a.set(
        "asymmetric_quantize_inputs",
        bool_attr(o.asymmetric_quantize_inputs),
    );
    a.set("cell_clip", f32_attr(o.cell_clip));
    a.set(
        "diagonal_recurrent_tensors",
        bool_attr(o.diagonal_recurrent_tensors),
    );
    a.set(
        "fused_activation_function",
        act_attr(o.fused_activation_function)?,
    );
    a.set("proj_clip", f32_attr(o.proj_clip));
    a.set("time_major", bool_attr(o.time_major));
    Ok(())
}

fn export_lstm(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    Ok(BuiltinOptionsT::UnidirectionalSequenceLSTMOptions(
        Box::new(UnidirectionalSequenceLSTMOptionsT {
            fused_activation_function: cx.act()?,
            cell_clip: cx.f32_or("cell_clip", 0.0)?,
            proj_clip: cx.f32_or("proj_clip", 0.0)?,
            time_major: cx.bool("time_major")?,
            asymmetric_quantize_inputs: cx.bool_or("asymmetric_quantize_inputs", false)?,
            diagonal_recurrent_tensors: cx.bool_or("diagonal_recurrent_tensors", false)?,
        }),
    ))
}
