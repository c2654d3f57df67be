//! Goal: the blocking commands — BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP,
//! BZPOPMIN, BZPOPMAX, BZMPOP — behave as in redis-server 7.0.15: served at
//! once when they can be, otherwise blocked until a push from another
//! client (the same reply), first come first served among clients
//! blocked on one key, woken by a transaction only after its EXEC, timed
//! out with a null array (`*-1` in RESP2, `_` in RESP3), blocked for good
//! with timeout 0, refused with a negative or invalid timeout, chained
//! (a BLMOVE that serves another blocked client), forgotten when the
//! blocked client disconnects or is killed, unblocked by CLIENT UNBLOCK
//! TIMEOUT or ERROR, left blocked when the key gets another type, and
//! non-blocking inside MULTI.
//!
//! Reference: blocked.c (blockForKeys, handleClientsBlockedOnKeys,
//! serveClientsBlockedOnKey, replyToBlockedClientTimedOut), t_list.c and
//! t_zset.c (the blocking variants), timeout.c (getTimeoutFromObjectOrReply),
//! networking.c (CLIENT UNBLOCK, CLIENT KILL).
//!
//! Each scenario is a script on a few connections, run on both servers;
//! every reply is compared byte for byte. Where a client must be blocked,
//! the script polls INFO clients (blocked_clients) until it is, with a
//! deadline; where a blocked client must stay blocked, it reads that
//! connection with a short timeout (nothing may arrive) and checks
//! blocked_clients again.

mod common;

use common::*;
use resp::encode_command;
use std::time::Duration;

/// How long a connection is read to show that nothing arrives: long
/// enough for a wrongly served reply to come back over loopback, short
/// enough to keep the suite fast. A reply that should not exist but
/// comes later still fails the next step that reads that connection.
const QUIET: Duration = Duration::from_millis(150);

/// One step of a script.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Send a command on connection `n` and read its reply.
    R(usize, &'static [&'static str]),
    /// Send a command on connection `n` without reading (it blocks).
    S(usize, &'static [&'static str]),
    /// Read the pending reply of connection `n`.
    Read(usize),
    /// Poll INFO clients until blocked_clients is `k`.
    Blocked(usize),
    /// Nothing arrives on connection `n` for [`QUIET`].
    Quiet(usize),
    /// Close connection `n`.
    Close(usize),
    /// CLIENT KILL ID <id of connection `n`> on connection `m`; then
    /// connection `n` must be closed by the server.
    Kill(usize, usize),
    /// CLIENT UNBLOCK <id of connection `n`> [`how`] on connection `m`.
    Unblock(usize, usize, &'static str),
}

use Step::{Blocked, Close, Kill, Quiet, Read, Unblock, R, S};

/// blocked_clients from INFO clients.
fn blocked_clients(c: &mut Conn) -> usize {
    let info = text(&c.cmd(&["INFO", "clients"]));
    info_field(&info, "blocked_clients")
        .and_then(|v| v.parse().ok())
        .expect("blocked_clients")
}

/// Connection `n`, which the script has not closed.
fn conn(c: &mut [Option<Conn>], n: usize) -> &mut Conn {
    c[n].as_mut().expect("connection still open")
}

