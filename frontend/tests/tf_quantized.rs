//! Models TensorFlow's converter quantized import with its exact scales and zero points.
//!
//! The fixtures (tests/fixtures/*.tflite) and the parameters TensorFlow wrote into them
//! (*.quant.tsv, read back with TensorFlow's schema) come from
//! `scripts/fixtures/tf_quantized_models.py`; this test needs no TensorFlow.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tqopt_ir::{ElementType, Location, Module, QuantParams, Type, ValueDef};

struct Expected {
    name: String,
    storage: String,
    axis: i32,
    scales: Vec<f32>,
    zero_points: Vec<i64>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn expected(model: &str) -> Vec<Expected> {
    let text = std::fs::read_to_string(fixtures().join(format!("{model}.quant.tsv"))).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "bad fixture line: {l}");
            Expected {
                name: f[0].to_string(),
                storage: f[1].to_string(),
                axis: f[2].parse().unwrap(),
                scales: f[3]
                    .split(',')
                    .map(|s| s.parse::<f64>().unwrap() as f32)
                    .collect(),
                zero_points: f[4].split(',').map(|s| s.parse().unwrap()).collect(),
            }
        })
        .collect()
}

/// The name a TFLite tensor had: its value's location (the n-th name of a fused location for
/// the n-th result of a multi-result op).
fn name_of(m: &Module, v: tqopt_ir::ValueId) -> Option<String> {
    match m.value(v).def {
        ValueDef::Result { op, index } => {
            let data = m.op(op);
            match &data.loc {
                Location::Fused { locs, .. } if data.results().len() > 1 => {
                    locs.get(index as usize)?.first_name().map(str::to_string)
                }
                loc if index == 0 => loc.first_name().map(str::to_string),
                _ => None,
            }
        }
        ValueDef::BlockArg { .. } => m.value(v).loc.first_name().map(str::to_string),
    }
}

/// Every named value's type, by name.
fn types_by_name(m: &Module) -> HashMap<String, Vec<Type>> {
    let mut out: HashMap<String, Vec<Type>> = HashMap::new();
    for op in m.walk_nested(m.op) {
        let mut values: Vec<_> = m.results(op).to_vec();
        for &r in m.op(op).regions() {
            for &b in m.region(r).blocks() {
                values.extend(m.block(b).args().iter().copied());
            }
        }
        for v in values {
            if let Some(name) = name_of(m, v) {
                out.entry(name).or_default().push(m.value_type(v).clone());
            }
        }
    }
    out
}

fn check(model: &str) -> usize {
    let path = fixtures().join(format!("{model}.tflite"));
    let module = tqopt_frontend::import_file(&path).unwrap_or_else(|e| panic!("{model}: {e}"));
    let types = types_by_name(&module);
    let want = expected(model);
    assert!(!want.is_empty());
    for e in &want {
        let candidates = types
            .get(&e.name)
            .unwrap_or_else(|| panic!("{model}: no value named '{}'", e.name));
        let quant = candidates
            .iter()
            .find_map(|t| match t.element_type() {
                Some(ElementType::Quant(q)) => Some(q.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{model}: '{}' imported without a quant type", e.name));
        let storage = format!(
            "{}{}",
            if quant.storage.is_unsigned() {
                "ui"
            } else {
                "i"
            },
            quant.storage.width
        );
        assert_eq!(storage, e.storage, "{model}: storage of '{}'", e.name);
        let (axis, scales, zero_points) = match &quant.params {
            QuantParams::PerTensor { scale, zero_point } => (None, vec![*scale], vec![*zero_point]),
            QuantParams::PerAxis {
                axis,
                scales,
                zero_points,
            } => (Some(*axis), scales.clone(), zero_points.clone()),
        };
        let scales: Vec<f32> = scales.iter().map(|&s| s as f32).collect();
        assert_eq!(scales, e.scales, "{model}: scales of '{}'", e.name);
        assert_eq!(
            zero_points, e.zero_points,
            "{model}: zero points of '{}'",
            e.name
        );
        if let Some(axis) = axis {
            assert_eq!(axis, e.axis, "{model}: quantized dimension of '{}'", e.name);
        } else {
            assert_eq!(
                e.scales.len(),
                1,
                "{model}: '{}' should be per axis",
                e.name
            );
        }
    }
    want.len()
}

#[test]
fn full_integer_model_from_tensorflow_keeps_its_parameters() {
    let n = check("cnn_tf_int8_io");
    assert!(n >= 16, "{n} quantized tensors checked");
}

#[test]
fn dynamic_range_model_from_tensorflow_keeps_its_parameters() {
    let n = check("mobilenet_tf_dynamic");
    assert!(n >= 9, "{n} quantized tensors checked");
}
