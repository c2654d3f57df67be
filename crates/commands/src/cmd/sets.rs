//! Set commands (t_set.c).

use crate::args::int;
use crate::cmd::scan;
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, LIMIT_NEGATIVE, SYNTAX, WRONGTYPE};
use crate::table::Handler;
use conf::notify::NOTIFY_SET;
use keyspace::{Set, Value};
use rand::Rng;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("sadd", sadd),
    ("srem", srem),
    ("smembers", smembers),
    ("sismember", sismember),
    ("smismember", smismember),
    ("scard", scard),
    ("spop", spop),
    ("srandmember", srandmember),
    ("smove", smove),
    ("sinter", sinter),
    ("sintercard", sintercard),
    ("sinterstore", sinterstore),
    ("sunion", sunion),
    ("sunionstore", sunionstore),
    ("sdiff", sdiff),
    ("sdiffstore", sdiffstore),
    ("sscan", sscan),
];

/// `set-max-intset-entries`.
fn max_ints(ctx: &Ctx) -> usize {
    ctx.eng.cached.set_max_intset
}

/// The set at `key` for reading: `Ok(None)` if absent.
fn set_read<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Set>, CmdError> {
    match ctx.eng.lookup_read(ctx.client.db, key, ctx.now_ms) {
        None => Ok(None),
        Some(v) => v.as_set().map(Some).ok_or(WRONGTYPE),
    }
}

/// The set at `key` for writing: `Ok(None)` if absent.
fn set_write<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Set>, CmdError> {
    match ctx.eng.lookup_write(ctx.client.db, key, ctx.now_ms) {
        None => Ok(None),
        Some(v) => v.as_set_mut().map(Some).ok_or(WRONGTYPE),
    }
}

/// Deletes `key` if its set is empty, with its `del` event.
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let d = &mut ctx.eng.ks.dbs[ctx.client.db];
    if d.get(key)
        .and_then(|v| v.as_set())
        .is_some_and(|s| s.is_empty())
    {
        d.remove(key);
        ctx.notify_del(key);
    }
}

fn sadd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let max = max_ints(ctx);
    if set_write(ctx, argv[1])?.is_none() {
        ctx.eng.ks.dbs[ctx.client.db].add(argv[1], Value::from_set(Set::default()));
    }
    let s = set_write(ctx, argv[1])?.expect("created above");
    let added = argv[2..].iter().filter(|m| s.add(m, max)).count();
    ctx.eng.dirty += added as u64;
    if added > 0 {
        ctx.notify(NOTIFY_SET, "sadd", argv[1]);
    }
    ctx.client.out.int(added as i64);
    Ok(())
}

fn srem(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let removed = match set_write(ctx, argv[1])? {
        Some(s) => argv[2..].iter().filter(|m| s.remove(m)).count(),
        None => 0,
    };
    if removed > 0 {
        ctx.eng.dirty += removed as u64;
        ctx.notify(NOTIFY_SET, "srem", argv[1]);
        drop_if_empty(ctx, argv[1]);
    }
    ctx.client.out.int(removed as i64);
    Ok(())
}

/// Replies with members as a RESP3 set (an array in RESP2).
fn reply_members<'a>(out: &mut resp::Out, members: impl ExactSizeIterator<Item = &'a [u8]>) {
    out.set(members.len());
    members.for_each(|m| out.bulk(m));
}

fn smembers(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let out = &mut ctx.client.out;
    match ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms) {
        None => out.set(0),
        Some(v) => {
            let s = v.as_set().ok_or(WRONGTYPE)?;
            out.set(s.len());
            s.iter().for_each(|m| out.bulk(&m));
        }
    }
    Ok(())
}

fn sismember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let found = set_read(ctx, argv[1])?.is_some_and(|s| s.contains(argv[2]));
    ctx.client.out.int(found as i64);
    Ok(())
}

fn smismember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let out = &mut ctx.client.out;
    let s = match ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms) {
        None => None,
        Some(v) => Some(v.as_set().ok_or(WRONGTYPE)?),
    };
    out.array(argv.len() - 2);
    for m in &argv[2..] {
        out.int(s.is_some_and(|s| s.contains(m)) as i64);
    }
    Ok(())
}

fn scard(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = set_read(ctx, argv[1])?.map_or(0, |s| s.len());
    ctx.client.out.int(n as i64);
    Ok(())
}

/// A COUNT that must not be negative (`getPositiveLongFromObjectOrReply`).
fn positive_count(arg: &[u8]) -> Result<usize, CmdError> {
    crate::args::non_negative(arg, crate::args::NOT_POSITIVE)
}

