//! List commands (t_list.c), and the blocking pops (blocked.c serves
//! them through [`Ctx::block`]).

use crate::args::{eq, int, mpop_args, non_negative, NOT_POSITIVE};
use crate::blocking::parse_timeout;
use crate::engine::Ctx;
use crate::error::{CmdError, CmdResult, NO_SUCH_KEY, SYNTAX, WRONGTYPE};
use crate::table::Handler;
use conf::notify::NOTIFY_LIST;
use keyspace::{Quicklist, Value};

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("lpush", lpush),
    ("rpush", rpush),
    ("lpushx", lpushx),
    ("rpushx", rpushx),
    ("lpop", lpop),
    ("rpop", rpop),
    ("llen", llen),
    ("lrange", lrange),
    ("lindex", lindex),
    ("lset", lset),
    ("linsert", linsert),
    ("lrem", lrem),
    ("ltrim", ltrim),
    ("lpos", lpos),
    ("lmove", lmove),
    ("rpoplpush", rpoplpush),
    ("lmpop", lmpop),
    ("blpop", blpop),
    ("brpop", brpop),
    ("blmove", blmove),
    ("brpoplpush", brpoplpush),
    ("blmpop", blmpop),
];

/// Which end of a list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Left,
    Right,
}

/// `LEFT` / `RIGHT` (t_list.c `getListPositionFromObjectOrReply`).
fn end_arg(arg: &[u8]) -> Result<End, CmdError> {
    if eq(arg, "left") {
        Ok(End::Left)
    } else if eq(arg, "right") {
        Ok(End::Right)
    } else {
        Err(SYNTAX)
    }
}

/// `list-max-listpack-size`, the node size of new list entries.
fn fill(ctx: &Ctx) -> i64 {
    ctx.eng.cached.list_fill
}

/// The list at `key` for writing: `Ok(None)` if absent, WRONGTYPE if
/// another type.
fn list_write<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Quicklist>, CmdError> {
    match ctx.eng.lookup_write(ctx.client.db, key, ctx.now_ms) {
        None => Ok(None),
        Some(v) => v.as_list_mut().map(Some).ok_or(WRONGTYPE),
    }
}

/// The list at `key` for reading (counts hits and misses).
fn list_read<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Quicklist>, CmdError> {
    match ctx.eng.lookup_read(ctx.client.db, key, ctx.now_ms) {
        None => Ok(None),
        Some(v) => v.as_list().map(Some).ok_or(WRONGTYPE),
    }
}

/// Deletes `key` if its list became empty (Redis never keeps empty
/// lists), with its `del` event.
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let db = ctx.client.db;
    if ctx.eng.ks.dbs[db]
        .get(key)
        .is_some_and(|v| v.as_list().is_some_and(|l| l.is_empty()))
    {
        ctx.eng.ks.dbs[db].remove(key);
        ctx.notify_del(key);
    }
}

/// The keyspace event of a pop from `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Left => "lpop",
        End::Right => "rpop",
    }
}

/// The pop command for `end`, as blocking and multi-key pops propagate.
fn pop_command(end: End) -> &'static [u8] {
    match end {
        End::Left => b"LPOP",
        End::Right => b"RPOP",
    }
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Left => "lpush",
        End::Right => "rpush",
    }
}

/// Normalises Redis list indexes: negative counts from the tail.
fn normalise(index: i64, len: usize) -> i64 {
    if index < 0 {
        index + len as i64
    } else {
        index
    }
}

/// t_list.c `pushGenericCommand`; `only_existing` for LPUSHX / RPUSHX.
fn push(ctx: &mut Ctx, argv: &[&[u8]], end: End, only_existing: bool) -> CmdResult {
    let key = argv[1];
    let fill = fill(ctx);
    let exists = list_write(ctx, key)?.is_some();
    if !exists {
        if only_existing {
            ctx.client.out.int(0);
            return Ok(());
        }
        ctx.eng.ks.dbs[ctx.client.db].add(key, Value::from_list(Quicklist::new()));
    }
    let list = list_write(ctx, key)?.expect("created above");
    for e in &argv[2..] {
        match end {
            End::Left => list.push_front(e, fill),
            End::Right => list.push_back(e, fill),
        }
    }
    let len = list.len();
    ctx.eng.dirty += (argv.len() - 2) as u64;
    ctx.notify(NOTIFY_LIST, push_event(end), key);
    ctx.client.out.int(len as i64);
    Ok(())
}

fn lpush(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    push(ctx, argv, End::Left, false)
}

fn rpush(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    push(ctx, argv, End::Right, false)
}

fn lpushx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    push(ctx, argv, End::Left, true)
}

fn rpushx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    push(ctx, argv, End::Right, true)
}

