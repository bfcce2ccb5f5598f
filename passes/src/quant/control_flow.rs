//! Control flow in quantization: `tfl.while` and `tfl.if` whose regions only call functions
//! (`func.call @f(...)` then `tfl.yield`, the form the importer makes and the exporter turns
//! back into subgraph indices).
//!
//! TFLite copies the bytes of a WHILE's operands into the body's inputs, the body's outputs
//! back into its inputs, and the last ones into the WHILE's outputs; IF copies its inputs into
//! the branch's inputs and the branch's outputs into its results. So each such chain of
//! tensors must share one type and one quantization. A [`Group`] is one chain:
//!
//! - WHILE, per carried value `i`: the operand `i`, the cond and body functions' argument `i`,
//!   the body's result `i` and the WHILE's result `i`;
//! - IF, per result `j`: both branches' result `j` and the IF's result `j`; per input `k`: the
//!   value both regions pass as argument `k` and both branches' argument `k`.
//!
//! Groups that share a function (one body called from two loops) are merged.
//!
//! Two steps use them:
//! - [`unify_ranges`] (in `propagate-ranges`): removes the statistics calibration attached
//!   inside the regions (they would break the call form) and gives every statistic of a group
//!   the union of the group's ranges, so the passes that follow choose one scale for the chain;
//! - [`retype`] (in `fold-dequant`, after `fold-quant`): gives every tensor of a group the
//!   group's quantized type, with a quantize or dequantize where a neighbour still differs, and
//!   makes the regions' block arguments, calls and yields, and the functions' types follow.
//!
//! Invariant kept: the regions hold exactly one `func.call` and one `tfl.yield`, and the call
//! passes the region's block arguments (WHILE) or the same values in both regions (IF).

use std::collections::HashSet;

use tqopt_ir::dialect::{func, quantfork, tfl, tfl_builders};
use tqopt_ir::{Attribute, ElementType, FunctionType, Module, OpId, Type, ValueId};

use super::layer_stats;
use super::qdq::{defined_by, insert_after_def, quant_of, value_loc};

/// One place a tensor of a chain lives.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Member {
    /// Argument `index` of a function's entry block.
    FuncArg { func: OpId, index: usize },
    /// Operand `index` of a function's `func.return`.
    FuncResult { func: OpId, index: usize },
    /// Operand `index` of a `tfl.while` (in the caller).
    WhileOperand { op: OpId, index: usize },
    /// Argument `index` of the calls in both regions of a `tfl.if` (a caller's value).
    IfInput { op: OpId, index: usize },
    /// Result `index` of a `tfl.while` or `tfl.if`.
    OpResult { op: OpId, index: usize },
}

/// Tensors that TFLite copies into one another and that therefore share one quantization.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub members: Vec<Member>,
}

/// The region `r` of `op` in call form: its block, call, yield and the called function.
/// Statistics ops (which calibration may have put there) are skipped.
struct RegionCall {
    block: tqopt_ir::BlockId,
    call: OpId,
    callee: OpId,
}

fn region_call(m: &Module, op: OpId, r: usize) -> Option<RegionCall> {
    let &region = m.op(op).regions().get(r)?;
    let [block] = m.region(region).blocks() else {
        return None;
    };
    let ops: Vec<OpId> = m
        .block_ops(*block)
        .filter(|&o| !m.op(o).is(&quantfork::STATS))
        .collect();
    let [call, y] = ops[..] else { return None };
    if !m.op(call).is(&func::CALL) || !m.op(y).is(&tfl::YIELD) {
        return None;
    }
    let callee = match m.op(call).attr("callee") {
        Some(Attribute::SymbolRef(path)) if path.len() == 1 => m.lookup_func(&path[0])?,
        _ => return None,
    };
    func::entry_block(m, callee)?;
    Some(RegionCall {
        block: *block,
        call,
        callee,
    })
}

/// The control-flow ops of the module whose regions are in call form.
fn control_ops(m: &Module) -> Vec<(OpId, [RegionCall; 2])> {
    let mut out = Vec::new();
    for op in m.walk_nested(m.op) {
        let data = m.op(op);
        if !(data.is(&tfl::WHILE) || data.is(&tfl::IF)) {
            continue;
        }
        if let (Some(a), Some(b)) = (region_call(m, op, 0), region_call(m, op, 1)) {
            out.push((op, [a, b]));
        }
    }
    out
}

