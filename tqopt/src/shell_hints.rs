//! Recognizes a pass pipeline that the shell took apart because it was not quoted, before
//! the argument parser reports a confusing error about it.
//!
//! Two symptoms: a space inside `{...}` splits `--pass=quantize-int8{ops=X io=int8}` into
//! `--pass=quantize-int8{ops=X` and `io=int8}`; a comma inside `{...}` makes bash and zsh
//! brace-expand `--pass=quantize-int8{ops=X,io=int8}` into `--pass=quantize-int8ops=X
//! --pass=quantize-int8io=int8`. Either way the message shows the quoted form to type.

use tqopt_passes::{PASSES, PIPELINES};

/// The flags whose values are pass pipelines.
const PIPELINE_FLAGS: [&str; 2] = ["--pass", "--pass-pipeline"];

/// An error message with a quoting hint when `args` (without the program name) show a pass
/// pipeline taken apart by the shell.
pub fn split_pipeline(args: &[String]) -> Option<String> {
    let values = pipeline_values(args);
    if let Some(message) = split_at_space(args, &values) {
        return Some(message);
    }
    brace_expanded(&values)
}

/// `(flag, index of the argument holding the value, the value)` for every pipeline flag.
fn pipeline_values(args: &[String]) -> Vec<(&str, usize, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--" {
            break;
        }
        for flag in PIPELINE_FLAGS {
            if arg == flag {
                if let Some(v) = args.get(i + 1) {
                    out.push((flag, i + 1, v.as_str()));
                    i += 1;
                }
            } else if let Some(v) = arg.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                out.push((flag, i, v));
            }
        }
        i += 1;
    }
    out
}

/// `{` minus `}` in `s`.
fn depth(s: &str) -> i64 {
    s.chars()
        .map(|c| match c {
            '{' => 1,
            '}' => -1,
            _ => 0,
        })
        .sum()
}

/// A pipeline value with an unclosed `{`, whose rest is in the following arguments.
fn split_at_space(args: &[String], values: &[(&str, usize, &str)]) -> Option<String> {
    let &(flag, at, value) = values.iter().find(|(_, _, v)| depth(v) > 0)?;
    let mut joined = value.to_string();
    let mut open = depth(value);
    for rest in &args[at + 1..] {
        if open <= 0 {
            break;
        }
        joined.push(' ');
        joined.push_str(rest);
        open += depth(rest);
    }
    if open != 0 {
        // Nothing closes it: a typo in a quoted pipeline, which the pipeline parser reports.
        return None;
    }
    Some(format!(
        "the pass pipeline '{value}' has an unclosed '{{': the shell split it at a space because it was not quoted; quote the whole pipeline: {flag}='{joined}'"
    ))
}

/// Pipeline values such as `quantize-int8ops=X`: a registered name glued to `option=value`.
fn brace_expanded(values: &[(&str, usize, &str)]) -> Option<String> {
    let names = PASSES
        .iter()
        .map(|p| p.argument)
        .chain(PIPELINES.iter().map(|p| p.name));
    let glued = |v: &str| -> Option<&'static str> {
        if v.contains(['{', '(']) {
            return None;
        }
        names
            .clone()
            .filter(|n| v.starts_with(n) && v[n.len()..].contains('='))
            .max_by_key(|n| n.len())
    };
    let &(flag, _, first) = values
        .iter()
        .find(|(_, _, v)| v.contains('=') && !v.contains(['{', '(']))?;
    match glued(first) {
        Some(name) => {
            let options: Vec<&str> = values
                .iter()
                .filter(|(_, _, v)| glued(v) == Some(name))
                .map(|(_, _, v)| &v[name.len()..])
                .collect();
            Some(format!(
                "'{first}' is not a pass: it looks like '{name}{{...}}' brace-expanded by the shell because it was not quoted; quote the pipeline and separate options with spaces: {flag}='{name}{{{}}}'",
                options.join(" ")
            ))
        }
        None => Some(format!(
            "'{first}' is not a pass; options go in braces after the pass name, and the pipeline must be quoted: {flag}='NAME{{option=value ...}}'"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &[&str]) -> Option<String> {
        split_pipeline(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn space_split() {
        let m = check(&[
            "m.tflite",
            "--pass=quantize-int8{ops=X",
            "io=int8}",
            "-o",
            "x.tflite",
        ])
        .unwrap();
        assert!(m.contains("--pass='quantize-int8{ops=X io=int8}'"), "{m}");
        let m = check(&["--pass", "quantize-int8{ops=X", "io=int8}"]).unwrap();
        assert!(m.contains("--pass='quantize-int8{ops=X io=int8}'"), "{m}");
    }

    #[test]
    fn brace_expansion() {
        let m = check(&["--pass=quantize-int8ops=X", "--pass=quantize-int8io=int8"]).unwrap();
        assert!(m.contains("--pass='quantize-int8{ops=X io=int8}'"), "{m}");
        let m = check(&["--pass=nosuchpassops=X"]).unwrap();
        assert!(m.contains("NAME{option=value ...}"), "{m}");
    }

    #[test]
    fn quoted_pipelines_pass() {
        assert_eq!(
            check(&["--pass=quantize-int8{ops=X io=int8}", "m.tflite"]),
            None
        );
        assert_eq!(
            check(&["--pass-pipeline=builtin.module(canonicalize{max-iterations=2},dce)"]),
            None
        );
        assert_eq!(
            check(&["--pass=canonicalize", "--calibration-data=a=b"]),
            None
        );
        assert_eq!(check(&["--", "--pass=x{"]), None);
        // An unclosed brace nothing closes is a typo, left to the pipeline parser.
        assert_eq!(
            check(&["--pass=canonicalize{max-iterations=2", "-o", "x.mlir"]),
            None
        );
    }
}
