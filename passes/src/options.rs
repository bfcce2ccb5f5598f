//! Pass options: declared with each pass, parsed from `{name=value ...}`, checked against the
//! declaration so that a typo is an error that lists the valid options.

use std::collections::BTreeMap;

/// The type of an option's value.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum OptionKind {
    Bool,
    Int,
    Float,
    String,
    /// One of a fixed list.
    Enum(&'static [&'static str]),
}

/// One declared option.
#[derive(Copy, Clone, Debug)]
pub struct OptionInfo {
    pub name: &'static str,
    pub kind: OptionKind,
    /// The value used when the option is not given ("" for none).
    pub default: &'static str,
    pub help: &'static str,
}

/// Checked option values of one pass instance. Invariant: it holds a value (given or default)
/// for every declared option and for nothing else, so reading a name that was not declared is
/// a bug in the reader (a typo), which debug builds and the tests catch at the read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassOptions {
    values: BTreeMap<&'static str, String>,
    /// The pass or pipeline the options belong to, for the typo check's message.
    owner: String,
}

impl PassOptions {
    /// Validates `given` against `declared`; unknown names and malformed values are errors.
    pub fn parse(
        owner: &str,
        declared: &'static [OptionInfo],
        given: &[(String, String)],
    ) -> Result<PassOptions, String> {
        let mut values = BTreeMap::new();
        for (name, value) in given {
            let Some(info) = declared.iter().find(|o| o.name == name) else {
                let names: Vec<&str> = declared.iter().map(|o| o.name).collect();
                return Err(if names.is_empty() {
                    format!("'{owner}' takes no options, but was given '{name}'")
                } else {
                    format!(
                        "'{owner}' has no option '{name}'; its options are: {}",
                        names.join(", ")
                    )
                });
            };
            check_value(owner, info, value)?;
            values.insert(info.name, value.clone());
        }
        for info in declared {
            values
                .entry(info.name)
                .or_insert_with(|| info.default.to_string());
        }
        Ok(PassOptions {
            values,
            owner: owner.to_string(),
        })
    }

    /// The value of a declared option as text.
    pub fn str(&self, name: &str) -> &str {
        debug_assert!(
            self.values.contains_key(name) || self.values.is_empty() && self.owner.is_empty(),
            "'{}' reads option '{name}', which it does not declare (declared: {:?})",
            self.owner,
            self.values.keys().collect::<Vec<_>>()
        );
        self.values.get(name).map(|s| s.as_str()).unwrap_or("")
    }

    pub fn bool(&self, name: &str) -> bool {
        matches!(self.str(name), "true" | "1")
    }

    pub fn int(&self, name: &str) -> i64 {
        self.str(name).parse().unwrap_or(0)
    }

    pub fn float(&self, name: &str) -> f64 {
        self.str(name).parse().unwrap_or(0.0)
    }

    /// The options that differ from their defaults, as `(name, value)`, for printing.
    pub fn non_default(&self, declared: &[OptionInfo]) -> Vec<(String, String)> {
        declared
            .iter()
            .filter(|o| self.str(o.name) != o.default)
            .map(|o| (o.name.to_string(), self.str(o.name).to_string()))
            .collect()
    }

    /// Every option with its value, in declaration order.
    pub fn all(&self, declared: &[OptionInfo]) -> Vec<(String, String)> {
        declared
            .iter()
            .map(|o| (o.name.to_string(), self.str(o.name).to_string()))
            .collect()
    }
}

fn check_value(owner: &str, info: &OptionInfo, value: &str) -> Result<(), String> {
    let ok = match info.kind {
        OptionKind::Bool => matches!(value, "true" | "false" | "1" | "0"),
        OptionKind::Int => value.parse::<i64>().is_ok(),
        OptionKind::Float => value.parse::<f64>().is_ok_and(|v| v.is_finite()),
        OptionKind::String => true,
        OptionKind::Enum(allowed) => allowed.contains(&value),
    };
    if ok {
        return Ok(());
    }
    let expected = match info.kind {
        OptionKind::Bool => "true or false".to_string(),
        OptionKind::Int => "an integer".to_string(),
        OptionKind::Float => "a number".to_string(),
        OptionKind::String => "a string".to_string(),
        OptionKind::Enum(allowed) => format!("one of {}", allowed.join(", ")),
    };
    Err(format!(
        "option '{}' of '{owner}' must be {expected}, not '{value}'",
        info.name
    ))
}

/// How an option reads in `--help`: `name=<int> (default 10)  help`.
pub fn describe(info: &OptionInfo) -> String {
    let kind = match info.kind {
        OptionKind::Bool => "bool".to_string(),
        OptionKind::Int => "int".to_string(),
        OptionKind::Float => "number".to_string(),
        OptionKind::String => "string".to_string(),
        OptionKind::Enum(allowed) => allowed.join("|"),
    };
    let default = if info.default.is_empty() {
        String::new()
    } else {
        format!(", default {}", info.default)
    };
    format!("{}=<{kind}{default}>  {}", info.name, info.help)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: &[OptionInfo] = &[
        OptionInfo {
            name: "max-iterations",
            kind: OptionKind::Int,
            default: "10",
            help: "",
        },
        OptionInfo {
            name: "mode",
            kind: OptionKind::Enum(&["a", "b"]),
            default: "a",
            help: "",
        },
    ];

    #[test]
    fn defaults_and_checks() {
        let o = PassOptions::parse("p", OPTS, &[]).unwrap();
        assert_eq!(o.int("max-iterations"), 10);
        assert_eq!(o.str("mode"), "a");
        let e = PassOptions::parse("p", OPTS, &[("mode".into(), "c".into())]).unwrap_err();
        assert_eq!(e, "option 'mode' of 'p' must be one of a, b, not 'c'");
        let e = PassOptions::parse("p", OPTS, &[("x".into(), "1".into())]).unwrap_err();
        assert!(e.contains("its options are: max-iterations, mode"), "{e}");
    }
}
