//! Goal: Pub/Sub behaves as in redis-server 7.0.15 — SUBSCRIBE,
//! UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE,
//! PUBLISH, SPUBLISH and PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS
//! / SHARDNUMSUB give the same replies and deliver the same messages in
//! the same order, in RESP2 (arrays, the subscribed-mode restriction and
//! its PING form) and RESP3 (pushes, any command allowed); RESET leaves
//! subscribed mode; glob patterns match the same channels; and a
//! subscriber that never reads is disconnected by
//! `client-output-buffer-limit pubsub` while the server keeps serving and
//! its memory does not keep growing.
//!
//! Reference: pubsub.c, util.c `stringmatchlen`, networking.c
//! (checkClientOutputBufferLimits), server.c (the subscribed-mode check in
//! processCommand).
//!
//! A scenario is a script of commands on a few connections of each
//! server. Whatever a subscriber receives is collected by a drain: a
//! `PING <marker>` on that connection, then every frame up to the marker's
//! reply. Redis writes a message into the subscriber's buffer while it
//! runs the PUBLISH, so everything published before the PING comes
//! before the marker; the frames are compared byte for byte.

mod common;

use common::*;
use resp::{encode_command, Frame};
use std::collections::BTreeSet;
use std::time::Duration;

// ---------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------

/// One step of a script.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Send a command on connection `n` and read its one reply.
    R(usize, &'static [&'static str]),
    /// Send a command on connection `n` without reading (subscribe
    /// commands, whose replies the next drain collects).
    S(usize, &'static [&'static str]),
    /// Drain connection `n`: PING with a marker and read every frame up
    /// to the marker's reply.
    D(usize),
    /// A command on connection `n` whose reply lists channels in hash
    /// order: compared as a set.
    Unordered(usize, &'static [&'static str]),
}

use Step::{Unordered, D, R, S};

/// Whether `f` is the reply to `PING <marker>`: a bulk string in RESP3
/// and outside subscribed mode, `["pong", marker]` in RESP2 subscribed
/// mode.
fn is_marker(f: &Frame, marker: &str) -> bool {
    match f {
        Frame::Bulk(b) => b == marker.as_bytes(),
        Frame::Array(v) => v.len() == 2 && v[1].as_bytes() == Some(marker.as_bytes()),
        _ => false,
    }
}

/// Runs `steps` on `server` in RESP`resp` and returns what each step
/// read, as text.
fn run_script(server: &Server, resp: u8, steps: &[Step]) -> Vec<String> {
    let conns = steps
        .iter()
        .map(|s| match s {
            R(n, _) | S(n, _) | D(n) | Unordered(n, _) => *n,
        })
        .max()
        .unwrap_or(0)
        + 1;
    let mut c: Vec<Conn> = (0..conns).map(|_| server.conn()).collect();
    if resp == 3 {
        for conn in &mut c {
            assert!(matches!(conn.cmd(&["HELLO", "3"]), Frame::Map(_)));
        }
    }
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        match *step {
            R(n, argv) => out.push(show_raw(&c[n].cmd_raw(argv))),
            S(n, argv) => {
                c[n].send_raw(&encode_command(argv));
                out.push(String::new());
            }
            Unordered(n, argv) => {
                let reply = c[n].cmd(argv);
                let set = match &reply {
                    Frame::Array(v) | Frame::Set(v) => {
                        Some(v.iter().map(|f| format!("{f:?}")).collect::<BTreeSet<_>>())
                    }
                    _ => None,
                };
                out.push(match set {
                    Some(set) => format!("{set:?}"),
                    None => format!("{reply:?}"),
                });
            }
            D(n) => {
                let marker = format!("drain-{i}");
                c[n].send_raw(&encode_command(&["PING", marker.as_str()]));
                let mut got = Vec::new();
                loop {
                    let (f, raw) = c[n].read_reply();
                    let end = is_marker(&f, &marker);
                    got.push((f, show_raw(&raw)));
                    if end {
                        break;
                    }
                }
                out.push(in_delivery_order(got));
            }
        }
        let read = out.pop().unwrap_or_default();
        out.push(format!("{step:?} -> {read}"));
    }
    out
}

