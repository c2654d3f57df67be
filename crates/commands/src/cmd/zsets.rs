//! Sorted set commands (t_zset.c), with the blocking pops.

use crate::args::{eq, int, mpop_args, parse_float, strtod};
use crate::blocking::parse_timeout;
use crate::cmd::scan;
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, LIMIT_NEGATIVE, NOT_FLOAT, SYNTAX, WRONGTYPE};
use crate::table::Handler;
use conf::notify::NOTIFY_ZSET;
use keyspace::{PackLimits, Value, ZSet};
use rand::Rng;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("zadd", zadd),
    ("zincrby", zincrby),
    ("zrem", zrem),
    ("zcard", zcard),
    ("zscore", zscore),
    ("zmscore", zmscore),
    ("zrank", zrank),
    ("zrevrank", zrevrank),
    ("zcount", zcount),
    ("zlexcount", zlexcount),
    ("zrange", zrange),
    ("zrangestore", zrangestore),
    ("zrevrange", zrevrange),
    ("zrangebyscore", zrangebyscore),
    ("zrevrangebyscore", zrevrangebyscore),
    ("zrangebylex", zrangebylex),
    ("zrevrangebylex", zrevrangebylex),
    ("zremrangebyrank", zremrangebyrank),
    ("zremrangebyscore", zremrangebyscore),
    ("zremrangebylex", zremrangebylex),
    ("zpopmin", zpopmin),
    ("zpopmax", zpopmax),
    ("zmpop", zmpop),
    ("bzpopmin", bzpopmin),
    ("bzpopmax", bzpopmax),
    ("bzmpop", bzmpop),
    ("zunion", zunion),
    ("zinter", zinter),
    ("zdiff", zdiff),
    ("zunionstore", zunionstore),
    ("zinterstore", zinterstore),
    ("zdiffstore", zdiffstore),
    ("zintercard", zintercard),
    ("zrandmember", zrandmember),
    ("zscan", zscan),
];

/// `zset-max-listpack-entries` / `-value`.
fn limits(ctx: &Ctx) -> PackLimits {
    ctx.eng.cached.zset_limits
}

/// The sorted set at `key` for reading: `Ok(None)` if absent.
fn zset_read<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a ZSet>, CmdError> {
    match ctx.eng.lookup_read(ctx.client.db, key, ctx.now_ms) {
        None => Ok(None),
        Some(v) => v.as_zset().map(Some).ok_or(WRONGTYPE),
    }
}

/// The sorted set at `key` for writing: `Ok(None)` if absent.
fn zset_write<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut ZSet>, CmdError> {
    match ctx.eng.lookup_write(ctx.client.db, key, ctx.now_ms) {
        None => Ok(None),
        Some(v) => v.as_zset_mut().map(Some).ok_or(WRONGTYPE),
    }
}

/// Deletes `key` if its sorted set is empty; true if it did.
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) -> bool {
    let d = &mut ctx.eng.ks.dbs[ctx.client.db];
    let empty = d
        .get(key)
        .and_then(|v| v.as_zset())
        .is_some_and(|z| z.is_empty());
    if empty {
        d.remove(key);
    }
    empty
}

/// After members were removed by the running command: its event, then
/// `del` if the set is now empty and gone.
fn removed_event(ctx: &mut Ctx, event: &str, key: &[u8]) {
    ctx.notify(NOTIFY_ZSET, event, key);
    if drop_if_empty(ctx, key) {
        ctx.notify_del(key);
    }
}

/// Stores `items` as the sorted set `dst` (replacing it); empty deletes
/// it. The event is the command's name (`zunionstore`, `zrangestore`...).
fn store(ctx: &mut Ctx, dst: &[u8], items: &[(Vec<u8>, f64)]) {
    let lim = limits(ctx);
    let d = &mut ctx.eng.ks.dbs[ctx.client.db];
    let existed = d.remove(dst).is_some();
    if !items.is_empty() {
        // Built in its final encoding, as Redis builds a skiplist and
        // shrinks it only if small: a big result keeps its -0 scores.
        let mut z = ZSet::default();
        let too_big =
            items.len() > lim.max_entries || items.iter().any(|(m, _)| m.len() > lim.max_value);
        if too_big {
            z.convert();
        }
        items.iter().for_each(|(m, s)| {
            z.insert(m, *s, lim);
        });
        d.add(dst, Value::from_zset(z));
        ctx.eng.dirty += 1;
        ctx.notify(NOTIFY_ZSET, ctx.cmd.name(), dst);
    } else if existed {
        ctx.eng.dirty += 1;
        ctx.notify_del(dst);
    }
}

