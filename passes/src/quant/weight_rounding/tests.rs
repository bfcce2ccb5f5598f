//! Rounding for the output: never worse than round to nearest by the output error it
//! minimises, only ever the other grid neighbour, the largest weight and [-127, 127] kept.

use super::rounding::{output_error, round_channel};

/// A fixed xorshift sequence in [-1, 1).
fn noise(state: &mut u32) -> f32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    (*state as f32 / u32::MAX as f32) * 2.0 - 1.0
}

/// `rows` input rows of `n` values: a common part (`common` times one shared value per row)
/// plus independent noise, and their second moment.
fn moments(n: usize, rows: usize, common: f32, state: &mut u32) -> Vec<f64> {
    let mut h = vec![0.0f64; n * n];
    for _ in 0..rows {
        let shared = noise(state) + 1.0;
        let x: Vec<f64> = (0..n)
            .map(|_| (common * shared + noise(state)) as f64)
            .collect();
        for i in 0..n {
            for j in 0..n {
                h[i * n + j] += x[i] * x[j] / rows as f64;
            }
        }
    }
    h
}

#[test]
fn never_worse_than_nearest_and_only_the_other_neighbour() {
    let mut state = 0x1234_5678u32;
    for (n, common) in [(9, 4.0f32), (27, 1.0), (64, 0.0), (16, 10.0)] {
        for _ in 0..5 {
            let h = moments(n, 4 * n, common, &mut state);
            let w: Vec<f32> = (0..n).map(|_| noise(&mut state) * 0.3).collect();
            let scale = w.iter().fold(0.0f32, |m, x| m.max(x.abs())) as f64 / 127.0;
            let nearest = round_channel(&w, scale, &[]);
            let q = round_channel(&w, scale, &h);
            let (e_near, e_out) = (
                output_error(&w, scale, &h, &nearest),
                output_error(&w, scale, &h, &q),
            );
            assert!(e_out <= e_near * (1.0 + 1e-9), "n={n}: {e_out} > {e_near}");
            for i in 0..n {
                let exact = w[i] as f64 / scale;
                assert!(
                    (q[i] as f64 - exact).abs() < 1.0,
                    "weight {i} moved past a neighbour: {exact} -> {}",
                    q[i]
                );
                assert!((-127..=127).contains(&q[i]));
            }
            let largest = (0..n)
                .max_by(|&a, &b| w[a].abs().total_cmp(&w[b].abs()))
                .unwrap();
            assert_eq!(q[largest], nearest[largest]);
            assert_eq!(q[largest].unsigned_abs(), 127);
        }
    }
}

/// Strongly correlated inputs (a smooth image under a 3x3 window): the errors of all taps
/// add up, and rounding for the output keeps their sum within half a step where rounding to
/// nearest lets it reach several steps.
#[test]
fn correlated_inputs_keep_the_sum_of_errors_small() {
    let mut state = 0x9e37_79b9u32;
    let n = 9;
    let h = moments(n, 400, 20.0, &mut state);
    // Eight taps 0.4 steps above the grid, one at the full scale.
    let scale = 0.01f64;
    let mut w: Vec<f32> = vec![(3.4 * scale) as f32; n];
    w[4] = (127.0 * scale) as f32;
    let sum_error = |q: &[i8]| -> f64 {
        (0..n)
            .map(|i| q[i] as f64 * scale - w[i] as f64)
            .sum::<f64>()
            / scale
    };
    let nearest = round_channel(&w, scale, &[]);
    let q = round_channel(&w, scale, &h);
    assert!(sum_error(&nearest).abs() > 3.0, "{}", sum_error(&nearest));
    assert!(
        sum_error(&q).abs() <= 0.5 + 1e-6,
        "{:?}: {}",
        q,
        sum_error(&q)
    );
}

/// Without moments, or with a scale that is not positive, it is round to nearest, half away
/// from zero as `fold-quant` does.
#[test]
fn without_moments_it_is_round_to_nearest() {
    let w = [0.5f32, -0.5, 1.49, -2.51, 127.0];
    assert_eq!(round_channel(&w, 1.0, &[]), vec![1, -1, 1, -3, 127]);
    assert_eq!(
        round_channel(&w, 0.0, &[1.0; 25]),
        round_channel(&w, 0.0, &[])
    );
}
