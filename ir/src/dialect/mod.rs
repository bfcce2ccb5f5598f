//! The op tables: every operation tqopt knows, declared once, as data.
//!
//! An [`OpDef`] holds what the rest of the compiler needs to know about an op: its operand,
//! result and attribute names, traits, type constraints, regions, quantization behaviour,
//! whether a hybrid (dynamic-range) kernel exists, and its TFLite builtin code. The parser, the
//! printer, the verifier, the passes, the interpreter and the TFLite ends all read these tables;
//! nothing keeps a second list of ops.

pub mod builtin;
pub mod func;
pub mod quantfork;
pub mod tfl;
pub mod tfl_builders;
pub mod tfl_types;
pub mod tfl_versions;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::context::{Context, OpData};
use crate::entity::OpId;
use crate::types::{ElementType, Signedness, Type};

/// How many values an operand or result slot takes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Arity {
    /// Exactly one.
    Single,
    /// One value, which may be of type `none` (a `tfl.no_value`).
    Optional,
    /// Any number (at most one variadic slot per list).
    Variadic,
}

/// A set of element types an operand or result may have, as a bit set.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TypeSet(pub u32);

impl TypeSet {
    pub const F32: TypeSet = TypeSet(1 << 0);
    pub const F16: TypeSet = TypeSet(1 << 1);
    pub const BF16: TypeSet = TypeSet(1 << 2);
    pub const F64: TypeSet = TypeSet(1 << 3);
    pub const I1: TypeSet = TypeSet(1 << 4);
    pub const I4: TypeSet = TypeSet(1 << 5);
    pub const I8: TypeSet = TypeSet(1 << 6);
    pub const I16: TypeSet = TypeSet(1 << 7);
    pub const I32: TypeSet = TypeSet(1 << 8);
    pub const I64: TypeSet = TypeSet(1 << 9);
    pub const UI8: TypeSet = TypeSet(1 << 10);
    /// Quantized with signed 8-bit storage.
    pub const QI8: TypeSet = TypeSet(1 << 11);
    /// Quantized with unsigned 8-bit storage.
    pub const QUI8: TypeSet = TypeSet(1 << 12);
    pub const QI16: TypeSet = TypeSet(1 << 13);
    pub const QI32: TypeSet = TypeSet(1 << 14);
    pub const QI4: TypeSet = TypeSet(1 << 15);
    /// Types of other dialects (`!tf_type.string`), complex numbers, ui16/ui32 and so on.
    pub const OTHER: TypeSet = TypeSet(1 << 16);
    pub const NONE_TYPE: TypeSet = TypeSet(1 << 17);
    pub const ANY: TypeSet = TypeSet((1 << 18) - 1);

    pub const FLOATS: TypeSet = TypeSet(Self::F32.0 | Self::F16.0 | Self::BF16.0 | Self::F64.0);
    pub const QUANT: TypeSet =
        TypeSet(Self::QI8.0 | Self::QUI8.0 | Self::QI16.0 | Self::QI32.0 | Self::QI4.0);
    pub const INTS: TypeSet = TypeSet(
        Self::I1.0
            | Self::I4.0
            | Self::I8.0
            | Self::I16.0
            | Self::I32.0
            | Self::I64.0
            | Self::UI8.0,
    );
    pub const I32_I64: TypeSet = TypeSet(Self::I32.0 | Self::I64.0);
    /// What most TFLite math kernels take: float, int8/uint8/int16 quantized, int32, int64.
    pub const NUMERIC: TypeSet = TypeSet(Self::FLOATS.0 | Self::INTS.0 | Self::QUANT.0);

