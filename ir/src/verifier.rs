//! The verifier: checks a module against the op tables and SSA rules, and reports every
//! problem it finds (not just the first), each at its op's location.
//!
//! Checks: known ops of the closed dialects; operand and result counts and element types;
//! required attributes and their kinds; region counts; shape and element-type traits;
//! terminators; SSA dominance within blocks and across regions, including isolation of
//! `func.func` bodies; and each op's own verify hook.

use crate::attributes::Attribute;
use crate::context::{Context, ValueDef};
use crate::diagnostics::Diagnostic;
use crate::dialect::{self, describe_count, slot_ranges, AttrKind, OpDef, Traits, TypeSet};
use crate::entity::{BlockId, EntityRef, OpId, ValueId};
use crate::module::Module;
use crate::types::{ElementType, Type};

/// Verifies the whole module; an empty list means it is valid.
pub fn verify(module: &Module) -> Vec<Diagnostic> {
    let ctx: &Context = module;
    let order = op_order(ctx, module.op);
    let mut out = Vec::new();
    for op in ctx.walk(module.op) {
        verify_op(ctx, op, &order, &mut out);
        verify_symbols(ctx, op, &mut out);
    }
    out
}

/// Symbols (`sym_name`) directly inside one symbol table (a module) are unique.
fn verify_symbols(ctx: &Context, op: OpId, out: &mut Vec<Diagnostic>) {
    if !ctx
        .op(op)
        .def()
        .is_some_and(|d| d.traits.has(Traits::SYMBOL) && d.traits.has(Traits::NO_TERMINATOR))
    {
        return;
    }
    let mut seen: std::collections::HashMap<&str, OpId> = std::collections::HashMap::new();
    for &r in ctx.op(op).regions() {
        for &b in ctx.region(r).blocks() {
            for child in ctx.block_ops(b) {
                let Some(name) = ctx
                    .op(child)
                    .properties
                    .get("sym_name")
                    .and_then(Attribute::as_str)
                else {
                    continue;
                };
                if let Some(&first) = seen.get(name) {
                    out.push(
                        error_at(ctx, child, format!("redefines the symbol '@{name}'")).with_note(
                            Diagnostic::note("the first definition is here").at(ctx.op(first).pos),
                        ),
                    );
                } else {
                    seen.insert(name, child);
                }
            }
        }
    }
}

fn error_at(ctx: &Context, op: OpId, message: String) -> Diagnostic {
    let data = ctx.op(op);
    Diagnostic::error(format!("'{}' op {message}", data.name.as_str()))
        .at(data.pos)
        .with_loc(data.loc.clone())
}

/// Position of each op inside its block.
fn op_order(ctx: &Context, root: OpId) -> Vec<u32> {
    let mut order = vec![0u32; ctx.num_op_slots()];
    for op in ctx.walk(root) {
        for &r in ctx.op(op).regions() {
            for &b in ctx.region(r).blocks() {
                for (i, o) in ctx.block_ops(b).enumerate() {
                    order[o.index()] = i as u32;
                }
            }
        }
    }
    order
}

fn verify_op(ctx: &Context, op: OpId, order: &[u32], out: &mut Vec<Diagnostic>) {
    let data = ctx.op(op);
    match data.def() {
        Some(def) => verify_against_table(ctx, op, def, out),
        None => {
            if dialect::CLOSED_DIALECTS.contains(&data.name.dialect()) {
                out.push(error_at(
                    ctx,
                    op,
                    "is not a known operation of its dialect".into(),
                ));
            }
        }
    }
    verify_terminators(ctx, op, out);
    for (i, &v) in data.operands().iter().enumerate() {
        if let Err(why) = dominates(ctx, v, op, order) {
            out.push(error_at(ctx, op, format!("operand #{i} {why}")));
        }
    }
}

