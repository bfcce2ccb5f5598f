//! One subgraph to one `func.func`: arguments, constants, operators, results, and
//! TensorFlow's post-processing of narrow-range quantized constants.

use std::sync::Arc;

use tqopt_ir::attributes::{DenseElements, Scalar};
use tqopt_ir::dialect::{
    func, lookup_tflite, quantfork, slot_ranges, tfl, tfl_builders, Arity, OpDef, QuantBehavior,
    Traits,
};
use tqopt_ir::types::{FunctionType, IntType};
use tqopt_ir::{
    AttrDict, Attribute, BlockId, ElementType, Location, OpId, OpSpec, OpaqueAttr, TensorType,
    Type, ValueId,
};

use super::tensor::{
    constant_shape, dense_from_buffer, element_count, is_quantized, quant_type, raw_element_type,
    tensor_type,
};
use super::{tensor_error, tensor_index, tensor_list, Importer};
use crate::error::{named, ImportError, ImportErrorKind, Result};
use crate::ops::{self, control, custom, generic, OpAttrs};
use crate::schema::{builtin_code, tflite};
use tqopt_tflite::sparsity::SparsityParameters;

/// Converts subgraph `index` into its function and appends it to the module.
pub(super) fn convert<'a>(
    imp: &mut Importer<'a>,
    index: usize,
    sg: &tflite::SubGraph<'a>,
) -> Result<()> {
    let info = imp.funcs[index].clone();
    let tensors = tensor_list(sg);
    let n = tensors.len();
    let inputs: Vec<usize> = sg
        .inputs()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(k, t)| tensor_index(t, n, &format!("input {k}")))
        .collect::<Result<_>>()?;
    let outputs: Vec<usize> = sg
        .outputs()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(k, t)| tensor_index(t, n, &format!("output {k}")))
        .collect::<Result<_>>()?;

    let ft = FunctionType {
        inputs: info.inputs.clone(),
        results: info.results.clone(),
    };
    let mut spec = OpSpec::of(&func::FUNC)
        .property("sym_name", Attribute::string(&info.name))
        .property(
            "function_type",
            Attribute::Type(Type::Function(Box::new(ft))),
        )
        .regions(1)
        .loc(Location::name(&info.name));
    let name_of = |i: usize| tensors[i].name().unwrap_or("").to_string();
    let mut entry_function = AttrDict::new();
    if info.entry {
        // TensorFlow's tf.entry_function: comma-joined tensor names, when any is non-empty.
        for (key, list) in [("inputs", &inputs), ("outputs", &outputs)] {
            let names: Vec<String> = list.iter().map(|&i| name_of(i)).collect();
            if names.iter().any(|s| !s.is_empty()) {
                entry_function.set(key, Attribute::string(&names.join(",")));
            }
        }
        if !entry_function.is_empty() {
            spec = spec.attribute("tf.entry_function", Attribute::Dict(entry_function.clone()));
        }
    } else {
        spec = spec.property("sym_visibility", Attribute::string("private"));
    }
    let mut arg_attrs = vec![AttrDict::new(); inputs.len()];
    let mut res_attrs = vec![AttrDict::new(); outputs.len()];
    if let Some(sig) = &info.signature {
        if let Some(exported) = set_signature(
            sig,
            &entry_function,
            &name_of,
            &mut arg_attrs,
            &mut res_attrs,
        ) {
            spec = spec.attribute("tf_saved_model.exported_names", exported);
        }
    }
    for (key, list) in [("arg_attrs", arg_attrs), ("res_attrs", res_attrs)] {
        if list.iter().any(|d| !d.is_empty()) {
            spec = spec.property(
                key,
                Attribute::Array(list.into_iter().map(Attribute::Dict).collect()),
            );
        }
    }
    let func = imp.module.create_op(spec);
    let body = imp.module.body();
    append(imp, body, func);
    let region = imp.module.op(func).regions()[0];
    let block = imp.module.create_block(region);

    let mut b = FuncBuilder {
        imp,
        tensors,
        block,
        vals: vec![None; n],
        no_value: None,
    };
    for (k, &i) in inputs.iter().enumerate() {
        let ty = info.inputs[k].clone();
        let loc = b.tensor_loc(i);
        let arg = b.imp.module.add_block_arg(block, ty, loc);
        if b.vals[i].is_some() {
            return Err(tensor_error(
                i,
                &b.tensors[i],
                "is listed twice among the subgraph's inputs".into(),
            ));
        }
        let v = b.stats(i, arg);
        b.vals[i] = Some(v);
    }
    for (k, op) in sg.operators().into_iter().flatten().enumerate() {
        b.operator(k, op)?;
    }
    let mut results = Vec::new();
    for (k, &i) in outputs.iter().enumerate() {
        let v = match b.vals[i] {
            Some(v) => v,
            None => b.constant(i).map_err(|e| e.within(format!("output {k}")))?,
        };
        results.push(v);
    }
    let ret = b
        .imp
        .module
        .create_op(OpSpec::of(&func::RETURN).operands(&results));
    append(b.imp, block, ret);
    b.widen_quantized_constants();
    Ok(())
}

