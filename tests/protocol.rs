//! Goal: on the wire, our server speaks RESP exactly as redis-server 7.0.15
//! does: HELLO and the RESP2/RESP3 switch (reply shapes byte for byte),
//! inline commands with their quoting rules, pipelined batches answered in
//! full and in order, and malformed input answered with Redis's own
//! `-ERR Protocol error: ...` text before the connection is closed, while
//! the other clients carry on.
//!
//! Reference: networking.c `processInlineBuffer`,
//! `processMultibulkBuffer`, `setProtocolError`, `readQueryFromClient`
//! (client-query-buffer-limit), sds.c `sdssplitargs` (inline quoting),
//! networking.c `helloCommand`, server.c `processCommand` (NOAUTH).
//!
//! Every test sends the same bytes to our binary and to the oracle and
//! compares what comes back, so a wrong expectation fails on the oracle
//! side too.

mod common;

use common::*;
use resp::{encode_command, Frame};

/// The password of the servers started with `requirepass`. The other
/// servers accept it too: their default user is `nopass`.
const PASSWORD: &str = "pw";

/// Sends `bytes` on a fresh connection to each server and returns
/// everything each sends back until it closes the connection; asserts
/// that a client connected (and authenticated) before keeps being served.
fn until_closed(ours: &Server, redis: &Server, bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let run = |s: &Server| {
        let mut bystander = s.conn();
        assert_eq!(bystander.cmd(&["AUTH", "default", PASSWORD]), simple("OK"));
        let mut c = s.conn();
        // The server may close before it has read everything: the
        // write then fails, and what it sent before closing is still
        // there to read (unless the close was a reset).
        let _ = c.try_send_raw(bytes);
        let got = c.read_until_closed();
        assert_eq!(
            bystander.cmd(&["ECHO", "still here"]),
            bulk("still here"),
            "{}: the other client must keep working",
            s.name()
        );
        got
    };
    (run(ours), run(redis))
}

/// Shows bytes as text for assertion messages.
fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---------------------------------------------------------------------------
// HELLO and RESP3
// ---------------------------------------------------------------------------

/// The HELLO reply with the connection id (which depends on how many
/// clients came before) set to 0. The reply is a map in RESP3 and a flat
/// array of name, value pairs in RESP2.
fn hello_without_id(f: Frame) -> Frame {
    match f {
        Frame::Map(pairs) => Frame::Map(
            pairs
                .into_iter()
                .map(|(k, v)| match k.as_str().as_deref() {
                    Some("id") => (k, Frame::Integer(0)),
                    _ => (k, v),
                })
                .collect(),
        ),
        Frame::Array(items) => {
            let mut items = items;
            if let Some(i) = items.iter().position(|f| f == &bulk("id")) {
                items[i + 1] = Frame::Integer(0);
            }
            Frame::Array(items)
        }
        other => other,
    }
}

/// HELLO without arguments, HELLO 2 and HELLO 3 answer with the same
/// fields in the same order as Redis (server, version, proto, id, mode,
/// role, modules), as a map in RESP3 and a flat array in RESP2; the id is
/// a positive integer, different per connection.
#[test]
fn hello_reply_matches_oracle_field_by_field() {
    let (ours, redis) = Server::pair(&[]);
    for argv in [&["HELLO"][..], &["HELLO", "2"], &["HELLO", "3"], &["HELLO"]] {
        let (mut a, mut b) = (ours.conn(), redis.conn());
        let (fa, fb) = (a.cmd(argv), b.cmd(argv));
        let id = |f: &Frame| match f {
            Frame::Map(p) => p
                .iter()
                .find(|(k, _)| k == &bulk("id"))
                .map(|(_, v)| int(v)),
            Frame::Array(items) => items
                .iter()
                .position(|f| f == &bulk("id"))
                .map(|i| int(&items[i + 1])),
            _ => None,
        };
        let our_id = id(&fa).unwrap_or_else(|| panic!("no id in {fa:?}"));
        assert!(our_id > 0, "{fa:?}");
        assert_eq!(
            Frame::Integer(our_id),
            a.cmd(&["CLIENT", "ID"]),
            "the HELLO id is the CLIENT ID"
        );
        let (fa, fb) = (hello_without_id(fa), hello_without_id(fb));
        match (&fa, &fb) {
            (Frame::Map(pa), Frame::Map(pb)) => {
                assert_eq!(pa.len(), pb.len(), "{argv:?}: {fa:?} vs {fb:?}");
                for (x, y) in pa.iter().zip(pb) {
                    assert_eq!(x, y, "{argv:?}: field of HELLO");
                }
            }
            _ => assert_eq!(fa, fb, "{argv:?}"),
        }
    }
}