    pub const fn or(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 | other.0)
    }

    /// The class bit of one type (`NONE_TYPE` for `none`).
    pub fn of(ty: &Type) -> TypeSet {
        match ty {
            Type::None => TypeSet::NONE_TYPE,
            other => match other.element_type() {
                Some(e) => Self::of_element(e),
                None => TypeSet::OTHER,
            },
        }
    }

    pub fn of_element(e: &ElementType) -> TypeSet {
        use crate::types::FloatKind::*;
        match e {
            ElementType::Float(F32) => TypeSet::F32,
            ElementType::Float(F16) => TypeSet::F16,
            ElementType::Float(BF16) => TypeSet::BF16,
            ElementType::Float(F64) => TypeSet::F64,
            ElementType::Int(t) => match (t.width, t.signedness) {
                (1, _) => TypeSet::I1,
                (4, Signedness::Signless) => TypeSet::I4,
                (8, Signedness::Unsigned) => TypeSet::UI8,
                (8, _) => TypeSet::I8,
                (16, Signedness::Signless) => TypeSet::I16,
                (32, Signedness::Signless) => TypeSet::I32,
                (64, Signedness::Signless) => TypeSet::I64,
                _ => TypeSet::OTHER,
            },
            ElementType::Quant(q) => match (q.storage.width, q.storage.is_unsigned()) {
                (8, false) => TypeSet::QI8,
                (8, true) => TypeSet::QUI8,
                (16, _) => TypeSet::QI16,
                (32, _) => TypeSet::QI32,
                (4, _) => TypeSet::QI4,
                _ => TypeSet::OTHER,
            },
            _ => TypeSet::OTHER,
        }
    }

    pub fn contains(self, ty: &Type) -> bool {
        Self::of(ty).0 & self.0 != 0
    }

    /// Names of the classes in the set, for diagnostics.
    pub fn describe(self) -> String {
        const NAMES: [&str; 18] = [
            "f32", "f16", "bf16", "f64", "i1", "i4", "i8", "i16", "i32", "i64", "ui8", "qi8",
            "qu8", "qi16", "qi32", "qi4", "other", "none",
        ];
        if self == TypeSet::ANY {
            return "any type".into();
        }
        let names: Vec<&str> = (0..18)
            .filter(|b| self.0 & (1 << b) != 0)
            .map(|b| NAMES[b])
            .collect();
        names.join(", ")
    }
}

/// An operand or result slot.
#[derive(Copy, Clone, Debug)]
pub struct SlotDef {
    pub name: &'static str,
    pub arity: Arity,
    pub types: TypeSet,
}

impl SlotDef {
    pub const fn types(self, types: TypeSet) -> SlotDef {
        SlotDef { types, ..self }
    }
}

/// A slot that takes exactly one value of any type.
pub const fn one(name: &'static str) -> SlotDef {
    SlotDef {
        name,
        arity: Arity::Single,
        types: TypeSet::ANY,
    }
}

/// A slot that may be `none`.
pub const fn optional(name: &'static str) -> SlotDef {
    SlotDef {
        name,
        arity: Arity::Optional,
        types: TypeSet::ANY,
    }
}

/// A slot that takes any number of values.
pub const fn variadic(name: &'static str) -> SlotDef {
    SlotDef {
        name,
        arity: Arity::Variadic,
        types: TypeSet::ANY,
    }
}

/// What kind of attribute an op takes under a name.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum AttrKind {
    I32,
    I64,
    F32,
    Bool,
    Str,
    /// A string from a fixed list (`fused_activation_function = "RELU6"`).
    Enum(&'static [&'static str]),
    /// A type attribute (`qtype = tensor<...>`).
    Type,
    /// Dense elements or a dense resource.
    Elements,
    /// An array of i32 integers (`[1, 2]`).
    I32Array,
    /// An array of i64 integers.
    I64Array,
    Array,
    Dict,
    SymbolRef,
    /// An attribute of the op's dialect (`#tfl<const_bytes : ...>`).
    Dialect,
    Any,
}

#[derive(Copy, Clone, Debug)]
pub struct AttrDef {
    pub name: &'static str,
    pub kind: AttrKind,
    pub required: bool,
}

/// A required attribute.
pub const fn attr(name: &'static str, kind: AttrKind) -> AttrDef {
    AttrDef {
        name,
        kind,
        required: true,
    }
}

/// An attribute that may be left out.
pub const fn opt_attr(name: &'static str, kind: AttrKind) -> AttrDef {
    AttrDef {
        name,
        kind,
        required: false,
    }
}

/// The fixed output range of an op like softmax, per storage type.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct FixedRange {
    /// (scale, zero point) for int8 outputs.
    pub int8: (f64, i64),
    /// (scale, zero point) for uint8 outputs.
    pub uint8: (f64, i64),
    /// (scale, zero point) for int16 outputs.
    pub int16: (f64, i64),
}

/// How an op takes part in quantization (TFLite's quantization spec).
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum QuantBehavior {
    /// No quantized kernel: the op stays float, behind dequantize/quantize.
    NotQuantizable,
    /// Quantizable; every operand and result has its own scale.
    Independent,
    /// Quantizable; operands and results share one scale (reshape, concatenation, pooling...).
    SameScale,
    /// Quantizable; the result's scale and zero point are fixed (softmax, logistic, tanh...).
    FixedOutput(FixedRange),
    /// Quantizable only from an integer or bool operand (`tfl.cast` to float): the result holds
    /// integers, which the kernel writes into the quantized storage unscaled (LiteRT's CAST
    /// ignores quantization parameters and wraps values out of the storage's range), so the
    /// result takes scale 1 and zero point 0. The quantizer keeps the op float when calibration
    /// saw values that the storage cannot hold.
    IntegerValued,
    /// Quantizable with a weight operand quantized symmetrically (narrow range), per channel
    /// along `axis` (`None`: per tensor only), and an optional int32 bias whose scale is input
    /// scale x weight scale.
    Affine {
        weight: u8,
        axis: Option<u8>,
        bias: Option<u8>,
    },
}

