//! Quantized ops whose LiteRT kernel the interpreter does not reproduce: it runs them in float
//! (dequantized operands, the float kernel, the result quantized), while LiteRT computes in a
//! fixed point of its own whose result can be far from that. A tool that reports figures from
//! the interpreter says so when a model has such ops.

use tqopt_ir::dialect::tfl;
use tqopt_ir::{Module, OpId, UniformQuant, ValueId};

use crate::error::loc_text;

/// The quantized type of `v`, when it has one.
fn quant_of<'m>(m: &'m Module, v: Option<&ValueId>) -> Option<&'m UniformQuant> {
    v.and_then(|&v| m.value_type(v).element_type())
        .and_then(|e| e.as_quant())
}

/// Why `op`'s figures may not be LiteRT's, when it is one of those ops.
pub fn float_emulated(m: &Module, op: OpId) -> Option<&'static str> {
    let data = m.op(op);
    let input = quant_of(m, data.operands().first());
    let output = quant_of(m, data.results().first());
    // Ops whose rescaling form (an output scale or zero point other than the input's, as
    // ai-edge-quantizer can write) LiteRT computes in a way the interpreter does not reproduce
    // (measured 2026-12-07: an int8 ELU from scale 0.05 to 0.04 is 7 of 256 inputs off; the
    // pooling kernels ignore the output's parameters).
    let rescaled = matches!((input, output), (Some(x), Some(y)) if x != y);
    let rescaling_not_modelled =
        data.is(&tfl::ELU) || data.is(&tfl::MAX_POOL_2D) || data.is(&tfl::AVERAGE_POOL_2D);
    if rescaling_not_modelled && rescaled {
        return Some(
            "its output's quantization differs from its input's, a form of this op whose LiteRT \
             arithmetic the interpreter does not reproduce: LiteRT's outputs may differ from \
             these figures by a step here and there",
        );
    }
    if data.is(&tfl::UNIDIRECTIONAL_SEQUENCE_LSTM) && input.is_some() {
        // Measured: a TensorFlow-quantized Keras LSTM gives 31.16 dB in float emulation and
        // -3.03 dB in LiteRT (2026-12-07).
        return Some(
            "LiteRT runs an integer LSTM in its own fixed point (gates in int16, the intermediates' \
             default scales, the cell clipped), which the interpreter emulates in float: LiteRT's \
             outputs can be far from these figures",
        );
    }
    None
}

/// Every op of `m` that [`float_emulated`] names, as `'tfl.op' at loc(...): why`.
pub fn float_emulated_ops(m: &Module) -> Vec<String> {
    m.all_ops()
        .into_iter()
        .filter_map(|op| {
            let why = float_emulated(m, op)?;
            let data = m.op(op);
            Some(format!(
                "'{}' at {}: {why}",
                data.name.as_str(),
                loc_text(&data.loc)
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elu_model(out_scale: &str) -> Module {
        let (ti, to) = (
            "tensor<4x!quant.uniform<i8:f32, 5.000000e-02:3>>",
            format!("tensor<4x!quant.uniform<i8:f32, {out_scale}:3>>"),
        );
        let text = format!(
            "func.func @main(%x: {ti}) -> {to} {{\n  %0 = \"tfl.elu\"(%x) : ({ti}) -> {to} loc(\"e\")\n  return %0 : {to}\n}}\n"
        );
        tqopt_textual_ir::parse_str("t.mlir", &text).expect("parses")
    }

    #[test]
    fn a_rescaling_elu_is_named_and_a_plain_one_is_not() {
        let named = float_emulated_ops(&elu_model("4.000000e-02"));
        assert_eq!(named.len(), 1, "{named:?}");
        assert!(named[0].starts_with("'tfl.elu' at loc(\"e\"): its output's quantization"));
        assert!(float_emulated_ops(&elu_model("5.000000e-02")).is_empty());
    }
}
