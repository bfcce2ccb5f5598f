//! A small JSON reader for the calibration statistics file ([`super::statistics`]): values,
//! with numbers kept as their text so that an `f64` written with Rust's shortest round-trip
//! formatting reads back bit for bit. Errors say where (line:column) and what was expected.

use std::collections::BTreeMap;

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text, parsed on demand ([`Json::f64`], [`Json::u64`]).
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(BTreeMap<String, Json>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(o) => o.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.parse().ok(),
            _ => None,
        }
    }
}

/// Parses a whole document.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
    };
    let v = p.value()?;
    p.space();
    if p.at < p.bytes.len() {
        return Err(p.error("end of the document"));
    }
    Ok(v)
}

/// Nesting deeper than this is refused (the statistics format nests 4 levels).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, expected: &str) -> String {
        let before = &self.bytes[..self.at.min(self.bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        let found = match self.bytes.get(self.at) {
            Some(&b) => format!("'{}'", b as char),
            None => "the end".to_string(),
        };
        format!("{line}:{col}: expected {expected}, found {found}")
    }

    fn space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.space();
        if self.bytes.get(self.at) == Some(&b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.space();
        if self.depth > MAX_DEPTH {
            return Err(self.error("less nesting"));
        }
        match self.bytes.get(self.at) {
            Some(b'{') => {
                self.at += 1;
                self.depth += 1;
                let mut o = BTreeMap::new();
                if !self.eat(b'}') {
                    loop {
                        self.space();
                        let k = self.string()?;
                        if !self.eat(b':') {
                            return Err(self.error("':'"));
                        }
                        let v = self.value()?;
                        o.insert(k, v);
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("',' or '}'"));
                        }
                    }
                }
                self.depth -= 1;
                Ok(Json::Object(o))
            }
            Some(b'[') => {
                self.at += 1;
                self.depth += 1;
                let mut a = Vec::new();
                if !self.eat(b']') {
                    loop {
                        a.push(self.value()?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("',' or ']'"));
                        }
                    }
                }
                self.depth -= 1;
                Ok(Json::Array(a))
            }
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'n') => self.word("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.at;
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                {
                    self.at += 1;
                }
                let text = String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned();
                if text.parse::<f64>().is_err() {
                    self.at = start;
                    return Err(self.error("a number"));
                }
                Ok(Json::Number(text))
            }
            _ => Err(self.error("a value")),
        }
    }

    fn word(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(v)
        } else {
            Err(self.error(word))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return Err(self.error("a string"));
        }
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.bytes.get(self.at) {
                None => return Err(self.error("'\"'")),
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') => {
                    self.at += 1;
                    let c = match self.bytes.get(self.at) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'n') => '\n',
                        Some(b't') => '\t',
                        Some(b'r') => '\r',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'u') => {
                            let hex = self
                                .bytes
                                .get(self.at + 1..self.at + 5)
                                .and_then(|h| std::str::from_utf8(h).ok())
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .ok_or_else(|| self.error("four hex digits"))?;
                            self.at += 4;
                            char::from_u32(hex).unwrap_or('\u{fffd}')
                        }
                        _ => return Err(self.error("an escape")),
                    };
                    self.at += 1;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                Some(&b) => {
                    out.push(b);
                    self.at += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.error("UTF-8 text"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_errors() {
        let v = parse(r#" {"a": [1, -2.5e-3, null, true], "b\n": "x\"y\u00e9"} "#).unwrap();
        assert_eq!(
            v.get("a").unwrap().as_array().unwrap()[1].f64(),
            Some(-2.5e-3)
        );
        assert_eq!(v.get("b\n").unwrap().as_str(), Some("x\"yé"));
        let x = 0.1f64 + 0.2;
        assert_eq!(parse(&format!("{x}")).unwrap().f64(), Some(x));
        assert_eq!(
            parse("{\"a\": }").unwrap_err(),
            "1:7: expected a value, found '}'"
        );
        assert!(parse("[1, 2").unwrap_err().contains("expected ',' or ']'"));
        assert!(parse("[1] x").unwrap_err().contains("end of the document"));
        assert!(parse(&"[".repeat(100)).is_err());
    }
}