/// Which quantized kernels LiteRT's builtin op resolver has for the op: measured, not
/// remembered. `tests/interop/test_probe_kernels.py` builds a single-op model per op and storage
/// type, loads it in LiteRT with the builtin kernels only, and fails when the runtime and this
/// table disagree. A hybrid (dynamic-range) kernel is `OpDef::hybrid_operands`.
///
/// - `INT8`: runs with int8-quantized activations (and int8 weights, int32 biases);
/// - `INT16`: runs with int16-quantized activations (16x8: int8 weights, int64 biases, for the
///   ops with weights).
/// - `ZERO_POINT_0`: the int8 kernel works on storage values (it ignores zero points), so it
///   computes the op only when operands and result share one scale with zero point 0: the
///   quantizer must give such an op a symmetric range (TFLite's NEG).
///
/// "Has a kernel" means LiteRT runs the op *and* its dequantized output matches the float op
/// on the dequantized inputs (the probe checks both).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Kernels(pub u8);

impl Kernels {
    pub const NONE: Kernels = Kernels(0);
    pub const INT8: Kernels = Kernels(1);
    pub const INT16: Kernels = Kernels(2);
    pub const INT8_INT16: Kernels = Kernels(3);
    pub const ZERO_POINT_0: Kernels = Kernels(4);

    pub const fn with(self, other: Kernels) -> Kernels {
        Kernels(self.0 | other.0)
    }

    pub fn int8(self) -> bool {
        self.0 & Self::INT8.0 != 0
    }

    pub fn int16(self) -> bool {
        self.0 & Self::INT16.0 != 0
    }

    /// The int8 kernel needs zero point 0 and one scale in and out.
    pub fn zero_point_0(self) -> bool {
        self.0 & Self::ZERO_POINT_0.0 != 0
    }
}

/// Facts about the op's TFLite builtin operator.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct TfliteOp {
    /// The `BuiltinOperator` enum value.
    pub code: i32,
    /// The name in TFLite's schema (`CONV_2D`).
    pub name: &'static str,
}

/// Trait bits of an op.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Traits(pub u32);

impl Traits {
    pub const NONE: Traits = Traits(0);
    /// No side effects: an unused result means the op can go.
    pub const PURE: Traits = Traits(1 << 0);
    pub const TERMINATOR: Traits = Traits(1 << 1);
    /// Values defined outside may not be used inside its regions.
    pub const ISOLATED_FROM_ABOVE: Traits = Traits(1 << 2);
    pub const SYMBOL: Traits = Traits(1 << 3);
    pub const CONSTANT_LIKE: Traits = Traits(1 << 4);
    pub const SAME_OPERANDS_AND_RESULT_SHAPE: Traits = Traits(1 << 5);
    pub const SAME_OPERANDS_AND_RESULT_ELEMENT_TYPE: Traits = Traits(1 << 6);
    pub const COMMUTATIVE: Traits = Traits(1 << 7);
    /// Its regions' blocks need no terminator.
    pub const NO_TERMINATOR: Traits = Traits(1 << 8);
    /// Result shape is the broadcast of the operand shapes.
    pub const BROADCASTING: Traits = Traits(1 << 9);
    pub const SINGLE_BLOCK: Traits = Traits(1 << 10);

    pub const fn with(self, other: Traits) -> Traits {
        Traits(self.0 | other.0)
    }

    pub fn has(self, other: Traits) -> bool {
        self.0 & other.0 == other.0
    }
}

/// An op-specific check, run by the verifier after the table-driven ones. Each message it
/// returns becomes an error at the op.
pub type VerifyFn = fn(&Context, OpId) -> Vec<String>;

/// The TFLite operator version an op needs, from its operand and result types and attributes
/// (TFLite's versioning rules, `op_version.cc`).
pub type VersionFn = fn(&Context, OpId) -> i32;

/// How TensorFlow's printer may write the op besides the generic form (the parser accepts it;
/// tqopt always prints the generic form).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CustomSyntax {
    None,
    /// `tfl.add %a, %b {attrs} : tensor<...>`: operands and result share one type.
    SameOperandsAndResultType,
}

