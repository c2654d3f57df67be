//! Goal: for lists, hashes, sets, sorted sets and SORT, our server gives
//! the same reply as redis-server 7.0.15 to every command of long random
//! sequences, keeps the same encoding (OBJECT ENCODING of every key after
//! every step, across CONFIG SET of the `*-max-listpack-*` limits and
//! their `ziplist` aliases) and the same data (DEBUG DIGEST after every
//! step), in RESP2 and RESP3.
//!
//! Reference: t_list.c, t_hash.c, t_set.c, t_zset.c, sort.c, object.c
//! (OBJECT ENCODING), debug.c (DEBUG DIGEST), db.c (SCAN family).
//!
//! Replies are compared byte for byte, except where Redis's own reply
//! depends on hash-table order or on its random numbers:
//! - HKEYS, HVALS, HGETALL of a hashtable, SMEMBERS of a hashtable,
//!   SINTER, SUNION, SDIFF, and SORT where Redis leaves the order to the
//!   hash table or to qsort, are compared as multisets;
//! - HRANDFIELD, SRANDMEMBER, ZRANDMEMBER and SPOP are checked by their
//!   properties (counts, membership, distinctness for a positive count,
//!   values and scores), and whole-collection replies of HRANDFIELD on a
//!   listpack exactly; after an SPOP that took different members, both
//!   servers are given the oracle's remaining set again (DEL and SADD);
//! - HSCAN, SSCAN and ZSCAN are iterated to the end on both servers and
//!   the sets of items collected are compared.
//!
//! The sequences come from the seeded generator in `typegen`: a failure
//! prints the area, seed, step and the commands before it; `TYPES_SEED=<n>`
//! replays one seed (`TYPES_STEPS=<n>` changes the length, `TYPES_RESP=3`
//! runs it in RESP3).

mod common;
#[macro_use]
mod typegen;

use common::*;
use resp::{encode_command, Frame};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use typegen::{
    checked_keys, default_limits, has_word, name, prelude, skip_reason, spop_resync, Area, Argv,
    Gen,
};

/// The seeds run by default, each with the protocol it runs in.
const SEEDS: [(u64, u8); 4] = [(1, 2), (7015, 3), (22, 2), (33, 3)];
/// Commands per seed by default.
const STEPS: usize = 1000;

// ---------------------------------------------------------------------------
// How a reply is compared
// ---------------------------------------------------------------------------

/// How the replies to one command are compared.
enum Compare {
    /// Byte for byte.
    Exact,
    /// As multisets of groups of `n` items (pairs for HGETALL, GET
    /// groups for SORT).
    Unordered(usize),
    /// By the properties of a random reply.
    Random,
    /// Only the number of items (a slice of a reply in hash order).
    Count,
    /// Iterated to the end; the sets of items compared.
    Scan,
}

/// How the replies to `argv` are compared, given the oracle's encoding
/// of each key before the command.
fn compare_kind(argv: &[Vec<u8>], enc: &HashMap<Vec<u8>, Vec<u8>>) -> Compare {
    let key_enc = |i: usize| argv.get(i).and_then(|k| enc.get(k)).map(Vec::as_slice);
    let hashtable = |i: usize| key_enc(i) == Some(b"hashtable");
    match name(argv).as_str() {
        "HKEYS" | "HVALS" if hashtable(1) => Compare::Unordered(1),
        "HGETALL" if hashtable(1) => Compare::Unordered(2),
        "SMEMBERS" if hashtable(1) => Compare::Unordered(1),
        "SINTER" | "SUNION" | "SDIFF" => Compare::Unordered(1),
        "SORT" | "SORT_RO" => {
            // Any BY without `*` turns sorting off for good (sort.c).
            let bys: Vec<&Vec<u8>> = argv
                .windows(2)
                .filter(|w| w[0].eq_ignore_ascii_case(b"BY"))
                .map(|w| &w[1])
                .collect();
            let dontsort = bys.iter().any(|b| !b.contains(&b'*'));
            let by_pattern = !bys.is_empty() && !dontsort;
            let not_sorted_set = dontsort && hashtable(1);
            if has_word(argv, "STORE") || !(has_word(argv, "ALPHA") && by_pattern || not_sorted_set)
            {
                Compare::Exact
            } else if has_word(argv, "LIMIT") {
                // A LIMIT of elements in hash order: which ones is up to
                // the hash table.
                Compare::Count
            } else {
                let gets = argv
                    .iter()
                    .filter(|a| a.eq_ignore_ascii_case(b"GET"))
                    .count();
                Compare::Unordered(gets.max(1))
            }
        }
        "HRANDFIELD" | "SRANDMEMBER" | "ZRANDMEMBER" | "SPOP" => Compare::Random,
        "HSCAN" | "SSCAN" | "ZSCAN" => Compare::Scan,
        _ => Compare::Exact,
    }
}

/// The items of an array, map or set reply in groups of `n`, sorted;
/// `None` for any other reply.
fn groups(f: &Frame, n: usize) -> Option<Vec<Vec<Frame>>> {
    let items: Vec<Frame> = match f {
        Frame::Array(v) | Frame::Set(v) => v.clone(),
        Frame::Map(kv) => kv
            .iter()
            .flat_map(|(k, v)| [k.clone(), v.clone()])
            .collect(),
        _ => return None,
    };
    let mut out: Vec<Vec<Frame>> = items.chunks(n).map(<[Frame]>::to_vec).collect();
    out.sort_by_key(|g| format!("{g:?}"));
    Some(out)
}

