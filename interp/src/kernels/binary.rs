//! Element-wise arithmetic with broadcasting: add, sub, mul, div (with their fused activation),
//! squared_difference, maximum, minimum, pow. f32, i32 and i64 (i16 for add, sub and mul).

use super::attrs::Activation;
use super::broadcast::binary;
use super::simd::multiversion;
use super::{kernel, one, Args, BoxKernel, OpInfo, Outputs};
use crate::error::KResult;
use crate::tensor::{Element, Tensor, TensorData};

#[derive(Copy, Clone, Debug, PartialEq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    SquaredDifference,
    Maximum,
    Minimum,
    Pow,
}

impl OpInfo<'_> {
    /// Fails when an operand or result has a quantized type: those kernels are float-only.
    pub fn reject_quantized(&self) -> KResult<()> {
        let quantized = (0..self.num_operands())
            .filter_map(|i| self.operand_elem(i))
            .chain((0..self.num_results()).filter_map(|i| self.result_elem(i)))
            .any(|e| e.as_quant().is_some());
        if quantized {
            return Err("quantized operands are not supported by this kernel (float only)".into());
        }
        Ok(())
    }
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let op = match info.name() {
        "tfl.add" => Op::Add,
        "tfl.sub" => Op::Sub,
        "tfl.mul" => Op::Mul,
        "tfl.div" => Op::Div,
        "tfl.squared_difference" => Op::SquaredDifference,
        "tfl.maximum" => Op::Maximum,
        "tfl.minimum" => Op::Minimum,
        "tfl.pow" => Op::Pow,
        other => return Err(format!("'{other}' is not a binary op")),
    };
    let act = info.activation()?;
    kernel(move |a: &mut Args<'_>| run(op, act, a))
}

fn run(op: Op, act: Activation, a: &mut Args<'_>) -> KResult<Outputs> {
    // Reuse the left operand's buffer when it is ours and already has the output shape.
    let in_place = {
        let (x, y) = (a.get(0)?, a.get(1)?);
        x.dtype() == crate::tensor::DType::F32
            && y.dtype() == crate::tensor::DType::F32
            && x.rank() >= y.rank()
            && super::broadcast::broadcast_shape(x.shape(), y.shape())?.as_slice() == x.shape()
    };
    if in_place {
        if let Some(mut t) = a.take_if_unique(0) {
            let y = a.get(1)?;
            float_in_place(op, &mut t, y)?;
            apply_f32(act, &mut t);
            return one(t);
        }
    }
    let (x, y) = (a.get(0)?, a.get(1)?);
    let (xs, ys) = (x.shape(), y.shape());
    let data = match (x.data(), y.data()) {
        (TensorData::F32(p), TensorData::F32(q)) => {
            let (shape, v) = float(op, p, xs, q, ys)?;
            let mut t = Tensor::from_parts(shape, TensorData::F32(v));
            apply_f32(act, &mut t);
            return one(t);
        }
        (TensorData::I32(p), TensorData::I32(q)) => {
            let (s, v) = integer(op, p, xs, q, ys)?;
            (s, TensorData::I32(clamp_int(act, v)?))
        }
        (TensorData::I64(p), TensorData::I64(q)) => {
            let (s, v) = integer(op, p, xs, q, ys)?;
            (s, TensorData::I64(clamp_int(act, v)?))
        }
        (TensorData::I16(p), TensorData::I16(q)) if matches!(op, Op::Add | Op::Sub | Op::Mul) => {
            let (s, v) = integer(op, p, xs, q, ys)?;
            (s, TensorData::I16(clamp_int(act, v)?))
        }
        _ => {
            return Err(format!(
                "operands of element types {} and {} are not supported",
                x.dtype(),
                y.dtype()
            ))
        }
    };
    one(Tensor::from_parts(data.0, data.1))
}

fn apply_f32(act: Activation, t: &mut Tensor) {
    if let Some(v) = t.as_f32_mut() {
        act.apply(v);
    }
}

