//! Goal: our nodes and Redis 7.0.15 nodes replicate to each other in any
//! arrangement — our replica of their master, their replica of ours, a
//! chain mixing both, a promotion inside a mixed group after which the
//! siblings continue with a partial resync — and every node then holds
//! the same data (DEBUG DIGEST, and key by key). Also: a dropped link
//! continues from the backlog, the stream carries effects (a replica of
//! ours never expires keys by itself), READONLY, WAIT, ROLE and INFO
//! replication in Redis's shapes.
//!
//! Reference: replication.c (syncCommand, masterTryPartialResynchronization,
//! syncWithMaster, replicationUnsetMaster, roleCommand, waitCommand).

mod common;

use common::*;
use resp::Frame;
use std::time::Duration;

/// Full syncs start at once (7.0's default waits 5 s for more replicas).
const NO_DELAY: &[&str] = &["--repl-diskless-sync-delay", "0"];

/// How long a sync may take on a slow CI machine.
const SYNC_WAIT: Duration = Duration::from_secs(30);

/// Makes `replica` replicate from `master`.
fn attach(replica: &Server, master: &Server) {
    let port = master.port.to_string();
    let reply = replica.conn().cmd(&["REPLICAOF", "127.0.0.1", &port]);
    assert_eq!(text(&reply), "OK", "{}", replica.name());
}

/// INFO replication field of a server.
fn repl_field(s: &Server, field: &str) -> String {
    let info = text(&s.conn().cmd(&["INFO", "replication"]));
    info_field(&info, field).unwrap_or_default()
}

/// Waits until the replica's link is up and it has applied everything the
/// master produced.
fn wait_synced(master: &Server, replica: &Server) {
    let done = poll_until(SYNC_WAIT, || {
        let up = repl_field(replica, "master_link_status") == "up";
        let want = repl_field(master, "master_repl_offset");
        let have = repl_field(replica, "master_repl_offset");
        (up && want == have).then_some(())
    });
    assert!(
        done.is_some(),
        "{} never caught up with {}\nreplica log:\n{}\nmaster log:\n{}",
        replica.name(),
        master.name(),
        replica.log(),
        master.log()
    );
}

/// Writes keys of every type, with and without TTLs, in two databases.
fn populate(master: &Server, tag: &str) {
    let mut c = master.conn();
    for i in 0..200 {
        let k = format!("{tag}:{i}");
        c.cmd(&["SET", &format!("s:{k}"), &format!("value-{i}")]);
        c.cmd(&["RPUSH", &format!("l:{k}"), "a", "b", &i.to_string()]);
        c.cmd(&["HSET", &format!("h:{k}"), "f", &i.to_string(), "g", "x"]);
        c.cmd(&["SADD", &format!("set:{k}"), &i.to_string(), "m"]);
        c.cmd(&["ZADD", &format!("z:{k}"), &i.to_string(), "m", "1.5", "n"]);
    }
    c.cmd(&["SET", &format!("{tag}:ttl"), "v", "EX", "1000"]);
    c.cmd(&["INCRBYFLOAT", &format!("{tag}:float"), "1.25"]);
    c.cmd(&["SELECT", "3"]);
    c.cmd(&["SET", &format!("{tag}:db3"), "v"]);
    let big: String = "x".repeat(100_000);
    c.cmd(&["SET", &format!("{tag}:big"), &big]);
    c.cmd(&["SELECT", "0"]);
    c.cmd(&["MULTI"]);
    c.cmd(&["INCR", &format!("{tag}:n")]);
    c.cmd(&["LPUSH", &format!("{tag}:q"), "1"]);
    c.cmd(&["EXEC"]);
}

