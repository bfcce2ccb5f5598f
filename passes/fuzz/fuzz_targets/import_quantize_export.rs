//! Any bytes, as a `.tflite` file, go through what `tqopt m.tflite --pass=quantize-int8
//! -o out.tflite` does: import, verify, export, the quantize-int8 pipeline calibrated on a
//! generated sample, export. Errors are fine; a panic, hang or memory blow-up is a bug. The
//! harness is the stable mutant test's (frontend/tests/mutation), so both check one thing.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../../frontend/tests/mutation/mod.rs"]
#[allow(dead_code)]
mod mutation;

use std::cell::RefCell;

thread_local! {
    static HARNESS: RefCell<mutation::Harness> = RefCell::new(mutation::Harness::new("fuzz"));
}

fuzz_target!(|data: &[u8]| {
    let outcome = HARNESS.with(|h| h.borrow_mut().run(data.to_vec()));
    if let mutation::Outcome::Panicked(message) = outcome {
        panic!("{message}");
    }
});