fn is_float_tensor(m: &Module, v: ValueId) -> bool {
    m.value_type(v)
        .element_type()
        .is_some_and(|e| e.as_float().is_some() || e.as_quant().is_some())
}

/// The groups of the module's control flow (see the module doc), merged where they share a
/// function's argument or result. Only chains of float (or already quantized) tensors.
pub fn groups(m: &Module) -> Vec<Group> {
    let mut raw: Vec<Vec<Member>> = Vec::new();
    for (op, [first, second]) in control_ops(m) {
        if m.op(op).is(&tfl::WHILE) {
            let (cond, body) = (first.callee, second.callee);
            for (index, &v) in m.operands(op).iter().enumerate() {
                if !is_float_tensor(m, v) {
                    continue;
                }
                raw.push(vec![
                    Member::WhileOperand { op, index },
                    Member::FuncArg { func: cond, index },
                    Member::FuncArg { func: body, index },
                    Member::FuncResult { func: body, index },
                    Member::OpResult { op, index },
                ]);
            }
        } else {
            let (then_f, else_f) = (first.callee, second.callee);
            for (index, &v) in m.results(op).iter().enumerate() {
                if !is_float_tensor(m, v) {
                    continue;
                }
                raw.push(vec![
                    Member::OpResult { op, index },
                    Member::FuncResult {
                        func: then_f,
                        index,
                    },
                    Member::FuncResult {
                        func: else_f,
                        index,
                    },
                ]);
            }
            for (index, &v) in m.operands(first.call).iter().enumerate() {
                if !is_float_tensor(m, v) {
                    continue;
                }
                raw.push(vec![
                    Member::IfInput { op, index },
                    Member::FuncArg {
                        func: then_f,
                        index,
                    },
                    Member::FuncArg {
                        func: else_f,
                        index,
                    },
                ]);
            }
        }
    }
    // Merge groups that share a function's argument or result.
    let mut merged: Vec<Vec<Member>> = Vec::new();
    for g in raw {
        let shared = |x: &Vec<Member>| {
            g.iter().any(|a| {
                matches!(a, Member::FuncArg { .. } | Member::FuncResult { .. }) && x.contains(a)
            })
        };
        let (mut joined, rest): (Vec<Vec<Member>>, Vec<Vec<Member>>) =
            merged.into_iter().partition(shared);
        let mut members = g;
        for j in joined.drain(..) {
            members.extend(j);
        }
        members.sort();
        members.dedup();
        merged = rest;
        merged.push(members);
    }
    merged
        .into_iter()
        .map(|members| Group { members })
        .collect()
}

/// The return op of a function.
fn func_return(m: &Module, f: OpId) -> Option<OpId> {
    let entry = func::entry_block(m, f)?;
    m.last_op(entry).filter(|&r| m.op(r).is(&func::RETURN))
}

/// The value a member stands for, if it exists.
fn member_value(m: &Module, member: Member) -> Option<ValueId> {
    match member {
        Member::FuncArg { func: f, index } => {
            let entry = func::entry_block(m, f)?;
            m.block(entry).args().get(index).copied()
        }
        Member::FuncResult { func: f, index } => {
            let ret = func_return(m, f)?;
            m.operands(ret).get(index).copied()
        }
        Member::WhileOperand { op, index } => m.operands(op).get(index).copied(),
        Member::IfInput { op, index } => {
            let call = region_call(m, op, 0)?.call;
            m.operands(call).get(index).copied()
        }
        Member::OpResult { op, index } => m.results(op).get(index).copied(),
    }
}

/// Removes the statistics inside call-form regions of `tfl.while` / `tfl.if` (their tensors
/// are the called functions' arguments and results, which carry their own statistics) and
/// gives every statistic of a group the union of the group's ranges; a member without one
/// gets one. Statistics per axis are left as they are. Returns the number of statistics ops
/// removed, widened or added.
pub fn unify_ranges(m: &mut Module) -> u64 {
    let mut changed = 0;
    for (_, regions) in control_ops(m) {
        for rc in regions {
            let stats: Vec<OpId> = m
                .block_ops(rc.block)
                .filter(|&o| m.op(o).is(&quantfork::STATS))
                .collect();
            for s in stats {
                let arg = m.operands(s)[0];
                if m.replace_op(s, &[arg]).is_ok() {
                    changed += 1;
                }
            }
        }
    }
    for values in value_sets(m) {
        let ranges: Vec<(f64, f64)> = values
            .iter()
            .filter_map(|&v| layer_stats::stats_of(m, v))
            .filter_map(|s| layer_stats::range(m, s))
            .collect();
        let Some(union) = ranges
            .iter()
            .copied()
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
        else {
            continue;
        };
        for v in values {
            if !matches!(m.value_type(v), Type::Tensor(t) if t.elem == ElementType::F32) {
                continue;
            }
            match layer_stats::stats_of(m, v) {
                Some(s) => {
                    if m.op(s).attr("axisStats").is_some() {
                        continue;
                    }
                    if layer_stats::range(m, s) != Some(union) {
                        layer_stats::set_range(m, s, union);
                        changed += 1;
                    }
                }
                None => {
                    if layer_stats::attach(m, v, union).is_some() {
                        changed += 1;
                    }
                }
            }
        }
    }
    changed
}

