//! Printing floats so that they parse back to the same bits, in MLIR's style.
//!
//! MLIR prints a float with six digits after the point in exponent form (`9.516600e-01`) when
//! that text parses back to the same value in the float's own type, then falls back to the
//! shortest decimal that does, and prints NaN and infinities as the hexadecimal bit pattern
//! (`0x7FC00000`). Every text this module produces is accepted by MLIR's float-literal lexer
//! (it always contains a `.`).

use crate::types::FloatKind;

/// Formats `value` (already rounded to `kind`) so that [`parse_float`] gives back its bits.
pub fn format_float(value: f64, kind: FloatKind) -> String {
    if !value.is_finite() {
        return format_float_hex(value, kind);
    }
    let six = exp6(value);
    if bits_of(parse_decimal(&six, kind), kind) == bits_of(value, kind) {
        return six;
    }
    let shortest = match kind {
        FloatKind::F64 => format!("{:e}", value),
        _ => format!("{:e}", value as f32),
    };
    let shortest = ensure_point(shortest);
    if bits_of(parse_decimal(&shortest, kind), kind) == bits_of(value, kind) {
        shortest
    } else {
        format_float_hex(value, kind)
    }
}

/// The hexadecimal bit pattern form: `0x7FC00000` for an f32 NaN.
pub fn format_float_hex(value: f64, kind: FloatKind) -> String {
    let digits = kind.bit_width() as usize / 4;
    format!("0x{:0width$X}", bits_of(value, kind), width = digits)
}

/// Parses a decimal float literal and rounds it to `kind`, returned as f64.
pub fn parse_decimal(text: &str, kind: FloatKind) -> f64 {
    match kind {
        FloatKind::F64 => text.parse::<f64>().unwrap_or(f64::NAN),
        FloatKind::F32 => text.parse::<f32>().map(f64::from).unwrap_or(f64::NAN),
        FloatKind::F16 => half::f16::from_f64(text.parse::<f64>().unwrap_or(f64::NAN)).to_f64(),
        FloatKind::BF16 => half::bf16::from_f64(text.parse::<f64>().unwrap_or(f64::NAN)).to_f64(),
    }
}

/// Rounds an f64 to the precision of `kind`.
pub fn round_to(value: f64, kind: FloatKind) -> f64 {
    match kind {
        FloatKind::F64 => value,
        FloatKind::F32 => value as f32 as f64,
        FloatKind::F16 => half::f16::from_f64(value).to_f64(),
        FloatKind::BF16 => half::bf16::from_f64(value).to_f64(),
    }
}

/// The storage bits of `value` in `kind`.
pub fn bits_of(value: f64, kind: FloatKind) -> u64 {
    match kind {
        FloatKind::F64 => value.to_bits(),
        FloatKind::F32 => (value as f32).to_bits() as u64,
        FloatKind::F16 => half::f16::from_f64(value).to_bits() as u64,
        FloatKind::BF16 => half::bf16::from_f64(value).to_bits() as u64,
    }
}

/// The value whose storage bits in `kind` are `bits`.
pub fn from_bits(bits: u64, kind: FloatKind) -> f64 {
    match kind {
        FloatKind::F64 => f64::from_bits(bits),
        FloatKind::F32 => f32::from_bits(bits as u32) as f64,
        FloatKind::F16 => half::f16::from_bits(bits as u16).to_f64(),
        FloatKind::BF16 => half::bf16::from_bits(bits as u16).to_f64(),
    }
}

/// `d.dddddde±XX`, the C `%e` form MLIR uses first.
fn exp6(value: f64) -> String {
    let raw = format!("{:.6e}", value);
    let (mantissa, exponent) = raw.split_once('e').unwrap_or((&raw, "0"));
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exponent),
    };
    if digits.len() < 2 {
        format!("{mantissa}e{sign}0{digits}")
    } else {
        format!("{mantissa}e{sign}{digits}")
    }
}

fn ensure_point(text: String) -> String {
    if text.contains('.') {
        return text;
    }
    match text.find('e') {
        Some(at) => format!("{}.0{}", &text[..at], &text[at..]),
        None => format!("{text}.0"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digit_form_when_exact() {
        assert_eq!(format_float(0.1, FloatKind::F64), "1.000000e-01");
        assert_eq!(format_float(1.0, FloatKind::F32), "1.000000e+00");
        assert_eq!(format_float(-0.0, FloatKind::F32), "-0.000000e+00");
        assert_eq!(format_float(1e10, FloatKind::F64), "1.000000e+10");
        assert_eq!(format_float(1e-100, FloatKind::F64), "1.000000e-100");
    }

    #[test]
    fn shortest_form_when_six_digits_lose_bits() {
        let v = 1.0f64 / 42.5;
        let text = format_float(v, FloatKind::F64);
        assert_eq!(text.parse::<f64>().unwrap().to_bits(), v.to_bits());
        assert!(text.contains('.'));
        let w = (16777216.0f32) as f64;
        let text = format_float(w, FloatKind::F32);
        assert_eq!(text.parse::<f32>().unwrap(), 16777216.0);
    }

    #[test]
    fn hex_for_non_finite() {
        assert_eq!(format_float(f64::INFINITY, FloatKind::F32), "0x7F800000");
        assert_eq!(format_float(f64::NEG_INFINITY, FloatKind::F16), "0xFC00");
    }

    #[test]
    fn every_f16_round_trips() {
        for bits in 0..=u16::MAX {
            let v = half::f16::from_bits(bits);
            if !v.is_finite() {
                continue;
            }
            let text = format_float(v.to_f64(), FloatKind::F16);
            let back = parse_decimal(&text, FloatKind::F16);
            assert_eq!(bits_of(back, FloatKind::F16) as u16, bits, "{text}");
        }
    }

    #[test]
    fn sampled_f32_round_trip() {
        let mut x: u32 = 0x1234_5678;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let v = f32::from_bits(x);
            if !v.is_finite() {
                continue;
            }
            let text = format_float(v as f64, FloatKind::F32);
            assert_eq!(text.parse::<f32>().unwrap().to_bits(), x, "{text}");
        }
    }
}
