//! The latency planner of `target=xnnpack`: which quantizable ops run faster end to end as
//! float, counting the conversions their neighbours then need.
//!
//! On LiteRT's default CPU path (the XNNPACK delegate) int8 is not faster for every op: on
//! the CPU the shipped table was measured on, int8 convolutions and fully connected layers are
//! 2-5x faster than float, but int8 add, sub and mul are 2-5x slower than their float forms,
//! and int8 depthwise convolutions are about as fast. Keeping such an op float costs a
//! dequantize before it and a quantize after it where its neighbours stay int8, and saves the
//! ones between two float ops. The planner weighs both.
//!
//! The costs are data: `passes/data/xnnpack_costs.json`, measured by
//! `scripts/probe_xnnpack_costs.py` (chains of one op timed in LiteRT, int8 and float, and a
//! linear fit `ns_per_mac x MACs + ns_per_element x elements + ns_per_row x rows` per op and
//! precision).
//! Run the probe with `--write` on another CPU to plan for it. On an AMD EPYC with AVX2 and
//! no AVX-512 (2026-12-06) int8 convolutions cost 0.018-0.020 ns per multiply-accumulate
//! against float's 0.021-0.024, plus 0.25-0.5 ns per element, and int8 depthwise ones 1.3x
//! float's: there most int8 models are slower than float whatever the plan (9 of 11 MediaPipe
//! models 1.06-1.88x float's latency, the two hand landmark models 0.78-0.95x), and planning
//! with that CPU's table instead of the shipped one moved them both ways, within the noise of
//! the measurement.
//!
//! The plan: every candidate op gets a precision. Ops that must be float (no int8 kernel,
//! denied, no ranges, or ops XNNPACK takes as float but not as int8) are fixed float; ops the
//! table has no row for are fixed int8; the rest start int8 and are flipped one at a time,
//! in sweeps over the graph, while a flip lowers the estimated total (op costs plus one
//! dequantize per int8 value read by a float op and one quantize per float value read by an
//! int8 op). Function arguments and results are taken as float (the default `io=float`).
//! Invariant: the plan never raises the estimate, and an op is only made float, never int8
//! against a fixed reason.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use tqopt_ir::dialect::tfl;
use tqopt_ir::dialect::tfl::operands::{Binary, Weighted};
use tqopt_ir::{Module, OpId, ValueId};

use super::qdq::underlying;

/// The form an op runs in: the planner chooses between int8 and float; hybrid (int8 weights,
/// float activations quantized on the fly) is dynamic range's choice against float.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Precision {
    Int8,
    Float,
    Hybrid,
}

impl Precision {
    fn parse(name: &str) -> Option<Precision> {
        match name {
            "int8" => Some(Precision::Int8),
            "float" => Some(Precision::Float),
            "hybrid" => Some(Precision::Hybrid),
            _ => None,
        }
    }
}

/// One fitted row of the cost table: `ns_per_mac * MACs + ns_per_element * elements +
/// ns_per_row * rows` nanoseconds for one op of `case` in one precision.
#[derive(Clone, Debug, PartialEq)]
pub struct CostRow {
    pub case: String,
    pub precision: Precision,
    pub ns_per_mac: f64,
    pub ns_per_element: f64,
    pub ns_per_row: f64,
}

/// The measured costs of one CPU.
#[derive(Clone, Debug, Default)]
pub struct CostTable {
    pub rows: Vec<CostRow>,
    /// One quantize plus one dequantize, per element.
    pub convert_ns_per_element: f64,
    /// The CPU it was measured on.
    pub cpu: String,
}

/// The name of the conversion row (a quantize and a dequantize).
const CONVERT_CASE: &str = "tfl.quantize+tfl.dequantize";