/// Replies with members, and scores if asked: a flat array in RESP2,
/// pairs in RESP3 (t_zset.c `zrangeResultEmitCBufferToClient`).
fn reply_items(ctx: &mut Ctx, items: &[(Vec<u8>, f64)], withscores: bool) {
    let resp3 = ctx.client.resp() == 3;
    let out = &mut ctx.client.out;
    if withscores && !resp3 {
        out.array(items.len() * 2);
    } else {
        out.array(items.len());
    }
    for (m, s) in items {
        if withscores && resp3 {
            out.array(2);
        }
        out.bulk(m);
        if withscores {
            out.double(*s);
        }
    }
}

// ---------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------

/// A score interval (t_zset.c `zslParseRange`).
#[derive(Clone, Copy)]
struct ScoreRange {
    min: f64,
    minex: bool,
    max: f64,
    maxex: bool,
}

impl ScoreRange {
    fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
        // t_zset.c `zslParseRange`: `strtod` over the rest, only NaN and
        // trailing text refused (so "" and "(" are 0).
        let bound = |a: &[u8]| -> Option<(f64, bool)> {
            let (text, exclusive) = match a.first() {
                Some(b'(') => (&a[1..], true),
                _ => (a, false),
            };
            strtod(text)
                .map(|(v, _)| v)
                .filter(|v| !v.is_nan())
                .map(|v| (v, exclusive))
        };
        let err = CmdError::fixed("ERR min or max is not a float");
        let (min, minex) = bound(min).ok_or(err.clone())?;
        let (max, maxex) = bound(max).ok_or(err)?;
        Ok(ScoreRange {
            min,
            minex,
            max,
            maxex,
        })
    }

    fn contains(&self, s: f64) -> bool {
        let above = if self.minex {
            s > self.min
        } else {
            s >= self.min
        };
        let below = if self.maxex {
            s < self.max
        } else {
            s <= self.max
        };
        above && below
    }
}

/// A lexicographic interval (t_zset.c `zslParseLexRange`).
#[derive(Clone)]
struct LexRange {
    min: LexBound,
    max: LexBound,
}

#[derive(Clone)]
enum LexBound {
    NegInf,
    PosInf,
    Incl(Vec<u8>),
    Excl(Vec<u8>),
}

impl LexRange {
    fn parse(min: &[u8], max: &[u8]) -> Result<LexRange, CmdError> {
        let bound = |a: &[u8]| -> Option<LexBound> {
            match a {
                b"-" => Some(LexBound::NegInf),
                b"+" => Some(LexBound::PosInf),
                [b'[', rest @ ..] => Some(LexBound::Incl(rest.to_vec())),
                [b'(', rest @ ..] => Some(LexBound::Excl(rest.to_vec())),
                _ => None,
            }
        };
        let err = CmdError::fixed("ERR min or max not valid string range item");
        Ok(LexRange {
            min: bound(min).ok_or(err.clone())?,
            max: bound(max).ok_or(err)?,
        })
    }

    /// `m` is at or above the lower bound (t_zset.c `zslLexValueGteMin`).
    fn gte_min(&self, m: &[u8]) -> bool {
        match &self.min {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Incl(b) => m >= &b[..],
            LexBound::Excl(b) => m > &b[..],
        }
    }

    /// `m` is at or below the upper bound (t_zset.c `zslLexValueLteMax`).
    fn lte_max(&self, m: &[u8]) -> bool {
        match &self.max {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Incl(b) => m <= &b[..],
            LexBound::Excl(b) => m < &b[..],
        }
    }

    /// The range can hold nothing: min above max (t_zset.c `sdscmplex`).
    fn is_empty(&self) -> bool {
        fn rank(b: &LexBound) -> (u8, &[u8], bool) {
            match b {
                LexBound::NegInf => (0, b"", false),
                LexBound::Incl(v) => (1, v, false),
                LexBound::Excl(v) => (1, v, true),
                LexBound::PosInf => (2, b"", false),
            }
        }
        let (a, b) = (rank(&self.min), rank(&self.max));
        (a.0, a.1) > (b.0, b.1) || ((a.0, a.1) == (b.0, b.1) && (a.2 || b.2))
    }
}

/// What part of a sorted set a range command selects.
enum Select {
    /// Ranks `start..=end` before normalisation (may be negative).
    Rank(i64, i64),
    /// A score interval.
    Score(ScoreRange),
    /// A member interval.
    Lex(LexRange),
}

