//! Operations in their five syntaxes: the generic form (quoted or bare name), TensorFlow's
//! same-type form, and MLIR's custom forms of `module`, `func.func`, `return` and `func.call`;
//! result binding and operand lists.

use pest::iterators::Pair;
use smallvec::SmallVec;

use tqopt_ir::dialect::{self, CustomSyntax};
use tqopt_ir::{
    AttrDict, Attribute, BlockId, Diagnostic, FunctionType, Location, OpId, OpName, OpSpec,
    RegionId, Type, ValueId,
};

use super::{inner, Builder, PResult};
use crate::grammar::Rule;

/// What a generic op is made of, as read from either syntax tree or text.
pub(super) struct GenericParts<'u> {
    pub name: OpName,
    /// Offset of the op name (the op's position).
    pub name_at: usize,
    /// Operands: name without `%`, result index, offset.
    pub uses: &'u [(&'u str, usize, usize)],
    pub props: AttrDict,
    pub attrs: AttrDict,
    pub ft: FunctionType,
    /// Offset of the function type (where an operand count mismatch is reported).
    pub ft_at: usize,
    pub num_regions: usize,
}

impl<'s> Builder<'s> {
    pub(super) fn operation_into_root(&mut self, pair: Pair<'_, Rule>, root: OpId) -> PResult<()> {
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

    pub(super) fn module_body(
        &mut self,
        pair: Pair<'_, Rule>,
        op: OpId,
        block: BlockId,
    ) -> PResult<()> {
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

    pub(super) fn operation(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let mut results: Vec<(&str, usize, usize)> = Vec::new(); // name, count, offset
        let mut body = None;
        let mut loc = Location::Unknown;
        for p in inner(pair) {
            match p.as_rule() {
                Rule::result_list => {
                    for g in inner(p) {
                        let at = g.as_span().start();
                        let mut it = inner(g);
                        let name = it.next().map(|n| &n.as_str()[1..]).unwrap_or_default();
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
        self.bind_results(op, loc, &results)?;
        Ok(op)
    }

    /// Sets a new op's location and binds its result groups (name without `%`, count, offset)
    /// to their names.
    pub(super) fn bind_results(
        &mut self,
        op: OpId,
        loc: Location,
        results: &[(&str, usize, usize)],
    ) -> PResult<()> {
        self.module.op_mut(op).loc = loc;
        let op_results: SmallVec<[ValueId; 2]> = SmallVec::from_slice(self.module.results(op));
        // Counts are written in the text: a sum past usize is a mismatch, not an overflow.
        let wanted = results
            .iter()
            .try_fold(0usize, |sum, r| sum.checked_add(r.1))
            .unwrap_or(usize::MAX);
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
        for &(name, count, at) in results {
            let group: SmallVec<[ValueId; 1]> =
                SmallVec::from_slice(&op_results[next..next + count]);
            next += count;
            self.define(name, group, at)?;
        }
        Ok(())
    }

    pub(super) fn op_name_of(&self, pair: &Pair<'_, Rule>, name: &str) -> PResult<OpName> {
        self.op_name_at(pair.as_span().start(), name)
    }

    /// Looks an op name up; a name in a closed dialect that has no such op is an error at `at`.
    pub(super) fn op_name_at(&self, at: usize, name: &str) -> PResult<OpName> {
        let op_name = OpName::new(name);
        if op_name.def().is_none() && dialect::CLOSED_DIALECTS.contains(&op_name.dialect()) {
            return Err(self.err_at(
                at,
                format!(
                    "unknown operation '{name}': the '{}' dialect has no op of that name",
                    op_name.dialect()
                ),
            ));
        }
        Ok(op_name)
    }

    /// Splits `{...}` entries of a registered op: declared names become properties.
    pub(super) fn place_attributes(
        &self,
        name: &OpName,
        props: &mut AttrDict,
        attrs: AttrDict,
    ) -> AttrDict {
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
    pub(super) fn generic_op(
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
        let ft_at = ft_pair.as_span().start();
        let op = self.create_generic(
            GenericParts {
                name,
                name_at,
                uses: &uses,
                props,
                attrs,
                ft,
                ft_at,
                num_regions: regions.len(),
            },
            block,
        )?;
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

    /// Creates a generic op from its parts (without its regions' contents) and appends it to
    /// `block`.
    pub(super) fn create_generic(
        &mut self,
        parts: GenericParts<'_>,
        block: BlockId,
    ) -> PResult<OpId> {
        let GenericParts {
            name,
            name_at,
            uses,
            mut props,
            attrs,
            ft,
            ft_at,
            num_regions,
        } = parts;
        if ft.inputs.len() != uses.len() {
            return Err(self.err_at(
                ft_at,
                format!(
                    "expected {} operand types but had {}",
                    uses.len(),
                    ft.inputs.len()
                ),
            ));
        }
        let mut operands = SmallVec::<[ValueId; 4]>::new();
        for (&(use_name, index, at), ty) in uses.iter().zip(&ft.inputs) {
            operands.push(self.use_value(use_name, index, ty, at)?);
        }
        let attributes = self.place_attributes(&name, &mut props, attrs);
        let spec = OpSpec {
            name,
            operands,
            result_types: ft.results.into_iter().collect(),
            properties: props,
            attributes,
            num_regions,
            loc: Location::Unknown,
            pos: Some(self.src.pos_of(name_at)),
        };
        let op = self.module.create_op(spec);
        self.append(block, op)?;
        Ok(op)
    }

    /// `tfl.add %a, %b {attrs} : T`.
    pub(super) fn same_type_op(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let name_at = pair.as_span().start();
        let mut it = inner(pair);
        let name_pair = it
            .next()
            .ok_or_else(|| self.err_at(name_at, "expected an op name"))?;
        let name = self.op_name_of(&name_pair, name_pair.as_str())?;
        self.check_same_type_form(&name, name_pair.as_span().start())?;
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
        self.create_same_type(name, name_at, &uses, attrs, ty, block)
    }

    /// Only ops whose operands and result share one type have the `tfl.add %a, %b : T` form.
    pub(super) fn check_same_type_form(&self, name: &OpName, at: usize) -> PResult<()> {
        let has_form = name
            .def()
            .is_some_and(|d| d.custom_syntax == CustomSyntax::SameOperandsAndResultType);
        if !has_form {
            return Err(self.err_at(
                at,
                format!(
                    "'{}' has no custom assembly form here; write it in the generic form \"{}\"(...) : (...) -> ...",
                    name.as_str(),
                    name.as_str()
                ),
            ));
        }
        Ok(())
    }

    /// Creates an op of the same-type form (operands and one result of type `ty`) and appends
    /// it to `block`.
    pub(super) fn create_same_type(
        &mut self,
        name: OpName,
        name_at: usize,
        uses: &[(&str, usize, usize)],
        attrs: AttrDict,
        ty: Type,
        block: BlockId,
    ) -> PResult<OpId> {
        let mut operands = SmallVec::<[ValueId; 4]>::new();
        for &(use_name, index, at) in uses {
            operands.push(self.use_value(use_name, index, &ty, at)?);
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

    pub(super) fn append(&mut self, block: BlockId, op: OpId) -> PResult<()> {
        self.module
            .append_op(block, op)
            .map_err(|e| Diagnostic::error(e.to_string()))
    }

    pub(super) fn nested_module(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
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
    pub(super) fn func_op(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
        let at = pair.as_span().start();
        let op = self
            .module
            .create_op(OpSpec::of(&dialect::func::FUNC).regions(1));
        self.module.op_mut(op).pos = Some(self.src.pos_of(at));
        self.append(block, op)?;
        let mut inputs = Vec::new();
        let mut results = Vec::new();
        let mut arg_attrs = Vec::new();
        let mut res_attrs = Vec::new();
        let mut named_args: Vec<(&str, Type, Location, usize)> = Vec::new();
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
                                Rule::value_name => name = Some(&q.as_str()[1..]),
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
        self.set_function_type(op, inputs, results, arg_attrs, res_attrs);
        if let Some(body) = body {
            let entry = self.enter_function(op, named_args)?;
            self.region_into(body, entry, true)?;
            self.close_scope()?;
        }
        Ok(op)
    }

    /// Sets a `func.func`'s `function_type` and, when any is not empty, its argument and
    /// result attribute dictionaries.
    pub(super) fn set_function_type(
        &mut self,
        op: OpId,
        inputs: Vec<Type>,
        results: Vec<Type>,
        arg_attrs: Vec<AttrDict>,
        res_attrs: Vec<AttrDict>,
    ) {
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
    }

    /// Creates a function body's entry block with the named arguments (name without `%`,
    /// type, location, offset) and opens its scope; the caller reads the body into the
    /// returned block and closes the scope.
    pub(super) fn enter_function(
        &mut self,
        op: OpId,
        named_args: Vec<(&str, Type, Location, usize)>,
    ) -> PResult<BlockId> {
        let region = self.module.op(op).regions()[0];
        let entry = self.module.create_block(region);
        self.open_scope(true);
        for (name, ty, loc, arg_at) in named_args {
            let v = self.module.add_block_arg(entry, ty, loc);
            self.module.set_value_pos(v, Some(self.src.pos_of(arg_at)));
            self.define(name, SmallVec::from_elem(v, 1), arg_at)?;
        }
        Ok(entry)
    }

    pub(super) fn return_op(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
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
        self.create_return(at, &uses, &types, block)
    }

    /// Creates `return` with operands `uses` of types `types` and appends it to `block`.
    pub(super) fn create_return(
        &mut self,
        at: usize,
        uses: &[(&str, usize, usize)],
        types: &[Type],
        block: BlockId,
    ) -> PResult<OpId> {
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
        for (&(n, i, u_at), ty) in uses.iter().zip(types) {
            operands.push(self.use_value(n, i, ty, u_at)?);
        }
        let mut spec = OpSpec::of(&dialect::func::RETURN);
        spec.operands = operands;
        spec.pos = Some(self.src.pos_of(at));
        let op = self.module.create_op(spec);
        self.append(block, op)?;
        Ok(op)
    }

    pub(super) fn call_op(&mut self, pair: Pair<'_, Rule>, block: BlockId) -> PResult<OpId> {
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
        for (&(n, i, u_at), ty) in uses.iter().zip(&ft.inputs) {
            operands.push(self.use_value(n, i, ty, u_at)?);
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

    /// Operand uses: name without `%`, result index, offset.
    pub(super) fn value_use_list<'i>(
        &self,
        pair: Pair<'i, Rule>,
    ) -> PResult<Vec<(&'i str, usize, usize)>> {
        let mut out = Vec::new();
        for u in inner(pair) {
            let at = u.as_span().start();
            let mut it = inner(u);
            let name = it.next().map(|n| &n.as_str()[1..]).unwrap_or_default();
            let index = match it.next() {
                Some(i) => self.parse_usize(&i)?,
                None => 0,
            };
            out.push((name, index, at));
        }
        Ok(out)
    }

    pub(super) fn parse_usize(&self, pair: &Pair<'_, Rule>) -> PResult<usize> {
        pair.as_str()
            .parse::<usize>()
            .map_err(|_| self.err(pair, "number out of range"))
    }
}
