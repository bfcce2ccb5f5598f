//! MLIR text for the tqopt IR.
