//! Incremental scoring: the search scores one configuration after another, each a small change
//! of the last, and every value no change reaches computes what it computed before.
//!
//! [`ValueCache`] keeps the activations of the last model it ran, per sample, keyed by a
//! structural signature of how each value is computed ([`signatures`]: the op, its properties
//! and attributes, its result types and its operands' signatures, constants by content). To
//! run the next model it walks back from the entry function's return: a value whose
//! signature is cached becomes an extra argument of the function, fed the cached tensors, and
//! the ops only it needed are erased ([`cut`]); only what a change reaches runs again.
//!
//! Invariants:
//! - A signature covers everything the interpreter reads to compute the value from the same
//!   samples, so equal signatures mean equal tensors (up to a 64-bit hash collision). The
//!   cache belongs to one set of samples.
//! - `TQOPT_SEARCH_NO_REUSE=1` turns reuse off: the scores, and so the search's choice, must
//!   be the same.
//! - Only top-level values of the entry function are cached. Results of ops with regions or
//!   calls get a signature no other run shares, so they and what they feed are recomputed.
//! - The cache holds the values of the last configuration run (those it computed and the cached
//!   ones it shares) and of one configuration the search pinned, so its memory is bounded by
//!   two models' activations on the samples. Cached tensors are shared with the runs that
//!   made and read them, never copied.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::sync::Arc;

use tqopt_interp::{Interpreter, Tensor};
use tqopt_ir::dialect::{func, Traits};
use tqopt_ir::{Attribute, BlockId, DenseValues, Location, Module, OpId, ValueId};

use super::fake_quant::FAKE_STEP;

/// Per signature, the value's tensor on each sample.
type Cached = HashMap<u64, Arc<Vec<Arc<Tensor>>>>;

/// The activations of the last model run, and what reuse saved.
#[derive(Default)]
pub struct ValueCache {
    /// The values of the last configuration run.
    last: Cached,
    /// The values of the configuration [`ValueCache::pin_last`] kept.
    base: Cached,
    /// Runs so far (also salts the signatures of values that are never shared).
    runs: u64,
    /// Ops run and ops skipped over all runs (for the statistics).
    pub ops_run: u64,
    pub ops_reused: u64,
}

/// The entry block of function `entry` and its return op.
fn entry_block(m: &Module, entry: &str) -> Option<(BlockId, OpId)> {
    let f = m.lookup_func(entry)?;
    let block = func::entry_block(m, f)?;
    let ret = m.last_op(block)?;
    m.op(ret).is(&func::RETURN).then_some((block, ret))
}

fn hash_bytes(h: &mut DefaultHasher, bytes: &[u8]) {
    h.write_usize(bytes.len());
    h.write(bytes);
}

/// Feeds everything `a` says into `h` (locations excepted: they do not change a value).
fn hash_attribute(m: &Module, h: &mut DefaultHasher, a: &Attribute) {
    match a {
        Attribute::Unit => h.write_u8(0),
        Attribute::Bool(b) => h.write_u8(if *b { 2 } else { 1 }),
        Attribute::Int { value, ty } => {
            h.write_u8(3);
            h.write_i64(*value);
            hash_bytes(h, format!("{ty:?}").as_bytes());
        }
        Attribute::Float { value, kind } => {
            h.write_u8(4);
            h.write_u64(value.to_bits());
            hash_bytes(h, format!("{kind:?}").as_bytes());
        }
        Attribute::String(s) => {
            h.write_u8(5);
            hash_bytes(h, s);
        }
        Attribute::Array(items) => {
            h.write_u8(6);
            h.write_usize(items.len());
            for item in items {
                hash_attribute(m, h, item);
            }
        }
        Attribute::Dict(d) => {
            h.write_u8(7);
            for (k, v) in d.iter() {
                hash_bytes(h, k.as_bytes());
                hash_attribute(m, h, v);
            }
        }
        Attribute::Dense(d) => {
            h.write_u8(8);
            hash_bytes(h, format!("{:?}", d.ty).as_bytes());
            match &d.values {
                DenseValues::Splat(b) => {
                    h.write_u8(0);
                    hash_bytes(h, b.as_bytes());
                }
                DenseValues::Full(b) => {
                    h.write_u8(1);
                    hash_bytes(h, b.as_bytes());
                }
                DenseValues::Strings(s) => {
                    h.write_u8(2);
                    for item in s.iter() {
                        hash_bytes(h, item);
                    }
                }
            }
        }
        Attribute::DenseResource { name, ty } => {
            h.write_u8(9);
            hash_bytes(h, format!("{ty:?}").as_bytes());
            match m.resource(name) {
                Some(blob) => hash_bytes(h, blob.data.as_bytes()),
                None => hash_bytes(h, name.as_bytes()),
            }
        }
        Attribute::Location(_) => h.write_u8(10),
        // Types, symbols, dense arrays and other dialects' attributes: by their printed form.
        other => {
            h.write_u8(11);
            hash_bytes(h, format!("{other:?}").as_bytes());
        }
    }
}

