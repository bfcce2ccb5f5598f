//! Calibration data sets: `.npy` (one input), `.npz` (one array per input) or a folder of
//! images, read one sample at a time so that memory stays bounded however large the set is.
//!
//! Every problem is an error that names the file, the sample and the input: a shape that
//! does not fit the input, a key that matches no input, a missing input, an empty set,
//! non-finite values, an image that cannot be decoded.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// One model input as calibration sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    /// The signature name (or tensor name) used to key `.npz` arrays.
    pub name: String,
    /// Other names that also match it (the tensor name when `name` is a signature name).
    pub aliases: Vec<String>,
    /// The input's shape; -1 for a dynamic dimension.
    pub shape: Vec<i64>,
}

impl InputSpec {
    /// The shape of one sample: dynamic dimensions (a batch) become 1.
    pub fn sample_shape(&self) -> Vec<usize> {
        self.shape
            .iter()
            .map(|&d| if d < 0 { 1 } else { d as usize })
            .collect()
    }

    fn matches(&self, key: &str) -> bool {
        self.name == key || self.aliases.iter().any(|a| a == key)
    }
}

/// One input's values for one sample, in row-major order, with the sample's shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// How image pixels in [0, 255] map to input values.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum PixelScaling {
    /// Linearly onto `[lo, hi]` (`--input-range=-1,1`; default [0, 1]).
    Range(f32, f32),
    /// `(pixel - mean) / std`.
    MeanStd(f32, f32),
}

impl Default for PixelScaling {
    fn default() -> Self {
        PixelScaling::Range(0.0, 1.0)
    }
}

impl PixelScaling {
    /// Parses `lo,hi` (for `--input-range`).
    pub fn parse_range(text: &str) -> Result<PixelScaling, String> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let [lo, hi] = parts[..] else {
            return Err(format!(
                "expected an input range 'lo,hi', such as '-1,1', not '{text}'"
            ));
        };
        let (lo, hi) = (lo.parse::<f32>(), hi.parse::<f32>());
        match (lo, hi) {
            (Ok(lo), Ok(hi)) if lo.is_finite() && hi.is_finite() && lo < hi => {
                Ok(PixelScaling::Range(lo, hi))
            }
            _ => Err(format!(
                "expected an input range 'lo,hi' with lo < hi, such as '-1,1', not '{text}'"
            )),
        }
    }

    fn apply(self, pixel: u8) -> f32 {
        match self {
            PixelScaling::Range(lo, hi) => lo + (hi - lo) * pixel as f32 / 255.0,
            PixelScaling::MeanStd(mean, std) => (pixel as f32 - mean) / std,
        }
    }
}

/// Where one sample came from, for messages: `images/cat.png` or `calib.npy, sample 3`.
fn sample_place(file: &Path, index: usize) -> String {
    format!("{}, sample {index}", file.display())
}

/// A data set, read sample by sample.
pub struct Dataset {
    source: Source,
    inputs: Vec<InputSpec>,
    next: usize,
}

enum Source {
    Npy {
        path: PathBuf,
        reader: NpyStream,
    },
    Npz {
        path: PathBuf,
        streams: Vec<NpyStream>,
    },
    Images {
        files: Vec<PathBuf>,
        scaling: PixelScaling,
    },
}

