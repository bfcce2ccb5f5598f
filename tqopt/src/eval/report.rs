//! What `tqopt eval` prints and writes: a table per output and the model's SQNR, as text and
//! as JSON (`{"sqnr_db", "samples", "warnings": [string], "outputs": [{"name", "sqnr_db", "cosine",
//! "max_abs_error", "top1_agreement", "pooled_sqnr_db", "weak_samples": [{"index", "sqnr_db",
//! "reference_rms"}]}]}`, `weak_samples` listing the samples that pull the mean SQNR down, as
//! the printed note does); with `--per-layer`, the worst layers and the
//! `deny=` suggestion, and in JSON `"layers": [{"name", "op", "location", "reference",
//! "matched_by", "accumulated": {"sqnr_db", "cosine", "max_abs_error"}, "isolated": {..} or
//! null}]` in graph order and `"suggested_deny"` (a pattern, or null); with `--labels`,
//! `"accuracy": {"output", "labels", "accuracy", "reference_accuracy"}`.

use super::model::Model;
use tqopt_passes::accuracy::layer_report::LayerReport;
use tqopt_passes::accuracy::metrics::{Accuracy, OutputStats};

/// The figures of one evaluation.
pub struct Evaluation {
    pub samples: usize,
    pub outputs: Vec<(String, OutputStats)>,
    /// Per output, the quantized model's output step ([`super::model::Output::step`]).
    pub steps: Vec<Option<f64>>,
    /// The per-layer figures, with `--per-layer`.
    pub layers: Option<LayerReport>,
    /// With `--labels`: the accuracy on the first output of the evaluated model and of the
    /// reference.
    pub accuracy: Option<(Accuracy, Accuracy)>,
    /// Why the figures may not be LiteRT's (the quantized model does not verify, or has ops the
    /// interpreter emulates in float); also printed to stderr before the run.
    pub warnings: Vec<String>,
}

impl Evaluation {
    pub fn new(
        reference: &Model,
        quant: &Model,
        stats: Vec<OutputStats>,
        samples: usize,
        layers: Option<LayerReport>,
    ) -> Evaluation {
        Evaluation {
            samples,
            layers,
            accuracy: None,
            warnings: Vec::new(),
            steps: quant.outputs.iter().map(|o| o.step).collect(),
            outputs: reference
                .outputs
                .iter()
                .map(|o| o.name.clone())
                .zip(stats)
                .collect(),
        }
    }

    /// The model's SQNR: the mean of its outputs' (99 for a model without outputs).
    pub fn sqnr_db(&self) -> f64 {
        if self.outputs.is_empty() {
            return tqopt_passes::accuracy::metrics::SQNR_CAP;
        }
        self.outputs.iter().map(|(_, s)| s.sqnr_db()).sum::<f64>() / self.outputs.len() as f64
    }

    /// The printed figures; with per-layer figures, the `worst` worst layers too.
    pub fn text(&self, quant: &str, reference: &str, data: &str, worst: usize) -> String {
        let mut s = format!(
            "tqopt eval: {quant} against {reference} on {} samples of {data}\n",
            self.samples
        );
        let width = self
            .outputs
            .iter()
            .map(|(n, _)| n.len())
            .max()
            .unwrap_or(0)
            .max(6);
        s.push_str(&format!(
            "  {:<width$}  {:>9}  {:>8}  {:>13}  {:>6}\n",
            "output", "SQNR (dB)", "cosine", "max abs error", "top-1"
        ));
        for (name, o) in &self.outputs {
            s.push_str(&format!(
                "  {:<width$}  {:>9.2}  {:>8.5}  {:>13.6e}  {:>5.1}%\n",
                name,
                o.sqnr_db(),
                o.cosine(),
                o.max_abs_error(),
                100.0 * o.top1_agreement()
            ));
        }
        s.push_str(&format!(
            "model SQNR: {:.2} dB (mean over {} outputs)\n",
            self.sqnr_db(),
            self.outputs.len()
        ));
        for note in self.notes() {
            s.push_str(&format!("note: {note}\n"));
        }
        if let Some(line) = self.accuracy_text() {
            s.push_str(&line);
            s.push('\n');
        }
        if let Some(layers) = &self.layers {
            s.push_str(&layers.text(worst));
        }
        s
    }

    /// What a reader of the outputs' SQNR should know ([`OutputStats::notes`]): samples
    /// that pull a mean down, references too small for the quantized output to resolve.
    pub fn notes(&self) -> Vec<String> {
        self.outputs
            .iter()
            .zip(&self.steps)
            .flat_map(|((name, o), step)| o.notes(name, *step))
            .collect()
    }

    /// `accuracy on output 'probs' (16 labels): 93.75% (reference 100.00%)`.
    pub fn accuracy_text(&self) -> Option<String> {
        let (q, r) = self.accuracy.as_ref()?;
        let name = self.outputs.first().map_or("", |o| o.0.as_str());
        Some(format!(
            "accuracy on output '{name}' ({} labels): {:.2}% (reference {:.2}%)",
            q.rows(),
            100.0 * q.fraction(),
            100.0 * r.fraction()
        ))
    }

    pub fn json(&self) -> String {
        let outputs: Vec<String> = self
            .outputs
            .iter()
            .map(|(name, o)| {
                let worst: Vec<String> = o
                    .weak_samples()
                    .map(|w| w.worst)
                    .unwrap_or_default()
                    .iter()
                    .map(|(i, f)| {
                        format!(
                            "{{\"index\": {i}, \"sqnr_db\": {}, \"reference_rms\": {}}}",
                            num(f.sqnr_db),
                            num(f.reference_rms)
                        )
                    })
                    .collect();
                format!(
                    "    {{\"name\": {}, \"sqnr_db\": {}, \"cosine\": {}, \"max_abs_error\": {}, \"top1_agreement\": {}, \"pooled_sqnr_db\": {}, \"weak_samples\": [{}]}}",
                    json_str(name),
                    num(o.sqnr_db()),
                    num(o.cosine()),
                    num(o.max_abs_error()),
                    num(o.top1_agreement()),
                    num(o.pooled_sqnr_db()),
                    worst.join(", ")
                )
            })
            .collect();
        let accuracy = match &self.accuracy {
            Some((q, r)) => format!(
                ",\n  \"accuracy\": {{\"output\": {}, \"labels\": {}, \"accuracy\": {}, \"reference_accuracy\": {}}}",
                json_str(self.outputs.first().map_or("", |o| o.0.as_str())),
                q.rows(),
                num(q.fraction()),
                num(r.fraction())
            ),
            None => String::new(),
        };
        let layers = match &self.layers {
            Some(l) => format!(
                ",\n  \"layers\": {},\n  \"suggested_deny\": {}",
                l.json_layers("  "),
                l.deny_pattern().map_or("null".into(), |p| json_str(&p))
            ),
            None => String::new(),
        };
        let warnings: Vec<String> = self.warnings.iter().map(|w| json_str(w)).collect();
        format!(
            "{{\n  \"sqnr_db\": {},\n  \"samples\": {},\n  \"warnings\": [{}],\n  \"outputs\": [\n{}\n  ]{accuracy}{layers}\n}}\n",
            num(self.sqnr_db()),
            self.samples,
            warnings.join(", "),
            outputs.join(",\n")
        )
    }
}

/// A JSON number; `null` for NaN or infinities (which JSON cannot hold).
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".into()
    }
}

pub fn json_str(s: &str) -> String {
    tqopt_passes::quant::report::json_string(s)
}