/// The signature of every top-level value of the entry block (arguments and op results).
/// `salt` makes the signatures of results of ops with regions or calls unique to this call.
pub fn signatures(m: &Module, block: BlockId, salt: u64) -> HashMap<ValueId, u64> {
    let mut sig: HashMap<ValueId, u64> = HashMap::new();
    for (i, &a) in m.block(block).args().iter().enumerate() {
        let mut h = DefaultHasher::new();
        h.write(b"arg");
        h.write_usize(i);
        sig.insert(a, h.finish());
    }
    for (index, op) in m.block_ops(block).enumerate() {
        let data = m.op(op);
        let mut h = DefaultHasher::new();
        let shared = data.regions().is_empty()
            && !data
                .properties
                .iter()
                .chain(data.attributes.iter())
                .any(|(_, a)| matches!(a, Attribute::SymbolRef(_)));
        if shared {
            hash_bytes(&mut h, data.name.as_str().as_bytes());
            for (k, v) in data.properties.iter() {
                hash_bytes(&mut h, k.as_bytes());
                hash_attribute(m, &mut h, v);
            }
            h.write_u8(0xff);
            for (k, v) in data.attributes.iter() {
                hash_bytes(&mut h, k.as_bytes());
                hash_attribute(m, &mut h, v);
            }
            for &v in data.operands() {
                // A value from outside the block (none here) or an absent operand.
                h.write_u64(sig.get(&v).copied().unwrap_or(0));
            }
            for &r in data.results() {
                hash_bytes(&mut h, format!("{:?}", m.value_type(r)).as_bytes());
            }
        } else {
            h.write(b"unshared");
            h.write_u64(salt);
            h.write_usize(index);
        }
        let base = h.finish();
        for (k, &r) in data.results().iter().enumerate() {
            let mut h = DefaultHasher::new();
            h.write_u64(base);
            h.write_usize(k);
            sig.insert(r, h.finish());
        }
    }
    sig
}

fn is_constant(m: &Module, op: OpId) -> bool {
    m.op(op)
        .def()
        .is_some_and(|d| d.has_trait(Traits::CONSTANT_LIKE))
}

/// Whether a value is worth keeping: an op's result, unless it only feeds the next step of a
/// fake-quant chain (see [`super::fake_quant`]).
fn worth_caching(m: &Module, v: ValueId) -> bool {
    let Some(op) = m.defining_op(v) else {
        return false;
    };
    !m.op(op).attributes.contains(FAKE_STEP)
        || m.uses(v)
            .iter()
            .any(|u| !m.op(u.op).attributes.contains(FAKE_STEP))
}

/// What [`cut`] did: the values that became arguments (after the original arguments), with
/// their signatures, and how many ops it erased.
struct Cut {
    seeds: Vec<u64>,
    erased: usize,
}

/// Makes every value the outputs need whose signature `cached` holds an argument of `block`
/// (in order, after the original arguments) and erases the ops nothing needs any more.
fn cut(
    m: &mut Module,
    block: BlockId,
    ret: OpId,
    sig: &HashMap<ValueId, u64>,
    cached: &HashSet<u64>,
) -> Result<Cut, String> {
    let mut needed: HashSet<OpId> = HashSet::new();
    let mut seeds: Vec<ValueId> = Vec::new();
    let mut seen: HashSet<ValueId> = HashSet::new();
    let mut stack: Vec<ValueId> = m.operands(ret).to_vec();
    while let Some(v) = stack.pop() {
        if !seen.insert(v) {
            continue;
        }
        let Some(op) = m.defining_op(v) else { continue };
        if m.parent_block(op) != Some(block) {
            continue;
        }
        if !is_constant(m, op) && sig.get(&v).is_some_and(|s| cached.contains(s)) {
            seeds.push(v);
            continue;
        }
        if needed.insert(op) {
            stack.extend_from_slice(m.operands(op));
            for inner in m.walk_nested(op).skip(1) {
                stack.extend_from_slice(m.operands(inner));
            }
        }
    }
    seeds.sort();
    let mut seed_sigs = Vec::with_capacity(seeds.len());
    for &v in &seeds {
        let ty = m.value_type(v).clone();
        let arg = m.add_block_arg(block, ty, Location::Unknown);
        m.replace_all_uses(v, arg);
        seed_sigs.push(sig[&v]);
    }
    let unneeded: Vec<OpId> = m
        .block_ops(block)
        .filter(|&op| op != ret && !needed.contains(&op))
        .collect();
    for &op in unneeded.iter().rev() {
        m.erase_op(op)
            .map_err(|e| format!("incremental scoring: cannot erase an op: {e:?}"))?;
    }
    Ok(Cut {
        seeds: seed_sigs,
        erased: unneeded.len(),
    })
}

