//! Generic key commands (db.c, expire.c).

use crate::args::{eq, int};
use crate::cmd::scan;
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, DB_RANGE, NOT_INTEGER, NO_SUCH_KEY, SYNTAX};
use crate::table::Handler;
use conf::notify::NOTIFY_GENERIC;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("del", del),
    ("unlink", del),
    ("exists", exists),
    ("type", type_cmd),
    ("rename", rename),
    ("renamenx", renamenx),
    ("keys", keys),
    ("scan", scan),
    ("randomkey", randomkey),
    ("dbsize", dbsize),
    ("flushdb", flushdb),
    ("flushall", flushall),
    ("swapdb", swapdb),
    ("move", move_cmd),
    ("copy", copy),
    ("touch", touch),
    ("expire", expire),
    ("pexpire", pexpire),
    ("expireat", expireat),
    ("pexpireat", pexpireat),
    ("ttl", ttl),
    ("pttl", pttl),
    ("expiretime", expiretime),
    ("pexpiretime", pexpiretime),
    ("persist", persist),
];

/// `ERR source and destination objects are the same` (shared.sameobjecterr).
const SAME_OBJECT: CmdError = CmdError::fixed("ERR source and destination objects are the same");

/// A database number argument: an `int`, then a range check
/// (`getIntFromObjectOrReply` + `selectDb`).
fn db_index(ctx: &Ctx, arg: &[u8]) -> Result<usize, CmdError> {
    let n = int(arg)?;
    if n < i32::MIN as i64 || n > i32::MAX as i64 {
        return Err(NOT_INTEGER);
    }
    if n < 0 || n as usize >= ctx.eng.ks.dbs.len() {
        return Err(DB_RANGE);
    }
    Ok(n as usize)
}

fn del(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    let mut n = 0;
    for key in &argv[1..] {
        ctx.eng.expire_if_needed(db, key, ctx.now_ms);
        if ctx.eng.ks.dbs[db].remove(key).is_some() {
            ctx.notify_del(key);
            n += 1;
        }
    }
    ctx.eng.dirty += n;
    ctx.client.out.int(n as i64);
    Ok(())
}

fn exists(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    let mut n = 0;
    for key in &argv[1..] {
        if ctx.eng.lookup_read_notouch(db, key, ctx.now_ms).is_some() {
            n += 1;
        }
    }
    ctx.client.out.int(n);
    Ok(())
}

fn type_cmd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    let name = ctx
        .eng
        .lookup_read_notouch(db, argv[1], ctx.now_ms)
        .map_or("none", |v| v.type_name());
    ctx.client.out.simple(name);
    Ok(())
}

/// db.c `renameGenericCommand`: the TTL moves with the value.
fn rename_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) -> CmdResult {
    let (src, dst) = (argv[1], argv[2]);
    let db = ctx.client.db;
    if ctx.eng.lookup_write(db, src, ctx.now_ms).is_none() {
        return Err(NO_SUCH_KEY);
    }
    if src == dst {
        if nx {
            ctx.client.out.int(0);
        } else {
            ctx.client.out.ok();
        }
        return Ok(());
    }
    if ctx.eng.lookup_write(db, dst, ctx.now_ms).is_some() {
        if nx {
            ctx.client.out.int(0);
            return Ok(());
        }
        ctx.eng.ks.dbs[db].remove(dst);
    }
    let d = &mut ctx.eng.ks.dbs[db];
    let ttl = d.expire_at(src);
    let value = d.remove(src).expect("looked up above");
    d.add(dst, value);
    if let Some(at) = ttl {
        d.set_expire(dst, at);
    }
    ctx.notify_created(db, dst);
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_GENERIC, "rename_from", src);
    ctx.notify(NOTIFY_GENERIC, "rename_to", dst);
    if nx {
        ctx.client.out.int(1);
    } else {
        ctx.client.out.ok();
    }
    Ok(())
}

fn rename(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    rename_generic(ctx, argv, false)
}

fn renamenx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    rename_generic(ctx, argv, true)
}

fn keys(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    let d = &ctx.eng.ks.dbs[db];
    let now = ctx.now_ms;
    // Expired keys are skipped but not deleted (db.c keysCommand).
    let found: Vec<&[u8]> = d
        .iter()
        .map(|(k, _)| &k[..])
        .filter(|k| scan::pattern_matches(Some(argv[1]), k) && !d.is_expired(k, now))
        .collect();
    ctx.client.out.array(found.len());
    for k in found {
        ctx.client.out.bulk(k);
    }
    Ok(())
}