/// Runs `steps` on `server` in RESP`resp`; returns what each step read.
fn run_script(server: &Server, resp: u8, steps: &[Step]) -> Vec<String> {
    let conns = steps
        .iter()
        .flat_map(|s| match *s {
            R(n, _) | S(n, _) | Read(n) | Quiet(n) | Close(n) => vec![n],
            Kill(n, m) | Unblock(n, m, _) => vec![n, m],
            Blocked(_) => vec![],
        })
        .max()
        .unwrap_or(0)
        + 1;
    let mut admin = server.conn();
    admin.cmd(&["FLUSHALL"]);
    let mut c: Vec<Option<Conn>> = (0..conns).map(|_| Some(server.conn())).collect();
    let mut ids = Vec::new();
    for conn in c.iter_mut().flatten() {
        ids.push(int(&conn.cmd(&["CLIENT", "ID"])).to_string());
        if resp == 3 {
            assert!(matches!(conn.cmd(&["HELLO", "3"]), resp::Frame::Map(_)));
        }
    }
    let raw = |bytes: Vec<u8>| format!("{:?}", String::from_utf8_lossy(&bytes));
    let mut out = Vec::new();
    for step in steps {
        let read = match *step {
            R(n, argv) => raw(conn(&mut c, n).cmd_raw(argv)),
            S(n, argv) => {
                conn(&mut c, n).send_raw(&encode_command(argv));
                String::new()
            }
            Read(n) => raw(conn(&mut c, n).read_reply().1),
            Blocked(k) => {
                let got = poll_until(Duration::from_secs(10), || {
                    (blocked_clients(&mut admin) == k).then_some(())
                });
                assert!(
                    got.is_some(),
                    "{}: blocked_clients stays {} (want {k})",
                    server.name(),
                    blocked_clients(&mut admin)
                );
                String::new()
            }
            Quiet(n) => {
                let c = conn(&mut c, n);
                c.set_read_timeout(QUIET);
                let got = c.try_read_reply();
                c.set_read_timeout(READ_TIMEOUT);
                match got {
                    Err(_) => "(nothing)".to_string(),
                    Ok(Some((_, bytes))) => raw(bytes),
                    Ok(None) => "(closed)".to_string(),
                }
            }
            Close(n) => {
                c[n] = None;
                String::new()
            }
            Kill(n, m) => {
                let id = ids[n].clone();
                let reply = raw(conn(&mut c, m).cmd_raw(&["CLIENT", "KILL", "ID", &id]));
                let closed = conn(&mut c, n).wait_closed(Duration::from_secs(10));
                format!("{reply} closed: {closed}")
            }
            Unblock(n, m, how) => {
                let id = ids[n].clone();
                let mut argv = vec!["CLIENT", "UNBLOCK", id.as_str()];
                if !how.is_empty() {
                    argv.push(how);
                }
                raw(conn(&mut c, m).cmd_raw(&argv))
            }
        };
        out.push(format!("{step:?} -> {read}"));
    }
    out
}

/// Runs every script of `scripts` on both servers in RESP2 and RESP3 and
/// compares what every step read.
fn compare_all(scripts: &[(&str, &[Step])]) {
    compare_scripts(scripts, &[2, 3], run_script);
}

/// Data there already: every blocking command is served at once.
#[test]
fn served_at_once() {
    compare_all(&[
        (
            "lists",
            &[
                R(0, &["RPUSH", "l", "a", "b", "c", "d", "e", "f"]),
                R(0, &["BLPOP", "nokey", "l", "0"]),
                R(0, &["BRPOP", "l", "nokey", "0"]),
                R(0, &["BLMOVE", "l", "d", "LEFT", "RIGHT", "0"]),
                R(0, &["BRPOPLPUSH", "l", "d", "0"]),
                R(0, &["BLMPOP", "0", "2", "nokey", "l", "LEFT", "COUNT", "5"]),
                R(0, &["EXISTS", "l"]),
                R(0, &["LRANGE", "d", "0", "-1"]),
                R(0, &["BLMPOP", "0.01", "1", "d", "RIGHT"]),
            ],
        ),
        (
            "zsets",
            &[
                R(
                    0,
                    &["ZADD", "z", "1", "a", "2.5", "b", "3", "c", "-inf", "d"],
                ),
                R(0, &["BZPOPMIN", "nokey", "z", "0"]),
                R(0, &["BZPOPMAX", "z", "0"]),
                R(0, &["BZMPOP", "0", "2", "nokey", "z", "MIN", "COUNT", "5"]),
                R(0, &["EXISTS", "z"]),
            ],
        ),
    ]);
}

