//! Checks of what a model declares, run over the whole (verified) flatbuffer before anything
//! is converted or allocated. A model that passes has:
//! - at least one subgraph;
//! - in every tensor's `shape` and `shape_signature`, only dimensions >= 0 or -1 (unknown),
//!   and the two of the same rank, agreeing wherever both are known;
//! - no tensor needing more bytes than the memory budget (element counts multiplied in
//!   checked `u64`), and all declared tensors other than constants together within the
//!   budget too (constants are windows into the file);
//! - sound quantization parameters: finite positive scales, as many zero points as scales,
//!   per-axis parameters on an axis below the tensor's rank whose size is the number of
//!   scales, finite calibration ranges (`min <= max`, as many minima as maxima);
//! - at most one writer per tensor: no tensor is the output of two operators (or twice of one),
//!   and no operator writes a subgraph input.
//!
//! Every error names the subgraph and the tensor (and operators) it is about.

use crate::error::{named, ImportError, ImportErrorKind, Result};
use crate::schema::{builtin_code, tflite};
use crate::types::element_type;

use super::limits::{show_bytes, MEMORY_LIMIT_ENV};
use super::{tensor_error, tensor_list};

/// Checks every subgraph of `model` (see the module documentation).
pub(crate) fn model(model: &tflite::Model<'_>, memory_limit: u64) -> Result<()> {
    let subgraphs = model.subgraphs().filter(|s| !s.is_empty()).ok_or_else(|| {
        ImportError::invalid("the model has no subgraphs: there is nothing to import")
    })?;
    let mut total: u64 = 0;
    for (s, sg) in subgraphs.iter().enumerate() {
        let place = || named("subgraph", s, sg.name());
        let bytes = subgraph(model, &sg, memory_limit).map_err(|e| e.within(place()))?;
        total = total.saturating_add(bytes);
    }
    if total > memory_limit {
        return Err(ImportError::new(
            ImportErrorKind::TooLarge,
            format!(
                "the model's tensors other than constants need {} in all, more than the memory limit of {} (set {MEMORY_LIMIT_ENV} to raise it)",
                show_bytes(total),
                show_bytes(memory_limit)
            ),
        ));
    }
    Ok(())
}

/// Checks one subgraph; returns the bytes its tensors other than constants need (constants
/// are windows into the file, whose size already bounds them).
fn subgraph(model: &tflite::Model<'_>, sg: &tflite::SubGraph<'_>, limit: u64) -> Result<u64> {
    let tensors = tensor_list(sg);
    let mut total: u64 = 0;
    for (i, t) in tensors.iter().enumerate() {
        let bytes = tensor(t, limit).map_err(|(kind, m)| {
            let mut e = tensor_error(i, t, m);
            e.kind = kind;
            e
        })?;
        if !has_data(model, t) {
            total = total.saturating_add(bytes);
        }
    }
    writers(model, sg, &tensors)?;
    Ok(total)
}

/// Whether the tensor's buffer holds data (in the flatbuffer or after it).
fn has_data(model: &tflite::Model<'_>, t: &tflite::Tensor<'_>) -> bool {
    let index = t.buffer() as usize;
    model
        .buffers()
        .filter(|b| index < b.len())
        .map(|b| b.get(index))
        .is_some_and(|b| b.offset() > 1 || b.data().is_some_and(|d| !d.is_empty()))
}

type Failure = (ImportErrorKind, String);

fn invalid(message: String) -> Failure {
    (ImportErrorKind::Invalid, message)
}