impl CostTable {
    /// Reads the table the probe writes (one row a line; see the module comment).
    pub fn parse(text: &str) -> Result<CostTable, String> {
        let mut table = CostTable::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if let Some(cpu) = line.strip_prefix("\"cpu\": ") {
                table.cpu = cpu.trim_end_matches(',').trim_matches('"').to_string();
            }
            if !line.starts_with("{\"case\"") {
                continue;
            }
            let at = |key: &str| -> Result<String, String> {
                let tag = format!("\"{key}\": ");
                let start = line
                    .find(&tag)
                    .ok_or_else(|| format!("line {}: no '{key}'", n + 1))?
                    + tag.len();
                let rest = &line[start..];
                let end = rest.find([',', '}']).unwrap_or(rest.len());
                Ok(rest[..end].trim().trim_matches('"').to_string())
            };
            let num = |key: &str| -> Result<f64, String> {
                at(key)?
                    .parse::<f64>()
                    .map_err(|e| format!("line {}: '{key}': {e}", n + 1))
            };
            let precision = at("precision")?;
            let row = CostRow {
                case: at("case")?,
                precision: Precision::parse(&precision)
                    .ok_or_else(|| format!("line {}: unknown precision '{precision}'", n + 1))?,
                ns_per_mac: num("ns_per_mac")?,
                ns_per_element: num("ns_per_element")?,
                ns_per_row: num("ns_per_row")?,
            };
            if row.case == CONVERT_CASE {
                table.convert_ns_per_element = row.ns_per_element;
            } else {
                table.rows.push(row);
            }
        }
        if table.rows.is_empty() {
            return Err("the cost table has no rows".into());
        }
        Ok(table)
    }

    /// The table shipped with tqopt (`passes/data/xnnpack_costs.json`).
    pub fn shipped() -> &'static CostTable {
        static TABLE: OnceLock<CostTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            CostTable::parse(include_str!("../../data/xnnpack_costs.json")).expect(
                "passes/data/xnnpack_costs.json is written by scripts/probe_xnnpack_costs.py",
            )
        })
    }

    fn row(&self, case: &str, precision: Precision) -> Option<&CostRow> {
        self.rows
            .iter()
            .find(|r| r.case == case && r.precision == precision)
    }

    /// Whether `op`'s hybrid kernel is estimated slower than its float one (by 10% and
    /// [`MIN_HYBRID_LOSS_NS`]), when the table has both. Unlike a flip of the int8 plan, this
    /// choice adds no conversions, so the op's own estimate decides it even for small ops:
    /// bert's twelve 16x32x32 fully connected layers are about 150 ns slower each in hybrid
    /// form (table and LiteRT agree: dynamic range 17.5 us against float 15.7 us).
    pub fn hybrid_slower(&self, m: &Module, op: OpId) -> bool {
        match (
            self.op_ns(m, op, Precision::Hybrid),
            self.op_ns(m, op, Precision::Float),
        ) {
            (Some(hybrid), Some(float)) => {
                hybrid > float * 1.1 && hybrid > float + MIN_HYBRID_LOSS_NS
            }
            _ => false,
        }
    }

    /// The estimated nanoseconds of `op` in `precision`, when the table has its case.
    pub fn op_ns(&self, m: &Module, op: OpId, precision: Precision) -> Option<f64> {
        let work = work_of(m, op)?;
        let row = self.row(&work.case, precision)?;
        let macs = match precision {
            Precision::Int8 | Precision::Hybrid => work.macs * work.int8_reduction_padding,
            Precision::Float => work.macs,
        };
        Some(
            row.ns_per_mac * macs + row.ns_per_element * work.elements + row.ns_per_row * work.rows,
        )
    }

    /// The estimated nanoseconds of one quantize or one dequantize of `elements` values.
    fn convert_ns(&self, elements: f64) -> f64 {
        self.convert_ns_per_element * elements / 2.0
    }
}

/// What an op computes, in the units of the cost table.
struct Work {
    case: String,
    macs: f64,
    /// How many more multiply-accumulates XNNPACK's int8 kernels run than the op needs:
    /// input channels rounded up to [`INT8_REDUCTION_BLOCK`] over input channels (1 for ops
    /// without a channel reduction).
    int8_reduction_padding: f64,
    elements: f64,
    /// Output elements over the output's last dimension (pixels, or a batch of rows).
    rows: f64,
}

/// The elements of `v` as LiteRT allocates it (a dynamic batch counts as 1).
fn elements(m: &Module, v: ValueId) -> Option<f64> {
    let shape = m.value_type(v).as_tensor()?.shape_as_allocated();
    Some(shape.iter().map(|&d| d as f64).product())
}

fn dims(m: &Module, v: ValueId) -> Option<Vec<i64>> {
    Some(m.value_type(v).as_tensor()?.shape.to_vec())
}