impl Dataset {
    /// Opens `path` (a `.npy`, a `.npz` or a folder of images) for a model with `inputs`.
    pub fn open(
        path: &Path,
        inputs: &[InputSpec],
        scaling: PixelScaling,
    ) -> Result<Dataset, String> {
        if inputs.is_empty() {
            return Err("the model has no inputs to calibrate".into());
        }
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot open calibration data '{}': {e}", path.display()))?;
        let source = if meta.is_dir() {
            open_images(path, inputs, scaling)?
        } else {
            match path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("npy") => open_npy(path, inputs)?,
                Some("npz") => open_npz(path, inputs)?,
                _ => {
                    return Err(format!(
                    "calibration data '{}' must be a .npy file, a .npz file or a folder of images",
                    path.display()
                ))
                }
            }
        };
        let dataset = Dataset {
            source,
            inputs: inputs.to_vec(),
            next: 0,
        };
        if dataset.is_empty() {
            return Err(format!(
                "calibration data '{}' holds no samples",
                path.display()
            ));
        }
        Ok(dataset)
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        match &self.source {
            Source::Npy { reader, .. } => reader.samples,
            Source::Npz { streams, .. } => streams.first().map(|s| s.samples).unwrap_or(0),
            Source::Images { files, .. } => files.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next sample (one array per input, in input order), or `None` at the end.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Vec<Array>, String>> {
        if self.next >= self.len() {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let result = match &mut self.source {
            Source::Npy { path, reader } => reader
                .read_sample(&self.inputs[0])
                .map_err(|e| format!("{}: {e}", sample_place(path, index)))
                .map(|a| vec![a]),
            Source::Npz { path, streams } => streams
                .iter_mut()
                .zip(&self.inputs)
                .map(|(s, input)| {
                    s.read_sample(input).map_err(|e| {
                        format!("{}: input '{}': {e}", sample_place(path, index), input.name)
                    })
                })
                .collect(),
            Source::Images { files, scaling } => {
                load_image(&files[index], &self.inputs[0], *scaling).map(|a| vec![a])
            }
        };
        Some(result.and_then(|arrays| {
            for (array, input) in arrays.iter().zip(&self.inputs) {
                if let Some(i) = array.data.iter().position(|v| !v.is_finite()) {
                    return Err(format!(
                        "{}: input '{}' holds a non-finite value ({}) at element {i}; calibration data must be finite",
                        self.place(index),
                        input.name,
                        array.data[i]
                    ));
                }
            }
            Ok(arrays)
        }))
    }

    fn place(&self, index: usize) -> String {
        match &self.source {
            Source::Npy { path, .. } | Source::Npz { path, .. } => sample_place(path, index),
            Source::Images { files, .. } => files[index].display().to_string(),
        }
    }
}

// ---- .npy ----

/// Reads an `.npy` array's samples (its first dimension) one at a time.
struct NpyStream {
    reader: Box<dyn Read + Send>,
    /// Shape after the sample dimension.
    item_shape: Vec<usize>,
    samples: usize,
    dtype: Dtype,
}

#[derive(Copy, Clone, Debug, PartialEq)]
enum Dtype {
    F32,
    F64,
    U8,
}

impl Dtype {
    fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F64 => 8,
            Dtype::U8 => 1,
        }
    }
}

impl NpyStream {
    /// Reads the header; the data follows in `reader`.
    fn new(mut reader: Box<dyn Read + Send>) -> Result<NpyStream, String> {
        let mut magic = [0u8; 8];
        reader
            .read_exact(&mut magic)
            .map_err(|_| "not an .npy array (file too short)".to_string())?;
        if &magic[..6] != b"\x93NUMPY" {
            return Err("not an .npy array (bad magic)".into());
        }
        let header_len = if magic[6] == 1 {
            let mut b = [0u8; 2];
            reader
                .read_exact(&mut b)
                .map_err(|_| "truncated .npy header")?;
            u16::from_le_bytes(b) as usize
        } else {
            let mut b = [0u8; 4];
            reader
                .read_exact(&mut b)
                .map_err(|_| "truncated .npy header")?;
            u32::from_le_bytes(b) as usize
        };
        if header_len > 1 << 20 {
            return Err("malformed .npy header (too long)".into());
        }
        let mut header = vec![0u8; header_len];
        reader
            .read_exact(&mut header)
            .map_err(|_| "truncated .npy header")?;
        let header = String::from_utf8_lossy(&header).into_owned();
        let descr = dict_value(&header, "descr").ok_or("malformed .npy header: no 'descr'")?;
        let dtype = match descr.trim_matches(|c| c == '\'' || c == '"') {
            "<f4" | "=f4" | "f4" => Dtype::F32,
            "<f8" | "=f8" | "f8" => Dtype::F64,
            "|u1" | "u1" | "<u1" => Dtype::U8,
            other => {
                return Err(format!(
                    "unsupported .npy element type '{other}': use float32 (or float64, uint8)"
                ))
            }
        };
        if dict_value(&header, "fortran_order").is_some_and(|v| v.trim() == "True") {
            return Err(
                "Fortran-ordered .npy arrays are not supported: save a C-ordered array".into(),
            );
        }
        let shape_text = dict_value(&header, "shape").ok_or("malformed .npy header: no 'shape'")?;
        let shape: Vec<usize> = shape_text
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<usize>()
                    .map_err(|_| format!("malformed .npy shape '{shape_text}'"))
            })
            .collect::<Result<_, _>>()?;
        let Some((&samples, item_shape)) = shape.split_first() else {
            return Err("the .npy array is a scalar: it needs a first dimension of samples".into());
        };
        Ok(NpyStream {
            reader,
            item_shape: item_shape.to_vec(),
            samples,
            dtype,
        })
    }

    /// Checks that one item fits `input` (with or without its leading batch of 1).
    fn check_shape(&self, input: &InputSpec) -> Result<(), String> {
        let want = input.sample_shape();
        let without_batch = if want.first() == Some(&1) {
            &want[1..]
        } else {
            &want[..]
        };
        if self.item_shape == want || self.item_shape == without_batch {
            return Ok(());
        }
        Err(format!(
            "the array holds samples of shape {:?} but input '{}' takes {:?} (the array's shape must be [N, ...] with ... the input shape, with or without its leading batch of 1)",
            self.item_shape, input.name, input.shape
        ))
    }

    fn read_sample(&mut self, input: &InputSpec) -> Result<Array, String> {
        let count: usize = self.item_shape.iter().product();
        let mut bytes = vec![0u8; count * self.dtype.size()];
        self.reader
            .read_exact(&mut bytes)
            .map_err(|e| format!("truncated array data ({e})"))?;
        let data: Vec<f32> = match self.dtype {
            Dtype::F32 => bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Dtype::F64 => bytes
                .chunks_exact(8)
                .map(|c| {
                    f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32
                })
                .collect(),
            Dtype::U8 => bytes.iter().map(|&b| b as f32).collect(),
        };
        Ok(Array {
            shape: input.sample_shape(),
            data,
        })
    }
}

