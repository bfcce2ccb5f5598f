//! Printing floats so that they parse back to the same bits, in MLIR's style.
//!
//! MLIR prints a float with six digits after the point in exponent form (`9.516600e-01`) when
//! that text parses back to the same value in the float's own type, then falls back to the
//! shortest decimal that does, and prints NaN and infinities as the hexadecimal bit pattern
//! (`0x7FC00000`). Every text this module produces is accepted by MLIR's float-literal lexer
//! (it always contains a `.`).

use crate::types::FloatKind;

/// Formats `value` (already rounded to `kind`) the way MLIR's printer does, so that
/// [`parse_decimal`] gives back its bits: six significant digits in exponent form when that is
/// exact, else the type's natural precision, else hex.
pub fn format_float(value: f64, kind: FloatKind) -> String {
    if !value.is_finite() {
        return format_float_hex(value, kind);
    }
    let six = to_decimal_string(value, kind, 6, 0, false);
    if bits_of(parse_decimal(&six, kind), kind) == bits_of(value, kind) {
        return six;
    }
    let natural = to_decimal_string(value, kind, 0, 3, true);
    if natural.contains('.') && bits_of(parse_decimal(&natural, kind), kind) == bits_of(value, kind)
    {
        return natural;
    }
    format_float_hex(value, kind)
}

/// Significand bits of each format, counting the implicit bit.
fn precision_bits(kind: FloatKind) -> u32 {
    match kind {
        FloatKind::F16 => 11,
        FloatKind::BF16 => 8,
        FloatKind::F32 => 24,
        FloatKind::F64 => 53,
    }
}

/// LLVM's `APFloat::toString` for a finite value: the exact decimal expansion cut to
/// `precision` significant digits (0: the format's natural precision), in scientific form when
/// `max_padding` is 0 or the number would need more than `max_padding` padding zeros.
fn to_decimal_string(
    value: f64,
    kind: FloatKind,
    precision: u32,
    max_padding: u32,
    truncate_zero: bool,
) -> String {
    let mut out = String::new();
    if value.is_sign_negative() {
        out.push('-');
    }
    let precision = if precision == 0 {
        2 + precision_bits(kind) * 59 / 196
    } else {
        precision
    };
    if value == 0.0 {
        if max_padding == 0 {
            if truncate_zero {
                out.push_str("0.0E+0");
            } else {
                out.push_str("0.0");
                for _ in 1..precision {
                    out.push('0');
                }
                out.push_str("e+00");
            }
        } else {
            out.push('0');
        }
        return out;
    }
    // |value| = significand * 2^exp2 with an odd significand.
    let bits = value.abs().to_bits();
    let (mut significand, mut exp2) = if bits >> 52 == 0 {
        (bits & ((1 << 52) - 1), -1074i64)
    } else {
        (
            (bits & ((1 << 52) - 1)) | (1 << 52),
            (bits >> 52) as i64 - 1075,
        )
    };
    let tz = significand.trailing_zeros();
    significand >>= tz;
    exp2 += tz as i64;

    // Change to significand * 10^exp10, in 128 bits when the exact product fits (most
    // values), else in a big integer: the same arithmetic, so the same digits.
    let bits_required = (precision as u64 * 196).div_ceil(59);
    let (mut digits, mut exp10) = match exact_u128(significand, exp2) {
        Some((n, exp10)) => decimal_digits(n, exp10, bits_required),
        None => {
            let mut big = BigUint::from_u64(significand);
            let mut exp10: i64 = 0;
            if exp2 > 0 {
                big.shl(exp2 as u32);
            } else {
                for _ in 0..(-exp2) {
                    big.mul_small(5);
                }
                exp10 = exp2;
            }
            decimal_digits(big, exp10, bits_required)
        }
    };
    round_digits(&mut digits, &mut exp10, precision as usize);
    let n = digits.len();
    let scientific = if max_padding == 0 {
        true
    } else if exp10 >= 0 {
        exp10 as u64 > max_padding as u64 || n as i64 + exp10 > precision as i64
    } else {
        let msd = exp10 + n as i64 - 1;
        msd < 0 && (-msd) as u64 > max_padding as u64
    };
    if scientific {
        let exp = exp10 + n as i64 - 1;
        out.push(digits[n - 1] as char);
        out.push('.');
        if n == 1 && truncate_zero {
            out.push('0');
        } else {
            for i in 1..n {
                out.push(digits[n - 1 - i] as char);
            }
        }
        if !truncate_zero && precision as usize > n - 1 {
            for _ in 0..(precision as usize - n + 1) {
                out.push('0');
            }
        }
        out.push(if truncate_zero { 'E' } else { 'e' });
        out.push(if exp >= 0 { '+' } else { '-' });
        let e = exp.unsigned_abs().to_string();
        if !truncate_zero && e.len() < 2 {
            out.push('0');
        }
        out.push_str(&e);
        return out;
    }
    if exp10 >= 0 {
        for i in 0..n {
            out.push(digits[n - 1 - i] as char);
        }
        for _ in 0..exp10 {
            out.push('0');
        }
        return out;
    }
    let whole = exp10 + n as i64;
    let mut i = 0usize;
    if whole > 0 {
        while i < whole as usize {
            out.push(digits[n - 1 - i] as char);
            i += 1;
        }
        out.push('.');
    } else {
        out.push_str("0.");
        for _ in 0..(-whole) {
            out.push('0');
        }
    }
    while i < n {
        out.push(digits[n - 1 - i] as char);
        i += 1;
    }
    out
}

