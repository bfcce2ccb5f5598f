//! The func dialect: `func.func`, `func.return`, `func.call`.

use super::{attr, op, opt_attr, variadic, AttrKind, OpDef, Traits};
use crate::attributes::Attribute;
use crate::context::Context;
use crate::entity::OpId;
use crate::types::Type;

pub static FUNC: OpDef = op(
    "func.func",
    "A function: a symbol with a single-region body",
)
.results(&[])
.attrs(&[
    attr("sym_name", AttrKind::Str),
    attr("function_type", AttrKind::Type),
    opt_attr("sym_visibility", AttrKind::Str),
    opt_attr("arg_attrs", AttrKind::Array),
    opt_attr("res_attrs", AttrKind::Array),
])
.regions(1)
.traits(Traits::ISOLATED_FROM_ABOVE.with(Traits::SYMBOL))
.verify(verify_func);

pub static RETURN: OpDef = op("func.return", "Returns values from a function")
    .operands(&[variadic("operands")])
    .results(&[])
    .traits(Traits::PURE.with(Traits::TERMINATOR))
    .verify(verify_return);

pub static CALL: OpDef = op("func.call", "Calls a function by symbol")
    .operands(&[variadic("operands")])
    .results(&[variadic("results")])
    .attrs(&[attr("callee", AttrKind::SymbolRef)])
    .traits(Traits::NONE)
    .verify(verify_call);

pub static OPS: &[&OpDef] = &[&FUNC, &RETURN, &CALL];

/// The function type of a `func.func`.
pub fn function_type(ctx: &Context, func: OpId) -> Option<&crate::types::FunctionType> {
    match ctx.op(func).attr("function_type")?.as_type()? {
        Type::Function(ft) => Some(ft),
        _ => None,
    }
}

/// The entry block of a `func.func` body, if it has one (declarations have none).
pub fn entry_block(ctx: &Context, func: OpId) -> Option<crate::entity::BlockId> {
    let region = *ctx.op(func).regions().first()?;
    ctx.region(region).blocks().first().copied()
}

/// The names `tf.entry_function`'s `key` (`inputs` or `outputs`) lists, comma-separated, by
/// position and trimmed (an empty entry stays empty); none when the function has no such list.
pub fn entry_function_names(ctx: &Context, func: OpId, key: &str) -> Vec<String> {
    ctx.op(func)
        .attr("tf.entry_function")
        .and_then(Attribute::as_dict)
        .and_then(|d| d.get(key))
        .and_then(Attribute::as_str)
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
        .unwrap_or_default()
}

pub fn name(ctx: &Context, func: OpId) -> Option<&str> {
    ctx.op(func).attr("sym_name")?.as_str()
}

fn verify_func(ctx: &Context, op: OpId) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(ft) = function_type(ctx, op) else {
        return vec!["'function_type' must be a function type".into()];
    };
    if let Some(entry) = entry_block(ctx, op) {
        let args = ctx.block(entry).args();
        if args.len() != ft.inputs.len() {
            errors.push(format!(
                "entry block has {} arguments but the function type has {} inputs",
                args.len(),
                ft.inputs.len()
            ));
        } else {
            for (i, (a, t)) in args.iter().zip(&ft.inputs).enumerate() {
                if ctx.value_type(*a) != t {
                    errors.push(format!(
                        "type of entry block argument #{i} ('{}') does not match the function signature ('{t}')",
                        ctx.value_type(*a)
                    ));
                }
            }
        }
    }
    for (name, count) in [
        ("arg_attrs", ft.inputs.len()),
        ("res_attrs", ft.results.len()),
    ] {
        if let Some(list) = ctx.op(op).attr(name) {
            match list.as_array() {
                Some(items)
                    if items.len() == count
                        && items.iter().all(|a| matches!(a, Attribute::Dict(_))) => {}
                _ => errors.push(format!("'{name}' must be an array of {count} dictionaries")),
            }
        }
    }
    errors
}

fn verify_return(ctx: &Context, op: OpId) -> Vec<String> {
    let Some(parent) = ctx.parent_op(op) else {
        return vec![];
    };
    if !ctx.op(parent).is(&FUNC) {
        return vec![format!(
            "expects parent op 'func.func', not '{}'",
            ctx.op(parent).name.as_str()
        )];
    }
    let Some(ft) = function_type(ctx, parent) else {
        return vec![];
    };
    let operands = ctx.operands(op);
    if operands.len() != ft.results.len() {
        return vec![format!(
            "has {} operands, but enclosing function (@{}) returns {}",
            operands.len(),
            name(ctx, parent).unwrap_or("?"),
            ft.results.len()
        )];
    }
    operands
        .iter()
        .zip(&ft.results)
        .enumerate()
        .filter(|(_, (v, t))| ctx.value_type(**v) != *t)
        .map(|(i, (v, t))| {
            format!(
                "type of return operand {i} ('{}') doesn't match function result type ('{t}')",
                ctx.value_type(*v)
            )
        })
        .collect()
}

fn verify_call(ctx: &Context, op: OpId) -> Vec<String> {
    match ctx.op(op).attr("callee") {
        Some(Attribute::SymbolRef(_)) => vec![],
        _ => vec!["requires a 'callee' symbol reference attribute".into()],
    }
}