fn verify_against_table(ctx: &Context, op: OpId, def: &OpDef, out: &mut Vec<Diagnostic>) {
    let data = ctx.op(op);
    let mut errors: Vec<String> = Vec::new();

    for (what, slots, values) in [
        ("operand", def.operands, data.operands()),
        ("result", def.results, data.results()),
    ] {
        match slot_ranges(slots, values.len()) {
            None => errors.push(format!(
                "expected {} {what}s, but found {}",
                describe_count(slots),
                values.len()
            )),
            Some(ranges) => {
                for (slot, range) in slots.iter().zip(ranges) {
                    for (k, &v) in values[range.clone()].iter().enumerate() {
                        let ty = ctx.value_type(v);
                        let allowed = match slot.arity {
                            dialect::Arity::Optional => slot.types.or(TypeSet::NONE_TYPE),
                            _ => slot.types,
                        };
                        if !allowed.contains(ty) {
                            errors.push(format!(
                                "{what} #{} ('{}') must be {}, but got '{ty}'",
                                range.start + k,
                                slot.name,
                                allowed.describe()
                            ));
                        }
                    }
                }
            }
        }
    }

    for a in def.attrs {
        match data.attr(a.name) {
            None if a.required => errors.push(format!("requires attribute '{}'", a.name)),
            None => {}
            Some(value) => {
                if let Some(why) = check_attr_kind(a.kind, value) {
                    errors.push(format!("attribute '{}' {why}", a.name));
                }
            }
        }
    }

    if data.regions().len() != def.regions as usize {
        errors.push(format!(
            "requires {} regions, but has {}",
            def.regions,
            data.regions().len()
        ));
    }
    if def.traits.has(Traits::SINGLE_BLOCK) {
        for &r in data.regions() {
            if ctx.region(r).blocks().len() > 1 {
                errors.push("expects each region to hold at most one block".into());
            }
        }
    }

    let types: Vec<&Type> = data
        .operands()
        .iter()
        .chain(data.results())
        .map(|v| ctx.value_type(*v))
        .collect();
    if def.traits.has(Traits::SAME_OPERANDS_AND_RESULT_SHAPE) && !same_shapes(&types) {
        errors.push("requires the same shape for all operands and results".into());
    }
    if def
        .traits
        .has(Traits::SAME_OPERANDS_AND_RESULT_ELEMENT_TYPE)
        && !same_element_kinds(&types)
    {
        errors.push("requires the same element type for all operands and results".into());
    }

    if let Some(verify) = def.verify {
        errors.extend(verify(ctx, op));
    }
    out.extend(errors.into_iter().map(|e| error_at(ctx, op, e)));
}

fn check_attr_kind(kind: AttrKind, value: &Attribute) -> Option<String> {
    let int_of = |v: &Attribute, bits: u32| matches!(v, Attribute::Int { ty: ElementType::Int(t), .. } if t.width == bits);
    let ok = match kind {
        AttrKind::I32 => int_of(value, 32),
        AttrKind::I64 => int_of(value, 64),
        AttrKind::F32 => matches!(
            value,
            Attribute::Float {
                kind: crate::types::FloatKind::F32,
                ..
            }
        ),
        AttrKind::Bool => matches!(value, Attribute::Bool(_)),
        AttrKind::Str => matches!(value, Attribute::String(_)),
        AttrKind::Enum(allowed) => {
            return match value.as_str() {
                Some(s) if allowed.contains(&s) => None,
                Some(s) => Some(format!(
                    "is \"{s}\", but must be one of {}",
                    allowed.join(", ")
                )),
                None => Some(format!("must be a string, not {}", value.kind_name())),
            }
        }
        AttrKind::Type => matches!(value, Attribute::Type(_)),
        AttrKind::Elements => value.elements_type().is_some(),
        AttrKind::I32Array => value
            .as_array()
            .is_some_and(|a| a.iter().all(|x| int_of(x, 32))),
        AttrKind::I64Array => value
            .as_array()
            .is_some_and(|a| a.iter().all(|x| int_of(x, 64))),
        AttrKind::Array => value.as_array().is_some(),
        AttrKind::Dict => value.as_dict().is_some(),
        AttrKind::SymbolRef => matches!(value, Attribute::SymbolRef(_)),
        AttrKind::Dialect => matches!(value, Attribute::Opaque(_)),
        AttrKind::Any => true,
    };
    if ok {
        None
    } else {
        Some(format!(
            "must be {}, not {}",
            describe_kind(kind),
            value.kind_name()
        ))
    }
}

fn describe_kind(kind: AttrKind) -> &'static str {
    match kind {
        AttrKind::I32 => "a 32-bit integer",
        AttrKind::I64 => "a 64-bit integer",
        AttrKind::F32 => "a 32-bit float",
        AttrKind::Bool => "a boolean",
        AttrKind::Str | AttrKind::Enum(_) => "a string",
        AttrKind::Type => "a type",
        AttrKind::Elements => "dense elements",
        AttrKind::I32Array => "an array of 32-bit integers",
        AttrKind::I64Array => "an array of 64-bit integers",
        AttrKind::Array => "an array",
        AttrKind::Dict => "a dictionary",
        AttrKind::SymbolRef => "a symbol reference",
        AttrKind::Dialect => "a dialect attribute",
        AttrKind::Any => "an attribute",
    }
}

