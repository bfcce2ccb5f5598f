//! Damaged models and the no-panic check, shared by `mutants.rs` and `regressions.rs`.
//!
//! [`mutants`] makes deterministic mutants of a real model (the same seed gives the same bytes
//! on every machine): byte flips, truncations, 32-bit words overwritten with values that break
//! flatbuffer offsets, and fields found through the model's tables (dimensions, tensor and
//! opcode indices, quantization numbers, option fields, weights) set to damaging values.
//! [`Harness::run`] takes one model through what `tqopt model.tflite -o out.tflite` and
//! `tqopt model.tflite --pass=quantize-int8 -o out.tflite` do (import, verify, export as
//! imported, the `quantize-int8` pipeline calibrated on one generated sample, export) and
//! reports a panic anywhere on the way; errors are expected and fine. An abort (a failed
//! allocation) cannot be caught: it ends the test binary.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;

use tqopt_frontend::schema::tflite;
use tqopt_frontend::{import_bytes_with, ImportOptions};
use tqopt_ir::dialect::func;
use tqopt_ir::{verifier, Attribute, Blob, ElementType, Module, Type};
use tqopt_passes::{parse_pipeline, Instrumentation, PassManager};

/// The memory budget for damaged models: far above what the two test models need (a few MB),
/// low enough that a corrupted shape is refused before a pass allocates gigabytes.
pub const TEST_MEMORY_LIMIT: u64 = 256 << 20;

/// A small deterministic generator (xorshift64*), so that mutants do not depend on a crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The byte ranges of a model that hold buffer data (weights); the rest is the flatbuffer's
/// structure (tables, vtables, vectors of indices and shapes, strings), where a mutant does
/// more interesting damage.
fn data_ranges(bytes: &[u8]) -> Vec<(usize, usize)> {
    let Ok(model) = tflite::root_as_model(bytes) else {
        return Vec::new();
    };
    let base = bytes.as_ptr() as usize;
    let mut ranges: Vec<(usize, usize)> = model
        .buffers()
        .into_iter()
        .flatten()
        .filter_map(|b| b.data())
        .map(|d| {
            let start = d.bytes().as_ptr() as usize - base;
            (start, start + d.len())
        })
        .filter(|(s, e)| e > s)
        .collect();
    ranges.sort();
    ranges
}

/// What a mutable spot of a model holds, to choose damaging values for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// A dimension, tensor index or other 32-bit integer.
    I32,
    /// A float: scale, min, max.
    F32,
    /// A 64-bit zero point.
    I64,
    /// Some scalar field of a table (options, types, versions): its first byte.
    Byte,
    /// A 4-byte word of float weights.
    Weight,
}

/// The spots the importer reads meaning from, found through the (valid) model's tables: every
/// dimension, tensor index, opcode index, buffer index, quantization number, every scalar field
/// of operator options, tensors, operator codes, and the weights. Mutants of these pass the
/// flatbuffers verifier, so they reach the importer's own checks and the passes.
fn slots(bytes: &[u8]) -> Vec<(usize, Slot)> {
    let Ok(model) = tflite::root_as_model(bytes) else {
        return Vec::new();
    };
    let base = bytes.as_ptr() as usize;
    let mut out = Vec::new();
    let vector = |v: &[u8], width: usize, kind: Slot, out: &mut Vec<(usize, Slot)>| {
        let start = v.as_ptr() as usize - base;
        out.extend((0..v.len() / width).map(|k| (start + k * width, kind)));
    };
    let fields = |t: &flatbuffers::Table<'_>, out: &mut Vec<(usize, Slot)>| {
        let vt = t.vtable();
        for slot in (4..vt.num_bytes()).step_by(2) {
            let off = vt.get(slot as u16) as usize;
            if off != 0 {
                out.push((t.loc() + off, Slot::Byte));
            }
        }
    };
    for code in model.operator_codes().into_iter().flatten() {
        fields(&code._tab, &mut out);
    }
    for sg in model.subgraphs().into_iter().flatten() {
        for list in [sg.inputs(), sg.outputs()].into_iter().flatten() {
            vector(list.bytes(), 4, Slot::I32, &mut out);
        }
        for t in sg.tensors().into_iter().flatten() {
            fields(&t._tab, &mut out);
            for list in [t.shape(), t.shape_signature()].into_iter().flatten() {
                vector(list.bytes(), 4, Slot::I32, &mut out);
            }
            if let Some(q) = t.quantization() {
                fields(&q._tab, &mut out);
                for list in [q.scale(), q.min(), q.max()].into_iter().flatten() {
                    vector(list.bytes(), 4, Slot::F32, &mut out);
                }
                if let Some(z) = q.zero_point() {
                    vector(z.bytes(), 8, Slot::I64, &mut out);
                }
            }
        }
        for op in sg.operators().into_iter().flatten() {
            fields(&op._tab, &mut out);
            for list in [op.inputs(), op.outputs()].into_iter().flatten() {
                vector(list.bytes(), 4, Slot::I32, &mut out);
            }
            if let Some(options) = op.builtin_options() {
                fields(&options, &mut out);
            }
        }
    }
    for b in model.buffers().into_iter().flatten() {
        if let Some(d) = b.data() {
            vector(d.bytes(), 4, Slot::Weight, &mut out);
        }
    }
    // Scalar fields are at least one byte; 4-byte slots must fit the file.
    out.retain(|&(at, kind)| at + if kind == Slot::Byte { 1 } else { 4 } <= bytes.len());
    out
}

