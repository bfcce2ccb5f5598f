//! Mixed int8/int16 precision in one model: which ops get int16 activations (16x8 rules)
//! while the rest stay int8.
//!
//! The choice is a [`PrecisionAssignment`], built from a regular expression (the
//! `quantize-int8{int16=REGEX}` option) or from op names (a search that picks ops one by
//! one). [`PrecisionAssignment::apply`] records it in the IR as the unit attribute
//! [`INT16_ATTR`] on each chosen op; the quantization passes read only that attribute
//! ([`is_int16`]), so a caller may also mark ops itself before running `quantize-int8`.
//!
//! Invariants the passes keep for a marked op: its float activations (operands and results)
//! are symmetric int16 with zero point 0, its bias int64, its fixed-range outputs 16x8's; it
//! stays float unless LiteRT has an int16 kernel for it. A value is quantized in the
//! precision of the op that makes it ([`mark_statistics`]); where an op of the other
//! precision reads it, `insert-fake-quant` records a requantize ([`convert`]), which
//! `fold-quant` makes a `tfl.quantize` from one storage to the other.

use std::collections::BTreeSet;

use regex::Regex;
use tqopt_ir::dialect::quantfork;
use tqopt_ir::{Attribute, ElementType, Module, OpId, QuantParams, ValueDef, ValueId};

use super::numerics::{self, StorageRange};
use super::qdq::per_tensor;
use super::spec::is_candidate;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::PassInfo;

/// The unit attribute that puts an op (or a statistics op) in int16.
pub const INT16_ATTR: &str = "tqopt.int16";

pub const MARKED: Statistic = Statistic {
    name: "num-int16-ops",
    description: "ops assigned int16 activations",
};

/// Which ops get int16 activations.
#[derive(Clone, Debug)]
pub enum PrecisionAssignment {
    /// Ops whose name (`tfl.conv_2d`) or location name matches.
    Matching(Regex),
    /// Ops whose location name is one of these (a programmatic choice).
    Named(BTreeSet<String>),
}

impl PrecisionAssignment {
    /// From the `int16=` option: a regular expression over op names and location names.
    pub fn from_regex(pattern: &str) -> Result<Self, String> {
        Regex::new(pattern)
            .map(PrecisionAssignment::Matching)
            .map_err(|e| format!("int16: invalid regular expression: {e}"))
    }

    /// Exactly the ops with these location names (tensor names, as the report prints them).
    pub fn from_names<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Self {
        PrecisionAssignment::Named(names.into_iter().map(Into::into).collect())
    }

    /// The `int16=` option value that selects the same ops by name (anchored, escaped), for
    /// a pipeline given as text.
    pub fn to_option(&self) -> String {
        match self {
            PrecisionAssignment::Matching(re) => re.as_str().to_string(),
            PrecisionAssignment::Named(names) => {
                let alts: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
                format!("^(?:{})$", alts.join("|"))
            }
        }
    }

    /// Whether the assignment puts `op` in int16.
    pub fn selects(&self, m: &Module, op: OpId) -> bool {
        let data = m.op(op);
        let loc = data.loc.first_name();
        match self {
            PrecisionAssignment::Matching(re) => {
                re.is_match(data.name.as_str()) || loc.is_some_and(|n| re.is_match(n))
            }
            PrecisionAssignment::Named(names) => loc.is_some_and(|n| names.contains(n)),
        }
    }

    /// Marks every selected quantization candidate with [`INT16_ATTR`]; the number marked.
    pub fn apply(&self, m: &mut Module) -> u64 {
        let ops: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| is_candidate(m, op) && self.selects(m, op))
            .collect();
        for &op in &ops {
            m.op_mut(op).attributes.set(INT16_ATTR, Attribute::Unit);
        }
        ops.len() as u64
    }
}

/// Whether `op` is marked int16.
pub fn is_int16(m: &Module, op: OpId) -> bool {
    m.op(op).attr(INT16_ATTR).is_some()
}

/// Whether any op of the module is marked int16 (mixed mode).
pub fn any_int16(m: &Module) -> bool {
    m.walk_nested(m.op).any(|op| is_int16(m, op))
}

