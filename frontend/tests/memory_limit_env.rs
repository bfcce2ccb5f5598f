//! `TQOPT_MEMORY_LIMIT` sets the importer's memory budget (alone in its test binary: it
//! changes the process environment).

use tqopt_frontend::{
    import_bytes, memory_limit, ImportErrorKind, DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV,
};
use tqopt_ir::Blob;

#[test]
fn the_environment_sets_the_budget() {
    let model = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hand_recrop.tflite"),
    )
    .unwrap();
    let import = || import_bytes("m.tflite", Blob::from_vec(model.clone()));

    std::env::remove_var(MEMORY_LIMIT_ENV);
    assert_eq!(memory_limit(), Ok(DEFAULT_MEMORY_LIMIT));
    assert!(import().is_ok());

    // hand_recrop's 256x256x3 float input alone is 768 KiB.
    std::env::set_var(MEMORY_LIMIT_ENV, "512K");
    assert_eq!(memory_limit(), Ok(512 << 10));
    let e = import().unwrap_err();
    assert_eq!(e.kind, ImportErrorKind::TooLarge);
    let text = e.to_string();
    assert!(
        text.starts_with("m.tflite: error: subgraph 0")
            && text.contains(
                "786432 bytes (768.0 KiB), more than the memory limit of 524288 bytes (512.0 KiB)"
            ),
        "{text}"
    );

    std::env::set_var(MEMORY_LIMIT_ENV, "64M");
    assert!(import().is_ok());

    // An unreadable value is an error naming the variable, not the default.
    std::env::set_var(MEMORY_LIMIT_ENV, "lots");
    let e = import().unwrap_err();
    assert!(
        e.to_string()
            .contains("TQOPT_MEMORY_LIMIT=\"lots\": expected a byte count"),
        "{e}"
    );
    std::env::remove_var(MEMORY_LIMIT_ENV);
}
