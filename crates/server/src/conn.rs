//! One client connection: read, parse every buffered command, run the
//! batch through the engine, write all replies with one write.
//!
//! Reference: networking.c `readQueryFromClient`, `processInputBuffer`,
//! `writeToClient`. The engine is borrowed only between awaits, so every
//! batch is atomic with respect to other clients.

use crate::Shared;
use bytes::{Buf, BytesMut};
use commands::{ClientState, Notifier, Outcome};
use resp::{Limits, RequestParser};
use std::cell::RefCell;
use std::rc::Rc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// Bytes read per syscall at least (networking.c `PROTO_IOBUF_LEN`).
const IOBUF_LEN: usize = 16 * 1024;

/// Wakes the connection task from other clients' commands.
struct Wake(Notify);

impl Notifier for Wake {
    fn notify(&self) {
        self.0.notify_one();
    }
}

/// Serves one accepted connection until it closes.
pub async fn serve(mut stream: TcpStream, shared: Rc<Shared>) {
    let _ = stream.set_nodelay(true);
    let now = crate::now_ms();
    let (state, limits_full) = {
        let mut eng = shared.engine.borrow_mut();
        let full = eng.clients.len() >= eng.cached.maxclients;
        (eng.new_client(now), full)
    };
    let id = state.borrow().id;
    if limits_full {
        shared.engine.borrow_mut().stats.rejected_connections += 1;
        let _ = stream
            .write_all(b"-ERR max number of clients reached\r\n")
            .await;
        shared.engine.borrow_mut().remove_client(id);
        return;
    }
    let wake = Rc::new(Wake(Notify::new()));
    {
        let mut c = state.borrow_mut();
        c.addr = stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        c.laddr = stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        c.fd = std::os::fd::AsRawFd::as_raw_fd(&stream) as i64;
        c.notifier = Some(wake.clone());
    }
    configure_keepalive(&stream, &shared);
    let mut conn = Connection {
        shared: shared.clone(),
        state: state.clone(),
        rbuf: BytesMut::with_capacity(IOBUF_LEN),
        wbuf: Vec::new(),
        parser: RequestParser::new(),
    };
    conn.run(&mut stream, &wake).await;
    shared.engine.borrow_mut().remove_client(id);
}

fn configure_keepalive(stream: &TcpStream, shared: &Shared) {
    let secs = shared.engine.borrow().config.int("tcp-keepalive");
    if secs > 0 {
        let ka = socket2::TcpKeepalive::new()
            .with_time(std::time::Duration::from_secs(secs as u64))
            .with_interval(std::time::Duration::from_secs((secs as u64 / 3).max(1)));
        let _ = socket2::SockRef::from(stream).set_tcp_keepalive(&ka);
    }
}

struct Connection {
    shared: Rc<Shared>,
    state: Rc<RefCell<ClientState>>,
    rbuf: BytesMut,
    /// The buffer being written; swapped with the client's reply buffer.
    wbuf: Vec<u8>,
    parser: RequestParser,
}

/// Why processing of the buffered input stopped.
enum Stop {
    /// All complete commands ran; read more.
    NeedInput,
    /// Close after writing the pending replies.
    Close,
    /// CLIENT PAUSE: try again at this unix ms.
    Paused(i64),
    /// A blocking command is waiting for a key, until this unix ms
    /// (0 = forever).
    Blocked(i64),
}

impl Connection {
    async fn run(&mut self, stream: &mut TcpStream, wake: &Wake) {
        loop {
            tokio::select! {
                biased;
                r = stream.read_buf(&mut self.rbuf) => match r {
                    Ok(0) | Err(_) => {
                        // Redis counts the read that finds the end too.
                        self.shared.engine.borrow_mut().stats.reads_processed += 1;
                        return;
                    }
                    Ok(n) => {
                        let stats = &mut self.shared.engine.borrow_mut().stats;
                        stats.net_input_bytes += n as u64;
                        stats.reads_processed += 1;
                    }
                },
                _ = wake.0.notified() => {}
            }
            loop {
                let stop = self.process();
                if !self.flush(stream, wake).await {
                    return;
                }
                match stop {
                    Stop::NeedInput => break,
                    Stop::Close => return,
                    Stop::Paused(until) => {
                        let wait = (until - crate::now_ms()).clamp(1, 100) as u64;
                        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                    }
                    Stop::Blocked(deadline) => {
                        if !self.wait_unblocked(stream, wake, deadline).await {
                            return;
                        }
                    }
                }
            }
            let want = self.parser.pending_bulk_bytes().max(IOBUF_LEN);
            if self.rbuf.capacity() - self.rbuf.len() < want {
                self.rbuf.reserve(want);
            }
        }
    }

    /// Waits until the engine serves the blocked client, its deadline
    /// passes (it then gets its timeout reply) or it is killed. Input that
    /// arrives meanwhile is buffered, as Redis keeps reading from a blocked
    /// client. False if the connection must close.
    async fn wait_unblocked(&mut self, stream: &mut TcpStream, wake: &Wake, deadline: i64) -> bool {
        loop {
            {
                let mut eng = self.shared.engine.borrow_mut();
                let mut c = self.state.borrow_mut();
                if c.flags.close_asap {
                    return false;
                }
                if !eng.is_blocked(c.id) {
                    return true;
                }
                if deadline > 0 && crate::now_ms() >= deadline {
                    eng.block_timeout(&mut c);
                    return true;
                }
            }
            let wait = if deadline > 0 {
                (deadline - crate::now_ms()).max(1) as u64
            } else {
                3_600_000
            };
            tokio::select! {
                _ = wake.0.notified() => {}
                _ = tokio::time::sleep(std::time::Duration::from_millis(wait)) => {}
                r = stream.read_buf(&mut self.rbuf) => match r {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => {
                        let stats = &mut self.shared.engine.borrow_mut().stats;
                        stats.net_input_bytes += n as u64;
                        stats.reads_processed += 1;
                    }
                },
            }
        }
    }

