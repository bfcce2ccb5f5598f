//! The context: arenas that own every operation, value, block and region of a module, and the
//! layout that orders them.
//!
//! Definition is kept apart from order (as in Cranelift): [`OpData`] says what an operation is,
//! while the layout links say which block holds it and what comes before and after it. That
//! makes insertion and erasure O(1) and lets a pass collect the ops it wants to change first and
//! rewrite them afterwards (walks borrow the context immutably, so the IR cannot change under a
//! walk).
//!
//! Invariants kept by every method here:
//! - each value's use list holds exactly the (op, operand index) pairs that name it;
//! - an op is in at most one block, and the block's first/last and the ops' prev/next links
//!   agree;
//! - an erased op is never linked into a block and no live op uses its results.

use smallvec::SmallVec;

use crate::attributes::{AttrDict, Attribute};
use crate::diagnostics::SourcePos;
use crate::dialect::{self, OpDef};
use crate::entity::{BlockId, EntityVec, OpId, RegionId, ValueId};
use crate::location::Location;
use crate::types::Type;
use std::sync::Arc;

/// An operation's name: a registered op with its table entry, or an op of another dialect
/// that passes through as opaque.
#[derive(Clone, Debug)]
pub enum OpName {
    Registered(&'static OpDef),
    Unregistered(Arc<str>),
}

impl OpName {
    /// Looks `name` up in the op tables.
    pub fn new(name: &str) -> OpName {
        match dialect::lookup(name) {
            Some(def) => OpName::Registered(def),
            None => OpName::Unregistered(Arc::from(name)),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            OpName::Registered(def) => def.name,
            OpName::Unregistered(name) => name,
        }
    }

    pub fn def(&self) -> Option<&'static OpDef> {
        match self {
            OpName::Registered(def) => Some(def),
            OpName::Unregistered(_) => None,
        }
    }

    /// The dialect prefix (`tfl` of `tfl.add`).
    pub fn dialect(&self) -> &str {
        let s = self.as_str();
        s.split_once('.').map(|(d, _)| d).unwrap_or(s)
    }
}

impl PartialEq for OpName {
    fn eq(&self, other: &OpName) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<OpDef> for OpName {
    fn eq(&self, other: &OpDef) -> bool {
        match self {
            OpName::Registered(def) => std::ptr::eq(*def, other) || def.name == other.name,
            OpName::Unregistered(_) => false,
        }
    }
}

/// What an operation is. Operands, results and regions are changed through [`Context`] so that
/// use lists stay right; the other fields may be edited directly.
#[derive(Clone, Debug)]
pub struct OpData {
    pub name: OpName,
    operands: SmallVec<[ValueId; 4]>,
    results: SmallVec<[ValueId; 2]>,
    regions: SmallVec<[RegionId; 1]>,
    /// Inherent attributes, printed as `<{...}>`.
    pub properties: AttrDict,
    /// Discardable attributes, printed as `{...}`.
    pub attributes: AttrDict,
    pub loc: Location,
    /// Where the op was written, when it came from text.
    pub pos: Option<SourcePos>,
}

impl OpData {
    pub fn operands(&self) -> &[ValueId] {
        &self.operands
    }

    pub fn results(&self) -> &[ValueId] {
        &self.results
    }

    pub fn regions(&self) -> &[RegionId] {
        &self.regions
    }

    /// An attribute by name, inherent first.
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.properties
            .get(name)
            .or_else(|| self.attributes.get(name))
    }

    /// A boolean attribute by name: absent is false, a unit attribute true; `None` when it
    /// holds anything but a boolean (a malformed op, which readers refuse rather than guess).
    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.attr(name) {
            None => Some(false),
            Some(Attribute::Unit) => Some(true),
            Some(a) => a.as_bool(),
        }
    }

    pub fn is(&self, def: &OpDef) -> bool {
        self.name == *def
    }

    pub fn def(&self) -> Option<&'static OpDef> {
        self.name.def()
    }
}

/// Where a value comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValueDef {
    Result { op: OpId, index: u32 },
    BlockArg { block: BlockId, index: u32 },
}

