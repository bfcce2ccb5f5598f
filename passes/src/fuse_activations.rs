//! `fuse-activations`: a float `tfl.relu`, `tfl.relu6` or `tfl.relu_n1_to_1` whose only input
//! comes from a convolution, fully connected layer or binary arithmetic op with no fused
//! activation (and no other user) becomes that op's `fused_activation_function`.
//!
//! The rewrite is exact in float. It matters for int8: the producer's output then takes the
//! activation's range (`[0, max]` instead of `[min, max]`), which doubles the resolution of a
//! value that was about to be clamped anyway and removes one requantization. TensorFlow's
//! converter fuses the same pairs before it quantizes.
//!
//! Invariants: only float results are rewritten; a producer's other uses, if any, block the
//! rewrite; calibration statistics on the value between the two ops (a `quantfork.stats`, which
//! describe the unclamped value) are dropped, the activation's statistics stay. The fused op is
//! located at `fused[activation, producer]`, so the tensor keeps the activation's name.

use tqopt_ir::dialect::{quantfork, tfl, OpDef};
use tqopt_ir::{Attribute, ElementType, Location, Module, OpId, ValueId};

use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const FUSED: Statistic = Statistic {
    name: "num-fused",
    description: "activation ops fused into their producer",
};

pub static INFO: PassInfo = PassInfo {
    argument: "fuse-activations",
    summary: "Fuse relu, relu6 and relu_n1_to_1 into the convolution or arithmetic op before them",
    description: "A float tfl.relu / tfl.relu6 / tfl.relu_n1_to_1 whose operand is the only \
        use of a tfl.conv_2d, depthwise_conv_2d, fully_connected, add, sub, mul or div result \
        with fused_activation_function = \"NONE\" is folded into that attribute. Exact in \
        float; in int8 the producer then quantizes to the activation's range.",
    options: &[],
    create,
    traits: PassTraits::NONE,
};

/// The activation ops and the `fused_activation_function` value each becomes.
const ACTIVATIONS: &[(&OpDef, &str)] = &[
    (&tfl::RELU, "RELU"),
    (&tfl::RELU6, "RELU6"),
    (&tfl::RELU_N1_TO_1, "RELU_N1_TO_1"),
];

/// Ops whose TFLite kernels apply a fused activation for float, int8 and int16 alike.
const PRODUCERS: &[&OpDef] = &[
    &tfl::CONV_2D,
    &tfl::DEPTHWISE_CONV_2D,
    &tfl::FULLY_CONNECTED,
    &tfl::ADD,
    &tfl::SUB,
    &tfl::MUL,
    &tfl::DIV,
];

const FUSED_ACTIVATION: &str = "fused_activation_function";

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(FuseActivations))
}

pub struct FuseActivations;

impl Pass for FuseActivations {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let activations: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| activation_kind(m, op).is_some())
            .collect();
        let mut fused = 0u64;
        for act in activations {
            if fuse(m, act) {
                fused += 1;
            }
        }
        cx.count(FUSED, fused);
        Ok(Changed::from(fused > 0))
    }
}

fn activation_kind(m: &Module, op: OpId) -> Option<&'static str> {
    let data = m.op(op);
    ACTIVATIONS
        .iter()
        .find(|(def, _)| data.is(def))
        .map(|(_, kind)| *kind)
}

/// The only user of `v`, if it has exactly one.
fn single_user(m: &Module, v: ValueId) -> Option<OpId> {
    match m.uses(v) {
        [only] => Some(only.op),
        _ => None,
    }
}