/// The definition of one op.
#[derive(Copy, Clone, Debug)]
pub struct OpDef {
    pub name: &'static str,
    pub summary: &'static str,
    pub operands: &'static [SlotDef],
    pub results: &'static [SlotDef],
    pub attrs: &'static [AttrDef],
    pub regions: u8,
    pub traits: Traits,
    pub quant: QuantBehavior,
    /// Operand indices whose constant values a hybrid (dynamic-range) kernel takes as int8;
    /// empty when there is no hybrid kernel.
    pub hybrid_operands: &'static [u8],
    /// The per-channel axis of a hybrid kernel's weight when the op is not [`QuantBehavior::Affine`]
    /// (whose `axis` says it): EMBEDDING_LOOKUP's table, one scale per row.
    pub hybrid_axis: Option<u8>,
    /// Operand indices whose constant values dynamic-range quantization stores as int8 behind
    /// a `tfl.dequantize` (no hybrid kernel reads them directly).
    pub weight_only_operands: &'static [u8],
    /// The quantized kernels LiteRT has for the op (measured by the interop probe).
    pub kernels: Kernels,
    pub tflite: Option<TfliteOp>,
    /// How the TFLite operator version is computed; `None` means version 1.
    pub version: Option<VersionFn>,
    pub verify: Option<VerifyFn>,
    pub custom_syntax: CustomSyntax,
    /// Whether the op's declared attributes are properties (printed `<{...}>`, the tfl and
    /// func dialects) or plain attributes (printed `{...}`, the quantfork dialect).
    pub properties: bool,
}

const SINGLE_OUTPUT: &[SlotDef] = &[one("output")];

/// Starts an op definition: one result named `output`, no operands, pure, not quantizable.
pub const fn op(name: &'static str, summary: &'static str) -> OpDef {
    OpDef {
        name,
        summary,
        operands: &[],
        results: SINGLE_OUTPUT,
        attrs: &[],
        regions: 0,
        traits: Traits::PURE,
        quant: QuantBehavior::NotQuantizable,
        hybrid_operands: &[],
        hybrid_axis: None,
        weight_only_operands: &[],
        kernels: Kernels::NONE,
        tflite: None,
        version: None,
        verify: None,
        custom_syntax: CustomSyntax::None,
        properties: true,
    }
}

impl OpDef {
    pub const fn operands(self, operands: &'static [SlotDef]) -> OpDef {
        OpDef { operands, ..self }
    }
    pub const fn results(self, results: &'static [SlotDef]) -> OpDef {
        OpDef { results, ..self }
    }
    pub const fn attrs(self, attrs: &'static [AttrDef]) -> OpDef {
        OpDef { attrs, ..self }
    }
    pub const fn regions(self, regions: u8) -> OpDef {
        OpDef { regions, ..self }
    }
    pub const fn traits(self, traits: Traits) -> OpDef {
        OpDef { traits, ..self }
    }
    pub const fn quant(self, quant: QuantBehavior) -> OpDef {
        OpDef { quant, ..self }
    }
    pub const fn hybrid(self, hybrid_operands: &'static [u8]) -> OpDef {
        OpDef {
            hybrid_operands,
            ..self
        }
    }
    /// See [`OpDef::hybrid_axis`].
    pub const fn hybrid_axis(self, axis: u8) -> OpDef {
        OpDef {
            hybrid_axis: Some(axis),
            ..self
        }
    }
    pub const fn weight_only(self, weight_only_operands: &'static [u8]) -> OpDef {
        OpDef {
            weight_only_operands,
            ..self
        }
    }
    /// The quantized kernels LiteRT has for the op.
    pub const fn kernels(self, kernels: Kernels) -> OpDef {
        OpDef { kernels, ..self }
    }
    pub const fn tflite(self, code: i32, name: &'static str) -> OpDef {
        OpDef {
            tflite: Some(TfliteOp { code, name }),
            ..self
        }
    }
    pub const fn verify(self, verify: VerifyFn) -> OpDef {
        OpDef {
            verify: Some(verify),
            ..self
        }
    }
    /// Sets how the op's TFLite version is computed (see `tfl_versions`).
    pub const fn version(self, version: VersionFn) -> OpDef {
        OpDef {
            version: Some(version),
            ..self
        }
    }
    /// Declared attributes are printed as plain `{...}` attributes, not properties.
    pub const fn attributes_not_properties(self) -> OpDef {
        OpDef {
            properties: false,
            ..self
        }
    }
    pub const fn custom_syntax(self, custom_syntax: CustomSyntax) -> OpDef {
        OpDef {
            custom_syntax,
            ..self
        }
    }

