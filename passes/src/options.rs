//! Pass options: declared with each pass (name, type, default, help), parsed and checked once
//! when the pipeline is built, and read by the pass as typed values.
//!
//! The declaration ([`OptionInfo`]) is the one source of truth: it drives parsing, the error
//! for an unknown key or a bad value (naming the pass, the key and what is accepted, with a
//! "did you mean"), `--help` ([`describe`]) and the pipelines' forwarding checks.
//!
//! Invariant of [`PassOptions`]: it holds a parsed value (given or default) for every declared
//! option and for nothing else. A typed read of a name the pass does not declare, or as another
//! type than declared, is an error (in release builds too) that names the pass and the key.

use std::collections::BTreeMap;

use regex::Regex;

use crate::suggest::did_you_mean;

/// The type of an option's value.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum OptionKind {
    /// `true`, `false`, `1` or `0`.
    Bool,
    Int,
    /// A finite number.
    Float,
    String,
    /// One of a fixed list.
    Enum(&'static [&'static str]),
    /// Comma-separated values of one kind (`-1,1`); empty text is the empty list.
    List(&'static OptionKind),
    /// A regular expression (empty: none), compiled when the options are parsed.
    Regex,
}

impl OptionKind {
    /// How the kind reads in `--help` and in errors about a read of the wrong type.
    fn name(&self) -> String {
        match self {
            OptionKind::Bool => "bool".into(),
            OptionKind::Int => "int".into(),
            OptionKind::Float => "number".into(),
            OptionKind::String => "string".into(),
            OptionKind::Enum(allowed) => allowed.join("|"),
            OptionKind::List(of) => format!("{},...", of.name()),
            OptionKind::Regex => "regex".into(),
        }
    }

    /// What a value must be, for the bad-value error.
    fn expected(&self) -> String {
        match self {
            OptionKind::Bool => "true or false".into(),
            OptionKind::Int => "an integer".into(),
            OptionKind::Float => "a number".into(),
            OptionKind::String => "a string".into(),
            OptionKind::Enum(allowed) => format!("one of {}", allowed.join(", ")),
            OptionKind::List(of) => format!("a comma-separated list, each {}", of.expected()),
            OptionKind::Regex => "a regular expression".into(),
        }
    }

    /// Parses `text` as this kind; `Err` holds the detail (the regex error), if any.
    fn parse(&self, text: &str) -> Result<Value, Option<String>> {
        Ok(match self {
            OptionKind::Bool => match text {
                "true" | "1" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                _ => return Err(None),
            },
            OptionKind::Int => Value::Int(text.parse().map_err(|_| None)?),
            OptionKind::Float => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Value::Float(v),
                _ => return Err(None),
            },
            OptionKind::String => Value::Text,
            OptionKind::Enum(allowed) => {
                Value::Choice(allowed.iter().find(|a| **a == text).ok_or(None)?)
            }
            OptionKind::List(of) => Value::List(if text.trim().is_empty() {
                Vec::new()
            } else {
                text.split(',')
                    .map(|item| of.parse(item.trim()))
                    .collect::<Result<_, _>>()?
            }),
            OptionKind::Regex if text.is_empty() => Value::Regex(None),
            OptionKind::Regex => {
                Value::Regex(Some(Regex::new(text).map_err(|e| Some(regex_error(&e)))?))
            }
        })
    }
}

/// A regex error on one line: the regex crate's last line (`unclosed group`), which its
/// multi-line message ends with.
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    last.trim().trim_start_matches("error: ").to_string()
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

/// A parsed value; text kinds keep their text in [`Entry::text`].
#[derive(Clone, Debug)]
enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text,
    Choice(&'static str),
    List(Vec<Value>),
    Regex(Option<Regex>),
}

/// One option's value: as written (for printing and forwarding) and parsed.
#[derive(Clone, Debug)]
struct Entry {
    info: &'static OptionInfo,
    text: String,
    value: Value,
}

/// Checked option values of one pass or pipeline instance (see the module invariant).
#[derive(Clone, Debug, Default)]
pub struct PassOptions {
    values: BTreeMap<&'static str, Entry>,
    /// The pass or pipeline the options belong to, for messages.
    owner: String,
}

impl PassOptions {
    /// Validates `given` against `declared`: an unknown name, a name given twice or a value
    /// of the wrong kind is an error naming `owner`, the key and what is accepted.
    pub fn parse(
        owner: &str,
        declared: &'static [OptionInfo],
        given: &[(String, String)],
    ) -> Result<PassOptions, String> {
        let mut values = BTreeMap::new();
        for (name, text) in given {
            let Some(info) = declared.iter().find(|o| o.name == name) else {
                let names: Vec<&str> = declared.iter().map(|o| o.name).collect();
                return Err(if names.is_empty() {
                    format!("'{owner}' takes no options, but was given '{name}'")
                } else {
                    format!(
                        "'{owner}' has no option '{name}'; its options are: {}{}",
                        names.join(", "),
                        did_you_mean(name, &names)
                    )
                });
            };
            if values.contains_key(info.name) {
                return Err(format!(
                    "option '{name}' of '{owner}' is given twice; give it once"
                ));
            }
            values.insert(info.name, parse_value(owner, info, text)?);
        }
        for info in declared {
            if !values.contains_key(info.name) {
                // A default that does not parse is a declaration bug; the registry tests
                // parse every declaration's defaults.
                values.insert(info.name, parse_value(owner, info, info.default)?);
            }
        }
        Ok(PassOptions {
            values,
            owner: owner.to_string(),
        })
    }