/// Fuses activation `act` into its producer; false when the pattern does not apply.
fn fuse(m: &mut Module, act: OpId) -> bool {
    let Some(kind) = activation_kind(m, act) else {
        return false;
    };
    let (Some(input), Some(output)) = (m.operand(act, 0), m.result(act, 0)) else {
        return false;
    };
    let is_float = |m: &Module, v: ValueId| {
        matches!(m.value_type(v).element_type(), Some(ElementType::Float(_)))
    };
    if !is_float(m, input) || !is_float(m, output) || single_user(m, input) != Some(act) {
        return false;
    }
    // Look through calibration statistics of the unclamped value.
    let mut between = None;
    let mut value = input;
    let Some(mut producer) = m.defining_op(value) else {
        return false;
    };
    if m.op(producer).is(&quantfork::STATS) {
        let Some(inner) = m.operand(producer, 0) else {
            return false;
        };
        if single_user(m, inner) != Some(producer) {
            return false;
        }
        between = Some(producer);
        value = inner;
        let Some(p) = m.defining_op(value) else {
            return false;
        };
        producer = p;
    }
    let data = m.op(producer);
    if !PRODUCERS.iter().any(|def| data.is(def)) || data.results().len() != 1 {
        return false;
    }
    let none = data.attr(FUSED_ACTIVATION).and_then(Attribute::as_str) == Some("NONE");
    if !none || m.value_type(value) != m.value_type(output) {
        return false;
    }

    let act_loc = m.op(act).loc.clone();
    let data = m.op_mut(producer);
    let attr = Attribute::string(kind);
    if data.properties.get(FUSED_ACTIVATION).is_some() {
        data.properties.set(FUSED_ACTIVATION, attr);
    } else {
        data.attributes.set(FUSED_ACTIVATION, attr);
    }
    if act_loc != Location::Unknown {
        let producer_loc = std::mem::take(&mut data.loc);
        data.loc = Location::Fused {
            locs: vec![act_loc, producer_loc],
            metadata: None,
        };
    }
    m.replace_all_uses(output, value);
    let erased = m.erase_op(act).is_ok();
    if let Some(stats) = between {
        let _ = m.erase_op(stats);
    }
    erased
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass::PassContext;

    fn run(text: &str) -> String {
        let mut m = tqopt_textual_ir::parse_str("test.mlir", text).expect("parses");
        let mut cx = PassContext::new();
        FuseActivations.run(&mut m, &mut cx).expect("runs");
        tqopt_textual_ir::print_module(&m, &Default::default())
    }

    #[test]
    fn relu_after_conv_becomes_its_fused_activation() {
        let out = run(r#"
func.func @main(%x: tensor<1x4x4x1xf32>, %w: tensor<2x1x1x1xf32>, %b: tensor<2xf32>) -> tensor<1x4x4x2xf32> {
  %0 = "tfl.conv_2d"(%x, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32> loc("conv")
  %1 = "tfl.relu6"(%0) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("act")
  return %1 : tensor<1x4x4x2xf32>
}
"#);
        assert!(
            out.contains(r#"fused_activation_function = "RELU6""#),
            "{out}"
        );
        assert!(!out.contains("tfl.relu6"), "{out}");
        assert!(out.contains(r#"loc(fused["act", "conv"])"#), "{out}");
    }

    #[test]
    fn a_second_user_or_a_fused_activation_blocks_the_rewrite() {
        let text = r#"
func.func @main(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = tfl.add %a, %b {fused_activation_function = "NONE"} : tensor<4xf32>
  %1 = "tfl.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = tfl.add %a, %b {fused_activation_function = "RELU6"} : tensor<4xf32>
  %3 = "tfl.relu"(%2) : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
"#;
        let out = run(text);
        assert_eq!(out.matches("tfl.relu\"").count(), 2, "{out}");
    }

    #[test]
    fn statistics_of_the_unclamped_value_go_and_the_activations_stay() {
        let out = run(r#"
func.func @main(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tfl.add %a, %b {fused_activation_function = "NONE"} : tensor<4xf32>
  %1 = "quantfork.stats"(%0) {layerStats = dense<[-3.0, 5.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "tfl.relu"(%1) : (tensor<4xf32>) -> tensor<4xf32>
  %3 = "quantfork.stats"(%2) {layerStats = dense<[0.0, 5.0]> : tensor<2xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
}
"#);
        assert!(
            out.contains(r#"fused_activation_function = "RELU""#),
            "{out}"
        );
        assert_eq!(out.matches("quantfork.stats").count(), 1, "{out}");
        assert!(out.contains("0.000000e+00, 5.000000e+00"), "{out}");
    }
}
