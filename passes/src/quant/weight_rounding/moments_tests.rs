//! The input windows the moments are made of, against a direct reading of TFLite's SAME and
//! VALID padding.

use super::*;

/// The window of output (`y`, `x`) read directly: input row `y * stride - top + i * dilation`
/// (signed), zero outside.
fn direct_window(values: &[f32], dims: [usize; 4], w: &Window, y: usize, x: usize) -> Vec<f32> {
    let [_, height, width, cin] = dims;
    let span_h = (w.kh - 1) * w.dilation.0 + 1;
    let span_w = (w.kw - 1) * w.dilation.1 + 1;
    let (top, left) = if w.same {
        let oh = height.div_ceil(w.stride.0);
        let ow = width.div_ceil(w.stride.1);
        (
            ((oh - 1) * w.stride.0 + span_h).saturating_sub(height) / 2,
            ((ow - 1) * w.stride.1 + span_w).saturating_sub(width) / 2,
        )
    } else {
        (0, 0)
    };
    let mut out = Vec::new();
    for i in 0..w.kh {
        for j in 0..w.kw {
            let iy = (y * w.stride.0 + i * w.dilation.0) as i64 - top as i64;
            let ix = (x * w.stride.1 + j * w.dilation.1) as i64 - left as i64;
            for c in 0..cin {
                let inside = (0..height as i64).contains(&iy) && (0..width as i64).contains(&ix);
                out.push(if inside {
                    values[((iy as usize) * width + ix as usize) * cin + c]
                } else {
                    0.0
                });
            }
        }
    }
    out
}

fn window(kh: usize, kw: usize, cin: usize, stride: usize, dilation: usize, same: bool) -> Window {
    Window {
        kh,
        kw,
        cin,
        stride: (stride, stride),
        dilation: (dilation, dilation),
        same,
    }
}

#[test]
fn output_sizes_follow_same_and_valid_padding() {
    // SAME: ceil(size / stride); VALID: (size - span) / stride + 1.
    assert_eq!(output_extent(7, 3, 2, 1, true), (4, 1));
    assert_eq!(output_extent(8, 3, 2, 1, true), (4, 0));
    assert_eq!(output_extent(7, 3, 2, 1, false), (3, 0));
    assert_eq!(output_extent(7, 3, 1, 2, false), (3, 0));
    assert_eq!(output_extent(2, 3, 1, 1, false), (0, 0));
}

#[test]
fn conv_moments_sum_every_window() {
    let dims = [1usize, 5, 6, 2];
    let values: Vec<f32> = (0..60).map(|k| ((k * 7) % 11) as f32 - 5.0).collect();
    for w in [
        window(3, 3, 2, 1, 1, true),
        window(3, 3, 2, 2, 1, true),
        window(3, 2, 2, 2, 1, false),
        window(3, 3, 2, 1, 2, true),
    ] {
        let g = Geometry::Conv(w.clone());
        let n = g.row();
        let mut sums = Sums::zeros(n, 1);
        let rows = accumulate(&g, &dims, &values, usize::MAX, &mut sums);
        let (oh, _) = output_extent(dims[1], w.kh, w.stride.0, w.dilation.0, w.same);
        let (ow, _) = output_extent(dims[2], w.kw, w.stride.1, w.dilation.1, w.same);
        assert_eq!(rows, oh * ow);
        let mut expected = vec![0.0f32; n * n];
        let mut expected_sum = vec![0.0f32; n];
        for y in 0..oh {
            for x in 0..ow {
                let p = direct_window(&values, dims, &w, y, x);
                for i in 0..n {
                    expected_sum[i] += p[i];
                    for j in i..n {
                        expected[i * n + j] += p[i] * p[j];
                    }
                }
            }
        }
        assert_eq!(sums.second[0], expected, "{w:?}");
        assert_eq!(sums.first[0], expected_sum, "{w:?}");
    }
}

#[test]
fn depthwise_moments_are_per_input_channel() {
    let dims = [2usize, 4, 4, 3];
    let values: Vec<f32> = (0..96).map(|k| ((k * 5) % 13) as f32 - 6.0).collect();
    let w = window(3, 3, 3, 1, 1, true);
    let g = Geometry::Depthwise {
        window: w.clone(),
        multiplier: 2,
    };
    let mut sums = Sums::zeros(9, 3);
    accumulate(&g, &dims, &values, usize::MAX, &mut sums);
    for c in 0..3 {
        let mut expected = vec![0.0f32; 81];
        for b in 0..2 {
            let image = &values[b * 48..(b + 1) * 48];
            for y in 0..4 {
                for x in 0..4 {
                    let p = direct_window(image, dims, &w, y, x);
                    let taps: Vec<f32> = (0..9).map(|t| p[t * 3 + c]).collect();
                    for i in 0..9 {
                        for j in i..9 {
                            expected[i * 9 + j] += taps[i] * taps[j];
                        }
                    }
                }
            }
        }
        assert_eq!(sums.second[c], expected, "channel {c}");
    }
}

