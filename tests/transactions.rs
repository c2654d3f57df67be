//! Goal: MULTI, EXEC, DISCARD, WATCH and UNWATCH behave as in redis-server
//! 7.0.15: the same queued replies, EXECABORT after a command refused at
//! queue time, runtime errors inside EXEC that leave the other commands
//! running, the same nesting errors, and the same EXEC outcome (null or
//! not) after every kind of change to a watched key — another client's
//! write, expiry, FLUSHALL, FLUSHDB, SWAPDB, MOVE, COPY, RENAME, DEL, a
//! write to another key — in RESP2 and RESP3; and EXEC is atomic: no other
//! client's command runs between the commands of a transaction.
//!
//! Reference: multi.c (queueMultiCommand, execCommand, watchCommand,
//! touchWatchedKey, touchAllWatchedKeysInDb, isWatchedKeyExpired), db.c
//! (signalModifiedKey, the FLUSH/SWAPDB/MOVE/COPY/RENAME callers).
//!
//! Every scenario runs on both servers with two or three connections and
//! every reply is compared byte for byte (`*-1` and `_` included).

mod common;

use common::*;
use resp::Frame;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

/// One step of a scenario, run by one of the scenario's connections.
#[derive(Clone, Copy)]
enum Step {
    /// A command on connection `n`; its reply is compared.
    C(usize, &'static [&'static str]),
    /// On connection `n`: set `key` to expire `ms` milliseconds from the
    /// server's own clock (SET key v PXAT now+ms), remembering when.
    Expiring(usize, &'static str, u64),
    /// Poll the server's clock (TIME, which touches no key) until the
    /// last `Expiring` deadline has passed.
    PastDeadline,
}

use Step::{Expiring, PastDeadline, C};

/// Runs `steps` on `server` with fresh connections (in RESP`resp`) and
/// returns each compared step with its raw reply.
fn run_steps(server: &Server, resp: u8, steps: &[Step]) -> Vec<String> {
    let conns = steps
        .iter()
        .filter_map(|s| match s {
            C(n, _) | Expiring(n, _, _) => Some(*n),
            PastDeadline => None,
        })
        .max()
        .unwrap_or(0)
        + 1;
    let mut c: Vec<Conn> = (0..conns).map(|_| server.conn()).collect();
    c[0].cmd(&["FLUSHALL"]);
    c[0].cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    if resp == 3 {
        for conn in &mut c {
            assert!(matches!(conn.cmd(&["HELLO", "3"]), Frame::Map(_)));
        }
    }
    let mut deadline = 0;
    let mut out = Vec::new();
    for step in steps {
        match *step {
            C(n, argv) => {
                let raw = c[n].cmd_raw(argv);
                out.push(format!(
                    "client {n}: {argv:?} -> {:?}",
                    String::from_utf8_lossy(&raw)
                ));
            }
            Expiring(n, key, ms) => {
                deadline = server_time_ms(&mut c[n]) + ms;
                let at = deadline.to_string();
                let raw = c[n].cmd_raw(&["SET", key, "v", "PXAT", &at]);
                out.push(format!(
                    "client {n}: SET {key} v PXAT <now+{ms}> -> {:?}",
                    String::from_utf8_lossy(&raw)
                ));
            }
            PastDeadline => {
                let passed = poll_until(Duration::from_secs(10), || {
                    (server_time_ms(&mut c[0]) > deadline).then_some(())
                });
                assert!(
                    passed.is_some(),
                    "the server's clock did not pass the deadline"
                );
            }
        }
    }
    out
}

