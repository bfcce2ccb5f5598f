//! `!quant.uniform<...>` types, checked by the rules of MLIR 19's quant dialect (its type parser
//! and `QuantizedType` / `UniformQuantizedType(PerAxis)::verifyInvariants`), so that tqopt
//! accepts exactly the quant types `mlir-opt` accepts:
//!
//! - storage `iN` or `uN` with 1 <= N <= 32 ("illegal storage type size");
//! - `!tqopt.uniform<...>`, tqopt's name for the same type with storage of 33 to 64 bits (16x8
//!   models' i64 biases), which MLIR's quant dialect refuses; tqopt prints wide types under it
//!   and reads them back, `mlir-opt --allow-unregistered-dialect` keeps them as opaque types;
//! - an optional storage range `<min:max>` inside the storage type, with min < max;
//! - scales are float literals (or hex bits of an f64), positive and finite ("illegal scale");
//! - zero points are any 64-bit integer: MLIR does not tie them to the storage type or range
//!   (TensorFlow prints `i8<-127:127>` types with zero point -128), so consumers of
//!   [`UniformQuant`] must not assume they fit (see its doc);
//! - the quantized dimension of a per-axis type is any 32-bit integer (MLIR 19 accepts negative
//!   ones; they are refused where an axis is used).

use pest::iterators::Pair;

use tqopt_ir::types::{MLIR_MAX_STORAGE_BITS, WIDE_QUANT_DIALECT};
use tqopt_ir::{FloatKind, IntType, QuantParams, Signedness, UniformQuant};

use super::types::float_kind;
use super::{inner, Builder, PResult};
use crate::grammar::Rule;

/// The widest storage of `!tqopt.uniform`.
const WIDE_MAX_STORAGE_BITS: u32 = 64;

