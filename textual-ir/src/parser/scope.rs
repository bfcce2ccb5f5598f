//! SSA name scopes: definitions, uses before definition (placeholders) and their
//! resolution when a scope closes. A name may not shadow one of an enclosing scope; a name
//! still undefined when an isolated scope closes is an error at its first use.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use smallvec::SmallVec;

use tqopt_ir::{Diagnostic, OpName, OpSpec, Type, ValueId};

use super::{Builder, PResult};

/// The multiply-rotate hash rustc uses for its own tables (FxHash): SSA names are short and
/// many (one per op), and SipHash's per-name cost showed in parse profiles.
#[derive(Default, Clone, Copy)]
pub(super) struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.add(word);
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type NameMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;

/// One level of SSA names: a function body (isolated) or a nested region.
pub(super) struct Scope {
    /// name (without `%`) -> the values of its result group.
    defined: NameMap<String, SmallVec<[ValueId; 1]>>,
    /// name#index -> placeholder value, its use position (byte offset).
    forward: NameMap<(String, usize), (ValueId, usize)>,
    isolated: bool,
}

impl Scope {
    pub(super) fn new(isolated: bool) -> Scope {
        Scope {
            defined: NameMap::default(),
            forward: NameMap::default(),
            isolated,
        }
    }
}

impl<'s> Builder<'s> {
    pub(super) fn open_scope(&mut self, isolated: bool) {
        self.scopes.push(Scope::new(isolated));
    }

    /// Closes a scope: unresolved names of an isolated scope are errors; others move outward.
    pub(super) fn close_scope(&mut self) -> PResult<()> {
        let scope = self
            .scopes
            .pop()
            .ok_or_else(|| Diagnostic::error("scope underflow"))?;
        let mut pending: Vec<((String, usize), (ValueId, usize))> =
            scope.forward.into_iter().collect();
        if pending.is_empty() {
            return Ok(());
        }
        if scope.isolated || self.scopes.is_empty() {
            pending.sort_by_key(|(_, (_, at))| *at);
            let ((name, _), (_, at)) = &pending[0];
            return Err(self.err_at(*at, format!("use of undefined value '%{name}'")));
        }
        for ((name, index), (placeholder, at)) in pending {
            self.resolve_use(name, index, placeholder, at)?;
        }
        Ok(())
    }

    /// Finds `%name#index` in visible scopes, or records a forward reference of type `ty`.
    pub(super) fn use_value(
        &mut self,
        name: &str,
        index: usize,
        ty: &Type,
        at: usize,
    ) -> PResult<ValueId> {
        for scope in self.scopes.iter().rev() {
            if let Some(group) = scope.defined.get(name) {
                let v = *group.get(index).ok_or_else(|| {
                    self.err_at(
                        at,
                        format!(
                            "'%{name}' has {} results, so '#{index}' does not exist",
                            group.len()
                        ),
                    )
                })?;
                return self.check_use_type(name, v, ty, at);
            }
            if let Some((v, _)) = scope.forward.get(&(name.to_string(), index)) {
                let v = *v;
                return self.check_use_type(name, v, ty, at);
            }
            if scope.isolated {
                break;
            }
        }
        let placeholder = self.placeholder(ty.clone());
        let scope = self
            .scopes
            .last_mut()
            .ok_or_else(|| Diagnostic::error("no scope"))?;
        scope
            .forward
            .insert((name.to_string(), index), (placeholder, at));
        Ok(placeholder)
    }

