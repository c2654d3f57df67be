//! Replication commands (replication.c): REPLICAOF / SLAVEOF, ROLE,
//! REPLCONF, PSYNC / SYNC and WAIT.

use crate::args::eq;
use crate::engine::{Ctx, Mode};
use crate::error::{CmdError, CmdResult, SYNTAX};
use crate::role::{LinkState, MasterLink, ReplicaState, Waiter};
use crate::table::Handler;
use replication::Psync;

/// Handlers of this family.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("replicaof", replicaof),
    ("slaveof", replicaof),
    ("role", role),
    ("replconf", replconf),
    ("psync", sync),
    ("sync", sync),
    ("wait", wait),
];

/// REPLICAOF host port | NO ONE (replication.c `replicaofCommand`).
fn replicaof(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if ctx.eng.role.failover.is_some() {
        return Err(CmdError::fixed(
            "ERR REPLICAOF not allowed while failing over.",
        ));
    }
    if eq(argv[1], "no") && eq(argv[2], "one") {
        if ctx.eng.role.is_replica() {
            ctx.eng.unset_master();
            let who = crate::cmd::client::info_line(ctx.eng, ctx.client, ctx.now_ms, 0, true);
            tracing::info!("MASTER MODE enabled (user request from '{who}')");
        }
        ctx.client.out.ok();
        return Ok(());
    }
    if ctx.client.flags.replica {
        return Err(CmdError::fixed(
            "ERR Command is not valid when client is a replica.",
        ));
    }
    let port = resp::parse_i64(argv[2])
        .filter(|p| (0..=65535).contains(p))
        .ok_or(CmdError::fixed("ERR Invalid master port"))? as u16;
    let host = String::from_utf8_lossy(argv[1]).into_owned();
    if let Some(m) = &ctx.eng.role.master {
        if m.host.eq_ignore_ascii_case(&host) && m.port == port {
            tracing::info!("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
            ctx.client
                .out
                .simple("OK Already connected to specified master");
            return Ok(());
        }
    }
    ctx.eng.set_master(host.clone(), port, ctx.now_ms);
    let who = crate::cmd::client::info_line(ctx.eng, ctx.client, ctx.now_ms, 0, true);
    tracing::info!("REPLICAOF {host}:{port} enabled (user request from '{who}')");
    ctx.client.out.ok();
    Ok(())
}

/// ROLE (replication.c `roleCommand`).
fn role(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let eng = &*ctx.eng;
    let out = &mut ctx.client.out;
    if eng.identity.mode == Mode::Sentinel {
        out.array(2);
        out.bulk(b"sentinel");
        out.array(0);
        return Ok(());
    }
    match &eng.role.master {
        Some(m) => {
            out.array(5);
            out.bulk(b"slave");
            out.bulk(m.host.as_bytes());
            out.int(m.port as i64);
            out.bulk(m.state.role_name().as_bytes());
            out.int(if m.state == LinkState::Connected {
                m.applied_offset
            } else {
                -1
            });
        }
        None => {
            out.array(3);
            out.bulk(b"master");
            out.int(eng.propagation.repl.offset);
            let online = eng.online_replicas();
            out.array(online.len());
            for (ip, port, ack) in online {
                out.array(3);
                out.bulk(ip.as_bytes());
                out.bulk_int(port as i64);
                out.bulk_int(ack);
            }
        }
    }
    Ok(())
}

/// REPLCONF option value ... (replication.c `replconfCommand`).
fn replconf(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len().is_multiple_of(2) {
        return Err(SYNTAX);
    }
    let id = ctx.client.id;
    for pair in argv[1..].chunks(2) {
        let (opt, val) = (pair[0], pair[1]);
        if eq(opt, "listening-port") {
            let port = resp::parse_i64(val).ok_or(crate::error::NOT_INTEGER)?;
            ctx.eng.role.replicas.entry(id).or_default().listening_port = port as u16;
        } else if eq(opt, "ip-address") {
            if val.len() >= 46 {
                return Err(CmdError::new(format!(
                    "ERR REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    val.len()
                )));
            }
            ctx.eng.role.replicas.entry(id).or_default().announced_ip =
                Some(String::from_utf8_lossy(val).into_owned());
        } else if eq(opt, "capa") {
            let info = ctx.eng.role.replicas.entry(id).or_default();
            if eq(val, "eof") {
                info.capa_eof = true;
            } else if eq(val, "psync2") {
                info.capa_psync2 = true;
            }
        } else if eq(opt, "ack") {
            // No reply, and only from a replica.
            if ctx.client.flags.replica {
                if let Some(off) = resp::parse_i64(val) {
                    ctx.eng.release_held_stream(ctx.client);
                    ctx.eng.replica_ack(id, off, ctx.now_ms);
                }
            }
            return Ok(());
        } else if eq(opt, "getack") {
            // From our master: answer with our applied offset, at once.
            if let (true, Some(m)) = (ctx.client.flags.master, &ctx.eng.role.master) {
                let off = m.applied_offset.to_string();
                crate::propagate::encode(
                    &mut ctx.client.out.buf,
                    &[b"REPLCONF", b"ACK", off.as_bytes()],
                );
            }
            return Ok(());
        } else if eq(opt, "rdb-only") || eq(opt, "rdb-filter-only") {
            // redis-cli --rdb: accepted; the RDB we send is always whole.
        } else {
            return Err(CmdError::new(format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    ctx.client.out.ok();
    Ok(())
}

/// PSYNC replid offset / SYNC (replication.c `syncCommand`).
fn sync(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if ctx.client.flags.replica {
        return Ok(());
    }
    // PSYNC <replid> <offset> FAILOVER: our master hands over to us.
    if argv.len() > 3 && eq(argv[0], "psync") && eq(argv[3], "failover") {
        if !argv[1].eq_ignore_ascii_case(ctx.eng.propagation.repl.replid.as_bytes()) {
            return Err(CmdError::fixed(
                "ERR PSYNC FAILOVER replid must match my replid.",
            ));
        }
        ctx.eng.unset_master();
        let who = crate::cmd::client::info_line(ctx.eng, ctx.client, ctx.now_ms, 0, true);
        tracing::info!("MASTER MODE enabled (failover request from '{who}')");
    }
    if ctx.eng.role.failover.is_some() {
        return Err(CmdError::fixed(
            "NOMASTERLINK Can't SYNC while failing over",
        ));
    }
    if ctx
        .eng
        .role
        .master
        .as_ref()
        .is_some_and(|m| m.state != LinkState::Connected)
    {
        return Err(CmdError::fixed(
            "NOMASTERLINK Can't SYNC while not connected with my master",
        ));
    }
    if !ctx.client.out.buf.is_empty() {
        return Err(CmdError::fixed(
            "ERR SYNC and PSYNC are invalid with pending output",
        ));
    }
    let name = ctx.eng.replica_name(ctx.client);
    tracing::info!("Replica {name} asks for synchronization");
    let psync = eq(argv[0], "psync");
    if psync {
        let Some(offset) = resp::parse_i64(argv[2]) else {
            tracing::warn!("Replica {name} asks for synchronization but with a wrong offset");
            return Err(crate::error::NOT_INTEGER);
        };
        let replid = String::from_utf8_lossy(argv[1]).into_owned();
        match ctx.eng.propagation.repl.psync(&replid, offset) {
            Psync::Continue => {
                ctx.eng.continue_replica(ctx.client, offset, ctx.now_ms);
                ctx.eng.stats.sync_partial_ok += 1;
                return Ok(());
            }
            Psync::Full(reason) => {
                if replid != "?" {
                    ctx.eng.stats.sync_partial_err += 1;
                    tracing::info!("{reason}");
                }
            }
        }
    }
    ctx.eng.stats.sync_full += 1;
    ctx.eng.request_full_sync(ctx.client, psync, ctx.now_ms);
    Ok(())
}

/// WAIT numreplicas timeout (replication.c `waitCommand`).
fn wait(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if ctx.eng.role.is_replica() {
        return Err(CmdError::fixed("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."));
    }
    let numreplicas = resp::parse_i64(argv[1]).ok_or(crate::error::NOT_INTEGER)?;
    let ms = resp::parse_i64(argv[2]).ok_or(CmdError::fixed(
        "ERR timeout is not an integer or out of range",
    ))?;
    if ms < 0 {
        return Err(CmdError::fixed("ERR timeout is negative"));
    }
    let offset = ctx.client.woff;
    let acked = ctx.eng.role.acked(offset);
    if acked as i64 >= numreplicas || ctx.in_exec {
        ctx.client.out.int(acked as i64);
        return Ok(());
    }
    let deadline_ms = if ms == 0 { 0 } else { ctx.now_ms + ms };
    ctx.eng.role.waiters.insert(
        ctx.client.id,
        Waiter {
            numreplicas: numreplicas as usize,
            offset,
            deadline_ms,
        },
    );
    ctx.eng.request_acks();
    Ok(())
}

impl crate::engine::Engine {
    /// Becomes a replica of host:port (replication.c
    /// `replicationSetMaster`): blocked clients are released with an
    /// error, and the link task of the server connects.
    pub fn set_master(&mut self, host: String, port: u16, now_ms: i64) {
        self.release_blocked_clients();
        let previous_master = self.role.master.take().map(|_| ());
        self.close_master_client();
        self.role.generation += 1;
        let applied = if previous_master.is_some() {
            -1
        } else {
            self.propagation.repl.offset
        };
        self.role.master = Some(MasterLink {
            host: host.clone(),
            port,
            state: LinkState::Connect,
            generation: self.role.generation,
            last_io_ms: 0,
            down_since_ms: now_ms,
            applied_offset: applied,
        });
        // CONFIG REWRITE writes the new master (config.c `replicaof`).
        let _ = self
            .config
            .force_set("replicaof", &[host.as_str(), &port.to_string()]);
        tracing::info!("Connecting to MASTER {host}:{port}");
    }

    /// Becomes a master again (replication.c `replicationUnsetMaster`):
    /// the history continues under a new ID, and our replicas reconnect
    /// to learn it (they continue with a partial resync).
    pub fn unset_master(&mut self) {
        self.role.master = None;
        self.role.generation += 1;
        let _ = self.config.force_set("replicaof", &["no", "one"]);
        self.close_master_client();
        let id = crate::engine::random_hex40(&mut self.rng);
        self.propagation.repl.shift_replid(id);
        self.disconnect_replicas();
        self.propagation.selected_db = -1;
        let repl = &self.propagation.repl;
        tracing::info!(
            "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
            repl.replid2,
            repl.second_replid_offset,
            repl.replid
        );
    }

    /// Closes the client of our master link, if connected.
    fn close_master_client(&mut self) {
        for rc in self.clients.values() {
            if let Ok(mut c) = rc.try_borrow_mut() {
                if c.flags.master {
                    c.flags.close_asap = true;
                    c.wake();
                }
            }
        }
    }

    /// Closes every replica connection (replication.c `disconnectSlaves`).
    pub fn disconnect_replicas(&mut self) {
        for id in std::mem::take(&mut self.propagation.replicas) {
            self.role.replicas.remove(&id);
            if let Some(rc) = self.clients.get(&id) {
                if let Ok(mut c) = rc.try_borrow_mut() {
                    c.flags.close_asap = true;
                    c.wake();
                }
            }
        }
    }

    /// Releases every client blocked on keys or in WAIT with an error
    /// (blocked.c `disconnectAllBlockedClients`).
    fn release_blocked_clients(&mut self) {
        let ids: Vec<u64> = self.clients.keys().copied().collect();
        for id in ids {
            let blocked =
                self.blocking.unblock(id).is_some() || self.role.waiters.remove(&id).is_some();
            if !blocked {
                continue;
            }
            if let Some(rc) = self.clients.get(&id) {
                if let Ok(mut c) = rc.try_borrow_mut() {
                    c.out.error("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)");
                    c.wake();
                }
            }
        }
    }

    /// `ip:port` of a replica as Redis logs it (`replicationGetSlaveName`).
    pub fn replica_name(&self, c: &crate::ClientState) -> String {
        let info = self.role.replicas.get(&c.id);
        let ip = info
            .and_then(|r| r.announced_ip.clone())
            .unwrap_or_else(|| peer_ip(&c.addr));
        match info.map(|r| r.listening_port).filter(|p| *p != 0) {
            Some(port) => format!("{ip}:{port}"),
            None => format!("{ip}:<unknown-replica-port>"),
        }
    }

    /// (ip, listening port, acked offset) of every online replica.
    pub fn online_replicas(&self) -> Vec<(String, u16, i64)> {
        self.propagation
            .replicas
            .iter()
            .filter_map(|id| {
                let info = self.role.replicas.get(id)?;
                if info.state != Some(ReplicaState::Online) {
                    return None;
                }
                let addr = self.clients.get(id)?.try_borrow().ok()?.addr.clone();
                let ip = info.announced_ip.clone().unwrap_or_else(|| peer_ip(&addr));
                Some((ip, info.listening_port, info.ack_offset))
            })
            .collect()
    }

    /// Makes `client` a replica that receives the stream.
    pub(crate) fn add_replica(&mut self, client: &mut crate::ClientState, now_ms: i64) {
        client.flags.replica = true;
        let info = self.role.replicas.entry(client.id).or_default();
        info.state = Some(ReplicaState::Online);
        info.ack_ms = now_ms;
        self.propagation.replicas.push(client.id);
    }

    /// `+CONTINUE` and the backlog from `offset` (replication.c
    /// `masterTryPartialResynchronization`).
    fn continue_replica(&mut self, client: &mut crate::ClientState, offset: i64, now_ms: i64) {
        let psync2 = self
            .role
            .replicas
            .get(&client.id)
            .is_some_and(|r| r.capa_psync2);
        let repl = &self.propagation.repl;
        if psync2 {
            client.out.simple(&format!("CONTINUE {}", repl.replid));
        } else {
            client.out.simple("CONTINUE");
        }
        let backlog = repl
            .backlog
            .as_ref()
            .and_then(|b| b.since(offset))
            .unwrap_or_default();
        client.out.raw(&backlog);
        let name = self.replica_name(client);
        tracing::info!(
            "Partial resynchronization request from {name} accepted. Sending {} bytes of backlog starting from offset {offset}.",
            backlog.len()
        );
        self.add_replica(client, now_ms);
    }

    /// Asks every replica for an ACK now (`REPLCONF GETACK *` in the
    /// stream, as replication.c `replicationRequestAckFromSlaves`).
    pub fn request_acks(&mut self) {
        if self.propagation.replicas.is_empty() {
            return;
        }
        let mut bytes = Vec::new();
        crate::propagate::encode(&mut bytes, &[b"REPLCONF", b"GETACK", b"*"]);
        self.feed_stream(&bytes);
    }
}

/// The IP part of `ip:port` (IPv6 addresses keep their colons).
fn peer_ip(addr: &str) -> String {
    match addr.rsplit_once(':') {
        Some((ip, _)) => ip.trim_matches(|c| c == '[' || c == ']').to_string(),
        None => addr.to_string(),
    }
}
