//! `insert-fake-quant`: turns calibration statistics and constant weights into
//! `tfl.quantize` / `tfl.dequantize` pairs that follow TFLite's quantization spec.
//!
//! The storage is a parameter (`activations=int8|int16`, `bias=int32|int64`): int8 mode is
//! TFLite's int8 spec; 16x8 mode makes activations symmetric int16 with zero point 0 and
//! biases int64 by default, with the same int8 weights. With int16 activations and int32
//! biases, affine ops whose bias or worst-case accumulator can leave int32 are warned about
//! ([`super::overflow`]).
//!
//! 1. Every `quantfork.stats` becomes a pair with the activation parameters of its range
//!    (these parameters are fixed: "immutable").
//! 2. A driver (after TensorFlow's `QuantizationDriver`) propagates parameters to every other
//!    value a quantizable op touches: same-scale ops share one scale (a single-input op passes
//!    its input's on, a multi-input op imposes its result's), fixed-range ops get their fixed
//!    output parameters, weights of affine ops get symmetric narrow-range per-channel
//!    parameters, other constants asymmetric per-tensor ones, and biases int32 parameters
//!    with scale = input scale x weight scale (widened when a bias would overflow). Where two
//!    parameters meet, a requantize is recorded.
//! 3. The propagated parameters become pairs, and the recorded requantizes become
//!    `tfl.quantize` ops from one quantized type to another.

use std::collections::{HashMap, HashSet};

use tqopt_ir::dialect::{quantfork, tfl, tfl_builders};
use tqopt_ir::{Attribute, Diagnostic, ElementType, Module, OpId, OpSpec, ValueDef, ValueId};

use super::mixed_precision;
use super::numerics::{self, QParams, StorageRange};
use super::qdq::{self, is_f32, per_axis, per_tensor, underlying};
use super::spec::{
    affine, fixed_output, is_candidate, is_quantizable, is_same_scale, AffineSlots, QuantOptions,
};
use crate::folds::const_f32_values;
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const FROM_STATS: Statistic = Statistic {
    name: "num-from-stats",
    description: "pairs made from calibration statistics",
};
pub const PROPAGATED: Statistic = Statistic {
    name: "num-propagated",
    description: "pairs made from propagated or computed parameters",
};
pub const REQUANTIZES: Statistic = Statistic {
    name: "num-requantizes",
    description: "requantizes where two scales meet",
};
pub const BIAS_ADJUSTED: Statistic = Statistic {
    name: "num-bias-adjusted",
    description: "weight scales widened so a bias fits in int32",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "per-channel",
        kind: OptionKind::Bool,
        default: "true",
        help: "Quantize weights per output channel where the op allows it",
    },
    OptionInfo {
        name: "per-channel-dense",
        kind: OptionKind::Bool,
        default: "true",
        help: "Per channel for fully_connected weights too",
    },
    OptionInfo {
        name: "activations",
        kind: OptionKind::Enum(ACTIVATION_TYPES),
        default: "int8",
        help: "Activation storage: int8 (asymmetric) or int16 (symmetric, zero point 0: 16x8 mode)",
    },
    OptionInfo {
        name: "bias",
        kind: OptionKind::Enum(BIAS_TYPES),
        default: "int32",
        help: "Bias storage of affine ops: int32, or int64 (16x8 mode only; a 16x8 depthwise_conv_2d is always int64)",
    },
];

/// Marks the quantize op of a bias pair whose constant `fold-quant` stores as int64: the
/// pair itself is int32, since `tfl.quantize` and `tfl.dequantize` have no 64-bit form (and
/// MLIR's quant types no 64-bit storage in text).
pub const INT64_BIAS: &str = "tqopt.int64_bias";

pub const ACTIVATION_TYPES: &[&str] = &["int8", "int16"];
pub const BIAS_TYPES: &[&str] = &["int32", "int64"];

pub const OVERFLOW_WARNINGS: Statistic = Statistic {
    name: "num-overflow-warnings",
    description:
        "affine ops whose int32 bias or accumulator can overflow for the calibrated ranges",
};

