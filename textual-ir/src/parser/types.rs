//! Builtin types: tensors, functions, integers, floats, complex, aliases and opaque
//! dialect types (quant types live in [`super::quant`]).

use std::sync::Arc;

use pest::iterators::Pair;
use smallvec::SmallVec;

use tqopt_ir::types::DYNAMIC;
use tqopt_ir::{
    Diagnostic, ElementType, FloatKind, FunctionType, IntType, Signedness, TensorType, Type,
};

use super::{inner, Builder, PResult};
use crate::grammar::Rule;

impl<'s> Builder<'s> {
    pub(super) fn type_(&self, pair: Pair<'_, Rule>) -> PResult<Type> {
        let t = if pair.as_rule() == Rule::type_ {
            inner(pair)
                .next()
                .ok_or_else(|| Diagnostic::error("empty type"))?
        } else {
            pair
        };
        Ok(match t.as_rule() {
            Rule::simple_tensor_type => self.simple_tensor_type(&t)?,
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

    pub(super) fn int_type(&self, pair: &Pair<'_, Rule>) -> PResult<IntType> {
        self.int_type_text(pair.as_str(), pair.as_span().start())
    }

    /// An integer type's name (`i8`, `si32`, `ui16`), errors placed at offset `at`.
    pub(super) fn int_type_text(&self, text: &str, at: usize) -> PResult<IntType> {
        let (signedness, digits) = if let Some(d) = text.strip_prefix("si") {
            (Signedness::Signed, d)
        } else if let Some(d) = text.strip_prefix("ui") {
            (Signedness::Unsigned, d)
        } else {
            (Signedness::Signless, &text[1..])
        };
        let width: u32 = digits
            .parse()
            .map_err(|_| self.err_at(at, "integer width out of range"))?;
        if width == 0 || width > 64 {
            return Err(self.err_at(
                at,
                format!("integer types of width {width} are not supported (1 to 64)"),
            ));
        }
        Ok(IntType { width, signedness })
    }

    /// `tensor<1x16xf32>` as the one token of `simple_tensor_type`: dimensions, then an
    /// integer or float element type (whose names have no 'x').
    fn simple_tensor_type(&self, pair: &Pair<'_, Rule>) -> PResult<Type> {
        self.simple_tensor_text(pair.as_str(), pair.as_span().start())
    }

    /// The text of a `simple_tensor_type` token at offset `at`.
    pub(super) fn simple_tensor_text(&self, text: &str, at: usize) -> PResult<Type> {
        let body = &text["tensor<".len()..text.len() - 1];
        let (dims, elem) = match body.rfind('x') {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => ("", body),
        };
        let elem_at = at + "tensor<".len() + body.len() - elem.len();
        let mut shape = SmallVec::<[i64; 4]>::new();
        for d in dims.split('x').filter(|s| !s.is_empty()) {
            shape.push(if d == "?" {
                DYNAMIC
            } else {
                d.parse::<i64>()
                    .map_err(|_| self.err_at(at, "dimension out of range"))?
            });
        }
        let elem = if elem.starts_with('f') || elem.starts_with("bf") {
            ElementType::Float(float_kind(elem))
        } else {
            ElementType::Int(self.int_type_text(elem, elem_at)?)
        };
        Ok(Type::Tensor(TensorType { shape, elem }))
    }

    pub(super) fn element_type(&self, pair: Pair<'_, Rule>) -> PResult<ElementType> {
        let at = pair.clone();
        match self.type_(pair)? {
            Type::Scalar(e) => Ok(e),
            Type::Opaque(text) => Ok(ElementType::Opaque(text)),
            other => Err(self.err(&at, format!("'{other}' cannot be a tensor element type"))),
        }
    }

    pub(super) fn tensor_type(&self, pair: Pair<'_, Rule>) -> PResult<Type> {
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

    pub(super) fn function_type(&self, pair: Pair<'_, Rule>) -> PResult<FunctionType> {
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
}

pub(super) fn float_kind(text: &str) -> FloatKind {
    match text {
        "f16" => FloatKind::F16,
        "bf16" => FloatKind::BF16,
        "f64" => FloatKind::F64,
        _ => FloatKind::F32,
    }
}

/// Position of the top-level `->` in a function type's text.
pub(super) fn find_top_level_arrow(text: &str) -> usize {
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