/// The commands of a transaction and its replies.
const QUEUEING: &[(&str, &[Step])] = &[
    (
        "queued replies and EXEC",
        &[
            C(0, &["MULTI"]),
            C(0, &["PING"]),
            C(0, &["ECHO", "x"]),
            C(0, &["SET", "a", "1"]),
            C(0, &["INCR", "a"]),
            C(0, &["GET", "a"]),
            C(0, &["RPUSH", "l", "x", "y"]),
            C(0, &["LRANGE", "l", "0", "-1"]),
            C(0, &["HSET", "h", "f", "v"]),
            C(0, &["HGETALL", "h"]),
            C(0, &["ZADD", "z", "1.5", "m"]),
            C(0, &["ZSCORE", "z", "m"]),
            C(0, &["GET", "nosuch"]),
            C(0, &["EXEC"]),
        ],
    ),
    ("empty transaction", &[C(0, &["MULTI"]), C(0, &["EXEC"])]),
    (
        "a runtime error does not stop the others",
        &[
            C(0, &["SET", "s", "text"]),
            C(0, &["MULTI"]),
            C(0, &["INCR", "s"]),
            C(0, &["LPUSH", "s", "x"]),
            C(0, &["SET", "t", "1", "NX", "XX"]),
            C(0, &["SET", "t", "1"]),
            C(0, &["INCR", "t"]),
            C(0, &["ZADD", "z", "nan", "m"]),
            C(0, &["EXEC"]),
            C(0, &["GET", "t"]),
        ],
    ),
    (
        "a wrong arity aborts EXEC",
        &[
            C(0, &["MULTI"]),
            C(0, &["SET", "a", "1"]),
            C(0, &["SET", "b"]),
            C(0, &["INCR", "a"]),
            C(0, &["EXEC"]),
            C(0, &["GET", "a"]),
            C(0, &["EXEC"]),
        ],
    ),
    (
        "an unknown command aborts EXEC",
        &[
            C(0, &["MULTI"]),
            C(0, &["SET", "a", "1"]),
            C(0, &["NOSUCHCOMMAND", "x"]),
            C(0, &["EXEC"]),
            C(0, &["EXISTS", "a"]),
        ],
    ),
    (
        "an unknown subcommand aborts EXEC",
        &[
            C(0, &["MULTI"]),
            C(0, &["SET", "a", "1"]),
            C(0, &["CONFIG", "NOSUCH"]),
            C(0, &["EXEC"]),
            C(0, &["EXISTS", "a"]),
        ],
    ),
    (
        "DISCARD after a queue error",
        &[
            C(0, &["MULTI"]),
            C(0, &["NOSUCHCOMMAND"]),
            C(0, &["SET", "a", "1"]),
            C(0, &["DISCARD"]),
            C(0, &["EXISTS", "a"]),
            C(0, &["DISCARD"]),
        ],
    ),
    (
        "nested MULTI",
        &[
            C(0, &["MULTI"]),
            C(0, &["SET", "a", "1"]),
            C(0, &["MULTI"]),
            C(0, &["INCR", "a"]),
            C(0, &["EXEC"]),
        ],
    ),
    (
        "EXEC and DISCARD without MULTI",
        &[C(0, &["EXEC"]), C(0, &["DISCARD"]), C(0, &["UNWATCH"])],
    ),
    (
        "WATCH inside MULTI",
        &[
            C(0, &["MULTI"]),
            C(0, &["WATCH", "a"]),
            C(0, &["SET", "a", "1"]),
            C(1, &["SET", "a", "2"]),
            C(0, &["EXEC"]),
            C(0, &["GET", "a"]),
        ],
    ),
    (
        "UNWATCH inside MULTI is queued",
        &[
            C(0, &["WATCH", "a"]),
            C(0, &["MULTI"]),
            C(0, &["UNWATCH"]),
            C(0, &["PING"]),
            C(1, &["SET", "a", "x"]),
            C(0, &["EXEC"]),
        ],
    ),
    (
        "RESET leaves the transaction",
        &[
            C(0, &["WATCH", "a"]),
            C(0, &["MULTI"]),
            C(0, &["SET", "a", "1"]),
            C(0, &["RESET"]),
            C(0, &["EXEC"]),
            C(0, &["EXISTS", "a"]),
        ],
    ),
    (
        "SELECT inside a transaction",
        &[
            C(0, &["MULTI"]),
            C(0, &["SELECT", "1"]),
            C(0, &["SET", "a", "1"]),
            C(0, &["SELECT", "0"]),
            C(0, &["EXISTS", "a"]),
            C(0, &["EXEC"]),
            C(1, &["SELECT", "1"]),
            C(1, &["GET", "a"]),
        ],
    ),
];

