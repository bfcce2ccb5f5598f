//! The parser: MLIR text (pest parse tree) to a [`Module`].
//!
//! It reads the generic op form, MLIR's custom forms of `module`, `func.func`, `return` and
//! `func.call`, and TensorFlow's custom forms of tfl ops. Values may be used before they are
//! defined (the verifier checks dominance); a name still undefined when its function ends is an
//! error. Every error names the place: `file:line:col`, shown with the line and a caret.
//!
//! Attributes written in `{...}` on a registered op that the op table declares are stored as
//! properties (TensorFlow's older printers write them that way); on other ops the two
//! dictionaries are kept as written.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use pest::iterators::Pair;
use pest::Parser as _;
use smallvec::SmallVec;

use tqopt_ir::attributes::{decode_scalar, encode_scalar, DenseArrayValues};
use tqopt_ir::dialect::{self, CustomSyntax};
use tqopt_ir::float_format::{parse_decimal, round_to};
use tqopt_ir::types::DYNAMIC;
use tqopt_ir::{
    AttrDict, Attribute, Blob, BlockId, DenseElements, DenseValues, Diagnostic, ElementType,
    FloatKind, FunctionType, IntType, Location, Module, OpId, OpName, OpSpec, OpaqueAttr,
    QuantParams, RegionId, ResourceBlob, Scalar, Signedness, SourceFile, TensorType, Type,
    UniformQuant, ValueId,
};

use crate::grammar::{describe, MlirGrammar, Rule};

/// What a file holds besides the module: `external_resources` entries (such as a crash
/// reproducer's pipeline), by group then key, as text.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub module: Module,
    pub external_resources: BTreeMap<String, BTreeMap<String, String>>,
}

type PResult<T> = Result<T, Diagnostic>;

/// Parses `source` into a module.
pub fn parse(source: &SourceFile) -> PResult<Parsed> {
    let mut pairs =
        MlirGrammar::parse(Rule::file, source.text()).map_err(|e| syntax_error(source, e))?;
    let file = pairs
        .next()
        .ok_or_else(|| Diagnostic::error("empty parse"))?;
    let mut p = Builder::new(source);
    p.file(file)?;
    Ok(Parsed {
        module: p.module,
        external_resources: p.external_resources,
    })
}

/// Parses text that is not from a file (tests, tools).
pub fn parse_str(name: &str, text: &str) -> PResult<Module> {
    parse(&SourceFile::new(name, text)).map(|p| p.module)
}

fn syntax_error(source: &SourceFile, e: pest::error::Error<Rule>) -> Diagnostic {
    let offset = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let message = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(|r| describe(*r)).collect();
            names.dedup();
            let mut unique = Vec::new();
            for n in names {
                if !unique.contains(&n) {
                    unique.push(n);
                }
            }
            let found = source.text()[offset..]
                .chars()
                .next()
                .map(|c| format!("'{c}'"))
                .unwrap_or("end of input".into());
            match unique.len() {
                0 => format!("unexpected {found}"),
                1 => format!("expected {}, found {found}", unique[0]),
                _ => {
                    let last = unique.pop().unwrap_or_default();
                    format!("expected {} or {last}, found {found}", unique.join(", "))
                }
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    Diagnostic::error(message).at(Some(source.pos_of(offset)))
}

/// One level of SSA names: a function body (isolated) or a nested region.
struct Scope {
    /// name (without `%`) -> the values of its result group.
    defined: HashMap<String, SmallVec<[ValueId; 1]>>,
    /// name#index -> placeholder value, its use position (byte offset).
    forward: HashMap<(String, usize), (ValueId, usize)>,
    isolated: bool,
}

impl Scope {
    fn new(isolated: bool) -> Scope {
        Scope {
            defined: HashMap::new(),
            forward: HashMap::new(),
            isolated,
        }
    }
}

struct Builder<'s> {
    src: &'s SourceFile,
    module: Module,
    scopes: Vec<Scope>,
    attr_aliases: HashMap<String, Attribute>,
    type_aliases: HashMap<String, Type>,
    external_resources: BTreeMap<String, BTreeMap<String, String>>,
}

fn inner(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner()
}

impl<'s> Builder<'s> {
    fn new(src: &'s SourceFile) -> Builder<'s> {
        Builder {
            src,
            module: Module::new(),
            scopes: Vec::new(),
            attr_aliases: HashMap::new(),
            type_aliases: HashMap::new(),
            external_resources: BTreeMap::new(),
        }
    }

    fn err_at(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message).at(Some(self.src.pos_of(offset)))
    }

    fn err(&self, pair: &Pair<'_, Rule>, message: impl Into<String>) -> Diagnostic {
        self.err_at(pair.as_span().start(), message)
    }

    // ---- file level ----

    fn file(&mut self, file: Pair<'_, Rule>) -> PResult<()> {
        let items: Vec<Pair<'_, Rule>> = inner(file).filter(|p| p.as_rule() != Rule::EOI).collect();
        // Aliases and resources first: location aliases are printed at the end of files.
        for item in &items {
            match item.as_rule() {
                Rule::attr_alias_def => self.attr_alias(item.clone())?,
                Rule::type_alias_def => self.type_alias(item.clone())?,
                Rule::resource_section => self.resources(item.clone())?,
                _ => {}
            }
        }
        let ops: Vec<Pair<'_, Rule>> = items
            .into_iter()
            .filter(|p| p.as_rule() == Rule::operation)
            .collect();
        let single_module = ops.len() == 1 && is_module_op(&ops[0]);
        let body = self.module.body();
        self.scopes.push(Scope::new(true));
        if single_module {
            let root = self.module.op;
            self.operation_into_root(ops[0].clone(), root)?;
        } else {
            for op in ops {
                self.operation(op, body)?;
            }
        }
        self.close_scope()?;
        if !single_module {
            self.unwrap_generic_module()?;
        }
        Ok(())
    }

    /// A file whose only op is a generic `"builtin.module"() ({...})` is that module, not a
    /// module inside an implicit one.
    fn unwrap_generic_module(&mut self) -> PResult<()> {
        let body = self.module.body();
        let ops: Vec<OpId> = self.module.block_ops(body).collect();
        if let [only] = ops[..] {
            if self.module.op(only).is(&dialect::builtin::MODULE)
                && self.module.op(only).regions().len() == 1
            {
                let outer = self.module.op;
                let fail = |e: tqopt_ir::RewriteError| Diagnostic::error(e.to_string());
                self.module.detach(only).map_err(fail)?;
                self.module.erase_op(outer).map_err(fail)?;
                self.module.op = only;
                let region = self.module.op(only).regions()[0];
                if self.module.region(region).blocks().is_empty() {
                    self.module.create_block(region);
                }
            }
        }
        Ok(())
    }

