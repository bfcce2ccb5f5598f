//! What the per-layer debugger reports: the layers ranked by their own (isolated) error, the
//! suggested `deny=` list, and the figures as JSON and as Model Explorer node data.
//!
//! Ranking: worst isolated SQNR first; layers whose isolated error was not measured come
//! last; ties go to the worse accumulated SQNR, then to graph order. The suggestion is the
//! [`DENY_COUNT`] distinct ops with the worst isolated error ([`suggest_deny`]).
//!
//! Model Explorer (`ai-edge-model-explorer`) node data is a `GraphNodeData` JSON object:
//! `{"results": {"<tensor name>": {"value": N}}, "gradient": [{"stop": 0, "bgColor": ..}, ..]}`;
//! a node is found by any of its output tensor names, and the gradient colours the lowest
//! value (the worst SQNR) red and the highest green.

use super::metrics::OutputStats;
use super::per_layer::{deny_pattern, suggest_deny, Layer, LayerStats};
use crate::quant::report::json_string;

/// How many ops the suggested `deny=` list names at most.
pub const DENY_COUNT: usize = 5;

/// The per-layer figures of one evaluation.
pub struct LayerReport {
    pub layers: Vec<Layer>,
    /// One per layer, over every sample.
    pub stats: Vec<LayerStats>,
    /// Quantized tensors without a float counterpart.
    pub unmatched: Vec<String>,
    /// The suggested `deny=` names, worst first.
    pub deny: Vec<String>,
}

/// A JSON number; `null` for NaN or infinities.
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".into()
    }
}

fn figures_json(s: &OutputStats) -> String {
    format!(
        "{{\"sqnr_db\": {}, \"cosine\": {}, \"max_abs_error\": {}}}",
        num(s.sqnr_db()),
        num(s.cosine()),
        num(s.max_abs_error())
    )
}

impl LayerReport {
    pub fn new(layers: Vec<Layer>, stats: Vec<LayerStats>, unmatched: Vec<String>) -> LayerReport {
        let deny = suggest_deny(&layers, &stats, DENY_COUNT);
        LayerReport {
            layers,
            stats,
            unmatched,
            deny,
        }
    }

