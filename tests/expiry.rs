//! Goal: keys with a time to live disappear as they do in redis-server
//! 7.0.15: lazily, when a command touches a key whose time has passed
//! (each access path deletes it, counts it in `expired_keys` and answers
//! as if it never existed, while DBSIZE and KEYS do not delete), and
//! actively, by the server's own cycle, so that 100,000 keys nobody
//! touches all go; and `DEBUG SET-ACTIVE-EXPIRE 0` stops the active cycle.
//!
//! Reference: db.c `expireIfNeeded`, `keysCommand`, `dbsizeCommand`;
//! expire.c `activeExpireCycle`; debug.c `DEBUG SET-ACTIVE-EXPIRE`;
//! server.c `genRedisInfoString` (`expired_keys`, the keyspace section).

mod common;

use common::*;
use resp::{encode_command, Frame};
use std::time::Duration;

/// How long the active cycle may take to clear all keys. Redis needs about
/// a second for 100,000 keys; a debug build on a slow CI machine gets a
/// wide margin (this is a deadline for a poll, not a speed requirement).
const ACTIVE_EXPIRY_DEADLINE: Duration = Duration::from_secs(120);

/// The `expired_keys` counter of INFO stats.
fn expired_keys(c: &mut Conn) -> u64 {
    let info = text(&c.cmd(&["INFO", "stats"]));
    info_field(&info, "expired_keys")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no expired_keys in INFO stats:\n{info}"))
}

/// The `dbN:keys=..,expires=..` line of INFO keyspace without avg_ttl
/// (which depends on the clock), or None when the db has no keys.
fn keyspace_line(c: &mut Conn, db: &str) -> Option<String> {
    let info = text(&c.cmd(&["INFO", "keyspace"]));
    info_field(&info, db).map(|v| {
        v.split(',')
            .filter(|kv| !kv.starts_with("avg_ttl="))
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// With the active cycle off, keys whose time has passed (set with an
/// absolute time in the past) stay in the database, counted by DBSIZE
/// but hidden from KEYS, until a command touches them: then each access
/// path answers as for a missing key and deletes it. Every reply, DBSIZE
/// after every step and `expired_keys` equal the oracle's.
#[test]
fn lazy_expiry_on_access_matches_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(&mut a, &mut b, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    same(&mut a, &mut b, &["SET", "live", "v"]);
    for k in ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"] {
        same(&mut a, &mut b, &["SET", k, "old", "PXAT", "1"]);
    }
    same(&mut a, &mut b, &["RPUSH", "elist", "x"]);
    same(&mut a, &mut b, &["PEXPIREAT", "elist", "1"]);
    assert_eq!(same(&mut a, &mut b, &["DBSIZE"]), Frame::Integer(9));
    assert_eq!(
        same(&mut a, &mut b, &["KEYS", "*"]),
        Frame::Array(vec![bulk("live")])
    );
    assert_eq!(same(&mut a, &mut b, &["DBSIZE"]), Frame::Integer(9));
    let before = expired_keys(&mut a);
    assert_eq!(before, expired_keys(&mut b));
    let accesses: &[&[&str]] = &[
        &["GET", "e1"],
        &["EXISTS", "e2", "live"],
        &["TTL", "e3"],
        &["TYPE", "e4"],
        &["APPEND", "e5", "new"],
        &["GET", "e5"],
        &["INCR", "e6"],
        &["SET", "e7", "x", "XX"],
        &["STRLEN", "e8"],
        &["LLEN", "e1"],
    ];
    for argv in accesses {
        same(&mut a, &mut b, argv);
        same(&mut a, &mut b, &["DBSIZE"]);
    }
    // Left: live, and e5 and e6, written anew by APPEND and INCR.
    assert_eq!(same(&mut a, &mut b, &["DBSIZE"]), Frame::Integer(3));
    assert_eq!(expired_keys(&mut a), expired_keys(&mut b));
    assert_eq!(expired_keys(&mut a), before + 8);
    assert_eq!(keyspace_line(&mut a, "db0"), keyspace_line(&mut b, "db0"));
}

/// A key with a real, short time to live: polling it with GET (each GET
/// an access) sees the value until the time passes, then null, with the
/// active cycle off; the key is then gone and counted as expired.
#[test]
fn lazy_expiry_after_the_time_passes() {
    for s in [Server::start(&[]), Server::redis(&[])] {
        let mut c = s.conn();
        assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), simple("OK"));
        let before = expired_keys(&mut c);
        assert_eq!(c.cmd(&["SET", "k", "v", "PX", "1000"]), simple("OK"));
        // -2 only if this machine took over a second to ask.
        let pttl = int(&c.cmd(&["PTTL", "k"]));
        assert!(
            pttl == -2 || (1..=1000).contains(&pttl),
            "{}: PTTL {pttl}",
            s.name()
        );
        let gone = poll_until(Duration::from_secs(20), || match c.cmd(&["GET", "k"]) {
            Frame::Null => Some(()),
            v => {
                assert_eq!(v, bulk("v"));
                None
            }
        });
        assert!(gone.is_some(), "{}: key never expired", s.name());
        assert_eq!(c.cmd(&["DBSIZE"]), Frame::Integer(0), "{}", s.name());
        assert_eq!(expired_keys(&mut c), before + 1, "{}", s.name());
    }
}

