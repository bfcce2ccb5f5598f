//! Running a plan: a frame of value slots per function call, steps in order, values dropped
//! after their last use, regions of `tfl.while` and `tfl.if` run in the caller's frame.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smallvec::SmallVec;
use tqopt_ir::ValueId;

use crate::error::InterpError;
use crate::kernels::args::Arg;
use crate::kernels::Args;
use crate::plan::{check, BlockPlan, Interpreter, Operand, Step, StepKind};
use crate::tensor::{DType, Tensor};

/// Calls nested deeper than this are an error (a recursive function).
const MAX_CALL_DEPTH: usize = 64;

/// Receives every value the interpreter computes.
pub type Observer<'a> = dyn FnMut(ValueId, &Tensor) + 'a;

/// Selects the values [`Interpreter::run_keeping`] hands back.
pub type Keep<'a> = dyn Fn(ValueId) -> bool + 'a;

/// The values a run keeps, shared with the run (no copy).
pub type Kept = Vec<(ValueId, Arc<Tensor>)>;

struct Run<'i, 'o> {
    interp: &'i Interpreter,
    observer: Option<&'o mut Observer<'o>>,
    /// Time and count per op name, when profiling.
    profile: Option<HashMap<String, (Duration, usize)>>,
    by_shape: bool,
    /// Which computed values to keep, and those kept so far.
    keep: Option<&'o Keep<'o>>,
    kept: Kept,
}

impl<'i, 'o> Run<'i, 'o> {
    fn new(interp: &'i Interpreter) -> Run<'i, 'o> {
        Run {
            interp,
            observer: None,
            profile: None,
            by_shape: false,
            keep: None,
            kept: Vec::new(),
        }
    }
}

type Frame = Vec<Option<Arc<Tensor>>>;

impl Interpreter {
    /// Runs the function on `inputs` (one per argument) and returns its results.
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, InterpError> {
        self.run_owned(inputs.to_vec())
    }

    /// Like [`run`](Interpreter::run), taking the inputs by value (no copy).
    pub fn run_owned(&self, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, InterpError> {
        let mut run = Run::new(self);
        let outs = run.entry(inputs.into_iter().map(Arc::new).collect())?;
        self.all_available(outs)
    }

    /// Runs the function on `inputs`, which may be shared with other runs (a value an earlier
    /// run kept is fed without a copy), and also returns every value `keep` selects, in the
    /// order computed, shared with the run (no copy; the run then does not recycle their
    /// buffers). Ops fused for speed report only their last result.
    pub fn run_keeping(
        &self,
        inputs: Vec<Arc<Tensor>>,
        keep: &Keep<'_>,
    ) -> Result<(Vec<Tensor>, Kept), InterpError> {
        let mut run = Run::new(self);
        run.keep = Some(keep);
        let outs = run.entry(inputs)?;
        let kept = std::mem::take(&mut run.kept);
        Ok((self.all_available(outs)?, kept))
    }

    /// The outputs, or an error naming the first one that depends on an op a partial plan
    /// left out.
    fn all_available(&self, outs: Vec<Result<Tensor, u32>>) -> Result<Vec<Tensor>, InterpError> {
        outs.into_iter()
            .enumerate()
            .map(|(k, t)| {
                t.map_err(|c| {
                    InterpError::structure(format!(
                        "result #{k} depends on {}, which the interpreter cannot run",
                        self.unrunnable[c as usize].describe()
                    ))
                })
            })
            .collect()
    }

    /// Like [`run_observed`](Interpreter::run_observed), for a partial plan
    /// ([`Interpreter::new_partial`]): the results that depend on a left-out op are `None`,
    /// and the observer sees every value that was computed.
    pub fn run_partial_observed<'o>(
        &self,
        inputs: &[Tensor],
        observer: &'o mut Observer<'o>,
    ) -> Result<Vec<Option<Tensor>>, InterpError> {
        let mut run = Run::new(self);
        run.observer = Some(observer);
        Ok(run
            .entry(inputs.iter().cloned().map(Arc::new).collect())?
            .into_iter()
            .map(Result::ok)
            .collect())
    }

