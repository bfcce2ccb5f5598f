//! The pass manager and the passes of tqopt.
//!
//! A pass is declared once, in the [`registry`]: its argument (`canonicalize`), summary,
//! options and constructor. The CLI derives `--pass=NAME{...}`, `--pass-pipeline=...`,
//! `--help` and `--dump-pass-pipeline` from that table. Passes keep no state between runs and
//! never print or verify by themselves: the [`manager::PassManager`] does that, calling
//! [`instrumentation`] hooks around each pass (IR dumps, timing, crash reproducers) as MLIR's
//! PassInstrumentation does. Named pipelines are data ([`expansion`]): their passes and where
//! each pass option comes from.

pub mod accuracy;
pub mod calibration;
pub mod canonicalize;
pub mod dce;
pub mod expansion;
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