pub static INFO: PassInfo = PassInfo {
    argument: "insert-fake-quant",
    summary: "Turn statistics and weights into quantize/dequantize pairs per TFLite's spec",
    description: "Activations: asymmetric int8 [-128, 127] from their calibrated ranges \
        (activations=int16: symmetric int16, zero point 0, scale = max|x| / 32767). Weights \
        of conv/depthwise/fully_connected/transpose_conv: symmetric int8 [-127, 127], zero point \
        0, per channel. Bias: int32 (or bias=int64), scale = input scale x weight scale. \
        Same-scale ops share one scale; fixed-range ops get their fixed parameters; requantizes \
        where scales meet.",
    options: OPTIONS,
    create,
    traits: PassTraits::NONE,
};

/// The storage an `activations=int8|int16` option names (16x8 mode's int16 is symmetric).
pub fn activation_storage(options: &PassOptions) -> Result<StorageRange, String> {
    Ok(match options.choice("activations")? {
        "int16" => StorageRange::INT16_NARROW,
        _ => StorageRange::INT8,
    })
}

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let activations = activation_storage(options)?;
    let bias = match options.choice("bias")? {
        "int64" => StorageRange::INT64,
        _ => StorageRange::INT32,
    };
    if bias == StorageRange::INT64 && !activations.is_16bit() {
        return Err(
            "bias=int64 needs activations=int16: LiteRT's int8 kernels take int32 biases only"
                .into(),
        );
    }
    Ok(Box::new(InsertFakeQuant {
        options: QuantOptions {
            per_channel: options.bool("per-channel")?,
            per_channel_dense: options.bool("per-channel-dense")?,
            activations,
            bias,
        },
    }))
}

pub struct InsertFakeQuant {
    options: QuantOptions,
}

impl Pass for InsertFakeQuant {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        // Mixed precision: a value is quantized in the precision of the op making it.
        let mixed = !self.options.activations.is_16bit() && mixed_precision::any_int16(m);
        if mixed {
            mixed_precision::mark_statistics(m);
        }
        let (from_stats, ranges) = stats_to_pairs(m, self.options.activations)?;
        cx.count(FROM_STATS, from_stats);
        duplicate_shared_constants(m, &self.options);
        let mut driver = Driver::new(m, &self.options);
        driver.mixed = mixed;
        driver.ranges = ranges;
        driver.propagate();
        if mixed {
            driver.requantize_all();
        }
        driver.check()?;
        let (pairs, requantizes, adjusted) = (
            driver.finalize(),
            driver.requantize_count,
            driver.bias_adjusted,
        );
        cx.count(PROPAGATED, pairs);
        cx.count(REQUANTIZES, requantizes);
        cx.count(BIAS_ADJUSTED, adjusted);
        if self.options.activations.is_16bit() && self.options.bias == StorageRange::INT32 {
            let warnings = super::overflow::int32_warnings(m, &self.options);
            cx.count(OVERFLOW_WARNINGS, warnings.len() as u64);
            for w in warnings {
                cx.emit(w);
            }
        }
        Ok(Changed::from(from_stats + pairs > 0))
    }
}

/// How `op`'s bias is stored: `bias=` of the options (int32 in int8 mode), except that an op
/// marked int16 in an int8 model (mixed precision) takes 16x8's int64, and so does a 16-bit
/// DEPTHWISE_CONV_2D under bias=int32: LiteRT's 16x8 depthwise kernel takes no int32 bias
/// (`depthwise_conv.cc` checks for int64; a model with one is refused at prepare) and its
/// options have no field to say so, unlike CONV_2D's, FULLY_CONNECTED's and TRANSPOSE_CONV's.
pub fn bias_storage(m: &Module, op: OpId, options: &QuantOptions) -> StorageRange {
    let sixteen_bit = if options.activations.is_16bit() {
        true
    } else if mixed_precision::is_int16(m, op) {
        return StorageRange::INT64;
    } else {
        false
    };
    if sixteen_bit && m.op(op).is(&tfl::DEPTHWISE_CONV_2D) {
        return StorageRange::INT64;
    }
    options.bias
}

