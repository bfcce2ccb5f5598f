//! Pipeline text: `builtin.module(canonicalize,dce)`, `quantize-int8{ops=TFLITE_BUILTINS_INT8}`.
//!
//! The grammar is MLIR's: a comma-separated list of elements, each a pass or pipeline name
//! with optional `{key=value ...}` options (values may be quoted or braced), optionally nested
//! in `builtin.module(...)` or `func.func(...)` anchors. All passes here run on the module, so
//! anchors are accepted and flattened.

use std::fmt;

/// One element of a pipeline: a registered pass or pipeline name and its options.
#[derive(Clone, Debug, PartialEq)]
pub struct PassSpec {
    pub name: String,
    pub options: Vec<(String, String)>,
}

impl fmt::Display for PassSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.options.is_empty() {
            f.write_str("{")?;
            for (i, (k, v)) in self.options.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                if v.is_empty() || v.contains(|c: char| c.is_whitespace() || c == '}' || c == ',') {
                    write!(f, "{k}=\"{v}\"")?;
                } else {
                    write!(f, "{k}={v}")?;
                }
            }
            f.write_str("}")?;
        }
        Ok(())
    }
}

/// Formats specs as `builtin.module(a,b{x=1})`.
pub fn format_pipeline(specs: &[PassSpec]) -> String {
    let items: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
    format!("builtin.module({})", items.join(","))
}

/// Parses pipeline text; errors say where (column) and what was expected.
pub fn parse_pipeline(text: &str) -> Result<Vec<PassSpec>, String> {
    let mut p = Cursor { text, pos: 0 };
    let mut out = Vec::new();
    p.skip_ws();
    if p.at_end() {
        return Ok(out);
    }
    p.list(&mut out)?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.error("expected ',' or end of pipeline"));
    }
    Ok(out)
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn error(&self, message: &str) -> String {
        format!(
            "invalid pipeline at column {}: {message}\n  {}\n  {}^",
            self.pos + 1,
            self.text,
            " ".repeat(self.pos)
        )
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Result<String, String> {
        self.skip_ws();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.error("expected a pass or pipeline name"));
        }
        Ok(self.text[start..self.pos].to_string())
    }

    fn list(&mut self, out: &mut Vec<PassSpec>) -> Result<(), String> {
        loop {
            self.element(out)?;
            if !self.eat(',') {
                return Ok(());
            }
        }
    }

    fn element(&mut self, out: &mut Vec<PassSpec>) -> Result<(), String> {
        let name = self.name()?;
        if self.eat('(') {
            if !matches!(name.as_str(), "builtin.module" | "func.func" | "any") {
                return Err(self.error(&format!(
                    "'{name}' is not an op anchor (use builtin.module or func.func)"
                )));
            }
            self.skip_ws();
            if self.peek() != Some(')') {
                self.list(out)?;
            }
            if !self.eat(')') {
                return Err(self.error("expected ')'"));
            }
            return Ok(());
        }
        let mut options = Vec::new();
        if self.eat('{') {
            loop {
                self.skip_ws();
                if self.eat('}') {
                    break;
                }
                if self.at_end() {
                    return Err(self.error("expected '}' to close the options"));
                }
                let key = self.name()?;
                let value = if self.eat('=') {
                    self.value()?
                } else {
                    "true".to_string()
                };
                options.push((key, value));
            }
        }
        out.push(PassSpec { name, options });
        Ok(())
    }

    fn value(&mut self) -> Result<String, String> {
        self.skip_ws();
        match self.peek() {
            Some('"') | Some('\'') => {
                let quote = self.peek().unwrap_or('"');
                self.pos += 1;
                let start = self.pos;
                while self.peek().is_some_and(|c| c != quote) {
                    self.pos += self.peek().map(char::len_utf8).unwrap_or(1);
                }
                if self.at_end() {
                    return Err(self.error("unterminated quoted value"));
                }
                let v = self.text[start..self.pos].to_string();
                self.pos += 1;
                Ok(v)
            }
            Some('{') => {
                let start = self.pos + 1;
                let mut depth = 0;
                while let Some(c) = self.peek() {
                    self.pos += c.len_utf8();
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(self.text[start..self.pos - 1].to_string());
                            }
                        }
                        _ => {}
                    }
                }
                Err(self.error("unterminated '{' in value"))
            }
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| !c.is_whitespace() && c != '}') {
                    self.pos += self.peek().map(char::len_utf8).unwrap_or(1);
                }
                if start == self.pos {
                    return Err(self.error("expected a value after '='"));
                }
                Ok(self.text[start..self.pos].to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_anchors_and_options() {
        let specs = parse_pipeline(
            "builtin.module(canonicalize{max-iterations=3}, func.func(dce), x{a=\"b c\" d})",
        )
        .unwrap();
        assert_eq!(specs.len(), 3);
        assert_eq!(
            specs[0].options,
            vec![("max-iterations".to_string(), "3".to_string())]
        );
        assert_eq!(specs[1].name, "dce");
        assert_eq!(
            specs[2].options,
            vec![("a".into(), "b c".into()), ("d".into(), "true".into())]
        );
        assert_eq!(
            format_pipeline(&specs),
            "builtin.module(canonicalize{max-iterations=3},dce,x{a=\"b c\" d=true})"
        );
    }

    #[test]
    fn reports_the_column() {
        let e = parse_pipeline("builtin.module(canonicalize").unwrap_err();
        assert!(e.contains("expected ')'"), "{e}");
        let e = parse_pipeline("a{b=").unwrap_err();
        assert!(e.contains("column 5"), "{e}");
    }
}
