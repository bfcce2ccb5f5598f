//! Running quantized ops (int8, uint8, int16 activations; int8 weights; int32/int64 biases) by
//! emulation: one general wrapper around the float kernels, not a kernel per op.
//!
//! An op with a quantized operand or result runs as:
//! 1. each quantized operand is dequantized with its own type (per tensor or per axis):
//!    `real = (q - zero_point) * scale`; constant operands (weights, biases) once, when the
//!    plan is made, so a convolution packs float weights as usual;
//! 2. the op's float kernel runs (it applies the fused activation);
//! 3. each quantized result is quantized with its own type as LiteRT's default kernels do:
//!    `round(real / scale)` with ties to even, plus the zero point, clamped to the storage range
//!    (`[storage_min, storage_max]`). Fixed-output ops (softmax, logistic, tanh) carry their
//!    fixed parameters in their result type and need nothing special.
//!
//! A float to int8/uint8 `tfl.quantize` multiplies by the reciprocal scale instead of
//! dividing, as XNNPACK's convert does ([`xnnpack_convert`]).
//!
//! Ties to even, not away from zero: LiteRT's default interpreter (XNNPACK, and the optimized
//! builtin QUANTIZE) rounds halves to even; only its reference kernels round them away from
//! zero. Ties are common where it matters most: an image input in [-1, 1] quantized with scale
//! 2/255 lands on halves for every pixel, and rounding them the other way changed 204 of
//! 49152 input values of face_detection_short_range (measured against LiteRT 2026-12-05).
//!
//! Exceptions, where LiteRT's default interpreter (XNNPACK) computes in a way float emulation
//! missed by 1 LSB often enough to move a model's SQNR: an int8/uint8 `tfl.resize_bilinear`
//! whose input and result share one type runs in XNNPACK's 11-bit fixed point
//! ([`crate::resize_q11`]); int8 `tfl.conv_2d`, `tfl.depthwise_conv_2d` and
//! `tfl.fully_connected` run their float kernel on integer-valued operands and requantize the
//! accumulator as XNNPACK does, and an int8 `tfl.batch_matmul` as LiteRT's builtin kernel
//! does ([`crate::quantized_acc`]); int8 `tfl.add`, `tfl.mul`, `tfl.leaky_relu` and int8 to
//! int8 `tfl.quantize` run XNNPACK's fixed point ([`crate::quantized_elementwise`]); 8-bit ops that LiteRT leaves to
//! its builtin kernels (average pool, hard swish, squared difference, a rescaling sum) run
//! those kernels' integer arithmetic ([`crate::builtin8`]).
//! 16x8 ops (int16 activations), which
//! LiteRT runs in its builtin kernels, run those kernels' integer arithmetic ([`crate::int16`]):
//! convolutions and fully connected layers on an exact int64 accumulator (their float kernel on
//! the input split into digits), adds, multiplies, logistic, mean, bilinear resize and quantize
//! from f32 on the storage integers; every int16 value then equals LiteRT's.
//!
//! Ops that only move data ([`QuantBehavior::SameScale`] in the op table) whose quantized
//! operands and results all have one and the same type keep their own kernel, which copies
//! storage integers, when that kernel takes quantized types; otherwise they are emulated too.
//! `tfl.quantize`, `tfl.dequantize` (and requantization) are emulated too, with the identity as
//! their float kernel, so that every rounding to a quantized type happens here.
//!
//! Precision contract: LiteRT's builtin integer kernels compute with fixed-point multipliers
//! and their own rounding (and lookup tables for logistic, tanh, softmax...). Emulation
//! computes the same real-valued function in f32 and rounds once, so each op's result is within
//! ±1 step (LSB) of LiteRT's for the same quantized operands; differences do not grow inside
//! one op but can propagate through the following ones.
//!
//! The float kernel is built against a float view of the op: a copy of the module (made once
//! per plan, when the first emulated op is met) where the emulated ops' quantized values have
//! their expressed float type. Invariant: the wrapped kernel only ever sees f32 where the
//! original op has a quantized type, and its f32 results where the op has quantized results
//! are quantized before anyone else sees them.