impl<'s> Builder<'s> {
    pub(super) fn quant_type(&self, pair: Pair<'_, Rule>) -> PResult<UniformQuant> {
        let mut it = inner(pair.clone());
        let wide = it
            .next()
            .is_some_and(|name| name.as_str() == WIDE_QUANT_DIALECT);
        let storage_pair = it
            .next()
            .ok_or_else(|| self.err(&pair, "expected a storage type"))?;
        let (storage, storage_min, storage_max) = self.quant_storage(storage_pair, wide)?;
        let expressed = float_kind(it.next().map(|p| p.as_str()).unwrap_or("f32"));
        let mut axis = None;
        let mut params = None;
        for p in it {
            match p.as_rule() {
                Rule::quant_int => {
                    let value = self.quant_int(&p)?;
                    let axis_value = i32::try_from(value)
                        .map_err(|_| self.err(&p, "integer value too large"))?;
                    axis = Some(axis_value);
                }
                Rule::quant_params => params = inner(p).next(),
                _ => {}
            }
        }
        let params = params.ok_or_else(|| self.err(&pair, "expected quantization parameters"))?;
        let params = match (params.as_rule(), axis) {
            (Rule::quant_scale_zp, None) => {
                let (scale, zero_point) = self.scale_zero_point(params)?;
                QuantParams::PerTensor { scale, zero_point }
            }
            (Rule::quant_per_axis, Some(axis)) => {
                let mut scales = Vec::new();
                let mut zero_points = Vec::new();
                for p in inner(params) {
                    let (s, z) = self.scale_zero_point(p)?;
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

    /// `i8`, `u8<0:254>`: the storage type and its range; `wide` for `!tqopt.uniform`, whose
    /// storage is 33 to 64 bits (one spelling per type: narrower storage is `!quant.uniform`).
    fn quant_storage(&self, pair: Pair<'_, Rule>, wide: bool) -> PResult<(IntType, i64, i64)> {
        let mut s = inner(pair.clone());
        let st = s
            .next()
            .ok_or_else(|| self.err(&pair, "expected a storage type"))?;
        let signed = st.as_str().starts_with('i');
        let digits = &st.as_str()[1..];
        let widths = match wide {
            false => 1..=MLIR_MAX_STORAGE_BITS,
            true => MLIR_MAX_STORAGE_BITS + 1..=WIDE_MAX_STORAGE_BITS,
        };
        let width = digits
            .parse::<u32>()
            .ok()
            .filter(|w| widths.contains(w))
            .ok_or_else(|| match wide {
                false => self.err(&st, format!("illegal storage type size: {digits}")),
                true => self.err(
                    &st,
                    format!(
                        "illegal storage type size for {WIDE_QUANT_DIALECT}: {digits} (33 to 64 \
                         bits; narrower storage is !quant.uniform)"
                    ),
                ),
            })?;
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
            (Some(a), Some(b)) => {
                let min = self.quant_int(&a)?;
                if min < full_min {
                    return Err(self.err(&a, format!("illegal storage type minimum: {min}")));
                }
                let max = self.quant_int(&b)?;
                if max > full_max {
                    return Err(self.err(&b, format!("illegal storage type maximum: {max}")));
                }
                (min, max)
            }
            _ => (full_min, full_max),
        };
        if storage_min >= storage_max {
            return Err(self.err(
                &pair,
                format!("illegal storage min and storage max: ({storage_min}:{storage_max})"),
            ));
        }
        Ok((storage, storage_min, storage_max))
    }

    /// `scale[:zero_point]`.
    fn scale_zero_point(&self, pair: Pair<'_, Rule>) -> PResult<(f64, i64)> {
        let mut it = inner(pair.clone());
        let scale_pair = it
            .next()
            .ok_or_else(|| self.err(&pair, "expected a scale"))?;
        let scale = self.quant_scale(&scale_pair)?;
        let zero_point = match it.next() {
            Some(z) => self.quant_int(&z)?,
            None => 0,
        };
        Ok((scale, zero_point))
    }

    /// A scale: a float literal or the hex bits of an f64, positive and finite.
    fn quant_scale(&self, pair: &Pair<'_, Rule>) -> PResult<f64> {
        let mut negative = false;
        let mut number = None;
        for p in inner(pair.clone()) {
            match p.as_rule() {
                Rule::minus => negative = true,
                _ => number = Some(p),
            }
        }
        let number = number.ok_or_else(|| self.err(pair, "expected a scale"))?;
        let lit = inner(number.clone())
            .next()
            .ok_or_else(|| self.err(&number, "expected a scale"))?;
        let magnitude = match lit.as_rule() {
            Rule::float_lit if lit.as_str().starts_with('+') => {
                return Err(self.err(&lit, "expected floating point literal"))
            }
            Rule::float_lit => self.number_value(&number, FloatKind::F64)?,
            Rule::hex_int if negative => {
                return Err(self.err(
                    &lit,
                    "hexadecimal float literal should not have a leading minus",
                ))
            }
            Rule::hex_int => self.number_value(&number, FloatKind::F64)?,
            _ => {
                return Err(self.err(
                    &lit,
                    "unexpected decimal integer literal for a floating point value (add a trailing dot to make it a float)",
                ))
            }
        };
        let scale = if negative { -magnitude } else { magnitude };
        if !(scale.is_finite() && scale > 0.0) {
            return Err(self.err(pair, format!("illegal scale: {scale:e}")));
        }
        Ok(scale)
    }

    /// An integer as MLIR 19 reads an `int64_t` (`Parser::parseInteger`): decimal or hex, an
    /// optional minus sign. The digits become an APInt of 4 bits per significant digit (one
    /// more when its top bit is set); a positive value up to 2^64 - 1 wraps to 64 bits, and a
    /// negative one is accepted only if that APInt has at most 64 bits (so `-0x7FFF...` but
    /// not 17-digit decimals).
    pub(super) fn quant_int(&self, pair: &Pair<'_, Rule>) -> PResult<i64> {
        let mut negative = false;
        let mut digits = None;
        for p in inner(pair.clone()) {
            match p.as_rule() {
                Rule::minus => negative = true,
                Rule::hex_int => digits = Some((&p.as_str()[2..], 16)),
                _ => digits = Some((p.as_str(), 10)),
            }
        }
        let too_large = || self.err(pair, "integer value too large");
        let (digits, radix) = digits.ok_or_else(too_large)?;
        let significant = digits.trim_start_matches('0');
        let magnitude = if significant.is_empty() {
            0
        } else {
            u64::from_str_radix(significant, radix).map_err(|_| too_large())?
        };
        if !negative {
            return Ok(magnitude as i64);
        }
        let bits = 4 * significant.len() as u64;
        let top_bit_set = bits > 0 && bits <= 64 && magnitude >> (bits - 1) & 1 == 1;
        if bits + top_bit_set as u64 > 64 {
            return Err(too_large());
        }
        Ok((magnitude as i64).wrapping_neg())
    }
}
