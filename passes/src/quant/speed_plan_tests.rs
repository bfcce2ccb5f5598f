use super::*;

fn table(add_int8_ns_per_element: f64, convert_ns_per_element: f64) -> CostTable {
    let row = |case: &str, int8: bool, mac: f64, element: f64| CostRow {
        case: case.into(),
        precision: if int8 {
            Precision::Int8
        } else {
            Precision::Float
        },
        ns_per_mac: mac,
        ns_per_element: element,
        ns_per_row: 0.0,
    };
    CostTable {
        rows: vec![
            row("tfl.conv_2d/1x1", true, 0.002, 0.03),
            row("tfl.conv_2d/1x1", false, 0.008, 0.05),
            row("tfl.add", true, 0.0, add_int8_ns_per_element),
            row("tfl.add", false, 0.0, 0.01),
        ],
        convert_ns_per_element,
        cpu: "test".into(),
    }
}

/// conv, conv -> add -> conv -> reshape -> return, on 1x64x64x16 (65536 elements).
fn residual() -> Module {
    let t = "tensor<1x64x64x16xf32>";
    let w = |n: &str| {
        format!(
            "  %{n} = \"tfl.pseudo_const\"() <{{value = dense<0.5> : tensor<16x1x1x16xf32>}}> : () -> tensor<16x1x1x16xf32>\n"
        )
    };
    let conv = |out: &str, x: &str, w: &str| {
        format!(
            "  %{out} = \"tfl.conv_2d\"({x}, %{w}, %b) <{{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = \"NONE\", padding = \"SAME\", stride_h = 1 : i32, stride_w = 1 : i32}}> : ({t}, tensor<16x1x1x16xf32>, tensor<16xf32>) -> {t}\n"
        )
    };
    let text = format!(
        "func.func @main(%arg0: {t}) -> tensor<65536xf32> {{\n{}{}{}  %b = \"tfl.pseudo_const\"() <{{value = dense<0.0> : tensor<16xf32>}}> : () -> tensor<16xf32>\n  %s = \"tfl.pseudo_const\"() <{{value = dense<65536> : tensor<1xi32>}}> : () -> tensor<1xi32>\n{}{}  %sum = \"tfl.add\"(%c1, %c2) <{{fused_activation_function = \"NONE\"}}> : ({t}, {t}) -> {t}\n{}  %r = \"tfl.reshape\"(%c3, %s) : ({t}, tensor<1xi32>) -> tensor<65536xf32>\n  return %r : tensor<65536xf32>\n}}\n",
        w("w1"),
        w("w2"),
        w("w3"),
        conv("c1", "%arg0", "w1"),
        conv("c2", "%arg0", "w2"),
        conv("c3", "%sum", "w3"),
    );
    tqopt_textual_ir::parse_str("test.mlir", &text).expect("parses")
}

fn candidates(m: &Module) -> Vec<OpId> {
    m.all_ops()
        .into_iter()
        .filter(|&op| super::super::spec::is_candidate(m, op))
        .collect()
}

fn names(m: &Module, plan: &[FloatForSpeed]) -> Vec<String> {
    plan.iter()
        .map(|f| m.op(f.op).name.as_str().to_string())
        .collect()
}

/// The op that reads the add's result, and the two convolutions the add reads.
fn convs(m: &Module) -> (OpId, OpId, OpId) {
    let all: Vec<OpId> = m
        .all_ops()
        .into_iter()
        .filter(|&o| m.op(o).is(&tfl::CONV_2D))
        .collect();
    let after_add = |o: OpId| {
        m.operand(o, 0)
            .and_then(|v| m.defining_op(v))
            .is_some_and(|d| m.op(d).is(&tfl::ADD))
    };
    let last = *all.iter().find(|&&o| after_add(o)).expect("conv3");
    let first: Vec<OpId> = all.into_iter().filter(|&o| o != last).collect();
    (first[0], first[1], last)
}

#[test]
fn an_add_between_int8_convolutions_stays_int8_even_if_float_adds_are_faster() {
    let m = residual();
    let ops = candidates(&m);
    // The table says a float add is 8x cheaper, but running it float would add two
    // dequantizes and a quantize: measured on real models, such trades lose.
    assert!(plan(&m, &table(0.08, 0.013), &ops, &[]).is_empty());
}

#[test]
fn an_add_between_float_ops_runs_float() {
    let m = residual();
    let ops = candidates(&m);
    let (c1, c2, _) = convs(&m);
    // Both operands come from ops that are float anyway (as PReLUs kept float are): a float
    // add saves their two quantizes for one after it.
    let plan = plan(&m, &table(0.08, 0.013), &ops, &[c1, c2]);
    assert_eq!(names(&m, &plan), ["tfl.add"]);
    assert!(plan[0].gain_ns > 0.0, "{plan:?}");
    // Unless the float add is slower than the int8 one.
    assert!(super::plan(&m, &table(0.005, 0.013), &ops, &[c1, c2]).is_empty());
}

#[test]
fn a_view_follows_its_neighbours_and_fixed_float_ops_are_not_returned() {
    let m = residual();
    let ops = candidates(&m);
    let (_, _, conv3) = convs(&m);
    // The last convolution is fixed float (as if denied): the reshape between it and the
    // float return goes float too (no conversion left), and the fixed op is not reported.
    let plan = plan(&m, &table(0.08, 0.013), &ops, &[conv3]);
    assert_eq!(names(&m, &plan), ["tfl.reshape"]);
}

