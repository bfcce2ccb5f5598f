//! `quantize-weights{mode=dynamic-range|float16}`: the weight-only rewrites of constant
//! weights (TensorFlow's prepare-quantize-dynamic-range and float16 quantization).
//!
//! `dynamic-range`: float32 constant operands that an op's hybrid kernel reads as int8 (the op
//! table's `hybrid_operands`) become symmetric int8 `tfl.pseudo_qconst`s the op reads directly
//! — per channel where the op has a channel axis, per tensor otherwise — and
//! `asymmetric_quantize_inputs` is set on ops that declare it. Operands quantized weight-only
//! (`weight_only_operands`, or every quantizable operand with `weight-only=true`) get an int8
//! constant behind a `tfl.dequantize`. Constants with fewer than `min-elements` elements stay
//! float. Scales are computed in double precision (no float32 rounding), as TensorFlow does on
//! this path.
//!
//! `float16`: every float32 constant an op reads becomes a float16 constant behind one
//! `tfl.dequantize`, except a constant holding a finite value beyond ±65504, which float16
//! cannot hold: it stays float32 and a note counts it (clamping changed what the model
//! computes: openWakeWord's mel spectrogram clips at FLT_MAX, and clamping that bound to
//! 65504 took its float16 model to 15 dB); infinities and NaNs convert exactly. The module's
//! metadata says `reduced_precision_support = "fp16accfp32"`, as TensorFlow writes it.
//!
//! In `dynamic-range`, float16 weights behind a `tfl.dequantize` (as most MediaPipe models
//! store them, some sparse behind `tfl.densify`) that a hybrid or weight-only operand reads are
//! decoded to float32 first and quantized like any float32 weight; their other readers keep
//! the float16 constant.
//!
//! A module that already holds quantized or float16 weights and no float32 ones is reported and
//! left unchanged; where both kinds are (sparse float16 weights that canonicalize keeps sparse),
//! the float32 ones are quantized and the others counted in a warning.

use std::collections::HashMap;

use tqopt_ir::dialect::{tfl, tfl_builders, QuantBehavior};
use tqopt_ir::{
    AttrDict, Attribute, Blob, DenseElements, Diagnostic, ElementType, IntType, Module, OpId,
    Signedness, TensorType, Type,
};

use super::numerics::{self, QParams, StorageRange};
use super::qdq::{is_f32, per_axis, per_tensor};
use crate::folds::{const_f32_values, const_value, ConstValue};
use crate::options::{OptionInfo, OptionKind, PassOptions};
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const MODES: &[&str] = &["dynamic-range", "float16"];
/// The metadata TensorFlow writes for float16 models (padded to 16 bytes, as its exporter does).
pub const REDUCED_PRECISION_KEY: &str = "reduced_precision_support";
pub const REDUCED_PRECISION_FP16: &str = "fp16accfp32\0\0\0\0\0";

pub const HYBRID: Statistic = Statistic {
    name: "num-hybrid",
    description: "weights an op now reads as int8",
};
pub const WEIGHT_ONLY: Statistic = Statistic {
    name: "num-weight-only",
    description: "weights stored as int8 behind a dequantize",
};
pub const DECODED: Statistic = Statistic {
    name: "num-float16-decoded",
    description: "float16 weights (behind a dequantize) decoded to quantize them to int8",
};
pub const SMALL: Statistic = Statistic {
    name: "num-too-small",
    description: "weights left float for having fewer than min-elements",
};
use super::legalize_opset::{FLOAT_FOR_SPEED, KEPT_FOR_SPEED};

pub const HALF: Statistic = Statistic {
    name: "num-float16",
    description: "constants stored as float16",
};
pub const KEPT_F32: Statistic = Statistic {
    name: "num-kept-float32",
    description: "constants kept float32: they hold values beyond the float16 range",
};

/// Options `quantize-dynamic-range` declares as they are here (one declaration for both).
pub(super) const MIN_ELEMENTS_OPTION: OptionInfo = OptionInfo {
    name: "min-elements",
    kind: OptionKind::Int,
    default: "1024",
    help: "Constants with fewer elements stay float (dynamic-range)",
};
pub(super) const WEIGHT_ONLY_OPTION: OptionInfo = OptionInfo {
    name: "weight-only",
    kind: OptionKind::Bool,
    default: "false",
    help: "Keep every op float, reading int8 weights through a dequantize (no hybrid kernels)",
};