/// The op's case in the cost table, with its MACs and the elements it reads and writes, as
/// `scripts/probe_xnnpack_costs.py` counts them.
fn work_of(m: &Module, op: OpId) -> Option<Work> {
    let data = m.op(op);
    let out = elements(m, *m.results(op).first()?)?;
    let weighted = || Weighted::of(m, op);
    // Multiply-accumulates as the precision search counts them.
    let macs = || super::precision::cost::op_cost(m, op) as f64;
    // The kernel class of a [O or 1, kh, kw, C] weight.
    let kernel = |w: &[i64]| match w.get(1..3) {
        Some([1, 1]) => "1x1",
        _ => "kxk",
    };
    let (case, macs, elements) = if data.is(&tfl::CONV_2D) {
        let w = weighted()?;
        (
            format!("tfl.conv_2d/{}", kernel(&dims(m, w.filter)?)),
            macs(),
            elements(m, w.input)? + out,
        )
    } else if data.is(&tfl::DEPTHWISE_CONV_2D) {
        let w = weighted()?;
        (
            format!("tfl.depthwise_conv_2d/{}", kernel(&dims(m, w.filter)?)),
            macs(),
            elements(m, w.input)? + out,
        )
    } else if data.is(&tfl::FULLY_CONNECTED) {
        let w = weighted()?;
        (
            "tfl.fully_connected".to_string(),
            macs(),
            elements(m, w.input)? + out + elements(m, w.filter)?,
        )
    } else if data.is(&tfl::ADD) || data.is(&tfl::SUB) || data.is(&tfl::MUL) {
        // Measured with two same-shape operands; a broadcast constant reads less, which the
        // element count follows.
        let b = Binary::of(m, op)?;
        (
            data.name.as_str().to_string(),
            0.0,
            elements(m, b.lhs)? + elements(m, b.rhs)? + out,
        )
    } else if data.is(&tfl::MAX_POOL_2D) {
        let int = |k: &str| {
            data.attr(k)
                .and_then(tqopt_ir::Attribute::as_int)
                .unwrap_or(1) as f64
        };
        (
            "tfl.max_pool_2d".to_string(),
            out * int("filter_height") * int("filter_width"),
            elements(m, m.operand(op, 0)?)? + out,
        )
    } else {
        return None;
    };
    let channels = dims(m, *m.results(op).first()?)?
        .last()
        .copied()
        .filter(|&c| c > 0)
        .unwrap_or(1);
    // The reduction of a convolution or fully connected layer runs over the filter's last
    // dimension (input channels).
    let int8_reduction_padding = match is_gemm(m, op) {
        true => weighted()
            .and_then(|w| dims(m, w.filter)?.last().copied())
            .and_then(|c| u64::try_from(c).ok())
            .filter(|&c| c > 0)
            .map_or(1.0, |c| {
                c.next_multiple_of(INT8_REDUCTION_BLOCK) as f64 / c as f64
            }),
        false => 1.0,
    };
    Some(Work {
        case,
        macs,
        int8_reduction_padding,
        elements,
        rows: out / channels as f64,
    })
}

/// XNNPACK's int8 (and hybrid) GEMM kernels for x86 (SSE to AVX-512, the "c8" kernels) read
/// the reduction dimension, a convolution's input channels per filter tap, in blocks of this
/// many values, zero-padded; its float kernels read one value at a time. The cost table is
/// measured with multiples of 8 channels, so a layer with fewer pays for the padding on top
/// of its row: in LiteRT on an AMD EPYC (AVX2, 2026-12-06) a 1-D convolution over 20000
/// samples with 32 filters of 256 taps took 48.3 ms in int8 with 1 input channel and 6.7 ms
/// with 8 channels and 32 taps (the same multiply-accumulates), against 9.4 ms and 3.9 ms in
/// float; with 3 input channels and 86 taps, 16.5 ms in int8.
const INT8_REDUCTION_BLOCK: u64 = 8;

/// Ops that only reinterpret their operand's shape: free in either precision, so they take
/// whichever precision saves conversions.
fn is_view(m: &Module, op: OpId) -> bool {
    let d = m.op(op);
    d.is(&tfl::RESHAPE) || d.is(&tfl::SQUEEZE) || d.is(&tfl::EXPAND_DIMS)
}