/// WATCH and what makes EXEC fail (a null reply) or not: the steps, then
/// a transaction of one command (MULTI, the command, EXEC) on connection
/// 0.
const WATCHING: &[(&str, &[Step], &[&str])] = &[
    (
        "another client's write",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SET", "k", "2"]),
        ],
        &["GET", "k"],
    ),
    (
        "a write of the same value",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SET", "k", "1"]),
        ],
        &["INCR", "k"],
    ),
    (
        "the watching client's own write before MULTI",
        &[C(0, &["WATCH", "k"]), C(0, &["SET", "k", "2"])],
        &["GET", "k"],
    ),
    (
        "a write to another key",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SET", "other", "1"]),
            C(1, &["DEL", "other2"]),
        ],
        &["INCR", "k"],
    ),
    (
        "reads by another client",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["GET", "k"]),
            C(1, &["EXISTS", "k"]),
            C(1, &["TTL", "k"]),
            C(1, &["OBJECT", "ENCODING", "k"]),
        ],
        &["INCR", "k"],
    ),
    (
        "writes that fail or change nothing",
        &[
            C(1, &["SET", "k", "v"]),
            C(0, &["WATCH", "k", "missing"]),
            C(1, &["LPUSH", "k", "x"]),
            C(1, &["SETNX", "k", "y"]),
            C(1, &["INCR", "k"]),
            C(1, &["PERSIST", "k"]),
            C(1, &["DEL", "missing"]),
            C(1, &["EXPIRE", "missing", "100"]),
            C(1, &["SREM", "missing", "a"]),
        ],
        &["GET", "k"],
    ),
    (
        "a missing key that is created",
        &[C(0, &["WATCH", "k"]), C(1, &["LPUSH", "k", "x"])],
        &["PING"],
    ),
    (
        "DEL",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["DEL", "k"]),
        ],
        &["PING"],
    ),
    (
        "EXPIRE",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["EXPIRE", "k", "100"]),
        ],
        &["PING"],
    ),
    // 400 ms: the WATCH right after the SET comes well before the expiry
    // even on a slow machine.
    (
        "the key expires after WATCH",
        &[Expiring(0, "k", 400), C(0, &["WATCH", "k"]), PastDeadline],
        &["PING"],
    ),
    (
        "the key expires after WATCH, active expiry off",
        &[
            C(0, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
            Expiring(0, "k", 400),
            C(0, &["WATCH", "k"]),
            PastDeadline,
        ],
        &["PING"],
    ),
    (
        "the key had expired (not yet deleted) before WATCH",
        &[
            C(0, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
            Expiring(0, "k", 30),
            PastDeadline,
            C(0, &["WATCH", "k"]),
        ],
        &["PING"],
    ),
    (
        "a TTL that does not run out",
        &[
            C(0, &["SET", "k", "v", "EX", "1000"]),
            C(0, &["WATCH", "k"]),
        ],
        &["GET", "k"],
    ),
    (
        "FLUSHALL",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["FLUSHALL"]),
        ],
        &["PING"],
    ),
    (
        "FLUSHALL when the watched key does not exist",
        &[
            C(1, &["SET", "other", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["FLUSHALL"]),
        ],
        &["PING"],
    ),
    (
        "FLUSHDB",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["FLUSHDB"]),
        ],
        &["PING"],
    ),
    (
        "FLUSHDB of another database",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SELECT", "1"]),
            C(1, &["SET", "k", "1"]),
            C(1, &["FLUSHDB"]),
        ],
        &["PING"],
    ),
    (
        "SWAPDB with the key in the watched database",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SWAPDB", "0", "1"]),
        ],
        &["PING"],
    ),
    (
        "SWAPDB with the key only in the other database",
        &[
            C(0, &["WATCH", "k"]),
            C(1, &["SELECT", "1"]),
            C(1, &["SET", "k", "1"]),
            C(1, &["SWAPDB", "0", "1"]),
        ],
        &["GET", "k"],
    ),
    (
        "SWAPDB with the key in neither database",
        &[
            C(1, &["SET", "other", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SWAPDB", "0", "1"]),
        ],
        &["PING"],
    ),
    (
        "SWAPDB of two other databases",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SELECT", "2"]),
            C(1, &["SET", "k", "1"]),
            C(1, &["SWAPDB", "2", "3"]),
        ],
        &["PING"],
    ),
    (
        "MOVE out of the watched database",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["MOVE", "k", "1"]),
        ],
        &["PING"],
    ),
    (
        "MOVE into the watched database",
        &[
            C(0, &["SELECT", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SET", "k", "1"]),
            C(1, &["MOVE", "k", "1"]),
        ],
        &["GET", "k"],
    ),
    (
        "COPY onto the watched key",
        &[
            C(1, &["SET", "src", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["COPY", "src", "k"]),
        ],
        &["GET", "k"],
    ),
    (
        "COPY from the watched key",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["COPY", "k", "dst"]),
        ],
        &["GET", "k"],
    ),
    (
        "COPY onto the watched key in another database",
        &[
            C(0, &["SELECT", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SET", "k", "1"]),
            C(1, &["COPY", "k", "k", "DB", "1"]),
        ],
        &["GET", "k"],
    ),
    (
        "RENAME of the watched key",
        &[
            C(1, &["SET", "k", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["RENAME", "k", "other"]),
        ],
        &["PING"],
    ),
    (
        "RENAME onto the watched key",
        &[
            C(1, &["SET", "src", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["RENAME", "src", "k"]),
        ],
        &["GET", "k"],
    ),
    (
        "a write in another database to a key of the same name",
        &[
            C(0, &["SELECT", "1"]),
            C(0, &["WATCH", "k"]),
            C(1, &["SET", "k", "1"]),
        ],
        &["SET", "k", "2"],
    ),
    (
        "one of several watched keys",
        &[
            C(0, &["WATCH", "a", "b"]),
            C(0, &["WATCH", "c"]),
            C(1, &["SADD", "c", "x"]),
        ],
        &["PING"],
    ),
    (
        "DISCARD unwatches",
        &[
            C(0, &["WATCH", "k"]),
            C(0, &["MULTI"]),
            C(0, &["DISCARD"]),
            C(1, &["SET", "k", "1"]),
        ],
        &["GET", "k"],
    ),
    (
        "UNWATCH",
        &[
            C(0, &["WATCH", "k"]),
            C(0, &["UNWATCH"]),
            C(1, &["SET", "k", "1"]),
        ],
        &["GET", "k"],
    ),
    (
        "EXEC unwatches, even a failed one",
        &[
            C(0, &["WATCH", "k"]),
            C(1, &["SET", "k", "1"]),
            C(0, &["MULTI"]),
            C(0, &["GET", "k"]),
            C(0, &["EXEC"]),
            C(1, &["SET", "k", "2"]),
        ],
        &["GET", "k"],
    ),
    (
        "an EXECABORT unwatches",
        &[
            C(0, &["WATCH", "k"]),
            C(0, &["MULTI"]),
            C(0, &["NOSUCHCOMMAND"]),
            C(0, &["EXEC"]),
            C(1, &["SET", "k", "1"]),
        ],
        &["GET", "k"],
    ),
    (
        "a write by another client's transaction",
        &[
            C(0, &["WATCH", "k"]),
            C(1, &["MULTI"]),
            C(1, &["SET", "k", "1"]),
            C(1, &["EXEC"]),
        ],
        &["INCR", "k"],
    ),
];

/// MULTI, `queued`, EXEC on connection 0.
fn transaction(queued: &'static [&'static str]) -> [Step; 3] {
    [C(0, &["MULTI"]), C(0, queued), C(0, &["EXEC"])]
}

/// The transaction commands themselves, in RESP2 and RESP3.
#[test]
fn queueing_matches_oracle() {
    compare_scripts(QUEUEING, &[2, 3], run_steps);
}

/// Every kind of change to a watched key: the same EXEC outcome as the
/// oracle, in RESP2 and RESP3.
#[test]
fn watch_matches_oracle() {
    let scripts: Vec<(&str, Vec<Step>)> = WATCHING
        .iter()
        .map(|(name, steps, queued)| (*name, [*steps, &transaction(queued)].concat()))
        .collect();
    let scripts: Vec<(&str, &[Step])> = scripts.iter().map(|(n, s)| (*n, s.as_slice())).collect();
    compare_scripts(&scripts, &[2, 3], run_steps);
}

/// The keys every case of [`WRITES`] starts from.
const WRITE_SETUP: &[&[&str]] = &[
    &["RPUSH", "l", "a", "b", "c"],
    &["RPUSH", "l2", "x"],
    &["HSET", "h", "f", "1", "g", "2"],
    &["SADD", "s", "1", "2", "3"],
    &["SADD", "s2", "3", "4"],
    &["SADD", "one", "7"],
    &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
    &["ZADD", "z2", "3", "c", "4", "d"],
    &["SET", "str", "10"],
];

/// A write by another client and the WATCH: whether EXEC fails
/// (the key was touched) must be as in Redis, for writes that change
/// something and for those that change nothing.
const WRITES: &[(&[&str], &[&str])] = &[
    (&["LPUSH", "l", "x"], &["WATCH", "l"]),
    (&["RPUSHX", "nol", "x"], &["WATCH", "nol"]),
    (&["LPOP", "l"], &["WATCH", "l"]),
    (&["RPOP", "l", "5"], &["WATCH", "l"]),
    (&["LSET", "l", "0", "x"], &["WATCH", "l"]),
    (&["LINSERT", "l", "BEFORE", "b", "x"], &["WATCH", "l"]),
    (&["LINSERT", "l", "BEFORE", "nosuch", "x"], &["WATCH", "l"]),
    (&["LREM", "l", "0", "b"], &["WATCH", "l"]),
    (&["LREM", "l", "0", "nosuch"], &["WATCH", "l"]),
    (&["LTRIM", "l", "0", "-1"], &["WATCH", "l"]),
    (&["LTRIM", "l", "1", "1"], &["WATCH", "l"]),
    (&["LMOVE", "l", "l2", "LEFT", "RIGHT"], &["WATCH", "l"]),
    (&["LMOVE", "l", "l2", "LEFT", "RIGHT"], &["WATCH", "l2"]),
    (&["RPOPLPUSH", "l", "new"], &["WATCH", "new"]),
    (
        &["LMPOP", "2", "nol", "l", "LEFT", "COUNT", "2"],
        &["WATCH", "l"],
    ),
    (&["BLPOP", "l", "1"], &["WATCH", "l"]),
    (
        &["BLMOVE", "l", "l2", "RIGHT", "LEFT", "1"],
        &["WATCH", "l2"],
    ),
    (&["HSET", "h", "f", "1"], &["WATCH", "h"]),
    (&["HSETNX", "h", "f", "9"], &["WATCH", "h"]),
    (&["HSETNX", "h", "n", "9"], &["WATCH", "h"]),
    (&["HDEL", "h", "f"], &["WATCH", "h"]),
    (&["HDEL", "h", "nosuch"], &["WATCH", "h"]),
    (&["HINCRBY", "h", "f", "1"], &["WATCH", "h"]),
    (&["HINCRBYFLOAT", "h", "f", "1.5"], &["WATCH", "h"]),
    (&["SADD", "s", "1"], &["WATCH", "s"]),
    (&["SADD", "s", "9"], &["WATCH", "s"]),
    (&["SREM", "s", "1"], &["WATCH", "s"]),
    (&["SREM", "s", "9"], &["WATCH", "s"]),
    (&["SMOVE", "s", "s2", "1"], &["WATCH", "s"]),
    (&["SMOVE", "s", "s2", "1"], &["WATCH", "s2"]),
    (&["SMOVE", "s", "s2", "9"], &["WATCH", "s2"]),
    (&["SPOP", "one"], &["WATCH", "one"]),
    (&["SINTERSTORE", "dst", "s", "s2"], &["WATCH", "dst"]),
    (&["SUNIONSTORE", "s", "s", "s2"], &["WATCH", "s"]),
    (&["SDIFFSTORE", "dst", "s", "s"], &["WATCH", "dst"]),
    (&["ZADD", "z", "5", "a"], &["WATCH", "z"]),
    (&["ZADD", "z", "1", "a"], &["WATCH", "z"]),
    (&["ZADD", "z", "XX", "1", "nosuch"], &["WATCH", "z"]),
    (&["ZINCRBY", "z", "1", "a"], &["WATCH", "z"]),
    (&["ZREM", "z", "a"], &["WATCH", "z"]),
    (&["ZREM", "z", "nosuch"], &["WATCH", "z"]),
    (&["ZREMRANGEBYRANK", "z", "0", "0"], &["WATCH", "z"]),
    (&["ZREMRANGEBYSCORE", "z", "10", "20"], &["WATCH", "z"]),
    (&["ZREMRANGEBYLEX", "z", "-", "+"], &["WATCH", "z"]),
    (&["ZPOPMIN", "z"], &["WATCH", "z"]),
    (&["ZMPOP", "1", "z", "MAX"], &["WATCH", "z"]),
    (&["BZPOPMAX", "z", "1"], &["WATCH", "z"]),
    (&["ZUNIONSTORE", "dst", "2", "z", "z2"], &["WATCH", "dst"]),
    (&["ZINTERSTORE", "dst", "2", "z", "z2"], &["WATCH", "dst"]),
    (&["ZDIFFSTORE", "z", "2", "z", "z2"], &["WATCH", "z"]),
    (&["ZRANGESTORE", "dst", "z", "0", "1"], &["WATCH", "dst"]),
    (&["ZRANGESTORE", "z", "nosuch", "0", "1"], &["WATCH", "z"]),
    (&["SET", "str", "10"], &["WATCH", "str"]),
    (&["APPEND", "str", "x"], &["WATCH", "str"]),
    (&["INCR", "str"], &["WATCH", "str"]),
    (&["SETRANGE", "str", "0", "x"], &["WATCH", "str"]),
    (&["GETDEL", "str"], &["WATCH", "str"]),
    (&["GETEX", "str", "EX", "100"], &["WATCH", "str"]),
    (&["GETEX", "str"], &["WATCH", "str"]),
    (&["EXPIRE", "str", "100"], &["WATCH", "str"]),
    (&["PEXPIREAT", "str", "1"], &["WATCH", "str"]),
    (&["PERSIST", "str"], &["WATCH", "str"]),
    (&["UNLINK", "str"], &["WATCH", "str"]),
    (&["COPY", "str", "dst"], &["WATCH", "dst"]),
    (&["RENAME", "str", "dst"], &["WATCH", "str"]),
    (&["RENAMENX", "str", "l"], &["WATCH", "l"]),
    (&["MSET", "a", "1", "str", "2"], &["WATCH", "str"]),
    (&["MSETNX", "a", "1", "str", "2"], &["WATCH", "str"]),
];

/// Each write of [`WRITES`] by another client: the same EXEC outcome as
/// the oracle.
#[test]
fn every_write_touches_watched_keys_as_oracle() {
    let scripts: Vec<(String, Vec<Step>)> = WRITES
        .iter()
        .map(|(write, watch)| {
            let mut steps: Vec<Step> = WRITE_SETUP.iter().map(|c| C(1, c)).collect();
            steps.extend([C(0, watch), C(1, write)]);
            steps.extend(transaction(&["PING"]));
            (format!("{watch:?}, then {write:?}"), steps)
        })
        .collect();
    let scripts: Vec<(&str, &[Step])> = scripts
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_slice()))
        .collect();
    compare_scripts(&scripts, &[2], run_steps);
}

// ---------------------------------------------------------------------------
// Atomicity
// ---------------------------------------------------------------------------

/// How many INCRs one transaction holds.
const BATCH: i64 = 40;
/// How many transactions the writer runs.
const ROUNDS: usize = 100;

/// One writer runs transactions of [`BATCH`] INCRs of `x` while a reader
/// GETs `x` as fast as it can: the reader only ever sees multiples of
/// [`BATCH`], the value before or after a whole transaction. A MONITOR
/// connection sees every transaction's INCRs together, with no other
/// client's command among them.
fn check_atomic(server: &Server) {
    let mut monitor = server.conn();
    assert_eq!(monitor.cmd(&["MONITOR"]), simple("OK"));
    let stop = AtomicBool::new(false);
    let seen = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut c = server.conn();
            let mut seen = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let v = match c.cmd(&["GET", "x"]) {
                    Frame::Null => 0,
                    f => text(&f).parse::<i64>().expect("a number"),
                };
                seen.push(v);
            }
            seen
        });
        let mut w = server.conn();
        let mut batch = resp::encode_command(&["MULTI"]);
        for _ in 0..BATCH {
            batch.extend(resp::encode_command(&["INCR", "x"]));
        }
        batch.extend(resp::encode_command(&["EXEC"]));
        for _ in 0..ROUNDS {
            let replies = w.pipeline(&batch, BATCH as usize + 2);
            assert!(
                matches!(replies.last(), Some(Frame::Array(v)) if v.len() == BATCH as usize),
                "EXEC: {:?}",
                replies.last()
            );
        }
        stop.store(true, Ordering::SeqCst);
        reader.join().expect("reader")
    });
    assert!(seen.len() > 1, "the reader ran");
    let torn: Vec<&i64> = seen.iter().filter(|v| *v % BATCH != 0).collect();
    assert!(
        torn.is_empty(),
        "{}: the reader saw values inside a transaction: {torn:?}",
        server.name()
    );
    // The MONITOR stream: read up to the last EXEC; from the first INCR
    // of a transaction to its EXEC, only the writer's commands.
    let mut writer: Option<String> = None;
    let (mut incrs, mut execs) = (0, 0);
    while execs < ROUNDS {
        let line = text(&monitor.read_frame());
        let client = line
            .split_once(" [")
            .and_then(|(_, r)| r.split_once(']'))
            .map(|(c, _)| c.to_string())
            .unwrap_or_default();
        let cmd = line.split_once("] ").map(|(_, c)| c).unwrap_or("");
        if cmd == "\"INCR\" \"x\"" && incrs == 0 {
            writer = Some(client.clone());
        }
        if incrs > 0 {
            assert_eq!(
                Some(&client),
                writer.as_ref(),
                "{}: another client's command inside a transaction: {line}",
                server.name()
            );
        }
        match cmd {
            "\"INCR\" \"x\"" => incrs += 1,
            "\"EXEC\"" if writer.as_ref() == Some(&client) => {
                assert_eq!(incrs, BATCH, "{}: INCRs before EXEC", server.name());
                incrs = 0;
                execs += 1;
            }
            _ => {}
        }
    }
}