pub static OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        name: "mode",
        kind: OptionKind::Enum(MODES),
        default: "dynamic-range",
        help: "dynamic-range (int8) or float16",
    },
    MIN_ELEMENTS_OPTION,
    WEIGHT_ONLY_OPTION,
    super::pipeline::PER_CHANNEL_OPTION,
    super::pipeline::PER_CHANNEL_DENSE_OPTION,
    OptionInfo {
        name: "target",
        kind: OptionKind::Enum(super::target::TARGETS),
        default: "reference",
        help: "xnnpack: ops whose hybrid kernel XNNPACK refuses (but whose float form it takes) keep float weights",
    },
];

pub static INFO: PassInfo = PassInfo {
    argument: "quantize-weights",
    summary: "Quantize constant weights: int8 for hybrid kernels (dynamic range) or float16",
    description: "dynamic-range: float32 weights of ops with hybrid kernels (conv, depthwise, \
        fully_connected, batch_matmul, LSTMs, embedding_lookup, ...) become symmetric int8, per \
        channel where supported; constants with fewer than min-elements elements stay float. \
        float16: every float32 constant becomes float16 behind a dequantize.",
    options: OPTIONS,
    create,
    traits: PassTraits {
        inputs: &[],
        report: Some(crate::quant::report::Kind::Weights),
    },
};

fn create(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    let min_elements = options.int("min-elements")?;
    if min_elements < 0 {
        return Err("min-elements must not be negative".into());
    }
    Ok(Box::new(QuantizeWeights {
        float16: options.choice("mode")? == "float16",
        min_elements: min_elements as u64,
        weight_only: options.bool("weight-only")?,
        per_channel: options.bool("per-channel")?,
        per_channel_dense: options.bool("per-channel-dense")?,
        target: super::target::Target::parse(options.choice("target")?)?,
    }))
}

pub struct QuantizeWeights {
    float16: bool,
    min_elements: u64,
    weight_only: bool,
    per_channel: bool,
    per_channel_dense: bool,
    target: super::target::Target,
}

/// Whether weights are already in reduced precision: the kind of the first such constant, the
/// constant, and how many there are. Float16 constants count only with `float16`.
fn already_reduced(m: &Module, float16: bool) -> Option<(&'static str, OpId, usize)> {
    let mut first = None;
    let mut count = 0;
    for op in m.walk_nested(m.op) {
        let data = m.op(op);
        let kind = if data.is(&tfl::PSEUDO_QCONST) || data.is(&tfl::PSEUDO_SPARSE_QCONST) {
            "quantized"
        } else if data.is(&tfl::PSEUDO_CONST) || data.is(&tfl::PSEUDO_SPARSE_CONST) {
            let elem = m
                .results(op)
                .first()
                .and_then(|&v| m.value_type(v).element_type().cloned());
            if elem != Some(ElementType::F16) || !float16 {
                continue;
            }
            "float16"
        } else {
            continue;
        };
        count += 1;
        first.get_or_insert((kind, op));
    }
    first.map(|(kind, op)| (kind, op, count))
}

/// The float32 constants that hold data (variable tensors are state placeholders, left alone).
fn float_constants(m: &Module) -> Vec<OpId> {
    m.walk_nested(m.op)
        .filter(|&op| {
            let data = m.op(op);
            data.is(&tfl::PSEUDO_CONST)
                && !data.attributes.contains(tqopt_ir::IS_VARIABLE_ATTR)
                && m.results(op).first().is_some_and(|&v| is_f32(m, v))
        })
        .collect()
}

impl Pass for QuantizeWeights {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        // Dynamic range: float16 weights (most MediaPipe models store them so) are decoded and
        // quantized as float32 weights would be; float16 rounding is all they had lost.
        let decoded = if self.float16 {
            0
        } else {
            self.decode_float16_weights(m)
        };
        if decoded > 0 {
            cx.count(DECODED, decoded);
            cx.emit(Diagnostic::note(format!(
                "{decoded} float16 constant{} (behind a dequantize) of ops with hybrid or weight-only int8 forms decoded to float32: their weights are quantized to int8 as float32 weights would be, their biases stay float32; nothing but the float16 rounding already in the model is lost",
                if decoded == 1 { "" } else { "s" }
            )));
        }
        if let Some((kind, op, count)) = already_reduced(m, self.float16) {
            let message = if float_constants(m).is_empty() {
                format!(
                    "the model already holds {kind} weights; it is left unchanged (run canonicalize first to quantize again from float32)"
                )
            } else {
                format!(
                    "{count} constant(s) already hold float16 or quantized values (sparse ones, which canonicalize keeps sparse, say) and stay as they are; the float32 ones are quantized"
                )
            };
            cx.emit(
                Diagnostic::warning(message)
                    .at(m.op(op).pos)
                    .with_loc(m.op(op).loc.clone()),
            );
            if float_constants(m).is_empty() {
                return Ok(Changed::No);
            }
        }
        let changed = if self.float16 {
            self.to_float16(m, cx)
        } else {
            self.dynamic_range(m, cx)
        };
        Ok(Changed::from(changed || decoded > 0))
    }
}

