//! Elements attributes: `dense<...>` (lists, splats, hex and strings), `dense_resource`
//! handles and `array<...>`.

use std::sync::Arc;

use pest::iterators::Pair;

use tqopt_ir::attributes::{decode_scalar, encode_scalar, DenseArrayValues};
use tqopt_ir::{
    Attribute, Blob, DenseElements, DenseValues, ElementType, Scalar, TensorType, Type,
};

use super::attributes::{int_fits, unescape};
use super::types::float_kind;
use super::{inner, Builder, PResult};
use crate::grammar::Rule;

/// The body of `dense<...>`: hex data, a list of decimal numbers (the grammar's
/// `dense_numbers` token), or another form as pest read it. Offsets are of the body's start.
pub(super) enum DenseBody<'p> {
    /// `"0x..."`: the string's raw text between its quotes.
    Hex {
        raw: &'p str,
        at: usize,
    },
    Numbers {
        text: &'p str,
        at: usize,
    },
    Other(Pair<'p, Rule>),
}

impl DenseBody<'_> {
    fn at(&self) -> usize {
        match self {
            DenseBody::Hex { at, .. } | DenseBody::Numbers { at, .. } => *at,
            DenseBody::Other(p) => p.as_span().start(),
        }
    }
}

impl<'s> Builder<'s> {
    pub(super) fn static_tensor(&self, pair: Pair<'_, Rule>) -> PResult<TensorType> {
        let at = pair.clone();
        match self.type_(pair)? {
            Type::Tensor(t) if t.has_static_shape() => Ok(t),
            other => Err(self.err(
                &at,
                format!("elements attribute needs a statically shaped tensor type, not '{other}'"),
            )),
        }
    }

    pub(super) fn dense_attr(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
        let parts: Vec<Pair<'_, Rule>> = inner(pair.clone()).collect();
        let (body, ty_pair) = match parts.as_slice() {
            [t] => (None, t.clone()),
            [b, t] => (Some(b.clone()), t.clone()),
            _ => return Err(self.err(&pair, "malformed dense attribute")),
        };
        let ty = self.static_tensor(ty_pair.clone())?;
        let strings = matches!(ty.elem, ElementType::Opaque(_));
        let body = body.map(|b| {
            let at = b.as_span().start();
            match b.as_rule() {
                _ if strings => DenseBody::Other(b),
                Rule::string => DenseBody::Hex {
                    raw: inner(b).next().map(|p| p.as_str()).unwrap_or(""),
                    at,
                },
                Rule::dense_numbers => DenseBody::Numbers {
                    text: b.as_str(),
                    at,
                },
                _ => DenseBody::Other(b),
            }
        });
        self.dense_elements(ty, ty_pair.as_span().start(), body, pair.as_span().start())
    }

