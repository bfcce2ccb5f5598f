//! Times import + export of a large float model and reports the peak memory:
//! `cargo run --release -p tqopt-backend --example bench_roundtrip [-- MODEL.tflite [OUT.tflite]]`.
//!
//! Without a model it uses (and first writes, in a child process so that the generator's memory
//! does not count) a ~105 MB stack of FULLY_CONNECTED layers from `make_big_model`. The model
//! is imported memory-mapped, exported, and written atomically to OUT (default: next to the
//! model, `.out.tflite`). Reported: wall time of each step, and peak resident memory (VmHWM)
//! against the file size. Targets (issue 3): import + export under 0.3 s, peak RSS under 1.3x
//! the file size.

#[path = "make_big_model.rs"]
mod make_big_model;

use std::path::PathBuf;
use std::time::Instant;

fn status(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        make_big_model::build(std::path::Path::new(&args[1]), 25, 1024);
        return;
    }
    let input = match args.first() {
        Some(p) => PathBuf::from(p),
        None => {
            let p = std::env::temp_dir().join("tqopt_bench_fc_stack.tflite");
            if !p.exists() {
                let exe = std::env::current_exe().expect("own path");
                let ok = std::process::Command::new(exe)
                    .arg("--generate")
                    .arg(&p)
                    .status()
                    .expect("run the generator")
                    .success();
                assert!(ok, "generating the model failed");
            }
            p
        }
    };
    let output = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| input.with_extension("out.tflite"));
    let size = std::fs::metadata(&input).expect("model").len();
    let rss_start = status("VmRSS:").unwrap_or(0);

    let t0 = Instant::now();
    let module = tqopt_frontend::import_file(&input).unwrap_or_else(|e| panic!("{e}"));
    let t1 = Instant::now();
    let model = tqopt_backend::export(&module).unwrap_or_else(|e| panic!("{e}"));
    let t2 = Instant::now();
    model.write_atomically(&output).expect("write the output");
    let t3 = Instant::now();

    let peak = status("VmHWM:").unwrap_or(0);
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
    println!(
        "{}: {:.1} MB, {} ops",
        input.display(),
        size as f64 / 1e6,
        module.all_ops().len()
    );
    println!("  import           {:8.1} ms", ms(t0, t1));
    println!("  export           {:8.1} ms", ms(t1, t2));
    println!(
        "  import + export  {:8.1} ms   (target < 300 ms)",
        ms(t0, t2)
    );
    println!(
        "  write + fsync    {:8.1} ms   ({}, {:.1} MB)",
        ms(t2, t3),
        output.display(),
        model.len() as f64 / 1e6
    );
    println!("  total            {:8.1} ms", ms(t0, t3));
    println!(
        "  peak RSS (VmHWM) {:8.1} MB = {:.2}x the file (target < 1.3x); {:.1} MB before import",
        peak as f64 / 1e6,
        peak as f64 / size as f64,
        rss_start as f64 / 1e6
    );
    println!(
        "  builder grew: {}",
        if model.builder_grew() {
            "YES (estimate too small)"
        } else {
            "no"
        }
    );
}
