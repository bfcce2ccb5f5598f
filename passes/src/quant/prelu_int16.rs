//! `prelu-int16`: per-channel `tfl.prelu` as int16 max/min forms (the 16x8 pipeline runs it
//! before `rewrite-for-target`).
//!
//! LiteRT's int16 PRELU takes one per-tensor int8 slope, too coarse for per-channel slopes,
//! and the chain `x + (1 - a) · relu(-x)` rounds three times in int16 (the negation, the
//! product, the sum): on iris_landmark it cost 0.6 dB against TensorFlow's 16x8, which keeps
//! its prelus float (41.08 against 41.70 dB). With a constant slope `a` per channel:
//! - every `a <= 1`: `prelu(x) = max(x, a·x)`;
//! - every `a >= 1`: `prelu(x) = min(x, a·x)`;
//! - otherwise: `prelu(x) = max(x, min(a, 1)·x) + min((max(a, 1) - 1)·x, 0)`.
//!
//! MAXIMUM and MINIMUM keep one scale for their operands and result (the quantizer shares it),
//! so the positive side passes through exactly and the negative side is rounded once, by the
//! mul, as a float prelu between a dequantize and a quantize would be; the mixed form adds one
//! exact clamp and one add. iris_landmark: 41.63 dB (41.08 with the chain). A prelu whose
//! slope is one value is left to `rewrite-for-target` (leaky_relu), and so is a prelu whose
//! input also feeds a same-scale op (pooling, pad, slice: the range MAXIMUM imposes on its
//! operands does not reach it); a slope that is not a constant, or not finite, leaves the op
//! alone. Exact in real arithmetic; run before
//! calibration.

use tqopt_ir::dialect::{tfl, tfl_builders};
use tqopt_ir::{
    Attribute, DenseElements, ElementType, Location, Module, OpId, OpSpec, TensorType, Type,
    ValueId,
};

use super::spec::is_same_scale;
use super::target::prelu_slope;
use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const REWRITTEN: Statistic = Statistic {
    name: "num-prelu-int16",
    description: "per-channel prelus rewritten into int16 max/min forms",
};

pub static INFO: PassInfo = PassInfo {
    argument: "prelu-int16",
    summary: "Per-channel prelu as max(x, a*x), min(x, a*x) or their sum (16x8: one rounding)",
    description: "A prelu with a constant per-channel slope becomes max(x, a*x) when every \
        slope is at most 1, min(x, a*x) when every slope is at least 1, and \
        max(x, min(a,1)*x) + min((max(a,1)-1)*x, 0) otherwise: in int16 the positive side is \
        exact and the negative side rounded once (LiteRT's int16 PRELU takes one per-tensor \
        int8 slope). Exact in real arithmetic. Run before calibration.",
    options: &[],
    traits: PassTraits::NONE,
    create,
};

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(PreluInt16))
}

pub struct PreluInt16;

impl Pass for PreluInt16 {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let ops: Vec<OpId> = m.walk_nested(m.op).collect();
        let mut count = 0;
        for op in ops {
            if m.op(op).is(&tfl::PRELU) {
                count += u64::from(rewrite(m, op).is_some());
            }
        }
        cx.count(REWRITTEN, count);
        Ok(Changed::from(count > 0))
    }
}

/// Builds the ops of one rewrite before the prelu.
struct Builder<'m> {
    m: &'m mut Module,
    anchor: OpId,
    name: Option<String>,
}

impl Builder<'_> {
    fn loc(&self, suffix: &str) -> Location {
        match &self.name {
            Some(n) => Location::name(&format!("{n}/{suffix}")),
            None => Location::Unknown,
        }
    }

    fn add(&mut self, spec: OpSpec) -> Option<ValueId> {
        let op = self.m.create_op(spec);
        self.m.insert_before(self.anchor, op).ok()?;
        Some(self.m.results(op)[0])
    }

    fn constant(&mut self, shape: &[i64], values: &[f32], suffix: &str) -> Option<ValueId> {
        let dense = DenseElements::from_f32(TensorType::new(shape, ElementType::F32), values)?;
        let loc = self.loc(suffix);
        self.add(tfl_builders::pseudo_const(dense).loc(loc))
    }

    fn op(
        &mut self,
        def: &'static tqopt_ir::dialect::OpDef,
        a: ValueId,
        b: ValueId,
        ty: &Type,
        loc: Location,
    ) -> Option<ValueId> {
        let mut spec = OpSpec::of(def)
            .operands(&[a, b])
            .results([ty.clone()])
            .loc(loc);
        if def.name == tfl::MUL.name || def.name == tfl::ADD.name {
            spec = spec.property("fused_activation_function", Attribute::string("NONE"));
        }
        self.add(spec)
    }
}

