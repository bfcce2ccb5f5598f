//! The search on small models whose answer is known by construction.

use std::collections::BTreeSet;

use tqopt_interp::{Tensor, TensorData};
use tqopt_ir::Module;

use super::data::SearchData;
use super::evaluate::{Evaluator, RestOptions};
use super::search::{choose_ranges, search};

fn rest() -> RestOptions {
    RestOptions {
        per_channel: "true".into(),
        per_channel_dense: "true".into(),
        target: "xnnpack".into(),
        deny: String::new(),
        weight_rounding: crate::quant::weight_rounding::Mode::Auto,
        quantized_io: false,
        storage: Default::default(),
    }
}

/// `n` samples of 64 values uniform in [-1, 1] (a fixed xorshift sequence); `outlier` puts
/// 100 into the first sample.
fn samples(n: usize, outlier: bool) -> Vec<Vec<Tensor>> {
    let mut state = 0x2545_f491u32;
    (0..n)
        .map(|s| {
            let mut v: Vec<f32> = (0..64)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state as f32 / u32::MAX as f32 * 2.0 - 1.0
                })
                .collect();
            if outlier && s == 0 {
                v[0] = 100.0;
            }
            vec![Tensor::new(&[1, 64], TensorData::F32(v)).unwrap()]
        })
        .collect()
}

/// The float model measured on `n` samples, on one thread.
fn measure(m: &Module, n: usize, outlier: bool) -> SearchData {
    SearchData::measure(m, "main".into(), samples(n, outlier), 1).unwrap()
}

fn stats(name: &str, of: &str, lo: f32, hi: f32) -> String {
    format!(
        "  %{name} = \"quantfork.stats\"(%{of}) {{layerStats = dense<[{lo:?}, {hi:?}]> : tensor<2xf32>}} : (tensor<1x64xf32>) -> tensor<1x64xf32>\n"
    )
}

fn binary(result: &str, op: &str, a: &str, b: &str, loc: &str) -> String {
    format!(
        "  %{result} = \"tfl.{op}\"(%{a}, %{b}) <{{fused_activation_function = \"NONE\"}}> : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32> loc(\"{loc}\")\n"
    )
}

fn constant(name: &str, value: f32) -> String {
    format!(
        "  %{name} = \"tfl.pseudo_const\"() <{{value = dense<{value:?}> : tensor<1x64xf32>}}> : () -> tensor<1x64xf32>\n"
    )
}

fn module(body: &str, result: &str) -> Module {
    let text = format!(
        "func.func @main(%arg0: tensor<1x64xf32> loc(\"x\")) -> tensor<1x64xf32> {{\n{body}  return %{result} : tensor<1x64xf32>\n}}\n"
    );
    tqopt_textual_ir::parse_str("test.mlir", &text).expect("parses")
}

/// x * 0.5 + 1000 - 1000, then * 2: the sum lies in [999.5, 1000.5], where int8 (whose range
/// includes 0) has steps of about 4, so the model is useless in int8 whatever the ranges. It
/// is fixed only by keeping both the add and the sub float (then the sum is never quantized):
/// either one alone still quantizes it between them.
fn offset_model() -> Module {
    let mut body = stats("s0", "arg0", -1.0, 1.0);
    body += &constant("half", 0.5);
    body += &binary("m0", "mul", "s0", "half", "m0");
    body += &stats("s1", "m0", -0.5, 0.5);
    body += &constant("big", 1000.0);
    body += &binary("a", "add", "s1", "big", "big_add");
    body += &stats("s2", "a", 999.5, 1000.5);
    body += &binary("b", "sub", "s2", "big", "big_sub");
    body += &stats("s3", "b", -0.5, 0.5);
    body += &constant("two", 2.0);
    body += &binary("m1", "mul", "s3", "two", "m1");
    body += &stats("s4", "m1", -1.0, 1.0);
    module(&body, "s4")
}

