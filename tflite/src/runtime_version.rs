//! The `min_runtime_version` metadata entry: the oldest TFLite runtime that has every operator
//! version a model uses.
//!
//! The facts are TFLite's runtime version table (`FindMinimumRuntimeVersionForOp` in
//! TensorFlow's `tensorflow/compiler/mlir/lite/tools/versioning/runtime_version.cc`, the copy
//! the converter uses, as of TensorFlow 2.21): for each builtin operator and version, the
//! runtime release that introduced it. The model's value is the largest over its operators,
//! compared numerically part by part; an operator version the table does not list (custom
//! operators, for one) does not count. As TensorFlow does, the entry is a 16-byte buffer holding
//! the version string padded with zero bytes, all zeros when no operator is listed or the
//! string would not leave room for a terminating zero.

use crate::schema::tflite::BuiltinOperator as Op;

/// Size of the `min_runtime_version` buffer (TensorFlow writes a 16-byte placeholder and fills
/// it in afterwards).
pub const MIN_RUNTIME_VERSION_SIZE: usize = 16;

/// One operator's runtime releases: `releases[k]` introduced version `first + k`.
struct Entry {
    op: Op,
    first: i32,
    releases: &'static [&'static str],
}

const fn from_1(op: Op, releases: &'static [&'static str]) -> Entry {
    Entry {
        op,
        first: 1,
        releases,
    }
}