fn spop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let count = match argv.len() {
        2 => None,
        3 => Some(positive_count(argv[2])?),
        _ => return Err(SYNTAX),
    };
    let db = ctx.client.db;
    let exists = set_write(ctx, argv[1])?.is_some();
    let eng = &mut *ctx.eng;
    let out = &mut ctx.client.out;
    if !exists {
        match count {
            None => out.null(),
            Some(_) => out.set(0),
        }
        return Ok(());
    }
    let s = eng.ks.dbs[db]
        .get_mut(argv[1])
        .and_then(|v| v.as_set_mut())
        .expect("checked");
    let whole = count.is_some_and(|c| c >= s.len());
    // t_set.c `spopWithCountCommand` case 3: when the members left are
    // at most a fifth of those popped (SPOP_MOVE_STRATEGY_MUL), they are
    // moved into a new set, which takes the encoding a fresh set of them
    // would have (an intset if they allow).
    let rebuild = !whole && count.is_some_and(|c| (s.len() - c).saturating_mul(5) <= c);
    let n = count.unwrap_or(1).min(s.len());
    let mut popped = Vec::with_capacity(n);
    for _ in 0..n {
        let i = eng.rng.gen_range(0..s.len());
        popped.push(s.remove_index(i));
    }
    if rebuild {
        let max = eng.cached.set_max_intset;
        let mut fresh = Set::default();
        for m in s.iter() {
            fresh.add(&m, max);
        }
        *s = fresh;
    }
    match count {
        None => out.bulk(&popped[0]),
        Some(_) => reply_members(out, popped.iter().map(|m| &m[..])),
    }
    if n > 0 {
        eng.dirty += n as u64;
        ctx.notify(NOTIFY_SET, "spop", argv[1]);
        drop_if_empty(ctx, argv[1]);
        // Propagated as its effect (t_set.c `spopWithCountCommand`): the
        // whole set as a deletion, else SREMs of up to 1024 members.
        if whole {
            ctx.propagate_as_del(argv[1], "lazyfree-lazy-server-del");
        } else {
            for batch in popped.chunks(1024) {
                let mut srem: Vec<&[u8]> = vec![b"SREM", argv[1]];
                srem.extend(batch.iter().map(|m| m.as_slice()));
                ctx.also_propagate(&srem);
            }
            ctx.propagate_nothing();
        }
    }
    Ok(())
}

fn srandmember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let count = match argv.len() {
        2 => None,
        3 => {
            let c = int(argv[2])?;
            if c == i64::MIN {
                return Err(CmdError::fixed(
                    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ));
            }
            Some(c)
        }
        _ => return Err(SYNTAX),
    };
    let db = ctx.client.db;
    let exists = set_read(ctx, argv[1])?.is_some();
    let eng = &mut *ctx.eng;
    let out = &mut ctx.client.out;
    let s = if exists {
        eng.ks.dbs[db].get(argv[1]).and_then(|v| v.as_set())
    } else {
        None
    };
    let rng = &mut eng.rng;
    let Some(count) = count else {
        match s {
            Some(s) => out.bulk(&s.get_index(rng.gen_range(0..s.len())).expect("non-empty")),
            None => out.null(),
        }
        return Ok(());
    };
    let Some(s) = s else {
        out.array(0);
        return Ok(());
    };
    let picks: Vec<usize> = if count < 0 {
        (0..count.unsigned_abs())
            .map(|_| rng.gen_range(0..s.len()))
            .collect()
    } else if count as usize >= s.len() {
        (0..s.len()).collect()
    } else {
        rand::seq::index::sample(rng, s.len(), count as usize).into_vec()
    };
    out.array(picks.len());
    for i in picks {
        out.bulk(&s.get_index(i).expect("index within the set"));
    }
    Ok(())
}

fn smove(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (src, dst, member) = (argv[1], argv[2], argv[3]);
    let max = max_ints(ctx);
    let Some(src_set) = set_write(ctx, src)? else {
        ctx.client.out.int(0);
        return Ok(());
    };
    let in_src = src_set.contains(member);
    let dst_exists = set_write(ctx, dst)?.is_some();
    if src == dst || !in_src {
        ctx.client.out.int(in_src as i64 * (src == dst) as i64);
        return Ok(());
    }
    set_write(ctx, src)?.expect("checked").remove(member);
    ctx.notify(NOTIFY_SET, "srem", src);
    drop_if_empty(ctx, src);
    if !dst_exists {
        ctx.eng.ks.dbs[ctx.client.db].add(dst, Value::from_set(Set::default()));
    }
    // The destination changes only if the member was not there already
    // (t_set.c `smoveCommand`): only then is it signalled and notified.
    let db = ctx.client.db;
    ctx.eng.keys_signalled = true;
    ctx.eng.signal_modified(db, src);
    ctx.eng.dirty += 1;
    if set_write(ctx, dst)?.expect("present").add(member, max) {
        ctx.eng.dirty += 1;
        ctx.eng.signal_modified(db, dst);
        ctx.notify(NOTIFY_SET, "sadd", dst);
    }
    ctx.client.out.int(1);
    Ok(())
}

// ---------------------------------------------------------------------
// Algebra
// ---------------------------------------------------------------------