    /// The TFLite operator version `op` (an instance of this op) needs.
    pub fn tflite_version(&self, ctx: &Context, op: OpId) -> i32 {
        self.version.map(|f| f(ctx, op)).unwrap_or(1)
    }

    pub fn attr_def(&self, name: &str) -> Option<&AttrDef> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The position of a named operand slot, when every slot before it takes one value.
    pub fn operand_index(&self, name: &str) -> Option<usize> {
        self.operands.iter().position(|s| s.name == name)
    }

    pub fn has_trait(&self, t: Traits) -> bool {
        self.traits.has(t)
    }

    /// True when the op has no int8 kernel in TFLite.
    pub fn is_quantizable(&self) -> bool {
        self.quant != QuantBehavior::NotQuantizable
    }
}

/// Every op table, dialect by dialect.
pub fn all_ops() -> impl Iterator<Item = &'static OpDef> {
    builtin::OPS
        .iter()
        .chain(func::OPS)
        .chain(quantfork::OPS)
        .chain(tfl::OPS)
        .copied()
}

/// The dialects whose ops must all be in the tables: an unknown op of these is an error, while
/// ops of other dialects pass through as opaque operations.
pub const CLOSED_DIALECTS: &[&str] = &["tfl", "func", "builtin", "quantfork"];

/// Finds an op by its full name.
pub fn lookup(name: &str) -> Option<&'static OpDef> {
    static INDEX: OnceLock<HashMap<&'static str, &'static OpDef>> = OnceLock::new();
    INDEX
        .get_or_init(|| all_ops().map(|d| (d.name, d)).collect())
        .get(name)
        .copied()
}

/// Finds the op for a TFLite builtin code.
pub fn lookup_tflite(code: i32) -> Option<&'static OpDef> {
    static INDEX: OnceLock<HashMap<i32, &'static OpDef>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            all_ops()
                .filter_map(|d| Some((d.tflite?.code, d)))
                .collect()
        })
        .get(&code)
        .copied()
}

/// Splits an op's operand list into the table's slots: for each slot, the range of operand
/// positions it covers. `None` when the count cannot fit the slots.
pub fn slot_ranges(slots: &[SlotDef], count: usize) -> Option<Vec<std::ops::Range<usize>>> {
    let fixed = slots.iter().filter(|s| s.arity != Arity::Variadic).count();
    let has_variadic = slots.iter().any(|s| s.arity == Arity::Variadic);
    if count < fixed || (!has_variadic && count != fixed) {
        return None;
    }
    let variadic_len = count - fixed;
    let mut at = 0;
    Some(
        slots
            .iter()
            .map(|s| {
                let n = if s.arity == Arity::Variadic {
                    variadic_len
                } else {
                    1
                };
                let r = at..at + n;
                at += n;
                r
            })
            .collect(),
    )
}

/// Describes how many values a slot list wants ("3", "at least 1").
pub fn describe_count(slots: &[SlotDef]) -> String {
    let fixed = slots.iter().filter(|s| s.arity != Arity::Variadic).count();
    if slots.iter().any(|s| s.arity == Arity::Variadic) {
        format!("at least {fixed}")
    } else {
        fixed.to_string()
    }
}

/// Typed access to an op's named operands through its table entry.
pub fn named_operand(ctx: &Context, op: OpId, name: &str) -> Option<crate::entity::ValueId> {
    let data: &OpData = ctx.op(op);
    let def = data.def()?;
    let ranges = slot_ranges(def.operands, data.operands().len())?;
    let slot = def.operands.iter().position(|s| s.name == name)?;
    let range = ranges[slot].clone();
    if range.len() == 1 {
        Some(data.operands()[range.start])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let mut seen = std::collections::HashSet::new();
        for def in all_ops() {
            assert!(seen.insert(def.name), "{} declared twice", def.name);
            assert!(std::ptr::eq(lookup(def.name).unwrap(), def));
        }
    }

    #[test]
    fn tflite_codes_are_unique() {
        let mut seen = std::collections::HashMap::new();
        for def in all_ops() {
            if let Some(t) = def.tflite {
                if let Some(prev) = seen.insert(t.code, def.name) {
                    panic!("{} and {} share builtin code {}", prev, def.name, t.code);
                }
            }
        }
    }

    #[test]
    fn slot_ranges_split_variadic() {
        let slots = [one("a"), variadic("b"), one("c")];
        assert_eq!(slot_ranges(&slots, 4).unwrap(), vec![0..1, 1..3, 3..4]);
        assert!(slot_ranges(&slots, 1).is_none());
        assert!(slot_ranges(&[one("a")], 2).is_none());
    }
}