/// `TQOPT_SEARCH_NO_REUSE` set: every score runs the whole model (to compare, or to debug).
fn reuse_disabled() -> bool {
    std::env::var_os("TQOPT_SEARCH_NO_REUSE").is_some()
}

/// A model's outputs per sample.
pub type Outputs = Vec<Vec<Tensor>>;

impl ValueCache {
    fn lookup(&self, s: u64) -> Option<&Arc<Vec<Arc<Tensor>>>> {
        self.last.get(&s).or_else(|| self.base.get(&s))
    }

    /// Keeps the last run's values (besides the next run's) until the next call: the search
    /// calls this for the configuration it accepted, which the trials that follow change.
    pub fn pin_last(&mut self) {
        let old = std::mem::replace(&mut self.base, self.last.clone());
        release_unshared(old);
    }

    /// Runs function `entry` of `m` on every sample, reusing the cached values it can, and
    /// keeps this run's values for the next. Gives the outputs per sample.
    pub fn run(
        &mut self,
        mut m: Module,
        entry: &str,
        samples: &[Vec<Tensor>],
        threads: usize,
    ) -> Result<Outputs, String> {
        self.runs += 1;
        let (block, ret) =
            entry_block(&m, entry).ok_or_else(|| format!("no function '@{entry}' to run"))?;
        let sig = signatures(&m, block, self.runs);
        let total_ops = m.block_ops(block).count().saturating_sub(1);
        let available: HashSet<u64> = if reuse_disabled() {
            HashSet::new()
        } else {
            sig.values()
                .copied()
                .filter(|&s| self.lookup(s).is_some())
                .collect()
        };
        let cut = cut(&mut m, block, ret, &sig, &available)?;
        self.ops_reused += cut.erased as u64;
        self.ops_run += (total_ops - cut.erased) as u64;
        let keep: HashMap<ValueId, u64> = m
            .block_ops(block)
            .flat_map(|op| m.results(op).to_vec())
            .filter(|&v| worth_caching(&m, v))
            .filter_map(|v| Some((v, *sig.get(&v)?)))
            .collect();
        let interp = Interpreter::new(&m, entry)
            .map_err(|e| format!("cannot run the quantized model: {e}"))?;
        let seeds: Vec<&Arc<Vec<Arc<Tensor>>>> = cut
            .seeds
            .iter()
            .map(|&s| {
                self.lookup(s)
                    .ok_or("incremental scoring: a seed left the cache")
            })
            .collect::<Result<_, _>>()?;
        let indices: Vec<usize> = (0..samples.len()).collect();
        let selects = |v: ValueId| keep.contains_key(&v);
        let runs = tqopt_interp::parallel::map(&indices, threads, |&i| {
            let mut inputs: Vec<Arc<Tensor>> = samples[i].iter().cloned().map(Arc::new).collect();
            inputs.extend(seeds.iter().map(|t| t[i].clone()));
            interp
                .run_keeping(inputs, &selects)
                .map_err(|e| format!("sample {i}: {e}"))
        });
        let mut outputs = Vec::with_capacity(samples.len());
        let mut fresh: HashMap<u64, Vec<Arc<Tensor>>> = HashMap::new();
        for run in runs {
            let (outs, kept) = run?;
            outputs.push(outs);
            for (v, t) in kept {
                fresh.entry(keep[&v]).or_default().push(t);
            }
        }
        // This configuration's values: those computed now, and the cached ones it shares.
        let mut values: Cached = available
            .iter()
            .filter_map(|&s| Some((s, self.lookup(s)?.clone())))
            .collect();
        values.extend(
            fresh
                .into_iter()
                .filter(|(_, ts)| ts.len() == samples.len())
                .map(|(s, ts)| (s, Arc::new(ts))),
        );
        let old = std::mem::replace(&mut self.last, values);
        release_unshared(old);
        Ok(outputs)
    }
}

