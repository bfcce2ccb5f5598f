//! Runs each op of a model alone on another runtime's values and compares: finds the ops where
//! tqopt's interpreter and (say) LiteRT disagree by themselves, not by what they were fed.
//!
//! ```text
//! cargo run -p tqopt-interp --example op_by_op -- MODEL.tflite VALUES_DIR IN0.npy
//! ```
//!
//! MODEL's outputs must be every value of interest (VALUES_DIR/output_K.npy holds the other
//! runtime's output K, in its storage type). For every op of @main whose result is output K and
//! whose run-time operands are the model's input or other outputs, the op runs alone
//! ([`Interpreter::run_op`]) on those values; the line printed counts the elements that differ
//! from VALUES_DIR/output_K.npy, and by how many steps at most.

#[path = "common/op_diff.rs"]
mod op_diff;
use op_diff::OpDiff;

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::path::Path;

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::dialect::func;

fn run(args: &[String]) -> Result<(), String> {
    let [model, dir, input] = args else {
        return Err("usage: op_by_op MODEL.tflite VALUES_DIR IN0.npy".into());
    };
    let module = tqopt_frontend::import_file(Path::new(model)).map_err(|e| e.to_string())?;
    let interp = Interpreter::for_main(&module).map_err(|e| e.to_string())?;
    let f = module.funcs()[0];
    let body = func::entry_block(&module, f).ok_or("no body")?;
    let ret = module.block_ops(body).last().ok_or("no ops")?;
    let mut values: HashMap<tqopt_ir::ValueId, Tensor> = HashMap::new();
    let arg = module.block(body).args()[0];
    values.insert(arg, common::read_npy(Path::new(input)));
    for (k, &v) in module.op(ret).operands().iter().enumerate() {
        let p = Path::new(dir).join(format!("output_{k}.npy"));
        values.entry(v).or_insert_with(|| common::read_npy(&p));
    }
    for op in module.block_ops(body) {
        let data = module.op(op);
        let Some(runtime) = interp.op_runtime_operands(op) else {
            continue;
        };
        let Some(&r) = data.results().first() else {
            continue;
        };
        let Some(want) = values.get(&r) else { continue };
        let operands: Option<Vec<Option<Tensor>>> = data
            .operands()
            .iter()
            .zip(runtime)
            .map(|(v, rt)| {
                if rt {
                    values.get(v).cloned().map(Some)
                } else {
                    Some(None)
                }
            })
            .collect();
        let Some(operands) = operands else { continue };
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
        } = OpDiff::of(&got, want);
        println!(
            "{:24} {:48} diffs {n}/{} >1 {big} max {max}{}",
            data.name.as_str(),
            data.loc.to_string(),
            len,
            if n > 0 { "  <<" } else { "" }
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
