//! A model as `tqopt eval` uses it: the imported module, its interpreter, its inputs and
//! outputs (names and IR types), and the check that two models can be compared.

use tqopt_interp::Interpreter;
use tqopt_ir::dialect::func;
use tqopt_ir::{SourceFile, Type};
use tqopt_passes::calibration::calibrate::input_specs;
use tqopt_passes::calibration::dataset::InputSpec;
use tqopt_passes::pass::{Pass, PassContext};
use tqopt_passes::quant::rewrite_for_target::RewriteForTarget;
use tqopt_passes::quant::target::Target;

/// One output of the entry function.
pub struct Output {
    /// The `tf.entry_function` output name, else the tensor name, else `output<k>`.
    pub name: String,
    pub ty: Type,
    /// The step of its values when one per-tensor scale quantizes them
    /// ([`tqopt_passes::accuracy::outputs::output_steps`]).
    pub step: Option<f64>,
}

/// A loaded model, ready to run. Invariant: `input_types` and `outputs` follow the entry
/// function's arguments and results, and `interp` runs that function.
pub struct Model {
    /// The file it was read from, for messages.
    pub path: String,
    /// The imported module and its entry function (the per-layer debugger matches tensors).
    pub module: tqopt_ir::Module,
    pub func: tqopt_ir::OpId,
    pub interp: Interpreter,
    pub input_types: Vec<Type>,
    /// How the data reader sees the inputs (only for a model whose inputs it can feed).
    pub input_specs: Vec<InputSpec>,
    pub outputs: Vec<Output>,
    /// The names of the model's entry functions (its signatures), in order.
    pub signatures: Vec<String>,
}

impl Model {
    /// Reads a `.tflite` model (by its TFL3 identifier) or MLIR text and plans its entry
    /// function: the one named `signature`, else the first.
    pub fn load(path: &str, signature: Option<&str>) -> Result<Model, String> {
        Model::load_as(path, false, signature)
    }

    /// [`Model::load`] for the float reference of the per-layer debugger: the float ops are
    /// first rewritten as `rewrite-for-target{target=xnnpack}` rewrites them (the default of
    /// the quantization pipelines), so that the tensors those rewrites add to a quantized
    /// model (a prelu on widened rows, say) have float counterparts. The rewrites are exact in
    /// real arithmetic and the tensors they replace keep their names, so nothing that matched
    /// before stops matching.
    pub fn load_rewritten_reference(path: &str, signature: Option<&str>) -> Result<Model, String> {
        Model::load_as(path, true, signature)
    }

    /// When the model has several signatures: which one runs, and how to choose another.
    pub fn signature_note(&self) -> Option<String> {
        let [_, _, ..] = &self.signatures[..] else {
            return None;
        };
        let name = func::name(&self.module, self.func).unwrap_or("main");
        Some(format!(
            "{}: evaluating signature '{name}' of {} ({}); choose another with --signature",
            self.path,
            self.signatures.len(),
            self.signatures.join(", ")
        ))
    }

    fn load_as(
        path: &str,
        rewrite_for_target: bool,
        signature: Option<&str>,
    ) -> Result<Model, String> {
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot open '{path}': {e}"))?;
        if meta.is_dir() {
            return Err(format!("'{path}' is a directory, not a model"));
        }
        let blob = tqopt_ir::map_file(std::path::Path::new(path))
            .map_err(|e| format!("cannot read '{path}': {e}"))?;
        let module = if blob.as_bytes().get(4..8) == Some(b"TFL3") {
            tqopt_frontend::import_bytes(path, blob).map_err(|e| {
                let place: String = e.place.iter().map(|p| format!("{p}: ")).collect();
                format!("{path}: {place}{}", e.message)
            })?
        } else {
            let source = SourceFile::from_blob(path, blob).map_err(|offset| {
                format!("'{path}' is neither MLIR text (invalid UTF-8 at byte {offset}) nor a TFLite model (no TFL3 identifier)")
            })?;
            tqopt_textual_ir::parse(&source)
                .map_err(|d| source.render(&d))?
                .module
        };
        let mut module = module;
        if rewrite_for_target {
            let rewrite = RewriteForTarget {
                target: Target::Xnnpack,
                int16: false,
            };
            rewrite
                .run(&mut module, &mut PassContext::new())
                .map_err(|e| {
                    let why: Vec<String> = e.diagnostics.into_iter().map(|d| d.message).collect();
                    format!(
                        "{path}: rewriting the reference for matching: {}",
                        why.join("; ")
                    )
                })?;
        }
        // The entry point asked for, else the first (its first signature, or main).
        let entries = module.entry_points();
        let signatures: Vec<String> = entries
            .iter()
            .map(|&f| func::name(&module, f).unwrap_or("main").to_string())
            .collect();
        let f = match signature {
            Some(want) => {
                let k = signatures.iter().position(|s| s == want).ok_or_else(|| {
                    format!(
                        "{path}: no signature '{want}' (it has: {})",
                        signatures.join(", ")
                    )
                })?;
                entries[k]
            }
            None => entries.first().copied().ok_or_else(|| {
                format!("{path}: no entry function to run (a public function that nothing calls)")
            })?,
        };
        let name = func::name(&module, f).unwrap_or("main").to_string();
        let interp = Interpreter::new(&module, &name).map_err(|e| format!("{path}: {e}"))?;
        let ftype = func::function_type(&module, f)
            .ok_or_else(|| format!("{path}: '@{name}' has no function type"))?;
        let input_types = ftype.inputs.clone();
        // Quantized inputs are fed quantized reference samples: only the reference's specs feed
        // the data reader, so a model it cannot feed directly has none.
        let input_specs = input_specs(&module, f).unwrap_or_default();
        let names = tqopt_passes::accuracy::outputs::output_names(&module, f);
        let steps = tqopt_passes::accuracy::outputs::output_steps(&module, f);
        let outputs = ftype
            .results
            .iter()
            .enumerate()
            .map(|(k, ty)| Output {
                name: names
                    .get(k)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| format!("output{k}")),
                ty: ty.clone(),
                step: steps.get(k).copied().flatten(),
            })
            .collect();
        Ok(Model {
            path: path.to_string(),
            signatures,
            module,
            func: f,
            interp,
            input_types,
            input_specs,
            outputs,
        })
    }

    /// The entry function, as the per-layer debugger takes it.
    pub fn function(&self) -> tqopt_passes::accuracy::matching::Function<'_> {
        tqopt_passes::accuracy::matching::Function {
            module: &self.module,
            func: self.func,
        }
    }

    /// The name of input `i`, for messages.
    pub fn input_name(&self, i: usize) -> String {
        self.input_specs
            .get(i)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| format!("arg{i}"))
    }
}