use std::sync::Arc;

use smallvec::SmallVec;
use tqopt_ir::dialect::QuantBehavior;
use tqopt_ir::{ElementType, Module, OpId, QuantParams, Type, UniformQuant};

use crate::consts::dtype_of;
use crate::error::KResult;
use crate::kernels::args::Arg;
use crate::kernels::quant::Dequant;
use crate::kernels::{self, Args, BoxKernel, Kernel, OpInfo, Outputs};
use crate::tensor::{DType, Tensor, TensorData};

/// Ops with kernels of their own for quantized types.
const OWN_KERNELS: &[&str] = &["quantfork.stats"];

/// Ops whose float form is the identity on real values.
const CONVERSIONS: &[&str] = &["tfl.quantize", "tfl.dequantize"];

fn quant_of(ty: &Type) -> Option<&UniformQuant> {
    ty.element_type().and_then(ElementType::as_quant)
}

/// The float type a quantized type expresses (same shape); other types unchanged.
fn expressed(ty: &Type) -> Type {
    let float = |e: &ElementType| match e {
        ElementType::Quant(q) => ElementType::Float(q.expressed),
        other => other.clone(),
    };
    match ty {
        Type::Tensor(t) => {
            let mut t = t.clone();
            t.elem = float(&t.elem);
            Type::Tensor(t)
        }
        Type::UnrankedTensor(e) => Type::UnrankedTensor(float(e)),
        Type::Scalar(e) => Type::Scalar(float(e)),
        other => other.clone(),
    }
}

/// How the planner runs an op with respect to quantization.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// No quantized type, or an op with its own quantized kernel: build its kernel as is.
    Native,
    /// A data-movement op whose quantized values all share one type: try its own kernel on
    /// the storage integers, and emulate if that kernel refuses quantized types.
    NativeOrEmulate,
    /// Emulate through the float kernel.
    Emulate,
}

/// Decides how `op` runs.
pub(crate) fn mode(m: &Module, op: OpId) -> Mode {
    let data = m.op(op);
    if OWN_KERNELS.contains(&data.name.as_str()) {
        return Mode::Native;
    }
    let quants: Vec<&UniformQuant> = data
        .operands()
        .iter()
        .chain(data.results())
        .filter_map(|&v| quant_of(m.value_type(v)))
        .collect();
    // An integer-valued op (a cast from integers) writes its integers into the storage
    // unscaled, whatever the parameters, as LiteRT's kernel does.
    let integer_valued = data
        .def()
        .is_some_and(|d| d.quant == QuantBehavior::IntegerValued);
    if quants.is_empty() || integer_valued {
        return Mode::Native;
    }
    let same_scale = data
        .def()
        .is_some_and(|d| matches!(d.quant, QuantBehavior::SameScale));
    let all_equal = quants.iter().all(|q| *q == quants[0]);
    // Results must be quantized too: a quantized table gathered into floats is a hybrid op.
    let results_quantized = data
        .results()
        .iter()
        .all(|&r| quant_of(m.value_type(r)).is_some());
    if same_scale && all_equal && results_quantized {
        Mode::NativeOrEmulate
    } else {
        Mode::Emulate
    }
}

/// The float view of a module, made on first use (see the module comment).
#[derive(Default)]
pub(crate) struct FloatView {
    module: Option<Box<Module>>,
}

impl FloatView {
    /// The module with `op`'s quantized operands and results given their float types; with
    /// `no_activation`, `op`'s fused activation is `NONE` there (the caller applies it).
    fn for_op(&mut self, m: &Module, op: OpId, no_activation: bool) -> &Module {
        let view = self.module.get_or_insert_with(|| Box::new(m.clone()));
        if no_activation {
            let none = tqopt_ir::Attribute::String(Arc::from(&b"NONE"[..]));
            let data = view.op_mut(op);
            data.attributes.remove("fused_activation_function");
            data.properties.set("fused_activation_function", none);
        }
        let data = m.op(op);
        for &v in data.operands().iter().chain(data.results()) {
            let ty = m.value_type(v);
            if quant_of(ty).is_some() {
                view.set_value_type(v, expressed(ty));
            }
        }
        view
    }
}