/// Overwrites the spot at `at` with a value chosen to damage what `kind` holds.
fn damage(b: &mut [u8], at: usize, kind: Slot, rng: &mut Rng) -> String {
    let put = |b: &mut [u8], bytes: &[u8]| {
        let end = (at + bytes.len()).min(b.len());
        b[at..end].copy_from_slice(&bytes[..end - at]);
    };
    match kind {
        Slot::I32 => {
            let old = i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            let choices = [
                -1,
                -2,
                0,
                1,
                2,
                old.wrapping_add(1),
                old.wrapping_sub(1),
                old.wrapping_mul(2),
                old.wrapping_mul(1000),
                65_536,
                1 << 30,
                i32::MAX,
                i32::MIN,
                rng.below(64) as i32,
            ];
            let v = choices[rng.below(choices.len())];
            put(b, &v.to_le_bytes());
            format!("i32 at {at}: {old} -> {v}")
        }
        Slot::F32 | Slot::Weight => {
            let old = f32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            let choices = [
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                0.0,
                -0.0,
                -1.0,
                -old,
                old * 1.0e6,
                3.0e38,
                1.0e-40,
                f32::MIN_POSITIVE,
            ];
            let v = choices[rng.below(choices.len())];
            put(b, &v.to_le_bytes());
            format!("f32 at {at}: {old} -> {v}")
        }
        Slot::I64 => {
            let choices = [-129i64, 128, 255, 256, -32769, 1 << 40, i64::MIN, i64::MAX];
            let v = choices[rng.below(choices.len())];
            put(b, &v.to_le_bytes());
            format!("i64 at {at} -> {v}")
        }
        Slot::Byte => {
            let x = 1 + rng.below(255) as u8;
            b[at] ^= x;
            format!("field byte at {at} ^ {x:#04x}")
        }
    }
}

/// Word values that break things: offsets past the end, negative or huge indices and
/// dimensions, and f32 bit patterns of NaN, infinities, zero, negative and huge numbers.
fn nasty_words(len: usize) -> [u32; 16] {
    [
        0,
        1,
        0x7fff_ffff,
        0xffff_ffff,
        0x8000_0000,
        len as u32,
        len as u32 + 4,
        (-2i32) as u32,
        0xffff,
        3,
        f32::NAN.to_bits(),
        f32::INFINITY.to_bits(),
        (-1.0f32).to_bits(),
        0.0f32.to_bits() | 0x8000_0000,
        3.0e38f32.to_bits(),
        65_536,
    ]
}

