//! The fast reader: MLIR text read op by op by hand, for the forms that tqopt's printer and
//! `mlir-opt` write most (a `module` of `func.func`s holding generic ops and `return`).
//!
//! It builds the IR through the same [`Builder`] methods as the pest reader, and reads the parts
//! it does not know by hand (uncommon attributes, types and locations) with the pest grammar's
//! own rules, started where those parts begin. It never reports an error: on any text it does
//! not read, and on any error, it gives up ([`Bail`]) and the caller parses the whole file with
//! the pest reader, which defines the language and reports every error. So the invariants are:
//! the fast reader accepts no text the grammar refuses (where the grammar's ordered choices
//! would read a construct another way, it gives up), and it builds exactly the IR the pest
//! reader builds (`tests/readers_agree.rs` holds the two readers to it on a corpus).
//!
//! Offsets inside a fragment read by pest are relative to the fragment's start; the `Builder`
//! uses such offsets only in error messages, which the fast reader never shows.

use std::collections::HashMap;
use std::sync::Arc;

use pest::iterators::Pair;
use pest::Parser as _;
use smallvec::SmallVec;

use tqopt_ir::{
    dialect, AttrDict, Attribute, BlockId, Diagnostic, ElementType, FunctionType, Location, OpId,
    OpSpec, SourceFile, Type,
};

use super::attributes::unescape;
use super::dense::DenseBody;
use super::ops::GenericParts;
use super::scope::Scope;
use super::types::float_kind;
use super::{Builder, ParseOptions, Parsed};
use crate::grammar::{MlirGrammar, Rule};

/// The fast reader gave up: the text holds something it does not read, or an error.
#[derive(Debug)]
pub(super) struct Bail;

impl From<Diagnostic> for Bail {
    fn from(_: Diagnostic) -> Bail {
        Bail
    }
}

type FResult<T> = Result<T, Bail>;

/// Operand uses or result groups: name without `%`, index or count, offset.
type Uses<'s> = SmallVec<[(&'s str, usize, usize); 4]>;

/// Reads `source` with the fast reader; `Err(Bail)` when the pest reader must read it.
pub(super) fn parse(source: &SourceFile, options: &ParseOptions) -> FResult<Parsed> {
    let mut reader = Reader {
        b: Builder::new(source, *options),
        text: source.text(),
        pos: 0,
        names: HashMap::new(),
    };
    reader.file()?;
    Ok(Parsed {
        module: reader.b.module,
        external_resources: reader.b.external_resources,
    })
}

/// The grammar's `id_char`.
fn is_id_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b'-')
}

/// A cursor over the text and the builder it feeds.
struct Reader<'s> {
    b: Builder<'s>,
    text: &'s str,
    pos: usize,
    /// Attribute names read so far, shared: each op's dictionary names the same few.
    names: HashMap<&'s str, Arc<str>>,
}

impl<'s> Reader<'s> {
    // ---- lexical ----

    fn peek(&self) -> u8 {
        self.text.as_bytes().get(self.pos).copied().unwrap_or(0)
    }

