//! Calibration statistics as an artifact: the state of every tensor's [`Collector`] after a
//! calibration run, which can be saved as JSON, loaded, merged with the statistics of other
//! shards of the data set, and applied to the model instead of running calibration data.
//!
//! # The JSON form (version 1)
//!
//! ```json
//! {
//!   "format": "tqopt-calibration-statistics",
//!   "version": 1,
//!   "method": "minmax",
//!   "model": "5c0f6f0a2d1e9b33",
//!   "samples": 100,
//!   "tensors": [
//!     {"value": 17, "name": "model/conv1/Relu", "min": -0.5, "max": 6.25, "samples": 100,
//!      "nan": 0, "sentinel_low": 0, "sentinel_high": 0,
//!      "histogram": {"lo": -0.5, "width": 0.0034, "bins": 2048, "counts": [[0, 12], [5, 3]]}}
//!   ]
//! }
//! ```
//!
//! - `method`: the collector every tensor used (`minmax`, `moving-average`, `percentile`, `mse`).
//! - `model`: a fingerprint of the IR calibration ran on (its ops and values, in order). The
//!   same model through the same passes gives the same fingerprint; statistics only merge with,
//!   and only apply to, IR with the same one.
//! - `samples`: the samples run (over every signature).
//! - per tensor: `value` (the IR value's number, the key), `name` (its location's name, checked
//!   when applied), the collector's state: `min`/`max` (`null` when it saw no finite value),
//!   `samples` (observations), the counts of values skipped as NaN and as masking sentinels,
//!   and for `percentile`/`mse` the histogram: `lo`, bin `width`, the number of `bins` and the
//!   non-zero bin `counts` as `[bin, count]` pairs. Numbers are written so they read back to the
//!   same `f64`.
//!
//! # Merging
//!
//! Merging shards' statistics gives those of one run over all the samples:
//! - `minmax`: exactly (minimum of minimums, maximum of maximums, counts summed), so the
//!   quantized model is byte-identical.
//! - `moving-average`: the per-sample averages are combined weighted by sample counts, which is
//!   the same mean computed in another order: equal up to float64 rounding (a relative
//!   difference of about 1e-15 per merge), far below the float32 the range is stored in, so
//!   almost always the same bytes but not guaranteed.
//! - `percentile`, `mse`: histograms merge by adding each bin's count at its centre into the
//!   merged histogram (which covers both and has bins at least as wide); a value may move by up
//!   to one bin of the merged histogram (its range / 2048), so the chosen range may move by up
//!   to that much.

use std::path::Path;

use tqopt_ir::{Module, ValueId};

use super::collectors::{Collector, Histogram, Method};
use super::json::{self, Json};
use crate::quant::report::json_string;

/// The `format` field of a statistics file.
pub const FORMAT: &str = "tqopt-calibration-statistics";
/// The version this code writes and reads.
pub const VERSION: u64 = 1;

/// One tensor's statistics: its key, its name and its collector's state.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorStats {
    /// The IR value's number (the key).
    pub value: usize,
    /// The value's location name, for messages and to check the key when applied.
    pub name: String,
    pub collector: Collector,
}

/// The statistics of one calibration run (or of merged runs), sorted by value.
#[derive(Clone, Debug, PartialEq)]
pub struct Statistics {
    pub method: Method,
    /// [`fingerprint`] of the IR calibration ran on.
    pub model: String,
    /// Samples run.
    pub samples: u64,
    pub tensors: Vec<TensorStats>,
}

/// A fingerprint of `m`'s ops and values, in order (FNV-1a over each op's name and result
/// numbers): equal for the same model after the same passes.
pub fn fingerprint(m: &Module) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for op in m.walk_nested(m.op) {
        feed(m.op(op).name.as_str().as_bytes());
        for r in m.results(op) {
            feed(&(tqopt_ir::EntityRef::index(*r) as u32).to_le_bytes());
        }
        feed(b";");
    }
    format!("{h:016x}")
}

/// The name statistics give value `v`: its location's first name, or empty.
pub fn value_name(m: &Module, v: ValueId) -> String {
    crate::quant::qdq::value_loc(m, v)
        .first_name()
        .unwrap_or_default()
        .to_string()
}