/// The frames a drain read, as text, with one order fixed: the
/// `pmessage`s that one PUBLISH delivers through several patterns come in
/// the order of Redis's pattern dict (hash order), so each run of them
/// (same channel, same payload) is sorted. Everything else keeps the
/// order it came in.
fn in_delivery_order(frames: Vec<(Frame, String)>) -> String {
    let key = |f: &Frame| -> Option<(Vec<u8>, Vec<u8>)> {
        match f {
            Frame::Array(v) | Frame::Push(v)
                if v.len() == 4 && v[0].as_bytes() == Some(&b"pmessage"[..]) =>
            {
                Some((v[2].as_bytes()?.to_vec(), v[3].as_bytes()?.to_vec()))
            }
            _ => None,
        }
    };
    let mut out = String::new();
    let mut i = 0;
    while i < frames.len() {
        let mut j = i + 1;
        if let Some(k) = key(&frames[i].0) {
            while j < frames.len() && key(&frames[j].0).as_ref() == Some(&k) {
                j += 1;
            }
        }
        let mut run: Vec<&str> = frames[i..j].iter().map(|(_, s)| s.as_str()).collect();
        run.sort_unstable();
        out.extend(run);
        i = j;
    }
    out
}

/// Raw reply bytes as escaped text.
fn show_raw(raw: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(raw))
}

