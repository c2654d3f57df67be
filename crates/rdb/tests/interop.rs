//! Goal: our RDB files and Redis 7.0.15's are interchangeable. A file
//! saved by redis-server loads with our reader to the same keys, values,
//! TTLs and encodings that redis-server itself gives them on reload; a
//! file written by our writer loads in redis-server to the same DEBUG
//! DIGEST, per-key DEBUG DIGEST-VALUE and OBJECT ENCODING; DUMP payloads
//! go both ways, byte for byte where Redis's output is deterministic; and
//! hand-built files in pre-7.0 encodings (ziplist, zipmap, linked list,
//! text scores) load the same in both.
//!
//! Reference: rdb.c `rdbSaveRio`, `rdbLoadRioWithLoadingCtx`,
//! `rdbLoadObject`; debug.c `computeDatasetDigest`; cluster.c
//! `createDumpPayload`, `restoreCommand`; redis-check-rdb.c.
//!
//! The oracle is /usr/bin/redis-server (Debian's 7.0.15 package); each
//! test starts its own instances on free loopback ports and kills them
//! when it ends.

use keyspace::{digest, digest_value, hex, Keyspace, Value};
use rdb::{AuxFields, Limits, LoadOptions, ReplInfo, SaveOptions};
use resp::{encode_command, parse_frame, Frame};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Harness: an oracle process owned by the test, and a RESP connection
// ---------------------------------------------------------------------------

const REDIS_BIN: &str = "/usr/bin/redis-server";
const CHECK_RDB_BIN: &str = "/usr/bin/redis-check-rdb";
const DEADLINE: Duration = Duration::from_secs(30);

/// A redis-server owned by the test: killed on drop, its log printed if
/// the test failed.
struct Oracle {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Oracle {
    /// Starts redis-server with `dir` as its working directory and, if
    /// given, `dbfilename` to load at startup. Waits (bounded poll) until
    /// it answers as the process just started and has finished loading.
    fn start(dir: &Path, dbfilename: &str) -> Oracle {
        for _ in 0..8 {
            if let Some(o) = Oracle::try_start(dir, dbfilename) {
                return o;
            }
        }
        panic!("redis-server never started on a free port");
    }

    fn try_start(dir: &Path, dbfilename: &str) -> Option<Oracle> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = dir.join(format!("redis-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(REDIS_BIN)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--enable-debug-command", "yes"])
            .args(["--dbfilename", dbfilename])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::from(log_file.try_clone().expect("log")))
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("spawn redis-server");
        let mut o = Oracle { child, port, log };
        let pid = o.child.id().to_string();
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end {
            if let Ok(Some(status)) = o.child.try_wait() {
                let log = o.log_text();
                if log.contains("Address already in use") {
                    return None;
                }
                panic!("redis-server exited ({status}):\n{log}");
            }
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
                let mut c = Conn::new(stream);
                let info = c.try_cmd(&["INFO", "server"]).ok().map(|f| text(&f));
                match info {
                    Some(info) if field(&info, "process_id").as_deref() == Some(&pid) => {
                        o.wait_loaded();
                        return Some(o);
                    }
                    // Another test's server answered on this port.
                    Some(_) => return None,
                    None => {}
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start:\n{}", o.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn conn(&self) -> Conn {
        Conn::new(TcpStream::connect(("127.0.0.1", self.port)).expect("connect"))
    }

    /// Polls INFO persistence until `loading:0`.
    fn wait_loaded(&self) {
        let mut c = self.conn();
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end {
            let info = text(&c.cmd(&["INFO", "persistence"]));
            if field(&info, "loading").as_deref() == Some("0") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server still loading:\n{}", self.log_text());
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- redis-server log, port {} ---\n{}",
                self.port,
                self.log_text()
            );
        }
    }
}

