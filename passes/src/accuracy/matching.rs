//! Which tensor of the float model each value of the quantized model stands for.
//!
//! A quantized model keeps its float original's tensor names (a TFLite tensor name is the
//! location of the op that defines it, see `tqopt_ir::location`), so values are matched:
//! 1. an argument of the entry function by position;
//! 2. by name: the n-th result of an op by the n-th name of a fused location, the only
//!    result by the location's first name (the exporter's rule for tensor names);
//!    A name the float model lacks that ends in `_N` matches the name without that suffix:
//!    the exporter renames every tensor but one that share a name that way (`out` stays with
//!    the float output, the int8 value before its dequantize becomes `out_1`);
//! 3. by location, for models without names (MLIR text with `file:line:col` locations): the
//!    same location and result index;
//! 4. through `tfl.quantize` and `tfl.dequantize`, which leave real values unchanged: the
//!    counterpart of their operand.
//!
//! Invariant: a match only pairs values whose static shapes agree (a dynamic dimension agrees
//! with any size), so a reused name never pairs tensors of different shapes.

use std::collections::HashMap;

use tqopt_ir::dialect::func;
use tqopt_ir::{Module, OpId, Type, ValueDef, ValueId};

/// How a quantized-model value was matched to its float counterpart.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MatchedBy {
    /// The same position among the entry function's arguments.
    Input,
    /// The same tensor name.
    Name,
    /// The same tensor name once the exporter's `_N` suffix for duplicate names is removed.
    Renamed,
    /// The same (nameless) location and result index.
    Location,
    /// Through a `tfl.quantize` or `tfl.dequantize` whose operand matched.
    Conversion,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Input => "input",
            MatchedBy::Name => "name",
            MatchedBy::Renamed => "renamed",
            MatchedBy::Location => "location",
            MatchedBy::Conversion => "conversion",
        }
    }
}

/// The tensor name of a value ([`Module::tensor_name`]), owned.
pub fn value_name(m: &Module, v: ValueId) -> Option<String> {
    m.tensor_name(v).map(str::to_string)
}

/// A function of a module: the module and the `func.func` op.
#[derive(Copy, Clone)]
pub struct Function<'m> {
    pub module: &'m Module,
    pub func: OpId,
}

impl Function<'_> {
    /// The values of the entry block's arguments and its ops' results, in order.
    fn args(&self) -> Vec<ValueId> {
        func::entry_block(self.module, self.func)
            .map(|b| self.module.block(b).args().to_vec())
            .unwrap_or_default()
    }

    /// The ops of the entry block (not those inside regions), in order.
    pub fn ops(&self) -> Vec<OpId> {
        func::entry_block(self.module, self.func)
            .map(|b| self.module.block_ops(b).collect())
            .unwrap_or_default()
    }
}

/// Finds the float counterpart of values of a quantized function.
pub struct Matcher<'m> {
    float: Function<'m>,
    quant: Function<'m>,
    float_args: Vec<ValueId>,
    quant_args: Vec<ValueId>,
    by_name: HashMap<String, ValueId>,
    by_location: HashMap<(String, u32), ValueId>,
}

fn dims(ty: &Type) -> Option<&[i64]> {
    ty.as_tensor().map(|t| &t.shape[..])
}

/// Whether two types can hold the same tensor: same rank and static sizes (unranked or
/// non-tensor types agree with anything).
fn same_shape(a: &Type, b: &Type) -> bool {
    match (dims(a), dims(b)) {
        (Some(a), Some(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| x < 0 || y < 0 || x == y)
        }
        _ => true,
    }
}