/// A quantized operand or result: its parameters (those `tfl.dequantize` reads, parsed once
/// by [`Dequant::from_type`]) and its storage type, ready to apply.
struct Quant {
    dtype: DType,
    /// Scales, zero points, axis and storage range, with saturating dequantization, shared
    /// with `tfl.dequantize`.
    dequant: Dequant,
    /// Quantize as `x * (1 / scale)`, not `x / scale` (see [`xnnpack_convert`]).
    reciprocal: bool,
}

impl Quant {
    fn new(q: &UniformQuant, dtype: DType) -> KResult<Quant> {
        Ok(Quant {
            dtype,
            dequant: Dequant::from_type(q)?,
            reciprocal: false,
        })
    }

    /// Real values into storage integers: ties to even (of `x · (1 / s)` when `reciprocal`),
    /// zero point, clamp.
    fn quantize(&self, v: &[f32], shape: &[usize]) -> KResult<Tensor> {
        let data = if self.reciprocal {
            self.dequant.quantize_with(v, shape, self.dtype, |x, s| {
                crate::rounding::round_ties_even(x * (1.0 / s))
            })
        } else {
            self.dequant.quantize_with(v, shape, self.dtype, |x, s| {
                crate::rounding::round_ties_even(x / s)
            })
        }?;
        Tensor::new(shape, data).map_err(|e| e.to_string())
    }

    /// The same storage and zero points with scale 1: storage integers become `q - zero_point`
    /// (for ops that run on integer accumulators, see [`crate::quantized_acc`]).
    fn unit_scale(mut self) -> Quant {
        self.dequant.scales.iter_mut().for_each(|s| *s = 1.0);
        self
    }

    /// Storage integers into real values.
    fn dequantize(&self, t: &Tensor) -> KResult<Tensor> {
        if t.dtype() != self.dtype {
            return Err(format!(
                "a {} tensor where the quantized type stores {}",
                t.dtype(),
                self.dtype
            ));
        }
        let v = self.dequant.to_f32(t, 0)?;
        Tensor::from_f32(t.shape(), v).map_err(|e| e.to_string())
    }
}

fn quant_at(ty: &Type) -> KResult<Option<Quant>> {
    let Some(q) = quant_of(ty) else {
        return Ok(None);
    };
    let dtype = ty
        .element_type()
        .and_then(dtype_of)
        .ok_or_else(|| format!("unsupported quantized storage in {ty}"))?;
    Quant::new(q, dtype).map(Some)
}

/// Why LiteRT's Prepare refuses quantized `op`, for the forms it refuses that emulation would
/// run: an EMBEDDING_LOOKUP whose table has one scale per row copies rows only to a float
/// output (a quantized output needs the table's own single scale).
fn refused_by_litert(m: &Module, op: OpId) -> Option<String> {
    let data = m.op(op);
    if !data.is(&tqopt_ir::dialect::tfl::EMBEDDING_LOOKUP) {
        return None;
    }
    let table = quant_of(m.value_type(*data.operands().get(1)?))?;
    let per_row = matches!(&table.params, QuantParams::PerAxis { scales, .. } if scales.len() > 1);
    let quantized_output = quant_of(m.value_type(*data.results().first()?)).is_some();
    (per_row && quantized_output).then(|| {
        "LiteRT refuses this op: its table has one scale per row, which LiteRT's \
         EMBEDDING_LOOKUP copies only into a float output; a quantized output needs a table \
         quantized with the output's own scale and zero point"
            .to_string()
    })
}