fn kept(m: &Module, outcome: &super::search::Outcome) -> BTreeSet<String> {
    outcome
        .config
        .ops
        .keys()
        .map(|&op| m.op(op).loc.first_name().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn keeps_exactly_the_pair_of_ops_around_an_unrepresentable_tensor_float() {
    let m = offset_model();
    let data = measure(&m, 8, false);
    let ev = Evaluator::new(&m, &data, &rest(), 1).unwrap();
    let outcome = search(&ev, &m, &data, 30.0, None, 1).unwrap();
    assert!(outcome.start_db < 10.0, "{}", outcome.start_db);
    assert!(outcome.reached_db >= 30.0, "{}", outcome.reached_db);
    let want: BTreeSet<String> = ["big_add", "big_sub"].map(String::from).into();
    assert_eq!(kept(&m, &outcome), want);
    for op in outcome.config.ops.keys() {
        assert!(
            outcome.reasons[op].contains("target-sqnr=30"),
            "{}",
            outcome.reasons[op]
        );
    }
}

#[test]
fn a_strict_opsset_keeps_no_op_float_and_says_what_ranges_reach() {
    // The same model needs two ops float, which TFLITE_BUILTINS_INT8 does not allow.
    let m = offset_model();
    let data = measure(&m, 8, false);
    let ev = Evaluator::new(&m, &data, &rest(), 1).unwrap();
    let e = search(&ev, &m, &data, 30.0, Some("TFLITE_BUILTINS_INT8"), 1).unwrap_err();
    assert!(
        e.contains("cannot be reached under ops=TFLITE_BUILTINS_INT8, where no op may stay float")
            && e.contains("use ops=TFLITE_BUILTINS"),
        "{e}"
    );
}

#[test]
fn a_deliberately_bad_range_is_fixed_by_ranges_alone() {
    // x * 0.5 * 2 with the middle tensor calibrated to [-1000, 1000]: no op needs to stay
    // float, the tensor needs a range from the data.
    let mut body = stats("s0", "arg0", -1.0, 1.0);
    body += &constant("half", 0.5);
    body += &binary("m0", "mul", "s0", "half", "m0");
    body += &stats("s1", "m0", -1000.0, 1000.0);
    body += &constant("two", 2.0);
    body += &binary("m1", "mul", "s1", "two", "m1");
    body += &stats("s2", "m1", -1.0, 1.0);
    let m = module(&body, "s2");
    let data = measure(&m, 8, false);
    let ev = Evaluator::new(&m, &data, &rest(), 1).unwrap();
    let outcome = search(&ev, &m, &data, 30.0, None, 1).unwrap();
    assert!(outcome.start_db < 10.0, "{}", outcome.start_db);
    assert!(outcome.reached_db >= 30.0, "{}", outcome.reached_db);
    assert!(outcome.config.ops.is_empty(), "{:?}", kept(&m, &outcome));
}

#[test]
fn auto_prefers_a_range_that_ignores_one_samples_outlier() {
    // The input of one sample holds 100 among values in [-1, 1]: minmax spends the scale on
    // it, every other sample loses ~17 dB.
    let mut body = stats("s0", "arg0", -1.0, 100.0);
    body += &constant("half", 0.5);
    body += &binary("m0", "mul", "s0", "half", "m0");
    body += &stats("s1", "m0", -0.5, 50.0);
    let m = module(&body, "s1");
    let data = measure(&m, 8, true);
    let ev = Evaluator::new(&m, &data, &rest(), 1).unwrap();
    let (config, minmax_db, db) = choose_ranges(&ev, &m, &data, 1, None).unwrap();
    assert!(db > minmax_db + 6.0, "{minmax_db} -> {db}");
    let input_stats = data.tensors[0].0;
    let (_, method) = config.ranges[&input_stats];
    assert_ne!(method, 0, "the input kept minmax's range");
}

#[test]
fn an_unreachable_target_is_an_error_saying_what_all_float_reaches() {
    // Every op float gives at most the float model (SQNR capped at 99 dB): 99.5 is out of
    // reach.
    let m = offset_model();
    let data = measure(&m, 4, false);
    let ev = Evaluator::new(&m, &data, &rest(), 1).unwrap();
    let e = search(&ev, &m, &data, 99.5, None, 1).unwrap_err();
    assert!(
        e.contains("cannot be reached") && e.contains("float"),
        "{e}"
    );
}

#[test]
fn integer_io_scores_count_the_quantization_of_inputs_and_outputs() {
    // Every op float: with a float interface the model is nearly exact; with integer I/O the
    // input and the output are still int8, which both score forms must count.
    let m = offset_model();
    let data = measure(&m, 8, false);
    let ops: Vec<_> = m
        .walk_nested(m.op)
        .filter(|&op| {
            m.op(op).name.as_str().starts_with("tfl.")
                && !m.op(op).is(&tqopt_ir::dialect::tfl::PSEUDO_CONST)
        })
        .collect();
    assert_eq!(ops.len(), 4);
    let all_float = super::config::Config::default().with_float(&ops);
    let float_io = Evaluator::new(&m, &data, &rest(), 1).unwrap();
    let integer_io = Evaluator::new(
        &m,
        &data,
        &RestOptions {
            quantized_io: true,
            ..rest()
        },
        1,
    )
    .unwrap();
    let plain = float_io.score_folded(&all_float).unwrap();
    let folded = integer_io.score_folded(&all_float).unwrap();
    let fast = integer_io.score(&all_float).unwrap();
    assert!(plain > 70.0, "{plain}");
    assert!(folded < 55.0, "{folded}");
    assert!((fast - folded).abs() < 0.5, "fast {fast}, folded {folded}");
}

#[test]
fn a_stratified_subset_takes_one_sample_from_each_slice_of_the_sqnrs() {
    // Sorted by SQNR the samples are 1, 5, 3, 7, 0, 4, 6, 2; four slices of two, the second
    // of each: 5, 7, 4, 2, given back in sample order.
    let db = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0];
    assert_eq!(super::stratified(&db, 4), vec![2, 4, 5, 7]);
    // Asking for more than there are gives all of them.
    assert_eq!(super::stratified(&db[..3], 8), vec![0, 1, 2]);
}
