//! The x87 80-bit `long double` that INCRBYFLOAT and HINCRBYFLOAT compute
//! with on Redis's x86-64 builds, emulated exactly.
//!
//! Redis parses both operands with `strtold`, adds them in 64-bit-mantissa
//! precision and prints the sum with `"%.17Lf"` minus trailing zeros
//! (util.c `string2ld`, `ld2string` with `LD_STR_HUMAN`). That shows
//! long double artefacts that an `f64` cannot reproduce: `0 + 1000.1`
//! answers `1000.09999999999999998`. So this module keeps values as
//! `mantissa * 2^exp` with a 64-bit mantissa and does the decimal parsing,
//! the rounding (to nearest, ties to even) and the printing with exact big
//! integer arithmetic. It is not on any hot path.

use num_bigint::BigUint;

/// Largest binary exponent of the lowest mantissa bit of a finite value:
/// the top bit (weight 2^(exp+63)) must stay at or below 2^16383.
const MAX_EXP: i64 = 16383 - 63;

/// Exponent of the lowest mantissa bit of the smallest subnormal (2^-16445).
const MIN_EXP: i64 = -16445;

/// Longest text `string2ld` accepts (util.h `MAX_LONG_DOUBLE_CHARS` - 1).
const MAX_CHARS: usize = 5 * 1024 - 1;

/// A finite long double: `(-1)^neg * mant * 2^exp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongDouble {
    neg: bool,
    mant: u64,
    exp: i64,
}

/// What an operation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ld {
    /// A finite value.
    Finite(LongDouble),
    /// Positive or negative infinity (`true` = negative).
    Inf(bool),
}

impl LongDouble {
    /// An exact integer.
    pub fn from_i64(v: i64) -> LongDouble {
        LongDouble {
            neg: v < 0,
            mant: v.unsigned_abs(),
            exp: 0,
        }
    }

    /// The nearest `f64` (infinity or zero beyond its range).
    pub fn to_f64(&self) -> f64 {
        let mut v = self.mant as f64;
        let mut e = self.exp;
        // Scaled in steps so that no intermediate power of two overflows.
        while e > 1000 {
            v *= 2f64.powi(1000);
            e -= 1000;
        }
        while e < -1000 {
            v *= 2f64.powi(-1000);
            e += 1000;
        }
        v *= 2f64.powi(e as i32);
        if self.neg {
            -v
        } else {
            v
        }
    }

    /// `self + other`, rounded to nearest even; infinity on overflow.
    pub fn add(&self, other: &LongDouble) -> Ld {
        let e = self.exp.min(other.exp);
        let a = BigUint::from(self.mant) << (self.exp - e) as usize;
        let b = BigUint::from(other.mant) << (other.exp - e) as usize;
        let (neg, sum) = if self.neg == other.neg {
            (self.neg, a + b)
        } else if a >= b {
            (self.neg, a - b)
        } else {
            (other.neg, b - a)
        };
        if sum.bits() == 0 {
            // x + (-x) is +0 when rounding to nearest; -0 + -0 stays -0.
            return Ld::Finite(LongDouble {
                neg: self.neg && other.neg,
                mant: 0,
                exp: 0,
            });
        }
        round(neg, sum, BigUint::from(1u8), e)
    }

    /// `"%.17Lf"` without trailing zeros, and `-0` printed as `0`
    /// (util.c `ld2string` in `LD_STR_HUMAN` mode).
    pub fn to_human(&self) -> String {
        let ten17 = BigUint::from(10u8).pow(17);
        let scaled = BigUint::from(self.mant) * ten17;
        let q = if self.exp >= 0 {
            scaled << self.exp as usize
        } else {
            let shift = (-self.exp) as usize;
            let q = &scaled >> shift;
            let r = &scaled - (&q << shift);
            let twice = r << 1;
            let half_unit = BigUint::from(1u8) << shift;
            if twice > half_unit || (twice == half_unit && q.bit(0)) {
                q + 1u8
            } else {
                q
            }
        };
        let mut digits = q.to_string();
        if digits.len() < 18 {
            digits = "0".repeat(18 - digits.len()) + &digits;
        }
        let point = digits.len() - 17;
        let mut s = String::with_capacity(digits.len() + 2);
        if self.neg {
            s.push('-');
        }
        s.push_str(&digits[..point]);
        let frac = digits[point..].trim_end_matches('0');
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        if s == "-0" {
            s = "0".into();
        }
        s
    }
}

