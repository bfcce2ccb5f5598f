//! `tqopt eval QUANT --reference FLOAT --data EVAL`: how far a quantized model's outputs are
//! from its float original's.
//!
//! Both models (`.tflite` or MLIR text) run in tqopt's interpreter, which emulates quantized
//! ops (see `tqopt_interp`). Samples come from the calibration data reader (a `.npy`, a
//! `.npz` or a folder of images, `--input-range` as for calibration), read against the
//! reference model's inputs; a quantized input of the evaluated model gets the sample
//! quantized with its own parameters as the TFLite spec says (`round(x / scale)`, ties to
//! even, plus the zero point: not `round(x / scale + zero_point)`, which differs on near ties
//! and moved random-weight networks' int8-input figures by up to 0.34 dB), and quantized
//! outputs are dequantized with theirs.
//! Outputs are matched by position and must have the same shapes.
//!
//! `--per-layer` adds the numeric debugger (`tqopt_passes::accuracy::per_layer`): every
//! quantized tensor's accumulated and isolated error, the worst layers and a `deny=`
//! suggestion; `--html` and `--model-explorer` write those figures as a page and as Model
//! Explorer node data (and imply `--per-layer`).
//!
//! Invariant: nothing is written (`--report`, `--html`, `--model-explorer`) unless every
//! sample ran; any mismatch between the models, or between the data and the inputs, is an
//! error naming the input or output.

mod html;
mod labels;
mod model;
mod report;

use std::path::Path;
use std::time::Instant;

use clap::{Arg, ArgAction, Command};
use tqopt_interp::{dequantize_tensor, quantize_tensor, Tensor};
use tqopt_ir::Type;
use tqopt_passes::calibration::dataset::{Dataset, PixelScaling};
use tqopt_passes::calibration::runner::run_ordered;

use model::Model;
use tqopt_passes::accuracy::layer_report::LayerReport;
use tqopt_passes::accuracy::metrics::{Accuracy, OutputStats};
use tqopt_passes::accuracy::per_layer::{LayerStats, PerLayer};

/// How many of the worst layers the text output lists.
const WORST_LAYERS: usize = 10;

fn command() -> Command {
    Command::new("tqopt eval")
        .about("Compare a quantized model's outputs with its float reference's: SQNR, cosine, max abs error, top-1 agreement")
        .long_about(
            "Runs QUANT and the reference model in tqopt's interpreter on every sample of EVAL \
             and prints, per output (matched by position), the SQNR in dB (mean over samples of \
             10*log10(sum ref^2 / sum (ref-q)^2), capped at 99), the mean cosine similarity, \
             the max abs error and the top-1 agreement (argmax over the last axis), and the \
             model's SQNR (mean over its outputs). A quantized input gets each sample as the \
             TFLite spec quantizes it, round(x / scale) with ties to even, plus the zero point; \
             feed LiteRT the same values to compare (numpy: np.round(x / scale) + zero_point; \
             adding the zero point before rounding differs on near ties). Quantized outputs \
             are dequantized with their own parameters. When a few samples pull an output's \
             mean far down (a reference near zero: a sigmoid where nothing is detected, a \
             silent clip), a note names them and gives the pooled SQNR of all samples together; \
             --report writes both.\n\n\
             Example:\n  tqopt eval model_int8.tflite --reference model.tflite --data photos/ --input-range=-1,1 --report eval.json",
        )
        .arg(Arg::new("quant").value_name("QUANT").required(true).help("The model to evaluate (.tflite or MLIR text)"))
        .arg(Arg::new("reference").long("reference").value_name("FLOAT").required(true).help("The float model it comes from (.tflite or MLIR text)"))
        .arg(
            Arg::new("data")
                .long("data")
                .value_name("EVAL")
                .required(true)
                .help(format!(
                    "The evaluation data, read as calibration data is. {}",
                    tqopt_passes::calibration::calibrate::DATA_HELP
                )),
        )
        .arg(
            Arg::new("input-range")
                .long("input-range")
                .value_name("LO,HI")
                .allow_hyphen_values(true)
                .help("The range images are scaled to (default 0,1; MediaPipe detectors use -1,1)"),
        )
        .arg(Arg::new("labels").long("labels").value_name("L.npy").help("Integer class labels, one per sample (shape [N]) or per row of the first output ([N, R]): print the accuracy of both models on the first output"))
        .arg(Arg::new("report").long("report").value_name("FILE.json").help("Write the figures as JSON"))
        .arg(Arg::new("signature").long("signature").value_name("NAME").help("In a model with several signatures (entry functions), the one to evaluate (default: the first; a note names it and the others)"))
        .arg(
            Arg::new("per-layer")
                .long("per-layer")
                .action(ArgAction::SetTrue)
                .help("Measure every quantized tensor against the float model's: accumulated error, and isolated error (only its op quantized); list the worst layers and suggest a deny= list"),
        )
        .arg(Arg::new("html").long("html").value_name("FILE.html").help("Write a self-contained HTML report: per-layer SQNR along the graph, the worst layers, the output figures (implies --per-layer)"))
        .arg(
            Arg::new("model-explorer")
                .long("model-explorer")
                .value_name("FILE.json")
                .help("Write the per-layer SQNR as Model Explorer node data: accumulated in FILE.json, isolated in FILE.isolated.json (implies --per-layer)"),
        )
        .arg(Arg::new("no-progress").long("no-progress").action(ArgAction::SetTrue).help("Do not show progress (shown on a terminal by default)"))
}