/// Protocol versions other than 2 and 3 get `-NOPROTO unsupported
/// protocol version` and leave the connection's protocol as it was; a
/// version that is not a number, a bad option or a missing option
/// argument gets Redis's error text.
#[test]
fn hello_errors_match_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    for argv in [
        &["HELLO", "4"][..],
        &["HELLO", "1"],
        &["HELLO", "0"],
        &["HELLO", "-1"],
        &["HELLO", "abc"],
        &["HELLO", "3", "FOO"],
        &["HELLO", "3", "SETNAME"],
        &["HELLO", "3", "AUTH", "default"],
        &["HELLO", "2", "SETNAME", "a b"],
        // An unknown user or any password: default is `nopass` here.
        &["HELLO", "3", "AUTH", "nobody", "x"],
        &["AUTH", "x"],
    ] {
        same(&mut a, &mut b, argv);
    }
    assert_eq!(
        same(&mut a, &mut b, &["HELLO", "4"]),
        error("NOPROTO unsupported protocol version")
    );
    // Still RESP2: a missing key is `$-1`, not `_`.
    assert_eq!(a.cmd_raw(&["GET", "nosuch"]), b"$-1\r\n");
    assert_eq!(b.cmd_raw(&["GET", "nosuch"]), b"$-1\r\n");
}

