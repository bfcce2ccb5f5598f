//! `tfl.fully_connected` (input x filter^T + bias, fused activation, keep_num_dims) and
//! `tfl.batch_matmul` (batched products with adj_x/adj_y and broadcast batch dimensions).
//! Constant weights are packed for the GEMM once, at plan time.

use super::attrs::Activation;
use super::broadcast::broadcast_shape;
use super::gemm::{gemm, PackedB};
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Shape, Tensor, TensorData};

struct FullyConnected {
    act: Activation,
    keep_num_dims: bool,
    packed: Option<PackedB>,
}

pub(crate) fn build_fully_connected(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let act = info.activation()?;
    if act.bounds().is_none() {
        return Err("fused TANH and SIGN_BIT are not supported here".into());
    }
    if let Ok(f) = info.attr_str("weights_format") {
        if f != "DEFAULT" {
            return Err(format!("weights_format '{f}' is not supported"));
        }
    }
    let bias_absent = info.num_operands() < 3 || info.operand_type(2).is_some_and(|t| t.is_none());
    let mut packed = None;
    if let Some(filter) = info.constant(1) {
        let bias = if bias_absent { None } else { info.constant(2) };
        if bias_absent || bias.is_some() {
            packed = Some(pack_filter(filter, bias)?);
        }
    }
    let fc = FullyConnected {
        act,
        keep_num_dims: info.attr_bool_or("keep_num_dims", false)?,
        packed,
    };
    kernel(move |a: &mut Args<'_>| fc.run(a))
}

fn pack_filter(filter: &Tensor, bias: Option<&Tensor>) -> KResult<PackedB> {
    let (n, k) = match filter.shape() {
        &[n, k] => (n, k),
        other => {
            return Err(format!(
                "expects a 2-D filter but got shape {}",
                format_shape(other)
            ))
        }
    };
    let w = filter.as_f32().ok_or("the filter must be f32")?;
    let bias = super::bias_f32(bias, n, "outputs")?;
    Ok(PackedB::from_nk(w, n, k, bias))
}

impl FullyConnected {
    fn run(&self, a: &mut Args<'_>) -> KResult<super::Outputs> {
        let input = a.get(0)?;
        let filter = a.get(1)?;
        let owned;
        let packed = match &self.packed {
            Some(p) => p,
            None => {
                owned = pack_filter(filter, a.opt(2))?;
                &owned
            }
        };
        let (n, k) = (packed.n, packed.k);
        let x = a.f32(0)?;
        if k == 0 || x.len() % k != 0 {
            return Err(format!(
                "input of shape {} does not split into rows of {k}",
                format_shape(input.shape())
            ));
        }
        let batch = x.len() / k;
        let (lo, hi) = self
            .act
            .bounds()
            .unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
        let mut out = crate::buffers::take(batch * n);
        gemm(batch, x, k, packed, &mut out, n, lo, hi);
        let shape: Shape = if self.keep_num_dims {
            let mut s: Shape = input.shape().into();
            match s.last_mut() {
                Some(l) if *l == k => *l = n,
                _ => {
                    return Err(format!(
                        "keep_num_dims needs the input's last dimension to be {k}, got shape {}",
                        format_shape(input.shape())
                    ))
                }
            }
            s
        } else {
            Shape::from_slice(&[batch, n])
        };
        one(Tensor::from_parts(shape, TensorData::F32(out)))
    }
}

pub(crate) fn build_batch_matmul(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(2)?;
    let adj_x = info.attr_bool_or("adj_x", false)?;
    let adj_y = info.attr_bool_or("adj_y", false)?;
    kernel(move |a: &mut Args<'_>| {
        let g = BatchGeometry::of(a.get(0)?.shape(), a.get(1)?.shape(), adj_x, adj_y)?;
        let BatchGeometry { m, k, n, .. } = g;
        let nb = g.x_offsets.len();
        let xd = a.f32(0)?;
        let yd = a.f32(1)?;
        let (xb, yb) = (&g.x_offsets, &g.y_offsets);
        let mut out = crate::buffers::take(nb * m * n);
        let mut xt = Vec::new();
        for b in 0..nb {
            let xm = &xd[xb[b]..xb[b] + m * k];
            let ym = &yd[yb[b]..yb[b] + k * n];
            let packed = if adj_y {
                PackedB::from_kn(ym, k, n, 1, k)
            } else {
                PackedB::from_kn(ym, k, n, n, 1)
            };
            let a_rows: &[f32] = if adj_x {
                xt.clear();
                xt.extend((0..m * k).map(|i| xm[(i % k) * m + i / k]));
                &xt
            } else {
                xm
            };
            gemm(
                m,
                a_rows,
                k,
                &packed,
                &mut out[b * m * n..(b + 1) * m * n],
                n,
                f32::NEG_INFINITY,
                f32::INFINITY,
            );
        }
        one(Tensor::from_parts(g.result_shape(), TensorData::F32(out)))
    })
}

