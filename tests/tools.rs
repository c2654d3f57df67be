//! Goal: the real Redis 7.0.15 client tools work against our server as
//! they work against redis-server: `redis-cli` prints the same output
//! (formatted, `--raw`, RESP3 `-3`, errors, `-x`, `-e`, `--scan`,
//! `--bigkeys`), `INFO` parses, `redis-cli --pipe` mass insertion ends in
//! its `errors: 0, replies: N` summary, `redis-cli shutdown` stops the
//! server, and `redis-benchmark` runs its tests to the end with no error
//! (its speed is not asserted).
//!
//! Reference: redis-cli.c (`cliFormatReplyTTY`, `cliFormatReplyRaw`,
//! `pipeMode`, `scanMode`, `findBigKeys`), redis-benchmark.c.

mod common;

use common::*;
use resp::{encode_command, Frame};
use std::collections::BTreeSet;

/// Runs redis-cli with `args` against both servers and asserts the same
/// stdout and exit code; returns our stdout.
fn cli_same(ours: &Server, redis: &Server, args: &[&str], input: &[u8]) -> String {
    let a = redis_cli_with_input(ours.port, args, input);
    let b = redis_cli_with_input(redis.port, args, input);
    assert_eq!(
        (&a.stdout, a.code),
        (&b.stdout, b.code),
        "redis-cli {args:?} (left: ours, right: oracle); stderr {:?} vs {:?}",
        a.stderr,
        b.stderr
    );
    a.stdout
}

/// One invocation after another (they share the servers' data), each
/// printing what it prints against the oracle.
#[test]
fn redis_cli_output_matches_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let runs: &[&[&str]] = &[
        &["PING"],
        &["PING", "hello world"],
        &["SET", "k", "v"],
        &["GET", "k"],
        &["--no-raw", "GET", "k"],
        &["--raw", "GET", "k"],
        &["--no-raw", "GET", "nokey"],
        &["--raw", "GET", "nokey"],
        &["MSET", "a", "1", "b", "2"],
        &["--no-raw", "MGET", "a", "nokey", "b"],
        &["--raw", "MGET", "a", "nokey", "b"],
        &["--no-raw", "INCR", "a"],
        &["--no-raw", "INCR", "k"],
        &["--raw", "INCR", "k"],
        &["-e", "INCR", "k"],
        &["SET", "bin", "\u{1}\u{2} \u{e9}\"q\"\n"],
        &["--no-raw", "GET", "bin"],
        &["--raw", "GET", "bin"],
        &["RPUSH", "l", "x", "y", "z"],
        &["--no-raw", "LRANGE", "l", "0", "-1"],
        &["--no-raw", "LRANGE", "nokey", "0", "-1"],
        &["HSET", "h", "f1", "v1", "f2", "v2"],
        &["--no-raw", "HGETALL", "h"],
        &["-3", "--no-raw", "HGETALL", "h"],
        &["-3", "--no-raw", "GET", "nokey"],
        &["SADD", "s", "3", "1", "2"],
        &["--no-raw", "SMEMBERS", "s"],
        &["-3", "--no-raw", "SMEMBERS", "s"],
        &["ZADD", "z", "1.5", "m"],
        &["--no-raw", "ZSCORE", "z", "m"],
        &["-3", "--no-raw", "ZSCORE", "z", "m"],
        &["--no-raw", "ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["--no-raw", "TTL", "k"],
        &["--no-raw", "CONFIG", "GET", "maxmemory"],
        &["-3", "--no-raw", "CONFIG", "GET", "maxmemory"],
        &["--no-raw", "NOSUCHCOMMAND", "x"],
        &["--no-raw", "GET"],
        &["-n", "1", "--no-raw", "DBSIZE"],
        &["-n", "1", "SET", "other", "db"],
        &["-n", "1", "GET", "other"],
        &["--no-raw", "DBSIZE"],
        &["--no-raw", "EXISTS", "a", "b", "nokey"],
        &["--no-raw", "TYPE", "h"],
        &["--no-raw", "OBJECT", "ENCODING", "l"],
        &["-r", "3", "INCR", "repeated"],
        &["--no-raw", "-r", "2", "LPOP", "l"],
    ];
    for args in runs {
        cli_same(&ours, &redis, args, b"");
    }
    // -x: the last argument is read from stdin.
    cli_same(
        &ours,
        &redis,
        &["-x", "SET", "fromstdin"],
        b"line one\nline two\n",
    );
    let got = cli_same(&ours, &redis, &["--no-raw", "GET", "fromstdin"], b"");
    assert_eq!(got, "\"line one\\nline two\\n\"\n");
    // Commands read from stdin, one per line.
    let got = cli_same(
        &ours,
        &redis,
        &[],
        b"SET fromlines 1\nINCR fromlines\nGET k\n",
    );
    assert_eq!(got, "OK\n2\nv\n");
}

