//! Regions and blocks: entry ops, labeled blocks and their arguments.

use pest::iterators::Pair;
use smallvec::SmallVec;

use tqopt_ir::{BlockId, Diagnostic, Location, RegionId};

use super::{inner, Builder, PResult};
use crate::grammar::Rule;

impl<'s> Builder<'s> {
    /// Parses a region of a generic op: unlabeled ops open an entry block without arguments,
    /// labeled blocks follow; `{}` is a region without blocks.
    pub(super) fn region(&mut self, pair: Pair<'_, Rule>, region: RegionId) -> PResult<()> {
        let mut parts = inner(pair);
        if let Some(ops) = parts.next() {
            let ops: Vec<Pair<'_, Rule>> = inner(ops).collect();
            if !ops.is_empty() {
                let b = self.module.create_block(region);
                for op in ops {
                    self.operation(op, b)?;
                }
            }
        }
        for block in parts {
            self.labeled_block(block, region)?;
        }
        Ok(())
    }

    /// Parses a region into an already created entry block (module and function bodies).
    pub(super) fn region_into(
        &mut self,
        pair: Pair<'_, Rule>,
        entry: BlockId,
        function_body: bool,
    ) -> PResult<()> {
        let region = self
            .module
            .block_region(entry)
            .ok_or_else(|| Diagnostic::error("block without region"))?;
        let mut parts = inner(pair);
        if let Some(ops) = parts.next() {
            for op in inner(ops) {
                self.operation(op, entry)?;
            }
        }
        let mut first = true;
        for block in parts {
            // A label on the entry block of a function body must not redeclare its arguments.
            if first && self.module.first_op(entry).is_none() && function_body {
                let label = inner(block.clone())
                    .next()
                    .ok_or_else(|| Diagnostic::error("block without label"))?;
                if inner(label.clone()).count() > 1 {
                    return Err(self.err(
                        &label,
                        "the entry block of a function cannot redeclare its arguments",
                    ));
                }
                for op in inner(block).skip(1) {
                    self.operation(op, entry)?;
                }
            } else {
                self.labeled_block(block, region)?;
            }
            first = false;
        }
        Ok(())
    }

    pub(super) fn labeled_block(
        &mut self,
        pair: Pair<'_, Rule>,
        region: RegionId,
    ) -> PResult<BlockId> {
        let b = self.module.create_block(region);
        let mut it = inner(pair);
        if let Some(label) = it.next() {
            self.module.block_mut(b).pos = Some(self.src.pos_of(label.as_span().start()));
            for arg in inner(label).skip(1) {
                let at = arg.as_span().start();
                let mut name = String::new();
                let mut ty = None;
                let mut loc = Location::Unknown;
                for q in inner(arg) {
                    match q.as_rule() {
                        Rule::value_name => name = q.as_str()[1..].to_string(),
                        Rule::type_ => ty = Some(self.type_(q)?),
                        Rule::trailing_loc => loc = self.trailing_loc(q)?,
                        _ => {}
                    }
                }
                let ty = ty.ok_or_else(|| self.err_at(at, "expected an argument type"))?;
                let v = self.module.add_block_arg(b, ty, loc);
                self.module.set_value_pos(v, Some(self.src.pos_of(at)));
                self.define(&name, SmallVec::from_elem(v, 1), at)?;
            }
        }
        for op in it {
            self.operation(op, b)?;
        }
        Ok(b)
    }
}
