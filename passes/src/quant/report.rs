//! The quantization report: how many ops work on quantized types, which stayed float and why,
//! and the model's constant data before and after. The CLI prints it after a quantization
//! pipeline and can write it as JSON (`--report=FILE.json`).

use std::collections::BTreeMap;
use std::fmt::Write;

use tqopt_ir::dialect::{tfl, Traits};
use tqopt_ir::{Attribute, Module, Type};

use super::legalize_opset::float_reason;

/// One op left out of int8 (float, or int16 activations in an int8 model) and why.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptOp {
    pub name: String,
    pub location: Option<String>,
    pub reason: String,
    /// For an op the latency planner kept float: the time it estimates that saves, in ns.
    pub estimated_gain_ns: Option<f64>,
}

/// `s` as a JSON string literal (quotes, backslashes and control characters escaped); the
/// reports of `--report` and `tqopt eval --report` write their strings with it.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Which kind of quantization the report describes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// Full-integer: every compute op counts.
    #[default]
    Full,
    /// Weights only (dynamic range, float16): ops that read constant weights count.
    Weights,
}

/// What `size_before` and `size_after` measure, so the report never compares a file's size
/// with a count of constant bytes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum SizeMeasure {
    /// Bytes of constant data in the module (no file was read or written as .tflite on both
    /// sides).
    #[default]
    ConstantData,
    /// Sizes of the input and output .tflite files.
    Files,
}

/// What a quantization did to a module.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub kind: Kind,
    /// Compute ops (not constants or quantize/dequantize) in the result.
    pub total_ops: usize,
    /// Those working on quantized (or weight-quantized) types.
    pub quantized_ops: usize,
    pub float_ops: Vec<KeptOp>,
    /// Ops with int16 activations in an int8 model (`int16=`, or the precision search with
    /// `higher-precision=int16`).
    pub int16_ops: Vec<KeptOp>,
    /// Count of each kind of op in the result, by name.
    pub op_counts: BTreeMap<String, usize>,
    /// Sizes before and after, measured as `size_measure` says.
    pub size_before: u64,
    pub size_after: u64,
    pub size_measure: SizeMeasure,
    /// What the precision search (`target-sqnr=`, `method=auto`) did, when it ran.
    pub precision: Option<PrecisionSummary>,
}

/// The precision search's summary, read from the module attribute it leaves
/// ([`super::precision::search::SUMMARY`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrecisionSummary {
    pub target_sqnr: Option<f64>,
    /// Only measured (`quantize-int8{verify=EVAL}`): no range or op was changed.
    pub verify_only: bool,
    /// Output SQNR (dB) on the search data: as calibrated and after choosing ranges (the
    /// search's fast estimates), and reached (the folded model, as written).
    pub start_sqnr: f64,
    pub ranges_sqnr: f64,
    pub reached_sqnr: f64,
    pub samples: u64,
    pub data: String,
    pub evaluations: u64,
    pub seconds: f64,
    /// The share of op executions incremental scoring skipped, reusing values of earlier
    /// scores ([`super::precision::incremental`]).
    pub reused_share: f64,
    /// How many tensors take each method's range, e.g. "minmax 40, moving-average 3".
    pub ranges: String,
    pub float_ops: u64,
    pub candidate_ops: u64,
    /// Operations (MACs for affine ops) of the ops kept float, and of every candidate op.
    pub float_cost: u64,
    pub total_cost: u64,
    /// Ops moved to int16 activations (`higher-precision=int16`) and their operations.
    pub int16_ops: u64,
    pub int16_cost: u64,
    /// A model with several signatures: each one's output SQNR, e.g. "encode 41.20 dB,
    /// score 35.02 dB" (the figures above are the worst signature's); empty with one.
    pub signatures: String,
}

