//! The fast (hand-written) reader and the pest reader build the same IR.
//!
//! The corpus: every lit test (split at `// -----`), every TensorFlow printout in
//! `tests/shared/reference-mlir/`, and tqopt's own printout of each of them (the generic form
//! the fast reader is made for). Where the fast reader reads a text, the pest reader must read
//! it too, to the same printout (with locations) and the same source position on every op and
//! block argument. Errors come only from the pest reader (the fast one gives up on any error),
//! so `parse` reports exactly what the pest reader reports: checked on every text that fails.

use std::path::{Path, PathBuf};

use tqopt_ir::{Module, SourceFile, SourcePos};
use tqopt_textual_ir::parser::{parse_with_reader, Reader};
use tqopt_textual_ir::{parse, print_module, ParseOptions, PrintOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn mlir_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            mlir_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "mlir") {
            out.push(p);
        }
    }
}

/// Every op's name and position, and every block argument's position, in walk order.
fn positions(m: &Module) -> Vec<(String, Option<SourcePos>)> {
    let mut out = Vec::new();
    for op in m.all_ops() {
        let data = m.op(op);
        out.push((data.name.as_str().to_string(), data.pos));
        for &r in data.regions() {
            for &b in m.region(r).blocks() {
                for &a in m.block(b).args() {
                    out.push(("arg".into(), m.value(a).pos));
                }
            }
        }
    }
    out
}

fn print(m: &Module) -> String {
    print_module(m, &PrintOptions::default())
}

/// Compares the readers on one text; returns whether the fast reader read it, and the
/// printout when the text parses.
fn compare(name: &str, text: &str) -> (bool, Option<String>) {
    let source = SourceFile::new(name, text);
    let options = ParseOptions::default();
    let pest = parse_with_reader(&source, &options, Reader::Pest);
    let fast = parse_with_reader(&source, &options, Reader::Fast);
    let public = parse(&source);
    match (&pest, &fast) {
        (_, Some(Err(e))) => panic!("{name}: the fast reader reported an error: {e:?}"),
        (Some(Ok(p)), Some(Ok(f))) => {
            let (pp, fp) = (print(&p.module), print(&f.module));
            assert_eq!(pp, fp, "{name}: the readers print differently");
            assert_eq!(
                positions(&p.module),
                positions(&f.module),
                "{name}: the readers place ops differently"
            );
            (true, Some(pp))
        }
        (Some(Err(_)) | None, Some(Ok(_))) => {
            panic!("{name}: the fast reader read a text the pest reader refuses")
        }
        (Some(Err(pe)), None) => {
            let e = public.expect_err("parse fails where the pest reader fails");
            assert_eq!(
                &e, pe,
                "{name}: parse reports another error than the pest reader"
            );
            (false, None)
        }
        (Some(Ok(p)), None) => (false, Some(print(&p.module))),
        (None, None) => (false, None),
    }
}

#[test]
fn fast_and_pest_readers_build_the_same_ir() {
    let mut files = Vec::new();
    mlir_files(&root().join("lit-tests"), &mut files);
    mlir_files(&root().join("tests/shared/reference-mlir"), &mut files);
    files.sort();
    assert!(
        files.len() > 50,
        "the corpus is missing: {} files",
        files.len()
    );
    let (mut texts, mut fast_read, mut printouts_read) = (0, 0, 0);
    for path in &files {
        let name = path.display().to_string();
        let whole = std::fs::read_to_string(path).unwrap();
        for (i, chunk) in whole.split("\n// -----\n").enumerate() {
            let chunk_name = format!("{name} (part {i})");
            texts += 1;
            let (fast, printout) = compare(&chunk_name, chunk);
            // TensorFlow's printouts of the MediaPipe models are all in forms the fast reader
            // reads (custom tfl forms, sparse constants, elided resources).
            if name.contains("reference-mlir") {
                assert!(
                    fast,
                    "{chunk_name}: the fast reader gave up on a TensorFlow printout"
                );
            }
            fast_read += fast as usize;
            if let Some(printed) = printout {
                let (fast, _) = compare(&format!("{chunk_name}, printed"), &printed);
                fast_read += fast as usize;
                printouts_read += fast as usize;
            }
        }
    }
    // The test must exercise the fast reader: most printouts are in the forms it reads.
    assert!(
        printouts_read * 2 > texts,
        "the fast reader read only {printouts_read} printouts of {texts} texts ({fast_read} texts in all)"
    );
}

