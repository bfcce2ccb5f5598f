//! Compiling a function of the IR into a plan the interpreter runs many times.
//!
//! Planning does once what would otherwise be done per run:
//! - every op gets its kernel, with attributes parsed and constant weights repacked;
//! - constants are decoded, and every op whose operands are all constants is evaluated now
//!   (folding float16 `tfl.dequantize`, `tfl.densify` of sparse weights and shape arithmetic);
//! - values get dense slot numbers per function, and liveness says after which step each value
//!   is dropped, and which operands a kernel may take over (their last use) to reuse the buffer.
//!
//! A value is dropped by the block that defines it: a value used inside a region of a
//! `tfl.while` or `tfl.if` lives until that op is done, and a region never drops or moves values
//! of the blocks around it.
//!
//! A partial plan ([`Interpreter::new_partial`]) leaves out custom ops without a kernel and every
//! op that reads a value depending on them (transitively); an op with regions, or a call, that
//! meets such a value anywhere inside is left out whole. Left-out ops get no step and their
//! results no slot; invariant: no step of a partial plan reads an [`Operand::Unavailable`],
//! only the entry function's terminator may yield one.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use smallvec::SmallVec;
use tqopt_ir::dialect::{func, quantfork, tfl, OpDef};
use tqopt_ir::{Attribute, BlockId, Location, Module, OpId, Type, ValueId};

use crate::consts::{decode_constant, dtype_of, is_constant_op};
use crate::error::{loc_text, InterpError};
use crate::kernels::{self, args::Arg, Args, BoxKernel, OpInfo};
use crate::quantized::Mode;
use crate::tensor::{DType, Tensor};

/// Where a step finds an operand.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    /// A value computed at run time, in this slot of the function's frame.
    Slot(u32),
    /// A constant of the plan.
    Const(u32),
    /// `tfl.no_value`.
    Absent,
    /// A value that depends on an op the interpreter cannot run (a partial plan, see
    /// [`Interpreter::new_partial`]): the index of that op in [`Interpreter::unrunnable`]. Only
    /// the entry function's results can be such values; a step never reads one.
    Unavailable(u32),
}

/// An op that a partial plan ([`Interpreter::new_partial`]) does not run: a custom op whose
/// `custom_code` has no kernel in the interpreter, or a TFLite operator tqopt keeps in generic
/// form (`tfl.builtin`).
#[derive(Clone, Debug, PartialEq)]
pub struct Unrunnable {
    pub op: OpId,
    /// The op's name (`tfl.custom`), or the TFLite operator's name for a generic op.
    pub name: String,
    /// Its `custom_code`, for a custom op.
    pub custom_code: Option<String>,
    /// Its location, as the IR prints it: `loc("name")`.
    pub loc: String,
}

impl Unrunnable {
    /// What the op is: `custom op 'Landmarks2TransformMatrixV2'`, or for an operator tqopt
    /// keeps in generic form, `TFLite op 'VAR_HANDLE'`.
    pub fn what(&self) -> String {
        match &self.custom_code {
            Some(code) => format!("custom op '{code}'"),
            None => format!("TFLite op '{}'", self.name),
        }
    }

    /// `custom op 'Landmarks2TransformMatrixV2' at loc("name")`.
    pub fn describe(&self) -> String {
        format!("{} at {}", self.what(), self.loc)
    }
}

/// What a result must look like, from its IR type.
#[derive(Clone, Debug)]
pub(crate) struct Expect {
    pub dtype: Option<DType>,
    /// Dimensions, -1 for dynamic; `None` when unranked.
    pub dims: Option<SmallVec<[i64; 6]>>,
}

pub(crate) enum StepKind {
    Kernel(BoxKernel),
    /// A chain of ops run as one kernel, with the chain's own steps for observed runs.
    Fused {
        fused: Box<dyn crate::kernels::FusedKernel>,
        parts: Vec<Step>,
        /// Slots of the chain's intermediate values (set only when the parts run).
        internal: Vec<u32>,
    },
    While {
        cond: BlockPlan,
        body: BlockPlan,
    },
    If {
        then_: BlockPlan,
        else_: BlockPlan,
    },
    Call {
        func: usize,
    },
}

