//! The pass manager and the passes of tqopt.
//!
//! A pass is declared once, in the [`registry`]: its argument (`canonicalize`), summary,
//! options and constructor. The CLI derives `--pass=NAME{...}`, `--pass-pipeline=...`,
//! `--help` and `--dump-pass-pipeline` from that table. Passes keep no state between runs and
//! never print or verify by themselves: the [`manager::PassManager`] does that, calling
//! [`instrumentation`] hooks around each pass (IR dumps, timing, crash reproducers) as MLIR's
//! PassInstrumentation does. Named pipelines are data ([`expansion`]): their passes and where
//! each pass option comes from.
//!
//! Adding a pass: write the pass struct and its `create(&PassOptions)`, declare its options
//! as [`options::OptionInfo`]s (name, [`options::OptionKind`], default, help) and read them in
//! `create` with the typed getters (`options.int("max-iterations")?`, `choice`, `bool`,
//! `regex`, ...): a read of an undeclared name or of the wrong type is an error naming the
//! pass. Declare a `PassInfo` (with [`registry::PassTraits`]: the tool-level flags its options
//! take, the report it makes) and list it in [`registry::PASSES`]. Parsing, `--help`, the
//! "did you mean" errors and `--dump-pass-pipeline` follow from the declaration.
//!
//! Adding a pipeline option: declare it in the pipeline's `options` and say where it goes in
//! its [`expansion::Step`]s (`same("x")`, `forward("data", "calibration")`, `set(...)` or a
//! computed value); the registry tests check that every forward exists on both ends with
//! compatible types and that every pipeline option reaches a step.

pub mod accuracy;
pub mod calibration;
pub mod canonicalize;
pub mod dce;
pub mod expansion;
pub mod fold_constant_ops;
pub mod fold_constants;
pub mod folds;
pub mod fuse_activations;
pub mod instrumentation;
pub mod manager;
pub mod options;
pub mod pass;
pub mod pipeline;
pub mod quant;
pub mod registry;
pub mod suggest;

pub use instrumentation::{Instrumentation, PassInstrumentation, PassRun};
pub use manager::{PassManager, RunConfig, RunError};
pub use pass::{Changed, Pass, PassContext, PassError, Progress, Statistic};
pub use pipeline::{parse_pipeline, PassSpec};
pub use registry::{lookup, PassInfo, PipelineInfo, PASSES, PIPELINES};
