//! String commands (t_string.c).

use crate::args::{eq, int};
use crate::engine::Ctx;
use crate::error::{
    wrong_arity, CmdError, CmdResult, NOT_FLOAT, NOT_INTEGER, OVERFLOW, SYNTAX, WRONGTYPE,
};
use crate::ld::{self, Ld, LongDouble};
use crate::table::Handler;
use conf::notify::{NOTIFY_GENERIC, NOTIFY_STRING};
use keyspace::Value;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("get", get),
    ("set", set),
    ("setnx", setnx),
    ("setex", setex),
    ("psetex", psetex),
    ("mget", mget),
    ("mset", mset),
    ("msetnx", msetnx),
    ("getset", getset),
    ("getdel", getdel),
    ("getex", getex),
    ("append", append),
    ("strlen", strlen),
    ("incr", incr),
    ("decr", decr),
    ("incrby", incrby),
    ("decrby", decrby),
    ("incrbyfloat", incrbyfloat),
    ("getrange", getrange),
    ("substr", getrange),
    ("setrange", setrange),
    ("lcs", lcs),
];

/// Reads a string value for a read command: `Ok(None)` if absent,
/// WRONGTYPE if the key holds another type.
pub fn read_string<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Value>, CmdError> {
    string_in(ctx.eng.lookup_read(ctx.client.db, key, ctx.now_ms))
}

/// WRONGTYPE unless a looked-up value is absent or a string.
fn string_in(found: Option<&mut Value>) -> Result<Option<&mut Value>, CmdError> {
    match found {
        Some(v) if !v.is_string() => Err(WRONGTYPE),
        other => Ok(other),
    }
}

/// Like [`read_string`] but for a write command (no hit/miss counting).
fn write_string<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Value>, CmdError> {
    string_in(ctx.eng.lookup_write(ctx.client.db, key, ctx.now_ms))
}

/// Replies with the string at `key` or null (t_string.c `getGenericCommand`).
fn reply_get(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    let out = &mut ctx.client.out;
    match string_in(ctx.eng.lookup_read(ctx.client.db, key, ctx.now_ms))? {
        Some(v) => v.with_bytes(|b| out.bulk(b)),
        None => out.null(),
    }
    Ok(())
}

fn get(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    reply_get(ctx, argv[1])
}

/// `ERR string exceeds maximum allowed size (proto-max-bulk-len)` unless
/// `len + add` fits (t_string.c `checkStringLength`).
fn check_length(ctx: &Ctx, len: usize, add: usize) -> CmdResult {
    match len.checked_add(add) {
        Some(total) if total as u64 <= ctx.eng.cached.proto_max_bulk_len.max(0) as u64 => Ok(()),
        _ => Err(CmdError::fixed(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        )),
    }
}

// ---------------------------------------------------------------------
// SET and its options
// ---------------------------------------------------------------------

/// How an expire argument of SET / GETEX was given.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExpireUnit {
    /// Relative seconds (EX).
    Seconds,
    /// Relative milliseconds (PX).
    Millis,
    /// Absolute unix seconds (EXAT).
    UnixSeconds,
    /// Absolute unix milliseconds (PXAT).
    UnixMillis,
}

/// Converts an expire argument to an absolute unix ms time with Redis's
/// checks (t_string.c `getExpireMillisecondsOrReply`).
pub fn expire_at_ms(arg: &[u8], unit: ExpireUnit, now_ms: i64, cmd: &str) -> Result<i64, CmdError> {
    let invalid = || CmdError::new(format!("ERR invalid expire time in '{cmd}' command"));
    let v = int(arg)?;
    if v <= 0 {
        return Err(invalid());
    }
    let ms = match unit {
        ExpireUnit::Seconds | ExpireUnit::UnixSeconds => v.checked_mul(1000).ok_or_else(invalid)?,
        ExpireUnit::Millis | ExpireUnit::UnixMillis => v,
    };
    match unit {
        ExpireUnit::Seconds | ExpireUnit::Millis => ms.checked_add(now_ms).ok_or_else(invalid),
        _ => Ok(ms),
    }
}

/// The options of SET and GETEX (t_string.c
/// `parseExtendedStringArgumentsOrReply`).
#[derive(Default)]
struct ExtOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(ExpireUnit, &'a [u8])>,
}

