//! LiteRT's 8-bit DIV fails at run time when a divisor is stored as its zero point (a real 0):
//! its builtin kernel, which runs every quantized DIV (XNNPACK takes only float ones), checks
//! every element of the divisor first (`div.cc`, `CheckNonZero`). The interpreter fails the same
//! way, naming the element, so `tqopt eval` does not score a model LiteRT cannot run on the data.

use tqopt_ir::dialect::tfl;
use tqopt_ir::{Module, OpId, QuantParams};

use crate::error::KResult;
use crate::kernels::{Args, BoxKernel, Kernel, Outputs};
use crate::tensor::TensorData;

/// The zero point of `op`'s divisor when `op` is an int8 or uint8 `tfl.div` with a per-tensor
/// quantized divisor.
fn divisor_zero_point(m: &Module, op: OpId) -> Option<i64> {
    let data = m.op(op);
    if !data.is(&tfl::DIV) {
        return None;
    }
    let q = m
        .value_type(*data.operands().get(1)?)
        .element_type()?
        .as_quant()?;
    match q.params {
        QuantParams::PerTensor { zero_point, .. } if q.storage.width == 8 => Some(zero_point),
        _ => None,
    }
}

struct CheckedDivisor {
    inner: BoxKernel,
    zero_point: i64,
}

impl Kernel for CheckedDivisor {
    fn run(&self, a: &mut Args<'_>) -> KResult<Outputs> {
        let divisor = a.get(1)?;
        let at = match divisor.data() {
            TensorData::I8(v) => v.iter().position(|&q| q as i64 == self.zero_point),
            TensorData::U8(v) => v.iter().position(|&q| q as i64 == self.zero_point),
            _ => None,
        };
        if let Some(i) = at {
            return Err(format!(
                "LiteRT fails on this input: element {i} of the divisor is stored as its zero \
                 point {} (a real 0), which LiteRT's 8-bit DIV refuses at run time",
                self.zero_point
            ));
        }
        self.inner.run(a)
    }
}

/// `kernel`, checking the divisor first when `op` is an 8-bit quantized `tfl.div`.
pub(crate) fn wrap(m: &Module, op: OpId, kernel: BoxKernel) -> BoxKernel {
    match divisor_zero_point(m, op) {
        Some(zero_point) => Box::new(CheckedDivisor {
            inner: kernel,
            zero_point,
        }),
        None => kernel,
    }
}
