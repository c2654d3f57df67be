//! Goal: RDB persistence behaves as in Redis 7.0.15 where clients and
//! operators can see it: SAVE and BGSAVE replies, errors and log lines;
//! the dump file surviving restarts, crashes and failed saves; save
//! points; the final save of SHUTDOWN and SIGTERM; refusing damaged
//! files with exit code 1; -LOADING while the dataset loads; MISCONF;
//! FLUSHALL and DEBUG RELOAD; the INFO persistence fields. Files written
//! by one server load in the other with the same DEBUG DIGEST.
//!
//! Reference: rdb.c `rdbSave`, `rdbSaveBackground`,
//! `backgroundSaveDoneHandler`, `saveCommand`, `bgsaveCommand`,
//! `rdbLoadRioWithLoadingCtx`, `rdbReportError`; server.c `serverCron`,
//! `prepareForShutdown`, `finishShutdown`, `loadDataFromDisk`,
//! `processCommand` (MISCONF, LOADING); db.c `flushAllDataAndResetRDB`;
//! debug.c `DEBUG RELOAD`.
//!
//! Wherever the oracle (/usr/bin/redis-server) can run the same scenario,
//! the test runs it on both and compares.

mod common;

use common::*;
use resp::Frame;
use std::path::Path;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A server of `bin` whose `dir` is `dir` (so a restart finds the dump),
/// with `extra` arguments after it.
fn server_in(bin: &str, dir: &Path, extra: &[&str]) -> Server {
    let dir = dir.to_str().expect("utf-8 path");
    let mut args = vec!["--dir", dir];
    args.extend_from_slice(extra);
    Server::spawn(Spec::new(bin, &args))
}

/// Our server in `dir`.
fn ours_in(dir: &Path, extra: &[&str]) -> Server {
    server_in(OUR_BIN, dir, extra)
}

/// The oracle in `dir`.
fn redis_in(dir: &Path, extra: &[&str]) -> Server {
    server_in(REDIS_BIN, dir, extra)
}

/// A new directory holding `bytes` as its `dump.rdb`.
fn dir_with_dump(bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dump.rdb"), bytes).unwrap();
    dir
}

/// The `dump.rdb` of `dir`.
fn dump_of(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("dump.rdb")).expect("dump.rdb")
}

/// Polls until INFO shows no save child.
fn wait_no_child(c: &mut Conn, deadline: Duration) {
    wait_info(c, "persistence", "rdb_bgsave_in_progress", "0", deadline);
}

/// Polls until INFO reports the last background save failed.
fn wait_failed_save(c: &mut Conn) {
    wait_info(
        c,
        "persistence",
        "rdb_last_bgsave_status",
        "err",
        EXIT_DEADLINE,
    );
}

/// BGSAVE, then a poll until the child is gone.
fn bgsave_and_wait(c: &mut Conn, deadline: Duration) {
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    wait_no_child(c, deadline);
}

/// One field of an INFO section.
fn info(c: &mut Conn, section: &str, field: &str) -> String {
    let text = text(&c.cmd(&["INFO", section]));
    info_field(&text, field).unwrap_or_else(|| panic!("no {field} in INFO {section}:\n{text}"))
}

/// A numeric INFO field.
fn info_num(c: &mut Conn, section: &str, field: &str) -> i64 {
    info(c, section, field).parse().expect("number")
}

/// DEBUG DIGEST.
fn digest(c: &mut Conn) -> String {
    text(&c.cmd(&["DEBUG", "DIGEST"]))
}

/// Polls INFO until `field` of `section` equals `want`; panics with the
/// last value after `deadline`.
fn wait_info(c: &mut Conn, section: &str, field: &str, want: &str, deadline: Duration) {
    let mut last = String::new();
    let ok = poll_until(deadline, || {
        last = info(c, section, field);
        (last == want).then_some(())
    });
    assert!(ok.is_some(), "{field} stayed {last:?}, wanted {want:?}");
}

/// The log messages of a server (no prefix), the memory overcommit
/// warning left out, 7.2's "Ready to accept connections tcp" read as
/// 7.0's line, and the number in "RDB age N seconds" dropped (two servers
/// started a second apart see different ages).
fn messages(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains(":signal-handler (") || is_log_line(l))
        .map(|l| {
            // `log_message` keeps the level mark (`* `, `# `...).
            let m = log_message(l);
            match m.as_bytes() {
                [b'.' | b'-' | b'*' | b'#', b' ', ..] => m[2..].to_string(),
                _ => m,
            }
        })
        .filter(|m| !m.starts_with("WARNING Memory overcommit"))
        .map(|m| {
            if m.starts_with("Ready to accept connections") {
                "Ready to accept connections".to_string()
            } else if m.starts_with("RDB age ") {
                "RDB age N seconds".to_string()
            } else {
                m
            }
        })
        .collect()
}

/// True for `pid:R dd Mon yyyy hh:mm:ss.mmm L message`.
fn is_log_line(line: &str) -> bool {
    let mut words = line.split(' ');
    let head = words.next().unwrap_or_default();
    head.split_once(':').is_some_and(|(pid, role)| {
        !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && role.len() == 1
    })
}

/// The messages logged after the server became ready.
fn messages_after_ready(log: &str) -> Vec<String> {
    let all = messages(log);
    let ready = all
        .iter()
        .position(|m| m == "Ready to accept connections")
        .unwrap_or_else(|| panic!("never ready:\n{log}"));
    all[ready + 1..].to_vec()
}

