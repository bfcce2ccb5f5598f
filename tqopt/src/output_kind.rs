//! What kind of output to write: MLIR text or a TFLite model, from `--emit` or `-o`'s
//! extension. An extension that names neither is an error, so a typo such as `-o m.tfl` does
//! not silently produce MLIR text under a model's name.

use std::io::IsTerminal;

use crate::output::{resolve, Target};

/// The two things tqopt writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OutputKind {
    Mlir,
    Tflite,
}

/// The known extensions, lowercase, and what each one writes.
const EXTENSIONS: [(&str, OutputKind); 2] =
    [("mlir", OutputKind::Mlir), ("tflite", OutputKind::Tflite)];

/// The kind for `-o output` and `--emit`: `--emit` wins; standard output, devices, FIFOs and
/// sockets get MLIR text; a file gets the kind its extension names.
pub fn output_kind(output: &str, emit: Option<&str>) -> Result<OutputKind, String> {
    let kind = match emit {
        Some("tflite") => OutputKind::Tflite,
        Some(_) => OutputKind::Mlir,
        None => from_path(output)?,
    };
    if kind == OutputKind::Tflite
        && matches!(resolve(output), Ok(Target::Stdout))
        && std::io::stdout().is_terminal()
    {
        return Err(
            "refusing to write a binary .tflite model to the terminal; use -o FILE.tflite or redirect standard output"
                .into(),
        );
    }
    Ok(kind)
}

fn from_path(output: &str) -> Result<OutputKind, String> {
    if let Ok(Target::Stdout | Target::Stream { .. }) = resolve(output) {
        return Ok(OutputKind::Mlir);
    }
    let file_name = std::path::Path::new(output)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = file_name
        .rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty())
        .map(|(_, e)| e.to_ascii_lowercase());
    if let Some(kind) = extension.as_deref().and_then(|e| {
        EXTENSIONS
            .iter()
            .find(|(known, _)| *known == e)
            .map(|(_, k)| *k)
    }) {
        return Ok(kind);
    }
    let what = match &extension {
        Some(e) => format!("its extension '.{e}' is not one tqopt writes"),
        None => "it has no extension".into(),
    };
    let hint = extension
        .as_deref()
        .and_then(closest)
        .map(|known| format!(" (did you mean '.{known}'?)"))
        .unwrap_or_default();
    Err(format!(
        "cannot tell what to write to '{output}': {what}{hint}; known extensions: .mlir (MLIR text), .tflite (TFLite model); --emit=mlir or --emit=tflite forces a kind"
    ))
}

/// The known extension `e` is a typo of: within two edits, or cut short (`tfl`), if any.
fn closest(e: &str) -> Option<&'static str> {
    EXTENSIONS
        .iter()
        .map(|(known, _)| {
            let cut_short = e.len() >= 2 && known.starts_with(e);
            (
                *known,
                if cut_short {
                    0
                } else {
                    edit_distance(e, known)
                },
            )
        })
        .filter(|&(_, d)| d <= 2)
        .min_by_key(|&(_, d)| d)
        .map(|(k, _)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_extensions() {
        assert_eq!(output_kind("a/m.tflite", None), Ok(OutputKind::Tflite));
        assert_eq!(output_kind("m.TFLite", None), Ok(OutputKind::Tflite));
        assert_eq!(output_kind("m.mlir", None), Ok(OutputKind::Mlir));
        // A FIFO (like a device or socket) has no meaningful extension: MLIR text.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            output_kind(fifo.to_str().unwrap(), None),
            Ok(OutputKind::Mlir)
        );
        assert_eq!(output_kind("m.tfl", Some("mlir")), Ok(OutputKind::Mlir));
        assert_eq!(output_kind("m.txt", Some("tflite")), Ok(OutputKind::Tflite));
        let typo = output_kind("m.tfl", None).unwrap_err();
        assert!(
            typo.contains("'.tfl'") && typo.contains("did you mean '.tflite'"),
            "{typo}"
        );
        assert!(output_kind("out", None)
            .unwrap_err()
            .contains("no extension"));
        assert!(output_kind(".mlir", None)
            .unwrap_err()
            .contains("no extension"));
        assert!(!output_kind("m.json", None)
            .unwrap_err()
            .contains("did you mean"));
    }
}
