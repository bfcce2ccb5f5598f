//! The per-layer numeric debugger: how far each quantized tensor of a quantized model is from
//! its float original's tensor, and how much of that error its own op makes.
//!
//! For every quantized result of an op at the top level of the quantized model's entry
//! function that has a float counterpart ([`super::matching`]), two figures (SQNR, cosine, max
//! abs error, over the samples, as [`OutputStats`] defines them):
//! - **accumulated**: the quantized model's tensor (dequantized) against the float model's
//!   tensor, on the same sample: the error of everything up to here;
//! - **isolated**: only this op quantized. The op's run-time operands are the float model's
//!   tensors, quantized with the operand's own type (dequantize-then-quantize is what the
//!   quantized model would have fed it with no error upstream); the op then runs as the
//!   quantized model runs it ([`Interpreter::run_op`]: same kernel, same emulation, the
//!   quantized model's weights), and its dequantized result is compared with the float
//!   model's tensor.
//!
//! Each sample runs the float model once and the quantized model once (both observed); the
//! float activations that the figures need are kept for that sample only, and the isolated
//! figures reuse them: one more run of each quantized op, not of the model.
//!
//! [`PerLayer`] is `Sync`: several samples can run at once, each giving its own
//! [`SampleRun`], whose figures are combined with [`LayerStats::merge`].

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use tqopt_interp::{dequantize_tensor, quantize_tensor, Interpreter, Tensor};
use tqopt_ir::{ElementType, OpId, UniformQuant, ValueDef, ValueId};

use super::matching::{value_name, Function, MatchedBy, Matcher};
use super::metrics::{OutputStats, SQNR_CAP};
use crate::calibration::collectors::SENTINEL_MAGNITUDE;

/// One quantized tensor of the quantized model, with its float counterpart.
#[derive(Clone, Debug)]
pub struct Layer {
    /// The op's position among the entry function's ops (graph order).
    pub position: usize,
    /// The quantized model's op and which of its results this is.
    pub op: OpId,
    pub result: usize,
    pub value: ValueId,
    /// The tensor name in the quantized model (`<op>#<position>` when it has none).
    pub name: String,
    /// `tfl.conv_2d`.
    pub op_name: String,
    /// The op's location, as the IR prints it.
    pub location: String,
    /// The float model's tensor it is compared with (its name, or its location).
    pub reference: String,
    pub reference_value: ValueId,
    pub matched_by: MatchedBy,
    /// The name a `deny=` pattern would match to keep this op float in the float model
    /// (its location's name); `None` for conversions, which the float model does not have.
    pub deny_name: Option<String>,
    quant: UniformQuant,
}

impl Layer {
    /// The bit width of the tensor's storage (8 for int8, 16 for int16).
    pub fn storage_bits(&self) -> u32 {
        self.quant.storage.width
    }
}

/// The figures of one layer.
#[derive(Clone, Debug, Default)]
pub struct LayerStats {
    pub accumulated: OutputStats,
    pub isolated: OutputStats,
    /// Why the isolated figure could not be measured (the first sample's reason).
    pub isolated_error: Option<String>,
}

impl LayerStats {
    pub fn merge(&mut self, other: &LayerStats) {
        self.accumulated.merge(&other.accumulated);
        self.isolated.merge(&other.isolated);
        if self.isolated_error.is_none() {
            self.isolated_error.clone_from(&other.isolated_error);
        }
    }

    /// The isolated SQNR, when it was measured.
    pub fn isolated_sqnr_db(&self) -> Option<f64> {
        (self.isolated.samples() > 0 && self.isolated_error.is_none())
            .then(|| self.isolated.sqnr_db())
    }
}

/// Where an op run alone gets an operand.
#[derive(Clone, Debug)]
enum Source {
    /// A constant or absent operand: the plan has it.
    Plan,
    /// The float model's value, quantized with this type when the operand is quantized.
    Float {
        value: ValueId,
        quant: Option<UniformQuant>,
    },
}

/// An op with layers, and how to run it alone.
struct IsolatedOp {
    op: OpId,
    /// The operands, or why the op cannot be run alone.
    operands: Result<Vec<Source>, String>,
    /// (layer index, result index).
    layers: Vec<(usize, usize)>,
}

/// The results of one sample.
pub struct SampleRun {
    pub float_outputs: Vec<Tensor>,
    pub quant_outputs: Vec<Tensor>,
    /// One per [`PerLayer::layers`] entry, figures of this sample only.
    pub layers: Vec<LayerStats>,
}