/// A RESP connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn new(stream: TcpStream) -> Conn {
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    fn read_frame(&mut self) -> Result<Frame, String> {
        loop {
            if let Some((f, used)) = parse_frame(&self.buf)? {
                self.buf.drain(..used);
                return Ok(f);
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("connection closed".into()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    fn try_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, String> {
        self.stream
            .write_all(&encode_command(args))
            .map_err(|e| e.to_string())?;
        self.read_frame()
    }

    fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Frame {
        let f = self.try_cmd(args).expect("reply");
        if let Frame::Error(e) = &f {
            panic!(
                "{:?} failed: {e}",
                args.iter()
                    .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
                    .collect::<Vec<_>>()
            );
        }
        f
    }

    /// Sends many commands at once and checks that none failed.
    fn pipeline(&mut self, cmds: &[Vec<Vec<u8>>]) {
        let mut out = Vec::new();
        for c in cmds {
            out.extend_from_slice(&encode_command(c));
        }
        self.stream.write_all(&out).expect("write");
        for c in cmds {
            if let Frame::Error(e) = self.read_frame().expect("reply") {
                panic!("{:?} failed: {e}", String::from_utf8_lossy(&c[0]));
            }
        }
    }
}

fn text(f: &Frame) -> String {
    String::from_utf8_lossy(&bytes(f)).into_owned()
}

fn bytes(f: &Frame) -> Vec<u8> {
    match f {
        Frame::Bulk(b) => b.clone(),
        Frame::Simple(s) => s.clone().into_bytes(),
        Frame::Integer(n) => n.to_string().into_bytes(),
        other => panic!("not a string reply: {other:?}"),
    }
}

fn items(f: &Frame) -> Vec<Vec<u8>> {
    match f {
        Frame::Array(a) => a.iter().map(bytes).collect(),
        other => panic!("not an array reply: {other:?}"),
    }
}

fn int(f: &Frame) -> i64 {
    match f {
        Frame::Integer(n) => *n,
        other => panic!("not an integer reply: {other:?}"),
    }
}

fn field(info: &str, name: &str) -> Option<String> {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_string())
}

fn args(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

// ---------------------------------------------------------------------------
// Data set and comparison
// ---------------------------------------------------------------------------

/// Deterministic bytes that LZF cannot compress.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Expiry far in the future so nothing expires during the test.
const FAR_MS: &[u8] = b"4102444800000";

/// Fills the oracle with every type in every encoding, in several
/// databases, with binary keys and TTLs.
fn populate(c: &mut Conn) {
    let mut cmds: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut add = |parts: &[&[u8]]| cmds.push(args(parts));
    // Strings: int, embstr, raw, compressible, incompressible, binary.
    add(&[b"SET", b"int8", b"-100"]);
    add(&[b"SET", b"int16", b"30000"]);
    add(&[b"SET", b"int32", b"-2000000000"]);
    add(&[b"SET", b"int64", b"9223372036854775807"]);
    add(&[b"SET", b"zero-padded", b"007"]);
    add(&[b"SET", b"short", b"hello"]);
    add(&[b"SET", b"embstr-44", &[b'e'; 44]]);
    add(&[b"SET", b"raw-compressible", &b"abcdefgh".repeat(200)]);
    add(&[b"SET", b"raw-incompressible", &noise(3000, 7)]);
    add(&[b"SET", b"empty", b""]);
    add(&[b"SET", b"\x00bin\xff\r\nkey", b"\x00\x01\xfe"]);
    add(&[b"SET", b"appended", b"ab"]);
    add(&[b"APPEND", b"appended", b"cd"]);
    add(&[b"SET", b"ttl-string", b"expires", b"PXAT", FAR_MS]);
    // Lists: one node, many nodes, a large element, integers.
    add(&[b"RPUSH", b"list-small", b"a", b"1", b"-70000", b"", b"300"]);
    let big: Vec<Vec<u8>> = (0..20000)
        .map(|i| format!("element-{i}").into_bytes())
        .collect();
    let mut rpush: Vec<&[u8]> = vec![b"RPUSH", b"list-big"];
    rpush.extend(big.iter().map(|e| &e[..]));
    add(&rpush);
    let huge = b"H".repeat(30000);
    add(&[b"RPUSH", b"list-huge-element", b"x", &huge, b"y"]);
    add(&[b"LPUSH", b"list-ttl", b"1", b"2", b"3"]);
    add(&[b"PEXPIREAT", b"list-ttl", FAR_MS]);
    // Hashes: listpack, hashtable by count, hashtable by value length.
    add(&[
        b"HSET",
        b"hash-small",
        b"f1",
        b"v1",
        b"n",
        b"42",
        b"neg",
        b"-5",
    ]);
    let fields: Vec<Vec<u8>> = (0..1000)
        .map(|i| format!("field:{i}").into_bytes())
        .collect();
    let mut hset: Vec<&[u8]> = vec![b"HSET", b"hash-big"];
    for f in &fields {
        hset.push(f);
        hset.push(f);
    }
    add(&hset);
    add(&[b"HSET", b"hash-long-value", b"f", &b"v".repeat(100)]);
    // Sets: intset (16, 32, 64-bit), hashtable by count, strings.
    add(&[b"SADD", b"set-int16", b"1", b"-5", b"300"]);
    add(&[
        b"SADD",
        b"set-int64",
        b"1",
        b"-9223372036854775808",
        b"70000",
    ]);
    let ints: Vec<Vec<u8>> = (0..1000)
        .map(|i| (i * 3).to_string().into_bytes())
        .collect();
    let mut sadd: Vec<&[u8]> = vec![b"SADD", b"set-ints-big"];
    sadd.extend(ints.iter().map(|e| &e[..]));
    add(&sadd);
    add(&[b"SADD", b"set-strings", b"a", b"b", b"12", b"\x00"]);
    // Sorted sets: listpack, skiplist by count, skiplist by member length.
    add(&[
        b"ZADD",
        b"zset-small",
        b"1.5",
        b"a",
        b"-2",
        b"b",
        b"inf",
        b"c",
        b"-inf",
        b"d",
        b"0.1",
        b"e",
        b"3e100",
        b"f",
    ]);
    let members: Vec<Vec<u8>> = (0..300)
        .map(|i| format!("member-{i}").into_bytes())
        .collect();
    let scores: Vec<Vec<u8>> = (0..300)
        .map(|i| format!("{}", i as f64 / 7.0).into_bytes())
        .collect();
    let mut zadd: Vec<&[u8]> = vec![b"ZADD", b"zset-big"];
    for (m, s) in members.iter().zip(&scores) {
        zadd.push(s);
        zadd.push(m);
    }
    add(&zadd);
    add(&[b"ZADD", b"zset-long-member", b"1", &b"m".repeat(100)]);
    add(&[b"PEXPIREAT", b"zset-small", FAR_MS]);
    // Other databases.
    add(&[b"SELECT", b"1"]);
    add(&[b"SET", b"in-db-1", b"one"]);
    add(&[b"HSET", b"hash-db-1", b"a", b"b"]);
    add(&[b"SELECT", b"15"]);
    add(&[b"RPUSH", b"in-db-15", b"last"]);
    add(&[b"PEXPIREAT", b"in-db-15", FAR_MS]);
    add(&[b"SELECT", b"0"]);
    c.pipeline(&cmds);
}

/// What a key holds, rendered the same way from an oracle's replies and
/// from our value: type, encoding, content, TTL.
#[derive(Debug, PartialEq)]
struct KeyView {
    kind: String,
    encoding: String,
    content: String,
    expire_ms: Option<i64>,
    digest: String,
}

fn render_pairs(mut pairs: Vec<(Vec<u8>, Vec<u8>)>) -> String {
    pairs.sort();
    format!("{pairs:?}")
}

fn render_set(mut members: Vec<Vec<u8>>) -> String {
    members.sort();
    format!("{members:?}")
}

fn render_zset(pairs: Vec<(Vec<u8>, f64)>) -> String {
    format!("{pairs:?}")
}

fn oracle_view(c: &mut Conn, key: &[u8]) -> KeyView {
    let kind = text(&c.cmd(&[&b"TYPE"[..], key]));
    let encoding = text(&c.cmd(&[&b"OBJECT"[..], b"ENCODING", key]));
    let content = match kind.as_str() {
        "string" => format!("{:?}", bytes(&c.cmd(&[&b"GET"[..], key]))),
        "list" => format!("{:?}", items(&c.cmd(&[&b"LRANGE"[..], key, b"0", b"-1"]))),
        "hash" => {
            let flat = items(&c.cmd(&[&b"HGETALL"[..], key]));
            render_pairs(
                flat.chunks(2)
                    .map(|p| (p[0].clone(), p[1].clone()))
                    .collect(),
            )
        }
        "set" => render_set(items(&c.cmd(&[&b"SMEMBERS"[..], key]))),
        "zset" => {
            let flat = items(&c.cmd(&[&b"ZRANGE"[..], key, b"0", b"-1", b"WITHSCORES"]));
            render_zset(
                flat.chunks(2)
                    .map(|p| {
                        let score: f64 = String::from_utf8_lossy(&p[1]).parse().expect("score");
                        (p[0].clone(), score)
                    })
                    .collect(),
            )
        }
        other => panic!("unexpected type {other}"),
    };
    let expire = int(&c.cmd(&[&b"PEXPIRETIME"[..], key]));
    let digest = digest_value_of(c, key);
    KeyView {
        kind,
        encoding: encoding.to_string(),
        content,
        expire_ms: (expire >= 0).then_some(expire),
        digest,
    }
}

fn our_view(ks: &Keyspace, db: usize, key: &[u8]) -> KeyView {
    let d = &ks.dbs[db];
    let v: &Value = d.get(key).expect("key present");
    let content = if let Some(l) = v.as_list() {
        format!("{:?}", l.iter().map(|e| e.to_vec()).collect::<Vec<_>>())
    } else if let Some(h) = v.as_hash() {
        render_pairs(h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect())
    } else if let Some(s) = v.as_set() {
        render_set(s.iter().map(|m| m.into_owned()).collect())
    } else if let Some(z) = v.as_zset() {
        render_zset(z.iter().map(|(m, s)| (m.into_owned(), s)).collect())
    } else {
        format!("{:?}", v.to_vec())
    };
    KeyView {
        kind: v.type_name().to_string(),
        encoding: v.encoding_name().to_string(),
        content,
        expire_ms: d.expire_at(key),
        digest: hex(&digest_value(d, key)),
    }
}

/// DEBUG DIGEST-VALUE of one key (an array of one digest per key).
fn digest_value_of(c: &mut Conn, key: &[u8]) -> String {
    let reply = items(&c.cmd(&[&b"DEBUG"[..], b"DIGEST-VALUE", key]));
    String::from_utf8_lossy(&reply[0]).into_owned()
}

/// Every (db, key) of an oracle.
fn oracle_keys(c: &mut Conn) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    for db in 0..16 {
        c.cmd(&["SELECT", &db.to_string()]);
        let mut keys = items(&c.cmd(&["KEYS", "*"]));
        keys.sort();
        out.extend(keys.into_iter().map(|k| (db, k)));
    }
    c.cmd(&["SELECT", "0"]);
    out
}

/// Compares every key of the oracle with `ks`, and the whole-dataset
/// digest.
fn assert_same(c: &mut Conn, ks: &Keyspace, what: &str) {
    let keys = oracle_keys(c);
    assert_eq!(keys.len(), ks.total_keys(), "{what}: key count");
    for (db, key) in &keys {
        c.cmd(&["SELECT", &db.to_string()]);
        let theirs = oracle_view(c, key);
        let ours = our_view(ks, *db, key);
        assert_eq!(
            ours,
            theirs,
            "{what}: db {db} key {:?}",
            String::from_utf8_lossy(key)
        );
    }
    c.cmd(&["SELECT", "0"]);
    assert_eq!(
        hex(&digest(ks)),
        text(&c.cmd(&["DEBUG", "DIGEST"])),
        "{what}: DEBUG DIGEST"
    );
}

/// Runs redis-check-rdb on a file; returns its output if it says OK.
fn check_rdb(path: &Path) -> String {
    let out = Command::new(CHECK_RDB_BIN)
        .arg(path)
        .output()
        .expect("run redis-check-rdb");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains("RDB looks OK"),
        "redis-check-rdb refused {}:\n{text}{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn load_file(path: &Path) -> (Keyspace, rdb::Loaded) {
    let f = std::io::BufReader::new(std::fs::File::open(path).expect("open rdb"));
    rdb::load_keyspace(f, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn write_file(path: &Path, ks: &Keyspace, opts: SaveOptions, aux: &AuxFields) {
    let f = std::io::BufWriter::new(std::fs::File::create(path).expect("create rdb"));
    let f = rdb::save(f, ks, opts, aux).expect("save");
    f.into_inner().expect("flush").sync_all().expect("sync");
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn files_are_interchangeable_with_redis() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 1. Redis writes a file with every type and encoding.
    let writer = Oracle::start(dir.path(), "dump.rdb");
    let mut c = writer.conn();
    populate(&mut c);
    let original_digest = text(&c.cmd(&["DEBUG", "DIGEST"]));
    c.cmd(&["SAVE"]);
    drop(writer);
    let theirs = dir.path().join("dump.rdb");
    check_rdb(&theirs);

    // 2. Redis reloads its own file: this is the state (encodings
    // included) that a loader must reproduce.
    let reloaded = Oracle::start(dir.path(), "dump.rdb");
    let mut c = reloaded.conn();
    assert_eq!(text(&c.cmd(&["DEBUG", "DIGEST"])), original_digest);

    // 3. Our reader gives the same keys, values, TTLs and encodings.
    let (ks, loaded) = load_file(&theirs);
    assert_eq!(loaded.aux.redis_ver.as_deref(), Some("7.0.15"));
    assert_eq!(loaded.aux.aof_base, Some(false));
    assert_same(&mut c, &ks, "Redis's file loaded by us");

    // 4. Our writer, in each option combination, gives a file that
    // redis-check-rdb accepts and redis-server loads to the same state.
    let variants = [
        ("ours.rdb", SaveOptions::default()),
        (
            "ours-plain.rdb",
            SaveOptions {
                compression: false,
                checksum: false,
                idle_at_ms: None,
            },
        ),
    ];
    for (name, opts) in variants {
        let mut aux = AuxFields::new(1_700_000_000, 1 << 20);
        aux.repl = Some(ReplInfo {
            stream_db: 0,
            id: "0123456789abcdef0123456789abcdef01234567".into(),
            offset: 4242,
        });
        let path = dir.path().join(name);
        write_file(&path, &ks, opts, &aux);
        let report = check_rdb(&path);
        assert!(
            report.contains("AUX FIELD repl-offset = '4242'"),
            "{report}"
        );
        let ours = Oracle::start(dir.path(), name);
        let mut o = ours.conn();
        assert_eq!(
            text(&o.cmd(&["DEBUG", "DIGEST"])),
            original_digest,
            "{name}"
        );
        assert_same(&mut o, &ks, name);
        // And Redis saving what it loaded from our file (over it) gives a
        // file we read back to the same keyspace.
        o.cmd(&["SAVE"]);
        let (again, _) = load_file(&path);
        assert_eq!(hex(&digest(&again)), original_digest);
    }
}

#[test]
fn dump_payloads_go_both_ways() {
    let dir = tempfile::tempdir().expect("tempdir");
    let redis = Oracle::start(dir.path(), "unused.rdb");
    let mut c = redis.conn();
    populate(&mut c);
    // Without compression Redis's output is fully deterministic (its LZF
    // hash table is uninitialised memory, which rarely changes the
    // compressed bytes), so ours must match byte for byte except where
    // iteration order differs: hash tables and multi-node lists.
    c.cmd(&["CONFIG", "SET", "rdbcompression", "no"]);
    let limits = Limits::default();
    let keys = oracle_keys(&mut c);
    let mut exact = 0;
    for (db, key) in &keys {
        c.cmd(&["SELECT", &db.to_string()]);
        let payload = bytes(&c.cmd(&[&b"DUMP"[..], key]));
        assert!(rdb::verify_dump_payload(&payload, true));
        let value = rdb::restore(&payload, &limits).unwrap_or_else(|e| panic!("{e}"));
        let mut ks = Keyspace::new(1);
        ks.dbs[0].set(key, value, false);
        let view = our_view(&ks, 0, key);
        let mut theirs = oracle_view(&mut c, key);
        theirs.expire_ms = None;
        // DIGEST-VALUE mixes in the TTL; compare without it.
        c.cmd(&[&b"PERSIST"[..], key]);
        theirs.digest = digest_value_of(&mut c, key);
        // RESTORE-like loading converts as RDB loading does: a reloaded
        // value's encoding, not necessarily the live one (APPEND leaves a
        // short string raw; a reload makes it embstr).
        if key.as_slice() != b"appended" {
            assert_eq!(view, theirs, "{:?}", String::from_utf8_lossy(key));
        }
        let value = ks.dbs[0].get(key).unwrap();
        let ours = rdb::dump(value, false);
        let ordered = !matches!(view.encoding.as_str(), "hashtable" | "quicklist")
            || (view.kind == "list" && value.as_list().unwrap().nodes().count() == 1);
        if ordered {
            assert_eq!(ours, payload, "DUMP of {:?}", String::from_utf8_lossy(key));
            exact += 1;
        }
        // Our payload, with compression, restores in Redis to the same value.
        let ours = rdb::dump(value, true);
        let copy = [b"copy:".as_slice(), key].concat();
        c.cmd(&[&b"RESTORE"[..], &copy, b"0", &ours]);
        let copied = digest_value_of(&mut c, &copy);
        assert_eq!(
            copied,
            theirs.digest,
            "RESTORE of our DUMP of {:?}",
            String::from_utf8_lossy(key)
        );
        c.cmd(&[&b"DEL"[..], &copy]);
    }
    assert!(exact >= 20, "only {exact} payloads compared byte for byte");
}

// --- Old encodings ---------------------------------------------------------

/// A ziplist of strings and small integers, as ziplist.c lays it out.
fn ziplist(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let (mut prev, mut last) = (0usize, 10usize);
    for item in items {
        let start = 10 + body.len();
        last = start;
        if prev < 254 {
            body.push(prev as u8);
        } else {
            body.push(0xFE);
            body.extend_from_slice(&(prev as u32).to_le_bytes());
        }
        match std::str::from_utf8(item)
            .ok()
            .and_then(|s| s.parse::<i16>().ok())
        {
            Some(v @ 0..=12) if item.len() == 1 || v >= 10 => body.push(0xF1 + v as u8),
            Some(v) if v.to_string().as_bytes() == *item => {
                body.push(0xC0);
                body.extend_from_slice(&v.to_le_bytes());
            }
            _ if item.len() <= 63 => {
                body.push(item.len() as u8);
                body.extend_from_slice(item);
            }
            _ => {
                body.extend_from_slice(&[0x40 | (item.len() >> 8) as u8, item.len() as u8]);
                body.extend_from_slice(item);
            }
        }
        prev = 10 + body.len() - start;
    }
    let total = 10 + body.len() + 1;
    let mut zl = (total as u32).to_le_bytes().to_vec();
    zl.extend_from_slice(&(last as u32).to_le_bytes());
    zl.extend_from_slice(&(items.len() as u16).to_le_bytes());
    zl.extend_from_slice(&body);
    zl.push(0xFF);
    zl
}

/// An RDB file built by hand with old value types.
fn old_encodings_file() -> Vec<u8> {
    fn s(out: &mut Vec<u8>, b: &[u8]) {
        assert!(b.len() < 16384);
        if b.len() < 64 {
            out.push(b.len() as u8);
        } else {
            out.extend_from_slice(&[0x40 | (b.len() >> 8) as u8, b.len() as u8]);
        }
        out.extend_from_slice(b);
    }
    let mut f = b"REDIS0009".to_vec();
    f.extend_from_slice(b"\xfe\x00");
    // LIST (1)
    f.push(1);
    s(&mut f, b"old-list");
    f.push(3);
    for e in [&b"a"[..], b"22", b"c"] {
        s(&mut f, e);
    }
    // ZSET (3) with text scores and +inf
    f.push(3);
    s(&mut f, b"old-zset");
    f.push(2);
    s(&mut f, b"m1");
    f.extend_from_slice(b"\x042.25");
    s(&mut f, b"m2");
    f.push(254);
    // HASH_ZIPMAP (9)
    f.push(9);
    s(&mut f, b"old-zipmap");
    s(
        &mut f,
        b"\x02\x03foo\x03\x00bar\x05hello\x05\x02worldxx\xff",
    );
    // LIST_ZIPLIST (10)
    f.push(10);
    s(&mut f, b"old-ziplist");
    s(&mut f, &ziplist(&[b"x", b"7", b"-300", &[b'y'; 100]]));
    // ZSET_ZIPLIST (12)
    f.push(12);
    s(&mut f, b"old-zset-ziplist");
    s(&mut f, &ziplist(&[b"c", b"-3", b"b", b"0.5", b"a", b"1"]));
    // HASH_ZIPLIST (13)
    f.push(13);
    s(&mut f, b"old-hash-ziplist");
    s(&mut f, &ziplist(&[b"f", b"1", b"g", b"two"]));
    // LIST_QUICKLIST (14): two ziplist nodes
    f.push(14);
    s(&mut f, b"old-quicklist");
    f.push(2);
    s(&mut f, &ziplist(&[b"n1", b"5"]));
    s(&mut f, &ziplist(&[b"n2"]));
    // EXPIRETIME (seconds) on a string
    f.push(0xFD);
    f.extend_from_slice(&2_000_000_000i32.to_le_bytes());
    f.push(0);
    s(&mut f, b"old-expire");
    s(&mut f, b"v");
    f.push(0xFF);
    let crc = rdb::checksum::crc64(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

#[test]
fn old_encodings_load_as_in_redis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.rdb");
    std::fs::write(&path, old_encodings_file()).expect("write");
    check_rdb(&path);
    let redis = Oracle::start(dir.path(), "old.rdb");
    let mut c = redis.conn();
    let (ks, _) = load_file(&path);
    assert_eq!(ks.total_keys(), 8);
    assert_same(&mut c, &ks, "pre-7.0 encodings");
}