/// Rounds `digits` (least significant first) to `precision` digits, half up, dropping
/// trailing zeros.
fn round_digits(digits: &mut Vec<u8>, exp10: &mut i64, precision: usize) {
    let n = digits.len();
    if n <= precision {
        return;
    }
    let mut first = n - precision;
    if digits[first - 1] < b'5' {
        while first < n && digits[first] == b'0' {
            first += 1;
        }
        *exp10 += first as i64;
        digits.drain(..first);
        return;
    }
    let mut i = first;
    while i != n {
        if digits[i] == b'9' {
            first += 1;
            i += 1;
        } else {
            digits[i] += 1;
            break;
        }
    }
    if first == n {
        *exp10 += first as i64;
        digits.clear();
        digits.push(b'1');
        return;
    }
    *exp10 += first as i64;
    digits.drain(..first);
}

/// Just enough unsigned big-integer arithmetic for exact decimal expansion.
/// `significand * 2^exp2` as `n * 10^exp10` with `n` in 128 bits, if it fits.
fn exact_u128(significand: u64, exp2: i64) -> Option<(u128, i64)> {
    let n = significand as u128;
    if exp2 >= 0 {
        let shift = u32::try_from(exp2).ok()?;
        (shift < n.leading_zeros()).then(|| (n << shift, 0))
    } else {
        // 5^55 < 2^128: larger powers never fit.
        let k = u32::try_from(-exp2).ok().filter(|&k| k <= 55)?;
        n.checked_mul(5u128.pow(k)).map(|v| (v, exp2))
    }
}

/// The unsigned integers `decimal_digits` works on.
trait Decimal {
    fn active_bits(&self) -> u64;
    fn divmod_small(&mut self, d: u32) -> u32;
    fn is_zero(&self) -> bool;
}

impl Decimal for u128 {
    fn active_bits(&self) -> u64 {
        (128 - self.leading_zeros()) as u64
    }

    fn divmod_small(&mut self, d: u32) -> u32 {
        let r = (*self % d as u128) as u32;
        *self /= d as u128;
        r
    }

    fn is_zero(&self) -> bool {
        *self == 0
    }
}

impl Decimal for BigUint {
    fn active_bits(&self) -> u64 {
        BigUint::active_bits(self)
    }

    fn divmod_small(&mut self, d: u32) -> u32 {
        BigUint::divmod_small(self, d)
    }

    fn is_zero(&self) -> bool {
        BigUint::is_zero(self)
    }
}

/// The decimal digits of `big * 10^exp10` (least significant first, trailing zeros moved into
/// the exponent), after dropping the digits beyond `bits_required` bits (truncating, as LLVM
/// does).
fn decimal_digits(mut big: impl Decimal, mut exp10: i64, bits_required: u64) -> (Vec<u8>, i64) {
    let active = big.active_bits();
    if active > bits_required {
        let tens = (active - bits_required) * 59 / 196;
        for _ in 0..tens {
            big.divmod_small(10);
        }
        exp10 += tens as i64;
    }
    let mut digits: Vec<u8> = Vec::new();
    let mut in_trail = true;
    while !big.is_zero() {
        let d = big.divmod_small(10) as u8;
        if in_trail && d == 0 {
            exp10 += 1;
        } else {
            digits.push(b'0' + d);
            in_trail = false;
        }
    }
    (digits, exp10)
}

struct BigUint {
    /// Little-endian 32-bit limbs.
    limbs: Vec<u32>,
}

impl BigUint {
    fn from_u64(v: u64) -> BigUint {
        BigUint {
            limbs: vec![v as u32, (v >> 32) as u32],
        }
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            let x = *limb as u64 * m as u64 + carry;
            *limb = x as u32;
            carry = x >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
    }