impl QuantizeWeights {
    /// True when dynamic range quantizes operand `index` of `user` (a hybrid or weight-only
    /// operand of its table entry).
    fn is_target(m: &Module, user: OpId, index: u32) -> bool {
        m.op(user).def().is_some_and(|d| {
            let i = index as u8;
            d.hybrid_operands.contains(&i) || d.weight_only_operands.contains(&i)
        })
    }

    /// True when the dense int8 form of the sparse constant behind `densify` (one byte per
    /// element) takes fewer bytes than its stored non-zero values alone: a pruned float16
    /// weight (three quarters zeros, say) stays sparse float16, since XNNPACK's hybrid kernels
    /// do not read sparse int8 weights and dense int8 would make the model larger.
    fn dense_int8_is_smaller(m: &Module, densify: OpId) -> bool {
        let Some(sparse) = m.operand(densify, 0).and_then(|v| m.defining_op(v)) else {
            return false;
        };
        let stored = match m.op(sparse).attr("compressed_data") {
            Some(Attribute::Dense(d)) => d.raw_bytes().len() as u64,
            _ => return false,
        };
        let elements = m
            .results(densify)
            .first()
            .and_then(|&r| m.value_type(r).as_tensor())
            .and_then(|t| t.num_elements())
            .unwrap_or(u64::MAX);
        elements < stored
    }

