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

use resp::{encode_command, parse_frame, Frame};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Harness: a server process owned by the test, and a RESP connection
// ---------------------------------------------------------------------------

const OUR_BIN: &str = env!("CARGO_BIN_EXE_redis-server");
const REDIS_BIN: &str = "/usr/bin/redis-server";
const DEADLINE: Duration = Duration::from_secs(20);

/// A running server, killed on drop; its log is printed if the test fails.
struct Server {
    child: Child,
    port: u16,
    bin: &'static str,
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts `bin` on a free loopback port with DEBUG enabled and waits
    /// (bounded poll) until it answers PING. A lost race for the port (the
    /// server that answers is not ours) is retried on another port.
    fn spawn(bin: &'static str) -> Server {
        for _attempt in 0..8 {
            if let Some(s) = Server::try_spawn(bin) {
                return s;
            }
        }
        panic!("{bin} never started on a free port");
    }

    fn try_spawn(bin: &'static str) -> Option<Server> {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = std::fs::File::create(dir.path().join("log")).expect("log file");
        let child = Command::new(bin)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no", "--enable-debug-command", "yes"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn server");
        let mut s = Server {
            child,
            port,
            bin,
            dir,
        };
        let pid = s.child.id().to_string();
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end {
            if let Ok(Some(_)) = s.child.try_wait() {
                return None;
            }
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
                // Whoever answers must be the process just started: another
                // test's server may hold the port for a moment.
                let mut c = Conn::new(stream, port);
                c.send_raw(&encode_command(&["INFO", "server"]));
                if let Ok(f) = c.try_read_frame() {
                    let info = text(&f);
                    let ours = info_field(&info, "process_id").as_deref() == Some(pid.as_str());
                    return ours.then_some(s);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{bin} did not start on port {port}:\n{}", s.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn conn(&self) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        Conn::new(stream, self.port)
    }

    /// Waits (bounded poll) for the process to exit.
    fn wait_exit(&mut self) -> Option<ExitStatus> {
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- log of {} on port {} ---\n{}",
                self.bin,
                self.port,
                self.log()
            );
        }
    }
}

/// A RESP connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    port: u16,
}

impl Conn {
    fn new(stream: TcpStream, port: u16) -> Conn {
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        Conn {
            stream,
            buf: Vec::new(),
            port,
        }
    }

    fn connect(port: u16) -> Conn {
        Conn::new(
            TcpStream::connect(("127.0.0.1", port)).expect("connect"),
            port,
        )
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Frame {
        self.send_raw(&encode_command(args));
        self.read_frame()
    }

    fn read_frame(&mut self) -> Frame {
        self.try_read_frame()
            .unwrap_or_else(|e| panic!("port {}: {e}", self.port))
    }

    /// One reply, or why there is none (EOF, reset, timeout).
    fn try_read_frame(&mut self) -> Result<Frame, String> {
        loop {
            if let Some((f, used)) = parse_frame(&self.buf)? {
                self.buf.drain(..used);
                return Ok(f);
            }
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("closed while reading a reply".into()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    /// Everything the server sends until it closes the connection (or the
    /// deadline passes).
    fn read_until_closed(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = self.stream.read(&mut chunk) {
            out.extend_from_slice(&chunk[..n]);
        }
        out
    }

    /// True if the server closed the connection within the deadline.
    fn wait_closed(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
    }
}

fn text(f: &Frame) -> String {
    f.as_str()
        .unwrap_or_else(|| panic!("expected a string reply, got {f:?}"))
}

fn bulk(s: &str) -> Frame {
    Frame::Bulk(s.as_bytes().to_vec())
}

fn simple(s: &str) -> Frame {
    Frame::Simple(s.to_string())
}

fn info_field(info: &str, field: &str) -> Option<String> {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':').map(str::to_string))
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// Both servers with DEBUG enabled (7.0 refuses it by default).
fn pair() -> (Server, Server) {
    (Server::spawn(OUR_BIN), Server::spawn(REDIS_BIN))
}

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
    let (ours, redis) = pair();
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
    let ours = Server::spawn(OUR_BIN);
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
    let (ours, redis) = pair();
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
    let (ours, redis) = pair();
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
    let (ours, redis) = pair();
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
        assert!(victim.wait_closed(), "port {port}");
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
        assert!(killer.wait_closed(), "port {port}");
    }
}

#[test]
fn client_list_has_redis_fields() {
    let (ours, redis) = pair();
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
    let (ours, redis) = pair();
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
    for mut server in [Server::spawn(OUR_BIN), Server::spawn(REDIS_BIN)] {
        let mut c = server.conn();
        // Nothing of the batch comes back, not even the reply before it.
        c.send_raw(b"PING\r\nSHUTDOWN NOSAVE\r\nPING\r\n");
        let got = c.read_until_closed();
        assert_eq!(got, b"", "{}", server.bin);
        let status = server.wait_exit().expect("exited");
        assert!(status.success(), "{}", server.bin);
    }
}