/// Writes `n` keys `prefix:<i>` with a `ttl_ms` time to live, as SET then
/// PEXPIRE, all in one pipelined write; checks every reply.
fn create_expiring_keys(c: &mut Conn, prefix: &str, n: usize, ttl_ms: u64) {
    let ttl = ttl_ms.to_string();
    let mut batch = Vec::with_capacity(n * 64);
    for i in 0..n {
        let key = format!("{prefix}:{i}");
        batch.extend_from_slice(&encode_command(&["SET", key.as_str(), "value"]));
        batch.extend_from_slice(&encode_command(&["PEXPIRE", key.as_str(), ttl.as_str()]));
    }
    let replies = c.pipeline(&batch, 2 * n);
    for pair in replies.chunks(2) {
        // The SET leaves the key without a TTL, so it is there for the
        // PEXPIRE right after it.
        assert_eq!(pair, [simple("OK"), Frame::Integer(1)]);
    }
}

/// Polls DBSIZE until it is 0; returns false if it is not by `deadline`.
fn wait_empty(c: &mut Conn, deadline: Duration) -> bool {
    poll_until(deadline, || (int(&c.cmd(&["DBSIZE"])) == 0).then_some(())).is_some()
}

/// 100,000 keys with a short PEXPIRE, never touched again: the active
/// cycle removes them all (DBSIZE reaches 0), INFO keyspace loses its
/// db0 line and `expired_keys` grows by 100,000. Ours and the oracle.
#[test]
fn active_expiry_clears_untouched_keys() {
    const N: usize = 100_000;
    for s in [Server::start(&[]), Server::redis(&[])] {
        let mut c = s.conn();
        let before = expired_keys(&mut c);
        create_expiring_keys(&mut c, "key", N, 100);
        assert!(
            wait_empty(&mut c, ACTIVE_EXPIRY_DEADLINE),
            "{}: DBSIZE still {:?} after {ACTIVE_EXPIRY_DEADLINE:?}",
            s.name(),
            c.cmd(&["DBSIZE"])
        );
        assert_eq!(keyspace_line(&mut c, "db0"), None, "{}", s.name());
        assert_eq!(
            expired_keys(&mut c),
            before + N as u64,
            "{}: every key counted once",
            s.name()
        );
    }
}

/// `DEBUG SET-ACTIVE-EXPIRE 0` stops the active cycle: keys whose time
/// has passed stay (DBSIZE unchanged) while nothing touches them. The
/// proof that time has passed on the server is a marker key written after
/// them with a TTL 1.3 s longer, polled until it is gone: by then the
/// cycle (ten runs a second) would have had many chances. `DEBUG
/// SET-ACTIVE-EXPIRE 1` starts the cycle again and they go.
#[test]
fn debug_set_active_expire_stops_the_cycle() {
    const N: usize = 2_000;
    for s in [Server::start(&[]), Server::redis(&[])] {
        let mut c = s.conn();
        assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), simple("OK"));
        create_expiring_keys(&mut c, "key", N, 200);
        assert_eq!(c.cmd(&["SET", "marker", "v", "PX", "1500"]), simple("OK"));
        let marker_gone = poll_until(Duration::from_secs(20), || {
            (int(&c.cmd(&["PTTL", "marker"])) == -2).then_some(())
        });
        assert!(marker_gone.is_some(), "{}: marker never expired", s.name());
        assert_eq!(
            c.cmd(&["DBSIZE"]),
            Frame::Integer(N as i64),
            "{}: keys removed with the active cycle off",
            s.name()
        );
        assert_eq!(
            keyspace_line(&mut c, "db0").as_deref(),
            Some(format!("keys={N},expires={N}").as_str()),
            "{}",
            s.name()
        );
        assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), simple("OK"));
        assert!(
            wait_empty(&mut c, ACTIVE_EXPIRY_DEADLINE),
            "{}: keys not expired after re-enabling",
            s.name()
        );
    }
}
