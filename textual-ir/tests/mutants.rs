//! Mutation test of the text parser on stable Rust (no fuzzing toolchain): deterministic mutants
//! of the lit tests and of a generated module (characters and tokens deleted, duplicated,
//! swapped or replaced, truncations, extreme numbers, deep nesting) are parsed, verified,
//! printed and parsed again; none may panic. Runs in a few seconds in the debug profile.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use tqopt_ir::verifier::verify;
use tqopt_ir::SourceFile;
use tqopt_textual_ir::{parse, print_module, PrintOptions};

/// Mutants made of each seed.
const MUTANTS_PER_SEED: usize = 120;

/// SplitMix64: a small deterministic generator, so a failure names a reproducible mutant.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// The lit tests of the text syntax, split at `// -----` as `--split-input-file` does.
fn lit_seeds() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lit-tests/text");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("lit-tests/text is part of the repository")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "mlir"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "expected the lit tests in {}",
        dir.display()
    );
    let mut seeds = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable lit test");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, chunk) in text.split("// -----").enumerate() {
            seeds.push((format!("{name}#{i}"), chunk.to_string()));
        }
    }
    seeds
}

/// A module using most of the syntax: custom and generic forms, TensorFlow's forms, quant
/// types, dense literals of several kinds, regions with blocks, locations, aliases, resources.
fn generated_seed() -> String {
    let mut s = String::from(
        "#loc0 = loc(\"model.py\":3:7)\n!qt = !quant.uniform<i8<-127:127>:f32, 6.9e-4:-128>\n",
    );
    s.push_str("module attributes {tf.versions = {producer = 1 : i32}} {\n");
    s.push_str(
        "  func.func @main(%arg0: tensor<1x4xf32> {tf.name = \"x\"}, %arg1: tensor<4xi32>) -> (tensor<1x4xf32>, tensor<4xi32>) attributes {tf.entry_function = {inputs = \"x\"}} {\n",
    );
    s.push_str("    %w = \"tfl.pseudo_qconst\"() {qtype = tensor<4x!qt>, value = dense<[-127, 0, 5, 127]> : tensor<4xi8>} : () -> tensor<4x!qt>\n");
    s.push_str("    %d = \"tfl.dequantize\"(%w) : (tensor<4x!qt>) -> tensor<4xf32> loc(fused[\"a\", #loc0])\n");
    s.push_str("    %c = \"tfl.pseudo_const\"() <{value = dense<\"0x0000803F000000400000404000008040\"> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>\n");
    s.push_str(
        "    %s = tfl.add %arg0, %c {fused_activation_function = \"NONE\"} : tensor<1x4xf32>\n",
    );
    s.push_str("    %m = tfl.mul(%s, %c) <{fused_activation_function = \"RELU\"}> : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>\n");
    s.push_str("    %r = \"t.region\"(%m) ({\n    ^bb0(%a: tensor<1x4xf32>):\n      \"t.yield\"(%a) : (tensor<1x4xf32>) -> ()\n    }, {\n      %z = \"t.z\"() {v = [1, 2.5, \"s\", @sym, array<i32: 1, 2>, dense<true> : tensor<3xi1>, #t.attr<\"x\">, unit]} : () -> tensor<1x4xf32>\n      \"t.yield\"(%z) : (tensor<1x4xf32>) -> ()\n    }) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc(callsite(\"f\" at \"g\"(\"h\")))\n");
    s.push_str(
        "    %k = \"t.res\"() {v = dense_resource<blob1> : tensor<2xf32>} : () -> tensor<2xf32>\n",
    );
    s.push_str("    %q:2 = \"t.two\"(%arg1) : (tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>)\n");
    s.push_str("    %call = func.call @helper(%q#1) : (tensor<4xi32>) -> tensor<4xi32>\n");
    s.push_str("    return %r, %call : tensor<1x4xf32>, tensor<4xi32>\n  }\n");
    s.push_str("  func.func private @helper(%x: tensor<4xi32>) -> tensor<4xi32> {\n    return %x : tensor<4xi32>\n  }\n}\n");
    s.push_str("{-#\n  dialect_resources: {\n    builtin: {\n      blob1: \"0x040000000000803F00000040\"\n    }\n  }\n#-}\n");
    s
}