/// One use of a value: operand `index` of `op`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Use {
    pub op: OpId,
    pub index: u32,
}

#[derive(Clone, Debug)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
    uses: SmallVec<[Use; 2]>,
    /// Block arguments only: the location written after the argument's type.
    pub loc: Location,
    pub pos: Option<SourcePos>,
}

impl ValueData {
    pub fn uses(&self) -> &[Use] {
        &self.uses
    }
}

#[derive(Clone, Debug, Default)]
pub struct BlockData {
    args: SmallVec<[ValueId; 4]>,
    region: Option<RegionId>,
    first: Option<OpId>,
    last: Option<OpId>,
    pub pos: Option<SourcePos>,
}

impl BlockData {
    pub fn args(&self) -> &[ValueId] {
        &self.args
    }
}

#[derive(Clone, Debug, Default)]
pub struct RegionData {
    blocks: Vec<BlockId>,
    parent: Option<OpId>,
}

impl RegionData {
    pub fn blocks(&self) -> &[BlockId] {
        &self.blocks
    }
}

/// The order of ops: which block holds an op and its neighbours there.
#[derive(Copy, Clone, Debug, Default)]
struct OpLink {
    block: Option<BlockId>,
    prev: Option<OpId>,
    next: Option<OpId>,
    erased: bool,
}

/// What is needed to create an operation.
#[derive(Clone, Debug)]
pub struct OpSpec {
    pub name: OpName,
    pub operands: SmallVec<[ValueId; 4]>,
    pub result_types: SmallVec<[Type; 2]>,
    pub properties: AttrDict,
    pub attributes: AttrDict,
    pub num_regions: usize,
    pub loc: Location,
    pub pos: Option<SourcePos>,
}

impl OpSpec {
    pub fn new(name: OpName) -> OpSpec {
        OpSpec {
            name,
            operands: SmallVec::new(),
            result_types: SmallVec::new(),
            properties: AttrDict::new(),
            attributes: AttrDict::new(),
            num_regions: 0,
            loc: Location::Unknown,
            pos: None,
        }
    }

    pub fn of(def: &'static OpDef) -> OpSpec {
        OpSpec::new(OpName::Registered(def))
    }

    pub fn operands(mut self, operands: &[ValueId]) -> OpSpec {
        self.operands = SmallVec::from_slice(operands);
        self
    }

    pub fn results(mut self, types: impl IntoIterator<Item = Type>) -> OpSpec {
        self.result_types = types.into_iter().collect();
        self
    }

    pub fn property(mut self, name: &str, value: Attribute) -> OpSpec {
        self.properties.set(name, value);
        self
    }

    pub fn attribute(mut self, name: &str, value: Attribute) -> OpSpec {
        self.attributes.set(name, value);
        self
    }

    pub fn regions(mut self, n: usize) -> OpSpec {
        self.num_regions = n;
        self
    }

    pub fn loc(mut self, loc: Location) -> OpSpec {
        self.loc = loc;
        self
    }
}

/// Why a rewrite was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum RewriteError {
    ResultsStillUsed { op: OpId },
    NotInBlock { op: OpId },
    AlreadyInBlock { op: OpId },
    Erased { op: OpId },
    ResultCountMismatch { expected: usize, got: usize },
}

impl std::fmt::Display for RewriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RewriteError::ResultsStillUsed { op } => {
                write!(f, "cannot erase {op:?}: its results are still used")
            }
            RewriteError::NotInBlock { op } => write!(f, "{op:?} is not in a block"),
            RewriteError::AlreadyInBlock { op } => write!(f, "{op:?} is already in a block"),
            RewriteError::Erased { op } => write!(f, "{op:?} was erased"),
            RewriteError::ResultCountMismatch { expected, got } => {
                write!(f, "replacement has {got} values for {expected} results")
            }
        }
    }
}

impl std::error::Error for RewriteError {}

/// The arenas of one module.
#[derive(Clone, Debug, Default)]
pub struct Context {
    ops: EntityVec<OpId, OpData>,
    links: EntityVec<OpId, OpLink>,
    values: EntityVec<ValueId, ValueData>,
    blocks: EntityVec<BlockId, BlockData>,
    regions: EntityVec<RegionId, RegionData>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    // ---- reading ----