pub(crate) struct Step {
    pub op: OpId,
    pub name: String,
    pub loc: Location,
    pub kind: StepKind,
    pub operands: SmallVec<[Operand; 4]>,
    /// Per operand: this step is the value's last use, so the step may take it.
    pub moves: SmallVec<[bool; 4]>,
    pub results: SmallVec<[(u32, ValueId); 2]>,
    pub expect: SmallVec<[Expect; 2]>,
    /// Slots dropped after this step (last uses that were not moved, unused results).
    pub free_after: SmallVec<[u32; 4]>,
}

impl Step {
    pub fn error(&self, message: impl Into<String>) -> InterpError {
        InterpError::op(&self.name, &self.loc, message)
    }
}

/// A block: its arguments, its steps, and the operands of its terminator.
pub(crate) struct BlockPlan {
    pub args: Vec<(u32, ValueId)>,
    /// Arguments no step uses, dropped as soon as they are bound.
    pub unused_args: Vec<u32>,
    pub steps: Vec<Step>,
    pub yields: Vec<Operand>,
    /// Per yielded operand: it is defined in this block and yielded once, so it can be moved.
    pub yield_moves: Vec<bool>,
}

pub(crate) struct FuncPlan {
    pub name: String,
    pub num_slots: usize,
    pub body: BlockPlan,
    pub arg_types: Vec<Type>,
}

/// A function of a module, compiled to run on tensors.
///
/// Build it once with [`Interpreter::new`]; then [`run`](Interpreter::run) it as often as
/// needed, from as many threads as needed (it is `Sync`: a run keeps its state on its own
/// stack). The interpreter owns everything it needs and does not borrow the module.
pub struct Interpreter {
    pub(crate) funcs: Vec<FuncPlan>,
    pub(crate) entry: usize,
    pub(crate) consts: Vec<Arc<Tensor>>,
    pub(crate) const_of: HashMap<ValueId, u32>,
    /// Ops a partial plan does not run (empty for a complete plan).
    pub(crate) unrunnable: Vec<Unrunnable>,
    /// Every op not run, with the index in `unrunnable` of the op it depends on (itself for
    /// an unrunnable op), in planning order.
    pub(crate) skipped: Vec<(OpId, u32)>,
}

impl Interpreter {
    /// Compiles the function `func_name` of `module` (and every function it calls).
    ///
    /// Fails on an op without a kernel, naming the op and its location, and on attributes or
    /// constant shapes the kernels reject.
    pub fn new(module: &Module, func_name: &str) -> Result<Interpreter, InterpError> {
        Interpreter::plan(module, func_name, false)
    }

    /// Like [`new`](Interpreter::new), but a custom op without a kernel is no error: it is left
    /// out with everything that depends on its results ([`skipped`](Interpreter::skipped)). An
    /// op with regions runs whole or not at all, and so does a call: one that holds or reads
    /// such a value is left out. The entry function's results that depend on a left-out op are
    /// `None` in [`run_partial_observed`](Interpreter::run_partial_observed) and an error in
    /// [`run`](Interpreter::run).
    pub fn new_partial(module: &Module, func_name: &str) -> Result<Interpreter, InterpError> {
        Interpreter::plan(module, func_name, true)
    }

    /// The ops left out of a partial plan because the interpreter cannot run them.
    pub fn unrunnable(&self) -> &[Unrunnable] {
        &self.unrunnable
    }