/// Static dimensions must agree; dynamic ones match anything.
fn same_shapes(types: &[&Type]) -> bool {
    let shapes: Vec<&[i64]> = types
        .iter()
        .filter_map(|t| t.as_tensor())
        .map(|t| &t.shape[..])
        .collect();
    shapes.windows(2).all(|w| {
        w[0].len() == w[1].len()
            && w[0]
                .iter()
                .zip(w[1])
                .all(|(a, b)| *a < 0 || *b < 0 || a == b)
    })
}

/// Element types agree, where two quantized types agree when their storage does (scales of
/// operands and results may differ).
fn same_element_kinds(types: &[&Type]) -> bool {
    let kinds: Vec<TypeSet> = types
        .iter()
        .filter(|t| !t.is_none())
        .filter_map(|t| t.element_type())
        .map(TypeSet::of_element)
        .collect();
    kinds.windows(2).all(|w| w[0] == w[1])
}

fn verify_terminators(ctx: &Context, op: OpId, out: &mut Vec<Diagnostic>) {
    let data = ctx.op(op);
    let Some(def) = data.def() else { return };
    if def.traits.has(Traits::TERMINATOR) {
        if ctx.next_op(op).is_some() {
            out.push(error_at(
                ctx,
                op,
                "must be the last operation in its block".into(),
            ));
        }
        return;
    }
    if def.traits.has(Traits::NO_TERMINATOR) {
        return;
    }
    for &r in data.regions() {
        for &b in ctx.region(r).blocks() {
            let last = ctx.last_op(b);
            let terminated = last.is_some_and(|l| {
                ctx.op(l)
                    .def()
                    .is_some_and(|d| d.traits.has(Traits::TERMINATOR))
            });
            if !terminated {
                let message = match last {
                    None => "has a region whose block is empty (no terminator)".to_string(),
                    Some(l) => format!(
                        "has a block that does not end with a terminator (it ends with '{}')",
                        ctx.op(l).name.as_str()
                    ),
                };
                let mut d = error_at(ctx, op, message);
                if let Some(l) = last {
                    d = d.with_note(Diagnostic::note("the block ends here").at(ctx.op(l).pos));
                }
                out.push(d);
            }
        }
    }
}

/// Whether `v` is visible at `user`: defined earlier in the same block or an enclosing one, or
/// an argument of such a block, without crossing an isolated-from-above op.
fn dominates(ctx: &Context, v: ValueId, user: OpId, order: &[u32]) -> Result<(), String> {
    let (def_block, def_op) = match ctx.value(v).def {
        ValueDef::Result { op, .. } => match ctx.parent_block(op) {
            Some(b) if !ctx.is_erased(op) => (b, Some(op)),
            _ => return Err("uses a value of an operation that is not in the IR".into()),
        },
        ValueDef::BlockArg { block, .. } => (block, None),
    };
    let def_region = ctx.block_region(def_block);
    let mut cur = user;
    loop {
        let Some(block) = ctx.parent_block(cur) else {
            return Err(
                "does not dominate this use (it is defined in a region that does not enclose it)"
                    .into(),
            );
        };
        if block == def_block {
            return match def_op {
                Some(d) if d == cur => {
                    Err("is used inside the region of the op that defines it".into())
                }
                Some(d) if order[d.index()] >= order[cur.index()] => {
                    Err("does not dominate this use".into())
                }
                _ => Ok(()),
            };
        }
        if ctx.block_region(block) == def_region && is_entry(ctx, def_block) {
            return Ok(());
        }
        let Some(parent) = ctx.block_parent_op(block) else {
            return Err("does not dominate this use".into());
        };
        if ctx
            .op(parent)
            .def()
            .is_some_and(|d| d.traits.has(Traits::ISOLATED_FROM_ABOVE))
        {
            return Err(format!(
                "uses a value defined outside the isolated region of '{}'",
                ctx.op(parent).name.as_str()
            ));
        }
        cur = parent;
    }
}