/// HELLO AUTH authenticates and switches protocol in one command on a
/// server with `requirepass`; a wrong password is WRONGPASS; HELLO
/// SETNAME names the connection (CLIENT GETNAME) and a name with a space
/// is refused.
#[test]
fn hello_auth_and_setname_match_oracle() {
    let (ours, redis) = Server::pair(&["--requirepass", PASSWORD]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    for argv in [
        &["HELLO", "3", "AUTH", "default", "bad"][..],
        &["HELLO", "3", "AUTH", "nobody", PASSWORD],
        &["GET", "k"],
        &["HELLO", "2", "AUTH", "default", PASSWORD, "SETNAME", "a b"],
        &[
            "HELLO", "2", "AUTH", "default", PASSWORD, "SETNAME", "a", "b",
        ],
    ] {
        same(&mut a, &mut b, argv);
    }
    let argv = [
        "HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "conn-1",
    ];
    assert_eq!(
        hello_without_id(a.cmd(&argv)),
        hello_without_id(b.cmd(&argv))
    );
    assert_eq!(same(&mut a, &mut b, &["CLIENT", "GETNAME"]), bulk("conn-1"));
    assert_eq!(same(&mut a, &mut b, &["SET", "k", "v"]), simple("OK"));
    // The connection now speaks RESP3: a missing key is `_`.
    assert_eq!(a.cmd_raw(&["GET", "nosuch"]), b"_\r\n");
    assert_eq!(b.cmd_raw(&["GET", "nosuch"]), b"_\r\n");
    // HELLO AUTH with the user name spelled in another case is another
    // user, which does not exist.
    same(&mut a, &mut b, &["HELLO", "3", "AUTH", "DEFAULT", PASSWORD]);
}

/// Before authentication, HELLO without AUTH gets `-NOAUTH HELLO must be
/// called with the client already authenticated, otherwise the HELLO AUTH
/// <user> <pass> option can be used ...` (7.0.15's text).
#[test]
fn hello_before_auth_matches_oracle() {
    let (ours, redis) = Server::pair(&["--requirepass", PASSWORD]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(&mut a, &mut b, &["HELLO", "3"]);
    same(&mut a, &mut b, &["HELLO", "2", "SETNAME", "x"]);
}

/// Commands whose RESP3 reply differs from their RESP2 one: null, map,
/// set, double, boolean-free integers, nested arrays, CONFIG GET. Run
/// under HELLO 3, then back under HELLO 2, the bytes must equal the
/// oracle's.
const TYPED: &[&[&str]] = &[
    &["GET", "nosuch"],
    &["SET", "s", "v"],
    &["MGET", "s", "nosuch"],
    &["HSET", "h", "f1", "1", "f2", "2"],
    &["HGETALL", "h"],
    &["HGETALL", "nosuch"],
    &["HMGET", "h", "f1", "nosuch"],
    &["SADD", "set", "3", "1", "2"],
    &["SMEMBERS", "set"],
    &["SISMEMBER", "set", "1"],
    &["ZADD", "z", "1.5", "a", "2", "b"],
    &["ZSCORE", "z", "a"],
    &["ZSCORE", "z", "nosuch"],
    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    &["ZINCRBY", "z", "0.25", "a"],
    &["ZPOPMIN", "z"],
    &["INCRBYFLOAT", "f", "1.5"],
    &["LPUSH", "l", "a", "b"],
    &["LPOP", "nosuch"],
    &["LPOP", "l", "5"],
    &["CONFIG", "GET", "maxmemory"],
    &["EXISTS", "s", "h", "nosuch"],
    &["TTL", "s"],
    &["TYPE", "set"],
    &["OBJECT", "ENCODING", "set"],
    &["SCAN", "0", "MATCH", "nomatch*"],
    &["PING"],
    &["PING", "hi"],
    &["ECHO", ""],
];

#[test]
fn resp3_and_resp2_replies_match_oracle_byte_for_byte() {
    let (ours, redis) = Server::pair(&[]);
    for proto in ["3", "2"] {
        let (mut a, mut b) = (ours.conn(), redis.conn());
        assert_eq!(
            hello_without_id(a.cmd(&["HELLO", proto])),
            hello_without_id(b.cmd(&["HELLO", proto]))
        );
        for argv in TYPED {
            let (ra, rb) = (a.cmd_raw(argv), b.cmd_raw(argv));
            assert_eq!(show(&ra), show(&rb), "RESP{proto} reply to {argv:?}");
        }
        same(&mut a, &mut b, &["FLUSHALL"]);
    }
}

// ---------------------------------------------------------------------------
// Inline commands
// ---------------------------------------------------------------------------

/// Inline commands (a line of space-separated words, as telnet sends):
/// double quotes with C escapes, single quotes, extra spaces, bare `\n`
/// line ends, empty lines, and inline and multibulk mixed in one write.
/// The reply bytes equal the oracle's.
#[test]
fn inline_commands_match_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    let mut batch = Vec::new();
    let lines: &[&[u8]] = &[
        b"PING\r\n",
        b"  PING   hello  \r\n",
        b"\r\n\r\n",
        b"SET k \"hello world\"\r\n",
        b"GET k\r\n",
        b"ECHO \"a\\x41\\n\\t\\\"q\\\"\"\r\n",
        b"ECHO 'single \\' quote'\r\n",
        b"ECHO \"\"\r\n",
        b"SET 'k 2' x\nGET 'k 2'\n",
        b"STRLEN k\r\n",
        b"set lower case\r\nget lower\r\n",
        b"NOSUCHCOMMAND a b\r\n",
        b"GET\r\n",
    ];
    let mut replies = 0;
    for line in lines {
        batch.extend_from_slice(line);
        replies += line
            .split(|&c| c == b'\n')
            .filter(|l| !l.iter().all(|c| c.is_ascii_whitespace()))
            .count();
        // A multibulk command between the inline ones.
        batch.extend_from_slice(&encode_command(&["INCR", "n"]));
        replies += 1;
    }
    let ra = a.pipeline(&batch, replies);
    let rb = b.pipeline(&batch, replies);
    assert_eq!(ra, rb);
    assert!(ra.contains(&bulk("aA\n\t\"q\"")), "{ra:?}");
    // Nothing more is pending: the next reply answers the next command.
    assert_eq!(
        same(&mut a, &mut b, &["GET", "n"]),
        bulk(&lines.len().to_string())
    );
}

// ---------------------------------------------------------------------------
// Pipelining
// ---------------------------------------------------------------------------

/// Thousands of commands in one write (with empty multibulks, which get
/// no reply, among them), and one command split across many one-byte
/// writes: every command is answered, in order, and the replies equal the
/// oracle's byte for byte.
#[test]
fn pipelined_batches_are_answered_in_full() {
    let (ours, redis) = Server::pair(&[]);
    const N: usize = 5_000;
    let mut batch = Vec::new();
    for i in 0..N {
        let key = format!("key:{}", i % 97);
        batch.extend_from_slice(&encode_command(&["INCR", "counter"]));
        batch.extend_from_slice(&encode_command(&["APPEND", &key, "xy"]));
        batch.extend_from_slice(&encode_command(&["GET", &key]));
        if i % 10 == 0 {
            batch.extend_from_slice(b"PING\r\n");
        }
        if i % 7 == 0 {
            // Empty and negative multibulk counts: skipped, no reply.
            batch.extend_from_slice(b"*0\r\n*-1\r\n");
        }
    }
    let replies = 3 * N + N / 10;
    let (mut a, mut b) = (ours.conn(), redis.conn());
    let ra = a.pipeline(&batch, replies);
    let rb = b.pipeline(&batch, replies);
    assert_eq!(ra.len(), replies);
    assert_eq!(ra, rb);
    assert_eq!(a.cmd(&["GET", "counter"]), bulk(&N.to_string()));

    // One command dribbled in byte by byte.
    for c in [&mut a, &mut b] {
        for byte in encode_command(&["SET", "dribble", "one byte at a time"]) {
            c.send_raw(&[byte]);
        }
        c.send_raw(b"GET dribble\r");
        c.send_raw(b"\n");
        assert_eq!(c.read_frame(), simple("OK"));
        assert_eq!(c.read_frame(), bulk("one byte at a time"));
    }
}

// ---------------------------------------------------------------------------
// Protocol errors
// ---------------------------------------------------------------------------

/// Malformed requests get Redis's exact `-ERR Protocol error: ...` reply
/// (after the replies of the good commands before them in the same
/// write), then the connection is closed; other clients are unaffected.
#[test]
fn protocol_errors_match_oracle() {
    let (ours, redis) = Server::pair(&["--proto-max-bulk-len", "1mb"]);
    let too_long_inline = vec![b'x'; 70_000];
    let mut too_long_count = b"*".to_vec();
    too_long_count.extend(std::iter::repeat_n(b'1', 70_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("invalid multibulk length", b"*abc\r\n".to_vec()),
        ("multibulk length over INT_MAX", b"*3000000000\r\n".to_vec()),
        ("invalid bulk length", b"*1\r\n$abc\r\n".to_vec()),
        ("negative bulk length", b"*1\r\n$-1\r\n".to_vec()),
        (
            "huge bulk length",
            b"*1\r\n$99999999999999999999\r\n".to_vec(),
        ),
        (
            "bulk over proto-max-bulk-len",
            b"*2\r\n$4\r\nECHO\r\n$1048577\r\n".to_vec(),
        ),
        ("no $ before a bulk", b"*1\r\nfoo\r\n".to_vec()),
        ("unbalanced double quote", b"SET \"a b\r\n".to_vec()),
        ("unbalanced single quote", b"SET 'a\r\n".to_vec()),
        (
            "closing quote not followed by a space",
            b"SET \"a\"b 1\r\n".to_vec(),
        ),
        ("inline over 64 KiB without a newline", too_long_inline),
        ("multibulk count line over 64 KiB", too_long_count),
        (
            "error after good commands in the same write",
            b"PING\r\n*1\r\n$4\r\nPING\r\n*x\r\nPING\r\n".to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        let (a, b) = until_closed(&ours, &redis, &bytes);
        assert!(
            show(&a).contains("-ERR Protocol error: "),
            "{what}: {:?}",
            show(&a)
        );
        assert_eq!(show(&a), show(&b), "{what}");
    }
    // A bulk of exactly proto-max-bulk-len is allowed.
    let big = "v".repeat(1024 * 1024);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(&mut a, &mut b, &["SET", "big", big.as_str()]);
    same(&mut a, &mut b, &["STRLEN", "big"]);
}

/// Before authentication, Redis refuses a multibulk of more than 10
/// arguments or a bulk longer than 16 KiB (`unauthenticated multibulk
/// length` / `unauthenticated bulk length`), and accepts them up to
/// those sizes.
#[test]
fn unauthenticated_limits_match_oracle() {
    let (ours, redis) = Server::pair(&["--requirepass", PASSWORD]);
    for bytes in [&b"*11\r\n"[..], b"*2\r\n$4\r\nAUTH\r\n$16385\r\n"] {
        let (a, b) = until_closed(&ours, &redis, bytes);
        assert!(show(&a).starts_with("-ERR Protocol error: unauthenticated"));
        assert_eq!(show(&a), show(&b));
    }
    let (mut a, mut b) = (ours.conn(), redis.conn());
    let long = "p".repeat(16384);
    same(&mut a, &mut b, &["AUTH", "default", long.as_str()]);
    same(
        &mut a,
        &mut b,
        &["ECHO", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    );
}

/// `client-query-buffer-limit`: a client whose unprocessed query grows
/// past the limit is closed without a reply, and the server logs
/// `Closing client that reached max query buffer length`; a pipeline of
/// many small commands adding up to more than the limit is fine, since
/// each is processed as it arrives.
#[test]
fn query_buffer_limit_closes_the_client() {
    let (ours, redis) = Server::pair(&["--client-query-buffer-limit", "1mb"]);
    // Far more than the socket buffers hold, so the server cannot have
    // the whole command in one read (see the boundary test below).
    let huge = "v".repeat(32 * 1024 * 1024);
    let bytes = encode_command(&["SET", "k", huge.as_str()]);
    let (a, b) = until_closed(&ours, &redis, &bytes);
    assert_eq!(show(&a), "");
    assert_eq!(show(&a), show(&b));
    for s in [&ours, &redis] {
        let needle = "# Closing client that reached max query buffer length";
        let logged = poll_until(READ_TIMEOUT, || s.log().contains(needle).then_some(()));
        assert!(logged.is_some(), "{}: no {needle:?}\n{}", s.name(), s.log());
    }
    let small = "v".repeat(1000);
    let mut batch = Vec::new();
    for i in 0..2_000 {
        batch.extend_from_slice(&encode_command(&["SET", &format!("k{i}"), small.as_str()]));
    }
    let (mut a, mut b) = (ours.conn(), redis.conn());
    assert_eq!(a.pipeline(&batch, 2_000), b.pipeline(&batch, 2_000));
    assert_eq!(same(&mut a, &mut b, &["DBSIZE"]), Frame::Integer(2_000));
}

/// Where exactly the limit falls: Redis checks its query buffer after
/// every read, and the buffer holds the argument being read (a big
/// argument, once complete, leaves the buffer). So one argument of the
/// limit's size plus its CRLF is too much, even when it arrives in one
/// read, while two arguments of 60% of it each are fine.
#[test]
fn query_buffer_limit_boundary_matches_oracle() {
    let (ours, redis) = Server::pair(&["--client-query-buffer-limit", "1mb"]);
    for size in [1024 * 1024, 2 * 1024 * 1024] {
        let value = "v".repeat(size);
        let cmd = encode_command(&["SET", "k", value.as_str()]);
        for _ in 0..10 {
            let (a, b) = until_closed(&ours, &redis, &cmd);
            assert_eq!(show(&a), show(&b), "SET of {size} bytes");
        }
    }
    let part = "v".repeat(600_000);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    same(
        &mut a,
        &mut b,
        &["MSET", "a", part.as_str(), "b", part.as_str()],
    );
}