    /// Every op a partial plan leaves out, with the op it depends on (an entry of
    /// [`unrunnable`](Interpreter::unrunnable); for an unrunnable op, itself). Ops inside a
    /// left-out op's regions may be listed too.
    pub fn skipped(&self) -> impl Iterator<Item = (OpId, &Unrunnable)> + '_ {
        self.skipped
            .iter()
            .map(|&(op, c)| (op, &self.unrunnable[c as usize]))
    }

    fn plan(module: &Module, func_name: &str, partial: bool) -> Result<Interpreter, InterpError> {
        let func_op =
            module
                .lookup_func(func_name)
                .ok_or_else(|| InterpError::FunctionNotFound {
                    name: func_name.to_string(),
                })?;
        let mut planner = Planner {
            m: module,
            consts: Vec::new(),
            const_of: HashMap::new(),
            func_index: HashMap::new(),
            funcs: Vec::new(),
            partial,
            unrunnable: Vec::new(),
            skipped: Vec::new(),
            unavailable: HashMap::new(),
            unavailable_reads: Cell::new(0),
            last_read_cause: Cell::new(0),
            incomplete: HashMap::new(),
            float_view: crate::quantized::FloatView::default(),
        };
        let entry = planner.plan_func(func_op)?;
        let funcs = planner
            .funcs
            .into_iter()
            .map(|f| f.ok_or_else(|| InterpError::structure("a function was left unplanned")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Interpreter {
            funcs,
            entry,
            consts: planner.consts,
            const_of: planner.const_of,
            unrunnable: planner.unrunnable,
            skipped: planner.skipped,
        })
    }

    /// Compiles the module's only function, or its `main`.
    pub fn for_main(module: &Module) -> Result<Interpreter, InterpError> {
        let funcs = module.funcs();
        let name = if funcs.len() == 1 {
            func::name(module, funcs[0]).unwrap_or("main").to_string()
        } else {
            "main".to_string()
        };
        Interpreter::new(module, &name)
    }

    /// The types of the entry function's arguments.
    pub fn input_types(&self) -> &[Type] {
        &self.funcs[self.entry].arg_types
    }

    /// The plan-time value of `v` when it is a constant (a decoded constant or an op folded
    /// at plan time); such values are not reported to observers.
    pub fn constant(&self, v: ValueId) -> Option<&Tensor> {
        self.const_of.get(&v).map(|&i| &*self.consts[i as usize])
    }

    /// How many run-time steps the entry function has (ops not folded away), for diagnostics.
    pub fn num_steps(&self) -> usize {
        self.funcs[self.entry].body.steps.len()
    }
}

struct Planner<'m> {
    m: &'m Module,
    consts: Vec<Arc<Tensor>>,
    const_of: HashMap<ValueId, u32>,
    func_index: HashMap<OpId, usize>,
    funcs: Vec<Option<FuncPlan>>,
    /// Leave out custom ops without a kernel, and what depends on them.
    partial: bool,
    unrunnable: Vec<Unrunnable>,
    skipped: Vec<(OpId, u32)>,
    /// Values that depend on an unrunnable op, with its index.
    unavailable: HashMap<ValueId, u32>,
    /// How many times an operand read an unavailable value (to tell whether planning a region
    /// or a function met one).
    unavailable_reads: Cell<usize>,
    last_read_cause: Cell<u32>,
    /// Functions (by plan index) that hold a left-out op, with the first one's cause.
    incomplete: HashMap<usize, u32>,
    /// The module as the float kernels of emulated quantized ops see it.
    float_view: crate::quantized::FloatView,
}

/// What planning a region or a function met of unrunnable ops: compare two marks to know
/// whether something in between was left out.
#[derive(Copy, Clone, PartialEq)]
struct Mark {
    skipped: usize,
    reads: usize,
}

/// Slot numbering of one function.
#[derive(Default)]
struct Scope {
    slot_of: HashMap<ValueId, u32>,
    num_slots: u32,
}

impl Scope {
    fn define(&mut self, v: ValueId) -> u32 {
        let s = self.num_slots;
        self.num_slots += 1;
        self.slot_of.insert(v, s);
        s
    }
}

fn loc_of(m: &Module, op: OpId) -> Location {
    m.op(op).loc.clone()
}

