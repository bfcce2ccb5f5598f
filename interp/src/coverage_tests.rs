//! Every op of the tfl dialect's table (`tfl::OPS`) runs in the interpreter, or is listed here
//! as having no kernel of its own, with the reason. A new op without a kernel fails this test
//! in CI instead of failing a user's calibration run.

use tqopt_ir::dialect::{tfl, OpDef};

use crate::consts::is_constant_op;
use crate::kernels::{builder, KERNELS};

/// Ops the plan runs itself rather than through a kernel, and why.
const RUN_BY_THE_PLAN: &[(&OpDef, &str)] = &[
    (
        &tfl::NO_VALUE,
        "an absent optional operand: no step, kernels see Arg::Absent",
    ),
    (&tfl::WHILE, "the plan runs its condition and body regions"),
    (&tfl::IF, "the plan runs one of its two regions"),
    (
        &tfl::YIELD,
        "the terminator of a region: the plan reads its operands",
    ),
];

/// Ops with no kernel, and why.
const NO_KERNEL: &[(&OpDef, &str)] = &[(
    &tfl::BUILTIN,
    "an operator tqopt keeps in generic form: its semantics are not modelled (partial plans \
     leave it out)",
)];

#[test]
fn every_op_has_a_kernel_or_a_reason() {
    let listed =
        |list: &[(&OpDef, &str)], def: &OpDef| list.iter().any(|(d, _)| d.name == def.name);
    let mut missing = Vec::new();
    for def in tfl::OPS {
        let has = builder(def).is_some()
            || is_constant_op(def.name)
            || listed(RUN_BY_THE_PLAN, def)
            || listed(NO_KERNEL, def);
        if !has {
            missing.push(def.name);
        }
    }
    assert!(
        missing.is_empty(),
        "ops with no interpreter kernel and no reason given in coverage_tests.rs: {missing:?}"
    );
}

#[test]
fn the_lists_are_consistent() {
    for (list, what) in [
        (RUN_BY_THE_PLAN, "run by the plan"),
        (NO_KERNEL, "without a kernel"),
    ] {
        for (def, reason) in list {
            assert!(!reason.is_empty());
            assert!(
                builder(def).is_none(),
                "{} is listed as {what} but has a kernel",
                def.name
            );
            assert!(tfl::OPS.iter().any(|d| d.name == def.name), "{}", def.name);
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (def, _) in KERNELS {
        assert!(seen.insert(def.name), "{} has two kernels", def.name);
    }
}