/// The per-layer debugger of a quantized model against its float original.
pub struct PerLayer<'a> {
    float: &'a Interpreter,
    quant: &'a Interpreter,
    layers: Vec<Layer>,
    /// Quantized tensors that have no float counterpart (names).
    unmatched: Vec<String>,
    by_value: HashMap<ValueId, Vec<usize>>,
    ops: Vec<IsolatedOp>,
    /// Float values a sample must keep.
    needed: HashSet<ValueId>,
}

fn quant_of(m: &tqopt_ir::Module, v: ValueId) -> Option<UniformQuant> {
    m.value_type(v)
        .element_type()
        .and_then(ElementType::as_quant)
        .cloned()
}

/// The float model's name for a value: its tensor name, else its op's location.
fn float_name(m: &tqopt_ir::Module, v: ValueId) -> String {
    value_name(m, v).unwrap_or_else(|| match m.value(v).def {
        ValueDef::Result { op, index } => format!("{}#{index}", m.op(op).loc),
        ValueDef::BlockArg { index, .. } => format!("arg{index}"),
    })
}

impl<'a> PerLayer<'a> {
    /// Matches the quantized function's tensors with the float function's. `float_interp` and
    /// `quant_interp` run those functions.
    pub fn new(
        float: Function<'_>,
        float_interp: &'a Interpreter,
        quant: Function<'_>,
        quant_interp: &'a Interpreter,
    ) -> PerLayer<'a> {
        let matcher = Matcher::new(float, quant);
        let (qm, fm) = (quant.module, float.module);
        let mut layers = Vec::new();
        let mut unmatched = Vec::new();
        let mut ops = Vec::new();
        for (position, op) in quant.ops().into_iter().enumerate() {
            let data = qm.op(op);
            let conversion = matches!(data.name.as_str(), "tfl.quantize" | "tfl.dequantize");
            let mut op_layers = Vec::new();
            for (k, &r) in data.results().iter().enumerate() {
                let Some(q) = quant_of(qm, r) else { continue };
                if quant_interp.constant(r).is_some() {
                    continue; // weights and values folded at plan time
                }
                let name = value_name(qm, r)
                    .unwrap_or_else(|| format!("{}#{position}", data.name.as_str()));
                let Some((f, matched_by)) = matcher.counterpart(r) else {
                    unmatched.push(name);
                    continue;
                };
                let deny_name = match (conversion, matched_by) {
                    (false, MatchedBy::Name | MatchedBy::Renamed | MatchedBy::Location) => {
                        match fm.value(f).def {
                            ValueDef::Result { op: fop, .. } => {
                                fm.op(fop).loc.first_name().map(str::to_string)
                            }
                            ValueDef::BlockArg { .. } => None,
                        }
                    }
                    _ => None,
                };
                op_layers.push((layers.len(), k));
                layers.push(Layer {
                    position,
                    op,
                    result: k,
                    value: r,
                    name,
                    op_name: data.name.as_str().to_string(),
                    location: data.loc.to_string(),
                    reference: float_name(fm, f),
                    reference_value: f,
                    matched_by,
                    deny_name,
                    quant: q,
                });
            }
            if op_layers.is_empty() {
                continue;
            }
            let operands = match quant_interp.op_runtime_operands(op) {
                None => Err("the op has no kernel of its own to run alone".to_string()),
                Some(runtime) => data
                    .operands()
                    .iter()
                    .zip(runtime)
                    .enumerate()
                    .map(|(j, (&v, at_run_time))| {
                        if !at_run_time {
                            return Ok(Source::Plan);
                        }
                        match matcher.counterpart(v) {
                            Some((f, _)) => Ok(Source::Float {
                                value: f,
                                quant: quant_of(qm, v),
                            }),
                            None => Err(format!(
                                "operand #{j} ('{}') has no float counterpart",
                                value_name(qm, v).unwrap_or_else(|| "unnamed".into())
                            )),
                        }
                    })
                    .collect(),
            };
            ops.push(IsolatedOp {
                op,
                operands,
                layers: op_layers,
            });
        }
        let mut by_value: HashMap<ValueId, Vec<usize>> = HashMap::new();
        let mut needed = HashSet::new();
        for (i, l) in layers.iter().enumerate() {
            by_value.entry(l.value).or_default().push(i);
            needed.insert(l.reference_value);
        }
        for o in &ops {
            if let Ok(sources) = &o.operands {
                for s in sources {
                    if let Source::Float { value, .. } = s {
                        needed.insert(*value);
                    }
                }
            }
        }
        PerLayer {
            float: float_interp,
            quant: quant_interp,
            layers,
            unmatched,
            by_value,
            ops,
            needed,
        }
    }

    /// The layers, in graph order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Quantized tensors without a float counterpart (they get no figures).
    pub fn unmatched(&self) -> &[String] {
        &self.unmatched
    }

    /// Runs one sample through both models (inputs as each model takes them) and measures
    /// every layer. Errors name the model ("float model", "quantized model") and the tensor.
    pub fn run_sample(
        &self,
        float_inputs: Vec<Tensor>,
        quant_inputs: Vec<Tensor>,
    ) -> Result<SampleRun, String> {
        let mut kept: HashMap<ValueId, Tensor> = HashMap::new();
        let float_outputs = {
            let mut keep = |v: ValueId, t: &Tensor| {
                if self.needed.contains(&v) {
                    kept.insert(v, t.clone());
                }
            };
            self.float
                .run_observed(&float_inputs, &mut keep)
                .map_err(|e| format!("float model: {e}"))?
        };
        let reference = |v: ValueId| kept.get(&v).or_else(|| self.float.constant(v));
        let mut stats = vec![LayerStats::default(); self.layers.len()];
        let failure: RefCell<Option<String>> = RefCell::new(None);
        let quant_outputs = {
            let mut compare = |v: ValueId, t: &Tensor| {
                let Some(indices) = self.by_value.get(&v) else {
                    return;
                };
                for &i in indices {
                    let layer = &self.layers[i];
                    if let Err(e) = measure(layer, t, reference(layer.reference_value))
                        .map(|s| stats[i].accumulated = s)
                    {
                        failure.borrow_mut().get_or_insert(e);
                    }
                }
            };
            self.quant
                .run_observed(&quant_inputs, &mut compare)
                .map_err(|e| format!("quantized model: {e}"))?
        };
        if let Some(e) = failure.into_inner() {
            return Err(e);
        }
        for o in &self.ops {
            let results = o
                .operands
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|sources| {
                    let operands = sources
                        .iter()
                        .map(|s| match s {
                            Source::Plan => Ok(None),
                            Source::Float { value, quant } => {
                                let t =
                                    reference(*value).ok_or("a float operand was not computed")?;
                                match quant {
                                    Some(q) => quantize_tensor(t, q).map(Some),
                                    None => Ok(Some(t.clone())),
                                }
                            }
                        })
                        .collect::<Result<Vec<_>, String>>()?;
                    self.quant.run_op(o.op, operands).map_err(|e| e.to_string())
                });
            for &(i, k) in &o.layers {
                let layer = &self.layers[i];
                let measured = results.as_ref().map_err(Clone::clone).and_then(|r| {
                    let t = r.get(k).ok_or("the op computed too few results")?;
                    measure(layer, t, reference(layer.reference_value))
                });
                match measured {
                    Ok(s) => stats[i].isolated = s,
                    Err(e) => stats[i].isolated_error = Some(e),
                }
            }
        }
        Ok(SampleRun {
            float_outputs,
            quant_outputs,
            layers: stats,
        })
    }
}