    /// Every `tfl.dequantize` of a float16 constant that a hybrid or weight-only operand reads,
    /// with at least `min-elements` elements: those operands read a float32 constant of the
    /// same values instead (which the planning below quantizes). The other float16 operands of
    /// the same ops (their biases) are decoded too: a hybrid kernel reads float32 biases, and
    /// XNNPACK refuses a hybrid convolution whose bias is a dequantize. Other readers keep the
    /// dequantize. Returns the number of float16 constants decoded for such ops.
    fn decode_float16_weights(&self, m: &mut Module) -> u64 {
        // Sparse float16 weights (`dequantize(densify(sparse const))`) that such an operand
        // reads are made dense first, where dense int8 is the smaller form.
        let densify: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| m.op(op).is(&tfl::DEQUANTIZE))
            .filter(|&dq| {
                let dv = m.results(dq)[0];
                let big = m
                    .value_type(dv)
                    .as_tensor()
                    .and_then(|t| t.num_elements())
                    .unwrap_or(0)
                    >= self.min_elements;
                big && m.uses(dv).iter().any(|u| Self::is_target(m, u.op, u.index))
            })
            .filter_map(|dq| m.defining_op(m.operands(dq)[0]))
            .filter(|&d| m.op(d).is(&tfl::DENSIFY) && Self::dense_int8_is_smaller(m, d))
            .collect();
        for d in densify {
            let _ = crate::folds::fold_densify(m, d);
        }
        let dqs: Vec<OpId> = m
            .walk_nested(m.op)
            .filter(|&op| crate::folds::float16_dequantize_values(m, op).is_some())
            .collect();
        // The ops that will read int8 weights decoded from float16.
        let mut users: Vec<OpId> = Vec::new();
        for &dq in &dqs {
            let dv = m.results(dq)[0];
            let count = m
                .value_type(dv)
                .as_tensor()
                .and_then(|t| t.num_elements())
                .unwrap_or(0);
            if count < self.min_elements {
                continue;
            }
            for u in m.uses(dv) {
                if Self::is_target(m, u.op, u.index) && !users.contains(&u.op) {
                    users.push(u.op);
                }
            }
        }
        let mut made: HashMap<OpId, tqopt_ir::ValueId> = HashMap::new();
        for &user in &users {
            for (i, v) in m.operands(user).to_vec().into_iter().enumerate() {
                let Some(dq) = m.defining_op(v).filter(|d| dqs.contains(d)) else {
                    continue;
                };
                let cv = match made.get(&dq) {
                    Some(&cv) => cv,
                    None => {
                        let Some(values) = crate::folds::float16_dequantize_values(m, dq) else {
                            continue;
                        };
                        let loc = m.op(dq).loc.clone();
                        let c = m.create_op(tfl_builders::pseudo_const(values).loc(loc));
                        let _ = m.insert_before(dq, c);
                        let cv = m.results(c)[0];
                        made.insert(dq, cv);
                        cv
                    }
                };
                m.set_operand(user, i, cv);
            }
        }
        for &dq in made.keys() {
            let dv = m.results(dq)[0];
            if !m.has_uses(dv) {
                let half = m.operands(dq)[0];
                let _ = m.erase_op(dq);
                if let Some(h) = m.defining_op(half).filter(|_| !m.has_uses(half)) {
                    let _ = m.erase_op(h);
                }
            }
        }
        made.len() as u64
    }

    fn dynamic_range(&self, m: &mut Module, cx: &mut PassContext) -> bool {
        // Plan: the constants to quantize, who reads them, on which axes.
        struct Plan {
            constant: OpId,
            values: DenseElements,
            shape: Vec<i64>,
            // (user, operand index, reads int8 directly, per-channel axis)
            targets: Vec<(OpId, usize, bool, Option<usize>)>,
        }
        let mut plans = Vec::new();
        for c in float_constants(m) {
            let v = m.results(c)[0];
            let count = m
                .value_type(v)
                .as_tensor()
                .and_then(|t| t.num_elements())
                .unwrap_or(0);
            let mut targets = Vec::new();
            for u in m.uses(v).to_vec() {
                let Some(def) = m.op(u.op).def() else {
                    continue;
                };
                let i = u.index as u8;
                let hybrid = def.hybrid_operands.contains(&i);
                if !hybrid && !def.weight_only_operands.contains(&i) {
                    continue;
                }
                // An op whose hybrid kernel is slower on the target runs float, reading its
                // int8 weights through a dequantize (XNNPACK takes that form and decodes the
                // weights once), so the model still shrinks.
                let mut direct = hybrid && !self.weight_only;
                if direct {
                    if let Some(why) = super::target::hybrid_slower(m, u.op, self.target) {
                        let attrs = &mut m.op_mut(u.op).attributes;
                        if attrs
                            .set(FLOAT_FOR_SPEED, Attribute::string(&why))
                            .is_none()
                        {
                            cx.count(KEPT_FOR_SPEED, 1);
                        }
                        direct = false;
                    }
                }
                let axis = match def.quant {
                    QuantBehavior::Affine { weight, axis, .. } if weight == i => {
                        axis.map(usize::from)
                    }
                    _ if hybrid => def.hybrid_axis.map(usize::from),
                    _ => None,
                };
                let dense = m.op(u.op).is(&tfl::FULLY_CONNECTED);
                let axis = axis.filter(|_| self.per_channel && (!dense || self.per_channel_dense));
                targets.push((u.op, u.index as usize, direct, axis));
            }
            if targets.is_empty() {
                continue;
            }
            if count < self.min_elements {
                cx.count(SMALL, 1);
                continue;
            }
            let Some(ConstValue::Dense(values)) = const_value(m, c) else {
                continue;
            };
            let Some(shape) = m.value_type(v).as_tensor().map(|t| t.shape.to_vec()) else {
                continue;
            };
            if values.ty.elem != ElementType::F32 {
                continue;
            }
            plans.push(Plan {
                constant: c,
                values,
                shape,
                targets,
            });
        }

        // Quantize: one job per constant and distinct axis among its users, on every core.
        let jobs: Vec<(usize, Option<usize>)> = plans
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                let mut axes: Vec<Option<usize>> = p.targets.iter().map(|t| t.3).collect();
                axes.sort();
                axes.dedup();
                axes.into_iter().map(move |a| (i, a))
            })
            .collect();
        let quantized = tqopt_interp::parallel::map(
            &jobs,
            tqopt_interp::parallel::default_threads(),
            |&(i, axis)| {
                let plan = &plans[i];
                match plan.values.as_f32_slice() {
                    Some(values) => symmetric_int8(values, &plan.shape, axis),
                    None => symmetric_int8(&plan.values.to_f32_vec(), &plan.shape, axis),
                }
            },
        );
        let mut quantized: HashMap<(usize, Option<usize>), (ElementType, Vec<u8>)> =
            jobs.into_iter().zip(quantized).collect();

        // Apply, in the constants' order.
        let mut changed = false;
        for (i, plan) in plans.iter().enumerate() {
            let c = plan.constant;
            let v = m.results(c)[0];
            let mut made: HashMap<Option<usize>, (tqopt_ir::ValueId, Option<tqopt_ir::ValueId>)> =
                HashMap::new();
            for &(user, index, direct, axis) in &plan.targets {
                let (qv, dq) = match made.get(&axis) {
                    Some(&pair) => pair,
                    None => {
                        let Some((elem, bytes)) = quantized.remove(&(i, axis)) else {
                            continue;
                        };
                        let Some(qv) = insert_qconst(m, c, elem, bytes) else {
                            continue;
                        };
                        made.insert(axis, (qv, None));
                        (qv, None)
                    }
                };
                if direct {
                    m.set_operand(user, index, qv);
                    cx.count(HYBRID, 1);
                    if let Some(attr) = m
                        .op(user)
                        .def()
                        .and_then(|d| d.attr_def("asymmetric_quantize_inputs"))
                    {
                        m.op_mut(user)
                            .properties
                            .set(attr.name, Attribute::Bool(true));
                    }
                } else {
                    let dq = match dq {
                        Some(d) => d,
                        None => {
                            let loc = m.op(c).loc.clone();
                            let float_ty = m.value_type(v).clone();
                            let op = m.create_op(tfl_builders::dequantize(qv, float_ty).loc(loc));
                            let anchor = m.defining_op(qv).unwrap_or(c);
                            let _ = m.insert_after(anchor, op);
                            let d = m.results(op)[0];
                            made.insert(axis, (qv, Some(d)));
                            d
                        }
                    };
                    m.set_operand(user, index, dq);
                    cx.count(WEIGHT_ONLY, 1);
                }
                changed = true;
            }
            if !m.has_uses(v) {
                let _ = m.erase_op(c);
            }
        }
        changed
    }

    fn to_float16(&self, m: &mut Module, cx: &mut PassContext) -> bool {
        /// The largest finite float16.
        const F16_MAX: f32 = 65504.0;
        let mut changed = false;
        let mut kept_f32 = 0u64;
        for c in float_constants(m) {
            let v = m.results(c)[0];
            let readers: Vec<_> = m
                .uses(v)
                .iter()
                .copied()
                .filter(|u| !m.op(u.op).is(&tqopt_ir::dialect::func::RETURN))
                .collect();
            if readers.is_empty() {
                continue;
            }
            let Some(values) = const_f32_values(m, c) else {
                continue;
            };
            let Some(shape) = m.value_type(v).as_tensor().map(|t| t.shape.to_vec()) else {
                continue;
            };
            if values.iter().any(|x| x.is_finite() && x.abs() > F16_MAX) {
                kept_f32 += 1;
                continue;
            }
            let mut bytes = Vec::with_capacity(values.len() * 2);
            for &x in &values {
                bytes.extend(half::f16::from_f32(x).to_le_bytes());
            }
            if !behind_float16_dequantize(m, c, &readers, &shape, bytes) {
                continue;
            }
            cx.count(HALF, 1);
            changed = true;
        }
        if kept_f32 > 0 {
            cx.count(KEPT_F32, kept_f32);
            cx.emit(Diagnostic::note(format!(
                "{kept_f32} constant{} hold{} values beyond the float16 range (±65504) and stay{} float32",
                if kept_f32 == 1 { "" } else { "s" },
                if kept_f32 == 1 { "s" } else { "" },
                if kept_f32 == 1 { "s" } else { "" },
            )));
        }
        if changed {
            let root = m.op;
            let mut metadata = m
                .op(root)
                .attributes
                .get("tfl.metadata")
                .and_then(Attribute::as_dict)
                .cloned()
                .unwrap_or_else(AttrDict::new);
            metadata.set(
                REDUCED_PRECISION_KEY,
                Attribute::string(REDUCED_PRECISION_FP16),
            );
            m.op_mut(root)
                .attributes
                .set("tfl.metadata", Attribute::Dict(metadata));
        }
        changed
    }
}