impl PrecisionSummary {
    fn of(m: &Module) -> Option<PrecisionSummary> {
        let d = m
            .op(m.op)
            .attributes
            .get(super::precision::search::SUMMARY)?
            .as_dict()?;
        let f = |k: &str| d.get(k).and_then(Attribute::as_float).unwrap_or(0.0);
        let i = |k: &str| d.get(k).and_then(Attribute::as_int).unwrap_or(0).max(0) as u64;
        let s = |k: &str| {
            d.get(k)
                .and_then(Attribute::as_str)
                .unwrap_or("")
                .to_string()
        };
        Some(PrecisionSummary {
            target_sqnr: d.get("target_sqnr").and_then(Attribute::as_float),
            verify_only: d.get("verify_only").is_some(),
            start_sqnr: f("start_sqnr"),
            ranges_sqnr: f("ranges_sqnr"),
            reached_sqnr: f("reached_sqnr"),
            samples: i("samples"),
            data: s("data"),
            evaluations: i("evaluations"),
            seconds: 0.0,
            reused_share: 0.0,
            ranges: s("ranges"),
            float_ops: i("float_ops"),
            candidate_ops: i("candidate_ops"),
            float_cost: i("float_cost"),
            total_cost: i("total_cost"),
            int16_ops: i("int16_ops"),
            int16_cost: i("int16_cost"),
            signatures: s("signatures"),
        })
    }

    /// Takes the search's time and reuse from the run's statistics (`search-precision` keeps
    /// them out of the IR, which stays the same from run to run).
    pub fn take_run_figures(&mut self, statistics: &[(String, Vec<(crate::Statistic, u64)>)]) {
        use super::precision::{OP_RUNS, OP_RUNS_REUSED, SEARCH_MILLISECONDS};
        let total = |stat: crate::Statistic| -> u64 {
            statistics
                .iter()
                .flat_map(|(_, s)| s)
                .filter(|(s, _)| *s == stat)
                .map(|(_, n)| n)
                .sum()
        };
        let (run, reused) = (total(OP_RUNS), total(OP_RUNS_REUSED));
        self.seconds = total(SEARCH_MILLISECONDS) as f64 / 1000.0;
        self.reused_share = reused as f64 / (run + reused).max(1) as f64;
    }

    /// Estimated latency added by the ops kept float or in int16, as a fraction of the
    /// all-int8 model's ([`super::precision::cost::FLOAT_VS_INT8`],
    /// [`super::precision::cost::INT16_VS_INT8`]).
    pub fn latency_cost(&self) -> f64 {
        if self.total_cost == 0 {
            return 0.0;
        }
        use super::precision::cost::{FLOAT_VS_INT8, INT16_VS_INT8};
        ((FLOAT_VS_INT8 - 1.0) * self.float_cost as f64
            + (INT16_VS_INT8 - 1.0) * self.int16_cost as f64)
            / self.total_cost as f64
    }

    /// What ran: `target-sqnr=DB`, `method=auto` or `verify`.
    fn mode(&self) -> String {
        match (self.target_sqnr, self.verify_only) {
            (Some(t), _) => format!("target-sqnr={t}"),
            (None, true) => "verify".into(),
            (None, false) => "method=auto".into(),
        }
    }