/// Members and scores selected from `z`, in ascending order or, with
/// `rev`, descending; `limit` is (offset, count) with count < 0 = all.
fn select(z: &ZSet, sel: &Select, rev: bool, limit: Option<(i64, i64)>) -> Vec<(Vec<u8>, f64)> {
    let all: Box<dyn Iterator<Item = (std::borrow::Cow<'_, [u8]>, f64)>> = if rev {
        Box::new(z.iter().rev())
    } else {
        Box::new(z.iter())
    };
    let picked: Box<dyn Iterator<Item = (std::borrow::Cow<'_, [u8]>, f64)>> = match sel {
        Select::Rank(start, end) => {
            let len = z.len() as i64;
            let start = if *start < 0 { start + len } else { *start }.max(0);
            let end = if *end < 0 { end + len } else { *end };
            if start > end || start >= len {
                return Vec::new();
            }
            let end = end.min(len - 1);
            Box::new(all.skip(start as usize).take((end - start + 1) as usize))
        }
        Select::Score(r) => {
            let r = *r;
            Box::new(all.filter(move |(_, s)| r.contains(*s)))
        }
        Select::Lex(r) => {
            // Redis walks from the first member past the near bound and
            // stops at the first one past the far bound (zzlFirstInLexRange
            // and friends). With equal scores, as BYLEX expects, that is a
            // filter; with unequal ones this reproduces Redis's answer.
            let (first, last) = (z.iter().next(), z.iter().next_back());
            let overlaps =
                matches!((&first, &last), (Some(f), Some(l)) if r.lte_max(&f.0) && r.gte_min(&l.0));
            if r.is_empty() || !overlaps {
                return Vec::new();
            }
            let (r1, r2) = (r.clone(), r.clone());
            if rev {
                Box::new(
                    all.skip_while(move |(m, _)| !r1.lte_max(m))
                        .take_while(move |(m, _)| r2.gte_min(m)),
                )
            } else {
                Box::new(
                    all.skip_while(move |(m, _)| !r1.gte_min(m))
                        .take_while(move |(m, _)| r2.lte_max(m)),
                )
            }
        }
    };
    let picked: Box<dyn Iterator<Item = _>> = match limit {
        Some((offset, _)) if offset < 0 => return Vec::new(),
        Some((offset, count)) if count >= 0 => {
            Box::new(picked.skip(offset as usize).take(count as usize))
        }
        Some((offset, _)) => Box::new(picked.skip(offset as usize)),
        None => picked,
    };
    picked.map(|(m, s)| (m.into_owned(), s)).collect()
}

// ---------------------------------------------------------------------
// ZADD and friends
// ---------------------------------------------------------------------