    /// Runs the function `runs` times and returns the time spent in each kind of op (kernels
    /// only; time inside regions counts for the ops there), most expensive first, with how many
    /// ops of that kind ran per run.
    /// With `by_shape`, ops are told apart by their operands' shapes as well.
    pub fn profile(
        &self,
        inputs: &[Tensor],
        runs: usize,
        by_shape: bool,
    ) -> Result<Vec<(String, Duration, usize)>, InterpError> {
        let mut run = Run::new(self);
        run.profile = Some(HashMap::new());
        run.by_shape = by_shape;
        for _ in 0..runs {
            self.all_available(run.entry(inputs.iter().cloned().map(Arc::new).collect())?)?;
        }
        let mut out: Vec<(String, Duration, usize)> = run
            .profile
            .unwrap_or_default()
            .into_iter()
            .map(|(k, (t, n))| (k, t, n / runs.max(1)))
            .collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.1));
        Ok(out)
    }

    /// Runs the function and reports every value it computes to `observer`, in execution
    /// order: the function's arguments, every op result (also inside regions and called
    /// functions, once per execution: a loop body's values once per iteration) and region
    /// arguments. Constants and values folded at plan time are not reported (see
    /// [`Interpreter::constant`]). Each tensor is reported before it can be dropped.
    pub fn run_observed<'o>(
        &self,
        inputs: &[Tensor],
        observer: &'o mut Observer<'o>,
    ) -> Result<Vec<Tensor>, InterpError> {
        let mut run = Run::new(self);
        run.observer = Some(observer);
        let outs = run.entry(inputs.iter().cloned().map(Arc::new).collect())?;
        self.all_available(outs)
    }
}

/// Drops a value, recycling its buffer when nothing else holds it.
fn release(t: Option<Arc<Tensor>>) {
    if let Some(t) = t {
        if let Ok(t) = Arc::try_unwrap(t) {
            crate::buffers::recycle_tensor(t);
        }
    }
}

fn unwrap(t: Arc<Tensor>) -> Tensor {
    Arc::try_unwrap(t).unwrap_or_else(|shared| (*shared).clone())
}

impl Run<'_, '_> {
    /// Runs the entry function; a result that depends on a left-out op is the index of that op.
    fn entry(&mut self, inputs: Vec<Arc<Tensor>>) -> Result<Vec<Result<Tensor, u32>>, InterpError> {
        let f = &self.interp.funcs[self.interp.entry];
        if inputs.len() != f.arg_types.len() {
            return Err(InterpError::input(format!(
                "'@{}' takes {} inputs but {} were given",
                f.name,
                f.arg_types.len(),
                inputs.len()
            )));
        }
        for (i, (t, ty)) in inputs.iter().zip(&f.arg_types).enumerate() {
            check(t, &crate::plan::expect_of(ty))
                .map_err(|e| InterpError::input(format!("input #{i} of '@{}': {e}", f.name)))?;
        }
        let args = inputs;
        let interp = self.interp;
        let f = &interp.funcs[interp.entry];
        let outs = self.block_partial(&f.body, &mut vec![None; f.num_slots], args, 0)?;
        Ok(outs.into_iter().map(|t| t.map(unwrap)).collect())
    }

    fn call(
        &mut self,
        func: usize,
        args: Vec<Arc<Tensor>>,
        depth: usize,
    ) -> Result<Vec<Arc<Tensor>>, InterpError> {
        if depth > MAX_CALL_DEPTH {
            return Err(InterpError::structure(format!(
                "calls nested more than {MAX_CALL_DEPTH} deep (a recursive function?)"
            )));
        }
        let interp = self.interp;
        let f = &interp.funcs[func];
        let mut frame: Frame = vec![None; f.num_slots];
        self.block(&f.body, &mut frame, args, depth)
    }

    fn observe(&mut self, v: ValueId, t: &Tensor) {
        if let Some(obs) = self.observer.as_mut() {
            obs(v, t);
        }
    }

    /// Runs a block whose yields are all available (every block but a partial entry's body).
    fn block(
        &mut self,
        b: &BlockPlan,
        frame: &mut Frame,
        args: Vec<Arc<Tensor>>,
        depth: usize,
    ) -> Result<Vec<Arc<Tensor>>, InterpError> {
        self.block_partial(b, frame, args, depth)?
            .into_iter()
            .map(|t| {
                t.map_err(|_| {
                    InterpError::structure("a region yields a value that was not computed")
                })
            })
            .collect()
    }