/// Every node has the same DEBUG DIGEST, and the same keys and values in
/// databases 0 and 3.
fn assert_same_data(nodes: &[&Server]) {
    let digest = |s: &Server| text(&s.conn().cmd(&["DEBUG", "DIGEST"]));
    let first = digest(nodes[0]);
    assert_ne!(first, "0".repeat(40), "no data on {}", nodes[0].name());
    for n in &nodes[1..] {
        assert_eq!(
            digest(n),
            first,
            "{} differs from {}",
            n.name(),
            nodes[0].name()
        );
    }
    for db in ["0", "3"] {
        let dump = |s: &Server| {
            let mut c = s.conn();
            c.cmd(&["SELECT", db]);
            let mut keys: Vec<String> = match c.cmd(&["KEYS", "*"]) {
                Frame::Array(v) => v.iter().map(text).collect(),
                other => panic!("KEYS: {other:?}"),
            };
            keys.sort();
            keys.iter()
                .map(|k| {
                    let v = c.cmd(&["DEBUG", "DIGEST-VALUE", k]);
                    (k.clone(), format!("{v:?}"))
                })
                .collect::<Vec<_>>()
        };
        let want = dump(nodes[0]);
        for n in &nodes[1..] {
            assert_eq!(dump(n), want, "db {db} of {}", n.name());
        }
    }
}

#[test]
fn our_replica_of_their_master() {
    let master = Server::redis(NO_DELAY);
    populate(&master, "before");
    let replica = Server::start(NO_DELAY);
    attach(&replica, &master);
    wait_synced(&master, &replica);
    populate(&master, "after");
    wait_synced(&master, &replica);
    assert_same_data(&[&master, &replica]);
    let mut r = replica.conn();
    assert_eq!(
        r.cmd(&["SET", "k", "v"]),
        error("READONLY You can't write against a read only replica.")
    );
    match r.cmd(&["ROLE"]) {
        Frame::Array(v) => {
            assert_eq!(text(&v[0]), "slave");
            assert_eq!(int(&v[2]), master.port as i64);
            assert_eq!(text(&v[3]), "connected");
        }
        other => panic!("ROLE: {other:?}"),
    }
}

#[test]
fn their_replica_of_our_master() {
    let master = Server::start(NO_DELAY);
    populate(&master, "before");
    let replica = Server::redis(NO_DELAY);
    attach(&replica, &master);
    wait_synced(&master, &replica);
    populate(&master, "after");
    wait_synced(&master, &replica);
    assert_same_data(&[&master, &replica]);
    // The master lists its replica as Redis does, once it has acked.
    let listed = poll_until(SYNC_WAIT, || {
        let line = repl_field(&master, "slave0");
        line.contains("state=online").then_some(line)
    })
    .expect("replica listed online");
    assert!(
        listed.starts_with(&format!(
            "ip=127.0.0.1,port={},state=online,offset=",
            replica.port
        )),
        "{listed}"
    );
    match master.conn().cmd(&["ROLE"]) {
        Frame::Array(v) => {
            assert_eq!(text(&v[0]), "master");
            match &v[2] {
                Frame::Array(r) => {
                    assert_eq!(r.len(), 1);
                    let Frame::Array(entry) = &r[0] else {
                        panic!("{r:?}")
                    };
                    assert_eq!(text(&entry[1]), replica.port.to_string());
                }
                other => panic!("ROLE replicas: {other:?}"),
            }
        }
        other => panic!("ROLE: {other:?}"),
    }
    // WAIT counts the replica once it has acknowledged the write.
    let mut c = master.conn();
    c.cmd(&["SET", "w", "1"]);
    assert_eq!(int(&c.cmd(&["WAIT", "1", "5000"])), 1);
    assert_eq!(int(&c.cmd(&["WAIT", "2", "100"])), 1);
}

#[test]
fn mixed_chain() {
    // theirs -> ours -> theirs -> ours; the middle node of ours would
    // ping its replica every second if it (wrongly) added to the stream.
    let top = Server::redis(NO_DELAY);
    let a = Server::start(&[
        "--repl-ping-replica-period",
        "1",
        "--repl-diskless-sync-delay",
        "0",
    ]);
    let b = Server::redis(NO_DELAY);
    let c = Server::start(NO_DELAY);
    populate(&top, "before");
    attach(&a, &top);
    attach(&b, &a);
    attach(&c, &b);
    populate(&top, "after");
    wait_synced(&top, &a);
    wait_synced(&a, &b);
    wait_synced(&b, &c);
    assert_same_data(&[&top, &a, &b, &c]);
    // A chained replica relays the bytes it receives: offsets agree (the
    // top master's PINGs keep moving, so wait for one common value, seen
    // after a few of the middle node's ping periods).
    let start = std::time::Instant::now();
    let agreed = poll_until(SYNC_WAIT, || {
        let offset = repl_field(&top, "master_repl_offset");
        let later = start.elapsed() > Duration::from_millis(2500);
        (later && repl_field(&c, "master_repl_offset") == offset).then_some(())
    });
    assert!(agreed.is_some(), "offsets never agree along the chain");
}

