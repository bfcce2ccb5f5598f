//! The printer: a [`Module`] to MLIR text that upstream `mlir-opt` accepts.
//!
//! `module`, `func.func`, `return` and `func.call` use MLIR's custom forms (unless
//! [`PrintOptions::generic`]); every other op uses the generic form
//! `%0 = "tfl.add"(%a, %b) <{...}> : (...) -> ... loc("name")`. Values are numbered in order
//! within each function (`%0`, `%1`, block arguments `%arg0`), so the same IR always prints the
//! same bytes. Floats print so that they parse back to the same bits; element data with more
//! than [`PrintOptions::hex_threshold`] elements prints as hex, as MLIR does.

use std::fmt::Write;

use tqopt_ir::attributes::{decode_scalar, DenseArrayValues};
use tqopt_ir::dialect::{builtin, func};
use tqopt_ir::float_format::format_float;
use tqopt_ir::location::write_escaped_string;
use tqopt_ir::{
    AttrDict, Attribute, BlockId, DenseElements, DenseValues, ElementType, EntityRef, Location,
    Module, OpId, RegionId, Scalar, Type, ValueId,
};

/// How to print.
#[derive(Clone, Debug)]
pub struct PrintOptions {
    /// Print every op in the generic form, as `--mlir-print-op-generic` does.
    pub generic: bool,
    /// Print elements attributes with more elements than this as `dense_resource<__elided__>`.
    pub elide_elements_larger_than: Option<usize>,
    /// Non-splat elements attributes with more elements than this print as hex.
    pub hex_threshold: usize,
    /// Print op and argument locations (`loc("tensor_name")`) where they are known.
    pub locations: bool,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            generic: false,
            elide_elements_larger_than: None,
            hex_threshold: 100,
            locations: true,
        }
    }
}

/// Prints the whole module, with its resource section.
pub fn print_module(module: &Module, options: &PrintOptions) -> String {
    let mut p = Printer::new(module, options, None);
    p.number_all(module.op);
    p.op(module.op, 0);
    p.out.push('\n');
    p.resources();
    p.out
}

/// Prints the whole module to `sink`, in chunks, without building the text in memory.
pub fn print_module_to(
    module: &Module,
    options: &PrintOptions,
    sink: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut p = Printer::new(module, options, Some(sink));
    p.number_all(module.op);
    p.op(module.op, 0);
    p.out.push('\n');
    p.resources();
    p.flush(0);
    match p.io_error.take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Prints one attribute on its own (for diagnostics and tests).
pub fn print_attribute(module: &Module, attr: &Attribute) -> String {
    let options = PrintOptions::default();
    let mut p = Printer::new(module, &options, None);
    p.attribute(attr);
    p.out
}

/// The printed name of a value.
#[derive(Copy, Clone, Default)]
enum Name {
    #[default]
    Unnamed,
    /// `%N`, or `%N#index` for a multi-result op of `size` results.
    Numbered { id: u32, index: u32, size: u32 },
    /// `%argN`
    Arg(u32),
}

struct Printer<'m> {
    m: &'m Module,
    o: &'m PrintOptions,
    out: String,
    /// Where full chunks of `out` go, when printing to a stream.
    sink: Option<&'m mut dyn std::io::Write>,
    io_error: Option<std::io::Error>,
    names: Vec<Name>,
    block_names: std::collections::HashMap<BlockId, u32>,
    next_value: u32,
    next_arg: u32,
}