    /// Runs a block; a yield that depends on a left-out op is that op's index.
    fn block_partial(
        &mut self,
        b: &BlockPlan,
        frame: &mut Frame,
        args: Vec<Arc<Tensor>>,
        depth: usize,
    ) -> Result<Vec<Result<Arc<Tensor>, u32>>, InterpError> {
        if args.len() != b.args.len() {
            return Err(InterpError::structure(format!(
                "a block takes {} arguments but was given {}",
                b.args.len(),
                args.len()
            )));
        }
        for (&(slot, v), t) in b.args.iter().zip(args) {
            self.observe(v, &t);
            frame[slot as usize] = Some(t);
        }
        for &s in &b.unused_args {
            release(frame[s as usize].take());
        }
        for step in &b.steps {
            self.step(step, frame, depth)?;
        }
        let mut out = Vec::with_capacity(b.yields.len());
        for (y, &mv) in b.yields.iter().zip(&b.yield_moves) {
            let t = match *y {
                Operand::Slot(s) => {
                    let slot = &mut frame[s as usize];
                    let t = if mv { slot.take() } else { slot.clone() };
                    t.ok_or_else(|| InterpError::structure("a yielded value was dropped early"))?
                }
                Operand::Const(c) => self.interp.consts[c as usize].clone(),
                Operand::Absent => {
                    return Err(InterpError::structure("a block yields a 'none' value"))
                }
                Operand::Unavailable(c) => {
                    out.push(Err(c));
                    continue;
                }
            };
            out.push(Ok(t));
        }
        Ok(out)
    }

    fn fetch(&self, frame: &mut Frame, step: &Step, j: usize) -> Result<Arc<Tensor>, InterpError> {
        match step.operands[j] {
            Operand::Slot(s) => {
                let slot = &mut frame[s as usize];
                let t = if step.moves[j] {
                    slot.take()
                } else {
                    slot.clone()
                };
                t.ok_or_else(|| step.error(format!("operand #{j} was dropped before its use")))
            }
            Operand::Const(c) => Ok(self.interp.consts[c as usize].clone()),
            Operand::Absent => Err(step.error(format!("operand #{j} must not be 'none'"))),
            Operand::Unavailable(_) => Err(unavailable(step, j)),
        }
    }