    fn rest(&self) -> &'s str {
        &self.text[self.pos..]
    }

    /// Skips the grammar's implicit WHITESPACE and COMMENT.
    fn ws(&mut self) {
        let b = self.text.as_bytes();
        loop {
            match b.get(self.pos) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(b'/') if b.get(self.pos + 1) == Some(&b'/') => {
                    while self.pos < b.len() && b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == c;
        self.pos += found as usize;
        found
    }

    fn expect(&mut self, c: u8) -> FResult<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// Consumes `word` when it is not followed by an identifier character.
    fn keyword(&mut self, word: &str) -> bool {
        let r = self.rest().as_bytes();
        let found =
            r.starts_with(word.as_bytes()) && !r.get(word.len()).is_some_and(|&c| is_id_char(c));
        if found {
            self.pos += word.len();
        }
        found
    }

    /// `ASCII_DIGIT+` as a count or index.
    fn dec_usize(&mut self) -> FResult<usize> {
        let start = self.pos;
        let b = self.text.as_bytes();
        while b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(Bail);
        }
        self.text[start..self.pos].parse().map_err(|_| Bail)
    }

    /// `bare_id`.
    fn bare_id(&mut self) -> FResult<&'s str> {
        let start = self.pos;
        let b = self.text.as_bytes();
        match b.get(self.pos) {
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => self.pos += 1,
            _ => return Err(Bail),
        }
        while b.get(self.pos).is_some_and(|&c| is_id_char(c)) {
            self.pos += 1;
        }
        Ok(&self.text[start..self.pos])
    }

    /// `value_name`, without its `%`.
    fn value_name(&mut self) -> FResult<&'s str> {
        self.expect(b'%')?;
        let start = self.pos;
        let b = self.text.as_bytes();
        match b.get(self.pos) {
            Some(c) if c.is_ascii_digit() => {
                while b.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_alphabetic() || matches!(c, b'$' | b'.' | b'_' | b'-') => {
                self.pos += 1;
                while b.get(self.pos).is_some_and(|&c| is_id_char(c)) {
                    self.pos += 1;
                }
            }
            _ => return Err(Bail),
        }
        Ok(&self.text[start..self.pos])
    }

    /// A string literal's raw text between its quotes (escapes not decoded).
    fn string_raw(&mut self) -> FResult<&'s str> {
        self.expect(b'"')?;
        let start = self.pos;
        let b = self.text.as_bytes();
        loop {
            match b.get(self.pos) {
                None => return Err(Bail),
                Some(b'"') => break,
                // An escaped character may be several bytes long; none of them is a quote or a
                // backslash, so the scan goes on byte by byte.
                Some(b'\\') if self.pos + 1 < b.len() => self.pos += 2,
                Some(b'\\') => return Err(Bail),
                Some(_) => self.pos += 1,
            }
        }
        let raw = &self.text[start..self.pos];
        self.pos += 1;
        Ok(raw)
    }

    /// A string literal as text (escapes decoded, invalid UTF-8 replaced), as the pest reader
    /// reads names.
    fn string_text(&mut self) -> FResult<Arc<str>> {
        let raw = self.string_raw()?;
        if !raw.contains('\\') {
            return Ok(Arc::from(raw));
        }
        let bytes = unescape(raw).map_err(|_| Bail)?;
        Ok(String::from_utf8_lossy(&bytes).into())
    }

    /// Reads one `rule` with pest where the cursor is: the pair and the offset after it.
    ///
    /// pest indexes the lines of all the input it is given, so the fragment is first read
    /// within the rest of the current line. That reading is kept only where the whole-text
    /// reading must agree with it: a location (it ends at its own closing parenthesis, the
    /// grammar looks no further), or a construct followed by more text on the line (the
    /// grammar crossed no line end). Otherwise the rest of the text is read.
    fn fragment(&self, rule: Rule) -> FResult<(Pair<'s, Rule>, usize)> {
        let rest = self.rest();
        if let Some(line_end) = rest.find('\n') {
            let line = &rest[..line_end];
            if let Some(pair) = MlirGrammar::parse(rule, line)
                .ok()
                .and_then(|mut p| p.next())
            {
                let end = pair.as_span().end();
                let tail = line[end..].trim_start_matches([' ', '\t', '\r']);
                if rule == Rule::location || (!tail.is_empty() && !tail.starts_with("//")) {
                    return Ok((pair, self.pos + end));
                }
            }
        }
        let mut pairs = MlirGrammar::parse(rule, rest).map_err(|_| Bail)?;
        let pair = pairs.next().ok_or(Bail)?;
        let end = self.pos + pair.as_span().end();
        Ok((pair, end))
    }

    // ---- file, regions and ops ----

    /// `file`: one `module {...}` (then it is the root), or ops of an implicit module.
    fn file(&mut self) -> FResult<()> {
        self.b.scopes.push(Scope::new(true));
        self.ws();
        let at = self.pos;
        if self.keyword("builtin.module") || self.keyword("module") {
            self.root_module(at)?;
            self.ws();
            if self.pos != self.text.len() {
                return Err(Bail);
            }
            self.b.close_scope()?;
            return Ok(());
        }
        let body = self.b.module.body();
        loop {
            self.ws();
            if self.pos == self.text.len() {
                break;
            }
            self.operation(body)?;
        }
        self.b.close_scope()?;
        self.b.unwrap_generic_module()?;
        Ok(())
    }

    /// The module that is the whole file, its keyword at `at` already read.
    fn root_module(&mut self, at: usize) -> FResult<()> {
        let root = self.b.module.op;
        let region = self.b.module.op(root).regions()[0];
        let block = self.b.module.region(region).blocks()[0];
        self.ws();
        if self.peek() == b'@' {
            return Err(Bail);
        }
        if self.keyword("attributes") {
            self.ws();
            let dict = self.attr_dict()?;
            self.b.module.op_mut(root).attributes = dict;
            self.ws();
        }
        self.expect(b'{')?;
        self.b.open_scope(true);
        self.region_body(block)?;
        self.b.close_scope()?;
        self.ws();
        let loc = self.trailing_loc()?;
        let data = self.b.module.op_mut(root);
        data.loc = loc;
        data.pos = Some(self.b.src.pos_of(at));
        Ok(())
    }

    /// The ops of a region without block labels, after its `{`, through its `}`.
    fn region_body(&mut self, block: BlockId) -> FResult<()> {
        loop {
            self.ws();
            match self.peek() {
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'^' | 0 => return Err(Bail),
                _ => self.operation(block)?,
            }
        }
    }

    /// `operation`: results, the op in one of the forms read here, a trailing location.
    fn operation(&mut self, block: BlockId) -> FResult<()> {
        let mut results: Uses<'s> = SmallVec::new();
        if self.peek() == b'%' {
            loop {
                let at = self.pos;
                let name = self.value_name()?;
                let count = if self.eat(b':') { self.dec_usize()? } else { 1 };
                results.push((name, count, at));
                self.ws();
                if self.eat(b',') {
                    self.ws();
                    continue;
                }
                break;
            }
            self.expect(b'=')?;
            self.ws();
        }
        let at = self.pos;
        let op = if self.peek() == b'"' {
            self.generic_op(block)?
        } else if self.keyword("func.func") {
            self.func_op(at, block)?
        } else if self.keyword("return") || self.keyword("func.return") {
            self.return_op(at, block)?
        } else if ["module", "builtin.module", "call", "func.call"]
            .iter()
            .any(|k| self.keyword(k))
        {
            return Err(Bail);
        } else {
            self.bare_name_op(block)?
        };
        self.ws();
        let loc = self.trailing_loc()?;
        self.b.bind_results(op, loc, &results)?;
        Ok(())
    }

    /// `"name"(%a, %b) <{props}> {attrs} : (T, T) -> R`, without regions.
    fn generic_op(&mut self, block: BlockId) -> FResult<OpId> {
        let name_at = self.pos;
        let text = self.string_text()?;
        let name = self.b.op_name_at(name_at, &text)?;
        self.ws();
        self.generic_rest(name, name_at, block)
    }

    /// A generic op after its name: `(%a, %b) <{props}> {attrs} : (T, T) -> R`.
    fn generic_rest(
        &mut self,
        name: tqopt_ir::OpName,
        name_at: usize,
        block: BlockId,
    ) -> FResult<OpId> {
        self.expect(b'(')?;
        self.ws();
        let uses = if self.peek() == b')' {
            SmallVec::new()
        } else {
            self.value_use_list()?
        };
        self.ws();
        self.expect(b')')?;
        self.ws();
        let mut props = AttrDict::new();
        if self.eat(b'<') {
            self.ws();
            props = self.attr_dict()?;
            self.ws();
            self.expect(b'>')?;
            self.ws();
        }
        if self.peek() == b'(' {
            return Err(Bail);
        }
        let mut attrs = AttrDict::new();
        if self.peek() == b'{' {
            attrs = self.attr_dict()?;
            self.ws();
        }
        self.expect(b':')?;
        self.ws();
        let ft_at = self.pos;
        let ft = self.function_type()?;
        let parts = GenericParts {
            name,
            name_at,
            uses: &uses,
            props,
            attrs,
            ft,
            ft_at,
            num_regions: 0,
        };
        Ok(self.b.create_generic(parts, block)?)
    }

    /// TensorFlow's forms with a bare op name: `tfl.mul(%a, %b) <{...}> : (T, T) -> R` (as the
    /// generic form) and `tfl.add %a, %b {...} : T`.
    fn bare_name_op(&mut self, block: BlockId) -> FResult<OpId> {
        let name_at = self.pos;
        let text = self.bare_id()?;
        let name = self.b.op_name_at(name_at, text)?;
        self.ws();
        if self.peek() == b'(' {
            return self.generic_rest(name, name_at, block);
        }
        self.b.check_same_type_form(&name, name_at)?;
        let uses = self.value_use_list()?;
        self.ws();
        let attrs = self.opt_attr_dict()?;
        self.expect(b':')?;
        self.ws();
        let ty = self.type_()?;
        Ok(self
            .b
            .create_same_type(name, name_at, &uses, attrs, ty, block)?)
    }

    /// `func.func [visibility] @name(%arg0: T {attrs} loc(..), ...) -> (R {attrs}, ...)
    /// [attributes {...}] [{body}]`, its keyword at `at` already read.
    fn func_op(&mut self, at: usize, block: BlockId) -> FResult<OpId> {
        let op = self
            .b
            .module
            .create_op(OpSpec::of(&dialect::func::FUNC).regions(1));
        self.b.module.op_mut(op).pos = Some(self.b.src.pos_of(at));
        self.b.append(block, op)?;
        self.ws();
        for visibility in ["private", "public", "nested"] {
            if self.keyword(visibility) {
                let v = Attribute::string(visibility);
                self.b.module.op_mut(op).properties.set("sym_visibility", v);
                self.ws();
                break;
            }
        }
        self.expect(b'@')?;
        let name = self.bare_id()?;
        if self.rest().starts_with("::") {
            return Err(Bail);
        }
        let sym = Attribute::string(name);
        self.b.module.op_mut(op).properties.set("sym_name", sym);
        self.ws();
        self.expect(b'(')?;
        self.ws();
        let mut inputs = Vec::new();
        let mut arg_attrs = Vec::new();
        let mut named_args: Vec<(&str, Type, Location, usize)> = Vec::new();
        if self.peek() != b')' {
            loop {
                let arg_at = self.pos;
                let name = if self.peek() == b'%' {
                    let n = self.value_name()?;
                    self.ws();
                    self.expect(b':')?;
                    self.ws();
                    Some(n)
                } else {
                    None
                };
                let ty = self.type_()?;
                self.ws();
                let dict = self.opt_attr_dict()?;
                let loc = self.trailing_loc()?;
                self.ws();
                inputs.push(ty.clone());
                arg_attrs.push(dict);
                if let Some(n) = name {
                    named_args.push((n, ty, loc, arg_at));
                }
                if self.eat(b',') {
                    self.ws();
                    continue;
                }
                break;
            }
        }
        self.expect(b')')?;
        self.ws();
        let mut results = Vec::new();
        let mut res_attrs = Vec::new();
        if self.rest().starts_with("->") {
            self.pos += 2;
            self.ws();
            if self.eat(b'(') {
                self.ws();
                if self.peek() != b')' {
                    loop {
                        results.push(self.type_()?);
                        self.ws();
                        res_attrs.push(self.opt_attr_dict()?);
                        if self.eat(b',') {
                            self.ws();
                            continue;
                        }
                        break;
                    }
                }
                self.expect(b')')?;
            } else {
                results.push(self.type_()?);
                res_attrs.push(AttrDict::new());
            }
            self.ws();
        }
        if self.keyword("attributes") {
            self.ws();
            let dict = self.attr_dict()?;
            self.b.module.op_mut(op).attributes = dict;
            self.ws();
        }
        self.b
            .set_function_type(op, inputs, results, arg_attrs, res_attrs);
        if self.eat(b'{') {
            let entry = self.b.enter_function(op, named_args)?;
            self.region_body(entry)?;
            self.b.close_scope()?;
        }
        Ok(op)
    }

    /// `return [%a, ... : T, ...]`, its keyword at `at` already read.
    fn return_op(&mut self, at: usize, block: BlockId) -> FResult<OpId> {
        self.ws();
        let mut uses: Uses<'s> = SmallVec::new();
        let mut types = Vec::new();
        if self.peek() == b'%' {
            uses = self.value_use_list()?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            types = self.type_list()?;
        }
        Ok(self.b.create_return(at, &uses, &types, block)?)
    }

    /// `value_use_list`: `%a, %b#1`.
    fn value_use_list(&mut self) -> FResult<Uses<'s>> {
        let mut out = SmallVec::new();
        loop {
            let at = self.pos;
            let name = self.value_name()?;
            let index = if self.eat(b'#') { self.dec_usize()? } else { 0 };
            out.push((name, index, at));
            self.ws();
            if self.eat(b',') {
                self.ws();
                continue;
            }
            return Ok(out);
        }
    }

    /// A location after an op or argument, if the text has one there.
    fn trailing_loc(&mut self) -> FResult<Location> {
        if !self.rest().starts_with("loc") {
            return Ok(Location::Unknown);
        }
        let start = self.pos;
        self.pos += 3;
        self.ws();
        let is_loc = self.peek() == b'(';
        self.pos = start;
        if !is_loc {
            return Ok(Location::Unknown);
        }
        self.location()
    }

    /// `loc(...)`: a plain name by hand, anything else through the grammar.
    fn location(&mut self) -> FResult<Location> {
        let start = self.pos;
        if self.rest().starts_with("loc(\"") {
            self.pos += 4;
            let name = self.string_text()?;
            if self.eat(b')') {
                return Ok(Location::Name { name, child: None });
            }
            self.pos = start;
        }
        let (pair, end) = self.fragment(Rule::location)?;
        let loc = self.b.location(pair)?;
        self.pos = end;
        Ok(loc)
    }

    // ---- attributes ----

    fn opt_attr_dict(&mut self) -> FResult<AttrDict> {
        if self.peek() != b'{' {
            return Ok(AttrDict::new());
        }
        let dict = self.attr_dict()?;
        self.ws();
        Ok(dict)
    }

    /// `{name = value, unit_name, "quoted" = value}`.
    fn attr_dict(&mut self) -> FResult<AttrDict> {
        self.expect(b'{')?;
        self.ws();
        let mut entries = Vec::new();
        if self.peek() != b'}' {
            loop {
                let name: Arc<str> = if self.peek() == b'"' {
                    self.string_text()?
                } else {
                    let id = self.bare_id()?;
                    self.names
                        .entry(id)
                        .or_insert_with(|| Arc::from(id))
                        .clone()
                };
                self.ws();
                let value = if self.eat(b'=') {
                    self.ws();
                    self.attribute()?
                } else {
                    Attribute::Unit
                };
                entries.push((name, value));
                self.ws();
                if self.eat(b',') {
                    self.ws();
                    continue;
                }
                break;
            }
        }
        self.expect(b'}')?;
        AttrDict::from_entries(entries).map_err(|_| Bail)
    }

    /// An attribute value: strings, booleans and `unit` by hand, the rest through the
    /// grammar.
    fn attribute(&mut self) -> FResult<Attribute> {
        let start = self.pos;
        if self.peek() == b'"' {
            let raw = self.string_raw()?;
            let after = self.pos;
            self.ws();
            // `"text" : type` is rare; the grammar reads it.
            if self.peek() != b':' {
                self.pos = after;
                let bytes = unescape(raw).map_err(|_| Bail)?;
                return Ok(Attribute::String(Arc::from(bytes)));
            }
            self.pos = start;
        } else if self.keyword("true") {
            return Ok(Attribute::Bool(true));
        } else if self.keyword("false") {
            return Ok(Attribute::Bool(false));
        } else if self.keyword("unit") {
            return Ok(Attribute::Unit);
        } else if let Some(attr) = self.dense()? {
            return Ok(attr);
        } else if let Some(len) = number_len(self.rest().as_bytes()) {
            return self.typed_number(len);
        }
        let (pair, end) = self.fragment(Rule::attribute)?;
        let attr = self.b.attribute(pair)?;
        self.pos = end;
        Ok(attr)
    }

    /// `typed_number`: the number literal of `len` bytes at the cursor, then `: type` if
    /// written.
    fn typed_number(&mut self, len: usize) -> FResult<Attribute> {
        let (text, at) = (&self.rest()[..len], self.pos);
        self.pos += len;
        let after = self.pos;
        self.ws();
        let ty = if self.eat(b':') {
            self.ws();
            let ty_at = self.pos;
            Some((self.type_()?, ty_at))
        } else {
            self.pos = after;
            None
        };
        Ok(self.b.typed_number_text(text, at, ty)?)
    }

    /// `dense<"0x..."> : T` and `dense<[numbers]> : T` by hand; `None` (the cursor unmoved)
    /// for other bodies, which the grammar reads.
    fn dense(&mut self) -> FResult<Option<Attribute>> {
        let start = self.pos;
        if !self.rest().starts_with("dense") {
            return Ok(None);
        }
        self.pos += "dense".len();
        self.ws();
        let body = if !self.eat(b'<') {
            None
        } else {
            self.ws();
            let body_at = self.pos;
            match self.peek() {
                b'"' => Some(DenseBody::Hex {
                    raw: self.string_raw()?,
                    at: body_at,
                }),
                b'[' => dense_numbers_len(self.rest().as_bytes()).map(|len| {
                    let text = &self.rest()[..len];
                    self.pos += len;
                    DenseBody::Numbers { text, at: body_at }
                }),
                _ => None,
            }
        };
        let Some(body) = body else {
            self.pos = start;
            return Ok(None);
        };
        self.ws();
        self.expect(b'>')?;
        self.ws();
        self.expect(b':')?;
        self.ws();
        let ty_at = self.pos;
        match self.type_()? {
            Type::Tensor(t)
                if t.has_static_shape() && !matches!(t.elem, ElementType::Opaque(_)) =>
            {
                Ok(Some(self.b.dense_elements(t, ty_at, Some(body), start)?))
            }
            _ => {
                self.pos = start;
                Ok(None)
            }
        }
    }

    // ---- types ----

    /// The grammar's `int_type` and `float_type` by hand; `None` (the cursor unmoved) for
    /// other types.
    fn scalar_type(&mut self) -> FResult<Option<Type>> {
        let t = self.rest().as_bytes();
        let prefix = if t.starts_with(b"si") || t.starts_with(b"ui") {
            2
        } else {
            t.starts_with(b"i") as usize
        };
        let (len, float) = if prefix > 0 {
            (digits(t, prefix), false)
        } else if t.starts_with(b"bf16") {
            (4, true)
        } else if t.starts_with(b"f16") || t.starts_with(b"f32") || t.starts_with(b"f64") {
            (3, true)
        } else {
            return Ok(None);
        };
        if len == prefix || t.get(len).is_some_and(|&c| is_id_char(c)) {
            return Ok(None);
        }
        let text = &self.rest()[..len];
        let ty = if float {
            Type::Scalar(ElementType::Float(float_kind(text)))
        } else {
            Type::Scalar(ElementType::Int(self.b.int_type_text(text, self.pos)?))
        };
        self.pos += len;
        Ok(Some(ty))
    }

    fn type_list(&mut self) -> FResult<Vec<Type>> {
        let mut out = vec![self.type_()?];
        loop {
            let save = self.pos;
            self.ws();
            if !self.eat(b',') {
                self.pos = save;
                return Ok(out);
            }
            self.ws();
            out.push(self.type_()?);
        }
    }

    /// `(T, ...) -> R` or `(T, ...) -> (R, ...)`.
    fn function_type(&mut self) -> FResult<FunctionType> {
        self.expect(b'(')?;
        self.ws();
        let inputs = if self.peek() == b')' {
            Vec::new()
        } else {
            let list = self.type_list()?;
            self.ws();
            list
        };
        self.expect(b')')?;
        self.ws();
        if !self.rest().starts_with("->") {
            return Err(Bail);
        }
        self.pos += 2;
        self.ws();
        let results = if self.eat(b'(') {
            self.ws();
            let list = if self.peek() == b')' {
                Vec::new()
            } else {
                let list = self.type_list()?;
                self.ws();
                list
            };
            self.expect(b')')?;
            list
        } else {
            vec![self.type_()?]
        };
        Ok(FunctionType { inputs, results })
    }

    /// A type: the grammar's `simple_tensor_type` by hand, anything else through the grammar.
    fn type_(&mut self) -> FResult<Type> {
        if let Some(len) = simple_tensor_len(self.rest().as_bytes()) {
            let ty = self.b.simple_tensor_text(&self.rest()[..len], self.pos)?;
            self.pos += len;
            return Ok(ty);
        }
        if let Some(ty) = self.scalar_type()? {
            return Ok(ty);
        }
        let (pair, end) = self.fragment(Rule::type_)?;
        let ty = self.b.type_(pair)?;
        self.pos = end;
        Ok(ty)
    }
}