    /// Runs every complete command in the read buffer.
    fn process(&mut self) -> Stop {
        let mut eng = self.shared.engine.borrow_mut();
        let mut c = self.state.borrow_mut();
        if c.flags.close_asap {
            return Stop::Close;
        }
        let limits = Limits {
            max_bulk_len: eng.cached.proto_max_bulk_len,
            unauthenticated: !c.authenticated,
            ..Limits::default()
        };
        let now = crate::now_ms();
        let mut used = 0;
        let mut stop = Stop::NeedInput;
        loop {
            if c.flags.close_after_reply {
                stop = Stop::Close;
                break;
            }
            let buf = &self.rbuf[used..];
            match self.parser.parse(buf, &limits) {
                Ok(None) => break,
                Ok(Some(cmd)) => {
                    if !cmd.is_empty() {
                        let mut argv = resp::Argv::new();
                        cmd.argv(buf, &mut argv);
                        if let Some(big) = argv.iter().find(|a| too_big(a.len(), &eng)) {
                            log_query_buffer_limit(&c, big);
                            stop = Stop::Close;
                            break;
                        }
                        match eng.execute(&mut c, &argv, now) {
                            Outcome::Continue => {}
                            Outcome::Paused(until) => {
                                stop = Stop::Paused(until);
                                break;
                            }
                            Outcome::Blocked(deadline) => {
                                used += cmd.consumed;
                                stop = Stop::Blocked(deadline);
                                break;
                            }
                        }
                        if eng.shutdown.is_some() {
                            // Redis exits inside SHUTDOWN: the commands
                            // after it never run and the replies still
                            // buffered are never written.
                            c.out.buf.clear();
                            used += cmd.consumed;
                            stop = Stop::Close;
                            break;
                        }
                    }
                    used += cmd.consumed;
                }
                Err(e) => {
                    tracing::debug!(
                        "Protocol error ({}) from client: id={} addr={}",
                        e.0,
                        c.id,
                        c.addr
                    );
                    c.out.error(&e.reply_text());
                    stop = Stop::Close;
                    break;
                }
            }
        }
        self.rbuf.advance(used);
        c.qbuf = self.rbuf.len();
        c.qbuf_free = self.rbuf.capacity() - self.rbuf.len();
        // What Redis would hold in its query buffer now: the unparsed
        // rest, or the big argument being read (which Redis reads alone).
        let unparsed = self.rbuf.len().saturating_sub(self.parser.parsed_len());
        let reading = self.parser.pending_bulk_bytes().saturating_sub(2);
        if matches!(stop, Stop::NeedInput)
            && (unparsed > eng.cached.query_buffer_limit || too_big(reading, &eng))
        {
            let start = self.parser.parsed_len().min(self.rbuf.len());
            log_query_buffer_limit(&c, &self.rbuf[start..]);
            stop = Stop::Close;
        }
        if eng.shutdown.is_some() {
            self.shared.shutdown.notify_one();
        }
        stop
    }

    /// Writes the client's pending replies. False if the socket failed,
    /// or if the client was closed (CLIENT KILL, output buffer limits)
    /// while it was not reading what we write.
    async fn flush(&mut self, stream: &mut TcpStream, wake: &Wake) -> bool {
        {
            let mut c = self.state.borrow_mut();
            if c.out.buf.is_empty() {
                return true;
            }
            std::mem::swap(&mut self.wbuf, &mut c.out.buf);
        }
        let mut written = 0;
        let mut ok = true;
        let mut woken = false;
        while ok && written < self.wbuf.len() {
            tokio::select! {
                r = stream.write(&self.wbuf[written..]) => match r {
                    Ok(n) if n > 0 => written += n,
                    _ => ok = false,
                },
                _ = wake.0.notified() => {
                    woken = true;
                    if self.state.borrow().flags.close_asap {
                        ok = false;
                    }
                }
            }
        }
        if woken && ok {
            // Whatever woke us (more replies) is looked at next.
            wake.0.notify_one();
        }
        {
            let stats = &mut self.shared.engine.borrow_mut().stats;
            stats.net_output_bytes += self.wbuf.len() as u64;
            stats.writes_processed += 1;
        }
        self.wbuf.clear();
        if self.wbuf.capacity() > 1 << 20 {
            self.wbuf = Vec::new();
        }
        ok
    }
}

/// Redis reads a bulk argument of 32 KiB or more (`PROTO_MBULK_BIG_ARG`)
/// into a query buffer of its own, so one such argument with its CRLF
/// over `client-query-buffer-limit` closes the connection, even when it
/// arrives whole in one read; smaller arguments never get there.
fn too_big(arg_len: usize, eng: &commands::Engine) -> bool {
    arg_len >= 32 * 1024 && arg_len + 2 > eng.cached.query_buffer_limit
}

/// networking.c's log line when a client passes the query buffer limit.
fn log_query_buffer_limit(c: &ClientState, qbuf: &[u8]) {
    tracing::warn!(
        "Closing client that reached max query buffer length: id={} addr={} (qbuf initial bytes: {:?})",
        c.id,
        c.addr,
        String::from_utf8_lossy(&qbuf[..qbuf.len().min(64)])
    );
}
