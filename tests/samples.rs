//! Goal: the sample config files shipped at the top of the repository,
//! `redis.conf` and `sentinel.conf`, are accepted as they are: the server
//! started from `redis.conf` (port and bind overridden on the command
//! line, as operators do) serves and holds exactly the configuration
//! redis-server 7.0.15 holds from the same file, and sentinel mode starts
//! from a copy of `sentinel.conf`.
//!
//! Reference: config.c `loadServerConfigFromString`, `configGetCommand`;
//! sentinel.c `sentinelHandleConfiguration`.

mod common;

use common::*;
use resp::Frame;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A sample file at the top of the repository.
fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// `CONFIG GET *` as a map from name to value.
fn all_config(c: &mut Conn) -> BTreeMap<String, String> {
    let Frame::Array(items) = c.cmd(&["CONFIG", "GET", "*"]) else {
        panic!("CONFIG GET * is an array")
    };
    items
        .chunks(2)
        .map(|kv| (text(&kv[0]), text(&kv[1])))
        .collect()
}

/// `redis-server redis.conf --port N --bind 127.0.0.1`: ours answers
/// PING, and every parameter of CONFIG GET * has the value the oracle has
/// from the same file (`port` and `dir`, which differ per server by
/// design, are checked against what each was given).
#[test]
fn redis_conf_sample_loads_like_redis() {
    let conf = sample("redis.conf");
    let ours = Server::spawn(Spec::ours(&[]).config_file(&conf).no_defaults());
    let redis = Server::spawn(Spec::oracle(&[]).config_file(&conf).no_defaults());
    let (mut a, mut b) = (ours.conn(), redis.conn());
    assert_eq!(a.cmd(&["PING"]), simple("PONG"));
    let (mut ca, mut cb) = (all_config(&mut a), all_config(&mut b));
    for (s, c) in [(&ours, &mut ca), (&redis, &mut cb)] {
        assert_eq!(c.remove("port"), Some(s.port.to_string()));
        let dir = std::fs::canonicalize(s.dir()).expect("canonical dir");
        assert_eq!(c.remove("dir").map(PathBuf::from), Some(dir));
    }
    let only_ours: Vec<_> = ca.keys().filter(|k| !cb.contains_key(*k)).collect();
    let only_redis: Vec<_> = cb.keys().filter(|k| !ca.contains_key(*k)).collect();
    assert!(
        only_ours.is_empty() && only_redis.is_empty(),
        "parameters only ours has: {only_ours:?}; only the oracle has: {only_redis:?}"
    );
    let differ: Vec<String> = ca
        .iter()
        .filter(|(k, v)| cb.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: ours {v:?}, oracle {:?}", cb[k]))
        .collect();
    assert!(differ.is_empty(), "values differ:\n{}", differ.join("\n"));
    // A sanity check that the file was read at all: its save points.
    assert_eq!(
        ca.get("save").map(String::as_str),
        Some("3600 1 300 100 60 10000")
    );
}

/// A temporary copy of `sentinel.conf` whose monitored master is moved
/// from 127.0.0.1:6379 (which may be anyone's server on this machine) to
/// `master_port`, a server the test owns.
fn sentinel_conf_copy(master_port: u16) -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(sample("sentinel.conf")).expect("read sentinel.conf");
    let monitor = "sentinel monitor mymaster 127.0.0.1 6379 2";
    assert!(text.contains(monitor), "the sample monitors {monitor:?}");
    let text = text.replace(
        monitor,
        &format!("sentinel monitor mymaster 127.0.0.1 {master_port} 2"),
    );
    temp_file("sentinel.conf", &text)
}

/// Starts `bin --sentinel` from a copy of the sample, monitoring a
/// master this test owns, and checks that it is up in sentinel mode on
/// the port given.
fn sentinel_from_sample(bin: &str) -> (Server, Server, tempfile::TempDir) {
    let master = Server::redis(&[]);
    let (dir, conf) = sentinel_conf_copy(master.port);
    let sentinel = Server::spawn(
        Spec::new(bin, &["--sentinel"])
            .config_file(&conf)
            .no_defaults(),
    );
    let log = sentinel.log();
    assert!(
        log.contains(&format!("Running mode=sentinel, port={}.", sentinel.port)),
        "{log}"
    );
    (master, sentinel, dir)
}

/// Our binary starts in sentinel mode from the sample (a temp copy) and
/// listens on the port given.
#[test]
fn sentinel_conf_sample_starts() {
    let (_master, mut sentinel, _dir) = sentinel_from_sample(OUR_BIN);
    assert!(sentinel.try_wait().is_none(), "{}", sentinel.log());
}

/// The sentinel started from the sample answers PING and reports the
/// master of the sample with its settings.
fn sentinel_reports_the_sample_master(bin: &str) {
    let (master, sentinel, _dir) = sentinel_from_sample(bin);
    let mut c = sentinel.conn();
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    let Frame::Array(fields) = c.cmd(&["SENTINEL", "MASTER", "mymaster"]) else {
        panic!("SENTINEL MASTER is an array")
    };
    let fields: BTreeMap<String, String> = fields
        .chunks(2)
        .map(|kv| (text(&kv[0]), text(&kv[1])))
        .collect();
    for (k, v) in [
        ("name", "mymaster"),
        ("ip", "127.0.0.1"),
        ("port", master.port.to_string().as_str()),
        ("quorum", "2"),
        ("down-after-milliseconds", "30000"),
        ("failover-timeout", "180000"),
        ("parallel-syncs", "1"),
    ] {
        assert_eq!(
            fields.get(k).map(String::as_str),
            Some(v),
            "{k}: {fields:?}"
        );
    }
}

#[test]
fn sentinel_conf_sample_oracle() {
    sentinel_reports_the_sample_master(REDIS_BIN);
}

#[test]
#[ignore = "not built yet: SENTINEL MASTER belongs to the Sentinel issue; PING is checked by cli.rs"]
fn sentinel_conf_sample_ours() {
    sentinel_reports_the_sample_master(OUR_BIN);
}
