//! `canonicalize`: local simplifications to a fixed point — float16 constants behind
//! `tfl.dequantize` folded into float32 constants, identity reshapes removed, dead ops erased.
//!
//! Sparse constants behind `tfl.densify` stay sparse here (a dense copy is larger);
//! `fold-constants` folds them for the passes that need every weight's values.
//!
//! A float16 constant whose values were elided from the text is left as it is, with a warning
//! (use `fold-constants` to make that an error).

use tqopt_ir::{Module, OpId};

use crate::folds::{self, Folded};
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const FOLDED_DEQUANTIZE: Statistic = Statistic {
    name: "num-folded-dequantize",
    description: "float16 dequantize ops folded into float32 constants",
};
pub const REMOVED_RESHAPES: Statistic = Statistic {
    name: "num-removed-reshapes",
    description: "reshapes to the same type removed",
};
pub const ERASED: Statistic = Statistic {
    name: "num-erased",
    description: "dead ops erased",
};

pub static INFO: PassInfo = PassInfo {
    argument: "canonicalize",
    summary: "Fold float16 constants into float32, remove identity reshapes and dead ops",
    description: "Applies local simplifications until nothing changes (or max-iterations): \
        tfl.dequantize of a float16 tfl.pseudo_const becomes a float32 constant, a tfl.reshape \
        whose result type equals its input type is removed, and side-effect-free ops without \
        uses are erased.",
    options: &[OptionInfo {
        name: "max-iterations",
        kind: OptionKind::Int,
        default: "10",
        help: "Stop after this many rounds over the IR",
    }],
    create,
    traits: PassTraits::NONE,
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let max_iterations = options.int("max-iterations")?;
    if max_iterations < 1 {
        return Err(format!(
            "max-iterations must be at least 1, not {max_iterations}"
        ));
    }
    Ok(Box::new(Canonicalize {
        max_iterations: max_iterations as usize,
    }))
}

pub struct Canonicalize {
    max_iterations: usize,
}

impl Pass for Canonicalize {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let mut changed = false;
        let mut warned = std::collections::HashSet::new();
        for _ in 0..self.max_iterations {
            let mut round = false;
            let ops: Vec<OpId> = m.walk_nested(m.op).collect();
            for op in ops {
                if m.is_erased(op) {
                    continue;
                }
                match folds::fold_float16_dequantize(m, op) {
                    Folded::Yes => {
                        cx.count(FOLDED_DEQUANTIZE, 1);
                        round = true;
                        continue;
                    }
                    Folded::NeedsValues(d) => {
                        if warned.insert(op) {
                            let mut w = d;
                            w.severity = tqopt_ir::Severity::Warning;
                            cx.emit(w);
                        }
                    }
                    Folded::No => {}
                }
                if folds::remove_identity_reshape(m, op) == Folded::Yes {
                    cx.count(REMOVED_RESHAPES, 1);
                    round = true;
                }
            }
            let erased = folds::erase_dead_ops(m);
            if erased > 0 {
                cx.count(ERASED, erased);
                round = true;
            }
            changed |= round;
            if !round {
                break;
            }
        }
        Ok(Changed::from(changed))
    }
}