/// Builds the emulating kernel of `op` (see the module comment).
pub(crate) fn build_emulated(
    m: &Module,
    op: OpId,
    consts: &[Option<&Tensor>],
    view: &mut FloatView,
) -> Option<KResult<BoxKernel>> {
    let data = m.op(op);
    let mut inputs = match data
        .operands()
        .iter()
        .map(|&v| quant_at(m.value_type(v)))
        .collect::<KResult<Vec<_>>>()
    {
        Ok(i) => i,
        Err(e) => return Some(Err(e)),
    };
    if let Some(why) = refused_by_litert(m, op) {
        return Some(Err(why));
    }
    // int8 convolutions: integer-valued operands, requantized from the accumulator.
    let requant = crate::quantized_acc::plan(m, op, consts)
        .or_else(|| crate::quantized_acc::plan_batch_matmul(m, op));
    // 16x8 convolutions and fully connected layers: an exact int64 accumulator.
    let acc16 = crate::int16::affine::plan(m, op, consts);
    // Dynamic-range ops: the input quantized on the fly, as XNNPACK does.
    let mut hybrid = crate::hybrid::plan(m, op, consts);
    let on_accumulator = requant.is_some() || acc16.is_some() || hybrid.is_some();
    if on_accumulator {
        inputs = inputs
            .into_iter()
            .map(|q| q.map(Quant::unit_scale))
            .collect();
    }
    let outputs = match data
        .results()
        .iter()
        .map(|&v| quant_at(m.value_type(v)))
        .collect::<KResult<Vec<_>>>()
    {
        Ok(o) => o,
        Err(e) => return Some(Err(e)),
    };
    // int8 adds and multiplies run in LiteRT's fixed point, not in float.
    if let Some(k) = crate::quantized_elementwise::build(m, op) {
        return Some(k);
    }
    // 8-bit means and sums: XNNPACK's int32 sum and f32 conversion.
    if let Some(k) = crate::xnnpack_reduce::build(m, op, consts) {
        return Some(k);
    }
    // Quantized PReLU (int8 or int16): LiteRT's builtin fixed point.
    if let Some(k) = crate::prelu_fixed::build(m, op) {
        return Some(k);
    }
    // Quantized RELU, RELU6, RELU_N1_TO_1: LiteRT's builtin requantization and clamp.
    if let Some(k) = crate::relu_fixed::build(m, op) {
        return Some(k);
    }
    // Quantized ABS and NEG: LiteRT's builtin integer kernels.
    if let Some(k) = crate::abs_neg_fixed::build(m, op) {
        return Some(k);
    }
    // Quantized REDUCE_PROD (int8 or int16): LiteRT's builtin fixed point.
    if let Some(k) = crate::reduce_prod_fixed::build(m, op) {
        return Some(k);
    }
    // 8-bit ops LiteRT runs in its builtin kernels: their integer arithmetic.
    if let Some(k) = crate::builtin8::build(m, op) {
        return Some(k);
    }
    // 16x8 ops with an integer kernel of their own.
    if let Some(k) = crate::int16::build(m, op, consts) {
        return Some(k);
    }
    // An int8/uint8 bilinear resize runs in LiteRT's fixed point, not in float.
    let quant = |vs: &[tqopt_ir::ValueId]| vs.first().and_then(|&v| quant_of(m.value_type(v)));
    if let Some(k) =
        crate::resize_q11::build(m, op, quant(data.operands()), quant(data.results()), consts)
    {
        return Some(k);
    }
    // Constant quantized operands (weights, biases) are dequantized once.
    let mut float_consts: Vec<Option<Arc<Tensor>>> = Vec::with_capacity(consts.len());
    for (i, c) in consts.iter().enumerate() {
        let f = match (c, inputs.get(i).and_then(Option::as_ref)) {
            (Some(t), Some(q)) => match q.dequantize(t) {
                Ok(f) => Some(Arc::new(f)),
                Err(e) => return Some(Err(format!("operand #{i}: {e}"))),
            },
            _ => None,
        };
        float_consts.push(f);
    }
    // The 16x8 bias is added to the int64 accumulator, not by the float kernel.
    if let Some(b) = acc16.as_ref().and_then(|p| p.bias_operand()) {
        if let Some(slot) = float_consts.get_mut(b) {
            *slot = slot
                .as_deref()
                .map(|t| Arc::new(Tensor::zeros(DType::F32, t.shape())));
        }
    }
    if let Some(h) = &mut hybrid {
        h.kernel_consts(consts, &mut float_consts);
    }
    let refs: Vec<Option<&Tensor>> = consts
        .iter()
        .zip(&float_consts)
        .map(|(c, f)| f.as_deref().or(*c))
        .collect();
    let info = OpInfo {
        module: view.for_op(m, op, on_accumulator),
        op,
        consts: &refs,
    };
    let built = if CONVERSIONS.contains(&data.name.as_str()) {
        kernels::shape::build_identity(&info)
    } else {
        kernels::build(&info)?
    };
    let inner = match built {
        Ok(k) => k,
        Err(e) => return Some(Err(format!("{e} (float kernel of a quantized op)"))),
    };
    let mut outputs = outputs;
    if xnnpack_convert(m, op) {
        if let Some(Some(q)) = outputs.first_mut() {
            q.reciprocal = true;
        }
    }
    if let Some(p) = acc16 {
        return Some(Ok(p.into_kernel(inner, float_consts)));
    }
    if let Some(h) = hybrid {
        let bias = h.bias_values(consts);
        return Some(Ok(h.into_kernel(inner, bias)));
    }
    Some(Ok(Box::new(Emulated {
        inner,
        inputs,
        float_consts,
        outputs,
        requant,
    })))
}

