//! `tfl.non_max_suppression_v4` and `_v5`: single-class greedy non-max suppression (Soft-NMS
//! with V5's `soft_nms_sigma` > 0), computed as LiteRT's reference kernel
//! (`kernels/internal/reference/non_max_suppression.h`):
//!
//! - candidates are the boxes scoring above `score_threshold`, in a `std::priority_queue` on
//!   the score: equal scores leave it in libstdc++'s heap order ([`super::stl_heap`]);
//! - the best candidate is compared with the boxes selected since it was last compared,
//!   newest first: an IoU of at least `iou_threshold` drops it; with Soft-NMS each IoU
//!   multiplies its score by `exp(-0.5 / sigma · iou²)`, and it stops there once the score is
//!   at most `score_threshold`;
//! - unchanged, it is selected; decayed but above the threshold, it goes back in the queue;
//! - at most `min(max_output_size, candidates)` are selected; the results have
//!   `max_output_size` elements, the rest zeros (LiteRT's `ResetUnusedElementsToZeroes`).
//!
//! Boxes are `[y1, x1, y2, x2]` corners in either order; a box of zero or negative area
//! overlaps nothing. Float only: LiteRT has no quantized kernel.

use super::stl_heap::PriorityQueue;
use super::{kernel, Args, BoxKernel, OpInfo, Outputs};
use crate::error::KResult;
use crate::tensor::{Shape, Tensor, TensorData};

