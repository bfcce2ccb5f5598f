//! Calibration: running the float model over a data set and turning the values each
//! activation takes into a range (`quantfork.stats`).

pub mod calibrate;
pub mod collectors;
pub mod dataset;
pub mod image_check;
pub mod json;
pub mod runner;
pub mod statistics;
pub mod tflite_inplace;