/// A reply of HGETALL / SMEMBERS / ZRANGE WITHSCORES / HRANDFIELD /
/// ZRANDMEMBER / SRANDMEMBER / SPOP as (member, value) pairs: a flat
/// array (RESP2 or without values), an array of pairs (RESP3 with
/// values) or a map (RESP3 HGETALL) or a set (RESP3 SMEMBERS).
fn pairs(f: &Frame, with_values: bool) -> Option<Vec<(Vec<u8>, Option<Frame>)>> {
    let member = |m: &Frame| m.as_bytes().map(<[u8]>::to_vec);
    match f {
        Frame::Map(kv) => kv
            .iter()
            .map(|(k, v)| Some((member(k)?, Some(v.clone()))))
            .collect(),
        Frame::Array(v) | Frame::Set(v) if !with_values => {
            v.iter().map(|m| Some((member(m)?, None))).collect()
        }
        Frame::Array(v)
            if v.iter()
                .all(|p| matches!(p, Frame::Array(x) if x.len() == 2)) =>
        {
            v.iter()
                .map(|p| match p {
                    Frame::Array(x) => Some((member(&x[0])?, Some(x[1].clone()))),
                    _ => None,
                })
                .collect()
        }
        Frame::Array(v) if v.len() % 2 == 0 => v
            .chunks(2)
            .map(|c| Some((member(&c[0])?, Some(c[1].clone()))))
            .collect(),
        _ => None,
    }
}

/// The content of the collection at `key`, member to value or score,
/// read with a command of the family of the random command `cmd`;
/// `None` if the key holds another type.
fn content(c: &mut Conn, cmd: &str, key: &[u8]) -> Option<BTreeMap<Vec<u8>, Option<Frame>>> {
    let (argv, with_values): (Argv, bool) = match cmd {
        "HRANDFIELD" => (argv!["HGETALL", key], true),
        "ZRANDMEMBER" => (argv!["ZRANGE", key, "0", "-1", "WITHSCORES"], true),
        _ => (argv!["SMEMBERS", key], false),
    };
    let reply = c.cmd(&argv);
    Some(pairs(&reply, with_values)?.into_iter().collect())
}

/// Checks a reply of HRANDFIELD, SRANDMEMBER, ZRANDMEMBER or SPOP against
/// the collection's content before the command; returns the members it
/// names.
fn check_random(
    argv: &[Vec<u8>],
    content: &BTreeMap<Vec<u8>, Option<Frame>>,
    reply: &Frame,
) -> Result<Vec<Vec<u8>>, String> {
    let Some(count) = argv.get(2) else {
        return match reply {
            Frame::Bulk(m) if content.contains_key(m) => Ok(vec![m.clone()]),
            _ => Err("not a member of the collection".into()),
        };
    };
    let count: i64 = String::from_utf8_lossy(count)
        .parse()
        .map_err(|_| "the oracle accepted a count we cannot parse".to_string())?;
    let with_values = argv.len() == 4;
    let items = pairs(reply, with_values).ok_or("not an array of the expected shape")?;
    let want = if count >= 0 {
        (count as u64).min(content.len() as u64)
    } else {
        count.unsigned_abs()
    };
    if items.len() as u64 != want {
        return Err(format!("{} items, expected {want}", items.len()));
    }
    let distinct: BTreeSet<&Vec<u8>> = items.iter().map(|(m, _)| m).collect();
    if count > 0 && distinct.len() != items.len() {
        return Err("repeated members for a positive count".into());
    }
    for (m, v) in &items {
        match content.get(m) {
            None => return Err(format!("{:?} is not a member", String::from_utf8_lossy(m))),
            Some(want) if with_values && v != want => {
                return Err(format!(
                    "value of {:?}: {v:?}, not {want:?}",
                    String::from_utf8_lossy(m)
                ))
            }
            _ => {}
        }
    }
    Ok(items.into_iter().map(|(m, _)| m).collect())
}

/// Iterates `argv` (an HSCAN, SSCAN or ZSCAN from cursor 0) to the end and
/// returns the items collected (pairs for HSCAN and ZSCAN), or the first
/// reply that is not a scan page.
fn scan_all(c: &mut Conn, argv: &[Vec<u8>]) -> Result<BTreeSet<Vec<Vec<u8>>>, Vec<u8>> {
    let group = if name(argv) == "SSCAN" { 1 } else { 2 };
    let mut argv = argv.to_vec();
    let mut items = BTreeSet::new();
    for _ in 0..100_000 {
        let (reply, raw) = reply_raw(c, &argv);
        let Frame::Array(parts) = &reply else {
            return Err(raw);
        };
        let [Frame::Bulk(next), Frame::Array(batch)] = &parts[..] else {
            return Err(raw);
        };
        for g in batch.chunks(group) {
            items.insert(
                g.iter()
                    .map(|i| i.as_bytes().unwrap_or(b"?").to_vec())
                    .collect(),
            );
        }
        if next == b"0" {
            return Ok(items);
        }
        argv[2] = next.clone();
    }
    Err(b"(the scan did not finish)".to_vec())
}

