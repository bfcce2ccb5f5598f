//! The fast path of `dense<[...]>`: a nested list of decimal numbers, which the grammar matches
//! as one `dense_numbers` token (it has already checked the syntax) and this module reads by
//! hand. The general path (`dense_list`, one token pair per list, element and number) reads
//! the same text into the same bytes: the two share [`Builder::decimal_bytes`] for every
//! number, and the list walk below follows `dense_list`'s order of checks (a level's length
//! when its first list opens; lists and scalars mixed at one level), so errors name the same
//! place with the same words.

use tqopt_ir::attributes::encode_scalar_into;
use tqopt_ir::{ElementType, Scalar};

use super::attributes::int_fits;
use super::{Builder, PResult};

/// One token of a number list: an opening bracket with the number of items directly inside
/// it, or a number (its byte range in the literal).
enum Token {
    Open { at: usize, items: usize },
    Close,
    Number { start: usize, end: usize },
}

/// Splits a literal the grammar accepted into tokens, counting each list's direct items.
fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    // Indices of the open lists' `Open` tokens.
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    let count_item = |tokens: &mut Vec<Token>, open: &[usize]| {
        if let Some(&o) = open.last() {
            if let Token::Open { items, .. } = &mut tokens[o] {
                *items += 1;
            }
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'[' => {
                count_item(&mut tokens, &open);
                open.push(tokens.len());
                tokens.push(Token::Open { at: i, items: 0 });
                i += 1;
            }
            b']' => {
                open.pop();
                tokens.push(Token::Close);
                i += 1;
            }
            b',' | b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            _ => {
                let start = i;
                while i < bytes.len()
                    && !matches!(bytes[i], b',' | b']' | b' ' | b'\t' | b'\r' | b'\n')
                {
                    i += 1;
                }
                count_item(&mut tokens, &open);
                tokens.push(Token::Number { start, end: i });
            }
        }
    }
    tokens
}

impl Builder<'_> {
    /// Reads a `dense_numbers` literal into `out` (the elements' bytes), recording each
    /// level's length in `shape`, as `dense_list` does.
    pub(super) fn dense_numbers(
        &self,
        text: &str,
        base: usize,
        elem: &ElementType,
        shape: &mut Vec<usize>,
        out: &mut Vec<u8>,
    ) -> PResult<()> {
        let tokens = tokenize(text);
        let mut next = 0;
        self.numbers_list(text, base, &tokens, &mut next, elem, 0, shape, out)
    }

    /// The list whose `Open` token is `tokens[*next]`; leaves `*next` after its `Close`.
    #[allow(clippy::too_many_arguments)]
    fn numbers_list(
        &self,
        text: &str,
        base: usize,
        tokens: &[Token],
        next: &mut usize,
        elem: &ElementType,
        depth: usize,
        shape: &mut Vec<usize>,
        out: &mut Vec<u8>,
    ) -> PResult<()> {
        let Some(&Token::Open { at, items }) = tokens.get(*next) else {
            return Err(self.err_at(base, "expected a list of numbers"));
        };
        *next += 1;
        if shape.len() == depth {
            shape.push(items);
        } else if shape[depth] != items {
            return Err(self.err_at(
                base + at,
                "tensor literal is not rectangular: lists at one level differ in length",
            ));
        }
        loop {
            match tokens.get(*next) {
                Some(Token::Close) => {
                    *next += 1;
                    return Ok(());
                }
                Some(Token::Open { .. }) => {
                    self.numbers_list(text, base, tokens, next, elem, depth + 1, shape, out)?
                }
                Some(&Token::Number { start, end }) => {
                    if shape.len() != depth + 1 {
                        return Err(self.err_at(
                            base + start,
                            "tensor literal mixes lists and scalars at one level",
                        ));
                    }
                    self.decimal_bytes_into(&text[start..end], base + start, elem, out)?;
                    *next += 1;
                }
                None => return Err(self.err_at(base, "unterminated list of numbers")),
            }
        }
    }

    /// The bytes of one decimal number (`1`, `-2`, `0.5`, `1.5e-3`) as an element of `elem`;
    /// errors are placed at offset `at`. Both dense paths read every decimal number here.
    pub(super) fn decimal_bytes(
        &self,
        text: &str,
        at: usize,
        elem: &ElementType,
    ) -> PResult<Vec<u8>> {
        let mut out = Vec::with_capacity(8);
        self.decimal_bytes_into(text, at, elem, &mut out)?;
        Ok(out)
    }

    /// [`Self::decimal_bytes`], appended to `out`.
    pub(super) fn decimal_bytes_into(
        &self,
        text: &str,
        at: usize,
        elem: &ElementType,
        out: &mut Vec<u8>,
    ) -> PResult<()> {
        let is_float = text.contains('.');
        let scalar = match elem {
            ElementType::Float(kind) => Scalar::Float(self.decimal_float(text, at, *kind)?),
            ElementType::Int(t) if is_float => {
                return Err(self.err_at(at, format!("expected an integer for {t}, found a float")))
            }
            ElementType::Int(t) => {
                let value = self.decimal_int(text, at)?;
                if !int_fits(value, *t) {
                    return Err(self.err_at(at, format!("integer {value} does not fit in {t}")));
                }
                Scalar::Int(value)
            }
            ElementType::Index if is_float => {
                return Err(self.err_at(at, "expected an integer, found a float"))
            }
            ElementType::Index => Scalar::Int(self.decimal_int(text, at)?),
            _ => return Err(self.err_at(at, format!("'{text}' is not a valid {elem} value"))),
        };
        encode_scalar_into(elem, scalar, out)
            .ok_or_else(|| self.err_at(at, "unsupported element type"))
    }

    /// A decimal integer: i64, or u64 read as its bit pattern (`int_value` reads every
    /// decimal integer here).
    pub(super) fn decimal_int(&self, text: &str, at: usize) -> PResult<i64> {
        match text.parse::<i64>() {
            Ok(v) => Ok(v),
            Err(_) => text
                .parse::<u64>()
                .map(|v| v as i64)
                .map_err(|_| self.err_at(at, "integer out of range")),
        }
    }
}