/// Pops up to `count` elements from one end.
fn pop_n(list: &mut Quicklist, end: End, count: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(count.min(list.len()));
    while out.len() < count {
        let v = match end {
            End::Left => list.pop_front(),
            End::Right => list.pop_back(),
        };
        match v {
            Some(v) => out.push(v),
            None => break,
        }
    }
    out
}

/// t_list.c `popGenericCommand`: LPOP / RPOP with an optional count.
fn pop(ctx: &mut Ctx, argv: &[&[u8]], end: End) -> CmdResult {
    let count = match argv.get(2) {
        Some(a) => Some(non_negative(a, NOT_POSITIVE)?),
        None => None,
    };
    let key = argv[1];
    let out = &mut ctx.client.out;
    let Some(list) = (match ctx.eng.lookup_write(ctx.client.db, key, ctx.now_ms) {
        None => None,
        Some(v) => Some(v.as_list_mut().ok_or(WRONGTYPE)?),
    }) else {
        if count.is_some() {
            out.null_array();
        } else {
            out.null();
        }
        return Ok(());
    };
    match count {
        None => {
            let v = pop_n(list, end, 1).pop().expect("lists are never empty");
            out.bulk(&v);
        }
        Some(0) => out.array(0),
        Some(n) => {
            let popped = pop_n(list, end, n);
            out.array(popped.len());
            popped.iter().for_each(|v| out.bulk(v));
        }
    }
    if count != Some(0) {
        ctx.eng.dirty += 1;
        ctx.notify(NOTIFY_LIST, pop_event(end), key);
        drop_if_empty(ctx, key);
    }
    Ok(())
}

fn lpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    pop(ctx, argv, End::Left)
}

fn rpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    pop(ctx, argv, End::Right)
}

fn llen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = list_read(ctx, argv[1])?.map_or(0, |l| l.len());
    ctx.client.out.int(n as i64);
    Ok(())
}

fn lrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (start, end) = (int(argv[2])?, int(argv[3])?);
    let out = &mut ctx.client.out;
    let Some(list) = (match ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms) {
        None => None,
        Some(v) => Some(v.as_list().ok_or(WRONGTYPE)?),
    }) else {
        out.array(0);
        return Ok(());
    };
    let len = list.len();
    let start = normalise(start, len).max(0);
    let end = normalise(end, len);
    if start > end || start >= len as i64 {
        out.array(0);
        return Ok(());
    }
    let end = end.min(len as i64 - 1);
    out.array((end - start + 1) as usize);
    for e in list.range(start as usize, end as usize) {
        out.bulk(e);
    }
    Ok(())
}

fn lindex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let out = &mut ctx.client.out;
    // The key is looked at before the index (t_list.c `lindexCommand`).
    match ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms) {
        None => out.null(),
        Some(v) => {
            let list = v.as_list().ok_or(WRONGTYPE)?;
            let index = int(argv[2])?;
            let i = normalise(index, list.len());
            match (i >= 0).then(|| list.get(i as usize)).flatten() {
                Some(e) => out.bulk(e),
                None => out.null(),
            }
        }
    }
    Ok(())
}

fn lset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // The key is looked at before the index (t_list.c `lsetCommand`).
    list_write(ctx, argv[1])?.ok_or(NO_SUCH_KEY)?;
    let index = int(argv[2])?;
    let list = list_write(ctx, argv[1])?.ok_or(NO_SUCH_KEY)?;
    let i = normalise(index, list.len());
    if i < 0 || !list.set(i as usize, argv[3]) {
        return Err(CmdError::fixed("ERR index out of range"));
    }
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_LIST, "lset", argv[1]);
    ctx.client.out.ok();
    Ok(())
}

fn linsert(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let after = if eq(argv[2], "after") {
        true
    } else if eq(argv[2], "before") {
        false
    } else {
        return Err(SYNTAX);
    };
    let fill = fill(ctx);
    let Some(list) = list_write(ctx, argv[1])? else {
        ctx.client.out.int(0);
        return Ok(());
    };
    let Some(pos) = list.iter().position(|e| e == argv[3]) else {
        ctx.client.out.int(-1);
        return Ok(());
    };
    list.insert(pos + after as usize, argv[4], fill);
    let len = list.len();
    ctx.eng.dirty += 1;
    ctx.notify(NOTIFY_LIST, "linsert", argv[1]);
    ctx.client.out.int(len as i64);
    Ok(())
}