/// Rewrites one prelu (see the module comment); `None` when it is left alone.
fn rewrite(m: &mut Module, op: OpId) -> Option<()> {
    let (x, out) = (m.operand(op, 0)?, m.result(op, 0)?);
    let ty = m.value_type(out).clone();
    let f32 = |t: &Type| t.element_type() == Some(&ElementType::F32);
    if !f32(m.value_type(x)) || !f32(&ty) || m.value_type(x) != &ty {
        return None;
    }
    // MAXIMUM imposes its result's range on its operands (propagate-ranges), and a range
    // imposed that way does not reach x's other same-scale users (a max_pool of x then has no
    // range): leave such a prelu to rewrite-for-target.
    if m.uses(x)
        .iter()
        .any(|u| u.op != op && is_same_scale(m, u.op))
    {
        return None;
    }
    let (slope, shape) = prelu_slope(m, op)?;
    let first = *slope.first()?;
    if slope.iter().any(|a| !a.is_finite()) || slope.iter().all(|&a| a == first) {
        return None;
    }
    let alpha = tqopt_ir::dialect::named_operand(m, op, "alpha")?;
    let loc = m.op(op).loc.clone();
    let name = loc.first_name().map(str::to_string);
    let mut b = Builder {
        m,
        anchor: op,
        name,
    };
    let result = if slope.iter().all(|&a| a <= 1.0) || slope.iter().all(|&a| a >= 1.0) {
        let scaled = b.op(&tfl::MUL, x, alpha, &ty, b.loc("scaled"))?;
        let def = if slope.iter().all(|&a| a <= 1.0) {
            &tfl::MAXIMUM
        } else {
            &tfl::MINIMUM
        };
        b.op(def, x, scaled, &ty, loc)?
    } else {
        let below: Vec<f32> = slope.iter().map(|&a| a.min(1.0)).collect();
        let above: Vec<f32> = slope.iter().map(|&a| a.max(1.0) - 1.0).collect();
        let below = b.constant(&shape, &below, "slope_below_one")?;
        let above = b.constant(&shape, &above, "slope_above_one")?;
        let zero = b.constant(&[], &[0.0], "zero")?;
        let scaled = b.op(&tfl::MUL, x, below, &ty, b.loc("scaled"))?;
        let upper = b.op(&tfl::MAXIMUM, x, scaled, &ty, b.loc("max"))?;
        let excess = b.op(&tfl::MUL, x, above, &ty, b.loc("excess"))?;
        let lower = b.op(&tfl::MINIMUM, excess, zero, &ty, b.loc("excess_negative"))?;
        b.op(&tfl::ADD, upper, lower, &ty, loc)?
    };
    m.replace_all_uses(out, result);
    m.erase_op(op).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tqopt_interp::{Interpreter, Tensor};

    fn text(slopes: &str) -> String {
        format!(
            r#"
func.func @main(%x: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {{
  %a = "tfl.pseudo_const"() <{{value = dense<[[[{slopes}]]]> : tensor<1x1x4xf32>}}> : () -> tensor<1x1x4xf32>
  %0 = "tfl.prelu"(%x, %a) : (tensor<1x3x3x4xf32>, tensor<1x1x4xf32>) -> tensor<1x3x3x4xf32> loc("p")
  return %0 : tensor<1x3x3x4xf32>
}}
"#
        )
    }

    /// (rewritten text, largest output difference on a signed ramp).
    fn rewrite_and_compare(slopes: &str) -> (String, f32) {
        let src = text(slopes);
        let before = tqopt_textual_ir::parse_str("t.mlir", &src).unwrap();
        let mut after = before.clone();
        PreluInt16.run(&mut after, &mut PassContext::new()).unwrap();
        let printed = tqopt_textual_ir::print_module(&after, &Default::default());
        let x: Vec<f32> = (0..36).map(|i| (i as f32 - 17.5) / 3.0).collect();
        let input = Tensor::from_f32(&[1, 3, 3, 4], x).unwrap();
        let run = |m: &Module| {
            Interpreter::new(m, "main")
                .unwrap()
                .run(std::slice::from_ref(&input))
                .unwrap()[0]
                .to_f32_vec()
        };
        let (a, b) = (run(&before), run(&after));
        let d = a
            .iter()
            .zip(&b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f32::max);
        (printed, d)
    }

    #[test]
    fn slopes_up_to_one_become_max() {
        let (out, d) = rewrite_and_compare("0.25, -0.5, 1.0, 0.0");
        assert!(
            out.contains("tfl.maximum") && !out.contains("tfl.minimum"),
            "{out}"
        );
        assert!(
            !out.contains("tfl.prelu") && out.contains(r#"loc("p")"#),
            "{out}"
        );
        assert!(d <= 1e-6, "{d}");
    }

    #[test]
    fn slopes_from_one_become_min() {
        let (out, d) = rewrite_and_compare("1.5, 1.0, 2.0, 3.25");
        assert!(
            out.contains("tfl.minimum") && !out.contains("tfl.maximum"),
            "{out}"
        );
        assert!(d <= 1e-6, "{d}");
    }

    #[test]
    fn mixed_slopes_add_a_clamped_excess() {
        let (out, d) = rewrite_and_compare("0.25, 1.75, -0.5, 1.0");
        assert!(
            out.contains("tfl.maximum") && out.contains("tfl.minimum"),
            "{out}"
        );
        assert!(out.contains("p/excess_negative"), "{out}");
        assert!(d <= 1e-5, "{d}");
    }

    #[test]
    fn an_input_that_also_feeds_a_same_scale_op_keeps_the_prelu() {
        let src = text("0.25, -0.5, 1.0, 0.0").replace(
            "  return %0",
            "  %1 = \"tfl.reshape\"(%x, %s) : (tensor<1x3x3x4xf32>, tensor<2xi32>) -> tensor<9x4xf32>\n  return %0",
        );
        let src = src.replace(
            "  %a =",
            "  %s = \"tfl.pseudo_const\"() <{value = dense<[9, 4]> : tensor<2xi32>}> : () -> tensor<2xi32>\n  %a =",
        );
        let mut m = tqopt_textual_ir::parse_str("t.mlir", &src).unwrap();
        PreluInt16.run(&mut m, &mut PassContext::new()).unwrap();
        let out = tqopt_textual_ir::print_module(&m, &Default::default());
        assert!(
            out.contains("tfl.prelu") && !out.contains("tfl.maximum"),
            "{out}"
        );
    }

    #[test]
    fn one_slope_is_left_to_leaky_relu() {
        let (out, _) = rewrite_and_compare("0.2, 0.2, 0.2, 0.2");
        assert!(out.contains("tfl.prelu"), "{out}");
    }
}