/// One sample's figures of a layer: its quantized value `got` against the float value.
fn measure(layer: &Layer, got: &Tensor, reference: Option<&Tensor>) -> Result<OutputStats, String> {
    let reference = reference.ok_or_else(|| {
        format!(
            "tensor '{}': its float counterpart was not computed",
            layer.name
        )
    })?;
    let got = dequantize_tensor(got, &layer.quant)
        .map_err(|e| format!("tensor '{}': {e}", layer.name))?
        .to_f32_vec();
    let want = reference.to_f32_vec();
    if got.len() != want.len() {
        return Err(format!(
            "tensor '{}' has {} values but its float counterpart '{}' has {}",
            layer.name,
            got.len(),
            layer.reference,
            want.len()
        ));
    }
    // Masking sentinels (an attention mask's -inf or f32::MIN) are not data: their quantized
    // values saturate by design, and their squares would make the figures NaN.
    let is_data = |r: &f32| r.abs() < SENTINEL_MAGNITUDE;
    let (want, got): (Vec<f32>, Vec<f32>) = if want.iter().all(is_data) {
        (want, got)
    } else {
        want.iter().zip(&got).filter(|(r, _)| is_data(r)).unzip()
    };
    let mut s = OutputStats::default();
    s.add(&want, &got, 0);
    Ok(s)
}

