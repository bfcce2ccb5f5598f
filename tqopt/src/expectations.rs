//! `--verify-diagnostics`: checks the diagnostics a run produced against the
//! `// expected-error {{...}}` comments of the input, as mlir-opt does.
//!
//! Forms: `expected-error`, `expected-warning`, `expected-note`, `expected-remark`, each
//! optionally with `@+N`, `@-N`, `@above` or `@below` to name a line relative to the comment's,
//! followed by `{{message}}` (a substring of the diagnostic's message).

use tqopt_ir::{Diagnostic, Severity, SourceFile, SourcePos};

#[derive(Debug)]
struct Expected {
    severity: Severity,
    line: u32,
    message: String,
    /// Where the comment is, for the "was not produced" error.
    at: SourcePos,
    matched: bool,
}

/// Scans a (chunk of a) source for expectations; malformed ones are errors.
fn expectations(source: &SourceFile) -> Result<Vec<Expected>, Diagnostic> {
    let mut out = Vec::new();
    for (i, line) in source.text().lines().enumerate() {
        let line_no = i as u32 + 1 + source.line_offset;
        let mut rest = line;
        let mut col_base = 0usize;
        while let Some(found) = rest.find("expected-") {
            let start = col_base + found;
            let tail = &rest[found + "expected-".len()..];
            let (severity, tail) = match ["error", "warning", "note", "remark"]
                .iter()
                .find(|k| tail.starts_with(*k))
            {
                Some(k) => (
                    match *k {
                        "error" => Severity::Error,
                        "warning" => Severity::Warning,
                        _ => Severity::Note,
                    },
                    &tail[k.len()..],
                ),
                None => {
                    col_base += found + 1;
                    rest = &rest[found + 1..];
                    continue;
                }
            };
            let pos = SourcePos {
                line: line_no,
                col: start as u32 + 1,
            };
            let (target, tail) = if let Some(t) = tail.strip_prefix('@') {
                let end = t
                    .find(|c: char| c.is_whitespace() || c == '{')
                    .unwrap_or(t.len());
                let spec = &t[..end];
                let target = match spec {
                    "above" => line_no.checked_sub(1),
                    "below" => Some(line_no + 1),
                    _ => spec
                        .parse::<i64>()
                        .ok()
                        .filter(|_| spec.starts_with('+') || spec.starts_with('-'))
                        .and_then(|d| u32::try_from(line_no as i64 + d).ok()),
                };
                let Some(target) = target else {
                    return Err(Diagnostic::error(format!(
                        "malformed line designator '@{spec}' in expected-* comment"
                    ))
                    .at(Some(pos)));
                };
                (target, &t[end..])
            } else {
                (line_no, tail)
            };
            let tail = tail.trim_start();
            // Text like "checked with expected-note." is prose, not an expectation.
            let Some(body) = tail.strip_prefix("{{") else {
                col_base += found + 1;
                rest = &rest[found + 1..];
                continue;
            };
            let Some(close) = body.find("}}") else {
                return Err(
                    Diagnostic::error("expected '}}' to close the expected message").at(Some(pos)),
                );
            };
            out.push(Expected {
                severity,
                line: target,
                message: body[..close].to_string(),
                at: pos,
                matched: false,
            });
            let consumed = line.len() - body[close + 2..].len();
            col_base = consumed;
            rest = &line[consumed..];
        }
    }
    Ok(out)
}

/// Matches `produced` (with their notes) against the source's expectations. Returns the
/// errors to print; empty means every expectation was met and nothing else was said.
pub fn check(source: &SourceFile, produced: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut expected = match expectations(source) {
        Ok(e) => e,
        Err(d) => return vec![d],
    };
    let mut flat = Vec::new();
    for d in produced {
        flat.push(d.clone());
        flat.extend(d.notes.iter().cloned());
    }
    let mut problems = Vec::new();
    for d in flat {
        let hit = d.pos.and_then(|p| {
            expected.iter_mut().find(|e| {
                !e.matched
                    && e.severity == d.severity
                    && e.line == p.line
                    && d.message.contains(&e.message)
            })
        });
        match hit {
            Some(e) => e.matched = true,
            None => problems.push(
                Diagnostic::error(format!("unexpected {}: {}", d.severity.as_str(), d.message))
                    .at(d.pos)
                    .with_loc(d.loc),
            ),
        }
    }
    for e in expected.iter().filter(|e| !e.matched) {
        problems.push(
            Diagnostic::error(format!(
                "expected {} \"{}\" was not produced",
                e.severity.as_str(),
                e.message
            ))
            .at(Some(e.at)),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(sev: Severity, line: u32, msg: &str) -> Diagnostic {
        Diagnostic {
            severity: sev,
            ..Diagnostic::error(msg)
        }
        .at(Some(SourcePos { line, col: 1 }))
    }

    #[test]
    fn matches_relative_lines() {
        let src = SourceFile::new(
            "t.mlir",
            "// expected-error@+1 {{boom}}\nx\ny // expected-warning {{careful}}\n// expected-note@above {{here}}\n// expected-error@below {{next}}\nz\n",
        );
        let produced = vec![
            diag(Severity::Error, 2, "big boom"),
            diag(Severity::Warning, 3, "be careful"),
            diag(Severity::Note, 3, "here it is"),
            diag(Severity::Error, 6, "next one"),
        ];
        assert_eq!(check(&src, &produced), vec![]);
    }

    #[test]
    fn reports_missing_and_unexpected() {
        let src = SourceFile::new("t.mlir", "// expected-error@+1 {{boom}}\nx\n");
        let problems = check(&src, &[diag(Severity::Error, 1, "other")]);
        let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unexpected error: other",
                "expected error \"boom\" was not produced"
            ]
        );
    }
}