/// No client's command runs inside another client's EXEC (ours; the
/// oracle too, as a check of the test).
#[test]
fn exec_is_atomic() {
    let (ours, redis) = Server::pair(&[]);
    check_atomic(&ours);
    check_atomic(&redis);
}

// ---------------------------------------------------------------------------
// Known server bugs
// ---------------------------------------------------------------------------

/// EXEC with arguments inside MULTI is refused with EXECABORT and ends
/// the transaction (server.c rejectCommand calls execCommandAbort when
/// the refused command is EXEC).
#[test]
fn exec_arity_error_aborts() {
    let steps: &[Step] = &[
        C(0, &["MULTI", "x"]),
        C(0, &["WATCH"]),
        C(0, &["MULTI"]),
        C(0, &["SET", "a", "1"]),
        C(0, &["EXEC", "x"]),
        C(0, &["DISCARD", "x"]),
        C(0, &["EXEC"]),
        C(0, &["EXISTS", "a"]),
    ];
    compare_scripts(&[("arity errors", steps)], &[2], run_steps);
}

/// SORT ... STORE touches the destination key for WATCH
/// (signalModifiedKey in sortCommandGeneric).
#[test]
fn sort_store_touches_watched_key() {
    let steps: &[Step] = &[
        C(1, &["RPUSH", "src", "2", "1"]),
        C(0, &["WATCH", "k"]),
        C(1, &["SORT", "src", "STORE", "k"]),
        C(0, &["MULTI"]),
        C(0, &["LRANGE", "k", "0", "-1"]),
        C(0, &["EXEC"]),
    ];
    compare_scripts(&[("SORT ... STORE", steps)], &[2], run_steps);
}

/// SMOVE of a member the destination already holds changes only the
/// source: the destination is not touched (t_set.c smoveCommand signals
/// it only when setTypeAdd adds).
#[test]
fn smove_of_a_member_already_there() {
    let steps: &[Step] = &[
        C(1, &["SADD", "s", "m", "x"]),
        C(1, &["SADD", "d", "m"]),
        C(0, &["WATCH", "d"]),
        C(1, &["SMOVE", "s", "d", "m"]),
        C(0, &["MULTI"]),
        C(0, &["SMEMBERS", "d"]),
        C(0, &["EXEC"]),
    ];
    compare_scripts(&[("SMOVE", steps)], &[2], run_steps);
}