/// t_zset.c `zaddGenericCommand`; `incr_only` for ZINCRBY.
fn zadd_generic(ctx: &mut Ctx, argv: &[&[u8]], incr_only: bool) -> CmdResult {
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, incr_only);
    let mut idx = 2;
    if !incr_only {
        while idx < argv.len() {
            let o = argv[idx];
            if eq(o, "nx") {
                nx = true;
            } else if eq(o, "xx") {
                xx = true;
            } else if eq(o, "ch") {
                ch = true;
            } else if eq(o, "incr") {
                incr = true;
            } else if eq(o, "gt") {
                gt = true;
            } else if eq(o, "lt") {
                lt = true;
            } else {
                break;
            }
            idx += 1;
        }
    }
    let elements = argv.len() - idx;
    if elements == 0 || elements % 2 == 1 {
        return Err(SYNTAX);
    }
    if nx && xx {
        return Err(CmdError::fixed(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if [gt, lt, nx].iter().filter(|o| **o).count() > 1 {
        return Err(CmdError::fixed(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if incr && elements > 2 {
        return Err(CmdError::fixed(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    let mut pairs = Vec::with_capacity(elements / 2);
    for p in argv[idx..].chunks(2) {
        pairs.push((parse_float(p[0]).ok_or(NOT_FLOAT)?, p[1]));
    }
    let lim = limits(ctx);
    let key = argv[1];
    if zset_write(ctx, key)?.is_none() {
        if xx {
            if incr {
                ctx.client.out.null();
            } else {
                ctx.client.out.int(0);
            }
            return Ok(());
        }
        ctx.eng.ks.dbs[ctx.client.db].add(key, Value::from_zset(ZSet::default()));
    }
    let z = zset_write(ctx, key)?.expect("present or created");
    let (mut added, mut updated, mut last) = (0, 0, None);
    for (score, member) in pairs {
        match z.score(member) {
            Some(cur) => {
                if nx {
                    continue;
                }
                let new = if incr { cur + score } else { score };
                if new.is_nan() {
                    drop_if_empty(ctx, key);
                    return Err(CmdError::fixed("ERR resulting score is not a number (NaN)"));
                }
                if (gt && new <= cur) || (lt && new >= cur) {
                    continue;
                }
                if new != cur {
                    z.insert(member, new, lim);
                    updated += 1;
                }
                last = Some(new);
            }
            None => {
                if xx {
                    continue;
                }
                z.insert(member, score, lim);
                added += 1;
                last = Some(score);
            }
        }
    }
    drop_if_empty(ctx, key);
    ctx.eng.dirty += (added + updated) as u64;
    if added + updated > 0 {
        ctx.notify(NOTIFY_ZSET, if incr { "zincr" } else { "zadd" }, key);
    }
    if incr {
        match last {
            Some(s) => ctx.client.out.double(s),
            None => ctx.client.out.null(),
        }
    } else {
        ctx.client.out.int(if ch { added + updated } else { added });
    }
    Ok(())
}

fn zadd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zadd_generic(ctx, argv, false)
}

fn zincrby(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zadd_generic(ctx, argv, true)
}

fn zrem(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let removed = match zset_write(ctx, argv[1])? {
        Some(z) => argv[2..].iter().filter(|m| z.remove(m)).count(),
        None => 0,
    };
    if removed > 0 {
        ctx.eng.dirty += removed as u64;
        removed_event(ctx, "zrem", argv[1]);
    }
    ctx.client.out.int(removed as i64);
    Ok(())
}

fn zcard(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = zset_read(ctx, argv[1])?.map_or(0, |z| z.len());
    ctx.client.out.int(n as i64);
    Ok(())
}

fn zscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    match zset_read(ctx, argv[1])?.and_then(|z| z.score(argv[2])) {
        Some(s) => ctx.client.out.double(s),
        None => ctx.client.out.null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let scores: Vec<Option<f64>> = {
        let z = zset_read(ctx, argv[1])?;
        argv[2..]
            .iter()
            .map(|m| z.and_then(|z| z.score(m)))
            .collect()
    };
    let out = &mut ctx.client.out;
    out.array(scores.len());
    for s in scores {
        match s {
            Some(s) => out.double(s),
            None => out.null(),
        }
    }
    Ok(())
}

fn rank_generic(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) -> CmdResult {
    let r = zset_read(ctx, argv[1])?.and_then(|z| {
        z.rank(argv[2])
            .map(|r| if rev { z.len() - 1 - r } else { r })
    });
    match r {
        Some(r) => ctx.client.out.int(r as i64),
        None => ctx.client.out.null(),
    }
    Ok(())
}

fn zrank(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    rank_generic(ctx, argv, false)
}

fn zrevrank(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    rank_generic(ctx, argv, true)
}

fn zcount(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let r = ScoreRange::parse(argv[2], argv[3])?;
    let n =
        zset_read(ctx, argv[1])?.map_or(0, |z| z.iter().filter(|(_, s)| r.contains(*s)).count());
    ctx.client.out.int(n as i64);
    Ok(())
}

fn zlexcount(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let sel = Select::Lex(LexRange::parse(argv[2], argv[3])?);
    let n = zset_read(ctx, argv[1])?.map_or(0, |z| select(z, &sel, false, None).len());
    ctx.client.out.int(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------
// ZRANGE family
// ---------------------------------------------------------------------

/// Which syntax a ZRANGE-family command was called with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// t_zset.c `zrangeGenericCommand`: `argv[first..]` is `key min max
/// [options]` (after the destination for ZRANGESTORE).
fn zrange_generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    first: usize,
    dst: Option<&[u8]>,
    kind: RangeKind,
    mut rev: bool,
) -> CmdResult {
    let key = argv[first];
    // Only ZRANGE and ZRANGESTORE take BYSCORE, BYLEX and REV.
    let generic = kind == RangeKind::Auto;
    let (mut withscores, mut limit, mut kind) = (false, None, kind);
    let mut j = first + 3;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if dst.is_none() && eq(argv[j], "withscores") {
            withscores = true;
        } else if eq(argv[j], "limit") && more >= 2 {
            limit = Some((int(argv[j + 1])?, int(argv[j + 2])?));
            j += 2;
        } else if generic && eq(argv[j], "byscore") {
            kind = RangeKind::Score;
        } else if generic && eq(argv[j], "bylex") {
            kind = RangeKind::Lex;
        } else if generic && eq(argv[j], "rev") {
            rev = true;
        } else {
            return Err(SYNTAX);
        }
        j += 1;
    }
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    // Only a count makes LIMIT an error by rank: an offset with count -1
    // is accepted and ignored (t_zset.c `zrangeGenericCommand`).
    if limit.is_some_and(|(_, count)| count != -1) && kind == RangeKind::Rank {
        return Err(CmdError::fixed(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if kind == RangeKind::Rank {
        limit = None;
    }
    if withscores && kind == RangeKind::Lex {
        return Err(CmdError::fixed(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    // With REV, the score and lex forms take max before min.
    let (a, b) = (argv[first + 1], argv[first + 2]);
    let (lo, hi) = if rev && kind != RangeKind::Rank {
        (b, a)
    } else {
        (a, b)
    };
    let sel = match kind {
        RangeKind::Score => Select::Score(ScoreRange::parse(lo, hi)?),
        RangeKind::Lex => Select::Lex(LexRange::parse(lo, hi)?),
        _ => Select::Rank(int(lo)?, int(hi)?),
    };
    let items = match zset_read(ctx, key)? {
        Some(z) => select(z, &sel, rev, limit),
        None => Vec::new(),
    };
    match dst {
        Some(d) => {
            store(ctx, d, &items);
            ctx.client.out.int(items.len() as i64);
        }
        None => reply_items(ctx, &items, withscores),
    }
    Ok(())
}

fn zrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeKind::Auto, false)
}

fn zrangestore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_generic(ctx, argv, 2, Some(argv[1]), RangeKind::Auto, false)
}

fn zrevrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeKind::Rank, true)
}

fn zrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeKind::Score, false)
}

fn zrevrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeKind::Score, true)
}

fn zrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeKind::Lex, false)
}

fn zrevrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeKind::Lex, true)
}

