//! `tfl.unidirectional_sequence_lstm`, float: TFLite's LSTM cell with optional CIFG (no input
//! gate), peepholes, layer normalization, projection and cell/projection clipping, over
//! time-major or batch-major sequences. The states start from operands 18 (output state) and
//! 19 (cell state); the result is the output state of every step.

use super::attrs::Activation;
use super::simd::dot;
use super::unary::logistic;
use super::{kernel, one, Args, BoxKernel, OpInfo};
use crate::error::KResult;
use crate::tensor::{format_shape, Tensor};

struct Lstm {
    act: Activation,
    cell_clip: f32,
    proj_clip: f32,
    time_major: bool,
}

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    info.reject_quantized()?;
    info.expect_operands(20)?;
    states_are_variables(info)?;
    let l = Lstm {
        act: info.activation()?,
        cell_clip: info.attr_f32("cell_clip").unwrap_or(0.0),
        proj_clip: info.attr_f32("proj_clip").unwrap_or(0.0),
        time_major: info.attr_bool_or("time_major", true)?,
    };
    kernel(move |a: &mut Args<'_>| l.run(a))
}

/// LiteRT's LSTM kernels read both states as variable tensors (`GetVariableInput`) and refuse
/// to run when one is not. In the IR a variable is an op marked `tfl.is_variable` (the
/// importer marks the constants and op results the file marks variable) or a constant the
/// LSTM reads directly (the exporter makes every constant read as a state a variable),
/// `quantfork.stats` aside, which is no op in the file. Anything else, such as the
/// `tfl.dequantize` of an int8 constant that TensorFlow's 16x8 converter gives a float LSTM,
/// is an op's result, which LiteRT refuses.
fn states_are_variables(info: &OpInfo<'_>) -> KResult<()> {
    let m = info.module;
    for (slot, name) in [(18, "input_activation_state"), (19, "input_cell_state")] {
        let mut v = m.op(info.op).operands()[slot];
        let mut def = m.defining_op(v);
        while let Some(d) = def.filter(|&d| m.op(d).is(&tqopt_ir::dialect::quantfork::STATS)) {
            v = m.op(d).operands()[0];
            def = m.defining_op(v);
        }
        let variable = def.is_some_and(|d| {
            let op = m.op(d);
            op.attributes.contains(tqopt_ir::IS_VARIABLE_ATTR)
                || op
                    .def()
                    .is_some_and(|od| od.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE))
        });
        if !variable {
            let what = match def {
                Some(d) => format!("the result of '{}'", m.op(d).name.as_str()),
                None => "a function argument".to_string(),
            };
            return Err(format!(
                "LiteRT refuses this op: its state operand #{slot} ('{name}') is {what}, not a \
                 variable tensor, and LiteRT's LSTM kernels keep their states in variable \
                 tensors (a model written so fails when it runs)"
            ));
        }
    }
    Ok(())
}

/// A gate's parameters: input and recurrent weights, peephole, bias, layer norm.
struct Gate<'a> {
    wx: &'a [f32],
    wh: &'a [f32],
    peep: Option<&'a [f32]>,
    bias: &'a [f32],
    norm: Option<&'a [f32]>,
}

impl Gate<'_> {
    /// The gate's pre-activation for one batch row.
    fn compute(&self, x: &[f32], h: &[f32], c: &[f32], out: &mut [f32]) {
        let (n_in, n_out) = (x.len(), h.len());
        for (k, o) in out.iter_mut().enumerate() {
            let mut v = dot(&self.wx[k * n_in..(k + 1) * n_in], x)
                + dot(&self.wh[k * n_out..(k + 1) * n_out], h);
            if let Some(p) = self.peep {
                v += p[k] * c[k];
            }
            if self.norm.is_none() {
                v += self.bias[k];
            }
            *o = v;
        }
        if let Some(ln) = self.norm {
            let n = out.len() as f32;
            let mean = out.iter().sum::<f32>() / n;
            let var = out.iter().map(|v| v * v).sum::<f32>() / n - mean * mean;
            let inv = 1.0 / (var + 1e-8).sqrt();
            for (k, o) in out.iter_mut().enumerate() {
                *o = (*o - mean) * inv * ln[k] + self.bias[k];
            }
        }
    }
}