/// The values of each group as calibration sees them (behind their statistics), groups that
/// share a value merged: a loop's result that feeds the next loop, or a value both a loop
/// carries and a branch reads, takes one range.
fn value_sets(m: &Module) -> Vec<Vec<ValueId>> {
    let mut sets: Vec<Vec<ValueId>> = Vec::new();
    for g in groups(m) {
        let mut values: Vec<ValueId> = Vec::new();
        for &member in &g.members {
            let Some(v) = member_value(m, member) else {
                continue;
            };
            let v = match defined_by(m, v, &quantfork::STATS) {
                Some(s) => m.operands(s)[0],
                None => v,
            };
            // A constant (the zeros a loop starts two states from) is no tensor of the chain:
            // each use gets its own quantized copy.
            if !values.contains(&v) && !is_constant(m, v) {
                values.push(v);
            }
        }
        let (joined, rest): (Vec<Vec<ValueId>>, Vec<Vec<ValueId>>) = sets
            .into_iter()
            .partition(|set| set.iter().any(|v| values.contains(v)));
        for set in joined {
            for v in set {
                if !values.contains(&v) {
                    values.push(v);
                }
            }
        }
        sets = rest;
        sets.push(values);
    }
    sets
}

fn is_constant(m: &Module, v: ValueId) -> bool {
    m.defining_op(v).is_some_and(|d| {
        m.op(d)
            .def()
            .is_some_and(|def| def.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE))
    })
}

/// The statistics ops of group members: `propagate-ranges` keeps these, since the chain's
/// tensors must share the group's range.
pub fn pinned_stats(m: &Module) -> HashSet<OpId> {
    value_sets(m)
        .into_iter()
        .flatten()
        .filter_map(|v| layer_stats::stats_of(m, v))
        .collect()
}

/// The quantized element type of `v` as the quantization passes left it: its own, the type of
/// the quantize that reads it, or the quantized value a dequantize made it from.
fn quantized_elem(m: &Module, v: ValueId) -> Option<ElementType> {
    let own = m.value_type(v).element_type()?;
    if own.as_quant().is_some() {
        return Some(own.clone());
    }
    if let Some(dq) = defined_by(m, v, &tfl::DEQUANTIZE) {
        let x = m.operands(dq)[0];
        if let Some(e) = m
            .value_type(x)
            .element_type()
            .filter(|e| e.as_quant().is_some())
        {
            return Some(e.clone());
        }
    }
    m.uses(v)
        .iter()
        .filter(|u| m.op(u.op).is(&tfl::QUANTIZE))
        .filter_map(|u| m.results(u.op).first())
        .filter_map(|&q| m.value_type(q).element_type())
        .find(|e| e.as_quant().is_some())
        .cloned()
}

/// Ops that pass a chain along or convert it, without computing on it.
fn is_plumbing(m: &Module, op: OpId) -> bool {
    let data = m.op(op);
    [
        &tfl::QUANTIZE,
        &tfl::DEQUANTIZE,
        &tfl::YIELD,
        &tfl::WHILE,
        &tfl::IF,
        &func::RETURN,
        &func::CALL,
        &quantfork::STATS,
    ]
    .iter()
    .any(|def| data.is(def))
}

/// Whether `op` computes on quantized tensors (an integer kernel).
fn computes_quantized(m: &Module, op: OpId) -> bool {
    !is_plumbing(m, op)
        && m.operands(op)
            .iter()
            .chain(m.results(op))
            .any(|&v| quant_of(m, v).is_some())
}