    #[inline]
    pub fn op(&self, op: OpId) -> &OpData {
        &self.ops[op]
    }

    /// Mutable access to an op's name, attributes and location.
    #[inline]
    pub fn op_mut(&mut self, op: OpId) -> &mut OpData {
        &mut self.ops[op]
    }

    #[inline]
    pub fn value(&self, v: ValueId) -> &ValueData {
        &self.values[v]
    }

    #[inline]
    pub fn value_type(&self, v: ValueId) -> &Type {
        &self.values[v].ty
    }

    pub fn set_value_type(&mut self, v: ValueId, ty: Type) {
        self.values[v].ty = ty;
    }

    /// Records where a value (a block argument) was written.
    pub fn set_value_pos(&mut self, v: ValueId, pos: Option<SourcePos>) {
        self.values[v].pos = pos;
    }

    #[inline]
    pub fn operands(&self, op: OpId) -> &[ValueId] {
        &self.ops[op].operands
    }

    #[inline]
    pub fn operand(&self, op: OpId, index: usize) -> Option<ValueId> {
        self.ops[op].operands.get(index).copied()
    }

    #[inline]
    pub fn results(&self, op: OpId) -> &[ValueId] {
        &self.ops[op].results
    }

    #[inline]
    pub fn result(&self, op: OpId, index: usize) -> Option<ValueId> {
        self.ops[op].results.get(index).copied()
    }

    pub fn block(&self, b: BlockId) -> &BlockData {
        &self.blocks[b]
    }

    pub fn block_mut(&mut self, b: BlockId) -> &mut BlockData {
        &mut self.blocks[b]
    }

    pub fn region(&self, r: RegionId) -> &RegionData {
        &self.regions[r]
    }

    pub fn num_op_slots(&self) -> usize {
        self.ops.len()
    }

    pub fn num_value_slots(&self) -> usize {
        self.values.len()
    }

    pub fn is_erased(&self, op: OpId) -> bool {
        self.links[op].erased
    }

    /// The op that defines `v`, if it is an op result.
    pub fn defining_op(&self, v: ValueId) -> Option<OpId> {
        match self.values[v].def {
            ValueDef::Result { op, .. } => Some(op),
            ValueDef::BlockArg { .. } => None,
        }
    }

    /// Where `v` comes from: its own result's part of the defining op's location
    /// ([`crate::Location::of_result`]), or the op's whole location when the op does not name
    /// its results apart; a block argument's own location.
    pub fn value_loc(&self, v: ValueId) -> &crate::Location {
        match self.values[v].def {
            ValueDef::Result { op, index } => {
                let data = &self.ops[op];
                data.loc
                    .of_result(index as usize, data.results.len())
                    .unwrap_or(&data.loc)
            }
            ValueDef::BlockArg { .. } => &self.values[v].loc,
        }
    }

    /// The TFLite tensor name of `v`: the first name of its result's location
    /// ([`crate::Location::of_result`]) or of its argument location; `None` for a later result
    /// of an op that does not name its results apart.
    pub fn tensor_name(&self, v: ValueId) -> Option<&str> {
        match self.values[v].def {
            ValueDef::Result { op, index } => {
                let data = &self.ops[op];
                data.loc
                    .of_result(index as usize, data.results.len())?
                    .first_name()
            }
            ValueDef::BlockArg { .. } => self.values[v].loc.first_name(),
        }
    }

    pub fn uses(&self, v: ValueId) -> &[Use] {
        &self.values[v].uses
    }

    pub fn has_uses(&self, v: ValueId) -> bool {
        !self.values[v].uses.is_empty()
    }

    pub fn parent_block(&self, op: OpId) -> Option<BlockId> {
        self.links[op].block
    }

    pub fn block_region(&self, b: BlockId) -> Option<RegionId> {
        self.blocks[b].region
    }

    pub fn region_parent(&self, r: RegionId) -> Option<OpId> {
        self.regions[r].parent
    }

