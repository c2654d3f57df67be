//! The one harness of the process tests: start a server (ours, or the real
//! Redis 7.0.15 that serves as the oracle) on a free loopback port, talk
//! RESP to it, run the real `redis-cli` and `redis-benchmark`, and clean up.
//!
//! Goal: every test owns the processes it starts. A `Server` is killed
//! (SIGKILL by PID) and reaped when it is dropped, and when a test panics
//! while holding one, the server's captured log is printed so the failure
//! can be read without re-running anything. Nothing here sleeps and then
//! asserts: waiting is always a bounded poll with a deadline.
//!
//! Each test binary compiles this module and uses only part of it, so the
//! unused-code lint is silenced here; every item is used by some test file.

#![allow(dead_code)]

use resp::{encode_command, parse_frame, Frame};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Binaries and timing
// ---------------------------------------------------------------------------

/// Our binary, built by cargo for the integration tests.
pub const OUR_BIN: &str = env!("CARGO_BIN_EXE_redis-server");
/// The oracle: Debian's Redis 7.0.15.
pub const REDIS_BIN: &str = "/usr/bin/redis-server";
/// The real command line client.
pub const REDIS_CLI: &str = "/usr/bin/redis-cli";
/// The real benchmark tool.
pub const REDIS_BENCHMARK: &str = "/usr/bin/redis-benchmark";

/// How long a server may take to answer its first PING. Generous because CI
/// machines are slow and a debug build starts slower than a release one.
pub const START_DEADLINE: Duration = Duration::from_secs(20);
/// How long a process may take to exit by itself (a config error, a
/// signal, SHUTDOWN).
pub const EXIT_DEADLINE: Duration = Duration::from_secs(20);
/// Step between polls.
pub const POLL_STEP: Duration = Duration::from_millis(20);
/// Default read timeout of a test connection: a reply that has not come
/// by then is a failure, not a wait.
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// Polls `f` every [`POLL_STEP`] until it returns `Some` or `deadline`
/// elapses.
pub fn poll_until<T>(deadline: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + deadline;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(POLL_STEP);
    }
}

// ---------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------

/// Lowest and one past the highest port handed out. The range lies below
/// Linux's ephemeral range (32768-60999), so no outgoing connection of a
/// test, of `redis-cli` or of `redis-benchmark` can take a port between
/// the moment it is chosen and the moment the server binds it.
const PORT_LOW: u32 = 12_000;
const PORT_HIGH: u32 = 32_000;

/// Offset of the next candidate port within the range. Starts at a point
/// derived from the process id so that two test binaries running at the
/// same time (two `cargo test` runs) begin far apart; within one binary,
/// each call moves on, so parallel tests never get the same port.
static NEXT_PORT: AtomicU32 = AtomicU32::new(u32::MAX);

/// A port that is free now: the next candidate of this binary's sequence
/// that can be bound on 127.0.0.1. Another process may still take it
/// before the server binds; [`Server::spawn`] retries on another port.
pub fn free_port() -> u16 {
    let span = PORT_HIGH - PORT_LOW;
    let _ = NEXT_PORT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(7919) % span,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let port = (PORT_LOW + NEXT_PORT.fetch_add(1, Ordering::SeqCst) % span) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

// ---------------------------------------------------------------------------
// Server processes
// ---------------------------------------------------------------------------

/// How to start a server. [`Server::start`], [`Server::redis`] and
/// [`Server::pair`] cover the common case; tests that need a config file,
/// another executable name or no defaults build one of these.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The executable (ours, the oracle, or a symlink to either).
    pub bin: PathBuf,
    /// Arguments placed first, before the port and defaults: a config
    /// file path goes here (Redis reads the config file from argv[1]).
    pub leading: Vec<String>,
    /// Extra arguments after the defaults (`--name value ...`); as they
    /// come last, they override the defaults.
    pub args: Vec<String>,
    /// Add `--save "" --appendonly no --enable-debug-command yes --dir
    /// <tempdir>`: no snapshot files, and DEBUG allowed (7.0 refuses it
    /// by default, and tests use DEBUG SET-ACTIVE-EXPIRE and friends).
    pub defaults: bool,
    /// The working directory to start in; `None` is the server's own
    /// tempdir, so that relative paths never write into the repository.
    pub cwd: Option<PathBuf>,
}

