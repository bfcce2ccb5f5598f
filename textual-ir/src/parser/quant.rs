//! `!quant.uniform<...>` types, checked by the rules of MLIR's quant dialect.

use pest::iterators::Pair;

use tqopt_ir::{FloatKind, IntType, QuantParams, Signedness, UniformQuant};

use super::types::float_kind;
use super::{inner, Builder, PResult};
use crate::grammar::Rule;

impl<'s> Builder<'s> {
    pub(super) fn quant_type(&self, pair: Pair<'_, Rule>) -> PResult<UniformQuant> {
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
}