fn float_fn(op: Op) -> fn(f32, f32) -> f32 {
    match op {
        Op::Add => |a, b| a + b,
        Op::Sub => |a, b| a - b,
        Op::Mul => |a, b| a * b,
        Op::Div => |a, b| a / b,
        Op::SquaredDifference => |a, b| (a - b) * (a - b),
        // std::max / std::min, as TFLite's kernels call them.
        Op::Maximum => |a, b| if a < b { b } else { a },
        Op::Minimum => |a, b| if b < a { b } else { a },
        Op::Pow => f32::powf,
    }
}

fn float(
    op: Op,
    p: &[f32],
    ps: &[usize],
    q: &[f32],
    qs: &[usize],
) -> KResult<(crate::tensor::Shape, Vec<f32>)> {
    // One monomorphic closure per op keeps the inner loops vectorizable.
    match op {
        Op::Add => binary(p, ps, q, qs, |a, b| a + b),
        Op::Sub => binary(p, ps, q, qs, |a, b| a - b),
        Op::Mul => binary(p, ps, q, qs, |a, b| a * b),
        Op::Div => binary(p, ps, q, qs, |a, b| a / b),
        other => binary(p, ps, q, qs, float_fn(other)),
    }
}

/// `x = op(x, y)` where `y` broadcasts to `x`'s shape.
fn float_in_place(op: Op, x: &mut Tensor, y: &Tensor) -> KResult<()> {
    let xs: crate::tensor::Shape = x.shape().into();
    let q = y.as_f32().ok_or("operand #1 must be f32")?;
    let p = x.as_f32_mut().ok_or("operand #0 must be f32")?;
    // `y` repeats along `x`'s leading axes when its dimensions, leading ones aside, are
    // `x`'s last ones (the same shape, a scalar, a per-channel vector): each block of `x`
    // takes it in place, element by element as `float` would.
    let inner: Vec<usize> = y.shape().iter().copied().skip_while(|&d| d == 1).collect();
    if !q.is_empty() && xs.as_slice().ends_with(&inner) {
        match op {
            Op::Add => add_repeated(p, q),
            Op::Mul => mul_repeated(p, q),
            _ => {
                let f = float_fn(op);
                for block in p.chunks_exact_mut(q.len()) {
                    block.iter_mut().zip(q).for_each(|(a, &b)| *a = f(*a, b));
                }
            }
        }
        return Ok(());
    }
    // Other broadcasting: compute into a fresh buffer and copy back.
    let (_, v) = float(op, p, &xs, q, y.shape())?;
    p.copy_from_slice(&v);
    Ok(())
}

multiversion! {
    /// `x += y`, `y` repeated along `x` (a scalar, or `x`'s last dimensions), in place. The
    /// search's fast form scores a model with six such ops per quantized tensor.
    fn add_repeated(x: &mut [f32], y: &[f32]) {
        if let [b] = *y {
            x.iter_mut().for_each(|a| *a += b);
        } else {
            for block in x.chunks_exact_mut(y.len()) {
                block.iter_mut().zip(y).for_each(|(a, &b)| *a += b);
            }
        }
    }
}

multiversion! {
    /// `x *= y`, `y` repeated along `x` as in [`add_repeated`], in place.
    fn mul_repeated(x: &mut [f32], y: &[f32]) {
        if let [b] = *y {
            x.iter_mut().for_each(|a| *a *= b);
        } else {
            for block in x.chunks_exact_mut(y.len()) {
                block.iter_mut().zip(y).for_each(|(a, &b)| *a *= b);
            }
        }
    }
}

trait IntOps: Element + Ord {
    fn wrapping_add(self, o: Self) -> Self;
    fn wrapping_sub(self, o: Self) -> Self;
    fn wrapping_mul(self, o: Self) -> Self;
    fn checked_div(self, o: Self) -> Option<Self>;
    fn pow(self, e: Self) -> Self;
}

