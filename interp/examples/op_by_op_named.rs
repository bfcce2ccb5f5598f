//! Runs each op of a model alone on another runtime's intermediate values, found by tensor
//! name, and compares its result with that runtime's: finds the ops where tqopt's interpreter
//! and (say) LiteRT disagree by themselves, not by what they were fed.
//!
//! ```text
//! cargo run -p tqopt-interp --example op_by_op_named -- MODEL.tflite VALUES_DIR
//! ```
//!
//! VALUES_DIR holds `names.txt` (lines `FILE_STEM<TAB>TENSOR_NAME`) and `FILE_STEM.npy` for
//! each tensor the other runtime kept, in its storage type (LiteRT's interpreter with
//! `experimental_preserve_all_tensors=True` keeps every one). Every op of @main whose result
//! and run-time operands are all there runs alone ([`Interpreter::run_op`]); the line printed
//! counts the elements of result #0 that differ, and by how many storage steps at most.
//!
//! With `--accumulated INPUT.npy`, the whole model runs instead on that input (the one the
//! other runtime was fed), and each value it computes is compared with the other runtime's:
//! where the two runs drift apart, though each op alone agrees.

#[path = "common/op_diff.rs"]
mod op_diff;
use op_diff::OpDiff;

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::path::Path;

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::dialect::func;
use tqopt_ir::ValueId;

fn run(args: &[String]) -> Result<(), String> {
    let (model, dir, accumulated_input) = match args {
        [model, dir] => (model, dir, None),
        [model, dir, flag, input] if flag == "--accumulated" => (model, dir, Some(input)),
        _ => {
            return Err(
                "usage: op_by_op_named MODEL.tflite VALUES_DIR [--accumulated INPUT.npy]".into(),
            )
        }
    };
    let module = tqopt_frontend::import_file(Path::new(model)).map_err(|e| e.to_string())?;
    let interp = Interpreter::for_main(&module).map_err(|e| e.to_string())?;
    let dir = Path::new(dir);
    let listing =
        std::fs::read_to_string(dir.join("names.txt")).map_err(|e| format!("names.txt: {e}"))?;
    let files: HashMap<&str, &str> = listing
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(file, name)| (name, file))
        .collect();
    let load = |v: ValueId| -> Option<Tensor> {
        let file = files.get(module.tensor_name(v)?)?;
        Some(common::read_npy(&dir.join(format!("{file}.npy"))))
    };
    if let Some(input) = accumulated_input {
        return compare_accumulated(&module, &interp, &load, Path::new(input));
    }
    let f = module.funcs()[0];
    let body = func::entry_block(&module, f).ok_or("no body")?;
    let (mut total, mut differing) = (0, 0);
    for op in module.block_ops(body) {
        let data = module.op(op);
        let Some(runtime) = interp.op_runtime_operands(op) else {
            continue;
        };
        let Some(want) = data.results().first().and_then(|&r| load(r)) else {
            continue;
        };
        let operands: Option<Vec<Option<Tensor>>> = data
            .operands()
            .iter()
            .zip(runtime)
            .map(|(&v, rt)| if rt { load(v).map(Some) } else { Some(None) })
            .collect();
        let Some(operands) = operands else { continue };
        total += 1;
        let got = match interp.run_op(op, operands) {
            Ok(mut outs) => outs.swap_remove(0),
            Err(e) => {
                println!("{} {}: {e}", data.name.as_str(), data.loc);
                continue;
            }
        };
        let OpDiff {
            differing: n,
            over_one: big,
            max,
            len,
        } = OpDiff::of(&got, &want);
        differing += usize::from(n > 0);
        let ty = module.value_type(data.results()[0]).to_string();
        println!(
            "{:24} {:40} diffs {n}/{} >1 {big} max {max}{}  {}",
            data.name.as_str(),
            module.tensor_name(data.results()[0]).unwrap_or("?"),
            len,
            if n > 0 { "  <<" } else { "" },
            ty.chars().take(70).collect::<String>(),
        );
    }
    println!("{differing} of {total} ops differ");
    Ok(())
}

/// Runs the whole model on `input` and compares every value it computes that `load` finds.
fn compare_accumulated(
    module: &tqopt_ir::Module,
    interp: &Interpreter,
    load: &dyn Fn(ValueId) -> Option<Tensor>,
    input: &Path,
) -> Result<(), String> {
    let mut seen: Vec<(ValueId, Tensor)> = Vec::new();
    {
        let mut keep = |v: ValueId, t: &Tensor| seen.push((v, t.clone()));
        interp
            .run_observed(&[common::read_npy(input)], &mut keep)
            .map_err(|e| e.to_string())?;
    }
    for (v, got) in &seen {
        let Some(want) = load(*v) else { continue };
        if want.len() != got.len() {
            continue;
        }
        let (a, b) = (got.to_f32_vec(), want.to_f32_vec());
        let signal: f64 = b.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        let noise: f64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| f64::from(x - y).powi(2))
            .sum();
        let sqnr = if noise == 0.0 {
            99.0
        } else {
            (10.0 * (signal / noise).log10()).min(99.0)
        };
        let OpDiff {
            differing,
            max,
            len,
            ..
        } = OpDiff::of(got, &want);
        println!(
            "{:40} sqnr {sqnr:6.2} diffs {differing}/{len} max {max}",
            module.tensor_name(*v).unwrap_or("?"),
        );
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