/// Gives the `readers` of float constant `c` (of `shape`) the float16 values `bytes` behind one
/// `tfl.dequantize` (TFLite's form of float16 weights), erasing `c` when nothing else reads it.
pub(crate) fn behind_float16_dequantize(
    m: &mut Module,
    c: OpId,
    readers: &[tqopt_ir::Use],
    shape: &[i64],
    bytes: Vec<u8>,
) -> bool {
    let v = m.results(c)[0];
    let ty = TensorType::new(shape, ElementType::F16);
    let Some(dense) = DenseElements::from_blob(ty, Blob::from_vec(bytes)) else {
        return false;
    };
    let loc = m.op(c).loc.clone();
    let half_const = m.create_op(tfl_builders::pseudo_const(dense).loc(loc.clone()));
    let _ = m.insert_before(c, half_const);
    let hv = m.results(half_const)[0];
    let float_ty = m.value_type(v).clone();
    let dq = m.create_op(tfl_builders::dequantize(hv, float_ty).loc(loc));
    let _ = m.insert_after(half_const, dq);
    let dv = m.results(dq)[0];
    for u in readers {
        m.set_operand(u.op, u.index as usize, dv);
    }
    if !m.has_uses(v) {
        let _ = m.erase_op(c);
    }
    true
}

/// Symmetric int8 values of a constant (double-precision scales, values rounded half away from
/// zero and clamped to [-127, 127]): the quantized element type and the storage bytes. Pure,
/// so constants are quantized in parallel.
fn symmetric_int8(values: &[f32], shape: &[i64], axis: Option<usize>) -> (ElementType, Vec<u8>) {
    let range = StorageRange::INT8_NARROW;
    let mut bytes = Vec::with_capacity(values.len());
    let elem = match axis.filter(|&a| a < shape.len()) {
        Some(axis) => {
            // Row-major: the values come in contiguous blocks of `slice`, block k belonging to
            // channel k % channels.
            let channels = shape[axis].max(1) as usize;
            let slice: usize = shape[axis + 1..]
                .iter()
                .map(|&d| d.max(1) as usize)
                .product::<usize>()
                .max(1);
            let mut abs_max = vec![0.0f32; channels];
            for (k, block) in values.chunks(slice).enumerate() {
                let m = &mut abs_max[k % channels];
                *m = m.max(numerics::abs_max_of(block));
            }
            let params: Vec<QParams> = abs_max
                .iter()
                .map(|&m| symmetric_double(-(m as f64), m as f64))
                .collect();
            for (k, block) in values.chunks(slice).enumerate() {
                numerics::quantize_symmetric_i8(block, params[k % channels].scale, &mut bytes);
            }
            per_axis(range, axis, &params)
        }
        None => {
            let (lo, hi) = numerics::constant_range(values.iter().copied(), false);
            let p = symmetric_double(lo, hi);
            numerics::quantize_symmetric_i8(values, p.scale, &mut bytes);
            per_tensor(range, p)
        }
    };
    (elem, bytes)
}

