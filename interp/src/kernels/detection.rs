//! `TFLite_Detection_PostProcess`: TensorFlow's SSD post-processing, computed as LiteRT's
//! kernel computes it (`tflite/kernels/detection_postprocess.cc`), so that `tqopt eval` and
//! calibration see the detections LiteRT reports.
//!
//! - **Decoding**: each anchor `(y, x, h, w)` and its encoding give a box
//!   `center ± half size`, with the center `e_y / y_scale * a_h + a_y` and the half size
//!   `0.5 * exp(e_h / h_scale) * a_h`, in double precision rounded to float as LiteRT does.
//! - **Fast suppression** (`use_regular_nms = false`): each box takes its best
//!   `max_classes_per_detection` classes; one class-agnostic suppression runs on the boxes' best
//!   scores.
//! - **Regular suppression**: one suppression per class, keeping `detections_per_class`
//!   boxes each, and the best `max_detections` of all of them, merged in descending score with
//!   earlier classes first among equal scores (LiteRT's one-thread order).
//! - A suppression keeps the boxes scoring at least `nms_score_threshold`, visits them in
//!   descending score (stable: lower anchor first among equal scores), and drops every later box
//!   whose intersection over union with a kept one exceeds `nms_iou_threshold`.
//! - Slots past the detections are zero (LiteRT leaves them unwritten in fast mode; the
//!   detections themselves are what its users read).
//!
//! Inputs are float32, or uint8 (box encodings with uint8 anchors, and scores), dequantized
//! first, as LiteRT takes them; it has no int8 path.

use tqopt_tflite::ops::custom::DetectionPostProcessOptions;

use super::quant::Dequant;
use super::stl_heap::{adjust_heap, make_heap};
use super::{kernel, Args, BoxKernel, OpInfo, Outputs};
use crate::error::KResult;
use crate::tensor::{Tensor, TensorData};

/// Box corners `[ymin, xmin, ymax, xmax]`.
type Corners = [f32; 4];

pub(crate) fn build(info: &OpInfo<'_>, bytes: &[u8]) -> KResult<BoxKernel> {
    info.expect_operands(3)?;
    if info.num_results() != 4 {
        return Err(format!(
            "TFLite_Detection_PostProcess has 4 results (boxes, classes, scores, count), not {}",
            info.num_results()
        ));
    }
    let o = DetectionPostProcessOptions::parse(bytes)?;
    let dequant = |i: usize| {
        info.operand_elem(i)
            .and_then(|e| e.as_quant())
            .map(Dequant::from_type)
            .transpose()
    };
    let (dq_boxes, dq_scores, dq_anchors) = (dequant(0)?, dequant(1)?, dequant(2)?);
    kernel(move |a: &mut Args<'_>| {
        let encodings = a.get(0)?;
        let scores = a.get(1)?;
        let anchors = a.get(2)?;
        let (n, width) = match encodings.shape() {
            [1, n, w] if *w >= 4 => (*n, *w),
            s => return Err(format!("box encodings must be [1, boxes, >= 4], not {s:?}")),
        };
        let k = match scores.shape() {
            [1, m, k] if *m == n => *k,
            s => return Err(format!("class scores must be [1, {n}, classes], not {s:?}")),
        };
        if anchors.shape() != [n, 4] {
            return Err(format!(
                "anchors must be [{n}, 4], not {:?}",
                anchors.shape()
            ));
        }
        let (enc, anc) = match (&dq_boxes, encodings.data()) {
            (None, TensorData::F32(e)) => match anchors.data() {
                TensorData::F32(v) => (e.clone(), v.clone()),
                _ => return Err("float box encodings need float32 anchors".into()),
            },
            (Some(d), TensorData::U8(_)) => {
                let anchors_dq = dq_anchors
                    .as_ref()
                    .filter(|_| matches!(anchors.data(), TensorData::U8(_)))
                    .ok_or("uint8 box encodings need uint8 anchors")?;
                (d.to_f32(encodings, 0)?, anchors_dq.to_f32(anchors, 0)?)
            }
            _ => {
                return Err(
                    "box encodings must be float32 or uint8 (LiteRT's kernel takes no other)"
                        .into(),
                )
            }
        };
        let sc = match (&dq_scores, scores.data()) {
            (None, TensorData::F32(v)) => v.clone(),
            (Some(d), TensorData::U8(_)) => d.to_f32(scores, 0)?,
            _ => {
                return Err(
                    "class scores must be float32 or uint8 (LiteRT's kernel takes no other)".into(),
                )
            }
        };
        let boxes = decode(&o, &enc, width, &anc);
        postprocess(&o, &boxes, &sc, k)
    })
}