impl<'m> Planner<'m> {
    fn plan_func(&mut self, func_op: OpId) -> Result<usize, InterpError> {
        if let Some(&i) = self.func_index.get(&func_op) {
            return Ok(i);
        }
        let index = self.funcs.len();
        self.funcs.push(None);
        self.func_index.insert(func_op, index);
        let name = func::name(self.m, func_op).unwrap_or("?").to_string();
        let entry = func::entry_block(self.m, func_op)
            .ok_or_else(|| InterpError::structure(format!("function '@{name}' has no body")))?;
        let mut scope = Scope::default();
        let mark = self.mark();
        let body = self.plan_block(entry, &mut scope, &func::RETURN)?;
        if let Some(cause) = self.cause_since(mark) {
            self.incomplete.insert(index, cause);
        }
        let arg_types = self
            .m
            .block(entry)
            .args()
            .iter()
            .map(|&a| self.m.value_type(a).clone())
            .collect();
        self.funcs[index] = Some(FuncPlan {
            name,
            num_slots: scope.num_slots as usize,
            body,
            arg_types,
        });
        Ok(index)
    }

    fn mark(&self) -> Mark {
        Mark {
            skipped: self.skipped.len(),
            reads: self.unavailable_reads.get(),
        }
    }

    /// The cause of the first op left out, or value found unavailable, since `mark`.
    fn cause_since(&self, mark: Mark) -> Option<u32> {
        if let Some(&(_, c)) = self.skipped.get(mark.skipped) {
            return Some(c);
        }
        (self.unavailable_reads.get() != mark.reads).then(|| self.last_read_cause.get())
    }

    /// Leaves `op` out: its results become unavailable, with `cause`.
    fn skip(&mut self, op: OpId, cause: u32) {
        for &r in self.m.op(op).results() {
            self.unavailable.insert(r, cause);
        }
        self.skipped.push((op, cause));
    }

    fn operand(&self, scope: &Scope, v: ValueId, user: OpId) -> Result<Operand, InterpError> {
        if let Some(&c) = self.unavailable.get(&v) {
            self.unavailable_reads.set(self.unavailable_reads.get() + 1);
            self.last_read_cause.set(c);
            return Ok(Operand::Unavailable(c));
        }
        if let Some(&c) = self.const_of.get(&v) {
            return Ok(Operand::Const(c));
        }
        if let Some(&s) = scope.slot_of.get(&v) {
            return Ok(Operand::Slot(s));
        }
        if self.m.value_type(v).is_none() {
            return Ok(Operand::Absent);
        }
        Err(InterpError::op(
            self.m.op(user).name.as_str(),
            &loc_of(self.m, user),
            "uses a value that is not defined before it in this function",
        ))
    }

    fn add_const(&mut self, v: ValueId, t: Tensor) -> u32 {
        let i = self.consts.len() as u32;
        self.consts.push(Arc::new(t));
        self.const_of.insert(v, i);
        i
    }