    /// The op whose region holds the block that holds `op`.
    pub fn parent_op(&self, op: OpId) -> Option<OpId> {
        let block = self.links[op].block?;
        self.block_parent_op(block)
    }

    pub fn block_parent_op(&self, block: BlockId) -> Option<OpId> {
        self.regions[self.blocks[block].region?].parent
    }

    pub fn next_op(&self, op: OpId) -> Option<OpId> {
        self.links[op].next
    }

    pub fn prev_op(&self, op: OpId) -> Option<OpId> {
        self.links[op].prev
    }

    pub fn first_op(&self, b: BlockId) -> Option<OpId> {
        self.blocks[b].first
    }

    pub fn last_op(&self, b: BlockId) -> Option<OpId> {
        self.blocks[b].last
    }

    /// The ops of a block in order.
    pub fn block_ops(&self, b: BlockId) -> BlockOps<'_> {
        BlockOps {
            ctx: self,
            next: self.blocks[b].first,
        }
    }

    /// `op` and every op nested in its regions, in pre-order (an op before its regions' ops).
    pub fn walk(&self, op: OpId) -> Walk<'_> {
        Walk {
            ctx: self,
            stack: vec![op],
        }
    }

    /// Every op nested in `op`'s regions (not `op` itself), in pre-order.
    pub fn walk_nested(&self, op: OpId) -> Walk<'_> {
        let mut w = self.walk(op);
        w.next();
        w
    }

    // ---- creating ----

    /// Creates a detached op with fresh result values and empty regions.
    pub fn create_op(&mut self, spec: OpSpec) -> OpId {
        let op = self.ops.push(OpData {
            name: spec.name,
            operands: SmallVec::new(),
            results: SmallVec::new(),
            regions: SmallVec::new(),
            properties: spec.properties,
            attributes: spec.attributes,
            loc: spec.loc,
            pos: spec.pos,
        });
        self.links.push(OpLink::default());
        for (index, operand) in spec.operands.iter().enumerate() {
            self.values[*operand].uses.push(Use {
                op,
                index: index as u32,
            });
        }
        self.ops[op].operands = spec.operands;
        let results: SmallVec<[ValueId; 2]> = spec
            .result_types
            .into_iter()
            .enumerate()
            .map(|(index, ty)| {
                self.values.push(ValueData {
                    ty,
                    def: ValueDef::Result {
                        op,
                        index: index as u32,
                    },
                    uses: SmallVec::new(),
                    loc: Location::Unknown,
                    pos: None,
                })
            })
            .collect();
        self.ops[op].results = results;
        for _ in 0..spec.num_regions {
            let r = self.regions.push(RegionData {
                blocks: Vec::new(),
                parent: Some(op),
            });
            self.ops[op].regions.push(r);
        }
        op
    }

    /// Appends a new empty block to `region`.
    pub fn create_block(&mut self, region: RegionId) -> BlockId {
        let b = self.blocks.push(BlockData {
            region: Some(region),
            ..BlockData::default()
        });
        self.regions[region].blocks.push(b);
        b
    }

    pub fn add_block_arg(&mut self, block: BlockId, ty: Type, loc: Location) -> ValueId {
        let index = self.blocks[block].args.len() as u32;
        let v = self.values.push(ValueData {
            ty,
            def: ValueDef::BlockArg { block, index },
            uses: SmallVec::new(),
            loc,
            pos: None,
        });
        self.blocks[block].args.push(v);
        v
    }

    /// Adds a region to an existing op (for ops built up step by step).
    pub fn add_region(&mut self, op: OpId) -> RegionId {
        let r = self.regions.push(RegionData {
            blocks: Vec::new(),
            parent: Some(op),
        });
        self.ops[op].regions.push(r);
        r
    }

    // ---- layout ----

    fn check_detached(&self, op: OpId) -> Result<(), RewriteError> {
        if self.links[op].erased {
            return Err(RewriteError::Erased { op });
        }
        if self.links[op].block.is_some() {
            return Err(RewriteError::AlreadyInBlock { op });
        }
        Ok(())
    }

    /// Links a detached op at the end of `block`.
    pub fn append_op(&mut self, block: BlockId, op: OpId) -> Result<(), RewriteError> {
        self.check_detached(op)?;
        let last = self.blocks[block].last;
        self.links[op] = OpLink {
            block: Some(block),
            prev: last,
            next: None,
            erased: false,
        };
        match last {
            Some(l) => self.links[l].next = Some(op),
            None => self.blocks[block].first = Some(op),
        }
        self.blocks[block].last = Some(op);
        Ok(())
    }

    /// Links a detached op just before `anchor`.
    pub fn insert_before(&mut self, anchor: OpId, op: OpId) -> Result<(), RewriteError> {
        self.check_detached(op)?;
        let block = self.links[anchor]
            .block
            .ok_or(RewriteError::NotInBlock { op: anchor })?;
        let prev = self.links[anchor].prev;
        self.links[op] = OpLink {
            block: Some(block),
            prev,
            next: Some(anchor),
            erased: false,
        };
        self.links[anchor].prev = Some(op);
        match prev {
            Some(p) => self.links[p].next = Some(op),
            None => self.blocks[block].first = Some(op),
        }
        Ok(())
    }

    /// Links a detached op just after `anchor`.
    pub fn insert_after(&mut self, anchor: OpId, op: OpId) -> Result<(), RewriteError> {
        self.check_detached(op)?;
        let block = self.links[anchor]
            .block
            .ok_or(RewriteError::NotInBlock { op: anchor })?;
        let next = self.links[anchor].next;
        self.links[op] = OpLink {
            block: Some(block),
            prev: Some(anchor),
            next,
            erased: false,
        };
        self.links[anchor].next = Some(op);
        match next {
            Some(n) => self.links[n].prev = Some(op),
            None => self.blocks[block].last = Some(op),
        }
        Ok(())
    }

    /// Unlinks `op` from its block, keeping it alive (it can be linked elsewhere).
    pub fn detach(&mut self, op: OpId) -> Result<(), RewriteError> {
        let link = self.links[op];
        let block = link.block.ok_or(RewriteError::NotInBlock { op })?;
        match link.prev {
            Some(p) => self.links[p].next = link.next,
            None => self.blocks[block].first = link.next,
        }
        match link.next {
            Some(n) => self.links[n].prev = link.prev,
            None => self.blocks[block].last = link.prev,
        }
        self.links[op] = OpLink::default();
        Ok(())
    }

    /// Moves `op` (linked or not) to just before `anchor`.
    pub fn move_before(&mut self, anchor: OpId, op: OpId) -> Result<(), RewriteError> {
        if self.links[op].block.is_some() {
            self.detach(op)?;
        }
        self.insert_before(anchor, op)
    }

    // ---- uses ----

    fn remove_use(&mut self, v: ValueId, u: Use) {
        let uses = &mut self.values[v].uses;
        if let Some(i) = uses.iter().position(|x| *x == u) {
            uses.swap_remove(i);
        }
    }

    /// Makes operand `index` of `op` name `value`.
    pub fn set_operand(&mut self, op: OpId, index: usize, value: ValueId) {
        let old = self.ops[op].operands[index];
        if old == value {
            return;
        }
        let u = Use {
            op,
            index: index as u32,
        };
        self.remove_use(old, u);
        self.values[value].uses.push(u);
        self.ops[op].operands[index] = value;
    }

    /// Replaces the whole operand list of `op`.
    pub fn set_operands(&mut self, op: OpId, operands: &[ValueId]) {
        let old = std::mem::take(&mut self.ops[op].operands);
        for (index, v) in old.iter().enumerate() {
            self.remove_use(
                *v,
                Use {
                    op,
                    index: index as u32,
                },
            );
        }
        for (index, v) in operands.iter().enumerate() {
            self.values[*v].uses.push(Use {
                op,
                index: index as u32,
            });
        }
        self.ops[op].operands = SmallVec::from_slice(operands);
    }

    /// Makes every use of `from` a use of `to`. O(number of uses).
    pub fn replace_all_uses(&mut self, from: ValueId, to: ValueId) {
        if from == to {
            return;
        }
        let uses = std::mem::take(&mut self.values[from].uses);
        for u in &uses {
            self.ops[u.op].operands[u.index as usize] = to;
        }
        self.values[to].uses.extend(uses);
    }

    /// Replaces the uses of `from` for which `keep_old` is false.
    pub fn replace_uses_where(
        &mut self,
        from: ValueId,
        to: ValueId,
        mut replace: impl FnMut(Use) -> bool,
    ) {
        let uses = self.values[from].uses.clone();
        for u in uses {
            if replace(u) {
                self.set_operand(u.op, u.index as usize, to);
            }
        }
    }

    /// Replaces every use of `op`'s results with `values`, then erases `op`.
    pub fn replace_op(&mut self, op: OpId, values: &[ValueId]) -> Result<(), RewriteError> {
        let results = self.ops[op].results.clone();
        if results.len() != values.len() {
            return Err(RewriteError::ResultCountMismatch {
                expected: results.len(),
                got: values.len(),
            });
        }
        for (r, v) in results.iter().zip(values) {
            self.replace_all_uses(*r, *v);
        }
        self.erase_op(op)
    }

    /// Erases `op` and everything in its regions. Its results must have no uses outside it.
    pub fn erase_op(&mut self, op: OpId) -> Result<(), RewriteError> {
        if self.links[op].erased {
            return Err(RewriteError::Erased { op });
        }
        let nested: Vec<OpId> = self.walk(op).collect();
        let inside = |o: OpId| nested.contains(&o);
        for &o in &nested {
            for &r in &self.ops[o].results {
                if self.values[r].uses.iter().any(|u| !inside(u.op)) {
                    return Err(RewriteError::ResultsStillUsed { op });
                }
            }
        }
        if self.links[op].block.is_some() {
            self.detach(op)?;
        }
        for &o in nested.iter().rev() {
            let operands = std::mem::take(&mut self.ops[o].operands);
            for (index, v) in operands.iter().enumerate() {
                self.remove_use(
                    *v,
                    Use {
                        op: o,
                        index: index as u32,
                    },
                );
            }
            self.links[o] = OpLink {
                erased: true,
                ..OpLink::default()
            };
        }
        Ok(())
    }
}