/// Parses SET (`is_set`) or GETEX options from `argv[start..]`. As in
/// Redis, repeating the same expire option is allowed (the last wins) but
/// mixing two different ones, or one with KEEPTTL/PERSIST, is a syntax error.
fn parse_ext<'a>(
    argv: &[&'a [u8]],
    start: usize,
    is_set: bool,
) -> Result<ExtOptions<'a>, CmdError> {
    let mut o = ExtOptions::default();
    let mut j = start;
    while j < argv.len() {
        let opt = argv[j];
        let next = argv.get(j + 1).copied();
        let unit = [
            ("ex", ExpireUnit::Seconds),
            ("px", ExpireUnit::Millis),
            ("exat", ExpireUnit::UnixSeconds),
            ("pxat", ExpireUnit::UnixMillis),
        ]
        .into_iter()
        .find(|(name, _)| eq(opt, name))
        .map(|(_, u)| u);
        let other_expire = |u: ExpireUnit| matches!(o.expire, Some((cur, _)) if cur != u);
        if is_set && eq(opt, "nx") && !o.xx {
            o.nx = true;
        } else if is_set && eq(opt, "xx") && !o.nx {
            o.xx = true;
        } else if is_set && eq(opt, "get") {
            o.get = true;
        } else if is_set && eq(opt, "keepttl") && !o.persist && o.expire.is_none() {
            o.keepttl = true;
        } else if !is_set && eq(opt, "persist") && o.expire.is_none() && !o.keepttl {
            o.persist = true;
        } else if let (Some(u), Some(v)) = (unit, next) {
            if o.keepttl || o.persist || other_expire(u) {
                return Err(SYNTAX);
            }
            o.expire = Some((u, v));
            j += 1;
        } else {
            return Err(SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// t_string.c `setGenericCommand`: the shared core of SET, SETNX, SETEX,
/// PSETEX and GETSET. `reply_ok` is false for SETNX (which answers 1/0).
fn set_generic(
    ctx: &mut Ctx,
    key: &[u8],
    val: &[u8],
    o: &ExtOptions,
    at_ms: Option<i64>,
    setnx: bool,
) -> CmdResult {
    if o.get {
        reply_get(ctx, key)?;
    }
    let db = ctx.client.db;
    // Only NX and XX need to know whether the key is there; otherwise a
    // lazy expiry check is all that lookupKeyWrite would do.
    if o.nx || o.xx {
        let found = ctx.eng.lookup_write(db, key, ctx.now_ms).is_some();
        if (o.nx && found) || (o.xx && !found) {
            if setnx {
                ctx.client.out.int(0);
            } else if !o.get {
                ctx.client.out.null();
            }
            return Ok(());
        }
    } else {
        ctx.eng.expire_if_needed(db, key, ctx.now_ms);
    }
    let d = &mut ctx.eng.ks.dbs[db];
    d.set(key, Value::from_bytes(val), o.keepttl);
    if let Some(at) = at_ms {
        d.set_expire(key, at);
    }
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_STRING, "set", key);
    if let Some(at) = at_ms {
        ctx.notify(NOTIFY_GENERIC, "expire", key);
        let at = at.to_string();
        ctx.propagate_as(&[b"SET", key, val, b"PXAT", at.as_bytes()]);
    }
    if setnx {
        ctx.client.out.int(1);
    } else if !o.get {
        ctx.client.out.ok();
    }
    Ok(())
}

fn set(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let o = parse_ext(argv, 3, true)?;
    let at = match o.expire {
        Some((unit, v)) => Some(expire_at_ms(v, unit, ctx.now_ms, "set")?),
        None => None,
    };
    set_generic(ctx, argv[1], argv[2], &o, at, false)?;
    if o.get && at.is_none() {
        // Propagated without GET (t_string.c `setCommand`).
        let kept: Vec<&[u8]> = argv
            .iter()
            .enumerate()
            .filter(|(j, a)| *j < 3 || !eq(a, "get"))
            .map(|(_, a)| *a)
            .collect();
        ctx.propagate_as(&kept);
    }
    Ok(())
}

fn setnx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let o = ExtOptions {
        nx: true,
        ..Default::default()
    };
    set_generic(ctx, argv[1], argv[2], &o, None, true)
}

fn setex_generic(ctx: &mut Ctx, argv: &[&[u8]], unit: ExpireUnit, name: &str) -> CmdResult {
    let at = expire_at_ms(argv[2], unit, ctx.now_ms, name)?;
    set_generic(
        ctx,
        argv[1],
        argv[3],
        &ExtOptions::default(),
        Some(at),
        false,
    )
}

fn setex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    setex_generic(ctx, argv, ExpireUnit::Seconds, "setex")
}