    fn plan_block(
        &mut self,
        block: BlockId,
        scope: &mut Scope,
        terminator: &OpDef,
    ) -> Result<BlockPlan, InterpError> {
        let m = self.m;
        let args: Vec<(u32, ValueId)> = m
            .block(block)
            .args()
            .iter()
            .map(|&a| (scope.define(a), a))
            .collect();
        let mut steps: Vec<Step> = Vec::new();
        // Per step: the slots it uses, directly or inside its regions.
        let mut step_uses: Vec<Vec<u32>> = Vec::new();
        let mut yields = None;
        for op in m.block_ops(block) {
            let data = m.op(op);
            let name = data.name.as_str();
            if data.is(&func::RETURN) || data.is(&tfl::YIELD) {
                if !data.is(terminator) {
                    return Err(InterpError::op(
                        name,
                        &data.loc,
                        format!("expected '{}' to end this block", terminator.name),
                    ));
                }
                let ops = data
                    .operands()
                    .iter()
                    .map(|&v| self.operand(scope, v, op))
                    .collect::<Result<Vec<_>, _>>()?;
                yields = Some(ops);
                break;
            }
            if let Some(step) = self.plan_op(op, scope)? {
                let mut used: Vec<u32> = step
                    .operands
                    .iter()
                    .filter_map(|o| match o {
                        Operand::Slot(s) => Some(*s),
                        _ => None,
                    })
                    .collect();
                if !data.regions().is_empty() {
                    for inner in m.walk_nested(op) {
                        for &v in m.op(inner).operands() {
                            if let Some(&s) = scope.slot_of.get(&v) {
                                used.push(s);
                            }
                        }
                    }
                }
                steps.push(step);
                step_uses.push(used);
            }
        }
        let yields = yields.ok_or_else(|| {
            InterpError::structure(format!("a block does not end with '{}'", terminator.name))
        })?;
        let (mut steps, step_uses) = crate::fuse::fuse(m, &self.consts, steps, step_uses);

        // Liveness over the values this block defines.
        let mut defined_at: HashMap<u32, usize> = HashMap::new();
        for &(s, _) in &args {
            defined_at.insert(s, 0);
        }
        for (i, step) in steps.iter().enumerate() {
            for &(s, _) in &step.results {
                defined_at.insert(s, i);
            }
        }
        let mut last_use: HashMap<u32, usize> = HashMap::new();
        for (i, used) in step_uses.iter().enumerate() {
            for s in used {
                if defined_at.contains_key(s) {
                    last_use.insert(*s, i);
                }
            }
        }
        let end = steps.len();
        let mut yield_count: HashMap<u32, usize> = HashMap::new();
        for y in &yields {
            if let Operand::Slot(s) = y {
                if defined_at.contains_key(s) {
                    last_use.insert(*s, end);
                    *yield_count.entry(*s).or_default() += 1;
                }
            }
        }
        let yield_moves = yields
            .iter()
            .map(|y| match y {
                Operand::Slot(s) => yield_count.get(s) == Some(&1),
                _ => false,
            })
            .collect();
        let unused_args = args
            .iter()
            .filter(|(s, _)| !last_use.contains_key(s))
            .map(|(s, _)| *s)
            .collect();
        for (i, step) in steps.iter_mut().enumerate() {
            let takes_operands = matches!(step.kind, StepKind::Kernel(_) | StepKind::Call { .. });
            let mut moves: SmallVec<[bool; 4]> = SmallVec::new();
            for (j, o) in step.operands.iter().enumerate() {
                let movable = match o {
                    Operand::Slot(s) => {
                        takes_operands
                            && last_use.get(s) == Some(&i)
                            && step_uses[i].iter().filter(|u| *u == s).count() == 1
                            && !step.operands[..j].contains(o)
                    }
                    _ => false,
                };
                moves.push(movable);
            }
            let mut free: SmallVec<[u32; 4]> = SmallVec::new();
            for s in &step_uses[i] {
                if last_use.get(s) == Some(&i) && !free.contains(s) {
                    let moved = step
                        .operands
                        .iter()
                        .zip(&moves)
                        .any(|(o, &mv)| mv && *o == Operand::Slot(*s));
                    if !moved {
                        free.push(*s);
                    }
                }
            }
            for &(s, _) in &step.results {
                if !last_use.contains_key(&s) {
                    free.push(s);
                }
            }
            step.moves = moves;
            step.free_after = free;
        }
        Ok(BlockPlan {
            args,
            unused_args,
            steps,
            yields,
            yield_moves,
        })
    }