#[test]
fn the_shipped_table_has_the_ops_the_planner_weighs() {
    let t = CostTable::shipped();
    for case in [
        "tfl.conv_2d/1x1",
        "tfl.conv_2d/kxk",
        "tfl.depthwise_conv_2d/1x1",
        "tfl.depthwise_conv_2d/kxk",
        "tfl.fully_connected",
        "tfl.add",
        "tfl.mul",
    ] {
        for p in [Precision::Int8, Precision::Float] {
            assert!(t.row(case, p).is_some(), "{case} {p:?}");
        }
    }
    assert!(t.convert_ns_per_element > 0.0);
    assert!(!t.cpu.is_empty());
}

#[test]
fn a_malformed_table_is_an_error() {
    assert!(CostTable::parse("{}").is_err());
    let bad = "{\"case\": \"tfl.add\", \"precision\": \"int8\", \"ns_per_mac\": x, \"ns_per_element\": 1, \"ns_per_row\": 0}";
    assert!(CostTable::parse(bad).unwrap_err().contains("ns_per_mac"));
}

#[test]
fn hybrid_is_slower_only_where_the_table_says_so() {
    let m = residual();
    let conv = m
        .all_ops()
        .into_iter()
        .find(|&o| m.op(o).is(&tfl::CONV_2D))
        .expect("a convolution");
    let with_hybrid = |ns_per_mac: f64| {
        let mut t = table(0.08, 0.013);
        t.rows.push(CostRow {
            case: "tfl.conv_2d/1x1".into(),
            precision: Precision::Hybrid,
            ns_per_mac,
            ns_per_element: 0.05,
            ns_per_row: 0.0,
        });
        t
    };
    // Float: 0.008 ns per MAC; a hybrid kernel at 0.03 is slower, at 0.002 faster.
    assert!(with_hybrid(0.03).hybrid_slower(&m, conv));
    assert!(!with_hybrid(0.002).hybrid_slower(&m, conv));
    // No hybrid row: nothing is known, nothing is claimed.
    assert!(!table(0.08, 0.013).hybrid_slower(&m, conv));
}

/// conv (8 -> cin channels) -> conv (cin -> 32, a 1x256 filter) -> conv (32 -> 8), on a
/// dynamic batch of 1 x 4096 samples: the middle convolution's reduction has `cin` input
/// channels per tap.
fn audio_front_end(cin: usize) -> Module {
    let (n, taps) = (4096, 256);
    let short = n - taps + 1;
    let conv = |out: &str, x: &str, width: usize, cin: usize, cout: usize, k: usize| {
        let wo = width - k + 1;
        format!(
            "  %w{out} = \"tfl.pseudo_const\"() <{{value = dense<0.5> : tensor<{cout}x1x{k}x{cin}xf32>}}> : () -> tensor<{cout}x1x{k}x{cin}xf32>\n  %b{out} = \"tfl.pseudo_const\"() <{{value = dense<0.0> : tensor<{cout}xf32>}}> : () -> tensor<{cout}xf32>\n  %{out} = \"tfl.conv_2d\"({x}, %w{out}, %b{out}) <{{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = \"NONE\", padding = \"VALID\", stride_h = 1 : i32, stride_w = 1 : i32}}> : (tensor<?x1x{width}x{cin}xf32>, tensor<{cout}x1x{k}x{cin}xf32>, tensor<{cout}xf32>) -> tensor<?x1x{wo}x{cout}xf32>\n"
        )
    };
    let text = format!(
        "func.func @main(%arg0: tensor<?x1x{n}x8xf32>) -> tensor<?x1x{short}x8xf32> {{\n{}{}{}  return %c3 : tensor<?x1x{short}x8xf32>\n}}\n",
        conv("c1", "%arg0", n, 8, cin, 1),
        conv("c2", "%c1", n, cin, 32, taps),
        conv("c3", "%c2", short, 32, 8, 1),
    );
    tqopt_textual_ir::parse_str("test.mlir", &text).expect("parses")
}

#[test]
fn a_convolution_over_one_input_channel_runs_float_even_between_int8_ops() {
    // With the shipped table, int8 convolutions cost a quarter of float ones per
    // multiply-accumulate; with one input channel XNNPACK's int8 kernels do 8 times the work.
    let t = CostTable::shipped();
    let m = audio_front_end(1);
    let plan = plan(&m, t, &candidates(&m), &[]);
    let planned: Vec<String> = plan
        .iter()
        .map(|f| {
            let w = m.operand(f.op, 1).expect("filter");
            format!("{}", m.value_type(w))
        })
        .collect();
    assert_eq!(planned, ["tensor<32x1x256x1xf32>"], "{plan:?}");
    assert!(plan[0].gain_ns > 0.0);
    // Eight input channels: no padding, and the int8 form is the faster one.
    let m = audio_front_end(8);
    assert!(plan_is_empty(&m, t));
}

fn plan_is_empty(m: &Module, t: &CostTable) -> bool {
    plan(m, t, &candidates(m), &[]).is_empty()
}

#[test]
fn a_dynamic_batch_counts_as_one() {
    let m = audio_front_end(8);
    let t = CostTable::shipped();
    let conv = m
        .all_ops()
        .into_iter()
        .find(|&o| m.op(o).is(&tfl::CONV_2D))
        .expect("a convolution");
    // 4096 outputs x 8 channels x 8 inputs: counted, not skipped for the `?` batch.
    let float = t.op_ns(&m, conv, Precision::Float).expect("estimated");
    assert!(float > 4096.0 * 64.0 * 0.001, "{float}");
}