/// `count` mutants of `bytes`, each with a description of what was changed.
pub fn mutants(bytes: &[u8], count: usize, seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng::new(seed);
    let data = data_ranges(bytes);
    let in_data = |at: usize| data.iter().any(|&(s, e)| (s..e).contains(&at));
    let len = bytes.len();
    // Positions outside buffer data, 4-byte aligned, for word overwrites.
    let structure: Vec<usize> = (0..len.saturating_sub(4))
        .step_by(4)
        .filter(|&at| !in_data(at) && !in_data(at + 3))
        .collect();
    let structure_bytes: Vec<usize> = (0..len).filter(|&at| !in_data(at)).collect();
    let words = nasty_words(len);
    let spots = slots(bytes);
    let weights: Vec<(usize, Slot)> = spots
        .iter()
        .copied()
        .filter(|s| s.1 == Slot::Weight)
        .collect();
    let fields: Vec<(usize, Slot)> = spots.into_iter().filter(|s| s.1 != Slot::Weight).collect();
    let mut out = Vec::with_capacity(count);
    let mut truncations = 0;
    for i in 0..count {
        let mut b = bytes.to_vec();
        let what = match i % 20 {
            // One or two fields the importer reads meaning from.
            11..=17 if !fields.is_empty() => {
                let n = 1 + rng.below(2);
                let changes: Vec<String> = (0..n)
                    .map(|_| {
                        let (at, kind) = fields[rng.below(fields.len())];
                        damage(&mut b, at, kind, &mut rng)
                    })
                    .collect();
                changes.join("; ")
            }
            // A weight made NaN, infinite, huge or tiny.
            18 if !weights.is_empty() => {
                let (at, kind) = weights[rng.below(weights.len())];
                damage(&mut b, at, kind, &mut rng)
            }
            // Truncations: the first 40 at every length from 0, then anywhere.
            0..=2 => {
                let at = if truncations < 40 {
                    truncations
                } else {
                    rng.below(len)
                };
                truncations += 1;
                b.truncate(at);
                format!("truncated to {at} bytes")
            }
            // Words in the structure overwritten with nasty values.
            3..=6 if !structure.is_empty() => {
                let at = structure[rng.below(structure.len())];
                let v = words[rng.below(words.len())];
                b[at..at + 4].copy_from_slice(&v.to_le_bytes());
                format!("word at {at} set to {v:#x}")
            }
            // Byte flips, mostly in the structure.
            _ => {
                let n = 1 + rng.below(4);
                let mut places = Vec::new();
                for _ in 0..n {
                    let at = if rng.below(4) > 0 && !structure_bytes.is_empty() {
                        structure_bytes[rng.below(structure_bytes.len())]
                    } else {
                        rng.below(len)
                    };
                    let x = 1 + rng.below(255) as u8;
                    b[at] ^= x;
                    places.push(format!("{at}^{x:#04x}"));
                }
                format!("bytes flipped at {}", places.join(","))
            }
        };
        out.push((what, b));
    }
    out
}

/// How far a model got.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Refused by the importer, with its message.
    Refused(String),
    /// Imported, but the module does not verify: the first diagnostic.
    Unverified(String),
    /// The pipeline returned an error.
    PipelineError,
    /// The exporter returned an error.
    ExportError,
    /// Imported, quantized and exported.
    Exported,
    /// A panic, with its message and place.
    Panicked(String),
}

thread_local! {
    /// Whether this thread is inside [`Harness::run`], and the last panic's message and
    /// location there.
    static CAPTURE: RefCell<(bool, Option<String>)> = const { RefCell::new((false, None)) };
}

/// Replaces the panic hook (once per test binary) with one that, inside [`Harness::run`],
/// records the message instead of printing it (thousands of mutants would otherwise flood the
/// output), and elsewhere (a failing assertion) does what the default hook does.
fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CAPTURE.with(|c| c.borrow().0) {
                return default(info);
            }
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-text panic)".into());
            let place = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            CAPTURE.with(|c| c.borrow_mut().1 = Some(format!("{place}: {message}")));
        }));
    });
}

/// Runs models through import, `quantize-int8` and export, with calibration samples written
/// to a temporary directory (removed on drop).
pub struct Harness {
    dir: PathBuf,
    /// Calibration `.npy` files by sample shape.
    samples: HashMap<Vec<usize>, PathBuf>,
    options: ImportOptions,
}