/// Promotes `new_master` (REPLICAOF NO ONE) and repoints `siblings` at
/// it; each sibling must continue with a partial resync.
fn promote_and_repoint(new_master: &Server, siblings: &[&Server]) {
    let reply = new_master.conn().cmd(&["REPLICAOF", "NO", "ONE"]);
    assert_eq!(text(&reply), "OK");
    let partial_before = info_stat(new_master, "sync_partial_ok");
    for s in siblings {
        attach(s, new_master);
    }
    new_master.conn().cmd(&["SET", "after-promotion", "1"]);
    for s in siblings {
        wait_synced(new_master, s);
    }
    assert_eq!(
        info_stat(new_master, "sync_partial_ok"),
        partial_before + siblings.len() as i64,
        "siblings did not continue with a partial resync\n{}",
        new_master.log()
    );
    assert_eq!(info_stat(new_master, "sync_full"), 0);
}

fn info_stat(s: &Server, field: &str) -> i64 {
    let info = text(&s.conn().cmd(&["INFO", "stats"]));
    info_field(&info, field)
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
}

/// REPLICAOF is remembered by CONFIG REWRITE, as `replicaof host port`,
/// and REPLICAOF NO ONE removes it again.
#[test]
fn config_rewrite_after_replicaof() {
    let master = Server::start(NO_DELAY);
    let (_dir, conf) = temp_file("replica.conf", "# a replica\nport 0\n");
    let replica = Server::spawn(Spec::ours(NO_DELAY).config_file(&conf));
    attach(&replica, &master);
    let mut c = replica.conn();
    assert_eq!(text(&c.cmd(&["CONFIG", "REWRITE"])), "OK");
    let written = std::fs::read_to_string(&conf).unwrap();
    let line = format!("replicaof 127.0.0.1 {}", master.port);
    assert!(written.contains(&line), "{written}");
    assert!(written.starts_with("# a replica\n"), "{written}");
    c.cmd(&["REPLICAOF", "NO", "ONE"]);
    assert_eq!(text(&c.cmd(&["CONFIG", "REWRITE"])), "OK");
    let written = std::fs::read_to_string(&conf).unwrap();
    assert!(!written.contains("replicaof"), "{written}");
}

/// A master with one replica of ours and one of theirs goes away; the
/// promoted one (ours or theirs) takes the other with a partial resync.
fn promotion_in_mixed_group(master: Server, promote_ours: bool) {
    let ours = Server::start(NO_DELAY);
    let theirs = Server::redis(NO_DELAY);
    populate(&master, "x");
    attach(&ours, &master);
    attach(&theirs, &master);
    wait_synced(&master, &ours);
    wait_synced(&master, &theirs);
    drop(master);
    if promote_ours {
        promote_and_repoint(&ours, &[&theirs]);
    } else {
        promote_and_repoint(&theirs, &[&ours]);
    }
    assert_same_data(&[&ours, &theirs]);
}

#[test]
fn promotion_of_ours_in_mixed_group() {
    promotion_in_mixed_group(Server::redis(NO_DELAY), true);
}

#[test]
fn promotion_of_theirs_in_mixed_group() {
    promotion_in_mixed_group(Server::start(NO_DELAY), false);
}