impl Spec {
    /// Our binary with the default arguments.
    pub fn ours(args: &[&str]) -> Spec {
        Spec::new(OUR_BIN, args)
    }

    /// The oracle with the default arguments.
    pub fn oracle(args: &[&str]) -> Spec {
        Spec::new(REDIS_BIN, args)
    }

    /// `bin` with the default arguments.
    pub fn new(bin: impl AsRef<Path>, args: &[&str]) -> Spec {
        Spec {
            bin: bin.as_ref().to_path_buf(),
            leading: Vec::new(),
            args: args.iter().map(|s| s.to_string()).collect(),
            defaults: true,
            cwd: None,
        }
    }

    /// Puts a config file (or any argument) before the rest.
    pub fn config_file(mut self, path: impl AsRef<Path>) -> Spec {
        self.leading
            .push(path.as_ref().to_string_lossy().into_owned());
        self
    }

    /// Starts the server in `dir` (for relative paths on its command
    /// line).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Spec {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Leaves out the defaults: only `--port N --bind 127.0.0.1` and the
    /// spec's own arguments are added to the config file.
    pub fn no_defaults(mut self) -> Spec {
        self.defaults = false;
        self
    }
}

/// A running server. Killed (SIGKILL) and reaped on drop.
pub struct Server {
    child: Option<Child>,
    /// The TCP port it listens on (127.0.0.1 only).
    pub port: u16,
    /// Its process id, kept after it has been reaped.
    pid: u32,
    /// Where stdout and stderr go.
    log_path: PathBuf,
    /// Its working directory and `--dir`, deleted on drop.
    dir: tempfile::TempDir,
    /// What started it, for messages.
    pub spec: Spec,
}

impl Server {
    /// Starts our binary with `args` appended after the defaults and waits
    /// until it answers PING.
    pub fn start(args: &[&str]) -> Server {
        Server::spawn(Spec::ours(args))
    }

    /// Starts the oracle, /usr/bin/redis-server, the same way.
    pub fn redis(args: &[&str]) -> Server {
        Server::spawn(Spec::oracle(args))
    }

    /// Ours and the oracle, both started with `args`.
    pub fn pair(args: &[&str]) -> (Server, Server) {
        (Server::start(args), Server::redis(args))
    }

    /// Starts a server as `spec` says; panics with the log if it does not
    /// come up. A lost race for the port is retried with another port.
    pub fn spawn(spec: Spec) -> Server {
        let mut last = String::new();
        for _attempt in 0..8 {
            let port = free_port();
            match Server::try_spawn_on(spec.clone(), port) {
                Ok(s) => return s,
                Err(Start::LostRace(log)) => last = log,
                Err(Start::Failed(log)) => panic!(
                    "server {:?} did not start on port {port}.\n--- log ---\n{log}--- end ---",
                    spec.bin
                ),
            }
        }
        panic!(
            "server {:?} never got a free port.\n--- last log ---\n{last}",
            spec.bin
        );
    }