/// `redis-cli INFO` parses as `field:value` lines in `# Section` blocks,
/// and says what the server is: version 7.0.15, our port and pid, the
/// keys written.
#[test]
fn redis_cli_info_parses() {
    let ours = Server::start(&[]);
    for k in ["x", "y", "z"] {
        redis_cli(ours.port, &["SET", k, "1"]);
    }
    redis_cli(ours.port, &["EXPIRE", "x", "1000"]);
    let info = redis_cli(ours.port, &["INFO"]);
    let mut sections = Vec::new();
    for line in info.lines() {
        if let Some(s) = line.strip_prefix("# ") {
            sections.push(s.to_string());
        } else if !line.trim().is_empty() {
            assert!(line.contains(':'), "not a field: {line:?}");
        }
    }
    for s in [
        "Server",
        "Clients",
        "Memory",
        "Stats",
        "Replication",
        "Keyspace",
    ] {
        assert!(sections.iter().any(|x| x == s), "no # {s} in {sections:?}");
    }
    let field = |f: &str| info_field(&info, f).unwrap_or_else(|| panic!("no {f} in\n{info}"));
    assert_eq!(field("redis_version"), "7.0.15");
    assert_eq!(field("tcp_port"), ours.port.to_string());
    assert_eq!(field("process_id"), ours.pid().to_string());
    assert_eq!(field("redis_mode"), "standalone");
    assert_eq!(field("role"), "master");
    assert!(
        field("db0").starts_with("keys=3,expires=1,avg_ttl="),
        "{info}"
    );
}

/// Mass insertion as the Redis documentation describes it: the RESP
/// form of 10,000 SETs piped into `redis-cli --pipe`, which reports
/// `errors: 0, replies: 10000` exactly as against the oracle; the keys
/// are all there. A batch with one failing command reports `errors: 1`
/// and exits 1, as against the oracle.
#[test]
fn redis_cli_pipe_mass_insertion() {
    const N: usize = 10_000;
    let (ours, redis) = Server::pair(&[]);
    let mut input = Vec::new();
    for i in 0..N {
        input.extend_from_slice(&encode_command(&[
            "SET",
            &format!("key:{i}"),
            &format!("value:{i}"),
        ]));
    }
    let out = cli_same(&ours, &redis, &["--pipe"], &input);
    assert_eq!(
        out,
        format!(
            "All data transferred. Waiting for the last reply...\n\
             Last reply received from server.\nerrors: 0, replies: {N}\n"
        )
    );
    let mut c = ours.conn();
    assert_eq!(c.cmd(&["DBSIZE"]), Frame::Integer(N as i64));
    assert_eq!(c.cmd(&["GET", "key:9999"]), bulk("value:9999"));
    // One error among the replies (INCR of a non-number), inline form.
    let out = cli_same(
        &ours,
        &redis,
        &["--pipe"],
        b"SET n 1\r\nINCR key:0\r\nINCR n\r\n",
    );
    assert!(out.ends_with("errors: 1, replies: 3\n"), "{out}");
    assert_eq!(c.cmd(&["GET", "n"]), bulk("2"));
}

