//! Locations: where an operation came from. In tqopt a TFLite tensor name is a name location,
//! `loc("model/conv1/Relu6")`, and survives import, every pass and export.

use std::fmt;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Location {
    #[default]
    Unknown,
    /// `loc("name")` or `loc("name"(child))`.
    Name {
        name: Arc<str>,
        child: Option<Box<Location>>,
    },
    /// `loc("file":line:col)`.
    FileLineCol { file: Arc<str>, line: u32, col: u32 },
    /// `loc(fused["a", "b"])`, optionally with metadata `loc(fused<#meta>[...])` kept as text.
    Fused {
        locs: Vec<Location>,
        metadata: Option<Arc<str>>,
    },
    /// `loc(callsite("callee" at "caller"))`.
    CallSite {
        callee: Box<Location>,
        caller: Box<Location>,
    },
}

impl Location {
    pub fn name(name: &str) -> Location {
        Location::Name {
            name: Arc::from(name),
            child: None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Location::Unknown)
    }

    /// Every name in this location, in order (a fused location's names, a call site's
    /// callee's): the first is the TFLite tensor name.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Location::Name { name, .. } => vec![name],
            Location::Fused { locs, .. } => locs.iter().flat_map(|l| l.names()).collect(),
            Location::CallSite { callee, .. } => callee.names(),
            _ => Vec::new(),
        }
    }

    /// The location of result `index` of an op at this location that has `results` results.
    /// TFLite names every tensor an op writes, and the importer fuses a multi-result op's
    /// names in result order: result `index` is the `index`-th of them. Otherwise result 0
    /// takes the whole location and later results none.
    pub fn of_result(&self, index: usize, results: usize) -> Option<&Location> {
        match self {
            Location::Fused { locs, .. } if results > 1 && locs.len() == results => locs.get(index),
            _ if index == 0 => Some(self),
            _ => None,
        }
    }

    /// The first name found in this location (a TFLite tensor name), if any.
    pub fn first_name(&self) -> Option<&str> {
        match self {
            Location::Name { name, .. } => Some(name),
            Location::Fused { locs, .. } => locs.iter().find_map(|l| l.first_name()),
            Location::CallSite { callee, .. } => callee.first_name(),
            _ => None,
        }
    }

    /// ` at loc("NAME")` for the first name, or nothing: where a message names an op.
    pub fn at_name(&self) -> String {
        self.first_name()
            .map(|n| format!(" at loc(\"{n}\")"))
            .unwrap_or_default()
    }
}

/// Writes `s` as an MLIR string literal: `"`, `\\` and non-printable bytes escaped as `\XX`.
pub fn write_escaped_string(out: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    out.write_char('"')?;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let plain = (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
        if plain {
            continue;
        }
        // Everything between `start` and `i` is printable ASCII, hence valid UTF-8.
        out.write_str(std::str::from_utf8(&bytes[start..i]).unwrap_or_default())?;
        if b == b'\\' {
            out.write_str("\\\\")?;
        } else {
            write!(out, "\\{:02X}", b)?;
        }
        start = i + 1;
    }
    out.write_str(std::str::from_utf8(&bytes[start..]).unwrap_or_default())?;
    out.write_char('"')
}

impl fmt::Display for Location {
    /// The location's body as it appears inside `loc(...)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Unknown => f.write_str("unknown"),
            Location::Name { name, child } => {
                write_escaped_string(f, name.as_bytes())?;
                if let Some(child) = child {
                    write!(f, "({child})")?;
                }
                Ok(())
            }
            Location::FileLineCol { file, line, col } => {
                write_escaped_string(f, file.as_bytes())?;
                write!(f, ":{line}:{col}")
            }
            Location::Fused { locs, metadata } => {
                f.write_str("fused")?;
                if let Some(m) = metadata {
                    write!(f, "<{m}>")?;
                }
                f.write_str("[")?;
                for (i, l) in locs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    l.fmt(f)?;
                }
                f.write_str("]")
            }
            Location::CallSite { callee, caller } => write!(f, "callsite({callee} at {caller})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lists_a_fused_locations_names_in_order() {
        let fused = Location::Fused {
            locs: vec![
                Location::name("a/equalized"),
                Location::Unknown,
                Location::name("a"),
            ],
            metadata: None,
        };
        assert_eq!(fused.names(), ["a/equalized", "a"]);
        assert_eq!(fused.first_name(), Some("a/equalized"));
        assert!(Location::Unknown.names().is_empty());
    }

    /// A multi-result op's fused names go to its results in order; an op without them names
    /// only its first result.
    #[test]
    fn each_result_takes_its_own_part_of_a_fused_location() {
        let fused = Location::Fused {
            locs: vec![Location::name("a"), Location::name("b")],
            metadata: None,
        };
        assert_eq!(
            fused.of_result(1, 2).and_then(Location::first_name),
            Some("b")
        );
        assert_eq!(fused.of_result(0, 1), Some(&fused));
        let x = Location::name("x");
        assert_eq!(x.of_result(0, 1), Some(&x));
        assert_eq!(x.of_result(1, 2), None);
        assert_eq!(
            Location::Unknown
                .of_result(0, 1)
                .and_then(Location::first_name),
            None
        );
    }

    #[test]
    fn escapes_like_mlir() {
        let mut s = String::new();
        write_escaped_string(&mut s, b"a\0b\\c\"d").unwrap();
        assert_eq!(s, r#""a\00b\\c\22d""#);
        assert_eq!(Location::name("x/y").to_string(), "\"x/y\"");
    }
}