const PUNCT: &[u8] = b"()[]{}<>,:=\"%^@#!";

/// Byte positions where tokens start: a punctuation mark, or a word after whitespace or
/// punctuation.
fn token_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    for i in 0..bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            continue;
        }
        let after_break =
            i == 0 || bytes[i - 1].is_ascii_whitespace() || PUNCT.contains(&bytes[i - 1]);
        if PUNCT.contains(&bytes[i]) || after_break {
            starts.push(i);
        }
    }
    starts
}

/// The token beginning at `start`: one punctuation mark, or a word up to whitespace or
/// punctuation.
fn token_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    if PUNCT.contains(&bytes[start]) {
        return start + 1;
    }
    let mut end = start + 1;
    while end < bytes.len() && !bytes[end].is_ascii_whitespace() && !PUNCT.contains(&bytes[end]) {
        end += 1;
    }
    end
}

/// Byte ranges of the runs of decimal digits in `text`.
fn digit_runs(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    runs
}

const NUMBERS: &[&str] = &[
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "2147483648",
    "65536",
    "0",
    "00",
    "1",
];

const INTERESTING: &[&str] = &[
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "4294967296",
    "0",
    "-1",
    "0x",
    "0xFFFFFFFFFFFFFFFFFF",
    "1e999",
    "nan",
    "?",
    "\"",
    "\\",
    "%",
    "^bb0:",
    "->",
    "{-#",
    "#-}",
    "loc(",
    "tensor<",
    "!quant.uniform<i8:f32, 1.0:-128>",
    "dense<",
    "dense_resource<",
];

/// One mutant of `text` (on char boundaries, so the result is valid UTF-8).
fn mutate(text: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len().max(1);
    let i = rng.below(n);
    let j = rng.below(n);
    let (lo, hi) = (i.min(j), i.max(j));
    let collect = |v: &[char]| v.iter().collect::<String>();
    match rng.below(14) {
        // A number replaced by one at or past an integer boundary.
        12 | 13 => {
            let runs = digit_runs(text);
            if runs.is_empty() {
                return collect(&chars[..i]);
            }
            let (a, b) = runs[rng.below(runs.len())];
            let number = NUMBERS[rng.below(NUMBERS.len())];
            let sign = if rng.below(3) == 0 { "-" } else { "" };
            format!("{}{sign}{number}{}", &text[..a], &text[b..])
        }
        // A character deleted, duplicated, swapped with its neighbour, or replaced.
        0 if !chars.is_empty() => {
            let mut v = chars.clone();
            v.remove(i.min(v.len() - 1));
            collect(&v)
        }
        1 if !chars.is_empty() => {
            let mut v = chars.clone();
            let k = i.min(v.len() - 1);
            v.insert(k, v[k]);
            collect(&v)
        }
        2 if chars.len() > 1 => {
            let mut v = chars.clone();
            let k = i.min(v.len() - 2);
            v.swap(k, k + 1);
            collect(&v)
        }
        3 if !chars.is_empty() => {
            let mut v = chars.clone();
            let pool = b"()[]{}<>,:=\"%^@#!-0123456789x.? \n\\";
            let k = i.min(v.len() - 1);
            v[k] = pool[rng.below(pool.len())] as char;
            collect(&v)
        }
        // Truncation.
        4 => collect(&chars[..i]),
        // A range of text deleted or duplicated.
        5 => format!("{}{}", collect(&chars[..lo]), collect(&chars[hi..])),
        6 => format!(
            "{}{}{}",
            collect(&chars[..hi]),
            collect(&chars[lo..hi]),
            collect(&chars[hi..])
        ),
        // Token-level edits: delete, duplicate, swap two, or replace with an interesting one.
        7..=10 => {
            let starts = token_starts(text);
            if starts.len() < 2 {
                return collect(&chars[..i]);
            }
            let a = starts[rng.below(starts.len())];
            let b = starts[rng.below(starts.len())];
            let (a, b) = (a.min(b), a.max(b));
            let (a_end, b_end) = (token_end(text, a), token_end(text, b));
            match rng.below(4) {
                0 => format!("{}{}", &text[..a], &text[a_end..]),
                1 => format!("{}{}", &text[..a_end], &text[a..]),
                2 if a_end <= b => format!(
                    "{}{}{}{}{}",
                    &text[..a],
                    &text[b..b_end],
                    &text[a_end..b],
                    &text[a..a_end],
                    &text[b_end..]
                ),
                _ => format!(
                    "{}{}{}",
                    &text[..a],
                    INTERESTING[rng.below(INTERESTING.len())],
                    &text[a_end..]
                ),
            }
        }
        // Deep nesting inserted at a token: up to 20,000 levels, often unbalanced.
        _ => {
            let starts = token_starts(text);
            let at = starts.get(rng.below(starts.len())).copied().unwrap_or(0);
            let depth = [10, 300, 5_000, 20_000][rng.below(4)];
            let (open, close) = [
                ("[", "]"),
                ("{", "}"),
                ("(", ")"),
                ("tensor<", ">"),
                ("loc(callsite(", " at unknown))"),
                ("\"t.r\"() ({\n", "}) : () -> ()\n"),
            ][rng.below(6)];
            let closes = if rng.below(2) == 0 { depth } else { depth / 2 };
            format!(
                "{}{}{}{}",
                &text[..at],
                open.repeat(depth),
                close.repeat(closes),
                &text[at..]
            )
        }
    }
}