fn scan(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let cursor = scan::parse_cursor(argv[1])?;
    let o = scan::parse_options(argv, 2, true)?;
    let db = ctx.client.db;
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let next = ctx.eng.ks.dbs[db].scan(cursor, o.count, |k, v| {
        let type_ok = o
            .type_name
            .is_none_or(|t| t.eq_ignore_ascii_case(v.type_name().as_bytes()));
        if type_ok && scan::pattern_matches(o.pattern, k) {
            batch.push(k.to_vec());
        }
    });
    // Expired keys are deleted and left out (db.c scanGenericCommand).
    batch.retain(|k| !ctx.eng.expire_if_needed(db, k, ctx.now_ms));
    scan::reply(&mut ctx.client.out, next, &batch);
    Ok(())
}

fn randomkey(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    // db.c dbRandomKey: an expired pick is deleted and another is drawn.
    loop {
        let Some(key) = ctx.eng.ks.dbs[db]
            .random_key(&mut ctx.eng.rng)
            .map(|k| k.to_vec())
        else {
            ctx.client.out.null();
            return Ok(());
        };
        if !ctx.eng.expire_if_needed(db, &key, ctx.now_ms) {
            ctx.client.out.bulk(&key);
            return Ok(());
        }
    }
}

fn dbsize(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let n = ctx.eng.ks.dbs[ctx.client.db].len();
    ctx.client.out.int(n as i64);
    Ok(())
}

/// The optional ASYNC / SYNC of FLUSHDB and FLUSHALL (db.c `getFlushCommandFlags`).
fn flush_flags(argv: &[&[u8]]) -> CmdResult {
    match argv.len() {
        1 => Ok(()),
        2 if eq(argv[1], "async") || eq(argv[1], "sync") => Ok(()),
        _ => Err(SYNTAX),
    }
}

fn flushdb(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    flush_flags(argv)?;
    let db = ctx.client.db;
    ctx.eng.signal_db_replaced(db, None);
    let d = &mut ctx.eng.ks.dbs[db];
    ctx.eng.dirty += d.len() as u64;
    d.clear();
    ctx.force_propagation();
    ctx.client.out.ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    flush_flags(argv)?;
    for db in 0..ctx.eng.ks.dbs.len() {
        ctx.eng.signal_db_replaced(db, None);
    }
    ctx.eng.dirty += ctx.eng.ks.flush_all() as u64;
    // With save points the empty dataset is saved at once (leaving
    // nothing to save); replicas get FLUSHALL even when nothing changed.
    ctx.eng.flushall_reset_rdb(ctx.now_ms);
    ctx.force_propagation();
    ctx.client.out.ok();
    Ok(())
}

fn swapdb(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let parse = |arg: &[u8], which: &'static str| -> Result<i64, CmdError> {
        let n = resp::parse_i64(arg).filter(|n| *n >= i32::MIN as i64 && *n <= i32::MAX as i64);
        n.ok_or(CmdError::new(format!("ERR invalid {which} DB index")))
    };
    let a = parse(argv[1], "first")?;
    let b = parse(argv[2], "second")?;
    let n = ctx.eng.ks.dbs.len() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return Err(DB_RANGE);
    }
    if a != b {
        let (a, b) = (a as usize, b as usize);
        ctx.eng.signal_db_replaced(a, Some(b));
        ctx.eng.signal_db_replaced(b, Some(a));
        ctx.eng.ks.swap(a, b);
        ctx.eng.dirty += 1;
    }
    ctx.client.out.ok();
    Ok(())
}

fn move_cmd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let src = ctx.client.db;
    let dst = db_index(ctx, argv[2])?;
    if src == dst {
        return Err(SAME_OBJECT);
    }
    if ctx.eng.lookup_write(src, key, ctx.now_ms).is_none()
        || ctx.eng.lookup_write(dst, key, ctx.now_ms).is_some()
    {
        ctx.client.out.int(0);
        return Ok(());
    }
    let ttl = ctx.eng.ks.dbs[src].expire_at(key);
    let value = ctx.eng.ks.dbs[src].remove(key).expect("looked up above");
    let d = &mut ctx.eng.ks.dbs[dst];
    d.add(key, value);
    if let Some(at) = ttl {
        d.set_expire(key, at);
    }
    ctx.notify_created(dst, key);
    ctx.eng.signal_modified(dst, key);
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_GENERIC, "move_from", key);
    ctx.notify_in(dst, NOTIFY_GENERIC, "move_to", key);
    ctx.client.out.int(1);
    Ok(())
}