    fn step(&mut self, step: &Step, frame: &mut Frame, depth: usize) -> Result<(), InterpError> {
        let interp = self.interp;
        let outs: SmallVec<[Arc<Tensor>; 2]> = match &step.kind {
            StepKind::Kernel(kernel) => {
                let mut items: SmallVec<[Arg<'_>; 4]> = SmallVec::new();
                for (j, o) in step.operands.iter().enumerate() {
                    items.push(match *o {
                        Operand::Absent => Arg::Absent,
                        Operand::Unavailable(_) => return Err(unavailable(step, j)),
                        Operand::Const(c) => Arg::Const(&interp.consts[c as usize]),
                        Operand::Slot(s) => {
                            let slot = &mut frame[s as usize];
                            let t = if step.moves[j] {
                                slot.take()
                            } else {
                                slot.clone()
                            };
                            Arg::Val(t.ok_or_else(|| {
                                step.error(format!("operand #{j} was dropped before its use"))
                            })?)
                        }
                    });
                }
                let mut args = Args::new(items);
                let key = match (&self.profile, self.by_shape) {
                    (Some(_), true) => {
                        let shapes: Vec<String> = (0..args.len())
                            .filter_map(|i| args.opt(i))
                            .map(|t| crate::tensor::format_shape(t.shape()))
                            .collect();
                        format!("{} {}", step.name, shapes.join(" "))
                    }
                    _ => step.name.clone(),
                };
                let started = self.profile.is_some().then(Instant::now);
                let outs = kernel.run(&mut args).map_err(|e| step.error(e))?;
                if let (Some(p), Some(t)) = (self.profile.as_mut(), started) {
                    let e = p.entry(key).or_default();
                    e.0 += t.elapsed();
                    e.1 += 1;
                }
                drop(args);
                outs.into_iter().map(Arc::new).collect()
            }
            StepKind::Fused {
                fused,
                parts,
                internal,
            } => {
                // Observers see every intermediate: then the chain runs op by op.
                let outs = if self.observer.is_none() {
                    let mut items: SmallVec<[Arg<'_>; 4]> = SmallVec::new();
                    for (j, o) in step.operands.iter().enumerate() {
                        items.push(match *o {
                            Operand::Absent => Arg::Absent,
                            Operand::Unavailable(_) => return Err(unavailable(step, j)),
                            Operand::Const(c) => Arg::Const(&interp.consts[c as usize]),
                            Operand::Slot(s) => {
                                Arg::Val(frame[s as usize].clone().ok_or_else(|| {
                                    step.error(format!("operand #{j} was dropped before its use"))
                                })?)
                            }
                        });
                    }
                    let mut args = Args::new(items);
                    let started = self.profile.is_some().then(Instant::now);
                    let outs = fused.run(&mut args).map_err(|e| step.error(e))?;
                    if let (Some(p), Some(t)) = (self.profile.as_mut(), started) {
                        let e = p.entry(step.name.clone()).or_default();
                        e.0 += t.elapsed();
                        e.1 += 1;
                    }
                    outs
                } else {
                    None
                };
                match outs {
                    Some(outs) => outs.into_iter().map(Arc::new).collect(),
                    None => {
                        for part in parts {
                            self.step(part, frame, depth)?;
                        }
                        for &s in internal {
                            release(frame[s as usize].take());
                        }
                        for &s in &step.free_after {
                            release(frame[s as usize].take());
                        }
                        return Ok(());
                    }
                }
            }
            StepKind::Call { func } => {
                let args = (0..step.operands.len())
                    .map(|j| self.fetch(frame, step, j))
                    .collect::<Result<Vec<_>, _>>()?;
                self.call(*func, args, depth + 1)?.into_iter().collect()
            }
            StepKind::If { then_, else_ } => {
                let cond = self.fetch(frame, step, 0)?;
                let taken = truth(&cond).map_err(|e| step.error(e))?;
                let region = if taken { then_ } else { else_ };
                self.block(region, frame, Vec::new(), depth)?
                    .into_iter()
                    .collect()
            }
            StepKind::While { cond, body } => {
                let mut vars = (0..step.operands.len())
                    .map(|j| self.fetch(frame, step, j))
                    .collect::<Result<Vec<_>, _>>()?;
                loop {
                    let c = self.block(cond, frame, vars.clone(), depth)?;
                    let go = truth(&c[0]).map_err(|e| step.error(format!("condition: {e}")))?;
                    if !go {
                        break;
                    }
                    vars = self.block(body, frame, vars, depth)?;
                }
                vars.into_iter().collect()
            }
        };
        if outs.len() != step.results.len() {
            return Err(step.error(format!(
                "computed {} results but the op has {}",
                outs.len(),
                step.results.len()
            )));
        }
        for (k, ((&(slot, v), t), e)) in step.results.iter().zip(outs).zip(&step.expect).enumerate()
        {
            check(&t, e).map_err(|msg| step.error(format!("result #{k}: {msg}")))?;
            self.observe(v, &t);
            if self.keep.is_some_and(|keep| keep(v)) {
                self.kept.push((v, t.clone()));
            }
            frame[slot as usize] = Some(t);
        }
        for &s in &step.free_after {
            release(frame[s as usize].take());
        }
        Ok(())
    }
}

/// A step read a value a partial plan does not compute (planning leaves such steps out, so
/// this is a bug of the planner, reported rather than run).
fn unavailable(step: &Step, j: usize) -> InterpError {
    step.error(format!(
        "operand #{j} depends on an op the interpreter cannot run"
    ))
}

/// The value of a one-element boolean tensor.
fn truth(t: &Tensor) -> Result<bool, String> {
    match (t.dtype(), t.len()) {
        (DType::Bool, 1) => Ok(t.as_slice::<bool>().is_some_and(|v| v[0])),
        _ => Err(format!("expected a one-element boolean but got {:?}", t)),
    }
}