    /// Plans one op: `None` when it became a constant (or defines nothing to run).
    fn plan_op(&mut self, op: OpId, scope: &mut Scope) -> Result<Option<Step>, InterpError> {
        let m = self.m;
        let data = m.op(op);
        let name = data.name.as_str();
        let loc = data.loc.clone();
        let op_err = |msg: String| InterpError::op(name, &loc, msg);

        if is_constant_op(name) {
            let t = decode_constant(m, op).map_err(op_err)?;
            if let Some(&r) = data.results().first() {
                self.add_const(r, t);
            }
            return Ok(None);
        }
        if data.is(&tfl::NO_VALUE) {
            return Ok(None);
        }
        let operands: SmallVec<[Operand; 4]> = data
            .operands()
            .iter()
            .map(|&v| self.operand(scope, v, op))
            .collect::<Result<_, _>>()?;
        if let Some(cause) = operands.iter().find_map(|o| match o {
            Operand::Unavailable(c) => Some(*c),
            _ => None,
        }) {
            self.skip(op, cause);
            return Ok(None);
        }
        let builtin = data.attr("builtin_name").and_then(Attribute::as_str);
        if self.partial
            && data.is(&tfl::BUILTIN)
            && builtin.and_then(kernels::builtin_builder).is_none()
        {
            // An operator tqopt keeps in generic form without a kernel: leave it out like an
            // unknown custom op.
            let cause = self.unrunnable.len() as u32;
            self.unrunnable.push(Unrunnable {
                op,
                name: builtin.unwrap_or("?").to_string(),
                custom_code: None,
                loc: loc_text(&loc),
            });
            self.skip(op, cause);
            return Ok(None);
        }
        if self.partial && data.is(&tfl::CUSTOM) {
            let code = data.attr("custom_code").and_then(Attribute::as_str);
            if let Some(code) = code.filter(|c| kernels::custom::builder(c).is_none()) {
                let cause = self.unrunnable.len() as u32;
                self.unrunnable.push(Unrunnable {
                    op,
                    name: name.to_string(),
                    custom_code: Some(code.to_string()),
                    loc: loc_text(&loc),
                });
                self.skip(op, cause);
                return Ok(None);
            }
        }
        let mark = self.mark();
        let expect: SmallVec<[Expect; 2]> = data
            .results()
            .iter()
            .map(|&r| expect_of(m.value_type(r)))
            .collect();

        let kind = match name {
            _ if data.is(&tfl::WHILE) => {
                let regions = data.regions();
                if regions.len() != 2 {
                    return Err(op_err("expects a condition and a body region".into()));
                }
                let cond = self.plan_region(regions[0], scope, op)?;
                let body = self.plan_region(regions[1], scope, op)?;
                if cond.args.len() != operands.len() || body.args.len() != operands.len() {
                    return Err(op_err(format!(
                        "has {} operands but its regions take {} and {} arguments",
                        operands.len(),
                        cond.args.len(),
                        body.args.len()
                    )));
                }
                if body.yields.len() != operands.len() || cond.yields.len() != 1 {
                    return Err(op_err(
                        "its body must yield one value per operand and its condition one boolean"
                            .into(),
                    ));
                }
                if let Some(cause) = self.cause_since(mark) {
                    self.skip(op, cause);
                    return Ok(None);
                }
                StepKind::While { cond, body }
            }
            _ if data.is(&tfl::IF) => {
                let regions = data.regions();
                if regions.len() != 2 {
                    return Err(op_err("expects a then and an else region".into()));
                }
                let then_ = self.plan_region(regions[0], scope, op)?;
                let else_ = self.plan_region(regions[1], scope, op)?;
                for b in [&then_, &else_] {
                    if b.yields.len() != data.results().len() {
                        return Err(op_err(format!(
                            "a region yields {} values for {} results",
                            b.yields.len(),
                            data.results().len()
                        )));
                    }
                }
                if let Some(cause) = self.cause_since(mark) {
                    self.skip(op, cause);
                    return Ok(None);
                }
                StepKind::If { then_, else_ }
            }
            _ if data.is(&func::CALL) => {
                let callee = match data.attr("callee") {
                    Some(Attribute::SymbolRef(path)) if path.len() == 1 => path[0].to_string(),
                    _ => return Err(op_err("attribute 'callee' must name a function".into())),
                };
                let f = m
                    .lookup_func(&callee)
                    .ok_or_else(|| op_err(format!("calls '@{callee}', which does not exist")))?;
                let func = self.plan_func(f)?;
                if let Some(&cause) = self.incomplete.get(&func) {
                    self.skip(op, cause);
                    return Ok(None);
                }
                StepKind::Call { func }
            }
            _ => {
                if !data.regions().is_empty() {
                    return Err(InterpError::NoKernel {
                        op: name.to_string(),
                        loc: loc_text(&loc),
                    });
                }
                let const_args: Vec<Option<Arc<Tensor>>> = operands
                    .iter()
                    .map(|o| match o {
                        Operand::Const(c) => Some(self.consts[*c as usize].clone()),
                        _ => None,
                    })
                    .collect();
                let const_refs: Vec<Option<&Tensor>> =
                    const_args.iter().map(|c| c.as_deref()).collect();
                let info = OpInfo {
                    module: m,
                    op,
                    consts: &const_refs,
                };
                let no_kernel = || InterpError::NoKernel {
                    op: name.to_string(),
                    loc: loc_text(&loc),
                };
                // Quantized ops without an integer kernel run through their float kernel
                // (see `quantized`); an 8-bit DIV first checks its divisor as LiteRT does.
                let emulate = |view: &mut crate::quantized::FloatView| {
                    crate::quantized::build_emulated(m, op, &const_refs, view)
                        .map(|k| k.map(|k| crate::div_zero_point::wrap(m, op, k)))
                };
                let kernel = if data.is(&quantfork::STATS) {
                    kernels::shape::build_identity(&info)
                } else {
                    match crate::quantized::mode(m, op) {
                        Mode::Native => kernels::build(&info).ok_or_else(no_kernel)?,
                        Mode::NativeOrEmulate => match kernels::build(&info) {
                            Some(Ok(k)) => Ok(k),
                            _ => emulate(&mut self.float_view).ok_or_else(no_kernel)?,
                        },
                        Mode::Emulate => emulate(&mut self.float_view).ok_or_else(no_kernel)?,
                    }
                }
                .map_err(op_err)?;
                // Fold: every operand is known now.
                let foldable = !operands.iter().any(|o| matches!(o, Operand::Slot(_)))
                    && !data.is(&tfl::CUSTOM)
                    && !data.results().is_empty();
                if foldable {
                    let items = const_refs
                        .iter()
                        .map(|c| match c {
                            Some(t) => Arg::Const(t),
                            None => Arg::Absent,
                        })
                        .collect();
                    if let Ok(outs) = kernel.run(&mut Args::new(items)) {
                        if outs.len() == data.results().len()
                            && outs.iter().zip(&expect).all(|(t, e)| check(t, e).is_ok())
                        {
                            for (&r, t) in data.results().iter().zip(outs) {
                                self.add_const(r, t);
                            }
                            return Ok(None);
                        }
                    }
                }
                StepKind::Kernel(kernel)
            }
        };
        let results = data
            .results()
            .iter()
            .map(|&r| (scope.define(r), r))
            .collect();
        Ok(Some(Step {
            op,
            name: name.to_string(),
            loc,
            kind,
            operands,
            moves: SmallVec::new(),
            results,
            expect,
            free_after: SmallVec::new(),
        }))
    }