/// Runs `tqopt eval` with the arguments after `eval`; returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let matches = command()
        .get_matches_from(std::iter::once("tqopt eval".to_string()).chain(args.iter().cloned()));
    let get = |name: &str| matches.get_one::<String>(name).cloned();
    let options = Options {
        quant: get("quant").unwrap_or_default(),
        reference: get("reference").unwrap_or_default(),
        data: get("data").unwrap_or_default(),
        input_range: get("input-range"),
        report: get("report"),
        labels: get("labels"),
        html: get("html"),
        model_explorer: get("model-explorer"),
        signature: get("signature"),
        per_layer: matches.get_flag("per-layer"),
        progress: !matches.get_flag("no-progress")
            && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    match run(&options) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("tqopt eval: error: {e}");
            1
        }
    }
}

struct Options {
    quant: String,
    reference: String,
    data: String,
    input_range: Option<String>,
    report: Option<String>,
    labels: Option<String>,
    html: Option<String>,
    model_explorer: Option<String>,
    signature: Option<String>,
    per_layer: bool,
    progress: bool,
}

impl Options {
    fn wants_layers(&self) -> bool {
        self.per_layer || self.html.is_some() || self.model_explorer.is_some()
    }
}

/// Checks, before any sample runs, that every output can be written: not a directory, and a
/// new file's folder exists (so that a bad path fails fast and no output is left behind).
fn check_outputs(o: &Options) -> Result<(), String> {
    let isolated = o.model_explorer.as_deref().map(isolated_path);
    let outputs = [
        ("--report", o.report.as_deref()),
        ("--html", o.html.as_deref()),
        ("--model-explorer", o.model_explorer.as_deref()),
        ("--model-explorer", isolated.as_deref()),
    ];
    for (what, path) in outputs {
        let Some(path) = path else { continue };
        if let crate::output::Target::New { path: p } =
            crate::output::resolve(path).map_err(|e| format!("{what}: {e}"))?
        {
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
            if parent.is_some_and(|d| !d.is_dir()) {
                return Err(format!(
                    "{what}: cannot write '{path}': its folder does not exist"
                ));
            }
        }
    }
    Ok(())
}

/// `dir/name.json` -> `dir/name.isolated.json` (the isolated figures' node data).
fn isolated_path(path: &str) -> String {
    match path.strip_suffix(".json") {
        Some(stem) => format!("{stem}.isolated.json"),
        None => format!("{path}.isolated.json"),
    }
}

/// One output of one sample: reference values, evaluated values, size of the last axis.
type SampleOutput = (Vec<f32>, Vec<f32>, usize);