/// Texts where the grammar's choices matter: each must read alike, or make the fast reader
/// give up, never read another way.
#[test]
fn edge_cases_read_alike() {
    let ty = "tensor<2xf32>";
    let cases = [
        format!("func.func @f(%a: {ty}) -> {ty} {{\n  return %a : {ty}\n}}\n"),
        format!("module {{\n func.func @f(%a: {ty}) -> {ty} {{\n  %0 = \"tfl.add\"(%a, %a) <{{fused_activation_function = \"NONE\"}}> : ({ty}, {ty}) -> {ty} loc(\"x\")\n  return %0 : {ty}\n }}\n}}\n"),
        // A comment between tokens, a loc with a space, results in groups.
        format!("module {{ func.func @f(%a: {ty}) -> {ty} {{ %0:2 = \"x.split\"(%a) // c\n : ({ty}) -> ({ty}, {ty}) loc (\"y\")\n return %0#1 : {ty} }} }}"),
        // Forward references, unknown and fused locations, a quoted attribute name.
        format!("func.func @f(%a: {ty}) -> {ty} {{\n  %1 = \"x.id\"(%0) {{\"q k\" = 1 : i32, u}} : ({ty}) -> {ty} loc(unknown)\n  %0 = \"x.id\"(%a) : ({ty}) -> {ty} loc(fused[\"a\", \"b\"])\n  return %1 : {ty}\n}}\n"),
        // Errors: undefined value, redefinition, type mismatch, bad escape, bad width.
        format!("func.func @f(%a: {ty}) -> {ty} {{\n  return %b : {ty}\n}}\n"),
        format!("func.func @f(%a: {ty}) -> {ty} {{\n  %a = \"x.id\"(%a) : ({ty}) -> {ty}\n  return %a : {ty}\n}}\n"),
        format!("func.func @f(%a: {ty}) -> {ty} {{\n  return %a : tensor<3xf32>\n}}\n"),
        format!("func.func @f(%a: {ty}) -> {ty} {{\n  %0 = \"x.id\"(%a) {{s = \"\\q\"}} : ({ty}) -> {ty}\n  return %0 : {ty}\n}}\n"),
        "func.func @f(%a: tensor<2xi99>) -> tensor<2xi99> {\n  return %a : tensor<2xi99>\n}\n".to_string(),
        // Result group counts whose sum wraps around.
        format!("func.func @f(%a: {ty}) -> {ty} {{\n  %0:18446744073709551615, %1:2 = \"x.id\"(%a) : ({ty}) -> {ty}\n  return %a : {ty}\n}}\n"),
        // Not the simple tensor form: spaces, quantized elements.
        "func.func @f(%a: tensor< 2xf32 >, %b: tensor<2x!quant.uniform<i8:f32, 0.5>>) {\n  return\n}\n".to_string(),
        // `return` without operands followed by more text, and trailing garbage.
        "module { func.func @f() { return } } x".to_string(),
        format!("module {{ func.func private @g() -> {ty} }}"),
    ];
    let mut cases = cases.to_vec();
    // TensorFlow's bare-name forms, typed numbers and scalar types.
    cases.push(format!("func.func @f(%a: {ty}) -> {ty} {{\n  %0 = tfl.add %a, %a {{fused_activation_function = \"NONE\"}} : {ty}\n  %1 = tfl.mul(%0, %a) <{{fused_activation_function = \"RELU\"}}> : ({ty}, {ty}) -> {ty}\n  %2 = tfl.concatenation(%1, %0) {{axis = 0 : i32, fused_activation_function = \"NONE\"}} : ({ty}, {ty}) -> tensor<4xf32>\n  return %1 : {ty}\n}}\n"));
    cases.push(format!("func.func @f(%a: {ty}) -> {ty} {{\n  %0 = tfl.conv_2d %a, %a : {ty}\n  return %0 : {ty}\n}}\n"));
    for value in [
        "1 : i32",
        "-1 : si8",
        "255 : ui8",
        "300 : i8",
        "1.5 : f32",
        "1.5 : i32",
        "0x3C00 : f16",
        "0x1 : i8",
        "0x : i8",
        "+1.0 : f64",
        "2.5",
        "7",
        "1 : index",
        "1 : i0",
        "1 : sixteen",
        "1.0e3 : bf16",
        "99999999999999999999 : i64",
        "1 : tensor<2xf32>",
        "1\n : i32",
    ] {
        cases.push(format!("func.func @f(%a: {ty}) -> {ty} {{\n  %0 = \"x.id\"(%a) {{v = {value}, w = [1 : i8, 2.0]}} : ({ty}) -> {ty}\n  return %0 : {ty}\n}}\n"));
    }
    // Fragments read by pest within one line, and constructs that go on past the line end.
    cases.push(format!("func.func @f(%a: {ty}) -> {ty} {{\n  %0 = \"x.id\"(%a) {{n = 1\n : i8, m = 2 : i32, t = i32}} : ({ty}) -> {ty} loc(fused[\"a\",\n \"b\"])\n  return %0 : {ty}\n}}\n"));
    cases.push(format!("func.func @f(%a: {ty}) -> {ty} {{\n  %0 = \"x.id\"(%a) {{n = 1 // c\n : i8, d = #x.y<a\n b>}} : ({ty}) -> {ty} loc(callsite(\"a\" at \"b\"))\n  return %0 : {ty}\n}}\n"));
    // Dense bodies: numbers (the grammar's dense_numbers token or not), hex, splats, errors.
    for (t, body) in [
        ("tensor<2x2xf32>", "[[1.0, -2.5e-1], [3.E2, 4]]"),
        ("tensor<2xf32>", "[1.0e, 2.0]"),
        ("tensor<2xf32>", "[+1.5, 2.0 ]"),
        ("tensor<2xf32>", "[1.0,//c\n 2.0]"),
        ("tensor<2xi8>", "[1, -128]"),
        ("tensor<2xi8>", "[1, 300]"),
        ("tensor<2xi8>", "[1, 2, 3]"),
        ("tensor<2xi8>", "\"0x0102\""),
        ("tensor<2xi8>", "\"0x01\""),
        ("tensor<2xi8>", "\"0x010\""),
        ("tensor<3xi1>", "\"0x05\""),
        ("tensor<2xf32>", "0.5"),
        ("tensor<2xf32>", "[true, false]"),
        ("tensor<2x!tf_type.string>", "[\"a\", \"b\"]"),
        ("tensor<?xf32>", "[1.0]"),
    ] {
        cases.push(format!(
            "func.func @f() -> {t} {{\n  %0 = \"tfl.pseudo_const\"() <{{value = dense<{body}> : {t}}}> : () -> {t}\n  return %0 : {t}\n}}\n"
        ));
    }
    for (i, text) in cases.iter().enumerate() {
        compare(&format!("case {i}"), text);
    }
    // The common forms above are read by the fast reader, not just passed to pest.
    let source = SourceFile::new("case", &cases[1]);
    assert!(parse_with_reader(&source, &ParseOptions::default(), Reader::Fast).is_some());
}
