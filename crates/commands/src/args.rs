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

/// A float argument (Redis `getLongDoubleFromObject` / `strtold` rules):
/// no spaces, no empty string, `inf`/`-inf` accepted, NaN refused.
pub fn float(arg: &[u8]) -> Result<f64, CmdError> {
    parse_float(arg).ok_or(NOT_FLOAT)
}

/// Parses a float as Redis does; `None` if invalid.
pub fn parse_float(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    if s.is_empty() || s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return None;
    }
    let v: f64 = match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => s.parse().ok()?,
    };
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
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