fn psetex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    setex_generic(ctx, argv, ExpireUnit::Millis, "psetex")
}

fn getset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let o = ExtOptions {
        get: true,
        ..Default::default()
    };
    set_generic(ctx, argv[1], argv[2], &o, None, false)?;
    ctx.propagate_as(&[b"SET", argv[1], argv[2]]);
    Ok(())
}

fn getdel(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let out = &mut ctx.client.out;
    let found = match string_in(ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms))? {
        Some(v) => {
            v.with_bytes(|b| out.bulk(b));
            true
        }
        None => {
            out.null();
            false
        }
    };
    if found {
        let db = ctx.client.db;
        ctx.eng.ks.dbs[db].remove(argv[1]);
        ctx.eng.dirty += 1;
        ctx.notify_del(argv[1]);
        ctx.propagate_as_del(argv[1], "lazyfree-lazy-user-del");
    }
    Ok(())
}

fn getex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let o = parse_ext(argv, 2, false)?;
    let key = argv[1];
    let now_ms = ctx.now_ms;
    let out = &mut ctx.client.out;
    let Some(v) = string_in(ctx.eng.lookup_read(ctx.client.db, key, now_ms))? else {
        out.null();
        return Ok(());
    };
    // The expire time is checked only once the key is known to exist.
    let at = match o.expire {
        Some((unit, arg)) => Some(expire_at_ms(arg, unit, now_ms, "getex")?),
        None => None,
    };
    v.with_bytes(|b| out.bulk(b));
    let d = &mut ctx.eng.ks.dbs[ctx.client.db];
    if let Some(at) = at {
        // An absolute time already past deletes the key (t_string.c
        // getexCommand, checkAlreadyExpired).
        if at <= now_ms && !ctx.eng.role.is_replica() {
            d.remove(key);
            ctx.notify_del(key);
            ctx.propagate_as_del(key, "lazyfree-lazy-expire");
        } else {
            d.set_expire(key, at);
            ctx.notify(NOTIFY_GENERIC, "expire", key);
            let at = at.to_string();
            ctx.propagate_as(&[b"PEXPIREAT", key, at.as_bytes()]);
        }
        ctx.eng.dirty += 1;
    } else if o.persist && d.persist(key) {
        ctx.eng.dirty += 1;
        ctx.notify(NOTIFY_GENERIC, "persist", key);
        ctx.propagate_as(&[b"PERSIST", key]);
    }
    Ok(())
}

fn mget(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ctx.client.out.array(argv.len() - 1);
    let db = ctx.client.db;
    for key in &argv[1..] {
        match ctx.eng.lookup_read(db, key, ctx.now_ms) {
            Some(v) if v.is_string() => v.with_bytes(|b| ctx.client.out.bulk(b)),
            _ => ctx.client.out.null(),
        }
    }
    Ok(())
}

/// MSET and MSETNX (t_string.c `msetGenericCommand`).
fn mset_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) -> CmdResult {
    if argv.len().is_multiple_of(2) {
        return Err(wrong_arity(ctx.cmd.name()));
    }
    let db = ctx.client.db;
    if nx {
        let any = argv[1..]
            .chunks(2)
            .any(|kv| ctx.eng.lookup_write(db, kv[0], ctx.now_ms).is_some());
        if any {
            ctx.client.out.int(0);
            return Ok(());
        }
    }
    for kv in argv[1..].chunks(2) {
        ctx.eng.expire_if_needed(db, kv[0], ctx.now_ms);
        ctx.eng.ks.dbs[db].set(kv[0], Value::from_bytes(kv[1]), false);
        ctx.notify(NOTIFY_STRING, "set", kv[0]);
    }
    ctx.eng.dirty += (argv.len() / 2) as u64;
    if nx {
        ctx.client.out.int(1);
    } else {
        ctx.client.out.ok();
    }
    Ok(())
}

fn mset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    mset_generic(ctx, argv, false)
}

fn msetnx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    mset_generic(ctx, argv, true)
}