/// Asserts that `want` appear in `log`'s messages in this order (other
/// lines may come between).
fn assert_in_order(log: &str, want: &[&str]) {
    let msgs = messages(log);
    let mut at = 0;
    for w in want {
        match msgs[at..].iter().position(|m| m.starts_with(w)) {
            Some(i) => at += i + 1,
            None => panic!("log lacks {w:?} (in order {want:?}):\n{log}"),
        }
    }
}

/// The commands that build a dataset with every encoding the RDB writer
/// has: integer, short, compressible and incompressible strings; small
/// and multi-node lists; listpack and hashtable hashes; intset and
/// hashtable sets; listpack and skiplist sorted sets; TTLs; several
/// databases.
fn dataset() -> Vec<Vec<String>> {
    let mut cmds: Vec<Vec<String>> = Vec::new();
    let mut add = |args: Vec<String>| cmds.push(args);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    add(s(&["SET", "s:int", "12345"]));
    add(s(&["SET", "s:neg", "-7"]));
    add(s(&["SET", "s:raw", "hello world"]));
    add(s(&["SET", "s:long", &"abc".repeat(200)]));
    // Incompressible: a pseudo-random byte string (LCG).
    let mut x: u32 = 12345;
    let noise: String = (0..5000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            char::from(b'!' + ((x >> 16) % 90) as u8)
        })
        .collect();
    add(s(&["SET", "s:noise", &noise]));
    add(s(&["RPUSH", "l:small", "a", "1", "b", "-2"]));
    let mut big_list = s(&["RPUSH", "l:big"]);
    big_list.extend((0..3000).map(|i| format!("item-{i}")));
    add(big_list);
    add(s(&["HSET", "h:small", "f1", "v1", "f2", "22"]));
    let mut big_hash = s(&["HSET", "h:big"]);
    big_hash.extend((0..300).flat_map(|i| [format!("field{i}"), format!("value{i}")]));
    add(big_hash);
    add(s(&["SADD", "set:ints", "1", "5", "-3", "100000"]));
    let mut big_ints = s(&["SADD", "set:bigints"]);
    big_ints.extend((0..1000).map(|i| (i * 7).to_string()));
    add(big_ints);
    add(s(&["SADD", "set:strs", "x", "y", "z"]));
    add(s(&["ZADD", "z:small", "1.5", "a", "-2", "b", "inf", "c"]));
    let mut big_z = s(&["ZADD", "z:big"]);
    big_z.extend((0..300).flat_map(|i| [format!("{}.25", i), format!("m{i}")]));
    add(big_z);
    add(s(&["SET", "ttl:a", "v", "PXAT", "4102444800000"]));
    add(s(&["HSET", "ttl:h", "f", "v"]));
    add(s(&["PEXPIREAT", "ttl:h", "4102444800123"]));
    add(s(&["SELECT", "3"]));
    add(s(&["SET", "db3:k", "in three"]));
    add(s(&["SELECT", "15"]));
    add(s(&["LPUSH", "db15:l", "x"]));
    add(s(&["SELECT", "0"]));
    cmds
}

/// Runs [`dataset`] on a connection.
fn fill(c: &mut Conn) {
    for cmd in dataset() {
        let reply = c.cmd(&cmd);
        assert!(
            !matches!(reply, Frame::Error(_)),
            "{:?}: {reply:?}",
            &cmd[..2]
        );
    }
}

/// Our server in `dir` holding [`dataset`], and a connection to it.
fn ours_filled(dir: &Path) -> (Server, Conn) {
    let s = ours_in(dir, &[]);
    let mut c = s.conn();
    fill(&mut c);
    (s, c)
}

/// [`dataset`] saved by our server: the dump file's bytes and the
/// digest of the data.
fn saved_dataset() -> (Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (_server, mut c) = ours_filled(dir.path());
    let digest = digest(&mut c);
    assert_eq!(c.cmd(&["SAVE"]), simple("OK"));
    (dump_of(dir.path()), digest)
}

/// Keys in all databases.
fn total_keys(c: &mut Conn) -> i64 {
    let text = text(&c.cmd(&["INFO", "keyspace"]));
    text.lines()
        .filter_map(|l| l.split_once(":keys="))
        .map(|(_, rest)| rest.split(',').next().unwrap().parse::<i64>().unwrap())
        .sum()
}

/// Starts `bin` in `dir` expecting it to fail: returns (exit code, log).
fn run_failing(bin: &str, dir: &Path) -> (Option<i32>, String) {
    let port = free_port().to_string();
    let dir = dir.to_str().unwrap();
    let exit = run_to_exit(
        bin,
        &[
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--dir",
            dir,
            "--save",
            "",
        ],
    );
    (exit.code, exit.stdout + &exit.stderr)
}

// ---------------------------------------------------------------------------
// SAVE, restart, interoperability
// ---------------------------------------------------------------------------