impl Harness {
    pub fn new(tag: &str) -> Harness {
        quiet_panics();
        let dir = std::env::temp_dir().join(format!(
            "tqopt-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        Harness {
            dir,
            samples: HashMap::new(),
            options: ImportOptions {
                memory_limit: TEST_MEMORY_LIMIT,
            },
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes `bytes` as far as it goes; a panic anywhere becomes [`Outcome::Panicked`].
    pub fn run(&mut self, bytes: Vec<u8>) -> Outcome {
        CAPTURE.with(|c| *c.borrow_mut() = (true, None));
        let result = panic::catch_unwind(AssertUnwindSafe(|| self.run_unguarded(bytes)));
        let message = CAPTURE.with(|c| std::mem::take(&mut *c.borrow_mut()).1);
        result
            .unwrap_or_else(|_| Outcome::Panicked(message.unwrap_or_else(|| "(no message)".into())))
    }

    fn run_unguarded(&mut self, bytes: Vec<u8>) -> Outcome {
        let mut module =
            match import_bytes_with("mutant.tflite", Blob::from_vec(bytes), &self.options) {
                Ok(m) => m,
                Err(e) => return Outcome::Refused(e.to_string()),
            };
        if let Some(d) = verifier::verify(&module).first() {
            return Outcome::Unverified(format!("{d:?}"));
        }
        // What `tqopt m.tflite -o out.tflite` does (this is all a quantized model, which
        // quantize-int8 refuses to calibrate, gets to).
        let _ = tqopt_backend::export(&module);
        let data = self.calibration_file(&module);
        let pipeline = format!("quantize-int8{{calibration={}}}", data.display());
        let specs = parse_pipeline(&pipeline).expect("the quantize-int8 pipeline parses");
        let pm = PassManager::new(&specs).expect("the quantize-int8 pipeline builds");
        let mut dumps = Vec::new();
        if pm
            .run(&mut module, &Instrumentation::default(), &mut dumps)
            .is_err()
        {
            return Outcome::PipelineError;
        }
        match tqopt_backend::export(&module) {
            Ok(_) => Outcome::Exported,
            Err(_) => Outcome::ExportError,
        }
    }

    /// `bytes` calibrated on the generated sample and exported again: the model then carries
    /// min/max statistics, so `quantize-int8` on its mutants skips the (slow, in a debug build)
    /// calibration run unless the damage removed them.
    pub fn calibrated(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut module = import_bytes_with(
            "model.tflite",
            Blob::from_vec(bytes.to_vec()),
            &self.options,
        )
        .expect("the model imports");
        let data = self.calibration_file(&module);
        let specs = parse_pipeline(&format!("calibrate{{data={}}}", data.display()))
            .expect("the calibrate pass parses");
        let pm = PassManager::new(&specs).expect("the calibrate pass builds");
        pm.run(&mut module, &Instrumentation::default(), &mut Vec::new())
            .unwrap_or_else(|e| panic!("calibration fails: {:?}", e.diagnostics));
        tqopt_backend::export(&module)
            .expect("the calibrated model exports")
            .as_bytes()
            .to_vec()
    }

    /// `bytes` quantized by `quantize-int8` on the generated sample: a model with int8
    /// tensors, per-tensor and per-axis scales and zero points for the mutants to damage.
    pub fn quantized(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut module = import_bytes_with(
            "model.tflite",
            Blob::from_vec(bytes.to_vec()),
            &self.options,
        )
        .expect("the model imports");
        let data = self.calibration_file(&module);
        let specs = parse_pipeline(&format!("quantize-int8{{calibration={}}}", data.display()))
            .expect("the quantize-int8 pipeline parses");
        let pm = PassManager::new(&specs).expect("the quantize-int8 pipeline builds");
        pm.run(&mut module, &Instrumentation::default(), &mut Vec::new())
            .unwrap_or_else(|e| panic!("quantization fails: {:?}", e.diagnostics));
        tqopt_backend::export(&module)
            .expect("the quantized model exports")
            .as_bytes()
            .to_vec()
    }

    /// A one-sample `.npy` fitting the entry function's first input when it is a float tensor
    /// of at most a million elements; otherwise a 1x1 sample that calibration refuses.
    fn calibration_file(&mut self, module: &Module) -> PathBuf {
        let shape = entry_input_shape(module)
            .filter(|s| {
                s.iter()
                    .try_fold(1usize, |a, &d| a.checked_mul(d))
                    .is_some_and(|n| n <= 1 << 20)
            })
            .unwrap_or_else(|| vec![1, 1]);
        if let Some(p) = self.samples.get(&shape) {
            return p.clone();
        }
        let path = self.dir.join(format!("sample{}.npy", self.samples.len()));
        std::fs::write(&path, npy_f32(&shape)).expect("write the calibration sample");
        self.samples.insert(shape, path.clone());
        path
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The shape of the first argument of the module's first function, when it is a float tensor
/// (dynamic dimensions as 1).
fn entry_input_shape(module: &Module) -> Option<Vec<usize>> {
    let f = module
        .block_ops(module.body())
        .find(|&o| module.op(o).is(&func::FUNC))?;
    let Some(Attribute::Type(Type::Function(ft))) = module.op(f).attr("function_type") else {
        return None;
    };
    let t = ft.inputs.first()?.as_tensor()?;
    if !matches!(t.elem, ElementType::Float(_)) {
        return None;
    }
    Some(t.shape.iter().map(|&d| d.max(1) as usize).collect())
}

/// A NumPy `.npy` file (format 1.0) of one `f32` sample of `shape`, values in [0, 1).
fn npy_f32(shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = std::iter::once(1)
        .chain(shape.iter().copied())
        .map(|d| d.to_string())
        .collect();
    let mut header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({},), }}",
        dims.join(", ")
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    let count: usize = shape.iter().product();
    let mut rng = Rng::new(7);
    for _ in 0..count {
        out.extend(((rng.next() >> 40) as f32 / (1u64 << 24) as f32).to_le_bytes());
    }
    out
}

/// The repository's directory of crash regressions.
pub fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions")
}