/// Whether an integer kernel reads `v` (directly or through quantizes) or made it (behind
/// quantizes and dequantizes).
fn touched_by_integer_kernel(m: &Module, v: ValueId) -> bool {
    let mut producer = m.defining_op(v);
    while let Some(p) = producer {
        let data = m.op(p);
        if !(data.is(&tfl::QUANTIZE) || data.is(&tfl::DEQUANTIZE)) {
            break;
        }
        producer = m.operands(p).first().and_then(|&x| m.defining_op(x));
    }
    if producer.is_some_and(|p| computes_quantized(m, p)) {
        return true;
    }
    let mut frontier = vec![v];
    while let Some(x) = frontier.pop() {
        for u in m.uses(x) {
            if m.op(u.op).is(&tfl::QUANTIZE) {
                frontier.extend(m.results(u.op).iter().copied());
            } else if computes_quantized(m, u.op) {
                return true;
            }
        }
    }
    false
}

/// Whether any integer kernel computes on a tensor of the chain. A chain none does stays
/// float: quantizing it would only add rounding (a loop whose ops all stay float, as with
/// `deny=.*` or an LSTM the precision search keeps float, still carried int8 state).
fn computed_in_integer(m: &Module, g: &Group) -> bool {
    g.members
        .iter()
        .filter_map(|&member| member_value(m, member))
        .any(|v| touched_by_integer_kernel(m, v))
}

/// The type the group takes: the first quantized type found at the body's (or a branch's)
/// arguments, then its results, then the op's results. `None`: the chain stays float, also
/// when no integer kernel computes on it ([`computed_in_integer`]).
fn group_elem(m: &Module, g: &Group) -> Option<ElementType> {
    if !computed_in_integer(m, g) {
        return None;
    }
    let rank = |member: &Member| match member {
        Member::FuncArg { .. } => 0,
        Member::FuncResult { .. } => 1,
        Member::OpResult { .. } => 2,
        _ => 3,
    };
    let mut ordered = g.members.clone();
    ordered.sort_by_key(rank);
    ordered
        .into_iter()
        .filter(|member| rank(member) < 3)
        .filter_map(|member| member_value(m, member))
        .find_map(|v| quantized_elem(m, v))
        .filter(|e| {
            // Per-tensor only: a per-axis type cannot be carried through a loop.
            matches!(
                e.as_quant().map(|q| &q.params),
                Some(tqopt_ir::QuantParams::PerTensor { .. })
            )
        })
}

fn quantize_op(m: &mut Module, x: ValueId, ty: Type, loc: tqopt_ir::Location) -> OpId {
    m.create_op(tfl_builders::quantize(x, ty).loc(loc))
}

/// `v` as a value of element type `elem`, for use by `user` (inserted before `user`): `v`
/// itself, the quantized value behind its dequantize, or a new quantize (a requantize when
/// `v` is quantized with other parameters).
fn as_elem(m: &mut Module, v: ValueId, elem: &ElementType, before: OpId) -> ValueId {
    if m.value_type(v).element_type() == Some(elem) {
        return v;
    }
    let mut source = v;
    if let Some(dq) = defined_by(m, v, &tfl::DEQUANTIZE) {
        let x = m.operands(dq)[0];
        if m.value_type(x).element_type() == Some(elem) {
            return x;
        }
        if m.value_type(x)
            .element_type()
            .is_some_and(|e| e.as_quant().is_some())
        {
            // A requantize of the quantized value, not a float round trip.
            source = x;
        }
    }
    let ty = m.value_type(v).with_element_type(elem.clone());
    let q = quantize_op(m, source, ty, value_loc(m, v));
    let _ = m.insert_before(before, q);
    m.results(q)[0]
}

/// Gives the defined value `v` (a block argument or an op result) element type `elem`: a
/// quantize of it into `elem` goes, other users read a dequantize inserted after it.
fn retype_definition(m: &mut Module, v: ValueId, elem: &ElementType) {
    if m.value_type(v).element_type() == Some(elem) {
        return;
    }
    let float_ty = m.value_type(v).clone();
    m.set_value_type(v, float_ty.with_element_type(elem.clone()));
    let uses = m.uses(v).to_vec();
    let mut dq_value: Option<ValueId> = None;
    for u in uses {
        let user = u.op;
        if m.op(user).is(&tfl::QUANTIZE) {
            let out = m.results(user)[0];
            if m.value_type(out).element_type() == Some(elem) {
                let _ = m.replace_op(user, &[v]);
            }
            // Otherwise it stays, now a requantize.
            continue;
        }
        let dq = match dq_value {
            Some(d) => d,
            None => {
                let loc = value_loc(m, v);
                let op = m.create_op(tfl_builders::dequantize(v, float_ty.clone()).loc(loc));
                insert_after_def(m, v, op);
                let d = m.results(op)[0];
                dq_value = Some(d);
                d
            }
        };
        m.set_operand(user, u.index as usize, dq);
    }
}

