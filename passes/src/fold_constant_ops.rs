//! `fold-constant-ops`: an op of an entry function (each of a model's signatures) whose
//! operands are all constants becomes a constant holding its result, computed by tqopt's
//! interpreter (which folds such ops when it plans a run, with the kernels LiteRT would run
//! them with).
//!
//! Converters leave whole subgraphs of constants: litert-torch writes a T5 encoder's relative
//! position buckets (range, sub, abs, log, cast, gather) as ops on constants. Calibration never sees their values
//! (the interpreter folds them away), so they had no ranges: they stayed float in int8
//! models, behind conversions, and strict int8 refused the models ("no calibrated range
//! reaches it"). Folded, they are constants that quantize as weights or same-scale operands.
//!
//! Invariants: only float32, integer and bool values fold (quantized and float16 constants
//! are weights that must stay compact, and `tfl.dequantize`/`tfl.densify` of them are left
//! alone); a folded result grows the model by at most [`MAX_NEW_BYTES`] beyond its
//! operands'; the entry function's results are never replaced by constants (a model's output
//! stays an op's result); ops with regions, calls and custom ops are left alone. Each new
//! constant takes the folded op's location, so the tensor keeps its name.

use tqopt_interp::{Interpreter, Tensor, TensorData};
use tqopt_ir::dialect::{func, tfl, tfl_builders, Traits};
use tqopt_ir::{Blob, DenseElements, ElementType, FloatKind, Module, OpId, TensorType, ValueId};

use crate::folds::erase_dead_ops;
use crate::options::PassOptions;
use crate::pass::{Changed, Pass, PassContext, PassError, Statistic};
use crate::registry::{PassInfo, PassTraits};

pub const FOLDED: Statistic = Statistic {
    name: "num-folded",
    description: "ops on constants replaced by their values",
};

/// A folded result may take this many more bytes than the op's constant operands together
/// (4096 float32 values): a float op kept float stores them as float32. An op left unfolded
/// is calibrated from the value the interpreter computes all the same, so folding is only
/// worth its bytes for small subgraphs (a T5 encoder's position buckets, whose integer ops
/// have no int8 kernels). wav2vec2's all-zero
/// 199x199 attention mask (39601 values from a 199-value condition) would have grown its int8
/// model from 229 to 383 KB, and a causal mask selected by a 200x200 bool constant would have
/// taken four times the bool's bytes (a decoder block's int8 model grew from 71 to 186 KB, past
/// its float model's 83): they stay ops, which calibration measures all the same.
pub const MAX_NEW_BYTES: usize = 16384;

pub static INFO: PassInfo = PassInfo {
    argument: "fold-constant-ops",
    summary: "Replace ops whose operands are all constants by constants of their results",
    description: "Computes, with tqopt's interpreter, every op of each entry function whose \
        operands are all float32, integer or bool constants, and replaces it by a constant of \
        its value (named as the op's result), so that calibration and quantization see them \
        as constants. Leaves quantized and float16 weights, the function's results, custom \
        ops, ops with regions, and results more than 16 KiB larger than their operands.",
    options: &[],
    create,
    traits: PassTraits::NONE,
};

fn create(_: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(FoldConstantOps))
}

pub struct FoldConstantOps;

/// Element types whose values fold: float32, integers and bool.
fn folds(elem: Option<&ElementType>) -> bool {
    matches!(
        elem,
        Some(ElementType::Float(FloatKind::F32)) | Some(ElementType::Int(_))
    )
}

/// The bytes a constant of `v`'s type takes: a byte per bool, whole bytes per value otherwise.
fn bytes(m: &Module, v: ValueId) -> Option<usize> {
    let t = m.value_type(v).as_tensor()?;
    let width = match &t.elem {
        ElementType::Float(FloatKind::F32) => 32,
        ElementType::Int(i) => i.width.max(8),
        _ => return None,
    };
    Some(t.num_elements()? as usize * (width as usize).div_ceil(8))
}

/// The little-endian bytes of `t` in the element type `elem`, when they match.
fn bytes_of(t: &Tensor, elem: &ElementType) -> Option<Vec<u8>> {
    let bytes = match (t.data(), elem) {
        (TensorData::F32(v), ElementType::Float(FloatKind::F32)) => {
            v.iter().flat_map(|x| x.to_le_bytes()).collect()
        }
        (TensorData::I32(v), ElementType::Int(i)) if i.width == 32 => {
            v.iter().flat_map(|x| x.to_le_bytes()).collect()
        }
        (TensorData::I64(v), ElementType::Int(i)) if i.width == 64 => {
            v.iter().flat_map(|x| x.to_le_bytes()).collect()
        }
        (TensorData::I16(v), ElementType::Int(i)) if i.width == 16 => {
            v.iter().flat_map(|x| x.to_le_bytes()).collect()
        }
        (TensorData::I8(v), ElementType::Int(i)) if i.width == 8 && !i.is_unsigned() => {
            v.iter().map(|&x| x as u8).collect()
        }
        (TensorData::U8(v), ElementType::Int(i)) if i.width == 8 && i.is_unsigned() => v.clone(),
        (TensorData::Bool(v), ElementType::Int(i)) if i.width == 1 => {
            v.iter().map(|&b| u8::from(b)).collect()
        }
        _ => return None,
    };
    Some(bytes)
}

