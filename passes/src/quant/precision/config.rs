//! A point of the precision search: which tensors take which calibration method's range, and
//! which ops run in higher precision. Applying a configuration to the calibrated float module
//! rewrites `quantfork.stats` ranges and marks ops, nothing else, so the rest of the
//! quantization pipeline turns it into the model it describes.
//!
//! Invariant: every key is an op of the module the configuration was made for (the search
//! works on clones of one module, which keep op ids).

use std::collections::BTreeMap;

use tqopt_ir::{Attribute, Module, OpId};

use crate::quant::legalize_opset::{FLOAT_REASON, KEEP_FLOAT};
use crate::quant::mixed_precision::{INT16_ATTR, INT16_REASON};

/// The higher precision an op may be given.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    /// Float with its float weights (TFLite's float fallback between dequantize and quantize).
    Float,
    /// int16 activations with int8 weights (16x8's rules, `quantize-int8{int16=}`'s mark
    /// [`INT16_ATTR`]): only for ops LiteRT has an int16 kernel for.
    Int16,
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
    /// op `tqopt.keep_float` (or `tqopt.int16`) and, when `reason` gives one, the reason the
    /// report shows.
    pub fn apply(&self, m: &mut Module, reason: Option<&dyn Fn(OpId) -> String>) {
        for (&stats, &(range, _)) in &self.ranges {
            crate::quant::layer_stats::set_range(m, stats, range);
        }
        for (&op, p) in &self.ops {
            let (mark, why_attr) = match p {
                Precision::Float => (KEEP_FLOAT, FLOAT_REASON),
                Precision::Int16 => (INT16_ATTR, INT16_REASON),
            };
            let why = reason.map(|f| f(op));
            let attrs = &mut m.op_mut(op).attributes;
            attrs.set(mark, Attribute::Unit);
            if let Some(why) = why {
                attrs.set(why_attr, Attribute::string(&why));
            }
        }
    }

    /// The ops given precision `p`, in op order.
    pub fn ops_in(&self, p: Precision) -> Vec<OpId> {
        self.ops
            .iter()
            .filter(|(_, q)| **q == p)
            .map(|(&op, _)| op)
            .collect()
    }

    /// The same ranges with `ops` in float.
    pub fn with_float(&self, ops: &[OpId]) -> Config {
        self.with(ops, Precision::Float)
    }

    /// The same configuration with `ops` in precision `p`.
    pub fn with(&self, ops: &[OpId], p: Precision) -> Config {
        let mut c = self.clone();
        for &op in ops {
            c.ops.insert(op, p);
        }
        c
    }
}