/// Blocked, then served by another client's write: the blocked client's
/// reply, and the writer's.
#[test]
fn served_by_a_push() {
    compare_all(&[
        (
            "BLPOP",
            &[
                S(0, &["BLPOP", "a", "b", "0"]),
                Blocked(1),
                R(1, &["RPUSH", "b", "x", "y"]),
                Read(0),
                Blocked(0),
                R(1, &["LRANGE", "b", "0", "-1"]),
            ],
        ),
        (
            "BRPOP",
            &[
                S(0, &["BRPOP", "a", "0"]),
                Blocked(1),
                R(1, &["LPUSH", "a", "x", "y"]),
                Read(0),
                R(1, &["LRANGE", "a", "0", "-1"]),
            ],
        ),
        (
            "BLMOVE",
            &[
                S(0, &["BLMOVE", "a", "d", "RIGHT", "LEFT", "0"]),
                Blocked(1),
                R(1, &["RPUSH", "a", "x", "y"]),
                Read(0),
                R(1, &["LRANGE", "a", "0", "-1"]),
                R(1, &["LRANGE", "d", "0", "-1"]),
            ],
        ),
        (
            "BRPOPLPUSH onto itself",
            &[
                S(0, &["BRPOPLPUSH", "a", "a", "0"]),
                Blocked(1),
                R(1, &["RPUSH", "a", "x", "y"]),
                Read(0),
                R(1, &["LRANGE", "a", "0", "-1"]),
            ],
        ),
        (
            "BLMPOP",
            &[
                S(0, &["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"]),
                Blocked(1),
                R(1, &["RPUSH", "b", "x", "y", "z"]),
                Read(0),
                R(1, &["LRANGE", "b", "0", "-1"]),
            ],
        ),
        (
            "BZPOPMIN",
            &[
                S(0, &["BZPOPMIN", "z", "0"]),
                Blocked(1),
                R(1, &["ZADD", "z", "2", "b", "1.5", "a"]),
                Read(0),
                R(1, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
            ],
        ),
        (
            "BZPOPMAX",
            &[
                S(0, &["BZPOPMAX", "y", "z", "0"]),
                Blocked(1),
                R(1, &["ZADD", "z", "2", "b", "1.5", "a"]),
                Read(0),
            ],
        ),
        (
            "BZMPOP",
            &[
                S(0, &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "10"]),
                Blocked(1),
                R(1, &["ZADD", "z", "2", "b", "1.5", "a"]),
                Read(0),
                R(1, &["EXISTS", "z"]),
            ],
        ),
        (
            "ZINCRBY and ZUNIONSTORE wake BZPOPMIN",
            &[
                S(0, &["BZPOPMIN", "z", "0"]),
                S(2, &["BZPOPMIN", "u", "0"]),
                Blocked(2),
                R(1, &["ZINCRBY", "z", "5", "m"]),
                Read(0),
                R(1, &["ZADD", "src", "1", "a"]),
                R(1, &["ZUNIONSTORE", "u", "1", "src"]),
                Read(2),
            ],
        ),
        (
            "LMOVE, RPOPLPUSH and RENAME wake list waiters",
            &[
                S(0, &["BLPOP", "x", "0"]),
                S(2, &["BLPOP", "y", "0"]),
                S(3, &["BLPOP", "w", "0"]),
                Blocked(3),
                R(1, &["RPUSH", "src", "1", "2", "3"]),
                R(1, &["LMOVE", "src", "x", "LEFT", "LEFT"]),
                Read(0),
                R(1, &["RPOPLPUSH", "src", "y"]),
                Read(2),
                R(1, &["RENAME", "src", "w"]),
                Read(3),
            ],
        ),
        (
            "COPY wakes a list waiter",
            &[
                S(0, &["BLPOP", "x", "0"]),
                Blocked(1),
                R(1, &["RPUSH", "src", "1", "2"]),
                R(1, &["COPY", "src", "x"]),
                Read(0),
                R(1, &["LRANGE", "x", "0", "-1"]),
            ],
        ),
    ]);
}

