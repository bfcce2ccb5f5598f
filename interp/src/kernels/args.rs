//! What a kernel sees: [`OpInfo`] when it is built (attributes, IR types, constant operands)
//! and [`Args`] when it runs (the operand tensors, some of which it may take over and reuse).

use std::sync::Arc;

use smallvec::SmallVec;
use tqopt_ir::{Attribute, ElementType, Module, OpId, Type};

use crate::error::KResult;
use crate::tensor::{Element, Tensor};

/// An op as its kernel builder sees it.
pub(crate) struct OpInfo<'a> {
    pub module: &'a Module,
    pub op: OpId,
    /// The value of each operand when it is a constant known at plan time.
    pub consts: &'a [Option<&'a Tensor>],
}

impl<'a> OpInfo<'a> {
    pub fn name(&self) -> &'a str {
        self.module.op(self.op).name.as_str()
    }

    pub fn attr(&self, name: &str) -> Option<&'a Attribute> {
        self.module.op(self.op).attr(name)
    }

    pub fn num_operands(&self) -> usize {
        self.module.op(self.op).operands().len()
    }

    pub fn num_results(&self) -> usize {
        self.module.op(self.op).results().len()
    }

    pub fn operand_type(&self, i: usize) -> Option<&'a Type> {
        let v = *self.module.op(self.op).operands().get(i)?;
        Some(self.module.value_type(v))
    }

    pub fn result_type(&self, i: usize) -> Option<&'a Type> {
        let v = *self.module.op(self.op).results().get(i)?;
        Some(self.module.value_type(v))
    }

    pub fn operand_elem(&self, i: usize) -> Option<&'a ElementType> {
        self.operand_type(i)?.element_type()
    }

    pub fn result_elem(&self, i: usize) -> Option<&'a ElementType> {
        self.result_type(i)?.element_type()
    }

    /// The plan-time value of operand `i`, if it is a constant.
    pub fn constant(&self, i: usize) -> Option<&'a Tensor> {
        self.consts.get(i).copied().flatten()
    }

    /// Fails unless the op has at least `n` operands.
    pub fn expect_operands(&self, n: usize) -> KResult<()> {
        if self.num_operands() < n {
            return Err(format!(
                "expects at least {n} operands but has {}",
                self.num_operands()
            ));
        }
        Ok(())
    }
}

/// One operand at run time.
pub(crate) enum Arg<'a> {
    /// A `tfl.no_value`.
    Absent,
    /// A constant of the plan.
    Const(&'a Tensor),
    /// A value computed at run time; when the interpreter hands over the only reference (this op
    /// is the value's last use), the kernel may take the buffer and reuse it.
    Val(Arc<Tensor>),
}

/// The operands of one kernel run.
pub(crate) struct Args<'a> {
    items: SmallVec<[Arg<'a>; 4]>,
}

impl Drop for Args<'_> {
    /// Operands handed over to the kernel and not reused by it go back to the buffer pool.
    fn drop(&mut self) {
        for item in self.items.drain(..) {
            if let Arg::Val(t) = item {
                if let Ok(t) = Arc::try_unwrap(t) {
                    crate::buffers::recycle_tensor(t);
                }
            }
        }
    }
}

impl<'a> Args<'a> {
    pub fn new(items: SmallVec<[Arg<'a>; 4]>) -> Args<'a> {
        Args { items }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Operand `i`; an error if it is absent or missing.
    pub fn get(&self, i: usize) -> KResult<&Tensor> {
        self.opt(i)
            .ok_or_else(|| format!("operand #{i} is missing"))
    }

    /// Operand `i`, or `None` for a `tfl.no_value` or a missing operand.
    pub fn opt(&self, i: usize) -> Option<&Tensor> {
        match self.items.get(i)? {
            Arg::Absent => None,
            Arg::Const(t) => Some(t),
            Arg::Val(t) => Some(t),
        }
    }

    /// Operand `i` as a typed slice.
    pub fn slice<T: Element>(&self, i: usize) -> KResult<&[T]> {
        let t = self.get(i)?;
        t.as_slice::<T>().ok_or_else(|| {
            format!(
                "operand #{i} has element type {} where {} is needed",
                t.dtype(),
                T::DTYPE
            )
        })
    }

    /// Operand `i` as f32 elements.
    pub fn f32(&self, i: usize) -> KResult<&[f32]> {
        self.slice::<f32>(i)
    }

    /// Takes operand `i` by value: its buffer when this op holds the only reference, a copy
    /// otherwise. The operand reads as absent afterwards.
    pub fn take(&mut self, i: usize) -> KResult<Tensor> {
        let item = self
            .items
            .get_mut(i)
            .ok_or_else(|| format!("operand #{i} is missing"))?;
        match std::mem::replace(item, Arg::Absent) {
            Arg::Absent => Err(format!("operand #{i} is missing")),
            Arg::Const(t) => Ok(t.clone()),
            Arg::Val(t) => Ok(Arc::try_unwrap(t).unwrap_or_else(|shared| (*shared).clone())),
        }
    }

    /// Takes operand `i` only if its buffer can be reused without a copy.
    pub fn take_if_unique(&mut self, i: usize) -> Option<Tensor> {
        let item = self.items.get_mut(i)?;
        if let Arg::Val(t) = item {
            if Arc::strong_count(t) == 1 {
                if let Arg::Val(t) = std::mem::replace(item, Arg::Absent) {
                    return Arc::try_unwrap(t).ok();
                }
            }
        }
        None
    }

    /// Operand `i` read as integers (an index or shape operand of any integer type).
    pub fn ints(&self, i: usize) -> KResult<Vec<i64>> {
        let t = self.get(i)?;
        match t.dtype() {
            crate::tensor::DType::F32 | crate::tensor::DType::F16 => Err(format!(
                "operand #{i} must be an integer tensor but has element type {}",
                t.dtype()
            )),
            _ => Ok(t.to_i64_vec()),
        }
    }
}