/// An error when a scale of `elem`, the parameters chosen for `v`, is not finite or is zero
/// (see [`numerics::check_scales`]), naming the tensor.
fn check_params(m: &Module, v: ValueId, elem: &ElementType) -> Result<(), Diagnostic> {
    let Some(q) = elem.as_quant() else {
        return Ok(());
    };
    let scales: Vec<f64> = qdq::params_of(q).iter().map(|p| p.scale).collect();
    numerics::check_scales(&scales).map_err(|why| {
        let loc = qdq::value_loc(m, v);
        let name = loc
            .first_name()
            .map(|n| format!("tensor '{n}'"))
            .unwrap_or_else(|| "a tensor".to_string());
        let pos = match m.value(v).def {
            ValueDef::Result { op, .. } => m.op(op).pos,
            ValueDef::BlockArg { .. } => m.value(v).pos,
        };
        Diagnostic::error(format!("cannot quantize {name}: {why}"))
            .at(pos)
            .with_loc(loc)
    })
}

/// Calibrated per-tensor (min, max) of values, from their statistics.
type Ranges = HashMap<ValueId, (f64, f64)>;

/// Replaces every `quantfork.stats` with a volatile quantize/dequantize pair; fails on the
/// first range whose scale is not finite and positive. Also returns the calibrated
/// per-tensor range of each value (for requantizes across precisions).
fn stats_to_pairs(m: &mut Module, range: StorageRange) -> Result<(u64, Ranges), PassError> {
    let stats: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| m.op(op).is(&quantfork::STATS))
        .collect();
    let mut count = 0;
    let mut ranges = HashMap::new();
    for s in stats {
        let (arg, result) = (m.operands(s)[0], m.results(s)[0]);
        if let Some(layer) = m.op(s).attr("layerStats").and_then(Attribute::as_dense) {
            if let [lo, hi] = layer.to_f32_vec()[..] {
                ranges.insert(arg, (lo as f64, hi as f64));
            }
        }
        let elem = match stats_params(m, s, mixed_precision::storage(m, s, range)) {
            Some(e) => e,
            None => continue,
        };
        check_params(m, arg, &elem)?;
        // The stats result's users read the arg again, then the pair goes after the arg.
        m.replace_all_uses(result, arg);
        let _ = m.erase_op(s);
        qdq::insert_pair(m, arg, elem, true);
        count += 1;
    }
    Ok((count, ranges))
}

/// Activation parameters of a stats op: per tensor from `layerStats`, per axis from
/// `axisStats` (pairs of [min, max]) with `axis`.
fn stats_params(m: &Module, s: OpId, range: StorageRange) -> Option<ElementType> {
    let data = m.op(s);
    if let (Some(Attribute::Dense(axis_stats)), Some(axis)) = (
        data.attr("axisStats"),
        data.attr("axis").and_then(Attribute::as_int),
    ) {
        let values = axis_stats.to_f32_vec();
        let params: Vec<QParams> = values
            .chunks_exact(2)
            .map(|c| numerics::activation_params(c[0] as f64, c[1] as f64, range))
            .collect();
        return Some(per_axis(range, axis.max(0) as usize, &params));
    }
    let layer = data.attr("layerStats")?.as_dense()?.to_f32_vec();
    let [min, max] = layer[..] else { return None };
    Some(per_tensor(
        range,
        numerics::activation_params(min as f64, max as f64, range),
    ))
}

/// Gives a float constant with several users its own copy per user where one of them reads it
/// as a bias or through a same-scale op (their parameters come from the user, so they may
/// differ), as TensorFlow does.
fn duplicate_shared_constants(m: &mut Module, options: &QuantOptions) {
    let consts: Vec<OpId> = m
        .walk_nested(m.op)
        .filter(|&op| is_float_const(m, op))
        .collect();
    for c in consts {
        let v = m.results(c)[0];
        let uses = m.uses(v).to_vec();
        if uses.len() < 2 {
            continue;
        }
        let special = uses.iter().any(|u| {
            is_same_scale(m, u.op)
                || affine(m, u.op, options).is_some_and(|a| a.bias == Some(u.index as usize))
        });
        if !special {
            continue;
        }
        for u in &uses[1..] {
            let data = m.op(c).clone();
            let mut spec = OpSpec::new(data.name.clone())
                .results([m.value_type(v).clone()])
                .loc(data.loc.clone());
            spec.properties = data.properties.clone();
            spec.attributes = data.attributes.clone();
            let copy = m.create_op(spec);
            let _ = m.insert_after(c, copy);
            let copy_value = m.results(copy)[0];
            m.set_operand(u.op, u.index as usize, copy_value);
        }
    }
}

fn is_float_const(m: &Module, op: OpId) -> bool {
    m.op(op).is(&tfl::PSEUDO_CONST) && m.results(op).first().is_some_and(|&v| is_f32(m, v))
}

