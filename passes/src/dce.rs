//! `dce`: dead code elimination. An op is live when something with an effect (a terminator,
//! an op with side effects, an op of another dialect) depends on it; every other op goes.
//! Liveness is computed on petgraph views of each block's def-use graph.

use tqopt_ir::dialect::Traits;
use tqopt_ir::graph::DataflowGraph;
use tqopt_ir::{BlockId, Module, OpId};

use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const ERASED: Statistic = Statistic {
    name: "num-erased",
    description: "dead ops erased",
};

pub static INFO: PassInfo = PassInfo {
    argument: "dce",
    summary: "Remove operations whose results nothing with an effect depends on",
    description: "Keeps terminators, ops with side effects and ops of unknown dialects, and \
        everything they depend on; erases the rest, including dead cycles of pure ops.",
    options: &[],
    create,
    traits: PassTraits::NONE,
};

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(Dce))
}

pub struct Dce;

impl Pass for Dce {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        let blocks: Vec<BlockId> = m
            .walk(m.op)
            .flat_map(|op| m.op(op).regions().to_vec())
            .flat_map(|r| m.region(r).blocks().to_vec())
            .collect();
        let mut dead: Vec<OpId> = Vec::new();
        for b in blocks {
            let graph = DataflowGraph::of_block(m, b);
            let roots: Vec<OpId> = m.block_ops(b).filter(|&op| has_effect(m, op)).collect();
            let live = graph.needed_by(roots);
            dead.extend(m.block_ops(b).filter(|op| !live.contains(op)));
        }
        // Users before producers, so each erase sees no remaining uses.
        let mut erased = 0u64;
        let mut pending = dead;
        while !pending.is_empty() {
            let before = pending.len();
            pending.retain(|&op| m.erase_op(op).is_err());
            erased += (before - pending.len()) as u64;
            if pending.len() == before {
                break;
            }
        }
        cx.count(ERASED, erased);
        Ok(Changed::from(erased > 0))
    }
}

fn has_effect(m: &Module, op: OpId) -> bool {
    match m.op(op).def() {
        Some(def) => {
            !def.has_trait(Traits::PURE)
                || def.has_trait(Traits::TERMINATOR)
                || !m.op(op).regions().is_empty()
        }
        None => true,
    }
}