/// `[1, 192, 192, 3]`, `?` for a dynamic dimension.
fn dims(ty: &Type) -> Option<Vec<i64>> {
    ty.as_tensor().map(|t| t.shape.to_vec())
}

fn shape_text(d: &Option<Vec<i64>>) -> String {
    match d {
        None => "unranked".into(),
        Some(d) => {
            let s: Vec<String> = d
                .iter()
                .map(|&x| if x < 0 { "?".into() } else { x.to_string() })
                .collect();
            format!("[{}]", s.join(", "))
        }
    }
}

fn same_shape(a: &Option<Vec<i64>>, b: &Option<Vec<i64>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| x < 0 || y < 0 || x == y)
        }
        _ => true,
    }
}

/// Diagnostics shown of a model that does not verify, before the rest are counted.
const SHOWN_PROBLEMS: usize = 3;

/// A warning when `model` does not verify against tqopt's op table: an op on types no LiteRT
/// kernel takes (TensorFlow's 16x8 converter writes int16 SQUARED_DIFFERENCE, which LiteRT
/// refuses to run), so the interpreter's figures describe a model LiteRT would not run.
pub fn verify_warning(model: &Model) -> Option<String> {
    let problems = tqopt_ir::verifier::verify(&model.module);
    if problems.is_empty() {
        return None;
    }
    let shown: Vec<String> = problems
        .iter()
        .take(SHOWN_PROBLEMS)
        // Text models' diagnostics carry a line and column: name the file too.
        .map(|d| match d.pos {
            Some(_) => format!("\n  {}:{d}", model.path),
            None => format!("\n  {d}"),
        })
        .collect();
    let more = match problems.len().saturating_sub(SHOWN_PROBLEMS) {
        0 => String::new(),
        n => format!("\n  ... and {n} more"),
    };
    Some(format!(
        "{} does not verify ({} problem{}): LiteRT may refuse to run it, and the figures below \
         are the interpreter's, which runs ops on types LiteRT's kernels do not take (`tqopt {}` \
         lists every problem){}{}",
        model.path,
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        model.path,
        shown.concat(),
        more
    ))
}

/// Checks that `quant` can be compared with `reference`: as many inputs and outputs, of the
/// same shapes, and inputs the reference's data can feed (the same element type, or a
/// quantized type that quantizes it).
pub fn check_match(reference: &Model, quant: &Model) -> Result<(), String> {
    if reference.input_specs.len() != reference.input_types.len() {
        // input_specs failed: say why.
        return Err(format!(
            "{}: the reference model's inputs cannot be fed from data (float, integer or bool inputs are needed)",
            reference.path
        ));
    }
    if reference.input_types.len() != quant.input_types.len() {
        return Err(format!(
            "the models do not match: the reference {} has {} inputs but {} has {}",
            reference.path,
            reference.input_types.len(),
            quant.path,
            quant.input_types.len()
        ));
    }
    for (i, (r, q)) in reference
        .input_types
        .iter()
        .zip(&quant.input_types)
        .enumerate()
    {
        let name = reference.input_name(i);
        let (rd, qd) = (dims(r), dims(q));
        if !same_shape(&rd, &qd) {
            return Err(format!(
                "the models do not match: input #{i} ('{name}') has shape {} in the reference {} but {} in {}",
                shape_text(&rd),
                reference.path,
                shape_text(&qd),
                quant.path
            ));
        }
        let (re, qe) = (r.element_type(), q.element_type());
        let feeds = match qe.and_then(|e| e.as_quant()) {
            Some(_) => re.is_some_and(|e| e.as_float().is_some()),
            None => re == qe,
        };
        if !feeds {
            return Err(format!(
                "the models do not match: input #{i} ('{name}') is {r} in the reference {} but {q} in {}",
                reference.path, quant.path
            ));
        }
    }
    if reference.outputs.len() != quant.outputs.len() {
        return Err(format!(
            "the models do not match: the reference {} has {} outputs but {} has {}",
            reference.path,
            reference.outputs.len(),
            quant.path,
            quant.outputs.len()
        ));
    }
    for (k, (r, q)) in reference.outputs.iter().zip(&quant.outputs).enumerate() {
        let (rd, qd) = (dims(&r.ty), dims(&q.ty));
        if !same_shape(&rd, &qd) {
            return Err(format!(
                "the models do not match: output #{k} ('{}') has shape {} in the reference {} but output #{k} ('{}') has {} in {}",
                r.name,
                shape_text(&rd),
                reference.path,
                q.name,
                shape_text(&qd),
                quant.path
            ));
        }
    }
    Ok(())
}