/// The scripts: client 0 subscribes, client 1 publishes and asks.
const SCRIPTS: &[(&str, &[Step])] = &[
    (
        "subscribe, publish, unsubscribe",
        &[
            S(0, &["SUBSCRIBE", "a", "b", "a"]),
            D(0),
            R(1, &["PUBLISH", "a", "hello"]),
            R(1, &["PUBLISH", "b", ""]),
            R(1, &["PUBLISH", "c", "nobody"]),
            D(0),
            R(1, &["PUBSUB", "NUMSUB", "a", "b", "c"]),
            R(1, &["PUBSUB", "NUMSUB"]),
            Unordered(1, &["PUBSUB", "CHANNELS"]),
            Unordered(1, &["PUBSUB", "CHANNELS", "[ab]"]),
            R(1, &["PUBSUB", "NUMPAT"]),
            S(0, &["UNSUBSCRIBE", "a", "nosuch"]),
            D(0),
            R(1, &["PUBLISH", "a", "gone"]),
            R(1, &["PUBLISH", "b", "still"]),
            S(0, &["UNSUBSCRIBE"]),
            D(0),
            S(0, &["UNSUBSCRIBE"]),
            D(0),
            R(1, &["PUBSUB", "NUMSUB", "a", "b"]),
        ],
    ),
    (
        "patterns",
        &[
            S(0, &["PSUBSCRIBE", "h?llo", "news.*", "h[^e]llo", "x\\*y"]),
            S(0, &["PSUBSCRIBE", "news.*"]),
            S(0, &["SUBSCRIBE", "hello"]),
            D(0),
            R(1, &["PUBSUB", "NUMPAT"]),
            R(1, &["PUBLISH", "hello", "1"]),
            R(1, &["PUBLISH", "hallo", "2"]),
            R(1, &["PUBLISH", "hllo", "3"]),
            R(1, &["PUBLISH", "news.tech", "4"]),
            R(1, &["PUBLISH", "news.", "5"]),
            R(1, &["PUBLISH", "x*y", "6"]),
            R(1, &["PUBLISH", "xay", "7"]),
            D(0),
            R(1, &["PUBSUB", "NUMSUB", "h?llo", "hello"]),
            S(0, &["PUNSUBSCRIBE", "h?llo", "nosuch*"]),
            D(0),
            R(1, &["PUBLISH", "hello", "8"]),
            D(0),
            S(0, &["PUNSUBSCRIBE"]),
            D(0),
            R(1, &["PUBSUB", "NUMPAT"]),
            S(0, &["PUNSUBSCRIBE"]),
            D(0),
        ],
    ),
    (
        "subscribed mode",
        &[
            S(0, &["SUBSCRIBE", "a"]),
            D(0),
            R(0, &["GET", "x"]),
            R(0, &["SET", "x", "1"]),
            R(0, &["PING"]),
            R(0, &["PING", "hi"]),
            R(0, &["PUBSUB", "NUMSUB", "a"]),
            R(1, &["PUBLISH", "a", "m"]),
            R(0, &["ECHO", "x"]),
            D(0),
            S(0, &["PSUBSCRIBE", "p*"]),
            S(0, &["UNSUBSCRIBE", "a"]),
            D(0),
            R(0, &["GET", "x"]),
            S(0, &["PUNSUBSCRIBE"]),
            D(0),
            R(0, &["GET", "x"]),
            R(0, &["PING"]),
        ],
    ),
    (
        "RESET leaves subscribed mode",
        &[
            S(0, &["SUBSCRIBE", "a"]),
            S(0, &["PSUBSCRIBE", "b*"]),
            D(0),
            R(0, &["RESET"]),
            R(0, &["GET", "x"]),
            R(1, &["PUBLISH", "a", "m"]),
            R(1, &["PUBLISH", "bb", "m"]),
            R(1, &["PUBSUB", "NUMSUB", "a"]),
            R(1, &["PUBSUB", "NUMPAT"]),
            D(0),
        ],
    ),
    (
        "two subscribers, a message to both",
        &[
            S(0, &["SUBSCRIBE", "a"]),
            S(2, &["PSUBSCRIBE", "*"]),
            S(2, &["SUBSCRIBE", "a"]),
            D(0),
            D(2),
            R(1, &["PUBLISH", "a", "x"]),
            R(1, &["PUBLISH", "zz", "y"]),
            D(0),
            D(2),
        ],
    ),
    (
        "arity and argument errors",
        &[
            R(1, &["SUBSCRIBE"]),
            R(1, &["PSUBSCRIBE"]),
            R(1, &["PUBLISH", "a"]),
            R(1, &["PUBSUB"]),
            R(1, &["PUBSUB", "NOSUCH"]),
            R(1, &["PUBSUB", "NUMPAT", "x"]),
            R(1, &["PUBSUB", "HELP"]),
        ],
    ),
    (
        "subscribe inside MULTI",
        &[
            R(0, &["MULTI"]),
            R(0, &["SUBSCRIBE", "a"]),
            R(0, &["EXEC"]),
            R(1, &["PUBLISH", "a", "m"]),
            D(0),
        ],
    ),
];

/// Every script in RESP2 and RESP3: the same replies and messages.
#[test]
fn pubsub_matches_oracle() {
    compare_scripts(SCRIPTS, &[2, 3], run_script);
}

/// Glob patterns as util.c `stringmatchlen` reads them: `?`, `*`, classes
/// with ranges and negation, escapes, and malformed patterns. Every
/// pattern is subscribed on its own connection; every channel is
/// published to once; each pattern subscriber receives the same
/// messages as on the oracle.
#[test]
fn patterns_match_the_same_channels() {
    let patterns = [
        "*",
        "h?llo",
        "h*llo",
        "h[ae]llo",
        "h[^e]llo",
        "h[!e]llo",
        "h[a-c]llo",
        "h[c-a]llo",
        "h\\[llo",
        "a\\?b",
        "\\*",
        "[",
        "x[",
        "x[a",
        "x\\",
        "[]]",
        "[\\]]",
        "*.*",
        "??",
        "",
        "news.[0-9]*",
        "H*",
    ];
    let channels = [
        "hello", "hallo", "hbllo", "hllo", "heello", "h[llo", "a?b", "axb", "*", "[", "x[", "x[a",
        "xa", "x\\", "]", "\\", "a.b", "ab", "", "news.1x", "news.x", "Hello",
    ];
    let (ours, redis) = Server::pair(&[]);
    let received = |server: &Server| -> Vec<String> {
        let mut subs: Vec<Conn> = patterns
            .iter()
            .map(|p| {
                let mut c = server.conn();
                c.cmd(&["PSUBSCRIBE", p]);
                c
            })
            .collect();
        let mut publisher = server.conn();
        let counts: Vec<String> = channels
            .iter()
            .map(|ch| format!("{ch:?}: {:?}", publisher.cmd(&["PUBLISH", ch, "m"])))
            .collect();
        let mut out = counts;
        for (p, c) in patterns.iter().zip(&mut subs) {
            c.send_raw(&encode_command(&["PING", "end"]));
            let mut got = Vec::new();
            loop {
                let f = c.read_frame();
                if is_marker(&f, "end") {
                    break;
                }
                got.push(f);
            }
            out.push(format!("{p:?} received {got:?}"));
        }
        out
    };
    let (a, b) = (received(&ours), received(&redis));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "(left: ours, right: oracle)");
    }
}

