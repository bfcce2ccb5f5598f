//! Graph views of the IR for analyses, built on demand with petgraph. The view is never the
//! storage: build it, analyse, drop it, then rewrite the IR.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, Reversed};

use crate::context::Context;
use crate::entity::{BlockId, OpId, ValueId};

/// The def-use graph of one block: a node per op, an edge from each op to every op of the
/// block that uses one of its results (uses nested in regions count for their enclosing op).
pub struct DataflowGraph {
    pub graph: DiGraph<OpId, ValueId>,
    pub nodes: HashMap<OpId, NodeIndex>,
}

impl DataflowGraph {
    pub fn of_block(ctx: &Context, block: BlockId) -> DataflowGraph {
        let mut graph = DiGraph::new();
        let mut nodes = HashMap::new();
        for op in ctx.block_ops(block) {
            nodes.insert(op, graph.add_node(op));
        }
        for op in ctx.block_ops(block) {
            for &r in ctx.results(op) {
                for u in ctx.uses(r) {
                    if let Some(user) = ancestor_in_block(ctx, u.op, block) {
                        graph.add_edge(nodes[&op], nodes[&user], r);
                    }
                }
            }
        }
        DataflowGraph { graph, nodes }
    }

    /// The ops that `roots` depend on, transitively, including the roots.
    pub fn needed_by(
        &self,
        roots: impl IntoIterator<Item = OpId>,
    ) -> std::collections::HashSet<OpId> {
        let reversed = Reversed(&self.graph);
        let mut needed = std::collections::HashSet::new();
        for root in roots {
            let Some(&start) = self.nodes.get(&root) else {
                continue;
            };
            let mut dfs = Dfs::new(reversed, start);
            while let Some(n) = dfs.next(reversed) {
                needed.insert(self.graph[n]);
            }
        }
        needed
    }

    /// The ops in an order where every def comes before its uses; `None` on a cycle.
    pub fn topological_order(&self) -> Option<Vec<OpId>> {
        petgraph::algo::toposort(&self.graph, None)
            .ok()
            .map(|v| v.into_iter().map(|n| self.graph[n]).collect())
    }
}

/// The op of `block` that is `op` or encloses it.
pub fn ancestor_in_block(ctx: &Context, op: OpId, block: BlockId) -> Option<OpId> {
    let mut cur = op;
    loop {
        let b = ctx.parent_block(cur)?;
        if b == block {
            return Some(cur);
        }
        cur = ctx.block_parent_op(b)?;
    }
}