impl Statistics {
    /// Adds the statistics of other samples of the same model and method.
    pub fn merge(&mut self, other: &Statistics) -> Result<(), String> {
        if self.method != other.method {
            return Err(format!(
                "cannot merge {} statistics with {} statistics: calibrate every shard with the same method",
                self.method.name(),
                other.method.name()
            ));
        }
        if self.model != other.model {
            return Err(format!(
                "cannot merge statistics of different models (fingerprints {} and {}): calibrate every shard with the same model and options",
                self.model, other.model
            ));
        }
        self.samples += other.samples;
        let mut merged = Vec::with_capacity(self.tensors.len().max(other.tensors.len()));
        let mut a = std::mem::take(&mut self.tensors).into_iter().peekable();
        let mut b = other.tensors.iter().peekable();
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.value == y.value => {
                    let mut x = a.next().unwrap_or_else(|| unreachable!());
                    x.collector.merge(&y.collector);
                    merged.push(x);
                    b.next();
                }
                (Some(x), Some(y)) if x.value < y.value => merged.push(a.next().unwrap()),
                (Some(_), None) => merged.push(a.next().unwrap()),
                (_, Some(_)) => merged.push(b.next().unwrap().clone()),
                (None, None) => break,
            }
        }
        self.tensors = merged;
        Ok(())
    }

    /// The documented JSON form (one tensor per line).
    pub fn to_json(&self) -> String {
        let mut s = format!(
            "{{\n  \"format\": \"{FORMAT}\",\n  \"version\": {VERSION},\n  \"method\": \"{}\",\n  \"model\": \"{}\",\n  \"samples\": {},\n  \"tensors\": [",
            self.method.name(),
            self.model,
            self.samples
        );
        for (i, t) in self.tensors.iter().enumerate() {
            let c = &t.collector;
            s.push_str(if i == 0 { "\n    " } else { ",\n    " });
            s.push_str(&format!(
                "{{\"value\": {}, \"name\": {}, \"min\": {}, \"max\": {}, \"samples\": {}, \"nan\": {}, \"sentinel_low\": {}, \"sentinel_high\": {}",
                t.value,
                json_string(&t.name),
                number(c.min),
                number(c.max),
                c.samples,
                c.non_finite,
                c.sentinel_low,
                c.sentinel_high
            ));
            if let Some(h) = c.histogram() {
                let counts: Vec<String> = h
                    .bins
                    .iter()
                    .enumerate()
                    .filter(|(_, &n)| n > 0)
                    .map(|(i, n)| format!("[{i}, {n}]"))
                    .collect();
                s.push_str(&format!(
                    ", \"histogram\": {{\"lo\": {}, \"width\": {}, \"bins\": {}, \"counts\": [{}]}}",
                    number(h.lo),
                    number(h.width),
                    h.bins.len(),
                    counts.join(", ")
                ));
            }
            s.push('}');
        }
        s.push_str("\n  ]\n}\n");
        s
    }

    /// Reads the JSON form; errors say which field of which tensor is wrong.
    pub fn from_json(text: &str) -> Result<Statistics, String> {
        let doc = json::parse(text)?;
        if doc.get("format").and_then(Json::as_str) != Some(FORMAT) {
            return Err(format!(
                "not a calibration statistics file (no \"format\": \"{FORMAT}\")"
            ));
        }
        match doc.get("version").and_then(Json::u64) {
            Some(VERSION) => {}
            v => {
                return Err(format!(
                    "statistics version {} is not supported (this tqopt reads version {VERSION})",
                    v.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
                ))
            }
        }
        let method_name = doc.get("method").and_then(Json::as_str).unwrap_or("");
        let method = Method::parse(method_name).ok_or_else(|| {
            format!(
                "\"method\": '{method_name}' is not one of {}",
                Method::NAMES.join(", ")
            )
        })?;
        let model = doc
            .get("model")
            .and_then(Json::as_str)
            .ok_or("\"model\": missing fingerprint")?
            .to_string();
        let samples = field_u64(&doc, "samples").map_err(|e| format!("\"samples\": {e}"))?;
        let items = doc
            .get("tensors")
            .and_then(Json::as_array)
            .ok_or("\"tensors\": missing (an array)")?;
        let mut tensors = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let t = tensor(item, method).map_err(|e| format!("tensors[{i}]: {e}"))?;
            if tensors
                .last()
                .is_some_and(|p: &TensorStats| p.value >= t.value)
            {
                return Err(format!(
                    "tensors[{i}]: value {} is out of order (tensors are sorted by value, each once)",
                    t.value
                ));
            }
            tensors.push(t);
        }
        Ok(Statistics {
            method,
            model,
            samples,
            tensors,
        })
    }

    /// Reads a statistics file; errors name it.
    pub fn load(path: &Path) -> Result<Statistics, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read statistics '{}': {e}", path.display()))?;
        Statistics::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads statistics files and merges them in order.
    pub fn load_merged<P: AsRef<Path>>(paths: &[P]) -> Result<Statistics, String> {
        let mut merged: Option<Statistics> = None;
        for p in paths {
            let s = Statistics::load(p.as_ref())?;
            match &mut merged {
                None => merged = Some(s),
                Some(m) => m
                    .merge(&s)
                    .map_err(|e| format!("{}: {e}", p.as_ref().display()))?,
            }
        }
        merged.ok_or_else(|| "no statistics files given".to_string())
    }
}

