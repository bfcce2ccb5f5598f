//! The builtin dialect: `builtin.module`.

use super::{op, opt_attr, AttrKind, OpDef, Traits};

pub static MODULE: OpDef = op("builtin.module", "A top-level container of functions")
    .results(&[])
    .attrs(&[
        opt_attr("sym_name", AttrKind::Str),
        opt_attr("sym_visibility", AttrKind::Str),
    ])
    .regions(1)
    .traits(
        Traits::ISOLATED_FROM_ABOVE
            .with(Traits::NO_TERMINATOR)
            .with(Traits::SINGLE_BLOCK)
            .with(Traits::SYMBOL),
    );

pub static OPS: &[&OpDef] = &[&MODULE];
