//! Per-op error as IR attributes, for `quantize-int8{verify=EVAL}`: every op of the calibrated
//! module whose quantized result was measured gets `tqopt.sqnr_db` (the quantized model's
//! tensor against the float model's, accumulated through the layers before it) and, when the
//! op could be run alone, `tqopt.isolated_sqnr_db` (only this op quantized). They are
//! discardable attributes: `--mlir-print-ir-after-all` and the output MLIR show them, the
//! `.tflite` writer drops them.
//!
//! The figures come from the per-layer debugger of `tqopt eval --per-layer`
//! ([`crate::accuracy::per_layer`]) run on the search samples. Invariant: an attribute is set
//! only on the op the measured layer came from (same op id, name and location in the module
//! the quantized one was cloned from), never on another op that happens to reuse an id.

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::entity::EntityRef;
use tqopt_ir::{Attribute, Module};

use crate::accuracy::matching::Function;
use crate::accuracy::per_layer::{LayerStats, PerLayer};

/// The attribute with an op's accumulated SQNR (dB, f32).
pub const SQNR_ATTR: &str = "tqopt.sqnr_db";
/// The attribute with an op's isolated SQNR (dB, f32).
pub const ISOLATED_SQNR_ATTR: &str = "tqopt.isolated_sqnr_db";

/// Measures every quantized tensor of `quantized` against `float` (the module it was made
/// from) on `samples` of function `entry`, and writes the figures onto the matching ops of
/// `target` (a module with `float`'s op ids). Returns how many ops got figures.
pub fn annotate(
    target: &mut Module,
    float: &Module,
    quantized: &Module,
    entry: &str,
    samples: &[Vec<Tensor>],
) -> Result<usize, String> {
    let interp = |m: &Module, what: &str| {
        Interpreter::new(m, entry).map_err(|e| format!("cannot run the {what} model: {e}"))
    };
    let (float_interp, quant_interp) = (interp(float, "float")?, interp(quantized, "quantized")?);
    let func = |m: &Module| {
        m.lookup_func(entry)
            .ok_or_else(|| format!("no function '{entry}'"))
    };
    let per_layer = PerLayer::new(
        Function {
            module: float,
            func: func(float)?,
        },
        &float_interp,
        Function {
            module: quantized,
            func: func(quantized)?,
        },
        &quant_interp,
    );
    let mut stats = vec![LayerStats::default(); per_layer.layers().len()];
    for (i, inputs) in samples.iter().enumerate() {
        let run = per_layer
            .run_sample(inputs.clone(), inputs.clone())
            .map_err(|e| format!("sample {i}: {e}"))?;
        for (total, one) in stats.iter_mut().zip(&run.layers) {
            total.merge(one);
        }
    }
    let mut annotated = 0;
    for (layer, s) in per_layer.layers().iter().zip(&stats) {
        // Only the op's first result, and only on the very op it came from.
        if layer.result != 0 || s.accumulated.samples() == 0 {
            continue;
        }
        let op = layer.op;
        let same = op.index() < target.num_op_slots()
            && !target.is_erased(op)
            && target.op(op).name.as_str() == layer.op_name
            && target.op(op).loc == quantized.op(op).loc;
        if !same {
            continue;
        }
        let attrs = &mut target.op_mut(op).attributes;
        attrs.set(SQNR_ATTR, Attribute::f32(s.accumulated.sqnr_db() as f32));
        if let Some(isolated) = s.isolated_sqnr_db() {
            attrs.set(ISOLATED_SQNR_ATTR, Attribute::f32(isolated as f32));
        }
        annotated += 1;
    }
    Ok(annotated)
}