/// A float as JSON: shortest round-trip text; `null` for infinities (a collector that saw no
/// finite value).
fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else {
        "null".to_string()
    }
}

fn field_u64(o: &Json, key: &str) -> Result<u64, String> {
    o.get(key)
        .and_then(Json::u64)
        .ok_or_else(|| "missing or not a non-negative integer".to_string())
}

fn field_f64(o: &Json, key: &str, missing: f64) -> Result<f64, String> {
    match o.get(key) {
        Some(Json::Null) => Ok(missing),
        Some(v) => v
            .f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("\"{key}\": not a finite number")),
        None => Err(format!("\"{key}\": missing")),
    }
}

fn tensor(item: &Json, method: Method) -> Result<TensorStats, String> {
    let count = |key: &str| field_u64(item, key).map_err(|e| format!("\"{key}\": {e}"));
    let value = count("value")? as usize;
    let name = item
        .get("name")
        .and_then(Json::as_str)
        .ok_or("\"name\": missing (a string)")?
        .to_string();
    let mut c = Collector::new(method);
    c.min = field_f64(item, "min", f64::INFINITY)?;
    c.max = field_f64(item, "max", f64::NEG_INFINITY)?;
    c.samples = count("samples")?;
    c.non_finite = count("nan")?;
    c.sentinel_low = count("sentinel_low")?;
    c.sentinel_high = count("sentinel_high")?;
    if c.samples > 0 && (c.min > c.max || !c.min.is_finite() || !c.max.is_finite()) {
        return Err(format!(
            "'{name}': min {} is above max {} (or missing)",
            c.min, c.max
        ));
    }
    let wants_histogram = matches!(method, Method::Percentile | Method::Mse) && c.samples > 0;
    match (item.get("histogram"), wants_histogram) {
        (Some(h), true) => c.set_histogram(Some(
            histogram(h).map_err(|e| format!("'{name}': histogram: {e}"))?,
        )),
        (None, false) => {}
        (None, true) => {
            return Err(format!(
                "'{name}': {} statistics need a histogram",
                method.name()
            ))
        }
        (Some(_), false) => {
            return Err(format!(
                "'{name}': {} statistics have no histogram",
                method.name()
            ))
        }
    }
    Ok(TensorStats {
        value,
        name,
        collector: c,
    })
}

/// The most bins a histogram may have (calibration makes
/// [`super::collectors::HISTOGRAM_BINS`]).
const MAX_BINS: u64 = 1 << 16;