/// ZREMRANGEBYRANK / SCORE / LEX.
fn zremrange(ctx: &mut Ctx, argv: &[&[u8]], sel: Select) -> CmdResult {
    let removed = match zset_write(ctx, argv[1])? {
        Some(z) => {
            let victims = select(z, &sel, false, None);
            victims.iter().for_each(|(m, _)| {
                z.remove(m);
            });
            victims.len()
        }
        None => 0,
    };
    if removed > 0 {
        ctx.eng.dirty += removed as u64;
        removed_event(ctx, ctx.cmd.name(), argv[1]);
    }
    ctx.client.out.int(removed as i64);
    Ok(())
}

fn zremrangebyrank(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let sel = Select::Rank(int(argv[2])?, int(argv[3])?);
    zremrange(ctx, argv, sel)
}

fn zremrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let sel = Select::Score(ScoreRange::parse(argv[2], argv[3])?);
    zremrange(ctx, argv, sel)
}

fn zremrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let sel = Select::Lex(LexRange::parse(argv[2], argv[3])?);
    zremrange(ctx, argv, sel)
}

// ---------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------

/// Members with their scores.
type Scored = Vec<(Vec<u8>, f64)>;

/// Removes up to `count` lowest (or highest, `max`) members of `key`.
fn pop_from(
    ctx: &mut Ctx,
    key: &[u8],
    max: bool,
    count: usize,
) -> Result<Option<Scored>, CmdError> {
    let Some(z) = zset_write(ctx, key)? else {
        return Ok(None);
    };
    let items = select(z, &Select::Rank(0, count as i64 - 1), max, None);
    items.iter().for_each(|(m, _)| {
        z.remove(m);
    });
    if !items.is_empty() {
        ctx.eng.dirty += items.len() as u64;
        removed_event(ctx, if max { "zpopmax" } else { "zpopmin" }, key);
    }
    Ok(Some(items))
}

/// ZPOPMIN / ZPOPMAX (t_zset.c `genericZpopCommand`).
fn zpop(ctx: &mut Ctx, argv: &[&[u8]], max: bool) -> CmdResult {
    let count = match argv.len() {
        2 => None,
        3 => Some(crate::args::non_negative(
            argv[2],
            crate::args::NOT_POSITIVE,
        )?),
        _ => return Err(SYNTAX),
    };
    if count == Some(0) {
        ctx.client.out.array(0);
        return Ok(());
    }
    let items = pop_from(ctx, argv[1], max, count.unwrap_or(1))?.unwrap_or_default();
    // RESP3 nests pairs only when a count was given.
    let nested = ctx.client.resp() == 3 && count.is_some();
    let out = &mut ctx.client.out;
    out.array(if nested { items.len() } else { items.len() * 2 });
    for (m, s) in &items {
        if nested {
            out.array(2);
        }
        out.bulk(m);
        out.double(*s);
    }
    Ok(())
}

fn zpopmin(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zpop(ctx, argv, false)
}

fn zpopmax(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zpop(ctx, argv, true)
}

/// The pop command blocking and multi-key pops propagate as.
fn zpop_command(max: bool) -> &'static [u8] {
    if max {
        b"ZPOPMAX"
    } else {
        b"ZPOPMIN"
    }
}