/// The shapes of a `tfl.batch_matmul`: `[..., m, k] x [..., k, n]` (with `adj_x`, the left
/// operand is `[..., k, m]`; with `adj_y`, the right one `[..., n, k]`), batch dimensions
/// broadcast against each other. One geometry for the float kernel and the int16 one.
pub(crate) struct BatchGeometry {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    /// The broadcast batch dimensions.
    pub batch: Shape,
    /// Per batch, the element offset of its matrix in the left and the right operand.
    pub x_offsets: Vec<usize>,
    pub y_offsets: Vec<usize>,
}

impl BatchGeometry {
    /// The geometry of operands of shapes `xs` and `ys`, checked.
    pub(crate) fn of(xs: &[usize], ys: &[usize], adj_x: bool, adj_y: bool) -> KResult<Self> {
        if xs.len() < 2 || ys.len() < 2 {
            return Err(format!(
                "operands of shapes {} and {} must have rank 2 or more",
                format_shape(xs),
                format_shape(ys)
            ));
        }
        let (xr, yr) = (xs.len(), ys.len());
        let (m, kx) = if adj_x {
            (xs[xr - 1], xs[xr - 2])
        } else {
            (xs[xr - 2], xs[xr - 1])
        };
        let (ky, n) = if adj_y {
            (ys[yr - 1], ys[yr - 2])
        } else {
            (ys[yr - 2], ys[yr - 1])
        };
        if kx != ky {
            return Err(format!(
                "cannot multiply shapes {} and {} (adj_x = {adj_x}, adj_y = {adj_y})",
                format_shape(xs),
                format_shape(ys)
            ));
        }
        let k = kx;
        let batch = broadcast_shape(&xs[..xr - 2], &ys[..yr - 2])?;
        let x_offsets = batch_offsets(&xs[..xr - 2], &batch, m * k);
        let y_offsets = batch_offsets(&ys[..yr - 2], &batch, k * n);
        Ok(BatchGeometry {
            m,
            k,
            n,
            batch,
            x_offsets,
            y_offsets,
        })
    }

    /// The result's shape: the batch dimensions, then `[m, n]`.
    pub(crate) fn result_shape(&self) -> Shape {
        let mut shape = self.batch.clone();
        shape.push(self.m);
        shape.push(self.n);
        shape
    }
}

/// The element offset of each broadcast batch's matrix in an operand with batch dims `dims`.
fn batch_offsets(dims: &[usize], batch: &[usize], matrix: usize) -> Vec<usize> {
    let nb: usize = batch.iter().product();
    let rank = batch.len();
    let mut strides = vec![0usize; rank];
    let mut s = matrix;
    for i in (0..dims.len()).rev() {
        let o = i + rank - dims.len();
        strides[o] = if dims[i] == 1 { 0 } else { s };
        s *= dims[i];
    }
    (0..nb)
        .map(|mut b| {
            let mut off = 0;
            for d in (0..rank).rev() {
                off += (b % batch[d]) * strides[d];
                b /= batch[d];
            }
            off
        })
        .collect()
}