#[test]
fn rows_are_spread_and_bounded() {
    let g = Geometry::FullyConnected { inputs: 4 };
    let values: Vec<f32> = (0..40).map(|k| k as f32).collect();
    let mut sums = Sums::zeros(4, 1);
    assert_eq!(accumulate(&g, &[10, 4], &values, 3, &mut sums), 3);
    // Rows 0, 3 and 6 of 10.
    let expected: f32 = [0.0f32, 12.0, 24.0].iter().map(|x| x * x).sum();
    assert_eq!(sums.second[0][0], expected);
    assert_eq!(sums.first[0], vec![36.0, 39.0, 42.0, 45.0]);
    assert!(row_budget(2304) >= 256 && row_budget(9) == 8192);
}

/// A model too large for the budgets keeps its widest layers at round to nearest: the ops
/// measured are the cheapest, in model order, within both budgets.
#[test]
fn the_widest_layers_are_left_out_beyond_the_budgets() {
    let fc = |inputs: usize, k: u32| Target {
        op: OpId::new(k as usize),
        input: ValueId::new(k as usize),
        geometry: Geometry::FullyConnected { inputs },
    };
    use tqopt_ir::entity::EntityRef;
    // 2000² float64 = 32 MB each: 16 of them fit in 512 MB, by memory; work is
    // row_budget(2000) = 268 rows x 4M = 1.07 G each, 16 of them fit in 2^34 too.
    let mut targets: Vec<Target> = (0..20).map(|k| fc(2000, k)).collect();
    targets.insert(3, fc(8, 100));
    targets.push(fc(4000, 200)); // wider than MAX_ROW: never measured
    let chosen: Vec<usize> = affordable(&targets).iter().map(|t| t.op.index()).collect();
    assert_eq!(chosen.len(), 17, "{chosen:?}");
    assert!(chosen.contains(&100));
    assert!(!chosen.contains(&200));
    // Model order is kept.
    let mut sorted = chosen.clone();
    sorted.sort_by_key(|&k| targets.iter().position(|t| t.op.index() == k));
    assert_eq!(chosen, sorted);
    // Small models are measured whole.
    let small: Vec<Target> = (0..5).map(|k| fc(64, k)).collect();
    assert_eq!(affordable(&small).len(), 5);
}

/// The sums become means, the lower triangle mirrors the upper one and the ridge is a share
/// of the mean diagonal, added to the diagonal only.
#[test]
fn finish_averages_mirrors_and_adds_the_ridge() {
    let mut h = vec![8.0, 4.0, 0.0, 4.0];
    finish(&mut h, 2, 2);
    let ridge = RIDGE * 3.0;
    assert_eq!(h, vec![4.0 + ridge, 2.0, 2.0, 2.0 + ridge]);
}

#[test]
fn a_dynamic_batch_keeps_the_geometry() {
    // openWakeWord's embedding model takes [?, 76, 32, 1]: with the `?` every op was skipped,
    // and its 16x8 model lost 11 dB to weights rounded to nearest.
    let text = r#"func.func @main(%arg0: tensor<?x8x8x2xf32>) -> tensor<?x6x6x4xf32> {
  %w = "tfl.pseudo_const"() <{value = dense<0.5> : tensor<4x3x3x2xf32>}> : () -> tensor<4x3x3x2xf32>
  %b = "tfl.pseudo_const"() <{value = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = "tfl.conv_2d"(%arg0, %w, %b) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<?x8x8x2xf32>, tensor<4x3x3x2xf32>, tensor<4xf32>) -> tensor<?x6x6x4xf32>
  return %0 : tensor<?x6x6x4xf32>
}
"#;
    let m = tqopt_textual_ir::parse_str("t.mlir", text).expect("parses");
    let conv = m
        .all_ops()
        .into_iter()
        .find(|&o| m.op(o).is(&tqopt_ir::dialect::tfl::CONV_2D))
        .expect("a convolution");
    match Geometry::of(&m, conv) {
        Some(Geometry::Conv(w)) => assert_eq!((w.kh, w.kw, w.cin), (3, 3, 2)),
        other => panic!("{other:?}"),
    }
}