impl<'m> Matcher<'m> {
    pub fn new(float: Function<'m>, quant: Function<'m>) -> Matcher<'m> {
        let fm = float.module;
        let mut by_name = HashMap::new();
        let mut by_location = HashMap::new();
        let float_args = float.args();
        for &a in &float_args {
            if let Some(n) = value_name(fm, a) {
                by_name.entry(n).or_insert(a);
            }
        }
        for op in float.ops() {
            let data = fm.op(op);
            let nameless = data.loc.first_name().is_none() && !data.loc.is_unknown();
            for (k, &r) in data.results().iter().enumerate() {
                // An absent operand (`tfl.no_value`) holds nothing to compare, and TFLite
                // names it after the op that reads it.
                if matches!(fm.value_type(r), Type::None) {
                    continue;
                }
                if let Some(n) = value_name(fm, r) {
                    by_name.entry(n).or_insert(r);
                }
                if nameless {
                    by_location
                        .entry((data.loc.to_string(), k as u32))
                        .or_insert(r);
                }
            }
        }
        Matcher {
            float,
            quant,
            float_args,
            quant_args: quant.args(),
            by_name,
            by_location,
        }
    }

    /// The float value that quantized value `v` stands for, and how it was found.
    pub fn counterpart(&self, v: ValueId) -> Option<(ValueId, MatchedBy)> {
        self.counterpart_depth(v, 0)
    }

    fn counterpart_depth(&self, v: ValueId, depth: usize) -> Option<(ValueId, MatchedBy)> {
        let (qm, fm) = (self.quant.module, self.float.module);
        let fits = |f: ValueId| same_shape(qm.value_type(v), fm.value_type(f));
        if let Some(i) = self.quant_args.iter().position(|&a| a == v) {
            return self
                .float_args
                .get(i)
                .copied()
                .filter(|&f| fits(f))
                .map(|f| (f, MatchedBy::Input));
        }
        if let Some(name) = value_name(qm, v) {
            match self.by_name.get(&name) {
                Some(&f) => {
                    if fits(f) {
                        return Some((f, MatchedBy::Name));
                    }
                }
                None => {
                    let base = name
                        .rsplit_once('_')
                        .filter(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                        .and_then(|(base, _)| self.by_name.get(base));
                    if let Some(&f) = base.filter(|&&f| fits(f)) {
                        return Some((f, MatchedBy::Renamed));
                    }
                }
            }
        }
        let ValueDef::Result { op, index } = qm.value(v).def else {
            return None;
        };
        let data = qm.op(op);
        if data.loc.first_name().is_none() && !data.loc.is_unknown() {
            let key = (data.loc.to_string(), index);
            if let Some(&f) = self.by_location.get(&key) {
                if fits(f) {
                    return Some((f, MatchedBy::Location));
                }
            }
        }
        let conversion = matches!(data.name.as_str(), "tfl.quantize" | "tfl.dequantize");
        if conversion && depth < 64 {
            let &operand = data.operands().first()?;
            return self
                .counterpart_depth(operand, depth + 1)
                .filter(|&(f, _)| fits(f))
                .map(|(f, _)| (f, MatchedBy::Conversion));
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tqopt_ir::SourceFile;

    /// A module from MLIR text (test input, so a parse error panics).
    pub(crate) fn parse(text: &str) -> Module {
        tqopt_textual_ir::parse(&SourceFile::new("t.mlir", text))
            .expect("parses")
            .module
    }

    /// The module's first function.
    pub(crate) fn entry(m: &Module) -> Function<'_> {
        Function {
            module: m,
            func: m.funcs()[0],
        }
    }

    #[test]
    fn matches_by_input_name_location_and_through_conversions() {
        let float = parse(
            r#"func.func @main(%a: tensor<4xf32> loc("in")) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "tfl.relu"(%a) : (tensor<4xf32>) -> tensor<4xf32> loc("r")
  %1 = "tfl.tanh"(%0) : (tensor<4xf32>) -> tensor<4xf32> loc("f.mlir":3:7)
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}"#,
        );
        let quant = parse(
            r#"func.func @main(%a: tensor<4xf32> loc("in")) -> (tensor<4xf32>, tensor<4xf32>) {
  %s = "tfl.pseudo_const"() <{value = dense<2> : tensor<2xi32>}> : () -> tensor<2xi32> loc("shape")
  %q = "tfl.quantize"(%a) <{qtype = tensor<4x!quant.uniform<i8:f32, 0.1>>}> : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> loc("in_int8")
  %0 = "tfl.relu"(%q) : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> loc("r")
  %1 = "tfl.tanh"(%0) : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> loc("f.mlir":3:7)
  %2 = "tfl.reshape"(%0, %s) : (tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<2xi32>) -> tensor<2x2x!quant.uniform<i8:f32, 0.1>> loc("r")
  %d0 = "tfl.dequantize"(%0) : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4xf32> loc("out0")
  %d1 = "tfl.dequantize"(%1) : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4xf32> loc("out1")
  %5 = "tfl.relu"(%0) : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> loc("r_1")
  %6 = "tfl.relu"(%0) : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> loc("r_")
  return %d0, %d1 : tensor<4xf32>, tensor<4xf32>
}"#,
        );
        let matcher = Matcher::new(entry(&float), entry(&quant));
        let qops = &entry(&quant).ops()[1..];
        let fops = entry(&float).ops();
        let result = |m: &Module, op: OpId| m.op(op).results()[0];
        let farg = entry(&float).args()[0];
        let qarg = entry(&quant).args()[0];
        assert_eq!(matcher.counterpart(qarg), Some((farg, MatchedBy::Input)));
        // "in_int8" names nothing in the float model: matched through the quantize.
        assert_eq!(
            matcher.counterpart(result(&quant, qops[0])),
            Some((farg, MatchedBy::Conversion))
        );
        let relu = result(&float, fops[0]);
        assert_eq!(
            matcher.counterpart(result(&quant, qops[1])),
            Some((relu, MatchedBy::Name))
        );
        assert_eq!(
            matcher.counterpart(result(&quant, qops[2])),
            Some((result(&float, fops[1]), MatchedBy::Location))
        );
        // The same name on a tensor of another shape is no match.
        assert_eq!(matcher.counterpart(result(&quant, qops[3])), None);
        assert_eq!(
            matcher.counterpart(result(&quant, qops[4])),
            Some((relu, MatchedBy::Conversion))
        );
        // "r_1", which the float model lacks, is the exporter's rename of a duplicate "r".
        assert_eq!(
            matcher.counterpart(result(&quant, qops[6])),
            Some((relu, MatchedBy::Renamed))
        );
        assert_eq!(matcher.counterpart(result(&quant, qops[7])), None);
    }

    /// TFLite names an absent bias (`tfl.no_value`) after the op that reads it, and it comes
    /// first: the op's result must still match the op's result, not the absent operand (a
    /// transpose_conv without bias made `eval --per-layer` fail on it).
    #[test]
    fn an_absent_operand_named_like_its_reader_is_no_counterpart() {
        let text = r#"func.func @main(%a: tensor<4xf32> loc("in")) -> tensor<4xf32> {
  %n = "tfl.no_value"() <{value}> : () -> none loc("conv")
  %0 = "tfl.relu"(%a) : (tensor<4xf32>) -> tensor<4xf32> loc("conv")
  return %0 : tensor<4xf32>
}"#;
        let (float, quant) = (parse(text), parse(text));
        let matcher = Matcher::new(entry(&float), entry(&quant));
        let relu = |m: &Module| m.op(entry(m).ops()[1]).results()[0];
        assert_eq!(
            matcher.counterpart(relu(&quant)),
            Some((relu(&float), MatchedBy::Name))
        );
    }
}