/// `MIN` or `MAX` (true for MAX).
fn min_or_max(arg: &[u8]) -> Result<bool, CmdError> {
    if eq(arg, "min") {
        Ok(false)
    } else if eq(arg, "max") {
        Ok(true)
    } else {
        Err(SYNTAX)
    }
}

/// Pops from the first of `keys` holding a sorted set.
fn pop_first<'a>(
    ctx: &mut Ctx,
    keys: &[&'a [u8]],
    max: bool,
    count: usize,
) -> Result<Option<(&'a [u8], Scored)>, CmdError> {
    for key in keys {
        if let Some(items) = pop_from(ctx, key, max, count)? {
            return Ok(Some((key, items)));
        }
    }
    Ok(None)
}

/// `[key, [[member, score], ...]]`, the reply of ZMPOP and BZMPOP, which
/// are propagated as `ZPOPMIN|ZPOPMAX key n`.
fn reply_mpop(ctx: &mut Ctx, key: &[u8], max: bool, items: &[(Vec<u8>, f64)]) {
    let n = items.len().to_string();
    ctx.propagate_as(&[zpop_command(max), key, n.as_bytes()]);
    let out = &mut ctx.client.out;
    out.array(2);
    out.bulk(key);
    out.array(items.len());
    for (m, s) in items {
        out.array(2);
        out.bulk(m);
        out.double(*s);
    }
}

fn zmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (keys, max, count) = mpop_args(argv, 1, min_or_max)?;
    match pop_first(ctx, &keys, max, count)? {
        Some((key, items)) => reply_mpop(ctx, key, max, &items),
        None => ctx.client.out.null_array(),
    }
    Ok(())
}

fn bzmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (keys, max, count) = mpop_args(argv, 2, min_or_max)?;
    let deadline = parse_timeout(argv[1], ctx.now_ms)?;
    match pop_first(ctx, &keys, max, count)? {
        Some((key, items)) => reply_mpop(ctx, key, max, &items),
        None => ctx.block(&keys, deadline, argv, resp::Out::null_array),
    }
    Ok(())
}

/// BZPOPMIN / BZPOPMAX (t_zset.c `blockingGenericZpopCommand`):
/// `[key, member, score]`.
fn bzpop(ctx: &mut Ctx, argv: &[&[u8]], max: bool) -> CmdResult {
    let deadline = parse_timeout(argv[argv.len() - 1], ctx.now_ms)?;
    let keys = &argv[1..argv.len() - 1];
    match pop_first(ctx, keys, max, 1)? {
        Some((key, items)) => {
            ctx.propagate_as(&[zpop_command(max), key]);
            let out = &mut ctx.client.out;
            out.array(3);
            out.bulk(key);
            out.bulk(&items[0].0);
            out.double(items[0].1);
        }
        None => ctx.block(keys, deadline, argv, resp::Out::null_array),
    }
    Ok(())
}

fn bzpopmin(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bzpop(ctx, argv, false)
}

fn bzpopmax(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bzpop(ctx, argv, true)
}

// ---------------------------------------------------------------------
// Algebra
// ---------------------------------------------------------------------

