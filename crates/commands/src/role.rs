//! The replication role of this node (replication.c): the link to our
//! master when we are a replica, and what we know of our own replicas
//! (their announced address, capabilities and acknowledged offsets),
//! with the WAIT bookkeeping that depends on those acknowledgements.
//!
//! The sockets live in the server crate: it reads [`MasterLink`] to know
//! whom to connect to, reports progress through [`LinkState`], and hands
//! the engine every REPLCONF ACK that replicas send.

use crate::engine::Engine;
use std::collections::HashMap;

/// Where the link to our master is (server.h `repl_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Must connect.
    Connect,
    /// TCP connection in progress.
    Connecting,
    /// PING / AUTH / REPLCONF / PSYNC exchange.
    Handshake,
    /// Receiving the RDB of a full synchronisation.
    Transfer,
    /// Applying the live stream.
    Connected,
}

impl LinkState {
    /// The state as ROLE names it.
    pub fn role_name(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Transfer => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// Our master, when we are a replica.
#[derive(Debug, Clone)]
pub struct MasterLink {
    /// Master host as given to REPLICAOF.
    pub host: String,
    /// Master port.
    pub port: u16,
    /// Progress of the link.
    pub state: LinkState,
    /// Bumped by every REPLICAOF, so a link task of an older master stops.
    pub generation: u64,
    /// Unix ms of the last byte from the master (0 = none yet).
    pub last_io_ms: i64,
    /// Unix ms since when the link is down (0 = it never was up).
    pub down_since_ms: i64,
    /// Offset of the stream applied (`slave_repl_offset`), -1 before any
    /// sync.
    pub applied_offset: i64,
}

/// A replica's progress as the master sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaState {
    /// Waiting for a snapshot to start (`SLAVE_STATE_WAIT_BGSAVE_START`).
    WaitBgsave,
    /// Its snapshot is being made (`SLAVE_STATE_WAIT_BGSAVE_END`): it got
    /// `+FULLRESYNC`, and the stream after the snapshot is kept in
    /// [`ReplicaInfo::held`].
    WaitBgsaveEnd,
    /// Receiving its RDB.
    SendBulk,
    /// Receiving the stream.
    Online,
}

impl ReplicaState {
    /// The `state=` of INFO's `slaveN` lines.
    pub fn name(self) -> &'static str {
        match self {
            ReplicaState::WaitBgsave | ReplicaState::WaitBgsaveEnd => "wait_bgsave",
            ReplicaState::SendBulk => "send_bulk",
            ReplicaState::Online => "online",
        }
    }
}

/// What a connected client told us with REPLCONF, and its acks.
#[derive(Debug, Clone, Default)]
pub struct ReplicaInfo {
    /// REPLCONF listening-port.
    pub listening_port: u16,
    /// REPLCONF ip-address, if announced.
    pub announced_ip: Option<String>,
    /// REPLCONF capa eof.
    pub capa_eof: bool,
    /// REPLCONF capa psync2.
    pub capa_psync2: bool,
    /// Last REPLCONF ACK offset.
    pub ack_offset: i64,
    /// Unix ms of the last ACK.
    pub ack_ms: i64,
    /// Set once PSYNC/SYNC made it a replica.
    pub state: Option<ReplicaState>,
    /// The RDB of its full sync is still in its reply buffer.
    pub rdb_pending: bool,
    /// It asked with PSYNC (it gets a `+FULLRESYNC` line), not SYNC.
    pub psync: bool,
    /// Unix ms since when it waits for its full sync to start.
    pub waiting_since_ms: i64,
    /// Stream held back: while its snapshot is made (it must follow the
    /// RDB), and after a diskless transfer until its first ACK says the
    /// RDB was loaded (replication.c `repl_start_cmd_stream_on_ack`).
    pub held: Option<Vec<u8>>,
}

/// A client blocked in WAIT.
#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    /// Replicas wanted.
    pub numreplicas: usize,
    /// The offset they must have acknowledged.
    pub offset: i64,
    /// Deadline, unix ms (0 = none).
    pub deadline_ms: i64,
}

