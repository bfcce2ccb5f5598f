use super::*;

fn write_npy(path: &Path, shape: &[usize], data: &[f32]) {
    let shape_text = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_text}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    for v in data {
        bytes.extend(v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

fn input(shape: &[i64]) -> InputSpec {
    InputSpec {
        name: "input_1".into(),
        aliases: vec!["serving_default_input_1:0".into()],
        position: 0,
        shape: shape.to_vec(),
        dtype: DType::F32,
    }
}

/// A file path in a folder of its own under the temp dir; the folder goes when this is dropped,
/// so a test run leaves nothing behind.
struct TempFile {
    dir: PathBuf,
    path: PathBuf,
}

impl std::ops::Deref for TempFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for TempFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp(name: &str) -> TempFile {
    let dir = std::env::temp_dir().join(format!("tqopt-dataset-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    TempFile {
        path: dir.join(name),
        dir,
    }
}

#[test]
fn npy_with_and_without_batch() {
    let path = temp("a.npy");
    write_npy(
        &path,
        &[2, 2, 3],
        &(0..12).map(|v| v as f32).collect::<Vec<_>>(),
    );
    let mut ds = Dataset::open(&path, &[input(&[1, 2, 3])], PixelScaling::default()).unwrap();
    assert_eq!(ds.len(), 2);
    let first = ds.next().unwrap().unwrap();
    assert_eq!(first[0].shape, vec![1, 2, 3]);
    assert_eq!(
        first[0].data,
        TensorData::F32(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    );
    assert_eq!(
        ds.next().unwrap().unwrap()[0].data,
        TensorData::F32(vec![6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
    );
    assert!(ds.next().is_none());
    write_npy(&path, &[2, 1, 2, 3], &[0.0; 12]);
    assert!(Dataset::open(&path, &[input(&[1, 2, 3])], PixelScaling::default()).is_ok());
}

#[test]
fn npy_errors_name_file_sample_and_input() {
    let path = temp("bad.npy");
    write_npy(&path, &[2, 5], &[0.0; 10]);
    let e = Dataset::open(&path, &[input(&[1, 2, 3])], PixelScaling::default())
        .err()
        .unwrap();
    assert!(
        e.contains("bad.npy") && e.contains("input 'input_1'") && e.contains("[5]"),
        "{e}"
    );
    write_npy(
        &path,
        &[2, 2, 3],
        &[
            0.0,
            0.0,
            f32::NAN,
            0.0,
            0.0,
            0.0,
            1.0,
            1.0,
            1.0,
            1.0,
            1.0,
            1.0,
        ],
    );
    let mut ds = Dataset::open(&path, &[input(&[1, 2, 3])], PixelScaling::default()).unwrap();
    let e = ds.next().unwrap().unwrap_err();
    assert!(
        e.contains("sample 0") && e.contains("non-finite") && e.contains("input_1"),
        "{e}"
    );
    write_npy(&path, &[0, 2, 3], &[]);
    let e = Dataset::open(&path, &[input(&[1, 2, 3])], PixelScaling::default())
        .err()
        .unwrap();
    assert!(e.contains("holds no samples"), "{e}");
}

fn npy_bytes(shape: &[usize], data: &[f32]) -> Vec<u8> {
    let path = temp("tmp-for-bytes.npy");
    write_npy(&path, shape, data);
    std::fs::read(path).unwrap()
}

fn write_npz(path: &Path, arrays: &[(&str, Vec<u8>)], method: zip::CompressionMethod) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(File::create(path).unwrap());
    for (name, bytes) in arrays {
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(format!("{name}.npy"), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn npz_by_name_stored_and_deflated() {
    let inputs = [
        InputSpec {
            name: "a".into(),
            aliases: vec![],
            position: 0,
            shape: vec![1, 2],
            dtype: DType::F32,
        },
        InputSpec {
            name: "b".into(),
            aliases: vec!["tensor_b".into()],
            position: 1,
            shape: vec![-1, 3],
            dtype: DType::F32,
        },
    ];
    for method in [
        zip::CompressionMethod::Stored,
        zip::CompressionMethod::Deflated,
    ] {
        let path = temp("x.npz");
        let a = npy_bytes(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        let b = npy_bytes(&[2, 1, 3], &[5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        write_npz(&path, &[("tensor_b", b), ("a", a)], method);
        let mut ds = Dataset::open(&path, &inputs, PixelScaling::default()).unwrap();
        assert_eq!(ds.len(), 2);
        let s0 = ds.next().unwrap().unwrap();
        assert_eq!(s0[0].data, TensorData::F32(vec![1.0, 2.0]));
        assert_eq!(s0[1].data, TensorData::F32(vec![5.0, 6.0, 7.0]));
        let s1 = ds.next().unwrap().unwrap();
        assert_eq!(s1[1].data, TensorData::F32(vec![8.0, 9.0, 10.0]));
    }
    let path = temp("y.npz");
    write_npz(
        &path,
        &[("zzz", npy_bytes(&[1, 2], &[0.0, 0.0]))],
        zip::CompressionMethod::Stored,
    );
    let e = Dataset::open(&path, &inputs, PixelScaling::default())
        .err()
        .unwrap();
    assert!(
        e.contains("array 'zzz' matches no input") && e.contains("a, b"),
        "{e}"
    );
    write_npz(
        &path,
        &[("a", npy_bytes(&[1, 2], &[0.0, 0.0]))],
        zip::CompressionMethod::Stored,
    );
    let e = Dataset::open(&path, &inputs, PixelScaling::default())
        .err()
        .unwrap();
    assert!(e.contains("no array for input 'b'"), "{e}");
}

#[test]
fn images_are_resized_and_scaled() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/shared/data/images");
    let spec = input(&[1, 16, 24, 3]);
    let mut ds = Dataset::open(&dir, &[spec], PixelScaling::Range(-1.0, 1.0)).unwrap();
    assert!(ds.len() >= 12);
    let s = ds.next().unwrap().unwrap();
    assert_eq!(s[0].shape, vec![1, 16, 24, 3]);
    let TensorData::F32(pixels) = &s[0].data else {
        panic!("images give float32 data")
    };
    assert_eq!(pixels.len(), 16 * 24 * 3);
    assert!(pixels.iter().all(|v| (-1.0..=1.0).contains(v)));
    let bad = temp("not-an-image.png");
    std::fs::write(&bad, b"garbage").unwrap();
    let e = load_image(&bad, &input(&[1, 4, 4, 3]), PixelScaling::default()).unwrap_err();
    assert!(
        e.contains("not-an-image.png") && e.contains("cannot decode"),
        "{e}"
    );
}

#[test]
fn pixel_ranges() {
    assert_eq!(
        PixelScaling::parse_range("-1,1").unwrap(),
        PixelScaling::Range(-1.0, 1.0)
    );
    assert!(PixelScaling::parse_range("1,-1").is_err());
    assert_eq!(PixelScaling::Range(-1.0, 1.0).apply(255), 1.0);
    assert_eq!(PixelScaling::Range(-1.0, 1.0).apply(0), -1.0);
}

#[test]
fn npy_elements_convert_to_the_input_type_or_are_refused() {
    let f16 = [half::f16::from_f32(1.5), half::f16::from_f32(-2.0)];
    let bytes: Vec<u8> = f16.iter().flat_map(|x| x.to_le_bytes()).collect();
    assert_eq!(
        NpyType::F16.decode(&bytes, DType::F32).unwrap(),
        TensorData::F32(vec![1.5, -2.0])
    );
    assert_eq!(
        NpyType::F32
            .decode(&[0, 0, 0xC0, 0x3F], DType::F16)
            .unwrap(),
        TensorData::F16(vec![half::f16::from_f32(1.5)])
    );
    assert_eq!(
        NpyType::U8.decode(&[0, 255], DType::I8).unwrap_err(),
        "element 1 of the uint8 array is 255, which int8 cannot hold"
    );
    assert_eq!(
        NpyType::I8.decode(&[0xFF, 5], DType::I64).unwrap(),
        TensorData::I64(vec![-1, 5])
    );
    assert_eq!(
        NpyType::I16.decode(&[0xFF, 0xFF], DType::U8).unwrap_err(),
        "element 0 of the int16 array is -1, which uint8 cannot hold"
    );
    assert_eq!(
        NpyType::Bool.decode(&[0, 1, 1], DType::Bool).unwrap(),
        TensorData::Bool(vec![false, true, true])
    );
    assert!(NpyType::I32.feeds(DType::I64) && NpyType::U64.feeds(DType::I8));
    assert!(!NpyType::F32.feeds(DType::I32) && !NpyType::I32.feeds(DType::F32));
    assert!(!NpyType::Bool.feeds(DType::I32) && !NpyType::I8.feeds(DType::Bool));
    assert!(NpyType::U8.feeds(DType::F32));
    assert_eq!(NpyType::parse("'<u2'"), Ok(NpyType::U16));
    assert_eq!(NpyType::parse("'|b1'"), Ok(NpyType::Bool));
    assert!(NpyType::parse("'>i4'").unwrap_err().contains("big-endian"));
    assert_eq!(NpyType::parse("'>u1'"), Ok(NpyType::U8));
    assert!(NpyType::parse("'<U5'").is_err());
}

#[test]
fn positions_match_numpy_and_ir_names() {
    let i = InputSpec {
        name: "ids".into(),
        aliases: vec!["serving_default_ids:0".into()],
        position: 1,
        shape: vec![1, 8],
        dtype: DType::I32,
    };
    for key in ["ids", "serving_default_ids:0", "arr_1", "arg1"] {
        assert!(i.matches(key), "{key}");
    }
    for key in ["arr_0", "arg0", "1", "ID"] {
        assert!(!i.matches(key), "{key}");
    }
}

#[test]
fn dynamic_dimensions_take_the_array_sizes() {
    let ids = InputSpec {
        name: "ids".into(),
        aliases: vec![],
        position: 0,
        shape: vec![-1, -1],
        dtype: DType::I32,
    };
    assert_eq!(ids.fit(&[5]), Some(vec![1, 5]));
    assert_eq!(ids.fit(&[1, 5]), Some(vec![1, 5]));
    assert_eq!(ids.fit(&[2, 5]), Some(vec![2, 5]));
    assert_eq!(ids.fit(&[2, 5, 1]), None);
    let fixed = InputSpec {
        shape: vec![1, 8],
        ..ids.clone()
    };
    assert_eq!(fixed.fit(&[8]), Some(vec![1, 8]));
    assert_eq!(fixed.fit(&[1, 8]), Some(vec![1, 8]));
    assert_eq!(fixed.fit(&[7]), None);
    assert_eq!(fixed.fit(&[2, 8]), None);

    let path = temp("dynamic.npy");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    let mut header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }".to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    for v in [1i32, 2, 3, 4, 5, 6] {
        bytes.extend(v.to_le_bytes());
    }
    std::fs::write(&path, bytes).unwrap();
    let mut ds = Dataset::open(&path, &[ids], PixelScaling::default()).unwrap();
    let s = ds.next().unwrap().unwrap();
    assert_eq!(s[0].shape, vec![1, 3]);
    assert_eq!(s[0].data, TensorData::I32(vec![1, 2, 3]));
}

fn memory(key: Option<&str>, descr: &str, shape: &[usize], bytes: Vec<u8>) -> MemoryArray {
    MemoryArray {
        key: key.map(str::to_string),
        descr: descr.to_string(),
        shape: shape.to_vec(),
        bytes: Blob::from_vec(bytes),
    }
}

#[test]
fn arrays_in_memory_feed_inputs_by_position_or_key() {
    let ids = InputSpec {
        name: "ids".into(),
        aliases: vec!["serving_default_ids:0".into()],
        position: 0,
        shape: vec![1, 2],
        dtype: DType::I32,
    };
    let x = InputSpec {
        name: "x".into(),
        aliases: vec![],
        position: 1,
        shape: vec![1, 3],
        dtype: DType::F32,
    };
    let inputs = [ids, x];
    let ints: Vec<u8> = [7i32, 8].iter().flat_map(|v| v.to_le_bytes()).collect();
    let floats: Vec<u8> = [1.5f32, 2.0, -3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let data = MemoryData {
        name: "representative_dataset".into(),
        samples: vec![
            // In input order, the batch of 1 left out.
            vec![
                memory(None, "<i4", &[2], ints.clone()),
                memory(None, "<f4", &[3], floats.clone()),
            ],
            // By name, in any order, with the batch.
            vec![
                memory(Some("x"), "<f4", &[1, 3], floats.clone()),
                memory(Some("serving_default_ids:0"), "|i1", &[1, 2], vec![7, 8]),
            ],
        ],
    };
    let mut ds = Dataset::from_memory(Arc::new(data.clone()), &inputs).unwrap();
    assert_eq!(ds.len(), 2);
    for _ in 0..2 {
        let s = ds.next().unwrap().unwrap();
        assert_eq!(s[0].data, TensorData::I32(vec![7, 8]));
        assert_eq!(s[0].shape, vec![1, 2]);
        assert_eq!(s[1].data, TensorData::F32(vec![1.5, 2.0, -3.0]));
    }
    assert!(ds.next().is_none());

    let refused = |sample: Vec<MemoryArray>| {
        let data = MemoryData {
            name: "data".into(),
            samples: vec![sample],
        };
        Dataset::from_memory(Arc::new(data), &inputs).err().unwrap()
    };
    let e = refused(vec![memory(None, "<i4", &[2], ints.clone())]);
    assert!(
        e.starts_with("data, sample 0: 1 array is given but the model has 2 inputs (ids, x)"),
        "{e}"
    );
    let e = refused(vec![
        memory(Some("ids"), "<i4", &[2], ints.clone()),
        memory(None, "<f4", &[3], floats.clone()),
    ]);
    assert!(e.contains("some arrays are named and some are not"), "{e}");
    let e = refused(vec![
        memory(None, "<f4", &[2], floats[..8].to_vec()),
        memory(None, "<f4", &[3], floats.clone()),
    ]);
    assert!(
        e.contains("input 'ids': the array holds float32 values but input 'ids' takes int32"),
        "{e}"
    );
    let e = refused(vec![
        memory(None, "<i4", &[2], ints.clone()),
        memory(None, "<f4", &[3], floats[..8].to_vec()),
    ]);
    assert!(
        e.contains("8 bytes for a float32 array of shape [3] (12 bytes)"),
        "{e}"
    );
    let e = refused(vec![
        memory(None, "<i4", &[2], ints),
        memory(None, "<f4", &[usize::MAX, 4], vec![]),
    ]);
    assert!(e.contains("input 'x'"), "{e}");
    let empty = MemoryData {
        name: "data".into(),
        samples: vec![],
    };
    let e = Dataset::from_memory(Arc::new(empty), &inputs)
        .err()
        .unwrap();
    assert_eq!(e, "data holds no samples");
}

#[test]
fn images_need_a_static_float_image_input() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/shared/data/images");
    let e = Dataset::open(&dir, &[input(&[1, -1, -1, 3])], PixelScaling::default())
        .err()
        .unwrap();
    assert!(e.contains("static height and width"), "{e}");
    let ints = InputSpec {
        dtype: DType::I32,
        ..input(&[1, 8, 8, 3])
    };
    let e = Dataset::open(&dir, &[ints], PixelScaling::default())
        .err()
        .unwrap();
    assert!(
        e.contains("images feed a float32 image input, but input 'input_1' takes int32"),
        "{e}"
    );
}

/// A registered data set in memory opens by its key as a file path would, with the messages of
/// arrays in memory; once the registration is dropped the key is an ordinary (missing) path.
#[test]
fn registered_arrays_in_memory_open_by_their_key() {
    let x = InputSpec {
        name: "x".into(),
        aliases: vec![],
        position: 0,
        shape: vec![1, 2],
        dtype: DType::F32,
    };
    let floats: Vec<u8> = [0.5f32, -1.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let data = Arc::new(MemoryData {
        name: "representative_dataset".into(),
        samples: vec![vec![memory(None, "<f4", &[2], floats)]],
    });
    let registration = register_memory(data);
    let key = PathBuf::from(registration.key());
    assert!(registration
        .key()
        .starts_with("representative_dataset (in memory #"));
    let mut ds = Dataset::open(&key, std::slice::from_ref(&x), PixelScaling::default()).unwrap();
    assert_eq!(
        ds.next().unwrap().unwrap()[0].data,
        TensorData::F32(vec![0.5, -1.0])
    );
    let wide = InputSpec {
        shape: vec![1, 3],
        ..x.clone()
    };
    let e = Dataset::open(&key, &[wide], PixelScaling::default())
        .err()
        .unwrap();
    assert!(e.starts_with("representative_dataset, sample 0: "), "{e}");
    drop(registration);
    let e = Dataset::open(&key, &[x], PixelScaling::default())
        .err()
        .unwrap();
    assert!(e.contains("cannot open calibration data"), "{e}");
}