macro_rules! int_ops {
    ($t:ty) => {
        impl IntOps for $t {
            fn wrapping_add(self, o: Self) -> Self {
                <$t>::wrapping_add(self, o)
            }
            fn wrapping_sub(self, o: Self) -> Self {
                <$t>::wrapping_sub(self, o)
            }
            fn wrapping_mul(self, o: Self) -> Self {
                <$t>::wrapping_mul(self, o)
            }
            fn checked_div(self, o: Self) -> Option<Self> {
                <$t>::checked_div(self, o)
            }
            fn pow(self, e: Self) -> Self {
                let mut r: $t = 1;
                for _ in 0..(e as i64).clamp(0, 64) {
                    r = r.wrapping_mul(self);
                }
                r
            }
        }
    };
}
int_ops!(i16);
int_ops!(i32);
int_ops!(i64);

fn integer<T: IntOps>(
    op: Op,
    p: &[T],
    ps: &[usize],
    q: &[T],
    qs: &[usize],
) -> KResult<(crate::tensor::Shape, Vec<T>)> {
    Ok(match op {
        Op::Add => binary(p, ps, q, qs, T::wrapping_add)?,
        Op::Sub => binary(p, ps, q, qs, T::wrapping_sub)?,
        Op::Mul => binary(p, ps, q, qs, T::wrapping_mul)?,
        Op::Div => {
            let (s, v) = binary(p, ps, q, qs, T::checked_div)?;
            let v: Option<Vec<T>> = v.into_iter().collect();
            (s, v.ok_or("integer division by zero")?)
        }
        Op::SquaredDifference => binary(p, ps, q, qs, |a: T, b: T| {
            let d = a.wrapping_sub(b);
            d.wrapping_mul(d)
        })?,
        Op::Maximum => binary(p, ps, q, qs, |a: T, b: T| a.max(b))?,
        Op::Minimum => binary(p, ps, q, qs, |a: T, b: T| a.min(b))?,
        Op::Pow => {
            if q.iter().any(|&e| e.to_f64() < 0.0) {
                return Err("integer pow with a negative exponent".into());
            }
            binary(p, ps, q, qs, T::pow)?
        }
    })
}

fn clamp_int<T: Element + PartialOrd>(act: Activation, mut v: Vec<T>) -> KResult<Vec<T>> {
    match act.bounds() {
        Some((lo, hi)) => {
            if act.is_none() {
                return Ok(v);
            }
            for x in v.iter_mut() {
                let f = x.to_f64();
                if f < lo as f64 {
                    *x = T::from_f64(lo as f64);
                } else if f > hi as f64 {
                    *x = T::from_f64(hi as f64);
                }
            }
            Ok(v)
        }
        None => Err("TANH and SIGN_BIT activations are not supported on integers".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In place, a right operand that repeats along the left one's leading axes (or any other
    /// broadcast) gives exactly what the out-of-place kernel gives.
    #[test]
    fn in_place_broadcasts_match_the_out_of_place_kernel() {
        let xs = [2usize, 3, 4];
        let x: Vec<f32> = (0..24).map(|i| (i as f32 - 7.5) * 0.37).collect();
        for ys in [
            &[][..],
            &[1],
            &[4],
            &[1, 4],
            &[3, 4],
            &[1, 1, 4],
            &[2, 3, 4],
            &[3, 1],
            &[2, 1, 4],
        ] {
            let n: usize = ys.iter().product();
            let y: Vec<f32> = (0..n).map(|i| 1.25 - i as f32 * 0.3).collect();
            for op in [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Maximum] {
                let (_, expected) = float(op, &x, &xs, &y, ys).unwrap();
                let mut t = Tensor::from_f32(&xs, x.clone()).unwrap();
                let yt = Tensor::from_f32(ys, y.clone()).unwrap();
                float_in_place(op, &mut t, &yt).unwrap();
                let got = t.as_f32().unwrap();
                assert!(
                    got.iter()
                        .zip(&expected)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{op:?} with y {ys:?}"
                );
            }
        }
    }
}