/// SAVE writes the whole dataset; a restarted server loads it to the same
/// digest, logging as Redis logs a load.
#[test]
fn save_then_restart_keeps_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let (s, mut c) = ours_filled(dir.path());
    let before = digest(&mut c);
    let keys = total_keys(&mut c);
    assert!(info_num(&mut c, "persistence", "rdb_changes_since_last_save") > 0);
    assert_eq!(c.cmd(&["SAVE"]), simple("OK"));
    assert_eq!(
        info(&mut c, "persistence", "rdb_changes_since_last_save"),
        "0"
    );
    assert_eq!(info(&mut c, "persistence", "rdb_saves"), "1");
    let lastsave = int(&c.cmd(&["LASTSAVE"]));
    assert_eq!(
        lastsave.to_string(),
        info(&mut c, "persistence", "rdb_last_save_time")
    );
    assert!(messages(&s.log()).contains(&"DB saved on disk".to_string()));
    assert!(!dir.path().join(format!("temp-{}.rdb", s.pid())).exists());
    drop(c);
    drop(s); // SIGKILL: only the file carries the data over.

    let s = ours_in(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(digest(&mut c), before);
    assert_eq!(
        info_num(&mut c, "persistence", "rdb_last_load_keys_loaded"),
        keys
    );
    assert_eq!(
        info(&mut c, "persistence", "rdb_last_load_keys_expired"),
        "0"
    );
    assert_in_order(
        &s.log(),
        &[
            "Server initialized",
            "Loading RDB produced by version 7.0.15",
            "RDB age N seconds",
            "RDB memory usage when created ",
            &format!("Done loading RDB, keys loaded: {keys}, keys expired: 0."),
            "DB loaded from disk: ",
            "Ready to accept connections",
        ],
    );
}

/// Our dump loads in Redis 7.0.15 to the same digest, and Redis's dump
/// loads here to the same digest.
#[test]
fn dumps_load_in_redis_and_back() {
    let (ours, our_digest) = saved_dataset();
    let redis_dir = dir_with_dump(&ours);
    let r = redis_in(redis_dir.path(), &[]);
    let mut rc = r.conn();
    assert_eq!(digest(&mut rc), our_digest, "Redis loading our dump");

    // The same commands on Redis give the same digest, and its dump
    // loads here.
    let r2_dir = tempfile::tempdir().unwrap();
    let r2 = redis_in(r2_dir.path(), &[]);
    let mut rc2 = r2.conn();
    fill(&mut rc2);
    assert_eq!(digest(&mut rc2), our_digest);
    assert_eq!(rc2.cmd(&["SAVE"]), simple("OK"));
    let back_dir = dir_with_dump(&dump_of(r2_dir.path()));
    let back = ours_in(back_dir.path(), &[]);
    assert_eq!(digest(&mut back.conn()), our_digest, "loading Redis's dump");
}

/// `rdbcompression no`, `rdbchecksum no` and `dbfilename` shape the file
/// as in Redis: strings stored raw, a zero checksum, another name; Redis
/// loads it to the same digest.
#[test]
fn file_options_rdbcompression_rdbchecksum_dbfilename() {
    let dir = tempfile::tempdir().unwrap();
    // dbfilename is a protected config: set at start.
    let opts = [
        "--rdbcompression",
        "no",
        "--rdbchecksum",
        "no",
        "--dbfilename",
        "other.rdb",
    ];
    let s = ours_in(dir.path(), &opts);
    let mut c = s.conn();
    fill(&mut c);
    let before = digest(&mut c);
    assert_eq!(c.cmd(&["SAVE"]), simple("OK"));
    assert!(!dir.path().join("dump.rdb").exists());
    let bytes = std::fs::read(dir.path().join("other.rdb")).unwrap();
    assert_eq!(bytes[bytes.len() - 8..], [0; 8], "no checksum");
    let raw = "abc".repeat(200);
    assert!(
        bytes.windows(raw.len()).any(|w| w == raw.as_bytes()),
        "uncompressed string"
    );
    let redis_dir = dir_with_dump(&bytes);
    let r = redis_in(redis_dir.path(), &[]);
    assert_eq!(digest(&mut r.conn()), before);
}

/// A key whose TTL passed while the server was down is dropped at load
/// and counted, by both servers alike.
#[test]
fn keys_expired_while_down_are_dropped_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let s = ours_in(dir.path(), &[]);
    let mut c = s.conn();
    let set_at = Instant::now();
    assert_eq!(c.cmd(&["SET", "gone", "v", "PX", "300"]), simple("OK"));
    assert_eq!(c.cmd(&["SET", "kept", "v"]), simple("OK"));
    assert_eq!(c.cmd(&["SAVE"]), simple("OK"));
    drop(s);
    poll_until(Duration::from_secs(5), || {
        (set_at.elapsed() > Duration::from_millis(400)).then_some(())
    });
    let copy = dir_with_dump(&dump_of(dir.path()));
    for s in [ours_in(dir.path(), &[]), redis_in(copy.path(), &[])] {
        let mut c = s.conn();
        assert_eq!(c.cmd(&["DBSIZE"]), Frame::Integer(1), "{}", s.name());
        assert_eq!(
            info(&mut c, "persistence", "rdb_last_load_keys_expired"),
            "1"
        );
        assert_eq!(
            info(&mut c, "persistence", "rdb_last_load_keys_loaded"),
            "1"
        );
        assert_in_order(
            &s.log(),
            &["Done loading RDB, keys loaded: 1, keys expired: 1."],
        );
    }
}

// ---------------------------------------------------------------------------
// BGSAVE
// ---------------------------------------------------------------------------

/// What a writing client saw during a BGSAVE.
struct Stall {
    /// SETs written in all.
    writes: usize,
    /// SETs whose round trip overlapped the save (from BGSAVE sent to the
    /// end of the child seen in INFO).
    during: usize,
    /// Longest round trip among those.
    max: Duration,
    /// Their 99th percentile.
    p99: Duration,
    /// The value of `w` at the fork is the index of the last write
    /// before it; the writes after it are what remains to be saved.
    last_index: usize,
}