/// The operation of ZUNION / ZINTER / ZDIFF and their STORE forms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// How ZUNION and ZINTER combine scores.
#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Adds with Redis's NaN rule (`inf + -inf` counts as 0).
fn nan_to_zero(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// t_zset.c `zunionInterAggregate`, C comparisons included: a NaN value
/// never replaces the minimum or maximum, and a NaN sum is 0.
fn aggregate(agg: Aggregate, acc: f64, v: f64) -> f64 {
    match agg {
        Aggregate::Sum => nan_to_zero(acc + v),
        Aggregate::Min => {
            if v < acc {
                v
            } else {
                acc
            }
        }
        Aggregate::Max => {
            if v > acc {
                v
            } else {
                acc
            }
        }
    }
}

/// Members and scores of an input key of ZUNION & co: a sorted set, or a
/// plain set whose members score 1.
fn input(ctx: &mut Ctx, key: &[u8]) -> Result<Vec<(Vec<u8>, f64)>, CmdError> {
    let found = ctx.eng.lookup_write(ctx.client.db, key, ctx.now_ms);
    Ok(match found {
        None => Vec::new(),
        Some(v) => {
            if let Some(z) = v.as_zset() {
                z.iter().map(|(m, s)| (m.into_owned(), s)).collect()
            } else if let Some(s) = v.as_set() {
                s.iter().map(|m| (m.into_owned(), 1.0)).collect()
            } else {
                return Err(WRONGTYPE);
            }
        }
    })
}

/// t_zset.c `zunionInterDiffGenericCommand`. `numkeys_idx` is where
/// numkeys sits; `dst` is the destination of the STORE forms.
fn zsetop(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    numkeys_idx: usize,
    dst: Option<&[u8]>,
    op: Op,
    card_only: bool,
) -> CmdResult {
    let n = int(argv[numkeys_idx])?;
    if n < 1 {
        let msg = format!(
            "ERR at least 1 input key is needed for '{}' command",
            ctx.cmd.name()
        );
        return Err(CmdError::new(msg));
    }
    let n = n as usize;
    if n > argv.len() - numkeys_idx - 1 {
        return Err(SYNTAX);
    }
    let keys = &argv[numkeys_idx + 1..numkeys_idx + 1 + n];
    // The inputs are type-checked before the options are parsed.
    let mut inputs = Vec::with_capacity(n);
    for k in keys {
        inputs.push(input(ctx, k)?);
    }
    let (mut weights, mut agg, mut withscores, mut limit) =
        (vec![1.0; n], Aggregate::Sum, false, 0usize);
    let mut j = numkeys_idx + 1 + n;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if card_only {
            if eq(argv[j], "limit") && more >= 1 {
                limit = crate::args::non_negative(argv[j + 1], LIMIT_NEGATIVE)?;
                j += 2;
                continue;
            }
            return Err(SYNTAX);
        }
        if op != Op::Diff && eq(argv[j], "weights") && more >= n {
            for (i, w) in weights.iter_mut().enumerate() {
                *w = parse_float(argv[j + 1 + i])
                    .ok_or(CmdError::fixed("ERR weight value is not a float"))?;
            }
            j += n + 1;
        } else if op != Op::Diff && eq(argv[j], "aggregate") && more >= 1 {
            agg = if eq(argv[j + 1], "sum") {
                Aggregate::Sum
            } else if eq(argv[j + 1], "min") {
                Aggregate::Min
            } else if eq(argv[j + 1], "max") {
                Aggregate::Max
            } else {
                return Err(SYNTAX);
            };
            j += 2;
        } else if dst.is_none() && eq(argv[j], "withscores") {
            withscores = true;
            j += 1;
        } else {
            return Err(SYNTAX);
        }
    }
    // Union and intersection take the inputs smallest first, each with
    // its weight (t_zset.c sorts them by cardinality), which decides how
    // infinities meet.
    let mut inputs: Vec<(f64, Scored)> = weights.into_iter().zip(inputs).collect();
    if op != Op::Diff {
        inputs.sort_by_key(|(_, set)| set.len());
    }
    let (weights, inputs): (Vec<f64>, Vec<_>) = inputs.into_iter().unzip();
    let weighted = |i: usize, s: f64| s * weights[i];
    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    match op {
        Op::Union => {
            let mut acc: std::collections::HashMap<Vec<u8>, f64> = std::collections::HashMap::new();
            for (i, set) in inputs.iter().enumerate() {
                for (m, s) in set {
                    let v = nan_to_zero(weighted(i, *s));
                    acc.entry(m.clone())
                        .and_modify(|a| *a = aggregate(agg, *a, v))
                        .or_insert(v);
                }
            }
            result.extend(acc);
        }
        Op::Inter => {
            let others: Vec<std::collections::HashMap<&[u8], f64>> = inputs[1..]
                .iter()
                .map(|s| s.iter().map(|(m, s)| (&m[..], *s)).collect())
                .collect();
            for (m, s) in &inputs[0] {
                // Only the first product is cleared of NaN; the others
                // meet the aggregate as they are.
                let mut v = nan_to_zero(weighted(0, *s));
                let mut all = true;
                for (i, o) in others.iter().enumerate() {
                    match o.get(&m[..]) {
                        Some(os) => v = aggregate(agg, v, weighted(i + 1, *os)),
                        None => {
                            all = false;
                            break;
                        }
                    }
                }
                if all {
                    result.push((m.clone(), v));
                    if card_only && limit > 0 && result.len() == limit {
                        break;
                    }
                }
            }
        }
        Op::Diff => {
            let others: std::collections::HashSet<&[u8]> = inputs[1..]
                .iter()
                .flat_map(|s| s.iter().map(|(m, _)| &m[..]))
                .collect();
            result.extend(
                inputs[0]
                    .iter()
                    .filter(|(m, _)| !others.contains(&m[..]))
                    .cloned(),
            );
        }
    }
    if card_only {
        ctx.client.out.int(result.len() as i64);
        return Ok(());
    }
    result.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .expect("no NaN")
            .then_with(|| a.0.cmp(&b.0))
    });
    match dst {
        Some(d) => {
            store(ctx, d, &result);
            ctx.client.out.int(result.len() as i64);
        }
        None => reply_items(ctx, &result, withscores),
    }
    Ok(())
}