/// The parameters a value will be quantized with.
#[derive(Clone, Debug, PartialEq)]
struct State {
    elem: ElementType,
    /// Fixed by calibration statistics: a different parameter meeting it means a requantize.
    immutable: bool,
}

/// Where a requantize goes: after the producer (`OnInput`: the producer makes `elem`, then it
/// is requantized to the value's parameters) or before some users (`OnOutput`).
#[derive(Clone, Debug)]
struct Requantize {
    on_input: bool,
    elem: ElementType,
    users: Vec<(OpId, usize)>,
}

struct Driver<'m> {
    m: &'m mut Module,
    options: &'m QuantOptions,
    states: HashMap<ValueId, State>,
    requantizes: HashMap<ValueId, Vec<Requantize>>,
    /// Affine weight constants, with their per-channel axis.
    coefficients: HashMap<OpId, Option<usize>>,
    /// Other float constants feeding quantizable ops (asymmetric per tensor).
    other_weights: HashSet<OpId>,
    done: HashSet<OpId>,
    work: Vec<OpId>,
    requantize_count: u64,
    bias_adjusted: u64,
    /// Biases to be stored as int64 (see [`INT64_BIAS`]).
    wide_biases: HashSet<ValueId>,
    /// Mixed int8/int16 precision ([`mixed_precision`]): operands of the other precision than
    /// their op are requantized.
    mixed: bool,
    /// Calibrated ranges of the values that had statistics (mixed precision).
    ranges: Ranges,
}

