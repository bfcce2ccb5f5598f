//! libstdc++'s binary-heap algorithms (`<bits/stl_heap.h>`), step for step: LiteRT's kernels
//! order equal keys however `std::partial_sort` and `std::priority_queue` leave them, so the
//! interpreter must move elements exactly as they do to pick the same ones.
//!
//! `comp(a, b)` is the heap's "less than": the heap's first element is one that no other
//! compares greater than.

/// `std::make_heap`.
pub(crate) fn make_heap<T: Copy>(v: &mut [T], comp: &impl Fn(T, T) -> bool) {
    let len = v.len();
    if len < 2 {
        return;
    }
    let mut parent = (len - 2) / 2;
    loop {
        let value = v[parent];
        adjust_heap(v, parent, value, comp);
        if parent == 0 {
            return;
        }
        parent -= 1;
    }
}

/// `std::push_heap` of the last element of `v` onto the heap `v[..len - 1]`.
pub(crate) fn push_heap<T: Copy>(v: &mut [T], comp: &impl Fn(T, T) -> bool) {
    if let Some(&value) = v.last() {
        let hole = v.len() - 1;
        sift_up(v, hole, 0, value, comp);
    }
}

/// `std::pop_heap`: the first element goes to the end of `v`, and `v[..len - 1]` is a heap
/// again.
pub(crate) fn pop_heap<T: Copy>(v: &mut [T], comp: &impl Fn(T, T) -> bool) {
    let len = v.len();
    if len > 1 {
        let value = v[len - 1];
        v[len - 1] = v[0];
        adjust_heap(&mut v[..len - 1], 0, value, comp);
    }
}

/// `__adjust_heap(first, hole, len, value, comp)`: the hole moves down to a leaf along the
/// larger children, then `value` moves up from there (`__push_heap`).
pub(crate) fn adjust_heap<T: Copy>(
    v: &mut [T],
    mut hole: usize,
    value: T,
    comp: &impl Fn(T, T) -> bool,
) {
    let len = v.len();
    let top = hole;
    let mut child = hole;
    while child < (len.saturating_sub(1)) / 2 {
        child = 2 * (child + 1);
        if comp(v[child], v[child - 1]) {
            child -= 1;
        }
        v[hole] = v[child];
        hole = child;
    }
    if len % 2 == 0 && len >= 2 && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        v[hole] = v[child - 1];
        hole = child - 1;
    }
    sift_up(v, hole, top, value, comp);
}

/// `__push_heap(first, hole, top, value, comp)`: `value` moves up from `hole` while its
/// parent compares less.
fn sift_up<T: Copy>(
    v: &mut [T],
    mut hole: usize,
    top: usize,
    value: T,
    comp: &impl Fn(T, T) -> bool,
) {
    let mut parent = hole.wrapping_sub(1) / 2;
    while hole > top && comp(v[parent], value) {
        v[hole] = v[parent];
        hole = parent;
        parent = hole.wrapping_sub(1) / 2;
    }
    v[hole] = value;
}

/// `std::priority_queue<T, Container, Compare>` over libstdc++'s heap: `top` is the element
/// no other compares greater than, ties as libstdc++ leaves them.
pub(crate) struct PriorityQueue<T, C> {
    items: Vec<T>,
    comp: C,
}

impl<T: Copy, C: Fn(T, T) -> bool> PriorityQueue<T, C> {
    pub(crate) fn new(comp: C) -> Self {
        PriorityQueue {
            items: Vec::new(),
            comp,
        }
    }

    pub(crate) fn push(&mut self, item: T) {
        self.items.push(item);
        push_heap(&mut self.items, &self.comp);
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        pop_heap(&mut self.items, &self.comp);
        self.items.pop()
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_descending_order() {
        let mut q = PriorityQueue::new(|a: i32, b: i32| a < b);
        for x in [3, 9, 1, 7, 7, 4, 10, 0] {
            q.push(x);
        }
        let mut out = Vec::new();
        while let Some(x) = q.pop() {
            out.push(x);
        }
        assert_eq!(out, vec![10, 9, 7, 7, 4, 3, 1, 0]);
    }

    /// Pushes `(score, index)` for each score in turn, pops them all, returns the indices.
    fn pop_order(scores: &[f32]) -> Vec<usize> {
        let mut q = PriorityQueue::new(|a: (f32, usize), b: (f32, usize)| a.0 < b.0);
        for (i, &s) in scores.iter().enumerate() {
            q.push((s, i));
        }
        std::iter::from_fn(|| q.pop().map(|(_, i)| i)).collect()
    }

    #[test]
    fn equal_keys_come_out_in_libstdcxx_order() {
        // What a std::priority_queue<Candidate, std::deque<Candidate>> compared on the score
        // (as LiteRT's non-max suppression declares it) pops, compiled with g++ 12 (Debian
        // bookworm) on 2026-12-07.
        assert_eq!(pop_order(&[1.0; 6]), vec![0, 2, 5, 4, 1, 3]);
        assert_eq!(
            pop_order(&[0.5, 0.9, 0.5, 0.7, 0.9, 0.5, 0.7, 0.5, 0.9]),
            vec![1, 4, 8, 6, 3, 5, 2, 0, 7]
        );
    }
}
