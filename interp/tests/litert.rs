//! The interpreter against LiteRT: each shared MediaPipe model, fed the fixture photos, must
//! give LiteRT's float outputs to within 1e-4 x max(1, max |reference|) per output.
//!
//! Fixtures come from `interp/scripts/litert_reference.py`. Run with `--nocapture` to see the
//! per-model differences.

mod common;

use common::{load_fixture, model_path, MODELS};
use tqopt_interp::Interpreter;

fn check_model(model: &str) -> f32 {
    let module = tqopt_frontend::import_file(&model_path(model))
        .unwrap_or_else(|e| panic!("{model}: import failed: {e}"));
    let interp = Interpreter::for_main(&module).unwrap_or_else(|e| panic!("{model}: {e}"));
    let fx = load_fixture(model);
    let mut worst = 0.0f32;
    for (i, input) in fx.inputs.iter().enumerate() {
        let outs = interp
            .run(std::slice::from_ref(input))
            .unwrap_or_else(|e| panic!("{model}: {e}"));
        assert_eq!(
            outs.len(),
            fx.outputs[i].len(),
            "{model}: number of outputs"
        );
        for (k, (got, want)) in outs.iter().zip(&fx.outputs[i]).enumerate() {
            assert_eq!(got.shape(), want.shape(), "{model} output {k}: shape");
            let g = got.as_f32().expect("f32 output");
            let w = want.as_f32().expect("f32 reference");
            let max_ref = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            let max_diff = g
                .iter()
                .zip(w)
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            let bound = 1e-4 * max_ref.max(1.0);
            println!(
                "{model} [{}] output {k}: max |diff| = {max_diff:.3e} (bound {bound:.3e}, max |ref| = {max_ref:.3e})",
                fx.images[i]
            );
            assert!(
                max_diff <= bound && g.iter().all(|x| x.is_finite()),
                "{model} [{}] output {k}: max |diff| {max_diff} exceeds {bound}",
                fx.images[i]
            );
            worst = worst.max(max_diff / max_ref.max(1.0));
        }
    }
    worst
}

macro_rules! model_tests {
    ($($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                check_model(stringify!($name));
            }
        )*
    };
}

model_tests!(
    face_detection_full_range,
    face_detection_short_range,
    face_landmark,
    hand_landmark,
    hand_recrop,
    iris_landmark,
    palm_detection,
    pose_detection,
    pose_landmark_lite,
    selfie_segmentation
);

#[test]
fn every_shared_model_has_a_test() {
    let dir = common::shared_dir().join("models/mediapipe");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".tflite")
                .map(String::from)
        })
        .collect();
    found.sort();
    assert_eq!(found, MODELS);
}

/// Fused steps (convolution + add + PReLU in one pass) run op by op when observed; both ways
/// give the same outputs, and the observer sees the convolution's own result.
#[test]
fn observed_runs_match_fused_runs() {
    let model = "face_landmark";
    let module = tqopt_frontend::import_file(&model_path(model)).expect("import");
    let interp = Interpreter::for_main(&module).expect("plan");
    let fx = load_fixture(model);
    let fast = interp.run(&fx.inputs[..1]).expect("run");
    let mut seen = std::collections::HashSet::new();
    let observed = interp
        .run_observed(&fx.inputs[..1], &mut |v, _| {
            seen.insert(v);
        })
        .expect("run_observed");
    for (a, b) in fast.iter().zip(&observed) {
        let (a, b) = (a.as_f32().unwrap(), b.as_f32().unwrap());
        let d = a
            .iter()
            .zip(b)
            .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(d <= 1e-4, "fused and op-by-op runs differ by {d}");
    }
    // Every op result that is not a constant was reported, conv outputs included.
    let convs = module
        .all_ops()
        .into_iter()
        .filter(|&op| module.op(op).name.as_str() == "tfl.conv_2d")
        .count();
    let seen_convs = seen
        .iter()
        .filter(|&&v| {
            module
                .defining_op(v)
                .is_some_and(|op| module.op(op).name.as_str() == "tfl.conv_2d")
        })
        .count();
    assert_eq!(seen_convs, convs);
}