/// A flip must save at least this much, and [`MIN_GAIN_SHARE`] of what the op and its
/// conversions cost, so that the fit's noise does not flip ops whose two forms cost about the
/// same.
const MIN_GAIN_NS: f64 = 200.0;
/// A hybrid kernel must be estimated this much slower than float before its op keeps float
/// weights (behind a dequantize): below it, the estimate is within a few cache misses.
const MIN_HYBRID_LOSS_NS: f64 = 50.0;
const MIN_GAIN_SHARE: f64 = 0.1;

/// An op the planner keeps float, with the estimate behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatForSpeed {
    pub op: OpId,
    /// Estimated nanoseconds saved against running it int8, its neighbours as planned.
    pub gain_ns: f64,
}

/// The graph the planner labels: candidate ops, and the values between them seen through
/// fake-quant pairs.
struct Graph {
    ops: Vec<OpId>,
    /// Per op: the values it reads (producer side), as indices into `values`.
    reads: Vec<Vec<usize>>,
    /// Per op: the values it writes.
    writes: Vec<Vec<usize>>,
    values: Vec<Edge>,
}

/// A value between ops: who writes it (an op index, or `None` for a function argument or an
/// op outside the plan, taken as float) and who reads it (op indices; `None` for a reader
/// outside the plan, taken as float).
struct Edge {
    writer: Option<usize>,
    readers: Vec<Option<usize>>,
    elements: f64,
}

impl Graph {
    /// The graph over `ops`, seeing through fake-quant pairs and through the `views` (which
    /// are not in `ops`): a view passes its operand on unchanged.
    fn build(m: &Module, ops: &[OpId], views: &HashSet<OpId>) -> Graph {
        let index: HashMap<OpId, usize> = ops.iter().enumerate().map(|(i, &o)| (o, i)).collect();
        let mut value_index: HashMap<ValueId, usize> = HashMap::new();
        let mut values: Vec<Edge> = Vec::new();
        let mut reads = vec![Vec::new(); ops.len()];
        let mut writes = vec![Vec::new(); ops.len()];
        let mut edge = |x: ValueId, values: &mut Vec<Edge>| -> Option<usize> {
            if let Some(&i) = value_index.get(&x) {
                return Some(i);
            }
            let elements = elements(m, x)?;
            let writer = m.defining_op(x).and_then(|d| index.get(&d).copied());
            if writer.is_none() && m.defining_op(x).is_some_and(|d| is_constant(m, d)) {
                return None;
            }
            let mut readers = Vec::new();
            for r in readers_of(m, x, views) {
                readers.push(index.get(&r).copied());
            }
            values.push(Edge {
                writer,
                readers,
                elements,
            });
            value_index.insert(x, values.len() - 1);
            Some(values.len() - 1)
        };
        for (i, &op) in ops.iter().enumerate() {
            for &v in m.operands(op) {
                let x = producer_side(m, v, views);
                if let Some(e) = edge(x, &mut values) {
                    if !reads[i].contains(&e) {
                        reads[i].push(e);
                    }
                }
            }
            for &r in m.results(op) {
                if let Some(e) = edge(r, &mut values) {
                    writes[i].push(e);
                }
            }
        }
        Graph {
            ops: ops.to_vec(),
            reads,
            writes,
            values,
        }
    }

    /// The conversions value `e` needs under `labels`, in nanoseconds.
    fn convert_ns(&self, table: &CostTable, e: usize, labels: &[Precision]) -> f64 {
        let edge = &self.values[e];
        let label = |o: Option<usize>| o.map_or(Precision::Float, |i| labels[i]);
        let from = label(edge.writer);
        let needs = |p: Precision| edge.readers.iter().any(|&r| label(r) == p);
        match from {
            Precision::Int8 if needs(Precision::Float) => table.convert_ns(edge.elements),
            Precision::Float if needs(Precision::Int8) => table.convert_ns(edge.elements),
            _ => 0.0,
        }
    }