    /// Layer indices, worst first.
    pub fn ranked(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.layers.len()).collect();
        let key = |i: usize| {
            let s = &self.stats[i];
            (
                s.isolated_sqnr_db().unwrap_or(f64::INFINITY),
                s.accumulated.sqnr_db(),
            )
        };
        order.sort_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.total_cmp(&kb.0)
                .then(ka.1.total_cmp(&kb.1))
                .then(a.cmp(&b))
        });
        order
    }

    /// The `deny=` pattern of the suggestion (`None` when nothing is suggested).
    pub fn deny_pattern(&self) -> Option<String> {
        (!self.deny.is_empty()).then(|| deny_pattern(&self.deny))
    }

    /// The suggestion as a command-line option: `--pass='quantize-int8{deny="^(?:a|b)$"}'`
    /// (`quantize-int16x8` when the model has 16-bit activations).
    pub fn deny_option(&self) -> Option<String> {
        let pattern = self.deny_pattern()?;
        let pipeline = if self.layers.iter().any(|l| l.storage_bits() == 16) {
            "quantize-int16x8"
        } else {
            "quantize-int8"
        };
        let shell = format!("{pipeline}{{deny=\"{pattern}\"}}").replace('\'', r"'\''");
        Some(format!("--pass='{shell}'"))
    }

    /// Why tensors named `NAME/equalized` have no float counterpart, when there are some.
    pub fn equalized_hint(&self) -> Option<String> {
        let suffix = format!("/{}", crate::quant::equalize::pairs::SUFFIX);
        self.unmatched
            .iter()
            .any(|n| n.ends_with(&suffix))
            .then(|| {
                format!(
                "(NAME{suffix}: equalize-channels divided their channels by powers of two, so no \
                 float tensor holds their values, and the ops that read them have no isolated \
                 figure; quantize with equalize=never to measure them too)"
            )
            })
    }

    /// Why there is no layer at all, when the model computes on no quantized tensor.
    pub fn no_layers_note(&self) -> Option<&'static str> {
        (self.layers.is_empty() && self.unmatched.is_empty()).then_some(
            "the model computes on no quantized tensors (dynamic-range or float16 weights: its \
             activations stay float, and hybrid ops quantize their inputs inside the kernel), so \
             there is nothing to measure layer by layer; the output figures above are what its \
             weights cost",
        )
    }

    /// The text table of the `worst` worst layers, with the suggestion.
    pub fn text(&self, worst: usize) -> String {
        let mut s = format!(
            "per-layer error: {} quantized tensors matched to the float model (accumulated: the quantized model's tensor against the float model's; isolated: only its op quantized)\n",
            self.layers.len()
        );
        if !self.unmatched.is_empty() {
            let shown: Vec<&str> = self.unmatched.iter().take(5).map(String::as_str).collect();
            let more = self.unmatched.len().saturating_sub(shown.len());
            s.push_str(&format!(
                "  {} quantized tensors have no float counterpart: {}{}\n",
                self.unmatched.len(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
            if let Some(hint) = self.equalized_hint() {
                s.push_str(&format!("  {hint}\n"));
            }
        }
        if let Some(note) = self.no_layers_note() {
            s.push_str(&format!("  {note}\n"));
        }
        let unmeasured: Vec<usize> = (0..self.layers.len())
            .filter(|&i| self.stats[i].isolated_error.is_some())
            .collect();
        if let Some(&first) = unmeasured.first() {
            s.push_str(&format!(
                "  isolated error not measured for {} tensors (first: '{}': {})\n",
                unmeasured.len(),
                self.layers[first].name,
                self.stats[first].isolated_error.as_deref().unwrap_or("")
            ));
        }
        let rows: Vec<usize> = self.ranked().into_iter().take(worst).collect();
        if rows.is_empty() {
            return s;
        }
        // The tensor name comes last: names of exported PyTorch models run to hundreds of
        // characters, and the figures stay aligned whatever their length.
        let op_w = rows
            .iter()
            .map(|&i| self.layers[i].op_name.len())
            .max()
            .unwrap_or(0)
            .max(2);
        s.push_str(&format!("worst {} layers, by isolated SQNR:\n", rows.len()));
        s.push_str(&format!(
            "  {:>4}  {:<op_w$}  {:>13}  {:>16}  {:>8}  tensor\n",
            "rank", "op", "isolated (dB)", "accumulated (dB)", "cosine"
        ));
        for (rank, &i) in rows.iter().enumerate() {
            let (l, st) = (&self.layers[i], &self.stats[i]);
            let isolated = match st.isolated_sqnr_db() {
                Some(db) => format!("{db:.2}"),
                None => "-".into(),
            };
            s.push_str(&format!(
                "  {:>4}  {:<op_w$}  {:>13}  {:>16.2}  {:>8.5}  {}\n",
                rank + 1,
                l.op_name,
                isolated,
                st.accumulated.sqnr_db(),
                st.accumulated.cosine(),
                l.name,
            ));
        }
        match self.deny_option() {
            Some(option) => s.push_str(&format!(
                "suggested deny list (the {} ops with the worst isolated error): {option}\n",
                self.deny.len()
            )),
            None => s.push_str("suggested deny list: none (no op has an isolated error)\n"),
        }
        s
    }

    /// The `layers` array of the JSON report, in graph order, each line indented by `indent`.
    pub fn json_layers(&self, indent: &str) -> String {
        let items: Vec<String> = self
            .layers
            .iter()
            .zip(&self.stats)
            .map(|(l, s)| {
                let isolated = match s.isolated_sqnr_db() {
                    Some(_) => figures_json(&s.isolated),
                    None => "null".into(),
                };
                let error = match &s.isolated_error {
                    Some(e) => format!(", \"isolated_error\": {}", json_string(e)),
                    None => String::new(),
                };
                format!(
                    "{indent}  {{\"name\": {}, \"op\": {}, \"location\": {}, \"reference\": {}, \"matched_by\": {}, \"accumulated\": {}, \"isolated\": {}{error}}}",
                    json_string(&l.name),
                    json_string(&l.op_name),
                    json_string(&l.location),
                    json_string(&l.reference),
                    json_string(l.matched_by.as_str()),
                    figures_json(&s.accumulated),
                    isolated,
                )
            })
            .collect();
        if items.is_empty() {
            return "[]".into();
        }
        format!("[\n{}\n{indent}]", items.join(",\n"))
    }

    /// Model Explorer node data: each layer's SQNR in dB (isolated, or accumulated), keyed
    /// by its tensor name. Layers without the figure are left out.
    pub fn model_explorer(&self, isolated: bool) -> String {
        let mut results: Vec<String> = Vec::new();
        for (l, s) in self.layers.iter().zip(&self.stats) {
            let value = if isolated {
                s.isolated_sqnr_db()
            } else {
                Some(s.accumulated.sqnr_db())
            };
            if let Some(v) = value.filter(|v| v.is_finite()) {
                results.push(format!(
                    "    {}: {{\"value\": {}}}",
                    json_string(&l.name),
                    num(v)
                ));
            }
        }
        format!(
            "{{\n  \"results\": {{\n{}\n  }},\n  \"gradient\": [\n    {{\"stop\": 0, \"bgColor\": \"#d7191c\"}},\n    {{\"stop\": 0.5, \"bgColor\": \"#ffffbf\"}},\n    {{\"stop\": 1, \"bgColor\": \"#1a9641\"}}\n  ]\n}}\n",
            results.join(",\n")
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::accuracy::per_layer::tests::example;

    #[test]
    fn report_snapshots() {
        let report = example();
        insta::assert_snapshot!("layer_report_text", report.text(10));
        insta::assert_snapshot!("layer_report_json", report.json_layers(""));
        insta::assert_snapshot!("layer_report_model_explorer", report.model_explorer(true));
    }

    #[test]
    fn rescaled_tensors_are_explained() {
        let mut report = example();
        assert_eq!(report.equalized_hint(), None);
        assert!(!report.text(10).contains("equalize-channels"));
        report.unmatched.push("dw/equalized".into());
        let text = report.text(10);
        assert!(
            text.contains("no float counterpart: lost, dw/equalized"),
            "{text}"
        );
        assert!(text.contains("quantize with equalize=never"), "{text}");
    }

    #[test]
    fn ranks_worst_isolated_first_and_quotes_for_the_shell() {
        let report = example();
        let names: Vec<&str> = report
            .ranked()
            .iter()
            .map(|&i| report.layers[i].name.as_str())
            .collect();
        // x_q and m have the same isolated error (m multiplies x_q's by 3 exactly).
        assert_eq!(names.last(), Some(&"r"));
        assert_eq!(
            report.deny_option().unwrap(),
            r#"--pass='quantize-int8{deny="^(?:m|r)$"}'"#
        );
    }
}
