//! Quantized ops whose LiteRT kernel the interpreter does not reproduce: it runs them in float
//! (dequantized operands, the float kernel, the result quantized), while LiteRT computes in a
//! fixed point of its own whose result can be far from that. A tool that reports figures from
//! the interpreter says so when a model has such ops.

use tqopt_ir::dialect::tfl;
use tqopt_ir::{Module, OpId};

use crate::error::loc_text;

/// Why `op`'s figures may not be LiteRT's, when it is one of those ops.
pub fn float_emulated(m: &Module, op: OpId) -> Option<&'static str> {
    let data = m.op(op);
    let quantized_input = || {
        data.operands()
            .first()
            .and_then(|&x| m.value_type(x).element_type())
            .is_some_and(|e| e.as_quant().is_some())
    };
    if data.is(&tfl::UNIDIRECTIONAL_SEQUENCE_LSTM) && quantized_input() {
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