    fn text(&self, s: &mut String) {
        if self.verify_only {
            let _ = writeln!(
                s,
                "verify: output SQNR {:.2} dB on {} samples of {} (tqopt's interpreter, which computes as LiteRT's default kernels)",
                self.reached_sqnr, self.samples, self.data
            );
            if !self.signatures.is_empty() {
                let _ = writeln!(s, "  per signature: {}", self.signatures);
            }
            return;
        }
        let target = match self.target_sqnr {
            Some(t) => format!("target-sqnr={t}"),
            None => "method=auto".into(),
        };
        let _ = writeln!(
            s,
            "{target}: output SQNR {:.2} dB on {} samples of {} (search estimates: as calibrated {:.2} dB, with chosen ranges {:.2} dB); {} configurations scored in {:.1} s, {:.0}% of their op runs reused",
            self.reached_sqnr, self.samples, self.data, self.start_sqnr, self.ranges_sqnr, self.evaluations, self.seconds, 100.0 * self.reused_share
        );
        if !self.signatures.is_empty() {
            let _ = writeln!(
                s,
                "  per signature (each searched on its own): {}",
                self.signatures
            );
        }
        let _ = writeln!(s, "  ranges: {}", self.ranges);
        if self.target_sqnr.is_some() {
            let pct = |cost: u64| {
                if self.total_cost == 0 {
                    0.0
                } else {
                    100.0 * cost as f64 / self.total_cost as f64
                }
            };
            let int16 = if self.int16_ops > 0 {
                format!(
                    "; in int16 activations: {} ops, {} operations ({:.1}%)",
                    self.int16_ops,
                    self.int16_cost,
                    pct(self.int16_cost)
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "  kept float: {} of {} quantizable ops, {} of {} operations ({:.1}%){int16}, estimated latency +{:.1}%",
                self.float_ops,
                self.candidate_ops,
                self.float_cost,
                self.total_cost,
                pct(self.float_cost),
                100.0 * self.latency_cost()
            );
        }
    }

    fn json(&self) -> String {
        let target = self
            .target_sqnr
            .map_or("null".to_string(), |t| format!("{t}"));
        format!(
            "{{\"mode\": {}, \"target_sqnr\": {target}, \"start_sqnr\": {:.4}, \"ranges_sqnr\": {:.4}, \"reached_sqnr\": {:.4}, \"samples\": {}, \"data\": {}, \"evaluations\": {}, \"seconds\": {:.3}, \"reused_share\": {:.4}, \"ranges\": {}, \"float_ops\": {}, \"candidate_ops\": {}, \"float_cost\": {}, \"total_cost\": {}, \"int16_ops\": {}, \"int16_cost\": {}, \"latency_cost\": {:.4}, \"signatures\": {}}}",
            json_string(&self.mode()),
            self.start_sqnr,
            self.ranges_sqnr,
            self.reached_sqnr,
            self.samples,
            json_string(&self.data),
            self.evaluations,
            self.seconds,
            self.reused_share,
            json_string(&self.ranges),
            self.float_ops,
            self.candidate_ops,
            self.float_cost,
            self.total_cost,
            self.int16_ops,
            self.int16_cost,
            self.latency_cost(),
            json_string(&self.signatures)
        )
    }
}

/// The element type of the constant behind `v = tfl.dequantize(constant)`, if `v` is one.
fn behind_dequantize(m: &Module, v: tqopt_ir::ValueId) -> Option<&tqopt_ir::ElementType> {
    let d = m.defining_op(v).filter(|&d| m.op(d).is(&tfl::DEQUANTIZE))?;
    let &x = m.operands(d).first()?;
    let mut c = m.defining_op(x)?;
    if m.op(c).is(&tfl::DENSIFY) {
        // A sparse constant behind a densify.
        c = m.defining_op(*m.operands(c).first()?)?;
    }
    if !m
        .op(c)
        .def()
        .is_some_and(|def| def.has_trait(Traits::CONSTANT_LIKE))
    {
        return None;
    }
    m.value_type(x).element_type()
}

/// `v` is a float16 (or bfloat16) constant behind a dequantize.
fn half_weight(m: &Module, v: tqopt_ir::ValueId) -> bool {
    behind_dequantize(m, v).is_some_and(|e| e.as_float().is_some())
}

/// The module says its float16 weights are what it was quantized to (the metadata that
/// `quantize-float16` writes, as TensorFlow does), not float16 storage it came with.
fn is_float16_model(m: &Module) -> bool {
    m.op(m.op)
        .attributes
        .get("tfl.metadata")
        .and_then(Attribute::as_dict)
        .and_then(|d| d.get(super::quantize_weights::REDUCED_PRECISION_KEY))
        .is_some()
}

fn is_quantized_type(t: &Type) -> bool {
    t.element_type().is_some_and(|e| e.as_quant().is_some())
}

/// Bytes of constant data in a module (dense values, sparse compressed data, resources).
pub fn constant_bytes(m: &Module) -> u64 {
    let mut total = 0u64;
    for op in m.walk_nested(m.op) {
        let data = m.op(op);
        if !data
            .def()
            .is_some_and(|d| d.has_trait(Traits::CONSTANT_LIKE))
        {
            continue;
        }
        for name in ["value", "compressed_data"] {
            match data.attr(name) {
                Some(Attribute::Dense(d)) => total += d.raw_bytes().len() as u64,
                Some(Attribute::DenseResource { name, ty }) => {
                    let size = m.resource(name).map(|r| r.data.len() as u64);
                    let estimate = ty.num_elements().unwrap_or(0)
                        * ty.elem.storage_bytes().unwrap_or(4) as u64;
                    total += size.unwrap_or(estimate);
                }
                _ => {}
            }
        }
    }
    total
}

impl Report {
    /// Describes the quantized module `after`; `size_before` is the input's size.
    pub fn of(after: &Module, size_before: u64, kind: Kind) -> Report {
        let float16_model = is_float16_model(after);
        let mut r = Report {
            kind,
            size_before,
            size_after: constant_bytes(after),
            precision: PrecisionSummary::of(after),
            ..Report::default()
        };
        for op in after.walk_nested(after.op) {
            if !super::spec::is_candidate(after, op) {
                continue;
            }
            let data = after.op(op);
            // A float weight: a float32 constant, or (unless float16 is what the model was
            // quantized to) a float16 constant behind a dequantize.
            let is_float_weight = |v: tqopt_ir::ValueId| {
                let f32_const = after
                    .defining_op(v)
                    .is_some_and(|c| after.op(c).is(&tfl::PSEUDO_CONST))
                    && after.value_type(v).element_type() == Some(&tqopt_ir::ElementType::F32);
                f32_const || (!float16_model && half_weight(after, v))
            };
            // The weight a hybrid kernel would read first, then any other float constant.
            let hybrid_slots: Vec<usize> = data
                .def()
                .map(|d| {
                    d.hybrid_operands
                        .iter()
                        .chain(d.weight_only_operands)
                        .map(|&i| i as usize)
                        .collect()
                })
                .unwrap_or_default();
            let float_weight = hybrid_slots
                .iter()
                .filter_map(|&i| data.operands().get(i).copied())
                .find(|&v| is_float_weight(v))
                .or_else(|| {
                    data.operands()
                        .iter()
                        .copied()
                        .find(|&v| is_float_weight(v))
                });
            *r.op_counts
                .entry(data.name.as_str().to_string())
                .or_default() += 1;
            r.total_ops += 1;
            // Quantized operands or results, or weights stored in reduced precision behind a
            // dequantize: int8 (weight-only), or float16 when the model was made float16.
            let reduced_weight = |v: tqopt_ir::ValueId| {
                behind_dequantize(after, v).is_some_and(|e| {
                    e.as_quant().is_some() || (float16_model && e.as_float().is_some())
                })
            };
            let quantized = data
                .operands()
                .iter()
                .chain(data.results())
                .any(|&v| is_quantized_type(after.value_type(v)))
                || data.operands().iter().any(|&v| reduced_weight(v));
            if kind == Kind::Weights && !quantized && float_weight.is_none() {
                // No constant weights: not a candidate for weight quantization.
                r.total_ops -= 1;
                continue;
            }
            if quantized {
                r.quantized_ops += 1;
                let int16 = data.results().iter().any(|&v| {
                    after
                        .value_type(v)
                        .element_type()
                        .and_then(super::mixed_precision::width_of)
                        == Some(16)
                });
                if int16 && super::mixed_precision::is_int16(after, op) {
                    let reason = data
                        .attributes
                        .get(super::mixed_precision::INT16_REASON)
                        .and_then(Attribute::as_str)
                        .unwrap_or("selected by the int16= pattern");
                    r.int16_ops.push(KeptOp {
                        name: data.name.as_str().to_string(),
                        location: data.loc.first_name().map(str::to_string),
                        reason: reason.to_string(),
                        estimated_gain_ns: None,
                    });
                }
            } else if kind == Kind::Weights {
                let v = float_weight.expect("checked above");
                let count = after
                    .value_type(v)
                    .as_tensor()
                    .and_then(|t| t.num_elements())
                    .unwrap_or(0);
                let sparse = after
                    .defining_op(v)
                    .filter(|&d| after.op(d).is(&tfl::DEQUANTIZE))
                    .and_then(|d| {
                        after
                            .operands(d)
                            .first()
                            .and_then(|&x| after.defining_op(x))
                    })
                    .is_some_and(|d| after.op(d).is(&tfl::DENSIFY));
                let speed = data
                    .attributes
                    .get(super::legalize_opset::FLOAT_FOR_SPEED)
                    .and_then(Attribute::as_str);
                let reason = if let Some(why) = speed {
                    why.to_string()
                } else if sparse && half_weight(after, v) {
                    "its float16 weights are stored sparse, in fewer bytes than dense int8 would take: they stay sparse float16".to_string()
                } else if data.def().is_some_and(|d| {
                    !d.hybrid_operands.is_empty() || !d.weight_only_operands.is_empty()
                }) {
                    format!("its weights have {count} elements, fewer than min-elements")
                } else {
                    "no hybrid kernel reads int8 weights for it".to_string()
                };
                r.float_ops.push(KeptOp {
                    name: data.name.as_str().to_string(),
                    location: data.loc.first_name().map(str::to_string),
                    reason,
                    estimated_gain_ns: None,
                });
            } else {
                let reason =
                    float_reason(after, op, None).unwrap_or_else(|| "no quantized operands".into());
                // Kept float for speed, or (16x8) for want of an int16 kernel: the op says why.
                let speed = data
                    .attributes
                    .get(super::legalize_opset::FLOAT_FOR_SPEED)
                    .or_else(|| data.attributes.get(super::legalize_opset::FLOAT_REASON))
                    .and_then(Attribute::as_str);
                let reason = match (
                    speed,
                    data.attributes.contains(super::legalize_opset::KEEP_FLOAT),
                ) {
                    (Some(why), _) => why.to_string(),
                    (None, true) => "denied by the deny pattern".into(),
                    (None, false) => reason,
                };
                r.float_ops.push(KeptOp {
                    name: data.name.as_str().to_string(),
                    location: data.loc.first_name().map(str::to_string),
                    reason,
                    estimated_gain_ns: data
                        .attributes
                        .get(super::legalize_opset::SPEED_GAIN_NS)
                        .and_then(Attribute::as_float),
                });
            }
        }
        r
    }