#[test]
fn dropped_link_continues_from_backlog() {
    let master = Server::start(NO_DELAY);
    let replica = Server::start(NO_DELAY);
    populate(&master, "a");
    attach(&replica, &master);
    wait_synced(&master, &replica);
    let full = info_stat(&master, "sync_full");
    let killed = replica.conn().cmd(&["CLIENT", "KILL", "TYPE", "master"]);
    assert_eq!(int(&killed), 1);
    master.conn().cmd(&["SET", "during", "1"]);
    wait_synced(&master, &replica);
    assert_eq!(
        info_stat(&master, "sync_full"),
        full,
        "a full sync was done"
    );
    assert!(info_stat(&master, "sync_partial_ok") >= 1);
    assert_same_data(&[&master, &replica]);
}

#[test]
fn replica_leaves_expiry_to_its_master() {
    let master = Server::start(NO_DELAY);
    let replica = Server::start(NO_DELAY);
    attach(&replica, &master);
    wait_synced(&master, &replica);
    let mut m = master.conn();
    m.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    m.cmd(&["SET", "e", "v", "PX", "50"]);
    wait_synced(&master, &replica);
    let mut r = replica.conn();
    // Expired for readers on the replica, yet still stored there...
    poll_until(SYNC_WAIT, || {
        (r.cmd(&["GET", "e"]) == Frame::Null).then_some(())
    })
    .expect("replica readers see the key expire");
    assert_eq!(int(&r.cmd(&["DBSIZE"])), 1);
    // ...until the master's DEL arrives.
    m.cmd(&["GET", "e"]);
    wait_synced(&master, &replica);
    assert_eq!(int(&r.cmd(&["DBSIZE"])), 0);
}

/// A replica that stops reading is disconnected once its stream passes
/// `client-output-buffer-limit replica`, and the master keeps serving.
#[test]
fn replica_output_buffer_is_bounded() {
    let master = Server::start(&["--client-output-buffer-limit", "replica 256kb 0 0"]);
    let mut replica = Conn::connect(master.port);
    // A SYNC client that never reads anything.
    replica.send_raw(b"SYNC\r\n");
    let connected = || repl_field(&master, "connected_slaves");
    poll_until(SYNC_WAIT, || (connected() == "1").then_some(())).expect("SYNC accepted");
    let mut c = master.conn();
    let value = "v".repeat(10_000);
    let dropped = poll_until(SYNC_WAIT, || {
        for i in 0..100 {
            c.cmd(&["SET", &format!("k{i}"), &value]);
        }
        (connected() == "0").then_some(())
    });
    assert!(dropped.is_some(), "{}", master.log());
    assert!(master
        .log()
        .contains("scheduled to be closed ASAP for overcoming of output buffer limits"));
    assert_eq!(text(&c.cmd(&["PING"])), "PONG");
}

/// CONFIG SET repl-backlog-size resizes a live backlog (INFO shows it),
/// keeping the newest bytes.
#[test]
fn backlog_resizes() {
    let master = Server::start(NO_DELAY);
    let replica = Server::start(NO_DELAY);
    attach(&replica, &master);
    wait_synced(&master, &replica);
    let mut c = master.conn();
    let value = "v".repeat(1000);
    for i in 0..100 {
        c.cmd(&["SET", &format!("k{i}"), &value]);
    }
    assert_eq!(repl_field(&master, "repl_backlog_size"), "1048576");
    c.cmd(&["CONFIG", "SET", "repl-backlog-size", "16384"]);
    assert_eq!(repl_field(&master, "repl_backlog_size"), "16384");
    assert_eq!(repl_field(&master, "repl_backlog_histlen"), "16384");
    let first: i64 = repl_field(&master, "repl_backlog_first_byte_offset")
        .parse()
        .unwrap();
    let offset: i64 = repl_field(&master, "master_repl_offset").parse().unwrap();
    assert_eq!(first, offset - 16384 + 1);
}

