//! The parser's fast paths agree with its general ones.
//!
//! - `dense<[...]>`: a list of decimal numbers takes the fast path (one `dense_numbers` token
//!   read by hand), the same list with a comment inside takes the general path (`dense_list`,
//!   pest's tokens); both give the same printout, or the same error message.
//! - Tensor types: `tensor<2x3xf32>` is one `simple_tensor_type` token read by hand;
//!   `tensor< 2x3xf32 >` (spaces) takes `tensor_type`; the same.

use tqopt_ir::SourceFile;
use tqopt_textual_ir::{parse, print_module, PrintOptions};

/// A constant of type `ty` with the dense body `body`.
fn file(ty: &str, body: &str) -> String {
    format!(
        "func.func @main() -> {ty} {{\n  %0 = \"tfl.pseudo_const\"() <{{value = dense<{body}> : {ty}}}> : () -> {ty}\n  return %0 : {ty}\n}}\n"
    )
}

fn run(text: &str) -> Result<String, String> {
    let source = SourceFile::new("dense.mlir", text);
    parse(&source)
        .map(|p| print_module(&p.module, &PrintOptions::default()))
        .map_err(|d| source.render(&d))
}

/// The body with a comment after its first '[' (and a newline), which the fast path's
/// grammar does not take: the general path reads it, at the same offsets.
fn general(body: &str) -> String {
    body.replacen('[', "[//c\n", 1)
}

/// Both paths, with the same printout or the same error; the comment shifts the second
/// line's columns, so errors are compared after the first location line's file:line.
fn both(ty: &str, body: &str) -> Result<String, String> {
    let fast = run(&file(ty, body));
    let slow = run(&file(ty, &general(body)));
    match (&fast, &slow) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{ty} {body}"),
        (Err(a), Err(b)) => {
            let message = |e: &str| {
                e.split("error: ")
                    .nth(1)
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string()
            };
            assert_eq!(message(a), message(b), "{ty} {body}:\n{a}\n{b}");
        }
        _ => panic!("the paths disagree on {ty} {body}:\n{fast:?}\n{slow:?}"),
    }
    fast
}

#[test]
fn values_are_read_alike() {
    for (ty, body) in [
        ("tensor<2x2xf32>", "[[1.0, -2.5], [3.25e-1, 4]]"),
        ("tensor<3xf16>", "[0.1, 65504.0, -1.0e-7]"),
        ("tensor<2x3xi8>", "[[-128, 0, 127], [1, 2, 3]]"),
        ("tensor<2xui8>", "[0, 255]"),
        (
            "tensor<2xi64>",
            "[-9223372036854775808, 18446744073709551615]",
        ),
        ("tensor<3xi1>", "[1, 0, 1]"),
        ("tensor<2xindex>", "[7, -1]"),
        ("tensor<0xf32>", "[]"),
        ("tensor<1x1x1xf32>", "[ [ [ +1.5 ] ] ]"),
    ] {
        let printed = both(ty, body).unwrap_or_else(|e| panic!("{ty} {body}: {e}"));
        assert!(printed.contains("dense<"), "{printed}");
    }
}

#[test]
fn errors_are_the_same() {
    for (ty, body, message) in [
        ("tensor<2x2xf32>", "[[1.0, 2.0], [3.0]]", "not rectangular"),
        (
            "tensor<2x2xf32>",
            "[[1.0, 2.0], 3.0]",
            "mixes lists and scalars",
        ),
        ("tensor<2xi8>", "[1, 300]", "does not fit in i8"),
        ("tensor<2xi32>", "[1, 2.5]", "found a float"),
        ("tensor<2xindex>", "[1, 2.5]", "found a float"),
        (
            "tensor<2xi64>",
            "[1, 99999999999999999999]",
            "integer out of range",
        ),
        (
            "tensor<3xf32>",
            "[1.0, 2.0]",
            "inferred shape of elements literal ([2])",
        ),
        (
            "tensor<2xcomplex<f32>>",
            "[1.0, 2.0]",
            "is not a valid complex<f32> value",
        ),
    ] {
        let e = both(ty, body).expect_err(body);
        assert!(e.contains(message), "{ty} {body}: {e}");
    }
}

#[test]
fn an_error_in_the_fast_path_points_at_the_number() {
    let e = run(&file("tensor<3xi8>", "[1, 2, 300]")).expect_err("300 does not fit");
    // `  %0 = "tfl.pseudo_const"() <{value = dense<[1, 2, 300]>`: 300 starts at column 52.
    assert!(e.contains("dense.mlir:2:52"), "{e}");
}

/// A function returning its argument of type `ty`.
fn identity(ty: &str) -> String {
    format!("func.func @main(%arg0: {ty}) -> {ty} {{\n  return %arg0 : {ty}\n}}\n")
}

#[test]
fn tensor_types_are_read_alike() {
    for ty in [
        "2x3xf32",
        "f16",
        "?x4xbf16",
        "1x1x1x1xi1",
        "7xsi32",
        "7xui8",
        "0x3xf64",
        "5xi64",
    ] {
        let fast = run(&identity(&format!("tensor<{ty}>"))).unwrap_or_else(|e| panic!("{ty}: {e}"));
        let general =
            run(&identity(&format!("tensor< {ty} >"))).unwrap_or_else(|e| panic!("{ty}: {e}"));
        assert_eq!(fast, general, "{ty}");
        assert!(fast.contains(&format!("tensor<{ty}>")), "{fast}");
    }
    for (ty, message) in [
        ("2xi0", "integer types of width 0 are not supported"),
        ("2xi65", "integer types of width 65 are not supported"),
        ("99999999999999999999xf32", "dimension out of range"),
    ] {
        for spelled in [format!("tensor<{ty}>"), format!("tensor< {ty} >")] {
            let e = run(&identity(&spelled)).expect_err(&spelled);
            assert!(e.contains(message), "{spelled}: {e}");
        }
    }
}