/// The boxes of every anchor.
fn decode(
    o: &DetectionPostProcessOptions,
    enc: &[f32],
    width: usize,
    anchors: &[f32],
) -> Vec<Corners> {
    let (sy, sx, sh, sw) = (
        o.y_scale as f64,
        o.x_scale as f64,
        o.h_scale as f64,
        o.w_scale as f64,
    );
    anchors
        .chunks_exact(4)
        .zip(enc.chunks_exact(width))
        .map(|(a, e)| {
            let (ay, ax, ah, aw) = (a[0] as f64, a[1] as f64, a[2] as f64, a[3] as f64);
            let yc = (e[0] as f64 / sy * ah + ay) as f32;
            let xc = (e[1] as f64 / sx * aw + ax) as f32;
            let hh = (0.5 * (e[2] as f64 / sh).exp() * ah) as f32;
            let hw = (0.5 * (e[3] as f64 / sw).exp() * aw) as f32;
            [yc - hh, xc - hw, yc + hh, xc + hw]
        })
        .collect()
}

/// The four results from the decoded boxes and the `[boxes, k]` scores.
fn postprocess(
    o: &DetectionPostProcessOptions,
    boxes: &[Corners],
    scores: &[f32],
    k: usize,
) -> KResult<Outputs> {
    let classes = usize::try_from(o.num_classes).map_err(|_| "num_classes is negative")?;
    if k < classes || k - classes > 1 {
        return Err(format!(
            "class scores have {k} columns for {classes} classes (at most one background column)"
        ));
    }
    let offset = k - classes;
    let max_det = usize::try_from(o.max_detections).map_err(|_| "max_detections is negative")?;
    let per_det = usize::try_from(o.max_classes_per_detection)
        .map_err(|_| "max_classes_per_detection is negative")?;
    let slots = max_det * per_det;
    let mut out_boxes = vec![0f32; slots * 4];
    let mut out_classes = vec![0f32; slots];
    let mut out_scores = vec![0f32; slots];
    let n = boxes.len();
    let count;
    if o.use_regular_nms {
        let per_class = o.detections_per_class.min(o.max_detections);
        if per_class <= 0 {
            return Err("detections_per_class and max_detections must be positive".into());
        }
        // (score, index into the [boxes, k] scores), best first.
        let mut kept: Vec<(f32, usize)> = Vec::new();
        let mut column = vec![0f32; n];
        for c in 0..classes {
            for (row, s) in column.iter_mut().enumerate() {
                *s = scores[row * k + c + offset];
            }
            let selected = suppress(o, boxes, &column, per_class as usize)?;
            let new: Vec<(f32, usize)> = selected
                .iter()
                .map(|&row| (column[row], row * k + c + offset))
                .collect();
            kept = merge_descending(&kept, &new);
            kept.truncate(max_det);
        }
        for (slot, &(score, index)) in kept.iter().enumerate().take(slots) {
            let anchor = index / k;
            out_boxes[slot * 4..slot * 4 + 4].copy_from_slice(&boxes[anchor]);
            out_classes[slot] = (index - anchor * k - offset) as f32;
            out_scores[slot] = score;
        }
        count = kept.len();
    } else {
        if per_det == 0 {
            return Err("max_classes_per_detection must be positive".into());
        }
        let take = per_det.min(classes);
        let mut best = vec![0f32; n];
        let mut ranked: Vec<Vec<usize>> = Vec::with_capacity(n);
        for (row, b) in best.iter_mut().enumerate() {
            let s = &scores[row * k + offset..row * k + offset + classes];
            let order = top_classes(s, take);
            *b = s[order[0]];
            ranked.push(order);
        }
        let selected = suppress(o, boxes, &best, max_det)?;
        for (i, &row) in selected.iter().enumerate() {
            let s = &scores[row * k + offset..row * k + offset + classes];
            for (col, &class) in ranked[row].iter().enumerate().take(take) {
                let slot = per_det * i + col;
                out_boxes[slot * 4..slot * 4 + 4].copy_from_slice(&boxes[row]);
                out_classes[slot] = class as f32;
                out_scores[slot] = s[class];
            }
        }
        count = selected.len();
    }
    let tensor =
        |shape: &[usize], v: Vec<f32>| Tensor::from_f32(shape, v).map_err(|e| e.to_string());
    Ok(smallvec::smallvec![
        tensor(&[1, slots, 4], out_boxes)?,
        tensor(&[1, slots], out_classes)?,
        tensor(&[1, slots], out_scores)?,
        tensor(&[1], vec![count as f32])?,
    ])
}

