//! Names the importer writes and the exporter reads back: tqopt's own attributes for what
//! TensorFlow's tfl dialect has no attribute for, and the metadata entries of a file. Each is
//! defined once, here or (where the IR itself reads it) in the IR crate.

/// Module attribute holding the legacy `Model.metadata_buffer` list: an array of
/// `dense<...> : tensor<Nxui8>`, the contents of each listed buffer, in order.
pub const METADATA_BUFFERS_ATTR: &str = "tqopt.metadata_buffers";

/// Module attribute holding the `model_control_dependencies` metadata entry (defined in the IR
/// crate: passes that reorder ops drop it).
pub use tqopt_ir::CONTROL_DEPENDENCIES_ATTR;

/// The metadata entry TensorFlow parses into control nodes; tqopt keeps its bytes in
/// [`CONTROL_DEPENDENCIES_ATTR`].
pub const CONTROL_DEPENDENCIES_KEY: &str = "model_control_dependencies";

/// The metadata entry holding the lowest runtime version that runs the model.
pub const MIN_RUNTIME_VERSION_KEY: &str = "min_runtime_version";

/// Discardable attribute keeping `pot_scale_int16 = false` of ADD and SUB (TensorFlow's tfl
/// dialect has no attribute for it; absent means the schema default, true). Defined in the IR
/// crate because the operator versioning rules read it.
pub use tqopt_ir::dialect::tfl_versions::POT_SCALE_INT16_ATTR as POT_SCALE_INT16;