    /// The pass or pipeline these options belong to.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    fn entry(&self, name: &str) -> Result<&Entry, String> {
        self.values.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.values.keys().copied().collect();
            format!(
                "'{}' reads option '{name}', which it does not declare{} (declared: {})",
                self.owner,
                did_you_mean(name, &names),
                names.join(", ")
            )
        })
    }

    fn wrong_type(&self, e: &Entry, wanted: &str) -> String {
        format!(
            "'{}' reads option '{}' (declared {}) as {wanted}",
            self.owner,
            e.info.name,
            e.info.kind.name()
        )
    }

    /// A declared option's value as written (or its default), whatever its kind: what a
    /// pipeline forwards and `--dump-pass-pipeline` prints.
    pub fn text(&self, name: &str) -> Result<&str, String> {
        Ok(&self.entry(name)?.text)
    }

    pub fn bool(&self, name: &str) -> Result<bool, String> {
        let e = self.entry(name)?;
        match e.value {
            Value::Bool(b) => Ok(b),
            _ => Err(self.wrong_type(e, "a bool")),
        }
    }

    pub fn int(&self, name: &str) -> Result<i64, String> {
        let e = self.entry(name)?;
        match e.value {
            Value::Int(v) => Ok(v),
            _ => Err(self.wrong_type(e, "an int")),
        }
    }

    pub fn float(&self, name: &str) -> Result<f64, String> {
        let e = self.entry(name)?;
        match e.value {
            Value::Float(v) => Ok(v),
            _ => Err(self.wrong_type(e, "a number")),
        }
    }

    /// A `String` option ("" when not given and without a default).
    pub fn string(&self, name: &str) -> Result<&str, String> {
        let e = self.entry(name)?;
        match e.value {
            Value::Text => Ok(&e.text),
            _ => Err(self.wrong_type(e, "a string")),
        }
    }

    /// An `Enum` option: one of its declared values.
    pub fn choice(&self, name: &str) -> Result<&'static str, String> {
        let e = self.entry(name)?;
        match e.value {
            Value::Choice(c) => Ok(c),
            _ => Err(self.wrong_type(e, "one of a list")),
        }
    }

    /// A `List(Float)` option.
    pub fn floats(&self, name: &str) -> Result<Vec<f64>, String> {
        let e = self.entry(name)?;
        match &e.value {
            Value::List(items) if matches!(e.info.kind, OptionKind::List(OptionKind::Float)) => {
                Ok(items
                    .iter()
                    .map(|v| match v {
                        Value::Float(f) => *f,
                        _ => unreachable!("a List(Float) holds floats"),
                    })
                    .collect())
            }
            _ => Err(self.wrong_type(e, "a list of numbers")),
        }
    }

    /// A `Regex` option, compiled (`None` when empty).
    pub fn regex(&self, name: &str) -> Result<Option<&Regex>, String> {
        let e = self.entry(name)?;
        match &e.value {
            Value::Regex(r) => Ok(r.as_ref()),
            _ => Err(self.wrong_type(e, "a regular expression")),
        }
    }

    /// The options that differ from their defaults, as `(name, value)`, for printing.
    pub fn non_default(&self, declared: &[OptionInfo]) -> Vec<(String, String)> {
        self.in_order(declared)
            .filter(|e| e.text != e.info.default)
            .map(|e| (e.info.name.to_string(), e.text.clone()))
            .collect()
    }

    /// Every option with its value, in declaration order.
    pub fn all(&self, declared: &[OptionInfo]) -> Vec<(String, String)> {
        self.in_order(declared)
            .map(|e| (e.info.name.to_string(), e.text.clone()))
            .collect()
    }

    fn in_order<'a>(&'a self, declared: &'a [OptionInfo]) -> impl Iterator<Item = &'a Entry> {
        declared.iter().filter_map(|o| self.values.get(o.name))
    }
}

/// Parses one value of `info`, or says what `owner`'s option accepts.
fn parse_value(owner: &str, info: &'static OptionInfo, text: &str) -> Result<Entry, String> {
    match info.kind.parse(text) {
        Ok(value) => Ok(Entry {
            info,
            text: text.to_string(),
            value,
        }),
        Err(detail) => {
            let hint = match info.kind {
                OptionKind::Enum(allowed) => allowed
                    .iter()
                    .find(|a| a.eq_ignore_ascii_case(text))
                    .map(|a| format!("; did you mean '{a}'?"))
                    .unwrap_or_else(|| did_you_mean(text, allowed)),
                _ => String::new(),
            };
            let detail = detail.map(|d| format!(" ({d})")).unwrap_or_default();
            Err(format!(
                "option '{}' of '{owner}' must be {}, not '{text}'{hint}{detail}",
                info.name,
                info.kind.expected()
            ))
        }
    }
}