/// The activation storage of `op`: int16 (narrow, symmetric) when marked, else `default`.
pub fn storage(m: &Module, op: OpId, default: StorageRange) -> StorageRange {
    if is_int16(m, op) {
        StorageRange::INT16_NARROW
    } else {
        default
    }
}

/// Whether a value is produced in int16: its producer is marked (looking through statistics
/// ops); a block argument (a model input) is int16 when an op reading it is.
fn produced_in_int16(m: &Module, v: ValueId) -> bool {
    match m.value(v).def {
        ValueDef::Result { op, .. } if m.op(op).is(&quantfork::STATS) => {
            produced_in_int16(m, m.operands(op)[0])
        }
        ValueDef::Result { op, .. } => is_int16(m, op),
        ValueDef::BlockArg { .. } => m.uses(v).iter().any(|u| {
            is_int16(m, u.op)
                || (m.op(u.op).is(&quantfork::STATS)
                    && m.uses(m.results(u.op)[0]).iter().any(|w| is_int16(m, w.op)))
        }),
    }
}

/// Marks every statistics op whose value is produced in int16, so that its pair is int16
/// (`insert-fake-quant` then requantizes where a user of the other precision reads it, see
/// [`convert`]). The number marked.
pub fn mark_statistics(m: &mut Module) -> u64 {
    let stats: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| m.op(op).is(&quantfork::STATS))
        .collect();
    let mut marked = 0;
    for s in stats {
        if produced_in_int16(m, m.operands(s)[0]) {
            m.op_mut(s).attributes.set(INT16_ATTR, Attribute::Unit);
            marked += 1;
        }
    }
    marked
}

/// The storage width of a quantized activation type (8 or 16), if it is one.
pub fn width_of(elem: &ElementType) -> Option<u32> {
    elem.as_quant()
        .map(|q| q.storage.width)
        .filter(|w| *w == 8 || *w == 16)
}

/// The parameters in storage `to` for a value quantized as per-tensor `elem`, for a
/// requantize across a precision boundary: from the value's calibrated `range` when known
/// (int16 to int8 would otherwise span the int16 type's symmetric range, wasting int8 levels
/// on a one-sided tensor), else from the real range `elem` covers. `None` when `elem` is
/// already in `to`'s width or is not a per-tensor int8/int16 type.
pub fn convert(
    elem: &ElementType,
    range: Option<(f64, f64)>,
    to: StorageRange,
) -> Option<ElementType> {
    let q = elem.as_quant()?;
    let QuantParams::PerTensor { scale, zero_point } = q.params else {
        return None;
    };
    if width_of(elem)? == if to.is_16bit() { 16 } else { 8 } {
        return None;
    }
    let (lo, hi) = range.unwrap_or((
        (q.storage_min - zero_point) as f64 * scale,
        (q.storage_max - zero_point) as f64 * scale,
    ));
    Some(per_tensor(to, numerics::activation_params(lo, hi, to)))
}

pub static OPTIONS: &[OptionInfo] = &[OptionInfo {
    name: "int16",
    kind: OptionKind::String,
    default: "",
    help: "Ops whose name or location matches this regular expression get int16 activations",
}];

pub static INFO: PassInfo = PassInfo {
    argument: "assign-precision",
    summary: "Mark the ops that get int16 activations in an int8 model (mixed precision)",
    description: "Ops whose name (tfl.conv_2d) or location (tensor name) matches int16=REGEX \
        get the tqopt.int16 attribute: quantize-int8 then gives them 16x8's int16 activations \
        and int64 biases, with tfl.quantize ops converting between int8 and int16 where values \
        cross. Run before insert-fake-quant.",
    options: OPTIONS,
    create,
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let pattern = options.str("int16");
    let assignment = match pattern {
        "" => None,
        p => Some(PrecisionAssignment::from_regex(p)?),
    };
    Ok(Box::new(AssignPrecision { assignment }))
}

/// The `assign-precision` pass: applies a [`PrecisionAssignment`].
pub struct AssignPrecision {
    pub assignment: Option<PrecisionAssignment>,
}

impl Pass for AssignPrecision {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let Some(a) = &self.assignment else {
            return Ok(Changed::No);
        };
        let n = a.apply(m);
        cx.count(MARKED, n);
        Ok(Changed::from(n > 0))
    }
}