/// FAILOVER hands the master role to a replica: the old master becomes
/// its replica with a partial resync, nothing written before is lost,
/// and every node ends with the same data.
fn failover_to(master: &Server, target: &Server) {
    populate(master, "fo");
    wait_synced(master, target);
    let port = target.port.to_string();
    let reply = master.conn().cmd(&["FAILOVER", "TO", "127.0.0.1", &port]);
    assert_eq!(text(&reply), "OK", "{}", master.log());
    let switched = poll_until(SYNC_WAIT, || {
        let done = repl_field(target, "role") == "master"
            && repl_field(master, "role") == "slave"
            && repl_field(master, "master_link_status") == "up"
            && repl_field(master, "master_failover_state") == "no-failover";
        done.then_some(())
    });
    assert!(
        switched.is_some(),
        "no switch\nmaster:\n{}\ntarget:\n{}",
        master.log(),
        target.log()
    );
    assert_eq!(info_stat(target, "sync_full"), 0, "{}", target.log());
    target.conn().cmd(&["SET", "after-failover", "1"]);
    wait_synced(target, master);
    assert_same_data(&[master, target]);
}

#[test]
fn failover_ours_to_ours() {
    let master = Server::start(NO_DELAY);
    let replica = Server::start(NO_DELAY);
    attach(&replica, &master);
    failover_to(&master, &replica);
}

#[test]
fn failover_ours_to_theirs() {
    let master = Server::start(NO_DELAY);
    let replica = Server::redis(NO_DELAY);
    attach(&replica, &master);
    failover_to(&master, &replica);
}

#[test]
fn failover_theirs_to_ours() {
    let master = Server::redis(NO_DELAY);
    let replica = Server::start(NO_DELAY);
    attach(&replica, &master);
    failover_to(&master, &replica);
}

/// FAILOVER's refusals, word for word as Redis 7.0.15.
#[test]
fn failover_errors_match_oracle() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    for argv in [
        vec!["FAILOVER"],
        vec!["FAILOVER", "ABORT"],
        vec!["FAILOVER", "TIMEOUT", "0"],
        vec!["FAILOVER", "TIMEOUT", "x"],
        vec!["FAILOVER", "FORCE"],
        vec!["FAILOVER", "TO", "127.0.0.1"],
        vec!["FAILOVER", "BOGUS"],
        vec!["FAILOVER", "TO", "127.0.0.1", "1", "FORCE"],
    ] {
        same(&mut a, &mut b, &argv);
    }
}

/// With `repl-diskless-sync yes` and a delay, replicas that ask within it
/// share one snapshot, sent as `$EOF:` streams; with `no`, each gets a
/// `$<len>` payload. Both end in sync.
#[test]
fn diskless_delay_shares_one_snapshot() {
    let master = Server::start(&["--repl-diskless-sync-delay", "1"]);
    populate(&master, "d");
    let ours = Server::start(NO_DELAY);
    let theirs = Server::redis(NO_DELAY);
    attach(&ours, &master);
    attach(&theirs, &master);
    wait_synced(&master, &ours);
    wait_synced(&master, &theirs);
    assert_same_data(&[&master, &ours, &theirs]);
    let log = master.log();
    assert_eq!(
        log.matches("Starting BGSAVE for SYNC with target: replicas sockets")
            .count(),
        1,
        "{log}"
    );
    assert_eq!(
        log.matches("Waiting for REPLCONF ACK from slave to enable streaming")
            .count(),
        2,
        "{log}"
    );
    assert!(ours
        .log()
        .contains("receiving streamed RDB from master with EOF"));

    let disk = Server::start(&["--repl-diskless-sync", "no"]);
    populate(&disk, "e");
    let replica = Server::redis(NO_DELAY);
    attach(&replica, &disk);
    wait_synced(&disk, &replica);
    assert_same_data(&[&disk, &replica]);
    assert!(disk
        .log()
        .contains("Starting BGSAVE for SYNC with target: disk"));
}

/// A full sync is made by a forked child: the master keeps answering
/// while a replica syncs 200,000 keys (the longest PING round trip is
/// printed, not asserted: it depends on the machine), and the data
/// arrives.
#[test]
fn full_sync_does_not_stall_the_master() {
    let master = Server::start(NO_DELAY);
    master.conn().cmd(&["DEBUG", "POPULATE", "200000"]);
    let replica = Server::start(NO_DELAY);
    let port = master.port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut c = Conn::connect(port);
            let mut longest = Duration::ZERO;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let start = std::time::Instant::now();
                assert_eq!(c.cmd(&["PING"]), simple("PONG"));
                longest = longest.max(start.elapsed());
            }
            longest
        })
    };
    attach(&replica, &master);
    wait_synced(&master, &replica);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let longest = probe.join().unwrap();
    println!("longest PING round trip during the full sync: {longest:?}");
    let digest = |s: &Server| text(&s.conn().cmd(&["DEBUG", "DIGEST"]));
    assert_eq!(digest(&replica), digest(&master));
    assert!(master
        .log()
        .contains("Background RDB transfer terminated with success"));
}

