//! `tqopt`: the command-line driver of the tqopt compiler, in the style of mlir-opt.

mod cli;
mod driver;
mod expectations;
mod output;

fn main() {
    let matches = cli::command().get_matches();
    let config = cli::config(&matches);
    std::process::exit(driver::run(&config));
}