/// Parses, verifies, prints and parses the printout again; any panic is a failure. A module
/// that verifies must print text that parses and prints the same (as the fuzz target checks).
fn exercise(name: &str, text: &str) {
    let source = SourceFile::new(name, text);
    let Ok(parsed) = parse(&source) else { return };
    let verified = verify(&parsed.module).is_empty();
    let printed = print_module(&parsed.module, &PrintOptions::default());
    let again = SourceFile::new("printed.mlir", printed.as_str());
    match parse(&again) {
        Ok(reparsed) if verified => {
            let reprinted = print_module(&reparsed.module, &PrintOptions::default());
            assert_eq!(reprinted, printed, "printing is not a fixed point");
        }
        Err(d) if verified => panic!("printed IR does not parse: {}", again.render(&d)),
        _ => {}
    }
}

#[test]
fn mutants_of_the_lit_tests_and_a_generated_module_never_panic() {
    let mut seeds = lit_seeds();
    seeds.push(("generated".into(), generated_seed()));
    // The seeds themselves exercise the full path (the generated one must parse).
    let generated = SourceFile::new("generated", generated_seed());
    parse(&generated).unwrap_or_else(|d| panic!("{}", generated.render(&d)));

    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    // TQOPT_MUTANTS_SEED explores other mutants; the default keeps runs reproducible.
    let seed = std::env::var("TQOPT_MUTANTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7471_6F70_7421);
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let mut count = 0;
    for (name, seed) in &seeds {
        for k in 0..MUTANTS_PER_SEED {
            // Mutants of mutants too: half the time, mutate twice.
            let mut text = mutate(seed, &mut rng);
            if k % 2 == 1 {
                text = mutate(&text, &mut rng);
            }
            count += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| exercise(name, &text))) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("--- {name} mutant {k}: {message}\n{text}"));
            }
        }
    }
    std::panic::set_hook(quiet);
    eprintln!("{count} mutants of {} seeds", seeds.len());
    assert!(count >= 2000, "only {count} mutants");
    assert!(
        failures.is_empty(),
        "{} of {count} mutants panicked; the first:\n{}",
        failures.len(),
        failures[0]
    );
}

/// Every input the fuzz target (fuzz/fuzz_targets/parse_print.rs) ever crashed on, kept in
/// tests/regressions/, goes through the same checks.
#[test]
fn fuzz_crashers_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/regressions exists") {
        let path = entry.expect("readable entry").path();
        let text = std::fs::read_to_string(&path).expect("regression inputs are UTF-8");
        exercise(&path.display().to_string(), &text);
        count += 1;
    }
    assert!(count > 0, "no regression inputs in {}", dir.display());
}