/// Checks one tensor's shapes, size and quantization; returns the bytes it needs.
fn tensor(t: &tflite::Tensor<'_>, limit: u64) -> Result<u64, Failure> {
    let shape: Vec<i32> = t.shape().map(|s| s.iter().collect()).unwrap_or_default();
    let signature: Vec<i32> = t
        .shape_signature()
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    dims("shape", &shape)?;
    dims("shape_signature", &signature)?;
    if !shape.is_empty() && !signature.is_empty() {
        if shape.len() != signature.len() {
            return Err(invalid(format!(
                "has shape {shape:?} of rank {} but shape_signature {signature:?} of rank {}",
                shape.len(),
                signature.len()
            )));
        }
        if let Some(k) = (0..shape.len())
            .find(|&k| shape[k] >= 0 && signature[k] >= 0 && shape[k] != signature[k])
        {
            return Err(invalid(format!(
                "has shape {shape:?} but shape_signature {signature:?}: they disagree on dimension {k}"
            )));
        }
    }
    if let Some(nested) = t.variant_tensors() {
        for (k, n) in nested.iter().enumerate() {
            let s: Vec<i32> = n.shape().map(|s| s.iter().collect()).unwrap_or_default();
            dims(&format!("nested variant {k} shape"), &s)?;
        }
    }
    let bytes = size(t, &shape, &signature, limit)?;
    quantization(t, if shape.is_empty() { &signature } else { &shape })?;
    Ok(bytes)
}

/// Dimensions must be >= 0, or -1 for a dimension not known before running.
fn dims(what: &str, dims: &[i32]) -> Result<(), Failure> {
    match dims.iter().position(|&d| d < -1) {
        Some(k) => Err(invalid(format!(
            "has dimension {} at index {k} of its {what} {dims:?}: a dimension is at least 0, or -1 when unknown",
            dims[k]
        ))),
        None => Ok(()),
    }
}

/// The bytes the tensor needs in the IR (unknown dimensions counted as 1; element types
/// whose size is not fixed, such as strings, as 1 byte per element), checked against `limit`.
fn size(
    t: &tflite::Tensor<'_>,
    shape: &[i32],
    signature: &[i32],
    limit: u64,
) -> Result<u64, Failure> {
    let elem_bytes = element_type(t.type_())
        .and_then(|e| e.storage_bytes())
        .unwrap_or(1)
        .max(1) as u64;
    let mut largest = 0u64;
    for (what, dims) in [("shape", shape), ("shape_signature", signature)] {
        let count = dims
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d.max(1) as u64))
            .ok_or_else(|| {
                (
                    ImportErrorKind::TooLarge,
                    format!("has {what} {dims:?}, whose element count overflows 64 bits"),
                )
            })?;
        let bytes = count.checked_mul(elem_bytes).ok_or_else(|| {
            (
                ImportErrorKind::TooLarge,
                format!(
                    "has {what} {dims:?} of {count} elements of {elem_bytes} bytes, whose byte size overflows 64 bits"
                ),
            )
        })?;
        if bytes > limit {
            return Err((
                ImportErrorKind::TooLarge,
                format!(
                    "has {what} {dims:?} of {count} elements of {elem_bytes} bytes: {}, more than the memory limit of {} (set {MEMORY_LIMIT_ENV} to raise it)",
                    show_bytes(bytes),
                    show_bytes(limit)
                ),
            ));
        }
        largest = largest.max(bytes);
    }
    Ok(largest)
}

/// Quantization parameters that describe a real quantized (or calibrated) tensor.
fn quantization(t: &tflite::Tensor<'_>, shape: &[i32]) -> Result<(), Failure> {
    let Some(q) = t.quantization() else {
        return Ok(());
    };
    let scales: Vec<f32> = q.scale().map(|s| s.iter().collect()).unwrap_or_default();
    let zero_points: Vec<i64> = q
        .zero_point()
        .map(|z| z.iter().collect())
        .unwrap_or_default();
    if let Some((k, s)) = scales
        .iter()
        .enumerate()
        .find(|(_, s)| !(s.is_finite() && **s > 0.0))
    {
        return Err(invalid(format!(
            "has quantization scale {s} (scale {k} of {}): a scale must be finite and greater than 0",
            scales.len()
        )));
    }
    if !zero_points.is_empty() && scales.len() != zero_points.len() {
        return Err(invalid(format!(
            "has {} quantization scales but {} zero points",
            scales.len(),
            zero_points.len()
        )));
    }
    if scales.len() > 1 {
        let axis = q.quantized_dimension();
        let rank = shape.len();
        let dim = usize::try_from(axis)
            .ok()
            .and_then(|a| shape.get(a).copied());
        match dim {
            None => {
                return Err(invalid(format!(
                    "is quantized per axis on quantized_dimension {axis}, but its shape {shape:?} has rank {rank}"
                )))
            }
            Some(d) if d >= 0 && d as usize != scales.len() => {
                return Err(invalid(format!(
                    "is quantized per axis on dimension {axis} of size {d}, but has {} scales",
                    scales.len()
                )))
            }
            _ => {}
        }
    }
    let mins: Vec<f32> = q.min().map(|m| m.iter().collect()).unwrap_or_default();
    let maxs: Vec<f32> = q.max().map(|m| m.iter().collect()).unwrap_or_default();
    if mins.len() != maxs.len() {
        return Err(invalid(format!(
            "has {} quantization minima but {} maxima",
            mins.len(),
            maxs.len()
        )));
    }
    if let Some(k) = (0..mins.len())
        .find(|&k| !(mins[k].is_finite() && maxs[k].is_finite() && mins[k] <= maxs[k]))
    {
        return Err(invalid(format!(
            "has quantization range [{}, {}] (range {k} of {}): a range must be finite with min <= max",
            mins[k],
            maxs[k],
            mins.len()
        )));
    }
    Ok(())
}

