//! The TFLite frontend: reads a `.tflite` flatbuffer and lowers it into the tqopt IR.
//!
//! It also holds the TFLite schema module and the per-op-family conversion tables that the
//! backend uses in the other direction, so that each op is described in one place.

// The flatc-generated schema code names `alloc::vec::Vec` etc. from inside its own module; an
// `extern crate` in the crate root puts `alloc` in the extern prelude for every module.
extern crate alloc;

pub mod schema;