/// Runs BGSAVE on `s` while another connection writes `SET w <i>`, one
/// round trip at a time, from before the BGSAVE (so the fork itself is
/// inside the window) until INFO shows the child gone.
fn bgsave_under_writes(s: &Server) -> Stall {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let stop = AtomicBool::new(false);
    let written = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut c = s.conn();
            let mut log = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let i = log.len();
                let start = Instant::now();
                assert_eq!(c.cmd(&["SET", "w", &i.to_string()]), simple("OK"));
                log.push((start, start.elapsed()));
                written.store(log.len(), Ordering::SeqCst);
            }
            log
        });
        poll_until(EXIT_DEADLINE, || {
            (written.load(Ordering::SeqCst) >= 100).then_some(())
        })
        .expect("the writer runs");
        let mut c = s.conn();
        let from = Instant::now();
        bgsave_and_wait(&mut c, Duration::from_secs(300));
        let to = Instant::now();
        stop.store(true, Ordering::SeqCst);
        let log = writer.join().expect("writer");
        let mut during: Vec<Duration> = log
            .iter()
            .filter(|(start, rtt)| *start + *rtt >= from && *start <= to)
            .map(|(_, rtt)| *rtt)
            .collect();
        during.sort();
        let last_index = text(&c.cmd(&["GET", "w"])).parse().expect("index");
        Stall {
            writes: log.len(),
            during: during.len(),
            max: during.last().copied().unwrap_or_default(),
            p99: during
                .get(during.len() * 99 / 100)
                .copied()
                .unwrap_or_default(),
            last_index,
        }
    })
}

/// BGSAVE of 1,000,000 keys forks a child while the server keeps
/// answering a writing client; the changes made meanwhile remain to be
/// saved, the file holds the dataset of the moment of the fork. The
/// longest stall the writer sees (fork included) is measured and printed,
/// not asserted (it depends on the machine and the build profile); the
/// oracle's is printed beside it.
#[test]
fn bgsave_serves_clients_while_saving_a_million_keys() {
    const KEYS: i64 = 1_000_000;
    for bin in [OUR_BIN, REDIS_BIN] {
        let dir = tempfile::tempdir().unwrap();
        let s = server_in(bin, dir.path(), &[]);
        let mut c = s.conn();
        c.set_read_timeout(Duration::from_secs(300));
        assert_eq!(
            c.cmd(&["DEBUG", "POPULATE", &KEYS.to_string()]),
            simple("OK")
        );
        let stall = bgsave_under_writes(&s);
        eprintln!(
            "BGSAVE of {KEYS} keys by {}: {} SETs, {} overlapping the save; longest round trip {:.3} ms, p99 {:.3} ms; latest_fork_usec {}",
            s.name(),
            stall.writes,
            stall.during,
            stall.max.as_secs_f64() * 1000.0,
            stall.p99.as_secs_f64() * 1000.0,
            info(&mut c, "stats", "latest_fork_usec"),
        );
        assert!(stall.during > 0, "no write was answered during the save");
        assert_eq!(info(&mut c, "persistence", "rdb_last_bgsave_status"), "ok");
        assert_eq!(info(&mut c, "stats", "total_forks"), "1");
        assert_in_order(
            &s.log(),
            &[
                "Background saving started by pid ",
                "DB saved on disk",
                "Background saving terminated with success",
            ],
        );
        // The file is the dataset at the fork: the populated keys and the
        // last value of `w` written before it. What was written after
        // it is what remains to be saved.
        assert_eq!(c.cmd(&["DEBUG", "RELOAD", "NOSAVE"]), simple("OK"));
        assert_eq!(c.cmd(&["DBSIZE"]), Frame::Integer(KEYS + 1));
        let at_fork: usize = text(&c.cmd(&["GET", "w"])).parse().unwrap();
        assert!(at_fork < stall.last_index, "no write after the fork");
        assert_eq!(
            info_num(&mut c, "persistence", "rdb_changes_since_last_save"),
            (stall.last_index - at_fork) as i64
        );
    }
}

/// The child logs as a child (its own pid, role C); its temp file is
/// renamed away.
#[test]
fn bgsave_child_logs_under_its_own_pid() {
    let dir = tempfile::tempdir().unwrap();
    let (s, mut c) = ours_filled(dir.path());
    bgsave_and_wait(&mut c, EXIT_DEADLINE);
    let log = s.log();
    let child: u32 = messages(&log)
        .iter()
        .find_map(|m| m.strip_prefix("Background saving started by pid "))
        .expect("started line")
        .parse()
        .unwrap();
    assert_ne!(child, s.pid());
    for line in ["DB saved on disk", "Fork CoW for RDB: current "] {
        assert!(
            log.lines()
                .any(|l| l.starts_with(&format!("{child}:C ")) && l.contains(line)),
            "child line {line:?} missing:\n{log}"
        );
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rdb"))
        .collect();
    assert_eq!(names, vec!["dump.rdb".to_string()]);
    let back = ours_in(dir.path(), &[]);
    assert_eq!(digest(&mut back.conn()), digest(&mut c));
}

/// The replies of SAVE, BGSAVE, BGSAVE SCHEDULE and BGSAVE in MULTI, with
/// and without a save running, are Redis's.
#[test]
fn save_and_bgsave_replies_match_redis() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    for cmd in [
        &["DEBUG", "POPULATE", "200"][..],
        &["BGSAVE", "now"],
        &["BGSAVE", "schedule", "x"],
        &["SAVE", "x"],
        // A save that lasts: 200 keys, 10 ms each.
        &["CONFIG", "SET", "rdb-key-save-delay", "10000"],
        &["BGSAVE"],
        &["BGSAVE"],
        &["BGSAVE", "SCHEDULE"],
        &["SAVE"],
        &["MULTI"],
        &["BGSAVE"],
        &["EXEC"],
        &["MULTI"],
        &["SAVE"],
        &["EXEC"],
    ] {
        same(&mut a, &mut b, cmd);
    }
    for c in [&mut a, &mut b] {
        assert_eq!(info(c, "persistence", "rdb_bgsave_in_progress"), "1");
    }
    for c in [&mut a, &mut b] {
        wait_no_child(c, EXIT_DEADLINE);
    }
    // Inside MULTI without a child, BGSAVE is scheduled and runs from cron.
    for cmd in [
        &["CONFIG", "SET", "rdb-key-save-delay", "0"][..],
        &["MULTI"],
        &["BGSAVE"],
        &["EXEC"],
    ] {
        same(&mut a, &mut b, cmd);
    }
    for c in [&mut a, &mut b] {
        wait_info(c, "persistence", "rdb_saves", "2", EXIT_DEADLINE);
        wait_no_child(c, EXIT_DEADLINE);
        assert_eq!(info(c, "persistence", "rdb_last_bgsave_status"), "ok");
    }
    same(&mut a, &mut b, &["SAVE"]);
    for c in [&mut a, &mut b] {
        assert_eq!(info(c, "persistence", "rdb_saves"), "3");
        // Seconds the last BGSAVE took: how many depends on the machine.
        let secs = info(c, "persistence", "rdb_last_bgsave_time_sec");
        assert!(
            secs.parse::<u64>().is_ok(),
            "rdb_last_bgsave_time_sec:{secs}"
        );
    }
}