// ---------------------------------------------------------------------------
// A subscriber that never reads
// ---------------------------------------------------------------------------

/// The client list line of the client named `name`, if it is connected.
fn client_line(c: &mut Conn, name: &str) -> Option<String> {
    let list = text(&c.cmd(&["CLIENT", "LIST"]));
    list.lines()
        .find(|l| l.contains(&format!(" name={name} ")))
        .map(str::to_string)
}

/// used_memory from INFO memory.
fn used_memory(c: &mut Conn) -> u64 {
    let info = text(&c.cmd(&["INFO", "memory"]));
    info_field(&info, "used_memory")
        .and_then(|v| v.parse().ok())
        .expect("used_memory")
}

/// A subscriber that never reads its socket, on a server started with
/// `client-output-buffer-limit pubsub 64kb 32kb 1`: once the kernel's
/// socket buffers are full, the server's output buffer for it passes the
/// hard limit and the server closes it. Meanwhile and afterwards the
/// server serves other clients, CLIENT LIST no longer shows the
/// subscriber, and used_memory comes back near where it started.
fn slow_subscriber_is_dropped(server: &Server) {
    let mut admin = server.conn();
    let baseline = used_memory(&mut admin);
    let mut slow = server.conn();
    assert_eq!(slow.cmd(&["CLIENT", "SETNAME", "slow"]), simple("OK"));
    assert!(matches!(slow.cmd(&["SUBSCRIBE", "feed"]), Frame::Array(_)));
    assert!(client_line(&mut admin, "slow").is_some());
    let payload = "x".repeat(32 * 1024);
    let mut publisher = server.conn();
    // Publish in batches until the subscriber is gone: at most 64 MB,
    // far more than the socket buffers of a loopback connection hold.
    let mut published = 0usize;
    let gone = poll_until(Duration::from_secs(60), || {
        let mut batch = Vec::new();
        for _ in 0..32 {
            batch.extend(encode_command(&["PUBLISH", "feed", payload.as_str()]));
        }
        for reply in publisher.pipeline(&batch, 32) {
            assert!(matches!(reply, Frame::Integer(0 | 1)), "PUBLISH: {reply:?}");
        }
        published += 32;
        assert!(
            published <= 2048,
            "{}: still connected after {published} messages of 32 KB",
            server.name()
        );
        client_line(&mut admin, "slow").is_none().then_some(())
    });
    assert!(
        gone.is_some(),
        "{}: the slow subscriber was not disconnected",
        server.name()
    );
    eprintln!(
        "{}: the subscriber was dropped after {published} messages of 32 KB",
        server.name()
    );
    // The server goes on serving, and publishes reach nobody.
    assert_eq!(admin.cmd(&["PING"]), simple("PONG"));
    assert_eq!(publisher.cmd(&["PUBLISH", "feed", "x"]), Frame::Integer(0));
    assert_eq!(
        publisher.cmd(&["PUBSUB", "NUMSUB", "feed"]),
        Frame::Array(vec![bulk("feed"), Frame::Integer(0)])
    );
    // The subscriber's end sees the connection closed (after whatever the
    // kernel still held).
    assert!(
        slow.wait_closed(Duration::from_secs(20)),
        "{}: the subscriber's socket stays open",
        server.name()
    );
    // The output buffer is freed: used_memory comes back within 8 MB of
    // where it started (it held at least the 64 KB limit, and the
    // messages themselves were never kept).
    let settled = poll_until(Duration::from_secs(10), || {
        let now = used_memory(&mut admin);
        (now < baseline + 8 * 1024 * 1024).then_some(now)
    });
    assert!(
        settled.is_some(),
        "{}: used_memory {} stays far above {baseline}",
        server.name(),
        used_memory(&mut admin)
    );
    // And does not grow again while more is published to nobody.
    for _ in 0..200 {
        publisher.cmd(&["PUBLISH", "feed", payload.as_str()]);
    }
    let now = used_memory(&mut admin);
    assert!(
        now < baseline + 8 * 1024 * 1024,
        "{}: used_memory {now}, baseline {baseline}",
        server.name()
    );
}