/// The role state of the engine.
#[derive(Debug, Default)]
pub struct Role {
    /// Our master, if we are a replica.
    pub master: Option<MasterLink>,
    /// REPLCONF data of clients, by id (replicas and would-be replicas).
    pub replicas: HashMap<u64, ReplicaInfo>,
    /// WAITing clients by id.
    pub waiters: HashMap<u64, Waiter>,
    /// Last REPLICAOF generation handed out.
    pub generation: u64,
    /// Unix ms of the last PING sent to replicas.
    pub last_ping_ms: i64,
    /// Unix ms of the last newline sent to replicas waiting for a sync.
    pub last_keepalive_ms: i64,
    /// A FAILOVER under way.
    pub failover: Option<crate::failover::Failover>,
    /// The snapshot child serving full syncs, while one runs.
    pub sync: Option<crate::fullsync::SyncSnapshot>,
}

impl Role {
    /// True if this node is a replica.
    pub fn is_replica(&self) -> bool {
        self.master.is_some()
    }

    /// Online replicas that acknowledged at least `offset`.
    pub fn acked(&self, offset: i64) -> usize {
        self.replicas
            .values()
            .filter(|r| r.state == Some(ReplicaState::Online) && r.ack_offset >= offset)
            .count()
    }
}

impl Engine {
    /// A replica acknowledged `offset` (REPLCONF ACK): WAITing clients
    /// that now have enough acknowledgements get their count.
    pub fn replica_ack(&mut self, id: u64, offset: i64, now_ms: i64) {
        if let Some(r) = self.role.replicas.get_mut(&id) {
            r.ack_offset = r.ack_offset.max(offset);
            r.ack_ms = now_ms;
        }
        self.update_failover(now_ms);
        let ready: Vec<(u64, usize)> = self
            .role
            .waiters
            .iter()
            .filter_map(|(c, w)| {
                let n = self.role.acked(w.offset);
                (n >= w.numreplicas).then_some((*c, n))
            })
            .collect();
        for (c, n) in ready {
            self.role.waiters.remove(&c);
            if let Some(rc) = self.clients.get(&c) {
                if let Ok(mut client) = rc.try_borrow_mut() {
                    client.out.int(n as i64);
                    client.wake();
                }
            }
        }
    }

    /// A WAITing client's deadline passed: it gets the count it has.
    pub fn wait_timeout(&mut self, client: &mut crate::ClientState) {
        if let Some(w) = self.role.waiters.remove(&client.id) {
            client.out.int(self.role.acked(w.offset) as i64);
        }
    }
}

impl Engine {
    /// The current link, if it is still the one of `generation`.
    pub fn link_mut(&mut self, generation: u64) -> Option<&mut MasterLink> {
        self.role
            .master
            .as_mut()
            .filter(|m| m.generation == generation)
    }

    /// A full synchronisation was loaded (replication.c
    /// `readSyncBulkPayload`): the dataset is replaced, and our history is
    /// the master's from `offset` on. Our own replicas must resync.
    pub fn install_full_sync(&mut self, ks: keyspace::Keyspace, replid: String, offset: i64) {
        for db in 0..self.ks.dbs.len() {
            self.signal_db_replaced(db, None);
        }
        self.ks = ks;
        let repl = &mut self.propagation.repl;
        repl.replid = replid;
        repl.offset = offset;
        repl.clear_replid2();
        repl.backlog = None;
        let size = self.config.int("repl-backlog-size").max(1) as usize;
        repl.ensure_backlog(size);
        self.disconnect_replicas();
    }

    /// `+CONTINUE <replid>` from a master whose history has a new ID
    /// (replication.c `slaveTryPartialResynchronization`): the old one
    /// stays valid up to here, and our replicas reconnect to learn it.
    pub fn continue_with_replid(&mut self, replid: String) {
        if replid != self.propagation.repl.replid {
            self.propagation.repl.shift_replid(replid);
            tracing::info!(
                "Master replication ID changed to {}",
                self.propagation.repl.replid
            );
            self.disconnect_replicas();
        }
        let size = self.config.int("repl-backlog-size").max(1) as usize;
        self.propagation.repl.ensure_backlog(size);
    }
}
