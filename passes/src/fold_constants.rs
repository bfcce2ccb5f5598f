//! `fold-constants`: folds sparse float weights behind `tfl.densify` into dense constants and
//! float16 weights behind `tfl.dequantize` into float32 constants, removes identity reshapes and
//! dead ops. Unlike `canonicalize`, a constant whose
//! values are missing from the IR is an error: this pass promises float32 constants after it.

use tqopt_ir::{Module, OpId};

use crate::folds::{self, Folded};
use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const FOLDED_DENSIFY: Statistic = Statistic {
    name: "num-folded-densify",
    description: "densify ops of sparse constants folded into dense constants",
};

pub static INFO: PassInfo = PassInfo {
    argument: "fold-constants",
    summary:
        "Fold sparse and float16 weights into float32 constants; fail if their values are missing",
    description: "Every tfl.densify of a float tfl.pseudo_sparse_const becomes a dense constant \
        and every tfl.dequantize of a float16 tfl.pseudo_const a float32 \
        tfl.pseudo_const, identity reshapes and dead ops go. A constant printed as \
        dense_resource<__elided__> has no values to fold, which is an error naming the op.",
    options: &[],
    create,
    traits: PassTraits::NONE,
};

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(FoldConstants))
}

pub struct FoldConstants;

impl Pass for FoldConstants {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let ops: Vec<OpId> = m.walk_nested(m.op).collect();
        let mut errors = Vec::new();
        let mut changed = false;
        for op in ops {
            if m.is_erased(op) {
                continue;
            }
            let (folded, statistic) = match folds::fold_densify(m, op) {
                Folded::No => (
                    folds::fold_float16_dequantize(m, op),
                    crate::canonicalize::FOLDED_DEQUANTIZE,
                ),
                other => (other, FOLDED_DENSIFY),
            };
            match folded {
                Folded::Yes => {
                    cx.count(statistic, 1);
                    changed = true;
                }
                Folded::NeedsValues(d) => errors.push(d),
                Folded::No => {
                    if folds::remove_identity_reshape(m, op) == Folded::Yes {
                        cx.count(crate::canonicalize::REMOVED_RESHAPES, 1);
                        changed = true;
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(PassError::new(errors));
        }
        let erased = folds::erase_dead_ops(m);
        cx.count(crate::canonicalize::ERASED, erased);
        Ok(Changed::from(changed || erased > 0))
    }
}