fn append(imp: &mut Importer<'_>, block: BlockId, op: OpId) {
    // A freshly created op is detached, so appending cannot fail.
    let _ = imp.module.append_op(block, op);
}

/// TensorFlow's `SetSignature`: `tf_saved_model.index_path` on the arguments and results the
/// signature names (found by tensor name in `tf.entry_function`), and the exported name. Stops
/// (as TensorFlow does, with a warning there) at the first name it cannot place.
fn set_signature(
    sig: &super::Signature,
    entry_function: &AttrDict,
    name_of: &dyn Fn(usize) -> String,
    arg_attrs: &mut [AttrDict],
    res_attrs: &mut [AttrDict],
) -> Option<Attribute> {
    let split = |key: &str| -> Vec<String> {
        entry_function
            .get(key)
            .and_then(Attribute::as_str)
            .map(|s| {
                s.split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    if entry_function.is_empty() {
        return None;
    }
    let input_names = split("inputs");
    let output_names = split("outputs");
    let path = |name: &str| Attribute::Array(vec![Attribute::string(name)]);
    for (name, tensor) in &sig.inputs {
        let at = input_names.iter().position(|n| *n == name_of(*tensor))?;
        arg_attrs
            .get_mut(at)?
            .set("tf_saved_model.index_path", path(name));
    }
    let mut seen = std::collections::HashSet::new();
    for (name, tensor) in &sig.outputs {
        let at = output_names
            .iter()
            .enumerate()
            .position(|(k, n)| *n == name_of(*tensor) && !seen.contains(&k))?;
        res_attrs
            .get_mut(at)?
            .set("tf_saved_model.index_path", path(name));
        seen.insert(at);
    }
    Some(Attribute::Array(vec![Attribute::string(&sig.key)]))
}

struct FuncBuilder<'i, 'a> {
    imp: &'i mut Importer<'a>,
    tensors: Vec<tflite::Tensor<'a>>,
    block: BlockId,
    /// The value standing for each tensor, once defined.
    vals: Vec<Option<ValueId>>,
    /// The function's shared `tfl.no_value`, for `-1` inputs.
    no_value: Option<ValueId>,
}

impl<'a> FuncBuilder<'_, 'a> {
    fn add(&mut self, spec: OpSpec) -> OpId {
        let op = self.imp.module.create_op(spec);
        append(self.imp, self.block, op);
        op
    }

    fn result(&self, op: OpId) -> ValueId {
        self.imp.module.results(op)[0]
    }

    fn tensor_loc(&self, i: usize) -> Location {
        match self.tensors[i].name() {
            Some(n) if !n.is_empty() => Location::name(n),
            _ => Location::Unknown,
        }
    }

    fn tensor_err(&self, i: usize) -> impl Fn(String) -> ImportError + 'a {
        let t = self.tensors[i];
        move |m| tensor_error(i, &t, m)
    }

    /// `quantfork.stats` after a float value whose tensor has min/max but no scale: the value
    /// the rest of the function uses.
    fn stats(&mut self, i: usize, v: ValueId) -> ValueId {
        let t = self.tensors[i];
        let Some(q) = t.quantization() else { return v };
        if is_quantized(&t)
            || !matches!(
                self.imp.module.value_type(v).element_type(),
                Some(ElementType::Float(_))
            )
        {
            return v;
        }
        let mins: Vec<f32> = q.min().map(|m| m.iter().collect()).unwrap_or_default();
        let maxs: Vec<f32> = q.max().map(|m| m.iter().collect()).unwrap_or_default();
        if mins.len() != maxs.len() || mins.is_empty() {
            return v;
        }
        let f32s = |shape: &[i64], values: &[f32]| {
            DenseElements::from_f32(TensorType::new(shape, ElementType::F32), values)
                .map(Attribute::Dense)
        };
        let ty = self.imp.module.value_type(v).clone();
        let mut spec = OpSpec::of(&quantfork::STATS).operands(&[v]).results([ty]);
        if let Some(layer) = f32s(&[2], &[mins[0], maxs[0]]) {
            spec = spec.attribute("layerStats", layer);
        }
        if mins.len() > 1 {
            let pairs: Vec<f32> = mins.iter().zip(&maxs).flat_map(|(a, b)| [*a, *b]).collect();
            if let Some(axis_stats) = f32s(&[mins.len() as i64, 2], &pairs) {
                spec = spec.attribute("axisStats", axis_stats);
            }
            spec = spec.attribute("axis", Attribute::i64(q.quantized_dimension() as i64));
        }
        let op = self.add(spec);
        self.result(op)
    }

    /// The function's `tfl.no_value`, created on first use.
    fn marker(&mut self) -> ValueId {
        if let Some(v) = self.no_value {
            return v;
        }
        let v = self.no_value_op(Location::Unknown);
        self.no_value = Some(v);
        v
    }

    fn no_value_op(&mut self, loc: Location) -> ValueId {
        let op = self.add(
            OpSpec::of(&tfl::NO_VALUE)
                .property("value", Attribute::Unit)
                .results([Type::None])
                .loc(loc),
        );
        self.result(op)
    }

    /// A constant for tensor `i` (which no operator produced and which is no input).
    fn constant(&mut self, i: usize) -> Result<ValueId> {
        let t = self.tensors[i];
        let err = self.tensor_err(i);
        if let Some(sp) = t.sparsity() {
            return self.sparse_constant(i, sp);
        }
        if t.is_variable() {
            return self.variable(i);
        }
        let shape = constant_shape(&t).map_err(&err)?;
        let count = element_count(&shape).map_err(&err)?;
        let data = self
            .imp
            .buffer(t.buffer())
            .map_err(|e| e.within(named("tensor", i, t.name())))?;
        if data.is_empty() && count != 0 {
            return Err(err(format!(
                "is read before any operator produces it, is no subgraph input, and has no constant data (buffer {})",
                t.buffer()
            )));
        }
        let loc = self.tensor_loc(i);
        let spec = if is_quantized(&t) {
            let width = match raw_element_type(&t).map_err(&err)? {
                ElementType::Int(it) => it.width,
                other => return Err(err(format!("is quantized but stored as {other}"))),
            };
            // int64 quantized data (16x8 models' biases) keeps its 64-bit storage: TensorFlow's
            // importer narrows it to the smallest width that holds the values (MLIR text has no
            // 64-bit quantized storage), but a narrowed bias no longer verifies as a conv's
            // bias and would be exported narrowed, which LiteRT's 16x8 kernels refuse.
            let value =
                dense_from_buffer(&shape, ElementType::Int(IntType::signless(width)), &data)
                    .map_err(&err)?;
            let q = quant_type(&t, true, Some(width)).map_err(&err)?;
            let ty = Type::tensor(&shape, ElementType::Quant(Arc::new(q)));
            tfl_builders::pseudo_qconst(ty, Attribute::Dense(value))
        } else {
            let elem = raw_element_type(&t).map_err(&err)?;
            tfl_builders::pseudo_const(dense_from_buffer(&shape, elem, &data).map_err(&err)?)
        };
        let op = self.add(spec.loc(loc));
        Ok(self.result(op))
    }

    /// A variable tensor: a splat constant of a distinct value, marked `tfl.is_variable`.
    fn variable(&mut self, i: usize) -> Result<ValueId> {
        let t = self.tensors[i];
        let err = self.tensor_err(i);
        let shape = constant_shape(&t).map_err(&err)?;
        let index = self.imp.next_variable;
        self.imp.next_variable += 1;
        let loc = self.tensor_loc(i);
        if is_quantized(&t) {
            let q = quant_type(&t, true, None).map_err(&err)?;
            let storage = ElementType::Int(IntType::signless(q.storage.width));
            let value = DenseElements::splat(TensorType::new(&shape, storage), Scalar::Int(index))
                .ok_or_else(|| err("is a variable of an unsupported type".into()))?;
            let ty = Type::tensor(&shape, ElementType::Quant(Arc::new(q)));
            let spec = tfl_builders::pseudo_qconst(ty, Attribute::Dense(value));
            let op = self.add(spec.loc(loc));
            return Ok(self.result(op));
        }
        let elem = raw_element_type(&t).map_err(&err)?;
        let scalar = match &elem {
            ElementType::Float(_) => Scalar::Float(index as f64),
            ElementType::Int(it) if it.signedness == tqopt_ir::Signedness::Signless => {
                Scalar::Int(index)
            }
            other => {
                return Err(err(format!(
                    "is a variable of type {other}, which tqopt does not import"
                )))
            }
        };
        let value = DenseElements::splat(TensorType::new(&shape, elem), scalar)
            .ok_or_else(|| err("is a variable of an unsupported type".into()))?;
        let spec = tfl_builders::pseudo_const(value)
            .attribute(tqopt_ir::IS_VARIABLE_ATTR, Attribute::Unit);
        let op = self.add(spec.loc(loc));
        let v = self.result(op);
        Ok(self.stats(i, v))
    }

    /// `tfl.pseudo_sparse_const` / `tfl.pseudo_sparse_qconst`: the compressed buffer, the
    /// sparsity parameters, and (as TensorFlow does) a zero splat as `value`.
    fn sparse_constant(&mut self, i: usize, sp: tflite::SparsityParameters<'a>) -> Result<ValueId> {
        let t = self.tensors[i];
        let err = self.tensor_err(i);
        let shape = constant_shape(&t).map_err(&err)?;
        let data = self
            .imp
            .buffer(t.buffer())
            .map_err(|e| e.within(named("tensor", i, t.name())))?;
        let raw = raw_element_type(&t).map_err(&err)?;
        let quantized = is_quantized(&t);
        let (value_elem, result_ty, compressed) = if quantized {
            let width = match raw {
                ElementType::Int(it) => it.width,
                other => return Err(err(format!("is quantized but stored as {other}"))),
            };
            let q = quant_type(&t, true, None).map_err(&err)?;
            let compressed =
                dense_from_buffer(&[data.len() as i64], ElementType::I8, &data).map_err(&err)?;
            (
                ElementType::Int(IntType::signless(width)),
                Type::tensor(&shape, ElementType::Quant(Arc::new(q))),
                compressed,
            )
        } else {
            let width = raw
                .storage_bytes()
                .filter(|&w| w > 0)
                .ok_or_else(|| err(format!("is a sparse {raw} constant")))?;
            if data.len() % width != 0 {
                return Err(err(format!(
                    "has {} bytes of sparse data, not a whole number of {raw} elements",
                    data.len()
                )));
            }
            let compressed = dense_from_buffer(&[(data.len() / width) as i64], raw.clone(), &data)
                .map_err(&err)?;
            (raw.clone(), Type::tensor(&shape, raw), compressed)
        };
        let zero = if matches!(value_elem, ElementType::Float(_)) {
            Scalar::Float(0.0)
        } else {
            Scalar::Int(0)
        };
        let value = DenseElements::splat(TensorType::new(&shape, value_elem), zero)
            .ok_or_else(|| err("is a sparse constant of an unsupported type".into()))?;
        let body = SparsityParameters::from_flatbuffer(&sp)
            .map(|p| p.print())
            .map_err(|m| err(format!("has bad sparsity parameters: {m}")))?;
        let s_param = Attribute::Opaque(OpaqueAttr {
            dialect: Arc::from("tfl"),
            mnemonic: Some(Arc::from("sparsity_parameter")),
            body: Some(Arc::from(body)),
        });
        let mut spec = OpSpec::of(if quantized {
            &tfl::PSEUDO_SPARSE_QCONST
        } else {
            &tfl::PSEUDO_SPARSE_CONST
        })
        .property("compressed_data", Attribute::Dense(compressed))
        .property("s_param", s_param)
        .property("value", Attribute::Dense(value))
        .results([result_ty.clone()]);
        if quantized {
            spec = spec.property("qtype", Attribute::Type(result_ty));
        }
        let loc = self.tensor_loc(i);
        let op = self.add(spec.loc(loc));
        Ok(self.result(op))
    }

    /// The location of an operator: its output tensors' names.
    fn op_loc(&self, outputs: &[usize]) -> Location {
        let mut locs: Vec<Location> = outputs
            .iter()
            .map(|&i| self.tensor_loc(i))
            .filter(|l| !l.is_unknown())
            .collect();
        match locs.len() {
            0 => Location::Unknown,
            1 => locs.pop().unwrap_or_default(),
            _ => Location::Fused {
                locs,
                metadata: None,
            },
        }
    }

    fn operator(&mut self, k: usize, op: tflite::Operator<'a>) -> Result<()> {
        let codes = self.imp.model.operator_codes();
        let count = codes.map_or(0, |c| c.len());
        let index = op.opcode_index() as usize;
        let code = match codes {
            Some(c) if index < count => c.get(index),
            _ => {
                return Err(ImportError::invalid(format!(
                    "opcode index {index} is out of range (the model has {count} operator codes)"
                ))
                .within(format!("operator {k}")))
            }
        };
        let builtin = builtin_code(&code);
        let place = super::validate::operator_place(&self.imp.model, k, &op);
        self.convert_operator(op, code, builtin)
            .map_err(|e| e.within(place))
    }

    fn convert_operator(
        &mut self,
        op: tflite::Operator<'a>,
        code: tflite::OperatorCode<'a>,
        builtin: tflite::BuiltinOperator,
    ) -> Result<()> {
        let is_custom = builtin == tflite::BuiltinOperator::CUSTOM;
        // An operator tqopt does not model becomes `tfl.builtin`, which keeps it as written.
        let (def, codec): (&'static OpDef, _) = if is_custom {
            (&tfl::CUSTOM, None)
        } else {
            match (lookup_tflite(builtin.0), ops::codec(builtin)) {
                (Some(def), Some(codec)) => (def, Some(codec)),
                _ if builtin.variant_name().is_some() => (&tfl::BUILTIN, None),
                _ => {
                    // A code past this schema: its options could not be read faithfully.
                    let name = ops::op_name(builtin);
                    return Err(ImportError::new(
                        ImportErrorKind::UnsupportedOp {
                            code: builtin.0,
                            name: name.clone(),
                        },
                        format!(
                            "TFLite operator {name} (builtin code {}) is not in tqopt's TFLite schema",
                            builtin.0
                        ),
                    ));
                }
            }
        };
        let is_generic = std::ptr::eq(def, &tfl::BUILTIN);
        let n = self.tensors.len();
        let inputs: Vec<i32> = op.inputs().map(|v| v.iter().collect()).unwrap_or_default();
        let outputs: Vec<usize> = op
            .outputs()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(j, t)| tensor_index(t, n, &format!("output {j}")))
            .collect::<Result<_>>()?;

        // Operands: omitted optional inputs, then constants made before their first user.
        let mut operands = Vec::with_capacity(inputs.len());
        for (j, &t) in inputs.iter().enumerate() {
            if t == -1 {
                operands.push(self.marker());
                continue;
            }
            let i = tensor_index(t, n, &format!("input {j}"))?;
            let v = match self.vals[i] {
                Some(v) => v,
                None => {
                    let v = self
                        .constant(i)
                        .map_err(|e| e.within(format!("input {j}")))?;
                    self.vals[i] = Some(v);
                    v
                }
            };
            operands.push(v);
        }
        let mut result_types = Vec::with_capacity(outputs.len());
        for &i in &outputs {
            result_types.push(tensor_type(&self.tensors[i], false).map_err(self.tensor_err(i))?);
        }
        let loc = self.op_loc(&outputs);

        let options = if op.builtin_options_type() == tflite::BuiltinOptions::NONE {
            tflite::BuiltinOptionsT::NONE
        } else {
            op.unpack().builtin_options
        };
        let mut attrs = OpAttrs::default();
        if is_custom {
            let bytes = self.custom_options(&op)?;
            attrs.properties = custom::attrs(code.custom_code().unwrap_or(""), &bytes);
        } else if is_generic {
            attrs.properties = generic::attrs(builtin, code.version(), &op.unpack());
            self.generic_intermediates(&op, &mut attrs)?;
        } else if let Some(codec) = codec {
            attrs = codec.import(&options).map_err(ImportError::invalid)?;
            // Attributes the codec takes from tensors rather than options.
            if let Some(name) = codec.result_type_attr {
                let ty = result_types.first().cloned().ok_or_else(|| {
                    ImportError::invalid(format!("{} has no output", ops::op_name(builtin)))
                })?;
                attrs.set(name, Attribute::Type(ty));
            }
            if !codec.intermediates.is_empty() {
                self.named_intermediates(&op, codec, &mut attrs)?;
            }
        }

        let mut call_args: Vec<ValueId> = Vec::new();
        match builtin {
            tflite::BuiltinOperator::RESHAPE if operands.len() == 1 => {
                // The old form: the new shape only in the options. TensorFlow's reshape takes it
                // as an operand.
                let new_shape = match &options {
                    tflite::BuiltinOptionsT::ReshapeOptions(o) => {
                        o.new_shape.clone().unwrap_or_default()
                    }
                    _ => {
                        return Err(ImportError::invalid(
                            "RESHAPE has one input and no ReshapeOptions giving the new shape",
                        ))
                    }
                };
                operands.push(self.shape_constant(&new_shape, loc.clone()));
            }
            tflite::BuiltinOperator::RESHAPE if operands.len() >= 2 => {
                // TensorFlow flattens a constant shape operand of rank > 1.
                if let Some(flat) = self.flattened_shape(operands[1]) {
                    operands[1] = self.shape_constant(&flat, loc.clone());
                }
            }
            tflite::BuiltinOperator::IF => {
                // tfl.if takes the condition; the branches get the other inputs through calls.
                if operands.is_empty() {
                    return Err(ImportError::invalid("IF has no condition input"));
                }
                call_args = operands.split_off(1);
            }
            _ => {}
        }
        self.fill_optional_operands(def, &mut operands, &loc)?;

        let mut spec = OpSpec::of(def)
            .operands(&operands)
            .results(result_types)
            .regions(def.regions as usize)
            .loc(loc.clone());
        spec.properties = attrs.properties;
        spec.attributes = attrs.attributes;
        // A one-output op whose output the file marks variable (TensorFlow's float16 converter
        // so marks the DEQUANTIZE an LSTM reads its state from): LiteRT's LSTM kernels run only
        // on variable states, so the mark is kept for the exporter and the interpreter.
        if let [only] = outputs[..] {
            if self.tensors[only].is_variable() {
                spec = spec.attribute(tqopt_ir::IS_VARIABLE_ATTR, Attribute::Unit);
            }
        }
        let new = self.add(spec);

        if def.regions > 0 {
            let subgraphs = control::region_subgraphs(builtin, &options).ok_or_else(|| {
                ImportError::invalid(format!(
                    "{} has no options naming its subgraphs",
                    ops::op_name(builtin)
                ))
            })?;
            for (r, sub) in subgraphs.into_iter().enumerate() {
                self.region_call(
                    new,
                    r,
                    sub,
                    &call_args,
                    builtin == tflite::BuiltinOperator::WHILE,
                    &loc,
                )?;
            }
        }

        let results: Vec<ValueId> = self.imp.module.results(new).to_vec();
        for (&i, v) in outputs.iter().zip(results) {
            let v = self.stats(i, v);
            self.vals[i] = Some(v);
        }
        Ok(())
    }

    /// The operator's custom option bytes (after the flatbuffer for large models).
    fn custom_options(&self, op: &tflite::Operator<'a>) -> Result<Vec<u8>> {
        let offset = op.large_custom_options_offset();
        if offset > 1 {
            let size = op.large_custom_options_size();
            let file = self.imp.data.as_bytes();
            let range = usize::try_from(offset).ok().and_then(|o| {
                usize::try_from(size)
                    .ok()
                    .and_then(|s| o.checked_add(s))
                    .map(|e| o..e)
            });
            return range.and_then(|r| file.get(r)).map(<[u8]>::to_vec).ok_or_else(|| {
                ImportError::invalid(format!(
                    "custom options at offset {offset} with size {size} lie outside the {}-byte file",
                    file.len()
                ))
            });
        }
        Ok(op
            .custom_options()
            .map(|v| v.bytes().to_vec())
            .unwrap_or_default())
    }

    /// A `tensor<Nxi32>` constant holding a shape.
    fn shape_constant(&mut self, shape: &[i32], loc: Location) -> ValueId {
        let ty = TensorType::new(&[shape.len() as i64], ElementType::I32);
        let value = DenseElements::from_i32(ty.clone(), shape).unwrap_or(DenseElements {
            ty: ty.clone(),
            values: tqopt_ir::DenseValues::Full(tqopt_ir::Blob::empty()),
        });
        let op = self.add(tfl_builders::pseudo_const(value).loc(loc));
        self.result(op)
    }

    /// The values of a constant shape operand of rank > 1, as i32.
    fn flattened_shape(&self, v: ValueId) -> Option<Vec<i32>> {
        let m = &self.imp.module;
        let def = m.defining_op(v)?;
        if !m.op(def).is(&tfl::PSEUDO_CONST) {
            return None;
        }
        let dense = m.op(def).attr("value")?.as_dense()?;
        if dense.ty.rank() <= 1 || dense.ty.elem.as_int().is_none() {
            return None;
        }
        Some(dense.to_i64_vec().into_iter().map(|x| x as i32).collect())
    }

    /// Adds one `tfl.no_value` (at the op's location) for the optional operands missing at the
    /// end of the list, as TensorFlow does; checks the operand count against the op's slots.
    fn fill_optional_operands(
        &mut self,
        def: &OpDef,
        operands: &mut Vec<ValueId>,
        loc: &Location,
    ) -> Result<()> {
        let slots = def.operands;
        if slots.iter().any(|s| s.arity == Arity::Variadic) {
            if slot_ranges(slots, operands.len()).is_none() {
                return Err(ImportError::invalid(format!(
                    "has {} inputs, but {} takes at least {}",
                    operands.len(),
                    def.name,
                    slots.len() - 1
                )));
            }
            return Ok(());
        }
        if operands.len() > slots.len() {
            return Err(ImportError::invalid(format!(
                "has {} inputs, but {} takes at most {}",
                operands.len(),
                def.name,
                slots.len()
            )));
        }
        if operands.len() < slots.len() {
            let missing = &slots[operands.len()..];
            if let Some(k) = missing.iter().position(|s| s.arity != Arity::Optional) {
                let at = operands.len() + k;
                return Err(ImportError::invalid(format!(
                    "has {} inputs, but {} takes {} (input {at}, '{}', is not optional)",
                    operands.len(),
                    def.name,
                    slots.len(),
                    slots[at].name
                )));
            }
            let none = self.no_value_op(loc.clone());
            operands.resize(slots.len(), none);
        }
        Ok(())
    }

    /// A `tfl.builtin`'s intermediate tensors (quantized LSTMs carry them): their types as
    /// `intermediates` and their names as `intermediate_names`.
    fn generic_intermediates(&self, op: &tflite::Operator<'a>, attrs: &mut OpAttrs) -> Result<()> {
        let Some(list) = op.intermediates().filter(|l| !l.is_empty()) else {
            return Ok(());
        };
        let (mut types, mut names) = (Vec::new(), Vec::new());
        for (k, t) in list.iter().enumerate() {
            let i = tensor_index(t, self.tensors.len(), &format!("intermediate {k}"))?;
            let tensor = &self.tensors[i];
            types.push(Attribute::Type(
                tensor_type(tensor, false).map_err(self.tensor_err(i))?,
            ));
            names.push(Attribute::string(tensor.name().unwrap_or("")));
        }
        attrs.set("intermediates", Attribute::Array(types));
        attrs.set("intermediate_names", Attribute::Array(names));
        Ok(())
    }

    /// The intermediate tensors of an operator whose codec names them (the LSTM's five), as the
    /// codec's type attributes; a tensor carrying only min/max becomes a calibrated type.
    fn named_intermediates(
        &self,
        op: &tflite::Operator<'a>,
        codec: &ops::OpCodec,
        attrs: &mut OpAttrs,
    ) -> Result<()> {
        let Some(list) = op.intermediates().filter(|l| !l.is_empty()) else {
            return Ok(());
        };
        let names = codec.intermediates;
        if list.len() != names.len() {
            return Err(ImportError::invalid(format!(
                "has {} intermediate tensors; {} has none or {}",
                list.len(),
                ops::op_name(codec.code),
                names.len()
            )));
        }
        for (name, t) in names.iter().zip(list.iter()) {
            let i = tensor_index(t, self.tensors.len(), &format!("intermediate '{name}'"))?;
            let tensor = &self.tensors[i];
            let ty = match (tensor.quantization(), is_quantized(tensor)) {
                (Some(q), false)
                    if q.min().is_some_and(|m| !m.is_empty())
                        && q.max().is_some_and(|m| !m.is_empty()) =>
                {
                    let elem = raw_element_type(tensor).map_err(self.tensor_err(i))?;
                    let (min, max) = (
                        q.min().map_or(0.0, |m| m.get(0)),
                        q.max().map_or(0.0, |m| m.get(0)),
                    );
                    let calibrated = format!(
                        "!quant.calibrated<{elem}<{}:{}>>",
                        c_exp(min as f64),
                        c_exp(max as f64)
                    );
                    super::tensor::shaped(tensor, false, ElementType::Opaque(Arc::from(calibrated)))
                }
                _ => tensor_type(tensor, false).map_err(self.tensor_err(i))?,
            };
            attrs.set(name, Attribute::Type(ty));
        }
        Ok(())
    }

    /// Fills region `r` of a `tfl.while` / `tfl.if` with a call of subgraph `sub`'s function:
    /// `while` regions take the callee's arguments as block arguments, `if` regions pass
    /// `outer_args` (the IF's inputs after the condition).
    fn region_call(
        &mut self,
        op: OpId,
        r: usize,
        sub: i32,
        outer_args: &[ValueId],
        block_args: bool,
        loc: &Location,
    ) -> Result<()> {
        let count = self.imp.funcs.len();
        let callee = usize::try_from(sub)
            .ok()
            .and_then(|s| self.imp.funcs.get(s))
            .cloned()
            .ok_or_else(|| {
                ImportError::invalid(format!(
                    "names subgraph {sub}, but the model has {count} subgraphs"
                ))
            })?;
        let m = &mut self.imp.module;
        let region = m.op(op).regions()[r];
        let block = m.create_block(region);
        let args: Vec<ValueId> = if block_args {
            callee
                .inputs
                .iter()
                .map(|t| m.add_block_arg(block, t.clone(), loc.clone()))
                .collect()
        } else {
            outer_args.to_vec()
        };
        let call = m.create_op(
            OpSpec::of(&func::CALL)
                .operands(&args)
                .results(callee.results.iter().cloned())
                .property(
                    "callee",
                    Attribute::SymbolRef(vec![Arc::from(callee.name.as_str())]),
                )
                .loc(loc.clone()),
        );
        let _ = m.append_op(block, call);
        let results = m.results(call).to_vec();
        let yield_op = m.create_op(OpSpec::of(&tfl::YIELD).operands(&results).loc(loc.clone()));
        let _ = m.append_op(block, yield_op);
        Ok(())
    }

    /// TensorFlow's `PostProcessFuncOp`: 8-bit quantized constants are imported with the
    /// narrow storage range; every use other than the weight operand of an affine op (and
    /// terminators) gets a full-range copy, and a constant left without uses goes.
    fn widen_quantized_constants(&mut self) {
        let m = &mut self.imp.module;
        let consts: Vec<OpId> = m
            .block_ops(self.block)
            .filter(|&o| m.op(o).is(&tfl::PSEUDO_QCONST))
            .collect();
        for cst in consts {
            let value = m.results(cst)[0];
            let Some(storage) = m.op(cst).attr("value").cloned() else {
                continue;
            };
            let Some(q) = m
                .value_type(value)
                .element_type()
                .and_then(ElementType::as_quant)
                .cloned()
            else {
                continue;
            };
            if q.storage.width != 8 {
                continue;
            }
            let mut full: Option<ValueId> = None;
            for u in m.uses(value).to_vec() {
                let Some(user_def) = m.op(u.op).def() else {
                    continue;
                };
                if user_def.traits.has(Traits::TERMINATOR) {
                    continue;
                }
                if matches!(user_def.quant, QuantBehavior::Affine { weight, .. } if weight as u32 == u.index)
                {
                    continue;
                }
                let replacement = match full {
                    Some(v) => v,
                    None => {
                        let wide = tqopt_ir::UniformQuant {
                            storage_min: q.storage_min - 1,
                            ..q.clone()
                        };
                        let ty = m
                            .value_type(value)
                            .with_element_type(ElementType::Quant(Arc::new(wide)));
                        let spec = tfl_builders::pseudo_qconst(ty, storage.clone())
                            .loc(m.op(cst).loc.clone());
                        let op = m.create_op(spec);
                        let _ = m.insert_after(cst, op);
                        let v = m.results(op)[0];
                        full = Some(v);
                        v
                    }
                };
                m.set_operand(u.op, u.index as usize, replacement);
            }
            if !m.has_uses(value) {
                let _ = m.erase_op(cst);
            }
        }
    }
}

/// A double as C's `%e` prints it (`-1.000000e+00`), as MLIR prints calibrated ranges.
fn c_exp(v: f64) -> String {
    let s = format!("{v:.6e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn c_exp_matches_printf() {
        assert_eq!(super::c_exp(-1.0), "-1.000000e+00");
        assert_eq!(super::c_exp(0.00125), "1.250000e-03");
    }
}
