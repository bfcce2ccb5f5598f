//! A module: the context plus its root `builtin.module` op and its resource blobs.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

use crate::attributes::Attribute;
use crate::blob::Blob;
use crate::context::{Context, OpSpec};
use crate::dialect::builtin;
use crate::entity::{BlockId, OpId};

/// A blob of the `{-# dialect_resources: ... #-}` section.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceBlob {
    pub alignment: u32,
    pub data: Blob,
}

/// Module attribute holding a TFLite model's `model_control_dependencies` metadata entry
/// (control edges between operators, by operator index). The indices hold only as long as
/// the operators do: the pass manager drops the attribute when a pass changes the IR
/// (see [`OPERATOR_INDEX_ATTRS`]).
pub const CONTROL_DEPENDENCIES_ATTR: &str = "tqopt.model_control_dependencies";

/// Module attributes that index operators by position, with what they hold (for the warning
/// when they are dropped): they go stale when a pass changes the operators.
pub const OPERATOR_INDEX_ATTRS: &[(&str, &str)] = &[(
    CONTROL_DEPENDENCIES_ATTR,
    "the model's control dependencies (model_control_dependencies, by operator index)",
)];

/// Unit attribute on a `tfl.pseudo_const` that stands for a TFLite variable tensor (the state
/// of a stateful op such as UNIDIRECTIONAL_SEQUENCE_LSTM): its value is a placeholder, not
/// data, and it must reach the op directly, in float32, so no pass rewrites it.
pub const IS_VARIABLE_ATTR: &str = "tfl.is_variable";

/// A module of IR. Derefs to its [`Context`].
///
/// Invariant: `op` is a live `builtin.module` with one region holding one block.
#[derive(Clone, Debug)]
pub struct Module {
    pub ctx: Context,
    pub op: OpId,
    /// Resource blobs by dialect, then by key (`builtin` holds `dense_resource` data).
    pub resources: BTreeMap<String, BTreeMap<String, ResourceBlob>>,
}

impl Deref for Module {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
}

impl DerefMut for Module {
    fn deref_mut(&mut self) -> &mut Context {
        &mut self.ctx
    }
}

impl Default for Module {
    fn default() -> Self {
        Module::new()
    }
}

impl Module {
    /// Removes the module attributes of [`OPERATOR_INDEX_ATTRS`] (after the operators
    /// changed) and returns what the removed ones held.
    pub fn drop_operator_indices(&mut self) -> Vec<&'static str> {
        let root = self.op;
        let attributes = &mut self.op_mut(root).attributes;
        OPERATOR_INDEX_ATTRS
            .iter()
            .filter(|(name, _)| attributes.remove(name).is_some())
            .map(|(_, what)| *what)
            .collect()
    }

    /// An empty `module {}`.
    pub fn new() -> Module {
        let mut ctx = Context::new();
        let op = ctx.create_op(OpSpec::of(&builtin::MODULE).regions(1));
        let region = ctx.op(op).regions()[0];
        ctx.create_block(region);
        Module {
            ctx,
            op,
            resources: BTreeMap::new(),
        }
    }

    /// Wraps an existing `builtin.module` op of `ctx`.
    pub fn from_parts(ctx: Context, op: OpId) -> Module {
        Module {
            ctx,
            op,
            resources: BTreeMap::new(),
        }
    }

    /// The block that holds the module's top-level ops.
    pub fn body(&self) -> BlockId {
        let region = self.ctx.op(self.op).regions()[0];
        self.ctx.region(region).blocks()[0]
    }

    /// The `func.func` ops at the top level, in order.
    pub fn funcs(&self) -> Vec<OpId> {
        self.ctx
            .block_ops(self.body())
            .filter(|&o| self.ctx.op(o).is(&crate::dialect::func::FUNC))
            .collect()
    }

    /// The model's entry points, in module order: functions with a body that are not private
    /// and that no `func.call` calls (a TFLite model's signatures; loop bodies, branches and
    /// other called functions are not entry points).
    pub fn entry_points(&self) -> Vec<OpId> {
        use crate::dialect::func;
        let called: std::collections::HashSet<String> = self
            .walk_nested(self.op)
            .filter(|&op| self.ctx.op(op).is(&func::CALL))
            .filter_map(|op| match self.ctx.op(op).attr("callee") {
                Some(crate::Attribute::SymbolRef(path)) => path.last().map(|s| s.to_string()),
                _ => None,
            })
            .collect();
        self.funcs()
            .into_iter()
            .filter(|&f| {
                let private = self
                    .ctx
                    .op(f)
                    .attr("sym_visibility")
                    .and_then(crate::Attribute::as_str)
                    == Some("private");
                let name = func::name(&self.ctx, f).unwrap_or_default();
                func::entry_block(&self.ctx, f).is_some() && !private && !called.contains(name)
            })
            .collect()
    }

    /// `entry` and every function it calls, directly or through others (a while loop's
    /// condition and body), each once, `entry` first: what running `entry` can execute.
    pub fn functions_reachable_from(&self, entry: OpId) -> Vec<OpId> {
        use crate::dialect::func;
        let mut reached = vec![entry];
        let mut next = 0;
        while next < reached.len() {
            let f = reached[next];
            next += 1;
            for op in self.ctx.walk_nested(f) {
                let data = self.ctx.op(op);
                if !data.is(&func::CALL) {
                    continue;
                }
                let Some(Attribute::SymbolRef(path)) = data.attr("callee") else {
                    continue;
                };
                if let Some(g) = path.last().and_then(|n| self.lookup_func(n)) {
                    if !reached.contains(&g) {
                        reached.push(g);
                    }
                }
            }
        }
        reached
    }

    /// The function named `name`.
    pub fn lookup_func(&self, name: &str) -> Option<OpId> {
        self.funcs()
            .into_iter()
            .find(|&f| self.ctx.op(f).attr("sym_name").and_then(Attribute::as_str) == Some(name))
    }

    /// The blob behind `dense_resource<key>`.
    pub fn resource(&self, key: &str) -> Option<&ResourceBlob> {
        self.resources.get("builtin")?.get(key)
    }

    /// Every live op of the module, in pre-order.
    pub fn all_ops(&self) -> Vec<OpId> {
        self.ctx.walk(self.op).collect()
    }
}