fn append(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, add) = (argv[1], argv[2]);
    let len = match write_string(ctx, key)? {
        Some(v) => v.len(),
        None => {
            let db = ctx.client.db;
            ctx.eng.ks.dbs[db].add(key, Value::from_bytes(add));
            ctx.eng.dirty += 1;
            ctx.notify(NOTIFY_STRING, "append", key);
            ctx.client.out.int(add.len() as i64);
            return Ok(());
        }
    };
    check_length(ctx, len, add.len())?;
    let db = ctx.client.db;
    let v = ctx.eng.ks.dbs[db].get_mut(key).expect("looked up above");
    let bytes = v.bytes_mut();
    bytes.extend_from_slice(add);
    let n = bytes.len();
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_STRING, "append", key);
    ctx.client.out.int(n as i64);
    Ok(())
}

fn strlen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = read_string(ctx, argv[1])?.map_or(0, |v| v.len());
    ctx.client.out.int(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------

/// t_string.c `incrDecrCommand`: the TTL is kept.
fn incr_decr(ctx: &mut Ctx, key: &[u8], by: i64) -> CmdResult {
    let new = match write_string(ctx, key)? {
        Some(v) => {
            let old = match v.as_int() {
                Some(n) => n,
                None => v.with_bytes(resp::parse_i64).ok_or(NOT_INTEGER)?,
            };
            let new = old.checked_add(by).ok_or(OVERFLOW)?;
            // In place: the entry, and so its TTL, stays.
            *v = Value::from_int(new);
            new
        }
        None => {
            let db = ctx.client.db;
            ctx.eng.ks.dbs[db].add(key, Value::from_int(by));
            by
        }
    };
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_STRING, "incrby", key);
    ctx.client.out.int(new);
    Ok(())
}

fn incr(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    incr_decr(ctx, argv[1], 1)
}

fn decr(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    incr_decr(ctx, argv[1], -1)
}

fn incrby(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let by = int(argv[2])?;
    incr_decr(ctx, argv[1], by)
}

fn decrby(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let by = int(argv[2])?;
    if by == i64::MIN {
        return Err(CmdError::fixed("ERR decrement would overflow"));
    }
    incr_decr(ctx, argv[1], -by)
}

/// A value as a long double (object.c `getLongDoubleFromObject`).
pub fn value_long_double(v: &Value) -> Result<Ld, CmdError> {
    match v.as_int() {
        Some(n) => Ok(Ld::Finite(LongDouble::from_i64(n))),
        None => v.with_bytes(ld::parse).ok_or(NOT_FLOAT),
    }
}

/// `current + incr` in long double precision, printed as Redis prints it;
/// NaN and infinities are refused (t_string.c `incrbyfloatCommand`).
pub fn add_long_double(current: Ld, incr: &[u8]) -> Result<String, CmdError> {
    let incr = ld::parse(incr).ok_or(NOT_FLOAT)?;
    let nan_or_inf = CmdError::fixed("ERR increment would produce NaN or Infinity");
    match (current, incr) {
        (Ld::Finite(a), Ld::Finite(b)) => match a.add(&b) {
            Ld::Finite(sum) => Ok(sum.to_human()),
            Ld::Inf(_) => Err(nan_or_inf),
        },
        _ => Err(nan_or_inf),
    }
}

fn incrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let current = match write_string(ctx, key)? {
        Some(v) => value_long_double(v)?,
        None => Ld::Finite(LongDouble::from_i64(0)),
    };
    let text = add_long_double(current, argv[2])?;
    let db = ctx.client.db;
    ctx.eng.ks.dbs[db].set(key, Value::from_bytes_plain(text.as_bytes()), true);
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_STRING, "incrbyfloat", key);
    ctx.propagate_as(&[b"SET", key, text.as_bytes(), b"KEEPTTL"]);
    ctx.client.out.bulk(text.as_bytes());
    Ok(())
}

// ---------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------

fn getrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut start = int(argv[2])?;
    let mut end = int(argv[3])?;
    let out = &mut ctx.client.out;
    let Some(v) = string_in(ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms))? else {
        out.bulk(b"");
        return Ok(());
    };
    v.with_bytes(|s| {
        let len = s.len() as i64;
        if start < 0 && end < 0 && start > end {
            return out.bulk(b"");
        }
        if start < 0 {
            start += len;
        }
        if end < 0 {
            end += len;
        }
        start = start.max(0);
        end = end.max(0);
        if end >= len {
            end = len - 1;
        }
        if start > end || len == 0 {
            out.bulk(b"");
        } else {
            out.bulk(&s[start as usize..=end as usize]);
        }
    });
    Ok(())
}