/// Writes made while the snapshot child runs reach the replicas after
/// the RDB, for a disk sync as for a diskless one; a second replica
/// joins a disk BGSAVE another replica already waits on (one BGSAVE),
/// while one arriving during a diskless transfer waits for the next. The
/// same holds, with the same log lines, for a Redis master.
#[test]
fn writes_during_the_snapshot_follow_it() {
    for (diskless, oracle) in [("no", false), ("yes", false), ("no", true), ("yes", true)] {
        // About a second of snapshot: 1 ms per key.
        let args = [
            "--repl-diskless-sync",
            diskless,
            "--repl-diskless-sync-delay",
            "0",
            "--rdb-key-save-delay",
            "1000",
        ];
        let master = if oracle {
            Server::redis(&args)
        } else {
            Server::start(&args)
        };
        master.conn().cmd(&["DEBUG", "POPULATE", "800"]);
        let a = Server::start(NO_DELAY);
        let b = Server::redis(NO_DELAY);
        attach(&a, &master);
        let saving = poll_until(SYNC_WAIT, || {
            let info = text(&master.conn().cmd(&["INFO", "persistence"]));
            (info_field(&info, "rdb_bgsave_in_progress").as_deref() == Some("1")).then_some(())
        });
        assert!(saving.is_some(), "{}", master.log());
        let mut c = master.conn();
        for i in 0..50 {
            c.cmd(&["SET", &format!("during:{i}"), &i.to_string()]);
        }
        attach(&b, &master);
        c.cmd(&["SELECT", "5"]);
        c.cmd(&["INCR", "during:n"]);
        wait_synced(&master, &a);
        wait_synced(&master, &b);
        assert_same_data(&[&master, &a, &b]);
        let log = master.log();
        if diskless == "no" {
            assert_eq!(log.matches("Starting BGSAVE for SYNC").count(), 1, "{log}");
            assert!(log.contains("Waiting for end of BGSAVE for SYNC"), "{log}");
        } else {
            assert_eq!(log.matches("Starting BGSAVE for SYNC").count(), 2, "{log}");
            assert!(
                log.contains("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC"),
                "{log}"
            );
        }
    }
}

/// FLUSHALL kills the snapshot child of a full sync: the replicas it
/// served are closed, sync again, and end with the master's data; a
/// Redis master logs the same.
#[test]
fn killed_sync_child_closes_its_replicas() {
    for (diskless, oracle) in [("no", false), ("yes", false), ("no", true), ("yes", true)] {
        let args = [
            "--repl-diskless-sync",
            diskless,
            "--repl-diskless-sync-delay",
            "0",
            "--rdb-key-save-delay",
            "100000",
        ];
        let master = if oracle {
            Server::redis(&args)
        } else {
            Server::start(&args)
        };
        master.conn().cmd(&["DEBUG", "POPULATE", "100"]);
        let replica = Server::start(NO_DELAY);
        attach(&replica, &master);
        let syncing = poll_until(SYNC_WAIT, || {
            master
                .log()
                .contains("Starting BGSAVE for SYNC")
                .then_some(())
        });
        assert!(syncing.is_some(), "{}", master.log());
        master
            .conn()
            .cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
        assert_eq!(master.conn().cmd(&["FLUSHALL"]), simple("OK"));
        master.conn().cmd(&["SET", "after", "flush"]);
        wait_synced(&master, &replica);
        assert_eq!(replica.conn().cmd(&["DBSIZE"]), Frame::Integer(1));
        let log = master.log();
        assert!(
            log.contains("SYNC failed. BGSAVE child returned an error"),
            "{log}"
        );
    }
}