/// A reply for messages: escaped, and cut after 300 characters.
fn shorten(raw: &[u8]) -> String {
    let mut s = format!("{:?}", String::from_utf8_lossy(raw));
    if s.len() > env_or("TYPES_REPLY_CHARS", 300) {
        let cut = (0..=300)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// Sends `argv` and reads its reply with its bytes (see [`read_or_why`]).
fn reply_raw(c: &mut Conn, argv: &[Vec<u8>]) -> (Frame, Vec<u8>) {
    if let Err(e) = c.try_send_raw(&encode_command(argv)) {
        return (Frame::Error(format!("(cannot send: {e})")), Vec::new());
    }
    read_or_why(c)
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

/// One random sequence against both servers, with what a failure report
/// needs.
struct Run {
    a: Conn,
    b: Conn,
    area: Area,
    seed: u64,
    resp: u8,
    /// The commands so far with the oracle's replies.
    history: Vec<String>,
    /// The oracle's OBJECT ENCODING of each checked key after the last
    /// step.
    enc: HashMap<Vec<u8>, Vec<u8>>,
}

impl Run {
    fn fail(&self, step: usize, why: &str, argv: &[Vec<u8>], ours: &[u8], redis: &[u8]) -> ! {
        let from = self
            .history
            .len()
            .saturating_sub(env_or("TYPES_HISTORY", 30));
        panic!(
            "{:?} seed {} RESP{} step {step}: {why}\n  command: {}\n  ours:    {}\n  oracle:  {}\n\
             replay with TYPES_SEED={} TYPES_RESP={}; the commands before it (with the oracle's replies):\n  {}",
            self.area,
            self.seed,
            self.resp,
            show(argv),
            shorten(ours),
            shorten(redis),
            self.seed,
            self.resp,
            self.history[from..].join("\n  ")
        )
    }

    /// Adds a command and the oracle's reply (shortened) to the history.
    fn record(&mut self, argv: &[Vec<u8>], raw: &[u8]) {
        self.history
            .push(format!("{} -> {}", show(argv), shorten(raw)));
    }

    /// Sends `argv` to both, records it, and requires equal bytes.
    fn exact(&mut self, step: usize, argv: &[Vec<u8>]) -> Frame {
        let (ra, rawa) = reply_raw(&mut self.a, argv);
        let (_, rawb) = reply_raw(&mut self.b, argv);
        self.record(argv, &rawb);
        if rawa != rawb {
            self.fail(step, "replies differ", argv, &rawa, &rawb);
        }
        ra
    }

    /// One generated command, compared as [`compare_kind`] says.
    fn step(&mut self, step: usize, argv: &[Vec<u8>]) {
        let kind = compare_kind(argv, &self.enc);
        let cmd = name(argv);
        if let Compare::Scan = kind {
            let (sa, sb) = (scan_all(&mut self.a, argv), scan_all(&mut self.b, argv));
            self.history
                .push(format!("{} (scanned to the end)", show(argv)));
            match (&sa, &sb) {
                (Err(x), Err(y)) if x == y => {}
                (Ok(x), Ok(y)) if x == y => {}
                _ => self.fail(
                    step,
                    "scans collect different items",
                    argv,
                    format!("{sa:?}").as_bytes(),
                    format!("{sb:?}").as_bytes(),
                ),
            }
            return;
        }
        let before = match kind {
            Compare::Random => {
                let ca = content(&mut self.a, &cmd, &argv[1]);
                let cb = content(&mut self.b, &cmd, &argv[1]);
                if ca != cb {
                    self.fail(
                        step,
                        "contents differ before a random command",
                        argv,
                        format!("{ca:?}").as_bytes(),
                        format!("{cb:?}").as_bytes(),
                    );
                }
                cb
            }
            _ => None,
        };
        let (ra, rawa) = reply_raw(&mut self.a, argv);
        let (rb, rawb) = reply_raw(&mut self.b, argv);
        self.record(argv, &rawb);
        let is_error = |f: &Frame| matches!(f, Frame::Error(_));
        // A random command on a missing key (or another type) has one
        // possible reply.
        let random_on_nothing =
            matches!(kind, Compare::Random) && before.as_ref().is_none_or(BTreeMap::is_empty);
        let exact =
            matches!(kind, Compare::Exact) || is_error(&ra) || is_error(&rb) || random_on_nothing;
        if exact {
            if rawa != rawb {
                self.fail(step, "replies differ", argv, &rawa, &rawb);
            }
            return;
        }
        match kind {
            Compare::Unordered(n) => {
                if groups(&ra, n).is_none() || groups(&ra, n) != groups(&rb, n) {
                    self.fail(step, "replies differ as multisets", argv, &rawa, &rawb);
                }
                // The same reply type (a RESP3 set, map or array).
                if rawa.first() != rawb.first() {
                    self.fail(step, "reply types differ", argv, &rawa, &rawb);
                }
            }
            Compare::Random => {
                let content = before.expect("fetched above");
                let (pa, pb) = (
                    check_random(argv, &content, &ra),
                    check_random(argv, &content, &rb),
                );
                let whole = argv
                    .get(2)
                    .and_then(|c| String::from_utf8_lossy(c).parse::<i64>().ok())
                    .is_some_and(|c| c >= content.len() as i64);
                match (&pa, &pb) {
                    (Err(why), _) => self.fail(step, why, argv, &rawa, &rawb),
                    (_, Err(why)) => panic!("the oracle's reply fails the check ({why}): {rb:?}"),
                    _ => {}
                }
                if rawa.first() != rawb.first() {
                    self.fail(step, "reply types differ", argv, &rawa, &rawb);
                }
                let listpack = self.enc.get(&argv[1]).map(Vec::as_slice) == Some(b"listpack");
                if cmd == "HRANDFIELD" && whole && listpack && rawa != rawb {
                    self.fail(
                        step,
                        "the whole listpack hash, in another order",
                        argv,
                        &rawa,
                        &rawb,
                    );
                }
                if cmd == "SPOP" {
                    self.resync_set(step, &argv[1]);
                }
            }
            Compare::Count => {
                let len = |f: &Frame| match f {
                    Frame::Array(v) => Some(v.len()),
                    _ => None,
                };
                if len(&ra).is_none() || len(&ra) != len(&rb) {
                    self.fail(step, "replies differ in length", argv, &rawa, &rawb);
                }
            }
            Compare::Exact | Compare::Scan => unreachable!("handled above"),
        }
    }

    /// After an SPOP the two servers may hold different members: give
    /// both the oracle's remaining set (DEL, then SADD of its members).
    fn resync_set(&mut self, step: usize, key: &[u8]) {
        for argv in spop_resync(&mut self.a, &mut self.b, key) {
            self.exact(step, &argv);
        }
    }

    /// OBJECT ENCODING of every checked key and DEBUG DIGEST, in one
    /// batch: equal bytes on both servers.
    fn check_state(&mut self, step: usize, after: &[Vec<u8>]) {
        let keys = checked_keys();
        let mut batch = Vec::new();
        for k in &keys {
            batch.extend(encode_command(&["OBJECT", "ENCODING", k]));
        }
        batch.extend(encode_command(&["DEBUG", "DIGEST"]));
        let read = |c: &mut Conn| -> Vec<Vec<u8>> {
            if let Err(e) = c.try_send_raw(&batch) {
                return vec![format!("(cannot send: {e})").into_bytes()];
            }
            (0..=keys.len()).map(|_| read_or_why(c).1).collect()
        };
        let (ra, rb) = (read(&mut self.a), read(&mut self.b));
        for (i, k) in keys.iter().enumerate() {
            let (x, y) = (ra.get(i), rb.get(i));
            if x != y {
                let why = format!("OBJECT ENCODING {k} differs after the command");
                self.fail(
                    step,
                    &why,
                    after,
                    x.map_or(&[][..], |v| v),
                    y.map_or(&[][..], |v| v),
                );
            }
            let enc = y
                .and_then(|r| r.strip_prefix(b"$"))
                .and_then(|r| r.splitn(2, |&c| c == b'\n').nth(1))
                .map(|r| r.strip_suffix(b"\r\n").unwrap_or(r).to_vec())
                .unwrap_or_default();
            self.enc.insert(k.as_bytes().to_vec(), enc);
        }
        if ra.last() != rb.last() {
            self.fail(
                step,
                "DEBUG DIGEST differs after the command",
                after,
                ra.last().map_or(&[][..], |v| v),
                rb.last().map_or(&[][..], |v| v),
            );
        }
    }
}

/// Runs `steps` commands of `area` from `seed` against both servers.
fn run_seed(ours: &Server, redis: &Server, area: Area, seed: u64, resp: u8, steps: usize) {
    eprintln!("types: {area:?} seed {seed} RESP{resp}, {steps} steps (replay with TYPES_SEED={seed} TYPES_RESP={resp})");
    let mut run = Run {
        a: ours.conn(),
        b: redis.conn(),
        area,
        seed,
        resp,
        history: Vec::new(),
        enc: HashMap::new(),
    };
    if resp == 3 {
        for c in [&mut run.a, &mut run.b] {
            let hello = c.cmd(&["HELLO", "3"]);
            assert!(matches!(hello, Frame::Map(_)), "HELLO 3: {hello:?}");
        }
    }
    run.exact(0, &argv!["FLUSHALL"]);
    for c in default_limits() {
        run.exact(0, &c);
    }
    run.exact(0, &argv!["SET", "str", "hello"]);
    let mut gen = Gen::new(seed, area);
    for step in 0..steps {
        let argv = gen.command();
        if let Some(why) = skip_reason(&mut run.b, &argv) {
            run.history
                .push(format!("{} (skipped: {why})", show(&argv)));
            continue;
        }
        if let Some(prelude) = prelude(&argv) {
            run.exact(step, &prelude);
        }
        run.step(step, &argv);
        run.check_state(step, &argv);
    }
    let skipped: Vec<&String> = run
        .history
        .iter()
        .filter(|h| h.ends_with(')') && h.contains(" (skipped: "))
        .collect();
    eprintln!(
        "types: {area:?} seed {seed}: {} of {steps} commands skipped",
        skipped.len()
    );
}

/// Runs the default seeds of `area`, or the one `TYPES_SEED` names.
fn run_area(area: Area) {
    let (ours, redis) = Server::pair(&[]);
    let steps = env_or("TYPES_STEPS", STEPS);
    match std::env::var("TYPES_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => run_seed(&ours, &redis, area, seed, env_or("TYPES_RESP", 2), steps),
        None => {
            for (seed, resp) in SEEDS {
                run_seed(&ours, &redis, area, seed, resp, steps);
            }
        }
    }
}

/// Random list commands: every reply, encoding and digest as the oracle's.
#[test]
fn lists_match_oracle() {
    run_area(Area::List);
}

/// Random hash commands.
#[test]
fn hashes_match_oracle() {
    run_area(Area::Hash);
}

/// Random set commands.
#[test]
fn sets_match_oracle() {
    run_area(Area::Set);
}

/// Random sorted-set commands.
#[test]
fn zsets_match_oracle() {
    run_area(Area::Zset);
}

/// Random SORT and SORT_RO over lists, sets and zsets with weight keys.
#[test]
fn sort_matches_oracle() {
    run_area(Area::Sort);
}

/// All of the above on the same keys, for the wrong-type replies.
#[test]
fn mixed_types_match_oracle() {
    run_area(Area::Mixed);
}

// ---------------------------------------------------------------------------
// Fixed cases
// ---------------------------------------------------------------------------

/// Every command family against a key of every other type: the same
/// WRONGTYPE (or not) as the oracle.
#[test]
fn wrong_type_errors_match_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    for setup in [
        &["SET", "str", "v"][..],
        &["RPUSH", "list", "a"],
        &["HSET", "hash", "f", "v"],
        &["SADD", "set", "a"],
        &["ZADD", "zset", "1", "a"],
    ] {
        same(&mut a, &mut b, setup);
    }
    let commands: &[&[&str]] = &[
        &["LPUSH", "K", "x"],
        &["LPUSHX", "K", "x"],
        &["LPOP", "K"],
        &["LLEN", "K"],
        &["LRANGE", "K", "0", "-1"],
        &["LINDEX", "K", "0"],
        &["LSET", "K", "0", "x"],
        &["LINSERT", "K", "BEFORE", "a", "x"],
        &["LREM", "K", "0", "a"],
        &["LTRIM", "K", "0", "-1"],
        &["LPOS", "K", "a"],
        &["LMOVE", "K", "list", "LEFT", "RIGHT"],
        &["LMOVE", "list", "K", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "K", "K"],
        &["LMPOP", "1", "K", "LEFT"],
        &["BLPOP", "K", "0.01"],
        &["HSET", "K", "f", "v"],
        &["HGET", "K", "f"],
        &["HMGET", "K", "f"],
        &["HDEL", "K", "f"],
        &["HLEN", "K"],
        &["HSTRLEN", "K", "f"],
        &["HKEYS", "K"],
        &["HGETALL", "K"],
        &["HEXISTS", "K", "f"],
        &["HINCRBY", "K", "f", "1"],
        &["HINCRBYFLOAT", "K", "f", "1"],
        &["HRANDFIELD", "K"],
        &["HSCAN", "K", "0"],
        &["SADD", "K", "a"],
        &["SREM", "K", "a"],
        &["SMEMBERS", "K"],
        &["SISMEMBER", "K", "a"],
        &["SMISMEMBER", "K", "a"],
        &["SCARD", "K"],
        &["SMOVE", "K", "set", "a"],
        &["SMOVE", "set", "K", "a"],
        &["SINTER", "set", "K"],
        &["SINTERCARD", "2", "set", "K"],
        &["SUNIONSTORE", "d", "K"],
        &["SDIFF", "K", "set"],
        &["SPOP", "K"],
        &["SRANDMEMBER", "K", "2"],
        &["SSCAN", "K", "0"],
        &["ZADD", "K", "1", "a"],
        &["ZINCRBY", "K", "1", "a"],
        &["ZSCORE", "K", "a"],
        &["ZMSCORE", "K", "a"],
        &["ZRANK", "K", "a"],
        &["ZCOUNT", "K", "-inf", "+inf"],
        &["ZLEXCOUNT", "K", "-", "+"],
        &["ZRANGE", "K", "0", "-1"],
        &["ZRANGESTORE", "d", "K", "0", "-1"],
        &["ZRANGEBYSCORE", "K", "-inf", "+inf"],
        &["ZREMRANGEBYRANK", "K", "0", "-1"],
        &["ZPOPMIN", "K"],
        &["ZMPOP", "1", "K", "MIN"],
        &["ZUNION", "2", "zset", "K"],
        &["ZINTERSTORE", "d", "2", "zset", "K"],
        &["ZDIFF", "1", "K"],
        &["ZINTERCARD", "1", "K"],
        &["ZRANDMEMBER", "K"],
        &["ZSCAN", "K", "0"],
        &["SORT", "K"],
        &["SORT_RO", "K", "ALPHA"],
    ];
    for key in ["str", "list", "hash", "set", "zset", "nokey"] {
        for cmd in commands {
            let argv: Vec<&str> = cmd
                .iter()
                .map(|a| if *a == "K" { key } else { a })
                .collect();
            if argv[0] == "ZUNION" || argv[0] == "SINTER" || argv[0] == "SDIFF" {
                // Replies in hash order are compared as sets.
                let (x, y) = (a.cmd(&argv), b.cmd(&argv));
                match (sorted(&x), sorted(&y)) {
                    (Some(p), Some(q)) => assert_eq!(p, q, "{argv:?}"),
                    _ => assert_eq!(x, y, "{argv:?}"),
                }
            } else {
                same(&mut a, &mut b, &argv);
            }
        }
    }
}

/// Scores at the edges: signed zeros in a listpack, infinities, the
/// largest doubles, 17 significant digits, sums that give NaN (refused)
/// and products that give NaN (taken as 0 by ZUNIONSTORE).
#[test]
fn score_edge_cases_match_oracle() {
    same_replies(&[
        &[
            "ZADD", "z", "-0", "nz", "+0", "pz", "1", "one", "1.5", "half",
        ],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZADD", "z", "inf", "i", "-inf", "ni", "+inf", "pi"],
        &["ZADD", "z", "1e308", "big", "-1e308", "nbig"],
        &["ZADD", "z", "1.7976931348623157e308", "max", "0.1", "tenth"],
        &[
            "ZADD",
            "z",
            "0.30000000000000004",
            "p3",
            "12345678901234567",
            "d17",
        ],
        &["ZADD", "z", "3.1415926535897931", "pi2", "5e-324", "den"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZSCORE", "z", "d17"],
        &["ZMSCORE", "z", "p3", "max", "nosuch", "den"],
        &["ZINCRBY", "z", "0.2", "tenth"],
        &["ZINCRBY", "z", "1e308", "big"],
        &["ZINCRBY", "z", "-inf", "i"],
        &["ZINCRBY", "z", "inf", "ni"],
        &["ZADD", "z", "INCR", "-inf", "pi"],
        &["ZADD", "z", "nan", "x"],
        &["ZADD", "z", "INCR", "nan", "x"],
        &["ZINCRBY", "z", "nan", "x"],
        &[
            "ZRANGEBYSCORE",
            "z",
            "-inf",
            "+inf",
            "WITHSCORES",
            "LIMIT",
            "0",
            "4",
        ],
        &["ZRANGEBYSCORE", "z", "(-inf", "(+inf"],
        &["ZRANGEBYSCORE", "z", "(1", "1.5"],
        &["ZCOUNT", "z", "nan", "1"],
        &["ZCOUNT", "z", "-0", "+0"],
        &["ZADD", "w", "inf", "a", "-inf", "b", "1", "c"],
        &["ZUNIONSTORE", "u", "2", "w", "w", "WEIGHTS", "1", "-1"],
        &["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        &["ZUNIONSTORE", "u", "1", "w", "WEIGHTS", "0"],
        &["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        &[
            "ZINTER",
            "2",
            "w",
            "w",
            "WEIGHTS",
            "inf",
            "-inf",
            "WITHSCORES",
        ],
        &["ZUNION", "2", "w", "z", "AGGREGATE", "MAX", "WITHSCORES"],
        &["ZUNION", "2", "w", "z", "AGGREGATE", "MIN", "WITHSCORES"],
        &["ZDIFF", "2", "z", "w", "WITHSCORES"],
        &["ZADD", "z", "GT", "CH", "2", "one", "0", "half"],
        &["ZADD", "z", "LT", "CH", "0", "one", "9", "half"],
        &["ZADD", "z", "NX", "GT", "1", "one"],
        &["ZADD", "z", "XX", "NX", "1", "one"],
        &["ZADD", "z", "INCR", "1", "one", "2", "two"],
        &["ZADD", "z", "XX", "INCR", "1", "nosuch"],
        &["ZADD", "z", "GT", "INCR", "-5", "one"],
        &["ZSCORE", "z", "one"],
    ]);
}

/// The encoding thresholds under both names: CONFIG SET of a `ziplist`
/// alias changes the `listpack` parameter, and keys at, and one past,
/// each limit have the oracle's encodings.
#[test]
fn encoding_limits_match_oracle() {
    let mut cases: Vec<Vec<String>> = Vec::new();
    let mut add = |argv: &[&str]| cases.push(argv.iter().map(|s| s.to_string()).collect());
    for (alias, name) in [
        ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
        ("hash-max-ziplist-value", "hash-max-listpack-value"),
        ("zset-max-ziplist-entries", "zset-max-listpack-entries"),
        ("zset-max-ziplist-value", "zset-max-listpack-value"),
        ("list-max-ziplist-size", "list-max-listpack-size"),
    ] {
        add(&["CONFIG", "SET", alias, "3"]);
        add(&["CONFIG", "GET", name]);
        add(&["CONFIG", "GET", alias]);
    }
    add(&["CONFIG", "SET", "set-max-intset-entries", "3"]);
    // Entries: 3 fit, 4 do not.
    for n in 1..=4 {
        let k = n.to_string();
        add(&["HSET", "h", &format!("f{n}"), "v"]);
        add(&["OBJECT", "ENCODING", "h"]);
        add(&["ZADD", "z", &k, &format!("m{n}")]);
        add(&["OBJECT", "ENCODING", "z"]);
        add(&["SADD", "s", &k]);
        add(&["OBJECT", "ENCODING", "s"]);
        add(&["RPUSH", "l", &k]);
        add(&["OBJECT", "ENCODING", "l"]);
    }
    // Values: 3 bytes fit, 4 do not; a field counts as well as a value;
    // a multi-member ZADD that is too big is created as a skiplist.
    for (key, field, value) in [
        ("v1", "abc", "xyz"),
        ("v2", "abcd", "x"),
        ("v3", "a", "wxyz"),
    ] {
        add(&["HSET", key, field, value]);
        add(&["OBJECT", "ENCODING", key]);
        add(&["ZADD", &format!("z{key}"), "1", field]);
        add(&["OBJECT", "ENCODING", &format!("z{key}")]);
    }
    add(&["ZADD", "zz", "1", "a", "2", "b", "3", "c", "4", "d"]);
    add(&["OBJECT", "ENCODING", "zz"]);
    add(&["SADD", "ss", "1", "2", "x"]);
    add(&["OBJECT", "ENCODING", "ss"]);
    add(&["SADD", "si", "9223372036854775807", "-9223372036854775808"]);
    add(&["OBJECT", "ENCODING", "si"]);
    add(&["SADD", "sn", "007"]);
    add(&["OBJECT", "ENCODING", "sn"]);
    // Stores build their result under the current limits.
    add(&["ZUNIONSTORE", "zu", "2", "z", "zz"]);
    add(&["OBJECT", "ENCODING", "zu"]);
    add(&["ZRANGESTORE", "zr", "z", "0", "1"]);
    add(&["OBJECT", "ENCODING", "zr"]);
    add(&["SUNIONSTORE", "su", "s", "ss"]);
    add(&["OBJECT", "ENCODING", "su"]);
    add(&["SINTERSTORE", "si2", "s", "s"]);
    add(&["OBJECT", "ENCODING", "si2"]);
    add(&["SDIFFSTORE", "sd", "s", "ss"]);
    add(&["OBJECT", "ENCODING", "sd"]);
    // A zero limit: every new key is big at once.
    add(&["CONFIG", "SET", "hash-max-ziplist-entries", "0"]);
    add(&["CONFIG", "SET", "zset-max-ziplist-entries", "0"]);
    add(&["CONFIG", "SET", "set-max-intset-entries", "0"]);
    add(&["HSET", "h0", "f", "v"]);
    add(&["ZADD", "z0", "1", "m"]);
    add(&["SADD", "s0", "1"]);
    for k in ["h0", "z0", "s0", "h", "z", "s"] {
        add(&["OBJECT", "ENCODING", k]);
    }
    // Shrinking never converts back.
    add(&["CONFIG", "SET", "hash-max-listpack-entries", "128"]);
    add(&["HDEL", "h", "f1", "f2", "f3"]);
    add(&["OBJECT", "ENCODING", "h"]);
    let cases: Vec<Vec<&str>> = cases
        .iter()
        .map(|c| c.iter().map(String::as_str).collect())
        .collect();
    let cases: Vec<&[&str]> = cases.iter().map(Vec::as_slice).collect();
    same_replies(&cases);
}

// ---------------------------------------------------------------------------
// Known server bugs (the sequences skip them: see typegen::skip_reason)
// ---------------------------------------------------------------------------

/// Runs `cases` on a fresh pair of servers: every reply the same.
fn same_replies(cases: &[&[&str]]) {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    for argv in cases {
        same(&mut a, &mut b, argv);
    }
}

/// strtod reads hexadecimal: a score, a score bound and a hash increment
/// may be written `0x10`.
#[test]
fn hex_numbers_are_numbers() {
    same_replies(&[
        &["ZADD", "z", "0x10", "a"],
        &["ZSCORE", "z", "a"],
        &["ZRANGEBYSCORE", "z", "0x1", "0x20"],
        &["HINCRBYFLOAT", "h", "f", "0x10"],
    ]);
}

/// Where Redis wants a count of zero or more (getPositiveLongFromObject),
/// a count that is not a number gets the command's own message, not
/// `value is not an integer or out of range`.
#[test]
fn count_not_a_number_message() {
    same_replies(&[
        &["RPUSH", "l", "a"],
        &["SADD", "s", "a"],
        &["ZADD", "z", "1", "a"],
        &["LPOP", "l", "x"],
        &["RPOP", "nokey", "1.5"],
        &["SPOP", "s", "x"],
        &["ZPOPMIN", "z", "x"],
        &["ZPOPMAX", "z", ""],
        &["LPOS", "l", "a", "COUNT", "x"],
        &["LPOS", "l", "a", "MAXLEN", "x"],
        &["SINTERCARD", "1", "s", "LIMIT", "x"],
        &["ZINTERCARD", "1", "z", "LIMIT", "x"],
    ]);
}

/// ZINTERCARD opens its keys before it reads LIMIT: a wrong type wins
/// over a negative LIMIT.
#[test]
fn zintercard_checks_keys_first() {
    same_replies(&[&["SET", "k", "v"], &["ZINTERCARD", "1", "k", "LIMIT", "-1"]]);
}

/// HRANDFIELD and ZRANDMEMBER refuse a count whose double (with values)
/// overflows, and LONG_MIN, before they look at the key.
#[test]
fn random_count_range() {
    same_replies(&[
        &["HSET", "h", "f", "v"],
        &["ZADD", "z", "1", "a"],
        &["HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"],
        &["HRANDFIELD", "nokey", "-9223372036854775807", "WITHVALUES"],
        &["HRANDFIELD", "h", "-9223372036854775808"],
        &["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"],
        &["ZRANDMEMBER", "nokey", "-9223372036854775808"],
    ]);
}

/// zslParseRange reads a bound with strtod and checks only that it read
/// everything: an empty bound is 0, and `(` alone is an exclusive 0.
#[test]
fn empty_score_bound_is_zero() {
    same_replies(&[
        &["ZADD", "z", "-1", "a", "0", "b", "1", "c"],
        &["ZCOUNT", "z", "", ""],
        &["ZRANGEBYSCORE", "z", "(", "+inf"],
        &["ZRANGE", "z", "-inf", "(", "BYSCORE"],
        &["ZREMRANGEBYSCORE", "z", "", "("],
    ]);
}

/// SORT converts a listpack zset to a skiplist before sorting it
/// (sort.c: "Destructively convert encoded sorted sets for SORT").
#[test]
fn sort_converts_zset_to_skiplist() {
    same_replies(&[
        &["ZADD", "z", "1", "a", "2", "b"],
        &["SORT", "z", "ALPHA"],
        &["OBJECT", "ENCODING", "z"],
        &["ZADD", "y", "1", "a"],
        &["SORT_RO", "y", "BY", "nosort"],
        &["OBJECT", "ENCODING", "y"],
    ]);
}

/// A numeric SORT reads its values with strtod: an empty value is 0 and
/// leading white space is skipped.
#[test]
fn sort_values_parse_as_strtod() {
    same_replies(&[
        &["RPUSH", "l", "3", "", " 2", "1"],
        &["SORT", "l"],
        &["SET", "w_3", " 1"],
        &["SET", "w_1", ""],
        &["SORT", "l", "BY", "w_*"],
    ]);
}

/// An SPOP that takes most of a set builds the rest as a new set
/// (t_set.c, case 3 of spopWithCountCommand), an intset when the members
/// left are integers.
#[test]
fn spop_rebuilds_the_set() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(
        &mut a,
        &mut b,
        &["SADD", "s", "1", "2", "3", "4", "5", "6", "a"],
    );
    same(&mut a, &mut b, &["SREM", "s", "a"]);
    same(&mut a, &mut b, &["OBJECT", "ENCODING", "s"]);
    // Which members are popped is random; how many is not.
    assert!(matches!(a.cmd(&["SPOP", "s", "5"]), Frame::Array(v) if v.len() == 5));
    assert!(matches!(b.cmd(&["SPOP", "s", "5"]), Frame::Array(v) if v.len() == 5));
    same(&mut a, &mut b, &["SCARD", "s"]);
    same(&mut a, &mut b, &["OBJECT", "ENCODING", "s"]);
}

/// LSET and LINDEX look the key up before they read the index.
#[test]
fn index_checked_after_the_key() {
    same_replies(&[&["LSET", "nokey", "abc", "v"], &["LINDEX", "nokey", "1.5"]]);
}

/// HINCRBYFLOAT reads a hash value of `inf` (strtold), and refuses the
/// infinite result.
#[test]
fn hincrbyfloat_of_infinity() {
    same_replies(&[
        &["HSET", "h", "f", "inf", "g", "-inf"],
        &["HINCRBYFLOAT", "h", "f", "1"],
        &["HINCRBYFLOAT", "h", "g", "1"],
    ]);
}

/// ZUNION, ZINTER, ZDIFF and the STORE forms open their source keys
/// before they read WEIGHTS, AGGREGATE and WITHSCORES.
#[test]
fn zset_operations_check_keys_first() {
    same_replies(&[
        &["SET", "s", "x"],
        &["ZUNION", "2", "z", "s", "AGGREGATE", "AVG"],
        &["ZINTERSTORE", "d", "2", "s", "z", "WEIGHTS", "1"],
        &["ZDIFF", "2", "s", "z", "FOO"],
    ]);
}

/// SORT turns sorting off for good at a BY pattern without `*`: a later
/// BY with a pattern does not turn it back on.
#[test]
fn sort_dontsort_is_sticky() {
    same_replies(&[
        &["RPUSH", "l", "3", "1", "2"],
        &["SET", "w_1", "9"],
        &["SORT", "l", "BY", "nosort", "BY", "w_*"],
        &["SORT", "l", "BY", "ALPHA", "BY", "w_*", "GET", "#"],
    ]);
}

/// SORT ALPHA without STORE compares with strcoll, which stops at a NUL
/// byte: `b\0`, `b` and `b\0x` are equal and keep their order (with
/// STORE the comparison is binary).
#[test]
fn sort_alpha_stops_at_nul() {
    same_replies(&[
        &["RPUSH", "l", "b\0", "b", "a", "b\0x"],
        &["SORT", "l", "ALPHA"],
        &["SORT", "l", "ALPHA", "DESC"],
        &["SORT", "l", "ALPHA", "STORE", "d"],
        &["LRANGE", "d", "0", "-1"],
    ]);
}

/// A listpack zset is converted when a member is inserted that is too
/// long, not when the score of an existing long member changes.
#[test]
fn zadd_update_keeps_listpack() {
    same_replies(&[
        &["ZADD", "z", "1", "abc"],
        &["CONFIG", "SET", "zset-max-listpack-value", "2"],
        &["ZADD", "z", "2", "abc"],
        &["OBJECT", "ENCODING", "z"],
        &["ZINCRBY", "z", "1", "abc"],
        &["OBJECT", "ENCODING", "z"],
    ]);
}

/// A skiplist keeps a score of -0 as the double -0, which replies `-0`
/// (a listpack stores it as the integer 0).
#[test]
fn skiplist_keeps_negative_zero() {
    same_replies(&[
        &["CONFIG", "SET", "zset-max-listpack-entries", "0"],
        &["ZADD", "z", "-0", "a"],
        &["ZSCORE", "z", "a"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZADD", "w", "0", "a", "-2", "b"],
        &["ZUNIONSTORE", "u", "1", "w", "WEIGHTS", "-1"],
        &["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        &["DEBUG", "DIGEST"],
    ]);
}

/// getDoubleFromObject refuses a score that strtod can only give as an
/// underflow to 0 (ERANGE).
#[test]
fn score_underflow_is_an_error() {
    same_replies(&[
        &["ZADD", "z", "1e-400", "a"],
        &["ZINCRBY", "z", "1e-400", "a"],
    ]);
}

/// Every HSET or HINCRBY on a listpack hash longer than
/// hash-max-listpack-entries (after CONFIG SET lowered it) converts it to
/// a hashtable, even when it only updates a field.
#[test]
fn hash_update_converts() {
    same_replies(&[
        &["HSET", "h", "a", "1", "b", "2", "c", "3"],
        &["HSET", "g", "a", "1", "b", "2", "c", "3"],
        &["CONFIG", "SET", "hash-max-listpack-entries", "1"],
        &["HSET", "h", "a", "5"],
        &["OBJECT", "ENCODING", "h"],
        &["HINCRBY", "g", "a", "1"],
        &["OBJECT", "ENCODING", "g"],
    ]);
}

/// ZPOPMIN and ZPOPMAX with a count of 0 pop nothing.
#[test]
fn zpop_count_zero() {
    same_replies(&[
        &["ZADD", "z", "1", "a", "2", "b"],
        &["ZPOPMIN", "z", "0"],
        &["ZPOPMAX", "z", "0"],
        &["ZCARD", "z"],
    ]);
}

/// A range by index takes LIMIT when its count is -1 (zrangeGenericCommand
/// refuses LIMIT only when the count is not -1) and ignores it.
#[test]
fn zrange_limit_minus_one() {
    same_replies(&[
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["ZRANGE", "z", "0", "-1", "LIMIT", "1", "-1"],
        &["ZRANGE", "z", "0", "-1", "REV", "LIMIT", "-1", "-1"],
        &["ZRANGESTORE", "d", "z", "0", "1", "LIMIT", "0", "-1"],
        &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"],
    ]);
}

/// ZUNION, ZINTER and their STORE forms sort their inputs by cardinality
/// (zuiCompareByCardinality, a stable qsort) before combining them, so
/// where +inf meets -inf (NaN, which becomes 0) and which zero MAX keeps
/// follow that order, not the order named.
#[test]
fn zset_inputs_combined_smallest_first() {
    same_replies(&[
        &["ZADD", "a", "-inf", "m", "1", "x", "2", "y"],
        &["ZADD", "b", "inf", "m"],
        &["ZUNIONSTORE", "d", "3", "a", "b", "b"],
        &["ZSCORE", "d", "m"],
        &["ZUNION", "3", "a", "b", "b", "WITHSCORES"],
        &["ZINTER", "3", "a", "b", "b", "WITHSCORES"],
        &["ZADD", "c", "0", "m"],
        &["ZADD", "e", "-1", "m", "5", "q"],
        &[
            "ZINTER",
            "2",
            "e",
            "c",
            "WEIGHTS",
            "0",
            "1",
            "AGGREGATE",
            "MAX",
            "WITHSCORES",
        ],
    ]);
}

/// ZINTER aggregates a weight × score that is NaN (inf × 0) as it is, from
/// the second input on: SUM turns the NaN sum into 0, MIN and MAX keep
/// the other value (ZUNION, unlike ZINTER, turns the product into 0
/// first).
#[test]
fn zinter_aggregates_nan_products() {
    same_replies(&[
        &["ZADD", "z", "0", "m"],
        &["SADD", "s", "m"],
        &["ZINTER", "2", "s", "z", "WEIGHTS", "1", "inf", "WITHSCORES"],
        &[
            "ZINTER",
            "2",
            "s",
            "z",
            "WEIGHTS",
            "1",
            "inf",
            "AGGREGATE",
            "MIN",
            "WITHSCORES",
        ],
        &["ZUNION", "2", "s", "z", "WEIGHTS", "1", "inf", "WITHSCORES"],
    ]);
}
