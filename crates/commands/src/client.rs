//! Per-connection state the engine sees: identity, protocol, selected db,
//! authentication, the reply buffer, and what CLIENT LIST shows.

use resp::Out;
use std::rc::Rc;

/// Wakes a connection task so it flushes its reply buffer or notices a
/// kill. Implemented by the server crate; the engine knows no runtime.
pub trait Notifier {
    /// Asks the connection to look at its state again.
    fn notify(&self);
}

/// Client flags shown by CLIENT LIST (`flags=`) and acted on by the engine.
#[derive(Debug, Default, Clone, Copy)]
pub struct ClientFlags {
    /// MONITOR was issued.
    pub monitor: bool,
    /// Close once the pending replies are written (QUIT, self-kill).
    pub close_after_reply: bool,
    /// Close as soon as possible (CLIENT KILL, limits).
    pub close_asap: bool,
    /// CLIENT NO-EVICT on.
    pub no_evict: bool,
    /// The connection is a replica link (issue 4).
    pub replica: bool,
    /// The connection is this replica's master link (issue 4).
    pub master: bool,
}

/// State of one connected client.
pub struct ClientState {
    /// Unique, increasing id (CLIENT ID).
    pub id: u64,
    /// Peer address `ip:port`.
    pub addr: String,
    /// Local address `ip:port`.
    pub laddr: String,
    /// Socket file descriptor, for CLIENT LIST.
    pub fd: i64,
    /// CLIENT SETNAME name (empty = none).
    pub name: String,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: String,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: String,
    /// Selected database.
    pub db: usize,
    /// True after AUTH succeeded, or when no password is required.
    pub authenticated: bool,
    /// Flags.
    pub flags: ClientFlags,
    /// Creation time, unix ms.
    pub created_ms: i64,
    /// Last command time, unix ms.
    pub last_interaction_ms: i64,
    /// Full name of the last command (`client|list`), for CLIENT LIST `cmd=`.
    pub last_cmd: String,
    /// Bytes in the query buffer, kept up to date by the connection.
    pub qbuf: usize,
    /// Free bytes in the query buffer.
    pub qbuf_free: usize,
    /// Replies waiting to be written. Other clients may append to it
    /// (MONITOR lines) and then call `notifier`.
    pub out: Out,
    /// Wakes the connection task.
    pub notifier: Option<Rc<dyn Notifier>>,
    /// CLIENT REPLY OFF: replies are dropped until CLIENT REPLY ON.
    pub reply_off: bool,
    /// CLIENT REPLY SKIP was just run: the next command's reply is dropped.
    pub reply_skip_next: bool,
    /// The reply of the command being run is dropped (CLIENT REPLY SKIP).
    pub reply_skip: bool,
    /// Replication offset after this client's last propagated write
    /// (what WAIT waits for).
    pub woff: i64,
}

impl ClientState {
    /// A new client with the given id, created at `now_ms`.
    pub fn new(id: u64, now_ms: i64) -> Self {
        ClientState {
            id,
            addr: String::new(),
            laddr: String::new(),
            fd: -1,
            name: String::new(),
            lib_name: String::new(),
            lib_ver: String::new(),
            db: 0,
            authenticated: false,
            flags: ClientFlags::default(),
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_cmd: "NULL".into(),
            qbuf: 0,
            qbuf_free: 0,
            out: Out::new(),
            notifier: None,
            reply_off: false,
            reply_skip_next: false,
            reply_skip: false,
            woff: 0,
        }
    }

    /// RESP protocol version in use (2 or 3).
    pub fn resp(&self) -> i64 {
        if self.out.resp3 {
            3
        } else {
            2
        }
    }

    /// Wakes the connection task, if it is attached.
    pub fn wake(&self) {
        if let Some(n) = &self.notifier {
            n.notify();
        }
    }
}