/// One writer per tensor: subgraph inputs are written by the caller, every other tensor by at
/// most one operator output.
fn writers(
    model: &tflite::Model<'_>,
    sg: &tflite::SubGraph<'_>,
    tensors: &[tflite::Tensor<'_>],
) -> Result<()> {
    /// Who writes a tensor, as the error message names it.
    #[derive(Clone)]
    enum Writer {
        Input(usize),
        Operator(usize),
    }
    let mut writer: Vec<Option<Writer>> = vec![None; tensors.len()];
    for (k, t) in sg.inputs().into_iter().flatten().enumerate() {
        if let Some(w) = usize::try_from(t).ok().and_then(|i| writer.get_mut(i)) {
            *w = Some(Writer::Input(k));
        }
    }
    for (k, op) in sg.operators().into_iter().flatten().enumerate() {
        for t in op.outputs().into_iter().flatten() {
            let Some(i) = usize::try_from(t).ok().filter(|&i| i < tensors.len()) else {
                // Out-of-range indices are reported with the operator's other checks.
                continue;
            };
            let this = operator_place(model, k, &op);
            let tensor = named("tensor", i, tensors[i].name());
            match &writer[i] {
                None => writer[i] = Some(Writer::Operator(k)),
                Some(Writer::Input(n)) => {
                    return Err(ImportError::invalid(format!(
                    "{this} writes {tensor}, which is subgraph input {n}: a tensor has one writer"
                )))
                }
                Some(Writer::Operator(j)) if *j == k => {
                    return Err(ImportError::invalid(format!(
                        "{this} lists {tensor} twice among its outputs: a tensor has one writer"
                    )))
                }
                Some(Writer::Operator(j)) => {
                    let first = sg
                        .operators()
                        .map(|ops| operator_place(model, *j, &ops.get(*j)))
                        .unwrap_or_else(|| format!("operator {j}"));
                    return Err(ImportError::invalid(format!(
                        "{tensor} is written by both {first} and {this}: a tensor has one writer"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// How errors name operator `k`: `operator 12 (CONV_2D)`, `operator 3 (CUSTOM "Foo")`, or
/// `operator 5` when its opcode index is out of range.
pub(crate) fn operator_place(
    model: &tflite::Model<'_>,
    k: usize,
    op: &tflite::Operator<'_>,
) -> String {
    let index = op.opcode_index() as usize;
    let Some(code) = model
        .operator_codes()
        .filter(|c| index < c.len())
        .map(|c| c.get(index))
    else {
        return format!("operator {k}");
    };
    let builtin = builtin_code(&code);
    if builtin == tflite::BuiltinOperator::CUSTOM {
        format!(
            "operator {k} (CUSTOM \"{}\")",
            code.custom_code().unwrap_or("").escape_debug()
        )
    } else {
        format!("operator {k} ({})", crate::ops::op_name(builtin))
    }
}
