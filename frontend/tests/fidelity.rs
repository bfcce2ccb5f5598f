//! Fidelity with TensorFlow: every shared MediaPipe model, imported and printed with
//! `--mlir-elide-elementsattrs-if-larger=16`, states the same operations as TensorFlow's own
//! importer printed them in `tests/shared/reference-mlir/`.
//!
//! Both sides are normalised the same way: parsed by tqopt's parser and printed again with the
//! same options (generic op form, no locations, large elements elided), SSA names replaced by
//! `%`. Then the op lines are compared as multisets (order and numbering do not matter), and
//! the module and function header lines (with their attributes) as multisets too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tqopt_ir::SourceFile;
use tqopt_textual_ir::{parse, print_module, PrintOptions};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/shared")
}

fn options() -> PrintOptions {
    PrintOptions {
        elide_elements_larger_than: Some(16),
        locations: false,
        ..Default::default()
    }
}

/// Module attributes tqopt adds that TensorFlow's importer has no counterpart for (it drops
/// what they keep); they are left out of the comparison.
const TQOPT_ONLY: &[&str] = &[
    tqopt_frontend::METADATA_BUFFERS_ATTR,
    tqopt_frontend::CONTROL_DEPENDENCIES_ATTR,
];

/// Parses MLIR text and prints it back with [`options`], without [`TQOPT_ONLY`] attributes.
fn normalise(name: &str, text: String) -> String {
    let source = SourceFile::new(name, text);
    let mut parsed =
        parse(&source).unwrap_or_else(|d| panic!("{name} does not parse:\n{}", source.render(&d)));
    let m = &mut parsed.module;
    let op = m.op;
    for attr in TQOPT_ONLY {
        m.op_mut(op).attributes.remove(attr);
    }
    let extra: Vec<String> = m
        .op(op)
        .attributes
        .iter()
        .map(|(n, _)| n.to_string())
        .filter(|n| n.starts_with("tqopt."))
        .collect();
    assert!(
        extra.is_empty(),
        "{name}: undocumented tqopt module attributes {extra:?}"
    );
    print_module(m, &options())
}

/// Replaces SSA value names (`%12`, `%3#1`, `%arg0`) by `%` and block names by `^`.
fn strip_names(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' || c == '^' {
            out.push(c);
            while let Some(&n) = chars.peek() {
                if n.is_ascii_alphanumeric() || n == '_' || n == '#' {
                    chars.next();
                } else {
                    break;
                }
            }
        } else if c == '"' {
            // Keep strings as they are (they may hold '%').
            out.push(c);
            let mut escaped = false;
            for n in chars.by_ref() {
                out.push(n);
                if escaped {
                    escaped = false;
                } else if n == '\\' {
                    escaped = true;
                } else if n == '"' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Header lines (`module ...`, `func.func ...`) and op lines of a normalised printout.
fn lines(text: &str) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let mut headers = BTreeMap::new();
    let mut ops = BTreeMap::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line == "}" || line.starts_with("{-#") {
            continue;
        }
        let line = strip_names(line);
        let bucket = if line.starts_with("module") || line.starts_with("func.func") {
            &mut headers
        } else {
            &mut ops
        };
        *bucket.entry(line).or_insert(0) += 1;
    }
    (headers, ops)
}

/// Lines of `a` missing from `b` (with how many are missing).
fn missing(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> Vec<(usize, String)> {
    a.iter()
        .filter_map(|(l, &n)| {
            let m = b.get(l).copied().unwrap_or(0);
            (n > m).then(|| (n - m, l.clone()))
        })
        .collect()
}

fn report(
    what: &str,
    ours: &BTreeMap<String, usize>,
    theirs: &BTreeMap<String, usize>,
) -> Option<String> {
    let only_ours = missing(ours, theirs);
    let only_theirs = missing(theirs, ours);
    if only_ours.is_empty() && only_theirs.is_empty() {
        return None;
    }
    let cut = |l: &str| {
        if l.len() > 600 {
            format!("{}...", &l[..600])
        } else {
            l.to_string()
        }
    };
    let mut s = format!("{what} differ:\n");
    for (n, l) in only_theirs.iter().take(15) {
        s += &format!("  - (x{n}) {}\n", cut(l));
    }
    if only_theirs.len() > 15 {
        s += &format!(
            "  - ... and {} more distinct lines only in TensorFlow's printout\n",
            only_theirs.len() - 15
        );
    }
    for (n, l) in only_ours.iter().take(15) {
        s += &format!("  + (x{n}) {}\n", cut(l));
    }
    if only_ours.len() > 15 {
        s += &format!(
            "  + ... and {} more distinct lines only in ours\n",
            only_ours.len() - 15
        );
    }
    Some(s)
}

#[test]
fn every_model_states_the_same_ops_as_tensorflow() {
    let models = shared().join("models/mediapipe");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&models)
        .expect("models directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tflite"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 10, "expected the ten shared models");
    let mut failures = Vec::new();
    for path in &paths {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let module = tqopt_frontend::import_file(path).unwrap_or_else(|e| panic!("{e}"));
        let ours = normalise(
            &format!("{stem} (imported)"),
            print_module(&module, &options()),
        );
        let reference = shared().join("reference-mlir").join(format!("{stem}.mlir"));
        let theirs = normalise(
            &reference.display().to_string(),
            std::fs::read_to_string(&reference).unwrap(),
        );
        let (our_headers, our_ops) = lines(&ours);
        let (their_headers, their_ops) = lines(&theirs);
        let problems: Vec<String> = [
            report("header lines", &our_headers, &their_headers),
            report("op lines", &our_ops, &their_ops),
        ]
        .into_iter()
        .flatten()
        .collect();
        let total: usize = their_ops.values().sum();
        if problems.is_empty() {
            eprintln!("{stem}: {total} op lines match");
        } else {
            failures.push(format!(
                "== {stem} (- TensorFlow only, + tqopt only)\n{}",
                problems.join("")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