const TABLE: &[Entry] = &[
    from_1(Op::AVERAGE_POOL_2D, &["1.5.0", "1.14.0", "2.3.0"]),
    from_1(Op::BATCH_MATMUL, &["2.3.0", "2.3.0", "2.4.0", "2.5.0"]),
    // Version 1 of BROADCAST_TO was rolled back upstream (its builtin code changed).
    Entry {
        op: Op::BROADCAST_TO,
        first: 2,
        releases: &["2.5.0", "2.5.0"],
    },
    from_1(
        Op::CONV_2D,
        &[
            "1.5.0", "1.14.0", "1.14.0", "2.3.0", "2.4.0", "2.9.0", "2.11.0", "2.15.0",
        ],
    ),
    from_1(
        Op::DEPTHWISE_CONV_2D,
        &[
            "1.5.0", "1.12.0", "1.14.0", "2.2.0", "2.3.0", "2.3.0", "2.11.0",
        ],
    ),
    from_1(
        Op::ADD,
        &["1.5.0", "1.14.0", "2.4.0", "2.6.0", "2.13.0", "2.23.0"],
    ),
    from_1(Op::ADD_N, &["1.14.0"]),
    from_1(
        Op::SPACE_TO_BATCH_ND,
        &["1.6.0", "1.14.0", "2.3.0", "2.12.0"],
    ),
    from_1(Op::SUB, &["1.6.0", "1.14.0", "2.3.0", "2.4.0", "2.4.0"]),
    from_1(Op::DENSIFY, &["2.2.0"]),
    from_1(Op::DIV, &["1.6.0", "2.3.0"]),
    from_1(
        Op::BATCH_TO_SPACE_ND,
        &["1.6.0", "1.14.0", "2.3.0", "2.12.0"],
    ),
    from_1(
        Op::CAST,
        &[
            "1.5.0", "2.7.0", "2.8.0", "2.9.0", "2.12.0", "2.15.0", "2.17.0", "2.21.0",
        ],
    ),
    from_1(
        Op::CONCATENATION,
        &["1.5.0", "1.14.0", "2.3.0", "2.14.0", "2.21.0"],
    ),
    from_1(Op::DEPTH_TO_SPACE, &["2.1.0", "2.5.0"]),
    from_1(
        Op::EMBEDDING_LOOKUP,
        &["1.13.0", "1.14.0", "1.14.0", "2.18.0", "2.21.0"],
    ),
    from_1(Op::EMBEDDING_LOOKUP_SPARSE, &["1.5.0"]),
    from_1(Op::FAKE_QUANT, &["1.5.0", "1.10.0"]),
    from_1(
        Op::FULLY_CONNECTED,
        &[
            "1.5.0", "1.10.0", "1.14.0", "1.14.0", "2.0.0", "2.1.0", "2.3.0", "2.3.0", "2.3.0",
            "2.11.0", "2.15.0", "2.17.0", "2.18.0", "2.21.0",
        ],
    ),
    from_1(
        Op::GATHER,
        &[
            "1.6.0", "1.14.0", "1.15.0", "2.4.0", "2.5.0", "2.13.0", "2.15.0",
        ],
    ),
    from_1(
        Op::GATHER_ND,
        &["1.14.0", "2.3.0", "2.5.0", "2.13.0", "2.16.0"],
    ),
    from_1(Op::HASHTABLE_LOOKUP, &["1.5.0"]),
    from_1(Op::SVDF, &["1.5.0", "1.14.0", "2.2.0", "2.3.0"]),
    from_1(Op::L2_NORMALIZATION, &["1.5.0", "1.14.0"]),
    from_1(Op::L2_POOL_2D, &["1.5.0"]),
    from_1(Op::LOCAL_RESPONSE_NORMALIZATION, &["1.5.0"]),
    from_1(Op::MAX_POOL_2D, &["1.5.0", "1.14.0", "2.3.0"]),
    from_1(Op::MAXIMUM, &["1.14.0", "1.14.0", "2.3.0", "2.3.0"]),
    from_1(Op::MINIMUM, &["1.14.0", "1.14.0", "2.3.0", "2.3.0"]),
    from_1(
        Op::MUL,
        &[
            "1.5.0", "1.14.0", "1.15.0", "2.3.0", "2.6.0", "2.11.0", "2.13.0", "2.23.0",
        ],
    ),
    from_1(Op::NON_MAX_SUPPRESSION_V4, &["2.1.0"]),
    from_1(Op::NON_MAX_SUPPRESSION_V5, &["2.1.0"]),
    from_1(Op::PAD, &["1.5.0", "1.14.0", "2.4.0", "2.6.0", "2.20.0"]),
    from_1(Op::TILE, &["1.10.1", "2.2.0", "2.8.0"]),
    from_1(Op::PADV2, &["1.9.0", "1.14.0", "2.4.0", "2.6.0", "2.20.0"]),
    from_1(Op::RESHAPE, &["1.5.0"]),
    from_1(Op::SOFTMAX, &["1.5.0", "1.14.0", "2.3.0"]),
    from_1(Op::SPACE_TO_DEPTH, &["1.5.0", "1.14.0"]),
    from_1(
        Op::TRANSPOSE,
        &[
            "1.6.0", "1.14.0", "1.15.0", "2.3.0", "2.4.0", "2.12.0", "2.14.4", "2.22.0",
        ],
    ),
    from_1(Op::LSTM, &["1.7.0", "1.10.0", "1.14.0", "2.3.0"]),
    from_1(
        Op::UNIDIRECTIONAL_SEQUENCE_LSTM,
        &["1.13.1", "1.14.0", "2.3.0", "2.12.0"],
    ),
    from_1(
        Op::BIDIRECTIONAL_SEQUENCE_LSTM,
        &["1.14.0", "1.14.0", "1.14.0"],
    ),
    from_1(
        Op::BIDIRECTIONAL_SEQUENCE_RNN,
        &["1.14.0", "1.14.0", "2.3.0"],
    ),
    from_1(Op::MEAN, &["1.6.0", "1.14.0", "2.4.0"]),
    from_1(Op::SUM, &["1.10.0", "1.15.0"]),
    from_1(Op::REDUCE_MAX, &["1.11.0", "1.14.0", "2.5.0"]),
    from_1(Op::REDUCE_MIN, &["1.11.0", "1.14.0", "2.5.0"]),
    from_1(Op::REDUCE_PROD, &["1.11.0", "2.6.0"]),
    from_1(Op::REDUCE_ANY, &["1.11.0"]),
    from_1(Op::RELU6, &["1.5.0", "1.14.0", "2.5.0"]),
    from_1(Op::RESIZE_BILINEAR, &["1.7.0", "1.14.0", "2.2.0", "2.5.0"]),
    from_1(
        Op::RESIZE_NEAREST_NEIGHBOR,
        &["1.13.1", "1.14.0", "2.3.0", "2.4.0"],
    ),
    from_1(Op::RNN, &["1.5.0", "1.14.0", "2.3.0"]),
    from_1(Op::SKIP_GRAM, &["1.5.0"]),
    from_1(Op::SQUEEZE, &["1.6.0", "2.5.0"]),
    from_1(Op::SPLIT, &["1.5.0", "1.14.0", "1.14.0", "2.3.0"]),
    from_1(Op::SPLIT_V, &["1.13.1", "2.3.0"]),
    from_1(
        Op::STRIDED_SLICE,
        &[
            "1.6.0", "1.14.0", "2.1.0", "2.2.0", "2.5.0", "2.6.0", "2.14.0", "2.14.0",
        ],
    ),
    from_1(Op::TOPK_V2, &["1.7.0", "1.14.0", "2.13.0"]),
    from_1(Op::ARG_MAX, &["1.9.0", "1.14.0", "2.9.0"]),
    from_1(Op::ARG_MIN, &["1.9.0", "1.14.0", "2.9.0"]),
    from_1(
        Op::TRANSPOSE_CONV,
        &["1.9.0", "2.2.0", "2.3.0", "2.13.0", "2.15.0"],
    ),
    from_1(Op::SPARSE_TO_DENSE, &["1.9.0", "1.14.0", "1.15.0"]),
    from_1(Op::EXPAND_DIMS, &["1.10.0"]),
    from_1(Op::PACK, &["1.11.0", "1.14.0", "2.3.0", "2.13.0"]),
    from_1(Op::SHAPE, &["1.10.0"]),
    from_1(
        Op::SLICE,
        &[
            "1.14.0", "1.14.0", "1.14.0", "2.4.0", "2.5.0", "2.14.0", "2.21.0",
        ],
    ),
    from_1(Op::TANH, &["1.14.0", "1.14.0", "2.3.0"]),
    from_1(Op::ONE_HOT, &["1.11.0"]),
    from_1(
        Op::UNPACK,
        &["1.11.0", "1.14.0", "2.2.0", "2.3.0", "2.22.0"],
    ),
    from_1(Op::LEAKY_RELU, &["1.13.1", "2.3.0"]),
    from_1(Op::LOGISTIC, &["1.14.0", "1.14.0", "2.3.0"]),
    from_1(Op::LOG_SOFTMAX, &["1.14.0", "1.14.0"]),
    from_1(Op::LSH_PROJECTION, &["1.5.0"]),
    from_1(Op::SQUARED_DIFFERENCE, &["1.13.1", "2.5.0"]),
    from_1(Op::MIRROR_PAD, &["1.13.1", "2.3.0", "2.12.0"]),
    from_1(Op::UNIQUE, &["1.14.0"]),
    from_1(
        Op::UNIDIRECTIONAL_SEQUENCE_RNN,
        &["1.14.0", "1.14.0", "2.3.0"],
    ),
    from_1(Op::WHERE, &["1.14.0", "2.8.0"]),
    from_1(
        Op::DEQUANTIZE,
        &[
            "1.13.1", "1.14.0", "1.15.0", "2.2.0", "2.7.0", "2.18.0", "2.21.0", "2.22.0",
        ],
    ),
    from_1(Op::REVERSE_SEQUENCE, &["1.14.0"]),
    from_1(
        Op::EQUAL,
        &["1.14.0", "1.14.0", "2.3.0", "2.13.0", "2.21.0"],
    ),
    from_1(Op::NOT_EQUAL, &["1.14.0", "1.14.0", "2.3.0", "2.21.0"]),
    from_1(Op::GREATER, &["1.14.0", "1.14.0"]),
    from_1(Op::GREATER_EQUAL, &["1.14.0", "1.14.0", "2.13.0"]),
    from_1(Op::LESS, &["1.14.0", "1.14.0", "2.13.0"]),
    from_1(Op::LESS_EQUAL, &["1.14.0", "1.14.0"]),
    from_1(Op::SCATTER_ND, &["2.1.0"]),
    from_1(Op::SEGMENT_SUM, &["2.2.0"]),
    from_1(Op::SELECT, &["1.14.0", "1.14.0", "2.12.0", "2.12.0"]),
    from_1(Op::SELECT_V2, &["2.2.0", "2.12.0"]),
    from_1(Op::IF, &["1.15.0"]),
    from_1(Op::FLOOR_DIV, &["1.14.0", "1.14.0", "2.13.0"]),
    from_1(Op::FLOOR, &["1.9.0"]),
    from_1(Op::CEIL, &["1.14.0"]),
    from_1(Op::MATRIX_DIAG, &["1.14.0"]),
    from_1(Op::MATRIX_SET_DIAG, &["1.14.0"]),
    from_1(Op::ELU, &["1.14.0"]),
    from_1(
        Op::QUANTIZE,
        &["1.14.0", "1.15.0", "2.7.0", "2.21.0", "2.21.0", "2.21.0"],
    ),
    from_1(Op::ROUND, &["1.14.0"]),
    from_1(Op::RELU, &["1.5.0", "2.1.0", "2.5.0"]),
    from_1(Op::RELU_N1_TO_1, &["1.5.0"]),
    from_1(Op::RELU_0_TO_1, &["2.10.0"]),
    from_1(Op::PRELU, &["1.8.0"]),
    from_1(Op::EXP, &["1.7.0", "2.12.0"]),
    from_1(Op::COS, &["1.14.0"]),
    from_1(Op::NEG, &["1.9.0"]),
    from_1(Op::POW, &["1.10.0"]),
    from_1(Op::LOGICAL_OR, &["1.11.0"]),
    from_1(Op::LOGICAL_AND, &["1.11.0"]),
    from_1(Op::LOGICAL_NOT, &["1.11.0"]),
    from_1(Op::FLOOR_MOD, &["1.13.0", "2.13.0"]),
    from_1(Op::RANGE, &["1.13.0", "2.14.0"]),
    from_1(Op::SIN, &["1.9.0"]),
    from_1(Op::LOG, &["1.14.0", "2.15.0"]),
    from_1(Op::SQRT, &["1.10.0", "2.21.0"]),
    from_1(Op::RSQRT, &["1.10.0", "2.5.0", "2.15.0"]),
    from_1(Op::SQUARE, &["1.12.0"]),
    from_1(Op::ZEROS_LIKE, &["1.12.0"]),
    from_1(Op::ABS, &["1.13.0", "2.4.0", "2.5.0", "2.6.0", "2.12.0"]),
    from_1(Op::HARD_SWISH, &["1.15.0"]),
    from_1(Op::FILL, &["1.13.0", "2.3.0", "2.5.0", "2.12.0"]),
    from_1(Op::REVERSE_V2, &["1.14.0", "2.2.0", "2.5.0"]),
    from_1(Op::RANK, &["1.14.0"]),
    from_1(Op::WHILE, &["1.15.0"]),
    from_1(Op::CUMSUM, &["2.4.0"]),
    from_1(Op::CALL_ONCE, &["2.5.0"]),
    from_1(Op::RFFT2D, &["2.5.0"]),
    from_1(Op::CONV_3D, &["2.5.0"]),
    from_1(Op::IMAG, &["2.5.0"]),
    from_1(Op::REAL, &["2.5.0"]),
    from_1(Op::COMPLEX_ABS, &["2.5.0"]),
    from_1(Op::HASHTABLE, &["2.5.0"]),
    from_1(Op::HASHTABLE_FIND, &["2.5.0"]),
    from_1(Op::HASHTABLE_IMPORT, &["2.5.0"]),
    from_1(Op::HASHTABLE_SIZE, &["2.5.0"]),
    from_1(Op::REDUCE_ALL, &["2.6.0"]),
    from_1(Op::CONV_3D_TRANSPOSE, &["2.6.0"]),
    from_1(Op::VAR_HANDLE, &["2.6.0"]),
    from_1(Op::READ_VARIABLE, &["2.6.0"]),
    from_1(Op::ASSIGN_VARIABLE, &["2.6.0"]),
    from_1(Op::BROADCAST_ARGS, &["2.6.0"]),
    from_1(Op::RANDOM_STANDARD_NORMAL, &["2.8.0"]),
    from_1(Op::BUCKETIZE, &["2.8.0"]),
    from_1(Op::RANDOM_UNIFORM, &["2.8.0"]),
    from_1(Op::MULTINOMIAL, &["2.8.0"]),
    from_1(Op::GELU, &["2.9.0", "2.9.0"]),
    from_1(
        Op::DYNAMIC_UPDATE_SLICE,
        &["2.9.0", "2.17.0", "2.19.0", "2.20.0", "2.21.0", "2.22.0"],
    ),
    from_1(Op::UNSORTED_SEGMENT_PROD, &["2.10.0"]),
    from_1(Op::UNSORTED_SEGMENT_MAX, &["2.10.0"]),
    from_1(Op::UNSORTED_SEGMENT_MIN, &["2.11.0"]),
    from_1(Op::UNSORTED_SEGMENT_SUM, &["2.10.0"]),
    from_1(Op::ATAN2, &["2.10.0"]),
    from_1(Op::SIGN, &["2.11.0", "2.12.0"]),
    from_1(Op::BITCAST, &["2.13.0"]),
    from_1(Op::BITWISE_XOR, &["2.13.0"]),
    from_1(Op::RIGHT_SHIFT, &["2.13.0"]),
    from_1(Op::STABLEHLO_SCATTER, &["2.15.0"]),
    from_1(Op::DILATE, &["2.15.0"]),
    from_1(Op::STABLEHLO_RNG_BIT_GENERATOR, &["2.15.0"]),
    from_1(Op::REDUCE_WINDOW, &["2.15.0"]),
    from_1(Op::STABLEHLO_GATHER, &["2.16.0"]),
    from_1(Op::STABLEHLO_ADD, &["2.16.0"]),
    from_1(Op::STABLEHLO_MULTIPLY, &["2.16.0"]),
    from_1(Op::STABLEHLO_REDUCE_WINDOW, &["2.16.0"]),
    from_1(Op::STABLEHLO_MAXIMUM, &["2.16.0"]),
    from_1(Op::STABLEHLO_MINIMUM, &["2.16.0"]),
    from_1(Op::STABLEHLO_PAD, &["2.16.0"]),
    from_1(Op::STABLEHLO_COMPOSITE, &["2.17.0"]),
    from_1(Op::STABLEHLO_AND, &["2.17.0"]),
    from_1(Op::STABLEHLO_SHIFT_LEFT, &["2.17.0"]),
    from_1(Op::STABLEHLO_CBRT, &["2.17.0"]),
    from_1(Op::STABLEHLO_CASE, &["2.17.0"]),
];

