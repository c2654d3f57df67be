//! String commands.

use crate::args::{eq, int};
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, SYNTAX, WRONGTYPE};
use crate::table::Handler;
use keyspace::Value;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[("get", get), ("set", set)];

/// Reads a string value for a read command: `Ok(None)` if absent,
/// WRONGTYPE if the key holds another type.
pub fn read_string<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Value>, CmdError> {
    let db = ctx.client.db;
    match ctx.eng.lookup_read(db, key, ctx.now_ms) {
        Some(v) if !v.is_string() => Err(WRONGTYPE),
        other => Ok(other),
    }
}

fn get(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    match ctx.eng.lookup_read(db, argv[1], ctx.now_ms) {
        None => ctx.client.out.null(),
        Some(v) if !v.is_string() => return Err(WRONGTYPE),
        Some(v) => v.write_bytes(|b| ctx.client.out.bulk(b)),
    }
    Ok(())
}

/// How an expire argument of SET / GETEX was given.
#[derive(Clone, Copy, PartialEq, Eq)]
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

fn set(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (mut nx, mut xx, mut get, mut keepttl) = (false, false, false, false);
    let mut expire: Option<(ExpireUnit, &[u8])> = None;
    let mut i = 3;
    while i < argv.len() {
        let a = argv[i];
        let next = argv.get(i + 1);
        let unit = if eq(a, "ex") {
            Some(ExpireUnit::Seconds)
        } else if eq(a, "px") {
            Some(ExpireUnit::Millis)
        } else if eq(a, "exat") {
            Some(ExpireUnit::UnixSeconds)
        } else if eq(a, "pxat") {
            Some(ExpireUnit::UnixMillis)
        } else {
            None
        };
        if eq(a, "nx") && !xx {
            nx = true;
        } else if eq(a, "xx") && !nx {
            xx = true;
        } else if eq(a, "get") {
            get = true;
        } else if eq(a, "keepttl") && expire.is_none() {
            keepttl = true;
        } else if let (Some(unit), Some(v), false, None) = (unit, next, keepttl, expire) {
            expire = Some((unit, v));
            i += 1;
        } else {
            return Err(SYNTAX);
        }
        i += 1;
    }
    let at = match expire {
        Some((unit, v)) => Some(expire_at_ms(v, unit, ctx.now_ms, "set")?),
        None => None,
    };
    let db = ctx.client.db;
    let key = argv[1];
    if get {
        match read_string(ctx, key)? {
            Some(v) => v.write_bytes(|b| ctx.client.out.bulk(b)),
            None => ctx.client.out.null(),
        }
    }
    let exists = ctx.eng.exists(db, key, ctx.now_ms);
    if (nx && exists) || (xx && !exists) {
        if !get {
            ctx.client.out.null();
        }
        return Ok(());
    }
    let d = &mut ctx.eng.ks.dbs[db];
    d.set(key, Value::from_bytes(argv[2]), keepttl);
    if let Some(at) = at {
        d.set_expire(key, at);
    }
    ctx.eng.dirty += 1;
    if !get {
        ctx.client.out.ok();
    }
    Ok(())
}