    /// The elements of `dense<body> : ty` (the type at offset `ty_at`, the attribute at `at`).
    pub(super) fn dense_elements(
        &self,
        ty: TensorType,
        ty_at: usize,
        body: Option<DenseBody<'_>>,
        at: usize,
    ) -> PResult<Attribute> {
        let count = ty.num_elements().ok_or_else(|| {
            self.err_at(
                ty_at,
                format!(
                    "'{}' has more elements than fit in 64 bits",
                    Type::Tensor(ty.clone())
                ),
            )
        })?;
        let Some(body) = body else {
            if count != 0 {
                return Err(self.err_at(
                    at,
                    format!("'dense<>' is empty but the type has {count} elements"),
                ));
            }
            return Ok(Attribute::Dense(DenseElements {
                ty,
                values: DenseValues::Full(Blob::empty()),
            }));
        };
        if matches!(ty.elem, ElementType::Opaque(_)) {
            let DenseBody::Other(body) = body else {
                return Err(self.err_at(body.at(), "expected string elements"));
            };
            return self.dense_strings(body, ty, count);
        }
        let width = ty
            .elem
            .storage_bytes()
            .ok_or_else(|| self.err_at(ty_at, "unsupported element type"))?;
        let body_at = body.at();
        match body {
            DenseBody::Hex { raw, at } => {
                let text = unescape(raw).map_err(|offset| {
                    self.err_at(at + 1 + offset, "invalid escape sequence in string")
                })?;
                let text = std::str::from_utf8(&text).unwrap_or("");
                let hex = text
                    .strip_prefix("0x")
                    .ok_or_else(|| self.err_at(at, "expected hex data \"0x...\""))?;
                if hex.len() % 2 != 0 {
                    return Err(self.err_at(at, "malformed hex data: an odd number of digits"));
                }
                let hex_bytes = hex.len() / 2;
                let values = if ty.elem == ElementType::I1 {
                    // One byte may be a splat (or up to 8 elements); else one bit per element.
                    if hex_bytes != 1 {
                        self.materialized_bytes(at, &ty, count, 1)?;
                    }
                    let bytes = tqopt_ir::hex::decode(hex)
                        .ok_or_else(|| self.err_at(at, "malformed hex data"))?;
                    let bytes = unpack_bits(&bytes, count, at, self)?;
                    if bytes.len() == 1 && count != 1 {
                        DenseValues::Splat(Blob::from_vec(bytes))
                    } else {
                        DenseValues::Full(Blob::from_vec(bytes))
                    }
                } else if hex_bytes == width && count != 1 {
                    let bytes = tqopt_ir::hex::decode(hex)
                        .ok_or_else(|| self.err_at(at, "malformed hex data"))?;
                    DenseValues::Splat(Blob::from_vec(bytes))
                } else {
                    let full = self.materialized_bytes(at, &ty, count, width)?;
                    if hex_bytes != full {
                        return Err(self.err_at(
                            at,
                            format!(
                                "elements hex data size is invalid for provided type: '{}' takes {full} bytes ({count} elements of {width}), or {width} for a splat, but the data has {hex_bytes}",
                                Type::Tensor(ty.clone())
                            ),
                        ));
                    }
                    let bytes = tqopt_ir::hex::decode(hex)
                        .ok_or_else(|| self.err_at(at, "malformed hex data"))?;
                    DenseValues::Full(Blob::from_vec(bytes))
                };
                Ok(Attribute::Dense(DenseElements { ty, values }))
            }
            DenseBody::Other(body) if body.as_rule() == Rule::dense_scalar => {
                let v = self.dense_scalar(body, &ty.elem)?;
                Ok(Attribute::Dense(DenseElements {
                    ty,
                    values: DenseValues::Splat(Blob::from_vec(v)),
                }))
            }
            body => {
                let full = self.materialized_bytes(body_at, &ty, count, width)?;
                let text_len = match &body {
                    DenseBody::Numbers { text, .. } => text.len(),
                    DenseBody::Other(p) => p.as_str().len(),
                    DenseBody::Hex { raw, .. } => raw.len(),
                };
                // Every element takes at least two characters ("1,"): reserve by the text, so
                // a short literal of a huge type cannot make us allocate for the type.
                let at_most = (text_len / 2 + 1).saturating_mul(width);
                let mut shape = Vec::new();
                let mut data = Vec::with_capacity(full.min(at_most));
                match body {
                    DenseBody::Numbers { text, at } => {
                        self.dense_numbers(text, at, &ty.elem, &mut shape, &mut data)?
                    }
                    DenseBody::Other(p) => {
                        self.dense_list(p, &ty.elem, 0, &mut shape, &mut data)?
                    }
                    DenseBody::Hex { at, .. } => return Err(self.err_at(at, "unexpected hex data")),
                }
                if shape.iter().map(|&d| d as i64).ne(ty.shape.iter().copied()) {
                    return Err(self.err_at(
                        body_at,
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

    /// The bytes `count` elements of `width` bytes take, refused (at `at`, naming the type and
    /// the size) when they overflow or exceed [`super::ParseOptions::max_dense_bytes`].
    fn materialized_bytes(
        &self,
        at: usize,
        ty: &TensorType,
        count: u64,
        width: usize,
    ) -> PResult<usize> {
        let limit = self.options.max_dense_bytes;
        let bytes = count
            .checked_mul(width as u64)
            .filter(|&b| b <= limit)
            .and_then(|b| usize::try_from(b).ok());
        bytes.ok_or_else(|| {
            let size = match count.checked_mul(width as u64) {
                Some(b) => format!("{b} bytes"),
                None => format!("{count} elements of {width} bytes"),
            };
            self.err_at(
                at,
                format!(
                    "dense literal of type '{}' would take {size}, more than the parser's limit of {limit} bytes for one literal",
                    Type::Tensor(ty.clone())
                ),
            )
        })
    }

    /// Reads a nested list, recording each level's length in `shape` and checking the levels
    /// are rectangular.
    pub(super) fn dense_list(
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

    pub(super) fn dense_scalar(
        &self,
        pair: Pair<'_, Rule>,
        elem: &ElementType,
    ) -> PResult<Vec<u8>> {
        let v = inner(pair.clone())
            .next()
            .ok_or_else(|| self.err(&pair, "expected a value"))?;
        // Decimal numbers are read as the fast path (`dense_numbers`) reads them.
        let hex = inner(v.clone())
            .next()
            .is_some_and(|p| p.as_rule() == Rule::hex_int);
        if v.as_rule() == Rule::number && !hex {
            return self.decimal_bytes(v.as_str(), v.as_span().start(), elem);
        }
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

    pub(super) fn dense_strings(
        &self,
        body: Pair<'_, Rule>,
        ty: TensorType,
        count: u64,
    ) -> PResult<Attribute> {
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
        if strings.len() as u64 != count && strings.len() != 1 {
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

    pub(super) fn dense_array(&self, pair: Pair<'_, Rule>) -> PResult<Attribute> {
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
}

/// i1 hex data packs eight elements per byte, low bit first.
pub(super) fn unpack_bits(
    bytes: &[u8],
    count: u64,
    at: usize,
    b: &Builder<'_>,
) -> PResult<Vec<u8>> {
    if bytes.len() == 1 && count != 1 && (bytes[0] == 0 || bytes[0] == 0xFF || bytes[0] == 1) {
        // A splat: MLIR writes 0x00 or 0xFF (older 0x01) for all-false / all-true.
        return Ok(vec![(bytes[0] != 0) as u8]);
    }
    if bytes.len() as u64 != count.div_ceil(8) {
        return Err(b.err_at(
            at,
            format!("elements hex data size is invalid for {count} i1 elements"),
        ));
    }
    // The caller checked `count` against the memory limit; the length check bounds it too.
    Ok((0..count as usize)
        .map(|i| (bytes[i / 8] >> (i % 8)) & 1)
        .collect())
}
