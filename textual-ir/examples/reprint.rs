//! Parses an MLIR file and prints it back: `cargo run --example reprint -- in.mlir`.
use std::io::Write;
use std::sync::Arc;

fn main() {
    let path = std::env::args().nth(1).expect("usage: reprint FILE");
    let file = std::fs::File::open(&path).expect("open");
    // SAFETY (example only): the file is not modified while mapped.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("mmap");
    let len = map.len();
    let blob = tqopt_ir::Blob::from_owner(Arc::new(map), 0..len).expect("blob");
    let source = tqopt_ir::SourceFile::from_blob(&path, blob).expect("utf-8");
    match tqopt_textual_ir::parse(&source) {
        Ok(p) => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            tqopt_textual_ir::print_module_to(&p.module, &Default::default(), &mut out)
                .expect("write");
            out.flush().expect("flush");
        }
        Err(d) => {
            eprint!("{}", source.render(&d));
            std::process::exit(1);
        }
    }
}