fn histogram(h: &Json) -> Result<Histogram, String> {
    let lo = field_f64(h, "lo", f64::NAN)?;
    let width = field_f64(h, "width", f64::NAN)?;
    if width.is_nan() || width <= 0.0 || !lo.is_finite() {
        return Err("\"lo\" must be finite and \"width\" positive".into());
    }
    let n = field_u64(h, "bins").map_err(|e| format!("\"bins\": {e}"))?;
    if n == 0 || n > MAX_BINS {
        return Err(format!("\"bins\": {n} is not between 1 and {MAX_BINS}"));
    }
    // Merging doubles a histogram's width until it covers the other's: both ends must be
    // finite with room to spare.
    let hi = lo + width * n as f64;
    if !(hi.is_finite() && (hi - lo).is_finite() && lo.abs().max(hi.abs()) < 1e300) {
        return Err(format!(
            "[{lo}, {hi}] is not a histogram range (its ends must be finite and under 1e300)"
        ));
    }
    let mut bins = vec![0u64; n as usize];
    let counts = h
        .get("counts")
        .and_then(Json::as_array)
        .ok_or("\"counts\": missing (an array of [bin, count] pairs)")?;
    for pair in counts {
        match pair.as_array() {
            Some([i, c]) => match (i.u64(), c.u64()) {
                (Some(i), Some(c)) if i < n => bins[i as usize] += c,
                _ => return Err(format!("\"counts\": a pair is not [bin < {n}, count]")),
            },
            _ => return Err("\"counts\": an entry is not a [bin, count] pair".into()),
        }
    }
    Ok(Histogram { lo, width, bins })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(method: Method, samples: &[&[f32]], value: usize) -> Statistics {
        let mut c: Option<Collector> = None;
        for s in samples {
            let mut one = Collector::new(method);
            one.observe(s);
            match &mut c {
                None => c = Some(one),
                Some(c) => c.merge(&one),
            }
        }
        Statistics {
            method,
            model: "0123".into(),
            samples: samples.len() as u64,
            tensors: vec![TensorStats {
                value,
                name: "t\"x".into(),
                collector: c.unwrap(),
            }],
        }
    }

    #[test]
    fn json_round_trips_every_method() {
        let data: [&[f32]; 3] = [&[0.1, -3.7, f32::NAN], &[1e-7, 2.5, -1e31], &[0.3, 0.2]];
        for m in [
            Method::MinMax,
            Method::MovingAverage,
            Method::Percentile,
            Method::Mse,
        ] {
            let s = stats(m, &data, 4);
            let back = Statistics::from_json(&s.to_json()).unwrap();
            assert_eq!(back, s, "{m:?}");
        }
    }

    #[test]
    fn minmax_merge_is_exact_and_order_free() {
        let data: [&[f32]; 4] = [&[0.5, -1.25], &[3.0, 0.0, f32::NAN], &[-7.5], &[2.0]];
        let whole = stats(Method::MinMax, &data, 3);
        let mut a = stats(Method::MinMax, &data[..1], 3);
        a.merge(&stats(Method::MinMax, &data[1..], 3)).unwrap();
        assert_eq!(a, whole);
        let mut b = stats(Method::MinMax, &data[2..], 3);
        b.merge(&stats(Method::MinMax, &data[..2], 3)).unwrap();
        assert_eq!(
            b.tensors[0].collector.range(),
            whole.tensors[0].collector.range()
        );
    }

    #[test]
    fn merge_takes_the_union_of_tensors_and_refuses_mismatches() {
        let mut a = stats(Method::MinMax, &[&[1.0]], 1);
        let b = stats(Method::MinMax, &[&[2.0]], 5);
        a.merge(&b).unwrap();
        assert_eq!(
            a.tensors.iter().map(|t| t.value).collect::<Vec<_>>(),
            [1, 5]
        );
        let e = a.merge(&stats(Method::Mse, &[&[1.0]], 1)).unwrap_err();
        assert!(e.contains("minmax statistics with mse"), "{e}");
        let mut other = stats(Method::MinMax, &[&[1.0]], 1);
        other.model = "ffff".into();
        assert!(a.merge(&other).unwrap_err().contains("different models"));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = Statistics::from_json("{}").unwrap_err();
        assert!(e.contains("not a calibration statistics file"), "{e}");
        let good = stats(Method::Percentile, &[&[1.0, 2.0]], 1).to_json();
        let e = Statistics::from_json(&good.replace("\"max\": 2.0", "\"max\": -9.0")).unwrap_err();
        assert!(e.contains("tensors[0]") && e.contains("above max"), "{e}");
        let e = Statistics::from_json(&good.replace("\"bins\": 2048", "\"bins\": 2")).unwrap_err();
        assert!(e.contains("[bin < 2, count]"), "{e}");
        let e =
            Statistics::from_json(&good.replace("\"version\": 1", "\"version\": 7")).unwrap_err();
        assert!(e.contains("version 7"), "{e}");
        // A histogram whose range would not stay finite while merging is refused.
        let h = stats(Method::Percentile, &[&[1.0, 2.0]], 1);
        let lo = format!(
            "\"lo\": {:?}",
            h.tensors[0].collector.histogram().unwrap().lo
        );
        let e = Statistics::from_json(&good.replace(&lo, "\"lo\": -1e308")).unwrap_err();
        assert!(e.contains("not a histogram range"), "{e}");
    }
}