    /// The part of the estimate that depends on op `i`'s label: (the op's own time, the
    /// conversions of the values it reads and writes).
    fn local_ns(
        &self,
        table: &CostTable,
        m: &Module,
        i: usize,
        labels: &[Precision],
    ) -> (f64, f64) {
        let own = if is_view(m, self.ops[i]) {
            0.0
        } else {
            table.op_ns(m, self.ops[i], labels[i]).unwrap_or(0.0)
        };
        let edges = self.reads[i].iter().chain(&self.writes[i]);
        let convert = edges
            .map(|&e| self.convert_ns(table, e, labels))
            .sum::<f64>();
        (own, convert)
    }
}

fn is_constant(m: &Module, op: OpId) -> bool {
    m.op(op)
        .def()
        .is_some_and(|d| d.has_trait(tqopt_ir::dialect::Traits::CONSTANT_LIKE))
        || m.op(op).is(&tfl::DEQUANTIZE)
            && m.operand(op, 0)
                .and_then(|v| m.defining_op(v))
                .is_some_and(|d| is_constant(m, d))
}

/// The value an op's operand `v` stands for, looking back through fake-quant pairs and the
/// `views`.
fn producer_side(m: &Module, v: ValueId, views: &HashSet<OpId>) -> ValueId {
    let mut x = underlying(m, v);
    while let Some(view) = m.defining_op(x).filter(|d| views.contains(d)) {
        match m.operand(view, 0) {
            Some(input) => x = underlying(m, input),
            None => break,
        }
    }
    x
}

/// The ops that read `x`, looking through the fake-quant pairs and the `views` after it.
fn readers_of(m: &Module, x: ValueId, views: &HashSet<OpId>) -> Vec<OpId> {
    let mut out = Vec::new();
    for u in m.uses(x) {
        let reader = m.op(u.op);
        let passes_on = reader.is(&tfl::QUANTIZE)
            || reader.is(&tfl::DEQUANTIZE)
            || (views.contains(&u.op) && u.index == 0);
        if passes_on {
            for &r in m.results(u.op) {
                for o in readers_of(m, r, views) {
                    if !out.contains(&o) {
                        out.push(o);
                    }
                }
            }
        } else if !out.contains(&u.op) {
            out.push(u.op);
        }
    }
    out
}

/// Plans which of `candidates` run float for speed. `fixed_float` are the candidates that are
/// float whatever the plan (no int8 form, denied, or XNNPACK takes them only as float).
/// Returns the ops the plan makes float, beyond `fixed_float`, with their estimated gains.
pub fn plan(
    m: &Module,
    table: &CostTable,
    candidates: &[OpId],
    fixed_float: &[OpId],
) -> Vec<FloatForSpeed> {
    let fixed: HashSet<OpId> = fixed_float.iter().copied().collect();
    // Views cost nothing in either precision: the plan sees through them, then gives each the
    // precision that needs the fewest conversions around it (see `view_is_float`).
    let views: HashSet<OpId> = candidates
        .iter()
        .copied()
        .filter(|&op| is_view(m, op) && !fixed.contains(&op))
        .collect();
    let candidates: Vec<OpId> = candidates
        .iter()
        .copied()
        .filter(|op| !views.contains(op))
        .collect();
    let candidates = &candidates[..];
    let graph = Graph::build(m, candidates, &views);
    let mut labels: Vec<Precision> = candidates
        .iter()
        .map(|op| {
            if fixed.contains(op) {
                Precision::Float
            } else {
                Precision::Int8
            }
        })
        .collect();
    let free: Vec<usize> = (0..candidates.len())
        .filter(|&i| !fixed.contains(&candidates[i]))
        .filter(|&i| {
            let op = candidates[i];
            table.op_ns(m, op, Precision::Int8).is_some()
                && table.op_ns(m, op, Precision::Float).is_some()
        })
        .collect();
    for _sweep in 0..8 {
        let mut flipped = false;
        for &i in &free {
            let (own_before, convert_before) = graph.local_ns(table, m, i, &labels);
            let old = labels[i];
            labels[i] = match old {
                Precision::Int8 => Precision::Float,
                _ => Precision::Int8,
            };
            let (own_after, convert_after) = graph.local_ns(table, m, i, &labels);
            let gemm = is_gemm(m, candidates[i]);
            if accept(own_before, convert_before, own_after, convert_after, gemm) {
                flipped = true;
            } else {
                labels[i] = old;
            }
        }
        if !flipped {
            break;
        }
    }
    let index: HashMap<OpId, usize> = candidates
        .iter()
        .enumerate()
        .map(|(i, &o)| (o, i))
        .collect();
    let float = |op: Option<OpId>| {
        op.is_none_or(|o| index.get(&o).is_none_or(|&i| labels[i] == Precision::Float))
    };
    let float_views = m
        .all_ops()
        .into_iter()
        .filter(|op| views.contains(op) && view_is_float(m, *op, &views, &float))
        .map(|op| FloatForSpeed { op, gain_ns: 0.0 });
    free.iter()
        .filter(|&&i| labels[i] == Precision::Float)
        .map(|&i| {
            let (own, convert) = graph.local_ns(table, m, i, &labels);
            let mut as_int8 = labels.clone();
            as_int8[i] = Precision::Int8;
            let (own8, convert8) = graph.local_ns(table, m, i, &as_int8);
            FloatForSpeed {
                op: graph.ops[i],
                gain_ns: own8 + convert8 - own - convert,
            }
        })
        .chain(float_views)
        .collect()
}

