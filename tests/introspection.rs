//! Goal: the introspection commands answer as redis-server 7.0.15 answers:
//! INFO's sections, field names and field order; the exact replies and
//! error texts of CONFIG, COMMAND, CLIENT, DEBUG and OBJECT; CLIENT KILL,
//! MONITOR and SHUTDOWN behaviour.
//!
//! Reference: server.c `genRedisInfoString` / `genInfoSectionDict`,
//! config.c `configSetCommand`, server.c `commandCommand` and
//! `getKeysSubcommandImpl`, networking.c `clientCommand`, debug.c
//! `debugCommand`, object.c `objectCommand`, server.c `shutdownCommand`,
//! replication.c `replicationFeedMonitors`.
//!
//! Every test sends the same commands to our binary and to the oracle
//! (/usr/bin/redis-server) and compares, so a wrong expectation fails on
//! the oracle side too.

mod common;

use common::*;
use resp::{encode_command, Frame};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a killed connection may take to be closed.
const CLOSE_DEADLINE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// Section names and, per section, field names in order.
fn info_shape(info: &str) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut order = Vec::new();
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cur = String::new();
    for line in info.split("\r\n") {
        if let Some(h) = line.strip_prefix("# ") {
            cur = h.to_string();
            order.push(cur.clone());
            fields.entry(cur.clone()).or_default();
        } else if let Some((name, _)) = line.split_once(':') {
            fields
                .entry(cur.clone())
                .or_default()
                .push(name.to_string());
        }
    }
    // Redis lists these in its command table's hash order: compare sets.
    for unordered in ["Commandstats", "Latencystats", "Errorstats", "Keyspace"] {
        if let Some(v) = fields.get_mut(unordered) {
            v.sort();
        }
    }
    (order, fields)
}

fn info(c: &mut Conn, args: &[&str]) -> String {
    let mut argv = vec!["INFO"];
    argv.extend_from_slice(args);
    text(&c.cmd(&argv))
}

/// The same small workload on a connection: a write, a failed call, a
/// miss, a TTL.
fn workload(c: &mut Conn) {
    c.cmd(&["SET", "foo", "bar"]);
    c.cmd(&["SET", "n", "5"]);
    c.cmd(&["EXPIRE", "foo", "100"]);
    c.cmd(&["GET", "missing"]);
    c.cmd(&["INCR", "foo"]);
}

#[test]
fn info_fields_and_order_match_redis() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    workload(&mut a);
    workload(&mut b);
    for args in [
        &["everything"][..],
        &[],
        &["all"],
        &["default"],
        &["server", "KEYSPACE"],
        &["memory"],
        &["stats", "cpu", "commandstats"],
        &["nosuchsection"],
    ] {
        let (so, fo) = info_shape(&info(&mut a, args));
        let (sr, fr) = info_shape(&info(&mut b, args));
        assert_eq!(so, sr, "sections of INFO {args:?}");
        for (section, names) in &fr {
            assert_eq!(
                fo.get(section),
                Some(names),
                "fields of section {section} in INFO {args:?}"
            );
        }
    }
}

#[test]
fn info_text_layout() {
    let ours = Server::start(&[]);
    let mut c = ours.conn();
    let text = info(&mut c, &["server", "cluster"]);
    assert!(text.starts_with("# Server\r\nredis_version:7.0.15\r\n"));
    assert!(text.ends_with("\r\n# Cluster\r\ncluster_enabled:0\r\n"));
    let run_id = info_field(&text, "run_id").unwrap();
    assert_eq!(run_id.len(), 40);
    assert_eq!(info(&mut c, &["nosuchsection"]), "");
    // RESP3 sends INFO as a verbatim string.
    c.cmd(&["HELLO", "3"]);
    assert!(matches!(c.cmd(&["INFO", "cluster"]), Frame::Verbatim(..)));
}