/// How an option reads in `--help`: `name=<int, default 10>  help`.
pub fn describe(info: &OptionInfo) -> String {
    let default = if info.default.is_empty() {
        String::new()
    } else {
        format!(", default {}", info.default)
    };
    format!(
        "{}=<{}{default}>  {}",
        info.name,
        info.kind.name(),
        info.help
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    static OPTS: &[OptionInfo] = &[
        OptionInfo {
            name: "max-iterations",
            kind: OptionKind::Int,
            default: "10",
            help: "",
        },
        OptionInfo {
            name: "mode",
            kind: OptionKind::Enum(&["alpha", "beta"]),
            default: "alpha",
            help: "",
        },
        OptionInfo {
            name: "range",
            kind: OptionKind::List(&OptionKind::Float),
            default: "0,1",
            help: "",
        },
        OptionInfo {
            name: "deny",
            kind: OptionKind::Regex,
            default: "",
            help: "",
        },
    ];

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_typed() {
        let o = PassOptions::parse("p", OPTS, &[]).unwrap();
        assert_eq!(o.int("max-iterations"), Ok(10));
        assert_eq!(o.choice("mode"), Ok("alpha"));
        assert_eq!(o.floats("range"), Ok(vec![0.0, 1.0]));
        assert!(o.regex("deny").unwrap().is_none());
        assert_eq!(o.text("max-iterations"), Ok("10"));
    }

    #[test]
    fn given_values_are_parsed_once() {
        let o = PassOptions::parse(
            "p",
            OPTS,
            &given(&[("range", "-1, 1"), ("deny", "conv.*"), ("mode", "beta")]),
        )
        .unwrap();
        assert_eq!(o.floats("range"), Ok(vec![-1.0, 1.0]));
        assert!(o.regex("deny").unwrap().unwrap().is_match("conv_2d"));
        assert_eq!(o.choice("mode"), Ok("beta"));
        assert_eq!(
            o.non_default(OPTS),
            given(&[("mode", "beta"), ("range", "-1, 1"), ("deny", "conv.*")])
        );
    }

    #[test]
    fn bad_values_say_what_is_accepted() {
        let e = PassOptions::parse("p", OPTS, &given(&[("mode", "c")])).unwrap_err();
        assert_eq!(
            e,
            "option 'mode' of 'p' must be one of alpha, beta, not 'c'"
        );
        let e = PassOptions::parse("p", OPTS, &given(&[("mode", "BETA")])).unwrap_err();
        assert!(e.ends_with("not 'BETA'; did you mean 'beta'?"), "{e}");
        let e = PassOptions::parse("p", OPTS, &given(&[("mode", "alpah")])).unwrap_err();
        assert!(e.ends_with("; did you mean 'alpha'?"), "{e}");
        let e = PassOptions::parse("p", OPTS, &given(&[("max-iterations", "x")])).unwrap_err();
        assert_eq!(
            e,
            "option 'max-iterations' of 'p' must be an integer, not 'x'"
        );
        let e = PassOptions::parse("p", OPTS, &given(&[("range", "0,x")])).unwrap_err();
        assert!(
            e.contains("must be a comma-separated list, each a number, not '0,x'"),
            "{e}"
        );
        let e = PassOptions::parse("p", OPTS, &given(&[("deny", "(")])).unwrap_err();
        assert!(
            e.starts_with("option 'deny' of 'p' must be a regular expression, not '(' ("),
            "{e}"
        );
    }

    #[test]
    fn unknown_and_repeated_keys_are_errors() {
        let e = PassOptions::parse("p", OPTS, &given(&[("max-iteration", "1")])).unwrap_err();
        assert_eq!(
            e,
            "'p' has no option 'max-iteration'; its options are: max-iterations, mode, range, deny; did you mean 'max-iterations'?"
        );
        let e = PassOptions::parse("p", &[], &given(&[("x", "1")])).unwrap_err();
        assert_eq!(e, "'p' takes no options, but was given 'x'");
        let e = PassOptions::parse("p", OPTS, &given(&[("mode", "alpha"), ("mode", "beta")]))
            .unwrap_err();
        assert!(e.contains("'mode' of 'p' is given twice"), "{e}");
    }

    #[test]
    fn reads_must_match_the_declaration() {
        let o = PassOptions::parse("p", OPTS, &[]).unwrap();
        let e = o.int("max-iteration").unwrap_err();
        assert!(
            e.starts_with("'p' reads option 'max-iteration', which it does not declare; did you mean 'max-iterations'?"),
            "{e}"
        );
        let e = o.bool("mode").unwrap_err();
        assert_eq!(e, "'p' reads option 'mode' (declared alpha|beta) as a bool");
        assert!(o.string("range").is_err());
    }
}