/// Whether a view runs float: when what it passes on comes from a float op (or from outside
/// the plan, a function argument say) and a float op reads it. Then a float view needs at
/// most a quantize for its int8 readers, where an int8 one would need a quantize before it
/// and a dequantize after; otherwise int8 needs no more conversions than float, and copies
/// a quarter of the bytes. `float(op)` says whether a planned op is float (`None`: outside).
fn view_is_float(
    m: &Module,
    view: OpId,
    views: &HashSet<OpId>,
    float: &dyn Fn(Option<OpId>) -> bool,
) -> bool {
    let Some(input) = m.operand(view, 0) else {
        return false;
    };
    let source = producer_side(m, input, views);
    if !float(m.defining_op(source)) {
        return false;
    }
    m.results(view)
        .iter()
        .flat_map(|&r| readers_of(m, r, views))
        .any(|reader| float(Some(reader)))
}

/// Whether a flip is taken. Measured on real models (scripts/compare/bench_latency.py), the
/// table's per-op estimates do not carry over to whole graphs well enough to trade an op's
/// own time against new conversions: keeping float an add between two int8 convolutions,
/// which the table says saves time, made face detectors and pose_landmark 5-14% slower, and
/// float depthwise convolutions made hand_landmark 25% slower. What did hold is removing
/// conversions: an add between two float PReLUs run float saved 5-6% on face_landmark and
/// iris_landmark. So a flip must remove conversions and not make the op itself slower
/// (within the fit's noise), and save [`MIN_GAIN_NS`] and [`MIN_GAIN_SHARE`] in all.
///
/// One trade of an op's own time against new conversions does hold: a convolution or fully
/// connected layer (`gemm`) whose int8 form runs [`GEMM_TRADE_RATIO`] times its float form's
/// time or more, which happens when XNNPACK's int8 kernels pad its few input channels
/// ([`INT8_REDUCTION_BLOCK`]). basic-pitch's audio front end, 1-D convolutions with one input
/// channel between int8 ops, ran 72 ms in int8 against 36 ms in float before this trade.
fn accept(
    own_before: f64,
    convert_before: f64,
    own_after: f64,
    convert_after: f64,
    gemm: bool,
) -> bool {
    let before = own_before + convert_before;
    let after = own_after + convert_after;
    let saves = after + MIN_GAIN_NS.max(MIN_GAIN_SHARE * before) < before;
    if convert_after < convert_before {
        own_after <= own_before * 1.1 && saves
    } else {
        gemm && own_after * GEMM_TRADE_RATIO <= own_before && saves
    }
}

/// How much slower than its float form (estimated) an int8 convolution or fully connected
/// layer must be before it runs float at the price of new conversions: above the cost
/// table's fit error (at most 22% on these rows).
const GEMM_TRADE_RATIO: f64 = 1.5;

/// Convolutions and fully connected layers: XNNPACK runs them as GEMMs, whose time follows
/// their multiply-accumulates closely.
fn is_gemm(m: &Module, op: OpId) -> bool {
    let d = m.op(op);
    d.is(&tfl::CONV_2D) || d.is(&tfl::FULLY_CONNECTED)
}

#[cfg(test)]
#[path = "speed_plan_tests.rs"]
mod tests;
