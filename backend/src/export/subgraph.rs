//! One function (or outlined region) to one TFLite subgraph.
//!
//! The ops of the body are visited in order:
//! - block arguments become the subgraph's input tensors, the terminator's operands its outputs;
//! - `tfl.pseudo_const` / `pseudo_qconst` / `pseudo_sparse_const` / `pseudo_sparse_qconst`
//!   become constant tensors with a buffer (a constant nobody uses is left out); those marked
//!   `tfl.is_variable` become variable tensors without data;
//! - `tfl.no_value` stands for an absent optional input: index -1;
//! - `quantfork.stats` is no operator: its result is its operand's tensor, which gets the
//!   statistics as quantization min/max;
//! - every other op must have a TFLite builtin code (or be `tfl.custom`) and becomes an
//!   operator whose results are new tensors;
//! - `tfl.while` / `tfl.if` regions that only call a function (as the importer builds them)
//!   refer to that function's subgraph; other regions are outlined into subgraphs of their own.

use std::collections::{HashMap, HashSet};

use tqopt_ir::dialect::{func, quantfork, tfl, tfl_types, TfliteOp, Traits};
use tqopt_ir::{
    Attribute, BlockId, DenseElements, ElementType, Module, OpId, TensorType, Type, ValueDef,
    ValueId,
};
use tqopt_tflite::ops::{self, custom, generic, ExportContext};
use tqopt_tflite::schema::tflite::{
    BuiltinOperator, BuiltinOptionsT, OperatorT, SubGraphT, TensorT, TensorType as TflType,
};

use super::constant::{elements_data, ElementsError};
use super::tensor::{stats_quantization, tensor_of_type};
use super::{func_name, Planner, Source};
use crate::error::{op_place, ExportError, ExportErrorKind, Result};
use tqopt_tflite::sparsity::SparsityParameters;

/// Builds the subgraph of `source`.
pub(super) fn build(p: &mut Planner<'_>, source: &Source) -> Result<SubGraphT> {
    match source {
        Source::Func(f) => {
            let name = func_name(p.m, *f);
            build_func(p, *f, &name).map_err(|e| e.within(format!("function @{name}")))
        }
        Source::Region {
            op,
            region,
            captures,
            name,
        } => {
            let m = p.m;
            let outer = m
                .ctx
                .parent_op(*op)
                .and_then(|o| enclosing_func(m, o))
                .map(|f| format!("function @{}", func_name(m, f)))
                .unwrap_or_else(|| "module".into());
            build_region(p, *op, *region, captures, name).map_err(|e| {
                e.within(format!("{} region {region}", op_place(&m.ctx, *op)))
                    .within(outer)
            })
        }
    }
}

/// The function an op is nested in.
fn enclosing_func(m: &Module, mut op: OpId) -> Option<OpId> {
    loop {
        if m.op(op).is(&func::FUNC) {
            return Some(op);
        }
        op = m.ctx.parent_op(op)?;
    }
}

/// The single block of a region.
fn single_block(m: &Module, op: OpId, region: usize) -> Result<BlockId> {
    let r = *m.op(op).regions().get(region).ok_or_else(|| {
        ExportError::invalid(format!(
            "'{}' has no region {region}",
            m.op(op).name.as_str()
        ))
    })?;
    match m.region(r).blocks() {
        [b] => Ok(*b),
        [] => Err(ExportError::invalid(format!(
            "region {region} of '{}' is empty",
            m.op(op).name.as_str()
        ))),
        _ => Err(ExportError::invalid(format!(
            "region {region} of '{}' has several blocks; a TFLite subgraph is one block",
            m.op(op).name.as_str()
        ))),
    }
}

/// The comma-separated names of `tf.entry_function`'s `key`, when there is one per value.
fn entry_names(m: &Module, f: OpId, key: &str, count: usize) -> Option<Vec<String>> {
    let text = m
        .op(f)
        .attr("tf.entry_function")?
        .as_dict()?
        .get(key)?
        .as_str()?;
    let names: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    (names.len() == count).then_some(names)
}