impl<'m> Driver<'m> {
    fn new(m: &'m mut Module, options: &'m QuantOptions) -> Driver<'m> {
        let mut d = Driver {
            m,
            options,
            states: HashMap::new(),
            requantizes: HashMap::new(),
            coefficients: HashMap::new(),
            other_weights: HashSet::new(),
            done: HashSet::new(),
            work: Vec::new(),
            requantize_count: 0,
            bias_adjusted: 0,
            wide_biases: HashSet::new(),
            mixed: false,
            ranges: HashMap::new(),
        };
        d.setup();
        d
    }

    /// Immutable states from the pairs made of statistics; classifies constants; queues ops.
    fn setup(&mut self) {
        let ops: Vec<OpId> = self.m.walk_nested(self.m.op).collect();
        for &op in &ops {
            if self.m.op(op).is(&tfl::QUANTIZE) {
                let x = self.m.operands(op)[0];
                if is_f32(self.m, x) {
                    let elem = self
                        .m
                        .value_type(self.m.results(op)[0])
                        .element_type()
                        .cloned();
                    if let Some(elem) = elem {
                        self.states.insert(
                            x,
                            State {
                                elem,
                                immutable: true,
                            },
                        );
                    }
                }
            }
        }
        // A fixed-range op (logistic, softmax, tanh, ...) owns its result's parameters: set
        // before any consumer imposes its own, so that a concatenation needing another scale
        // requantizes only its own operand, and every other user (a model output, say) reads
        // the op's full-resolution result.
        for &op in &ops {
            if !is_quantizable(self.m, op) {
                continue;
            }
            if let Some(elem) = self.fixed_result(op) {
                for r in self.m.results(op).to_vec() {
                    if is_f32(self.m, r) && !self.states.contains_key(&r) {
                        self.states.insert(
                            r,
                            State {
                                elem: elem.clone(),
                                immutable: false,
                            },
                        );
                    }
                }
            }
        }
        for &op in &ops {
            if is_float_const(self.m, op) {
                self.classify_constant(op);
            }
            if is_float_const(self.m, op) || is_quantizable(self.m, op) {
                self.work.push(op);
            }
        }
    }

    /// The parameters a fixed-range op (logistic, softmax, tanh, ...) gives its result, in the
    /// op's own storage.
    fn fixed_result(&self, op: OpId) -> Option<ElementType> {
        let storage = mixed_precision::storage(self.m, op, self.options.activations);
        fixed_output(self.m, op, storage).map(|p| per_tensor(storage, p))
    }

    fn classify_constant(&mut self, c: OpId) {
        let v = self.m.results(c)[0];
        for u in self.m.uses(v).to_vec() {
            let (user, index) = (u.op, u.index as usize);
            if !is_quantizable(self.m, user) || is_same_scale(self.m, user) {
                continue;
            }
            match affine(self.m, user, self.options) {
                Some(a) if a.bias == Some(index) => continue,
                Some(a) if a.weight == index => {
                    self.coefficients.insert(c, a.axis);
                }
                _ => {
                    self.other_weights.insert(c);
                }
            }
        }
    }

    /// Float ops reading `v` (directly or through its pair).
    fn users(&self, v: ValueId) -> Vec<OpId> {
        let mut out = Vec::new();
        for u in self.m.uses(v) {
            if self.m.op(u.op).is(&tfl::QUANTIZE) {
                if let Some(&qv) = self.m.results(u.op).first() {
                    for qu in self.m.uses(qv) {
                        if self.m.op(qu.op).is(&tfl::DEQUANTIZE) {
                            let dq = self.m.results(qu.op)[0];
                            out.extend(self.m.uses(dq).iter().map(|x| x.op));
                        }
                    }
                }
            } else {
                out.push(u.op);
            }
        }
        out
    }

    fn operand_value(&self, op: OpId, i: usize) -> ValueId {
        underlying(self.m, self.m.operands(op)[i])
    }

    fn set_result(&mut self, v: ValueId, elem: ElementType) {
        match self.states.get(&v) {
            Some(s) if s.elem == elem => {}
            Some(_) => {
                let list = self.requantizes.entry(v).or_default();
                list.push(Requantize {
                    on_input: true,
                    elem,
                    users: Vec::new(),
                });
            }
            None => {
                self.states.insert(
                    v,
                    State {
                        elem,
                        immutable: false,
                    },
                );
                let users = self.users(v);
                self.work.extend(users);
            }
        }
    }

    fn set_operand(&mut self, op: OpId, i: usize, elem: ElementType, force: bool) {
        let v = self.operand_value(op, i);
        match self.states.get(&v) {
            Some(s) if s.elem == elem => {}
            Some(_) if !force => {
                let list = self.requantizes.entry(v).or_default();
                match list.iter_mut().find(|r| !r.on_input && r.elem == elem) {
                    Some(r) => r.users.push((op, i)),
                    None => list.push(Requantize {
                        on_input: false,
                        elem,
                        users: vec![(op, i)],
                    }),
                }
            }
            _ => {
                self.states.insert(
                    v,
                    State {
                        elem,
                        immutable: false,
                    },
                );
                if let Some(def) = self.m.defining_op(v) {
                    self.work.push(def);
                }
                // The value's other readers too: a same-scale op that found no parameters
                // for this value before (a sibling slice of the same tensor) takes them now.
                let users = self.users(v);
                self.work.extend(users);
            }
        }
    }

    fn propagate(&mut self) {
        while let Some(op) = self.work.pop() {
            if self.m.is_erased(op) || !self.done.insert(op) {
                continue;
            }
            if is_float_const(self.m, op) {
                self.constant(op);
                continue;
            }
            let storage = mixed_precision::storage(self.m, op, self.options.activations);
            if self.mixed && is_candidate(self.m, op) {
                self.requantize_across(op, storage);
            }
            if is_same_scale(self.m, op) {
                match self.same_scale_params(op) {
                    Some(elem) => {
                        // Mixed precision: the shared parameters in the op's own storage.
                        let elem = match self.mixed {
                            true => mixed_precision::convert(&elem, None, storage).unwrap_or(elem),
                            false => elem,
                        };
                        for i in 0..self.m.operands(op).len() {
                            if is_f32(self.m, self.m.operands(op)[i]) {
                                if self.mixed {
                                    self.own_precision_first(op, i, &elem);
                                }
                                self.set_operand(op, i, elem.clone(), false);
                            }
                        }
                        for r in self.m.results(op).to_vec() {
                            if is_f32(self.m, r) {
                                self.set_result(r, elem.clone());
                            }
                        }
                    }
                    None => {
                        self.done.remove(&op);
                    }
                }
                continue;
            }
            if let Some(elem) = self.fixed_result(op) {
                for r in self.m.results(op).to_vec() {
                    if is_f32(self.m, r) {
                        self.set_result(r, elem.clone());
                    }
                }
            }
            if let Some(slots) = affine(self.m, op, self.options) {
                if !self.bias(op, slots) {
                    self.done.remove(&op);
                }
            }
        }
    }

    /// Mixed precision: every float operand of `op` quantized in the other storage than
    /// `storage` (the op's) gets a requantize into it.
    fn requantize_across(&mut self, op: OpId, storage: StorageRange) {
        // An affine op's weight and bias keep their own storage (int8, int32/int64).
        let slots = affine(self.m, op, self.options);
        for i in 0..self.m.operands(op).len() {
            let v = self.operand_value(op, i);
            let weight_or_bias = slots.is_some_and(|a| a.weight == i || a.bias == Some(i));
            if !is_f32(self.m, v) || weight_or_bias {
                continue;
            }
            let Some(state) = self.states.get(&v) else {
                continue;
            };
            if self.operand_elem(op, i).is_some_and(|e| {
                mixed_precision::width_of(e) == Some(if storage.is_16bit() { 16 } else { 8 })
            }) {
                continue;
            }
            let range = self.ranges.get(&v).copied();
            if let Some(elem) = mixed_precision::convert(&state.elem, range, storage) {
                self.set_operand(op, i, elem, false);
            }
        }
    }

    /// Mixed precision: before a same-scale op imposes `elem` on operand `i` (a concatenation
    /// its result's parameters), a value without parameters that an op of the other
    /// precision makes gets them in its producer's storage, so that the set_operand that
    /// follows records a requantize rather than changing the producer's output type.
    fn own_precision_first(&mut self, op: OpId, i: usize, elem: &ElementType) {
        let v = self.operand_value(op, i);
        if self.states.contains_key(&v) {
            return;
        }
        let producer = match self.m.defining_op(v) {
            Some(p) => mixed_precision::storage(self.m, p, self.options.activations),
            None => self.options.activations,
        };
        if let Some(own) = mixed_precision::convert(elem, None, producer) {
            self.set_result(v, own);
        }
    }

    /// Mixed precision, after propagation: requantizes for every op whose operands were
    /// given parameters after it was visited.
    fn requantize_all(&mut self) {
        let ops: Vec<OpId> = self.m.walk_nested(self.m.op).collect();
        for op in ops {
            // Quantization candidates only: not the ops that route values (return, yield).
            if is_quantizable(self.m, op) && is_candidate(self.m, op) {
                let storage = mixed_precision::storage(self.m, op, self.options.activations);
                self.requantize_across(op, storage);
            }
        }
    }

    /// The parameters `op` reads operand `i` with: a requantize's for that use, else the
    /// value's.
    fn operand_elem(&self, op: OpId, i: usize) -> Option<&ElementType> {
        let v = self.operand_value(op, i);
        let requantized = self.requantizes.get(&v).and_then(|list| {
            list.iter()
                .find(|r| !r.on_input && r.users.contains(&(op, i)))
                .map(|r| &r.elem)
        });
        requantized.or_else(|| self.states.get(&v).map(|s| &s.elem))
    }

    /// Parameters of a weight or other constant from its values.
    fn constant(&mut self, c: OpId) {
        let v = self.m.results(c)[0];
        if self.states.contains_key(&v) {
            return;
        }
        let Some(values) = const_f32_values(self.m, c) else {
            return;
        };
        let Some(shape) = self.m.value_type(v).as_tensor().map(|t| t.shape.to_vec()) else {
            return;
        };
        let elem = if let Some(&axis) = self.coefficients.get(&c) {
            match axis.filter(|&a| a < shape.len()) {
                Some(axis) => {
                    let channels = shape[axis].max(1) as usize;
                    let slice: usize = shape[axis + 1..]
                        .iter()
                        .map(|&d| d.max(1) as usize)
                        .product();
                    // Row-major: block k of `slice` values belongs to channel k % channels.
                    let mut abs_max = vec![0.0f32; channels];
                    for (k, block) in values.chunks(slice.max(1)).enumerate() {
                        let m = &mut abs_max[k % channels];
                        *m = m.max(numerics::abs_max_of(block));
                    }
                    let params: Vec<QParams> = abs_max
                        .iter()
                        .map(|&m| {
                            let m = m as f64;
                            numerics::constant_params(-m, m, StorageRange::INT8_NARROW)
                        })
                        .collect();
                    per_axis(StorageRange::INT8_NARROW, axis, &params)
                }
                None => {
                    let (lo, hi) = numerics::constant_range(values.iter().copied(), true);
                    per_tensor(
                        StorageRange::INT8_NARROW,
                        numerics::constant_params(lo, hi, StorageRange::INT8_NARROW),
                    )
                }
            }
        } else if self.other_weights.contains(&c) {
            // In the storage of the ops reading it (int16 if one is marked int16).
            let storage = self
                .m
                .uses(v)
                .iter()
                .map(|u| mixed_precision::storage(self.m, u.op, self.options.activations))
                .max_by_key(|r| r.is_16bit())
                .unwrap_or(self.options.activations);
            let symmetric = storage.is_symmetric();
            let (lo, hi) = numerics::constant_range(values.iter().copied(), symmetric);
            per_tensor(storage, numerics::constant_params(lo, hi, storage))
        } else {
            return;
        };
        self.set_result(v, elem);
    }

    /// TensorFlow's priority for the one parameter a same-scale op shares.
    fn same_scale_params(&self, op: OpId) -> Option<ElementType> {
        let operand_states: Vec<Option<&State>> = (0..self.m.operands(op).len())
            .map(|i| self.states.get(&self.operand_value(op, i)))
            .collect();
        let result_states: Vec<Option<&State>> = self
            .m
            .results(op)
            .iter()
            .map(|r| self.states.get(r))
            .collect();
        let immutable = |s: &[Option<&State>]| -> Vec<ElementType> {
            s.iter()
                .flatten()
                .filter(|s| s.immutable)
                .map(|s| s.elem.clone())
                .collect()
        };
        let mutable = |s: &[Option<&State>]| -> Vec<ElementType> {
            s.iter()
                .flatten()
                .filter(|s| !s.immutable)
                .map(|s| s.elem.clone())
                .collect()
        };
        let (imm_ops, imm_res) = (immutable(&operand_states), immutable(&result_states));
        let (mut_ops, mut_res) = (mutable(&operand_states), mutable(&result_states));
        if operand_states.len() == 1 && imm_ops.len() == 1 {
            return imm_ops.into_iter().next();
        }
        if result_states.len() == 1 && imm_res.len() == 1 {
            return imm_res.into_iter().next();
        }
        if let Some(first) = imm_ops.first().or(imm_res.first()) {
            return Some(first.clone());
        }
        if operand_states.len() == 1 && mut_ops.len() == 1 {
            return mut_ops.into_iter().next();
        }
        if result_states.len() == 1 && mut_res.len() == 1 {
            return mut_res.into_iter().next();
        }
        mut_ops.into_iter().next().or(mut_res.into_iter().next())
    }

    /// Bias parameters (int32, scale input x weight per channel) and TensorFlow's adjustment
    /// when a constant bias would overflow. False when the input or weight has no parameters
    /// yet.
    fn bias(&mut self, op: OpId, slots: AffineSlots) -> bool {
        let Some(b) = slots.bias else { return true };
        let Some(&bias_value) = self.m.operands(op).get(b) else {
            return true;
        };
        if !is_f32(self.m, bias_value) {
            return true;
        }
        let Some(input) = slots.input else {
            return true;
        };
        let w = self.operand_value(op, slots.weight);
        let (Some(xe), Some(ws)) = (self.operand_elem(op, input), self.states.get(&w)) else {
            return false;
        };
        let (Some(xq), Some(wq)) = (xe.as_quant(), ws.elem.as_quant()) else {
            return false;
        };
        let input_scale = qdq::params_of(xq)[0].scale;
        let weight_params = qdq::params_of(wq);
        let axis = match &wq.params {
            tqopt_ir::QuantParams::PerAxis { axis, .. } => Some(*axis as usize),
            _ => None,
        };
        let mut bias_scales: Vec<f64> = weight_params
            .iter()
            .map(|p| numerics::bias_scale(input_scale, p.scale))
            .collect();
        let mut weight_scales: Vec<f64> = weight_params.iter().map(|p| p.scale).collect();
        let bias_const = self
            .m
            .defining_op(self.operand_value(op, b))
            .filter(|&c| is_float_const(self.m, c));
        let weight_is_const = self
            .m
            .defining_op(w)
            .is_some_and(|c| is_float_const(self.m, c));
        let mut adjusted = false;
        // TensorFlow's adjustment keeps an int32 bias inside ±INT32_MAX / 2; an int64 bias
        // needs none.
        let wide = bias_storage(self.m, op, &self.options) == StorageRange::INT64;
        let int32_bias = !wide;
        if let (Some(c), true, true) = (bias_const, weight_is_const, int32_bias) {
            if let Some(values) = const_f32_values(self.m, c) {
                if weight_params.len() == 1 {
                    let half_range = values.iter().fold(0.0f64, |a, v| a.max(v.abs() as f64));
                    if let Some((bs, wsc)) =
                        numerics::adjust_for_bias(half_range, bias_scales[0], input_scale, true)
                    {
                        bias_scales[0] = bs;
                        weight_scales[0] = wsc;
                        adjusted = true;
                    }
                } else {
                    for (i, v) in values.iter().enumerate().take(bias_scales.len()) {
                        if let Some((bs, wsc)) = numerics::adjust_for_bias(
                            v.abs() as f64,
                            bias_scales[i],
                            input_scale,
                            false,
                        ) {
                            bias_scales[i] = bs;
                            weight_scales[i] = wsc;
                            adjusted = true;
                        }
                    }
                }
            }
        }
        let to_params = |scales: &[f64]| -> Vec<QParams> {
            scales
                .iter()
                .map(|&scale| QParams {
                    scale,
                    zero_point: 0,
                })
                .collect()
        };
        // The pair of an int64 bias is int32 (tfl.quantize has no 64-bit form) and marked;
        // fold-quant gives the constant its 64-bit storage.
        let bias_elem = if bias_scales.len() == 1 {
            per_tensor(StorageRange::INT32, to_params(&bias_scales)[0])
        } else {
            per_axis(StorageRange::INT32, 0, &to_params(&bias_scales))
        };
        if wide {
            self.wide_biases.insert(self.operand_value(op, b));
        }
        if adjusted {
            self.bias_adjusted += 1;
            let weight_elem = match axis {
                Some(a) => per_axis(StorageRange::INT8_NARROW, a, &to_params(&weight_scales)),
                None => per_tensor(StorageRange::INT8_NARROW, to_params(&weight_scales)[0]),
            };
            self.set_operand(op, slots.weight, weight_elem, true);
        }
        self.set_operand(op, b, bias_elem, false);
        true
    }

    /// Every propagated parameter and requantize has finite, positive scales.
    fn check(&self) -> Result<(), Diagnostic> {
        let mut values: Vec<&ValueId> = self.states.keys().collect();
        values.sort();
        for v in values {
            check_params(self.m, *v, &self.states[v].elem)?;
            for r in self.requantizes.get(v).into_iter().flatten() {
                check_params(self.m, *v, &r.elem)?;
            }
        }
        Ok(())
    }

    /// Materializes the propagated parameters as pairs and the requantizes; returns the
    /// number of pairs made.
    fn finalize(&mut self) -> u64 {
        let mut values: Vec<ValueId> = self
            .states
            .iter()
            .filter(|(_, s)| !s.immutable)
            .map(|(v, _)| *v)
            .collect();
        values.sort();
        let mut pairs = 0;
        for v in values {
            let elem = self.states[&v].elem.clone();
            let q = qdq::insert_pair(self.m, v, elem, true);
            if self.wide_biases.contains(&v) {
                self.m.op_mut(q).attributes.set(INT64_BIAS, Attribute::Unit);
            }
            pairs += 1;
        }
        let mut requantized: Vec<(ValueId, Vec<Requantize>)> = self.requantizes.drain().collect();
        requantized.sort_by_key(|(v, _)| *v);
        for (v, list) in requantized {
            for r in list {
                self.requantize_count += 1;
                let Some(q) = qdq::pair_quantize(self.m, v) else {
                    continue;
                };
                if r.on_input {
                    // The producer makes `r.elem`; the pair's quantize becomes a requantize.
                    let ty = self.m.value_type(v).with_element_type(r.elem.clone());
                    let spec = tfl_builders::quantize(v, ty).loc(qdq::value_loc(self.m, v));
                    let first = self.m.create_op(spec);
                    let _ = self.m.insert_before(q, first);
                    let first_value = self.m.results(first)[0];
                    self.m.set_operand(q, 0, first_value);
                } else {
                    let qv = self.m.results(q)[0];
                    let dq = qdq::insert_requantize(self.m, qv, r.elem.clone());
                    for (user, i) in r.users {
                        self.m.set_operand(user, i, dq);
                    }
                }
            }
        }
        pairs
    }
}
