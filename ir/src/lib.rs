//! The tqopt IR core.
//!
//! A [`Module`] owns a [`Context`]: arenas of operations, values, blocks and regions named by
//! typed `u32` handles ([`OpId`], [`ValueId`], [`BlockId`], [`RegionId`]), with the order of
//! operations kept apart from their definition. Operations are generic (a name, operands,
//! results, sorted attribute dictionaries, regions, a location); what each op means comes from
//! the op tables in [`dialect`], the one place an op is declared. [`verifier::verify`] checks a
//! module against those tables and SSA rules; [`graph`] builds petgraph views for analyses.

pub mod attributes;
pub mod blob;
pub mod context;
pub mod diagnostics;
pub mod dialect;
pub mod entity;
pub mod float_format;
pub mod graph;
pub mod hex;
pub mod location;
pub mod memory;
pub mod module;
pub mod types;
pub mod verifier;

pub use attributes::{AttrDict, Attribute, DenseElements, DenseValues, OpaqueAttr, Scalar};
pub use blob::{map_file, Blob, BlobOwner};
pub use context::{Context, OpData, OpName, OpSpec, RewriteError, Use, ValueDef};
pub use diagnostics::{Diagnostic, Severity, SourceFile, SourcePos};
pub use dialect::OpDef;
pub use entity::{BlockId, EntityRef, OpId, RegionId, ValueId};
pub use location::Location;
pub use module::{
    Module, ResourceBlob, CONTROL_DEPENDENCIES_ATTR, IS_VARIABLE_ATTR, OPERATOR_INDEX_ATTRS,
};
pub use types::{
    ElementType, FloatKind, FunctionType, IntType, QuantParams, Signedness, TensorType, Type,
    UniformQuant,
};