pub(crate) fn build(info: &OpInfo<'_>) -> KResult<BoxKernel> {
    let soft = info.name() == "tfl.non_max_suppression_v5";
    info.expect_operands(if soft { 6 } else { 5 })?;
    // The selected indices' static shape, when the IR declares one.
    let declared_shape: Option<Vec<usize>> = info
        .result_type(0)
        .and_then(|t| t.as_tensor())
        .and_then(|t| t.shape.iter().map(|&d| usize::try_from(d).ok()).collect());
    kernel(move |a: &mut Args<'_>| run(a, soft, declared_shape.as_deref()))
}

fn scalar_f32(a: &Args<'_>, i: usize, what: &str) -> KResult<f32> {
    match a.f32(i)? {
        [v] => Ok(*v),
        v => Err(format!("{what} must be one value, not {}", v.len())),
    }
}

fn run(a: &mut Args<'_>, soft: bool, declared_shape: Option<&[usize]>) -> KResult<Outputs> {
    let boxes_t = a.get(0)?;
    let n = match boxes_t.shape() {
        &[n, 4] => n,
        s => return Err(format!("boxes must have shape [N, 4], not {s:?}")),
    };
    let boxes = a.f32(0)?;
    let scores = a.f32(1)?;
    if scores.len() != n {
        return Err(format!("{} scores for {n} boxes", scores.len()));
    }
    let max_output = match a.ints(2)?.as_slice() {
        &[m] if (0..=i64::from(i32::MAX)).contains(&m) => m as usize,
        m => return Err(format!("max_output_size must be one value >= 0, not {m:?}")),
    };
    // The results hold max_output_size elements, whatever the number of boxes.
    crate::budget::check_dims(&[max_output], 4)
        .map_err(|e| format!("max_output_size {max_output}: {e}"))?;
    let iou_threshold = scalar_f32(a, 3, "iou_threshold")?;
    let score_threshold = scalar_f32(a, 4, "score_threshold")?;
    let sigma = if soft {
        scalar_f32(a, 5, "soft_nms_sigma")?
    } else {
        0.0
    };
    if sigma < 0.0 {
        return Err(format!(
            "soft_nms_sigma is {sigma}, which must not be negative"
        ));
    }
    let (indices, selected_scores) = suppress(
        boxes,
        scores,
        max_output,
        iou_threshold,
        score_threshold,
        sigma,
    );
    let count = indices.len();
    let mut idx: Vec<i32> = indices.iter().map(|&i| i as i32).collect();
    idx.resize(max_output, 0);
    // LiteRT resizes the results to [max_output_size]; TensorFlow's converter may declare
    // them [1, max_output_size], which holds the same values.
    let shape: Shape = match declared_shape {
        Some(s) if s.iter().product::<usize>() == max_output => s.iter().copied().collect(),
        _ => [max_output].as_slice().into(),
    };
    let mut outs: Outputs =
        smallvec::smallvec![Tensor::from_parts(shape.clone(), TensorData::I32(idx))];
    if soft {
        let mut sc = selected_scores;
        sc.resize(max_output, 0.0);
        outs.push(Tensor::from_parts(shape, TensorData::F32(sc)));
    }
    outs.push(Tensor::scalar(count as i32));
    Ok(outs)
}

#[derive(Clone, Copy)]
struct Candidate {
    index: usize,
    score: f32,
    suppress_begin: usize,
}

/// The selected boxes' indices and (possibly decayed) scores, in the order of selection.
fn suppress(
    boxes: &[f32],
    scores: &[f32],
    max_output: usize,
    iou_threshold: f32,
    score_threshold: f32,
    sigma: f32,
) -> (Vec<usize>, Vec<f32>) {
    let mut queue = PriorityQueue::new(|a: Candidate, b: Candidate| a.score < b.score);
    for (index, &score) in scores.iter().enumerate() {
        if score > score_threshold {
            queue.push(Candidate {
                index,
                score,
                suppress_begin: 0,
            });
        }
    }
    let wanted = queue.len().min(max_output);
    let (mut selected, mut selected_scores) = (Vec::new(), Vec::new());
    let scale = if sigma > 0.0 { -0.5 / sigma } else { 0.0 };
    while selected.len() < wanted {
        let Some(mut next) = queue.pop() else { break };
        let original = next.score;
        let mut hard = false;
        for j in (next.suppress_begin..selected.len()).rev() {
            let iou = intersection_over_union(boxes, next.index, selected[j]);
            if iou >= iou_threshold {
                hard = true;
                break;
            }
            if sigma > 0.0 {
                next.score *= (scale * iou * iou).exp();
            }
            if next.score <= score_threshold {
                break;
            }
        }
        next.suppress_begin = selected.len();
        if !hard {
            if next.score == original {
                selected.push(next.index);
                selected_scores.push(next.score);
            }
            if next.score > score_threshold {
                queue.push(next);
            }
        }
    }
    (selected, selected_scores)
}

/// LiteRT's `ComputeIntersectionOverUnion` of boxes `i` and `j`, in f32.
fn intersection_over_union(boxes: &[f32], i: usize, j: usize) -> f32 {
    let corners = |k: usize| {
        let b = &boxes[4 * k..4 * k + 4];
        (
            b[0].min(b[2]),
            b[0].max(b[2]),
            b[1].min(b[3]),
            b[1].max(b[3]),
        )
    };
    let (iy0, iy1, ix0, ix1) = corners(i);
    let (jy0, jy1, jx0, jx1) = corners(j);
    let area_i = (iy1 - iy0) * (ix1 - ix0);
    let area_j = (jy1 - jy0) * (jx1 - jx0);
    if area_i <= 0.0 || area_j <= 0.0 {
        return 0.0;
    }
    let h = (iy1.min(jy1) - iy0.max(jy0)).max(0.0);
    let w = (ix1.min(jx1) - ix0.max(jx0)).max(0.0);
    let intersection = h * w;
    intersection / (area_i + area_j - intersection)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Boxes 0 and 1 overlap by IoU 0.9 / 1.1 = 0.818; box 2 is apart from both.
    const BOXES: [f32; 12] = [0.0, 0.0, 1.0, 1.0, 0.0, 0.1, 1.0, 1.1, 2.0, 2.0, 3.0, 3.0];

    #[test]
    fn overlapping_lower_scores_are_dropped() {
        let (idx, sc) = suppress(&BOXES, &[0.9, 0.8, 0.7], 3, 0.5, 0.0, 0.0);
        assert_eq!(idx, vec![0, 2]);
        assert_eq!(sc, vec![0.9, 0.7]);
    }

    #[test]
    fn scores_at_or_below_the_threshold_are_not_candidates() {
        let (idx, _) = suppress(&BOXES, &[0.9, 0.8, 0.7], 3, 0.5, 0.7, 0.0);
        assert_eq!(idx, vec![0]);
    }

    #[test]
    fn soft_nms_decays_instead_of_dropping() {
        // IoU 0.818 is under the threshold 0.9: box 1's score decays by exp(-0.5/0.5 · iou²)
        // and it is selected after box 2.
        let (idx, sc) = suppress(&BOXES, &[0.9, 0.8, 0.7], 3, 0.9, 0.0, 0.5);
        assert_eq!(idx, vec![0, 2, 1]);
        let iou = intersection_over_union(&BOXES, 1, 0);
        assert_eq!(sc[2], 0.8 * (-1.0f32 * iou * iou).exp());
    }

    #[test]
    fn degenerate_boxes_overlap_nothing() {
        let boxes = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0];
        assert_eq!(intersection_over_union(&boxes, 0, 1), 0.0);
    }
}