/// The `deny=` names of the ops with the worst isolated error: at most `count` distinct
/// names, worst first, among layers whose isolated SQNR was measured and is under the cap.
pub fn suggest_deny(layers: &[Layer], stats: &[LayerStats], count: usize) -> Vec<String> {
    let mut ranked: Vec<(f64, &str)> = layers
        .iter()
        .zip(stats)
        .filter_map(|(l, s)| Some((s.isolated_sqnr_db()?, l.deny_name.as_deref()?)))
        .filter(|(db, _)| *db < SQNR_CAP)
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut names: Vec<String> = Vec::new();
    for (_, n) in ranked {
        if names.len() == count {
            break;
        }
        if !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    }
    names
}

/// A `deny=` pattern matching exactly these names: `^(?:a|b)$`, each name escaped.
pub fn deny_pattern(names: &[String]) -> String {
    let escaped: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
    format!("^(?:{})$", escaped.join("|"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::accuracy::matching::tests::{entry, parse};
    use tqopt_interp::TensorData;

    const FLOAT: &str = r#"func.func @main(%x: tensor<4xf32> loc("x")) -> tensor<4xf32> {
  %c = "tfl.pseudo_const"() <{value = dense<3.0> : tensor<4xf32>}> : () -> tensor<4xf32> loc("three")
  %0 = "tfl.mul"(%x, %c) <{fused_activation_function = "NONE"}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc("m")
  %1 = "tfl.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32> loc("r")
  return %1 : tensor<4xf32>
}"#;

    const QUANT: &str = r#"func.func @main(%x: tensor<4xf32> loc("x")) -> tensor<4xf32> {
  %c = "tfl.pseudo_qconst"() <{qtype = tensor<4x!quant.uniform<i8:f32, 0.5>>, value = dense<6> : tensor<4xi8>}> : () -> tensor<4x!quant.uniform<i8:f32, 0.5>> loc("three")
  %q = "tfl.quantize"(%x) <{qtype = tensor<4x!quant.uniform<i8:f32, 0.5>>}> : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5>> loc("x_q")
  %0 = "tfl.mul"(%q, %c) <{fused_activation_function = "NONE"}> : (tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x!quant.uniform<i8:f32, 0.25>> loc("m")
  %1 = "tfl.relu"(%0) : (tensor<4x!quant.uniform<i8:f32, 0.25>>) -> tensor<4x!quant.uniform<i8:f32, 0.25>> loc("r")
  %d = "tfl.dequantize"(%1) : (tensor<4x!quant.uniform<i8:f32, 0.25>>) -> tensor<4xf32> loc("out")
  return %d : tensor<4xf32>
}"#;

    /// The example below on two samples, as a report (for the report's tests).
    pub(crate) fn example() -> crate::accuracy::layer_report::LayerReport {
        let (float, quant) = (parse(FLOAT), parse(QUANT));
        let fi = Interpreter::for_main(&float).unwrap();
        let qi = Interpreter::for_main(&quant).unwrap();
        let per_layer = PerLayer::new(entry(&float), &fi, entry(&quant), &qi);
        let mut stats = vec![LayerStats::default(); per_layer.layers().len()];
        for x in [[0.1, 0.2, 0.3, -0.4], [1.0, -1.0, 0.7, 0.2]] {
            let x = Tensor::new(&[4], TensorData::F32(x.to_vec())).unwrap();
            let run = per_layer.run_sample(vec![x.clone()], vec![x]).unwrap();
            for (s, r) in stats.iter_mut().zip(&run.layers) {
                s.merge(r);
            }
        }
        let layers = per_layer.layers().to_vec();
        crate::accuracy::layer_report::LayerReport::new(layers, stats, vec!["lost".into()])
    }

    /// A masking sentinel in the data (an attention mask's f32::MIN) saturates in the
    /// quantized model; the figures leave its position out instead of turning NaN.
    #[test]
    fn masking_sentinels_are_left_out_of_the_figures() {
        let (float, quant) = (parse(FLOAT), parse(QUANT));
        let fi = Interpreter::for_main(&float).unwrap();
        let qi = Interpreter::for_main(&quant).unwrap();
        let per_layer = PerLayer::new(entry(&float), &fi, entry(&quant), &qi);
        let x = Tensor::new(&[4], TensorData::F32(vec![0.1, 0.2, f32::MIN, 0.3])).unwrap();
        let run = per_layer.run_sample(vec![x.clone()], vec![x]).unwrap();
        let db = super::super::metrics::sqnr_db;
        let want = db(&[0.1, 0.2, 0.3], &[0.0, 0.0, 0.5]);
        assert!((run.layers[0].accumulated.sqnr_db() - want).abs() < 1e-4);
        // 3 · f32::MIN is -inf in the float model: left out too.
        for layer in &run.layers {
            assert!(layer.accumulated.sqnr_db().is_finite());
            assert!(layer.isolated.sqnr_db().is_finite());
        }
    }

    /// x -> mul by 3 "m" -> relu "r". x is quantized at scale 0.5, so "m" inherits a large
    /// error; "r" adds little of its own: its accumulated error is large and its isolated
    /// error (fed the float "m" quantized at its scale 0.25) small.
    #[test]
    fn accumulated_and_isolated_errors() {
        let (float, quant) = (parse(FLOAT), parse(QUANT));
        let fi = Interpreter::for_main(&float).unwrap();
        let qi = Interpreter::for_main(&quant).unwrap();
        let per_layer = PerLayer::new(entry(&float), &fi, entry(&quant), &qi);
        let names: Vec<(&str, &str, MatchedBy)> = per_layer
            .layers()
            .iter()
            .map(|l| (l.name.as_str(), l.reference.as_str(), l.matched_by))
            .collect();
        assert_eq!(
            names,
            [
                ("x_q", "x", MatchedBy::Conversion),
                ("m", "m", MatchedBy::Name),
                ("r", "r", MatchedBy::Name)
            ]
        );
        let x = Tensor::new(&[4], TensorData::F32(vec![0.1, 0.2, 0.3, -0.4])).unwrap();
        let run = per_layer.run_sample(vec![x.clone()], vec![x]).unwrap();
        let close = |got: &OutputStats, want: f64| {
            assert!(
                (got.sqnr_db() - want).abs() < 1e-4,
                "{} vs {want}",
                got.sqnr_db()
            )
        };
        let db = super::super::metrics::sqnr_db;
        // x at scale 0.5: [0, 0, 0.5, -0.5]; the first op after it sees the same operands
        // alone as in the model: isolated = accumulated.
        let [xq, m, r] = &run.layers[..] else {
            panic!()
        };
        close(
            &xq.accumulated,
            db(&[0.1, 0.2, 0.3, -0.4], &[0.0, 0.0, 0.5, -0.5]),
        );
        close(
            &xq.isolated,
            db(&[0.1, 0.2, 0.3, -0.4], &[0.0, 0.0, 0.5, -0.5]),
        );
        close(
            &m.accumulated,
            db(&[0.3, 0.6, 0.9, -1.2], &[0.0, 0.0, 1.5, -1.5]),
        );
        close(
            &m.isolated,
            db(&[0.3, 0.6, 0.9, -1.2], &[0.0, 0.0, 1.5, -1.5]),
        );
        // relu of the model's m: [0, 0, 1.5, 0]; relu of the float m at scale 0.25:
        // [0.25, 0.5, 1.0, 0].
        close(
            &r.accumulated,
            db(&[0.3, 0.6, 0.9, 0.0], &[0.0, 0.0, 1.5, 0.0]),
        );
        close(
            &r.isolated,
            db(&[0.3, 0.6, 0.9, 0.0], &[0.25, 0.5, 1.0, 0.0]),
        );
        assert!(r.isolated.sqnr_db() > r.accumulated.sqnr_db() + 10.0);
        assert!(run.layers.iter().all(|l| l.isolated_error.is_none()));
        assert_eq!((run.float_outputs.len(), run.quant_outputs.len()), (1, 1));
        // The conversion is no op of the float model: only m and r, worst first.
        assert_eq!(suggest_deny(per_layer.layers(), &run.layers, 5), ["m", "r"]);
        assert_eq!(suggest_deny(per_layer.layers(), &run.layers, 1), ["m"]);
        assert_eq!(deny_pattern(&["a.b".into(), "c".into()]), r"^(?:a\.b|c)$");
    }
}