/// Rounds `num / den * 2^exp` to a 64-bit mantissa (ties to even),
/// handling overflow to infinity and gradual underflow.
fn round(neg: bool, num: BigUint, den: BigUint, exp: i64) -> Ld {
    // Choose `s` so that q = floor(num * 2^s / den) has 65 bits: 64 for
    // the mantissa and one rounding bit; the remainder is the sticky bit.
    let mut s = 65 - (num.bits() as i64 - den.bits() as i64);
    let quotient = |s: i64| -> (BigUint, bool) {
        let (n, d) = if s >= 0 {
            (&num << s as usize, den.clone())
        } else {
            (num.clone(), &den << (-s) as usize)
        };
        let q = &n / &d;
        let sticky = &q * &d != n;
        (q, sticky)
    };
    let (mut q, mut sticky) = quotient(s);
    if q.bits() > 65 {
        s -= 1;
        (q, sticky) = quotient(s);
    } else if q.bits() < 65 {
        s += 1;
        (q, sticky) = quotient(s);
    }
    // The value is q * 2^(exp - s); the mantissa's lowest bit weighs
    // 2^(exp - s + 1). Below the subnormal limit, round at that limit.
    let mut low = exp - s + 1;
    if low < MIN_EXP {
        let extra = (MIN_EXP - low) as u64;
        let dropped = &q & ((BigUint::from(1u8) << extra) - 1u8);
        sticky |= dropped.bits() > 0;
        q >>= extra;
        low = MIN_EXP;
    }
    let round_bit = q.bit(0);
    let mut mant = u64::try_from(q >> 1u8).expect("65-bit quotient");
    if round_bit && (sticky || mant & 1 == 1) {
        match mant.checked_add(1) {
            Some(m) => mant = m,
            None => {
                mant = 1 << 63;
                low += 1;
            }
        }
    }
    if low > MAX_EXP {
        return Ld::Inf(neg);
    }
    Ld::Finite(LongDouble {
        neg,
        mant,
        exp: low,
    })
}