/// The constant holding `t` as a value of type `ty` (a splat when every element is equal).
fn dense(t: &Tensor, ty: &TensorType) -> Option<DenseElements> {
    if t.shape()
        .iter()
        .map(|&d| d as i64)
        .ne(ty.shape.iter().copied())
    {
        return None;
    }
    let bytes = bytes_of(t, &ty.elem)?;
    let width = ty.elem.storage_bytes()?;
    let splat = bytes.len() >= width && bytes.chunks(width).all(|c| c == &bytes[..width]);
    if splat {
        DenseElements::splat_from_blob(ty.clone(), Blob::from_vec(bytes[..width].to_vec()))
    } else {
        DenseElements::from_blob(ty.clone(), Blob::from_vec(bytes))
    }
}

/// Whether `op` is one this pass may replace (see the module doc), before its value is known.
fn candidate(m: &Module, op: OpId, returned: &[ValueId]) -> bool {
    let data = m.op(op);
    let Some(def) = data.def() else {
        return false;
    };
    if !def.has_trait(Traits::PURE)
        || def.has_trait(Traits::CONSTANT_LIKE)
        || def.has_trait(Traits::TERMINATOR)
        || !data.regions().is_empty()
        || data.results().is_empty()
        || data.is(&tfl::CUSTOM)
        || data.is(&tfl::DEQUANTIZE)
        || data.is(&tfl::QUANTIZE)
        || data.is(&tfl::DENSIFY)
    {
        return false;
    }
    // Operands: absent, or float32/integer/bool constants in the IR (not only known to the
    // interpreter: an op kept for its size keeps the ops after it too).
    let constant_operand = |v: &ValueId| {
        matches!(m.value_type(*v), tqopt_ir::Type::None)
            || (folds(m.value_type(*v).element_type())
                && m.defining_op(*v).is_some_and(|d| {
                    m.op(d)
                        .def()
                        .is_some_and(|def| def.has_trait(Traits::CONSTANT_LIKE))
                }))
    };
    let folds_result = |r: &ValueId| {
        folds(m.value_type(*r).element_type())
            && m.value_type(*r)
                .as_tensor()
                .is_some_and(|t| t.has_static_shape())
            && !returned.contains(r)
    };
    if !data.operands().iter().all(constant_operand) || !data.results().iter().all(folds_result) {
        return false;
    }
    let operand_bytes: usize = data
        .operands()
        .iter()
        .map(|&v| bytes(m, v).unwrap_or(0))
        .sum();
    data.results()
        .iter()
        .all(|&r| bytes(m, r).is_some_and(|n| n <= operand_bytes.saturating_add(MAX_NEW_BYTES)))
}

impl Pass for FoldConstantOps {
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed, PassError> {
        // Every entry point (a model's signatures) folds its own ops.
        let mut folded = 0;
        for f in m.entry_points() {
            folded += fold_function(m, f);
        }
        if folded > 0 {
            erase_dead_ops(m);
        }
        cx.count(FOLDED, folded);
        Ok(Changed::from(folded > 0))
    }
}

/// Folds the candidates of entry function `f`; returns how many ops it replaced. A function
/// the interpreter cannot plan (a custom op in the way) folds nothing.
fn fold_function(m: &mut Module, f: OpId) -> u64 {
    let name = func::name(m, f).unwrap_or("main").to_string();
    let Ok(interp) = Interpreter::new_partial(m, &name) else {
        return 0;
    };
    let Some(body) = func::entry_block(m, f) else {
        return 0;
    };
    let returned: Vec<ValueId> = m
        .block_ops(body)
        .filter(|&op| {
            m.op(op)
                .def()
                .is_some_and(|d| d.has_trait(Traits::TERMINATOR))
        })
        .flat_map(|op| m.operands(op).to_vec())
        .collect();
    let ops: Vec<OpId> = m.block_ops(body).collect();
    let mut folded = 0u64;
    for op in ops {
        if !candidate(m, op, &returned) {
            continue;
        }
        let results = m.results(op).to_vec();
        let values: Option<Vec<DenseElements>> = results
            .iter()
            .map(|&r| {
                let ty = m.value_type(r).as_tensor()?;
                dense(interp.constant(r)?, ty)
            })
            .collect();
        let Some(values) = values else {
            continue;
        };
        let loc = m.op(op).loc.clone();
        for (&r, value) in results.iter().zip(values) {
            let c = m.create_op(tfl_builders::pseudo_const(value).loc(loc.clone()));
            if m.insert_before(op, c).is_err() {
                continue;
            }
            let v = m.results(c)[0];
            m.replace_all_uses(r, v);
        }
        folded += 1;
    }
    folded
}
