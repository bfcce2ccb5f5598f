//! `tqopt`: the command-line driver of the tqopt compiler, in the style of mlir-opt (the
//! command line itself is the library's [`tqopt::main`], which the Python package runs too).

fn main() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    std::process::exit(tqopt::main(&args));
}