/// While a child saves, INFO shows it; FLUSHALL kills it (SIGUSR1, not a
/// failure) and SHUTDOWN kills it before exiting; no temp file is left.
#[test]
fn running_child_in_info_flushall_and_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = ours_in(dir.path(), &["--rdb-key-save-delay", "20000"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "100"]), simple("OK"));
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    assert_eq!(info(&mut c, "persistence", "rdb_bgsave_in_progress"), "1");
    assert_eq!(
        info(&mut c, "persistence", "current_save_keys_total"),
        "100"
    );
    assert!(info_num(&mut c, "persistence", "rdb_current_bgsave_time_sec") >= 0);
    assert_eq!(info(&mut c, "stats", "total_forks"), "1");
    assert!(info_num(&mut c, "stats", "latest_fork_usec") > 0);
    assert_eq!(c.cmd(&["FLUSHALL"]), simple("OK"));
    assert_eq!(info(&mut c, "persistence", "rdb_bgsave_in_progress"), "0");
    assert_eq!(info(&mut c, "persistence", "rdb_last_bgsave_status"), "ok");
    assert_eq!(
        info(&mut c, "persistence", "rdb_current_bgsave_time_sec"),
        "-1"
    );
    assert_in_order(&s.log(), &["Background saving terminated by signal 10"]);

    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "100"]), simple("OK"));
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    c.send_raw(&resp::encode_command(&["SHUTDOWN", "NOSAVE"]));
    assert!(c.wait_closed(EXIT_DEADLINE));
    assert!(s.wait_exit().success());
    // As in Redis, the killed child of an exiting server is not reported.
    let tail = messages_after_ready(&s.log());
    let from = tail
        .iter()
        .position(|m| m == "User requested shutdown...")
        .expect("shutdown line");
    assert_eq!(
        tail[from..],
        [
            "User requested shutdown...",
            "There is a child saving an .rdb. Killing it!",
            "Redis is now ready to exit, bye bye...",
        ]
    );
    let temps = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("temp-")
        })
        .count();
    assert_eq!(temps, 0);
}

/// A child killed in the middle of writing leaves the previous dump as it
/// was (the snapshot goes to a temp file that is only renamed when
/// complete), and its temp file is removed.
#[test]
fn a_killed_save_never_leaves_a_torn_dump() {
    let dir = tempfile::tempdir().unwrap();
    let s = ours_in(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "300"]), simple("OK"));
    assert_eq!(c.cmd(&["SAVE"]), simple("OK"));
    let saved = dump_of(dir.path());
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "600", "other"]), simple("OK"));
    let delay = ["CONFIG", "SET", "rdb-key-save-delay", "10000"];
    assert_eq!(c.cmd(&delay), simple("OK"));
    assert_eq!(c.cmd(&["BGSAVE"]), simple("Background saving started"));
    let child = messages(&s.log())
        .iter()
        .find_map(|m| {
            m.strip_prefix("Background saving started by pid ")
                .map(str::to_string)
        })
        .expect("child pid");
    let temp = dir.path().join(format!("temp-{child}.rdb"));
    // 900 keys at 10 ms each: the child is mid-way for seconds.
    poll_until(EXIT_DEADLINE, || temp.exists().then_some(()))
        .expect("the child writes its temp file");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &child])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_failed_save(&mut c);
    assert_in_order(&s.log(), &["Background saving terminated by signal 9"]);
    assert!(!temp.exists(), "temp file left behind");
    assert_eq!(dump_of(dir.path()), saved);
}

// ---------------------------------------------------------------------------
// Save points
// ---------------------------------------------------------------------------