fn build_func(p: &mut Planner<'_>, f: OpId, name: &str) -> Result<SubGraphT> {
    let m = p.m;
    if m.op(f)
        .regions()
        .first()
        .is_none_or(|&r| m.region(r).blocks().is_empty())
    {
        return Err(ExportError::invalid(
            "the function has no body (a declaration cannot be a subgraph)",
        ));
    }
    let block = single_block(m, f, 0)?;
    let args: Vec<ValueId> = m.block(block).args().to_vec();
    let input_names = entry_names(m, f, "inputs", args.len());
    let mut b = Builder::new(p, name.to_string(), None);
    let mut inputs = Vec::with_capacity(args.len());
    for (i, &a) in args.iter().enumerate() {
        let n = match &input_names {
            Some(names) => names[i].clone(),
            None => m.value(a).loc.first_name().unwrap_or("").to_string(),
        };
        let t = b
            .new_tensor(m.value_type(a), &n)
            .map_err(|e| ExportError::invalid(format!("argument {i}: {e}")))?;
        b.vals.insert(a, t);
        inputs.push(t);
    }
    let outputs = b.block(block)?;
    if let Some(names) = entry_names(m, f, "outputs", outputs.len()) {
        // TensorFlow names the returned tensors after the entry function's output names.
        let mut renamed = HashSet::new();
        for (&t, n) in outputs.iter().zip(names) {
            if t >= 0 && !inputs.contains(&t) && renamed.insert(t) {
                b.tensors[t as usize].name = Some(n);
            }
        }
    }
    Ok(b.finish(inputs, outputs))
}

fn build_region(
    p: &mut Planner<'_>,
    op: OpId,
    region: usize,
    captures: &[ValueId],
    name: &str,
) -> Result<SubGraphT> {
    let m = p.m;
    let block = single_block(m, op, region)?;
    let root = m.op(op).regions()[region];
    let mut b = Builder::new(p, name.to_string(), Some(root));
    let mut inputs = Vec::new();
    let args: Vec<ValueId> = m.block(block).args().to_vec();
    for (i, &v) in args.iter().chain(captures).enumerate() {
        let n = value_name(m, v);
        let t = b
            .new_tensor(m.value_type(v), &n)
            .map_err(|e| ExportError::invalid(format!("input {i}: {e}")))?;
        b.vals.insert(v, t);
        inputs.push(t);
    }
    let outputs = b.block(block)?;
    Ok(b.finish(inputs, outputs))
}

/// The TFLite name of a value ([`Module::tensor_name`]), empty when it has none.
fn value_name(m: &Module, v: ValueId) -> String {
    m.tensor_name(v).unwrap_or("").to_string()
}

fn is_constant_op(m: &Module, op: OpId) -> bool {
    let d = m.op(op);
    d.is(&tfl::PSEUDO_CONST)
        || d.is(&tfl::PSEUDO_QCONST)
        || d.is(&tfl::PSEUDO_SPARSE_CONST)
        || d.is(&tfl::PSEUDO_SPARSE_QCONST)
}

/// Gives a subgraph's tensors unique names, as TensorFlow's converter writes them and as tools
/// that address tensors by name (ai-edge-quantizer) expect. A name shared by several tensors
/// stays with the subgraph's input or output of that name, else the first computed tensor
/// (an int8 value before the dequantize that makes the float output), else the first constant
/// (one the importer made at an op's location); the others get the first free `_N` suffix.
/// Empty names stay empty.
fn make_names_unique(tensors: &mut [TensorT], inputs: &[i32], outputs: &[i32]) {
    let io: HashSet<usize> = inputs
        .iter()
        .chain(outputs)
        .filter_map(|&t| usize::try_from(t).ok())
        .collect();
    let rank = |i: usize, t: &TensorT| match (io.contains(&i), t.buffer != 0) {
        (true, _) => 0,
        (false, false) => 1,
        (false, true) => 2,
    };
    let mut taken: HashSet<String> = HashSet::with_capacity(tensors.len());
    let mut duplicates = Vec::new();
    for pass in 0..3 {
        for (i, t) in tensors.iter().enumerate() {
            if rank(i, t) != pass {
                continue;
            }
            match t.name.as_deref() {
                Some(name) if !name.is_empty() && !taken.insert(name.to_string()) => {
                    duplicates.push(i)
                }
                _ => {}
            }
        }
    }
    duplicates.sort_unstable();
    for i in duplicates {
        let name = tensors[i].name.take().unwrap_or_default();
        let unique = (1..)
            .map(|n| format!("{name}_{n}"))
            .find(|candidate| !taken.contains(candidate))
            .expect("some suffix is free");
        taken.insert(unique.clone());
        tensors[i].name = Some(unique);
    }
}

