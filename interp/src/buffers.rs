//! Recycled f32 buffers.
//!
//! Every run allocates the same intermediate tensors again. Fresh allocations of a few hundred
//! kilobytes come from the kernel as zeroed pages, and touching them costs a page fault per
//! 4 KiB, which for these models is as much time as the arithmetic. So the interpreter hands
//! the buffers of dropped intermediates back to a small per-thread pool, and kernels take their
//! output buffers from it. The pool is per thread (no locking) and bounded.

use std::cell::RefCell;

/// Buffers kept per thread at most.
const MAX_BUFFERS: usize = 48;
/// Total elements kept per thread at most (256 MiB of f32).
const MAX_ELEMENTS: usize = 64 << 20;

#[derive(Default)]
struct Pool {
    buffers: Vec<Vec<f32>>,
    elements: usize,
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// A buffer of `n` elements whose contents are unspecified (but initialized): the caller
/// overwrites every element.
pub(crate) fn take(n: usize) -> Vec<f32> {
    let found = POOL.with(|p| {
        let mut p = p.borrow_mut();
        // The smallest buffer that already holds n elements, else the largest one that can.
        let mut best: Option<usize> = None;
        for (i, b) in p.buffers.iter().enumerate() {
            if b.capacity() >= n && b.capacity() <= n.saturating_mul(4).max(1024) {
                let better = match best {
                    None => true,
                    Some(j) => b.capacity() < p.buffers[j].capacity(),
                };
                if better {
                    best = Some(i);
                }
            }
        }
        best.map(|i| {
            let b = p.buffers.swap_remove(i);
            p.elements -= b.capacity();
            b
        })
    });
    match found {
        Some(mut v) => {
            if v.len() >= n {
                v.truncate(n);
            } else {
                v.resize(n, 0.0);
            }
            v
        }
        None => vec![0.0; n],
    }
}

/// A buffer of `n` zeros.
pub(crate) fn zeroed(n: usize) -> Vec<f32> {
    let mut v = take(n);
    v.fill(0.0);
    v
}

/// An empty buffer with room for `n` elements (for `extend`).
pub(crate) fn with_capacity(n: usize) -> Vec<f32> {
    let mut v = take(n);
    v.clear();
    v
}

/// Gives a buffer back for reuse.
pub(crate) fn recycle(v: Vec<f32>) {
    let cap = v.capacity();
    if cap < 1024 {
        return;
    }
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.buffers.len() >= MAX_BUFFERS || p.elements + cap > MAX_ELEMENTS {
            // Make room by dropping the smallest buffer if this one is larger.
            let Some((i, smallest)) = p
                .buffers
                .iter()
                .enumerate()
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, b)| (i, b.capacity()))
            else {
                return;
            };
            if smallest >= cap || p.elements - smallest + cap > MAX_ELEMENTS {
                return;
            }
            p.buffers.swap_remove(i);
            p.elements -= smallest;
        }
        p.elements += cap;
        p.buffers.push(v);
    });
}

/// Recycles the f32 buffer of a tensor the caller owns.
pub(crate) fn recycle_tensor(t: crate::tensor::Tensor) {
    if let crate::tensor::TensorData::F32(v) = t.into_data() {
        recycle(v);
    }
}
