//! Fusing a convolution with the element-wise ops that consume it.
//!
//! MediaPipe's residual blocks are `conv_2d -> add(residual) -> prelu`, where the add and the
//! PReLU each make one more pass over a feature map that has just left the cache. When the
//! convolution's result and the add's result have no other use, the three run as one step:
//! the convolution applies `prelu(out + residual)` to each block of output rows right after
//! computing it ([`crate::kernels::conv::build_fused`]).
//!
//! The step keeps the original ops: an observed run (which must see every intermediate value)
//! runs them one by one, and so does a run whose operands the fused kernel does not handle.
//! Setting `TQOPT_INTERP_NO_FUSE` turns fusion off (to compare, or to debug a kernel).

use std::sync::Arc;

use smallvec::SmallVec;
use tqopt_ir::{Module, ValueId};

use crate::kernels::conv::{build_fused, Epilogue};
use crate::kernels::OpInfo;
use crate::plan::{Operand, Step, StepKind};
use crate::tensor::Tensor;

/// The ops after a convolution that one fused step absorbs.
struct Chain {
    len: usize,
    residual: Option<Operand>,
    alpha: Option<Operand>,
}

fn single_use(m: &Module, v: ValueId) -> bool {
    m.uses(v).len() == 1
}

fn activation_is_none(m: &Module, step: &Step) -> bool {
    m.op(step.op)
        .attr("fused_activation_function")
        .and_then(|a| a.as_str())
        .is_none_or(|s| s == "NONE")
}

fn is_kernel(step: &Step) -> bool {
    matches!(step.kind, StepKind::Kernel(_))
}

/// The chain starting at `steps[i]`, if it is a convolution followed by an add and/or PReLU
/// that only it feeds.
fn chain_at(m: &Module, steps: &[Step], i: usize) -> Option<Chain> {
    let conv = &steps[i];
    if conv.name != "tfl.conv_2d" || !is_kernel(conv) || conv.results.len() != 1 {
        return None;
    }
    let (r0, v0) = conv.results[0];
    if !activation_is_none(m, conv) || !single_use(m, v0) {
        return None;
    }
    let next = steps
        .get(i + 1)
        .filter(|s| is_kernel(s) && s.results.len() == 1)?;
    let r0 = Operand::Slot(r0);
    if next.name == "tfl.prelu" && next.operands.len() == 2 && next.operands[0] == r0 {
        return Some(Chain {
            len: 2,
            residual: None,
            alpha: Some(next.operands[1]),
        });
    }
    if next.name != "tfl.add" || next.operands.len() != 2 || !activation_is_none(m, next) {
        return None;
    }
    let residual = match (next.operands[0] == r0, next.operands[1] == r0) {
        (true, false) => next.operands[1],
        (false, true) => next.operands[0],
        _ => return None,
    };
    let (r1, v1) = next.results[0];
    let prelu = steps.get(i + 2).filter(|s| {
        is_kernel(s)
            && s.name == "tfl.prelu"
            && s.results.len() == 1
            && s.operands.len() == 2
            && s.operands[0] == Operand::Slot(r1)
            && single_use(m, v1)
    });
    Some(match prelu {
        Some(p) => Chain {
            len: 3,
            residual: Some(residual),
            alpha: Some(p.operands[1]),
        },
        None => Chain {
            len: 2,
            residual: Some(residual),
            alpha: None,
        },
    })
}

/// Replaces fusable chains of `steps` by fused steps; `uses` (the slots each step reads) is
/// kept parallel.
pub(crate) fn fuse(
    m: &Module,
    consts: &[Arc<Tensor>],
    steps: Vec<Step>,
    uses: Vec<Vec<u32>>,
) -> (Vec<Step>, Vec<Vec<u32>>) {
    if std::env::var_os("TQOPT_INTERP_NO_FUSE").is_some() {
        return (steps, uses);
    }
    let mut out_steps = Vec::with_capacity(steps.len());
    let mut out_uses = Vec::with_capacity(uses.len());
    let mut steps: std::collections::VecDeque<Step> = steps.into();
    let mut uses: std::collections::VecDeque<Vec<u32>> = uses.into();
    while !steps.is_empty() {
        let view: &[Step] = steps.make_contiguous();
        let Some(chain) = chain_at(m, view, 0) else {
            out_steps.extend(steps.pop_front());
            out_uses.extend(uses.pop_front());
            continue;
        };
        let conv = &view[0];
        let mut operands: SmallVec<[Operand; 4]> = conv.operands.clone();
        operands.resize(3, Operand::Absent);
        let epilogue = Epilogue {
            residual: chain.residual.map(|_| 3),
            alpha: chain.alpha.map(|_| 4),
        };
        operands.push(chain.residual.unwrap_or(Operand::Absent));
        operands.push(chain.alpha.unwrap_or(Operand::Absent));
        let const_refs: Vec<Option<&Tensor>> = conv
            .operands
            .iter()
            .map(|o| match o {
                Operand::Const(c) => Some(&*consts[*c as usize]),
                _ => None,
            })
            .collect();
        let info = OpInfo {
            module: m,
            op: conv.op,
            consts: &const_refs,
        };
        let Ok(fused) = build_fused(&info, epilogue) else {
            out_steps.extend(steps.pop_front());
            out_uses.extend(uses.pop_front());
            continue;
        };
        let mut parts: Vec<Step> = steps.drain(..chain.len).collect();
        let mut read: Vec<u32> = uses.drain(..chain.len).flatten().collect();
        let internal: Vec<u32> = parts[..chain.len - 1]
            .iter()
            .flat_map(|p| p.results.iter().map(|r| r.0))
            .collect();
        read.retain(|s| !internal.contains(s));
        for p in &mut parts {
            // Run one by one, parts neither take nor drop values: the fused step does.
            p.moves = SmallVec::from_elem(false, p.operands.len());
            p.free_after.clear();
        }
        let last = &parts[chain.len - 1];
        let step = Step {
            op: parts[0].op,
            name: parts[0].name.clone(),
            loc: parts[0].loc.clone(),
            operands,
            moves: SmallVec::new(),
            results: last.results.clone(),
            expect: last.expect.clone(),
            free_after: SmallVec::new(),
            kind: StepKind::Fused {
                fused,
                parts,
                internal,
            },
        };
        out_steps.push(step);
        out_uses.push(read);
    }
    (out_steps, out_uses)
}