/// Inserts a `tfl.pseudo_qconst` of quantized type `elem` and int8 storage `bytes` after the
/// constant `c`, located where `c` is.
fn insert_qconst(
    m: &mut Module,
    c: OpId,
    elem: ElementType,
    bytes: Vec<u8>,
) -> Option<tqopt_ir::ValueId> {
    let shape = m.value_type(m.results(c)[0]).as_tensor()?.shape.to_vec();
    let qty = TensorType::new(&shape, elem);
    let storage = TensorType::new(
        &shape,
        ElementType::Int(IntType {
            width: 8,
            signedness: Signedness::Signless,
        }),
    );
    let dense = DenseElements::from_blob(storage, Blob::from_vec(bytes))?;
    let loc = m.op(c).loc.clone();
    let spec = tfl_builders::pseudo_qconst(Type::Tensor(qty), Attribute::Dense(dense)).loc(loc);
    let q = m.create_op(spec);
    let _ = m.insert_after(c, q);
    Some(m.results(q)[0])
}

/// Symmetric narrow-range parameters in double precision: scale = max|x| / 127.
fn symmetric_double(lo: f64, hi: f64) -> QParams {
    let m = lo.abs().max(hi.abs());
    let (lo, hi) = numerics::expand_very_small_range(-m, m);
    QParams {
        scale: (hi - lo) / 254.0,
        zero_point: 0,
    }
}
