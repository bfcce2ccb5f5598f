//! Calibration on models users bring: integer and boolean inputs fed from `.npz`/`.npy` as they
//! are (keys by signature name, tensor name or position), custom ops the interpreter cannot run
//! (left uncalibrated, marked and warned about), and inputs that must be refused: ranges no
//! scale can hold, thread counts beyond the cap, image folders holding FIFOs or symlinks to
//! devices. Every file is written under a temp folder of its own.

use std::io::Write;
use std::path::{Path, PathBuf};

use tqopt_ir::dialect::quantfork;
use tqopt_ir::{Attribute, Module};
use tqopt_passes::calibration::calibrate::UNCALIBRATED;
use tqopt_passes::{parse_pipeline, Instrumentation, PassManager, RunError};

/// A folder of its own under the temp dir, removed with what it holds when this is dropped.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("tqopt-calib-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

fn module(text: &str) -> Module {
    tqopt_textual_ir::parse_str("test.mlir", text).unwrap_or_else(|d| panic!("{d:?}"))
}

/// Runs `pipeline`; the warnings on success, the error text on failure.
fn run(m: &mut Module, pipeline: &str) -> Result<Vec<String>, String> {
    let pm = PassManager::new(&parse_pipeline(pipeline).map_err(|e| format!("{e:?}"))?)
        .map_err(|e| format!("{e:?}"))?;
    match pm.run(m, &Instrumentation::default(), &mut std::io::sink()) {
        Ok(report) => Ok(report
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect()),
        Err(RunError { diagnostics, .. }) => Err(diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

/// An `.npy` file's bytes: `descr` such as `<i4`, the shape, the raw little-endian elements.
fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_text = if shape.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

fn i32_bytes(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn i64_bytes(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn write_npz(path: &Path, arrays: &[(&str, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in arrays {
        zip.start_file(
            format!("{name}.npy"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// The [min, max] of the stats on the value named `name`.
fn stats_of(m: &Module, name: &str) -> Option<(f32, f32)> {
    m.walk_nested(m.op).find_map(|op| {
        let data = m.op(op);
        if !data.is(&quantfork::STATS) || data.loc.first_name() != Some(name) {
            return None;
        }
        match data.attr("layerStats") {
            Some(Attribute::Dense(d)) => {
                let v = d.to_f32_vec();
                Some((v[0], v[1]))
            }
            _ => None,
        }
    })
}

/// An embedding lookup by int32 ids, masked by an int32 attention mask (cast to float) and a
/// bool flag, pooled over the tokens.
const EMBEDDING: &str = r#"
func.func @main(%ids: tensor<1x4xi32> {tf_saved_model.index_path = ["input_ids"]} loc("serving_default_input_ids:0"), %mask: tensor<1x4xi32> {tf_saved_model.index_path = ["attention_mask"]} loc("serving_default_attention_mask:0"), %flag: tensor<1x4xi1> {tf_saved_model.index_path = ["flag"]} loc("serving_default_flag:0")) -> tensor<1x2xf32> attributes {tf.entry_function = {inputs = "serving_default_input_ids:0,serving_default_attention_mask:0,serving_default_flag:0", outputs = "pool"}} {
  %table = "tfl.pseudo_const"() <{value = dense<[[0.0, 0.0], [1.0, -1.0], [2.0, 0.5], [3.0, -3.0]]> : tensor<4x2xf32>}> : () -> tensor<4x2xf32> loc("table")
  %axis = "tfl.pseudo_const"() <{value = dense<1> : tensor<1xi32>}> : () -> tensor<1xi32> loc("axis")
  %last = "tfl.pseudo_const"() <{value = dense<-1> : tensor<i32>}> : () -> tensor<i32> loc("last")
  %emb = "tfl.gather"(%table, %ids) <{axis = 0 : i32, batch_dims = 0 : i32}> : (tensor<4x2xf32>, tensor<1x4xi32>) -> tensor<1x4x2xf32> loc("lookup")
  %mf = "tfl.cast"(%mask) : (tensor<1x4xi32>) -> tensor<1x4xf32> loc("mask_float")
  %ff = "tfl.cast"(%flag) : (tensor<1x4xi1>) -> tensor<1x4xf32> loc("flag_float")
  %both = "tfl.mul"(%mf, %ff) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("weights")
  %w = "tfl.expand_dims"(%both, %last) : (tensor<1x4xf32>, tensor<i32>) -> tensor<1x4x1xf32> loc("weights_expanded")
  %x = "tfl.mul"(%emb, %w) <{fused_activation_function = "NONE"}> : (tensor<1x4x2xf32>, tensor<1x4x1xf32>) -> tensor<1x4x2xf32> loc("masked")
  %s = "tfl.sum"(%x, %axis) <{keep_dims = false}> : (tensor<1x4x2xf32>, tensor<1xi32>) -> tensor<1x2xf32> loc("pool")
  return %s : tensor<1x2xf32>
}"#;

/// Two samples: ids [1, 2, 3, 0] and [3, 3, 1, 2], masks keeping 3 then 4 tokens, flags all
/// true but the second sample's first token.
fn embedding_arrays(ids_descr: &str) -> Vec<(String, Vec<u8>)> {
    let ids = [1, 2, 3, 0, 3, 3, 1, 2];
    let ids = match ids_descr {
        "<i8" => npy("<i8", &[2, 1, 4], &i64_bytes(&ids.map(|x| x as i64))),
        _ => npy("<i4", &[2, 1, 4], &i32_bytes(&ids)),
    };
    let mask = npy("<i4", &[2, 4], &i32_bytes(&[1, 1, 1, 0, 1, 1, 1, 1]));
    let flag = npy("|b1", &[2, 1, 4], &[1, 1, 1, 1, 0, 1, 1, 1]);
    vec![
        ("ids".into(), ids),
        ("mask".into(), mask),
        ("flag".into(), flag),
    ]
}

#[test]
fn integer_and_bool_inputs_are_fed_as_they_are_by_any_key() {
    let dir = temp_dir("int");
    // sample 0: ids 1,2,3 kept: sums (6, -3.5); sample 1: ids 3,1,2 kept: sums (6, -3.5)...
    // pool is the weighted sum over tokens; its range is computed here from the table.
    let table = [[0.0f32, 0.0], [1.0, -1.0], [2.0, 0.5], [3.0, -3.0]];
    let pool = |ids: [usize; 4], w: [f32; 4]| -> [f32; 2] {
        let mut s = [0.0f32; 2];
        for t in 0..4 {
            s[0] += table[ids[t]][0] * w[t];
            s[1] += table[ids[t]][1] * w[t];
        }
        s
    };
    let p0 = pool([1, 2, 3, 0], [1.0, 1.0, 1.0, 0.0]);
    let p1 = pool([3, 3, 1, 2], [0.0, 1.0, 1.0, 1.0]);
    let lo = p0.iter().chain(&p1).cloned().fold(f32::INFINITY, f32::min);
    let hi = p0
        .iter()
        .chain(&p1)
        .cloned()
        .fold(f32::NEG_INFINITY, f32::max);
    let keys: [[&str; 3]; 4] = [
        ["input_ids", "attention_mask", "flag"],
        [
            "serving_default_input_ids:0",
            "serving_default_attention_mask:0",
            "serving_default_flag:0",
        ],
        ["arr_0", "arr_1", "arr_2"],
        ["arg0", "attention_mask", "arr_2"],
    ];
    for (k, names) in keys.iter().enumerate() {
        for descr in ["<i4", "<i8"] {
            let arrays = embedding_arrays(descr);
            let path = dir.join(format!("keys{k}{}.npz", &descr[1..]));
            let named: Vec<(&str, Vec<u8>)> = names
                .iter()
                .zip(arrays)
                .map(|(n, (_, bytes))| (*n, bytes))
                .collect();
            write_npz(&path, &named);
            let mut m = module(EMBEDDING);
            let warnings = run(&mut m, &format!("calibrate{{data={}}}", path.display()))
                .unwrap_or_else(|e| panic!("keys {names:?} {descr}: {e}"));
            assert!(warnings.is_empty(), "{warnings:?}");
            assert_eq!(stats_of(&m, "pool"), Some((lo, hi)), "keys {names:?}");
            assert_eq!(stats_of(&m, "lookup"), Some((-3.0, 3.0)));
            assert_eq!(stats_of(&m, "weights"), Some((0.0, 1.0)));
            // No integer or boolean value gets statistics.
            for input in ["serving_default_input_ids:0", "serving_default_flag:0"] {
                assert_eq!(stats_of(&m, input), None);
            }
        }
    }
}

#[test]
fn arrays_of_the_wrong_type_or_out_of_range_are_refused_naming_the_input() {
    let dir = temp_dir("types");
    let arrays = embedding_arrays("<i4");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "float",
            npy("<f4", &[2, 1, 4], &f32_bytes(&[1.0; 8])),
            "the array holds float32 values but input 'input_ids' takes int32 [1, 4]",
        ),
        (
            "range",
            npy(
                "<i8",
                &[2, 1, 4],
                &i64_bytes(&[1, 2, 3, 0, 3, 1 << 33, 1, 2]),
            ),
            "sample 1: input 'input_ids': element 1 of the int64 array is 8589934592, which int32 cannot hold",
        ),
        (
            "unsigned",
            npy("<u8", &[2, 1, 4], &i64_bytes(&[1, 2, 3, 0, 3, -1, 1, 2])),
            "element 1 of the uint64 array is 18446744073709551615, which int32 cannot hold",
        ),
        (
            "shape",
            npy("<i4", &[2, 5], &i32_bytes(&[0; 10])),
            "the array holds samples of shape [5] but input 'input_ids' takes int32 [1, 4]",
        ),
    ];
    for (name, ids, expected) in cases {
        let path = dir.join(format!("{name}.npz"));
        write_npz(
            &path,
            &[
                ("input_ids", ids),
                ("attention_mask", arrays[1].1.clone()),
                ("flag", arrays[2].1.clone()),
            ],
        );
        let mut m = module(EMBEDDING);
        let e = run(&mut m, &format!("calibrate{{data={}}}", path.display())).unwrap_err();
        assert!(
            e.contains(&format!("{name}.npz")) && e.contains(expected),
            "{name}: {e}"
        );
    }
    // A bool input takes bool arrays only.
    let path = dir.join("flag.npz");
    write_npz(
        &path,
        &[
            ("input_ids", arrays[0].1.clone()),
            ("attention_mask", arrays[1].1.clone()),
            ("flag", npy("<i4", &[2, 1, 4], &i32_bytes(&[1; 8]))),
        ],
    );
    let mut m = module(EMBEDDING);
    let e = run(&mut m, &format!("calibrate{{data={}}}", path.display())).unwrap_err();
    assert!(
        e.contains(
            "the array holds int32 values but input 'flag' takes bool [1, 4]: save a bool array"
        ),
        "{e}"
    );
}

const CUSTOM: &str = r#"
func.func @main(%arg0: tensor<1x4xf32> loc("x")) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %0 = "tfl.relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("relu")
  %1:2 = "tfl.custom"(%0) <{custom_code = "Landmarks2TransformMatrixV2", custom_option = #tfl<const_bytes : "0x00">}> : (tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xi32>) loc("landmarks")
  %2 = "tfl.add"(%1#0, %0) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("after")
  %3 = "tfl.neg"(%0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("independent")
  return %2, %3 : tensor<1x4xf32>, tensor<1x4xf32>
}"#;

#[test]
fn values_that_depend_on_a_custom_op_without_kernel_stay_uncalibrated() {
    let dir = temp_dir("custom");
    let path = dir.join("x.npy");
    std::fs::write(
        &path,
        npy(
            "<f4",
            &[2, 1, 4],
            &f32_bytes(&[-1.0, 0.5, 2.0, 1.0, 0.0, 3.0, -2.0, 1.0]),
        ),
    )
    .unwrap();
    let mut m = module(CUSTOM);
    let warnings = run(&mut m, &format!("calibrate{{data={}}}", path.display())).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .contains("cannot run custom op 'Landmarks2TransformMatrixV2' at loc(\"landmarks\")")
            && warnings[0].contains("2 float values that depend on it got no calibrated range"),
        "{}",
        warnings[0]
    );
    assert_eq!(stats_of(&m, "relu"), Some((0.0, 3.0)));
    // TensorFlow's calibrator starts the maximum at FLT_MIN.
    assert_eq!(stats_of(&m, "independent"), Some((-3.0, f32::MIN_POSITIVE)));
    assert_eq!(stats_of(&m, "landmarks"), None);
    assert_eq!(stats_of(&m, "after"), None);
    let reasons: Vec<(String, String)> = m
        .walk_nested(m.op)
        .filter_map(|op| {
            let reason = m.op(op).attributes.get(UNCALIBRATED)?.as_str()?.to_string();
            Some((m.op(op).loc.first_name()?.to_string(), reason))
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].0, "landmarks");
    assert!(reasons[0]
        .1
        .contains("has no kernel in tqopt's interpreter"));
    assert_eq!(reasons[1].0, "after");
    assert_eq!(
        reasons[1].1,
        "depends on custom op 'Landmarks2TransformMatrixV2' (at landmarks), which tqopt cannot run"
    );
}

#[test]
fn values_no_scale_can_hold_are_refused_naming_the_input() {
    let dir = temp_dir("huge");
    let path = dir.join("huge.npy");
    // Both sides, and one side alone: values this large are not data (inside a model they
    // are masking sentinels, which calibration leaves out of ranges).
    for values in [
        [3.4e38f32, 0.0, 0.0, 0.0, -3.4e38, 0.0, 0.0, 0.0],
        [0.0, 0.0, 3.4e38, 0.0, 0.0, 0.0, 0.0, 0.0],
    ] {
        std::fs::write(&path, npy("<f4", &[2, 1, 4], &f32_bytes(&values))).unwrap();
        let mut m = module(CUSTOM);
        let e = run(&mut m, &format!("calibrate{{data={}}}", path.display())).unwrap_err();
        assert!(
            e.contains("input 'x' holds a value of magnitude 1e30 or more (340000000000000000000000000000000000000)"),
            "{e}"
        );
        assert!(!m.walk_nested(m.op).any(|op| m.op(op).is(&quantfork::STATS)));
    }
}

#[test]
fn thread_counts_beyond_the_cap_are_refused() {
    for n in ["257", "100000", "99999999999", "9223372036854775807"] {
        let e = PassManager::new(
            &parse_pipeline(&format!("calibrate{{threads={n} data=x.npy}}")).unwrap(),
        )
        .err()
        .map(|e| format!("{e:?}"))
        .unwrap_or_default();
        assert!(
            e.contains(&format!("threads={n} is more than 256")),
            "{n}: {e}"
        );
    }
    assert!(PassManager::new(&parse_pipeline("calibrate{threads=256}").unwrap()).is_ok());
}

#[test]
fn image_folders_with_fifos_or_device_links_are_refused_without_reading_them() {
    let image = r#"
func.func @main(%arg0: tensor<1x4x4x3xf32> loc("image")) -> tensor<1x4x4x3xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32> loc("relu")
  return %0 : tensor<1x4x4x3xf32>
}"#;
    let dir = temp_dir("devices");
    let fifo = dir.join("fifo");
    std::fs::create_dir_all(&fifo).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(fifo.join("a.png"))
        .status()
        .unwrap();
    assert!(made.success());
    let zero = dir.join("zero");
    std::fs::create_dir_all(&zero).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero.join("a.jpg")).unwrap();
    for (folder, file) in [(fifo, "a.png"), (zero, "a.jpg")] {
        let mut m = module(image);
        let e = run(&mut m, &format!("calibrate{{data={}}}", folder.display())).unwrap_err();
        assert!(
            e.contains(&format!("{file}' is not a regular file")),
            "{file}: {e}"
        );
    }
}

#[test]
fn the_warning_groups_custom_ops_by_code() {
    let text = r#"
func.func @main(%arg0: tensor<1x4xf32> loc("x")) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %0 = "tfl.custom"(%arg0) <{custom_code = "A", custom_option = #tfl<const_bytes : "0x00">}> : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("a1")
  %1 = "tfl.custom"(%arg0) <{custom_code = "A", custom_option = #tfl<const_bytes : "0x00">}> : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("a2")
  %2 = "tfl.custom"(%arg0) <{custom_code = "B", custom_option = #tfl<const_bytes : "0x00">}> : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("b")
  return %0, %1, %2 : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}"#;
    let dir = temp_dir("grouped");
    let path = dir.join("x.npy");
    std::fs::write(&path, npy("<f4", &[1, 1, 4], &f32_bytes(&[1.0; 4]))).unwrap();
    let mut m = module(text);
    let warnings = run(&mut m, &format!("calibrate{{data={}}}", path.display())).unwrap();
    assert_eq!(
        warnings,
        ["tqopt's interpreter cannot run custom op 'A' (2 ops: at loc(\"a1\"), loc(\"a2\")), custom op 'B' at loc(\"b\"): 3 float values that depend on them got no calibrated range, and the 3 ops computing them stay float (marked tqopt.uncalibrated)"]
    );
    assert_eq!(stats_of(&m, "x"), Some((1.0, 1.0)));
}
