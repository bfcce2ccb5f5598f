//! Any text must parse into a module or give diagnostics, never panic or hang; a module that
//! parses must verify or give diagnostics, print, and print the same after a second parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tqopt_ir::{verifier, SourceFile};
use tqopt_textual_ir::{parse, print_module, PrintOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("fuzz.mlir", text.to_string());
    let Ok(parsed) = parse(&source) else {
        return;
    };
    let module = parsed.module;
    if !verifier::verify(&module).is_empty() {
        return;
    }
    let printed = print_module(&module, &PrintOptions::default());
    let again = SourceFile::new("printed.mlir", printed.clone());
    let reparsed = parse(&again).expect("printed IR parses");
    assert_eq!(print_module(&reparsed.module, &PrintOptions::default()), printed);
});