    /// `#name = value` / `!name = value`: the name without its sigil, and the value.
    fn alias_parts<'p>(&self, pair: Pair<'p, Rule>) -> PResult<(String, Pair<'p, Rule>)> {
        let mut it = inner(pair);
        let name = it
            .next()
            .map(|p| p.as_str()[1..].to_string())
            .unwrap_or_default();
        let value = it
            .next()
            .ok_or_else(|| Diagnostic::error("alias without value"))?;
        Ok((name, value))
    }

    fn attr_alias(&mut self, pair: Pair<'_, Rule>) -> PResult<()> {
        let (name, value) = self.alias_parts(pair)?;
        let attr = self.attribute(value)?;
        self.attr_aliases.insert(name, attr);
        Ok(())
    }

    fn type_alias(&mut self, pair: Pair<'_, Rule>) -> PResult<()> {
        let (name, value) = self.alias_parts(pair)?;
        let ty = self.type_(value)?;
        self.type_aliases.insert(name, ty);
        Ok(())
    }

    fn resources(&mut self, pair: Pair<'_, Rule>) -> PResult<()> {
        for group in inner(pair) {
            let mut it = inner(group);
            let group_name = it
                .next()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            for dialect in it {
                let mut d = inner(dialect);
                let Some(dname) = d.next() else { continue };
                let dname = self.resource_key(dname)?;
                for entry in d {
                    let mut e = inner(entry);
                    let (Some(key), Some(value)) = (e.next(), e.next()) else {
                        continue;
                    };
                    let key = self.resource_key(key)?;
                    let value_pair = inner(value)
                        .next()
                        .ok_or_else(|| Diagnostic::error("empty resource value"))?;
                    let text = match value_pair.as_rule() {
                        Rule::string => self.string_bytes(value_pair.clone())?,
                        _ => value_pair.as_str().as_bytes().to_vec(),
                    };
                    if group_name == "dialect_resources" {
                        let blob = self.resource_blob(&value_pair, &text)?;
                        self.module
                            .resources
                            .entry(dname.clone())
                            .or_default()
                            .insert(key, blob);
                    } else {
                        self.external_resources
                            .entry(dname.clone())
                            .or_default()
                            .insert(key, String::from_utf8_lossy(&text).into_owned());
                    }
                }
            }
        }
        Ok(())
    }

    fn resource_key(&self, pair: Pair<'_, Rule>) -> PResult<String> {
        let p = inner(pair)
            .next()
            .ok_or_else(|| Diagnostic::error("empty key"))?;
        Ok(match p.as_rule() {
            Rule::string => String::from_utf8_lossy(&self.string_bytes(p)?).into_owned(),
            _ => p.as_str().to_string(),
        })
    }

    /// `"0x" + 4 bytes of alignment (little endian) + data`.
    fn resource_blob(&self, pair: &Pair<'_, Rule>, text: &[u8]) -> PResult<ResourceBlob> {
        let text = std::str::from_utf8(text).unwrap_or("");
        let hex = text
            .strip_prefix("0x")
            .ok_or_else(|| self.err(pair, "expected a hex blob \"0x...\""))?;
        let bytes = tqopt_ir::hex::decode(hex)
            .ok_or_else(|| self.err(pair, "malformed hex in resource blob"))?;
        if bytes.len() < 4 {
            return Err(self.err(pair, "resource blob lacks its 4-byte alignment prefix"));
        }
        let alignment = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        Ok(ResourceBlob {
            alignment,
            data: Blob::from_vec(bytes[4..].to_vec()),
        })
    }

    // ---- scopes and values ----

    fn open_scope(&mut self, isolated: bool) {
        self.scopes.push(Scope::new(isolated));
    }

    /// Closes a scope: unresolved names of an isolated scope are errors; others move outward.
    fn close_scope(&mut self) -> PResult<()> {
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
    fn use_value(&mut self, name: &str, index: usize, ty: &Type, at: usize) -> PResult<ValueId> {
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
    fn resolve_use(
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

    fn check_use_type(&self, name: &str, v: ValueId, ty: &Type, at: usize) -> PResult<ValueId> {
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
    fn placeholder(&mut self, ty: Type) -> ValueId {
        let op = self
            .module
            .create_op(OpSpec::new(OpName::new("tqopt.forward_ref")).results([ty]));
        self.module.results(op)[0]
    }

    fn replace_placeholder(
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
    fn define(&mut self, name: &str, values: SmallVec<[ValueId; 1]>, at: usize) -> PResult<()> {
        let scope_index = self.scopes.len() - 1;
        if self.scopes.iter().any(|s| s.defined.contains_key(name)) {
            return Err(self.err_at(at, format!("redefinition of SSA value '%{name}'")));
        }
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
        self.scopes[scope_index]
            .defined
            .insert(name.to_string(), values);
        Ok(())
    }

    // ---- operations ----

    fn operation_into_root(&mut self, pair: Pair<'_, Rule>, root: OpId) -> PResult<()> {
        let mut loc = Location::Unknown;
        let mut body = None;
        for p in inner(pair) {
            match p.as_rule() {
                Rule::module_op => body = Some(p),
                Rule::trailing_loc => loc = self.trailing_loc(p)?,
                _ => return Err(self.err(&p, "a top-level module cannot have results")),
            }
        }
        let body = body.ok_or_else(|| Diagnostic::error("expected a module"))?;
        let pos = Some(self.src.pos_of(body.as_span().start()));
        let region = self.module.op(root).regions()[0];
        let block = self.module.region(region).blocks()[0];
        self.module_body(body, root, block)?;
        let data = self.module.op_mut(root);
        data.loc = loc;
        data.pos = pos;
        Ok(())
    }

    fn module_body(&mut self, pair: Pair<'_, Rule>, op: OpId, block: BlockId) -> PResult<()> {
        for p in inner(pair) {
            match p.as_rule() {
                Rule::symbol_ref => {
                    let sym = self.symbol_ref(p)?;
                    if let Attribute::SymbolRef(path) = &sym {
                        let name = path.first().map(|s| s.to_string()).unwrap_or_default();
                        self.module
                            .op_mut(op)
                            .properties
                            .set("sym_name", Attribute::string(&name));
                    }
                }
                Rule::kw_module | Rule::kw_attributes => {}
                Rule::attr_dict => {
                    let dict = self.attr_dict(p)?;
                    self.module.op_mut(op).attributes = dict;
                }
                Rule::region => {
                    self.open_scope(true);
                    self.region_into(p, block, false)?;
                    self.close_scope()?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn operation(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let mut results: Vec<(String, usize, usize)> = Vec::new(); // name, count, offset
        let mut body = None;
        let mut loc = Location::Unknown;
        for p in inner(pair) {
            match p.as_rule() {
                Rule::result_list => {
                    for g in inner(p) {
                        let at = g.as_span().start();
                        let mut it = inner(g);
                        let name = it
                            .next()
                            .map(|n| n.as_str()[1..].to_string())
                            .unwrap_or_default();
                        let count = match it.next() {
                            Some(c) => self.parse_usize(&c)?,
                            None => 1,
                        };
                        results.push((name, count, at));
                    }
                }
                Rule::trailing_loc => loc = self.trailing_loc(p)?,
                _ => body = Some(p),
            }
        }
        let body = body.ok_or_else(|| Diagnostic::error("operation without a body"))?;
        let op = match body.as_rule() {
            Rule::generic_op => self.generic_op(body, block, false)?,
            Rule::paren_op => self.generic_op(body, block, true)?,
            Rule::same_type_op => self.same_type_op(body, block)?,
            Rule::module_op => self.nested_module(body, block)?,
            Rule::func_op => self.func_op(body, block)?,
            Rule::return_op => self.return_op(body, block)?,
            Rule::call_op => self.call_op(body, block)?,
            _ => return Err(self.err(&body, "unsupported operation syntax")),
        };
        self.module.op_mut(op).loc = loc;
        let op_results: SmallVec<[ValueId; 2]> = SmallVec::from_slice(self.module.results(op));
        let wanted: usize = results.iter().map(|r| r.1).sum();
        if !results.is_empty() && wanted != op_results.len() {
            let at = results[0].2;
            return Err(self.err_at(
                at,
                format!(
                    "operation defines {} results but was provided {wanted} to bind",
                    op_results.len()
                ),
            ));
        }
        let mut next = 0;
        for (name, count, at) in results {
            let group: SmallVec<[ValueId; 1]> =
                SmallVec::from_slice(&op_results[next..next + count]);
            next += count;
            self.define(&name, group, at)?;
        }
        Ok(op)
    }

    fn op_name_of(&self, pair: &Pair<'_, Rule>, name: &str) -> PResult<OpName> {
        let op_name = OpName::new(name);
        if op_name.def().is_none() && dialect::CLOSED_DIALECTS.contains(&op_name.dialect()) {
            return Err(self.err(
                pair,
                format!(
                    "unknown operation '{name}': the '{}' dialect has no op of that name",
                    op_name.dialect()
                ),
            ));
        }
        Ok(op_name)
    }

    /// Splits `{...}` entries of a registered op: declared names become properties.
    fn place_attributes(&self, name: &OpName, props: &mut AttrDict, attrs: AttrDict) -> AttrDict {
        let Some(def) = name.def() else { return attrs };
        if !def.properties {
            // Declared attributes written as properties move to the attributes.
            let mut all = attrs;
            for (k, v) in std::mem::take(props).iter() {
                all.set(k, v.clone());
            }
            return all;
        }
        let mut rest = AttrDict::new();
        for (k, v) in attrs.iter() {
            if def.attr_def(k).is_some() {
                props.set(k, v.clone());
            } else {
                rest.set(k, v.clone());
            }
        }
        rest
    }

    /// `"name"(%a, %b) <{props}> ({regions}) {attrs} : (T, T) -> R`, also without quotes.
    fn generic_op(
        &mut self,
        pair: Pair<'_, Rule>,
        block: BlockId,
        bare_name: bool,
    ) -> PResult<OpId> {
        let name_at = pair.as_span().start();
        let mut name = None;
        let mut uses = Vec::new();
        let mut props = AttrDict::new();
        let mut attrs = AttrDict::new();
        let mut regions = Vec::new();
        let mut fn_type = None;
        for p in inner(pair) {
            match p.as_rule() {
                Rule::string if !bare_name => {
                    let text = String::from_utf8_lossy(&self.string_bytes(p.clone())?).into_owned();
                    name = Some(self.op_name_of(&p, &text)?);
                }
                Rule::op_name => name = Some(self.op_name_of(&p, p.as_str())?),
                Rule::value_use_list => uses = self.value_use_list(p)?,
                Rule::properties => {
                    let dict = inner(p)
                        .next()
                        .ok_or_else(|| Diagnostic::error("empty properties"))?;
                    props = self.attr_dict(dict)?;
                }
                Rule::region_list => regions = inner(p).collect(),
                Rule::attr_dict => attrs = self.attr_dict(p)?,
                Rule::function_type => fn_type = Some((self.function_type(p.clone())?, p)),
                _ => {}
            }
        }
        let name = name.ok_or_else(|| self.err_at(name_at, "expected an op name"))?;
        let (ft, ft_pair) =
            fn_type.ok_or_else(|| self.err_at(name_at, "expected a function type"))?;
        if ft.inputs.len() != uses.len() {
            return Err(self.err(
                &ft_pair,
                format!(
                    "expected {} operand types but had {}",
                    uses.len(),
                    ft.inputs.len()
                ),
            ));
        }
        let mut operands = SmallVec::<[ValueId; 4]>::new();
        for ((use_name, index, at), ty) in uses.iter().zip(&ft.inputs) {
            operands.push(self.use_value(use_name, *index, ty, *at)?);
        }
        let attributes = self.place_attributes(&name, &mut props, attrs);
        let spec = OpSpec {
            name,
            operands,
            result_types: ft.results.iter().cloned().collect(),
            properties: props,
            attributes,
            num_regions: regions.len(),
            loc: Location::Unknown,
            pos: Some(self.src.pos_of(name_at)),
        };
        let op = self.module.create_op(spec);
        self.append(block, op)?;
        let op_regions: Vec<RegionId> = self.module.op(op).regions().to_vec();
        let isolated = self
            .module
            .op(op)
            .def()
            .is_some_and(|d| d.has_trait(dialect::Traits::ISOLATED_FROM_ABOVE));
        for (region_pair, region) in regions.into_iter().zip(op_regions) {
            self.open_scope(isolated);
            self.region(region_pair, region)?;
            self.close_scope()?;
        }
        Ok(op)
    }

    /// `tfl.add %a, %b {attrs} : T`.
    fn same_type_op(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let name_at = pair.as_span().start();
        let mut it = inner(pair);
        let name_pair = it
            .next()
            .ok_or_else(|| self.err_at(name_at, "expected an op name"))?;
        let name = self.op_name_of(&name_pair, name_pair.as_str())?;
        let has_form = name
            .def()
            .is_some_and(|d| d.custom_syntax == CustomSyntax::SameOperandsAndResultType);
        if !has_form {
            return Err(self.err(
                &name_pair,
                format!(
                    "'{}' has no custom assembly form here; write it in the generic form \"{}\"(...) : (...) -> ...",
                    name.as_str(),
                    name.as_str()
                ),
            ));
        }
        let mut uses = Vec::new();
        let mut attrs = AttrDict::new();
        let mut ty = None;
        for p in it {
            match p.as_rule() {
                Rule::value_use_list => uses = self.value_use_list(p)?,
                Rule::attr_dict => attrs = self.attr_dict(p)?,
                Rule::type_ => ty = Some(self.type_(p)?),
                _ => {}
            }
        }
        let ty = ty.ok_or_else(|| self.err_at(name_at, "expected a type"))?;
        let mut operands = SmallVec::<[ValueId; 4]>::new();
        for (use_name, index, at) in &uses {
            operands.push(self.use_value(use_name, *index, &ty, *at)?);
        }
        let mut props = AttrDict::new();
        let attributes = self.place_attributes(&name, &mut props, attrs);
        let spec = OpSpec {
            name,
            operands,
            result_types: SmallVec::from_elem(ty, 1),
            properties: props,
            attributes,
            num_regions: 0,
            loc: Location::Unknown,
            pos: Some(self.src.pos_of(name_at)),
        };
        let op = self.module.create_op(spec);
        self.append(block, op)?;
        Ok(op)
    }

    fn append(&mut self, block: BlockId, op: OpId) -> PResult<()> {
        self.module
            .append_op(block, op)
            .map_err(|e| Diagnostic::error(e.to_string()))
    }

    fn nested_module(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let at = pair.as_span().start();
        let op = self
            .module
            .create_op(OpSpec::of(&dialect::builtin::MODULE).regions(1));
        self.module.op_mut(op).pos = Some(self.src.pos_of(at));
        self.append(block, op)?;
        let region = self.module.op(op).regions()[0];
        let body = self.module.create_block(region);
        self.module_body(pair, op, body)?;
        Ok(op)
    }

    /// `func.func [private] @name(%arg0: T {attrs}, ...) -> (R {attrs}) attributes {...} {...}`
    fn func_op(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let at = pair.as_span().start();
        let op = self
            .module
            .create_op(OpSpec::of(&dialect::func::FUNC).regions(1));
        self.module.op_mut(op).pos = Some(self.src.pos_of(at));
        self.append(block, op)?;
        let region = self.module.op(op).regions()[0];
        let mut inputs = Vec::new();
        let mut results = Vec::new();
        let mut arg_attrs = Vec::new();
        let mut res_attrs = Vec::new();
        let mut named_args: Vec<(String, Type, Location, usize)> = Vec::new();
        let mut body = None;
        for p in inner(pair) {
            match p.as_rule() {
                Rule::visibility => {
                    let v = Attribute::string(p.as_str());
                    self.module.op_mut(op).properties.set("sym_visibility", v);
                }
                Rule::symbol_ref => {
                    if let Attribute::SymbolRef(path) = self.symbol_ref(p)? {
                        let name = path.first().map(|s| s.to_string()).unwrap_or_default();
                        self.module
                            .op_mut(op)
                            .properties
                            .set("sym_name", Attribute::string(&name));
                    }
                }
                Rule::func_args => {
                    for arg in inner(p) {
                        let arg_at = arg.as_span().start();
                        let mut name = None;
                        let mut ty = None;
                        let mut dict = AttrDict::new();
                        let mut loc = Location::Unknown;
                        for q in inner(arg) {
                            match q.as_rule() {
                                Rule::value_name => name = Some(q.as_str()[1..].to_string()),
                                Rule::type_ => ty = Some(self.type_(q)?),
                                Rule::attr_dict => dict = self.attr_dict(q)?,
                                Rule::trailing_loc => loc = self.trailing_loc(q)?,
                                _ => {}
                            }
                        }
                        let ty =
                            ty.ok_or_else(|| self.err_at(arg_at, "expected an argument type"))?;
                        inputs.push(ty.clone());
                        arg_attrs.push(dict);
                        if let Some(n) = name {
                            named_args.push((n, ty, loc, arg_at));
                        }
                    }
                }
                Rule::func_results => {
                    for r in inner(p) {
                        let mut ty = None;
                        let mut dict = AttrDict::new();
                        for q in inner(r) {
                            match q.as_rule() {
                                Rule::type_ => ty = Some(self.type_(q)?),
                                Rule::attr_dict => dict = self.attr_dict(q)?,
                                _ => {}
                            }
                        }
                        results
                            .push(ty.ok_or_else(|| Diagnostic::error("expected a result type"))?);
                        res_attrs.push(dict);
                    }
                }
                Rule::attr_dict => {
                    let dict = self.attr_dict(p)?;
                    self.module.op_mut(op).attributes = dict;
                }
                Rule::region => body = Some(p),
                _ => {}
            }
        }
        let ft = FunctionType { inputs, results };
        let data = self.module.op_mut(op);
        data.properties.set(
            "function_type",
            Attribute::Type(Type::Function(Box::new(ft))),
        );
        for (key, list) in [("arg_attrs", arg_attrs), ("res_attrs", res_attrs)] {
            if list.iter().any(|d| !d.is_empty()) {
                data.properties.set(
                    key,
                    Attribute::Array(list.into_iter().map(Attribute::Dict).collect()),
                );
            }
        }
        if let Some(body) = body {
            if !named_args.is_empty() || self.module.op(op).attr("function_type").is_some() {
                let entry = self.module.create_block(region);
                self.open_scope(true);
                for (name, ty, loc, arg_at) in named_args {
                    let v = self.module.add_block_arg(entry, ty, loc);
                    self.module.set_value_pos(v, Some(self.src.pos_of(arg_at)));
                    self.define(&name, SmallVec::from_elem(v, 1), arg_at)?;
                }
                self.region_into(body, entry, true)?;
                self.close_scope()?;
            }
        }
        Ok(op)
    }

    fn return_op(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let at = pair.as_span().start();
        let mut uses = Vec::new();
        let mut types = Vec::new();
        for p in inner(pair) {
            match p.as_rule() {
                Rule::value_use_list => uses = self.value_use_list(p)?,
                Rule::type_list => {
                    for t in inner(p) {
                        types.push(self.type_(t)?);
                    }
                }
                _ => {}
            }
        }
        if uses.len() != types.len() {
            return Err(self.err_at(
                at,
                format!(
                    "expected {} types after ':' but had {}",
                    uses.len(),
                    types.len()
                ),
            ));
        }
        let mut operands = SmallVec::<[ValueId; 4]>::new();
        for ((n, i, u_at), ty) in uses.iter().zip(&types) {
            operands.push(self.use_value(n, *i, ty, *u_at)?);
        }
        let mut spec = OpSpec::of(&dialect::func::RETURN);
        spec.operands = operands;
        spec.pos = Some(self.src.pos_of(at));
        let op = self.module.create_op(spec);
        self.append(block, op)?;
        Ok(op)
    }

    fn call_op(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let at = pair.as_span().start();
        let mut callee = None;
        let mut uses = Vec::new();
        let mut attrs = AttrDict::new();
        let mut ft = None;
        for p in inner(pair) {
            match p.as_rule() {
                Rule::symbol_ref => callee = Some(self.symbol_ref(p)?),
                Rule::value_use_list => uses = self.value_use_list(p)?,
                Rule::attr_dict => attrs = self.attr_dict(p)?,
                Rule::function_type => ft = Some(self.function_type(p)?),
                _ => {}
            }
        }
        let ft = ft.ok_or_else(|| self.err_at(at, "expected a function type"))?;
        if ft.inputs.len() != uses.len() {
            return Err(self.err_at(
                at,
                format!(
                    "expected {} operand types but had {}",
                    uses.len(),
                    ft.inputs.len()
                ),
            ));
        }
        let mut operands = SmallVec::<[ValueId; 4]>::new();
        for ((n, i, u_at), ty) in uses.iter().zip(&ft.inputs) {
            operands.push(self.use_value(n, *i, ty, *u_at)?);
        }
        let mut spec = OpSpec::of(&dialect::func::CALL);
        spec.operands = operands;
        spec.result_types = ft.results.iter().cloned().collect();
        spec.properties.set(
            "callee",
            callee.ok_or_else(|| self.err_at(at, "expected a callee"))?,
        );
        spec.attributes = attrs;
        spec.pos = Some(self.src.pos_of(at));
        let op = self.module.create_op(spec);
        self.append(block, op)?;
        Ok(op)
    }

    fn value_use_list(&self, pair: Pair<'_, Rule>) -> PResult<Vec<(String, usize, usize)>> {
        let mut out = Vec::new();
        for u in inner(pair) {
            let at = u.as_span().start();
            let mut it = inner(u);
            let name = it
                .next()
                .map(|n| n.as_str()[1..].to_string())
                .unwrap_or_default();
            let index = match it.next() {
                Some(i) => self.parse_usize(&i)?,
                None => 0,
            };
            out.push((name, index, at));
        }
        Ok(out)
    }

    fn parse_usize(&self, pair: &Pair<'_, Rule>) -> PResult<usize> {
        pair.as_str()
            .parse::<usize>()
            .map_err(|_| self.err(pair, "number out of range"))
    }

    // ---- regions and blocks ----

    /// Parses a region of a generic op: unlabeled ops open an entry block without arguments,
    /// labeled blocks follow; `{}` is a region without blocks.
    fn region(&mut self, pair: Pair<'_, Rule>, region: RegionId) -> PResult<()> {
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
    fn region_into(
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

    fn labeled_block(&mut self, pair: Pair<'_, Rule>, region: RegionId) -> PResult<BlockId> {
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

    // ---- locations ----

    fn trailing_loc(&self, pair: Pair<'_, Rule>) -> PResult<Location> {
        let loc = inner(pair)
            .next()
            .ok_or_else(|| Diagnostic::error("empty location"))?;
        self.location(loc)
    }

    fn location(&self, pair: Pair<'_, Rule>) -> PResult<Location> {
        let body = inner(pair)
            .next()
            .ok_or_else(|| Diagnostic::error("empty location"))?;
        self.loc_body(body)
    }

    fn loc_body(&self, pair: Pair<'_, Rule>) -> PResult<Location> {
        match pair.as_rule() {
            Rule::loc_unknown => Ok(Location::Unknown),
            Rule::loc_alias => match self.attr_aliases.get(&pair.as_str()[1..]) {
                Some(Attribute::Location(l)) => Ok(l.clone()),
                Some(_) => Err(self.err(
                    &pair,
                    format!("'{}' is not a location alias", pair.as_str()),
                )),
                None => Err(self.err(
                    &pair,
                    format!("undefined location alias '{}'", pair.as_str()),
                )),
            },
            Rule::loc_file_or_name => {
                let mut it = inner(pair);
                let name_pair = it
                    .next()
                    .ok_or_else(|| Diagnostic::error("empty location"))?;
                let name: Arc<str> = String::from_utf8_lossy(&self.string_bytes(name_pair)?).into();
                match it.next() {
                    None => Ok(Location::Name { name, child: None }),
                    Some(p) if p.as_rule() == Rule::loc_line_col => {
                        let mut n = inner(p);
                        let line = n.next().and_then(|x| x.as_str().parse().ok()).unwrap_or(0);
                        let col = n.next().and_then(|x| x.as_str().parse().ok()).unwrap_or(0);
                        Ok(Location::FileLineCol {
                            file: name,
                            line,
                            col,
                        })
                    }
                    Some(p) => {
                        let child = inner(p)
                            .next()
                            .ok_or_else(|| Diagnostic::error("empty location"))?;
                        Ok(Location::Name {
                            name,
                            child: Some(Box::new(self.loc_body(child)?)),
                        })
                    }
                }
            }
            Rule::loc_fused => {
                let mut metadata = None;
                let mut locs = Vec::new();
                for p in inner(pair) {
                    if p.as_rule() == Rule::attribute {
                        metadata = Some(Arc::from(p.as_str()));
                    } else {
                        locs.push(self.loc_body(p)?);
                    }
                }
                Ok(Location::Fused { locs, metadata })
            }
            Rule::loc_callsite => {
                let mut it = inner(pair);
                let callee =
                    self.loc_body(it.next().ok_or_else(|| Diagnostic::error("bad callsite"))?)?;
                let caller =
                    self.loc_body(it.next().ok_or_else(|| Diagnostic::error("bad callsite"))?)?;
                Ok(Location::CallSite {
                    callee: Box::new(callee),
                    caller: Box::new(caller),
                })
            }
            _ => Err(self.err(&pair, "malformed location")),
        }
    }

    // ---- types ----

    fn type_(&self, pair: Pair<'_, Rule>) -> PResult<Type> {
        let t = if pair.as_rule() == Rule::type_ {
            inner(pair)
                .next()
                .ok_or_else(|| Diagnostic::error("empty type"))?
        } else {
            pair
        };
        Ok(match t.as_rule() {
            Rule::tensor_type => self.tensor_type(t)?,
            Rule::function_type => Type::Function(Box::new(self.function_type(t)?)),
            Rule::none_type => Type::None,
            Rule::index_type => Type::Scalar(ElementType::Index),
            Rule::int_type => Type::Scalar(ElementType::Int(self.int_type(&t)?)),
            Rule::float_type => Type::Scalar(ElementType::Float(float_kind(t.as_str()))),
            Rule::complex_type => {
                let f = inner(t)
                    .next()
                    .map(|p| float_kind(p.as_str()))
                    .unwrap_or(FloatKind::F32);
                Type::Scalar(ElementType::Complex(f))
            }
            Rule::quant_type => Type::Scalar(ElementType::Quant(Arc::new(self.quant_type(t)?))),
            Rule::dialect_type => {
                let text = t.as_str();
                match self.type_aliases.get(&text[1..]) {
                    Some(ty) => ty.clone(),
                    None if !text[1..].contains('.') => {
                        return Err(self.err(&t, format!("undefined type alias '{text}'")));
                    }
                    None => Type::Opaque(Arc::from(text)),
                }
            }
            _ => return Err(self.err(&t, "expected a type")),
        })
    }

    fn int_type(&self, pair: &Pair<'_, Rule>) -> PResult<IntType> {
        let text = pair.as_str();
        let (signedness, digits) = if let Some(d) = text.strip_prefix("si") {
            (Signedness::Signed, d)
        } else if let Some(d) = text.strip_prefix("ui") {
            (Signedness::Unsigned, d)
        } else {
            (Signedness::Signless, &text[1..])
        };
        let width: u32 = digits
            .parse()
            .map_err(|_| self.err(pair, "integer width out of range"))?;
        if width == 0 || width > 64 {
            return Err(self.err(
                pair,
                format!("integer types of width {width} are not supported (1 to 64)"),
            ));
        }
        Ok(IntType { width, signedness })
    }

    fn element_type(&self, pair: Pair<'_, Rule>) -> PResult<ElementType> {
        let at = pair.clone();
        match self.type_(pair)? {
            Type::Scalar(e) => Ok(e),
            Type::Opaque(text) => Ok(ElementType::Opaque(text)),
            other => Err(self.err(&at, format!("'{other}' cannot be a tensor element type"))),
        }
    }

    fn tensor_type(&self, pair: Pair<'_, Rule>) -> PResult<Type> {
        let mut unranked = false;
        let mut shape = SmallVec::<[i64; 4]>::new();
        let mut elem = None;
        for p in inner(pair) {
            match p.as_rule() {
                Rule::unranked_dims => unranked = true,
                Rule::dims => {
                    for d in p.as_str().split('x').filter(|s| !s.is_empty()) {
                        if d == "?" {
                            shape.push(DYNAMIC);
                        } else {
                            shape.push(
                                d.parse::<i64>()
                                    .map_err(|_| self.err(&p, "dimension out of range"))?,
                            );
                        }
                    }
                }
                Rule::type_ => elem = Some(self.element_type(p)?),
                Rule::attribute => return Err(self.err(&p, "tensor encodings are not supported")),
                _ => {}
            }
        }
        let elem = elem.ok_or_else(|| Diagnostic::error("tensor without element type"))?;
        Ok(if unranked {
            Type::UnrankedTensor(elem)
        } else {
            Type::Tensor(TensorType { shape, elem })
        })
    }

    fn function_type(&self, pair: Pair<'_, Rule>) -> PResult<FunctionType> {
        let arrow = pair.as_span().start() + find_top_level_arrow(pair.as_str());
        let mut inputs = Vec::new();
        let mut results = Vec::new();
        for p in inner(pair) {
            let before_arrow = p.as_span().start() < arrow;
            let list: Vec<Type> = match p.as_rule() {
                Rule::type_list => inner(p).map(|t| self.type_(t)).collect::<PResult<_>>()?,
                Rule::type_ => vec![self.type_(p)?],
                _ => continue,
            };
            if before_arrow {
                inputs = list;
            } else {
                results = list;
            }
        }
        Ok(FunctionType { inputs, results })
    }

    fn quant_type(&self, pair: Pair<'_, Rule>) -> PResult<UniformQuant> {
        let mut it = inner(pair.clone());
        let storage_pair = it
            .next()
            .ok_or_else(|| self.err(&pair, "expected a storage type"))?;
        let mut s = inner(storage_pair.clone());
        let st = s
            .next()
            .ok_or_else(|| self.err(&storage_pair, "expected a storage type"))?;
        let signed = st.as_str().starts_with('i');
        let width: u32 = st.as_str()[1..]
            .parse()
            .map_err(|_| self.err(&st, "bad storage width"))?;
        if !(2..=32).contains(&width) {
            return Err(self.err(
                &st,
                format!("quantized storage of {width} bits is not supported"),
            ));
        }
        let storage = IntType {
            width,
            signedness: if signed {
                Signedness::Signed
            } else {
                Signedness::Unsigned
            },
        };
        let (full_min, full_max) = UniformQuant::full_range(storage);
        let (storage_min, storage_max) = match (s.next(), s.next()) {
            (Some(a), Some(b)) => (self.int_value(&a)?, self.int_value(&b)?),
            _ => (full_min, full_max),
        };
        if storage_min < full_min || storage_max > full_max || storage_min > storage_max {
            return Err(self.err(
                &storage_pair,
                format!(
                    "storage range [{storage_min}, {storage_max}] does not fit the storage type"
                ),
            ));
        }
        let expressed = float_kind(it.next().map(|p| p.as_str()).unwrap_or("f32"));
        let mut axis = None;
        let mut params = None;
        for p in it {
            match p.as_rule() {
                Rule::dec_int => axis = Some(self.int_value(&p)? as i32),
                Rule::quant_params => params = inner(p).next(),
                _ => {}
            }
        }
        let params = params.ok_or_else(|| self.err(&pair, "expected quantization parameters"))?;
        let scale_zp = |p: Pair<'_, Rule>| -> PResult<(f64, i64)> {
            let mut it = inner(p.clone());
            let scale_pair = it.next().ok_or_else(|| self.err(&p, "expected a scale"))?;
            let scale = self.number_value(&scale_pair, FloatKind::F64)?;
            let zp = match it.next() {
                Some(z) => self.int_value(&z)?,
                None => 0,
            };
            if !(scale.is_finite() && scale > 0.0) {
                return Err(self.err(
                    &scale_pair,
                    format!("scale must be a positive finite number, not {scale}"),
                ));
            }
            if zp < storage_min || zp > storage_max {
                return Err(self.err(&p, format!("zero point {zp} is outside the storage range")));
            }
            Ok((scale, zp))
        };
        let params = match (params.as_rule(), axis) {
            (Rule::quant_scale_zp, None) => {
                let (scale, zero_point) = scale_zp(params)?;
                QuantParams::PerTensor { scale, zero_point }
            }
            (Rule::quant_per_axis, Some(axis)) => {
                let mut scales = Vec::new();
                let mut zero_points = Vec::new();
                for p in inner(params) {
                    let (s, z) = scale_zp(p)?;
                    scales.push(s);
                    zero_points.push(z);
                }
                QuantParams::PerAxis {
                    axis,
                    scales,
                    zero_points,
                }
            }
            (Rule::quant_per_axis, None) => {
                return Err(self.err(&params, "per-axis parameters need an axis ':N'"))
            }
            _ => return Err(self.err(&params, "a per-axis type needs a list of scales '{...}'")),
        };
        Ok(UniformQuant {
            storage,
            storage_min,
            storage_max,
            expressed,
            params,
        })
    }

    // ---- attributes ----

    fn attr_dict(&self, pair: Pair<'_, Rule>) -> PResult<AttrDict> {
        let at = pair.as_span().start();
        let mut entries = Vec::new();
        for entry in inner(pair) {
            let mut it = inner(entry);
            let name_pair = it
                .next()
                .ok_or_else(|| Diagnostic::error("empty attribute entry"))?;
            let name_inner = inner(name_pair)
                .next()
                .ok_or_else(|| Diagnostic::error("empty name"))?;
            let name: Arc<str> = match name_inner.as_rule() {
                Rule::string => String::from_utf8_lossy(&self.string_bytes(name_inner)?).into(),
                _ => Arc::from(name_inner.as_str()),
            };
            let value = match it.next() {
                Some(v) => self.attribute(v)?,
                None => Attribute::Unit,
            };
            entries.push((name, value));
        }
        AttrDict::from_entries(entries).map_err(|dup| {
            self.err_at(at, format!("duplicate key '{dup}' in dictionary attribute"))
        })
    }

    fn attribute(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
        let a = if pair.as_rule() == Rule::attribute {
            inner(pair)
                .next()
                .ok_or_else(|| Diagnostic::error("empty attribute"))?
        } else {
            pair
        };
        Ok(match a.as_rule() {
            Rule::bool_lit => Attribute::Bool(a.as_str() == "true"),
            Rule::unit_attr => Attribute::Unit,
            Rule::location => Attribute::Location(self.location(a)?),
            Rule::typed_number => self.typed_number(a)?,
            Rule::string_attr => {
                let s = inner(a)
                    .next()
                    .ok_or_else(|| Diagnostic::error("empty string"))?;
                Attribute::String(Arc::from(self.string_bytes(s)?))
            }
            Rule::array_attr => Attribute::Array(
                inner(a)
                    .map(|p| self.attribute(p))
                    .collect::<PResult<_>>()?,
            ),
            Rule::attr_dict => Attribute::Dict(self.attr_dict(a)?),
            Rule::symbol_ref => self.symbol_ref(a)?,
            Rule::dialect_attr => self.dialect_attr(a)?,
            Rule::type_ => Attribute::Type(self.type_(a)?),
            Rule::dense_attr => self.dense_attr(a)?,
            Rule::dense_resource_attr => {
                let mut it = inner(a.clone());
                let handle = it
                    .next()
                    .map(|h| h.as_str().to_string())
                    .unwrap_or_default();
                let ty_pair = it.next().ok_or_else(|| self.err(&a, "expected a type"))?;
                let ty = self.static_tensor(ty_pair)?;
                Attribute::DenseResource {
                    name: Arc::from(handle.as_str()),
                    ty,
                }
            }
            Rule::dense_array_attr => self.dense_array(a)?,
            _ => return Err(self.err(&a, "unsupported attribute")),
        })
    }

    fn dialect_attr(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
        let text = &pair.as_str()[1..];
        let (head, body) = match text.find('<') {
            Some(i) => (&text[..i], Some(&text[i + 1..text.len() - 1])),
            None => (text, None),
        };
        if body.is_none() && !head.contains('.') {
            return match self.attr_aliases.get(head) {
                Some(a) => Ok(a.clone()),
                None => Err(self.err(&pair, format!("undefined attribute alias '#{head}'"))),
            };
        }
        let (dialect, mnemonic) = match head.split_once('.') {
            Some((d, m)) => (d, Some(Arc::from(m))),
            None => (head, None),
        };
        Ok(Attribute::Opaque(OpaqueAttr {
            dialect: Arc::from(dialect),
            mnemonic,
            body: body.map(Arc::from),
        }))
    }

    fn symbol_ref(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
        let mut path = Vec::new();
        for sym in inner(pair) {
            let name = inner(sym)
                .next()
                .ok_or_else(|| Diagnostic::error("empty symbol"))?;
            path.push(match name.as_rule() {
                Rule::string => {
                    Arc::from(String::from_utf8_lossy(&self.string_bytes(name)?).as_ref())
                }
                _ => Arc::from(name.as_str()),
            });
        }
        Ok(Attribute::SymbolRef(path))
    }

    fn typed_number(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
        let mut it = inner(pair.clone());
        let num = it
            .next()
            .ok_or_else(|| self.err(&pair, "expected a number"))?;
        let ty = match it.next() {
            Some(t) => Some((self.type_(t.clone())?, t)),
            None => None,
        };
        let is_float_text = inner(num.clone())
            .next()
            .is_some_and(|p| p.as_rule() == Rule::float_lit);
        match ty {
            None if is_float_text => Ok(Attribute::Float {
                value: self.number_value(&num, FloatKind::F64)?,
                kind: FloatKind::F64,
            }),
            None => Ok(Attribute::Int {
                value: self.int_value(&num)?,
                ty: ElementType::I64,
            }),
            Some((Type::Scalar(ElementType::Float(kind)), _)) => Ok(Attribute::Float {
                value: self.number_value(&num, kind)?,
                kind,
            }),
            Some((Type::Scalar(e @ (ElementType::Int(_) | ElementType::Index)), tp)) => {
                if is_float_text {
                    return Err(self.err(&tp, "a float literal cannot have an integer type"));
                }
                let value = self.int_value(&num)?;
                if let ElementType::Int(t) = &e {
                    if !int_fits(value, *t) {
                        return Err(self.err(&num, format!("integer {value} does not fit in {t}")));
                    }
                }
                Ok(Attribute::Int { value, ty: e })
            }
            Some((other, tp)) => Err(self.err(&tp, format!("a number cannot have type '{other}'"))),
        }
    }

    /// A number pair (`number` rule or its inner literal) as a float of `kind`; hex is bits.
    fn number_value(&self, pair: &Pair<'_, Rule>, kind: FloatKind) -> PResult<f64> {
        let lit = if pair.as_rule() == Rule::number {
            inner(pair.clone()).next().unwrap_or(pair.clone())
        } else {
            pair.clone()
        };
        match lit.as_rule() {
            Rule::hex_int => {
                let bits = u64::from_str_radix(&lit.as_str()[2..], 16)
                    .map_err(|_| self.err(&lit, "hex literal too large"))?;
                if kind.bit_width() < 64 && bits >> kind.bit_width() != 0 {
                    return Err(
                        self.err(&lit, format!("hex literal does not fit in {}", kind.name()))
                    );
                }
                Ok(tqopt_ir::float_format::from_bits(bits, kind))
            }
            Rule::float_lit => {
                let v = parse_decimal(lit.as_str(), kind);
                if v.is_nan() {
                    return Err(self.err(&lit, "malformed float literal"));
                }
                Ok(v)
            }
            _ => {
                let v: f64 = lit
                    .as_str()
                    .parse()
                    .map_err(|_| self.err(&lit, "malformed number"))?;
                Ok(round_to(v, kind))
            }
        }
    }

    fn int_value(&self, pair: &Pair<'_, Rule>) -> PResult<i64> {
        let text = pair.as_str();
        if let Some(hex) = text.strip_prefix("0x") {
            return u64::from_str_radix(hex, 16)
                .map(|v| v as i64)
                .map_err(|_| self.err(pair, "integer out of range"));
        }
        if text.contains('.') {
            return Err(self.err(pair, "expected an integer, found a float"));
        }
        match text.parse::<i64>() {
            Ok(v) => Ok(v),
            Err(_) => text
                .parse::<u64>()
                .map(|v| v as i64)
                .map_err(|_| self.err(pair, "integer out of range")),
        }
    }

    fn static_tensor(&self, pair: Pair<'_, Rule>) -> PResult<TensorType> {
        let at = pair.clone();
        match self.type_(pair)? {
            Type::Tensor(t) if t.has_static_shape() => Ok(t),
            other => Err(self.err(
                &at,
                format!("elements attribute needs a statically shaped tensor type, not '{other}'"),
            )),
        }
    }

    fn dense_attr(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
        let parts: Vec<Pair<'_, Rule>> = inner(pair.clone()).collect();
        let (body, ty_pair) = match parts.as_slice() {
            [t] => (None, t.clone()),
            [b, t] => (Some(b.clone()), t.clone()),
            _ => return Err(self.err(&pair, "malformed dense attribute")),
        };
        let ty = self.static_tensor(ty_pair.clone())?;
        let count = ty.num_elements().unwrap_or(0) as usize;
        let Some(body) = body else {
            if count != 0 {
                return Err(self.err(
                    &pair,
                    format!("'dense<>' is empty but the type has {count} elements"),
                ));
            }
            return Ok(Attribute::Dense(DenseElements {
                ty,
                values: DenseValues::Full(Blob::empty()),
            }));
        };
        if matches!(ty.elem, ElementType::Opaque(_)) {
            return self.dense_strings(body, ty);
        }
        let width = ty
            .elem
            .storage_bytes()
            .ok_or_else(|| self.err(&ty_pair, "unsupported element type"))?;
        match body.as_rule() {
            Rule::string => {
                let text = self.string_bytes(body.clone())?;
                let text = std::str::from_utf8(&text).unwrap_or("");
                let hex = text
                    .strip_prefix("0x")
                    .ok_or_else(|| self.err(&body, "expected hex data \"0x...\""))?;
                let bytes = tqopt_ir::hex::decode(hex)
                    .ok_or_else(|| self.err(&body, "malformed hex data"))?;
                let bytes = if ty.elem == ElementType::I1 {
                    unpack_bits(&bytes, count, &body, self)?
                } else {
                    bytes
                };
                let values = if bytes.len() == width * count {
                    DenseValues::Full(Blob::from_vec(bytes))
                } else if bytes.len() == width {
                    DenseValues::Splat(Blob::from_vec(bytes))
                } else {
                    return Err(self.err(
                        &body,
                        format!(
                            "elements hex data size is invalid for provided type: '{}'",
                            Type::Tensor(ty.clone())
                        ),
                    ));
                };
                Ok(Attribute::Dense(DenseElements { ty, values }))
            }
            Rule::dense_scalar => {
                let v = self.dense_scalar(body, &ty.elem)?;
                Ok(Attribute::Dense(DenseElements {
                    ty,
                    values: DenseValues::Splat(Blob::from_vec(v)),
                }))
            }
            _ => {
                let mut shape = Vec::new();
                let mut data = Vec::with_capacity(count * width);
                self.dense_list(body.clone(), &ty.elem, 0, &mut shape, &mut data)?;
                if shape.iter().map(|&d| d as i64).ne(ty.shape.iter().copied()) {
                    return Err(self.err(
                        &body,
                        format!(
                            "inferred shape of elements literal ([{}]) does not match type ([{}])",
                            shape
                                .iter()
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                            ty.shape
                                .iter()
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                Ok(Attribute::Dense(DenseElements {
                    ty,
                    values: DenseValues::Full(Blob::from_vec(data)),
                }))
            }
        }
    }

    /// Reads a nested list, recording each level's length in `shape` and checking the levels
    /// are rectangular.
    fn dense_list(
        &self,
        pair: Pair<'_, Rule>,
        elem: &ElementType,
        depth: usize,
        shape: &mut Vec<usize>,
        out: &mut Vec<u8>,
    ) -> PResult<()> {
        let items: Vec<Pair<'_, Rule>> = inner(pair.clone()).collect();
        if shape.len() == depth {
            shape.push(items.len());
        } else if shape[depth] != items.len() {
            return Err(self.err(
                &pair,
                "tensor literal is not rectangular: lists at one level differ in length",
            ));
        }
        for item in items {
            match item.as_rule() {
                Rule::dense_list => self.dense_list(item, elem, depth + 1, shape, out)?,
                _ => {
                    if shape.len() != depth + 1 {
                        return Err(
                            self.err(&item, "tensor literal mixes lists and scalars at one level")
                        );
                    }
                    out.extend(self.dense_scalar(item, elem)?);
                }
            }
        }
        Ok(())
    }

    fn dense_scalar(&self, pair: Pair<'_, Rule>, elem: &ElementType) -> PResult<Vec<u8>> {
        let v = inner(pair.clone())
            .next()
            .ok_or_else(|| self.err(&pair, "expected a value"))?;
        let scalar = match (v.as_rule(), elem) {
            (Rule::bool_lit, ElementType::Int(t)) if t.width == 1 => {
                Scalar::Int((v.as_str() == "true") as i64)
            }
            (Rule::bool_lit, _) => {
                return Err(self.err(&v, format!("'{}' is not a valid {elem} value", v.as_str())))
            }
            (Rule::number, ElementType::Float(kind)) => {
                Scalar::Float(self.number_value(&v, *kind)?)
            }
            (Rule::number, ElementType::Int(t)) => {
                if inner(v.clone())
                    .next()
                    .is_some_and(|p| p.as_rule() == Rule::float_lit)
                {
                    return Err(self.err(&v, format!("expected an integer for {t}, found a float")));
                }
                let value = self.int_value(&v)?;
                if !int_fits(value, *t) {
                    return Err(self.err(&v, format!("integer {value} does not fit in {t}")));
                }
                Scalar::Int(value)
            }
            (Rule::number, ElementType::Index) => Scalar::Int(self.int_value(&v)?),
            (Rule::dense_complex, ElementType::Complex(kind)) => {
                let mut it = inner(v.clone());
                let re = self.number_value(
                    &it.next().ok_or_else(|| self.err(&v, "bad complex"))?,
                    *kind,
                )?;
                let im = self.number_value(
                    &it.next().ok_or_else(|| self.err(&v, "bad complex"))?,
                    *kind,
                )?;
                let mut bytes = encode_scalar(&ElementType::Float(*kind), Scalar::Float(re))
                    .unwrap_or_default();
                bytes.extend(
                    encode_scalar(&ElementType::Float(*kind), Scalar::Float(im))
                        .unwrap_or_default(),
                );
                return Ok(bytes);
            }
            _ => return Err(self.err(&v, format!("'{}' is not a valid {elem} value", v.as_str()))),
        };
        let bytes =
            encode_scalar(elem, scalar).ok_or_else(|| self.err(&v, "unsupported element type"))?;
        debug_assert!(decode_scalar(elem, &bytes).is_some());
        Ok(bytes)
    }

    fn dense_strings(&self, body: Pair<'_, Rule>, ty: TensorType) -> PResult<Attribute> {
        let mut strings = Vec::new();
        fn collect<'a>(b: &Builder<'_>, p: Pair<'a, Rule>, out: &mut Vec<Vec<u8>>) -> PResult<()> {
            match p.as_rule() {
                Rule::string => out.push(b.string_bytes(p)?),
                Rule::dense_list | Rule::dense_scalar => {
                    for q in inner(p) {
                        collect(b, q, out)?;
                    }
                }
                _ => return Err(b.err(&p, "expected a string element")),
            }
            Ok(())
        }
        collect(self, body.clone(), &mut strings)?;
        let count = ty.num_elements().unwrap_or(0) as usize;
        if strings.len() != count && strings.len() != 1 {
            return Err(self.err(
                &body,
                format!("expected {count} string elements, found {}", strings.len()),
            ));
        }
        Ok(Attribute::Dense(DenseElements {
            ty,
            values: DenseValues::Strings(Arc::from(strings)),
        }))
    }

    fn dense_array(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
        let mut it = inner(pair.clone());
        let tp = it
            .next()
            .ok_or_else(|| self.err(&pair, "expected an element type"))?;
        let elem = match tp.as_rule() {
            Rule::int_type => ElementType::Int(self.int_type(&tp)?),
            _ => ElementType::Float(float_kind(tp.as_str())),
        };
        let values = match &elem {
            ElementType::Float(kind) => DenseArrayValues::Float(
                it.map(|n| self.number_value(&n, *kind))
                    .collect::<PResult<_>>()?,
            ),
            _ => DenseArrayValues::Int(it.map(|n| self.int_value(&n)).collect::<PResult<_>>()?),
        };
        Ok(Attribute::DenseArray { elem, values })
    }

    /// The bytes of a string literal, escapes decoded.
    fn string_bytes(&self, pair: Pair<'_, Rule>) -> PResult<Vec<u8>> {
        let at = pair.as_span().start();
        let raw = inner(pair).next().map(|p| p.as_str()).unwrap_or("");
        unescape(raw)
            .map_err(|offset| self.err_at(at + 1 + offset, "invalid escape sequence in string"))
    }
}

fn is_module_op(op: &Pair<'_, Rule>) -> bool {
    op.clone()
        .into_inner()
        .any(|p| p.as_rule() == Rule::module_op)
}

fn float_kind(text: &str) -> FloatKind {
    match text {
        "f16" => FloatKind::F16,
        "bf16" => FloatKind::BF16,
        "f64" => FloatKind::F64,
        _ => FloatKind::F32,
    }
}

fn int_fits(value: i64, t: IntType) -> bool {
    if t.width >= 64 {
        return true;
    }
    let w = t.width;
    match t.signedness {
        // Signless integers accept both the signed and the unsigned reading, as MLIR does.
        Signedness::Signless => value >= -(1i64 << (w - 1)) && value < (1i64 << w),
        Signedness::Signed => value >= -(1i64 << (w - 1)) && value < (1i64 << (w - 1)),
        Signedness::Unsigned => value >= 0 && value < (1i64 << w),
    }
}

/// Position of the top-level `->` in a function type's text.
fn find_top_level_arrow(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_string = false;
            }
        } else {
            match c {
                b'"' => in_string = true,
                b'(' | b'<' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b'>' if i > 0 && bytes[i - 1] == b'-' && depth == 0 => return i - 1,
                b'>' if i > 0 && bytes[i - 1] == b'-' => {}
                b'>' => depth -= 1,
                _ => {}
            }
        }
        i += 1;
    }
    text.len()
}

/// i1 hex data packs eight elements per byte, low bit first.
fn unpack_bits(
    bytes: &[u8],
    count: usize,
    at: &Pair<'_, Rule>,
    b: &Builder<'_>,
) -> PResult<Vec<u8>> {
    if bytes.len() == 1 && count != 1 && (bytes[0] == 0 || bytes[0] == 0xFF || bytes[0] == 1) {
        // A splat: MLIR writes 0x00 or 0xFF (older 0x01) for all-false / all-true.
        return Ok(vec![(bytes[0] != 0) as u8]);
    }
    if bytes.len() != count.div_ceil(8) {
        return Err(b.err(
            at,
            format!("elements hex data size is invalid for {count} i1 elements"),
        ));
    }
    Ok((0..count).map(|i| (bytes[i / 8] >> (i % 8)) & 1).collect())
}

/// Decodes MLIR string escapes: `\\`, `\"`, `\n`, `\t` and `\XX` hex. On error, the byte offset.
pub fn unescape(raw: &str) -> Result<Vec<u8>, usize> {
    let bytes = raw.as_bytes();
    if !bytes.contains(&b'\\') {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let next = *bytes.get(i + 1).ok_or(i)?;
        match next {
            b'\\' | b'"' => {
                out.push(next);
                i += 2;
            }
            b'n' => {
                out.push(b'\n');
                i += 2;
            }
            b't' => {
                out.push(b'\t');
                i += 2;
            }
            _ => {
                let hex = raw.get(i + 1..i + 3).ok_or(i)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| i)?);
                i += 3;
            }
        }
    }
    Ok(out)
}