/// The text of `key`'s value in a Python dict literal such as an `.npy` header.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))?;
    let rest = header[at + key.len() + 2..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}']).unwrap_or(rest.len())
    };
    Some(rest[..end].trim())
}

fn open_npy(path: &Path, inputs: &[InputSpec]) -> Result<Source, String> {
    if inputs.len() != 1 {
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        return Err(format!(
            "'{}' is a .npy file, which feeds one input, but the model has {} inputs ({}): use a .npz with one array per input",
            path.display(),
            inputs.len(),
            names.join(", ")
        ));
    }
    let file = File::open(path).map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
    let reader = NpyStream::new(Box::new(BufReader::with_capacity(1 << 20, file)))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    reader
        .check_shape(&inputs[0])
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Source::Npy {
        path: path.to_path_buf(),
        reader,
    })
}

// ---- .npz ----

fn open_npz(path: &Path, inputs: &[InputSpec]) -> Result<Source, String> {
    let open_archive = || -> Result<zip::ZipArchive<BufReader<File>>, String> {
        let file =
            File::open(path).map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
        zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| format!("{}: not a readable .npz archive ({e})", path.display()))
    };
    let mut archive = open_archive()?;
    let keys: Vec<String> = archive
        .file_names()
        .map(|n| n.map(|n| n.trim_end_matches(".npy").to_string()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: unreadable entry name ({e})", path.display()))?;
    for key in &keys {
        if !inputs.iter().any(|i| i.matches(key)) {
            let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(format!(
                "{}: array '{key}' matches no input of the model (its inputs are: {})",
                path.display(),
                names.join(", ")
            ));
        }
    }
    let mut streams = Vec::new();
    for input in inputs {
        let Some(key) = keys.iter().find(|k| input.matches(k)) else {
            return Err(format!(
                "{}: no array for input '{}' (arrays: {})",
                path.display(),
                input.name,
                keys.join(", ")
            ));
        };
        // Each input's array streams from its own file handle.
        let reader = entry_reader(path, &mut archive, &format!("{key}.npy"))
            .map_err(|e| format!("{}: array '{key}': {e}", path.display()))?;
        let stream = NpyStream::new(Box::new(reader))
            .map_err(|e| format!("{}: array '{key}': {e}", path.display()))?;
        stream
            .check_shape(input)
            .map_err(|e| format!("{}: array '{key}': {e}", path.display()))?;
        streams.push(stream);
    }
    if let Some(first) = streams.first() {
        for (s, input) in streams.iter().zip(inputs) {
            if s.samples != first.samples {
                return Err(format!(
                    "{}: input '{}' has {} samples but input '{}' has {}",
                    path.display(),
                    input.name,
                    s.samples,
                    inputs[0].name,
                    first.samples
                ));
            }
        }
    }
    Ok(Source::Npz {
        path: path.to_path_buf(),
        streams,
    })
}

/// A sequential reader over one entry of a zip archive: the raw bytes of a stored entry, or
/// a streaming inflate of a deflated one, read straight from the file.
fn entry_reader(
    path: &Path,
    archive: &mut zip::ZipArchive<BufReader<File>>,
    name: &str,
) -> Result<Box<dyn Read + Send>, String> {
    let index = archive
        .index_for_name(name)
        .ok_or_else(|| format!("no entry '{name}'"))?;
    let entry = archive.by_index_raw(index).map_err(|e| e.to_string())?;
    let start = entry.data_start().ok_or("the entry has no data offset")?;
    let size = entry.compressed_size();
    let method = entry.compression();
    drop(entry);
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(start)).map_err(|e| e.to_string())?;
    let raw = BufReader::with_capacity(1 << 20, file).take(size);
    match method {
        zip::CompressionMethod::Stored => Ok(Box::new(raw)),
        zip::CompressionMethod::Deflated => Ok(Box::new(flate2::read::DeflateDecoder::new(raw))),
        other => Err(format!(
            "unsupported compression {other:?}: save with numpy.savez or numpy.savez_compressed"
        )),
    }
}