/// Clients blocked on one key are served first come, first served.
#[test]
fn first_come_first_served() {
    compare_all(&[
        (
            "three BLPOPs",
            &[
                S(0, &["BLPOP", "l", "0"]),
                Blocked(1),
                S(1, &["BRPOP", "l", "0"]),
                Blocked(2),
                S(2, &["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "2"]),
                Blocked(3),
                R(3, &["RPUSH", "l", "a", "b", "c", "d", "e"]),
                Read(0),
                Read(1),
                Read(2),
                R(3, &["LRANGE", "l", "0", "-1"]),
            ],
        ),
        (
            "more waiters than elements",
            &[
                S(0, &["BZPOPMIN", "z", "0"]),
                Blocked(1),
                S(1, &["BZPOPMAX", "z", "0"]),
                Blocked(2),
                S(2, &["BZPOPMIN", "z", "0"]),
                Blocked(3),
                R(3, &["ZADD", "z", "1", "a", "2", "b"]),
                Read(0),
                Read(1),
                Quiet(2),
                Blocked(1),
                R(3, &["ZADD", "z", "3", "c"]),
                Read(2),
            ],
        ),
        (
            "waiters on several keys",
            &[
                S(0, &["BLPOP", "a", "b", "0"]),
                Blocked(1),
                S(1, &["BLPOP", "b", "a", "0"]),
                Blocked(2),
                R(2, &["RPUSH", "b", "1"]),
                Read(0),
                R(2, &["RPUSH", "a", "2"]),
                Read(1),
            ],
        ),
    ]);
}

/// A transaction's pushes wake blocked clients only after EXEC, and they
/// see the data as EXEC left it.
#[test]
fn woken_after_exec() {
    compare_all(&[
        (
            "two pushes in a transaction",
            &[
                S(0, &["BLPOP", "l", "0"]),
                Blocked(1),
                R(1, &["MULTI"]),
                R(1, &["LPUSH", "l", "a"]),
                R(1, &["LPUSH", "l", "b"]),
                Quiet(0),
                R(1, &["EXEC"]),
                Read(0),
                R(1, &["LRANGE", "l", "0", "-1"]),
            ],
        ),
        (
            "a push and a pop in a transaction",
            &[
                S(0, &["BLPOP", "l", "0"]),
                Blocked(1),
                R(1, &["MULTI"]),
                R(1, &["RPUSH", "l", "a"]),
                R(1, &["LPOP", "l"]),
                R(1, &["EXEC"]),
                Quiet(0),
                Blocked(1),
                R(1, &["RPUSH", "l", "c"]),
                Read(0),
            ],
        ),
        (
            "zsets in a transaction",
            &[
                S(0, &["BZPOPMAX", "z", "0"]),
                Blocked(1),
                R(1, &["MULTI"]),
                R(1, &["ZADD", "z", "1", "a"]),
                R(1, &["ZADD", "z", "5", "b"]),
                R(1, &["ZINCRBY", "z", "10", "a"]),
                R(1, &["EXEC"]),
                Read(0),
            ],
        ),
    ]);
}

/// Timeouts: a null array when the time is up, blocking for good with 0,
/// errors for negative and invalid timeouts.
#[test]
fn timeouts() {
    compare_all(&[
        (
            "time is up",
            &[
                R(0, &["BLPOP", "l", "0.05"]),
                R(0, &["BRPOP", "l", "m", "0.05"]),
                R(0, &["BLMOVE", "l", "d", "LEFT", "LEFT", "0.05"]),
                R(0, &["BRPOPLPUSH", "l", "d", "0.05"]),
                R(0, &["BLMPOP", "0.05", "1", "l", "LEFT"]),
                R(0, &["BZPOPMIN", "z", "0.05"]),
                R(0, &["BZPOPMAX", "z", "0.05"]),
                R(0, &["BZMPOP", "0.05", "1", "z", "MIN"]),
                R(0, &["BLPOP", "l", "0.001"]),
                Blocked(0),
            ],
        ),
        (
            "timeout 0 blocks",
            &[
                S(0, &["BLPOP", "l", "0"]),
                S(1, &["BZPOPMIN", "z", "0.0"]),
                Blocked(2),
                Quiet(0),
                Quiet(1),
                Blocked(2),
                R(2, &["RPUSH", "l", "x"]),
                R(2, &["ZADD", "z", "1", "x"]),
                Read(0),
                Read(1),
            ],
        ),
        (
            "bad timeouts",
            &[
                R(0, &["BLPOP", "l", "-1"]),
                R(0, &["BLPOP", "l", "-0.5"]),
                R(0, &["BLPOP", "l", "abc"]),
                R(0, &["BLPOP", "l", ""]),
                R(0, &["BLPOP", "l", "nan"]),
                R(0, &["BRPOP", "l", "-1"]),
                R(0, &["BLMOVE", "l", "d", "LEFT", "LEFT", "-1"]),
                R(0, &["BLMOVE", "l", "d", "UP", "LEFT", "1"]),
                R(0, &["BRPOPLPUSH", "l", "d", "x"]),
                R(0, &["BLMPOP", "-1", "1", "l", "LEFT"]),
                R(0, &["BLMPOP", "0", "0", "l", "LEFT"]),
                R(0, &["BLMPOP", "0", "1", "l", "UP"]),
                R(0, &["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "0"]),
                R(0, &["BZPOPMIN", "z", "-1"]),
                R(0, &["BZMPOP", "x", "1", "z", "MIN"]),
                R(0, &["BZMPOP", "0", "1", "z", "MIDDLE"]),
                R(0, &["BLPOP", "l"]),
                Blocked(0),
            ],
        ),
    ]);
}

/// A BLMOVE that is served pushes onto a key another client waits on,
/// which serves that client too.
#[test]
fn blmove_chain() {
    compare_all(&[(
        "chain",
        &[
            S(0, &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"]),
            Blocked(1),
            S(1, &["BLMOVE", "b", "c", "LEFT", "RIGHT", "0"]),
            Blocked(2),
            S(2, &["BLPOP", "c", "0"]),
            Blocked(3),
            R(3, &["RPUSH", "a", "x"]),
            Read(0),
            Read(1),
            Read(2),
            Blocked(0),
            R(3, &["EXISTS", "a", "b", "c"]),
        ],
    )]);
}

/// A blocked client that goes away leaves nothing behind: the count of
/// blocked clients goes back to 0 and a later push stays in the list.
#[test]
fn disconnect_and_kill_leave_nothing_behind() {
    compare_all(&[
        (
            "disconnect",
            &[
                S(0, &["BLPOP", "l", "0"]),
                S(1, &["BZPOPMIN", "z", "0"]),
                Blocked(2),
                Close(0),
                Close(1),
                Blocked(0),
                R(2, &["RPUSH", "l", "x"]),
                R(2, &["ZADD", "z", "1", "a"]),
                R(2, &["LRANGE", "l", "0", "-1"]),
                R(2, &["ZCARD", "z"]),
            ],
        ),
        (
            "CLIENT KILL",
            &[
                S(0, &["BLMOVE", "l", "d", "LEFT", "LEFT", "0"]),
                Blocked(1),
                Kill(0, 1),
                Blocked(0),
                R(1, &["RPUSH", "l", "x"]),
                R(1, &["LRANGE", "l", "0", "-1"]),
                R(1, &["EXISTS", "d"]),
            ],
        ),
    ]);
}

/// CLIENT UNBLOCK: TIMEOUT gives the timeout reply, ERROR an error; a
/// client that is not blocked is not unblocked.
#[test]
fn client_unblock() {
    compare_all(&[(
        "unblock",
        &[
            S(0, &["BLPOP", "l", "0"]),
            Blocked(1),
            Unblock(0, 1, "TIMEOUT"),
            Read(0),
            Blocked(0),
            S(0, &["BZPOPMIN", "z", "0"]),
            Blocked(1),
            Unblock(0, 1, ""),
            Read(0),
            S(0, &["BLMPOP", "0", "1", "l", "LEFT"]),
            Blocked(1),
            Unblock(0, 1, "ERROR"),
            Read(0),
            Blocked(0),
            Unblock(0, 1, "ERROR"),
            Unblock(0, 1, "FOO"),
            R(1, &["CLIENT", "UNBLOCK", "999999"]),
            R(1, &["CLIENT", "UNBLOCK", "x"]),
            R(0, &["PING"]),
        ],
    )]);
}

/// The waited-on key gets a value of another type: the client stays
/// blocked until a value of its type comes.
#[test]
fn wrong_type_while_blocked() {
    compare_all(&[(
        "BLMOVE to a key of another type",
        &[
            R(1, &["SET", "d", "v"]),
            S(0, &["BLMOVE", "l", "d", "LEFT", "LEFT", "0"]),
            Blocked(1),
            R(1, &["RPUSH", "l", "x"]),
            Read(0),
            Blocked(0),
            R(1, &["LRANGE", "l", "0", "-1"]),
            R(1, &["GET", "d"]),
        ],
    )]);
}

/// Inside MULTI the blocking commands do not block: they reply at once,
/// with the timeout reply when there is nothing.
#[test]
fn non_blocking_inside_multi() {
    compare_all(&[(
        "multi",
        &[
            R(0, &["RPUSH", "full", "a"]),
            R(0, &["MULTI"]),
            R(0, &["BLPOP", "empty", "0"]),
            R(0, &["BRPOP", "empty", "full", "0"]),
            R(0, &["BLMOVE", "empty", "d", "LEFT", "LEFT", "0"]),
            R(0, &["BRPOPLPUSH", "empty", "d", "0"]),
            R(0, &["BLMPOP", "0", "1", "empty", "LEFT"]),
            R(0, &["BZPOPMIN", "empty", "0"]),
            R(0, &["BZPOPMAX", "empty", "0"]),
            R(0, &["BZMPOP", "0", "1", "empty", "MIN"]),
            R(0, &["BLPOP", "empty", "-1"]),
            R(0, &["EXEC"]),
            Blocked(0),
        ],
    )]);
}

// ---------------------------------------------------------------------------
// Known server bugs
// ---------------------------------------------------------------------------

/// In 7.0 a client blocked on a list (zset) key is served only when the
/// key holds a list (zset): a value of another type leaves it blocked
/// (blocked.c, serveClientsBlockedOnKey checks the type; 7.2 changed
/// this).
#[test]
fn stays_blocked_when_the_key_gets_another_type() {
    compare_all(&[
        (
            "SET on the key",
            &[
                S(0, &["BLPOP", "k", "0"]),
                Blocked(1),
                R(1, &["SET", "k", "v"]),
                Quiet(0),
                Blocked(1),
                R(1, &["DEL", "k"]),
                R(1, &["RPUSH", "k", "x"]),
                Read(0),
            ],
        ),
        (
            "list waiter",
            &[
                S(0, &["BLPOP", "k", "0"]),
                Blocked(1),
                R(1, &["ZADD", "k", "1", "a"]),
                Quiet(0),
                Blocked(1),
                R(1, &["DEL", "k"]),
                R(1, &["RPUSH", "k", "x"]),
                Read(0),
            ],
        ),
        (
            "zset waiter",
            &[
                S(0, &["BZPOPMIN", "k", "0"]),
                Blocked(1),
                R(1, &["RPUSH", "k", "a"]),
                R(1, &["SADD", "s", "a"]),
                R(1, &["RENAME", "s", "k"]),
                Quiet(0),
                Blocked(1),
                R(1, &["DEL", "k"]),
                R(1, &["ZADD", "k", "1", "x"]),
                Read(0),
            ],
        ),
    ]);
}

/// A timeout too large for a long long of milliseconds: the cast in
/// getTimeoutFromObjectOrReply wraps, and Redis 7.0 says "timeout is
/// negative".
#[test]
fn huge_timeout_is_negative() {
    compare_all(&[(
        "huge timeouts",
        &[
            R(0, &["BLPOP", "l", "inf"]),
            R(0, &["BZPOPMIN", "z", "1e20"]),
        ],
    )]);
}

/// SORT ... STORE creates the destination list, which serves a client
/// blocked on it (signalKeyAsReady through setKey).
#[test]
fn sort_store_wakes_a_waiter() {
    compare_all(&[(
        "SORT ... STORE",
        &[
            S(0, &["BLPOP", "x", "0"]),
            Blocked(1),
            R(1, &["RPUSH", "src", "2", "1"]),
            R(1, &["SORT", "src", "STORE", "x"]),
            Blocked(0),
            Read(0),
            R(1, &["LRANGE", "x", "0", "-1"]),
        ],
    )]);
}