/// Commands whose whole reply must be byte-for-byte Redis's.
const SAME_REPLIES: &[&[&str]] = &[
    &["SET", "e", "abc"],
    &["SET", "n", "5"],
    &["SET", "m", "10000"],
    &["OBJECT", "ENCODING", "e"],
    &["OBJECT", "ENCODING", "n"],
    &["OBJECT", "ENCODING", "nosuch"],
    &["OBJECT", "FREQ", "e"],
    &["OBJECT", "REFCOUNT", "n"],
    &["OBJECT", "REFCOUNT", "m"],
    &["OBJECT", "REFCOUNT", "e"],
    &["OBJECT", "HELP"],
    &["OBJECT", "foo"],
    &["DEBUG", "DIGEST-VALUE", "e", "n", "nosuch"],
    &["DEBUG", "POPULATE", "3"],
    &["DEBUG", "POPULATE", "2", "p", "10"],
    &["GET", "p:0"],
    &["DEBUG", "POPULATE", "2", "q", "2"],
    &["GET", "q:1"],
    &["DEBUG", "POPULATE", "-1"],
    &["DEBUG", "DIGEST"],
    &["DEBUG", "SLEEP", "0"],
    &["DEBUG", "SET-ACTIVE-EXPIRE", "1"],
    &["DEBUG", "foo"],
    &["DEBUG", "PROTOCOL", "map"],
    &["DEBUG", "PROTOCOL", "push"],
    &["DEBUG", "PROTOCOL", "double"],
    &["DEBUG", "PROTOCOL", "bignum"],
    &["DEBUG", "PROTOCOL", "foo"],
    &["SHUTDOWN", "ABORT"],
    &["SHUTDOWN", "foo"],
    &["SHUTDOWN", "NOSAVE", "SAVE"],
    &["ROLE"],
    &["CONFIG", "GET", "maxmemory"],
    &["CONFIG", "GET", "nosuch"],
    &["CONFIG", "SET", "nosuch", "1"],
    &["CONFIG", "SET", "maxmemory", "abc"],
    &["CONFIG", "SET", "maxmemory", "10", "maxmemory", "20"],
    &["CONFIG", "SET", "a", "b", "c"],
    &["CONFIG", "SET", "databases", "5"],
    &["CONFIG", "REWRITE"],
    &["CONFIG", "HELP"],
    &["COMMAND", "INFO", "get", "nosuch"],
    &["COMMAND", "DOCS", "get", "nosuch"],
    &["COMMAND", "LIST", "FILTERBY", "foo", "x"],
    &["COMMAND", "LIST", "FILTERBY", "MODULE", "x"],
    &["COMMAND", "GETKEYS", "nosuch", "a"],
    &["COMMAND", "GETKEYS", "get", "a", "b"],
    &["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"],
    &["COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"],
    &["COMMAND", "GETKEYS", "config", "get", "a"],
    &["COMMAND", "GETKEYS", "object", "encoding", "k"],
    &["COMMAND", "HELP"],
    &["COMMAND", "foo"],
    &["CLIENT", "SETNAME", "a b"],
    &["CLIENT", "SETNAME", "foo"],
    &["CLIENT", "GETNAME"],
    &["CLIENT", "SETNAME", ""],
    &["CLIENT", "GETNAME"],
    &["CLIENT", "LIST", "TYPE", "foo"],
    &["CLIENT", "LIST", "ID", "1", "abc"],
    &["CLIENT", "LIST", "ID", "0"],
    &["CLIENT", "KILL", "1.2.3.4:5"],
    &["CLIENT", "KILL", "ID", "999"],
    &["CLIENT", "KILL", "ID", "abc"],
    &["CLIENT", "KILL", "foo", "bar"],
    &["CLIENT", "KILL", "USER", "nobody"],
    &["CLIENT", "NO-EVICT", "maybe"],
    &["CLIENT", "PAUSE", "abc", "foo"],
    &["CLIENT", "PAUSE", "-1"],
    &["CLIENT", "PAUSE", "1", "write", "x"],
    &["CLIENT", "PAUSE", "0"],
    &["CLIENT", "UNPAUSE"],
    &["CLIENT", "REPLY", "foo"],
];