/// The `take` best classes of one box, best first. One class: the first of the highest scores
/// (LiteRT's `ArgMaxVector`). More: ordered as LiteRT's `std::partial_sort` (libstdc++'s heap
/// selection), which [`partial_sort_descending`] reproduces, ties included.
fn top_classes(scores: &[f32], take: usize) -> Vec<usize> {
    if take == 1 {
        let mut best = 0;
        for (i, &s) in scores.iter().enumerate().skip(1) {
            if s > scores[best] {
                best = i;
            }
        }
        return vec![best];
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    partial_sort_descending(&mut order, take, scores);
    order.truncate(take);
    order
}

/// One suppression over `scores` (one per box): the indices of the boxes kept, best first.
fn suppress(
    o: &DetectionPostProcessOptions,
    boxes: &[Corners],
    scores: &[f32],
    max: usize,
) -> KResult<Vec<usize>> {
    let iou_max = o.nms_iou_threshold;
    if !(iou_max > 0.0 && iou_max <= 1.0) {
        return Err(format!("nms_iou_threshold {iou_max} must be in (0, 1]"));
    }
    if let Some(i) = boxes.iter().position(|b| b[0] > b[2] || b[1] > b[3]) {
        return Err(format!(
            "decoded box {i} {:?} has its minimum past its maximum, which LiteRT's kernel refuses",
            boxes[i]
        ));
    }
    let mut candidates: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] >= o.nms_score_threshold)
        .collect();
    // A stable sort, as LiteRT's: equal scores keep the lower index first.
    candidates.sort_by(|&a, &b| {
        scores[b]
            .partial_cmp(&scores[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let limit = candidates.len().min(max);
    let mut active = vec![true; candidates.len()];
    let mut selected = Vec::with_capacity(limit);
    for i in 0..candidates.len() {
        if selected.len() >= limit {
            break;
        }
        if !active[i] {
            continue;
        }
        selected.push(candidates[i]);
        active[i] = false;
        for j in i + 1..candidates.len() {
            if active[j] && iou(&boxes[candidates[i]], &boxes[candidates[j]]) > iou_max {
                active[j] = false;
            }
        }
    }
    Ok(selected)
}

/// Intersection over union, in float as LiteRT computes it (0 for an empty box).
fn iou(a: &Corners, b: &Corners) -> f32 {
    let area_a = (a[2] - a[0]) * (a[3] - a[1]);
    let area_b = (b[2] - b[0]) * (b[3] - b[1]);
    if area_a <= 0.0 || area_b <= 0.0 {
        return 0.0;
    }
    let h = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let w = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = h * w;
    inter / (area_a + area_b - inter)
}

/// Merges two lists sorted by descending score; among equal scores, `first`'s come first
/// (`std::inplace_merge`'s stability).
fn merge_descending(first: &[(f32, usize)], second: &[(f32, usize)]) -> Vec<(f32, usize)> {
    let mut out = Vec::with_capacity(first.len() + second.len());
    let (mut i, mut j) = (0, 0);
    while i < first.len() && j < second.len() {
        if second[j].0 > first[i].0 {
            out.push(second[j]);
            j += 1;
        } else {
            out.push(first[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&first[i..]);
    out.extend_from_slice(&second[j..]);
    out
}

/// libstdc++'s `std::partial_sort(first, first + middle, last, comp)` with
/// `comp(i, j) = values[i] > values[j]`: a max-heap (by `comp`) of the first `middle`, every
/// later element that `comp`-precedes the heap's top replaces it, then the heap is sorted. The
/// order of equal values follows from these steps, so it is reproduced step for step.
fn partial_sort_descending(v: &mut [usize], middle: usize, values: &[f32]) {
    let comp = |a: usize, b: usize| values[a] > values[b];
    let middle = middle.min(v.len());
    if middle == 0 {
        return;
    }
    make_heap(&mut v[..middle], &comp);
    for i in middle..v.len() {
        if comp(v[i], v[0]) {
            // __pop_heap(first, middle, i): the top goes to i, i's value sifts in from the root.
            let value = v[i];
            v[i] = v[0];
            adjust_heap(&mut v[..middle], 0, value, &comp);
        }
    }
    // __sort_heap(first, middle).
    let mut end = middle;
    while end > 1 {
        end -= 1;
        let value = v[end];
        v[end] = v[0];
        adjust_heap(&mut v[..end], 0, value, &comp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(regular: bool) -> DetectionPostProcessOptions {
        DetectionPostProcessOptions {
            max_detections: 3,
            max_classes_per_detection: 1,
            detections_per_class: 2,
            use_regular_nms: regular,
            nms_score_threshold: 0.3,
            nms_iou_threshold: 0.5,
            num_classes: 2,
            y_scale: 10.0,
            x_scale: 10.0,
            h_scale: 5.0,
            w_scale: 5.0,
        }
    }

    #[test]
    fn a_zero_encoding_decodes_to_its_anchor() {
        let b = decode(&options(false), &[0.0; 4], 4, &[0.5, 0.5, 0.2, 0.4]);
        assert_eq!(b, vec![[0.4, 0.3, 0.6, 0.7]]);
    }

    #[test]
    fn overlapping_boxes_are_suppressed_and_low_scores_dropped() {
        let boxes = [
            [0.0, 0.0, 1.0, 1.0],
            [0.0, 0.0, 1.0, 0.9],
            [2.0, 2.0, 3.0, 3.0],
            [5.0, 5.0, 6.0, 6.0],
        ];
        let scores = [0.9, 0.95, 0.5, 0.1];
        assert_eq!(
            suppress(&options(false), &boxes, &scores, 10).unwrap(),
            vec![1, 2]
        );
        assert_eq!(
            suppress(&options(false), &boxes, &scores, 1).unwrap(),
            vec![1]
        );
    }

    #[test]
    fn equal_scores_keep_the_lower_index_first() {
        let boxes = [
            [0.0, 0.0, 1.0, 1.0],
            [2.0, 2.0, 3.0, 3.0],
            [4.0, 4.0, 5.0, 5.0],
        ];
        assert_eq!(
            suppress(&options(false), &boxes, &[0.5, 0.7, 0.5], 10).unwrap(),
            vec![1, 0, 2]
        );
    }

    #[test]
    fn regular_nms_merges_classes_by_score() {
        // Two boxes, a background column and two classes.
        let boxes = [[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]];
        let scores = [0.0, 0.4, 0.8, 0.0, 0.9, 0.35];
        let out = postprocess(&options(true), &boxes, &scores, 3).unwrap();
        assert_eq!(out[1].as_f32().unwrap(), &[0.0, 1.0, 0.0]);
        assert_eq!(out[2].as_f32().unwrap(), &[0.9, 0.8, 0.4]);
        assert_eq!(out[3].as_f32().unwrap(), &[3.0]);
    }

    #[test]
    fn partial_sort_orders_the_best_first() {
        let values = [0.1, 0.9, 0.5, 0.9, 0.3, 0.7];
        let mut v: Vec<usize> = (0..6).collect();
        partial_sort_descending(&mut v, 3, &values);
        let top: Vec<f32> = v[..3].iter().map(|&i| values[i]).collect();
        assert_eq!(top, vec![0.9, 0.9, 0.7]);
        let mut all: Vec<usize> = (0..6).collect();
        partial_sort_descending(&mut all, 6, &values);
        let sorted: Vec<f32> = all.iter().map(|&i| values[i]).collect();
        assert_eq!(sorted, vec![0.9, 0.9, 0.7, 0.5, 0.3, 0.1]);
    }
}