// ---- images ----

fn open_images(dir: &Path, inputs: &[InputSpec], scaling: PixelScaling) -> Result<Source, String> {
    if inputs.len() != 1 {
        return Err(format!(
            "a folder of images feeds one input, but the model has {} inputs: use a .npz with one array per input",
            inputs.len()
        ));
    }
    let shape = inputs[0].sample_shape();
    if shape.len() != 4 || !(shape[3] == 3 || shape[3] == 1) {
        return Err(format!(
            "images feed an NHWC input with 1 or 3 channels, but input '{}' has shape {:?}",
            inputs[0].name, inputs[0].shape
        ));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the folder '{}': {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "the folder '{}' holds no .png or .jpg images",
            dir.display()
        ));
    }
    Ok(Source::Images { files, scaling })
}

/// Decodes an image, converts it to RGB (or grey), resizes it to the input's height and
/// width with bilinear filtering, and scales the pixels.
fn load_image(path: &Path, input: &InputSpec, scaling: PixelScaling) -> Result<Array, String> {
    let shape = input.sample_shape();
    let (h, w, c) = (shape[1], shape[2], shape[3]);
    let image = image::open(path)
        .map_err(|e| format!("{}: cannot decode the image ({e})", path.display()))?;
    let resized = image.resize_exact(w as u32, h as u32, image::imageops::FilterType::Triangle);
    let data: Vec<f32> = if c == 3 {
        resized
            .to_rgb8()
            .into_raw()
            .into_iter()
            .map(|p| scaling.apply(p))
            .collect()
    } else {
        resized
            .to_luma8()
            .into_raw()
            .into_iter()
            .map(|p| scaling.apply(p))
            .collect()
    };
    Ok(Array { shape, data })
}

#[cfg(test)]
mod tests {
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
        let mut header =
            format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_text}, }}");
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
            shape: shape.to_vec(),
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tqopt-dataset-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
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
        assert_eq!(first[0].data, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(ds.next().unwrap().unwrap()[0].data[0], 6.0);
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
                shape: vec![1, 2],
            },
            InputSpec {
                name: "b".into(),
                aliases: vec!["tensor_b".into()],
                shape: vec![-1, 3],
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
            assert_eq!(s0[0].data, vec![1.0, 2.0]);
            assert_eq!(s0[1].data, vec![5.0, 6.0, 7.0]);
            let s1 = ds.next().unwrap().unwrap();
            assert_eq!(s1[1].data, vec![8.0, 9.0, 10.0]);
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
        assert_eq!(s[0].data.len(), 16 * 24 * 3);
        assert!(s[0].data.iter().all(|v| (-1.0..=1.0).contains(v)));
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
}