    /// One attempt on `port`.
    fn try_spawn_on(spec: Spec, port: u16) -> Result<Server, Start> {
        let dir = tempfile::Builder::new()
            .prefix("redis-test-")
            .tempdir()
            .expect("tempdir");
        let log_path = dir.path().join("stdout.log");
        let log = std::fs::File::create(&log_path).expect("create log");
        let mut cmd = Command::new(&spec.bin);
        cmd.args(&spec.leading);
        cmd.arg("--port").arg(port.to_string());
        cmd.args(["--bind", "127.0.0.1"]);
        if spec.defaults {
            cmd.args(["--save", "", "--appendonly", "no"]);
            cmd.args(["--enable-debug-command", "yes", "--dir"]);
            cmd.arg(dir.path());
        }
        cmd.args(&spec.args);
        // The working directory is the tempdir too unless the spec says
        // otherwise, so a relative `dir ./` or `logfile` in a sample config
        // never writes into the repository.
        cmd.current_dir(spec.cwd.as_deref().unwrap_or(dir.path()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {:?}: {e}", spec.bin));
        let mut server = Server {
            pid: child.id(),
            child: Some(child),
            port,
            log_path,
            dir,
            spec,
        };
        let ready = poll_until(START_DEADLINE, || {
            if let Some(status) = server.try_wait() {
                return Some(Err(format!("exited with {status}")));
            }
            server.answers().map(Ok)
        });
        let why = match ready {
            Some(Ok(true)) => return Ok(server),
            Some(Ok(false)) => "another process answers on this port".to_string(),
            Some(Err(why)) => why,
            None => format!("no reply to PING within {START_DEADLINE:?}"),
        };
        let log = format!("{}\n({why})\n", server.log());
        let lost_race = why.starts_with("another process")
            || log.contains("Address already in use")
            || log.contains(&format!("Failed listening on port {port}"));
        Err(if lost_race {
            Start::LostRace(log)
        } else {
            Start::Failed(log)
        })
    }

    /// Whether something serves on the port: `None` if nothing answers
    /// yet, `Some(true)` if this process does, `Some(false)` if INFO
    /// names another process (a lost race for the port). Any reply to
    /// PING counts as serving: `+PONG`, `-NOAUTH` with `requirepass`, or an
    /// error from a mode that lacks the command. The process id is checked
    /// only where INFO answers.
    fn answers(&self) -> Option<bool> {
        let mut c = Conn::try_connect(self.port)?;
        c.set_read_timeout(Duration::from_millis(500));
        c.send_raw(&encode_command(&["PING"]));
        c.try_read_frame().ok()??;
        c.send_raw(&encode_command(&["INFO", "server"]));
        let info = c.try_read_frame().ok()??;
        let theirs = info.as_str().and_then(|i| info_field(&i, "process_id"));
        Some(theirs.is_none_or(|p| p == self.pid.to_string()))
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The server's `--dir` and working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// A new connection.
    pub fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }

    /// The executable, for messages.
    pub fn name(&self) -> String {
        self.spec.bin.display().to_string()
    }

    /// `Some(status)` once the process has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// Sends `signal` (a name such as `TERM`) to the process by PID. The
    /// process must not have been reaped yet: until it is, its PID cannot
    /// be given to another process, so the signal cannot hit a stranger.
    pub fn signal(&mut self, signal: &str) {
        if let Some(status) = self.try_wait() {
            panic!("{} already exited ({status}); not signalling", self.name());
        }
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {} failed", self.pid);
    }

    /// Waits up to [`EXIT_DEADLINE`] for the process to exit; panics with
    /// the log if it does not.
    pub fn wait_exit(&mut self) -> ExitStatus {
        poll_until(EXIT_DEADLINE, || self.try_wait()).unwrap_or_else(|| {
            panic!(
                "{} did not exit within {EXIT_DEADLINE:?}\n--- log ---\n{}",
                self.name(),
                self.log()
            )
        })
    }
}

/// Why one start attempt failed.
enum Start {
    /// The port was taken by someone else: try another (the log says why).
    LostRace(String),
    /// The server did not come up: the log says why.
    Failed(String),
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "--- log of {} on port {} ---\n{}--- end of log ---",
                self.name(),
                self.port,
                self.log()
            );
        }
    }
}

/// A file `name` holding `contents` in a new temporary directory, which
/// is deleted when the returned guard is dropped.
pub fn temp_file(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
    (dir, path)
}

/// What a process that ran to completion left: its output and how it ended.
#[derive(Debug)]
pub struct Exit {
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// The exit code, `None` if a signal ended it.
    pub code: Option<i32>,
}

/// Runs `bin args...` to completion (for `--version`, config errors, the
/// client tools) with stdin read from `input` and a deadline; the process
/// is killed if it runs past the deadline, and the test fails.
pub fn run_with_input(bin: impl AsRef<Path>, args: &[&str], input: &[u8]) -> Exit {
    let bin = bin.as_ref();
    let dir = tempfile::tempdir().expect("tempdir");
    let (inp, out, err) = (
        dir.path().join("in"),
        dir.path().join("out"),
        dir.path().join("err"),
    );
    std::fs::write(&inp, input).expect("write stdin file");
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(dir.path())
        .stdin(std::fs::File::open(&inp).expect("stdin file"))
        .stdout(std::fs::File::create(&out).expect("out"))
        .stderr(std::fs::File::create(&err).expect("err"))
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {bin:?}: {e}"));
    let status = poll_until(Duration::from_secs(60), || child.try_wait().ok().flatten());
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "{bin:?} {args:?} did not exit within 60 s\nstdout:\n{}\nstderr:\n{}",
            read(&out),
            read(&err)
        );
    };
    Exit {
        stdout: read(&out),
        stderr: read(&err),
        code: status.code(),
    }
}

