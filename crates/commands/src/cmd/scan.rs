//! What SCAN, HSCAN, SSCAN and ZSCAN share (db.c `scanGenericCommand`):
//! cursor and option parsing, and the walk over a dense index.
//!
//! Our cursors are positions counted down from the top of an
//! insertion-ordered table (see keyspace's `Db`), not Redis's reversed
//! bucket bits; clients treat cursors as opaque, and the guarantees are
//! the same. Compact encodings (listpack, intset) answer in one call with
//! cursor 0, as Redis does.

use crate::args::{eq, int};
use crate::error::{CmdError, SYNTAX};
use keyspace::glob_match;

/// SCAN's options.
pub struct ScanOptions<'a> {
    /// COUNT (default 10).
    pub count: usize,
    /// MATCH pattern.
    pub pattern: Option<&'a [u8]>,
    /// TYPE filter (SCAN only).
    pub type_name: Option<&'a [u8]>,
}

/// A cursor argument (db.c `parseScanCursorOrReply`), read as `strtoul`
/// reads it: an optional sign (a negative cursor wraps around, so `-1` is
/// the largest), digits, nothing after them; an empty string is 0.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let invalid = CmdError::fixed("ERR invalid cursor");
    if arg.is_empty() {
        return Ok(0);
    }
    let (negative, digits) = match arg[0] {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid);
    }
    let mut v: u64 = 0;
    for d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or(invalid.clone())?;
    }
    Ok(if negative { v.wrapping_neg() } else { v })
}

/// Parses `argv[start..]` as COUNT / MATCH (/ TYPE when `allow_type`).
pub fn parse_options<'a>(
    argv: &[&'a [u8]],
    start: usize,
    allow_type: bool,
) -> Result<ScanOptions<'a>, CmdError> {
    let mut o = ScanOptions {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut i = start;
    while i < argv.len() {
        let more = i + 1 < argv.len();
        if eq(argv[i], "count") && more {
            let c = int(argv[i + 1])?;
            if c < 1 {
                return Err(SYNTAX);
            }
            o.count = c as usize;
        } else if eq(argv[i], "match") && more {
            o.pattern = Some(argv[i + 1]);
        } else if allow_type && eq(argv[i], "type") && more {
            o.type_name = Some(argv[i + 1]);
        } else {
            return Err(SYNTAX);
        }
        i += 2;
    }
    Ok(o)
}

/// True if `key` passes a MATCH pattern; a lone `*` matches everything,
/// the empty string included, as db.c special-cases it.
pub fn pattern_matches(pattern: Option<&[u8]>, key: &[u8]) -> bool {
    match pattern {
        None | Some(b"*") => true,
        Some(p) => glob_match(p, key, false),
    }
}

/// One step over a table of `len` entries: the positions to visit below
/// `cursor` (0 starts over) and the next cursor (0 when done).
pub fn step(len: usize, cursor: u64, count: usize) -> (Vec<usize>, u64) {
    let mut pos = if cursor == 0 || cursor > len as u64 {
        len
    } else {
        cursor as usize
    };
    let mut visit = Vec::with_capacity(count.min(pos));
    while pos > 0 && visit.len() < count.max(1) {
        pos -= 1;
        visit.push(pos);
    }
    (visit, pos as u64)
}

/// The SCAN reply: the next cursor, then the items.
pub fn reply(out: &mut resp::Out, next: u64, items: &[Vec<u8>]) {
    out.array(2);
    out.bulk_int(next as i64);
    out.array(items.len());
    for i in items {
        out.bulk(i);
    }
}