/// Hands the buffers of dropped values that nothing else holds to the interpreter's shared
/// pool, so the next run's tensors reuse their memory instead of faulting in fresh pages.
fn release_unshared(values: Cached) {
    for (_, per_sample) in values {
        let Ok(per_sample) = Arc::try_unwrap(per_sample) else {
            continue;
        };
        for t in per_sample {
            if let Ok(t) = Arc::try_unwrap(t) {
                tqopt_interp::release(t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tqopt_interp::TensorData;

    /// `((x + a) * b) - c`, each constant a splat over 1x8.
    fn model(a: f32, b: f32, c: f32) -> Module {
        let ty = "tensor<1x8xf32>";
        let konst = |n: &str, v: f32| {
            format!(
                "  %{n} = \"tfl.pseudo_const\"() <{{value = dense<{v:?}> : {ty}}}> : () -> {ty}\n"
            )
        };
        let bin = |r: &str, op: &str, x: &str, y: &str| {
            format!("  %{r} = \"tfl.{op}\"(%{x}, %{y}) <{{fused_activation_function = \"NONE\"}}> : ({ty}, {ty}) -> {ty}\n")
        };
        let text = format!(
            "func.func @main(%arg0: {ty}) -> {ty} {{\n{}{}{}{}{}{}  return %r3 : {ty}\n}}\n",
            konst("a", a),
            konst("b", b),
            konst("c", c),
            bin("r1", "add", "arg0", "a"),
            bin("r2", "mul", "r1", "b"),
            bin("r3", "sub", "r2", "c"),
        );
        tqopt_textual_ir::parse_str("test.mlir", &text).expect("parses")
    }

    fn samples() -> Vec<Vec<Tensor>> {
        (0..3)
            .map(|s| {
                let v: Vec<f32> = (0..8).map(|i| (s * 8 + i) as f32 * 0.25 - 2.0).collect();
                vec![Tensor::new(&[1, 8], TensorData::F32(v)).unwrap()]
            })
            .collect()
    }

    fn full_run(m: &Module) -> Outputs {
        let interp = Interpreter::new(m, "main").unwrap();
        samples().iter().map(|s| interp.run(s).unwrap()).collect()
    }

    fn sigs(m: &Module) -> Vec<u64> {
        let (block, _) = entry_block(m, "main").unwrap();
        let sig = signatures(m, block, 1);
        m.block_ops(block)
            .filter_map(|op| m.results(op).first().map(|r| sig[r]))
            .collect()
    }

    #[test]
    fn signatures_follow_what_computes_a_value_not_where_it_was_built() {
        let (one, again) = (sigs(&model(1.0, 2.0, 3.0)), sigs(&model(1.0, 2.0, 3.0)));
        assert_eq!(one, again);
        // b changed: its constant, the mul and the sub differ; a, c and the add do not.
        let other = sigs(&model(1.0, 2.5, 3.0));
        let same: Vec<bool> = one.iter().zip(&other).map(|(x, y)| x == y).collect();
        assert_eq!(same, [true, false, true, true, false, false]);
    }

    #[test]
    fn a_late_change_reuses_what_comes_before_it_and_computes_the_same_outputs() {
        let mut cache = ValueCache::default();
        let first = model(1.0, 2.0, 3.0);
        assert_eq!(
            cache.run(first.clone(), "main", &samples(), 1).unwrap(),
            full_run(&first)
        );
        assert_eq!(cache.ops_reused, 0);
        // Only c changes: the add and the mul are reused (their ops and constants erased).
        let late = model(1.0, 2.0, 5.0);
        assert_eq!(
            cache.run(late.clone(), "main", &samples(), 1).unwrap(),
            full_run(&late)
        );
        assert!(cache.ops_reused >= 2, "reused {}", cache.ops_reused);
        // a changes: nothing before it to reuse, and the outputs are still the model's own.
        let before = cache.ops_reused;
        let early = model(0.5, 2.0, 5.0);
        assert_eq!(
            cache.run(early.clone(), "main", &samples(), 1).unwrap(),
            full_run(&early)
        );
        assert_eq!(cache.ops_reused, before);
    }

    #[test]
    fn a_pinned_configuration_stays_reusable_after_other_runs() {
        let mut cache = ValueCache::default();
        cache
            .run(model(1.0, 2.0, 3.0), "main", &samples(), 1)
            .unwrap();
        cache.pin_last();
        // Another b: nothing after the add is shared with the pinned run...
        cache
            .run(model(1.0, 4.0, 3.0), "main", &samples(), 1)
            .unwrap();
        // ...but changing only c of the pinned configuration reuses its mul.
        let before = cache.ops_reused;
        let m = model(1.0, 2.0, 7.0);
        assert_eq!(
            cache.run(m.clone(), "main", &samples(), 1).unwrap(),
            full_run(&m)
        );
        assert!(cache.ops_reused - before >= 2);
    }
}