/// Ours drops a subscriber that never reads; the oracle too, as a check
/// of the test.
#[test]
fn slow_subscriber_is_disconnected() {
    let args = [
        "--client-output-buffer-limit",
        "pubsub",
        "64kb",
        "32kb",
        "1",
    ];
    let (ours, redis) = Server::pair(&args);
    slow_subscriber_is_dropped(&ours);
    slow_subscriber_is_dropped(&redis);
}

// ---------------------------------------------------------------------------
// Known server bugs
// ---------------------------------------------------------------------------

/// A multi-argument config given as one quoted argument on the command
/// line (`--client-output-buffer-limit "pubsub 64kb 32kb 1"`, which
/// Redis turns into the config line `client-output-buffer-limit "pubsub
/// 64kb 32kb 1"`) is split on spaces (config.c, 7.0), so the server
/// starts.
#[test]
fn quoted_multi_argument_config() {
    let args = ["--client-output-buffer-limit", "pubsub 64kb 32kb 1"];
    let (ours, redis) = Server::pair(&args);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(
        &mut a,
        &mut b,
        &["CONFIG", "GET", "client-output-buffer-limit"],
    );
}

/// Shard channels (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH) work outside
/// cluster mode in 7.0, with their own PUBSUB SHARDCHANNELS and
/// SHARDNUMSUB.
#[test]
fn shard_channels_match_oracle() {
    let steps: &[Step] = &[
        S(0, &["SSUBSCRIBE", "s1", "s2"]),
        D(0),
        R(1, &["SPUBLISH", "s1", "m"]),
        R(1, &["PUBLISH", "s1", "not a shard message"]),
        D(0),
        Unordered(1, &["PUBSUB", "SHARDCHANNELS"]),
        Unordered(1, &["PUBSUB", "SHARDCHANNELS", "*2"]),
        R(1, &["PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3"]),
        Unordered(1, &["PUBSUB", "CHANNELS"]),
        S(0, &["SUNSUBSCRIBE", "s1"]),
        D(0),
        S(0, &["SUNSUBSCRIBE"]),
        D(0),
        R(1, &["PUBSUB", "SHARDNUMSUB", "s1", "s2"]),
        R(1, &["SSUBSCRIBE"]),
        R(1, &["SPUBLISH", "a"]),
        S(0, &["SSUBSCRIBE", "c"]),
        D(0),
        R(0, &["RESET"]),
        R(1, &["SPUBLISH", "c", "m"]),
        D(0),
    ];
    compare_scripts(&[("shard channels", steps)], &[2, 3], run_script);
}

/// PUBSUB CHANNELS and SHARDCHANNELS with too many arguments get
/// addReplySubcommandSyntaxError's text.
#[test]
fn pubsub_subcommand_syntax_error() {
    let steps: &[Step] = &[
        R(1, &["PUBSUB", "CHANNELS", "a", "b"]),
        R(1, &["PUBSUB", "SHARDCHANNELS", "a", "b"]),
    ];
    compare_scripts(&[("subcommand syntax errors", steps)], &[2], run_script);
}