fn lrem(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let count = int(argv[2])?;
    let target = argv[3];
    let Some(list) = list_write(ctx, argv[1])? else {
        ctx.client.out.int(0);
        return Ok(());
    };
    let len = list.len();
    // Positions of the matches to remove, from the head or the tail.
    let matches: Vec<usize> = list
        .iter()
        .enumerate()
        .filter(|(_, e)| *e == target)
        .map(|(i, _)| i)
        .collect();
    let chosen: Vec<usize> = match count {
        0 => matches,
        c if c > 0 => matches.into_iter().take(c as usize).collect(),
        c => matches
            .into_iter()
            .rev()
            .take(c.unsigned_abs() as usize)
            .collect(),
    };
    let mut marks = vec![false; len];
    chosen.iter().for_each(|i| marks[*i] = true);
    let removed = list.retain(|i, _| !marks[i]);
    if removed > 0 {
        ctx.eng.dirty += removed as u64;
        ctx.notify(NOTIFY_LIST, "lrem", argv[1]);
        drop_if_empty(ctx, argv[1]);
    }
    ctx.client.out.int(removed as i64);
    Ok(())
}

fn ltrim(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (start, end) = (int(argv[2])?, int(argv[3])?);
    if let Some(list) = list_write(ctx, argv[1])? {
        let len = list.len();
        let start = normalise(start, len).max(0);
        let end = normalise(end, len);
        if start > end || start >= len as i64 {
            list.trim(1, 0);
        } else {
            list.trim(start as usize, end.min(len as i64 - 1) as usize);
        }
        ctx.eng.dirty += 1;
        ctx.notify(NOTIFY_LIST, "ltrim", argv[1]);
        drop_if_empty(ctx, argv[1]);
    }
    ctx.client.out.ok();
    Ok(())
}

fn lpos(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<i64>, 0i64);
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if eq(argv[j], "rank") && more {
            rank = int(argv[j + 1])?;
            if rank == 0 {
                return Err(CmdError::fixed(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if eq(argv[j], "count") && more {
            let c = non_negative(argv[j + 1], CmdError::fixed("ERR COUNT can't be negative"))?;
            count = Some(c as i64);
        } else if eq(argv[j], "maxlen") && more {
            maxlen =
                non_negative(argv[j + 1], CmdError::fixed("ERR MAXLEN can't be negative"))? as i64;
        } else {
            return Err(SYNTAX);
        }
        j += 2;
    }
    let out = &mut ctx.client.out;
    let list = match ctx.eng.lookup_read(ctx.client.db, argv[1], ctx.now_ms) {
        None => {
            match count {
                Some(_) => out.array(0),
                None => out.null(),
            }
            return Ok(());
        }
        Some(v) => v.as_list().ok_or(WRONGTYPE)?,
    };
    let len = list.len();
    let from_tail = rank < 0;
    // Like C's `rank = -rank`, LLONG_MIN stays negative and so acts as -1.
    let skip = if rank == i64::MIN {
        0
    } else {
        rank.unsigned_abs() as usize - 1
    };
    let scan_limit = if maxlen == 0 {
        len
    } else {
        (maxlen as usize).min(len)
    };
    let positions: Box<dyn Iterator<Item = (usize, &[u8])>> = if from_tail {
        Box::new(list.iter().rev().enumerate().map(|(i, e)| (len - 1 - i, e)))
    } else {
        Box::new(list.iter().enumerate())
    };
    let want = match count {
        Some(0) => usize::MAX,
        Some(c) => c as usize,
        None => 1,
    };
    let found: Vec<usize> = positions
        .take(scan_limit)
        .filter(|(_, e)| *e == argv[2])
        .map(|(i, _)| i)
        .skip(skip)
        .take(want)
        .collect();
    match count {
        Some(_) => {
            out.array(found.len());
            found.iter().for_each(|i| out.int(*i as i64));
        }
        None => match found.first() {
            Some(i) => out.int(*i as i64),
            None => out.null(),
        },
    }
    Ok(())
}

/// t_list.c `lmoveGenericCommand`: pop from one list, push to another
/// (possibly the same, which rotates it).
fn lmove_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> CmdResult {
    let fill = fill(ctx);
    if list_write(ctx, src)?.is_none() {
        ctx.client.out.null();
        return Ok(());
    }
    // The destination's type is checked before anything moves.
    let dst_exists = list_write(ctx, dst)?.is_some();
    let list = list_write(ctx, src)?.expect("checked above");
    let v = pop_n(list, from, 1).pop().expect("lists are never empty");
    if !dst_exists && src != dst {
        ctx.eng.ks.dbs[ctx.client.db].add(dst, Value::from_list(Quicklist::new()));
    }
    let target = list_write(ctx, dst)?.expect("present or created");
    match to {
        End::Left => target.push_front(&v, fill),
        End::Right => target.push_back(&v, fill),
    }
    ctx.notify(NOTIFY_LIST, push_event(to), dst);
    ctx.notify(NOTIFY_LIST, pop_event(from), src);
    drop_if_empty(ctx, src);
    ctx.eng.dirty += 1;
    ctx.client.out.bulk(&v);
    Ok(())
}

fn lmove(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let from = end_arg(argv[3])?;
    let to = end_arg(argv[4])?;
    lmove_generic(ctx, argv[1], argv[2], from, to)
}

fn rpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    lmove_generic(ctx, argv[1], argv[2], End::Right, End::Left)
}

/// A key and the elements popped from it.
type Popped<'a> = (&'a [u8], Vec<Vec<u8>>);