#[test]
fn replies_match_redis_in_both_protocols() {
    let (ours, redis) = Server::pair(&[]);
    for proto in ["2", "3"] {
        let (mut a, mut b) = (ours.conn(), redis.conn());
        a.cmd(&["HELLO", proto]);
        b.cmd(&["HELLO", proto]);
        for argv in SAME_REPLIES {
            let (ra, rb) = (a.cmd(argv), b.cmd(argv));
            assert_eq!(ra, rb, "RESP{proto} reply to {argv:?}");
        }
    }
}

#[test]
fn client_reply_modes_match_redis() {
    let (ours, redis) = Server::pair(&[]);
    for port in [ours.port, redis.port] {
        let mut c = Conn::connect(port);
        // SKIP drops the next reply only; OFF drops all until ON.
        c.send_raw(&encode_command(&["CLIENT", "REPLY", "SKIP"]));
        c.send_raw(&encode_command(&["ECHO", "dropped"]));
        c.send_raw(&encode_command(&["ECHO", "kept"]));
        assert_eq!(c.read_frame(), bulk("kept"), "port {port}");
        c.send_raw(&encode_command(&["CLIENT", "REPLY", "OFF"]));
        c.send_raw(&encode_command(&["ECHO", "dropped"]));
        c.send_raw(&encode_command(&["CLIENT", "REPLY", "ON"]));
        assert_eq!(c.read_frame(), simple("OK"), "port {port}");
    }
}

#[test]
fn client_kill_closes_the_victim() {
    let (ours, redis) = Server::pair(&[]);
    for port in [ours.port, redis.port] {
        let mut killer = Conn::connect(port);
        let mut victim = Conn::connect(port);
        let Frame::Integer(id) = victim.cmd(&["CLIENT", "ID"]) else {
            panic!("CLIENT ID is an integer")
        };
        let id = id.to_string();
        assert_eq!(
            killer.cmd(&["CLIENT", "KILL", "ID", &id]),
            Frame::Integer(1)
        );
        assert!(victim.wait_closed(CLOSE_DEADLINE), "port {port}");
        // The caller is skipped by default in the new form...
        let Frame::Integer(me) = killer.cmd(&["CLIENT", "ID"]) else {
            panic!("CLIENT ID is an integer")
        };
        let me = me.to_string();
        assert_eq!(
            killer.cmd(&["CLIENT", "KILL", "ID", &me]),
            Frame::Integer(0)
        );
        // ...and with SKIPME no it gets its reply, then is closed.
        assert_eq!(
            killer.cmd(&["CLIENT", "KILL", "ID", &me, "SKIPME", "no"]),
            Frame::Integer(1)
        );
        assert!(killer.wait_closed(CLOSE_DEADLINE), "port {port}");
    }
}

#[test]
fn client_list_has_redis_fields() {
    let (ours, redis) = Server::pair(&[]);
    let names = |port: u16| {
        let mut c = Conn::connect(port);
        let list = text(&c.cmd(&["CLIENT", "LIST"]));
        let line = list.lines().next().expect("one client").to_string();
        line.split(' ')
            .map(|kv| kv.split('=').next().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(ours.port), names(redis.port));
}

#[test]
fn monitor_sees_commands_including_its_own() {
    let (ours, redis) = Server::pair(&[]);
    for port in [ours.port, redis.port] {
        let mut m = Conn::connect(port);
        assert_eq!(m.cmd(&["MONITOR"]), simple("OK"));
        let mut other = Conn::connect(port);
        other.cmd(&["SET", "k", "v"]);
        let line = text(&m.read_frame());
        assert!(line.ends_with(r#""SET" "k" "v""#), "port {port}: {line}");
        assert_eq!(m.cmd(&["PING"]), simple("PONG"));
        let line = text(&m.read_frame());
        assert!(line.ends_with(r#""PING""#), "port {port}: {line}");
    }
}

#[test]
fn shutdown_closes_without_a_reply() {
    for mut server in [Server::start(&[]), Server::redis(&[])] {
        let mut c = server.conn();
        // Nothing of the batch comes back, not even the reply before it.
        c.send_raw(b"PING\r\nSHUTDOWN NOSAVE\r\nPING\r\n");
        let got = c.read_until_closed();
        assert_eq!(got, b"", "{}", server.name());
        assert!(server.wait_exit().success(), "{}", server.name());
    }
}