/// Iterator over the ops of a block.
pub struct BlockOps<'a> {
    ctx: &'a Context,
    next: Option<OpId>,
}

impl Iterator for BlockOps<'_> {
    type Item = OpId;
    fn next(&mut self) -> Option<OpId> {
        let op = self.next?;
        self.next = self.ctx.links[op].next;
        Some(op)
    }
}

/// Pre-order walk over an op and its nested ops. Borrows the context, so the IR cannot change
/// while it runs; collect first, then rewrite.
pub struct Walk<'a> {
    ctx: &'a Context,
    stack: Vec<OpId>,
}

impl Iterator for Walk<'_> {
    type Item = OpId;
    fn next(&mut self) -> Option<OpId> {
        let op = self.stack.pop()?;
        // Push regions' blocks in reverse so the first block's first op comes next.
        for &r in self.ctx.ops[op].regions.iter().rev() {
            for &b in self.ctx.regions[r].blocks.iter().rev() {
                let ops: SmallVec<[OpId; 16]> = self.ctx.block_ops(b).collect();
                for &o in ops.iter().rev() {
                    self.stack.push(o);
                }
            }
        }
        Some(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::tfl;

    #[test]
    fn flags_read_absent_as_false_unit_as_true_and_refuse_other_kinds() {
        let mut ctx = Context::new();
        let op = ctx.create_op(
            OpSpec::of(&tfl::BATCH_MATMUL)
                .property("adj_x", Attribute::Bool(true))
                .property("adj_y", Attribute::string("yes")),
        );
        ctx.op_mut(op).attributes.set("marked", Attribute::Unit);
        let data = ctx.op(op);
        assert_eq!(data.flag("adj_x"), Some(true));
        assert_eq!(data.flag("adj_y"), None);
        assert_eq!(data.flag("asymmetric_quantize_inputs"), Some(false));
        assert_eq!(data.flag("marked"), Some(true));
    }
}
