//! `guard-divisions`: after calibration, keeps float every `tfl.div` whose divisor comes near
//! zero, because LiteRT's 8-bit DIV fails the whole invoke on a divisor stored as its zero point.
//!
//! LiteRT's builtin 8-bit DIV (XNNPACK takes only float ones) checks every element of the
//! divisor before it divides and fails when one is stored as its zero point, a real 0
//! (`div.cc`, `CheckNonZero`). A divisor quantized to a range `[0, hi]` stores every value below
//! half a step (`hi / 255 / 2`) that way. EfficientViT's linear attention divides by sums whose
//! calibrated minima were 0.5 to 1.4 steps above zero, and LiteRT refused its strict int8 model
//! on held-out images.
//!
//! A divisor whose calibrated range holds zero, or comes within [`MARGIN_STEPS`] int8 steps of
//! it, keeps its DIV float, and the op computing the divisor too (a float DIV reading an int8
//! divisor would divide by the exact 0 its small values round to): each is marked
//! `tqopt.keep_float` with why (`tqopt.float_reason`), the report shows it, and strict int8
//! names it. Clamping the divisor
//! away from zero instead would keep the op integer, but LiteRT's fixed-point DIV then
//! overflows on the large quotients (its result flips to the other end of the range), which
//! tqopt's interpreter does not reproduce yet.

use tqopt_ir::dialect::{quantfork, tfl};
use tqopt_ir::{Module, OpId};

use super::layer_stats;
use super::legalize_opset::keep_float;
use super::qdq::defined_by;
use super::spec::is_candidate;
use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

/// A divisor whose calibrated values come within this many int8 steps of zero keeps its DIV
/// float: held-out data goes lower than calibration saw (EfficientViT: calibrated minima of
/// 0.6 and 1.4 steps, and held-out images reached the zero point).
pub const MARGIN_STEPS: f64 = 4.0;

/// The levels of int8 storage, for the step of a range.
const INT8_LEVELS: f64 = 255.0;

pub const KEPT_FLOAT: Statistic = Statistic {
    name: "num-float-divisions",
    description:
        "divisions kept float (their divisor comes near zero), and the ops computing their divisors",
};

pub static INFO: PassInfo = PassInfo {
    argument: "guard-divisions",
    summary: "Keep float the divisions whose divisor comes near zero, after calibration",
    description: "A tfl.div whose divisor's calibrated range holds zero or comes within 4 int8 \
        steps of it is marked tqopt.keep_float, with the reason: LiteRT's 8-bit DIV fails at \
        run time on a divisor stored as its zero point. Strict int8 then names it. Run after \
        calibration.",
    options: &[],
    create,
    traits: PassTraits::NONE,
};

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(GuardDivisions))
}

pub struct GuardDivisions;

/// Why `div` must stay float, from its divisor's calibrated range; `None` when it may be int8.
fn risk(m: &Module, div: OpId) -> Option<String> {
    let divisor = m.operand(div, 1)?;
    let stats = defined_by(m, divisor, &quantfork::STATS)?;
    let (lo, hi) = layer_stats::range(m, stats)?;
    let step = (hi.max(0.0) - lo.min(0.0)) / INT8_LEVELS;
    let nearest = if lo <= 0.0 && hi >= 0.0 {
        0.0
    } else {
        lo.abs().min(hi.abs())
    };
    if step > 0.0 && nearest >= MARGIN_STEPS * step {
        return None;
    }
    Some(format!(
        "its divisor reaches [{lo}, {hi}] on the calibration data, within {MARGIN_STEPS} int8 \
         steps of zero: LiteRT's 8-bit DIV fails at run time on a divisor stored as its zero \
         point"
    ))
}

impl Pass for GuardDivisions {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let divs: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| m.op(op).is(&tfl::DIV))
            .collect();
        let mut kept = 0;
        for div in divs {
            let Some(why) = risk(m, div) else { continue };
            keep_float(m, div, &why);
            kept += 1;
            // The op computing the divisor stays float too: a float DIV reading an int8
            // divisor would divide by the exact 0 its small values round to.
            let producer = m
                .operand(div, 1)
                .and_then(|v| defined_by(m, v, &quantfork::STATS))
                .and_then(|s| m.operand(s, 0))
                .and_then(|v| m.defining_op(v))
                .filter(|&p| is_candidate(m, p));
            if let Some(p) = producer {
                let name = m.op(div).loc.first_name().unwrap_or("?").to_string();
                let why = format!(
                    "it computes the divisor of the division at {name}, which stays float: in \
                     int8 its values near zero would round to 0"
                );
                keep_float(m, p, &why);
                kept += 1;
            }
        }
        cx.count(KEPT_FLOAT, kept);
        Ok(Changed::from(kept > 0))
    }
}