/// Whether `op` is a float to per-tensor int8/uint8 `tfl.quantize`, which LiteRT's default
/// path runs as XNNPACK's convert operator: `x * (1 / scale)` in f32, rounded half to even.
/// That differs from `x / scale` where the quotient is a tie and the product is not
/// (face_detection_full_range with ops kept float: x = 2.3578563, scale = 0.059692565, x / s =
/// 39.5 exactly, x * (1 / s) = 39.499996; measured against LiteRT 2026-12-06).
fn xnnpack_convert(m: &Module, op: OpId) -> bool {
    use tqopt_ir::QuantParams;
    let data = m.op(op);
    let (Some(&x), Some(&r)) = (data.operands().first(), data.results().first()) else {
        return false;
    };
    data.name.as_str() == "tfl.quantize"
        && quant_of(m.value_type(x)).is_none()
        && quant_of(m.value_type(r)).is_some_and(|q| {
            q.storage.width == 8 && matches!(q.params, QuantParams::PerTensor { .. })
        })
}

/// A quantized op run through its float kernel.
struct Emulated {
    inner: BoxKernel,
    /// Per operand: its quantized type, if any.
    inputs: Vec<Option<Quant>>,
    /// Per operand: its dequantized value, when it is a quantized constant.
    float_consts: Vec<Option<Arc<Tensor>>>,
    /// Per result: its quantized type, if any.
    outputs: Vec<Option<Quant>>,
    /// For an op run on its integer accumulator: how result #0 is requantized.
    requant: Option<crate::quantized_acc::Requant>,
}