/// `save 1 1`: a change is saved by a BGSAVE from cron once more than a
/// second has passed since the last save. After a failed save the next
/// attempt waits more than 5 seconds.
#[test]
fn save_points_fire_and_retry_after_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let s = ours_in(dir.path(), &["--save", "1", "1"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), simple("OK"));
    wait_info(
        &mut c,
        "persistence",
        "rdb_saves",
        "1",
        Duration::from_secs(10),
    );
    wait_info(
        &mut c,
        "persistence",
        "rdb_changes_since_last_save",
        "0",
        EXIT_DEADLINE,
    );
    assert_in_order(
        &s.log(),
        &[
            "1 changes in 1 seconds. Saving...",
            "Background saving started by pid ",
            "Background saving terminated with success",
        ],
    );
    assert!(dir.path().join("dump.rdb").is_file());

    // A directory where the dump goes makes every save fail.
    std::fs::remove_file(dir.path().join("dump.rdb")).unwrap();
    std::fs::create_dir_all(dir.path().join("dump.rdb/x")).unwrap();
    assert_eq!(c.cmd(&["SET", "k", "v2"]), simple("OK"));
    let errors = |s: &Server| {
        messages(&s.log())
            .iter()
            .filter(|m| *m == "Background saving error")
            .count()
    };
    poll_until(Duration::from_secs(10), || (errors(&s) == 1).then_some(())).expect("first failure");
    let first = Instant::now();
    poll_until(Duration::from_secs(15), || (errors(&s) == 2).then_some(())).expect("a retry");
    let gap = first.elapsed();
    assert!(
        gap >= Duration::from_millis(4500) && gap < Duration::from_secs(8),
        "retry after {gap:?}"
    );
}

// ---------------------------------------------------------------------------
// SHUTDOWN and signals
// ---------------------------------------------------------------------------

/// How a test asks a server to stop.
#[derive(Clone, Copy, Debug)]
enum Stop {
    Shutdown,
    Sigterm,
}

/// Stops `s` as `how` says and waits for its exit; returns its log.
fn stop(mut s: Server, how: Stop) -> String {
    match how {
        Stop::Shutdown => {
            let mut c = s.conn();
            c.send_raw(&resp::encode_command(&["SHUTDOWN"]));
            assert!(c.wait_closed(EXIT_DEADLINE));
        }
        Stop::Sigterm => s.signal("TERM"),
    }
    assert!(s.wait_exit().success(), "{:?} exit status", how);
    s.log()
}

/// With save points, SHUTDOWN and SIGTERM save before exiting, with
/// Redis's log lines; the restarted server has the same data.
#[test]
fn shutdown_and_sigterm_save_the_dataset() {
    for how in [Stop::Shutdown, Stop::Sigterm] {
        let mut logs = Vec::new();
        for bin in [OUR_BIN, REDIS_BIN] {
            let dir = tempfile::tempdir().unwrap();
            let s = server_in(bin, dir.path(), &["--save", "3600", "1"]);
            let mut c = s.conn();
            fill(&mut c);
            let before = digest(&mut c);
            let log = stop(s, how);
            logs.push(messages_after_ready(&log));
            let again = server_in(bin, dir.path(), &["--save", "3600", "1"]);
            assert_eq!(digest(&mut again.conn()), before, "{bin} {how:?}");
        }
        assert_eq!(logs[0], logs[1], "{how:?}: log lines (ours, then Redis)");
        let expected_tail = [
            "User requested shutdown...",
            "Saving the final RDB snapshot before exiting.",
            "DB saved on disk",
            "Redis is now ready to exit, bye bye...",
        ];
        assert!(
            logs[0].ends_with(&expected_tail.map(String::from)),
            "{:?}",
            logs[0]
        );
    }
}

/// SHUTDOWN NOSAVE exits without saving, SHUTDOWN SAVE saves even
/// without save points.
#[test]
fn shutdown_nosave_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let s = ours_in(dir.path(), &["--save", "3600", "1"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), simple("OK"));
    c.send_raw(&resp::encode_command(&["SHUTDOWN", "NOSAVE"]));
    assert!(c.wait_closed(EXIT_DEADLINE));
    assert!(!dir.path().join("dump.rdb").exists());
    let mut s = s;
    assert!(s.wait_exit().success());
    assert!(!messages(&s.log())
        .iter()
        .any(|m| m.contains("Saving the final")));

    let s = ours_in(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "k", "v"]), simple("OK"));
    c.send_raw(&resp::encode_command(&["SHUTDOWN", "SAVE"]));
    assert!(c.wait_closed(EXIT_DEADLINE));
    let mut s = s;
    assert!(s.wait_exit().success());
    let again = ours_in(dir.path(), &[]);
    assert_eq!(again.conn().cmd(&["GET", "k"]), bulk("v"));
}

// ---------------------------------------------------------------------------
// Failed saves
// ---------------------------------------------------------------------------