/// `redis-cli --scan --pattern` (SCAN with MATCH under the hood) lists
/// the same keys as against the oracle, and `--bigkeys` (SCAN, TYPE and
/// the length commands) prints the same summary.
#[test]
fn redis_cli_scan_and_bigkeys_match_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let mut batch = Vec::new();
    for i in 0..300 {
        batch.extend_from_slice(&encode_command(&["SET", &format!("user:{i}"), "x"]));
    }
    batch.extend_from_slice(&encode_command(&["SET", "longest", &"v".repeat(500)]));
    batch.extend_from_slice(&encode_command(&["RPUSH", "list", "a", "b", "c"]));
    batch.extend_from_slice(&encode_command(&["HSET", "hash", "f", "v"]));
    batch.extend_from_slice(&encode_command(&["SADD", "set", "1", "2"]));
    batch.extend_from_slice(&encode_command(&["ZADD", "zset", "1", "a", "2", "b"]));
    for s in [&ours, &redis] {
        let replies = s.conn().pipeline(&batch, 305);
        assert!(!replies.iter().any(|r| matches!(r, Frame::Error(_))));
    }
    for pattern in ["user:1*", "*", "user:?", "nomatch"] {
        let scan = |s: &Server| {
            redis_cli(s.port, &["--scan", "--pattern", pattern])
                .lines()
                .map(str::to_string)
                .collect::<BTreeSet<_>>()
        };
        let keys = scan(&ours);
        assert_eq!(keys, scan(&redis), "--scan --pattern {pattern}");
        if pattern == "user:1*" {
            assert_eq!(keys.len(), 111, "user:1, user:10-19, user:100-199");
        }
    }
    let summary = |s: &Server| {
        let out = redis_cli(s.port, &["--bigkeys"]);
        let from = out
            .find("-------- summary -------")
            .unwrap_or_else(|| panic!("no summary in\n{out}"));
        out[from..].to_string()
    };
    assert_eq!(summary(&ours), summary(&redis));
}

/// `redis-cli shutdown`: no output, exit 0, and the server exits 0.
#[test]
fn redis_cli_shutdown_stops_the_server() {
    for mut s in [Server::start(&[]), Server::redis(&[])] {
        let run = redis_cli_with_input(s.port, &["SHUTDOWN"], b"");
        assert_eq!((run.stdout.as_str(), run.code), ("", Some(0)), "{run:?}");
        assert_eq!(s.wait_exit().code(), Some(0), "{}", s.name());
    }
}

/// `redis-benchmark -q -n 2000 -t set,get,incr,lpush,mset -P 16` runs
/// every test to the end with no error or warning, and leaves what those
/// commands leave: 2,000 pushes on `mylist`, 2,000 increments of
/// `counter:__rand_int__`, the same keys as against the oracle.
#[test]
fn redis_benchmark_runs_clean() {
    let (ours, redis) = Server::pair(&[]);
    for s in [&ours, &redis] {
        let port = s.port.to_string();
        let run = run_to_exit(
            REDIS_BENCHMARK,
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-q",
                "-n",
                "2000",
                "-t",
                "set,get,incr,lpush,mset",
                "-P",
                "16",
            ],
        );
        assert_eq!(run.code, Some(0), "{}: {run:?}", s.name());
        assert_eq!(run.stderr, "", "{}: no warning expected", s.name());
        // -q prints `NAME: <n> requests per second, p50=...` per test;
        // progress lines in between end with \r.
        let results: Vec<&str> = run
            .stdout
            .split(['\r', '\n'])
            .map(str::trim)
            .filter(|l| l.contains("requests per second"))
            .collect();
        let names: Vec<&str> = results
            .iter()
            .map(|l| l.split(':').next().unwrap_or_default())
            .collect();
        assert_eq!(
            names,
            ["SET", "GET", "INCR", "LPUSH", "MSET (10 keys)"],
            "{}: {run:?}",
            s.name()
        );
        let lower = run.stdout.to_lowercase();
        assert!(!lower.contains("error"), "{}: {}", s.name(), run.stdout);
        let mut c = s.conn();
        assert_eq!(c.cmd(&["LLEN", "mylist"]), Frame::Integer(2000));
        assert_eq!(c.cmd(&["GET", "counter:__rand_int__"]), bulk("2000"));
    }
    let keys = |s: &Server| {
        let mut k: Vec<String> = redis_cli(s.port, &["KEYS", "*"])
            .lines()
            .map(str::to_string)
            .collect();
        k.sort();
        k
    };
    assert_eq!(keys(&ours), keys(&redis));
}
