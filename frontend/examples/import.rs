//! Imports a `.tflite` file and prints its IR: `cargo run -p tqopt-frontend --example import -- model.tflite [elide]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: import MODEL.tflite [ELIDE]");
    let elide = args.next().map(|n| n.parse().expect("a number"));
    match tqopt_frontend::import_file(std::path::Path::new(&path)) {
        Ok(m) => {
            let options = tqopt_textual_ir::PrintOptions {
                elide_elements_larger_than: elide,
                ..Default::default()
            };
            print!("{}", tqopt_textual_ir::print_module(&m, &options));
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