/// When the dump cannot be written: SAVE says -ERR; a failed BGSAVE turns
/// on MISCONF for writes and PING; SHUTDOWN is refused and SIGTERM does
/// not stop the server; SHUTDOWN FORCE exits. Replies and log lines are
/// Redis's.
#[test]
fn failed_saves_keep_the_server_running() {
    let mut logs = Vec::new();
    let mut replies = Vec::new();
    for bin in [OUR_BIN, REDIS_BIN] {
        let dir = tempfile::tempdir().unwrap();
        let mut s = server_in(bin, dir.path(), &["--save", "3600", "1"]);
        std::fs::create_dir_all(dir.path().join("dump.rdb/x")).unwrap();
        let mut c = s.conn();
        let mut got = vec![
            c.cmd(&["SET", "k", "v"]),
            c.cmd(&["SAVE"]),
            c.cmd(&["SET", "k", "v"]),
            c.cmd(&["BGSAVE"]),
        ];
        wait_failed_save(&mut c);
        for cmd in [
            &["SET", "k", "v"][..],
            &["PING"],
            &["GET", "k"],
            &["MULTI"],
            &["GET", "k"],
            &["EXEC"],
            &["SHUTDOWN"],
        ] {
            got.push(c.cmd(cmd));
        }
        s.signal("TERM");
        let refused = "Errors trying to shut down the server. Check the logs for more information.";
        poll_until(EXIT_DEADLINE, || {
            let n = messages(&s.log()).iter().filter(|m| *m == refused).count();
            (n == 2).then_some(())
        })
        .expect("SIGTERM refused");
        got.push(c.cmd(&["GET", "k"]));
        got.push(c.cmd(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"]));
        got.push(c.cmd(&["SET", "k", "v2"]));
        c.send_raw(&resp::encode_command(&["SHUTDOWN", "FORCE"]));
        assert!(c.wait_closed(EXIT_DEADLINE));
        assert!(s.wait_exit().success());
        replies.push(got);
        let log = s.log();
        let root = dir.path().display().to_string();
        logs.push(
            messages_after_ready(&log)
                .into_iter()
                .map(|m| {
                    m.replace(&format!("{}", s.pid()), "PID")
                        .replace(&root, "DIR")
                })
                .filter(|m| !m.starts_with("Background saving started by pid"))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(replies[0], replies[1], "replies (ours, then Redis)");
    assert!(matches!(&replies[0][1], Frame::Error(e) if e == "ERR"));
    assert!(matches!(&replies[0][4], Frame::Error(e) if e.starts_with("MISCONF ")));
    // The child's line carries the child's pid: compare the parent's.
    for log in &mut logs {
        log.retain(|m| !m.contains("temp-") || m.contains("temp-PID"));
    }
    assert_eq!(logs[0], logs[1], "log lines (ours, then Redis)");
}

// ---------------------------------------------------------------------------
// Damaged files
// ---------------------------------------------------------------------------

/// Truncated, corrupt, empty and foreign files are refused with exit code
/// 1 and the lines Redis logs; nothing is served from them.
#[test]
fn damaged_dump_files_are_refused() {
    let (good, _) = saved_dataset();
    let n = good.len();
    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [0, 5, 9, 40, n / 3, n / 2, n - 9, n - 1] {
        variants.push((format!("cut at {cut}"), good[..cut].to_vec()));
    }
    let mut crc = good.clone();
    crc[n - 3] ^= 0xff;
    variants.push(("checksum byte".into(), crc));
    // A byte inside a string's content: only the checksum can tell.
    let mut body = good.clone();
    let at = good
        .windows(11)
        .position(|w| w == b"hello world")
        .expect("s:raw in the file");
    body[at + 3] ^= 0x01;
    variants.push(("payload byte".into(), body));
    let mut magic = good.clone();
    magic[0] = b'X';
    variants.push(("signature".into(), magic));
    let mut version = good.clone();
    version[8] = b'1';
    variants.push(("version 11".into(), version));
    for (what, bytes) in variants {
        let mut seen = Vec::new();
        for bin in [OUR_BIN, REDIS_BIN] {
            let d = dir_with_dump(&bytes);
            let (code, log) = run_failing(bin, d.path());
            assert_eq!(code, Some(1), "{what}: {bin} exit\n{log}");
            assert!(!log.contains("Ready to accept"), "{what}: {bin} served");
            // Redis then runs redis-check-rdb, whose report is not a log
            // line: compare the log lines from initialisation on.
            let msgs = messages(&log);
            let from = msgs
                .iter()
                .position(|m| m == "Server initialized")
                .expect("initialised");
            seen.push(msgs[from..].to_vec());
        }
        assert_eq!(seen[0], seen[1], "{what}: log lines (ours, then Redis)");
    }
}

/// A file saved with `rdbchecksum no` (a zero checksum) loads, with
/// Redis's warning that it could not be checked.
#[test]
fn a_zero_checksum_loads_with_a_warning() {
    let (mut bytes, before) = saved_dataset();
    let n = bytes.len();
    bytes[n - 8..].fill(0);
    for bin in [OUR_BIN, REDIS_BIN] {
        let d = dir_with_dump(&bytes);
        let s = server_in(bin, d.path(), &[]);
        assert_eq!(digest(&mut s.conn()), before, "{bin}");
        assert_in_order(
            &s.log(),
            &[
                "RDB file was saved with checksum disabled: no check performed.",
                "Done loading RDB, keys loaded: ",
            ],
        );
    }
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

/// While the dump loads, clients are connected and answered: commands not
/// flagged `loading` get -LOADING, INFO shows the progress; afterwards
/// everything is there. A shutdown during loading exits at once without
/// saving.
#[test]
fn clients_get_loading_while_the_dump_loads() {
    const KEYS: i64 = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let s = ours_in(dir.path(), &[]);
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["DEBUG", "POPULATE", &KEYS.to_string()]),
        simple("OK")
    );
    assert_eq!(c.cmd(&["SAVE"]), simple("OK"));
    drop(s);
    let saved = dump_of(dir.path());
    // Slow enough to watch: 100 µs per key, events every KiB.
    let slow = [
        "--key-load-delay",
        "100",
        "--loading-process-events-interval-bytes",
        "1024",
        "--save",
        "3600",
        "1",
    ];
    let mut replies = Vec::new();
    for bin in [OUR_BIN, REDIS_BIN] {
        let d = dir_with_dump(&saved);
        let s = server_in(bin, d.path(), &slow);
        let mut c = s.conn();
        let mut got = vec![
            c.cmd(&["GET", "key:1"]),
            c.cmd(&["PING"]),
            c.cmd(&["SET", "a", "b"]),
        ];
        got.push(c.cmd(&["CONFIG", "GET", "key-load-delay"]));
        assert_eq!(info(&mut c, "persistence", "loading"), "1", "{bin}");
        assert_eq!(
            info_num(&mut c, "persistence", "loading_total_bytes"),
            saved.len() as i64
        );
        wait_info(
            &mut c,
            "persistence",
            "loading",
            "0",
            Duration::from_secs(120),
        );
        got.push(c.cmd(&["DBSIZE"]));
        got.push(c.cmd(&["GET", "key:1"]));
        replies.push(got);
    }
    assert_eq!(replies[0], replies[1], "replies (ours, then Redis)");
    assert_eq!(
        replies[0][0],
        error("LOADING Redis is loading the dataset in memory")
    );
    assert_eq!(replies[0][4], Frame::Integer(KEYS));

    // SIGTERM and SHUTDOWN during loading: no final save, exit 0.
    for how in [Stop::Sigterm, Stop::Shutdown] {
        let s = ours_in(dir.path(), &slow);
        assert_eq!(info(&mut s.conn(), "persistence", "loading"), "1");
        let log = stop(s, how);
        let msgs = messages(&log);
        assert!(
            !msgs.iter().any(|m| m.contains("Saving the final")),
            "{log}"
        );
        assert!(
            !msgs.iter().any(|m| m.starts_with("Ready to accept")),
            "{log}"
        );
        if let Stop::Sigterm = how {
            assert_in_order(
                &log,
                &["Received shutdown signal during loading, scheduling shutdown."],
            );
        }
        assert_eq!(dump_of(dir.path()), saved);
    }
}

// ---------------------------------------------------------------------------
// FLUSHALL and DEBUG RELOAD
// ---------------------------------------------------------------------------

/// FLUSHALL with save points saves the empty dataset (nothing left to
/// save, RDB saves not counted); without, it counts the keys it removed.
#[test]
fn flushall_resets_the_save_state_as_redis() {
    let (ours, redis) = Server::pair(&["--save", "3600", "1"]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    let fields = |c: &mut Conn| {
        [
            "rdb_changes_since_last_save",
            "rdb_saves",
            "rdb_bgsave_in_progress",
            "rdb_last_bgsave_status",
        ]
        .map(|f| info(c, "persistence", f))
    };
    for cmds in [
        vec![
            vec!["SET", "a", "1"],
            vec!["SET", "b", "2"],
            vec!["FLUSHALL"],
        ],
        vec![vec!["FLUSHALL"]],
        vec![
            vec!["CONFIG", "SET", "save", ""],
            vec!["SET", "a", "1"],
            vec!["SET", "b", "2"],
            vec!["FLUSHALL"],
        ],
        vec![vec!["FLUSHALL"], vec!["FLUSHALL", "SYNC"]],
    ] {
        for cmd in &cmds {
            same(&mut a, &mut b, cmd);
        }
        assert_eq!(fields(&mut a), fields(&mut b), "after {cmds:?}");
    }
    for s in [&ours, &redis] {
        assert!(s.dir().join("dump.rdb").is_file(), "{}", s.name());
    }
}

/// DEBUG RELOAD saves, empties and loads back to the same digest; its
/// options and errors are Redis's.
#[test]
fn debug_reload_matches_redis() {
    let (ours, redis) = Server::pair(&[]);
    let (mut a, mut b) = (ours.conn(), redis.conn());
    fill(&mut a);
    fill(&mut b);
    let d = same(&mut a, &mut b, &["DEBUG", "DIGEST"]);
    same(&mut a, &mut b, &["DEBUG", "RELOAD"]);
    assert_eq!(same(&mut a, &mut b, &["DEBUG", "DIGEST"]), d);
    for c in [&mut a, &mut b] {
        assert_eq!(info(c, "persistence", "rdb_changes_since_last_save"), "0");
        assert_eq!(info(c, "persistence", "rdb_saves"), "0");
    }
    let loaded = [&mut a, &mut b].map(|c| info(c, "persistence", "rdb_last_load_keys_loaded"));
    assert_eq!(loaded[0], loaded[1]);
    same(&mut a, &mut b, &["DEBUG", "RELOAD", "FOO"]);
    same(&mut a, &mut b, &["SET", "extra", "1"]);
    same(&mut a, &mut b, &["DEL", "s:int"]);
    // NOSAVE: back to the file; the change count stays.
    same(&mut a, &mut b, &["DEBUG", "RELOAD", "NOSAVE"]);
    assert_eq!(same(&mut a, &mut b, &["DEBUG", "DIGEST"]), d);
    same(&mut a, &mut b, &["DBSIZE"]);
    assert_eq!(
        info(&mut a, "persistence", "rdb_changes_since_last_save"),
        info(&mut b, "persistence", "rdb_changes_since_last_save")
    );
    // NOSAVE NOFLUSH MERGE: the file's keys added to the dataset.
    same(&mut a, &mut b, &["FLUSHALL"]);
    same(&mut a, &mut b, &["SET", "s:int", "other"]);
    same(&mut a, &mut b, &["SET", "mine", "1"]);
    same(
        &mut a,
        &mut b,
        &["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"],
    );
    same(&mut a, &mut b, &["DBSIZE"]);
    same(&mut a, &mut b, &["GET", "s:int"]);
    same(&mut a, &mut b, &["DEBUG", "DIGEST"]);
    // No file at all.
    for s in [&ours, &redis] {
        std::fs::remove_file(s.dir().join("dump.rdb")).unwrap();
    }
    same(&mut a, &mut b, &["DEBUG", "RELOAD", "NOSAVE"]);
    same(&mut a, &mut b, &["DEBUG", "DIGEST"]);
}