fn setrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, value) = (argv[1], argv[3]);
    let offset = int(argv[2])?;
    if offset < 0 {
        return Err(CmdError::fixed("ERR offset is out of range"));
    }
    let offset = offset as usize;
    let db = ctx.client.db;
    match write_string(ctx, key)? {
        None => {
            if value.is_empty() {
                ctx.client.out.int(0);
                return Ok(());
            }
            check_length(ctx, offset, value.len())?;
            let mut v = Value::from_bytes_plain(b"");
            v.bytes_mut().resize(offset, 0);
            ctx.eng.ks.dbs[db].add(key, v);
        }
        Some(v) => {
            let len = v.len();
            if value.is_empty() {
                ctx.client.out.int(len as i64);
                return Ok(());
            }
            check_length(ctx, offset, value.len())?;
        }
    }
    let v = ctx.eng.ks.dbs[db].get_mut(key).expect("present above");
    let bytes = v.bytes_mut();
    if bytes.len() < offset + value.len() {
        bytes.resize(offset + value.len(), 0);
    }
    bytes[offset..offset + value.len()].copy_from_slice(value);
    let n = bytes.len();
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_STRING, "setrange", key);
    ctx.client.out.int(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------

/// t_string.c `lcsCommand`: the longest common subsequence by the
/// classic dynamic programming table, with the same walk back through the
/// table as Redis so that IDX reports the same ranges.
fn lcs(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut strs = [Vec::new(), Vec::new()];
    let mut wrong = false;
    for (i, key) in argv[1..3].iter().enumerate() {
        let db = ctx.client.db;
        if let Some(v) = ctx.eng.lookup_read(db, key, ctx.now_ms) {
            if v.is_string() {
                strs[i] = v.to_vec();
            } else {
                wrong = true;
            }
        }
    }
    if wrong {
        return Err(CmdError::fixed(
            "ERR The specified keys must contain string values",
        ));
    }
    let (mut getlen, mut getidx, mut withmatchlen, mut minmatchlen) = (false, false, false, 0i64);
    let mut j = 3;
    while j < argv.len() {
        let opt = argv[j];
        if eq(opt, "idx") {
            getidx = true;
        } else if eq(opt, "len") {
            getlen = true;
        } else if eq(opt, "withmatchlen") {
            withmatchlen = true;
        } else if eq(opt, "minmatchlen") && j + 1 < argv.len() {
            minmatchlen = int(argv[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(SYNTAX);
        }
        j += 1;
    }
    if getidx && getlen {
        return Err(CmdError::fixed(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    let [a, b] = &strs;
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u128 + 1) * (blen as u128 + 1);
    if cells * 4 > ctx.eng.cached.proto_max_bulk_len as u128 {
        return Err(CmdError::fixed(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    let w = blen + 1;
    let mut t = vec![0u32; (alen + 1) * w];
    for i in 1..=alen {
        for j in 1..=blen {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let total = t[alen * w + blen] as usize;
    let computelcs = getidx || !getlen;
    let mut result = vec![0u8; total];
    let mut ranges: Vec<[i64; 5]> = Vec::new();
    let (mut i, mut j) = (alen, blen);
    let mut idx = total;
    // `arange_start == alen` means "no range being tracked".
    let (mut astart, mut aend, mut bstart, mut bend) = (alen as i64, 0i64, 0i64, 0i64);
    while computelcs && i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if astart == alen as i64 {
                astart = i as i64 - 1;
                aend = i as i64 - 1;
                bstart = j as i64 - 1;
                bend = j as i64 - 1;
            } else if astart == i as i64 && bstart == j as i64 {
                astart -= 1;
                bstart -= 1;
            } else {
                emit = true;
            }
            if astart == 0 || bstart == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if astart != alen as i64 {
                emit = true;
            }
        }
        let match_len = aend - astart + 1;
        if emit {
            if minmatchlen == 0 || match_len >= minmatchlen {
                ranges.push([astart, aend, bstart, bend, match_len]);
            }
            astart = alen as i64;
        }
    }
    let out = &mut ctx.client.out;
    if getidx {
        out.map(2);
        out.bulk(b"matches");
        out.array(ranges.len());
        for r in &ranges {
            out.array(2 + withmatchlen as usize);
            out.array(2);
            out.int(r[0]);
            out.int(r[1]);
            out.array(2);
            out.int(r[2]);
            out.int(r[3]);
            if withmatchlen {
                out.int(r[4]);
            }
        }
        out.bulk(b"len");
        out.int(total as i64);
    } else if getlen {
        out.int(total as i64);
    } else {
        out.bulk(&result);
    }
    Ok(())
}
