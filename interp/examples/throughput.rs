//! Samples per second of the interpreter on a `.tflite` model.
//!
//! ```text
//! cargo run --release -p tqopt-interp --example throughput -- MODEL.tflite [--threads N] [--seconds S] [--profile]
//! ```
//!
//! Each of N threads runs whole samples (one core per sample, the way calibration runs them)
//! on random inputs in the model's own range until S seconds have passed, after a warm-up.
//! Prints one JSON line: {"model", "threads", "samples", "seconds", "samples_per_second",
//! "ms_per_sample", "cpu_ms_per_sample"} (CPU time per sample shows the interpreter's own cost
//! when other processes share the machine). `--profile` instead prints the time spent per op kind on one thread, `--profile-shapes` per op
//! kind and operand shapes.

use std::time::{Duration, Instant};

use tqopt_interp::{parallel, Interpreter, Tensor};

fn inputs_for(interp: &Interpreter) -> Vec<Tensor> {
    interp
        .input_types()
        .iter()
        .map(|ty| {
            let t = ty.as_tensor().expect("ranked tensor input");
            let shape: Vec<usize> = t.shape.iter().map(|&d| d.max(1) as usize).collect();
            let n: usize = shape.iter().product();
            let mut seed = 0x9e37_79b9u32;
            let v = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed % 1000) as f32 / 1000.0
                })
                .collect();
            Tensor::from_f32(&shape, v).expect("shape")
        })
        .collect()
}

/// CPU time this process has used (Linux), to tell the interpreter's cost from time spent
/// waiting for a core that another process holds; 0 elsewhere.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name: utime and stime are the 12th and 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut model = None;
    let mut threads = parallel::default_threads();
    let mut seconds = 3.0f64;
    let mut profile = false;
    let mut by_shape = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--threads" => {
                i += 1;
                threads = args[i].parse().expect("--threads N");
            }
            "--seconds" => {
                i += 1;
                seconds = args[i].parse().expect("--seconds S");
            }
            "--profile" => profile = true,
            "--profile-shapes" => {
                profile = true;
                by_shape = true;
            }
            other => model = Some(other.to_string()),
        }
        i += 1;
    }
    let model = model.expect("usage: throughput MODEL.tflite [--threads N] [--seconds S]");
    let module = tqopt_frontend::import_file(std::path::Path::new(&model))
        .unwrap_or_else(|e| panic!("{model}: {e}"));
    let interp = Interpreter::for_main(&module).unwrap_or_else(|e| panic!("{model}: {e}"));
    let inputs = inputs_for(&interp);
    for _ in 0..5 {
        interp.run(&inputs).expect("run");
    }
    if profile {
        // The least time of five rounds per op, so other processes on the machine count less.
        let mut best: std::collections::HashMap<String, (Duration, usize)> = Default::default();
        for _ in 0..5 {
            for (name, t, n) in interp.profile(&inputs, 10, by_shape).expect("profile") {
                let e = best.entry(name).or_insert((t * 5, n));
                e.0 = e.0.min(t * 5);
            }
        }
        let mut prof: Vec<(String, Duration, usize)> =
            best.into_iter().map(|(k, (t, n))| (k, t, n)).collect();
        prof.sort_by_key(|p| std::cmp::Reverse(p.1));
        let total: f64 = prof.iter().map(|p| p.1.as_secs_f64()).sum();
        for (name, t, n) in prof {
            println!(
                "{name:60} {:8.3} ms/sample {:5.1}%  ({n} ops)",
                t.as_secs_f64() * 1e3 / 50.0,
                100.0 * t.as_secs_f64() / total
            );
        }
        println!("{:60} {:8.3} ms/sample", "total", total * 1e3 / 50.0);
        return;
    }
    let deadline = Duration::from_secs_f64(seconds);
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let counts = parallel::map(&vec![(); threads], threads, |_| {
        let mut n = 0usize;
        while start.elapsed() < deadline {
            interp.run(&inputs).expect("run");
            n += 1;
        }
        n
    });
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let samples: usize = counts.iter().sum();
    let name = std::path::Path::new(&model)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("?");
    println!(
        "{{\"model\": \"{name}\", \"threads\": {threads}, \"samples\": {samples}, \"seconds\": {elapsed:.3}, \"samples_per_second\": {:.1}, \"ms_per_sample\": {:.3}, \"cpu_ms_per_sample\": {:.3}}}",
        samples as f64 / elapsed,
        1e3 * elapsed * threads as f64 / samples as f64,
        1e3 * cpu / samples as f64
    );
}