    fn shl(&mut self, n: u32) {
        for _ in 0..n / 32 {
            self.limbs.insert(0, 0);
        }
        let r = n % 32;
        if r != 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let x = ((*limb as u64) << r) | carry as u64;
                *limb = x as u32;
                carry = (x >> 32) as u32;
            }
            if carry != 0 {
                self.limbs.push(carry);
            }
        }
    }

    /// Divides in place, returning the remainder.
    fn divmod_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let x = (rem << 32) | *limb as u64;
            *limb = (x / d as u64) as u32;
            rem = x % d as u64;
        }
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
        rem as u32
    }

    fn is_zero(&self) -> bool {
        self.limbs.iter().all(|&l| l == 0)
    }

    fn active_bits(&self) -> u64 {
        match self.limbs.iter().rposition(|&l| l != 0) {
            Some(i) => i as u64 * 32 + (32 - self.limbs[i].leading_zeros()) as u64,
            None => 0,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The 128-bit path gives the digits the big-integer path gives, wherever it applies:
    /// over f32 bit patterns of every exponent, f64 ones, and each precision the printer uses.
    #[test]
    fn the_128_bit_digits_match_the_big_integer_digits() {
        let mut checked = 0;
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..20_000u64 {
            let bits = next();
            let (significand, exp2) = if i % 2 == 0 {
                let b = bits as u32;
                let e = ((b >> 23) & 0xff) as i64;
                let m = (b & 0x7f_ffff) as u64;
                if e == 0 {
                    (m, -149)
                } else {
                    (m | 1 << 23, e - 150)
                }
            } else {
                let e = ((bits >> 52) & 0x7ff) as i64;
                let m = bits & ((1 << 52) - 1);
                if e == 0 {
                    (m, -1074)
                } else {
                    (m | 1 << 52, e - 1075)
                }
            };
            if significand == 0 {
                continue;
            }
            let Some((n, exp10)) = exact_u128(significand, exp2) else {
                continue;
            };
            for precision in [6u64, 9, 17] {
                let bits_required = (precision * 196).div_ceil(59);
                let mut big = BigUint::from_u64(significand);
                if exp2 > 0 {
                    big.shl(exp2 as u32);
                } else {
                    for _ in 0..(-exp2) {
                        big.mul_small(5);
                    }
                }
                assert_eq!(
                    decimal_digits(n, exp10, bits_required),
                    decimal_digits(big, exp10, bits_required),
                    "{significand} * 2^{exp2}, precision {precision}"
                );
                checked += 1;
            }
        }
        assert!(
            checked > 10_000,
            "only {checked} values took the 128-bit path"
        );
    }

    /// Reads back what `format_float` prints: decimal or hex bits.
    fn read_back(text: &str, kind: FloatKind) -> u64 {
        match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).unwrap(),
            None => bits_of(parse_decimal(text, kind), kind),
        }
    }

    #[test]
    fn six_digit_form_when_exact() {
        assert_eq!(format_float(0.1, FloatKind::F64), "1.000000e-01");
        assert_eq!(format_float(1.0, FloatKind::F32), "1.000000e+00");
        assert_eq!(format_float(-0.0, FloatKind::F32), "-0.000000e+00");
        assert_eq!(format_float(1e10, FloatKind::F64), "1.000000e+10");
        assert_eq!(format_float(1e-100, FloatKind::F64), "1.000000e-100");
    }

    #[test]
    fn matches_mlir_printouts() {
        // Values and texts seen in mlir-opt 19 output.
        let f16 = |x: f64| half::f16::from_f64(x).to_f64();
        assert_eq!(
            format_float(f16(-1.6962890625), FloatKind::F16),
            "-1.696290e+00"
        );
        assert_eq!(format_float(f16(0.1), FloatKind::F16), "9.997550e-02");
        assert_eq!(format_float(f16(3.851562), FloatKind::F16), "3.851560e+00");
        assert_eq!(
            format_float(0.023529411764705882, FloatKind::F64),
            "0.023529411764705882"
        );
        assert_eq!(format_float(16777216.0, FloatKind::F32), "0x4B800000");
        assert_eq!(format_float(f64::NAN, FloatKind::F32), "0x7FC00000");
    }

    #[test]
    fn shortest_form_when_six_digits_lose_bits() {
        let v = 1.0f64 / 42.5;
        let text = format_float(v, FloatKind::F64);
        assert_eq!(read_back(&text, FloatKind::F64), v.to_bits());
        assert!(text.contains('.'));
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
            assert_eq!(read_back(&text, FloatKind::F32) as u32, x, "{text}");
        }
    }
}
