//! Parses an MLIR file and prints it back: `cargo run --example reprint -- in.mlir`.
use std::io::Write;

fn main() {
    let path = std::env::args().nth(1).expect("usage: reprint FILE");
    let blob = tqopt_ir::map_file(std::path::Path::new(&path)).expect("read");
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
