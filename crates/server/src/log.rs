//! Logging in Redis's format, through `tracing`.
//!
//! Reference: server.c `serverLogRaw`:
//! `<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level> <message>` where role is
//! `C` (starting), `M` master, `S` replica, `X` sentinel, and level is `.`
//! debug, `-` verbose, `*` notice, `#` warning. Like Redis, the log file is
//! opened for every line, so an external rotation needs no signal.
//!
//! Levels map onto tracing's: TRACE = debug, DEBUG = verbose, INFO =
//! notice, WARN and ERROR = warning.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

static ROLE: AtomicU8 = AtomicU8::new(b'C');
static MIN_LEVEL: AtomicU8 = AtomicU8::new(2);
static LOGFILE: Mutex<String> = Mutex::new(String::new());

/// Sets the role character printed after the pid.
pub fn set_role(role: u8) {
    ROLE.store(role, Ordering::Relaxed);
}

/// Applies `loglevel` (debug, verbose, notice, warning, nothing) and
/// `logfile` ("" = standard output).
pub fn configure(loglevel: &str, logfile: &str) {
    let level = match loglevel {
        "debug" => 0,
        "verbose" => 1,
        "notice" => 2,
        "warning" => 3,
        _ => 4,
    };
    MIN_LEVEL.store(level, Ordering::Relaxed);
    *LOGFILE.lock().unwrap_or_else(|e| e.into_inner()) = logfile.to_string();
}

/// Installs the Redis-format layer as the global subscriber.
pub fn init() {
    let _ = tracing_subscriber::registry().with(RedisLayer).try_init();
}

fn rank(level: &Level) -> u8 {
    match *level {
        Level::TRACE => 0,
        Level::DEBUG => 1,
        Level::INFO => 2,
        _ => 3,
    }
}

struct RedisLayer;

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        }
    }
}

impl<S: Subscriber> Layer<S> for RedisLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        rank(metadata.level()) >= MIN_LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let r = rank(event.metadata().level());
        if r < MIN_LEVEL.load(Ordering::Relaxed) {
            return;
        }
        let mut msg = Message(String::new());
        event.record(&mut msg);
        let mark = ['.', '-', '*', '#'][r as usize];
        let line = format!(
            "{}:{} {} {} {}\n",
            std::process::id(),
            ROLE.load(Ordering::Relaxed) as char,
            timestamp(),
            mark,
            msg.0
        );
        write_line(line.as_bytes());
    }
}

fn write_line(line: &[u8]) {
    let path = LOGFILE.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if path.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line);
        let _ = out.flush();
    } else if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = f.write_all(line);
    }
}

/// Writes text as it is, without the line prefix (Redis's `LL_RAW`), at
/// notice level.
pub fn raw(text: &str) {
    if MIN_LEVEL.load(Ordering::Relaxed) <= 2 {
        write_line(text.as_bytes());
    }
}

/// Writes a line that bypasses levels, in the signal handler's format
/// (`<pid>:signal-handler (<unix time>) <message>`).
pub fn signal_line(msg: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    write_line(format!("{}:signal-handler ({}) {}\n", std::process::id(), now, msg).as_bytes());
}

/// `25 Nov 2026 05:16:48.092` in local time.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack.
    unsafe { libc::localtime_r(&secs, &mut tm) };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        tm.tm_mday,
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    )
}