struct Builder<'p, 'm> {
    p: &'p mut Planner<'m>,
    name: String,
    /// For an outlined region: the region, to tell values defined outside it.
    root: Option<tqopt_ir::RegionId>,
    tensors: Vec<TensorT>,
    operators: Vec<OperatorT>,
    vals: HashMap<ValueId, i32>,
    /// How many regions this subgraph outlined (for their names).
    outlined: usize,
}

impl<'p, 'm> Builder<'p, 'm> {
    fn new(p: &'p mut Planner<'m>, name: String, root: Option<tqopt_ir::RegionId>) -> Self {
        Builder {
            p,
            name,
            root,
            tensors: Vec::new(),
            operators: Vec::new(),
            vals: HashMap::new(),
            outlined: 0,
        }
    }

    fn m(&self) -> &'m Module {
        self.p.m
    }

    fn finish(mut self, inputs: Vec<i32>, outputs: Vec<i32>) -> SubGraphT {
        make_names_unique(&mut self.tensors, &inputs, &outputs);
        let mut sg = SubGraphT::default();
        sg.tensors = Some(self.tensors);
        sg.inputs = Some(inputs);
        sg.outputs = Some(outputs);
        sg.operators = Some(self.operators);
        sg.name = Some(self.name);
        sg
    }

    fn push_tensor(&mut self, t: TensorT) -> i32 {
        self.tensors.push(t);
        (self.tensors.len() - 1) as i32
    }

    fn new_tensor(&mut self, ty: &Type, name: &str) -> Result<i32, String> {
        let t = tensor_of_type(ty, name)?;
        Ok(self.push_tensor(t))
    }

    /// Visits the ops of `block`; returns the terminator's operands as tensor indices.
    fn block(&mut self, block: BlockId) -> Result<Vec<i32>> {
        let m = self.m();
        for op in m.block_ops(block) {
            let data = m.op(op);
            let place = || op_place(&m.ctx, op);
            if data.is(&func::RETURN) || data.is(&tfl::YIELD) {
                let mut outputs = Vec::with_capacity(data.operands().len());
                for (k, &v) in data.operands().iter().enumerate() {
                    let t = self
                        .resolve(v)
                        .map_err(|e| e.within(format!("operand {k}")).within(place()))?;
                    if t < 0 {
                        return Err(ExportError::invalid(format!(
                            "operand {k} is a none value, which a subgraph cannot return"
                        ))
                        .within(place()));
                    }
                    outputs.push(t);
                }
                return Ok(outputs);
            }
            self.op(op).map_err(|e| e.within(place()))?;
        }
        Err(ExportError::invalid(
            "the block has no terminator (func.return or tfl.yield)",
        ))
    }

    /// The tensor of a value (-1 for none); a constant defined outside an outlined region is
    /// written into this subgraph.
    fn resolve(&mut self, v: ValueId) -> Result<i32> {
        if let Some(&t) = self.vals.get(&v) {
            return Ok(t);
        }
        let m = self.m();
        if m.value_type(v).is_none() {
            return Ok(-1);
        }
        if let ValueDef::Result { op, .. } = m.value(v).def {
            if is_constant_op(m, op) {
                return self
                    .constant(op)
                    .map_err(|e| e.within(format!("the constant {}", op_place(&m.ctx, op))));
            }
            if m.op(op).is(&tfl::NO_VALUE) {
                return Ok(-1);
            }
        }
        Err(ExportError::invalid(match self.root {
            Some(_) => "the region uses a value defined outside it that is not a constant; TFLite passes a WHILE's subgraphs only its loop values (outline the value into the loop first)".to_string(),
            None => "uses a value that is not defined before it in the function".to_string(),
        }))
    }

    fn op(&mut self, op: OpId) -> Result<()> {
        let m = self.m();
        let data = m.op(op);
        if data.is(&quantfork::STATS) {
            return self.stats(op);
        }
        if data.is(&tfl::NO_VALUE) {
            for &r in data.results() {
                self.vals.insert(r, -1);
            }
            return Ok(());
        }
        if is_constant_op(m, op) {
            // Written when first read (by `resolve`): a constant nobody in this subgraph reads
            // (one only used inside an outlined region, or not at all) takes no space.
            return Ok(());
        }
        self.operator(op)
    }

    /// The statistics of a `quantfork.stats` as min/max of its operand's tensor.
    fn stats(&mut self, op: OpId) -> Result<()> {
        let m = self.m();
        let data = m.op(op);
        let (&arg, &result) = match (data.operands().first(), data.results().first()) {
            (Some(a), Some(r)) => (a, r),
            _ => {
                return Err(ExportError::invalid(
                    "quantfork.stats needs one operand and one result",
                ))
            }
        };
        let t = self.resolve(arg)?;
        if t < 0 {
            return Err(ExportError::invalid(
                "quantfork.stats of a none value has no tensor to hold the statistics",
            ));
        }
        self.vals.insert(result, t);
        let floats = |name: &str| -> Result<Option<Vec<f32>>> {
            let Some(a) = data.attr(name) else {
                return Ok(None);
            };
            let dense = match a {
                Attribute::Dense(d) => d.clone(),
                Attribute::DenseResource { name: key, ty } if &**key != "__elided__" => {
                    let blob = m.resource(key).ok_or_else(|| {
                        ExportError::missing(format!(
                            "'{name}' is dense_resource<{key}>, which the module does not define"
                        ))
                    })?;
                    DenseElements::from_blob(ty.clone(), blob.data.clone()).ok_or_else(|| {
                        ExportError::missing(format!(
                            "'{name}' is dense_resource<{key}>, whose data does not fit its type"
                        ))
                    })?
                }
                Attribute::DenseResource { .. } => {
                    return Err(ExportError::missing(format!(
                        "'{name}' is dense_resource<__elided__>: the statistics were left out when the IR was printed, so they cannot become the tensor's min/max"
                    )))
                }
                other => {
                    return Err(ExportError::missing(format!(
                        "'{name}' is a {}, not float elements, so it cannot become the tensor's min/max",
                        other.kind_name()
                    )))
                }
            };
            if !matches!(dense.ty.elem, ElementType::Float(_)) {
                return Err(ExportError::missing(format!(
                    "'{name}' holds {} elements, not floats, so it cannot become the tensor's min/max",
                    dense.ty.elem
                )));
            }
            Ok(Some(dense.to_f32_vec()))
        };
        let layer = floats("layerStats")?;
        let axis_stats = floats("axisStats")?;
        let (pairs, axis) = match (axis_stats, layer) {
            (Some(pairs), _) => {
                let axis = data
                    .attr("axis")
                    .and_then(Attribute::as_int)
                    .ok_or_else(|| {
                        ExportError::missing("'axisStats' comes without an integer 'axis'")
                    })?;
                let axis = i32::try_from(axis).map_err(|_| {
                    ExportError::missing(format!("'axis' = {axis} is out of range"))
                })?;
                (pairs, axis)
            }
            (None, Some(pairs)) => (pairs, 0),
            (None, None) => {
                return Err(ExportError::missing(
                    "quantfork.stats has no 'layerStats', so there is no min/max to write",
                ))
            }
        };
        if pairs.is_empty() || pairs.len() % 2 != 0 {
            return Err(ExportError::missing(format!(
                "the statistics hold {} values, not [min, max] pairs",
                pairs.len()
            )));
        }
        let tensor = &mut self.tensors[t as usize];
        if tensor.quantization.is_some() {
            // A quantized tensor, or statistics already given by an earlier quantfork.stats.
            return Ok(());
        }
        let mins = pairs.iter().step_by(2).copied().collect();
        let maxs = pairs.iter().skip(1).step_by(2).copied().collect();
        tensor.quantization = Some(Box::new(stats_quantization(mins, maxs, axis)));
        Ok(())
    }

    /// A constant tensor for a constant op; returns its index.
    fn constant(&mut self, op: OpId) -> Result<i32> {
        let m = self.m();
        let data = m.op(op);
        let &v = data
            .results()
            .first()
            .ok_or_else(|| ExportError::invalid("the constant has no result"))?;
        let sparse = data.is(&tfl::PSEUDO_SPARSE_CONST) || data.is(&tfl::PSEUDO_SPARSE_QCONST);
        let attr_name = if sparse { "compressed_data" } else { "value" };
        let attr = data.attr(attr_name).ok_or_else(|| {
            ExportError::invalid(format!("the constant has no '{attr_name}' attribute"))
        })?;
        let mut ty = m.value_type(v).clone();
        // A constant of a dynamically shaped type has the static shape of its value.
        if let (Type::Tensor(tt), Some(value_ty)) =
            (&ty, data.attr("value").and_then(|a| a.elements_type()))
        {
            if !tt.has_static_shape() && value_ty.has_static_shape() && value_ty.rank() == tt.rank()
            {
                ty = Type::Tensor(TensorType {
                    shape: value_ty.shape.clone(),
                    elem: tt.elem.clone(),
                });
            }
        }
        let name = value_name(m, v);
        let mut t = tensor_of_type(&ty, &name).map_err(ExportError::invalid)?;
        if data.attributes.contains(tqopt_ir::IS_VARIABLE_ATTR) || self.is_state(v) {
            // A variable: the runtime owns its memory; the file gives no data (buffer 0).
            t.is_variable = true;
        } else {
            let bytes = elements_data(m, attr, t.type_).map_err(|e| match e {
                ElementsError::Missing(msg) => ExportError::missing(format!("'{attr_name}' {msg}")),
                ElementsError::Invalid(msg) => ExportError::invalid(format!("'{attr_name}' {msg}")),
            })?;
            if !sparse {
                self.check_size(&ty, attr, t.type_)?;
            }
            t.buffer = self.p.buffer(bytes);
        }
        if sparse {
            let body = match data.attr("s_param") {
                Some(Attribute::Opaque(o)) => o.body.as_deref().unwrap_or(""),
                Some(other) => {
                    return Err(ExportError::invalid(format!(
                        "'s_param' must be #tfl.sparsity_parameter<...>, not a {}",
                        other.kind_name()
                    )))
                }
                None => return Err(ExportError::invalid("the sparse constant has no 's_param'")),
            };
            let sp = SparsityParameters::parse(body)
                .and_then(|sp| sp.to_flatbuffer())
                .map_err(|e| ExportError::invalid(format!("'s_param': {e}")))?;
            t.sparsity = Some(Box::new(sp));
        }
        let index = self.push_tensor(t);
        self.vals.insert(v, index);
        Ok(index)
    }

    /// True for a value read as the state of an LSTM: TFLite's kernels keep it in a variable
    /// tensor (TensorFlow's exporter marks such operands `is_variable` by their use too).
    fn is_state(&self, v: ValueId) -> bool {
        let m = self.m();
        let lstm = &tfl::UNIDIRECTIONAL_SEQUENCE_LSTM;
        let slots = ["input_activation_state", "input_cell_state"].map(|n| lstm.operand_index(n));
        m.uses(v)
            .iter()
            .any(|u| m.op(u.op).is(lstm) && slots.contains(&Some(u.index as usize)))
    }

    /// Checks that a constant's value fits its result type.
    fn check_size(&self, ty: &Type, attr: &Attribute, tfl_type: TflType) -> Result<()> {
        let Some(value_ty) = attr.elements_type() else {
            return Ok(());
        };
        if let Some(result) = ty.as_tensor() {
            if result.num_elements().is_some() && result.num_elements() != value_ty.num_elements() {
                return Err(ExportError::invalid(format!(
                    "the constant's value has type {} but its result is {ty}",
                    Type::Tensor(value_ty.clone())
                )));
            }
        }
        let want = tqopt_tflite::types::tfl_type(tfl_type).and_then(tfl_types::TflType::byte_size);
        if let (Some(want), Some(have)) = (want, value_ty.elem.storage_bytes()) {
            if want != have {
                return Err(ExportError::invalid(format!(
                    "the constant's value has {have}-byte elements ({}) but its tensor type takes {want}",
                    value_ty.elem
                )));
            }
        }
        Ok(())
    }

    fn operator(&mut self, op: OpId) -> Result<()> {
        let m = self.m();
        let data = m.op(op);
        let unsupported = |why: &str| {
            ExportError::new(
                ExportErrorKind::UnsupportedOp {
                    name: data.name.as_str().to_string(),
                },
                format!("'{}' {why}", data.name.as_str()),
            )
        };
        let Some(def) = data.def() else {
            return Err(unsupported(
                "is not an op tqopt knows, so it has no TFLite operator",
            ));
        };
        if data.is(&func::CALL) {
            return Err(unsupported(
                "has no TFLite operator: functions are only called from the regions of tfl.while and tfl.if",
            ));
        }
        let generic = if data.is(&tfl::BUILTIN) {
            Some(
                generic::from_attrs(&data.properties)
                    .or_else(|_| generic::from_attrs(&data.attributes))
                    .map_err(ExportError::invalid)?,
            )
        } else {
            None
        };
        let Some(tfl_op) = def.tflite.or_else(|| {
            generic.as_ref().map(|g| TfliteOp {
                code: g.code.0,
                name: "",
            })
        }) else {
            return Err(unsupported("has no TFLite operator"));
        };
        if def.has_trait(Traits::TERMINATOR) {
            return Err(unsupported("is a terminator in the middle of a block"));
        }

        let mut inputs = Vec::with_capacity(data.operands().len());
        let mut subgraphs: Vec<i32> = Vec::new();
        let mut custom_code = None;
        let mut custom_options = None;
        if data.is(&tfl::WHILE) {
            subgraphs = self.while_subgraphs(op)?;
            for (k, &v) in data.operands().iter().enumerate() {
                inputs.push(
                    self.resolve(v)
                        .map_err(|e| e.within(format!("operand {k}")))?,
                );
            }
        } else if data.is(&tfl::IF) {
            let (subs, args) = self.if_subgraphs(op)?;
            subgraphs = subs;
            for (k, &v) in data.operands().iter().chain(&args).enumerate() {
                inputs.push(
                    self.resolve(v)
                        .map_err(|e| e.within(format!("operand {k}")))?,
                );
            }
        } else {
            for (k, &v) in data.operands().iter().enumerate() {
                inputs.push(
                    self.resolve(v)
                        .map_err(|e| e.within(format!("operand {k}")))?,
                );
            }
        }
        // Optional inputs the file left out at the end of the list: the importer gives them one
        // `tfl.no_value` of their own, at the op's location; leaving them out again keeps the
        // operator as it was (some kernels count their inputs).
        if subgraphs.is_empty() {
            let operands = data.operands();
            let mut keep = operands.len();
            while keep > 0 && self.omitted(op, operands[keep - 1]) {
                keep -= 1;
            }
            inputs.truncate(keep);
        }

        let mut codec = None;
        let options = if generic.is_some() {
            BuiltinOptionsT::NONE
        } else if data.is(&tfl::CUSTOM) {
            let (code, bytes) = custom::from_attrs(&data.properties)
                .or_else(|_| custom::from_attrs(&data.attributes))
                .map_err(ExportError::invalid)?;
            custom_code = Some(code);
            custom_options = Some(bytes);
            BuiltinOptionsT::NONE
        } else {
            let c = ops::codec(BuiltinOperator(tfl_op.code))
                .ok_or_else(|| unsupported("has no TFLite options codec"))?;
            codec = Some(c);
            if c.omit_absent_last_input
                && inputs.len() == data.operands().len()
                && inputs.last() == Some(&-1)
            {
                inputs.pop();
            }
            let cx = ExportContext {
                ctx: &m.ctx,
                op,
                subgraphs: &subgraphs,
            };
            c.export(&cx).map_err(ExportError::invalid)?
        };

        let mut intermediates = Vec::new();
        if data.is(&tfl::BUILTIN) {
            let list = |name: &str| match data.attr(name) {
                Some(Attribute::Array(a)) => Ok(a.as_slice()),
                None => Ok(&[][..]),
                Some(other) => Err(ExportError::invalid(format!(
                    "'{name}' must be an array, not {}",
                    other.kind_name()
                ))),
            };
            let (types, names) = (list("intermediates")?, list("intermediate_names")?);
            for (k, ty) in types.iter().enumerate() {
                let Attribute::Type(ty) = ty else {
                    return Err(ExportError::invalid(format!(
                        "'intermediates' element {k} must be a type"
                    )));
                };
                let name = names.get(k).and_then(Attribute::as_str).unwrap_or("");
                let t = self
                    .new_tensor(ty, name)
                    .map_err(|e| ExportError::invalid(format!("intermediate {k}: {e}")))?;
                intermediates.push(t);
            }
        }
        // Intermediate tensors the operator's codec keeps as type attributes (the LSTM's).
        if let Some(codec) = codec {
            for &name in codec.intermediates {
                if let Some(Attribute::Type(ty)) = data.attr(name) {
                    let t = self
                        .new_tensor(ty, name)
                        .map_err(|e| ExportError::invalid(format!("'{name}': {e}")))?;
                    intermediates.push(t);
                }
            }
        }

        let count = data.results().len();
        let mut outputs = Vec::with_capacity(count);
        for (i, &r) in data.results().iter().enumerate() {
            let name = value_name(m, r);
            let t = self
                .new_tensor(m.value_type(r), &name)
                .map_err(|e| ExportError::invalid(format!("result {i}: {e}")))?;
            // An op the importer found writing a variable tensor (an LSTM's state).
            if count == 1 && data.attributes.contains(tqopt_ir::IS_VARIABLE_ATTR) {
                self.tensors[t as usize].is_variable = true;
            }
            self.vals.insert(r, t);
            outputs.push(t);
        }

        let version = def.tflite_version(&m.ctx, op);
        let mut o = match generic {
            Some(g) => g.operator,
            None => OperatorT::default(),
        };
        o.opcode_index = self.p.opcode(tfl_op.code, custom_code, version);
        o.inputs = Some(inputs);
        o.outputs = Some(outputs);
        if !data.is(&tfl::BUILTIN) {
            o.builtin_options = options;
            o.custom_options = custom_options;
        }
        if !intermediates.is_empty() {
            o.intermediates = Some(intermediates);
        }
        self.operators.push(o);
        Ok(())
    }

    /// True for an operand of `op` that stands for an input left out at the end of the list:
    /// a `tfl.no_value` at `op`'s location that only `op` uses.
    fn omitted(&self, op: OpId, v: ValueId) -> bool {
        let m = self.m();
        let Some(d) = m.defining_op(v) else {
            return false;
        };
        m.op(d).is(&tfl::NO_VALUE)
            && m.op(d).loc == m.op(op).loc
            && m.uses(v).iter().all(|u| u.op == op)
    }

    /// The function a region only calls (`func.call @f(...)` then `tfl.yield` of its
    /// results), with the call's operands.
    fn region_call(&self, op: OpId, region: usize) -> Option<(String, Vec<ValueId>)> {
        let m = self.m();
        let &r = m.op(op).regions().get(region)?;
        let [b] = m.region(r).blocks() else {
            return None;
        };
        let ops: Vec<OpId> = m.block_ops(*b).collect();
        let [call, y] = ops[..] else { return None };
        if !m.op(call).is(&func::CALL) || !m.op(y).is(&tfl::YIELD) {
            return None;
        }
        if m.op(y).operands() != m.op(call).results() {
            return None;
        }
        let name = match m.op(call).attr("callee") {
            Some(Attribute::SymbolRef(path)) if path.len() == 1 => path[0].to_string(),
            _ => return None,
        };
        Some((name, m.op(call).operands().to_vec()))
    }

    fn callee_index(&self, name: &str) -> Result<i32> {
        self.p.func_index.get(name).copied().ok_or_else(|| {
            ExportError::invalid(format!(
                "a region calls @{name}, which is not a function of the module"
            ))
        })
    }

    fn outline_name(&mut self, kind: &str) -> String {
        self.outlined += 1;
        format!("{}_{kind}{}", self.name, self.outlined)
    }

    /// [cond, body] subgraphs of a `tfl.while`.
    fn while_subgraphs(&mut self, op: OpId) -> Result<Vec<i32>> {
        let m = self.m();
        let mut out = Vec::with_capacity(2);
        for (r, kind) in [(0, "while_cond"), (1, "while_body")] {
            let block = single_block(m, op, r)?;
            let args = m.block(block).args();
            match self.region_call(op, r) {
                Some((callee, call_args)) if call_args == args => {
                    out.push(self.callee_index(&callee)?)
                }
                _ => {
                    let name = self.outline_name(kind);
                    out.push(self.p.outline(Source::Region {
                        op,
                        region: r,
                        captures: Vec::new(),
                        name,
                    }))
                }
            }
        }
        Ok(out)
    }

    /// [then, else] subgraphs of a `tfl.if`, and the values passed to both after the
    /// condition.
    fn if_subgraphs(&mut self, op: OpId) -> Result<(Vec<i32>, Vec<ValueId>)> {
        let m = self.m();
        let calls = [self.region_call(op, 0), self.region_call(op, 1)];
        if let [Some((then_f, then_args)), Some((else_f, else_args))] = &calls {
            if then_args != else_args {
                return Err(ExportError::invalid(
                    "the branches of tfl.if call their functions with different arguments, but TFLite passes both branches the same inputs",
                ));
            }
            let subs = vec![self.callee_index(then_f)?, self.callee_index(else_f)?];
            return Ok((subs, then_args.clone()));
        }
        for r in 0..2 {
            let block = single_block(m, op, r)?;
            if !m.block(block).args().is_empty() {
                return Err(ExportError::invalid(format!(
                    "region {r} of tfl.if has block arguments; its branches take no arguments"
                )));
            }
        }
        let captures = captures(m, op);
        let mut subs = Vec::with_capacity(2);
        for (r, kind) in [(0, "if_then"), (1, "if_else")] {
            let name = self.outline_name(kind);
            subs.push(self.p.outline(Source::Region {
                op,
                region: r,
                captures: captures.clone(),
                name,
            }));
        }
        Ok((subs, captures))
    }
}