/// Gives every group its quantized type (see the module doc); returns the number of groups
/// retyped.
pub fn retype(m: &mut Module) -> u64 {
    let mut count = 0;
    let mut touched_funcs: HashSet<OpId> = HashSet::new();
    for g in groups(m) {
        let Some(elem) = group_elem(m, &g) else {
            continue;
        };
        count += 1;
        // Definitions first (arguments, op results), then uses (returns, op operands), so a
        // returned argument is returned as it is.
        for &member in &g.members {
            match member {
                Member::FuncArg { func: f, .. } => {
                    touched_funcs.insert(f);
                    if let Some(v) = member_value(m, member) {
                        retype_definition(m, v, &elem);
                    }
                }
                Member::OpResult { .. } => {
                    if let Some(v) = member_value(m, member) {
                        retype_definition(m, v, &elem);
                    }
                }
                _ => {}
            }
        }
        for &member in &g.members {
            match member {
                Member::FuncResult { func: f, index } => {
                    touched_funcs.insert(f);
                    let Some(ret) = func_return(m, f) else {
                        continue;
                    };
                    let Some(&v) = m.operands(ret).get(index) else {
                        continue;
                    };
                    let q = as_elem(m, v, &elem, ret);
                    m.set_operand(ret, index, q);
                }
                Member::WhileOperand { op, index } => {
                    let Some(&v) = m.operands(op).get(index) else {
                        continue;
                    };
                    let q = as_elem(m, v, &elem, op);
                    m.set_operand(op, index, q);
                }
                Member::IfInput { op, index } => {
                    let Some(v) = member_value(m, member) else {
                        continue;
                    };
                    let q = as_elem(m, v, &elem, op);
                    for r in 0..2 {
                        if let Some(rc) = region_call(m, op, r) {
                            m.set_operand(rc.call, index, q);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if count == 0 {
        return 0;
    }
    for f in touched_funcs {
        sync_function_type(m, f);
    }
    sync_regions(m);
    count
}

/// A function's type from its entry block's arguments and its return's operands.
pub(super) fn sync_function_type(m: &mut Module, f: OpId) {
    let (Some(entry), Some(ret)) = (func::entry_block(m, f), func_return(m, f)) else {
        return;
    };
    let inputs: Vec<Type> = m
        .block(entry)
        .args()
        .iter()
        .map(|&a| m.value_type(a).clone())
        .collect();
    let results: Vec<Type> = m
        .operands(ret)
        .iter()
        .map(|&v| m.value_type(v).clone())
        .collect();
    m.op_mut(f).properties.set(
        "function_type",
        Attribute::Type(Type::Function(Box::new(FunctionType { inputs, results }))),
    );
}

/// The regions follow their callees: a WHILE region's block arguments take the callee's
/// argument types, every call's results the callee's result types (the yields pass them on).
fn sync_regions(m: &mut Module) {
    for (op, regions) in control_ops(m) {
        for rc in regions {
            let Some(entry) = func::entry_block(m, rc.callee) else {
                continue;
            };
            let arg_types: Vec<Type> = m
                .block(entry)
                .args()
                .iter()
                .map(|&a| m.value_type(a).clone())
                .collect();
            if m.op(op).is(&tfl::WHILE) {
                let args = m.block(rc.block).args().to_vec();
                for (a, ty) in args.into_iter().zip(&arg_types) {
                    m.set_value_type(a, ty.clone());
                }
            }
            let result_types: Vec<Type> = match func_return(m, rc.callee) {
                Some(ret) => m
                    .operands(ret)
                    .iter()
                    .map(|&v| m.value_type(v).clone())
                    .collect(),
                None => continue,
            };
            let results = m.results(rc.call).to_vec();
            for (r, ty) in results.into_iter().zip(result_types) {
                m.set_value_type(r, ty);
            }
        }
    }
}

/// True for the ops that only route values between functions (`tfl.while`, `tfl.if`,
/// `func.call`, `tfl.yield`, `func.return`): they are not computations to quantize.
pub fn is_structure(m: &Module, op: OpId) -> bool {
    let data = m.op(op);
    data.is(&tfl::WHILE)
        || data.is(&tfl::IF)
        || data.is(&func::CALL)
        || data.is(&tfl::YIELD)
        || data.is(&func::RETURN)
}