impl Lstm {
    fn run(&self, a: &mut Args<'_>) -> KResult<super::Outputs> {
        let input = a.get(0)?;
        let (t_len, batch, n_in) = match input.shape() {
            &[d0, d1, d2] => {
                if self.time_major {
                    (d0, d1, d2)
                } else {
                    (d1, d0, d2)
                }
            }
            other => {
                return Err(format!(
                    "the input must be 3-D, got {}",
                    format_shape(other)
                ))
            }
        };
        let x = a.f32(0)?;
        let f = |i: usize| -> KResult<Option<&[f32]>> {
            match a.opt(i) {
                Some(t) => Ok(Some(
                    t.as_f32()
                        .ok_or_else(|| format!("operand #{i} must be f32"))?,
                )),
                None => Ok(None),
            }
        };
        let req = |i: usize| -> KResult<&[f32]> {
            f(i)?.ok_or_else(|| format!("operand #{i} is required"))
        };
        let w_fx = req(2)?;
        let n_cell = a.get(2)?.shape().first().copied().unwrap_or(0);
        if n_cell == 0 || w_fx.len() != n_cell * n_in {
            return Err(format!(
                "input_to_forget_weights of shape {} do not fit {n_in} inputs",
                format_shape(a.get(2)?.shape())
            ));
        }
        let h0 = req(18)?;
        let c0 = req(19)?;
        if batch == 0 || h0.len() % batch != 0 || c0.len() != batch * n_cell {
            return Err("the state operands do not fit the batch".into());
        }
        let n_out = h0.len() / batch;
        let cifg = f(1)?.is_none();
        let norm = |i| f(i);
        let gate = |wx: usize,
                    wh: usize,
                    peep: Option<usize>,
                    bias: usize,
                    ln: usize|
         -> KResult<Gate<'_>> {
            let g = Gate {
                wx: req(wx)?,
                wh: req(wh)?,
                peep: match peep {
                    Some(p) => f(p)?,
                    None => None,
                },
                bias: req(bias)?,
                norm: norm(ln)?,
            };
            if g.wx.len() != n_cell * n_in
                || g.wh.len() != n_cell * n_out
                || g.bias.len() != n_cell
                || g.peep.is_some_and(|p| p.len() != n_cell)
                || g.norm.is_some_and(|p| p.len() != n_cell)
            {
                return Err(format!(
                    "the weights of gate {wx} do not fit {n_cell} cells"
                ));
            }
            Ok(g)
        };
        let ig = if cifg {
            None
        } else {
            Some(gate(1, 5, Some(9), 12, 20)?)
        };
        let fg = gate(2, 6, Some(10), 13, 21)?;
        let cg = gate(3, 7, None, 14, 22)?;
        let og = gate(4, 8, Some(11), 15, 23)?;
        let proj = f(16)?;
        let proj_bias = f(17)?;
        if let Some(p) = proj {
            if p.len() != n_out * n_cell {
                return Err("projection_weights do not fit".into());
            }
        } else if n_out != n_cell {
            return Err(format!(
                "without a projection the output size {n_out} must equal {n_cell} cells"
            ));
        }
        let mut h = h0.to_vec();
        let mut c = c0.to_vec();
        let mut out = vec![0.0f32; t_len * batch * n_out];
        let (mut gi, mut gf, mut gc, mut go) = (
            vec![0.0; n_cell],
            vec![0.0; n_cell],
            vec![0.0; n_cell],
            vec![0.0; n_cell],
        );
        let mut tmp = vec![0.0f32; n_cell];
        for t in 0..t_len {
            for b in 0..batch {
                let xo = if self.time_major {
                    (t * batch + b) * n_in
                } else {
                    (b * t_len + t) * n_in
                };
                let xb = &x[xo..xo + n_in];
                let hb = h[b * n_out..(b + 1) * n_out].to_vec();
                let cb = &mut c[b * n_cell..(b + 1) * n_cell];
                fg.compute(xb, &hb, cb, &mut gf);
                logistic(&mut gf);
                if let Some(ig) = &ig {
                    ig.compute(xb, &hb, cb, &mut gi);
                    logistic(&mut gi);
                } else {
                    gi.iter_mut().zip(&gf).for_each(|(i, f)| *i = 1.0 - f);
                }
                cg.compute(xb, &hb, cb, &mut gc);
                self.act.apply(&mut gc);
                for k in 0..n_cell {
                    let mut v = cb[k] * gf[k] + gi[k] * gc[k];
                    if self.cell_clip > 0.0 {
                        v = v.clamp(-self.cell_clip, self.cell_clip);
                    }
                    cb[k] = v;
                }
                og.compute(xb, &hb, cb, &mut go);
                logistic(&mut go);
                tmp.copy_from_slice(cb);
                self.act.apply(&mut tmp);
                tmp.iter_mut().zip(&go).for_each(|(v, o)| *v *= o);
                let hb = &mut h[b * n_out..(b + 1) * n_out];
                match proj {
                    Some(p) => {
                        for (k, v) in hb.iter_mut().enumerate() {
                            let mut s = dot(&p[k * n_cell..(k + 1) * n_cell], &tmp);
                            if let Some(pb) = proj_bias {
                                s += pb.get(k).copied().unwrap_or(0.0);
                            }
                            if self.proj_clip > 0.0 {
                                s = s.clamp(-self.proj_clip, self.proj_clip);
                            }
                            *v = s;
                        }
                    }
                    None => hb.copy_from_slice(&tmp),
                }
                let oo = if self.time_major {
                    (t * batch + b) * n_out
                } else {
                    (b * t_len + t) * n_out
                };
                out[oo..oo + n_out].copy_from_slice(hb);
            }
        }
        let shape = if self.time_major {
            [t_len, batch, n_out]
        } else {
            [batch, t_len, n_out]
        };
        one(Tensor::from_f32(&shape, out).map_err(|e| e.to_string())?)
    }
}
