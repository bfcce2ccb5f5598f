//! Inputs that ask for too much: nesting 20,000 levels deep (of every nesting construct) is a
//! located error, not a stack overflow, in an ordinary test thread (2 MiB of stack); nesting up
//! to the limit parses, verifies and prints; dense literals whose type is huge are refused
//! before anything is allocated, with the type and the size; splats of huge types stay splats;
//! hex data and resource blobs of the wrong size or alignment are located errors.

use tqopt_ir::verifier::verify;
use tqopt_ir::SourceFile;
use tqopt_textual_ir::parser::DEFAULT_MAX_NESTING;
use tqopt_textual_ir::{parse, parse_with, print_module, ParseOptions, PrintOptions};

/// Parses, verifies and prints `text`, or returns the rendered error.
fn run(text: &str) -> Result<String, String> {
    let source = SourceFile::new("deep.mlir", text);
    let parsed = parse(&source).map_err(|d| source.render(&d))?;
    let errors = verify(&parsed.module);
    if !errors.is_empty() {
        return Err(format!("{errors:?}"));
    }
    Ok(print_module(&parsed.module, &PrintOptions::default()))
}

/// A nest of `n` levels of each construct, wrapped in the smallest valid file.
fn nests(n: usize) -> Vec<(&'static str, String)> {
    let op = |attr: String| format!("\"t.c\"() {{v = {attr}}} : () -> ()\n");
    vec![
        ("arrays", op(format!("{}{}", "[".repeat(n), "]".repeat(n)))),
        (
            "dictionaries",
            op(format!("{}1{}", "{a = ".repeat(n), "}".repeat(n))),
        ),
        (
            "tensor types",
            format!(
                "func.func private @f({}f32{})\n",
                "tensor<".repeat(n),
                ">".repeat(n)
            ),
        ),
        (
            "function types",
            op(format!("{}i32{}", "(i32) -> (".repeat(n), ")".repeat(n))),
        ),
        (
            "name locations",
            format!(
                "\"t.c\"() : () -> () loc({}\"x\"{})\n",
                "\"a\"(".repeat(n),
                ")".repeat(n)
            ),
        ),
        (
            "callsite locations",
            format!(
                "\"t.c\"() : () -> () loc({}unknown{})\n",
                "callsite(".repeat(n),
                " at unknown)".repeat(n)
            ),
        ),
        (
            "fused locations",
            format!(
                "\"t.c\"() : () -> () loc({}unknown{})\n",
                "fused[".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "regions",
            format!(
                "{}\"t.e\"() : () -> (){}\n",
                "\"t.r\"() ({\n".repeat(n),
                "}) : () -> ()\n".repeat(n)
            ),
        ),
        (
            "blocks",
            format!(
                "{}\"t.e\"() : () -> (){}\n",
                "\"t.r\"() ({\n^bb0:\n".repeat(n),
                "}) : () -> ()\n".repeat(n)
            ),
        ),
        (
            "modules",
            format!("{}{}", "module {\n".repeat(n), "}\n".repeat(n)),
        ),
        (
            "dense lists",
            op(format!(
                "dense<{}1.0{}> : tensor<{}f32>",
                "[".repeat(n),
                "]".repeat(n),
                "1x".repeat(n)
            )),
        ),
        (
            "dialect attribute bodies",
            op(format!("#t.a{}{}", "<".repeat(n), ">".repeat(n))),
        ),
    ]
}

#[test]
fn nesting_20000_deep_is_a_located_error_for_every_construct() {
    for (kind, text) in nests(20_000) {
        let err = run(&text).expect_err(kind);
        assert!(
            err.contains(&format!(
                "nesting is deeper than {DEFAULT_MAX_NESTING} levels"
            )),
            "{kind}: {err}"
        );
        assert!(err.starts_with("deep.mlir:"), "{kind}: {err}");
    }
}

#[test]
fn nesting_up_to_the_limit_parses_verifies_and_prints() {
    // The wrappers (op parentheses, attribute dictionaries, the implicit module) take a few
    // levels of the limit; a region level takes two brackets, `(` and `{`.
    let full = nests(DEFAULT_MAX_NESTING - 4);
    let half = nests(DEFAULT_MAX_NESTING / 2 - 4);
    for ((kind, text), (_, half_text)) in full.into_iter().zip(half) {
        let text = if matches!(kind, "regions" | "blocks") {
            half_text
        } else {
            text
        };
        if kind == "tensor types" {
            // A tensor of tensors is no type: an error, found without running out of stack.
            let err = run(&text).unwrap_err();
            assert!(err.contains("cannot be a tensor element type"), "{err}");
            continue;
        }
        let printed = run(&text).unwrap_or_else(|e| panic!("{kind}: {e}"));
        // What we print parses again: the printer adds no nesting of its own beyond the limit.
        run(&printed).unwrap_or_else(|e| panic!("{kind} (printed): {e}"));
    }
}

#[test]
fn the_nesting_limit_can_be_changed() {
    let text = format!(
        "\"t.c\"() {{v = {}{}}} : () -> ()",
        "[".repeat(10),
        "]".repeat(10)
    );
    let source = SourceFile::new("t.mlir", text.as_str());
    let tight = ParseOptions {
        max_nesting: 8,
        ..ParseOptions::default()
    };
    let err = parse_with(&source, &tight).map(|_| ()).unwrap_err();
    // `{` is level 1, the array brackets are levels 2..: the 8th, at column 21, is level 9.
    assert_eq!(source.render(&err).lines().next().unwrap(), "t.mlir:1:21: error: nesting is deeper than 8 levels (brackets, types, regions or locations inside each other); the parser refuses it rather than overflow its stack");
    assert!(parse(&source).is_ok());
}

fn error_of(text: &str, options: &ParseOptions) -> String {
    let source = SourceFile::new("d.mlir", text);
    match parse_with(&source, options) {
        Ok(_) => panic!("expected an error for {text}"),
        Err(d) => source.render(&d),
    }
}

#[test]
fn huge_dense_literals_are_refused_before_allocating() {
    let defaults = ParseOptions::default();
    // i64::MAX elements of 4 bytes: more than 64 bits of bytes.
    let err = error_of(
        "\"t.c\"() {v = dense<[1.0, 2.0]> : tensor<9223372036854775807xf32>} : () -> ()",
        &defaults,
    );
    assert!(err.starts_with("d.mlir:1:20: error: dense literal of type 'tensor<9223372036854775807xf32>' would take 9223372036854775807 elements of 4 bytes"), "{err}");
    // 32 GiB: over the default budget of 4 GiB.
    let err = error_of(
        "\"t.c\"() {v = dense<[1.0]> : tensor<8589934592xf32>} : () -> ()",
        &defaults,
    );
    assert!(err.starts_with("d.mlir:1:20: error: dense literal of type 'tensor<8589934592xf32>' would take 34359738368 bytes, more than the parser's limit of 4294967296 bytes"), "{err}");
    // Hex data is checked against the type before it is decoded.
    let err = error_of(
        "\"t.c\"() {v = dense<\"0x0000000000\"> : tensor<2147483648x4xf32>} : () -> ()",
        &defaults,
    );
    assert!(err.contains("would take 34359738368 bytes"), "{err}");
    // The element count itself overflows.
    let err = error_of(
        "\"t.c\"() {v = dense<1.0> : tensor<4294967296x4294967296xf32>} : () -> ()",
        &defaults,
    );
    assert!(err.starts_with("d.mlir:1:27: error: 'tensor<4294967296x4294967296xf32>' has more elements than fit in 64 bits"), "{err}");
}

#[test]
fn the_dense_budget_can_be_changed() {
    let small = ParseOptions {
        max_dense_bytes: 16,
        ..ParseOptions::default()
    };
    let ok = "\"t.c\"() {v = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> ()";
    assert!(parse_with(&SourceFile::new("d.mlir", ok), &small).is_ok());
    let err = error_of(
        "\"t.c\"() {v = dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>} : () -> ()",
        &small,
    );
    assert!(
        err.contains("would take 20 bytes, more than the parser's limit of 16 bytes"),
        "{err}"
    );
    let err = error_of(
        "\"t.c\"() {v = dense<\"0x0000803F0000803F0000803F0000803F0000803F\"> : tensor<5xf32>} : () -> ()",
        &small,
    );
    assert!(err.contains("would take 20 bytes"), "{err}");
}

#[test]
fn splats_of_huge_types_stay_splats() {
    for text in [
        "\"t.c\"() {v = dense<1.0> : tensor<9223372036854775807xf32>} : () -> ()",
        "\"t.c\"() {v = dense<\"0x0000803F\"> : tensor<4294967296x2xf32>} : () -> ()",
        "\"t.c\"() {v = dense<true> : tensor<9223372036854775807xi1>} : () -> ()",
        "\"t.c\"() {v = dense<\"0xFF\"> : tensor<9223372036854775807xi1>} : () -> ()",
    ] {
        let printed = run(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(printed.contains("dense<"), "{printed}");
        assert!(
            printed.len() < 300,
            "a splat was materialized: {} bytes",
            printed.len()
        );
    }
}

#[test]
fn hex_data_of_the_wrong_size_is_a_located_error() {
    let defaults = ParseOptions::default();
    let err = error_of(
        "\"t.c\"() {v = dense<\"0x0000803F0000\"> : tensor<2xf32>} : () -> ()",
        &defaults,
    );
    assert!(err.starts_with("d.mlir:1:20: error: elements hex data size is invalid for provided type: 'tensor<2xf32>' takes 8 bytes (2 elements of 4), or 4 for a splat, but the data has 6"), "{err}");
    let err = error_of(
        "\"t.c\"() {v = dense<\"0x0000803\"> : tensor<2xf32>} : () -> ()",
        &defaults,
    );
    assert!(
        err.contains("d.mlir:1:20: error: malformed hex data"),
        "{err}"
    );
    let err = error_of(
        "\"t.c\"() {v = dense<\"0x0F0F0F\"> : tensor<9xi1>} : () -> ()",
        &defaults,
    );
    assert!(err.starts_with("d.mlir:1:20: error: "), "{err}");
    assert!(parse(&SourceFile::new(
        "d.mlir",
        "\"t.c\"() {v = dense<\"0x0F01\"> : tensor<9xi1>} : () -> ()"
    ))
    .is_ok());
}

#[test]
fn resource_blobs_are_checked() {
    let defaults = ParseOptions::default();
    let with_blob = |blob: &str| {
        format!(
            "\"t.c\"() {{v = dense_resource<b> : tensor<2xf32>}} : () -> ()\n{{-#\n  dialect_resources: {{ builtin: {{ b: \"{blob}\" }} }}\n#-}}\n"
        )
    };
    let err = error_of(&with_blob("0x030000000000803F0000803F"), &defaults);
    assert!(err.starts_with("d.mlir:3:38: error: expected hex string blob for key 'b' to encode alignment in first 4 bytes, but got non-power-of-2 value: 3"), "{err}");
    let err = error_of(&with_blob("0x0400"), &defaults);
    assert!(
        err.contains("d.mlir:3:38: error: resource blob 'b' lacks its 4-byte alignment prefix"),
        "{err}"
    );
    let small = ParseOptions {
        max_dense_bytes: 4,
        ..ParseOptions::default()
    };
    let err = error_of(&with_blob("0x040000000000803F0000803F"), &small);
    assert!(err.contains("d.mlir:3:38: error: resource blob 'b' holds 8 bytes, more than the parser's limit of 4 bytes"), "{err}");
    assert!(parse(&SourceFile::new(
        "d.mlir",
        with_blob("0x040000000000803F0000803F")
    ))
    .is_ok());
}
