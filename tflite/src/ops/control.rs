//! Control flow: WHILE and IF.
//!
//! Their options name subgraphs. On import the subgraphs become private functions and the op
//! gets two regions that call them, as TensorFlow's importer does for `tfl.while`:
//!
//! ```mlir
//! %r = "tfl.while"(%x) ({
//! ^bb0(%a: tensor<i32>):
//!   %c = func.call @cond(%a) : (tensor<i32>) -> tensor<i1>
//!   "tfl.yield"(%c) : (tensor<i1>) -> ()
//! }, {
//! ^bb0(%a: tensor<i32>):
//!   %n = func.call @body(%a) : (tensor<i32>) -> tensor<i32>
//!   "tfl.yield"(%n) : (tensor<i32>) -> ()
//! }) : (tensor<i32>) -> tensor<i32>
//! ```
//!
//! `tfl.if` takes only the condition as operand; its regions have no arguments and call the
//! branch functions with the IF's other inputs. On export, the exporter passes the subgraph
//! indices of the called functions in [`ExportContext::subgraphs`].

use super::{ExportContext, OpCodec};
use crate::schema::tflite::{
    BuiltinOperator as Op, BuiltinOptions as O, BuiltinOptionsT, IfOptionsT, WhileOptionsT,
};

pub(crate) const CODECS: &[OpCodec] = &[
    OpCodec::export_only(Op::WHILE, O::WhileOptions, export_while),
    OpCodec::export_only(Op::IF, O::IfOptions, export_if),
];

/// The subgraphs an operator's regions call, in region order: [cond, body] of WHILE, [then,
/// else] of IF. `None` when the options table is missing or of another type.
pub fn region_subgraphs(code: Op, opts: &BuiltinOptionsT) -> Option<[i32; 2]> {
    match (code, opts) {
        (Op::WHILE, BuiltinOptionsT::WhileOptions(o)) => {
            Some([o.cond_subgraph_index, o.body_subgraph_index])
        }
        (Op::IF, BuiltinOptionsT::IfOptions(o)) => {
            Some([o.then_subgraph_index, o.else_subgraph_index])
        }
        _ => None,
    }
}

fn two_subgraphs(cx: &ExportContext<'_>) -> Result<[i32; 2], String> {
    match cx.subgraphs {
        [a, b] => Ok([*a, *b]),
        other => Err(format!(
            "needs the subgraph indices of its 2 regions' callees, got {}",
            other.len()
        )),
    }
}

fn export_while(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let [cond, body] = two_subgraphs(cx)?;
    Ok(BuiltinOptionsT::WhileOptions(Box::new(WhileOptionsT {
        cond_subgraph_index: cond,
        body_subgraph_index: body,
    })))
}

fn export_if(cx: &ExportContext<'_>) -> Result<BuiltinOptionsT, String> {
    let [then, els] = two_subgraphs(cx)?;
    Ok(BuiltinOptionsT::IfOptions(Box::new(IfOptionsT {
        then_subgraph_index: then,
        else_subgraph_index: els,
    })))
}
