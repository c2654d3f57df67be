//! Hash commands (t_hash.c).

use crate::args::int;
use crate::cmd::scan;
use crate::cmd::strings::add_long_double;
use crate::engine::Ctx;
use crate::error::{wrong_arity, CmdError, CmdResult, NOT_FLOAT, OVERFLOW, WRONGTYPE};
use crate::ld::{self, Ld, LongDouble};
use crate::table::Handler;
use conf::notify::NOTIFY_HASH;
use keyspace::{Hash, PackLimits, Value};
use rand::Rng;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("hset", hset),
    ("hmset", hset),
    ("hsetnx", hsetnx),
    ("hget", hget),
    ("hmget", hmget),
    ("hdel", hdel),
    ("hlen", hlen),
    ("hstrlen", hstrlen),
    ("hkeys", hkeys),
    ("hvals", hvals),
    ("hgetall", hgetall),
    ("hexists", hexists),
    ("hincrby", hincrby),
    ("hincrbyfloat", hincrbyfloat),
    ("hrandfield", hrandfield),
    ("hscan", hscan),
];

/// `hash-max-listpack-entries` / `-value`.
fn limits(ctx: &Ctx) -> PackLimits {
    ctx.eng.cached.hash_limits
}

/// The hash at `key` for reading: `Ok(None)` if absent.
fn hash_read<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Hash>, CmdError> {
    match ctx.eng.lookup_read(ctx.client.db, key, ctx.now_ms) {
        None => Ok(None),
        Some(v) => v.as_hash().map(Some).ok_or(WRONGTYPE),
    }
}

/// The hash at `key` for writing, created empty if absent
/// (t_hash.c `hashTypeLookupWriteOrCreate`). An empty hash is never left
/// behind: callers that add nothing call [`drop_if_empty`].
fn hash_write_or_create<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<&'a mut Hash, CmdError> {
    let db = ctx.client.db;
    let exists = match ctx.eng.lookup_write(db, key, ctx.now_ms) {
        None => false,
        Some(v) if v.as_hash().is_some() => true,
        Some(_) => return Err(WRONGTYPE),
    };
    if !exists {
        ctx.eng.ks.dbs[db].add(key, Value::from_hash(Hash::default()));
    }
    Ok(ctx.eng.ks.dbs[db]
        .get_mut(key)
        .and_then(|v| v.as_hash_mut())
        .expect("present"))
}

/// Deletes `key` if its hash is empty; true if it did.
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) -> bool {
    let d = &mut ctx.eng.ks.dbs[ctx.client.db];
    let empty = d
        .get(key)
        .and_then(|v| v.as_hash())
        .is_some_and(|h| h.is_empty());
    if empty {
        d.remove(key);
    }
    empty
}

/// HSET (new fields count) and HMSET (+OK).
fn hset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() % 2 == 1 {
        return Err(wrong_arity(ctx.cmd.name()));
    }
    let lim = limits(ctx);
    let h = hash_write_or_create(ctx, argv[1])?;
    let created = argv[2..]
        .chunks(2)
        .filter(|fv| h.set(fv[0], fv[1], lim))
        .count();
    ctx.eng.dirty += (argv.len() / 2 - 1) as u64;
    ctx.notify(NOTIFY_HASH, "hset", argv[1]);
    if ctx.cmd.name() == "hmset" {
        ctx.client.out.ok();
    } else {
        ctx.client.out.int(created as i64);
    }
    Ok(())
}

fn hsetnx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let lim = limits(ctx);
    let h = hash_write_or_create(ctx, argv[1])?;
    let added = !h.contains(argv[2]) && h.set(argv[2], argv[3], lim);
    if added {
        ctx.eng.dirty += 1;
        ctx.notify(NOTIFY_HASH, "hset", argv[1]);
    } else {
        drop_if_empty(ctx, argv[1]);
    }
    ctx.client.out.int(added as i64);
    Ok(())
}

fn hget(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let out = &mut ctx.client.out;
    match ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms) {
        None => out.null(),
        Some(v) => match v.as_hash().ok_or(WRONGTYPE)?.get(argv[2]) {
            Some(val) => out.bulk(val),
            None => out.null(),
        },
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let out = &mut ctx.client.out;
    let h = match ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms) {
        None => None,
        Some(v) => Some(v.as_hash().ok_or(WRONGTYPE)?),
    };
    out.array(argv.len() - 2);
    for f in &argv[2..] {
        match h.and_then(|h| h.get(f)) {
            Some(val) => out.bulk(val),
            None => out.null(),
        }
    }
    Ok(())
}

fn hdel(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let db = ctx.client.db;
    let h = match ctx.eng.lookup_write(db, argv[1], ctx.now_ms) {
        None => None,
        Some(v) => Some(v.as_hash_mut().ok_or(WRONGTYPE)?),
    };
    let deleted = h.map_or(0, |h| argv[2..].iter().filter(|f| h.remove(f)).count());
    if deleted > 0 {
        ctx.eng.dirty += deleted as u64;
        ctx.notify(NOTIFY_HASH, "hdel", argv[1]);
        if drop_if_empty(ctx, argv[1]) {
            ctx.notify_del(argv[1]);
        }
    }
    ctx.client.out.int(deleted as i64);
    Ok(())
}

fn hlen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = hash_read(ctx, argv[1])?.map_or(0, |h| h.len());
    ctx.client.out.int(n as i64);
    Ok(())
}

fn hstrlen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = hash_read(ctx, argv[1])?
        .and_then(|h| h.get(argv[2]))
        .map_or(0, |v| v.len());
    ctx.client.out.int(n as i64);
    Ok(())
}

