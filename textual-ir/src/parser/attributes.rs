//! Attributes: dictionaries, scalars, strings, arrays, symbols, dialect attributes and
//! number literals (dense elements live in [`super::dense`]).

use std::sync::Arc;

use pest::iterators::Pair;

use tqopt_ir::float_format::{parse_decimal, round_to};
use tqopt_ir::{
    AttrDict, Attribute, Diagnostic, ElementType, FloatKind, IntType, OpaqueAttr, Signedness, Type,
};

use super::{inner, Builder, PResult};
use crate::grammar::Rule;

impl<'s> Builder<'s> {
    pub(super) fn attr_dict(&self, pair: Pair<'_, Rule>) -> PResult<AttrDict> {
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

    pub(super) fn attribute(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
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

    pub(super) fn dialect_attr(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
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

    pub(super) fn symbol_ref(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
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

    pub(super) fn typed_number(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
        let mut it = inner(pair.clone());
        let num = it
            .next()
            .ok_or_else(|| self.err(&pair, "expected a number"))?;
        let ty = match it.next() {
            Some(t) => Some((self.type_(t.clone())?, t.as_span().start())),
            None => None,
        };
        self.typed_number_text(num.as_str(), num.as_span().start(), ty)
    }

    /// A number literal's text (at offset `at`) with its type, if one was written (with the
    /// type's offset).
    pub(super) fn typed_number_text(
        &self,
        text: &str,
        at: usize,
        ty: Option<(Type, usize)>,
    ) -> PResult<Attribute> {
        // The grammar's `number` is hex_int | float_lit | signed_int; only float_lit has a '.'.
        let is_float_text = !text.starts_with("0x") && text.contains('.');
        match ty {
            None if is_float_text => Ok(Attribute::Float {
                value: self.float_text(text, at, FloatKind::F64)?,
                kind: FloatKind::F64,
            }),
            None => Ok(Attribute::Int {
                value: self.int_text(text, at)?,
                ty: ElementType::I64,
            }),
            Some((Type::Scalar(ElementType::Float(kind)), _)) => Ok(Attribute::Float {
                value: self.float_text(text, at, kind)?,
                kind,
            }),
            Some((Type::Scalar(e @ (ElementType::Int(_) | ElementType::Index)), ty_at)) => {
                if is_float_text {
                    return Err(self.err_at(ty_at, "a float literal cannot have an integer type"));
                }
                let value = self.int_text(text, at)?;
                if let ElementType::Int(t) = &e {
                    if !int_fits(value, *t) {
                        return Err(self.err_at(at, format!("integer {value} does not fit in {t}")));
                    }
                }
                Ok(Attribute::Int { value, ty: e })
            }
            Some((other, ty_at)) => {
                Err(self.err_at(ty_at, format!("a number cannot have type '{other}'")))
            }
        }
    }

    /// A number pair (`number` rule or its inner literal) as a float of `kind`; hex is bits.
    pub(super) fn number_value(&self, pair: &Pair<'_, Rule>, kind: FloatKind) -> PResult<f64> {
        self.float_text(pair.as_str(), pair.as_span().start(), kind)
    }

    /// A number literal's text as a float of `kind`; hex (`0x...`) is the bits.
    pub(super) fn float_text(&self, text: &str, at: usize, kind: FloatKind) -> PResult<f64> {
        match text.strip_prefix("0x") {
            Some(hex) => {
                let bits = u64::from_str_radix(hex, 16)
                    .map_err(|_| self.err_at(at, "hex literal too large"))?;
                if kind.bit_width() < 64 && bits >> kind.bit_width() != 0 {
                    return Err(
                        self.err_at(at, format!("hex literal does not fit in {}", kind.name()))
                    );
                }
                Ok(tqopt_ir::float_format::from_bits(bits, kind))
            }
            None => self.decimal_float(text, at, kind),
        }
    }

    /// A decimal number (`1.5e-3`, or an integer) as a float of `kind`; errors at offset `at`.
    /// Every decimal float literal is read here, the dense fast path's included.
    pub(super) fn decimal_float(&self, text: &str, at: usize, kind: FloatKind) -> PResult<f64> {
        if text.contains('.') {
            let v = parse_decimal(text, kind);
            if v.is_nan() {
                return Err(self.err_at(at, "malformed float literal"));
            }
            return Ok(v);
        }
        let v: f64 = text
            .parse()
            .map_err(|_| self.err_at(at, "malformed number"))?;
        Ok(round_to(v, kind))
    }

    pub(super) fn int_value(&self, pair: &Pair<'_, Rule>) -> PResult<i64> {
        self.int_text(pair.as_str(), pair.as_span().start())
    }

    /// A number literal's text as an integer (hex is the bits); a float is an error.
    pub(super) fn int_text(&self, text: &str, at: usize) -> PResult<i64> {
        if let Some(hex) = text.strip_prefix("0x") {
            return u64::from_str_radix(hex, 16)
                .map(|v| v as i64)
                .map_err(|_| self.err_at(at, "integer out of range"));
        }
        if text.contains('.') {
            return Err(self.err_at(at, "expected an integer, found a float"));
        }
        self.decimal_int(text, at)
    }

    /// The bytes of a string literal, escapes decoded.
    pub(super) fn string_bytes(&self, pair: Pair<'_, Rule>) -> PResult<Vec<u8>> {
        let at = pair.as_span().start();
        let raw = inner(pair).next().map(|p| p.as_str()).unwrap_or("");
        unescape(raw)
            .map_err(|offset| self.err_at(at + 1 + offset, "invalid escape sequence in string"))
    }
}

pub(super) fn int_fits(value: i64, t: IntType) -> bool {
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
