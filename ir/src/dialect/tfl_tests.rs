//! Consistency tests of the tfl op table.

use super::*;
use crate::dialect::Arity;

#[test]
fn quantization_indices_name_real_operands() {
    for def in OPS {
        let n = def.operands.len();
        for &i in def.hybrid_operands {
            assert!(
                (i as usize) < n,
                "{}: hybrid operand {i} out of range",
                def.name
            );
        }
        if let QuantBehavior::Affine { weight, bias, .. } = def.quant {
            assert!(
                (weight as usize) < n,
                "{}: weight {weight} out of range",
                def.name
            );
            if let Some(b) = bias {
                assert_eq!(
                    def.operands[b as usize].arity,
                    Arity::Optional,
                    "{}: bias must be optional",
                    def.name
                );
            }
        }
    }
}

#[test]
fn slots_allow_some_type() {
    for def in OPS {
        for s in def.operands.iter().chain(def.results) {
            assert_ne!(
                s.types.0, 0,
                "{}: slot '{}' allows no type",
                def.name, s.name
            );
        }
    }
}

/// The quantization behaviour and the measured kernels tell one story: an op is a
/// quantization candidate exactly when LiteRT has an int8 kernel for it that works with
/// any zero point (a `ZERO_POINT_0` kernel waits for symmetric ranges in the quantizer),
/// and a kernel fact is only claimed for types the op's slots admit (else the verifier
/// would refuse the models the passes write).
#[test]
fn quantization_follows_the_measured_kernels() {
    // Ops whose int8 kernel needs a scheme of its own that tqopt does not implement yet
    // (the fused LSTM: int16 cell state, per-gate intermediate scales); they stay float.
    let own_scheme = [&UNIDIRECTIONAL_SEQUENCE_LSTM];
    for def in OPS.iter().filter(|d| d.tflite.is_some()) {
        let usable = def.kernels.int8()
            && !def.kernels.zero_point_0()
            && !own_scheme.iter().any(|d| std::ptr::eq(*d, *def));
        assert_eq!(
            def.is_quantizable(),
            usable,
            "{}: quantizable = {} but int8 kernel = {} (zero point 0 only: {})",
            def.name,
            def.is_quantizable(),
            def.kernels.int8(),
            def.kernels.zero_point_0()
        );
        // An operand or a result: a cast's integer operand writes a quantized result.
        let admits = |t: TypeSet| {
            def.operands
                .iter()
                .chain(def.results)
                .any(|s| s.types.0 & t.0 != 0)
        };
        if def.kernels.int8() {
            assert!(
                admits(QI8),
                "{}: int8 kernel but no slot takes qi8",
                def.name
            );
        }
        if def.kernels.int16() {
            assert!(
                admits(QI16),
                "{}: int16 kernel but no slot takes qi16",
                def.name
            );
        }
    }
    assert!(NEG.kernels.int8() && NEG.kernels.zero_point_0() && !NEG.is_quantizable());
}

#[test]
fn fixed_ranges_fit_their_storage() {
    for def in OPS {
        if let QuantBehavior::FixedOutput(r) = def.quant {
            assert!((-128..=127).contains(&r.int8.1), "{}", def.name);
            assert!((0..=255).contains(&r.uint8.1), "{}", def.name);
            // LiteRT's int16 kernels take only symmetric int16 tensors.
            assert_eq!(r.int16.1, 0, "{}", def.name);
        }
    }
}
