//! Named operand accessors for the tfl ops passes read most: a pass writes `conv.filter`, not
//! `operands[1]`. Each accessor resolves names through the op's declared operand slots
//! (in `tfl.rs`, beside which this module is declared), so a position is written once, in the op table.

use crate::context::Context;
use crate::dialect::{named_operand, tfl};
use crate::entity::{OpId, ValueId};

/// The operands of an op with weights: `tfl.conv_2d`, `tfl.depthwise_conv_2d`,
/// `tfl.fully_connected` (its `filter`) and `tfl.transpose_conv` (its `weights`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Weighted {
    pub input: ValueId,
    /// The filter or weights.
    pub filter: ValueId,
    /// `None` when the op has no bias (absent, or `tfl.no_value`).
    pub bias: Option<ValueId>,
}

impl Weighted {
    /// The named operands of `op`, or `None` when it is not one of these ops or its operands
    /// do not match its declaration.
    pub fn of(ctx: &Context, op: OpId) -> Option<Weighted> {
        let def = ctx.op(op).def()?;
        let weights = if std::ptr::eq(def, &tfl::TRANSPOSE_CONV) {
            "weights"
        } else if [
            &tfl::CONV_2D,
            &tfl::DEPTHWISE_CONV_2D,
            &tfl::FULLY_CONNECTED,
        ]
        .iter()
        .any(|d| std::ptr::eq(def, *d))
        {
            "filter"
        } else {
            return None;
        };
        Some(Weighted {
            input: named_operand(ctx, op, "input")?,
            filter: named_operand(ctx, op, weights)?,
            bias: named_operand(ctx, op, "bias").filter(|&b| !is_no_value(ctx, b)),
        })
    }
}

/// The two operands of a binary element-wise op (`tfl.add`, `tfl.mul`, ...: slots `lhs` and
/// `rhs`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Binary {
    pub lhs: ValueId,
    pub rhs: ValueId,
}

impl Binary {
    pub fn of(ctx: &Context, op: OpId) -> Option<Binary> {
        Some(Binary {
            lhs: named_operand(ctx, op, "lhs")?,
            rhs: named_operand(ctx, op, "rhs")?,
        })
    }
}

/// Whether `v` is the result of a `tfl.no_value` (an absent optional operand).
pub fn is_no_value(ctx: &Context, v: ValueId) -> bool {
    ctx.defining_op(v)
        .and_then(|op| ctx.op(op).def())
        .is_some_and(|d| std::ptr::eq(d, &tfl::NO_VALUE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::OpSpec;
    use crate::dialect::{func, OpDef};
    use crate::entity::BlockId;
    use crate::types::Type;
    use crate::Attribute;

    fn function() -> (Context, BlockId) {
        let mut ctx = Context::new();
        let f = ctx.create_op(
            OpSpec::of(&func::FUNC)
                .property("sym_name", Attribute::string("main"))
                .regions(1),
        );
        let region = ctx.op(f).regions()[0];
        let block = ctx.create_block(region);
        (ctx, block)
    }

    fn op(ctx: &mut Context, block: BlockId, def: &'static OpDef, operands: &[ValueId]) -> OpId {
        let op = ctx.create_op(OpSpec::of(def).operands(operands).results([Type::None]));
        ctx.append_op(block, op).unwrap();
        op
    }

    fn value(ctx: &mut Context, block: BlockId, def: &'static OpDef) -> ValueId {
        let op = op(ctx, block, def, &[]);
        ctx.result(op, 0).unwrap()
    }

    #[test]
    fn weighted_ops_name_their_operands_by_slot() {
        let (mut ctx, block) = function();
        let [x, w, b] = [(); 3].map(|_| value(&mut ctx, block, &tfl::PSEUDO_CONST));
        let none = value(&mut ctx, block, &tfl::NO_VALUE);
        let conv = op(&mut ctx, block, &tfl::CONV_2D, &[x, w, b]);
        assert_eq!(
            Weighted::of(&ctx, conv),
            Some(Weighted {
                input: x,
                filter: w,
                bias: Some(b)
            })
        );
        let fc = op(&mut ctx, block, &tfl::FULLY_CONNECTED, &[x, w, none]);
        assert_eq!(
            Weighted::of(&ctx, fc).map(|o| (o.filter, o.bias)),
            Some((w, None))
        );
        // transpose_conv's slots are output_shape, weights, input, bias.
        let tconv = op(&mut ctx, block, &tfl::TRANSPOSE_CONV, &[b, w, x, none]);
        assert_eq!(
            Weighted::of(&ctx, tconv),
            Some(Weighted {
                input: x,
                filter: w,
                bias: None
            })
        );
        let add = op(&mut ctx, block, &tfl::ADD, &[x, w]);
        assert_eq!(Weighted::of(&ctx, add), None);
        assert_eq!(Binary::of(&ctx, add), Some(Binary { lhs: x, rhs: w }));
    }
}