/// The length of the grammar's `dense_numbers` token at the start of `t`, if it is there: a
/// `dn_list` followed by spaces and `>`.
fn dense_numbers_len(t: &[u8]) -> Option<usize> {
    let end = dn_list(t, 0, 0)?;
    (t.get(dn_spaces(t, end)) == Some(&b'>')).then_some(end)
}

fn dn_spaces(t: &[u8], mut i: usize) -> usize {
    while matches!(t.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

fn digits(t: &[u8], mut i: usize) -> usize {
    while t.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// `dn_list`: `"[" ~ dn_space* ~ (dn_item ~ (dn_space* ~ "," ~ dn_space* ~ dn_item)*)? ~
/// dn_space* ~ "]"`; the offset after it. (Nesting is bounded by the parser's nesting check.)
fn dn_list(t: &[u8], i: usize, depth: usize) -> Option<usize> {
    if t.get(i) != Some(&b'[') || depth > 100_000 {
        return None;
    }
    let mut i = dn_spaces(t, i + 1);
    if let Some(end) = dn_item(t, i, depth) {
        i = end;
        loop {
            let j = dn_spaces(t, i);
            if t.get(j) != Some(&b',') {
                break;
            }
            match dn_item(t, dn_spaces(t, j + 1), depth) {
                Some(end) => i = end,
                None => break,
            }
        }
    }
    let i = dn_spaces(t, i);
    (t.get(i) == Some(&b']')).then_some(i + 1)
}

/// `dn_item`: `dn_list | float_lit | signed_int`.
fn dn_item(t: &[u8], i: usize, depth: usize) -> Option<usize> {
    if t.get(i) == Some(&b'[') {
        return dn_list(t, i, depth + 1);
    }
    float_lit(t, i).or_else(|| signed_int(t, i))
}

/// `float_lit`: `("-" | "+")? ~ ASCII_DIGIT+ ~ "." ~ ASCII_DIGIT* ~ (("e" | "E") ~ ("-" |
/// "+")? ~ ASCII_DIGIT+)?`.
fn float_lit(t: &[u8], i: usize) -> Option<usize> {
    let sign = matches!(t.get(i), Some(b'-' | b'+')) as usize;
    let int_end = digits(t, i + sign);
    if int_end == i + sign || t.get(int_end) != Some(&b'.') {
        return None;
    }
    let mut end = digits(t, int_end + 1);
    if matches!(t.get(end), Some(b'e' | b'E')) {
        let exp_sign = matches!(t.get(end + 1), Some(b'-' | b'+')) as usize;
        let exp_end = digits(t, end + 1 + exp_sign);
        if exp_end > end + 1 + exp_sign {
            end = exp_end;
        }
    }
    Some(end)
}

/// The length of the grammar's `number` (`hex_int | float_lit | signed_int`) at the start of
/// `t`, if it is there.
fn number_len(t: &[u8]) -> Option<usize> {
    if t.starts_with(b"0x") {
        let end = 2 + t[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
        if end > 2 {
            return Some(end);
        }
    }
    float_lit(t, 0).or_else(|| signed_int(t, 0))
}

/// `signed_int`: `"-"? ~ ASCII_DIGIT+`.
fn signed_int(t: &[u8], i: usize) -> Option<usize> {
    let sign = (t.get(i) == Some(&b'-')) as usize;
    let end = digits(t, i + sign);
    (end > i + sign).then_some(end)
}

/// The length of the grammar's `simple_tensor_type` at the start of `t`, if it is there:
/// `"tensor<" ~ ((ASCII_DIGIT+ | "?") ~ "x")* ~ (int_type | float_type) ~ ">"`.
fn simple_tensor_len(t: &[u8]) -> Option<usize> {
    if !t.starts_with(b"tensor<") {
        return None;
    }
    let digits = |i: usize| digits(t, i);
    let mut i = "tensor<".len();
    loop {
        let dim_end = if t.get(i) == Some(&b'?') {
            i + 1
        } else {
            digits(i)
        };
        if dim_end > i && t.get(dim_end) == Some(&b'x') {
            i = dim_end + 1;
        } else {
            break;
        }
    }
    let rest = &t[i..];
    let int_prefix = if rest.starts_with(b"si") || rest.starts_with(b"ui") {
        2
    } else if rest.starts_with(b"i") {
        1
    } else {
        0
    };
    let elem_end = if int_prefix > 0 {
        let end = digits(i + int_prefix);
        if end == i + int_prefix {
            return None;
        }
        end
    } else if rest.starts_with(b"bf16") {
        i + 4
    } else if rest.starts_with(b"f16") || rest.starts_with(b"f32") || rest.starts_with(b"f64") {
        i + 3
    } else {
        return None;
    };
    (t.get(elem_end) == Some(&b'>')).then_some(elem_end + 1)
}
