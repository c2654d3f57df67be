//! OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP (object.c
//! `objectCommand`).

use crate::cmd::reply;
use crate::engine::{Ctx, Engine};
use crate::error::{CmdError, CmdResult};
use crate::table::Handler;
use keyspace::Value;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("object|encoding", encoding),
    ("object|freq", freq),
    ("object|idletime", idletime),
    ("object|refcount", refcount),
    ("object|help", help),
];

/// Redis's `OBJ_SHARED_REFCOUNT`: the refcount reported for shared objects.
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// Integers below this are shared objects (server.h `OBJ_SHARED_INTEGERS`).
const SHARED_INTEGERS: i64 = 10_000;

/// LFU counter of a new object (server.h `LFU_INIT_VAL`).
const LFU_INIT_VAL: i64 = 5;

const NO_LFU: CmdError = CmdError::fixed("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");

const LFU_SELECTED: CmdError = CmdError::fixed("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");

/// True when `maxmemory-policy` is an LFU policy (`MAXMEMORY_FLAG_LFU`).
pub fn lfu_policy(eng: &Engine) -> bool {
    eng.config.string("maxmemory-policy").ends_with("-lfu")
}

/// The refcount Redis would report for this value: small integers are the
/// shared objects of `shared.integers` unless `maxmemory` is set with an
/// LRU or LFU policy, which needs a private object per key to keep its
/// access time (object.c `tryObjectEncoding`).
pub fn refcount_of(eng: &Engine, v: &Value) -> i64 {
    let policy = eng.config.string("maxmemory-policy");
    let per_key_clock = policy.ends_with("-lru") || policy.ends_with("-lfu");
    let shared_allowed = eng.config.int("maxmemory") == 0 || !per_key_clock;
    match v.as_int() {
        Some(n) if shared_allowed && (0..SHARED_INTEGERS).contains(&n) => SHARED_REFCOUNT,
        _ => 1,
    }
}

/// Looks the key up without touching its access time, replying the null
/// of the client's protocol when it is missing
/// (object.c `objectCommandLookupOrReply`). `None` = reply already sent.
fn lookup<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a Value> {
    let db = ctx.client.db;
    if ctx.eng.lookup_read_notouch(db, key, ctx.now_ms).is_none() {
        ctx.client.out.null();
        return None;
    }
    ctx.eng.ks.dbs[db].get(key)
}

fn encoding(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if let Some(v) = lookup(ctx, argv[2]) {
        let name = v.encoding_name();
        ctx.client.out.bulk(name.as_bytes());
    }
    Ok(())
}

fn freq(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let now = ctx.now_ms;
    let Some(v) = lookup(ctx, argv[2]) else {
        return Ok(());
    };
    let idle_min = v.idle_ms(now) / 60_000;
    if !lfu_policy(ctx.eng) {
        return Err(NO_LFU);
    }
    // No logarithmic access counter is kept: report the counter of a new
    // object decayed by one per `lfu-decay-time` minutes of idleness, as
    // evict.c `LFUDecrAndReturn` would for a key not read since it was set.
    let decay = ctx.eng.config.int("lfu-decay-time");
    let counter = if decay > 0 {
        (LFU_INIT_VAL - idle_min / decay).max(0)
    } else {
        LFU_INIT_VAL
    };
    ctx.client.out.int(counter);
    Ok(())
}

fn idletime(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let now = ctx.now_ms;
    let Some(v) = lookup(ctx, argv[2]) else {
        return Ok(());
    };
    let idle_s = v.idle_ms(now) / 1000;
    if lfu_policy(ctx.eng) {
        return Err(LFU_SELECTED);
    }
    ctx.client.out.int(idle_s);
    Ok(())
}

fn refcount(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if lookup(ctx, argv[2]).is_some() {
        let v = ctx.eng.ks.dbs[ctx.client.db]
            .get(argv[2])
            .expect("found just above");
        let n = refcount_of(ctx.eng, v);
        ctx.client.out.int(n);
    }
    Ok(())
}

fn help(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    reply::help(
        &mut ctx.client.out,
        argv[0],
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}
