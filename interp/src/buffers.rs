//! Recycled f32 buffers.
//!
//! Every run allocates the same intermediate tensors again. Fresh allocations of a few hundred
//! kilobytes come from the kernel as zeroed pages, and touching them costs a page fault per
//! 4 KiB, which for these models is as much time as the arithmetic. So the interpreter hands
//! the buffers of dropped intermediates back to a small per-thread pool, and kernels take their
//! output buffers from it. The pool is per thread (no locking) and bounded.
//!
//! Samples run on scoped threads that live for one batch ([`crate::parallel::map`]), so a
//! thread's pool would die with it and the next batch would fault its pages in again (on a
//! precision search, 14% of the time went to zeroing fresh pages). A thread that exits hands
//! its buffers to one shared pool (bounded the same way), and a thread whose own pool has no
//! fitting buffer takes one from there; [`release`] puts a tensor's buffer there directly.

use std::cell::RefCell;
use std::sync::Mutex;

/// Buffers kept per thread at most.
const MAX_BUFFERS: usize = 48;
/// Buffers the shared pool keeps at most (it receives whole models' activations).
const MAX_SHARED_BUFFERS: usize = 1024;
/// Total elements kept per pool at most (256 MiB of f32).
const MAX_ELEMENTS: usize = 64 << 20;
/// Smaller buffers are not pooled (allocating them is cheap).
const MIN_POOLED: usize = 1024;

struct Pool {
    buffers: Vec<Vec<f32>>,
    elements: usize,
    /// How many buffers it keeps at most.
    max_buffers: usize,
}

impl Pool {
    const fn new(max_buffers: usize) -> Pool {
        Pool {
            buffers: Vec::new(),
            elements: 0,
            max_buffers,
        }
    }

    /// Removes and returns the smallest buffer that holds `n` elements (and is not more than
    /// four times too big), if any.
    fn take_fitting(&mut self, n: usize) -> Option<Vec<f32>> {
        let mut best: Option<usize> = None;
        for (i, b) in self.buffers.iter().enumerate() {
            if b.capacity() >= n && b.capacity() <= n.saturating_mul(4).max(MIN_POOLED) {
                let better = match best {
                    None => true,
                    Some(j) => b.capacity() < self.buffers[j].capacity(),
                };
                if better {
                    best = Some(i);
                }
            }
        }
        best.map(|i| {
            let b = self.buffers.swap_remove(i);
            self.elements -= b.capacity();
            b
        })
    }

    /// Keeps `v` within the bounds, dropping the smallest buffer for a larger one.
    fn keep(&mut self, v: Vec<f32>) {
        let cap = v.capacity();
        if self.buffers.len() >= self.max_buffers || self.elements + cap > MAX_ELEMENTS {
            let Some((i, smallest)) = self
                .buffers
                .iter()
                .enumerate()
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, b)| (i, b.capacity()))
            else {
                return;
            };
            if smallest >= cap || self.elements - smallest + cap > MAX_ELEMENTS {
                return;
            }
            self.buffers.swap_remove(i);
            self.elements -= smallest;
        }
        self.elements += cap;
        self.buffers.push(v);
    }
}

/// A thread's own pool; at thread exit its buffers go to [`SHARED`].
struct ThreadPool(Pool);

impl Drop for ThreadPool {
    fn drop(&mut self) {
        if let Ok(mut shared) = SHARED.lock() {
            for b in self.0.buffers.drain(..) {
                shared.keep(b);
            }
        }
    }
}

/// The buffers of threads that have exited.
static SHARED: Mutex<Pool> = Mutex::new(Pool::new(MAX_SHARED_BUFFERS));

thread_local! {
    static POOL: RefCell<ThreadPool> = const { RefCell::new(ThreadPool(Pool::new(MAX_BUFFERS))) };
}

/// A buffer of `n` elements whose contents are unspecified (but initialized): the caller
/// overwrites every element.
pub(crate) fn take(n: usize) -> Vec<f32> {
    let found = POOL
        .try_with(|p| p.borrow_mut().0.take_fitting(n))
        .ok()
        .flatten()
        .or_else(|| {
            if n < MIN_POOLED {
                return None;
            }
            SHARED.lock().ok()?.take_fitting(n)
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
    if v.capacity() < MIN_POOLED {
        return;
    }
    // During thread teardown the pool may be gone: the buffer is then simply freed.
    let _ = POOL.try_with(|p| p.borrow_mut().0.keep(v));
}

/// Hands the f32 buffer of a tensor the caller owns to the shared pool, where the runs that
/// follow take it on any thread (a cache of activations that drops the last run's values).
pub fn release(t: crate::tensor::Tensor) {
    if let crate::tensor::TensorData::F32(v) = t.into_data() {
        if v.capacity() >= MIN_POOLED {
            if let Ok(mut shared) = SHARED.lock() {
                shared.keep(v);
            }
        }
    }
}

/// Recycles the f32 buffer of a tensor the caller owns.
pub(crate) fn recycle_tensor(t: crate::tensor::Tensor) {
    if let crate::tensor::TensorData::F32(v) = t.into_data() {
        recycle(v);
    }
}
