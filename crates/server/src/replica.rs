//! The replica side of replication (replication.c `connectWithMaster`,
//! `syncWithMaster`, `readSyncBulkPayload`, `replicationCron`): connect
//! to our master, handshake, load a full synchronisation or continue
//! from our offset, then apply the stream through the engine as the
//! master client, acknowledging the offset every second. A lost link is
//! retried every second until REPLICAOF changes the master.

use crate::Shared;
use bytes::{Buf, BytesMut};
use commands::role::LinkState;
use commands::{ClientState, Outcome};
use resp::{Limits, RequestParser};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Watches the engine for a master to connect to, and starts one link
/// task per REPLICAOF (replicationCron's connect step).
pub async fn link_cron(shared: Rc<Shared>) {
    let mut running = 0u64;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let generation = {
            let eng = shared.engine.borrow();
            match &eng.role.master {
                Some(m) if m.generation != running => m.generation,
                _ => continue,
            }
        };
        running = generation;
        tokio::task::spawn_local(link(shared.clone(), generation));
    }
}

/// Why a link attempt ended.
enum Ended {
    /// REPLICAOF changed: stop for good.
    Replaced,
    /// Try again in a second.
    Retry,
}

async fn link(shared: Rc<Shared>, generation: u64) {
    loop {
        match attempt(&shared, generation).await {
            Ended::Replaced => return,
            Ended::Retry => {
                let mut eng = shared.engine.borrow_mut();
                let now = crate::now_ms();
                match eng.link_mut(generation) {
                    Some(m) => {
                        if m.state == LinkState::Connected {
                            m.down_since_ms = now;
                        }
                        m.state = LinkState::Connect;
                    }
                    None => return,
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Sets the link state; false if the link was replaced meanwhile.
fn set_state(shared: &Shared, generation: u64, state: LinkState) -> bool {
    let mut eng = shared.engine.borrow_mut();
    match eng.link_mut(generation) {
        Some(m) => {
            m.state = state;
            true
        }
        None => false,
    }
}

/// One connection to the master, from connect to loss.
async fn attempt(shared: &Rc<Shared>, generation: u64) -> Ended {
    let (host, port, timeout) = {
        let eng = shared.engine.borrow();
        let Some(m) = &eng.role.master else {
            return Ended::Replaced;
        };
        let timeout = Duration::from_secs(eng.config.int("repl-timeout").max(1) as u64);
        (m.host.clone(), m.port, timeout)
    };
    if !set_state(shared, generation, LinkState::Connecting) {
        return Ended::Replaced;
    }
    let connect = tokio::time::timeout(timeout, TcpStream::connect((host.as_str(), port)));
    let stream = match connect.await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::warn!("Error condition on socket for SYNC: {}", e);
            return Ended::Retry;
        }
        Err(_) => {
            tracing::warn!("Timeout connecting to the MASTER...");
            return Ended::Retry;
        }
    };
    let _ = stream.set_nodelay(true);
    tracing::info!("MASTER <-> REPLICA sync started");
    if !set_state(shared, generation, LinkState::Handshake) {
        return Ended::Replaced;
    }
    let mut link = Link {
        stream,
        buf: BytesMut::with_capacity(16 * 1024),
        timeout,
    };
    match link.sync(shared, generation).await {
        Ok(true) => {}
        Ok(false) => return Ended::Replaced,
        Err(e) => {
            tracing::warn!("{e}");
            return Ended::Retry;
        }
    }
    link.stream_loop(shared, generation).await
}

/// The socket to the master and what was read but not yet used.
struct Link {
    stream: TcpStream,
    buf: BytesMut,
    timeout: Duration,
}

impl Link {
    /// Reads more bytes, within the replication timeout.
    async fn fill(&mut self) -> Result<(), String> {
        match tokio::time::timeout(self.timeout, self.stream.read_buf(&mut self.buf)).await {
            Ok(Ok(0)) => Err("Connection with master lost.".into()),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("Error reading from MASTER: {e}")),
            Err(_) => Err("Timeout receiving the reply from MASTER".into()),
        }
    }

    /// One reply line, skipping the bare newlines masters send as
    /// keepalives.
    async fn line(&mut self) -> Result<String, String> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line = self.buf.split_to(pos + 1);
                let text = String::from_utf8_lossy(&line).trim_end().to_string();
                if text.is_empty() {
                    continue;
                }
                return Ok(text);
            }
            self.fill().await?;
        }
    }

    /// Sends a command and reads its reply line.
    async fn command(&mut self, argv: &[&[u8]]) -> Result<String, String> {
        let mut out = Vec::new();
        commands::propagate::encode(&mut out, argv);
        self.stream
            .write_all(&out)
            .await
            .map_err(|e| format!("Error writing to MASTER: {e}"))?;
        self.line().await
    }

    /// The handshake and the synchronisation. Ok(false) if the link was
    /// replaced meanwhile.
    async fn sync(&mut self, shared: &Rc<Shared>, generation: u64) -> Result<bool, String> {
        let reply = self.command(&[b"PING"]).await?;
        if reply.starts_with('-')
            && !reply.starts_with("-NOAUTH")
            && !reply.starts_with("-NOPERM")
            && !reply.starts_with("-ERR operation not permitted")
        {
            return Err(format!("Error reply to PING from master: '{reply}'"));
        }
        tracing::info!("Master replied to PING, replication can continue...");
        let (auth, port, ip, replid, offset) = {
            let eng = shared.engine.borrow();
            let pass = eng.config.string("masterauth");
            let user = eng.config.string("masteruser");
            let announce_port = eng.config.int("replica-announce-port");
            let port = if announce_port > 0 {
                announce_port
            } else {
                eng.identity.tcp_port as i64
            };
            let ip = eng.config.string("replica-announce-ip");
            let repl = &eng.propagation.repl;
            (
                (!pass.is_empty()).then_some((user, pass)),
                port.to_string(),
                ip,
                repl.replid.clone(),
                repl.offset + 1,
            )
        };
        if let Some((user, pass)) = auth {
            let reply = if user.is_empty() {
                self.command(&[b"AUTH", pass.as_bytes()]).await?
            } else {
                self.command(&[b"AUTH", user.as_bytes(), pass.as_bytes()])
                    .await?
            };
            if reply.starts_with('-') {
                return Err(format!("Unable to AUTH to MASTER: {reply}"));
            }
        }
        let reply = self
            .command(&[b"REPLCONF", b"listening-port", port.as_bytes()])
            .await?;
        if reply.starts_with('-') {
            tracing::info!(
                "(Non critical) Master does not understand REPLCONF listening-port: {reply}"
            );
        }
        if !ip.is_empty() {
            self.command(&[b"REPLCONF", b"ip-address", ip.as_bytes()])
                .await?;
        }
        let reply = self
            .command(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"])
            .await?;
        if reply.starts_with('-') {
            tracing::info!("(Non critical) Master does not understand REPLCONF capa: {reply}");
        }
        let offset = offset.to_string();
        tracing::info!("Trying a partial resynchronization (request {replid}:{offset}).");
        let failing_over = shared.engine.borrow().role.failover.is_some();
        let mut psync: Vec<&[u8]> = vec![b"PSYNC", replid.as_bytes(), offset.as_bytes()];
        if failing_over {
            psync.push(b"FAILOVER");
        }
        let reply = self.command(&psync).await?;
        if failing_over {
            let mut eng = shared.engine.borrow_mut();
            if reply.starts_with("+CONTINUE") || reply.starts_with("+FULLRESYNC") {
                eng.finish_failover();
            } else {
                eng.abort_failover("Failover target rejected psync request");
                return Ok(false);
            }
        }
        if let Some(rest) = reply.strip_prefix("+FULLRESYNC") {
            let mut words = rest.split_whitespace();
            let id = words.next().unwrap_or_default().to_string();
            let off: i64 = words.next().and_then(|o| o.parse().ok()).unwrap_or(-1);
            tracing::info!("Full resync from master: {id}:{off}");
            if !set_state(shared, generation, LinkState::Transfer) {
                return Ok(false);
            }
            let (payload, eof_mark) = self.payload().await?;
            return self
                .load(shared, generation, &payload, id, off, eof_mark)
                .await;
        }
        if let Some(rest) = reply.strip_prefix("+CONTINUE") {
            tracing::info!("Successful partial resynchronization with master.");
            let mut eng = shared.engine.borrow_mut();
            if eng.link_mut(generation).is_none() {
                return Ok(false);
            }
            if let Some(id) = rest.split_whitespace().next() {
                eng.continue_with_replid(id.to_string());
            }
            tracing::info!("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
            return Ok(true);
        }
        Err(format!("Unexpected reply to PSYNC from master: {reply}"))
    }

    /// The RDB of a full synchronisation: `$<len>` then len bytes, or
    /// `$EOF:<40-byte mark>` then bytes up to the mark. True if it used
    /// the mark (the master then waits for our first ACK).
    async fn payload(&mut self) -> Result<(Vec<u8>, bool), String> {
        let header = self.line().await?;
        if header.starts_with('-') {
            return Err(format!(
                "MASTER aborted replication with an error: {header}"
            ));
        }
        let Some(spec) = header.strip_prefix('$') else {
            return Err(format!("Bad protocol from MASTER, the first byte is not '$' (we received '{header}'), are you sure the host and port are right?"));
        };
        if let Some(mark) = spec.strip_prefix("EOF:") {
            let mark = mark.as_bytes().to_vec();
            tracing::info!(
                "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"
            );
            loop {
                if self.buf.len() >= mark.len() && self.buf.ends_with(&mark) {
                    let mut data = self.buf.split().to_vec();
                    data.truncate(data.len() - mark.len());
                    return Ok((data, true));
                }
                self.fill().await?;
            }
        }
        let len: usize = spec
            .parse()
            .map_err(|_| format!("Bad RDB length from MASTER: '{header}'"))?;
        tracing::info!("MASTER <-> REPLICA sync: receiving {len} bytes from master to disk");
        while self.buf.len() < len {
            self.fill().await?;
        }
        Ok((self.buf.split_to(len).to_vec(), false))
    }

    /// Loads the RDB into a fresh keyspace and makes it ours.
    async fn load(
        &mut self,
        shared: &Rc<Shared>,
        generation: u64,
        payload: &[u8],
        replid: String,
        offset: i64,
        eof_mark: bool,
    ) -> Result<bool, String> {
        let opts = {
            let eng = shared.engine.borrow();
            crate::rdb_load_options(&eng.config, eng.ks.dbs.len(), crate::now_ms(), false)
        };
        tracing::info!("MASTER <-> REPLICA sync: Flushing old data");
        tracing::info!("MASTER <-> REPLICA sync: Loading DB in memory");
        let (ks, loaded) = rdb::load_keyspace(payload, &opts).map_err(|e| {
            format!("Failed trying to load the MASTER synchronization DB from socket: {e}")
        })?;
        tracing::info!(
            "Done loading RDB, keys loaded: {}, keys expired: {}.",
            loaded.keys_loaded,
            loaded.keys_expired
        );
        {
            let mut eng = shared.engine.borrow_mut();
            if eng.link_mut(generation).is_none() {
                return Ok(false);
            }
            eng.install_full_sync(ks, replid, offset);
        }
        tracing::info!("MASTER <-> REPLICA sync: Finished with success");
        if eof_mark {
            self.ack(shared).await?;
        }
        Ok(true)
    }

    /// `REPLCONF ACK <offset>`.
    async fn ack(&mut self, shared: &Shared) -> Result<(), String> {
        let offset = shared.engine.borrow().propagation.repl.offset.to_string();
        let mut out = Vec::new();
        commands::propagate::encode(&mut out, &[b"REPLCONF", b"ACK", offset.as_bytes()]);
        self.stream
            .write_all(&out)
            .await
            .map_err(|e| format!("Error writing to MASTER: {e}"))
    }

    /// Applies the stream until the link breaks or is replaced.
    async fn stream_loop(&mut self, shared: &Rc<Shared>, generation: u64) -> Ended {
        let state = {
            let mut eng = shared.engine.borrow_mut();
            let now = crate::now_ms();
            let offset = eng.propagation.repl.offset;
            let Some(m) = eng.link_mut(generation) else {
                return Ended::Replaced;
            };
            m.state = LinkState::Connected;
            m.last_io_ms = now;
            m.down_since_ms = 0;
            m.applied_offset = offset;
            let state = eng.new_client(now);
            {
                let mut c = state.borrow_mut();
                c.flags.master = true;
                c.authenticated = true;
                c.addr = self
                    .stream
                    .peer_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                c.laddr = self
                    .stream
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
            }
            state
        };
        let ended = self.apply(shared, generation, &state).await;
        let id = state.borrow().id;
        shared.engine.borrow_mut().remove_client(id);
        ended
    }

    async fn apply(
        &mut self,
        shared: &Rc<Shared>,
        generation: u64,
        state: &Rc<RefCell<ClientState>>,
    ) -> Ended {
        let mut parser = RequestParser::new();
        let mut ack_timer = tokio::time::interval(Duration::from_secs(1));
        loop {
            let replies = match self.run_buffered(shared, generation, state, &mut parser) {
                Some(r) => r,
                None => return Ended::Replaced,
            };
            if !replies.is_empty() && self.stream.write_all(&replies).await.is_err() {
                return Ended::Retry;
            }
            tokio::select! {
                r = tokio::time::timeout(self.timeout, self.stream.read_buf(&mut self.buf)) => match r {
                    Ok(Ok(n)) if n > 0 => {}
                    Ok(_) => {
                        tracing::info!("Connection with master lost.");
                        return Ended::Retry;
                    }
                    Err(_) => {
                        tracing::warn!("MASTER timeout: no data nor PING received...");
                        return Ended::Retry;
                    }
                },
                _ = ack_timer.tick() => {
                    if self.ack(shared).await.is_err() {
                        return Ended::Retry;
                    }
                }
            }
            if state.borrow().flags.close_asap {
                // CLIENT KILL retries; a new REPLICAOF has its own task.
                let current = shared.engine.borrow_mut().link_mut(generation).is_some();
                return if current {
                    Ended::Retry
                } else {
                    Ended::Replaced
                };
            }
        }
    }

    /// Runs every complete command buffered. Each command's bytes are
    /// relayed to our own replicas and counted in our offset once it ran.
    /// Returns what must be written back (ACKs asked by GETACK), or None
    /// if the link was replaced.
    fn run_buffered(
        &mut self,
        shared: &Shared,
        generation: u64,
        state: &Rc<RefCell<ClientState>>,
        parser: &mut RequestParser,
    ) -> Option<Vec<u8>> {
        let mut eng = shared.engine.borrow_mut();
        let mut c = state.borrow_mut();
        let now = crate::now_ms();
        eng.link_mut(generation)?.last_io_ms = now;
        let limits = Limits::default();
        let mut replies = Vec::new();
        let mut used = 0;
        loop {
            let buf = &self.buf[used..];
            let cmd = match parser.parse(buf, &limits) {
                Ok(Some(cmd)) => cmd,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("Protocol error from MASTER: {}", e.0);
                    c.flags.close_asap = true;
                    break;
                }
            };
            if !cmd.is_empty() {
                let mut argv = resp::Argv::new();
                cmd.argv(buf, &mut argv);
                c.out.buf.clear();
                if eng.execute(&mut c, &argv, now) == Outcome::Continue {
                    // Only REPLCONF GETACK answers the master.
                    let getack = argv.len() > 1
                        && argv[0].eq_ignore_ascii_case(b"replconf")
                        && argv[1].eq_ignore_ascii_case(b"getack");
                    if getack {
                        replies.extend_from_slice(&c.out.buf);
                    }
                }
                c.out.buf.clear();
            }
            eng.feed_stream(&buf[..cmd.consumed]);
            let offset = eng.propagation.repl.offset;
            if let Some(m) = eng.link_mut(generation) {
                m.applied_offset = offset;
            }
            used += cmd.consumed;
        }
        self.buf.advance(used);
        Some(replies)
    }
}