impl Kernel for Emulated {
    fn run(&self, a: &mut Args<'_>) -> KResult<Outputs> {
        let n = a.len();
        let mut owned: Vec<Option<Tensor>> = Vec::with_capacity(n);
        for i in 0..n {
            let conv = match (self.inputs.get(i).and_then(Option::as_ref), a.opt(i)) {
                (Some(q), Some(t)) if self.float_consts.get(i).is_none_or(Option::is_none) => {
                    Some(q.dequantize(t).map_err(|e| format!("operand #{i}: {e}"))?)
                }
                _ => None,
            };
            owned.push(conv);
        }
        let mut items: SmallVec<[Arg<'_>; 4]> = SmallVec::with_capacity(n);
        for (i, o) in owned.into_iter().enumerate() {
            items.push(match o {
                Some(t) => Arg::Val(Arc::new(t)),
                None => match self.float_consts.get(i).and_then(Option::as_deref) {
                    Some(f) => Arg::Const(f),
                    None => match a.opt(i) {
                        Some(t) => Arg::Const(t),
                        None => Arg::Absent,
                    },
                },
            });
        }
        let outs = self.inner.run(&mut Args::new(items))?;
        let mut result = Outputs::new();
        for (k, t) in outs.into_iter().enumerate() {
            match self.outputs.get(k).and_then(Option::as_ref) {
                Some(q) if k == 0 && self.requant.is_some() => {
                    let (Some(r), Some(v)) = (&self.requant, t.as_f32()) else {
                        return Err("the float kernel computed no f32 accumulator".into());
                    };
                    let channels = t.shape().last().copied().unwrap_or(1);
                    let data = match q.dtype {
                        DType::I8 => TensorData::I8(r.apply_with(v, channels, |x| x as i8)),
                        other => return Err(format!("cannot requantize into {other} storage")),
                    };
                    result.push(Tensor::new(t.shape(), data).map_err(|e| e.to_string())?);
                }
                Some(q) => {
                    let v = t.as_f32().ok_or_else(|| {
                        format!(
                            "the float kernel computed a {} result #{k} for a quantized type",
                            t.dtype()
                        )
                    })?;
                    result.push(q.quantize(v, t.shape())?);
                }
                None => result.push(t),
            }
        }
        Ok(result)
    }
}

/// Dequantizes a tensor of storage integers of the quantized type `q` into f32 (per tensor or
/// per axis); an error when the storage or shape does not fit the type.
pub fn dequantize_tensor(t: &Tensor, q: &UniformQuant) -> Result<Tensor, String> {
    let dtype = dtype_of(&ElementType::Quant(Arc::new(q.clone())))
        .ok_or_else(|| format!("unsupported quantized storage {}", q.storage))?;
    Quant::new(q, dtype)?.dequantize(t)
}

/// Quantizes an f32 tensor into storage integers of `q` as the interpreter's quantized ops do
/// (ties to even, zero point, clamp to the storage range; see the module comment).
pub fn quantize_tensor(t: &Tensor, q: &UniformQuant) -> Result<Tensor, String> {
    let dtype = dtype_of(&ElementType::Quant(Arc::new(q.clone())))
        .ok_or_else(|| format!("unsupported quantized storage {}", q.storage))?;
    let v = t
        .as_f32()
        .ok_or_else(|| format!("cannot quantize a {} tensor (f32 needed)", t.dtype()))?;
    Quant::new(q, dtype)?.quantize(v, t.shape())
}

#[cfg(test)]
mod convert_tests {
    use crate::{Interpreter, Tensor, TensorData};

    /// Float to int8 rounds x * (1 / s), not x / s: LiteRT's value (face_detection_full_range,
    /// activation_4_1) where x / s is the tie 39.5 but x * (1 / s) is 39.499996: -89, not -88.
    /// (int16 follows LiteRT's builtin kernel, see `crate::int16`; its cases are in
    /// tests/interop/test_eval_kernels_int16.py.)
    #[test]
    fn float_to_int8_multiplies_by_the_reciprocal_scale() {
        let text = r#"func.func @main(%x: tensor<3xf32>) -> (tensor<3x!quant.uniform<i8:f32, 0.059692565351724625:-128>>, tensor<3x!quant.uniform<i16:f32, 0.059692565351724625>>) {
  %0 = "tfl.quantize"(%x) <{qtype = tensor<3x!quant.uniform<i8:f32, 0.059692565351724625:-128>>}> : (tensor<3xf32>) -> tensor<3x!quant.uniform<i8:f32, 0.059692565351724625:-128>>
  %1 = "tfl.quantize"(%x) <{qtype = tensor<3x!quant.uniform<i16:f32, 0.059692565351724625>>}> : (tensor<3xf32>) -> tensor<3x!quant.uniform<i16:f32, 0.059692565351724625>>
  return %0, %1 : tensor<3x!quant.uniform<i8:f32, 0.059692565351724625:-128>>, tensor<3x!quant.uniform<i16:f32, 0.059692565351724625>>
}"#;
        let m = tqopt_textual_ir::parse_str("t.mlir", text).expect("parses");
        let interp = Interpreter::for_main(&m).unwrap();
        let x = Tensor::new(&[3], TensorData::F32(vec![2.3578563, 1000.0, -1000.0])).unwrap();
        let out = interp.run(&[x]).unwrap();
        assert_eq!(out[0].as_slice::<i8>().unwrap(), &[-89, 127, -128]);
        assert_eq!(out[1].as_slice::<i16>().unwrap()[1..], [16753, -16753]);
    }
}