/// An error when either model's output holds NaN or an infinity: an SQNR against it, or of
/// it, means nothing, and a figure would hide where it comes from.
fn check_finite(reference: &[f32], quantized: &[f32]) -> Result<(), String> {
    let bad = |v: &[f32]| v.iter().filter(|x| !x.is_finite()).count();
    match (bad(reference), bad(quantized)) {
        (0, 0) => Ok(()),
        (0, n) => Err(format!(
            "the quantized model computes {n} NaN or infinite values of {} where the reference \
             model's are finite: a float op after a quantized value that rounds to 0 (a log, a \
             division) does this; keep the ops before it in higher precision (deny=)",
            quantized.len()
        )),
        (n, _) => Err(format!(
            "the reference model itself computes {n} NaN or infinite values of {}, so no error \
             can be measured against it; check these inputs, or the float model (a \
             normalization of an all-zero row, a log or a division at 0)",
            reference.len()
        )),
    }
}

fn run(o: &Options) -> Result<(), String> {
    let scaling = match &o.input_range {
        Some(r) => PixelScaling::parse_range(r).map_err(|e| format!("--input-range: {e}"))?,
        None => PixelScaling::default(),
    };
    check_outputs(o)?;
    let signature = o.signature.as_deref();
    let reference = match o.wants_layers() {
        true => Model::load_rewritten_reference(&o.reference, signature)?,
        false => Model::load(&o.reference, signature)?,
    };
    let quant = Model::load(&o.quant, signature)?;
    if let Some(note) = reference.signature_note() {
        eprintln!("tqopt eval: note: {note}");
    }
    model::check_match(&reference, &quant)?;
    let warnings: Vec<String> = model::verify_warning(&quant)
        .into_iter()
        .chain(
            tqopt_interp::approximations::float_emulated_ops(&quant.module)
                .into_iter()
                .map(|op| format!("{}: {op}", quant.path)),
        )
        .collect();
    for w in &warnings {
        eprintln!("tqopt eval: warning: {w}");
    }
    let mut data = Dataset::open(Path::new(&o.data), &reference.input_specs, scaling)
        .map_err(|e| format!("evaluation data: {e}"))?;
    let total = data.len();
    let labels = match &o.labels {
        Some(path) => Some(labels::read(path, total).map_err(|e| format!("--labels: {e}"))?),
        None => None,
    };
    let mut accuracy = (Accuracy::default(), Accuracy::default());
    let mut stats = vec![OutputStats::default(); reference.outputs.len()];
    let started = Instant::now();
    let mut done = 0usize;
    let per_layer = o.wants_layers().then(|| {
        PerLayer::new(
            reference.function(),
            &reference.interp,
            quant.function(),
            &quant.interp,
        )
    });
    let mut layer_stats =
        vec![LayerStats::default(); per_layer.as_ref().map_or(0, |p| p.layers().len())];
    // Each sample in flight keeps the float activations the per-layer figures need.
    let threads =
        tqopt_interp::parallel::default_threads().min(if per_layer.is_some() { 4 } else { 8 });
    run_ordered(
        threads,
        || data.next(),
        |i, arrays| {
            run_sample(&reference, &quant, per_layer.as_ref(), arrays)
                .map_err(|e| format!("{}, sample {i}: {e}", o.data))
        },
        |i, (outs, layers): (Vec<SampleOutput>, Vec<LayerStats>)| {
            if let (Some(labels), Some((r, q, last))) = (&labels, outs.first()) {
                let place = |e: String| {
                    format!(
                        "--labels: sample {i}, output '{}': {e}",
                        reference.outputs[0].name
                    )
                };
                accuracy.0.add(q, *last, &labels[i]).map_err(place)?;
                accuracy.1.add(r, *last, &labels[i]).map_err(place)?;
            }
            for (k, (r, q, _)) in outs.iter().enumerate() {
                check_finite(r, q).map_err(|e| {
                    format!(
                        "{}, sample {i}, output '{}': {e}",
                        o.data, reference.outputs[k].name
                    )
                })?;
            }
            for (s, (r, q, last)) in stats.iter_mut().zip(&outs) {
                s.add(r, q, *last);
            }
            for (s, l) in layer_stats.iter_mut().zip(&layers) {
                s.merge(l);
            }
            done += 1;
            if o.progress {
                eprint!(
                    "\rtqopt eval: {done}/{total} samples ({:.1}s)",
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(())
        },
    )
    .inspect_err(|_| {
        if o.progress {
            eprintln!();
        }
    })?;
    if o.progress {
        eprintln!();
    }
    let layers = per_layer
        .map(|p| LayerReport::new(p.layers().to_vec(), layer_stats, p.unmatched().to_vec()));
    let mut result = report::Evaluation::new(&reference, &quant, stats, done, layers);
    if labels.is_some() {
        result.accuracy = Some(accuracy);
    }
    result.warnings = warnings;
    print!(
        "{}",
        result.text(&o.quant, &o.reference, &o.data, WORST_LAYERS)
    );
    let write = |path: &str, what: &str, text: String| {
        crate::output::write_output(path, |w| w.write_all(text.as_bytes()))
            .map_err(|e| format!("{what}: {e}"))
    };
    if let Some(path) = &o.report {
        write(path, "--report", result.json())?;
    }
    if let Some(path) = &o.html {
        write(
            path,
            "--html",
            html::render(&result, &o.quant, &o.reference, &o.data),
        )?;
    }
    if let (Some(path), Some(layers)) = (&o.model_explorer, &result.layers) {
        let isolated = isolated_path(path);
        write(path, "--model-explorer", layers.model_explorer(false))?;
        write(&isolated, "--model-explorer", layers.model_explorer(true))?;
        println!(
            "Model Explorer node data: accumulated SQNR in {path}, isolated SQNR in {isolated}"
        );
    }
    Ok(())
}

/// Runs one sample through both models and returns each output's real values, and with the
/// per-layer debugger, each layer's figures on this sample.
fn run_sample(
    reference: &Model,
    quant: &Model,
    per_layer: Option<&PerLayer>,
    arrays: Vec<tqopt_passes::calibration::dataset::Array>,
) -> Result<(Vec<SampleOutput>, Vec<LayerStats>), String> {
    let ref_inputs = arrays
        .into_iter()
        .map(|a| Tensor::new(&a.shape, a.data).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let q_inputs = ref_inputs
        .iter()
        .zip(&quant.input_types)
        .enumerate()
        .map(
            |(i, (t, ty))| match ty.element_type().and_then(|e| e.as_quant()) {
                Some(q) => quantize_tensor(t, q)
                    .map_err(|e| format!("input '{}' of {}: {e}", quant.input_name(i), quant.path)),
                None => Ok(t.clone()),
            },
        )
        .collect::<Result<Vec<_>, _>>()?;
    let (ref_outs, q_outs, layers) = match per_layer {
        Some(p) => {
            let run = p.run_sample(ref_inputs, q_inputs)?;
            (run.float_outputs, run.quant_outputs, run.layers)
        }
        None => {
            let r = reference
                .interp
                .run_owned(ref_inputs)
                .map_err(|e| format!("{}: {e}", reference.path))?;
            let q = quant
                .interp
                .run_owned(q_inputs)
                .map_err(|e| format!("{}: {e}", quant.path))?;
            (r, q, Vec::new())
        }
    };
    let mut outs = Vec::with_capacity(ref_outs.len());
    for (k, (r, q)) in ref_outs.iter().zip(&q_outs).enumerate() {
        let name = &reference.outputs[k].name;
        if r.shape() != q.shape() {
            return Err(format!(
                "output #{k} ('{name}'): the reference computed shape {:?} but {} computed {:?}",
                r.shape(),
                quant.path,
                q.shape()
            ));
        }
        let rv = real_values(r, &reference.outputs[k].ty)
            .map_err(|e| format!("output #{k} ('{name}') of {}: {e}", reference.path))?;
        let qv = real_values(q, &quant.outputs[k].ty)
            .map_err(|e| format!("output #{k} ('{name}') of {}: {e}", quant.path))?;
        outs.push((rv, qv, r.shape().last().copied().unwrap_or(1)));
    }
    Ok((outs, layers))
}

/// The real values of an output: dequantized when its type is quantized.
fn real_values(t: &Tensor, ty: &Type) -> Result<Vec<f32>, String> {
    match ty.element_type().and_then(|e| e.as_quant()) {
        Some(q) => Ok(dequantize_tensor(t, q)?.to_f32_vec()),
        None => Ok(t.to_f32_vec()),
    }
}
