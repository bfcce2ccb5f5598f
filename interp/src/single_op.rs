//! Running one planned op of the entry function on operands the caller gives, outside a run.
//!
//! The per-layer debugger uses it to measure one op's own error: it feeds a quantized op the
//! float model's values (quantized with the op's operand types) and compares the result with
//! the float op's. The op runs exactly as in a full run (same kernel, same quantized
//! emulation, same plan-time constants): the caller only supplies the operands that are
//! computed at run time. Ops folded at plan time, ops with regions and calls have no single
//! kernel and cannot be run this way.

use std::sync::Arc;

use smallvec::SmallVec;
use tqopt_ir::OpId;

use crate::error::InterpError;
use crate::kernels::args::Arg;
use crate::kernels::Args;
use crate::plan::{check, Interpreter, Operand, Step, StepKind};
use crate::tensor::Tensor;

impl Interpreter {
    /// The kernel step of `op` at the top level of the entry function (also inside a fused
    /// chain), if it has one.
    fn kernel_step(&self, op: OpId) -> Option<&Step> {
        let body = &self.funcs[self.entry].body;
        for step in &body.steps {
            match &step.kind {
                StepKind::Kernel(_) if step.op == op => return Some(step),
                StepKind::Fused { parts, .. } => {
                    if let Some(p) = parts
                        .iter()
                        .find(|p| p.op == op && matches!(p.kind, StepKind::Kernel(_)))
                    {
                        return Some(p);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Whether [`run_op`](Interpreter::run_op) can run `op`: it is an op of the entry
    /// function's body with a kernel of its own (not folded at plan time, no region, no call).
    pub fn can_run_op(&self, op: OpId) -> bool {
        self.kernel_step(op).is_some()
    }

    /// Which operands of `op` the caller must give to [`run_op`](Interpreter::run_op): true for
    /// an operand computed at run time, false for a constant of the plan or an absent operand.
    /// `None` when the op cannot be run alone.
    pub fn op_runtime_operands(&self, op: OpId) -> Option<Vec<bool>> {
        let step = self.kernel_step(op)?;
        Some(
            step.operands
                .iter()
                .map(|o| matches!(o, Operand::Slot(_)))
                .collect(),
        )
    }

    /// Runs `op` alone on `operands` (one per operand of the op; `None` for those the plan
    /// knows: constants and absent operands, whose given value is ignored) and returns its
    /// results, checked against their IR types. A run-time operand left `None`, or an op that
    /// cannot be run alone, is an error naming the op.
    pub fn run_op(
        &self,
        op: OpId,
        operands: Vec<Option<Tensor>>,
    ) -> Result<Vec<Tensor>, InterpError> {
        let step = self.kernel_step(op).ok_or_else(|| {
            InterpError::structure(
                "the op has no kernel of its own at the top level of the entry function \
                 (folded at plan time, a region op or a call)",
            )
        })?;
        let StepKind::Kernel(kernel) = &step.kind else {
            return Err(step.error("has no kernel of its own"));
        };
        if operands.len() != step.operands.len() {
            return Err(step.error(format!(
                "has {} operands but {} were given",
                step.operands.len(),
                operands.len()
            )));
        }
        let mut items: SmallVec<[Arg<'_>; 4]> = SmallVec::new();
        for (j, (o, given)) in step.operands.iter().zip(operands).enumerate() {
            items.push(match *o {
                Operand::Absent => Arg::Absent,
                Operand::Const(c) => Arg::Const(&self.consts[c as usize]),
                Operand::Unavailable(_) => {
                    return Err(step.error(format!(
                        "operand #{j} depends on an op the interpreter cannot run"
                    )))
                }
                Operand::Slot(_) => Arg::Val(Arc::new(given.ok_or_else(|| {
                    step.error(format!(
                        "operand #{j} is computed at run time but was not given"
                    ))
                })?)),
            });
        }
        let outs = kernel
            .run(&mut Args::new(items))
            .map_err(|e| step.error(e))?;
        if outs.len() != step.results.len() {
            return Err(step.error(format!(
                "computed {} results but the op has {}",
                outs.len(),
                step.results.len()
            )));
        }
        for (k, (t, e)) in outs.iter().zip(&step.expect).enumerate() {
            check(t, e).map_err(|msg| step.error(format!("result #{k}: {msg}")))?;
        }
        Ok(outs.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Interpreter, Tensor, TensorData};
    use tqopt_ir::SourceFile;

    fn module(text: &str) -> tqopt_ir::Module {
        let src = SourceFile::new("t.mlir", text);
        tqopt_textual_ir::parse(&src).expect("parses").module
    }

    /// A quantized add runs alone exactly as inside a run: dequantize, add, requantize.
    #[test]
    fn runs_one_quantized_op_alone() {
        let m = module(
            r#"func.func @main(%a: tensor<2x!quant.uniform<i8:f32, 0.5>>, %b: tensor<2x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x!quant.uniform<i8:f32, 0.25>> {
  %c = "tfl.pseudo_qconst"() <{qtype = tensor<2x!quant.uniform<i8:f32, 0.5>>, value = dense<[2, 4]> : tensor<2xi8>}> : () -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  %0 = "tfl.add"(%a, %b) <{fused_activation_function = "NONE"}> : (tensor<2x!quant.uniform<i8:f32, 0.5>>, tensor<2x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x!quant.uniform<i8:f32, 0.25>>
  %1 = "tfl.add"(%0, %c) <{fused_activation_function = "NONE"}> : (tensor<2x!quant.uniform<i8:f32, 0.25>>, tensor<2x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x!quant.uniform<i8:f32, 0.25>>
  return %1 : tensor<2x!quant.uniform<i8:f32, 0.25>>
}"#,
        );
        let interp = Interpreter::for_main(&m).unwrap();
        let f = m.funcs()[0];
        let body = tqopt_ir::dialect::func::entry_block(&m, f).unwrap();
        let ops: Vec<_> = m.block_ops(body).collect();
        let (qconst, add0, add1) = (ops[0], ops[1], ops[2]);
        assert!(!interp.can_run_op(qconst));
        assert_eq!(interp.op_runtime_operands(add1), Some(vec![true, false]));
        let q = |v: &[i8]| Tensor::new(&[2], TensorData::I8(v.to_vec())).unwrap();
        // (1 + 3) * 0.5 = 2.0 -> 8 at scale 0.25; (-2 + 1) * 0.5 = -0.5 -> -2.
        let out = interp
            .run_op(add0, vec![Some(q(&[1, -2])), Some(q(&[3, 1]))])
            .unwrap();
        assert_eq!(out[0].as_slice::<i8>().unwrap(), &[8, -2]);
        // The constant operand comes from the plan: 8*0.25 + 2*0.5 = 3.0 -> 12;
        // -2*0.25 + 4*0.5 = 1.5 -> 6.
        let out = interp.run_op(add1, vec![Some(q(&[8, -2])), None]).unwrap();
        assert_eq!(out[0].as_slice::<i8>().unwrap(), &[12, 6]);
        let missing = interp
            .run_op(add1, vec![None, None])
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("operand #0 is computed at run time"),
            "{missing}"
        );
    }
}