/// HKEYS, HVALS and HGETALL (t_hash.c `genericHgetallCommand`).
fn getall(ctx: &mut Ctx, key: &[u8], fields: bool, values: bool) -> CmdResult {
    let out = &mut ctx.client.out;
    let h = match ctx.eng.lookup_read(ctx.client.db, key, ctx.now_ms) {
        None => None,
        Some(v) => Some(v.as_hash().ok_or(WRONGTYPE)?),
    };
    let n = h.map_or(0, |h| h.len());
    if fields && values {
        out.map(n);
    } else {
        out.array(n);
    }
    for (f, v) in h.into_iter().flat_map(|h| h.iter()) {
        if fields {
            out.bulk(f);
        }
        if values {
            out.bulk(v);
        }
    }
    Ok(())
}

fn hkeys(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    getall(ctx, argv[1], true, false)
}

fn hvals(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    getall(ctx, argv[1], false, true)
}

fn hgetall(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    getall(ctx, argv[1], true, true)
}

fn hexists(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let found = hash_read(ctx, argv[1])?.is_some_and(|h| h.contains(argv[2]));
    ctx.client.out.int(found as i64);
    Ok(())
}

fn hincrby(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let incr = int(argv[3])?;
    let lim = limits(ctx);
    let h = hash_write_or_create(ctx, argv[1])?;
    let old = match h.get(argv[2]) {
        Some(v) => resp::parse_i64(v).ok_or(CmdError::fixed("ERR hash value is not an integer"))?,
        None => 0,
    };
    let new = old.checked_add(incr).ok_or(OVERFLOW);
    let new = match new {
        Ok(n) => n,
        Err(e) => {
            drop_if_empty(ctx, argv[1]);
            return Err(e);
        }
    };
    h.set(argv[2], itoa::Buffer::new().format(new).as_bytes(), lim);
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_HASH, "hincrby", argv[1]);
    ctx.client.out.int(new);
    Ok(())
}

fn hincrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // The increment is checked before the key (t_hash.c hincrbyfloatCommand).
    if let Ld::Inf(_) = ld::parse(argv[3]).ok_or(NOT_FLOAT)? {
        return Err(CmdError::fixed("ERR value is NaN or Infinity"));
    }
    let lim = limits(ctx);
    let h = hash_write_or_create(ctx, argv[1])?;
    let current = match h.get(argv[2]) {
        // strtold reads `inf` too; the sum is then refused as infinite.
        Some(v) => match ld::parse(v) {
            Some(x) => x,
            None => return Err(CmdError::fixed("ERR hash value is not a float")),
        },
        None => Ld::Finite(LongDouble::from_i64(0)),
    };
    let text = match add_long_double(current, argv[3]) {
        Ok(t) => t,
        Err(e) => {
            drop_if_empty(ctx, argv[1]);
            return Err(e);
        }
    };
    let h = hash_write_or_create(ctx, argv[1])?;
    h.set(argv[2], text.as_bytes(), lim);
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_HASH, "hincrbyfloat", argv[1]);
    ctx.propagate_as(&[b"HSET", argv[1], argv[2], text.as_bytes()]);
    ctx.client.out.bulk(text.as_bytes());
    Ok(())
}

fn hrandfield(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (count, withvalues) = crate::args::random_count(argv, "withvalues")?;
    let resp3 = ctx.client.resp() == 3;
    let db = ctx.client.db;
    let exists = match ctx.eng.lookup_read(db, argv[1], ctx.now_ms) {
        None => false,
        Some(v) => v.as_hash().map(|_| true).ok_or(WRONGTYPE)?,
    };
    let eng = &mut *ctx.eng;
    let rng = &mut eng.rng;
    let h = if exists {
        eng.ks.dbs[db].get(argv[1]).and_then(|v| v.as_hash())
    } else {
        None
    };
    let out = &mut ctx.client.out;
    let Some(count) = count else {
        match h {
            Some(h) => {
                let (f, _) = h.get_index(rng.gen_range(0..h.len())).expect("non-empty");
                out.bulk(f);
            }
            None => out.null(),
        }
        return Ok(());
    };
    let Some(h) = h else {
        out.array(0);
        return Ok(());
    };
    // Positions to emit: with repetition for a negative count, else distinct.
    let picks: Vec<usize> = if count < 0 {
        (0..count.unsigned_abs())
            .map(|_| rng.gen_range(0..h.len()))
            .collect()
    } else if count as usize >= h.len() {
        (0..h.len()).collect()
    } else {
        rand::seq::index::sample(rng, h.len(), count as usize).into_vec()
    };
    let emit = |out: &mut resp::Out, i: usize| {
        let (f, v) = h.get_index(i).expect("index within the hash");
        if withvalues && resp3 {
            out.array(2);
        }
        out.bulk(f);
        if withvalues {
            out.bulk(v);
        }
    };
    out.array(if withvalues && !resp3 {
        picks.len() * 2
    } else {
        picks.len()
    });
    picks.into_iter().for_each(|i| emit(out, i));
    Ok(())
}

fn hscan(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let cursor = scan::parse_cursor(argv[2])?;
    let Some(h) = hash_read(ctx, argv[1])? else {
        scan::reply(&mut ctx.client.out, 0, &[]);
        return Ok(());
    };
    let o = scan::parse_options(argv, 3, false)?;
    let (positions, next) = match h {
        Hash::Pack(_) => ((0..h.len()).collect(), 0),
        Hash::Table(_) => scan::step(h.len(), cursor, o.count),
    };
    let mut items = Vec::new();
    for i in positions {
        let (f, v) = h.get_index(i).expect("position within the hash");
        if scan::pattern_matches(o.pattern, f) {
            items.push(f.to_vec());
            items.push(v.to_vec());
        }
    }
    scan::reply(&mut ctx.client.out, next, &items);
    Ok(())
}