/// The runtime release that introduced `version` of builtin operator `code`, if the table
/// lists it.
pub fn runtime_version_for_op(code: Op, version: i32) -> Option<&'static str> {
    let e = TABLE.iter().find(|e| e.op == code)?;
    let k = usize::try_from(version.checked_sub(e.first)?).ok()?;
    e.releases.get(k).copied()
}

/// `a < b` for dotted versions, comparing the parts as numbers (TFLite's
/// `CompareRuntimeVersion`: parts that are not numbers are skipped, and a version that is a
/// prefix of the other is the smaller).
pub fn version_less(a: &str, b: &str) -> bool {
    let pa: Vec<&str> = a.split('.').collect();
    let pb: Vec<&str> = b.split('.').collect();
    let mut i = 0;
    while i < pa.len() && i < pb.len() {
        if let (Ok(x), Ok(y)) = (pa[i].parse::<i64>(), pb[i].parse::<i64>()) {
            if x != y {
                return x < y;
            }
        }
        i += 1;
    }
    i < pb.len()
}

/// The model's minimum runtime version from its operator codes and versions (`""` when no
/// operator is in the table).
pub fn min_runtime_version(codes: impl IntoIterator<Item = (Op, i32)>) -> String {
    let mut best = String::new();
    for (code, version) in codes {
        if let Some(v) = runtime_version_for_op(code, version) {
            if version_less(&best, v) {
                best = v.to_string();
            }
        }
    }
    best
}

