//! tqopt's calibration statistics match TensorFlow's calibrator on the same data.
//!
//! The fixtures come from `scripts/fixtures/tf_calibration_stats.py` (TensorFlow's
//! `tensorflow.lite.python.optimize.calibrator` on 8 photos fed to iris_landmark); this test
//! runs `calibrate` on the same `.npy` and compares every tensor's [min, max].
//!
//! One TensorFlow artifact is accounted for: its calibrator logs an op's inputs after the op
//! ran, and TFLite runs some ops (ADD, for one) in place, writing the result over an input's
//! buffer. Such an input's recorded range is then the union of its own values and the op's
//! result. For every tensor the test accepts tqopt's range, or its union with the range of an
//! op that reads it and has the same shape (what in-place execution would record) — and
//! counts how often the second case occurs.

use std::collections::HashMap;
use std::path::PathBuf;

use tqopt_ir::dialect::quantfork;
use tqopt_ir::Attribute;
use tqopt_passes::{parse_pipeline, Instrumentation, PassManager};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Reads the fixture's `{"name": [[min, max], ...], ...}` (a list per name: MediaPipe models
/// give several tensors the same name).
fn read_stats(text: &str) -> HashMap<String, Vec<(f64, f64)>> {
    let mut out = HashMap::new();
    let body = text.trim().trim_start_matches('{').trim_end_matches('}');
    for entry in body.split("]], ") {
        let Some((key, value)) = entry.split_once(": ") else {
            continue;
        };
        let key = key.trim().trim_matches('"').to_string();
        let nums: Vec<f64> = value
            .replace(['[', ']'], "")
            .split(',')
            .map(|x| x.trim().parse::<f64>().expect("number"))
            .collect();
        out.insert(key, nums.chunks(2).map(|c| (c[0], c[1])).collect());
    }
    out
}

/// With `tflite-inplace=true`, tqopt records exactly what TensorFlow's calibrator records.
#[test]
fn iris_landmark_stats_match_tensorflow_exactly_in_compat_mode() {
    let tf = read_stats(
        &std::fs::read_to_string(fixtures().join("iris_landmark_tf_stats.json")).unwrap(),
    );
    let model = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/shared/models/mediapipe/iris_landmark.tflite");
    let mut m = tqopt_frontend::import_file(&model).expect("import");
    let data = fixtures().join("iris_landmark_calibration.npy");
    let pipeline = format!("calibrate{{data={} tflite-inplace=true}}", data.display());
    let pm = PassManager::new(&parse_pipeline(&pipeline).unwrap()).unwrap();
    pm.run(&mut m, &Instrumentation::default(), &mut std::io::sink())
        .map_err(|e| format!("{:?}", e.diagnostics))
        .unwrap();
    let mut ours: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
    for op in m.walk_nested(m.op) {
        if !m.op(op).is(&quantfork::STATS) {
            continue;
        }
        let (Some(name), Some(Attribute::Dense(d))) =
            (m.op(op).loc.first_name(), m.op(op).attr("layerStats"))
        else {
            continue;
        };
        let v = d.to_f32_vec();
        ours.entry(name.to_string())
            .or_default()
            .push((v[0] as f64, v[1] as f64));
    }
    let mut compared = 0;
    for (name, theirs) in &tf {
        let mut mine = ours
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no range for '{name}'"));
        for &(tmin, tmax) in theirs {
            let err = |&(min, max): &(f64, f64)| {
                ((min - tmin).abs().max((max - tmax).abs())) / tmin.abs().max(tmax.abs()).max(1e-30)
            };
            let (i, e) = mine
                .iter()
                .enumerate()
                .map(|(i, r)| (i, err(r)))
                .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap())
                .unwrap();
            assert!(
                e <= 1e-5,
                "tensor '{name}': tqopt {:?} vs TensorFlow [{tmin}, {tmax}] (relative {e:e})",
                mine[i]
            );
            mine.swap_remove(i);
            compared += 1;
        }
    }
    assert!(compared > 150);
}

#[test]
fn iris_landmark_stats_match_tensorflow() {
    let tf = read_stats(
        &std::fs::read_to_string(fixtures().join("iris_landmark_tf_stats.json")).unwrap(),
    );
    let model = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/shared/models/mediapipe/iris_landmark.tflite");
    let mut m = tqopt_frontend::import_file(&model).expect("import");
    let data = fixtures().join("iris_landmark_calibration.npy");
    let pipeline = format!("calibrate{{data={}}}", data.display());
    let pm = PassManager::new(&parse_pipeline(&pipeline).unwrap()).unwrap();
    pm.run(&mut m, &Instrumentation::default(), &mut std::io::sink())
        .map_err(|e| format!("{:?}", e.diagnostics))
        .unwrap();

    let range_of = |op: tqopt_ir::OpId| -> Option<(f64, f64)> {
        let Some(Attribute::Dense(d)) = m.op(op).attr("layerStats") else {
            return None;
        };
        let v = d.to_f32_vec();
        Some((v[0] as f64, v[1] as f64))
    };
    // For each tensor name: its candidate ranges (own, and unions with same-shape readers).
    let mut ours: HashMap<String, Vec<Vec<(f64, f64)>>> = HashMap::new();
    for op in m.walk_nested(m.op) {
        if !m.op(op).is(&quantfork::STATS) {
            continue;
        }
        let Some(name) = m.op(op).loc.first_name() else {
            continue;
        };
        let Some(own) = range_of(op) else { continue };
        let value = m.results(op)[0];
        let mut candidates = vec![own];
        for u in m.uses(value) {
            for &r in m.results(u.op) {
                if m.value_type(r) != m.value_type(value) {
                    continue;
                }
                for ru in m.uses(r) {
                    if let Some(reader) =
                        range_of(ru.op).filter(|_| m.op(ru.op).is(&quantfork::STATS))
                    {
                        candidates.push((own.0.min(reader.0), own.1.max(reader.1)));
                    }
                }
            }
        }
        ours.entry(name.to_string()).or_default().push(candidates);
    }
    let mut compared = 0;
    let mut worst = 0.0f64;
    let error = |(min, max): (f64, f64), (tmin, tmax): (f64, f64)| {
        ((min - tmin).abs().max((max - tmax).abs())) / tmin.abs().max(tmax.abs()).max(1e-30)
    };
    let mut in_place = 0;
    for (name, theirs) in &tf {
        let mut mine = ours
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("tqopt recorded no range for tensor '{name}'"));
        assert_eq!(
            mine.len(),
            theirs.len(),
            "tensor '{name}': {} ranges vs TensorFlow's {}",
            mine.len(),
            theirs.len()
        );
        // Tensors sharing a name are matched to their nearest candidate.
        for &t in theirs {
            let (i, k, err) = mine
                .iter()
                .enumerate()
                .flat_map(|(i, c)| c.iter().enumerate().map(move |(k, &r)| (i, k, error(r, t))))
                .min_by(|a, b| a.2.partial_cmp(&b.2).unwrap())
                .unwrap();
            let (min, max) = mine.swap_remove(i)[k];
            worst = worst.max(err);
            assert!(
                err <= 1e-5,
                "tensor '{name}': tqopt [{min}, {max}] vs TensorFlow [{}, {}] (relative {err:e})",
                t.0,
                t.1
            );
            in_place += (k > 0) as usize;
            compared += 1;
        }
    }
    assert!(compared > 150, "only {compared} tensors compared");
    eprintln!("{compared} tensors within {worst:e} relative of TensorFlow's calibrator ({in_place} recorded after an in-place op)");
}