/// The operation of SINTER / SUNION / SDIFF and their STORE forms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// Members of every set at `keys` (type-checked first, missing = empty),
/// combined by `op`, in a deterministic order.
fn combine(ctx: &mut Ctx, keys: &[&[u8]], op: Op, limit: usize) -> Result<Vec<Vec<u8>>, CmdError> {
    let db = ctx.client.db;
    let mut present = Vec::with_capacity(keys.len());
    for k in keys {
        present.push(set_read(ctx, k)?.is_some());
    }
    let d = &ctx.eng.ks.dbs[db];
    let sets: Vec<Option<&Set>> = keys
        .iter()
        .zip(&present)
        .map(|(k, p)| {
            if *p {
                d.get(k).and_then(|v| v.as_set())
            } else {
                None
            }
        })
        .collect();
    let mut out: Vec<Vec<u8>> = Vec::new();
    match op {
        Op::Inter => {
            if sets.iter().any(|s| s.is_none()) {
                return Ok(out);
            }
            let mut sets: Vec<&Set> = sets.into_iter().flatten().collect();
            // Walk the smallest set, as sinterGenericCommand does.
            sets.sort_by_key(|s| s.len());
            for m in sets[0].iter() {
                if sets[1..].iter().all(|s| s.contains(&m)) {
                    out.push(m.into_owned());
                    if out.len() == limit {
                        break;
                    }
                }
            }
        }
        Op::Union => {
            let mut acc = Set::default();
            for s in sets.iter().flatten() {
                for m in s.iter() {
                    if acc.add(&m, usize::MAX) {
                        out.push(m.into_owned());
                    }
                }
            }
        }
        Op::Diff => {
            if let Some(first) = sets[0] {
                for m in first.iter() {
                    if !sets[1..].iter().flatten().any(|s| s.contains(&m)) {
                        out.push(m.into_owned());
                    }
                }
            }
        }
    }
    Ok(out)
}

/// SINTER, SUNION, SDIFF.
fn algebra(ctx: &mut Ctx, argv: &[&[u8]], op: Op) -> CmdResult {
    let members = combine(ctx, &argv[1..], op, usize::MAX)?;
    reply_members(&mut ctx.client.out, members.iter().map(|m| &m[..]));
    Ok(())
}

/// SINTERSTORE, SUNIONSTORE, SDIFFSTORE: an empty result deletes `dst`.
fn algebra_store(ctx: &mut Ctx, argv: &[&[u8]], op: Op) -> CmdResult {
    let members = combine(ctx, &argv[2..], op, usize::MAX)?;
    let max = max_ints(ctx);
    let dst = argv[1];
    let d = &mut ctx.eng.ks.dbs[ctx.client.db];
    let existed = d.remove(dst).is_some();
    if !members.is_empty() {
        let mut s = Set::default();
        members.iter().for_each(|m| {
            s.add(m, max);
        });
        d.add(dst, Value::from_set(s));
        ctx.eng.dirty += 1;
        let event = match op {
            Op::Inter => "sinterstore",
            Op::Union => "sunionstore",
            Op::Diff => "sdiffstore",
        };
        ctx.notify(NOTIFY_SET, event, dst);
    } else if existed {
        ctx.eng.dirty += 1;
        ctx.notify_del(dst);
    }
    ctx.client.out.int(members.len() as i64);
    Ok(())
}

fn sinter(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    algebra(ctx, argv, Op::Inter)
}

fn sunion(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    algebra(ctx, argv, Op::Union)
}

fn sdiff(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    algebra(ctx, argv, Op::Diff)
}

fn sinterstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    algebra_store(ctx, argv, Op::Inter)
}

fn sunionstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    algebra_store(ctx, argv, Op::Union)
}

fn sdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    algebra_store(ctx, argv, Op::Diff)
}

fn sintercard(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let numkeys = int(argv[1])
        .ok()
        .filter(|n| *n >= 1)
        .ok_or(CmdError::fixed("ERR numkeys should be greater than 0"))? as usize;
    if numkeys > argv.len() - 2 {
        return Err(CmdError::fixed(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let mut limit = 0usize;
    let mut j = 2 + numkeys;
    while j < argv.len() {
        if crate::args::eq(argv[j], "limit") && j + 1 < argv.len() {
            limit = crate::args::non_negative(argv[j + 1], LIMIT_NEGATIVE)?;
            j += 2;
        } else {
            return Err(SYNTAX);
        }
    }
    let limit = if limit == 0 { usize::MAX } else { limit };
    let n = combine(ctx, &argv[2..2 + numkeys], Op::Inter, limit)?.len();
    ctx.client.out.int(n as i64);
    Ok(())
}

fn sscan(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let cursor = scan::parse_cursor(argv[2])?;
    let Some(s) = set_read(ctx, argv[1])? else {
        scan::reply(&mut ctx.client.out, 0, &[]);
        return Ok(());
    };
    let o = scan::parse_options(argv, 3, false)?;
    let (positions, next) = match s {
        Set::Ints(_) => ((0..s.len()).collect(), 0),
        Set::Table(_) => scan::step(s.len(), cursor, o.count),
    };
    let items: Vec<Vec<u8>> = positions
        .into_iter()
        .map(|i| {
            s.get_index(i)
                .expect("position within the set")
                .into_owned()
        })
        .filter(|m| scan::pattern_matches(o.pattern, m))
        .collect();
    scan::reply(&mut ctx.client.out, next, &items);
    Ok(())
}