fn is_entry(ctx: &Context, b: BlockId) -> bool {
    ctx.block_region(b)
        .is_some_and(|r| ctx.region(r).blocks().first() == Some(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::OpSpec;
    use crate::dialect::{func, tfl};
    use crate::types::FunctionType;

    fn f32_tensor() -> Type {
        Type::tensor(&[2], ElementType::F32)
    }

    /// `func @main(%a) { %r = tfl.relu(%a); return %r }`, returning (module, func, relu).
    fn small_module() -> (Module, OpId, OpId) {
        let mut m = Module::new();
        let ft = FunctionType {
            inputs: vec![f32_tensor()],
            results: vec![f32_tensor()],
        };
        let f = m.create_op(
            OpSpec::of(&func::FUNC)
                .property("sym_name", Attribute::string("main"))
                .property(
                    "function_type",
                    Attribute::Type(Type::Function(Box::new(ft))),
                )
                .regions(1),
        );
        let body = m.body();
        m.append_op(body, f).unwrap();
        let region = m.op(f).regions()[0];
        let entry = m.create_block(region);
        let a = m.add_block_arg(entry, f32_tensor(), Default::default());
        let relu = m.create_op(
            OpSpec::of(&tfl::RELU)
                .operands(&[a])
                .results([f32_tensor()]),
        );
        m.append_op(entry, relu).unwrap();
        let r = m.result(relu, 0).unwrap();
        let ret = m.create_op(OpSpec::of(&func::RETURN).operands(&[r]));
        m.append_op(entry, ret).unwrap();
        (m, f, relu)
    }

    #[test]
    fn valid_module_has_no_errors() {
        let (m, _, _) = small_module();
        assert_eq!(verify(&m), vec![]);
    }

    #[test]
    fn reports_every_error() {
        let (mut m, _, relu) = small_module();
        // A use before the definition, and a wrong operand count, both reported.
        let a = m.operand(relu, 0).unwrap();
        let add = m.create_op(
            OpSpec::of(&tfl::ADD)
                .operands(&[a, a, a])
                .results([f32_tensor()]),
        );
        m.insert_before(relu, add).unwrap();
        let r = m.result(relu, 0).unwrap();
        m.set_operand(add, 1, r);
        let errors: Vec<String> = verify(&m).into_iter().map(|d| d.message).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("expected 2 operands, but found 3")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("requires attribute 'fused_activation_function'")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("operand #1 does not dominate this use")),
            "{errors:?}"
        );
    }

    #[test]
    fn missing_terminator_and_bad_return() {
        let (mut m, f, _) = small_module();
        let entry = func::entry_block(&m, f).unwrap();
        let ret = m.last_op(entry).unwrap();
        m.set_operands(ret, &[]);
        let errors: Vec<String> = verify(&m).into_iter().map(|d| d.message).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("has 0 operands, but enclosing function (@main) returns 1")),
            "{errors:?}"
        );
        m.erase_op(ret).unwrap();
        let errors: Vec<String> = verify(&m).into_iter().map(|d| d.message).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("does not end with a terminator")),
            "{errors:?}"
        );
    }

    #[test]
    fn isolation_is_enforced() {
        let (mut m, f, _) = small_module();
        // A second function using the first one's argument.
        let (m2, f2, relu2) = small_module();
        drop((m2, f2, relu2));
        let entry = func::entry_block(&m, f).unwrap();
        let arg = m.block(entry).args()[0];
        let ft = FunctionType {
            inputs: vec![],
            results: vec![],
        };
        let g = m.create_op(
            OpSpec::of(&func::FUNC)
                .property("sym_name", Attribute::string("g"))
                .property(
                    "function_type",
                    Attribute::Type(Type::Function(Box::new(ft))),
                )
                .regions(1),
        );
        let body = m.body();
        m.append_op(body, g).unwrap();
        let region = m.op(g).regions()[0];
        let gb = m.create_block(region);
        let relu = m.create_op(
            OpSpec::of(&tfl::RELU)
                .operands(&[arg])
                .results([f32_tensor()]),
        );
        m.append_op(gb, relu).unwrap();
        let ret = m.create_op(OpSpec::of(&func::RETURN));
        m.append_op(gb, ret).unwrap();
        let errors: Vec<String> = verify(&m).into_iter().map(|d| d.message).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("outside the isolated region")),
            "{errors:?}"
        );
    }
}