/// [`run_with_input`] with an empty stdin.
pub fn run_to_exit(bin: impl AsRef<Path>, args: &[&str]) -> Exit {
    run_with_input(bin, args, b"")
}

// ---------------------------------------------------------------------------
// A minimal synchronous RESP client
// ---------------------------------------------------------------------------

/// A blocking connection that sends commands and reads whole frames.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// The port, for messages.
    pub port: u16,
}

impl Conn {
    /// Connects to 127.0.0.1:`port` with [`READ_TIMEOUT`]; panics if it
    /// cannot.
    pub fn connect(port: u16) -> Conn {
        Conn::try_connect(port).unwrap_or_else(|| panic!("cannot connect to 127.0.0.1:{port}"))
    }

    /// Connects to 127.0.0.1:`port`, `None` if nothing listens.
    pub fn try_connect(port: u16) -> Option<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream.set_read_timeout(Some(READ_TIMEOUT)).ok()?;
        stream.set_nodelay(true).ok()?;
        Some(Conn {
            stream,
            buf: Vec::new(),
            port,
        })
    }

    /// Sends one command and reads its reply.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Frame {
        self.send_raw(&encode_command(args));
        self.read_frame()
    }

    /// Writes bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.try_send_raw(bytes)
            .unwrap_or_else(|e| panic!("write to port {}: {e}", self.port));
    }

    /// Writes bytes as they are; an error (the server closed the
    /// connection while we were writing) is returned, not a panic.
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Changes the read timeout.
    pub fn set_read_timeout(&mut self, t: Duration) {
        self.stream.set_read_timeout(Some(t)).expect("timeout");
    }

    /// Reads one frame; panics on timeout, EOF or a malformed reply.
    pub fn read_frame(&mut self) -> Frame {
        self.read_reply().0
    }

    /// Sends one command and returns the bytes of its reply as the server
    /// sent them (to tell `$-1` from `_`, a RESP3 map from a flat array).
    pub fn cmd_raw<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send_raw(&encode_command(args));
        self.read_reply().1
    }

    /// Reads one reply: the frame and its bytes. Panics on timeout, EOF or
    /// a malformed reply.
    pub fn read_reply(&mut self) -> (Frame, Vec<u8>) {
        match self.try_read_reply() {
            Ok(Some(reply)) => reply,
            Ok(None) => panic!(
                "port {}: connection closed while reading a reply",
                self.port
            ),
            Err(e) => panic!("port {}: {e}", self.port),
        }
    }

    /// Reads one frame: `Ok(None)` on a clean EOF (or a reset), `Err` on
    /// timeout, I/O error or a malformed reply.
    pub fn try_read_frame(&mut self) -> Result<Option<Frame>, String> {
        Ok(self.try_read_reply()?.map(|(f, _)| f))
    }

    /// Reads one reply, the frame and its bytes: `Ok(None)` on a clean
    /// EOF (or a reset), `Err` on timeout, I/O error or a malformed reply.
    pub fn try_read_reply(&mut self) -> Result<Option<(Frame, Vec<u8>)>, String> {
        loop {
            if let Some((f, used)) = parse_frame(&self.buf)? {
                let raw = self.buf.drain(..used).collect();
                return Ok(Some((f, raw)));
            }
            if !self.fill()? {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(format!(
                        "EOF inside a reply: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ))
                };
            }
        }
    }

    /// Reads what the socket has into the buffer: `Ok(false)` at EOF (or
    /// a reset).
    fn fill(&mut self) -> Result<bool, String> {
        let mut chunk = [0u8; 64 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Ok(false),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(false),
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// Writes `bytes` (any number of commands, in one go) from a second
    /// thread while reading `replies` replies on this one, so neither side
    /// blocks on a full socket buffer however large the batch. Returns the
    /// replies in order.
    pub fn pipeline(&mut self, bytes: &[u8], replies: usize) -> Vec<Frame> {
        let mut writer = self.stream.try_clone().expect("clone stream");
        let port = self.port;
        std::thread::scope(|s| {
            s.spawn(move || {
                writer
                    .write_all(bytes)
                    .unwrap_or_else(|e| panic!("write to port {port}: {e}"))
            });
            let mut out = Vec::with_capacity(replies);
            let mut at = 0;
            while out.len() < replies {
                match parse_frame(&self.buf[at..]) {
                    Ok(Some((f, used))) => {
                        at += used;
                        out.push(f);
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => panic!("port {port}: {e}"),
                }
                self.buf.drain(..at);
                at = 0;
                let more = self.fill().unwrap_or_else(|e| panic!("port {port}: {e}"));
                assert!(more, "port {port}: closed after {} replies", out.len());
            }
            self.buf.drain(..at);
            out
        })
    }

    /// Everything the server sends until it closes the connection; panics
    /// if it has not closed within [`READ_TIMEOUT`].
    pub fn read_until_closed(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return out,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return out,
                Err(e) => panic!(
                    "port {}: not closed ({e}); received so far: {:?}",
                    self.port,
                    String::from_utf8_lossy(&out)
                ),
            }
        }
    }

    /// True if the server closes the connection within `deadline`;
    /// whatever it still sends is discarded.
    pub fn wait_closed(&mut self, deadline: Duration) -> bool {
        self.buf.clear();
        let end = Instant::now() + deadline;
        let mut chunk = [0u8; 4096];
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            self.set_read_timeout(left);
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Frame helpers
// ---------------------------------------------------------------------------

/// `Frame::Bulk` of a string.
pub fn bulk(s: &str) -> Frame {
    Frame::Bulk(s.as_bytes().to_vec())
}

/// `Frame::Simple` of a string.
pub fn simple(s: &str) -> Frame {
    Frame::Simple(s.to_string())
}

/// `Frame::Error` of a string.
pub fn error(s: &str) -> Frame {
    Frame::Error(s.to_string())
}

/// The text of a bulk/simple/verbatim frame; panics otherwise.
pub fn text(f: &Frame) -> String {
    f.as_str()
        .unwrap_or_else(|| panic!("expected a string reply, got {f:?}"))
}

/// The value of an integer reply; panics otherwise.
pub fn int(f: &Frame) -> i64 {
    match f {
        Frame::Integer(n) => *n,
        other => panic!("expected an integer reply, got {other:?}"),
    }
}

/// The server's clock in milliseconds, read with TIME (which touches no
/// key), for waits on the server's own time (a key's expiry).
pub fn server_time_ms(c: &mut Conn) -> u64 {
    match c.cmd(&["TIME"]) {
        Frame::Array(t) if t.len() == 2 => {
            let s: u64 = text(&t[0]).parse().expect("seconds");
            let us: u64 = text(&t[1]).parse().expect("microseconds");
            s * 1000 + us / 1000
        }
        other => panic!("TIME: {other:?}"),
    }
}

/// The value of `field` in INFO text (`field:value` lines).
pub fn info_field(info: &str, field: &str) -> Option<String> {
    info.lines().find_map(|l| {
        l.strip_prefix(field)
            .and_then(|r| r.strip_prefix(':'))
            .map(|v| v.trim_end().to_string())
    })
}

/// Sends `argv` to ours (`a`) and to the oracle (`b`), asserts that the
/// replies are equal and returns the reply.
pub fn same<A: AsRef<[u8]> + std::fmt::Debug>(a: &mut Conn, b: &mut Conn, argv: &[A]) -> Frame {
    let (ours, redis) = (a.cmd(argv), b.cmd(argv));
    assert_eq!(ours, redis, "reply to {argv:?} (left: ours, right: oracle)");
    ours
}

// ---------------------------------------------------------------------------
// Differential runs
// ---------------------------------------------------------------------------

/// An argv for messages: each argument quoted, lossily decoded.
pub fn show(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| format!("{:?}", String::from_utf8_lossy(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The elements of an array reply, sorted (for replies in hash order).
pub fn sorted(f: &Frame) -> Option<Vec<Vec<u8>>> {
    let Frame::Array(items) = f else { return None };
    let mut v: Vec<Vec<u8>> = items
        .iter()
        .map(|i| i.as_bytes().map(<[u8]>::to_vec))
        .collect::<Option<_>>()?;
    v.sort();
    Some(v)
}

/// Sends `argv` and returns the reply, or (as an error frame, so the
/// failure report can show the commands that led to it) why there is
/// none: the server closed the connection or crashed.
pub fn reply_or_why(c: &mut Conn, argv: &[Vec<u8>]) -> Frame {
    if let Err(e) = c.try_send_raw(&resp::encode_command(argv)) {
        return Frame::Error(format!("(cannot send: {e})"));
    }
    read_or_why(c).0
}

/// Reads the next reply, frame and bytes; where there is none, an error
/// frame saying why (closed, crashed, timed out) and no bytes, so that a
/// differential run reports it with its history instead of panicking.
pub fn read_or_why(c: &mut Conn) -> (Frame, Vec<u8>) {
    match c.try_read_reply() {
        Ok(Some(reply)) => reply,
        Ok(None) => (
            Frame::Error("(connection closed: crashed?)".into()),
            Vec::new(),
        ),
        Err(e) => (Frame::Error(format!("(no reply: {e})")), Vec::new()),
    }
}

/// The value of the environment variable `name` parsed, else `default`
/// (seeds and step counts of the differential runs).
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs every script of `scripts` on one pair of servers (ours and the
/// oracle, with no extra arguments) in each protocol of `protocols`:
/// `run(server, resp, script)` runs a script on a fresh set of
/// connections and returns what each step read (with what the step was),
/// and ours must equal the oracle's step by step.
pub fn compare_scripts<S: ?Sized>(
    scripts: &[(&str, &S)],
    protocols: &[u8],
    run: impl Fn(&Server, u8, &S) -> Vec<String>,
) {
    let (ours, redis) = Server::pair(&[]);
    for &resp in protocols {
        for (name, script) in scripts {
            let (a, b) = (run(&ours, resp, script), run(&redis, resp, script));
            assert_eq!(a.len(), b.len(), "script {name:?} (RESP{resp}): steps run");
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                assert_eq!(
                    x, y,
                    "script {name:?} (RESP{resp}), step {i}:\n  ours:   {x}\n  oracle: {y}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------

/// The message part of a Redis log line (`level message`), without the
/// `pid:role dd Mon yyyy hh:mm:ss.mmm` prefix; a signal handler line
/// (`pid:signal-handler (time) message`) gives its message; a line with no
/// such prefix is returned as it is.
pub fn log_message(line: &str) -> String {
    if let Some((_, msg)) = line
        .split_once(":signal-handler (")
        .and_then(|(_, rest)| rest.split_once(") "))
    {
        return msg.to_string();
    }
    let parts: Vec<&str> = line.splitn(6, ' ').collect();
    if parts.len() == 6 && parts[0].contains(':') {
        parts[5].to_string()
    } else {
        line.to_string()
    }
}

// ---------------------------------------------------------------------------
// The real client tools
// ---------------------------------------------------------------------------

/// Runs `redis-cli -h 127.0.0.1 -p port args...` with `input` on stdin.
pub fn redis_cli_with_input(port: u16, args: &[&str], input: &[u8]) -> Exit {
    let port = port.to_string();
    let mut full = vec!["-h", "127.0.0.1", "-p", &port];
    full.extend_from_slice(args);
    run_with_input(REDIS_CLI, &full, input)
}

/// Runs `redis-cli -h 127.0.0.1 -p port args...`; returns its stdout and
/// panics (with both streams) unless it exits 0.
pub fn redis_cli(port: u16, args: &[&str]) -> String {
    let run = redis_cli_with_input(port, args, b"");
    assert_eq!(run.code, Some(0), "redis-cli {args:?}: {run:?}");
    run.stdout
}