fn copy(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, newkey) = (argv[1], argv[2]);
    let src = ctx.client.db;
    let mut dst = src;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        if eq(argv[j], "replace") {
            replace = true;
        } else if eq(argv[j], "db") && j + 1 < argv.len() {
            dst = db_index(ctx, argv[j + 1])?;
            j += 1;
        } else {
            return Err(SYNTAX);
        }
        j += 1;
    }
    if src == dst && key == newkey {
        return Err(SAME_OBJECT);
    }
    let Some(value) = ctx.eng.lookup_read(src, key, ctx.now_ms).map(|v| v.clone()) else {
        ctx.client.out.int(0);
        return Ok(());
    };
    let ttl = ctx.eng.ks.dbs[src].expire_at(key);
    if ctx.eng.lookup_write(dst, newkey, ctx.now_ms).is_some() {
        if !replace {
            ctx.client.out.int(0);
            return Ok(());
        }
        ctx.eng.ks.dbs[dst].remove(newkey);
    }
    let d = &mut ctx.eng.ks.dbs[dst];
    d.add(newkey, value);
    if let Some(at) = ttl {
        d.set_expire(newkey, at);
    }
    ctx.notify_created(dst, newkey);
    if dst != src {
        ctx.eng.signal_modified(dst, newkey);
    }
    ctx.eng.dirty += 1;
    ctx.notify_in(dst, NOTIFY_GENERIC, "copy_to", newkey);
    ctx.client.out.int(1);
    Ok(())
}

fn touch(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    let n = argv[1..]
        .iter()
        .filter(|k| ctx.eng.lookup_read(db, k, ctx.now_ms).is_some())
        .count();
    ctx.client.out.int(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------

/// expire.c `expireGenericCommand`: `base_ms` is now for relative forms
/// and 0 for absolute ones; `seconds` says the argument's unit.
fn expire_generic(ctx: &mut Ctx, argv: &[&[u8]], base_ms: i64, seconds: bool) -> CmdResult {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &argv[3..] {
        if eq(opt, "nx") {
            nx = true;
        } else if eq(opt, "xx") {
            xx = true;
        } else if eq(opt, "gt") {
            gt = true;
        } else if eq(opt, "lt") {
            lt = true;
        } else {
            return Err(CmdError::new(format!(
                "ERR Unsupported option {}",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::fixed(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(CmdError::fixed(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    let invalid = || {
        CmdError::new(format!(
            "ERR invalid expire time in '{}' command",
            ctx.cmd.name()
        ))
    };
    let mut when = int(argv[2])?;
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    when = when.checked_add(base_ms).ok_or_else(invalid)?;
    let (key, db) = (argv[1], ctx.client.db);
    if ctx.eng.lookup_write(db, key, ctx.now_ms).is_none() {
        ctx.client.out.int(0);
        return Ok(());
    }
    let current = ctx.eng.ks.dbs[db].expire_at(key);
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.is_none_or(|c| when <= c))
        || (lt && current.is_some_and(|c| when >= c));
    if refused {
        ctx.client.out.int(0);
        return Ok(());
    }
    let d = &mut ctx.eng.ks.dbs[db];
    // A replica applies the time as given: its master decides expiry
    // (expire.c `checkAlreadyExpired`).
    if when <= ctx.now_ms && !ctx.eng.role.is_replica() {
        d.remove(key);
        ctx.notify_del(key);
        ctx.propagate_as_del(key, "lazyfree-lazy-expire");
    } else {
        d.set_expire(key, when);
        ctx.notify(NOTIFY_GENERIC, "expire", key);
        if ctx.cmd.name() != "pexpireat" {
            let when = when.to_string();
            ctx.propagate_as(&[b"PEXPIREAT", key, when.as_bytes()]);
        }
    }
    ctx.eng.dirty += 1;
    ctx.client.out.int(1);
    Ok(())
}

fn expire(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, argv, ctx.now_ms, true)
}

fn pexpire(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, argv, ctx.now_ms, false)
}

fn expireat(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, argv, 0, true)
}

fn pexpireat(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, argv, 0, false)
}

/// expire.c `ttlGenericCommand`: -2 for a missing key, -1 without TTL.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], ms: bool, absolute: bool) -> CmdResult {
    let db = ctx.client.db;
    if ctx.eng.lookup_read_notouch(db, key, ctx.now_ms).is_none() {
        ctx.client.out.int(-2);
        return Ok(());
    }
    let reply = match ctx.eng.ks.dbs[db].expire_at(key) {
        None => -1,
        Some(at) => {
            let t = if absolute {
                at
            } else {
                (at - ctx.now_ms).max(0)
            };
            if ms {
                t
            } else {
                (t + 500) / 1000
            }
        }
    };
    ctx.client.out.int(reply);
    Ok(())
}

fn ttl(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, argv[1], false, false)
}

fn pttl(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, argv[1], true, false)
}

fn expiretime(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, argv[1], false, true)
}

fn pexpiretime(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, argv[1], true, true)
}

fn persist(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    let removed = ctx.eng.lookup_write(db, argv[1], ctx.now_ms).is_some()
        && ctx.eng.ks.dbs[db].persist(argv[1]);
    if removed {
        ctx.eng.dirty += 1;
        ctx.notify(NOTIFY_GENERIC, "persist", argv[1]);
    }
    ctx.client.out.int(removed as i64);
    Ok(())
}