    /// Moves a forward reference into the innermost scope that can still define it.
    pub(super) fn resolve_use(
        &mut self,
        name: String,
        index: usize,
        placeholder: ValueId,
        at: usize,
    ) -> PResult<()> {
        let scope = self
            .scopes
            .last()
            .ok_or_else(|| Diagnostic::error("no scope"))?;
        if let Some(group) = scope.defined.get(&name) {
            let found = group.get(index).copied();
            let v = found
                .ok_or_else(|| self.err_at(at, format!("'%{name}#{index}' does not exist")))?;
            return self.replace_placeholder(&name, placeholder, v, at);
        }
        match scope.forward.get(&(name.clone(), index)) {
            Some((other, _)) => {
                let other = *other;
                self.replace_placeholder(&name, placeholder, other, at)
            }
            None => {
                if let Some(scope) = self.scopes.last_mut() {
                    scope.forward.insert((name, index), (placeholder, at));
                }
                Ok(())
            }
        }
    }

    pub(super) fn check_use_type(
        &self,
        name: &str,
        v: ValueId,
        ty: &Type,
        at: usize,
    ) -> PResult<ValueId> {
        let actual = self.module.value_type(v);
        if actual != ty {
            return Err(self.err_at(
                at,
                format!("use of value '%{name}' expects different type than prior uses: '{ty}' vs '{actual}'"),
            ));
        }
        Ok(v)
    }

    /// A stand-in value for a use before its definition: the result of a detached op.
    pub(super) fn placeholder(&mut self, ty: Type) -> ValueId {
        let op = self
            .module
            .create_op(OpSpec::new(OpName::new("tqopt.forward_ref")).results([ty]));
        self.module.results(op)[0]
    }

    pub(super) fn replace_placeholder(
        &mut self,
        name: &str,
        placeholder: ValueId,
        real: ValueId,
        at: usize,
    ) -> PResult<()> {
        let (pt, rt) = (
            self.module.value_type(placeholder),
            self.module.value_type(real),
        );
        if pt != rt {
            return Err(self.err_at(
                at,
                format!("use of value '%{name}' expects different type than prior uses: '{pt}' vs '{rt}'"),
            ));
        }
        self.module.replace_all_uses(placeholder, real);
        if let Some(op) = self.module.defining_op(placeholder) {
            let _ = self.module.erase_op(op);
        }
        Ok(())
    }

    /// Binds `%name` (a result group) in the innermost scope. As in MLIR, a name may not
    /// shadow one defined in any enclosing scope, even across an isolated region.
    pub(super) fn define(
        &mut self,
        name: &str,
        values: SmallVec<[ValueId; 1]>,
        at: usize,
    ) -> PResult<()> {
        let scope_index = self.scopes.len() - 1;
        if self.scopes.iter().any(|s| s.defined.contains_key(name)) {
            return Err(self.err_at(at, format!("redefinition of SSA value '%{name}'")));
        }
        // Most names are defined before any use: no forward reference to resolve.
        if !self.scopes[scope_index].forward.is_empty() {
            self.resolve_forward(name, &values, scope_index, at)?;
        }
        self.scopes[scope_index]
            .defined
            .insert(name.to_string(), values);
        Ok(())
    }

    /// Replaces the forward references to `%name#i` in scope `scope_index` by the values just
    /// defined; a reference past the group's end is an error.
    fn resolve_forward(
        &mut self,
        name: &str,
        values: &[ValueId],
        scope_index: usize,
        at: usize,
    ) -> PResult<()> {
        let mut resolved = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if let Some((placeholder, _)) = self.scopes[scope_index]
                .forward
                .remove(&(name.to_string(), i))
            {
                resolved.push((placeholder, *v));
            }
        }
        let stale: Vec<usize> = self.scopes[scope_index]
            .forward
            .keys()
            .filter(|(n, i)| n == name && *i >= values.len())
            .map(|(_, i)| *i)
            .collect();
        if let Some(i) = stale.first() {
            let (_, at_use) = self.scopes[scope_index].forward[&(name.to_string(), *i)];
            return Err(self.err_at(
                at_use,
                format!(
                    "'%{name}' has {} results, so '#{i}' does not exist",
                    values.len()
                ),
            ));
        }
        for (placeholder, real) in resolved {
            self.replace_placeholder(name, placeholder, real, at)?;
        }
        Ok(())
    }
}
