//! A point of the precision search: which tensors take which calibration method's range, and
//! which ops run in higher precision. Applying a configuration to the calibrated float module
//! rewrites `quantfork.stats` ranges and marks ops, nothing else, so the rest of the
//! quantization pipeline turns it into the model it describes.
//!
//! Invariant: every key is an op of the module the configuration was made for (the search
//! works on clones of one module, which keep op ids).

use std::collections::BTreeMap;

use tqopt_ir::{Attribute, DenseElements, ElementType, Module, OpId, TensorType};

use crate::quant::legalize_opset::{FLOAT_REASON, KEEP_FLOAT};

/// The higher precision an op may be given.
///
/// Plug-in point for int16 activations: once the per-op precision assignment of
/// `quantize-int8{int16=...}` lands, an `Int16` variant goes here, [`Config::apply`] marks the
/// op with that assignment's attribute, [`super::cost`] gives it a cost between int8 and float,
/// and the search offers it before `Float` (see [`super::search`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    /// Float with its float weights (TFLite's float fallback between dequantize and quantize).
    Float,
}

/// Ranges by method and ops in higher precision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// `quantfork.stats` op -> the range it should hold (and the method it came from).
    pub ranges: BTreeMap<OpId, ((f64, f64), usize)>,
    /// Op -> its precision (absent: int8).
    pub ops: BTreeMap<OpId, Precision>,
}

impl Config {
    /// Writes the configuration into `m`: each listed statistic gets its range, each listed
    /// op `tqopt.keep_float` and, when `reason` gives one, the reason the report shows.
    pub fn apply(&self, m: &mut Module, reason: Option<&dyn Fn(OpId) -> String>) {
        for (&stats, &((lo, hi), _)) in &self.ranges {
            let ty = TensorType::new(&[2], ElementType::F32);
            if let Some(d) = DenseElements::from_f32(ty, &[lo as f32, hi as f32]) {
                m.op_mut(stats)
                    .attributes
                    .set("layerStats", Attribute::Dense(d));
            }
        }
        for (&op, p) in &self.ops {
            match p {
                Precision::Float => {
                    let why = reason.map(|f| f(op));
                    let attrs = &mut m.op_mut(op).attributes;
                    attrs.set(KEEP_FLOAT, Attribute::Unit);
                    if let Some(why) = why {
                        attrs.set(FLOAT_REASON, Attribute::string(&why));
                    }
                }
            }
        }
    }

    /// The same ranges with `ops` in float.
    pub fn with_float(&self, ops: &[OpId]) -> Config {
        let mut c = self.clone();
        for &op in ops {
            c.ops.insert(op, Precision::Float);
        }
        c
    }
}