    fn plan_region(
        &mut self,
        region: tqopt_ir::RegionId,
        scope: &mut Scope,
        op: OpId,
    ) -> Result<BlockPlan, InterpError> {
        let blocks = self.m.region(region).blocks();
        if blocks.len() != 1 {
            return Err(InterpError::op(
                self.m.op(op).name.as_str(),
                &loc_of(self.m, op),
                "each region must have exactly one block",
            ));
        }
        self.plan_block(blocks[0], scope, &tfl::YIELD)
    }
}

pub(crate) fn expect_of(ty: &Type) -> Expect {
    match ty {
        Type::Tensor(t) => Expect {
            dtype: dtype_of(&t.elem),
            dims: Some(t.shape.iter().copied().collect()),
        },
        Type::UnrankedTensor(e) => Expect {
            dtype: dtype_of(e),
            dims: None,
        },
        Type::Scalar(e) => Expect {
            dtype: dtype_of(e),
            dims: None,
        },
        _ => Expect {
            dtype: None,
            dims: None,
        },
    }
}

/// Checks a computed tensor against its IR type.
pub(crate) fn check(t: &Tensor, e: &Expect) -> Result<(), String> {
    if let Some(d) = e.dtype {
        if d != t.dtype() {
            return Err(format!(
                "computed a {} tensor where the IR says {}",
                t.dtype(),
                d
            ));
        }
    }
    if let Some(dims) = &e.dims {
        let fits = dims.len() == t.rank()
            && dims
                .iter()
                .zip(t.shape())
                .all(|(&d, &s)| d < 0 || d as usize == s);
        if !fits {
            let ir: Vec<String> = dims
                .iter()
                .map(|&d| if d < 0 { "?".into() } else { d.to_string() })
                .collect();
            return Err(format!(
                "computed shape {} where the IR's type has shape [{}]",
                crate::tensor::format_shape(t.shape()),
                ir.join(", ")
            ));
        }
    }
    Ok(())
}