/// `strtold` as `string2ld` uses it: the whole text must be a decimal
/// number (`inf`/`infinity` allowed), no leading space, not NaN, and not
/// out of range (overflow, or underflow to zero). `None` if refused.
pub fn parse(text: &[u8]) -> Option<Ld> {
    if text.is_empty() || text.len() > MAX_CHARS || text[0].is_ascii_whitespace() {
        return None;
    }
    let (neg, body) = match text[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    if lower == b"inf" || lower == b"infinity" {
        return Some(Ld::Inf(neg));
    }
    if let Some(hex) = lower.strip_prefix(b"0x") {
        return parse_hex(neg, hex);
    }
    let mut digits = Vec::with_capacity(body.len());
    let mut exp10: i64 = 0;
    let mut i = 0;
    let mut seen_digit = false;
    while i < body.len() && body[i].is_ascii_digit() {
        digits.push(body[i]);
        seen_digit = true;
        i += 1;
    }
    if i < body.len() && body[i] == b'.' {
        i += 1;
        while i < body.len() && body[i].is_ascii_digit() {
            digits.push(body[i]);
            exp10 -= 1;
            seen_digit = true;
            i += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    if i < body.len() && (body[i] == b'e' || body[i] == b'E') {
        exp10 += exponent(body, &mut i)?;
    }
    if i != body.len() {
        return None;
    }
    let m = BigUint::parse_bytes(&digits, 10).expect("ascii digits");
    if m.bits() == 0 {
        return Some(Ld::Finite(LongDouble {
            neg,
            mant: 0,
            exp: 0,
        }));
    }
    // Far outside the range: decide without building huge numbers.
    let magnitude = digits.len() as i64 + exp10;
    if magnitude > 4934 {
        return None;
    }
    if magnitude < -4952 {
        return None;
    }
    let r = if exp10 >= 0 {
        round(
            neg,
            m * BigUint::from(10u8).pow(exp10 as u32),
            BigUint::from(1u8),
            0,
        )
    } else {
        round(neg, m, BigUint::from(10u8).pow((-exp10) as u32), 0)
    };
    match r {
        Ld::Inf(_) => None,
        Ld::Finite(v) if v.mant == 0 => None,
        finite => Some(finite),
    }
}

/// The exponent after the `e` / `p` at `text[*i]`: an optional sign and
/// decimal digits (at least one), clamped far beyond any finite result.
/// Leaves `*i` after it.
fn exponent(text: &[u8], i: &mut usize) -> Option<i64> {
    *i += 1;
    let neg = match text.get(*i) {
        Some(b'-') => {
            *i += 1;
            true
        }
        Some(b'+') => {
            *i += 1;
            false
        }
        _ => false,
    };
    let start = *i;
    let mut e: i64 = 0;
    while *i < text.len() && text[*i].is_ascii_digit() {
        e = (e * 10 + (text[*i] - b'0') as i64).min(1_000_000);
        *i += 1;
    }
    (*i > start).then_some(if neg { -e } else { e })
}

/// The hexadecimal form `strtold` also reads (`0x1.8p3`): hex digits with
/// an optional point, then an optional binary exponent `p[+-]N`.
fn parse_hex(neg: bool, hex: &[u8]) -> Option<Ld> {
    let mut digits = Vec::with_capacity(hex.len());
    let mut exp2: i64 = 0;
    let mut i = 0;
    while i < hex.len() && hex[i].is_ascii_hexdigit() {
        digits.push(hex[i]);
        i += 1;
    }
    if i < hex.len() && hex[i] == b'.' {
        i += 1;
        while i < hex.len() && hex[i].is_ascii_hexdigit() {
            digits.push(hex[i]);
            exp2 -= 4;
            i += 1;
        }
    }
    if digits.is_empty() {
        return None;
    }
    if i < hex.len() && hex[i] == b'p' {
        exp2 += exponent(hex, &mut i)?;
    }
    if i != hex.len() {
        return None;
    }
    let m = BigUint::parse_bytes(&digits, 16).expect("hex digits");
    if m.bits() == 0 {
        return Some(Ld::Finite(LongDouble {
            neg,
            mant: 0,
            exp: 0,
        }));
    }
    let magnitude = m.bits() as i64 + exp2;
    if !(-16446..=16384).contains(&magnitude) {
        return None;
    }
    match round(neg, m, BigUint::from(1u8), exp2) {
        Ld::Finite(v) if v.mant != 0 => Some(Ld::Finite(v)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    //! Goal: INCRBYFLOAT prints exactly what Redis 7.0.15 on x86-64 prints
    //! (util.c string2ld / ld2string LD_STR_HUMAN over x87 long double).
    //! Expected texts were produced by redis-server 7.0.15.
    use super::*;

    fn incr(a: &str, b: &str) -> String {
        let (Some(Ld::Finite(x)), Some(Ld::Finite(y))) = (parse(a.as_bytes()), parse(b.as_bytes()))
        else {
            panic!("parse");
        };
        match x.add(&y) {
            Ld::Finite(v) => v.to_human(),
            Ld::Inf(_) => "inf".into(),
        }
    }

    #[test]
    fn hexadecimal_as_strtold() {
        assert_eq!(incr("0", "0x10"), "16");
        assert_eq!(incr("1", "0x1.8p1"), "4");
        assert_eq!(incr("0", "-0X.8"), "-0.5");
        assert!(parse(b"0x").is_none() && parse(b"0x1p").is_none() && parse(b"0xg").is_none());
    }

    #[test]
    fn matches_redis() {
        assert_eq!(incr("0", "1000.1"), "1000.09999999999999998");
        assert_eq!(
            incr("1000.09999999999999998", "0.1"),
            "1000.19999999999999996"
        );
        assert_eq!(incr("0.1", "0.2"), "0.3");
        assert_eq!(incr("0.3", "1e20"), "100000000000000000000");
        assert_eq!(incr("3", "1.0e-5"), "3.00001");
        assert_eq!(incr("10.5", "0.1"), "10.6");
        assert_eq!(
            incr("12345678901234567890123", "1"),
            "12345678901234567889920"
        );
        assert_eq!(incr("0", "5.0e3"), "5000");
        assert!(incr("0", "1.5e308").starts_with(
            "149999999999999999999901476489468468031016840965060944967133685421180106"
        ));
        assert_eq!(incr("-0", "-0"), "0");
        assert_eq!(incr("1.5", "-1.5"), "0");
        assert_eq!(incr("-2.5", "1"), "-1.5");
    }

    #[test]
    fn refusals() {
        for bad in [
            "", " 1", "1 ", "abc", "nan", "1e", ".", "1e99999", "1e-99999", "--1",
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad}");
        }
        assert_eq!(parse(b"-inf"), Some(Ld::Inf(true)));
        assert!(parse(b".5").is_some());
        assert!(parse(b"5.").is_some());
        assert!(parse(b"+5").is_some());
    }

    #[test]
    fn overflow_is_infinite() {
        let Some(Ld::Finite(big)) = parse(b"1e4932") else {
            panic!()
        };
        assert_eq!(big.add(&big), Ld::Inf(false));
    }
}