fn zunion(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zsetop(ctx, argv, 1, None, Op::Union, false)
}

fn zinter(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zsetop(ctx, argv, 1, None, Op::Inter, false)
}

fn zdiff(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zsetop(ctx, argv, 1, None, Op::Diff, false)
}

fn zunionstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zsetop(ctx, argv, 2, Some(argv[1]), Op::Union, false)
}

fn zinterstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zsetop(ctx, argv, 2, Some(argv[1]), Op::Inter, false)
}

fn zdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zsetop(ctx, argv, 2, Some(argv[1]), Op::Diff, false)
}

fn zintercard(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zsetop(ctx, argv, 1, None, Op::Inter, true)
}

// ---------------------------------------------------------------------
// Sampling and scanning
// ---------------------------------------------------------------------

fn zrandmember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (count, withscores) = crate::args::random_count(argv, "withscores")?;
    let resp3 = ctx.client.resp() == 3;
    let db = ctx.client.db;
    let exists = zset_read(ctx, argv[1])?.is_some();
    let eng = &mut *ctx.eng;
    let z = if exists {
        eng.ks.dbs[db].get(argv[1]).and_then(|v| v.as_zset())
    } else {
        None
    };
    let rng = &mut eng.rng;
    let out = &mut ctx.client.out;
    let Some(count) = count else {
        match z {
            Some(z) => out.bulk(&z.get_index(rng.gen_range(0..z.len())).expect("non-empty").0),
            None => out.null(),
        }
        return Ok(());
    };
    let Some(z) = z else {
        out.array(0);
        return Ok(());
    };
    let picks: Vec<usize> = if count < 0 {
        (0..count.unsigned_abs())
            .map(|_| rng.gen_range(0..z.len()))
            .collect()
    } else if count as usize >= z.len() {
        (0..z.len()).collect()
    } else {
        rand::seq::index::sample(rng, z.len(), count as usize).into_vec()
    };
    out.array(if withscores && !resp3 {
        picks.len() * 2
    } else {
        picks.len()
    });
    for i in picks {
        let (m, s) = z.get_index(i).expect("index within the zset");
        if withscores && resp3 {
            out.array(2);
        }
        out.bulk(&m);
        if withscores {
            out.double(s);
        }
    }
    Ok(())
}

fn zscan(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let cursor = scan::parse_cursor(argv[2])?;
    let Some(z) = zset_read(ctx, argv[1])? else {
        scan::reply(&mut ctx.client.out, 0, &[]);
        return Ok(());
    };
    let o = scan::parse_options(argv, 3, false)?;
    let (positions, next) = match z {
        ZSet::Pack(_) => ((0..z.len()).collect(), 0),
        ZSet::Skip { .. } => scan::step(z.len(), cursor, o.count),
    };
    let mut items = Vec::new();
    for i in positions {
        let (m, s) = z.get_index(i).expect("position within the zset");
        if scan::pattern_matches(o.pattern, &m) {
            items.push(m.into_owned());
            items.push(resp::format_double(s).into_bytes());
        }
    }
    scan::reply(&mut ctx.client.out, next, &items);
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Goal: range parsing follows t_zset.c zslParseRange / zslParseLexRange.
    use super::*;

    #[test]
    fn score_ranges() {
        let r = ScoreRange::parse(b"(1", b"+inf").unwrap();
        assert!(!r.contains(1.0) && r.contains(1.5) && r.contains(f64::INFINITY));
        assert!(ScoreRange::parse(b"x", b"1").is_err());
        // strtod reads nothing as 0 (redis-server 7.0.15: ZCOUNT z "(" 1).
        let r = ScoreRange::parse(b"(", b"").unwrap();
        assert!(!r.contains(0.0) && !r.contains(-1.0));
        assert!(ScoreRange::parse(b" 1", b"2").unwrap().contains(1.0));
    }

    #[test]
    fn lex_ranges() {
        let r = LexRange::parse(b"[b", b"(d").unwrap();
        assert!(r.gte_min(b"b") && r.lte_max(b"c") && !r.lte_max(b"d") && !r.gte_min(b"a"));
        assert!(LexRange::parse(b"b", b"+").is_err());
        assert!(!LexRange::parse(b"-", b"+").unwrap().is_empty());
        assert!(LexRange::parse(b"[b", b"(b").unwrap().is_empty());
        assert!(LexRange::parse(b"+", b"-").unwrap().is_empty());
    }
}
