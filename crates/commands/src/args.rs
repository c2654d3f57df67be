//! Argument parsing helpers with Redis's error texts.

use crate::error::{CmdError, NOT_FLOAT, NOT_INTEGER, SYNTAX};

/// Case-insensitive comparison of an argument with an ASCII keyword.
pub fn eq(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

/// An integer argument (Redis `getLongLongFromObjectOrReply`).
pub fn int(arg: &[u8]) -> Result<i64, CmdError> {
    resp::parse_i64(arg).ok_or(NOT_INTEGER)
}

/// An integer argument with a custom error (Redis `getRangeLongFromObjectOrReply`).
pub fn int_or(arg: &[u8], err: CmdError) -> Result<i64, CmdError> {
    resp::parse_i64(arg).ok_or(err)
}

/// A count that must not be negative (Redis
/// `getPositiveLongFromObjectOrReply`): a non-number and a negative
/// number get the same error.
pub fn non_negative(arg: &[u8], err: CmdError) -> Result<usize, CmdError> {
    resp::parse_i64(arg)
        .filter(|n| *n >= 0)
        .map(|n| n as usize)
        .ok_or(err)
}

/// The count of HRANDFIELD / ZRANDMEMBER with its `WITHVALUES` /
/// `WITHSCORES` flag (the argument after it, if any): within
/// ±LONG_MAX, and with the flag within ±LONG_MAX/2 (the reply doubles
/// it), as t_hash.c / t_zset.c check them. `Ok(None)` without a count.
pub fn random_count(argv: &[&[u8]], flag: &str) -> Result<(Option<i64>, bool), CmdError> {
    let count = match argv.get(2) {
        None => None,
        Some(a) => {
            let c = int(a)?;
            if c == i64::MIN {
                return Err(CmdError::fixed("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
            }
            Some(c)
        }
    };
    let with = match argv.len() {
        4 if eq(argv[3], flag) => true,
        n if n >= 4 => return Err(SYNTAX),
        _ => false,
    };
    if with && count.is_some_and(|c| c.abs() > i64::MAX / 2) {
        return Err(CmdError::fixed("ERR value is out of range"));
    }
    Ok((count, with))
}

/// `getPositiveLongFromObjectOrReply`'s default error.
pub const NOT_POSITIVE: CmdError = CmdError::fixed("ERR value is out of range, must be positive");

/// A float argument (Redis `getLongDoubleFromObject` / `strtold` rules):
/// no spaces, no empty string, `inf`/`-inf` accepted, NaN refused.
pub fn float(arg: &[u8]) -> Result<f64, CmdError> {
    parse_float(arg).ok_or(NOT_FLOAT)
}

/// Parses a float as Redis's `getDoubleFromObject` does: `strtod` over
/// the whole text, not empty, no leading space, not NaN, and not out of
/// range (overflow, or underflow to zero). `None` if invalid.
pub fn parse_float(arg: &[u8]) -> Option<f64> {
    if arg.first().is_none_or(|c| c.is_ascii_whitespace()) {
        return None;
    }
    match strtod(arg)? {
        (v, true) if v == 0.0 || v.is_infinite() => None,
        (v, _) if v.is_nan() => None,
        (v, _) => Some(v),
    }
}

/// C's `strtod` applied to a whole text, as Redis checks it (`eptr` at
/// the end): leading spaces skipped, decimal or hexadecimal digits,
/// `inf`/`infinity`/`nan`, and nothing after the number. The empty text
/// is 0 (no conversion, and nothing left over). The flag is `ERANGE`:
/// the value overflowed to infinity or underflowed below the normal
/// range. `None` if the text is not a number.
pub fn strtod(arg: &[u8]) -> Option<(f64, bool)> {
    let start = arg.iter().take_while(|c| c.is_ascii_whitespace()).count();
    if arg.is_empty() {
        return Some((0.0, false));
    }
    let body = std::str::from_utf8(&arg[start..]).ok()?;
    let lower = body.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if lower.len() - unsigned.len() > 1 {
        return None;
    }
    let neg = lower.starts_with('-');
    let special = match unsigned {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(v) = special {
        return Some((if neg { -v } else { v }, false));
    }
    let v: f64 = if unsigned.starts_with("0x") {
        match crate::ld::parse(body.as_bytes())? {
            crate::ld::Ld::Finite(x) => x.to_f64(),
            crate::ld::Ld::Inf(n) => {
                return Some((if n { f64::NEG_INFINITY } else { f64::INFINITY }, true))
            }
        }
    } else {
        // Rust's grammar is strtod's decimal one, minus what is excluded
        // above (signs, specials are handled here).
        if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return None;
        }
        body.parse().ok()?
    };
    let mantissa_nonzero = unsigned.split(['e', 'p']).next().is_some_and(|m| {
        m.trim_start_matches("0x")
            .bytes()
            .any(|c| c.is_ascii_alphanumeric() && c != b'0')
    });
    let erange = v.is_infinite() || (mantissa_nonzero && v.abs() < f64::MIN_POSITIVE);
    Some((v, erange))
}

/// Lossy text of an argument, for error messages.
pub fn text(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

#[cfg(test)]
mod tests {
    //! Goal: numeric arguments are accepted and refused as Redis's
    //! string2ll / strtold checks do.
    use super::*;

    #[test]
    fn floats() {
        assert_eq!(parse_float(b"1.5"), Some(1.5));
        assert_eq!(parse_float(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float(b"1e3"), Some(1000.0));
        assert_eq!(parse_float(b" 1"), None);
        assert_eq!(parse_float(b""), None);
        assert_eq!(parse_float(b"nan"), None);
        assert_eq!(parse_float(b"abc"), None);
        assert_eq!(parse_float(b"0x10"), Some(16.0));
        assert_eq!(parse_float(b"-0x1.8p1"), Some(-3.0));
        assert_eq!(parse_float(b"1e-400"), None, "underflow to zero");
        assert_eq!(parse_float(b"1e400"), None, "overflow");
        assert_eq!(parse_float(b"4e-320"), Some(4e-320), "subnormal is fine");
    }

    #[test]
    fn strtod_whole_text() {
        assert_eq!(strtod(b""), Some((0.0, false)));
        assert_eq!(strtod(b" 2"), Some((2.0, false)));
        assert_eq!(strtod(b"  "), None);
        assert_eq!(strtod(b"2 "), None);
        assert_eq!(strtod(b"+-1"), None);
        assert_eq!(strtod(b"1e-400"), Some((0.0, true)));
        assert!(strtod(b"nan").is_some_and(|(v, _)| v.is_nan()));
    }

    #[test]
    fn ints() {
        assert_eq!(int(b"10"), Ok(10));
        assert!(int(b"1.0").is_err());
    }
}

/// Parses `numkeys key... <where> [COUNT n]` starting at `argv[at]`, as
/// LMPOP, ZMPOP and their blocking forms take it (t_list.c
/// `lmpopGenericCommand`, t_zset.c `zmpopGenericCommand`): the keys, the
/// parsed `<where>`, and the count (1 when absent).
pub fn mpop_args<'a, W>(
    argv: &[&'a [u8]],
    at: usize,
    parse_where: fn(&[u8]) -> Result<W, CmdError>,
) -> Result<(Vec<&'a [u8]>, W, usize), CmdError> {
    let numkeys = int(argv[at])
        .ok()
        .filter(|n| *n >= 1)
        .ok_or(CmdError::fixed("ERR numkeys should be greater than 0"))? as usize;
    let where_idx = numkeys
        .checked_add(at + 1)
        .filter(|w| *w < argv.len())
        .ok_or(SYNTAX)?;
    let side = parse_where(argv[where_idx])?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && eq(argv[j], "count") && j + 1 < argv.len() {
            let c = int(argv[j + 1])
                .ok()
                .filter(|c| *c >= 1)
                .ok_or(CmdError::fixed("ERR count should be greater than 0"))?;
            count = Some(c as usize);
            j += 2;
        } else {
            return Err(SYNTAX);
        }
    }
    Ok((argv[at + 1..where_idx].to_vec(), side, count.unwrap_or(1)))
}