/// Pops up to `count` elements from the first non-empty list of `keys`;
/// WRONGTYPE for a key of another type met before it.
fn pop_first<'a>(
    ctx: &mut Ctx,
    keys: &[&'a [u8]],
    end: End,
    count: usize,
) -> Result<Option<Popped<'a>>, CmdError> {
    for key in keys {
        let Some(list) = list_write(ctx, key)? else {
            continue;
        };
        let popped = pop_n(list, end, count);
        ctx.eng.dirty += 1;
        ctx.notify(NOTIFY_LIST, pop_event(end), key);
        drop_if_empty(ctx, key);
        return Ok(Some((key, popped)));
    }
    Ok(None)
}

/// `[key, [element, ...]]`, the reply of LMPOP and BLMPOP, which are
/// propagated as `LPOP|RPOP key n`.
fn reply_mpop(ctx: &mut Ctx, key: &[u8], end: End, popped: &[Vec<u8>]) {
    let n = popped.len().to_string();
    ctx.propagate_as(&[pop_command(end), key, n.as_bytes()]);
    let out = &mut ctx.client.out;
    out.array(2);
    out.bulk(key);
    out.array(popped.len());
    popped.iter().for_each(|v| out.bulk(v));
}

fn lmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (keys, end, count) = mpop_args(argv, 1, end_arg)?;
    match pop_first(ctx, &keys, end, count)? {
        Some((key, popped)) => reply_mpop(ctx, key, end, &popped),
        None => ctx.client.out.null_array(),
    }
    Ok(())
}

fn blmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (keys, end, count) = mpop_args(argv, 2, end_arg)?;
    let deadline = parse_timeout(argv[1], ctx.now_ms)?;
    match pop_first(ctx, &keys, end, count)? {
        Some((key, popped)) => reply_mpop(ctx, key, end, &popped),
        None => ctx.block(&keys, deadline, argv, resp::Out::null_array),
    }
    Ok(())
}

/// BLPOP / BRPOP (t_list.c `blockingPopGenericCommand`): `[key, element]`.
fn bpop(ctx: &mut Ctx, argv: &[&[u8]], end: End) -> CmdResult {
    let deadline = parse_timeout(argv[argv.len() - 1], ctx.now_ms)?;
    let keys = &argv[1..argv.len() - 1];
    match pop_first(ctx, keys, end, 1)? {
        Some((key, popped)) => {
            ctx.propagate_as(&[pop_command(end), key]);
            let out = &mut ctx.client.out;
            out.array(2);
            out.bulk(key);
            out.bulk(&popped[0]);
        }
        None => ctx.block(keys, deadline, argv, resp::Out::null_array),
    }
    Ok(())
}

fn blpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bpop(ctx, argv, End::Left)
}

fn brpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bpop(ctx, argv, End::Right)
}

/// t_list.c `blmoveGenericCommand`: LMOVE, or block while the source is
/// missing. Inside MULTI the empty case is a null bulk; a timeout is a
/// null array, as for every blocked list command.
fn blmove_generic(ctx: &mut Ctx, argv: &[&[u8]], from: End, to: End, timeout: &[u8]) -> CmdResult {
    let deadline = parse_timeout(timeout, ctx.now_ms)?;
    if list_write(ctx, argv[1])?.is_some() {
        // Propagated without its timeout (t_list.c `blmoveGenericCommand`).
        if argv.len() == 6 {
            ctx.propagate_as(&[b"LMOVE", argv[1], argv[2], argv[3], argv[4]]);
        } else {
            ctx.propagate_as(&[b"RPOPLPUSH", argv[1], argv[2]]);
        }
        return lmove_generic(ctx, argv[1], argv[2], from, to);
    }
    if ctx.in_exec {
        ctx.client.out.null();
    } else {
        ctx.block(&argv[1..2], deadline, argv, resp::Out::null_array);
    }
    Ok(())
}

fn blmove(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let from = end_arg(argv[3])?;
    let to = end_arg(argv[4])?;
    blmove_generic(ctx, argv, from, to, argv[5])
}

fn brpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    blmove_generic(ctx, argv, End::Right, End::Left, argv[3])
}
