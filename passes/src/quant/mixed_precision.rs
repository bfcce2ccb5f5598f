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
use crate::registry::{PassInfo, PassTraits};

/// The unit attribute that puts an op (or a statistics op) in int16.
pub const INT16_ATTR: &str = "tqopt.int16";
/// Why an op has [`INT16_ATTR`], when something chose it (the precision search); the report
/// prints it.
pub const INT16_REASON: &str = "tqopt.int16_reason";

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
        let locs = data.loc.names();
        match self {
            PrecisionAssignment::Matching(re) => {
                re.is_match(data.name.as_str()) || locs.iter().any(|n| re.is_match(n))
            }
            PrecisionAssignment::Named(names) => locs.first().is_some_and(|n| names.contains(*n)),
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
    kind: OptionKind::Regex,
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
    traits: PassTraits::NONE,
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let assignment = options
        .regex("int16")?
        .cloned()
        .map(PrecisionAssignment::Matching);
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

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_OPS: &str = r#"
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "tfl.relu"(%x) : (tensor<2xf32>) -> tensor<2xf32> loc("a.b")
  %1 = "tfl.tanh"(%0) : (tensor<2xf32>) -> tensor<2xf32> loc("axb")
  return %1 : tensor<2xf32>
}
"#;

    fn marked(a: &PrecisionAssignment) -> Vec<String> {
        let mut m = tqopt_textual_ir::parse_str("t.mlir", TWO_OPS).expect("parses");
        a.apply(&mut m);
        m.walk_nested(m.op)
            .filter(|&op| is_int16(&m, op))
            .filter_map(|op| m.op(op).loc.first_name().map(str::to_string))
            .collect()
    }

    #[test]
    fn names_select_exactly_those_ops_and_their_option_selects_the_same() {
        let named = PrecisionAssignment::from_names(["a.b"]);
        assert_eq!(marked(&named), ["a.b"]);
        // The dot is escaped: the option does not also match "axb".
        let option = named.to_option();
        assert_eq!(option, r"^(?:a\.b)$");
        let again = PrecisionAssignment::from_regex(&option).unwrap();
        assert_eq!(marked(&again), ["a.b"]);
    }

    #[test]
    fn a_regex_matches_op_names_and_locations() {
        let by_op = PrecisionAssignment::from_regex("tfl.tanh").unwrap();
        assert_eq!(marked(&by_op), ["axb"]);
        let by_loc = PrecisionAssignment::from_regex("^a").unwrap();
        assert_eq!(marked(&by_loc), ["a.b", "axb"]);
        assert!(PrecisionAssignment::from_regex("(").is_err());
    }

    #[test]
    fn convert_moves_a_range_between_int8_and_int16_only() {
        let int8 = per_tensor(
            StorageRange::INT8,
            numerics::activation_params(-1.0, 3.0, StorageRange::INT8),
        );
        let up = convert(&int8, Some((-1.0, 3.0)), StorageRange::INT16_NARROW).unwrap();
        let q = up.as_quant().unwrap();
        assert_eq!(q.storage.width, 16);
        // From the calibrated range: max |x| = 3 over 32767 steps (as float32).
        let p = numerics::activation_params(-1.0, 3.0, StorageRange::INT16_NARROW);
        assert_eq!((p.scale as f32, p.zero_point), (3.0f32 / 32767.0, 0));
        assert_eq!(
            q.params,
            QuantParams::PerTensor {
                scale: p.scale,
                zero_point: 0
            }
        );
        assert!(convert(&up, None, StorageRange::INT16_NARROW).is_none());
        let down = convert(&up, Some((-1.0, 3.0)), StorageRange::INT8).unwrap();
        assert_eq!(down, int8);
        let bias = per_tensor(
            StorageRange::INT32,
            numerics::QParams {
                scale: 0.5,
                zero_point: 0,
            },
        );
        assert!(convert(&bias, None, StorageRange::INT8).is_none());
    }
}