/// The values `op`'s regions use but do not define (constants and none values excepted: an
/// outlined subgraph writes its own copy of a constant), in order of first use.
fn captures(m: &Module, op: OpId) -> Vec<ValueId> {
    let inside = |v: ValueId| -> bool {
        let block = match m.value(v).def {
            ValueDef::Result { op: d, .. } => m.parent_block(d),
            ValueDef::BlockArg { block, .. } => Some(block),
        };
        let mut b = block;
        while let Some(block) = b {
            match m.block_parent_op(block) {
                Some(p) if p == op => return true,
                Some(p) => b = m.parent_block(p),
                None => return false,
            }
        }
        false
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for nested in m.walk_nested(op) {
        for &v in m.op(nested).operands() {
            if inside(v) || m.value_type(v).is_none() {
                continue;
            }
            if let ValueDef::Result { op: d, .. } = m.value(v).def {
                if is_constant_op(m, d) {
                    continue;
                }
            }
            if seen.insert(v) {
                out.push(v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(name: &str, buffer: u32) -> TensorT {
        let mut t = TensorT::default();
        t.name = Some(name.to_string());
        t.buffer = buffer;
        t
    }

    #[test]
    fn duplicate_names_get_free_suffixes_and_computed_tensors_keep_theirs() {
        let mut tensors = vec![
            tensor("reshape", 3), // the shape constant the importer located at the reshape
            tensor("reshape", 0), // the reshape's result
            tensor("reshape_1", 0),
            tensor("", 0),
            tensor("", 4),
            tensor("reshape", 5),
        ];
        make_names_unique(&mut tensors, &[], &[]);
        let names: Vec<_> = tensors.iter().map(|t| t.name.clone().unwrap()).collect();
        assert_eq!(
            names,
            ["reshape_2", "reshape", "reshape_1", "", "", "reshape_3"]
        );
    }

    #[test]
    fn inputs_and_outputs_keep_their_names() {
        let mut tensors = vec![
            tensor("input", 0),  // the model's float input
            tensor("input", 0),  // its quantize
            tensor("scores", 0), // int8, before the dequantize
            tensor("scores", 0), // the model's float output
        ];
        make_names_unique(&mut tensors, &[0], &[3, -1]);
        let names: Vec<_> = tensors.iter().map(|t| t.name.clone().unwrap()).collect();
        assert_eq!(names, ["input", "input_1", "scores_1", "scores"]);
    }
}
