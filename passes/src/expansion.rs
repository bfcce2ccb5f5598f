//! How a named pipeline expands, as data: its passes in order, and where each pass's options
//! come from (one of the pipeline's options, renamed or not; a fixed value; or a value
//! computed from the pipeline's options).
//!
//! The forwarding is declared once, here in each pipeline's [`Step`]s: [`expand`] reads it to
//! build the pass list, the registry reads it to find which pipeline option takes a tool-level
//! input (`quantize-int8{calibration=}` forwards to `calibrate{data=}`, which takes
//! `--calibration-data`), and the registry's tests read it to check that every forwarded option
//! exists on both ends with compatible types.

use crate::options::PassOptions;
use crate::pipeline::PassSpec;

/// Where one option of a pass in a pipeline gets its value.
#[derive(Copy, Clone, Debug)]
pub enum Arg {
    /// The pass's option `to` takes the pipeline's option `from`, as given.
    Forward {
        to: &'static str,
        from: &'static str,
    },
    /// The pass's option `to` is fixed by the pipeline.
    Set {
        to: &'static str,
        value: &'static str,
    },
    /// The pass's option `to` is computed from the pipeline's options `from`.
    Computed {
        to: &'static str,
        from: &'static [&'static str],
        value: fn(&PassOptions) -> Result<String, String>,
    },
}

impl Arg {
    /// The option of the pass this sets.
    pub fn to(&self) -> &'static str {
        match self {
            Arg::Forward { to, .. } | Arg::Set { to, .. } | Arg::Computed { to, .. } => to,
        }
    }

    /// The pipeline options this reads.
    pub fn reads(&self) -> &[&'static str] {
        match self {
            Arg::Forward { from, .. } => std::slice::from_ref(from),
            Arg::Set { .. } => &[],
            Arg::Computed { from, .. } => from,
        }
    }

    /// The pipeline option whose value this hands to the pass's option `to`, when it is one
    /// option's (forwarded or computed from it alone).
    pub fn source_of(&self, to: &str) -> Option<&'static str> {
        match self {
            Arg::Forward { to: t, from } if *t == to => Some(from),
            Arg::Computed {
                to: t, from: [one], ..
            } if *t == to => Some(one),
            _ => None,
        }
    }

    fn value(&self, o: &PassOptions) -> Result<String, String> {
        match self {
            Arg::Forward { from, .. } => o.text(from).map(str::to_string),
            Arg::Set { value, .. } => Ok(value.to_string()),
            Arg::Computed { value, .. } => value(o),
        }
    }
}

/// When a step runs: a test of the pipeline's options `reads`.
#[derive(Copy, Clone, Debug)]
pub struct Condition {
    pub reads: &'static [&'static str],
    pub test: fn(&PassOptions) -> Result<bool, String>,
}

/// One pass (or pipeline) of a pipeline, with its options' sources.
#[derive(Copy, Clone, Debug)]
pub struct Step {
    pub pass: &'static str,
    pub args: &'static [Arg],
    /// Runs only when this holds; `None`: always.
    pub when: Option<Condition>,
}

/// A step with no options.
pub const fn step(pass: &'static str) -> Step {
    Step {
        pass,
        args: &[],
        when: None,
    }
}

/// A step with options.
pub const fn with(pass: &'static str, args: &'static [Arg]) -> Step {
    Step {
        pass,
        args,
        when: None,
    }
}

impl Step {
    /// The step, run only when `test` (of the pipeline options `reads`) holds.
    pub const fn when(
        self,
        reads: &'static [&'static str],
        test: fn(&PassOptions) -> Result<bool, String>,
    ) -> Step {
        Step {
            when: Some(Condition { reads, test }),
            ..self
        }
    }
}

/// The pass's option `name` takes the pipeline's option of the same name.
pub const fn same(name: &'static str) -> Arg {
    Arg::Forward {
        to: name,
        from: name,
    }
}

/// The pass's option `to` takes the pipeline's option `from`.
pub const fn forward(to: &'static str, from: &'static str) -> Arg {
    Arg::Forward { to, from }
}

/// The pass's option `to` is fixed to `value`.
pub const fn set(to: &'static str, value: &'static str) -> Arg {
    Arg::Set { to, value }
}

/// The pass specs `steps` give for the pipeline options `o`.
pub fn expand(steps: &[Step], o: &PassOptions) -> Result<Vec<PassSpec>, String> {
    let mut specs = Vec::new();
    for step in steps {
        if let Some(when) = &step.when {
            if !(when.test)(o)? {
                continue;
            }
        }
        let options = step
            .args
            .iter()
            .map(|a| Ok((a.to().to_string(), a.value(o)?)))
            .collect::<Result<_, String>>()?;
        specs.push(PassSpec {
            name: step.pass.to_string(),
            options,
        });
    }
    Ok(specs)
}