impl<'m> Printer<'m> {
    fn new(
        m: &'m Module,
        o: &'m PrintOptions,
        sink: Option<&'m mut dyn std::io::Write>,
    ) -> Printer<'m> {
        Printer {
            m,
            o,
            out: String::with_capacity(1 << 17),
            sink,
            io_error: None,
            names: vec![Name::Unnamed; m.num_value_slots()],
            block_names: Default::default(),
            next_value: 0,
            next_arg: 0,
        }
    }

    /// Hands the text so far to the sink once it holds more than `threshold` bytes.
    fn flush(&mut self, threshold: usize) {
        if self.out.len() <= threshold {
            return;
        }
        if let Some(sink) = self.sink.as_mut() {
            if self.io_error.is_none() {
                if let Err(e) = sink.write_all(self.out.as_bytes()) {
                    self.io_error = Some(e);
                }
            }
            self.out.clear();
        }
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    // ---- naming ----

    /// Names every value and block under `root` the way MLIR's printer does: each region is
    /// numbered completely (block arguments, then each op's results), and every region nested
    /// in it continues from the counters where that left off; sibling regions start from the
    /// same counters. Entry-block arguments are `%argN`, other values `%N`, block labels count
    /// from `^bb0` in each region.
    fn number_all(&mut self, root: OpId) {
        let mut pending: Vec<(RegionId, u32, u32)> = self
            .m
            .op(root)
            .regions()
            .iter()
            .rev()
            .map(|&r| (r, 0, 0))
            .collect();
        while let Some((r, next_value, next_arg)) = pending.pop() {
            self.next_value = next_value;
            self.next_arg = next_arg;
            self.number_region(r);
            let mut nested = Vec::new();
            for &b in self.m.region(r).blocks() {
                for op in self.m.block_ops(b) {
                    nested.extend(self.m.op(op).regions().iter().copied());
                }
            }
            pending.extend(
                nested
                    .into_iter()
                    .rev()
                    .map(|n| (n, self.next_value, self.next_arg)),
            );
        }
    }

    /// Numbers the block arguments and op results of one region (not of regions inside it).
    fn number_region(&mut self, r: RegionId) {
        for (i, &b) in self.m.region(r).blocks().iter().enumerate() {
            let args = self.m.block(b).args();
            if i == 0 {
                for &a in args {
                    self.names[a.index()] = Name::Arg(self.next_arg);
                    self.next_arg += 1;
                }
            } else {
                for &a in args {
                    self.names[a.index()] = Name::Numbered {
                        id: self.next_value,
                        index: 0,
                        size: 1,
                    };
                    self.next_value += 1;
                }
            }
            self.block_names.insert(b, i as u32);
            for op in self.m.block_ops(b) {
                let results = self.m.results(op);
                if !results.is_empty() {
                    let size = results.len() as u32;
                    for (k, &v) in results.iter().enumerate() {
                        self.names[v.index()] = Name::Numbered {
                            id: self.next_value,
                            index: k as u32,
                            size,
                        };
                    }
                    self.next_value += 1;
                }
            }
        }
    }

    fn value(&mut self, v: ValueId) {
        match self.names.get(v.index()).copied().unwrap_or_default() {
            Name::Numbered { id, index, size } if size > 1 => {
                let _ = write!(self.out, "%{id}#{index}");
            }
            Name::Numbered { id, .. } => {
                let _ = write!(self.out, "%{id}");
            }
            Name::Arg(n) => {
                let _ = write!(self.out, "%arg{n}");
            }
            Name::Unnamed => {
                // A value the numbering did not reach (e.g. defined outside an isolated region
                // in invalid IR): print a name that cannot clash.
                let _ = write!(self.out, "%<<UNKNOWN SSA VALUE v{}>>", v.index());
            }
        }
    }

    fn value_list(&mut self, values: &[ValueId]) {
        for (i, &v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.value(v);
        }
    }

    fn ty(&mut self, t: &Type) {
        let _ = write!(self.out, "{t}");
    }

    fn type_list(&mut self, values: &[ValueId]) {
        for (i, &v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            let t = self.m.value_type(v);
            let _ = write!(self.out, "{t}");
        }
    }

    fn loc(&mut self, loc: &Location) {
        if self.o.locations && !loc.is_unknown() {
            let _ = write!(self.out, " loc({loc})");
        }
    }

    // ---- ops ----

    fn op(&mut self, op: OpId, depth: usize) {
        let data = self.m.op(op);
        if !self.o.generic {
            if data.is(&builtin::MODULE) {
                return self.module_op(op, depth);
            }
            if data.is(&func::FUNC) {
                return self.func_op(op, depth);
            }
            if data.is(&func::RETURN) {
                return self.return_op(op);
            }
            if data.is(&func::CALL) && self.call_op(op) {
                return;
            }
        }
        self.generic_op(op, depth);
    }

    fn results_prefix(&mut self, op: OpId) {
        let results = self.m.results(op);
        if let Some(&first) = results.first() {
            self.value_def(first, results.len());
            self.out.push_str(" = ");
        }
    }

    fn value_def(&mut self, v: ValueId, count: usize) {
        match self.names[v.index()] {
            Name::Numbered { id, .. } if count > 1 => {
                let _ = write!(self.out, "%{id}:{count}");
            }
            _ => self.value(v),
        }
    }

    fn generic_op(&mut self, op: OpId, depth: usize) {
        self.results_prefix(op);
        let data = self.m.op(op);
        // Escaped as MLIR escapes it: an op name is a string literal and may hold quotes or
        // backslashes (the fuzzer found a name with a backslash that printed unparsable).
        let _ = write_escaped_string(&mut self.out, data.name.as_str().as_bytes());
        self.out.push('(');
        self.value_list(data.operands());
        self.out.push(')');
        if !data.properties.is_empty() {
            self.out.push_str(" <");
            self.dict(&data.properties);
            self.out.push('>');
        }
        if !data.regions().is_empty() {
            self.out.push_str(" (");
            for (i, &r) in data.regions().iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.region(r, depth, true);
            }
            self.out.push(')');
        }
        self.attributes_and_signature(op);
    }

    /// ` {attrs} : (operand types) -> result types loc(...)`, the tail of generic and call forms.
    fn attributes_and_signature(&mut self, op: OpId) {
        let data = self.m.op(op);
        if !data.attributes.is_empty() {
            self.out.push(' ');
            self.dict(&data.attributes);
        }
        self.out.push_str(" : (");
        self.type_list(data.operands());
        self.out.push_str(") -> ");
        let results = data.results();
        if results.len() == 1 && !matches!(self.m.value_type(results[0]), Type::Function(_)) {
            self.type_list(results);
        } else {
            self.out.push('(');
            self.type_list(results);
            self.out.push(')');
        }
        self.loc(&data.loc);
    }

    /// `{` blocks `}`; the entry label is printed when the entry block has arguments.
    fn region(&mut self, r: RegionId, depth: usize, print_entry_label: bool) {
        self.out.push_str("{\n");
        for (i, &b) in self.m.region(r).blocks().iter().enumerate() {
            let args = self.m.block(b).args();
            if i > 0 || (print_entry_label && !args.is_empty()) {
                self.block_label(b, depth);
            }
            self.block_body(b, depth + 1);
        }
        self.indent(depth);
        self.out.push('}');
    }

    fn block_label(&mut self, b: BlockId, depth: usize) {
        self.indent(depth);
        let n = self.block_names.get(&b).copied().unwrap_or(0);
        let _ = write!(self.out, "^bb{n}");
        let args: Vec<ValueId> = self.m.block(b).args().to_vec();
        if !args.is_empty() {
            self.out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.value(*a);
                self.out.push_str(": ");
                let t = self.m.value_type(*a).clone();
                self.ty(&t);
                let loc = self.m.value(*a).loc.clone();
                self.loc(&loc);
            }
            self.out.push(')');
        }
        self.out.push_str(":\n");
    }

    fn block_body(&mut self, b: BlockId, depth: usize) {
        for op in self.m.block_ops(b) {
            self.indent(depth);
            self.op(op, depth);
            self.out.push('\n');
            self.flush(1 << 16);
        }
    }

    fn module_op(&mut self, op: OpId, depth: usize) {
        let data = self.m.op(op);
        self.out.push_str("module");
        if let Some(name) = data.properties.get("sym_name").and_then(Attribute::as_str) {
            self.out.push(' ');
            self.symbol(name);
        }
        let mut extra = data.attributes.clone();
        for (k, v) in data.properties.iter() {
            if k != "sym_name" {
                extra.set(k, v.clone());
            }
        }
        if !extra.is_empty() {
            self.out.push_str(" attributes ");
            self.dict(&extra);
        }
        self.out.push(' ');
        let region = data.regions()[0];
        self.out.push_str("{\n");
        for &b in self.m.region(region).blocks() {
            for child in self.m.block_ops(b) {
                self.indent(depth + 1);
                self.op(child, depth + 1);
                self.out.push('\n');
            }
        }
        self.indent(depth);
        self.out.push('}');
        let loc = data.loc.clone();
        self.loc(&loc);
    }

    fn func_op(&mut self, op: OpId, depth: usize) {
        let data = self.m.op(op);
        let Some(ft) = func::function_type(self.m, op).cloned() else {
            return self.generic_op(op, depth);
        };
        self.out.push_str("func.func ");
        if let Some(vis) = data
            .properties
            .get("sym_visibility")
            .and_then(Attribute::as_str)
        {
            self.out.push_str(vis);
            self.out.push(' ');
        }
        self.symbol(func::name(self.m, op).unwrap_or(""));
        let arg_attrs = dict_list(data.properties.get("arg_attrs"));
        let res_attrs = dict_list(data.properties.get("res_attrs"));
        let entry = func::entry_block(self.m, op);
        self.out.push('(');
        for (i, t) in ft.inputs.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            let arg = entry.and_then(|b| self.m.block(b).args().get(i).copied());
            if let Some(a) = arg {
                self.value(a);
                self.out.push_str(": ");
            }
            self.ty(t);
            if let Some(d) = arg_attrs.get(i).filter(|d| !d.is_empty()) {
                self.out.push(' ');
                self.dict(d);
            }
            if let Some(a) = arg {
                let loc = self.m.value(a).loc.clone();
                self.loc(&loc);
            }
        }
        self.out.push(')');
        let any_res_attrs = res_attrs.iter().any(|d| !d.is_empty());
        match ft.results.as_slice() {
            [] => {}
            [single] if !any_res_attrs && !matches!(single, Type::Function(_)) => {
                self.out.push_str(" -> ");
                self.ty(single);
            }
            results => {
                self.out.push_str(" -> (");
                for (i, t) in results.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.ty(t);
                    if let Some(d) = res_attrs.get(i).filter(|d| !d.is_empty()) {
                        self.out.push(' ');
                        self.dict(d);
                    }
                }
                self.out.push(')');
            }
        }
        let mut extra = data.attributes.clone();
        for (k, v) in data.properties.iter() {
            if !matches!(
                k,
                "sym_name" | "function_type" | "sym_visibility" | "arg_attrs" | "res_attrs"
            ) {
                extra.set(k, v.clone());
            }
        }
        if !extra.is_empty() {
            self.out.push_str(" attributes ");
            self.dict(&extra);
        }
        if let Some(&region) = data.regions().first() {
            if !self.m.region(region).blocks().is_empty() {
                self.out.push(' ');
                self.region(region, depth, false);
            }
        }
        let loc = data.loc.clone();
        self.loc(&loc);
    }

    fn return_op(&mut self, op: OpId) {
        let data = self.m.op(op);
        self.out.push_str("return");
        if !data.operands().is_empty() {
            self.out.push(' ');
            self.value_list(data.operands());
            self.out.push_str(" : ");
            self.type_list(data.operands());
        }
        let loc = data.loc.clone();
        self.loc(&loc);
    }

    /// `call @f(%a) : (T) -> R`; false (print generic) when the op has extra properties.
    fn call_op(&mut self, op: OpId) -> bool {
        let data = self.m.op(op);
        let Some(Attribute::SymbolRef(path)) = data.properties.get("callee") else {
            return false;
        };
        if data.properties.len() != 1 {
            return false;
        }
        self.results_prefix(op);
        self.out.push_str("call ");
        self.symbol_path(path);
        self.out.push('(');
        self.value_list(data.operands());
        self.out.push(')');
        self.attributes_and_signature(op);
        true
    }

    // ---- attributes ----

    fn dict(&mut self, d: &AttrDict) {
        self.out.push('{');
        for (i, (k, v)) in d.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.attr_name(k);
            if !matches!(v, Attribute::Unit) {
                self.out.push_str(" = ");
                self.attribute(v);
            }
        }
        self.out.push('}');
    }

    fn attr_name(&mut self, name: &str) {
        if is_bare_id(name) {
            self.out.push_str(name);
        } else {
            let _ = write_escaped_string(&mut self.out, name.as_bytes());
        }
    }

    fn symbol(&mut self, name: &str) {
        self.out.push('@');
        if is_bare_id(name) {
            self.out.push_str(name);
        } else {
            let _ = write_escaped_string(&mut self.out, name.as_bytes());
        }
    }

    fn symbol_path(&mut self, path: &[std::sync::Arc<str>]) {
        for (i, s) in path.iter().enumerate() {
            if i > 0 {
                self.out.push_str("::");
            }
            self.symbol(s);
        }
    }

    fn attribute(&mut self, a: &Attribute) {
        match a {
            Attribute::Unit => self.out.push_str("unit"),
            Attribute::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Attribute::Int { value, ty } => {
                match ty {
                    ElementType::Int(t) if t.width == 1 => {
                        self.out
                            .push_str(if *value != 0 { "true" } else { "false" });
                        return;
                    }
                    ElementType::Int(t) if t.is_unsigned() && t.width == 64 => {
                        let _ = write!(self.out, "{}", *value as u64);
                    }
                    _ => {
                        let _ = write!(self.out, "{value}");
                    }
                }
                let _ = write!(self.out, " : {ty}");
            }
            Attribute::Float { value, kind } => {
                let text = format_float(*value, *kind);
                let _ = write!(self.out, "{text} : {}", kind.name());
            }
            Attribute::String(s) => {
                let _ = write_escaped_string(&mut self.out, s);
            }
            Attribute::Array(items) => {
                self.out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.attribute(x);
                }
                self.out.push(']');
            }
            Attribute::Dict(d) => self.dict(d),
            Attribute::Type(t) => self.ty(t),
            Attribute::SymbolRef(path) => self.symbol_path(path),
            Attribute::Dense(d) => self.dense(d),
            Attribute::DenseResource { name, ty } => {
                let name: &str = if self.o.elide_elements_larger_than.is_some() {
                    "__elided__"
                } else {
                    name
                };
                let _ = write!(
                    self.out,
                    "dense_resource<{name}> : {}",
                    Type::Tensor(ty.clone())
                );
            }
            Attribute::DenseArray { elem, values } => {
                let _ = write!(self.out, "array<{elem}");
                match values {
                    DenseArrayValues::Int(v) if !v.is_empty() => {
                        self.out.push_str(": ");
                        let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
                        self.out.push_str(&text.join(", "));
                    }
                    DenseArrayValues::Float(v) if !v.is_empty() => {
                        let kind = elem.as_float().unwrap_or(tqopt_ir::FloatKind::F64);
                        self.out.push_str(": ");
                        let text: Vec<String> = v.iter().map(|x| format_float(*x, kind)).collect();
                        self.out.push_str(&text.join(", "));
                    }
                    _ => {}
                }
                self.out.push('>');
            }
            Attribute::Opaque(o) => {
                self.out.push('#');
                self.out.push_str(&o.dialect);
                if let Some(m) = &o.mnemonic {
                    self.out.push('.');
                    self.out.push_str(m);
                }
                if let Some(b) = &o.body {
                    self.out.push('<');
                    self.out.push_str(b);
                    self.out.push('>');
                }
            }
            Attribute::Location(l) => {
                let _ = write!(self.out, "loc({l})");
            }
        }
    }

    fn dense(&mut self, d: &DenseElements) {
        let ty = Type::Tensor(d.ty.clone());
        let count = d.num_elements();
        // MLIR elides only attributes that are not splats.
        let splat_like = match &d.values {
            DenseValues::Strings(strings) => strings.len() == 1,
            _ => {
                let width = d.ty.elem.storage_bytes().unwrap_or(1).max(1);
                matches!(d.values, DenseValues::Splat(_))
                    || count <= 1
                    || all_equal(d.raw_bytes(), width)
            }
        };
        if !splat_like && self.o.elide_elements_larger_than.is_some_and(|n| count > n) {
            let _ = write!(self.out, "dense_resource<__elided__> : {ty}");
            return;
        }
        self.out.push_str("dense<");
        match &d.values {
            DenseValues::Strings(strings) => {
                if strings.len() == 1 || d.ty.shape.is_empty() {
                    let _ = write_escaped_string(&mut self.out, &strings[0]);
                } else {
                    self.nested(&d.ty.shape, &mut strings.iter(), &mut |p, s| {
                        let _ = write_escaped_string(&mut p.out, s);
                    });
                }
            }
            _ => {
                let width = d.ty.elem.storage_bytes().unwrap_or(1).max(1);
                let bytes = d.raw_bytes();
                let splat = matches!(d.values, DenseValues::Splat(_))
                    || count <= 1
                    || all_equal(bytes, width);
                if count == 0 {
                    // `dense<>`
                } else if splat {
                    self.element(&d.ty.elem, &bytes[..width.min(bytes.len())]);
                } else if count > self.o.hex_threshold {
                    self.out.push_str("\"0x");
                    if d.ty.elem == ElementType::I1 {
                        self.out
                            .push_str(&tqopt_ir::hex::encode_upper(&pack_bits(bytes)));
                    } else {
                        self.out.push_str(&tqopt_ir::hex::encode_upper(bytes));
                    }
                    self.out.push('"');
                } else {
                    let elem = d.ty.elem.clone();
                    let mut chunks = bytes.chunks_exact(width);
                    self.nested(&d.ty.shape, &mut chunks, &mut |p, c| p.element(&elem, c));
                }
            }
        }
        let _ = write!(self.out, "> : {ty}");
    }

    /// Prints `items` as nested lists following `shape`.
    fn nested<T, I: Iterator<Item = T>>(
        &mut self,
        shape: &[i64],
        items: &mut I,
        each: &mut impl FnMut(&mut Self, T),
    ) {
        match shape.split_first() {
            None => {
                if let Some(x) = items.next() {
                    each(self, x);
                }
            }
            Some((&n, rest)) => {
                self.out.push('[');
                for i in 0..n.max(0) {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.nested(rest, items, each);
                }
                self.out.push(']');
            }
        }
    }

    fn element(&mut self, elem: &ElementType, bytes: &[u8]) {
        match elem {
            ElementType::Complex(kind) => {
                let half = bytes.len() / 2;
                let f = ElementType::Float(*kind);
                let re = decode_scalar(&f, &bytes[..half])
                    .map(Scalar::as_f64)
                    .unwrap_or(0.0);
                let im = decode_scalar(&f, &bytes[half..])
                    .map(Scalar::as_f64)
                    .unwrap_or(0.0);
                let _ = write!(
                    self.out,
                    "({}, {})",
                    float_text(re, *kind),
                    float_text(im, *kind)
                );
            }
            ElementType::Int(t) if t.width == 1 => {
                self.out
                    .push_str(if bytes.first().copied().unwrap_or(0) & 1 != 0 {
                        "true"
                    } else {
                        "false"
                    });
            }
            _ => match decode_scalar(elem, bytes) {
                Some(Scalar::Float(v)) => {
                    let kind = elem.as_float().unwrap_or(tqopt_ir::FloatKind::F64);
                    let text = float_text(v, kind);
                    self.out.push_str(&text);
                }
                Some(Scalar::Int(v)) => match elem {
                    ElementType::Int(t) if t.is_unsigned() && t.width == 64 => {
                        let _ = write!(self.out, "{}", v as u64);
                    }
                    _ => {
                        let _ = write!(self.out, "{v}");
                    }
                },
                None => self.out.push('0'),
            },
        }
    }

    fn resources(&mut self) {
        if self.m.resources.is_empty() || self.o.elide_elements_larger_than.is_some() {
            return;
        }
        self.out.push_str("\n{-#\n  dialect_resources: {\n");
        let dialects: Vec<_> = self.m.resources.iter().collect();
        for (di, (dialect, blobs)) in dialects.iter().enumerate() {
            let _ = writeln!(self.out, "    {dialect}: {{");
            for (bi, (key, blob)) in blobs.iter().enumerate() {
                self.out.push_str("      ");
                self.attr_name(key);
                self.out.push_str(": \"0x");
                self.out
                    .push_str(&tqopt_ir::hex::encode_upper(&blob.alignment.to_le_bytes()));
                self.out
                    .push_str(&tqopt_ir::hex::encode_upper(blob.data.as_bytes()));
                self.out.push('"');
                if bi + 1 < blobs.len() {
                    self.out.push(',');
                }
                self.out.push('\n');
            }
            self.out.push_str("    }");
            if di + 1 < dialects.len() {
                self.out.push(',');
            }
            self.out.push('\n');
        }
        self.out.push_str("  }\n#-}\n");
    }
}

/// Floats in dense elements: NaN and infinities as hex bit patterns, as MLIR prints them.
fn float_text(v: f64, kind: tqopt_ir::FloatKind) -> String {
    format_float(v, kind)
}

fn dict_list(attr: Option<&Attribute>) -> Vec<AttrDict> {
    attr.and_then(Attribute::as_array)
        .map(|items| {
            items
                .iter()
                .map(|a| a.as_dict().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

fn all_equal(bytes: &[u8], width: usize) -> bool {
    let Some(first) = bytes.get(..width) else {
        return true;
    };
    bytes.chunks_exact(width).all(|c| c == first)
}

/// Eight i1 elements per byte, low bit first (MLIR's hex form of i1 data).
fn pack_bits(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; bytes.len().div_ceil(8)];
    for (i, b) in bytes.iter().enumerate() {
        if b & 1 != 0 {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    out
}

fn is_bare_id(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '-'))
}