    /// The short text report.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let pct = |a: usize, b: usize| {
            if b == 0 {
                100.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        let what = match self.kind {
            Kind::Full => "ops",
            Kind::Weights => "ops with constant weights",
        };
        let _ = writeln!(
            s,
            "quantized {} of {} {what} ({:.0}%)",
            self.quantized_ops,
            self.total_ops,
            pct(self.quantized_ops, self.total_ops)
        );
        write_grouped(&mut s, "left float", &self.float_ops);
        write_grouped(&mut s, "in int16 activations", &self.int16_ops);
        let ratio = if self.size_before == 0 {
            0.0
        } else {
            100.0 * self.size_after as f64 / self.size_before as f64
        };
        let what = match self.size_measure {
            SizeMeasure::ConstantData => "constant data",
            SizeMeasure::Files => "file size",
        };
        let _ = writeln!(
            s,
            "{what}: {} -> {} bytes ({ratio:.1}%)",
            self.size_before, self.size_after
        );
        if let Some(p) = &self.precision {
            p.text(&mut s);
        }
        s
    }

    /// The same report as JSON.
    pub fn json(&self) -> String {
        let esc = json_string;
        let listed = |ops: &[KeptOp]| -> String {
            let items: Vec<String> = ops
                .iter()
                .map(|f| {
                    let loc = f
                        .location
                        .as_deref()
                        .map(esc)
                        .unwrap_or_else(|| "null".into());
                    let gain = f
                        .estimated_gain_ns
                        .map(|g| format!(", \"estimated_gain_ns\": {g:.0}"))
                        .unwrap_or_default();
                    format!(
                        "{{\"op\": {}, \"location\": {loc}, \"reason\": {}{gain}}}",
                        esc(&f.name),
                        esc(&f.reason)
                    )
                })
                .collect();
            items.join(", ")
        };
        let counts: Vec<String> = self
            .op_counts
            .iter()
            .map(|(k, v)| format!("{}: {v}", esc(k)))
            .collect();
        format!(
            "{{\n  \"total_ops\": {},\n  \"quantized_ops\": {},\n  \"float_ops\": [{}],\n  \"int16_ops\": [{}],\n  \"op_counts\": {{{}}},\n  \"size_before\": {},\n  \"size_after\": {},\n  \"size_measure\": \"{}\"{}\n}}\n",
            self.total_ops,
            self.quantized_ops,
            listed(&self.float_ops),
            listed(&self.int16_ops),
            counts.join(", "),
            self.size_before,
            self.size_after,
            match self.size_measure {
                SizeMeasure::ConstantData => "constant_data",
                SizeMeasure::Files => "file",
            },
            match &self.precision {
                Some(p) => format!(",\n  \"precision\": {}", p.json()),
                None => String::new(),
            }
        )
    }
}

/// One line per op kind and reason, in order of first appearance, naming up to three places
/// (`--report` keeps every op), under "`title` (count):".
fn write_grouped(s: &mut String, title: &str, ops: &[KeptOp]) {
    if !ops.is_empty() {
        let _ = writeln!(s, "{title} ({}):", ops.len());
        let mut groups: Vec<(&str, &str, Vec<Option<&str>>, f64)> = Vec::new();
        for f in ops {
            let place = f.location.as_deref();
            let gain = f.estimated_gain_ns.unwrap_or(0.0);
            match groups
                .iter_mut()
                .find(|(n, r, ..)| *n == f.name.as_str() && *r == f.reason.as_str())
            {
                Some((_, _, places, total)) => {
                    places.push(place);
                    *total += gain;
                }
                None => groups.push((&f.name, &f.reason, vec![place], gain)),
            }
        }
        for (name, reason, places, gain_ns) in groups {
            let named: Vec<String> = places
                .iter()
                .flatten()
                .take(3)
                .map(|l| format!("\"{l}\""))
                .collect();
            let more = places.len().saturating_sub(named.len());
            let mut at = if named.is_empty() {
                String::new()
            } else {
                format!(" at {}", named.join(", "))
            };
            if more > 0 && !named.is_empty() {
                at.push_str(&format!(" and {more} more"));
            }
            let count = if places.len() > 1 {
                format!("{} x ", places.len())
            } else {
                String::new()
            };
            let gain = if gain_ns > 0.0 {
                format!(" (estimated saving {:.1} us)", gain_ns / 1000.0)
            } else {
                String::new()
            };
            let _ = writeln!(s, "  {count}{name}{at}: {reason}{gain}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(name: &str, at: &str, reason: &str) -> KeptOp {
        KeptOp {
            name: name.into(),
            location: Some(at.into()),
            reason: reason.into(),
            estimated_gain_ns: None,
        }
    }

    #[test]
    fn verify_reports_the_sqnr_alone() {
        let r = Report {
            precision: Some(PrecisionSummary {
                verify_only: true,
                reached_sqnr: 31.25,
                samples: 4,
                data: "eval.npy".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let text = r.text();
        assert!(
            text.contains("verify: output SQNR 31.25 dB on 4 samples of eval.npy"),
            "{text}"
        );
        assert!(
            !text.contains("ranges:") && !text.contains("kept float:"),
            "{text}"
        );
        assert!(r.json().contains("\"precision\": {\"mode\": \"verify\""));
    }

    #[test]
    fn the_precision_search_adds_its_lines_and_a_json_object() {
        let r = Report {
            total_ops: 4,
            quantized_ops: 2,
            precision: Some(PrecisionSummary {
                target_sqnr: Some(30.0),
                verify_only: false,
                start_sqnr: -5.5,
                ranges_sqnr: -5.25,
                reached_sqnr: 48.5,
                samples: 8,
                data: "x.npy".into(),
                evaluations: 33,
                seconds: 0.25,
                reused_share: 0.375,
                ranges: "minmax 1, percentile 4".into(),
                float_ops: 2,
                candidate_ops: 4,
                float_cost: 128,
                total_cost: 256,
                int16_ops: 0,
                int16_cost: 0,
                signatures: String::new(),
            }),
            ..Default::default()
        };
        let text = r.text();
        assert!(
            text.ends_with("target-sqnr=30: output SQNR 48.50 dB on 8 samples of x.npy (search estimates: as calibrated -5.50 dB, with chosen ranges -5.25 dB); 33 configurations scored in 0.2 s, 38% of their op runs reused\n  ranges: minmax 1, percentile 4\n  kept float: 2 of 4 quantizable ops, 128 of 256 operations (50.0%), estimated latency +50.0%\n"),
            "{text}"
        );
        let json = r.json();
        assert!(
            json.contains("\"precision\": {\"mode\": \"target-sqnr=30\", \"target_sqnr\": 30, \"start_sqnr\": -5.5000, \"ranges_sqnr\": -5.2500, \"reached_sqnr\": 48.5000, \"samples\": 8, \"data\": \"x.npy\", \"evaluations\": 33, \"seconds\": 0.250, \"reused_share\": 0.3750, \"ranges\": \"minmax 1, percentile 4\", \"float_ops\": 2, \"candidate_ops\": 4, \"float_cost\": 128, \"total_cost\": 256, \"int16_ops\": 0, \"int16_cost\": 0, \"latency_cost\": 0.5000, \"signatures\": \"\"}\n}"),
            "{json}"
        );
        // Ops moved to int16 (higher-precision=int16): their own count and operations, and
        // their cost in the latency estimate, (1 x 128 + 19 x 32) / 256.
        let mut r16 = r.clone();
        if let Some(p) = r16.precision.as_mut() {
            p.int16_ops = 1;
            p.int16_cost = 32;
        }
        let text = r16.text();
        assert!(
            text.ends_with("  kept float: 2 of 4 quantizable ops, 128 of 256 operations (50.0%); in int16 activations: 1 ops, 32 operations (12.5%), estimated latency +287.5%\n"),
            "{text}"
        );
        assert!(r16
            .json()
            .contains("\"int16_ops\": 1, \"int16_cost\": 32, \"latency_cost\": 2.8750"));
        // Without a search, the JSON has no precision key.
        assert!(!Report::default().json().contains("precision"));
    }

    #[test]
    fn float_ops_are_grouped_by_kind_and_reason_naming_three_places() {
        let mut r = Report {
            total_ops: 10,
            quantized_ops: 4,
            ..Default::default()
        };
        for i in 0..5 {
            r.float_ops
                .push(op("tfl.prelu", &format!("p{i}"), "kept float for speed"));
        }
        r.float_ops
            .push(op("tfl.custom", "c", "custom op 'X' has no int8 form"));
        let text = r.text();
        assert!(
            text.contains("left float (6):\n  5 x tfl.prelu at \"p0\", \"p1\", \"p2\" and 2 more: kept float for speed\n  tfl.custom at \"c\": custom op 'X' has no int8 form\n"),
            "{text}"
        );
        // int16 ops are listed apart, grouped the same way, and in the JSON.
        r.int16_ops.push(op("tfl.conv_2d", "a", "matched"));
        r.int16_ops.push(op("tfl.conv_2d", "b", "matched"));
        let text = r.text();
        assert!(
            text.contains("tfl.custom at \"c\": custom op 'X' has no int8 form\nin int16 activations (2):\n  2 x tfl.conv_2d at \"a\", \"b\": matched\n"),
            "{text}"
        );
        assert!(r.json().contains("\"int16_ops\": [{\"op\": \"tfl.conv_2d\", \"location\": \"a\", \"reason\": \"matched\"}, {"));
    }
}