/// The 16 bytes of the `min_runtime_version` metadata buffer.
pub fn min_runtime_version_bytes(version: &str) -> [u8; MIN_RUNTIME_VERSION_SIZE] {
    let mut out = [0u8; MIN_RUNTIME_VERSION_SIZE];
    if version.len() < MIN_RUNTIME_VERSION_SIZE {
        out[..version.len()].copy_from_slice(version.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_versions() {
        assert_eq!(runtime_version_for_op(Op::CONV_2D, 1), Some("1.5.0"));
        assert_eq!(runtime_version_for_op(Op::CONV_2D, 8), Some("2.15.0"));
        assert_eq!(runtime_version_for_op(Op::CONV_2D, 9), None);
        assert_eq!(runtime_version_for_op(Op::BROADCAST_TO, 1), None);
        assert_eq!(runtime_version_for_op(Op::BROADCAST_TO, 2), Some("2.5.0"));
        assert_eq!(runtime_version_for_op(Op::CUSTOM, 1), None);
        assert_eq!(runtime_version_for_op(Op::CONV_2D, 0), None);
        assert_eq!(runtime_version_for_op(Op::CONV_2D, i32::MIN), None);
    }

    #[test]
    fn every_operator_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for e in TABLE {
            assert!(seen.insert(e.op.0), "{:?} listed twice", e.op);
            assert!(!e.releases.is_empty());
        }
    }

    #[test]
    fn compares_like_tflite() {
        assert!(version_less("1.14.0", "2.3.0"));
        assert!(version_less("1.5.0", "1.14.0"));
        assert!(!version_less("2.3.0", "2.3.0"));
        assert!(version_less("", "1.5.0"));
        assert!(version_less("2.14.0", "2.14.4"));
        assert!(!version_less("2.14.4", "2.14.0"));
    }

    #[test]
    fn model_version_is_the_largest() {
        let v = min_runtime_version([(Op::CONV_2D, 1), (Op::LOGISTIC, 1), (Op::CUSTOM, 1)]);
        assert_eq!(v, "1.14.0");
        assert_eq!(min_runtime_version([(Op::CUSTOM, 1)]), "");
        let b = min_runtime_version_bytes("1.14.0");
        assert_eq!(&b[..7], b"1.14.0\0");
        assert_eq!(b.len(), 16);
    }

    /// Every operator tqopt converts has a row, so `min_runtime_version` counts it; a new op's
    /// codec without a row fails here. CUSTOM has none in TensorFlow's table either.
    #[test]
    fn every_converted_operator_has_a_row() {
        for c in crate::ops::all_codecs() {
            if c.code == Op::CUSTOM {
                continue;
            }
            assert!(
                TABLE.iter().any(|e| e.op == c.code),
                "{} has a codec but no runtime version row",
                crate::ops::op_name(c.code)
            );
        }
    }
}
